"""A scenario compiled into numpy arrays: what the rules read, never write.

Actors keep their slot when a successor replaces them; each slot's current
*persona* (the original leader or a successor) decides its weights and temper.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .schema import (
    Effects,
    EventCondition,
    FactorCondition,
    Logistic,
    MoveCondition,
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

# Effect variants of a move.
SUCCESS, FAILURE, BLOCKED = 0, 1, 2


def short_name(name: str, actor_id: str) -> str:
    """A compact label: the first word where it matches the actor's id (Kim Jong Un, Xi
    Jinping: family name first), else the last word (Vladimir Putin)."""
    words = name.split()
    if words[0].lower() == actor_id.lower().split("_")[0]:
        return words[0]
    return words[-1]


@dataclass(frozen=True)
class Persona:
    """Who sits in an actor's slot: the original leader or a successor."""

    slot: int
    name: str
    short_name: str
    title: str
    portrait: str
    colour: str
    rationality: float
    term: TermSecurity
    payoff: Payoff


@dataclass(frozen=True)
class EffectArrays:
    """Factor and relation deltas (and noise) of several effect blocks, stacked."""

    factor_delta: np.ndarray  # [..., F]
    factor_noise: np.ndarray  # [..., F]
    pair_delta: np.ndarray  # [..., Q]
    pair_noise: np.ndarray  # [..., Q]


@dataclass(frozen=True)
class CompiledCondition:
    kind: str  # factor | relation | turn | move | outcome
    index: int
    op: str
    value: float
    low: int = 0
    high: int = NEVER


