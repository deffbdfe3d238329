"""Words for what happens: moves as a player sees them, questions, the news of a turn, verdicts.

The engine records turns as indices and numbers (`state.TurnRecord`); this module turns them
into sentences from the scenario's own texts. Nothing here changes a game.
"""

from __future__ import annotations

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


def describe_effects(game: Game, delta: np.ndarray) -> list[str]:
    """Words for a row of target deltas."""
    out = []
    F = game.n_factors
    for t in np.flatnonzero(delta):
        if t < F:
            fac = game.scenario.factors[t]
            out.append(f"{fac.label} {delta[t]:+.3g}{(' ' + fac.unit) if fac.unit else ''}")
        else:
            out.append(f"{game.relation_label(t - F)} {delta[t]:+.2f}")
    return out


def _effect_words(game: Game, block: int) -> str:
    words = describe_effects(game, game.effects.delta[block])
    return ("Expected: " + "; ".join(words) + ".") if words else "Nothing changes."


def moves(state: State, actor: str, world: int = 0) -> list[MoveInfo]:
    """The actor's legal moves with what each does and its chance now."""
    g = state.game
    a = g.actor_index[actor]
    legal = state.legal_mask()[world]
    chance = g.move_chances.values(state.worlds.x[world : world + 1])[0]
    out = []
    for m in range(g.move_start[a], g.move_stop[a]):
        if not legal[m]:
            continue
        mv = g.moves[m]
        expected = describe_effects(g, g.effects.delta[g.move_block(m, SUCCESS)])
        if chance[m] < 1:
            state_word = "" if g.move_chances.kind[m] == FIXED else " given the situation now"
            expected.append(f"succeeds with chance {chance[m]:.0%}{state_word}")
        to = g.actor_ids[g.move_offer_to[m]] if g.move_offer_to[m] >= 0 else None
        out.append(MoveInfo(mv.id, mv.label, mv.description, mv.rationale, float(chance[m]), tuple(mv.blockable_by),
                            expected, to, offer_terms(state, m) if to else []))
    return out


def offer_terms(state: State, m: int) -> list[str]:
    """An offer's terms in words: who decides, what accepting binds, what refusing does."""
    g = state.game
    mv = g.moves[m]
    to = g.actor_ids[g.move_offer_to[m]]
    out = [f"{state.actor_name(to)} must accept it."]
    j = g.move_obligation[m]
    if j >= 0:
        bound = g.actor_ids[g.obligation_actor[j]]
        keep = g.moves[g.obligation_fulfil[j]].label
        within = int(g.obligation_within[j])
        out.append(f"Accepting binds {state.actor_name(bound)} to '{keep}' within {within} month{'s' if within > 1 else ''}.")
        for how, word in ((0, "kept"), (1, "broken")):
            words = describe_effects(g, g.effects.delta[g.obligation_block0 + 2 * j + how])
            if words:
                out.append(f"If {word}: " + "; ".join(words) + ".")
    refused = describe_effects(g, g.effects.delta[g.move_block(m, REFUSED)])
    if refused:
        out.append("If refused: " + "; ".join(refused) + ".")
    elif mv.offer is not None:
        out.append("If refused: nothing changes.")
    return out


def question_text(state: State, q: Question) -> str:
    """The prompt a human leader sees for a block or consent question."""
    g = state.game
    proposer, decider = state.actor_name(q.proposer), state.actor_name(q.actor)
    label = g.moves[g.move_index[q.move_id]].label
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
    out = []
    for j, due in enumerate(state.worlds.due[world]):
        if due < 0:
            continue
        bound = g.actor_ids[g.obligation_actor[j]]
        move = g.moves[g.obligation_fulfil[j]].label
        offer = g.moves[g.obligation_move[j]].label
        out.append(f"{state.actor_name(bound, world)} promised to '{move}' by the end of "
                   f"{g.date_of_turn(int(due)).strftime('%B %Y')} (the deal '{offer}').")
    return out


def pending_events(state: State) -> list[str]:
    return event_lines(state.game, state.opening)


def report(state: State, record: TurnRecord, names: dict[str, str] | None = None) -> TurnReport:
    """A turn's news in words, naming each seat's holder as he was when the moves resolved."""
    g = state.game
    if names is None:
        seats = record.personas or [int(p) for p in state.worlds.persona[0]]
        names = {a: g.personas[p].name for a, p in zip(g.actor_ids, seats)}
    rep = TurnReport(record.turn, g.date_of_turn(record.turn).isoformat(), event_lines(g, record.events))
    for a in g.resolution_order:
        m = record.choices[a]
        if m < 0:
            continue
        mv, r = g.moves[m], record.results[a]
        by = g.actor_ids[record.blocked_by[a]] if record.blocked_by[a] >= 0 else None
        block = g.move_block(m, r)
        news = g.effects.news[block] or _effect_words(g, block)
        if by:
            news = f"Blocked by {names[by]}. " + news
        if r == REFUSED:
            news = f"{names[g.actor_ids[g.move_offer_to[m]]]} refuses. " + news
        rep.actions.append(ActionReport(g.actor_ids[a], names[g.actor_ids[a]], mv.id, mv.label, RESULT_WORDS[r], by, news,
                                        mv.rationale, record.chance[a], record.roll[a]))
    for j, word in [(j, "kept") for j in record.kept] + [(j, "broke") for j in record.broken]:
        m = g.obligation_move[j]
        bound = g.actor_ids[g.obligation_actor[j]]
        news = g.effects.news[g.obligation_block0 + 2 * j + (0 if word == "kept" else 1)]
        rep.deals.append(f"{names[bound]} {word} the terms of '{g.moves[m].label}'." + (f" {news}" if news else ""))
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
