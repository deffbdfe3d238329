"""The AI: expected utility over a term-security horizon, level-1 anticipation, logit choice.

1. Level 0: every leader's myopic, noisy best response (one turn, no blocking).
2. Level 1: each leader values its moves on the state the others' level-0 moves are
   expected to leave (so a factor already pushed to its bound is worth little),
   anticipates whether an entitled actor would block (a veto), and counts a lasting
   change over its horizon: future turns discounted by its patience, turns after its
   election or term limit weighted less, changes fading as factors revert and relations
   drift. A leader with no term limit is patient; this is how waiting pays.
3. Choice: a logit (quantal response, McKelvey & Palfrey 1995) rule with the leader's
   rationality: 0 picks uniformly, large values pick the best move.
Everything is vectorised across worlds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compiled import BLOCKED, FAILURE, SUCCESS, Game
from .rules import NO_MOVE, Worlds, legal_moves


@dataclass
class Policy:
    """What the AI would do this turn, in every world."""

    legal: np.ndarray  # [W, M]
    value: np.ndarray  # [W, M] the mover's expected value of each move
    prob: np.ndarray  # [W, M] choice probability within each actor's moves
    block_prob: np.ndarray  # [W, M, A] chance each actor blocks each move


def horizon(game: Game, turn: int) -> tuple[np.ndarray, np.ndarray]:
    """Per persona: how much a lasting change counts, for factors [P, F] and relations [P]."""
    remaining = max(game.turns - turn, 1)
    k = np.arange(remaining)
    after_term = (turn + k)[None, :] > game.term_turn[:, None]  # [P, R]
    weight = game.patience[:, None] ** k[None, :] * np.where(after_term, game.beyond_term[:, None], 1.0)
    fade_f = (1.0 - game.reversion)[None, :] ** k[:, None]  # [R, F]
    fade_r = (1.0 - game.pull) ** k  # [R]
    return weight @ fade_f, weight @ fade_r


def _pair_weights(game: Game, weight_relation: np.ndarray) -> np.ndarray:
    """[W, A, A] weights on relations -> [W, A, Q] weights on pairs (only pairs one is part of)."""
    W = weight_relation.shape[0]
    wq = np.zeros((W, game.n_actors, game.n_pairs))
    q = np.arange(game.n_pairs)
    wq[:, game.pair_i, q] = weight_relation[:, game.pair_i, game.pair_j]
    wq[:, game.pair_j, q] = weight_relation[:, game.pair_j, game.pair_i]
    return wq


def _logit(game: Game, value: np.ndarray, legal: np.ndarray, temper: np.ndarray) -> np.ndarray:
    """Choice probabilities within each actor's contiguous block of moves."""
    z = np.where(legal, value * temper, -np.inf)
    prob = np.zeros_like(z)
    for a in range(game.n_actors):
        s = slice(game.move_start[a], game.move_stop[a])
        block = z[:, s]
        top = np.max(block, axis=1, keepdims=True)
        ok = np.isfinite(top)
        e = np.where(legal[:, s], np.exp(block - np.where(ok, top, 0.0)), 0.0)
        total = e.sum(axis=1, keepdims=True)
        prob[:, s] = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return prob


