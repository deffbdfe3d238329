"""The fast AI: expected values over a horizon that sees elections, quantal response for every decision.

1. Worth: what one unit of a lasting change in each factor or relation is worth to each
   leader, per world: its payoff weights (products of two quantities linearised at the
   current state), summed over the turns ahead with its patience, changes fading as factors
   revert and relations drift. Turns after the leader may lose office (a scheduled event
   that can replace him, or a term date) count at `beyond_term_weight` in proportion to that
   risk; a relation with a leader who may be replaced counts only the share a successor would
   keep. A change also moves the chances of scheduled events (an election): that shift is
   valued by what each outcome brings each leader, office included.
2. Level 0: every leader's myopic quantal response, to estimate where the others' moves
   leave the state (so a factor already pushed to its bound is worth little).
3. Level 1: each move's branches (blocked, refused, failed, succeeded; for an offer with an
   obligation, kept or broken) weighted by their chances: blocking, consent and keeping are
   the deciding leader's own quantal responses to the same values.
4. Choice: a logit (quantal response, McKelvey & Palfrey 1995) on values normalised by each
   leader's stakes (the sum of its absolute payoff weights) in per cent, so that equal
   rationality means equal precision for equal stakes. Everything is vectorised across worlds.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from .compiled import BLOCKED, BROKEN, FAILURE, KEPT, LOGISTIC, OTHERWISE, REFUSED, SUCCESS, Game
from .rules import NO_MOVE, Worlds, legal_moves, quantities

BRANCHES = 6  # SUCCESS, FAILURE, BLOCKED, REFUSED, then the obligation's KEPT and BROKEN
B_KEPT, B_BROKEN = 4, 5


@dataclass
class Policy:
    """What the AI would do this turn, in every world."""

    legal: np.ndarray  # [W, M]
    value: np.ndarray  # [W, M] the mover's expected value of each move, in per cent of its stakes
    prob: np.ndarray  # [W, M] choice probability within each actor's moves
    block_prob: np.ndarray  # [W, M, A] chance each actor blocks each move
    accept_prob: np.ndarray  # [W, M] chance the recipient accepts an offer (1 for other moves)
    worth: np.ndarray  # [W, A, T] what a unit of lasting change is worth to each leader (raw payoff units)


def logit(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


# --- compiled once per game: each move's branches as dense deltas ----------------------------


class Branches:
    """Every move's effect branches [M, 6, T] and their sparse (move, target) entries."""

    def __init__(self, game: Game):
        M, T = game.n_moves, game.n_targets
        et = game.effects
        d = np.zeros((M, BRANCHES, T))
        for v in (SUCCESS, FAILURE, BLOCKED, REFUSED):
            d[:, v] = et.delta[game.move_block(np.arange(M), v)]
        for j, m in enumerate(game.obligation_move):
            fulfil = et.delta[game.move_block(game.obligation_fulfil[j], SUCCESS)]
            d[m, B_KEPT] = fulfil + et.delta[game.obligation_block0 + 2 * j + KEPT]
            d[m, B_BROKEN] = et.delta[game.obligation_block0 + 2 * j + BROKEN]
        self.delta = d
        moves, targets = np.nonzero(np.any(d != 0, axis=1))
        self.move, self.target = moves.astype(np.intp), targets.astype(np.intp)
        self.owner = game.move_owner[self.move]
        self.owner_target = self.owner * T + self.target  # flat index into [A, T]
        self.entry_delta = d[self.move, :, self.target]  # [K, 6]
        K = len(moves)
        self.to_move = np.zeros((K, M))
        self.to_move[np.arange(K), self.move] = 1.0
        self.to_target = np.zeros((K, T))
        self.to_target[np.arange(K), self.target] = 1.0
        _, self.group = np.unique(self.owner * T + self.target, return_inverse=True)  # (mover, target) of each entry
        self.to_group = np.zeros((K, self.group.max() + 1 if K else 0))
        self.to_group[np.arange(K), self.group] = 1.0
        self.cols = [np.flatnonzero(self.entry_delta[:, v]) for v in range(BRANCHES)]
        ch = game.move_chances  # [K, L]: how each entry's push moves its own mover's logistic chances
        same = self.owner[:, None] == game.move_owner[ch.logistic][None, :]
        self.own_chance_terms = ch.C[ch.logistic][:, self.target].T * same
        self.entries_of = [np.flatnonzero(self.move == m) for m in range(M)]
        ch = game.move_chances
        sure = (ch.kind == 0) & (ch.fixed == 1.0)
        self.uncertain_cols = np.flatnonzero(~sure[self.move])  # entries whose move may fail
        self.failing_cols = np.flatnonzero(~sure[self.move] & (self.entry_delta[:, FAILURE] != 0))
        self.offer_cols = np.flatnonzero(game.move_offer_to[self.move] >= 0)
        self.obliging_cols = np.flatnonzero(game.move_obligation[self.move] >= 0)
        self.blockable_cols = np.flatnonzero(game.move_blockers[self.move].any(axis=1))
        self.blockers = []  # (blocker, entries of moves it may block, those moves)
        for b in np.flatnonzero(game.move_blockers.any(axis=0)):
            mb = np.flatnonzero(game.move_blockers[:, b])
            self.blockers.append((int(b), np.flatnonzero(np.isin(self.move, mb)), mb))
        # Scaled entries: (entry column within the branch's cols, branch, source target, lo, hi).
        self.scaled: list[list[tuple]] = [[] for _ in range(BRANCHES)]
        for b, t, src, lo, hi in zip(et.scale_block, et.scale_target, et.scale_source, et.scale_lo, et.scale_hi):
            rel = b - game.move_block0
            if 0 <= rel < M * 4:
                m, v = divmod(int(rel), 4)
                k = np.flatnonzero((self.move == m) & (self.target == t))
                c = np.flatnonzero(self.cols[v] == k[0]) if len(k) else []
                if len(c):
                    self.scaled[v].append((int(c[0]), int(src), float(lo), float(hi)))


