"""Words for what happens: moves as a player sees them, questions, the news of a turn, verdicts.

The engine records turns as indices and numbers (`state.TurnRecord`); this module turns them
into sentences from the scenario's own texts. Nothing here changes a game.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from . import rules
from .compiled import BLOCKED, FAILURE, FIXED, REFUSED, SUCCESS, Game
from .state import BLOCK, Question, State, TurnRecord

RESULT_WORDS = {SUCCESS: "success", FAILURE: "failed", BLOCKED: "blocked", REFUSED: "refused"}


@dataclass(frozen=True)
class MoveInfo:
    """A legal move as a player sees it."""

    id: str
    label: str
    description: str
    rationale: str
    probability: float  # the chance it succeeds now (once accepted and not blocked)
    blockable_by: tuple[str, ...]
    expected: list[str]
    offer_to: str | None = None
    terms: list[str] = field(default_factory=list)  # an offer's terms: obligation, what refusal does
    number: int = 0  # its place in the leader's list (1, 2, ...): the same every month
    legal: bool = True  # allowed now
    unavailable: str = ""  # why not, when it is not allowed


@dataclass
class ActionReport:
    actor: str
    actor_name: str
    move_id: str
    label: str
    result: str  # success | failed | blocked | refused
    blocked_by: str | None
    news: str
    why: str
    chance: float = 1.0
    roll: float = 0.0


@dataclass
class TurnReport:
    turn: int
    date: str
    events: list[str] = field(default_factory=list)
    actions: list[ActionReport] = field(default_factory=list)
    deals: list[str] = field(default_factory=list)  # obligations kept or broken
    payoffs: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"Turn {self.turn + 1} ({self.date})"]
        out += [f"  Event: {e}" for e in self.events]
        for a in self.actions:
            out.append(f"  {a.actor_name}: {a.label} — {a.result}. {a.news}".rstrip())
            out.append(f"      why: {a.why}")
        out += [f"  Deal: {d}" for d in self.deals]
        return out


def successor_names(game: Game, personas) -> list[tuple[str, str]]:
    """(original holder's name, current holder's name) for every seat a successor holds: full
    names first, then short names. A scenario's move texts name the leaders who started the game;
    once a successor sits in a seat, narration names him instead (see `follow`)."""
    out = []
    for slot, p in enumerate(personas):
        if int(p) != slot:  # personas 0 .. A-1 are the leaders who start the game
            first, now = game.personas[slot], game.personas[int(p)]
            out += [(first.name, now.name), (first.short_name, now.short_name)]
    return out


def follow(text: str, names: list[tuple[str, str]]) -> str:
    """A move's text with departed leaders' names replaced by their successors' (whole words only)."""
    for old, new in names:
        if old != new:
            text = re.sub(rf"(?<![\w]){re.escape(old)}(?![\w])", lambda _m, new=new: new, text)
    return text


def relation_label(game: Game, q: int, personas=None) -> str:
    """'Kim–Trump relation', naming whoever holds the two seats (default: the leaders who start)."""
    i, j = game.pairs[q]
    pi, pj = (i, j) if personas is None else (int(personas[i]), int(personas[j]))
    return f"{game.personas[pi].short_name}–{game.personas[pj].short_name} relation"


def target_label(game: Game, t: int, personas=None) -> str:
    """A factor's label, or a relation's with its current holders."""
    return game.scenario.factors[t].label if t < game.n_factors else relation_label(game, t - game.n_factors, personas)


def describe_effects(game: Game, delta: np.ndarray, personas=None) -> list[str]:
    """Words for a row of target deltas."""
    out = []
    F = game.n_factors
    for t in np.flatnonzero(delta):
        if t < F:
            fac = game.scenario.factors[t]
            out.append(f"{fac.label} {delta[t]:+.3g}{(' ' + fac.unit) if fac.unit else ''}")
        else:
            out.append(f"{relation_label(game, t - F, personas)} {delta[t]:+.2f}")
    return out


def _effect_words(game: Game, block: int, personas=None) -> str:
    words = describe_effects(game, game.effects.delta[block], personas)
    return ("Expected: " + "; ".join(words) + ".") if words else "Nothing changes."


def moves(state: State, actor: str, world: int = 0) -> list[MoveInfo]:
    """The actor's legal moves with what each does and its chance now."""
    return [info for info in all_moves(state, actor, world) if info.legal]


