"""The Mesa model: a scenario's leaders playing in one world or many, in lockstep."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import mesa
import numpy as np

from .agents import Leader
from .compiled import Game
from .schema import Scenario


def _factor(fid: str, model: SummitModel) -> float:
    return float(model.state.worlds.factors[:, model.game.factor_index[fid]].mean())


def _pair(q: int, model: SummitModel) -> float:
    return float(model.state.worlds.pairs[:, q].mean())


def _score(slot: int, model: SummitModel) -> float:
    return float(model.state.worlds.scores[:, slot].mean())


def _closest(model: SummitModel) -> str:
    partners = model.state.closest_partners()
    return ", ".join(f"{a}->{b}" for a, b in partners.items())


def _blocs(model: SummitModel) -> str:
    best = model.state.blocs()[0]
    ids = model.game.actor_ids
    groups = [[a for a, b in zip(ids, best.blocs) if b == k] for k in (0, 1)]
    return " | ".join(",".join(g) or "-" for g in groups)


class SummitModel(mesa.Model):
    """Kim, Putin, Trump and Xi (or any scenario's actors) as Mesa agents.

    `scenario` is a Scenario, a compiled Game, or a path; `worlds` runs that many
    independent worlds in lockstep; `rng` seeds everything (an int is used as is).
    """

    def __init__(self, scenario="scenarios/vladivostok-2019.yaml", worlds: int = 1, humans=(), rng=None, **kwargs):
        super().__init__(rng=rng, **kwargs)
        if isinstance(scenario, Game):
            self.game = scenario
        elif isinstance(scenario, Scenario):
            self.game = Game(scenario)
        else:
            self.game = Game.from_file(Path(scenario))
        seed = rng if isinstance(rng, (int, np.integer)) else int(self.rng.integers(2**63 - 1))
        self.state = self.game.new_state(int(seed), worlds, humans)
        self.human_choices: dict[str, str] = {}
        self.choices = np.full((self.state.worlds.size, self.game.n_actors), -1, dtype=np.intp)
        for slot in range(self.game.n_actors):
            Leader(self, slot)
        g = self.game
        reporters = {f"factor:{f}": partial(_factor, f) for f in g.factor_ids}
        reporters |= {f"relation:{g.actor_ids[i]}-{g.actor_ids[j]}": partial(_pair, q) for q, (i, j) in enumerate(g.pairs)}
        reporters |= {f"score:{a}": partial(_score, k) for k, a in enumerate(g.actor_ids)}
        reporters |= {"closest": _closest, "blocs": _blocs}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    def step(self) -> None:
        """One turn in every world: leaders choose through `model.agents`, then the rules resolve."""
        if self.state.over:
            self.running = False
            return
        self.agents.do("choose")
        self.state.advance_indices(self.choices)
        self.human_choices = {}
        self.datacollector.collect(self)
        self.running = not self.state.over
