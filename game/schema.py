"""The scenario file format: pydantic models that check a scenario strictly.

A scenario file describes one situation completely (actors, factors, relations,
payoffs, moves, events). Nothing in it is ever evaluated as code: conditions,
chances and effects are plain structured data. See docs/scenario-format.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .limits import (
    MAX_ACTORS,
    MAX_CONDITIONS,
    MAX_EVENTS,
    MAX_FACTORS,
    MAX_INTERACTIONS,
    MAX_LIST,
    MAX_MOVES_PER_ACTOR,
    MAX_OBLIGATION_TURNS,
    MAX_OUTCOMES_PER_EVENT,
    MAX_PLANNER_HORIZON,
    MAX_PLANNER_ROLLOUTS,
    MAX_TURNS,
)
from .safetext import OneLine, Prose  # text fields refuse control characters

SCHEMA_VERSION = 1

# --- small reusable field types -------------------------------------------------

Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z][a-z0-9_\-]*$",
        description="Identifier: lower-case letters, digits, '_' or '-', starting with a letter.",
    ),
]
Name = Annotated[OneLine, Field(min_length=1, max_length=80)]
Line = Annotated[OneLine, Field(min_length=1, max_length=300, description="One line of text.")]
Text = Annotated[Prose, Field(min_length=1, max_length=2000)]
Probability = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1e6, le=1e6)]
Weight = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-100.0, le=100.0)]
RelationValue = Annotated[float, Field(strict=True, ge=-1.0, le=1.0, allow_inf_nan=False)]
RelationDelta = Annotated[float, Field(strict=True, ge=-2.0, le=2.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(strict=True, ge=0.0, le=1e6, allow_inf_nan=False)]
Colour = Annotated[
    str,
    Field(pattern=r"^#[0-9a-fA-F]{6}$", description="A colour as #RRGGBB."),
]


class Strict(BaseModel):
    """Base: unknown keys are errors, values are checked, models are immutable.

    Custom errors may carry ``"at"`` in their context: the key (dotted for nested keys)
    the message is about, so that the loader can point at that key's line.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- metadata --------------------------------------------------------------------


class Source(Strict):
    """A publication a number or rule comes from."""

    id: Id
    citation: Line = Field(description="Author, title, outlet, date.")
    url: OneLine | None = Field(default=None, max_length=500, description="Optional link to the publication.")


class Rationale(Strict):
    """Why a number has the value it has, and where that comes from."""

    rationale: Line = Field(description="One line: why this value (paraphrase, never quote).")
    source: Id | None = Field(default=None, description="Id of an entry in `sources`.")


# --- actors ----------------------------------------------------------------------


class TermSecurity(Strict):
    """How secure an actor's hold on office is, which sets how far ahead it looks."""

    kind: Literal["none", "election", "term_limit"] = Field(
        description="'none': no election or term limit; 'election': faces a vote on `date`; 'term_limit': must leave on `date`."
    )
    date: dt.date | None = Field(default=None, description="Date of the election or end of term.")
    patience: Probability = Field(
        default=0.95, description="Per-turn discount factor (0 = only now matters, 1 = future counts fully)."
    )
    beyond_term_weight: Probability = Field(
        default=1.0,
        description="How much turns after `date` count (0 = not at all, 1 = fully). Ignored for kind 'none'.",
    )
    note: Line | None = Field(default=None, description="An optional remark for the class.")

    @model_validator(mode="after")
    def _date_matches_kind(self) -> TermSecurity:
        if self.kind == "none" and self.date is not None:
            raise PydanticCustomError("term_date", "a term of kind 'none' takes no date; remove `date` or set kind to 'election' or 'term_limit'", {"at": "date"})
        if self.kind != "none" and self.date is None:
            raise PydanticCustomError("term_date", "a term of kind '{kind}' needs a `date` (YYYY-MM-DD)", {"kind": self.kind, "at": "kind"})
        return self