class Game:
    """A scenario, compiled. Immutable; shared by every state of that scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = s = scenario
        self.actor_ids = [a.id for a in s.actors]
        self.factor_ids = [f.id for f in s.factors]
        self.turns = s.turns
        A, F = len(self.actor_ids), len(self.factor_ids)
        self.n_actors, self.n_factors = A, F
        self.actor_index = {a: i for i, a in enumerate(self.actor_ids)}
        self.factor_index = {f: i for i, f in enumerate(self.factor_ids)}

        # Unordered pairs (i < j) and the map from a matrix cell to its pair.
        self.pairs = [(i, j) for i in range(A) for j in range(i + 1, A)]
        self.n_pairs = len(self.pairs)
        self.pair_i = np.array([p[0] for p in self.pairs], dtype=np.intp)
        self.pair_j = np.array([p[1] for p in self.pairs], dtype=np.intp)
        self.pair_of = np.full((A, A), -1, dtype=np.intp)
        for q, (i, j) in enumerate(self.pairs):
            self.pair_of[i, j] = self.pair_of[j, i] = q

        # Factors.
        self.factor_init = np.array([f.initial for f in s.factors], dtype=np.float64)
        self.factor_min = np.array([f.min for f in s.factors], dtype=np.float64)
        self.factor_max = np.array([f.max for f in s.factors], dtype=np.float64)
        self.factor_range = self.factor_max - self.factor_min
        self.drift = np.array([f.dynamics.drift for f in s.factors], dtype=np.float64)
        self.reversion = np.array([f.dynamics.reversion for f in s.factors], dtype=np.float64)
        self.level = np.array(
            [f.initial if f.dynamics.level is None else f.dynamics.level for f in s.factors], dtype=np.float64
        )
        self.volatility = np.array([f.dynamics.volatility for f in s.factors], dtype=np.float64)

        # Relations.
        self.pair_init = np.zeros(self.n_pairs)
        self.pair_propensity = np.zeros(self.n_pairs)
        self.pair_rationale: dict[int, str] = {}
        for r in s.relations.pairs:
            q = self.pair_of[self.actor_index[r.between[0]], self.actor_index[r.between[1]]]
            self.pair_init[q], self.pair_propensity[q] = r.initial, r.propensity
            self.pair_rationale[q] = r.rationale
        self.pull = s.relations.pull
        self.relation_volatility = s.relations.volatility
        self.power = np.array([a.power for a in s.actors], dtype=np.float64)

        # Personas: slot a is persona a; successors follow.
        self.personas: list[Persona] = [
            Persona(i, a.name, a.short_name or short_name(a.name, a.id), a.title, a.portrait, a.colour, a.rationality,
                    a.term, s.payoffs[a.id])
            for i, a in enumerate(s.actors)
        ]
        self.outcome_ids: list[str] = []
        self.outcome_labels: list[str] = []
        self.outcome_event: list[int] = []
        self.outcome_chance: list = []
        self.outcome_persona: list[int] = []  # persona installed by the outcome, or -1
        outcome_effects: list[Effects] = []
        for e, ev in enumerate(s.events):
            for o in ev.outcomes:
                self.outcome_ids.append(o.id)
                self.outcome_labels.append(o.label)
                self.outcome_event.append(e)
                self.outcome_chance.append(o.chance)
                outcome_effects.append(o.effects)
                if o.replace is None:
                    self.outcome_persona.append(-1)
                    continue
                slot = self.actor_index[o.replace.actor]
                base, succ = self.personas[slot], o.replace.successor
                self.outcome_persona.append(len(self.personas))
                self.personas.append(
                    Persona(
                        slot,
                        succ.name,
                        succ.short_name or short_name(succ.name, o.replace.actor),
                        succ.title,
                        succ.portrait or base.portrait,
                        succ.colour or base.colour,
                        base.rationality if succ.rationality is None else succ.rationality,
                        succ.term or TermSecurity(kind="none", patience=base.term.patience),
                        succ.payoff,
                    )
                )
        self.outcome_index = {o: k for k, o in enumerate(self.outcome_ids)}
        self.outcome_effects = self._effects(outcome_effects)
        self.outcome_news = [e.news for e in outcome_effects]
        self.n_outcomes = len(self.outcome_ids)
        self._compile_personas()

        # Moves, flattened in actor order so each actor's moves are contiguous.
        by_actor = {am.actor: am.moves for am in s.moves}
        self.moves = [m for a in self.actor_ids for m in by_actor[a]]
        self.move_ids = [m.id for m in self.moves]
        self.move_index = {m: k for k, m in enumerate(self.move_ids)}
        self.move_owner = np.array([self.actor_index[a] for a in self.actor_ids for _ in by_actor[a]], dtype=np.intp)
        counts = [len(by_actor[a]) for a in self.actor_ids]
        self.move_start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        self.move_stop = np.cumsum(counts).astype(np.intp)
        self.n_moves = len(self.moves)
        self.move_probability = np.array([m.probability for m in self.moves], dtype=np.float64)
        self.move_blockers = np.zeros((self.n_moves, A), dtype=bool)
        for k, m in enumerate(self.moves):
            for b in m.blockable_by:
                self.move_blockers[k, self.actor_index[b]] = True
        variants = [[m.effects, m.on_failure, m.on_blocked] for m in self.moves]
        self.move_effects = self._effects([v for trio in variants for v in trio], shape=(self.n_moves, 3))
        self.move_conditions = [self._conditions(m.preconditions) for m in self.moves]
        self._compile_targets()

        # Events.
        self.events = list(s.events)
        self.event_turn = np.array(
            [months_between(s.start_date, ev.date) if isinstance(ev, ScheduledEvent) else -1 for ev in self.events],
            dtype=np.intp,
        )
        self.event_conditions = [
            self._conditions(ev.preconditions) if isinstance(ev, RandomEvent) else [] for ev in self.events
        ]
        self.event_outcomes = [
            [k for k, e in enumerate(self.outcome_event) if e == ev_index] for ev_index in range(len(self.events))
        ]
        self.resolution_order = [self.actor_index[a] for a in (s.resolution_order or self.actor_ids)]

    # --- construction helpers ---------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> Game:
        from .loader import load_scenario

        return cls(load_scenario(path))

    def new_state(self, seed: int, worlds=1, humans=()):
        """A fresh game (or `worlds` worlds in lockstep) at turn 0; see game.state.State."""
        from .state import State

        return State(self, seed, worlds, humans)

    def _compile_targets(self) -> None:
        """Factors and pairs side by side as one vector of T "targets", and the sparse
        list of (move, target) entries that any variant of a move changes (what the AI reads)."""
        F, Q, P = self.n_factors, self.n_pairs, len(self.personas)
        self.n_targets = F + Q
        self.target_min = np.concatenate([self.factor_min, -np.ones(Q)])
        self.target_max = np.concatenate([self.factor_max, np.ones(Q)])
        self.weight_target = np.zeros((P, F + Q))  # payoff per unit of each target
        self.weight_target[:, :F] = self.weight_factor
        for p, persona in enumerate(self.personas):
            for q, (i, j) in enumerate(self.pairs):
                if persona.slot in (i, j):
                    other = j if persona.slot == i else i
                    self.weight_target[p, F + q] = self.weight_relation[p, other]
        ea = self.move_effects
        delta = np.concatenate([ea.factor_delta, ea.pair_delta], axis=2)  # [M, 3, T]
        moves, targets = np.nonzero(np.any(delta != 0, axis=1))
        self.entry_move, self.entry_target = moves.astype(np.intp), targets.astype(np.intp)
        self.entry_owner = self.move_owner[self.entry_move]
        self.entry_delta = delta[self.entry_move, :, self.entry_target]  # [K, 3]
        self.entry_to_move = np.zeros((len(moves), self.n_moves))
        self.entry_to_move[np.arange(len(moves)), self.entry_move] = 1.0
        self.entry_to_target = np.zeros((len(moves), self.n_targets))
        self.entry_to_target[np.arange(len(moves)), self.entry_target] = 1.0
        self.entry_to_owner_target = np.zeros((len(moves), self.n_actors * self.n_targets))
        self.entry_to_owner_target[np.arange(len(moves)), self.entry_owner * self.n_targets + self.entry_target] = 1.0
        self.entry_blockable = self.move_blockers[self.entry_move].any(axis=1)
        self.blockable_moves = np.flatnonzero(self.move_blockers.any(axis=1))
        p = self.move_probability[:, None]
        self.move_push = p * delta[:, SUCCESS] + (1 - p) * delta[:, FAILURE]  # [M, T] unblocked expectation
        # Random-number slots that carry noise (the others are never drawn).
        T = self.n_targets
        noise = np.concatenate([ea.factor_noise, ea.pair_noise], axis=2).any(axis=1)  # [M, T]
        by_actor = np.stack([noise[self.move_start[a]:self.move_stop[a]].any(axis=0) for a in range(self.n_actors)])
        self.move_noise_slots = np.flatnonzero(by_actor.ravel())  # slot a*T + t
        on = self.outcome_effects
        out_noise = np.concatenate([on.factor_noise, on.pair_noise], axis=1) != 0  # [O, T]
        by_event = np.zeros((len(self.scenario.events), T), dtype=bool)
        for o, e in enumerate(self.outcome_event):
            by_event[e] |= out_noise[o]
        self.event_noise_slots = np.flatnonzero(by_event.ravel())  # slot e*T + t

    def _compile_personas(self) -> None:
        P, A, F = len(self.personas), self.n_actors, self.n_factors
        self.weight_factor = np.zeros((P, F))  # payoff per unit of the factor
        self.weight_relation = np.zeros((P, A))
        self.weight_factor_raw = np.zeros((P, F))  # payoff for min -> max, as written
        for p, persona in enumerate(self.personas):
            for w in persona.payoff.factors:
                f = self.factor_index[w.factor]
                self.weight_factor_raw[p, f] = w.weight
                self.weight_factor[p, f] = w.weight / self.factor_range[f]
            for w in persona.payoff.relations:
                self.weight_relation[p, self.actor_index[w.actor]] = w.weight
        self.rationality = np.array([p.rationality for p in self.personas])
        self.patience = np.array([p.term.patience for p in self.personas])
        self.beyond_term = np.array([p.term.beyond_term_weight if p.term.kind != "none" else 1.0 for p in self.personas])
        self.term_turn = np.array(
            [NEVER if p.term.date is None else months_between(self.scenario.start_date, p.term.date) for p in self.personas],
            dtype=np.intp,
        )

    def _effects(self, blocks: list[Effects], shape: tuple[int, ...] | None = None) -> EffectArrays:
        n = len(blocks)
        fd, fn = np.zeros((n, self.n_factors)), np.zeros((n, self.n_factors))
        pd, pn = np.zeros((n, self.n_pairs)), np.zeros((n, self.n_pairs))
        for k, e in enumerate(blocks):
            for fe in e.factors:
                f = self.factor_index[fe.factor]
                fd[k, f] += fe.delta
                fn[k, f] = np.hypot(fn[k, f], fe.noise)
            for re_ in e.relations:
                q = self.pair_of[self.actor_index[re_.between[0]], self.actor_index[re_.between[1]]]
                pd[k, q] += re_.delta
                pn[k, q] = np.hypot(pn[k, q], re_.noise)
        shape = shape or (n,)
        return EffectArrays(
            fd.reshape(shape + (self.n_factors,)),
            fn.reshape(shape + (self.n_factors,)),
            pd.reshape(shape + (self.n_pairs,)),
            pn.reshape(shape + (self.n_pairs,)),
        )

    def _conditions(self, conditions) -> list[CompiledCondition]:
        out = []
        for c in conditions:
            if isinstance(c, FactorCondition):
                out.append(CompiledCondition("factor", self.factor_index[c.factor], c.op, c.value))
            elif isinstance(c, RelationCondition):
                q = self.pair_of[self.actor_index[c.relation[0]], self.actor_index[c.relation[1]]]
                out.append(CompiledCondition("relation", int(q), c.op, c.value))
            elif isinstance(c, TurnCondition):
                out.append(CompiledCondition("turn", 0, "", 0.0, c.turn.get("min", 0), c.turn.get("max", NEVER)))
            elif isinstance(c, MoveCondition):
                out.append(CompiledCondition("move", self.move_index[c.move], "==" if c.taken else "!=", 0.0))
            elif isinstance(c, EventCondition):
                out.append(CompiledCondition("outcome", self.outcome_index[c.outcome], "==" if c.happened else "!=", 0.0))
        return out

    # --- small derived facts ------------------------------------------------------------

    def date_of_turn(self, turn: int) -> dt.date:
        """The first day of a monthly turn."""
        start = self.scenario.start_date
        month = start.month - 1 + turn
        year, month = start.year + month // 12, month % 12 + 1
        day = min(start.day, 28)
        return dt.date(year, month, day)

    def chance(self, outcome: int, factors: np.ndarray, pairs: np.ndarray) -> np.ndarray | None:
        """Probability of an outcome in each world, or None for the 'otherwise' outcome."""
        chance = self.outcome_chance[outcome]
        if chance is None:
            return None
        if not isinstance(chance, Logistic):
            return np.full(factors.shape[0], float(chance))
        z = np.full(factors.shape[0], chance.intercept)
        for t in chance.terms:
            if t.factor is not None:
                f = self.factor_index[t.factor]
                z = z + t.coef * (factors[:, f] - self.factor_min[f]) / self.factor_range[f]
            else:
                q = self.pair_of[self.actor_index[t.relation[0]], self.actor_index[t.relation[1]]]
                z = z + t.coef * pairs[:, q]
        return 1.0 / (1.0 + np.exp(-z))

    def relation_label(self, q: int) -> str:
        i, j = self.pairs[q]
        return f"{self.personas[i].short_name}–{self.personas[j].short_name} relation"
