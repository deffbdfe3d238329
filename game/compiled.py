"""A scenario compiled once into frozen arrays: what the rules and the AI read, never write.

The state of a world is one vector x of T = F + Q numbers: the factors, then the relation of
every unordered pair of actors. Effects, chances, conditions and payoffs become arrays and
small tuples here, so no scenario object is read while a turn is played. Actors keep their
slot when a successor replaces them; each slot's current *persona* (the original leader or a
successor) decides its weights and temper. See docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import limits
from .schema import (
    AllCondition,
    AnyCondition,
    Effects,
    EventCondition,
    FactorCondition,
    Logistic,
    MoveCondition,
    ObligationCondition,
    Payoff,
    RandomEvent,
    RelationCondition,
    Scenario,
    ScheduledEvent,
    TermSecurity,
    TurnCondition,
    months_between,
)

NEVER = 10**6  # turn index standing for "no term end"

# How a move ends (its effect variants), and how an obligation ends.
SUCCESS, FAILURE, BLOCKED, REFUSED = 0, 1, 2, 3
VARIANTS = 4
KEPT, BROKEN = 0, 1

# Kinds of chance.
FIXED, LOGISTIC, OTHERWISE = 0, 1, 2

OPS = ("<", "<=", ">", ">=", "==", "!=")


def short_name(name: str, actor_id: str) -> str:
    """A compact label: the word of the name that matches a part of the actor's id, wherever it
    stands (Xi Jinping as `xi`, Moon Jae-in as `moon`: family name first), else the last word
    (Vladimir Putin). A scenario's `short_name` overrides it; `summit lint` flags the guesses."""
    words = name.split()
    parts = set(re.split(r"[_\-]", actor_id.lower()))
    return next((w for w in words if w.lower().strip(".,") in parts), words[-1])


@dataclass(frozen=True)
class Persona:
    """Who sits in an actor's slot: the original leader or a successor (data for the screen
    and for narration; the rules read the persona arrays of `Game`)."""

    slot: int
    name: str
    short_name: str
    title: str
    portrait: str
    colour: str
    rationality: float
    ai: str
    term: TermSecurity
    payoff: Payoff


@dataclass(frozen=True)
class Chances:
    """N chances, each a fixed number, a logistic of the state, or 'otherwise' (the rest)."""

    kind: np.ndarray  # [N] FIXED | LOGISTIC | OTHERWISE
    fixed: np.ndarray  # [N]
    c0: np.ndarray  # [N] logistic: z = c0 + x @ C[n]
    C: np.ndarray  # [N, T]
    logistic: np.ndarray  # [L] indices of the logistic ones

    def values_of(self, x: np.ndarray, which: np.ndarray) -> np.ndarray:
        """[W]: the probability of chance which[w] in world w."""
        p = self.fixed[which].astype(float)
        lg = np.flatnonzero(self.kind[which] == LOGISTIC)
        if len(lg):
            n = which[lg]
            z = self.c0[n] + np.einsum("wt,wt->w", x[lg], self.C[n])
            p[lg] = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
        return p

    def values(self, x: np.ndarray) -> np.ndarray:
        """[W, N] probabilities in each world (0 for 'otherwise')."""
        p = np.broadcast_to(self.fixed, (x.shape[0], len(self.fixed))).copy()
        if len(self.logistic):
            z = self.c0[self.logistic] + x @ self.C[self.logistic].T
            p[:, self.logistic] = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
        return p


@dataclass(frozen=True)
class EffectTable:
    """Effect blocks stacked: row b holds one block's deltas and noise over the targets;
    a few entries may scale with the state (multiplier lo + (hi - lo) * unit(x[source]))."""

    delta: np.ndarray  # [B, T]
    noise: np.ndarray  # [B, T]
    scale_block: np.ndarray  # [S]
    scale_target: np.ndarray  # [S]
    scale_source: np.ndarray  # [S]
    scale_lo: np.ndarray  # [S]
    scale_hi: np.ndarray  # [S]
    news: tuple  # [B] the scenario's line for the news, or None


