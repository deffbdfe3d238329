"""The rules: pure, vectorised functions over arrays whose leading axis is the world.

The same code advances one world (a class game) or 10,000 (a batch) in lockstep.
A turn: due events -> simultaneous choices -> resolution in order (blocking,
success) -> dynamics -> payoffs. Every random number comes from `game.rng` keyed by
(seed, world, turn, purpose, slot).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import rng
from .compiled import BLOCKED, FAILURE, SUCCESS, Game, RandomEvent

NO_MOVE = -1


@dataclass
class Worlds:
    """The state of W worlds at the start of turn `turn` (turns completed so far)."""

    seed: int
    index: np.ndarray  # [W] global world indices
    turn: int
    factors: np.ndarray  # [W, F]
    pairs: np.ndarray  # [W, Q] relation of each unordered pair
    persona: np.ndarray  # [W, A] who sits in each actor slot
    move_succeeded: np.ndarray  # [W, M] times each move succeeded
    move_chosen: np.ndarray  # [W, M] times each move was chosen
    happened: np.ndarray  # [W, O] which event outcomes happened
    fired: np.ndarray  # [W, E] which events happened
    scores: np.ndarray  # [W, A]
    opened: bool = False  # events of `turn` already resolved

    @property
    def size(self) -> int:
        return len(self.index)

    def copy(self) -> Worlds:
        return Worlds(**{f.name: (v.copy() if isinstance(v := getattr(self, f.name), np.ndarray) else v) for f in fields(self)})


def new_worlds(game: Game, seed: int, index: np.ndarray) -> Worlds:
    index = np.asarray(index, dtype=np.int64)
    W = len(index)
    return Worlds(
        seed=int(seed),
        index=index,
        turn=0,
        factors=np.tile(game.factor_init, (W, 1)),
        pairs=np.tile(game.pair_init, (W, 1)),
        persona=np.tile(np.arange(game.n_actors), (W, 1)),
        move_succeeded=np.zeros((W, game.n_moves), dtype=np.int32),
        move_chosen=np.zeros((W, game.n_moves), dtype=np.int32),
        happened=np.zeros((W, game.n_outcomes), dtype=bool),
        fired=np.zeros((W, len(game.events)), dtype=bool),
        scores=np.zeros((W, game.n_actors)),
    )


def relation_matrix(game: Game, pairs: np.ndarray) -> np.ndarray:
    """[W, Q] pair values -> [W, A, A] symmetric matrix with a zero diagonal."""
    m = np.zeros(pairs.shape[:-1] + (game.n_actors, game.n_actors))
    m[..., game.pair_i, game.pair_j] = pairs
    m[..., game.pair_j, game.pair_i] = pairs
    return m


# --- conditions ------------------------------------------------------------------------

_OPS = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def _holds(game: Game, w: Worlds, conditions) -> np.ndarray:
    ok = np.ones(w.size, dtype=bool)
    for c in conditions:
        if c.kind == "factor":
            ok &= _OPS[c.op](w.factors[:, c.index], c.value)
        elif c.kind == "relation":
            ok &= _OPS[c.op](w.pairs[:, c.index], c.value)
        elif c.kind == "turn":
            ok &= c.low <= w.turn <= c.high
        elif c.kind == "move":
            taken = w.move_succeeded[:, c.index] > 0
            ok &= taken if c.op == "==" else ~taken
        elif c.kind == "outcome":
            ok &= w.happened[:, c.index] if c.op == "==" else ~w.happened[:, c.index]
    return ok


def legal_moves(game: Game, w: Worlds) -> np.ndarray:
    """[W, M]: which moves' preconditions hold."""
    legal = np.ones((w.size, game.n_moves), dtype=bool)
    for m, conditions in enumerate(game.move_conditions):
        if conditions:
            legal[:, m] = _holds(game, w, conditions)
    return legal


# --- effects ---------------------------------------------------------------------------


def _apply(game: Game, w: Worlds, fd, fn, pd, pn, noise_f, noise_p, mask=None) -> None:
    """Add deltas (+ noise) to factors [W, F] and pairs [W, Q], then clip to bounds."""
    df = fd + fn * noise_f
    dp = pd + pn * noise_p
    if mask is not None and not mask.all():
        df *= mask[:, None]
        dp *= mask[:, None]
    w.factors += df
    np.minimum(np.maximum(w.factors, game.factor_min, out=w.factors), game.factor_max, out=w.factors)
    w.pairs += dp
    np.minimum(np.maximum(w.pairs, -1.0, out=w.pairs), 1.0, out=w.pairs)