class Actor(Strict):
    """A leader at the table."""

    id: Id
    name: Name = Field(description="Full name as shown in the game.")
    short_name: Annotated[OneLine, Field(min_length=1, max_length=24)] | None = Field(
        default=None, description="One or two words for compact labels, e.g. 'Kim' (default: derived from the name)."
    )
    title: Name = Field(description="Office, e.g. President of Bregon.")
    country: Name = Field(description="Country (or organisation) the leader speaks for.")
    regime: Literal["autocracy", "democracy", "one_party", "hybrid", "monarchy", "other"] = Field(description="Kind of government.")
    power: Annotated[float, Field(strict=True, gt=0.0, le=1000.0, allow_inf_nan=False)] = Field(
        description="Relative size (economic and military weight); used for blocs."
    )
    term: TermSecurity = Field(description="How secure the leader is in office; sets how far ahead the AI looks.")
    veto: bool = Field(strict=True, default=False, description="Holds a UN Security Council veto.")
    colour: Colour = Field(description="The leader's colour in the game, as #RRGGBB in quotes.")
    portrait: Id = Field(description="Portrait badge id in assets/portraits.yaml.")
    rationality: Annotated[float, Field(strict=True, ge=0.0, le=1000.0, allow_inf_nan=False)] = Field(
        default=1.0,
        description="How strictly the AI picks its best move, on a scale common to all leaders: a move worth one "
        "per cent more of the leader's stakes is e^rationality times as likely (0 = uniformly at random).",
    )
    ai: Literal["fast", "planner"] = Field(
        default="fast",
        description="How the computer plays this leader when no team does: 'fast' (quantal response to expected "
        "values) or 'planner' (Monte Carlo look-ahead through the engine; slower).",
    )
    rationale: Line | None = Field(default=None, description="One line: why this leader is at the table.")
    source: Id | None = Field(default=None, description="Id of an entry in `sources`.")


# --- factors ---------------------------------------------------------------------


class Dynamics(Strict):
    """Per-turn change of a factor: x += drift + reversion*(level - x) + volatility*N(0,1)."""

    drift: Finite = Field(default=0.0, description="Steady change per turn, in the factor's unit.")
    reversion: Probability = Field(default=0.0, description="Share of the gap to `level` closed each turn.")
    level: Finite | None = Field(default=None, description="Long-run level for mean reversion (default: initial).")
    volatility: NonNegative = Field(default=0.0, description="Standard deviation of the random shock per turn.")


class Factor(Strict):
    """A quantity of the world (sanctions pressure, oil price, ...)."""

    id: Id
    label: Name = Field(description="Name shown in the game.")
    unit: Annotated[OneLine, Field(max_length=40)] = Field(default="", description="Unit shown after values, e.g. 'USD/bbl'.")
    initial: Finite = Field(description="Value at the start, between min and max.")
    min: Finite = Field(description="Lowest possible value.")
    max: Finite = Field(description="Highest possible value.")
    dynamics: Dynamics = Field(default=Dynamics(), description="How the factor moves on its own each turn.")
    description: Text | None = Field(default=None, description="A longer explanation for the class.")
    rationale: Line = Field(description="One line: why these numbers; paraphrase, never quote.")
    source: Id | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Factor:
        if not self.min < self.max:
            raise PydanticCustomError("bounds", "min ({min}) must be below max ({max})", {"min": self.min, "max": self.max, "at": "min"})
        if not self.min <= self.initial <= self.max:
            raise PydanticCustomError(
                "bounds", "initial value {v} is outside [{min}, {max}]", {"v": self.initial, "min": self.min, "max": self.max, "at": "initial"}
            )
        lvl = self.dynamics.level
        if lvl is not None and not self.min <= lvl <= self.max:
            raise PydanticCustomError(
                "bounds", "dynamics.level {v} is outside [{min}, {max}]", {"v": lvl, "min": self.min, "max": self.max, "at": "dynamics.level"}
            )
        return self


# --- relations -------------------------------------------------------------------


Pair = Annotated[list[Id], Field(min_length=2, max_length=2, description="Two different actor ids.")]


class Relation(Strict):
    """The starting relation of two actors and where it tends in the long run."""

    between: Pair
    initial: RelationValue = Field(description="-1 hostile ... 0 neutral ... +1 allied.")
    propensity: RelationValue = Field(description="Long-run pull: how much the two share values and interests.")
    rationale: Line
    source: Id | None = None