_branches: weakref.WeakKeyDictionary[Game, Branches] = weakref.WeakKeyDictionary()  # per live game, never by id()


def branches(game: Game) -> Branches:
    b = _branches.get(game)
    if b is None:
        b = _branches[game] = Branches(game)
    return b


# --- 1. worth ------------------------------------------------------------------------------------


def _segments(game: Game, w: Worlds, R: int) -> np.ndarray:
    """Turns ahead (0..R-1) at which some leader's hold on office may change: segment starts."""
    cuts = {0}
    for a in range(game.n_actors):
        for _, turn, _ in game.replacing[a]:
            if 0 < turn - w.turn < R:
                cuts.add(turn - w.turn)
    for a in range(game.n_actors):
        col = w.term_end[:, a]
        ends = [col[0]] if (col == col[0]).all() else np.unique(col)
        cuts.update(int(k) - w.turn for k in ends if 0 < int(k) - w.turn < R)
    return np.array(sorted(cuts))


def _survival(game: Game, w: Worlds, starts: np.ndarray, chances: np.ndarray):
    """Per world, slot and segment: S, the chance the holder is still in office, both from
    replacing events and certain term ends; S_ev from the events alone; and the relations'
    share kept by a successor (keep) at each replacing event."""
    W, A, U = w.size, game.n_actors, len(starts)
    S_ev, keep_share = np.ones((W, A, U)), np.ones((W, A, U))
    for a in range(A):
        for e, turn, outs in game.replacing[a]:
            k = turn - w.turn
            if k <= 0:
                continue
            p_out = chances[:, list(outs)].sum(axis=1)
            after = starts >= k
            S_ev[:, a, after] *= (1.0 - p_out)[:, None]
            keep = game.outcome_keep[list(outs)].mean()
            keep_share[:, a, after] = S_ev[:, a, after] + (1.0 - S_ev[:, a, after]) * keep
    in_term = starts[None, None, :] < (w.term_end - w.turn)[:, :, None]
    return S_ev * in_term, keep_share


