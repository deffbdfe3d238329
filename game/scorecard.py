"""How a team scored: its points goal by goal (against the same goals had nothing changed), and
the same world played by the AI in its seat.

A seat's score is the sum of its holder's payoff each month. Each term of the payoff is one
goal (`game.briefs.goals`): a factor, a relation, a product of two quantities, or holding
office; summed over the months, the goals add up exactly to the score. "The same world played
by the AI" replays the class's game with the same seed (so the same random numbers wherever the
game allows), the other teams' recorded choices and answers and any event the teacher set off,
but the computer in this team's seat: the difference is what the team's choices made, not luck.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import rules
from .briefs import Goal, goals
from .compiled import Game
from .model import SummitModel
from .narrate import follow, successor_names
from .state import State, TurnRecord


@dataclass
class GoalScore:
    holder: str  # who held the seat while these points were earned
    goal: Goal
    points: float  # earned over the months played
    still: float  # what the same goal gave had the opening state held every month

    @property
    def gained(self) -> float:
        return self.points - self.still


def _terms(game: Game, x: np.ndarray, persona: int) -> dict[tuple, float]:
    """One month's payoff of a persona at state x, term by term (office excluded)."""
    out: dict[tuple, float] = {}
    F = game.n_factors
    for w in game.personas[persona].payoff.factors:
        f = game.factor_index[w.factor]
        out[("factor", f)] = float(game.weight_target[persona, f] * (x[f] - game.payoff_base[f]))
    slot = game.personas[persona].slot
    for w in game.personas[persona].payoff.relations:
        b = game.actor_index[w.actor]
        q = F + game.pair_of[slot, b]
        out[("relation", b)] = float(game.weight_target[persona, q] * x[q])
    rows = np.flatnonzero(game.ix_persona == persona)
    if len(rows):
        qa, qb = rules.quantities(game, x[None, :])
        for k, i in enumerate(rows):
            out[("interaction", k)] = float(game.ix_weight[i] * qa[0, i] * qb[0, i])
    return out


def breakdown(game: Game, records: list[TurnRecord], closes: np.ndarray) -> dict[str, list[GoalScore]]:
    """Each seat's points goal by goal over the recorded months (closes: the state at the close of
    each month, [months, T]); a seat held by two leaders in turn lists each one's goals."""
    out: dict[str, list[GoalScore]] = {}
    still_x = game.x_init
    for a, aid in enumerate(game.actor_ids):
        rows: dict[tuple, GoalScore] = {}
        for record, x in zip(records, closes):
            p = int(record.personas[a])
            played, still = _terms(game, x, p), _terms(game, still_x, p)
            office = float(record.payoffs[a]) - sum(played.values())  # what the rules paid for holding office
            if abs(office) > 1e-9:
                played[("office",)] = still[("office",)] = office
            named = {g.key: g for g in goals(game, p, record.personas)}
            for key, value in played.items():
                row = rows.get((p, key))
                if row is None:
                    goal = named.get(key) or Goal(key, "Holding office", office, 0.0)
                    row = rows[(p, key)] = GoalScore(game.personas[p].name, goal, 0.0, 0.0)
                row.points += value
                row.still += still[key]
        out[aid] = sorted(rows.values(), key=lambda r: -abs(r.points - r.still))
    return out


# --- the same world with the AI in one seat ---------------------------------------------------------


@dataclass
class Comparison:
    actor: str
    name: str
    team: float  # the team's score
    ai: float  # the score of the same world with the AI in the seat
    months: int
    differences: list[tuple[int, str, str]] = field(default_factory=list)  # (month, the team's move, the AI's move)

    @property
    def margin(self) -> float:
        return self.team - self.ai

    def words(self) -> str:
        word = "better than" if self.margin > 1e-9 else "worse than" if self.margin < -1e-9 else "the same as"
        return (f"{self.name}'s team scored {self.team:.2f} points; the same world with the computer in this seat "
                f"scored {self.ai:.2f}: the team did {word} the computer by {abs(self.margin):.2f} points.")


def same_world_by_ai(state: State, actor: str, months: int | None = None, ai=None) -> SummitModel:
    """The class's game replayed to `months` (default: as far as it went) with the computer in the
    actor's seat: same seed and world, the other teams' recorded moves (the computer's where a
    recorded move is not allowed in the replay) and answers, and the events the teacher set off."""
    g = state.game
    months = len(state.records) if months is None else min(int(months), len(state.records))
    others = tuple(h for h in state.humans if h != actor)
    model = SummitModel(g, worlds=state.worlds.index[:1], humans=others, seed=state.seed, ai=ai)
    for record in state.records[:months]:
        for o in record.injected:
            model.state.inject(g.outcome_ids[o])
        legal = set()
        for h in others:
            legal.update(model.state.legal_actions(h))
        choices = {h: g.move_ids[record.choices[g.actor_index[h]]] for h in others
                   if h in record.by_hand and g.move_ids[record.choices[g.actor_index[h]]] in legal}
        answers = {(a["kind"], a["actor"], a["move"]): a["yes"] for a in record.answers if a["actor"] != actor}
        model.submit(choices, answers)
        model.step()
    return model


def compare(state: State, actor: str, months: int | None = None, ai=None) -> Comparison:
    """The team in its seat against the computer in the same world (to `months`)."""
    g = state.game
    months = len(state.records) if months is None else min(int(months), len(state.records))
    replay = same_world_by_ai(state, actor, months, ai)
    a = g.actor_index[actor]
    team = float(sum(r.payoffs[a] for r in state.records[:months]))
    differences = []
    for mine, theirs in zip(state.records[:months], replay.state.records):
        if mine.choices[a] != theirs.choices[a]:
            names = successor_names(g, mine.personas)
            label = lambda m: follow(g.moves[m].label, names) if m >= 0 else "no move"  # noqa: E731
            differences.append((mine.turn, label(mine.choices[a]), label(theirs.choices[a])))
    return Comparison(actor, state.actor_name(actor), team, float(replay.state.worlds.scores[0, a]), months, differences)
