"""The rules: pure, vectorised functions over arrays whose leading axis is the world.

The same code advances one world (a class game) or 10,000 (a batch) in lockstep.
A turn: due events (`open_turn`) -> simultaneous choices -> resolution in order
(`resolve`: blocking, consent, success, obligations kept) -> `close_turn` (obligations
broken, dynamics, payoffs). Every random number comes from `game.rng` keyed by
(seed, world, turn, purpose, slot).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import rng
from .compiled import BLOCKED, FAILURE, KEPT, BROKEN, OTHERWISE, REFUSED, SUCCESS, Game

NO_MOVE = -1


@dataclass
class Worlds:
    """The state of W worlds at the start of turn `turn` (turns completed so far)."""

    seed: int
    index: np.ndarray  # [W] global world indices
    turn: int
    x: np.ndarray  # [W, T] factors, then the relation of every pair
    n_factors: int
    persona: np.ndarray  # [W, A] who sits in each actor slot
    term_end: np.ndarray  # [W, A] turn at which the holder's term surely ends (NEVER if none)
    move_succeeded: np.ndarray  # [W, M] times each move succeeded
    move_chosen: np.ndarray  # [W, M] times each move was chosen
    happened: np.ndarray  # [W, O] which event outcomes happened
    fired: np.ndarray  # [W, E] which events happened
    due: np.ndarray  # [W, J] last turn to keep each open obligation, -1 when none is open
    scores: np.ndarray  # [W, A]
    opened: bool = False  # events of `turn` already resolved

    @property
    def size(self) -> int:
        return len(self.index)

    @property
    def factors(self) -> np.ndarray:
        return self.x[:, : self.n_factors]

    @property
    def pairs(self) -> np.ndarray:
        return self.x[:, self.n_factors :]

    def copy(self) -> Worlds:
        return Worlds(**{f.name: (v.copy() if isinstance(v := getattr(self, f.name), np.ndarray) else v) for f in fields(self)})

    def take(self, rows: np.ndarray, index: np.ndarray | None = None, seed: int | None = None) -> Worlds:
        """A copy of some worlds (rows may repeat), optionally renumbered and reseeded (the planner's rollouts)."""
        out = {f.name: (v[rows].copy() if isinstance(v := getattr(self, f.name), np.ndarray) else v) for f in fields(self)}
        if index is not None:
            out["index"] = np.asarray(index, dtype=np.int64)
        if seed is not None:
            out["seed"] = int(seed)
        return Worlds(**out)


def new_worlds(game: Game, seed: int, index: np.ndarray) -> Worlds:
    index = np.asarray(index, dtype=np.int64)
    W = len(index)
    return Worlds(
        seed=int(seed),
        index=index,
        turn=0,
        x=np.tile(game.x_init, (W, 1)),
        n_factors=game.n_factors,
        persona=np.tile(np.arange(game.n_actors), (W, 1)),
        term_end=np.tile(game.term_end[: game.n_actors], (W, 1)),
        move_succeeded=np.zeros((W, game.n_moves), dtype=np.int32),
        move_chosen=np.zeros((W, game.n_moves), dtype=np.int32),
        happened=np.zeros((W, game.n_outcomes), dtype=bool),
        fired=np.zeros((W, len(game.events)), dtype=bool),
        due=np.full((W, game.n_obligations), -1, dtype=np.int32),
        scores=np.zeros((W, game.n_actors)),
    )


def relation_matrix(game: Game, pairs: np.ndarray) -> np.ndarray:
    """[..., Q] pair values -> [..., A, A] symmetric matrix with a zero diagonal."""
    m = np.zeros(pairs.shape[:-1] + (game.n_actors, game.n_actors))
    m[..., game.pair_i, game.pair_j] = pairs
    m[..., game.pair_j, game.pair_i] = pairs
    return m


# --- conditions ------------------------------------------------------------------------

_OPS = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)


def holds(game: Game, w: Worlds, node: tuple | None) -> np.ndarray:
    """[W]: whether a compiled condition (see Game._condition) holds in each world."""
    if node is None:
        return np.ones(w.size, dtype=bool)
    kind = node[0]
    if kind == "all":
        ok = np.ones(w.size, dtype=bool)
        for c in node[1]:
            ok &= holds(game, w, c)
        return ok
    if kind == "any":
        ok = np.zeros(w.size, dtype=bool)
        for c in node[1]:
            ok |= holds(game, w, c)
        return ok
    if kind == "target":
        return _OPS[node[2]](w.x[:, node[1]], node[3])
    if kind == "turn":
        return np.full(w.size, node[1] <= w.turn <= node[2])
    if kind == "move":
        return (w.move_succeeded[:, node[1]] > 0) == node[2]
    if kind == "outcome":
        return w.happened[:, node[1]] == node[2]
    if kind == "obligation":
        return (w.due[:, node[1]] >= 0) == node[2]
    raise ValueError(f"unknown condition kind {kind!r}")


