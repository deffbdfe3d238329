"""The runs behind the report: AI-played worlds of a scenario, and that scenario with numbers changed.

Every figure comes from the model; scenarios with changed numbers go through the one scenario
pipeline (`loader.parse_scenario`), so they are checked exactly like a file. Runs of the same
seed share their random numbers world by world, so differences between them are paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..compiled import REFUSED, Game, short_name
from ..loader import overrides as ov
from ..loader import parse_scenario
from ..model import SummitModel
from ..schema import Scenario
from ..state import State  # noqa: F401  (type of model.state)

KIM, PUTIN, TRUMP = "kim", "putin", "trump"


@dataclass
class Run:
    """AI-only worlds of one scenario, played to the end."""

    game: Game
    seed: int
    worlds: int
    x: np.ndarray  # [W, T] final state
    persona: np.ndarray  # [W, A]
    happened: np.ndarray  # [W, O]
    chosen: np.ndarray  # [W, M] times each move was chosen
    offered: dict = field(default_factory=dict)  # offer move id -> [W] times offered
    refused: dict = field(default_factory=dict)  # offer move id -> [W] times refused

    def relation(self, a: str, b: str) -> np.ndarray:
        g = self.game
        return self.x[:, g.n_factors + g.pair_of[g.actor_index[a], g.actor_index[b]]]

    def closer(self, a: str = KIM, b: str = PUTIN, c: str = TRUMP) -> np.ndarray:
        """[W] bool: a ends closer to b than to c (the article's headline with the defaults)."""
        return self.relation(a, b) > self.relation(a, c)


def play(game: Game, seed: int, worlds: int, ai=None) -> Run:
    """Play AI-only worlds through the model, counting offers made and refused per world."""
    model = SummitModel(game, worlds=worlds, seed=seed, ai=ai, history=False, record=False)
    offers = [int(m) for m in game.offer_moves]
    offered = {game.move_ids[m]: np.zeros(worlds, dtype=np.int64) for m in offers}
    refused = {game.move_ids[m]: np.zeros(worlds, dtype=np.int64) for m in offers}
    while model.running:
        model.step()
        res = model.state.last
        for m in offers:
            a = game.move_owner[m]
            made = res.choices[:, a] == m
            offered[game.move_ids[m]] += made
            refused[game.move_ids[m]] += made & (res.result[:, a] == REFUSED)
    w = model.state.worlds
    return Run(game, seed, worlds, w.x.copy(), w.persona.copy(), w.happened.copy(), w.move_chosen.copy(), offered, refused)


def has_headline(game: Game) -> bool:
    return all(a in game.actor_index for a in (KIM, PUTIN, TRUMP))


# --- scenarios with numbers changed ----------------------------------------------------------------


def with_numbers(scenario: Scenario, edits: dict[tuple, float]) -> Scenario:
    """The scenario with the numbers at the given data paths replaced: applied to its data as
    `--set` is (`loader.overrides`), then checked by the one pipeline."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    settings = [ov.Setting(".".join(map(str, path)), value) for path, value in edits.items()]
    return parse_scenario(ov.apply(data, settings), f"{scenario.id} (changed)")


def with_rationality(scenario: Scenario, r: float) -> Scenario:
    """Every leader (and every successor) at the same rationality r."""
    edits = {("actors", i, "rationality"): r for i in range(len(scenario.actors))}
    for e, ev in enumerate(scenario.events):
        for o, out in enumerate(ev.outcomes):
            if out.replace is not None:
                edits[("events", e, "outcomes", o, "replace", "successor", "rationality")] = r
    return with_numbers(scenario, edits)


@dataclass(frozen=True)
class Number:
    """One of a scenario's uncertain numbers: where it is, what it is, and its allowed range."""

    path: tuple
    label: str
    value: float
    low: float
    high: float


def uncertain_numbers(scenario: Scenario) -> list[Number]:
    """The numbers a sensitivity analysis varies: every payoff weight of the leaders at the start,
    every relation's start and propensity, every factor's start, and every move's fixed chance
    below 1 or logistic intercept. (Dynamics, effect sizes and events are left as they are.)"""
    s, out = scenario, []
    names = {a.id: a.short_name or short_name(a.name, a.id) for a in s.actors}
    factor_label = {f.id: f.label for f in s.factors}

    def q(term) -> str:
        base = factor_label[term.factor] if term.factor else "–".join(names[x] for x in term.relation) + " relation"
        return f"(1 − {base})" if getattr(term, "complement", False) else base

    for aid, pay in s.payoffs.items():
        for i, w in enumerate(pay.factors):
            out.append(Number(("payoffs", aid, "factors", i, "weight"), f"{names[aid]}'s weight on {factor_label[w.factor]}", w.weight, -100, 100))
        for i, w in enumerate(pay.relations):
            out.append(Number(("payoffs", aid, "relations", i, "weight"), f"{names[aid]}'s weight on ties with {names[w.actor]}", w.weight, -100, 100))
        for i, w in enumerate(pay.interactions):
            out.append(Number(("payoffs", aid, "interactions", i, "weight"),
                              f"{names[aid]}'s weight on {q(w.of[0])} × {q(w.of[1])}", w.weight, -100, 100))
        if pay.office is not None:
            out.append(Number(("payoffs", aid, "office", "weight"), f"{names[aid]}'s value of office", pay.office.weight, 0, 100))
    for i, r in enumerate(s.relations.pairs):
        pair = "–".join(names[x] for x in r.between)
        out.append(Number(("relations", "pairs", i, "initial"), f"{pair} relation at the start", r.initial, -1, 1))
        out.append(Number(("relations", "pairs", i, "propensity"), f"{pair} propensity", r.propensity, -1, 1))
    for i, f in enumerate(s.factors):
        out.append(Number(("factors", i, "initial"), f"{f.label} at the start", f.initial, f.min, f.max))
    for a, am in enumerate(s.moves):
        for k, m in enumerate(am.moves):
            if isinstance(m.probability, float) and m.probability < 1:
                out.append(Number(("moves", a, "moves", k, "probability"), f"chance: {m.label}", m.probability, 0, 1))
            elif not isinstance(m.probability, float):
                out.append(Number(("moves", a, "moves", k, "probability", "intercept"), f"chance (intercept): {m.label}",
                                  m.probability.intercept, -50, 50))
    return [n for n in out if n.value != 0]


def nudged(n: Number, share: float) -> float:
    """A number moved by `share` of itself (e.g. +0.2 = 20% more), kept inside its allowed range."""
    return float(min(max(n.value * (1 + share), n.low), n.high))