def _event_chances(game: Game, w: Worlds) -> np.ndarray:
    """[W, O] each outcome's probability if its event happened now; 'otherwise' gets the rest."""
    ch = game.outcome_chances
    p = ch.values(w.x)
    for outs in game.event_outcomes:
        other = outs[ch.kind[outs] == OTHERWISE]
        if len(other):
            p[:, other[0]] = np.clip(1.0 - p[:, outs].sum(axis=1), 0.0, 1.0)
    return p


def marginal_weights(game: Game, w: Worlds) -> np.ndarray:
    """[W, A, T]: payoff per unit of each target this turn; products of two quantities are
    linearised at the current state."""
    mw = game.weight_target[w.persona].copy()
    if len(game.ix_weight):
        qa, qb = quantities(game, w.x)
        slot = game.persona_slot[game.ix_persona]
        active = w.persona[:, slot] == game.ix_persona  # [W, I]
        da = np.where(active, game.ix_weight * game.ix_a1 * qb, 0.0)
        db = np.where(active, game.ix_weight * game.ix_b1 * qa, 0.0)
        for i, s in enumerate(slot):
            mw[:, s, game.ix_a[i]] += da[:, i]
            mw[:, s, game.ix_b[i]] += db[:, i]
    return mw


def worth(game: Game, w: Worlds, now: np.ndarray | None = None) -> np.ndarray:
    """[W, A, T]: what one unit of lasting change in each target is worth to each leader now
    (`now`: this turn's marginal weights, if already computed)."""
    W, A, T, F = w.size, game.n_actors, game.n_targets, game.n_factors
    R = max(game.turns + game.horizon_after_end - w.turn, 1)
    pers = w.persona
    starts = _segments(game, w, R)
    chances = _event_chances(game, w)
    S, keep = _survival(game, w, starts, chances)
    k = np.arange(R)
    disc = game.patience[:, None] ** k[None, :]  # [P, R]
    fade = game.fade[None, :] ** k[:, None]  # [R, T]
    seg = np.searchsorted(starts, k, side="right") - 1
    G = np.stack([disc[:, seg == s] @ fade[seg == s] for s in range(len(starts))])  # [U, P, T]
    H = S + (1.0 - S) * game.beyond_term[pers][:, :, None]  # [W, A, U]
    horizon = np.empty((W, A, T))
    partner = _partners(game) if (keep < 1.0).any() else None  # relations with a leader who may be replaced
    pairs_of = [np.flatnonzero((game.pair_i == a) | (game.pair_j == a)) for a in range(A)]
    for a in range(A):
        for p, rows in _holders(pers[:, a]):
            h = H[rows, a]  # [n, U]
            horizon[rows, a] = h @ G[:, p]
            if partner is not None:  # ... count the share of them a successor would keep
                qs = F + pairs_of[a]
                kept = keep[rows][:, partner[a, pairs_of[a]]]  # [n, A-1, U]
                at = (rows, a, qs) if isinstance(rows, slice) else (rows[:, None], a, qs)  # [n, A-1] either way
                horizon[at] = np.einsum("nqu,uq->nq", h[:, None, :] * kept, G[:, p][:, qs])
    out = (marginal_weights(game, w) if now is None else now) * horizon
    _add_election_worth(game, w, out, chances, R)
    return out


def _holders(column: np.ndarray):
    """(persona, rows) for each persona holding a seat across worlds; rows is a slice when all share one."""
    first = column[0]
    if (column == first).all():
        return [(int(first), slice(None))]
    return [(int(p), np.flatnonzero(column == p)) for p in np.unique(column)]


def _partners(game: Game) -> np.ndarray:
    """[A, Q]: for each actor and pair, the other member of the pair (the actor itself if not in it)."""
    partner = np.tile(np.arange(game.n_actors)[:, None], (1, game.n_pairs))
    q = np.arange(game.n_pairs)
    partner[game.pair_i, q] = game.pair_j
    partner[game.pair_j, q] = game.pair_i
    return partner


def _discounted_span(gamma: np.ndarray, start: int, stop: np.ndarray) -> np.ndarray:
    """Sum of gamma^k for k in [start, stop), element-wise (0 where stop <= start)."""
    stop = np.maximum(stop, start).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = (gamma ** start - gamma ** stop) / (1.0 - gamma)
    return np.where(gamma < 1.0, geometric, stop - start)


