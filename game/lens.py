"""The lens: the stage game at a turn, for a class to look at and an analyst to check.

Every joint profile of the chosen leaders' legal moves is resolved by the engine with the
same random draws (common random numbers: profile differences are never luck); leaders not
chosen play the fast AI's choice in each draw, and vetoes and consent follow the fast AI's
quantal answers. A leader's payoff for a profile is what the rest of its horizon is worth
from the resulting state: its payoff (products of quantities included) each turn ahead,
discounted by its patience, deviations fading toward their long-run levels as the fast AI
assumes. Payoffs are in per cent of the leader's stakes, the scale the AI's rationality uses.

From that table: dominant moves, every pure Nash equilibrium, the logit quantal response
equilibrium (McKelvey & Palfrey 1995) at the scenario's rationality and its distance from
the AI's actual choice probabilities, and, for two leaders, the bimatrix and its equilibria
from nashpy (support enumeration).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from . import rng, rules
from .compiled import Game
from .planner import _tail
from .state import State

LENS = 13  # random-number purpose of the lens's draws
MAX_PROFILES = 20_000
TOLERANCE = 1e-9  # payoff differences below this (per cent of stakes) count as ties


@dataclass
class Stage:
    """The stage game at one turn."""

    turn: int
    actors: list[str]
    moves: list[list[str]]  # each chosen leader's legal move ids
    payoff: np.ndarray  # [n_1, ..., n_k, k] expected payoff (per cent of stakes)
    draws: int
    ai_prob: list[np.ndarray] = field(default_factory=list)  # the fast AI's choice probabilities

    @property
    def shape(self) -> tuple[int, ...]:
        return self.payoff.shape[:-1]


def stage_game(state: State, actors: list[str] | None = None, draws: int = 64) -> Stage:
    """The stage game of world 0 at the state's turn, for the given leaders (default: all)."""
    g = state.game
    if state.is_terminal():
        raise ValueError("the game is over: there is no stage game to look at")
    actors = list(actors or g.actor_ids)
    players = [g.actor_index[a] for a in actors]
    legal = state.legal_mask()[0]
    moves = [[m for m in range(g.move_start[a], g.move_stop[a]) if legal[m]] for a in players]
    shape = tuple(len(m) for m in moves)
    n_profiles = int(np.prod(shape))
    if n_profiles > MAX_PROFILES:
        raise ValueError(f"{n_profiles:,} move profiles is too many to enumerate (at most {MAX_PROFILES:,}); choose fewer leaders with --actors")
    profiles = np.array(list(itertools.product(*[range(n) for n in shape])), dtype=np.intp).reshape(n_profiles, len(players))
    rows = n_profiles * draws
    draw = np.tile(np.arange(draws), n_profiles)
    w = state.worlds.take(np.zeros(rows, dtype=np.intp), index=draw, seed=rng.derived_seed(state.seed, LENS))
    pol = state.policy()
    u = rng.uniform(w.seed, w.index, w.turn, rng.CHOICE, g.n_actors)
    prob = np.broadcast_to(pol.prob[:1], (rows, g.n_moves))
    from .ai import sample

    choices = np.stack([sample(g, prob, u[:, a], a) for a in range(g.n_actors)], axis=1)
    for k, a in enumerate(players):
        choices[:, a] = np.repeat(np.array(moves[k])[profiles[:, k]], draws)
    decisions = rules.Decisions(np.broadcast_to(pol.block_prob[:1], (rows,) + pol.block_prob.shape[1:]),
                                np.broadcast_to(pol.accept_prob[:1], (rows, g.n_moves)), {}, {})
    persona_before = w.persona.copy()
    res = rules.resolve(g, w, choices, decisions)
    rules.close_turn(g, w, res)
    payoff = np.zeros((n_profiles, len(players)))
    total = g.turns + g.horizon_after_end - state.turn
    for k, a in enumerate(players):
        persona = persona_before[:, a]
        value = _tail(g, w, persona, np.full(rows, a), g.patience[persona], 0, total)
        payoff[:, k] = (100.0 * value / g.stakes[persona]).reshape(n_profiles, draws).mean(axis=1)
    ai_prob = [pol.prob[0, m] for m in moves]
    return Stage(state.turn, actors, [[g.move_ids[m] for m in ms] for ms in moves], payoff.reshape(shape + (len(players),)),
                 draws, ai_prob)


