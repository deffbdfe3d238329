"""The lens for two chosen leaders, as a class reads it on the projector: the payoff table of the
month's stage game, each leader's dominant move, the equilibria, and what the computer is
likely to play. Computed by `game.lens`; this module only arranges and words it.

The table and the pure equilibria take a fraction of a second; the mixed equilibria (nashpy's
support enumeration) can take seconds for large tables, so they are a separate step
(`add_mixed`) that a front end runs in the background.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import lens
from .narrate import follow, successor_names
from .state import State

LIKELY = 0.05  # a move the computer plays at least this often is 'likely'


@dataclass
class LensTable:
    turn: int
    month: str
    actors: tuple[str, str]
    names: tuple[str, str]
    moves: tuple[list[str], list[str]]  # move ids: rows, columns
    labels: tuple[list[str], list[str]]
    payoff: np.ndarray  # [rows, columns, 2]: per cent of each leader's stakes, over its horizon
    dominant: tuple[int | None, int | None]  # index of each leader's dominant move
    pure: list[tuple[int, int]]  # cells that are pure Nash equilibria
    ai: tuple[np.ndarray, np.ndarray]  # the computer's choice probabilities
    qre: tuple[np.ndarray, np.ndarray]  # the logit quantal response equilibrium at the scenario's rationality
    mixed: list[tuple[np.ndarray, np.ndarray]] | None = None  # every equilibrium, mixed ones too (add_mixed)
    draws: int = 64

    def likely(self, k: int) -> list[tuple[str, float]]:
        """The moves the computer is likely to play for leader k (0: rows, 1: columns), most likely first."""
        p = self.ai[k]
        order = np.argsort(-p)
        return [(self.labels[k][i], float(p[i])) for i in order if p[i] >= LIKELY] or [(self.labels[k][order[0]], float(p[order[0]]))]

    def lines(self) -> list[str]:
        rn, cn = self.names
        out = [f"The game {rn} and {cn} face in {self.month}: each cell is what the rest of each leader's horizon is "
               f"worth after the month ({rn} / {cn}, per cent of what is at stake); the other leaders play as the computer would."]
        for k, name in enumerate(self.names):
            d = self.dominant[k]
            out.append(f"{name}: " + (f"a dominant move: {self.labels[k][d]} (best whatever the other does)." if d is not None
                                      else "no dominant move: the best move depends on what the other does."))
        if self.pure:
            out.append("Pure equilibria (neither gains by changing only its own move): "
                       + "; ".join(f"{self.labels[0][i]} / {self.labels[1][j]}" for i, j in self.pure) + ".")
        else:
            out.append("No pure equilibrium: in every cell one of them would rather do something else.")
        for k, name in enumerate(self.names):
            out.append(f"The computer would play for {name}: " + ", ".join(f"{label} {p:.0%}" for label, p in self.likely(k)) + ".")
        if self.mixed is not None:
            out.append(f"Equilibria with mixed play as well (nashpy): {len(self.mixed)}.")
            for r, c in self.mixed[:3]:
                out.append("  " + "; ".join(
                    f"{name}: " + ", ".join(f"{self.labels[k][i]} {p:.0%}" for i, p in enumerate(mix) if p > 1e-6)
                    for k, (name, mix) in enumerate(zip(self.names, (r, c)))))
        return out


def stage_table(state: State, row: str, column: str, draws: int = 64) -> LensTable:
    """The stage game of this month for two leaders (ValueError when the game is over or they are the same)."""
    if row == column:
        raise ValueError("choose two different leaders")
    g = state.game
    stage = lens.stage_game(state, [row, column], draws)
    lam = [float(g.rationality[state.worlds.persona[0, g.actor_index[a]]]) for a in stage.actors]
    qre, _ok = lens.logit_qre(stage, lam)
    names = successor_names(g, state.worlds.persona[0])
    labels = tuple([follow(g.moves[g.move_index[m]].label, names) for m in ms] for ms in stage.moves)
    dom = lens.dominant(stage)
    dominant = tuple(stage.moves[k].index(dom[a]) if dom[a] else None for k, a in enumerate(stage.actors))
    pure = [(stage.moves[0].index(e[row]), stage.moves[1].index(e[column])) for e in lens.pure_equilibria(stage)]
    return LensTable(state.turn, g.date_of_turn(state.turn).strftime("%B %Y"), (row, column),
                     (state.actor_name(row), state.actor_name(column)), (stage.moves[0], stage.moves[1]), labels,
                     stage.payoff, dominant, pure, (stage.ai_prob[0], stage.ai_prob[1]), (qre[0], qre[1]), None, draws)


def add_mixed(table: LensTable) -> LensTable:
    """Every equilibrium of the table, mixed ones too (may take seconds for large tables)."""
    table.mixed = lens.bimatrix_equilibria(table.payoff[..., 0], table.payoff[..., 1])
    return table