def _add_election_worth(game: Game, w: Worlds, worth_lin: np.ndarray, chances: np.ndarray, R: int) -> None:
    """Add to worth_lin [W, A, T] the value of moving the chances of future scheduled events, by
    what each outcome brings each leader (its effects, a lost office, relations a successor
    would not keep)."""
    adds = []
    ch, F, A = game.outcome_chances, game.n_factors, game.n_actors
    pers = w.persona
    for e in np.flatnonzero(game.event_scheduled):
        k_e = int(game.event_turn[e]) - w.turn
        outs = game.event_outcomes[e]
        if not 0 < k_e < R or not (ch.kind[outs] == LOGISTIC).any():
            continue
        cols = np.flatnonzero(ch.C[outs].any(axis=0))  # the targets the chances depend on
        fade = game.fade[cols] ** k_e
        p = chances[:, outs]
        dp = np.zeros((w.size, len(outs), len(cols)))
        for i, o in enumerate(outs):
            if ch.kind[o] == LOGISTIC:
                dp[:, i] = (p[:, i] * (1 - p[:, i]))[:, None] * ch.C[o, cols] * fade
        other = np.flatnonzero(ch.kind[outs] == OTHERWISE)
        if len(other):
            dp[:, other[0]] = -dp.sum(axis=1)
        disc = (game.patience ** k_e)[pers]  # [W, A]
        delta = game.effects.delta[game.outcome_block0 + outs]  # [O, T], a few targets each
        touched = np.flatnonzero(delta.any(axis=0))
        value = np.zeros((w.size, A, len(outs)))
        for t in touched:  # the outcomes' effects, worth a lasting change from the event on
            value += worth_lin[:, :, t, None] * delta[:, t]
        value *= disc[:, :, None]  # [W, A, O]
        for i, o in enumerate(outs):
            c = game.outcome_replaces[o]
            if c < 0:
                continue
            span = _discounted_span(game.patience[pers[:, c]], k_e, np.minimum(R, w.term_end[:, c] - w.turn))
            value[:, c, i] -= game.office[pers[:, c]] * span
            for b in range(A):
                if b == c:
                    continue
                q = game.pair_of[b, c]
                shift = (game.outcome_keep[o] - 1.0) * (w.x[:, F + q] - game.pair_propensity[q])
                value[:, b, i] += worth_lin[:, b, F + q] * shift * disc[:, b]
        adds.append((cols, sum(value[:, :, i, None] * dp[:, i, None, :] for i in range(len(outs)))))
    for cols, add in adds:  # after every event's values were taken from the linear worth
        for i, c in enumerate(cols):
            worth_lin[:, :, c] += add[:, :, i]


# --- 2-4. the policy --------------------------------------------------------------------------------