class Game:
    """A scenario, compiled. Immutable (its arrays are read-only); shared by every state."""

    def __init__(self, scenario: Scenario):
        message = limits.too_many_actors(len(scenario.actors))
        if message:
            raise ValueError(message)
        self.scenario = s = scenario
        self.actor_ids = tuple(a.id for a in s.actors)
        self.factor_ids = tuple(f.id for f in s.factors)
        self.turns = s.turns
        self.horizon_after_end = int(s.horizon_after_end)  # turns past the end the AI still counts
        self.planner_rollouts, self.planner_horizon = int(s.planner.rollouts), int(s.planner.horizon)
        self.n_actors, self.n_factors = len(self.actor_ids), len(self.factor_ids)
        self.actor_index = {a: i for i, a in enumerate(self.actor_ids)}
        self.factor_index = {f: i for i, f in enumerate(self.factor_ids)}
        self._compile_targets()
        self._blocks: list[Effects] = []
        self._compile_personas()
        self._compile_events()
        self._compile_moves()
        self.event_conditions = tuple(  # after moves and outcomes: a condition may name either
            self._condition_list(ev.preconditions) if isinstance(ev, RandomEvent) else None for ev in self.events)
        self._resolve_obligation_refs()
        self.effects = self._effect_table(self._blocks)
        del self._blocks
        self._compile_noise_slots()
        self._compile_survival()
        self.resolution_order = tuple(self.actor_index[a] for a in (s.resolution_order or self.actor_ids))
        self._frozen = True
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    def __setattr__(self, name, value):
        if getattr(self, "_frozen", False):
            raise AttributeError(f"a compiled Game is immutable (tried to set '{name}')")
        super().__setattr__(name, value)

    @classmethod
    def from_file(cls, path: str | Path) -> Game:
        from .loader import load_scenario

        return cls(load_scenario(path))

    def new_state(self, seed: int, worlds=1, humans=()):
        """A fresh game (or `worlds` worlds in lockstep) at turn 0; see game.state.State."""
        from .state import State

        return State(self, seed, worlds, humans)

    # --- targets: factors, then relation pairs ------------------------------------------

    def _compile_targets(self) -> None:
        s, A, F = self.scenario, self.n_actors, self.n_factors
        self.pairs = tuple((i, j) for i in range(A) for j in range(i + 1, A))
        Q = self.n_pairs = len(self.pairs)
        self.n_targets = T = F + Q
        self.pair_i = np.array([p[0] for p in self.pairs], dtype=np.intp)
        self.pair_j = np.array([p[1] for p in self.pairs], dtype=np.intp)
        self.pair_of = np.full((A, A), -1, dtype=np.intp)
        for q, (i, j) in enumerate(self.pairs):
            self.pair_of[i, j] = self.pair_of[j, i] = q
        self.factor_min = np.array([f.min for f in s.factors], dtype=np.float64)
        self.factor_max = np.array([f.max for f in s.factors], dtype=np.float64)
        self.factor_range = self.factor_max - self.factor_min
        self.drift = np.array([f.dynamics.drift for f in s.factors], dtype=np.float64)
        self.reversion = np.array([f.dynamics.reversion for f in s.factors], dtype=np.float64)
        self.level = np.array([f.initial if f.dynamics.level is None else f.dynamics.level for f in s.factors])
        self.volatility = np.array([f.dynamics.volatility for f in s.factors], dtype=np.float64)
        self.shocked_factors = np.flatnonzero(self.volatility)
        pair_init, self.pair_propensity = np.zeros(Q), np.zeros(Q)
        self.pair_rationale: dict[int, str] = {}
        for r in s.relations.pairs:
            q = self.pair_of[self.actor_index[r.between[0]], self.actor_index[r.between[1]]]
            pair_init[q], self.pair_propensity[q] = r.initial, r.propensity
            self.pair_rationale[int(q)] = r.rationale
        self.pull = float(s.relations.pull)
        self.relation_volatility = float(s.relations.volatility)
        self.power = np.array([a.power for a in s.actors], dtype=np.float64)
        self.x_init = np.concatenate([[f.initial for f in s.factors], pair_init]).astype(np.float64)
        self.target_min = np.concatenate([self.factor_min, -np.ones(Q)])
        self.target_max = np.concatenate([self.factor_max, np.ones(Q)])
        self.target_range = self.target_max - self.target_min
        self.fade = np.concatenate([1.0 - self.reversion, np.full(Q, 1.0 - self.pull)])  # share of a change left a turn later
        assert len(self.x_init) == T

    def target_of(self, factor: str | None = None, relation=None) -> int:
        """The target index of a factor id or a relation [a, b]."""
        if factor is not None:
            return self.factor_index[factor]
        return self.n_factors + int(self.pair_of[self.actor_index[relation[0]], self.actor_index[relation[1]]])

    def unit(self, x: np.ndarray) -> np.ndarray:
        """Targets on a 0..1 scale: factors over their bounds, relations from -1 to +1."""
        return (x - self.target_min) / self.target_range

    # --- personas (leaders and successors) ----------------------------------------------

    def _persona(self, slot: int, name, short, title, portrait, colour, rationality, ai, term, payoff) -> Persona:
        return Persona(slot, name, short, title, portrait, colour, rationality, ai, term, payoff)

    def _compile_personas(self) -> None:
        s = self.scenario
        personas = [
            self._persona(i, a.name, a.short_name or short_name(a.name, a.id), a.title, a.portrait, a.colour,
                          a.rationality, a.ai, a.term, s.payoffs[a.id])
            for i, a in enumerate(s.actors)
        ]
        self.outcome_persona_list: list[int] = []
        for ev in s.events:
            for o in ev.outcomes:
                if o.replace is None:
                    self.outcome_persona_list.append(-1)
                    continue
                slot = self.actor_index[o.replace.actor]
                base, succ = personas[slot], o.replace.successor
                self.outcome_persona_list.append(len(personas))
                personas.append(self._persona(
                    slot, succ.name, succ.short_name or short_name(succ.name, o.replace.actor), succ.title,
                    succ.portrait or base.portrait, succ.colour or base.colour,
                    base.rationality if succ.rationality is None else succ.rationality, base.ai,
                    succ.term or TermSecurity(kind="none", patience=base.term.patience), succ.payoff))
        self.personas = tuple(personas)
        P, T, F = len(personas), self.n_targets, self.n_factors
        self.persona_slot = np.array([p.slot for p in personas], dtype=np.intp)
        self.weight_target = np.zeros((P, T))  # payoff per unit of each target
        self.weight_factor_raw = np.zeros((P, F))  # payoff for min -> max, as written
        self.weight_relation = np.zeros((P, self.n_actors))
        self.office = np.zeros(P)
        self.stakes = np.zeros(P)  # the sum of a persona's absolute weights: its payoff per turn at stake
        ix: list[tuple] = []
        for p, persona in enumerate(personas):
            pay = persona.payoff
            for w in pay.factors:
                f = self.factor_index[w.factor]
                self.weight_factor_raw[p, f] = w.weight
                self.weight_target[p, f] = w.weight / self.factor_range[f]
            for w in pay.relations:
                b = self.actor_index[w.actor]
                self.weight_relation[p, b] = w.weight
                self.weight_target[p, F + self.pair_of[persona.slot, b]] = w.weight
            for term in pay.interactions:
                (ta, a0, a1), (tb, b0, b1) = (self._quantity(q) for q in term.of)
                ix.append((p, ta, a0, a1, tb, b0, b1, term.weight))
            self.office[p] = pay.office.weight if pay.office else 0.0
            self.stakes[p] = (np.abs(self.weight_factor_raw[p]).sum() + np.abs(self.weight_relation[p]).sum()
                              + sum(abs(t.weight) for t in pay.interactions) + self.office[p])
        self.stakes = np.where(self.stakes > 0, self.stakes, 1.0)
        cols = list(zip(*ix)) if ix else [[]] * 8
        self.ix_persona = np.array(cols[0], dtype=np.intp)
        self.ix_a, self.ix_b = np.array(cols[1], dtype=np.intp), np.array(cols[4], dtype=np.intp)
        self.ix_a0, self.ix_a1 = np.array(cols[2], dtype=float), np.array(cols[3], dtype=float)
        self.ix_b0, self.ix_b1 = np.array(cols[5], dtype=float), np.array(cols[6], dtype=float)
        self.ix_weight = np.array(cols[7], dtype=float)
        self.payoff_base = np.concatenate([self.factor_min, np.zeros(self.n_pairs)])
        self.rationality = np.array([p.rationality for p in personas], dtype=float)
        self.planner_persona = np.array([p.ai == "planner" for p in personas])
        self.patience = np.array([p.term.patience for p in personas], dtype=float)
        self.beyond_term = np.array([p.term.beyond_term_weight if p.term.kind != "none" else 1.0 for p in personas])
        self.term_date_turn = np.array(
            [NEVER if p.term.date is None else months_between(s.start_date, p.term.date) for p in personas], dtype=np.intp)

    def _quantity(self, q) -> tuple[int, float, float]:
        """A quantity as (target, a0, a1): its 0..1 value is a0 + a1 * x[target]."""
        t = self.target_of(q.factor, q.relation)
        a1, a0 = 1.0 / self.target_range[t], -self.target_min[t] / self.target_range[t]
        return (t, 1.0 - a0, -a1) if q.complement else (t, a0, a1)

    # --- chances ---------------------------------------------------------------------------

    def _chances(self, specs: list) -> Chances:
        """Numbers, logistic forms and None ('otherwise') -> arrays. Factors enter a logistic
        normalised to 0..1 over their bounds, relations as they are (-1..1)."""
        N, T, F = len(specs), self.n_targets, self.n_factors
        kind, fixed, c0, C = np.zeros(N, dtype=np.intp), np.zeros(N), np.zeros(N), np.zeros((N, T))
        for n, spec in enumerate(specs):
            if spec is None:
                kind[n] = OTHERWISE
            elif isinstance(spec, Logistic):
                kind[n] = LOGISTIC
                c0[n] = spec.intercept
                for term in spec.terms:
                    t = self.target_of(term.factor, term.relation)
                    if t < F:
                        C[n, t] += term.coef / self.factor_range[t]
                        c0[n] -= term.coef * self.factor_min[t] / self.factor_range[t]
                    else:
                        C[n, t] += term.coef
            else:
                fixed[n] = float(spec)
        return Chances(kind, fixed, c0, C, np.flatnonzero(kind == LOGISTIC))

    # --- events ------------------------------------------------------------------------------

    def _compile_events(self) -> None:
        s = self.scenario
        self.events = tuple(s.events)
        E = len(self.events)
        self.event_scheduled = np.array([isinstance(ev, ScheduledEvent) for ev in self.events], dtype=bool)
        self.event_turn = np.array(
            [months_between(s.start_date, ev.date) if isinstance(ev, ScheduledEvent) else -1 for ev in self.events], dtype=np.intp)
        self.event_probability = np.array([ev.probability if isinstance(ev, RandomEvent) else 1.0 for ev in self.events])
        self.event_once = np.array([ev.once if isinstance(ev, RandomEvent) else True for ev in self.events], dtype=bool)
        outcomes = [(e, o) for e, ev in enumerate(self.events) for o in ev.outcomes]
        self.outcome_ids = tuple(o.id for _, o in outcomes)
        self.outcome_labels = tuple(o.label for _, o in outcomes)
        self.outcome_event = np.array([e for e, _ in outcomes], dtype=np.intp)
        self.outcome_index = {o: k for k, o in enumerate(self.outcome_ids)}
        self.n_outcomes = O = len(outcomes)
        self.event_outcomes = tuple(np.flatnonzero(self.outcome_event == e) for e in range(E))
        self.outcome_chances = self._chances([o.chance for _, o in outcomes])
        self.outcome_persona = np.array(self.outcome_persona_list, dtype=np.intp)
        del self.outcome_persona_list
        self.outcome_replaces = np.array([self.actor_index[o.replace.actor] if o.replace else -1 for _, o in outcomes], dtype=np.intp)
        self.outcome_keep = np.array([o.replace.keep_relations if o.replace else 1.0 for _, o in outcomes])
        self.outcome_renews = np.array([self.actor_index[o.renew.actor] if o.renew else -1 for _, o in outcomes], dtype=np.intp)
        self.outcome_renew_turn = np.array(
            [months_between(s.start_date, o.renew.date) if o.renew else NEVER for _, o in outcomes], dtype=np.intp)
        self.outcome_block0 = len(self._blocks)
        self._blocks += [o.effects for _, o in outcomes]
        assert len(self.outcome_ids) == O

    # --- moves and obligations -----------------------------------------------------------------

    def _compile_moves(self) -> None:
        s, A = self.scenario, self.n_actors
        by_actor = {am.actor: am.moves for am in s.moves}
        self.moves = tuple(m for a in self.actor_ids for m in by_actor[a])
        self.move_ids = tuple(m.id for m in self.moves)
        self.move_index = {m: k for k, m in enumerate(self.move_ids)}
        self.n_moves = M = len(self.moves)
        self.move_owner = np.array([self.actor_index[a] for a in self.actor_ids for _ in by_actor[a]], dtype=np.intp)
        counts = [len(by_actor[a]) for a in self.actor_ids]
        self.move_stop = np.cumsum(counts).astype(np.intp)
        self.move_start = (self.move_stop - counts).astype(np.intp)
        self.move_chances = self._chances([m.probability for m in self.moves])
        self.move_blockers = np.zeros((M, A), dtype=bool)
        for k, m in enumerate(self.moves):
            for b in m.blockable_by:
                self.move_blockers[k, self.actor_index[b]] = True
        self.blockable_moves = np.flatnonzero(self.move_blockers.any(axis=1))
        self.move_offer_to = np.array([self.actor_index[m.offer.to] if m.offer else -1 for m in self.moves], dtype=np.intp)
        self.offer_moves = np.flatnonzero(self.move_offer_to >= 0)
        self.move_conditions = tuple(self._condition_list(m.preconditions) for m in self.moves)
        self.move_block0 = len(self._blocks)
        self._blocks += [v for m in self.moves
                         for v in (m.effects, m.on_failure, m.on_blocked, m.offer.on_refused if m.offer else Effects())]
        obliging = [(k, m.offer) for k, m in enumerate(self.moves) if m.offer and m.offer.obligation]
        self.obligation_move = np.array([k for k, _ in obliging], dtype=np.intp)
        self.obligation_actor = np.array(
            [self.actor_index[o.obligation.actor or o.to] for _, o in obliging], dtype=np.intp)
        self.obligation_fulfil = np.array([self.move_index[o.obligation.move] for _, o in obliging], dtype=np.intp)
        self.obligation_within = np.array([o.obligation.within for _, o in obliging], dtype=np.intp)
        self.n_obligations = len(obliging)
        self.move_obligation = np.full(M, -1, dtype=np.intp)
        self.move_obligation[self.obligation_move] = np.arange(self.n_obligations)
        self.obligation_index = {self.move_ids[k]: j for j, (k, _) in enumerate(obliging)}
        self.obligation_block0 = len(self._blocks)
        self._blocks += [e for _, o in obliging for e in (o.obligation.on_kept, o.obligation.on_broken)]

    def move_block(self, move, variant) -> np.ndarray | int:
        """Effect-table row of a move's variant (SUCCESS, FAILURE, BLOCKED, REFUSED)."""
        return self.move_block0 + move * VARIANTS + variant

    # --- conditions --------------------------------------------------------------------------

    def _condition_list(self, conditions) -> tuple | None:
        """Preconditions (all must hold) -> a small tree of tuples, or None when there are none."""
        return ("all", tuple(self._condition(c) for c in conditions)) if conditions else None

    def _condition(self, c) -> tuple:
        if isinstance(c, FactorCondition):
            return ("target", self.factor_index[c.factor], OPS.index(c.op), float(c.value))
        if isinstance(c, RelationCondition):
            return ("target", self.target_of(relation=c.relation), OPS.index(c.op), float(c.value))
        if isinstance(c, TurnCondition):
            return ("turn", c.turn.get("min", 0), c.turn.get("max", NEVER))
        if isinstance(c, MoveCondition):
            return ("move", self.move_index[c.move], c.taken)
        if isinstance(c, EventCondition):
            return ("outcome", self.outcome_index[c.outcome], c.happened)
        if isinstance(c, ObligationCondition):
            return ("obligation", c.obligation, c.open)  # resolved to an index once moves are known
        if isinstance(c, AllCondition):
            return ("all", tuple(self._condition(x) for x in c.all))
        if isinstance(c, AnyCondition):
            return ("any", tuple(self._condition(x) for x in c.any))
        raise TypeError(f"unknown condition {type(c).__name__}")

    # --- effects ---------------------------------------------------------------------------------

    def _effect_table(self, blocks: list[Effects]) -> EffectTable:
        B, T = len(blocks), self.n_targets
        delta, noise = np.zeros((B, T)), np.zeros((B, T))
        scaled: list[tuple] = []
        for b, e in enumerate(blocks):
            entries = [(self.factor_index[fe.factor], fe) for fe in e.factors]
            entries += [(self.target_of(relation=re_.between), re_) for re_ in e.relations]
            for t, fx in entries:
                if fx.scale is not None:
                    if delta[b, t] or noise[b, t]:
                        raise ValueError(f"a scaled effect on target {t} cannot be combined with another effect on it in one block")
                    scaled.append((b, t, self.target_of(fx.scale.factor, fx.scale.relation), fx.scale.at_min, fx.scale.at_max))
                delta[b, t] += fx.delta
                noise[b, t] = np.hypot(noise[b, t], fx.noise)
        cols = list(zip(*scaled)) if scaled else [[]] * 5
        return EffectTable(delta, noise, np.array(cols[0], dtype=np.intp), np.array(cols[1], dtype=np.intp),
                           np.array(cols[2], dtype=np.intp), np.array(cols[3], dtype=float), np.array(cols[4], dtype=float),
                           tuple(e.news for e in blocks))

    def _compile_noise_slots(self) -> None:
        """Random-number slots that can carry noise (the others are never drawn)."""
        T, A, E = self.n_targets, self.n_actors, len(self.events)
        noisy = self.effects.noise != 0  # [B, T]
        by_actor = np.zeros((A, T), dtype=bool)
        for m in range(self.n_moves):
            by_actor[self.move_owner[m]] |= noisy[self.move_block(m, np.arange(VARIANTS))].any(axis=0)
        self.move_noise_slots = np.flatnonzero(by_actor.ravel())  # slot a*T + t
        by_event = np.zeros((E, T), dtype=bool)
        for o, e in enumerate(self.outcome_event):
            by_event[e] |= noisy[self.outcome_block0 + o]
        self.event_noise_slots = np.flatnonzero(by_event.ravel())  # slot e*T + t
        by_ob = noisy[self.obligation_block0:].reshape(self.n_obligations, 2, T).any(axis=1)
        self.obligation_noise_slots = np.flatnonzero(by_ob.ravel())  # slot j*T + t

    # --- who may leave office, and when (what the AI looks ahead to) ----------------------------

    def _compile_survival(self) -> None:
        """For each slot, the scheduled events that may replace its holder; a term date that no
        scheduled event decides is a certain end of office."""
        A = self.n_actors
        self.replacing = tuple(
            tuple((e, int(self.event_turn[e]), tuple(int(o) for o in self.event_outcomes[e] if self.outcome_replaces[o] == a))
                  for e in range(len(self.events))
                  if self.event_scheduled[e] and any(self.outcome_replaces[o] == a for o in self.event_outcomes[e]))
            for a in range(A))
        decided = {(a, turn) for a in range(A) for _, turn, _ in self.replacing[a]}
        self.term_end = np.array(
            [NEVER if p.term.kind == "none" or (p.slot, int(self.term_date_turn[k])) in decided else int(self.term_date_turn[k])
             for k, p in enumerate(self.personas)], dtype=np.intp)
        self.renew_term_end = np.array(
            [NEVER if r < 0 or (int(r), int(self.outcome_renew_turn[o])) in decided else int(self.outcome_renew_turn[o])
             for o, r in enumerate(self.outcome_renews)], dtype=np.intp)

    def _resolve_obligation_refs(self) -> None:
        """Obligation conditions name an offer move; point them at the obligation's index."""
        def resolve(node):
            if node is None:
                return None
            if node[0] in ("all", "any"):
                return (node[0], tuple(resolve(c) for c in node[1]))
            if node[0] == "obligation":
                return ("obligation", self.obligation_index[node[1]], node[2])
            return node

        self.move_conditions = tuple(resolve(c) for c in self.move_conditions)
        self.event_conditions = tuple(resolve(c) for c in self.event_conditions)

    # --- small derived facts --------------------------------------------------------------------

    def date_of_turn(self, turn: int) -> dt.date:
        """The first day of a monthly turn."""
        start = self.scenario.start_date
        month = start.month - 1 + turn
        year, month = start.year + month // 12, month % 12 + 1
        return dt.date(year, month, min(start.day, 28))

    def relation_label(self, q: int) -> str:
        i, j = self.pairs[q]
        return f"{self.personas[i].short_name}–{self.personas[j].short_name} relation"

    def target_label(self, t: int) -> str:
        if t < self.n_factors:
            return self.scenario.factors[t].label
        return self.relation_label(t - self.n_factors)