class RelationSettings(Strict):
    """How relations move on their own each turn."""

    pull: Probability = Field(default=0.05, description="Share of the gap to the propensity closed each turn.")
    volatility: Annotated[float, Field(strict=True, ge=0.0, le=0.5, allow_inf_nan=False)] = 0.01
    pairs: Annotated[list[Relation], Field(max_length=300)] = Field(description="Starting relations; pairs not listed start at 0 and tend to 0.")


# --- payoffs ---------------------------------------------------------------------


class FactorWeight(Rationale):
    factor: Id
    weight: Weight = Field(description="Payoff per turn for the factor going from its min to its max.")


class RelationWeight(Rationale):
    actor: Id = Field(description="The other actor.")
    weight: Weight = Field(description="Payoff per turn for a relation of +1 (vs 0).")


def _one_of(kind: str, factor: str | None, relation: list[str] | None) -> PydanticCustomError:
    """The error for a quantity, term or scale that names both a factor and a relation, or neither."""
    if factor is not None:
        return PydanticCustomError(kind, "both `factor` ({f}) and `relation` ({r}) are given; give exactly one of them",
                                   {"f": factor, "r": ", ".join(relation or [])})
    return PydanticCustomError(kind, "neither `factor` nor `relation` is given; give exactly one of them: "
                               "factor: ID, or relation: [A, B]")


class Quantity(Strict):
    """A factor or a relation on a 0..1 scale: a factor from its min (0) to its max (1), a relation
    from -1 (0) to +1 (1); `complement: true` takes 1 minus that."""

    factor: Id | None = None
    relation: Pair | None = None
    complement: bool = Field(strict=True, default=False, description="Use 1 - value (e.g. 1 - evasion: how much of the pressure gets through).")

    @model_validator(mode="after")
    def _one_of(self) -> Quantity:
        if (self.factor is None) == (self.relation is None):
            raise _one_of("quantity", self.factor, self.relation)
        return self


class Interaction(Rationale):
    """A payoff term on the product of two quantities: weight * a * b per turn."""

    of: Annotated[list[Quantity], Field(min_length=2, max_length=2, description="The two quantities multiplied.")]
    weight: Weight = Field(description="Payoff per turn when both quantities are at 1.")


class Office(Rationale):
    """What holding office is worth to a leader, per turn in office."""

    weight: Annotated[float, Field(strict=True, ge=0.0, le=100.0, allow_inf_nan=False)] = Field(
        description="Payoff per turn while this leader holds the seat (lost when a successor replaces him)."
    )


class Payoff(Strict):
    """What an actor wants: weights over factors, relations, products of two quantities, and office."""

    factors: Annotated[list[FactorWeight], Field(max_length=MAX_FACTORS)] = []
    relations: Annotated[list[RelationWeight], Field(max_length=MAX_ACTORS)] = []
    interactions: Annotated[list[Interaction], Field(max_length=MAX_INTERACTIONS)] = Field(
        default=[], description="Terms on the product of two quantities, e.g. sanctions pressure times (1 - evasion)."
    )
    office: Office | None = Field(default=None, description="What holding office is worth per turn.")


# --- conditions, chances, effects --------------------------------------------------

Op = Literal["<", "<=", ">", ">=", "==", "!="]


class FactorCondition(Strict):
    factor: Id
    op: Op = Field(description="Comparison: <, <=, >, >=, == or != (in quotes).")
    value: Finite


class RelationCondition(Strict):
    relation: Pair
    op: Op = Field(description="Comparison: <, <=, >, >=, == or != (in quotes).")
    value: RelationValue


class TurnCondition(Strict):
    turn: Annotated[
        dict[Literal["min", "max"], Annotated[int, Field(strict=True, ge=0, le=MAX_TURNS)]],
        Field(min_length=1, description="Turn window, counted from 0: {min: N} and/or {max: N}."),
    ]


class MoveCondition(Strict):
    move: Id
    taken: bool = Field(strict=True, default=True, description="true: the move was taken (and succeeded) before; false: never.")