# --- solution concepts ------------------------------------------------------------------------


def dominant(stage: Stage) -> dict[str, str | None]:
    """Each leader's strictly dominant move (better against every profile of the others), or None."""
    out = {}
    for k, actor in enumerate(stage.actors):
        u = np.moveaxis(stage.payoff[..., k], k, 0).reshape(stage.shape[k], -1)  # [own moves, others' profiles]
        best = None
        for i in range(len(u)):
            others = np.delete(u, i, axis=0)
            if len(others) == 0 or (u[i] > others + TOLERANCE).all():
                best = stage.moves[k][i]
                break
        out[actor] = best
    return out


def pure_equilibria(stage: Stage) -> list[dict[str, str]]:
    """Every profile from which no leader gains by changing only its own move."""
    out = []
    best = [stage.payoff[..., k].max(axis=k, keepdims=True) for k in range(len(stage.actors))]
    stable = np.ones(stage.shape, dtype=bool)
    for k in range(len(stage.actors)):
        stable &= stage.payoff[..., k] >= best[k] - TOLERANCE
    for idx in zip(*np.nonzero(stable)):
        out.append({a: stage.moves[k][i] for k, (a, i) in enumerate(zip(stage.actors, idx))})
    return out


def _expected(stage: Stage, k: int, sigma: list[np.ndarray]) -> np.ndarray:
    """Leader k's expected payoff of each of its moves when the others play the mixed strategies sigma."""
    n = len(stage.actors)
    args: list = [stage.payoff[..., k], list(range(n))]
    for j in range(n):
        if j != k:
            args += [sigma[j], [j]]
    return np.einsum(*args, [k])


def logit_qre(stage: Stage, rationality: list[float], steps: int = 50, tol: float = 1e-9) -> tuple[list[np.ndarray], bool]:
    """The logit quantal response equilibrium on its principal branch (McKelvey & Palfrey 1995):
    traced from uniform play (rationality 0) to the given rationalities in `steps`, each point
    solved with scipy's root finder from the previous one. Returns the mixed strategies and
    whether every step converged."""
    from scipy.optimize import root

    sizes = list(stage.shape)
    cuts = np.cumsum(sizes)[:-1]

    def strategies(z: np.ndarray) -> list[np.ndarray]:
        out = []
        for part in np.split(z, cuts):
            e = np.exp(part - part.max())
            out.append(e / e.sum())
        return out

    z = np.zeros(sum(sizes))
    ok = True
    for s in np.linspace(0.0, 1.0, steps + 1)[1:]:
        def gap(z: np.ndarray, s=s) -> np.ndarray:
            sigma = strategies(z)
            target = np.concatenate([s * lam * _expected(stage, k, sigma) for k, lam in enumerate(rationality)])
            d = z - target
            return np.concatenate([part - part.mean() for part in np.split(d, cuts)])  # logits are free up to a constant

        sol = root(gap, z, method="hybr", tol=tol)
        ok = ok and bool(sol.success)
        z = sol.x
    return strategies(z), ok


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def bimatrix_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every Nash equilibrium of a two-player game (row payoffs A, column payoffs B), by nashpy's support enumeration."""
    import nashpy

    return [(np.round(r, 12), np.round(c, 12)) for r, c in nashpy.Game(A, B).support_enumeration()]


def summary(state: State, actors: list[str] | None = None, draws: int = 64) -> dict:
    """Everything the `lens` command prints, as plain data."""
    g = state.game
    stage = stage_game(state, actors, draws)
    lam = [float(g.rationality[state.worlds.persona[0, g.actor_index[a]]]) for a in stage.actors]
    qre, converged = logit_qre(stage, lam)
    out = {
        "scenario": g.scenario.id,
        "turn": stage.turn,
        "seed": state.seed,
        "draws": draws,
        "actors": stage.actors,
        "moves": {a: ms for a, ms in zip(stage.actors, stage.moves)},
        "dominant": dominant(stage),
        "pure_equilibria": pure_equilibria(stage),
        "qre": {a: dict(zip(ms, map(float, s))) for a, ms, s in zip(stage.actors, stage.moves, qre)},
        "qre_converged": converged,
        "ai": {a: dict(zip(ms, map(float, p))) for a, ms, p in zip(stage.actors, stage.moves, stage.ai_prob)},
        "qre_distance": {a: total_variation(s, p) for a, s, p in zip(stage.actors, qre, stage.ai_prob)},
    }
    if len(stage.actors) == 2:
        A, B = stage.payoff[..., 0], stage.payoff[..., 1]
        out["bimatrix"] = {"rows": stage.moves[0], "columns": stage.moves[1], "row_payoff": A.tolist(), "column_payoff": B.tolist()}
        out["mixed_equilibria"] = [{stage.actors[0]: dict(zip(stage.moves[0], map(float, r))),
                                    stage.actors[1]: dict(zip(stage.moves[1], map(float, c)))}
                                   for r, c in bimatrix_equilibria(A, B)]
    return out


