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


def persona_payoff(game: Game, x: np.ndarray, persona: np.ndarray, in_seat: np.ndarray) -> np.ndarray:
    """[N]: one payoff per row under a given persona's weights; out of office, no office value."""
    out = ((x - game.payoff_base) * game.weight_target[persona]).sum(axis=1)
    if len(game.ix_weight):
        qa, qb = rules.quantities(game, x)
        out += (np.where(game.ix_persona[None, :] == persona[:, None], game.ix_weight * qa * qb, 0.0)).sum(axis=1)
    return out + np.where(in_seat, game.office[persona], 0.0)


def plan(game: Game, w: Worlds, slots, pol: ai.Policy, rollouts: int, horizon: int) -> Plan:
    """Rollout values of every legal move of the leaders in `slots`, in every world."""
    W, M, T = w.size, game.n_moves, game.n_targets
    value, se = np.full((W, M), np.nan), np.full((W, M), np.nan)
    final = np.full((W, M, T), np.nan)
    cands = [(a, m) for a in slots for m in range(game.move_start[a], game.move_stop[a]) if pol.legal[:, m].any()]
    per_world = max(1, len(cands) * rollouts)
    block = max(1, MAX_ROWS // per_world)
    for w0 in range(0, W, block):
        rows = np.arange(w0, min(W, w0 + block))
        v, s, f = _rollouts(game, w, rows, cands, pol, rollouts, horizon)
        for c, (a, m) in enumerate(cands):
            ok = pol.legal[rows, m]
            value[rows[ok], m], se[rows[ok], m], final[rows[ok], m] = v[ok, c], s[ok, c], f[ok, c]
    norm = 100.0 * value / game.stakes[w.persona[:, game.move_owner]]
    temper = game.rationality[w.persona[:, game.move_owner]]
    evaluated = ~np.isnan(norm)
    prob = ai.choice_logit(game, np.where(evaluated, norm, 0.0), evaluated, temper)
    return Plan(tuple(slots), norm, 100.0 * se / game.stakes[w.persona[:, game.move_owner]], final, prob)


def _rollouts(game: Game, w: Worlds, rows: np.ndarray, cands: list, pol: ai.Policy, K: int, H: int):
    """Mean value, its standard error and the mean end state, [len(rows), C] each."""
    C = len(cands)
    world = np.repeat(rows, C * K)  # row -> world
    cand = np.tile(np.repeat(np.arange(C), K), len(rows))
    r = np.tile(np.arange(K), len(rows) * C)
    seed = rng.derived_seed(w.seed, rng.PLANNER)
    sim = w.take(world, index=w.index[world] * K + r, seed=seed)
    slot = np.array([a for a, _ in cands])[cand]
    persona = w.persona[world, slot]
    gamma = game.patience[persona]
    start, total = w.turn, game.turns + game.scenario.horizon_after_end - w.turn
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
        acc += gamma ** h * _seat_weighted(game, sim.x, persona, sim.persona[np.arange(len(world)), slot] == persona)
        first, h = False, h + 1
    acc += _tail(game, sim, persona, slot, gamma, h, total)
    v = acc.reshape(len(rows), C, K)
    end = sim.x.reshape(len(rows), C, K, -1).mean(axis=2)
    sd = v.std(axis=2, ddof=1) if K > 1 else np.zeros(v.shape[:2])
    return v.mean(axis=2), sd / np.sqrt(K), end


def _seat_weighted(game: Game, x, persona, in_seat) -> np.ndarray:
    """A turn's payoff to the planning persona: full in office, `beyond_term_weight` after."""
    return persona_payoff(game, x, persona, in_seat) * np.where(in_seat, 1.0, game.beyond_term[persona])


def _tail(game: Game, sim: Worlds, persona, slot, gamma, h: int, total: int) -> np.ndarray:
    """The rest of the horizon after the rollout: deviations from the long-run levels fade
    as the fast AI assumes, turns past a certain end of term count at `beyond_term_weight`."""
    anchor = np.concatenate([game.level, game.pair_propensity])
    dev = sim.x - anchor
    in_seat = sim.persona[np.arange(len(persona)), slot] == persona
    term_end = sim.term_end[np.arange(len(persona)), slot]
    out = np.zeros(len(persona))
    for k in range(h, total):
        x = anchor + dev * game.fade ** (k - h)
        still = in_seat & (sim.turn + (k - h) < term_end)
        out += gamma ** k * _seat_weighted(game, np.clip(x, game.target_min, game.target_max), persona, still)
    return out