class EventCondition(Strict):
    outcome: Id = Field(description="An event outcome id; true once that outcome happened.")
    happened: bool = Field(default=True, strict=True)


class ObligationCondition(Strict):
    obligation: Id = Field(description="The id of an offer move with an obligation; true while that obligation is open.")
    open: bool = Field(strict=True, default=True, description="true: the obligation is open (accepted, not yet kept or broken); false: it is not.")


class AllCondition(Strict):
    all: Annotated[list[Condition], Field(min_length=1, max_length=MAX_CONDITIONS, description="Every condition must hold.")]


class AnyCondition(Strict):
    any: Annotated[list[Condition], Field(min_length=1, max_length=MAX_CONDITIONS, description="At least one condition must hold.")]


Condition = (
    FactorCondition | RelationCondition | TurnCondition | MoveCondition | EventCondition | ObligationCondition
    | AllCondition | AnyCondition
)
AllCondition.model_rebuild()
AnyCondition.model_rebuild()


class Term(Strict):
    """One term of a logistic chance: coef * (normalised factor or relation value)."""

    factor: Id | None = None
    relation: Pair | None = None
    coef: Annotated[float, Field(strict=True, ge=-50, le=50, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _one_of(self) -> Term:
        if (self.factor is None) == (self.relation is None):
            raise _one_of("term", self.factor, self.relation)
        return self


class Logistic(Strict):
    """A state-dependent probability: 1 / (1 + exp(-(intercept + sum of coef * value))).

    Factors enter normalised to [0, 1] over their bounds; relations as they are (-1..1).
    """

    intercept: Annotated[float, Field(strict=True, ge=-50, le=50, allow_inf_nan=False)]
    terms: Annotated[list[Term], Field(max_length=MAX_FACTORS)] = []


Chance = Probability | Logistic


class Scale(Strict):
    """Makes an effect's size depend on the state: delta and noise are multiplied by a factor that
    runs in a straight line from `at_min` (the quantity at its lowest) to `at_max` (at its highest)."""

    factor: Id | None = None
    relation: Pair | None = None
    at_min: Annotated[float, Field(strict=True, ge=0.0, le=10.0, allow_inf_nan=False)] = Field(description="Multiplier when the quantity is at its min (a relation at -1).")
    at_max: Annotated[float, Field(strict=True, ge=0.0, le=10.0, allow_inf_nan=False)] = Field(description="Multiplier when the quantity is at its max (a relation at +1).")

    @model_validator(mode="after")
    def _one_of(self) -> Scale:
        if (self.factor is None) == (self.relation is None):
            raise _one_of("scale", self.factor, self.relation)
        return self


class FactorEffect(Strict):
    factor: Id
    delta: Finite = Field(description="Change in the factor's own unit.")
    noise: NonNegative = Field(default=0.0, description="Standard deviation of random noise added to delta.")
    scale: Scale | None = Field(default=None, description="Make the size depend on a factor or relation.")


class RelationEffect(Strict):
    between: Pair
    delta: RelationDelta
    noise: Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)] = 0.0
    scale: Scale | None = Field(default=None, description="Make the size depend on a factor or relation.")


class Effects(Strict):
    factors: Annotated[list[FactorEffect], Field(max_length=MAX_FACTORS)] = []
    relations: Annotated[list[RelationEffect], Field(max_length=300)] = []
    news: Line | None = Field(default=None, description="What the news log says when these effects happen.")


# --- moves -----------------------------------------------------------------------


class Obligation(Strict):
    """What accepting an offer binds someone to do later: take `move` (successfully) within `within` turns."""

    move: Id = Field(description="The move that keeps the obligation.")
    actor: Id | None = Field(default=None, description="Who is bound (default: the actor the offer is made to).")
    within: Annotated[int, Field(strict=True, ge=1, le=MAX_OBLIGATION_TURNS)] = Field(
        description="Turns after the one in which the offer is accepted; the obligation is broken if the move has not succeeded by then."
    )
    on_kept: Effects = Field(default=Effects(), description="Effects when the obligation is kept.")
    on_broken: Effects = Field(default=Effects(), description="Effects when the deadline passes and it was not kept.")