def legal_moves(game: Game, w: Worlds) -> np.ndarray:
    """[W, M]: which moves' preconditions hold."""
    legal = np.ones((w.size, game.n_moves), dtype=bool)
    for m, node in enumerate(game.move_conditions):
        if node is not None:
            legal[:, m] = holds(game, w, node)
    return legal


# --- effects ---------------------------------------------------------------------------


def effect_deltas(game: Game, x: np.ndarray, blocks: np.ndarray, noise: np.ndarray | None = None) -> np.ndarray:
    """[W, T]: each world's effect block (a row of the effect table; -1 = none), scaled by
    the state where the scenario says so, plus noise (standard normals [W, T])."""
    et = game.effects
    on = blocks >= 0
    b = np.where(on, blocks, 0)
    d = et.delta[b]
    if noise is not None:
        d += et.noise[b] * noise
    if len(et.scale_block):
        rows, s = np.nonzero(b[:, None] == et.scale_block[None, :])
        if len(rows):
            src = et.scale_source[s]
            unit = (x[rows, src] - game.target_min[src]) / game.target_range[src]
            d[rows, et.scale_target[s]] *= et.scale_lo[s] + (et.scale_hi[s] - et.scale_lo[s]) * unit
    d[~on] = 0.0
    return d


def clip(game: Game, x: np.ndarray) -> None:
    np.minimum(np.maximum(x, game.target_min, out=x), game.target_max, out=x)


def apply_blocks(game: Game, w: Worlds, blocks: np.ndarray, noise: np.ndarray | None = None,
                 trace: Trace | None = None, source: tuple[str, int] = ("", -1)) -> None:
    """Add each world's effect block to its state, then clip to the bounds."""
    if (blocks >= 0).any():
        d = effect_deltas(game, w.x, blocks, noise)
        before = w.x[0].copy() if trace is not None and blocks[0] >= 0 else None
        w.x += d
        clip(game, w.x)
        if before is not None:
            trace.add(source, effect_deltas(game, before[None, :], blocks[:1])[0], d[0], w.x[0] - before)


class Trace:
    """What moved each target of world 0 this turn, step by step (a class game records it; batch
    worlds never do). Each step's change splits exactly into its expected part, its random part
    (noise, shocks) and what the bounds clipped: entries (source, who, target, amount)."""

    def __init__(self):
        self.entries: list[tuple[str, int, int, float]] = []

    def add(self, source: tuple[str, int], expected: np.ndarray, drawn: np.ndarray, change: np.ndarray) -> None:
        kind, who = source
        for name, part, by in ((kind, expected, who), ("noise", drawn - expected, -1), ("limit", change - drawn, -1)):
            for t in np.flatnonzero(np.abs(part) > 1e-12):
                self.entries.append((name, by, int(t), float(part[t])))


# --- 1. events -------------------------------------------------------------------------


def open_turn(game: Game, w: Worlds, trace: Trace | None = None) -> np.ndarray:
    """Resolve the events due this turn. Returns [W, E] outcome index, or -1 where none."""
    E, T = len(game.events), game.n_targets
    result = np.full((w.size, E), -1, dtype=np.intp)
    if E == 0 or w.opened:
        w.opened = True
        return result
    fires_u = rng.uniform(w.seed, w.index, w.turn, rng.EVENT_FIRES, E)
    outcome_u = rng.uniform(w.seed, w.index, w.turn, rng.EVENT_OUTCOME, E)
    noise = rng.sparse_normal(w.seed, w.index, w.turn, rng.EVENT_NOISE, E * T, game.event_noise_slots).reshape(w.size, E, T)
    for e in range(E):
        if game.event_scheduled[e]:
            if game.event_turn[e] != w.turn:
                continue
            due = np.ones(w.size, dtype=bool)
        else:
            due = fires_u[:, e] < game.event_probability[e]
            if game.event_once[e]:
                due &= ~w.fired[:, e]
            if due.any() and game.event_conditions[e] is not None:
                due &= holds(game, w, game.event_conditions[e])
        if not due.any():
            continue
        chosen = _draw_outcome(game, w, game.event_outcomes[e], outcome_u[:, e])
        result[:, e] = np.where(due, chosen, -1)
        happen(game, w, e, result[:, e], noise[:, e], trace)
    w.opened = True
    return result