# --- 1. events -------------------------------------------------------------------------


def open_turn(game: Game, w: Worlds) -> np.ndarray:
    """Resolve the events due this turn. Returns [W, E] outcome index, or -1 where none."""
    E, F, Q = len(game.events), game.n_factors, game.n_pairs
    result = np.full((w.size, E), -1, dtype=np.intp)
    if E == 0 or w.opened:
        w.opened = True
        return result
    fires_u = rng.uniform(w.seed, w.index, w.turn, rng.EVENT_FIRES, E)
    outcome_u = rng.uniform(w.seed, w.index, w.turn, rng.EVENT_OUTCOME, E)
    noise = rng.sparse_normal(w.seed, w.index, w.turn, rng.EVENT_NOISE, E * (F + Q), game.event_noise_slots).reshape(w.size, E, F + Q)
    for e, ev in enumerate(game.events):
        if isinstance(ev, RandomEvent):
            due = fires_u[:, e] < ev.probability
            if ev.once:
                due &= ~w.fired[:, e]
            if game.event_conditions[e]:
                due &= _holds(game, w, game.event_conditions[e])
        else:
            due = np.full(w.size, game.event_turn[e] == w.turn)
        if not due.any():
            continue
        outcomes = game.event_outcomes[e]
        chosen = np.full(w.size, outcomes[-1], dtype=np.intp)
        otherwise = None
        cumulative = np.zeros(w.size)
        decided = np.zeros(w.size, dtype=bool)
        for o in outcomes:
            p = game.chance(o, w.factors, w.pairs)
            if p is None:
                otherwise = o
                continue
            cumulative = cumulative + p
            pick = ~decided & (outcome_u[:, e] < cumulative)
            chosen[pick] = o
            decided |= pick
        if otherwise is not None:
            chosen[~decided] = otherwise
        chosen = np.where(due, chosen, -1)
        result[:, e] = chosen
        w.fired[:, e] |= due
        for o in outcomes:
            hit = chosen == o
            if not hit.any():
                continue
            w.happened[:, o] |= hit
            ea = game.outcome_effects
            _apply(game, w, ea.factor_delta[o], ea.factor_noise[o], ea.pair_delta[o], ea.pair_noise[o],
                   noise[:, e, :F], noise[:, e, F:], mask=hit)
            persona = game.outcome_persona[o]
            if persona >= 0:
                slot = game.personas[persona].slot
                w.persona[hit, slot] = persona
    w.opened = True
    return result


# --- 3. resolution -----------------------------------------------------------------------