class Offer(Strict):
    """A move that needs another actor's consent: that actor accepts or refuses it."""

    to: Id = Field(description="The actor who accepts or refuses.")
    on_refused: Effects = Field(default=Effects(), description="Effects when the offer is refused.")
    obligation: Obligation | None = Field(default=None, description="A later obligation that accepting the offer creates.")


class Move(Strict):
    """One thing an actor can do in a turn."""

    id: Id
    label: Annotated[OneLine, Field(min_length=1, max_length=40)] = Field(description="Short button text.")
    description: Text = Field(description="What the move is, for the player.")
    rationale: Line = Field(description="One line: why the leader might do this (shown when a player asks why).")
    source: Id | None = None
    preconditions: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] = Field(default=[], description="Conditions that must all hold for the move to be allowed.")
    probability: Chance = Field(
        default=1.0, description="Chance that the move succeeds (once accepted and not blocked): a number, or a logistic of the state."
    )
    offer: Offer | None = Field(default=None, description="Make the move an offer that another actor accepts or refuses.")
    effects: Effects = Field(default=Effects(), description="Effects when the move succeeds.")
    on_failure: Effects = Field(default=Effects(), description="Effects when the move fails.")
    blockable_by: Annotated[list[Id], Field(max_length=MAX_ACTORS)] = Field(
        default=[], description="Actors who may block the move (e.g. a UN veto holder)."
    )
    on_blocked: Effects = Field(default=Effects(), description="Effects when the move is blocked.")


class ActorMoves(Strict):
    actor: Id
    moves: Annotated[list[Move], Field(min_length=1, max_length=MAX_MOVES_PER_ACTOR)]


# --- events ----------------------------------------------------------------------


class Successor(Strict):
    """Who replaces an actor when an event outcome removes it, and what it wants."""

    name: Name
    short_name: Annotated[OneLine, Field(min_length=1, max_length=24)] | None = None
    title: Name
    portrait: Id | None = None
    colour: Colour | None = None
    rationality: Annotated[float, Field(strict=True, ge=0.0, le=1000.0, allow_inf_nan=False)] | None = None
    term: TermSecurity | None = None
    payoff: Payoff = Field(description="What the successor wants: weights over factors and relations.")


class Replacement(Strict):
    actor: Id
    successor: Successor
    keep_relations: Probability = Field(
        default=1.0,
        description="Share of the seat's relations (their distance from their propensity) that the successor inherits; 1 keeps them all.",
    )


class Renewal(Strict):
    """The incumbent stays: a re-elected leader's term now runs to `date`."""

    actor: Id
    date: dt.date = Field(description="The date of the incumbent's next election or term end.")


class Outcome(Strict):
    id: Id
    label: Name
    chance: Chance | None = Field(
        default=None, description="Probability of this outcome; leave it out on exactly one outcome (the 'otherwise')."
    )
    effects: Effects = Effects()
    replace: Replacement | None = Field(default=None, description="Put a successor in an actor's seat when this outcome happens.")
    renew: Renewal | None = Field(default=None, description="Keep the incumbent and move his term date (re-election).")


class ScheduledEvent(Strict):
    """Happens once, in the turn that contains `date`."""

    kind: Literal["scheduled"]
    id: Id
    label: Name
    date: dt.date = Field(description="The event happens in the turn that contains this date (YYYY-MM-DD).")
    description: Text | None = None
    outcomes: Annotated[list[Outcome], Field(min_length=1, max_length=MAX_OUTCOMES_PER_EVENT)]
    rationale: Line
    source: Id | None = None


class RandomEvent(Strict):
    """May happen in any turn, with a per-turn probability."""

    kind: Literal["random"]
    id: Id
    label: Name
    description: Text | None = None
    probability: Probability = Field(description="Chance per turn.")
    once: bool = Field(strict=True, default=True, description="At most once per game.")
    preconditions: Annotated[list[Condition], Field(max_length=MAX_CONDITIONS)] = []
    outcomes: Annotated[list[Outcome], Field(min_length=1, max_length=MAX_OUTCOMES_PER_EVENT)]
    rationale: Line
    source: Id | None = None