def normalise(game: Game, persona: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Values in per cent of the deciding leader's stakes (persona [W, ...] matching value)."""
    return 100.0 * value / game.stakes[persona]


def choice_logit(game: Game, value: np.ndarray, legal: np.ndarray, temper: np.ndarray) -> np.ndarray:
    """Choice probabilities within each actor's contiguous block of moves."""
    z = np.where(legal, value * temper, -np.inf)
    top = np.maximum.reduceat(z, game.move_start, axis=1)  # [W, A]
    top[~np.isfinite(top)] = 0.0  # an actor with no legal move: every exp below is 0
    z -= np.take(top, game.move_owner, axis=1)
    e = np.exp(z, out=z)
    total = np.add.reduceat(e, game.move_start, axis=1)
    total[total == 0] = 1.0
    e /= np.take(total, game.move_owner, axis=1)
    return e


def policy(game: Game, w: Worlds, legal: np.ndarray | None = None) -> Policy:
    """The AI's view of this turn: values, decision chances and choice probabilities."""
    if legal is None:
        legal = legal_moves(game, w)
    br = branches(game)
    W, A, M = w.size, game.n_actors, game.n_moves
    pers = w.persona
    mover_pers = pers[:, game.move_owner]  # [W, M]
    temper = game.rationality[mover_pers]
    p_now = game.move_chances.values(w.x)  # [W, M] at the state as it is
    now = marginal_weights(game, w)  # [W, A, T] this turn

    # Level 0: myopic, unblocked, accepted.
    tgt, lo, hi = br.target, game.target_min[br.target], game.target_max[br.target]
    push_k = np.repeat(br.entry_delta[None, :, SUCCESS], W, axis=0)  # [W, K] expected push if chosen
    un = br.uncertain_cols
    if len(un):
        ps = p_now[:, br.move[un]]
        push_k[:, un] = ps * br.entry_delta[un, SUCCESS] + (1 - ps) * br.entry_delta[un, FAILURE]
    now_k = np.take(now.reshape(W, -1), br.owner_target, axis=1)
    v0 = (push_k * now_k) @ br.to_move
    pi0 = choice_logit(game, normalise(game, mover_pers, v0), legal, temper)
    contrib = pi0[:, br.move] * push_k  # [W, K]
    total = contrib @ br.to_target  # [W, T] everyone's expected push
    # Level 1: chances and effects from where the others' moves are expected to leave the state.
    p_success = _chances_after_others(game, br, w.x, total, contrib, p_now)
    wt = worth(game, w, now)  # [W, A, T] over the horizon
    if len(game.move_chances.logistic):
        _add_move_chance_worth(game, br, wt, pi0, p_success)
    others = np.take(total, tgt, axis=1) - np.take(contrib @ br.to_group, br.group, axis=1)
    base = np.clip(w.x[:, tgt] + others, lo, hi)  # [W, K]
    unit = game.unit(w.x)
    eff = np.zeros((BRANCHES, W, len(tgt)))
    for v in range(BRANCHES):
        cols = br.cols[v]
        if not len(cols):
            continue
        b = base if len(cols) == len(tgt) else base[:, cols]
        d = b + br.entry_delta[cols, v]
        for c, src, s_lo, s_hi in br.scaled[v]:
            d[:, c] += (s_lo - 1.0 + (s_hi - s_lo) * unit[:, src]) * br.entry_delta[cols[c], v]
        np.clip(d, lo[cols], hi[cols], out=d)
        d -= b
        eff[v][:, cols] = d

    def value_of(slot: int, v: int, m: int) -> np.ndarray:
        """[W]: what branch v of move m is worth to the holder of a seat."""
        km = br.entries_of[m]
        return (eff[v][:, km] * wt[:, slot, tgt[km]]).sum(axis=1)

    def quantal(slot: int, gain: np.ndarray) -> np.ndarray:
        """The chance a seat's holder says yes to a decision worth `gain` to it."""
        p = pers[:, slot] if gain.ndim == 1 else pers[:, slot][:, None]
        return logit(game.rationality[p] * normalise(game, p, gain))

    # Keeping an obligation, then consent, then blocking: each a quantal response of the one who decides.
    p_keep, accept = np.ones((W, M)), np.ones((W, M))
    for j, m in enumerate(game.obligation_move):
        b = int(game.obligation_actor[j])
        p_keep[:, m] = quantal(b, value_of(b, B_KEPT, m) - value_of(b, B_BROKEN, m))
    for m in game.offer_moves:
        r = int(game.move_offer_to[m])
        ps, pk = p_success[:, m], p_keep[:, m]
        v_acc = (ps * (value_of(r, SUCCESS, m) + pk * value_of(r, B_KEPT, m) + (1 - pk) * value_of(r, B_BROKEN, m))
                 + (1 - ps) * value_of(r, FAILURE, m))
        accept[:, m] = quantal(r, v_acc - value_of(r, REFUSED, m))
    # The expected effect of each entry if its move is not blocked, column sets only where they matter.
    e_pass = eff[SUCCESS]
    ob, un, fl, of = br.obliging_cols, br.uncertain_cols, br.failing_cols, br.offer_cols
    if len(ob):
        pk = p_keep[:, br.move[ob]]
        e_pass[:, ob] += pk * eff[B_KEPT][:, ob] + (1 - pk) * eff[B_BROKEN][:, ob]
    if len(un):
        e_pass[:, un] *= p_success[:, br.move[un]]
    if len(fl):
        e_pass[:, fl] += (1 - p_success[:, br.move[fl]]) * eff[FAILURE][:, fl]
    if len(of):
        pa = accept[:, br.move[of]]
        e_pass[:, of] = pa * e_pass[:, of] + (1 - pa) * eff[REFUSED][:, of]
    block_prob = np.zeros((W, M, A))
    for b, kb, mb in br.blockers:
        gain = ((eff[BLOCKED][:, kb] - e_pass[:, kb]) * wt[:, b, tgt[kb]]) @ br.to_move[np.ix_(kb, mb)]
        block_prob[:, mb, b] = quantal(b, gain)
    expected = e_pass
    if len(br.blockers):
        bc = br.blockable_cols
        bl = 1.0 - np.prod(1.0 - block_prob[:, br.move[bc]], axis=2)
        expected[:, bc] = bl * eff[BLOCKED][:, bc] + (1 - bl) * e_pass[:, bc]
    value = (expected * np.take(wt.reshape(W, -1), br.owner_target, axis=1)) @ br.to_move + _obligation_pull(game, w, wt, p_success)
    value = normalise(game, mover_pers, value)
    return Policy(legal, value, choice_logit(game, value, legal, temper), block_prob, accept, wt)


def _chances_after_others(game: Game, br: Branches, x, total, contrib, p_now) -> np.ndarray:
    """[W, M]: each move's success chance at the state the other leaders' expected moves leave."""
    ch = game.move_chances
    if not len(ch.logistic):
        return p_now
    z = ch.c0[ch.logistic] + (x + total) @ ch.C[ch.logistic].T - contrib @ br.own_chance_terms
    p = p_now.copy()
    p[:, ch.logistic] = logit(z)
    return p


def _add_move_chance_worth(game: Game, br: Branches, wt, pi0, p_success) -> None:
    """Add to wt [W, A, T] the value of moving the chances of other leaders' moves (e.g. patrols
    that make a smuggling run likelier to fail), by what their success rather than failure brings
    each leader. A change made by a leader who resolves after the move counts as it fades into
    the next turn."""
    ch = game.move_chances
    position = np.argsort(game.resolution_order)  # where each actor resolves in a turn
    adds = []
    for m in ch.logistic:
        diff = br.delta[m, SUCCESS] - br.delta[m, FAILURE]
        gain = sum(wt[:, :, t] * diff[t] for t in np.flatnonzero(diff))  # [W, A]: success rather than failure
        if np.isscalar(gain):
            continue
        p = p_success[:, m]
        before = position < position[game.move_owner[m]]  # [A]
        for t in np.flatnonzero(ch.C[m]):
            dp = pi0[:, m] * p * (1 - p) * ch.C[m, t]  # [W]
            adds.append((t, gain * dp[:, None] * np.where(before, 1.0, game.fade[t])))
    for t, add in adds:  # after every gain was taken from the worth as it was
        wt[:, :, t] += add


def _obligation_pull(game: Game, w: Worlds, wt: np.ndarray, p_success: np.ndarray) -> np.ndarray:
    """[W, M]: while an obligation is open, its fulfilling move is also worth keeping the deal
    (on_kept rather than on_broken) to the leader bound by it."""
    out = np.zeros((w.size, game.n_moves))
    et = game.effects
    for j in np.flatnonzero((w.due >= 0).any(axis=0)):
        b, m = game.obligation_actor[j], game.obligation_fulfil[j]
        diff = et.delta[game.obligation_block0 + 2 * j + KEPT] - et.delta[game.obligation_block0 + 2 * j + BROKEN]
        out[:, m] += (w.due[:, j] >= 0) * p_success[:, m] * (wt[:, b] @ diff)
    return out


def sample(game: Game, prob: np.ndarray, u: np.ndarray, actor: int) -> np.ndarray:
    """[W]: one actor's move index drawn from its choice probabilities with uniforms u [W]."""
    s = slice(game.move_start[actor], game.move_stop[actor])
    cum = np.cumsum(prob[:, s], axis=1)
    total = cum[:, -1]
    pick = np.argmax(cum > (u * total)[:, None], axis=1) + game.move_start[actor]
    return np.where(total > 0, pick, NO_MOVE)
