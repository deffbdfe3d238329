"""The Mesa model: the front door the game window, batch workers and the report drive.

A `SummitModel` holds a scenario's State (one world, or many in lockstep), one `Leader`
agent per seat owning its strategy, and a DataCollector recording the series the screen
charts and a batch writes. `step()` plays one turn.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from . import planner, rules, strategies
from .agents import Leader
from .compiled import Game
from .data import SCENARIOS
from .schema import Scenario
from .state import State

DEFAULT_SCENARIO = SCENARIOS / "vladivostok-2019.yaml"


def _x(model: SummitModel) -> np.ndarray:
    """Every world's state at the close of the last turn (row 0: the start), before the next turn's events."""
    return model.state.x_closed


def _compile(scenario) -> Game:
    if isinstance(scenario, Game):
        return scenario
    if isinstance(scenario, Scenario):
        return Game(scenario)
    return Game.from_file(Path(scenario))


def seat_strategies(game: Game, humans=(), ai=None) -> list[strategies.Strategy]:
    """One strategy per seat: teams for `humans`; for the rest `ai` (one spec for all, or
    actor id -> spec), else what the scenario says for that leader (`ai:`)."""
    if isinstance(ai, dict):
        unknown = [a for a in ai if a not in game.actor_index]
        if unknown:
            raise ValueError(f"unknown leader(s) {', '.join(unknown)}; choose from {', '.join(game.actor_ids)}")
    out = []
    for slot, aid in enumerate(game.actor_ids):
        if aid in humans:
            spec = "human"
        elif isinstance(ai, dict):
            spec = ai.get(aid, game.personas[slot].ai)
        else:
            spec = ai or game.personas[slot].ai
        strategy = strategies.make(spec)
        if isinstance(strategy, strategies.Scripted):  # one spec for all names every leader's moves
            strategy = strategy.for_seat(game, slot, strict=isinstance(ai, dict))
        out.append(strategy)
    return out


class SummitModel(mesa.Model):
    """Kim, Putin, Trump and Xi (or any scenario's actors) as Mesa agents.

    `scenario` is a Scenario, a compiled Game, or a path; `worlds` runs that many independent
    worlds in lockstep (or the given world indices); `seed` (or an int `rng`) seeds the game;
    `humans` are the seats teams play; `ai` picks the computer's strategy ('fast', 'planner',
    'scripted:MOVE,...', or a dict per actor).
    """

    def __init__(self, scenario=DEFAULT_SCENARIO, worlds=1, humans=(), rng=None, seed=None, ai=None,
                 history: bool | None = None, record: bool = True, **kwargs):
        super().__init__(rng=rng, **kwargs)
        self.game = _compile(scenario)
        if seed is None:
            seed = rng if isinstance(rng, (int, np.integer)) else int(self.rng.integers(2**63 - 1))
        self.state = State(self.game, int(seed), worlds, humans, history)
        self.ai_spec = ai
        self.choices = np.full((self.state.worlds.size, self.game.n_actors), -1, dtype=np.intp)
        self.human_choices: dict[str, str] = {}
        self.answers: dict[tuple[str, str, str], bool] = {}
        self.last_record = None
        self._plan: planner.Plan | None = None
        self.classroom: dict | None = None  # a class's settings, kept in its saves (game.session.Settings)
        for slot, strategy in enumerate(seat_strategies(self.game, humans, ai)):
            Leader(self, slot, strategy)
        reporters = {"x": _x} if record else {}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        self.datacollector.collect(self)
        self.running = not self.state.is_terminal()

    # --- a turn ---------------------------------------------------------------------------

    def leader(self, actor: str) -> Leader:
        return next(a for a in self.agents if a.actor_id == actor)

    def submit(self, choices: dict[str, str] | None = None, answers: dict | None = None) -> None:
        """The teams' moves (actor -> move id) and answers ({(kind, actor, move id): yes}) for this turn."""
        if choices:
            self.state.choice_array(choices, base=self.choices)  # checks them: ValueError if not allowed
            self.human_choices.update(choices)
        self.answers.update(answers or {})

    def step(self) -> None:
        """One turn in every world: leaders choose through their strategies, then the rules resolve."""
        if self.state.is_terminal():
            self.running = False
            return
        self.agents.do("choose")
        by_hand = dict(self.human_choices)
        self.last_record = self.state.apply_actions(self.choices, self.answers)
        if self.last_record is not None:
            self.last_record.by_hand = [a for a in self.game.actor_ids if a in by_hand]
        self.human_choices, self.answers, self._plan = {}, {}, None
        self.datacollector.collect(self)
        self.running = not self.state.is_terminal()

    def run(self) -> None:
        """Play to the end."""
        while self.running:
            self.step()

    def plan(self, slots=None) -> planner.Plan:
        """The planner's rollout values this turn (for its leaders, or the given seats)."""
        if slots is None and self._plan is not None:
            return self._plan
        chosen = tuple(slots) if slots is not None else tuple(
            a.slot for a in self.agents if isinstance(a.strategy, strategies.Planner))
        g = self.game
        result = planner.plan(g, self.state.worlds, chosen, self.state.policy(), g.planner_rollouts, g.planner_horizon)
        if slots is None:
            self._plan = result
        return result

    # --- what it recorded ------------------------------------------------------------------

    def trajectory(self) -> np.ndarray:
        """[turns so far + 1, W, T]: every world's state after each turn (row 0: the start)."""
        return np.stack(self.datacollector.model_vars["x"])

    def series(self, world: int = 0) -> dict[str, np.ndarray]:
        """One world over the turns so far: factors [t+1, F], pairs [t+1, Q], relations [t+1, A, A]."""
        x = self.trajectory()[:, world]
        F = self.game.n_factors
        return {"factors": x[:, :F], "pairs": x[:, F:], "relations": rules.relation_matrix(self.game, x[:, F:])}

    # --- save and load -------------------------------------------------------------------------

    def save(self, classroom: dict | None = None) -> str:
        """A class game as a save file's text: the state, the recorded series of world 0, how each
        seat is played and the class's settings (game.saves: a checksum; read back under checks)."""
        from .saves import dumps

        data = self.state.to_data()
        data["series"] = [x[0].tolist() for x in self.datacollector.model_vars["x"]]
        data["strategies"] = {a.actor_id: a.strategy.name for a in self.agents}
        classroom = classroom if classroom is not None else self.classroom
        if classroom is not None:
            data["classroom"] = dict(classroom)
        return dumps(data)

    @classmethod
    def load(cls, text: str, source: str | None = None) -> SummitModel:
        """A saved class game; SaveError (a ValueError) saying why when the file is damaged or foreign."""
        from .errors import SaveError
        from .saves import loads

        game, data, arrays = loads(text, source)
        if "series" not in arrays or data.get("strategies") is None or len(arrays["index"]) != 1:
            raise SaveError(f"{source + ': ' if source else ''}cannot load the saved game: it is not a class game "
                            "(one world, with its series and how each seat is played)")
        state = State.from_data(game, data, arrays)
        ai = {a: spec for a, spec in data["strategies"].items() if spec != "human"}
        model = cls(game, worlds=state.worlds.index, humans=state.humans, seed=state.seed, ai=ai or None,
                    history=state.keep_history)
        model.state = state
        model.datacollector.model_vars["x"] = [row[None, :].copy() for row in arrays["series"]]
        model.classroom = data.get("classroom")
        model.running = not state.is_terminal()
        return model


def simulate(game: Game, seed: int, worlds, record_steps: bool = False, ai=None) -> dict[str, np.ndarray]:
    """Play AI-only worlds to the end in lockstep through the model; their outcomes as arrays."""
    model = SummitModel(game, worlds=worlds, seed=seed, ai=ai, history=False, record=record_steps)
    model.run()
    w = model.state.worlds
    out = {
        "world": w.index.copy(),
        "factors": w.factors.copy(),
        "relations": rules.relation_matrix(game, w.pairs),
        "scores": w.scores.copy(),
        "closest": rules.closest_partners(game, w.pairs),
        "blocs": rules.best_blocs(game, w.pairs),
        "outcomes": w.happened.copy(),
        "move_counts": w.move_chosen.copy(),
        "persona": w.persona.copy(),
    }
    if record_steps:
        traj = model.trajectory()  # [T+1, W, X]
        out["factor_series"] = traj[:, :, : game.n_factors]
        out["relation_series"] = rules.relation_matrix(game, traj[:, :, game.n_factors :])
    return out


__all__ = ["SummitModel", "simulate", "seat_strategies"]
