"""The advisor: before a team confirms, what each of its legal moves is expected to bring.

For each move, the planner (`game.planner`) plays the month out many times with that move and
every other leader as the computer would, follows the game a few months further, and values
the rest of the leader's horizon as the computer does. The forecast is that value in points
(the AI's measure: later months discounted by the leader's patience) with a 95% interval, how
far each move falls behind the best one (every move is played with the same random draws, so
this difference has its own, narrower interval), and the relations this move moves most compared
with the team's other moves by the end of the rollouts. The look-ahead runs on its own random
numbers: it never reveals the real month's draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import planner
from .narrate import follow, relation_label, successor_names
from .state import State

Z95 = 1.96


@dataclass
class Forecast:
    """One move's expected value for the team's leader."""

    move_id: str
    label: str
    value: float  # points over the planner's horizon and after (the AI's measure)
    low: float  # a 95% interval of the mean
    high: float
    behind: float = 0.0  # points behind the best move (0 for the best)
    behind_low: float = 0.0  # a 95% interval of that difference (paired: the same draws for every move)
    behind_high: float = 0.0
    relations: list[tuple[str, float]] = field(default_factory=list)  # what it moves most, against the team's other moves


@dataclass
class Advice:
    actor: str
    months: int  # how far the rollouts look before the rest is valued in closed form
    rollouts: int
    forecasts: list[Forecast] = field(default_factory=list)  # best first

    def lines(self) -> list[str]:
        out = [f"Expected value of each move for your leader: the next {self.months} months played out "
               f"{self.rollouts} times each, then the rest of your horizon as the computer values it (points, 95% interval)."]
        for k, f in enumerate(self.forecasts):
            moved = ", ".join(f"{label} {d:+.2f}" for label, d in f.relations)
            gap = "the best" if k == 0 else f"{f.behind:.2f} behind the best ({f.behind_low:.2f} to {f.behind_high:.2f})"
            out.append(f"  {k + 1}. {f.label}: {f.value:+.2f} ({f.low:+.2f} to {f.high:+.2f}), {gap}"
                       + (f"; compared with your other moves: {moved}" if moved else ""))
        return out


def advise(state: State, actor: str, rollouts: int | None = None, months: int | None = None, top: int = 3) -> Advice:
    """The planner's forecast for each legal move of the actor in world 0, best first."""
    g = state.game
    a = g.actor_index[actor]
    rollouts = int(rollouts or g.planner_rollouts)
    months = int(months or g.planner_horizon)
    sim = state.clone()  # the look-ahead reads its own copy: nothing here touches the class's game
    plan = planner.plan(g, sim.worlds, (a,), sim.policy(), rollouts, months, samples=True)
    stakes = float(g.stakes[int(state.worlds.persona[0, a])])
    names = successor_names(g, state.worlds.persona[0])
    moves = [m for m in range(g.move_start[a], g.move_stop[a]) if not np.isnan(plan.value[0, m])]
    if not moves:
        return Advice(actor, months, rollouts)
    points = plan.samples[0, moves] * stakes / 100.0  # [moves, K]: each rollout's value, paired across moves
    best = int(np.argmax(points.mean(axis=1)))
    F = g.n_factors
    ends = plan.final[0, moves, F:]  # [moves, Q]
    out = Advice(actor, months, rollouts)
    for k, m in enumerate(moves):
        value, se = _mean_interval(points[k])
        behind, behind_se = _mean_interval(points[best] - points[k])
        change = ends[k] - ends.mean(axis=0)
        biggest = [int(q) for q in np.argsort(-np.abs(change))[:top] if abs(change[q]) >= 0.005]
        moved = [(relation_label(g, q, state.worlds.persona[0]), float(change[q])) for q in biggest]
        out.forecasts.append(Forecast(g.move_ids[m], follow(g.moves[m].label, names), value, value - Z95 * se, value + Z95 * se,
                                      behind, behind - Z95 * behind_se, behind + Z95 * behind_se, moved))
    out.forecasts.sort(key=lambda f: -f.value)
    return out


def _mean_interval(x: np.ndarray) -> tuple[float, float]:
    """The mean of some rollouts and its standard error."""
    se = float(x.std(ddof=1) / np.sqrt(len(x))) if len(x) > 1 else 0.0
    return float(x.mean()), se
