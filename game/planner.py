"""The planner: each candidate move valued by Monte Carlo rollouts through the engine.

For every world, leader and candidate move, K continuations of H turns are played with the
vectorised rules, the leader taking the candidate now and every leader (itself included)
following the fast AI afterwards; the rest of the leader's horizon is valued as the fast AI
values a lasting change (deviations fading toward their long-run levels). This is on-line
policy improvement by simulation (Tesauro & Galperin, "On-line policy improvement using
Monte-Carlo search", NIPS 1996). Candidates share their random numbers (common random
numbers), drawn from a stream derived from the game's seed, so the look-ahead never sees
the numbers the real future will use, and world k plans the same alone or in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import ai, rng, rules
from .compiled import Game
from .rules import Worlds

MAX_ROWS = 24_000  # rollouts advanced together (memory bound)


@dataclass
class Plan:
    """The planner's view of this turn for the leaders it plans for."""

    slots: tuple[int, ...]
    value: np.ndarray  # [W, M] mean value of each move to its owner, per cent of its stakes (nan: not evaluated)
    se: np.ndarray  # [W, M] standard error of that mean
    final: np.ndarray  # [W, M, T] mean state at the end of the rollouts
    prob: np.ndarray  # [W, M] quantal choice probabilities over the evaluated moves
    samples: np.ndarray | None = None  # [W, M, K] each rollout's value (per cent of stakes), when asked for


def persona_payoff(game: Game, x: np.ndarray, persona: np.ndarray, in_seat: np.ndarray) -> np.ndarray:
    """[N]: one payoff per row under a given persona's weights; out of office, no office value."""
    out = ((x - game.payoff_base) * game.weight_target[persona]).sum(axis=1)
    if len(game.ix_weight):
        qa, qb = rules.quantities(game, x)
        out += (np.where(game.ix_persona[None, :] == persona[:, None], game.ix_weight * qa * qb, 0.0)).sum(axis=1)
    return out + np.where(in_seat, game.office[persona], 0.0)