def resolve(game: Game, w: Worlds, choices: np.ndarray, block_prob: np.ndarray,
            block_override: dict[tuple[int, int], bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Resolve every actor's chosen move in the scenario's order.

    choices: [W, A] move index or NO_MOVE. block_prob: [W, M, A] chance that each
    actor blocks each move (zero where it may not). block_override maps
    (blocker, move) to a human's decision. Returns (result [W, A] of SUCCESS /
    FAILURE / BLOCKED or -1, blocked_by [W, A] actor index or -1).
    """
    A, F, Q, W = game.n_actors, game.n_factors, game.n_pairs, w.size
    block_u = rng.uniform(w.seed, w.index, w.turn, rng.BLOCK, A * A).reshape(W, A, A)
    success_u = rng.uniform(w.seed, w.index, w.turn, rng.SUCCESS, A)
    noise = rng.sparse_normal(w.seed, w.index, w.turn, rng.MOVE_NOISE, A * (F + Q), game.move_noise_slots).reshape(W, A, F + Q)
    result = np.full((W, A), -1, dtype=np.intp)
    blocked_by = np.full((W, A), -1, dtype=np.intp)
    rows = np.arange(W)
    ea = game.move_effects
    for a in game.resolution_order:
        m = choices[:, a]
        acting = m >= 0
        if not acting.any():
            continue
        ms = np.where(acting, m, 0)
        w.move_chosen[rows[acting], ms[acting]] += 1  # one move per world: no repeated index
        blocks = block_u[:, a, :] < block_prob[rows, ms, :]  # [W, A]
        if block_override:
            for (b, move), decision in block_override.items():
                on = ms == move
                blocks[on, b] = decision and game.move_blockers[move, b]
        blocks &= game.move_blockers[ms]
        is_blocked = blocks.any(axis=1) & acting
        first_blocker = np.where(is_blocked, np.argmax(blocks, axis=1), -1)
        success = acting & ~is_blocked & (success_u[:, a] < game.move_probability[ms])
        variant = np.where(is_blocked, BLOCKED, np.where(success, SUCCESS, FAILURE))
        result[:, a] = np.where(acting, variant, -1)
        blocked_by[:, a] = first_blocker
        w.move_succeeded[rows[success], ms[success]] += 1
        _apply(game, w, ea.factor_delta[ms, variant], ea.factor_noise[ms, variant],
               ea.pair_delta[ms, variant], ea.pair_noise[ms, variant],
               noise[:, a, :F], noise[:, a, F:], mask=acting)
    return result, blocked_by


# --- 4. dynamics, 5. payoffs --------------------------------------------------------------


def dynamics(game: Game, w: Worlds) -> None:
    """Factors drift, revert and jump; relations drift toward their propensity."""
    shock = rng.sparse_normal(w.seed, w.index, w.turn, rng.FACTOR_SHOCK, game.n_factors, np.flatnonzero(game.volatility))
    step = game.drift + game.reversion * (game.level - w.factors) + game.volatility * shock
    np.clip(w.factors + step, game.factor_min, game.factor_max, out=w.factors)
    if game.n_pairs:
        shock = rng.normal(w.seed, w.index, w.turn, rng.RELATION_SHOCK, game.n_pairs)
        step = game.pull * (game.pair_propensity - w.pairs) + game.relation_volatility * shock
        np.clip(w.pairs + step, -1.0, 1.0, out=w.pairs)


def payoff(game: Game, w: Worlds) -> np.ndarray:
    """[W, A]: each actor's payoff for the current state, under its persona's weights."""
    norm = w.factors - game.factor_min  # [W, F]
    wf = game.weight_factor[w.persona]  # [W, A, F]
    wr = game.weight_relation[w.persona]  # [W, A, A]
    rel = relation_matrix(game, w.pairs)  # [W, A, A]
    return np.einsum("waf,wf->wa", wf, norm) + np.einsum("wab,wab->wa", wr, rel)


def finish_turn(game: Game, w: Worlds) -> np.ndarray:
    """Dynamics, then payoffs; the turn is over. Returns the turn's payoffs [W, A]."""
    dynamics(game, w)
    earned = payoff(game, w)
    w.scores += earned
    w.turn += 1
    w.opened = False
    return earned


def closest_partners(game: Game, pairs: np.ndarray) -> np.ndarray:
    """[W, A]: index of each actor's warmest relation."""
    rel = relation_matrix(game, pairs)
    idx = np.arange(game.n_actors)
    rel[..., idx, idx] = -np.inf
    return np.argmax(rel, axis=-1)


def best_blocs(game: Game, pairs: np.ndarray, max_actors: int = 14) -> np.ndarray:
    """[W, A]: the lowest-energy two-bloc split of landscape theory (actor 0 in bloc 0).

    Enumerates the 2^(A-1) splits for every world at once; -1 when A > max_actors
    (use game.landscape.local_minima for one world of a larger scenario).
    """
    A, W = game.n_actors, pairs.shape[0]
    if A > max_actors:
        return np.full((W, A), -1, dtype=np.int8)
    configs = ((np.arange(2 ** (A - 1))[:, None] >> np.arange(A - 1)[None, :]) & 1).astype(np.int8)
    configs = np.concatenate([np.zeros((len(configs), 1), dtype=np.int8), configs], axis=1)  # [C, A]
    apart = (configs[:, game.pair_i] != configs[:, game.pair_j]).astype(np.float64)  # [C, Q]
    sizes = game.power[game.pair_i] * game.power[game.pair_j]
    energy = (pairs * sizes) @ apart.T  # [W, C]
    return configs[np.argmin(energy, axis=1)]
