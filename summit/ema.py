"""A Summit scenario as an EMA Workbench `Model`, to explore it with EMA's samplers, PRIM and feature scoring.

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim, feature_scoring
    import summit.ema

    model = summit.ema.model("vladivostok-2019", {"actors.kim.rationality": (1, 20),
                                                  "factors.oil_price.initial": (40, 110)}, runs=64, seed=1)
    experiments, outcomes = perform_experiments(model, scenarios=200)
    feature_scoring.get_feature_scores_all(experiments[["actors_kim_rationality", "factors_oil_price_initial"]], outcomes)

Each experiment runs `runs` worlds of the scenario with the experiment's values (the same
worlds for every experiment: common random numbers) and returns, as outcomes, the
probability of every event outcome, closest partner and shared bloc (`p_` names, after
points.csv's `p.` columns) and the mean of every final number (`mean_` names). Names are
Python identifiers, as EMA 3 requires: `actors.kim.rationality` is `actors_kim_rationality`.
"""

from __future__ import annotations

import hashlib
import json
import re

from game.batch import BatchError


def identifier(name: str) -> str:
    """A Python identifier for a path or an output name (EMA 3 wants identifiers): dots and commas become _."""
    out = re.sub(r"\W", "_", name)
    return out if out.isidentifier() else f"_{out}"


class SummitRun:
    """The model function EMA calls: values by path -> outputs by name (picklable, for EMA's evaluators)."""

    def __init__(self, scenario: str, paths: list[str], runs: int, seed: int, sets: dict | None = None):
        from game.loader import overrides as ov
        from game.batch.layout import Layout
        from game.catalog import find_scenario
        from game.compiled import Game
        from game.loader import ScenarioError, load, parse_scenario

        path = find_scenario(scenario)
        try:
            raw = load(path).data  # the one scenario loader, and its plain data
        except ScenarioError as e:
            raise BatchError(f"{scenario} is not a valid scenario:\n{e}") from None
        try:
            self.base = ov.apply(raw, [ov.parse_set(f"{p}={ov.format_value(v)}") for p, v in (sets or {}).items()])
            self.layout = Layout.of(Game(parse_scenario(self.base, str(path))))
        except (ov.OverrideError, ScenarioError) as e:
            raise BatchError(str(e)) from None
        self.name, self.paths, self.runs, self.seed = str(path), list(paths), int(runs), int(seed)
        self.key = hashlib.sha256(json.dumps([self.name, self.runs, self.seed, sets or {}], default=str).encode()).hexdigest()[:16]

    def outcome_names(self) -> list[str]:
        """The outputs, as in points.csv (p.closest.kim.trump, mean.factor.oil_price, ...)."""
        from game.batch.assemble import point_columns

        return point_columns(self.layout, [])[2:]

    def __call__(self, **by_name) -> dict:
        values = {p: by_name[identifier(p)] for p in self.paths}
        from game.batch.assemble import point_outputs
        from game.batch.columns import Input
        from game.batch.layout import Chunk
        from game.batch.worker import ChunkTask, simulate_chunk

        point = tuple(float(values[p]) for p in self.paths)
        key = f"{self.key}-{hashlib.sha256(repr(point).encode()).hexdigest()[:16]}"  # one compiled game per point
        task = ChunkTask(Chunk(0, 0, 0, self.runs), self.seed, self.runs, self.base, self.name, key,
                         inputs=tuple(Input("vary", p) for p in self.paths), values=(point,))
        probs, means = point_outputs(simulate_chunk(task), self.layout)
        return dict(zip(map(identifier, self.outcome_names()), [*probs.tolist(), *means.tolist()]))


def model(scenario: str, uncertainties: dict, runs: int = 100, seed: int = 0, sets: dict | None = None,
          outcomes: list[str] | None = None, name: str = "summit"):
    """An `ema_workbench.Model` of the scenario: one RealParameter per path in `uncertainties`
    ({path: (low, high)}), one ScalarOutcome per output (all of them, or `outcomes`).

    EMA wants Python identifiers as names: a path or output is named with its dots (and the
    comma of a pair) turned into underscores, e.g. `actors_kim_rationality` and
    `p_closest_kim_trump` (`identifier()` gives the name of any path or output)."""
    from ema_workbench import Model, RealParameter, ScalarOutcome

    fn = SummitRun(scenario, list(uncertainties), runs, seed, sets)
    names = [identifier(p) for p in uncertainties]
    if len(set(names)) < len(names):
        raise BatchError("two uncertainties have the same name once their dots and commas become _; vary each number once")
    known = fn.outcome_names()
    chosen = known if outcomes is None else [o for o in outcomes]
    unknown = [o for o in chosen if o not in known and o not in map(identifier, known)]
    if unknown:
        raise BatchError(f"unknown outcome(s) {', '.join(unknown)}; choose from {', '.join(known[:12])}, ...")
    m = Model(name, function=fn)
    m.uncertainties = [RealParameter(n, float(lo), float(hi)) for n, (lo, hi) in zip(names, uncertainties.values())]
    m.outcomes = [ScalarOutcome(identifier(o)) for o in chosen]
    return m