def all_moves(state: State, actor: str, world: int = 0) -> list[MoveInfo]:
    """Every move of the actor, in the scenario's order (numbered the same every month), with
    whether it is allowed now and, when not, why."""
    g = state.game
    a = g.actor_index[actor]
    legal = state.legal_mask()[world]
    chance = g.move_chances.values(state.worlds.x[world : world + 1])[0]
    personas = state.worlds.persona[world]
    names = successor_names(g, personas)
    out = []
    for number, m in enumerate(range(g.move_start[a], g.move_stop[a]), start=1):
        mv = g.moves[m]
        expected = describe_effects(g, g.effects.delta[g.move_block(m, SUCCESS)], personas)
        if chance[m] < 1:
            state_word = "" if g.move_chances.kind[m] == FIXED else " given the situation now"
            expected.append(f"succeeds with chance {chance[m]:.0%}{state_word}")
        to = g.actor_ids[g.move_offer_to[m]] if g.move_offer_to[m] >= 0 else None
        out.append(MoveInfo(mv.id, follow(mv.label, names), follow(mv.description, names), follow(mv.rationale, names),
                            float(chance[m]), tuple(mv.blockable_by), expected, to,
                            offer_terms(state, m) if to else [], number, bool(legal[m]),
                            "" if legal[m] else why_not(state, m, world)))
    return out


def why_not(state: State, m: int, world: int = 0) -> str:
    """Why a move is not allowed now: its first precondition that fails, in words."""
    from .explain import unmet_conditions

    reasons = unmet_conditions(state, m, world)
    return "Not allowed now: " + "; ".join(reasons) + "." if reasons else "Not allowed now."


def offer_terms(state: State, m: int) -> list[str]:
    """An offer's terms in words: who decides, what accepting binds, what refusing does."""
    g = state.game
    mv = g.moves[m]
    to = g.actor_ids[g.move_offer_to[m]]
    personas = state.worlds.persona[0]
    out = [f"{state.actor_name(to)} must accept it."]
    j = g.move_obligation[m]
    if j >= 0:
        bound = g.actor_ids[g.obligation_actor[j]]
        keep = follow(g.moves[g.obligation_fulfil[j]].label, successor_names(g, personas))
        within = int(g.obligation_within[j])
        out.append(f"Accepting binds {state.actor_name(bound)} to '{keep}' within {within} month{'s' if within > 1 else ''}.")
        for how, word in ((0, "kept"), (1, "broken")):
            words = describe_effects(g, g.effects.delta[g.obligation_block0 + 2 * j + how], personas)
            if words:
                out.append(f"If {word}: " + "; ".join(words) + ".")
    refused = describe_effects(g, g.effects.delta[g.move_block(m, REFUSED)], personas)
    if refused:
        out.append("If refused: " + "; ".join(refused) + ".")
    elif mv.offer is not None:
        out.append("If refused: nothing changes.")
    return out


def question_text(state: State, q: Question) -> str:
    """The prompt a human leader sees for a block or consent question."""
    g = state.game
    proposer, decider = state.actor_name(q.proposer), state.actor_name(q.actor)
    label = follow(g.moves[g.move_index[q.move_id]].label, successor_names(g, state.worlds.persona[0]))
    if q.kind == BLOCK:
        return f"{proposer} proposes '{label}'. Will {decider} block it?"
    terms = " ".join(offer_terms(state, g.move_index[q.move_id])[1:])
    return f"{proposer} makes an offer: {label}. Will {decider} accept? {terms}".rstrip()


def event_lines(game: Game, outcomes: list[int]) -> list[str]:
    """'Event: outcome — news' for outcomes that opened a turn."""
    out = []
    for o in outcomes:
        ev = game.events[game.outcome_event[o]]
        news = game.effects.news[game.outcome_block0 + o]
        out.append(f"{ev.label}: {game.outcome_labels[o]}" + (f" — {news}" if news else ""))
    return out


def promises(state: State, world: int = 0) -> list[str]:
    """Every open obligation in words: who must do what, by which month, under which offer."""
    g = state.game
    names = successor_names(g, state.worlds.persona[world])
    out = []
    for j, due in enumerate(state.worlds.due[world]):
        if due < 0:
            continue
        bound = g.actor_ids[g.obligation_actor[j]]
        move = follow(g.moves[g.obligation_fulfil[j]].label, names)
        offer = follow(g.moves[g.obligation_move[j]].label, names)
        out.append(f"{state.actor_name(bound, world)} promised to '{move}' by the end of "
                   f"{g.date_of_turn(int(due)).strftime('%B %Y')} (the deal '{offer}').")
    return out


def pending_events(state: State) -> list[str]:
    return event_lines(state.game, state.opening)