def describe(data: dict, game: Game) -> list[str]:
    """The lens summary in words, for a terminal (the CLI escapes what it prints)."""

    def clean(text: str) -> str:
        return str(text)

    def name(a: str) -> str:
        return clean(game.personas[game.actor_index[a]].name)

    def label(m: str) -> str:
        return clean(game.moves[game.move_index[m]].label)

    date = game.date_of_turn(data["turn"]).strftime("%B %Y")
    out = [f"{clean(game.scenario.title)}: the stage game of {date} (turn {data['turn'] + 1} of {game.turns}, seed {data['seed']})",
           f"Every joint move was resolved {data['draws']} times with the same random draws. A payoff is what the rest of",
           "a leader's horizon is worth after the month, in per cent of that leader's stakes (the AI's own scale).", "",
           "Dominant moves (best whatever the others do):"]
    for a in data["actors"]:
        d = data["dominant"][a]
        out.append(f"  {name(a)}: " + (label(d) if d else "none: the best move depends on what the others do"))
    eq = data["pure_equilibria"]
    out += ["", f"Pure Nash equilibria (no leader gains by changing only its own move): {len(eq)}"]
    out += [f"  {k + 1}. " + "; ".join(f"{name(a)}: {label(m)}" for a, m in e.items()) for k, e in enumerate(eq[:10])]
    if len(eq) > 10:
        out.append(f"  ... and {len(eq) - 10} more (see --json)")
    if not eq:
        out.append("  none: in every joint move some leader would rather do something else (mixed play, as in the QRE below)")
    out += ["", "Quantal response equilibrium at the scenario's rationality, and what the AI's choice rule does:"]
    for a in data["actors"]:
        out.append(f"  {name(a)}  (distance from the AI: {data['qre_distance'][a]:.2f})")
        for m in data["moves"][a]:
            q, p = data["qre"][a][m], data["ai"][a][m]
            if q >= 0.005 or p >= 0.005:
                out.append(f"    {label(m):<34} QRE {q:6.1%}   AI {p:6.1%}")
    if not data["qre_converged"]:
        out.append("  (the QRE iteration did not fully converge; figures are approximate)")
    if "bimatrix" in data:
        b = data["bimatrix"]
        r, c = data["actors"]
        short = {a: clean(game.personas[game.actor_index[a]].short_name) for a in (r, c)}
        out += ["", f"Bimatrix ({name(r)} chooses a row, {name(c)} a column; each cell: {short[r]} / {short[c]}):"]
        for i, rm in enumerate(b["rows"]):
            cells = "  ".join(f"{b['row_payoff'][i][j]:+6.1f}/{b['column_payoff'][i][j]:+6.1f}" for j in range(len(b["columns"])))
            out.append(f"  {label(rm)[:24]:<24} {cells}")
        out.append("  columns: " + "; ".join(f"{j + 1}. {label(m)}" for j, m in enumerate(b["columns"])))
        out.append(f"  Compare {short[r]}'s payoffs down a column and {short[c]}'s along a row: each is a whole horizon's worth.")
        out += ["", f"Equilibria of the bimatrix (nashpy, support enumeration): {len(data['mixed_equilibria'])}"]
        for k, e in enumerate(data["mixed_equilibria"][:6]):
            parts = []
            for a in (r, c):
                mix = [f"{label(m)} {p:.0%}" for m, p in e[a].items() if p > 1e-6]
                parts.append(f"{name(a)}: " + ", ".join(mix))
            out.append(f"  {k + 1}. " + "; ".join(parts))
    return out
