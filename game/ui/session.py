"""One game in progress at the table: the turn flow (secret choices, vetoes, resolution).

Pure logic, no drawing: the table screen shows whatever ``phase`` says, and calls
``choose``, ``ready``, ``answer``, ``next`` and ``finish_animation``. The game itself changes
only through the engine's State API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.files import write_atomic
from game.ui import engine

# Phases of a turn
HANDOVER = "handover"        # "Pass to X — press Enter when ready"
CHOOSE = "choose"            # X picks a move
VETO_HANDOVER = "veto_handover"
VETO = "veto"                # a human blocker answers a block question
AI_READY = "ai_ready"        # nobody human to ask: Space plays the turn
ANIMATING = "animating"      # lines and gauges move to the new values
RESOLVED = "resolved"        # the news is shown; Space continues
OVER = "over"                # the game has ended: debrief


@dataclass
class Snapshot:
    factors: np.ndarray
    relations: np.ndarray
    blocs: list = field(default_factory=list)


class Session:
    def __init__(self, scenario, game, state, scenario_path: Path | None, humans, seed: int,
                 batch: dict | None = None):
        self.scenario = scenario
        self.game = game
        self.state = state
        self.scenario_path = Path(scenario_path) if scenario_path else None
        self.humans = [h for h in humans if h in game.actor_ids]
        self.seed = int(seed)
        self.batch = batch  # {"dir":..., "run": K} when replaying a Monte Carlo world
        self.choices: dict[str, str] = {}
        self.blocks: dict[tuple[str, str], bool] = {}
        self.pending: list[str] = []
        self.questions: list = []
        self.question_index = 0
        self.current: str | None = None
        self.phase = AI_READY
        self.last_report = None
        self.before: Snapshot | None = None
        self.after: Snapshot | None = None
        self.anim_t = 1.0
        self.anim_duration = 1.4
        self.after = self.snapshot()
        self.begin_turn()

    # --- construction ---------------------------------------------------------------

    @classmethod
    def new(cls, scenario_path, humans=(), seed: int = 1, scenario=None) -> "Session":
        scenario = scenario if scenario is not None else engine.load_scenario(scenario_path)
        game = engine.compile_game(scenario)
        humans = tuple(h for h in humans if h in game.actor_ids)
        state = game.new_state(int(seed), worlds=1, humans=humans)
        return cls(scenario, game, state, scenario_path, humans, seed)

    @classmethod
    def from_batch(cls, batch_dir, run: int) -> "Session":
        """World K of a Monte Carlo batch, AI-only, to step through turn by turn (the batch's
        manifest and scenario copy are checked like any file read back)."""
        from game.batch.replay import ReplayError, load_world

        try:
            game, state, manifest, _values, _world = load_world(Path(batch_dir), int(run))
        except ReplayError as exc:
            raise engine.ScenarioProblem(str(exc)) from None
        return cls(game.scenario, game, state, Path(manifest.scenario.file), (), manifest.seed,
                   batch={"dir": str(batch_dir), "run": int(run)})

    # --- save / load ------------------------------------------------------------------

    def to_json(self) -> str:
        """The engine's own save format (it holds the scenario, the humans and the seed)."""
        return self.state.to_json()

    @classmethod
    def from_json(cls, text: str) -> "Session":
        """Rebuild a session from a save; SaveError (a ValueError) saying what is wrong otherwise."""
        state = engine.state_class().from_json(text)
        game = state.game
        humans = [str(h) for h in state.humans]
        index = state.worlds.index
        batch = None
        if len(index) == 1 and int(index[0]) != 0:
            batch = {"dir": None, "run": int(index[0])}
        return cls(game.scenario, game, state, None, humans, int(state.seed), batch=batch)

    def save(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, self.to_json())
        return path

    @classmethod
    def load(cls, path) -> "Session":
        """A saved game from a file: a regular file under a size cap, checked part by part
        (game.saves); SaveError naming the file otherwise."""
        from game.errors import SaveError
        from game.saves import read

        text = read(path)
        try:
            return cls.from_json(text)
        except SaveError as exc:
            raise SaveError(f"{path}: {exc}") from None

    # --- helpers ------------------------------------------------------------------------

    @property
    def actor_ids(self) -> list[str]:
        return list(self.game.actor_ids)

    @property
    def factor_ids(self) -> list[str]:
        return list(self.game.factor_ids)

    def name(self, aid: str | None) -> str:
        if aid is None:
            return ""
        try:
            return str(self.state.actor_name(aid))
        except Exception:  # noqa: BLE001
            return str(aid)

    def short_name(self, aid: str) -> str:
        """The engine's short name for compact labels. When two leaders would share a
        short name, both show their full names instead."""
        mine = self._short(aid)
        if sum(1 for other in self.game.actor_ids if self._short(other) == mine) > 1:
            return self.name(aid)
        return mine

    def _short(self, aid: str) -> str:
        try:
            return self.state.actor_short_name(aid)
        except Exception:  # noqa: BLE001
            return str(aid)

    def snapshot(self) -> Snapshot:
        f = self.state.factors()
        factors = np.array([float(f.get(k, 0.0)) for k in self.factor_ids])
        rel = np.asarray(self.state.relations(), dtype=float)
        try:
            blocs = list(self.state.blocs())
        except Exception:  # noqa: BLE001 - blocs are decoration; never fail a turn on them
            blocs = []
        return Snapshot(factors, rel, blocs)

    # --- the turn flow ----------------------------------------------------------------

    def begin_turn(self):
        self.choices, self.blocks, self.questions, self.question_index = {}, {}, [], 0
        if self.state.over:
            self.phase, self.current = OVER, None
            return
        self.pending = [h for h in self.humans if self.state.legal_moves(h)]
        if self.pending:
            self.current = self.pending[0]
            self.phase = HANDOVER if len(self.humans) > 1 else CHOOSE
        else:
            self.current = None
            self.phase = AI_READY

    def ready(self):
        """The player at the keyboard is the right one (after a hand-over screen)."""
        if self.phase == HANDOVER:
            self.phase = CHOOSE
        elif self.phase == VETO_HANDOVER:
            self.phase = VETO

    def legal_moves(self):
        if self.current is None or self.phase != CHOOSE:
            return []
        return list(self.state.legal_moves(self.current))

    def choose(self, move_id: str):
        if self.phase != CHOOSE or self.current is None:
            return
        legal = {m.id for m in self.state.legal_moves(self.current)}
        if move_id not in legal:
            return
        self.choices[self.current] = move_id
        self.pending.pop(0)
        if self.pending:
            self.current = self.pending[0]
            self.phase = HANDOVER
            return
        self.questions = list(self.state.block_questions(dict(self.choices)))
        self.question_index = 0
        self._next_question()

    def _next_question(self):
        if self.question_index < len(self.questions):
            q = self.questions[self.question_index]
            self.current = q.blocker
            self.phase = VETO_HANDOVER if len(self.humans) > 1 else VETO
        else:
            self.resolve()

    @property
    def question(self):
        if self.phase in (VETO, VETO_HANDOVER) and self.question_index < len(self.questions):
            return self.questions[self.question_index]
        return None

    def answer(self, block: bool):
        q = self.question
        if q is None or self.phase != VETO:
            return
        self.blocks[(q.blocker, q.move_id)] = bool(block)
        self.question_index += 1
        self._next_question()

    def resolve(self):
        """Play the turn: the AI picks for the leaders without a choice."""
        if self.state.over:
            self.phase = OVER
            return
        self.before = self.snapshot()
        self.last_report = self.state.advance(dict(self.choices), dict(self.blocks))
        self.after = self.snapshot()
        self.current = None
        self.anim_t = 0.0
        self.phase = ANIMATING

    def play_ai_turn(self):
        if self.phase == AI_READY:
            self.resolve()

    def update(self, dt_s: float):
        if self.phase == ANIMATING:
            self.anim_t = min(1.0, self.anim_t + dt_s / self.anim_duration)
            if self.anim_t >= 1.0:
                self.finish_animation()

    def finish_animation(self):
        if self.phase == ANIMATING:
            self.anim_t = 1.0
            self.phase = RESOLVED

    def next(self):
        """Space after the news: the next turn (or the end)."""
        if self.phase == ANIMATING:
            self.finish_animation()
        if self.phase == RESOLVED:
            self.begin_turn()

    def autoplay(self, turns: int):
        """The AI plays every leader for `turns` turns (no animation)."""
        for _ in range(max(0, int(turns))):
            if self.state.over:
                break
            self.choices, self.blocks = {}, {}
            self.resolve()
            self.finish_animation()
        self.begin_turn()

    def shown(self) -> Snapshot:
        """What the table shows now: interpolated while animating."""
        from game.ui.draw import ease

        if self.phase != ANIMATING or self.before is None or self.after is None:
            return self.after
        t = ease(self.anim_t)
        b, a = self.before, self.after
        if b.factors.shape != a.factors.shape or b.relations.shape != a.relations.shape:
            return a
        return Snapshot(b.factors + (a.factors - b.factors) * t, b.relations + (a.relations - b.relations) * t,
                        a.blocs if t > 0.5 else b.blocs)

    def log_lines(self) -> list[str]:
        out = [f"{self.scenario.title} — seed {self.seed}; humans: {', '.join(self.name(h) for h in self.humans) or 'none'}"]
        for rep in self.state.history:
            try:
                out.extend(str(x) for x in rep.lines())
            except Exception:  # noqa: BLE001
                out.append(str(rep))
        return out