def report(state: State, record: TurnRecord, names: dict[str, str] | None = None) -> TurnReport:
    """A turn's news in words, naming each seat's holder as he was when the moves resolved."""
    g = state.game
    seats = record.personas or [int(p) for p in state.worlds.persona[0]]
    if names is None:
        names = {a: g.personas[p].name for a, p in zip(g.actor_ids, seats)}
    swaps = successor_names(g, seats)
    rep = TurnReport(record.turn, g.date_of_turn(record.turn).isoformat(), event_lines(g, record.events))
    for a in g.resolution_order:
        m = record.choices[a]
        if m < 0:
            continue
        mv, r = g.moves[m], record.results[a]
        by = g.actor_ids[record.blocked_by[a]] if record.blocked_by[a] >= 0 else None
        block = g.move_block(m, r)
        news = follow(g.effects.news[block], swaps) if g.effects.news[block] else _effect_words(g, block, seats)
        if by:
            news = f"Blocked by {names[by]}. " + news
        if r == REFUSED:
            news = f"{names[g.actor_ids[g.move_offer_to[m]]]} refuses. " + news
        rep.actions.append(ActionReport(g.actor_ids[a], names[g.actor_ids[a]], mv.id, follow(mv.label, swaps), RESULT_WORDS[r],
                                        by, news, follow(mv.rationale, swaps), record.chance[a], record.roll[a]))
    for j, word in [(j, "kept") for j in record.kept] + [(j, "broke") for j in record.broken]:
        m = g.obligation_move[j]
        bound = g.actor_ids[g.obligation_actor[j]]
        news = g.effects.news[g.obligation_block0 + 2 * j + (0 if word == "kept" else 1)]
        rep.deals.append(f"{names[bound]} {word} the terms of '{follow(g.moves[m].label, swaps)}'."
                         + (f" {follow(news, swaps)}" if news else ""))
    rep.payoffs = {a: record.payoffs[i] for i, a in enumerate(g.actor_ids)}
    return rep


def history(state: State) -> list[TurnReport]:
    """Every recorded turn of world 0, in words."""
    return [report(state, r) for r in state.records]


def ai_measure(state: State, world: int = 0) -> dict[str, tuple[float, float]]:
    """What the AI optimises, for the game played so far: each seat's payoffs discounted by its
    holder's patience, plus the months after the game (`horizon_after_end`) valued from the final
    state as the AI values a lasting change; and the same for standing still. {actor: (value, base)}."""
    from .planner import _fading

    g = state.game
    T, H = state.turn, g.horizon_after_end
    persona = state.worlds.persona[world]
    if world != 0 or len(state.records) != T:  # no record of each month (a batch world): the measure needs them
        return {}
    payoffs = np.array([r.payoffs for r in state.records]).reshape(T, g.n_actors)
    lineups = np.array([r.personas for r in state.records] + [list(persona)] * H).reshape(T + H, g.n_actors)
    still = rules.payoff(g, np.tile(g.x_init, (T + H, 1)), lineups, np.arange(T + H)[:, None] < g.term_end[lineups])  # [T + H, A]
    out = {}
    for a, aid in enumerate(g.actor_ids):
        p = persona[a:a + 1]
        gamma = g.patience[p]
        seat = (np.ones(1, dtype=bool), state.worlds.term_end[world, a:a + 1])
        played = float((gamma[0] ** np.arange(T) * payoffs[:, a]).sum())
        played += float(_fading(g, state.worlds.x[world:world + 1], p, seat, T, gamma, T, T + H)[0]) if H else 0.0
        out[aid] = (played, float((gamma[0] ** np.arange(T + H) * still[:, a]).sum()))
    return out


def standing_still(state: State, world: int = 0) -> np.ndarray:
    """[A] each seat's score had the opening state held every turn, under whoever held the seat
    each turn (the recorded line-ups of world 0; otherwise today's, every turn)."""
    g = state.game
    lineups = [r.personas for r in state.records] if world == 0 and len(state.records) == state.turn else []
    lineups = np.array(lineups or [state.worlds.persona[world]] * max(state.turn, 1))
    in_office = np.arange(len(lineups))[:, None] < g.term_end[lineups]
    return rules.payoff(g, np.tile(g.x_init, (len(lineups), 1)), lineups, in_office).sum(axis=0)


def verdicts(state: State, world: int = 0) -> dict[str, str]:
    """Each leader's score against standing still (the opening state held every turn), and the
    same comparison as the AI counts it (see ai_measure)."""
    g = state.game
    baseline = standing_still(state, world)
    measure = ai_measure(state, world)
    out = {}
    for i, a in enumerate(g.actor_ids):
        score, base = state.worlds.scores[world, i], baseline[i]
        margin = score - base
        if abs(margin) < 0.02 * max(abs(base), 1e-9) + 1e-9:
            word = "held steady"
        elif margin > 0:
            word = "gained ground"
        else:
            word = "lost ground"
        text = f"{state.actor_name(a, world)} {word}: {score:.2f} points vs {base:.2f} had nothing changed"
        if a in measure:
            text += f" (the AI's measure: {measure[a][0]:.2f} vs {measure[a][1]:.2f})"
        out[a] = text + "."
    return out


AI_MEASURE_NOTE = ("Points: the sum of each month's payoff. The AI's measure, what computer leaders maximise, "
                   "discounts later months by patience and adds the months after the game.")