def plan(game: Game, w: Worlds, slots, pol: ai.Policy, rollouts: int, horizon: int, samples: bool = False) -> Plan:
    """Rollout values of every legal move of the leaders in `slots`, in every world (with each
    rollout's value when `samples`: candidates share their draws, so differences are paired)."""
    W, M, T = w.size, game.n_moves, game.n_targets
    value, se = np.full((W, M), np.nan), np.full((W, M), np.nan)
    final = np.full((W, M, T), np.nan)
    kept = np.full((W, M, rollouts), np.nan) if samples else None
    cands = [(a, m) for a in slots for m in range(game.move_start[a], game.move_stop[a]) if pol.legal[:, m].any()]
    per_world = max(1, len(cands) * rollouts)
    block = max(1, MAX_ROWS // per_world)
    for w0 in range(0, W, block):
        rows = np.arange(w0, min(W, w0 + block))
        v, s, f, each = _rollouts(game, w, rows, cands, pol, rollouts, horizon)
        for c, (a, m) in enumerate(cands):
            ok = pol.legal[rows, m]
            value[rows[ok], m], se[rows[ok], m], final[rows[ok], m] = v[ok, c], s[ok, c], f[ok, c]
            if kept is not None:
                kept[rows[ok], m] = each[ok, c]
    norm = 100.0 * value / game.stakes[w.persona[:, game.move_owner]]
    temper = game.rationality[w.persona[:, game.move_owner]]
    evaluated = ~np.isnan(norm)
    prob = ai.choice_logit(game, np.where(evaluated, norm, 0.0), evaluated, temper)
    stakes = game.stakes[w.persona[:, game.move_owner]]
    return Plan(tuple(slots), norm, 100.0 * se / stakes, final, prob,
                None if kept is None else 100.0 * kept / stakes[:, :, None])


def _rollouts(game: Game, w: Worlds, rows: np.ndarray, cands: list, pol: ai.Policy, K: int, H: int):
    """Mean value, its standard error and the mean end state, [len(rows), C] each; and every rollout's value."""
    C = len(cands)
    world = np.repeat(rows, C * K)  # row -> world
    cand = np.tile(np.repeat(np.arange(C), K), len(rows))
    r = np.tile(np.arange(K), len(rows) * C)
    seed = rng.derived_seed(w.seed, rng.PLANNER)
    sim = w.take(world, index=w.index[world] * K + r, seed=seed)
    slot = np.array([a for a, _ in cands])[cand]
    persona = w.persona[world, slot]
    gamma = game.patience[persona]
    total = game.turns + game.horizon_after_end - w.turn
    acc = np.zeros(len(world))
    first = True
    h = 0
    while h < H and sim.turn < game.turns:
        if first:
            prob, blocks, accept = pol.prob[world], pol.block_prob[world], pol.accept_prob[world]
        else:
            rules.open_turn(game, sim)
            p = ai.policy(game, sim)
            prob, blocks, accept = p.prob, p.block_prob, p.accept_prob
        u = rng.uniform(sim.seed, sim.index, sim.turn, rng.CHOICE, game.n_actors)
        choices = np.stack([ai.sample(game, prob, u[:, a], a) for a in range(game.n_actors)], axis=1)
        if first:
            choices[np.arange(len(world)), slot] = np.array([m for _, m in cands])[cand]
        res = rules.resolve(game, sim, choices, rules.Decisions(blocks, accept, {}, {}))
        rules.close_turn(game, sim, res)
        every = np.arange(len(world))
        in_seat = (sim.persona[every, slot] == persona) & (sim.turn - 1 < sim.term_end[every, slot])
        acc += gamma ** h * _seat_weighted(game, sim.x, persona, in_seat)
        first, h = False, h + 1
    acc += _tail(game, sim, persona, slot, gamma, h, total)
    v = acc.reshape(len(rows), C, K)
    end = sim.x.reshape(len(rows), C, K, -1).mean(axis=2)
    sd = v.std(axis=2, ddof=1) if K > 1 else np.zeros(v.shape[:2])
    return v.mean(axis=2), sd / np.sqrt(K), end, v


def _seat_weighted(game: Game, x, persona, in_seat) -> np.ndarray:
    """A turn's payoff to the planning persona: full in office, `beyond_term_weight` after."""
    return persona_payoff(game, x, persona, in_seat) * np.where(in_seat, 1.0, game.beyond_term[persona])


def _tail(game: Game, sim: Worlds, persona, slot, gamma, h: int, total: int) -> np.ndarray:
    """The rest of the horizon after the rollout, valued as the fast AI values a lasting change:
    deviations from the long-run levels fade, turns past a certain end of term count at
    `beyond_term_weight`, and an open obligation is kept or broken as its bound leader's
    quantal response to the same valuation prefers."""
    rows = np.arange(len(persona))
    seat = (sim.persona[rows, slot] == persona, sim.term_end[rows, slot])
    value = _fading(game, sim.x, persona, seat, sim.turn, gamma, h, total)
    for j in np.flatnonzero((sim.due >= 0).any(axis=0)):
        open_ = np.flatnonzero(sim.due[:, j] >= 0)
        kept, broken = _settled(game, sim.x[open_], j)
        b = int(game.obligation_actor[j])
        pb = sim.persona[open_, b]
        seat_b = (np.ones(len(open_), dtype=bool), sim.term_end[open_, b])
        gain = (_fading(game, kept, pb, seat_b, sim.turn, game.patience[pb], h, total)
                - _fading(game, broken, pb, seat_b, sim.turn, game.patience[pb], h, total))
        p_keep = 1.0 / (1.0 + np.exp(-np.clip(game.rationality[pb] * 100.0 * gain / game.stakes[pb], -50, 50)))
        mine = (seat[0][open_], seat[1][open_])
        args = (persona[open_], mine, sim.turn, gamma[open_], h, total)
        value[open_] += (p_keep * _fading(game, kept, *args) + (1 - p_keep) * _fading(game, broken, *args)
                         - _fading(game, sim.x[open_], *args))
    return value


def _settled(game: Game, x: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """The state if obligation j is kept (its move succeeds, then on_kept) or broken (on_broken)."""
    et = game.effects
    fulfil = et.delta[game.move_block(game.obligation_fulfil[j], 0)]
    kept = x + fulfil + et.delta[game.obligation_block0 + 2 * j]
    broken = x + et.delta[game.obligation_block0 + 2 * j + 1]
    return np.clip(kept, game.target_min, game.target_max), np.clip(broken, game.target_min, game.target_max)


def _geometric(r: np.ndarray, k0, k1) -> np.ndarray:
    """Sum of r^k for k in [k0, k1), element-wise (k0, k1 broadcast against r)."""
    k0, k1 = np.asarray(k0, dtype=float), np.maximum(np.asarray(k1, dtype=float), k0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (r ** k0 - r ** k1) / (1.0 - r)
    return np.where(np.abs(1.0 - r) > 1e-12, s, k1 - k0)


def _fading(game: Game, x0: np.ndarray, persona, seat, turn: int, gamma, h: int, total: int) -> np.ndarray:
    """Sum over turns k = h .. total-1 of gamma^k times the payoff of a state whose deviations
    from the long-run levels fade (x_k = anchor + (x0 - anchor) * fade^(k-h)); turns after the
    seat is lost (seat = (in office now, turn the term surely ends)) count at beyond_term_weight
    and without the value of office. Closed form: every term is a geometric series, computed
    once per distinct (persona, discount, end of office) and shared by the rows that have it."""
    anchor = np.concatenate([game.level, game.pair_propensity])
    dev = (x0 - anchor) / game.fade ** h  # so that the deviation at turn k is dev * fade^k
    in_seat, term_end = seat
    split = np.where(in_seat, np.clip(term_end - turn + h, h, total), h)
    gamma = np.asarray(gamma, dtype=float)
    keys, first, inv = np.unique(np.stack([persona, split, gamma.view(np.int64)], axis=1), axis=0,
                                 return_index=True, return_inverse=True)
    inv = inv.ravel()
    g, sp, after = gamma[first][:, None], split[first][:, None], game.beyond_term[persona[first]][:, None]

    def G(r):  # [U, ...] -> gathered to rows
        return (_geometric(r, h, sp) + after * _geometric(r, sp, total))[inv]

    w = game.weight_target[persona]  # [N, T]
    value = (w * (anchor - game.payoff_base)).sum(axis=1) * G(g)[:, 0] + (w * dev * G(g * game.fade)).sum(axis=1)
    if len(game.ix_weight):
        mine = game.ix_persona[None, :] == persona[:, None]  # [N, I]
        a_bar = game.ix_a0 + game.ix_a1 * anchor[game.ix_a]
        b_bar = game.ix_b0 + game.ix_b1 * anchor[game.ix_b]
        da, db = game.ix_a1 * dev[:, game.ix_a], game.ix_b1 * dev[:, game.ix_b]  # [N, I]
        fa, fb = game.fade[game.ix_a], game.fade[game.ix_b]
        terms = a_bar * b_bar * G(g) + a_bar * db * G(g * fb) + da * b_bar * G(g * fa) + da * db * G(g * fa * fb)
        value += (np.where(mine, game.ix_weight * terms, 0.0)).sum(axis=1)
    return value + game.office[persona] * _geometric(g, h, sp)[inv][:, 0]
