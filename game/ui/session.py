"""One game in progress at the table: the turn flow (secret choices, vetoes, resolution).

Pure logic, no drawing: the table screen shows whatever ``phase`` says, and calls
``choose``, ``ready``, ``answer``, ``next`` and ``finish_animation``. The game itself changes
only through the engine's State API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game import narrate
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
    def __init__(self, scenario, game, model, scenario_path: Path | None, humans, seed: int,
                 batch: dict | None = None):
        self.scenario = scenario
        self.game = game
        self.model = model
        self.state = model.state
        self.scenario_path = Path(scenario_path) if scenario_path else None
        self.humans = [h for h in humans if h in game.actor_ids]
        self.seed = int(seed)
        self.batch = batch  # {"dir":..., "run": K} when replaying a Monte Carlo world
        self.choices: dict[str, str] = {}
        self.answers: dict[tuple[str, str, str], bool] = {}
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
        self._history: list = []
        self.after = self.snapshot()
        self.begin_turn()

    # --- construction ---------------------------------------------------------------

    @classmethod
    def new(cls, scenario_path, humans=(), seed: int = 1, scenario=None, ai=None) -> "Session":
        scenario = scenario if scenario is not None else engine.load_scenario(scenario_path)
        game = engine.compile_game(scenario)
        humans = tuple(h for h in humans if h in game.actor_ids)
        model = engine.new_model(game, humans=humans, seed=int(seed), ai=ai)
        return cls(scenario, game, model, scenario_path, humans, seed)

    @classmethod
    def from_batch(cls, batch_dir, run: int) -> "Session":
        """World K of a Monte Carlo batch, AI-only, to step through turn by turn (the batch's
        manifest and scenario copy are checked like any file read back)."""
        from game.batch.replay import ReplayError, load_world

        try:
            game, model, manifest, _values, _world = load_world(Path(batch_dir), int(run))
        except ReplayError as exc:
            raise engine.ScenarioProblem(str(exc)) from None
        return cls(game.scenario, game, model, Path(manifest.scenario.file), (), manifest.seed,
                   batch={"dir": str(batch_dir), "run": int(run)})

    # --- save / load ------------------------------------------------------------------

    def to_json(self) -> str:
        """The model's save format (it holds the scenario, the humans, the seed and the series)."""
        return self.model.save()

    @classmethod
    def from_json(cls, text: str) -> "Session":
        """Rebuild a session from a save; SaveError (a ValueError) saying what is wrong otherwise."""
        model = engine.load_model(text)
        state = model.state
        index = state.worlds.index
        batch = {"dir": None, "run": int(index[0])} if len(index) == 1 and int(index[0]) != 0 else None
        return cls(state.game.scenario, state.game, model, None, list(state.humans), int(state.seed), batch=batch)

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
        return "" if aid is None else self.state.actor_name(aid)

    def short_name(self, aid: str) -> str:
        """The engine's short name for compact labels. When two leaders would share a
        short name, both show their full names instead."""
        mine = self._short(aid)
        if sum(1 for other in self.game.actor_ids if self._short(other) == mine) > 1:
            return self.name(aid)
        return mine

    def _short(self, aid: str) -> str:
        return self.state.actor_short_name(aid)

    def snapshot(self) -> Snapshot:
        f = self.state.factors()
        factors = np.array([float(f.get(k, 0.0)) for k in self.factor_ids])
        rel = np.asarray(self.state.relations(), dtype=float)
        return Snapshot(factors, rel, list(self.state.blocs()))

    # --- what the screens show ----------------------------------------------------------

    @property
    def history(self) -> list:
        """Every turn so far in words (narrate.TurnReport), oldest first."""
        records = self.state.records
        if len(self._history) != len(records):
            self._history = [narrate.report(self.state, r) for r in records]
        return self._history

    def series(self) -> dict:
        return self.model.series()

    def pending_events(self) -> list[str]:
        return narrate.pending_events(self.state)

    def verdicts(self) -> dict[str, str]:
        return narrate.verdicts(self.state)

    def question_text(self, q) -> str:
        return narrate.question_text(self.state, q)

    def promises(self) -> list[str]:
        """Open promises in words, with their deadlines."""
        return narrate.promises(self.state)

    def office_change(self, aid: str) -> tuple[str, int] | None:
        """The next vote or end of term for a seat's current holder: (what, months from now), or None."""
        g, w, turn = self.game, self.state.worlds, self.state.turn
        a = g.actor_index[aid]
        votes = [t for e, t, _ in g.replacing[a] if t >= turn and not w.fired[0, e]]
        if votes:
            return "Election", min(votes) - turn
        if w.term_end[0, a] < 10**6:
            kind = self.state.persona(aid).term.kind
            return ("Election" if kind == "election" else "End of term"), int(w.term_end[0, a]) - turn
        return None

    # --- the turn flow ----------------------------------------------------------------

    def begin_turn(self):
        self.choices, self.answers, self.questions, self.question_index = {}, {}, [], 0
        if self.state.over:
            self.phase, self.current = OVER, None
            return
        self.pending = [h for h in self.humans if self.state.legal_actions(h)]
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
        return narrate.moves(self.state, self.current)

    def choose(self, move_id: str):
        if self.phase != CHOOSE or self.current is None:
            return
        if move_id not in self.state.legal_actions(self.current):
            return
        self.choices[self.current] = move_id
        self.pending.pop(0)
        if self.pending:
            self.current = self.pending[0]
            self.phase = HANDOVER
            return
        self.model.submit(dict(self.choices))
        self.questions = self.state.questions(self.state.choice_array(dict(self.choices), base=self._ai_draws()))
        self.question_index = 0
        self._next_question()

    def _next_question(self):
        if self.question_index < len(self.questions):
            q = self.questions[self.question_index]
            self.current = q.actor
            self.phase = VETO_HANDOVER if len(self.humans) > 1 else VETO
        else:
            self.resolve()

    @property
    def question(self):
        if self.phase in (VETO, VETO_HANDOVER) and self.question_index < len(self.questions):
            return self.questions[self.question_index]
        return None

    def answer(self, yes: bool):
        """A team's answer to the current question: block it (a veto) or accept the offer."""
        q = self.question
        if q is None or self.phase != VETO:
            return
        self.answers[(q.kind, q.actor, q.move_id)] = bool(yes)
        self.question_index += 1
        self._next_question()

    def resolve(self):
        """Play the turn: the AI picks for the leaders without a choice."""
        if self.state.over:
            self.phase = OVER
            return
        self.before = self.snapshot()
        self.model.submit(dict(self.choices), dict(self.answers))
        self.model.step()
        self.last_report = narrate.report(self.state, self.model.last_record) if self.model.last_record else None
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
            self.choices, self.answers = {}, {}
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
        for rep in self.history:
            out.extend(rep.lines())
        return out

    def _ai_draws(self) -> np.ndarray:
        """[W, A]: what every seat's strategy would play this turn (teams' seats: the fast AI)."""
        return np.stack([a.strategy.choose(self.model, a.slot) if a.actor_id not in self.humans
                         else self.state.ai_choice(a.slot) for a in sorted(self.model.agents, key=lambda a: a.slot)], axis=1)