Event = Annotated[ScheduledEvent | RandomEvent, Field(discriminator="kind")]


# --- the scenario ------------------------------------------------------------------


class Planner(Strict):
    """How the planner AI looks ahead (for leaders with `ai: planner`, or `--ai planner`)."""

    rollouts: Annotated[int, Field(strict=True, ge=1, le=MAX_PLANNER_ROLLOUTS)] = Field(
        default=48, description="Simulated continuations per candidate move."
    )
    horizon: Annotated[int, Field(strict=True, ge=1, le=MAX_PLANNER_HORIZON)] = Field(
        default=6, description="Turns each continuation runs before the rest is valued as the fast AI values it."
    )


class Scenario(Strict):
    """One situation, completely described."""

    schema_version: Literal[1] = 1
    id: Id
    title: Name = Field(description="Title shown in the game.")
    summary: Text = Field(description="A paragraph that sets the scene.")
    start_date: dt.date = Field(description="First day of turn 0 (YYYY-MM-DD).")
    turn_length: Literal["month"] = "month"
    turns: Annotated[int, Field(strict=True, ge=1, le=MAX_TURNS)] = Field(description="Number of monthly turns.")
    sources: Annotated[list[Source], Field(min_length=1, max_length=MAX_LIST)]
    learning_objectives: Annotated[list[Line], Field(min_length=1, max_length=MAX_LIST)]
    discussion_questions: Annotated[list[Line], Field(min_length=1, max_length=MAX_LIST)]
    actors: Annotated[list[Actor], Field(min_length=2, max_length=MAX_ACTORS)]
    factors: Annotated[list[Factor], Field(min_length=1, max_length=MAX_FACTORS)]
    relations: RelationSettings
    payoffs: Annotated[dict[Id, Payoff], Field(min_length=1)] = Field(description="For each actor id: what that leader wants.")
    moves: Annotated[list[ActorMoves], Field(min_length=1, max_length=MAX_ACTORS)]
    events: Annotated[list[Event], Field(max_length=MAX_EVENTS)] = []
    veto_label: Annotated[OneLine, Field(min_length=1, max_length=60)] = Field(
        default="Veto", description="What the actors' veto is called on screen, e.g. 'UN Security Council veto'."
    )
    horizon_after_end: Annotated[int, Field(strict=True, ge=0, le=MAX_TURNS)] = Field(
        default=0,
        description="Turns past the last one that AI leaders still count when they value a move "
        "(the world does not end with the game; 0 = only the game's turns).",
    )
    resolution_order: list[Id] | None = Field(
        default=None, description="Order in which moves resolve each turn (default: the order of `actors`)."
    )
    planner: Planner = Field(default=Planner(), description="Settings of the planner AI.")

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Scenario:
        # The loader checks references itself (to report each at its own line);
        # direct callers get them all in one error.
        if not (info.context or {}).get("skip_references"):
            from game.loader.references import reference_problems

            problems = reference_problems(self)
            if problems:
                text = "; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems)
                raise PydanticCustomError("references", "{text}", {"text": text})
        return self


# --- helpers --------------------------------------------------------------------------


def closest(word, options) -> str | None:
    """The known option nearest to a misspelt word, for "did you mean ...?" hints."""
    import difflib

    found = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return found[0] if found else None


def months_between(start: dt.date, date: dt.date) -> int:
    """Whole monthly turns from `start` to the turn containing `date` (turn 0 contains start)."""
    months = (date.year - start.year) * 12 + (date.month - start.month)
    if date.day < start.day:
        months -= 1
    return months


def json_schema() -> dict:
    """The JSON Schema of the scenario format (for editors)."""
    schema = Scenario.model_json_schema()
    # Declared as draft-07: the output uses no keyword newer than draft-07, and editors
    # (VS Code's YAML extension, via vscode-json-languageservice) fully support draft-07
    # but warn that 2020-12 "is not yet fully supported".
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "Summit scenario"
    from .schema_help import complete

    return complete(schema)
