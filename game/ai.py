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
    remaining = max(game.turns + game.scenario.horizon_after_end - turn, 1)
    k = np.arange(remaining)
    after_term = (turn + k)[None, :] > game.term_turn[:, None]  # [P, R]
    weight = game.patience[:, None] ** k[None, :] * np.where(after_term, game.beyond_term[:, None], 1.0)
    fade_f = (1.0 - game.reversion)[None, :] ** k[:, None]  # [R, F]
    fade_r = (1.0 - game.pull) ** k  # [R]
    return weight @ fade_f, weight @ fade_r


def target_worth(game: Game, turn: int) -> np.ndarray:
    """[P, T]: what one unit of each factor or pair is worth to each persona over its horizon."""
    hf, hr = horizon(game, turn)
    h = np.concatenate([hf, np.repeat(hr[:, None], game.n_pairs, axis=1)], axis=1)
    return game.weight_target * h


def _logit(game: Game, value: np.ndarray, legal: np.ndarray, temper: np.ndarray) -> np.ndarray:
    """Choice probabilities within each actor's contiguous block of moves."""
    z = np.where(legal, value * temper, -np.inf)
    top = np.maximum.reduceat(z, game.move_start, axis=1)[:, game.move_owner]  # [W, M]
    e = np.exp(z - np.where(np.isfinite(top), top, 0.0))  # exp(-inf) = 0 for illegal moves
    total = np.add.reduceat(e, game.move_start, axis=1)[:, game.move_owner]
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


def _persona_groups(game: Game, persona: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Distinct persona line-ups across worlds [G, A], and each world's group (None if G == 1)."""
    key = persona @ (len(game.personas) ** np.arange(game.n_actors))
    first = key[0]
    if (key == first).all():
        return persona[:1], None
    _, where, inv = np.unique(key, return_index=True, return_inverse=True)
    return persona[where], inv


def _per_world(table: np.ndarray, inv: np.ndarray | None) -> np.ndarray:
    """[G, ...] per persona group -> [W, ...] (or [1, ...] to broadcast when one group)."""
    return table if inv is None else table[inv]


def policy(game: Game, w: Worlds, legal: np.ndarray | None = None) -> Policy:
    """The AI's view of this turn: values, block chances and choice probabilities.

    Works on the sparse (move, target) entries a move can change; targets are the
    factors and the relation pairs side by side.
    """
    if legal is None:
        legal = legal_moves(game, w)
    W, A = w.size, game.n_actors
    owner, target = game.entry_owner, game.entry_target
    p = game.move_probability[game.entry_move]
    d_success, d_failure, d_blocked = game.entry_delta[:, SUCCESS], game.entry_delta[:, FAILURE], game.entry_delta[:, BLOCKED]
    groups, inv = _persona_groups(game, w.persona)  # most worlds share one line-up of leaders
    temper = _per_world(game.rationality[groups], inv)  # [W or 1, A]
    mover_temper = temper[:, game.move_owner]  # [W or 1, M]
    worth = target_worth(game, w.turn)
    now_k = _per_world(game.weight_target[groups[:, owner], target], inv)  # [W or 1, K] this turn
    later_k = _per_world(worth[groups[:, owner], target], inv)  # [W or 1, K] over the horizon

    # Level 0: every leader's myopic, unblocked best response.
    d0 = p * d_success + (1 - p) * d_failure  # [K]
    v0 = (d0 * now_k) @ game.entry_to_move
    pi0 = _logit(game, v0, legal, mover_temper)

    # Where the others' level-0 moves are expected to leave each mover's world.
    push = pi0 @ game.move_push  # [W, T] everyone's expected push
    own = np.stack([pi0[:, game.move_start[a]:game.move_stop[a]] @ game.move_push[game.move_start[a]:game.move_stop[a]]
                    for a in range(A)], axis=1)  # [W, A, T]
    state = np.concatenate([w.factors, w.pairs], axis=1) + push
    lo, hi = game.target_min[target], game.target_max[target]
    base = np.clip(state[:, target] - own[:, owner, target], lo, hi)  # [W, K]

    def effective(d: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Deltas after bounds, for the entry columns `cols` only."""
        b = base[:, cols]
        return np.clip(b + d[cols], lo[cols], hi[cols]) - b

    # Expected effect if the move is not blocked (failure deltas only where a move has them).
    e_pass = p * effective(d_success, np.arange(len(target)))
    fail = np.flatnonzero(d_failure)
    if len(fail):
        e_pass[:, fail] += (1 - p[fail]) * effective(d_failure, fail)

    # Level 1: would an entitled actor block? (quantal: more likely the more passing hurts it)
    block_prob = np.zeros((W, game.n_moves, A))
    blocked = np.zeros((W, game.n_moves))
    kb, mb = game.entry_blockable, game.blockable_moves
    if len(mb):
        e_blocked = effective(d_blocked, np.flatnonzero(kb))  # [W, Kb]
        loss = e_pass[:, kb] - e_blocked
        to_move = game.entry_to_move[kb][:, mb]
        for b in np.flatnonzero(game.move_blockers.any(axis=0)):
            later_b = _per_world(worth[groups[:, b]][:, target[kb]], inv)
            gain = (loss * later_b) @ to_move  # [W, Mb]
            block_prob[:, mb, b] = game.move_blockers[mb, b] / (1.0 + np.exp(np.clip(temper[:, b, None] * gain, -50, 50)))
        blocked[:, mb] = 1.0 - np.prod(1.0 - block_prob[:, mb, :], axis=2)

    expected = e_pass
    if len(mb):
        b_k = blocked[:, game.entry_move[kb]]
        expected = e_pass.copy()
        expected[:, kb] = (1 - b_k) * e_pass[:, kb] + b_k * e_blocked
    value = (expected * later_k) @ game.entry_to_move
    prob = _logit(game, value, legal, mover_temper)
    return Policy(legal, value, prob, block_prob)


def sample(game: Game, prob: np.ndarray, u: np.ndarray, actor: int) -> np.ndarray:
    """[W]: one actor's move index drawn from its choice probabilities with uniforms u [W]."""
    s = slice(game.move_start[actor], game.move_stop[actor])
    cum = np.cumsum(prob[:, s], axis=1)
    total = cum[:, -1]
    pick = np.argmax(cum > (u * total)[:, None], axis=1) + game.move_start[actor]
    return np.where(total > 0, pick, NO_MOVE)