def happen(game: Game, w: Worlds, e: int, chosen: np.ndarray, noise: np.ndarray, trace: Trace | None = None) -> None:
    """Event e's outcome chosen [W] (-1: none) happens: seats change hands, then its effects."""
    due = chosen >= 0
    w.fired[:, e] |= due
    w.happened[np.flatnonzero(due), chosen[due]] = True
    before = w.x[0].copy() if trace is not None and due[0] else None
    _change_seats(game, w, chosen)
    if before is not None:
        moved = w.x[0] - before
        trace.add(("seat", int(chosen[0])), moved, moved, moved)
    apply_blocks(game, w, np.where(due, game.outcome_block0 + chosen, -1), noise, trace, ("event", int(chosen[0])))


def _draw_outcome(game: Game, w: Worlds, outcomes: np.ndarray, u: np.ndarray) -> np.ndarray:
    """[W]: one outcome of an event per world, from the outcomes' chances (in order) and u [W]."""
    p = game.outcome_chances.values(w.x)[:, outcomes]
    otherwise = outcomes[game.outcome_chances.kind[outcomes] == OTHERWISE]
    chosen = np.full(w.size, otherwise[0] if len(otherwise) else outcomes[-1], dtype=np.intp)
    cumulative = np.zeros(w.size)
    decided = np.zeros(w.size, dtype=bool)
    for k, o in enumerate(outcomes):
        if game.outcome_chances.kind[o] == OTHERWISE:
            continue
        cumulative = cumulative + p[:, k]
        pick = ~decided & (u < cumulative)
        chosen[pick] = o
        decided |= pick
    return chosen


def _change_seats(game: Game, w: Worlds, chosen: np.ndarray) -> None:
    """Successors take their seats (keeping a share of the seat's relations); re-elected
    incumbents get their next term date."""
    on = chosen >= 0
    o = np.where(on, chosen, 0)
    replace = on & (game.outcome_persona[o] >= 0)
    if replace.any():
        rows = np.flatnonzero(replace)
        persona = game.outcome_persona[o[rows]]
        slot = game.persona_slot[persona]
        w.persona[rows, slot] = persona
        w.term_end[rows, slot] = game.term_end[persona]
        keep = game.outcome_keep[o[rows]]
        F = game.n_factors
        for a in np.unique(slot[keep < 1.0]):
            sel = rows[(slot == a) & (keep < 1.0)]
            k = game.outcome_keep[o[sel]][:, None]
            qs = F + np.concatenate([game.pair_of[a, :a], game.pair_of[a, a + 1 :]])
            prop = game.pair_propensity[qs - F]
            w.x[np.ix_(sel, qs)] = prop + k * (w.x[np.ix_(sel, qs)] - prop)
    renew = on & (game.outcome_renews[o] >= 0)
    if renew.any():
        rows = np.flatnonzero(renew)
        w.term_end[rows, game.outcome_renews[o[rows]]] = game.renew_term_end[o[rows]]


# --- 3. resolution -----------------------------------------------------------------------


@dataclass
class Resolution:
    """What happened to each actor's move this turn, in every world (-1 where it did not move)."""

    choices: np.ndarray  # [W, A] move index
    result: np.ndarray  # [W, A] SUCCESS, FAILURE, BLOCKED, REFUSED or -1
    blocked_by: np.ndarray  # [W, A] actor index or -1
    chance: np.ndarray  # [W, A] the success chance the move had when it resolved
    roll: np.ndarray  # [W, A] the uniform number drawn against it
    kept: np.ndarray  # [W, J] obligations kept this turn
    broken: np.ndarray  # [W, J] obligations broken at the end of this turn (set by close_turn)


@dataclass
class Decisions:
    """Answers to the questions a move can raise: may a blocker block it, will the recipient
    of an offer accept it. Probabilities for the AI, with humans' answers as overrides."""

    block_prob: np.ndarray  # [W, M, A] chance each actor blocks each move
    accept_prob: np.ndarray  # [W, M] chance the recipient of an offer accepts it
    blocks: dict  # (blocker index, move index) -> bool, a human's answer
    consents: dict  # move index -> bool, a human recipient's answer