def policy(game: Game, w: Worlds, legal: np.ndarray | None = None) -> Policy:
    """The AI's view of this turn: values, block chances and choice probabilities."""
    if legal is None:
        legal = legal_moves(game, w)
    ea = game.move_effects
    p = game.move_probability[:, None]
    temper = game.rationality[w.persona]  # [W, A]
    mover_temper = temper[:, game.move_owner]  # [W, M]
    wf = game.weight_factor[w.persona]  # [W, A, F]
    wq = _pair_weights(game, game.weight_relation[w.persona])  # [W, A, Q]
    hf_p, hr_p = horizon(game, w.turn)
    hf, hr = hf_p[w.persona], hr_p[w.persona]  # [W, A, F], [W, A]
    owner = game.move_owner

    # Level 0: myopic, unblocked expected effects of every move.
    f0 = p * ea.factor_delta[:, SUCCESS] + (1 - p) * ea.factor_delta[:, FAILURE]  # [M, F]
    q0 = p * ea.pair_delta[:, SUCCESS] + (1 - p) * ea.pair_delta[:, FAILURE]  # [M, Q]
    v0 = np.einsum("mf,wmf->wm", f0, wf[:, owner]) + np.einsum("mq,wmq->wm", q0, wq[:, owner])
    pi0 = _logit(game, v0, legal, mover_temper)

    # Where the others' level-0 moves are expected to leave each leader's world.
    push_f = pi0[:, :, None] * f0[None]  # [W, M, F]
    push_q = pi0[:, :, None] * q0[None]
    total_f, total_q = push_f.sum(axis=1), push_q.sum(axis=1)
    own_f = np.stack([push_f[:, game.move_start[a]:game.move_stop[a]].sum(axis=1) for a in range(game.n_actors)], 1)
    own_q = np.stack([push_q[:, game.move_start[a]:game.move_stop[a]].sum(axis=1) for a in range(game.n_actors)], 1)
    base_f = (w.factors[:, None, :] + total_f[:, None, :] - own_f)[:, owner]  # [W, M, F]
    base_q = (w.pairs[:, None, :] + total_q[:, None, :] - own_q)[:, owner]
    base_f = np.clip(base_f, game.factor_min, game.factor_max)
    base_q = np.clip(base_q, -1.0, 1.0)

    def effective(variant: int) -> tuple[np.ndarray, np.ndarray]:
        df = np.clip(base_f + ea.factor_delta[None, :, variant], game.factor_min, game.factor_max) - base_f
        dq = np.clip(base_q + ea.pair_delta[None, :, variant], -1.0, 1.0) - base_q
        return df, dq

    (sf, sq), (ff, fq), (bf, bq) = effective(SUCCESS), effective(FAILURE), effective(BLOCKED)
    pass_f, pass_q = p * sf + (1 - p) * ff, p * sq + (1 - p) * fq  # [W, M, F], [W, M, Q]

    def value_to_all(df: np.ndarray, dq: np.ndarray) -> np.ndarray:
        """[W, M, A]: what a move's effects are worth to each actor over its horizon."""
        return np.einsum("wmf,waf->wma", df, wf * hf) + np.einsum("wmq,waq->wma", dq, wq * hr[:, :, None])

    # Level 1: would an entitled actor block? (quantal: block when passing hurts it)
    if game.move_blockers.any():
        gain_if_passed = value_to_all(pass_f, pass_q) - value_to_all(bf, bq)  # [W, M, A]
        block_prob = game.move_blockers[None] / (1.0 + np.exp(np.clip(temper[:, None, :] * gain_if_passed, -50, 50)))
    else:
        block_prob = np.zeros((w.size, game.n_moves, game.n_actors))
    blocked = 1.0 - np.prod(1.0 - block_prob, axis=2)  # [W, M]

    exp_f = (1 - blocked)[..., None] * pass_f + blocked[..., None] * bf
    exp_q = (1 - blocked)[..., None] * pass_q + blocked[..., None] * bq
    m = np.arange(game.n_moves)
    value = (np.einsum("wmf,wmf->wm", exp_f, (wf * hf)[:, owner])
             + np.einsum("wmq,wmq->wm", exp_q, (wq * hr[:, :, None])[:, owner]))
    prob = _logit(game, value, legal, mover_temper)
    del m
    return Policy(legal, value, prob, block_prob)


def sample(game: Game, prob: np.ndarray, u: np.ndarray, actor: int) -> np.ndarray:
    """[W]: one actor's move index drawn from its choice probabilities with uniforms u [W]."""
    s = slice(game.move_start[actor], game.move_stop[actor])
    cum = np.cumsum(prob[:, s], axis=1)
    total = cum[:, -1]
    pick = np.argmax(cum > (u * total)[:, None], axis=1) + game.move_start[actor]
    return np.where(total > 0, pick, NO_MOVE)