def resolve(game: Game, w: Worlds, choices: np.ndarray, decisions: Decisions, trace: Trace | None = None) -> Resolution:
    """Resolve every actor's chosen move (choices [W, A], NO_MOVE for none) in the scenario's order."""
    A, T, W = game.n_actors, game.n_targets, w.size
    block_u = rng.uniform(w.seed, w.index, w.turn, rng.BLOCK, A * A).reshape(W, A, A)
    consent_u = rng.uniform(w.seed, w.index, w.turn, rng.CONSENT, A)
    success_u = rng.uniform(w.seed, w.index, w.turn, rng.SUCCESS, A)
    noise = rng.sparse_normal(w.seed, w.index, w.turn, rng.MOVE_NOISE, A * T, game.move_noise_slots).reshape(W, A, T)
    res = Resolution(choices, np.full((W, A), -1, dtype=np.intp), np.full((W, A), -1, dtype=np.intp),
                     np.zeros((W, A)), success_u, np.zeros((W, game.n_obligations), dtype=bool),
                     np.zeros((W, game.n_obligations), dtype=bool))
    rows = np.arange(W)
    for a in game.resolution_order:
        m = choices[:, a]
        acting = m >= 0
        if not acting.any():
            continue
        ms = np.where(acting, m, 0)
        w.move_chosen[rows[acting], ms[acting]] += 1  # one move per world: no repeated index
        blocks = block_u[:, a, :] < decisions.block_prob[rows, ms, :]
        for (b, move), answer in decisions.blocks.items():
            blocks[ms == move, b] = answer
        blocks &= game.move_blockers[ms]
        blocked = acting & blocks.any(axis=1)
        accepted = consent_u[:, a] < decisions.accept_prob[rows, ms]
        for move, answer in decisions.consents.items():
            accepted[ms == move] = answer
        refused = acting & ~blocked & (game.move_offer_to[ms] >= 0) & ~accepted
        chance = game.move_chances.values_of(w.x, ms)
        success = acting & ~blocked & ~refused & (success_u[:, a] < chance)
        variant = np.where(blocked, BLOCKED, np.where(refused, REFUSED, np.where(success, SUCCESS, FAILURE)))
        res.result[:, a] = np.where(acting, variant, -1)
        res.blocked_by[:, a] = np.where(blocked, np.argmax(blocks, axis=1), -1)
        res.chance[:, a] = np.where(acting, chance, 0.0)
        w.move_succeeded[rows[success], ms[success]] += 1
        apply_blocks(game, w, np.where(acting, game.move_block(ms, variant), -1), noise[:, a], trace, ("move", int(a)))
        if game.n_obligations:
            _obligations_after_move(game, w, ms, success, res.kept, trace)
    return res


def _obligations_after_move(game: Game, w: Worlds, ms: np.ndarray, success: np.ndarray, kept: np.ndarray,
                            trace: Trace | None = None) -> None:
    """A successful offer opens its obligation; a successful fulfilling move keeps an open one."""
    j = game.move_obligation[ms]
    opening = success & (j >= 0)
    w.due[opening, j[opening]] = w.turn + game.obligation_within[j[opening]]
    keeping = success[:, None] & (ms[:, None] == game.obligation_fulfil[None, :]) & (w.due >= 0)  # [W, J]
    if keeping.any():
        _settle(game, w, keeping, KEPT, trace)
        kept |= keeping


def _settle(game: Game, w: Worlds, which: np.ndarray, how: int, trace: Trace | None = None) -> None:
    """Close obligations which [W, J] as KEPT or BROKEN and apply their effects."""
    T, J = game.n_targets, game.n_obligations
    noise = rng.sparse_normal(w.seed, w.index, w.turn, rng.OBLIGATION_NOISE, J * T, game.obligation_noise_slots).reshape(w.size, J, T)
    for j in np.flatnonzero(which.any(axis=0)):
        on = which[:, j]
        apply_blocks(game, w, np.where(on, game.obligation_block0 + 2 * j + how, -1), noise[:, j], trace,
                     ("kept" if how == KEPT else "broken", int(j)))
        w.due[on, j] = -1


# --- 4. dynamics, 5. payoffs --------------------------------------------------------------


def dynamics(game: Game, w: Worlds, trace: Trace | None = None) -> None:
    """Factors drift, revert and jump; relations drift toward their propensity."""
    F = game.n_factors
    f = w.x[:, :F]
    before = w.x[0].copy() if trace is not None else None
    shock = rng.sparse_normal(w.seed, w.index, w.turn, rng.FACTOR_SHOCK, F, game.shocked_factors)
    drift = game.drift + game.reversion * (game.level - f)
    jump = game.volatility * shock
    np.clip(f + (drift + jump), game.factor_min, game.factor_max, out=f)
    if game.n_pairs:
        p = w.x[:, F:]
        shock = rng.normal(w.seed, w.index, w.turn, rng.RELATION_SHOCK, game.n_pairs)
        pull = game.pull * (game.pair_propensity - p)
        wobble = game.relation_volatility * shock
        np.clip(p + (pull + wobble), -1.0, 1.0, out=p)
    if before is not None:
        expected = np.concatenate([drift[0], pull[0]]) if game.n_pairs else drift[0]
        drawn = expected + (np.concatenate([jump[0], wobble[0]]) if game.n_pairs else jump[0])
        trace.add(("drift", -1), expected, drawn, w.x[0] - before)


def quantities(game: Game, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[W, I] each interaction's two quantities (0..1) in each world."""
    return game.ix_a0 + game.ix_a1 * x[:, game.ix_a], game.ix_b0 + game.ix_b1 * x[:, game.ix_b]


def payoff(game: Game, x: np.ndarray, persona: np.ndarray, in_office: np.ndarray | None = None) -> np.ndarray:
    """[W, A]: each actor's payoff for a state, under its persona's weights: linear terms,
    products of two quantities, and the value of holding office (where in_office [W, A] says
    the holder's term has not surely ended; default: everywhere)."""
    office = game.office[persona] if in_office is None else np.where(in_office, game.office[persona], 0.0)
    out = np.einsum("wat,wt->wa", game.weight_target[persona], x - game.payoff_base) + office
    if len(game.ix_weight):
        qa, qb = quantities(game, x)
        slot = game.persona_slot[game.ix_persona]
        active = persona[:, slot] == game.ix_persona  # [W, I]: the persona holding the term sits in its seat
        contrib = np.where(active, game.ix_weight * qa * qb, 0.0)
        for i, s in enumerate(slot):
            out[:, s] += contrib[:, i]
    return out


def close_turn(game: Game, w: Worlds, res: Resolution | None = None, trace: Trace | None = None) -> np.ndarray:
    """Obligations past their deadline break; dynamics; payoffs. Returns the turn's payoffs [W, A]."""
    if game.n_obligations:
        broken = w.due == w.turn
        if broken.any():
            _settle(game, w, broken, BROKEN, trace)
            if res is not None:
                res.broken |= broken
    dynamics(game, w, trace)
    earned = payoff(game, w.x, w.persona, w.turn < w.term_end)
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


def best_blocs(game: Game, pairs: np.ndarray, cells: int = 1 << 22) -> np.ndarray:
    """[W, A]: the lowest-energy two-bloc split of landscape theory (actor 0 in bloc 0).

    Enumerates all 2^(A-1) splits for every world, in blocks of at most `cells` (world, split)
    energies at a time; ties go to the lowest-numbered split.
    """
    A, W = game.n_actors, pairs.shape[0]
    n = 2 ** (A - 1)
    weighted = pairs * (game.power[game.pair_i] * game.power[game.pair_j])  # [W, Q]
    best_e, best_c = np.full(W, np.inf), np.zeros(W, dtype=np.int64)
    bits = np.arange(A - 1)
    per = min(n, cells)
    rows = max(1, cells // per)
    for start in range(0, n, per):
        idx = np.arange(start, min(start + per, n))
        configs = np.concatenate([np.zeros((len(idx), 1), dtype=np.int8), ((idx[:, None] >> bits) & 1).astype(np.int8)], axis=1)
        apart = (configs[:, game.pair_i] != configs[:, game.pair_j]).astype(np.float64)  # [C, Q]
        for r0 in range(0, W, rows):
            sl = slice(r0, min(r0 + rows, W))
            energy = weighted[sl] @ apart.T  # [w, C]
            k = np.argmin(energy, axis=1)
            e = energy[np.arange(len(k)), k]
            better = e < best_e[sl]
            best_e[sl] = np.where(better, e, best_e[sl])
            best_c[sl] = np.where(better, idx[k], best_c[sl])
    return np.concatenate([np.zeros((W, 1), dtype=np.int8), ((best_c[:, None] >> bits) & 1).astype(np.int8)], axis=1)
