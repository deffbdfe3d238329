"""One class game in progress: the turn flow, for the hot-seat window and a networked class.

A month opens (its events announced), each team chooses in secret, teams answer the vetoes
and offers put to them, everyone sees that all is in, the month is played, and its results
stay until someone moves on. ``phase`` says where the month is; the front end shows it and
calls ``ready``, ``choose``, ``answer``, ``play``, ``next`` (and the teacher ``undo``,
``inject``, ``pause``). No drawing and no pygame here: the game changes only through
``SummitModel``. The same seed and the same choices give the same game, however it is driven.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import narrate, rules
from .catalog import find_scenario
from .compiled import Game
from .errors import SaveError, ScenarioError
from .files import write_atomic
from .landscape import local_minima
from .loader import load_scenario
from .model import SummitModel
from .state import Question

# Phases of a month
EVENTS = "events"  # the month opens with events: they are announced before anyone chooses
HANDOVER = "handover"  # "Pass to X": the other teams look away (hot seat, two or more teams)
CHOOSE = "choose"  # a team picks its move
QUESTION_HANDOVER = "question_handover"
QUESTION = "question"  # a team answers a veto or an offer
READY = "ready"  # every choice and answer is in (or no team had one): play the month
RESOLVED = "resolved"  # the month's results stay on screen until someone moves on
OVER = "over"  # the game has ended: the debrief

BEFORE_RESOLUTION = (EVENTS, HANDOVER, CHOOSE, QUESTION_HANDOVER, QUESTION, READY)
TIMEOUT_RULES = ("ai", "hold")


@dataclass
class Settings:
    """What the teacher sets for a class: the advisor, a timer per choice, a shorter game."""

    advisor: bool = True
    timer: int = 0  # seconds for each team's choice; 0: no timer
    on_timeout: str = "ai"  # when time runs out: "ai" (the AI's move) or "hold" (the team's first move, holding course)
    last_turn: int | None = None  # end after this many months (None: the scenario's length)

    def checked(self, game: Game) -> Settings:
        """These settings, or ValueError saying which is out of range."""
        if not isinstance(self.advisor, bool):
            raise ValueError("advisor must be true or false")
        if not 0 <= int(self.timer) <= 3600:
            raise ValueError(f"the timer must be 0 (off) to 3600 seconds, not {self.timer}")
        if self.on_timeout not in TIMEOUT_RULES:
            raise ValueError(f"on_timeout must be one of {', '.join(TIMEOUT_RULES)}")
        if self.last_turn is not None and not 1 <= int(self.last_turn) <= game.turns:
            raise ValueError(f"a shorter game ends after 1 to {game.turns} months, not {self.last_turn}")
        return self


@dataclass
class Snapshot:
    """What the table shows: factors [F], relations [A, A], the predicted blocs and who sits in each seat."""

    factors: np.ndarray
    relations: np.ndarray
    personas: np.ndarray
    blocs: list = field(default_factory=list)


class Session:
    """A class game: the model, the teams (``humans``) and the month's flow."""

    def __init__(self, model: SummitModel, scenario_path: Path | None = None, batch: dict | None = None,
                 settings: Settings | None = None):
        self.model = model
        self.state = model.state
        self.game = model.game
        self.scenario = self.game.scenario
        self.scenario_path = Path(scenario_path) if scenario_path else None
        self.humans = list(self.state.humans)
        self.seed = int(self.state.seed)
        self.batch = batch  # {"dir": ..., "run": K} when stepping through a Monte Carlo world
        self.settings = (settings or Settings()).checked(self.game)
        self.choices: dict[str, str] = {}
        self.answers: dict[tuple[str, str, str], bool] = {}
        self.timed_out: list[str] = []  # teams whose move the timer chose this month
        self.actions: list[tuple] = []  # this month's choices and answers, newest last (undo)
        self.pending: list[str] = []
        self.questions: list[Question] = []
        self.question_index = 0
        self.current: str | None = None
        self.phase = READY
        self.paused = False
        self.time_left = 0.0
        self.last_report: narrate.TurnReport | None = None
        self.before: Snapshot | None = None
        self.after = self.snapshot()
        self._announced = -1  # the turn whose opening events were announced
        self._history: list = []
        self.begin_turn()

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def new(cls, scenario_path, humans=(), seed: int = 1, scenario=None, ai=None, settings: Settings | None = None) -> Session:
        """A new game; ScenarioError for a scenario with problems, ValueError for unknown leaders."""
        path = Path(scenario_path) if scenario_path is not None else None
        if scenario is None:
            try:
                path = find_scenario(str(scenario_path))
            except LookupError as exc:
                raise ScenarioError([f"{scenario_path}: {exc}"]) from None
            scenario = load_scenario(path)
        game = Game(scenario)
        model = SummitModel(game, worlds=1, humans=tuple(humans), seed=int(seed), ai=ai)
        return cls(model, path, settings=settings)

    @classmethod
    def from_batch(cls, batch_dir, run: int) -> Session:
        """World K of a Monte Carlo batch, AI-only, to step through month by month (the batch's
        manifest and scenario copy are checked like any file read back; BatchError otherwise)."""
        from .batch.replay import load_world

        _game, model, manifest, _values, _world = load_world(Path(batch_dir), int(run))
        return cls(model, Path(manifest.scenario.file), batch={"dir": str(batch_dir), "run": int(run)})

    # --- save and load ------------------------------------------------------------------------

    def to_json(self) -> str:
        """The model's save format (scenario, teams, seed, state, series), with the class's settings."""
        return self.model.save(classroom=asdict(self.settings))

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> Session:
        """A session from a save's text; SaveError saying what is wrong otherwise."""
        model = SummitModel.load(text, source)
        index = model.state.worlds.index
        batch = {"dir": None, "run": int(index[0])} if int(index[0]) != 0 else None
        try:
            settings = Settings(**model.classroom).checked(model.game) if model.classroom else None
        except (TypeError, ValueError) as exc:
            raise SaveError(f"{source + ': ' if source else ''}cannot load the saved game: its class settings: {exc}") from None
        return cls(model, None, batch=batch, settings=settings)

    def save(self, path) -> Path:
        """Write the game to a file, atomically (OSError when it cannot be written)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, self.to_json())
        return path

    @classmethod
    def load(cls, path) -> Session:
        """A saved game from a file, checked part by part (game.saves); SaveError naming the file otherwise."""
        from .saves import read

        return cls.from_json(read(path), str(path))

    def save_name(self, stamp: str | None = None) -> str:
        """A file name for a save: the scenario, the month the screen shows and a time stamp."""
        stamp = stamp or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        turn = self.shown_turn()
        month = self.game.date_of_turn(min(turn, self.game.turns - 1)).strftime("%b%Y").lower()
        return f"{self.scenario.id}-turn{turn + 1:02d}-{month}-{stamp}.json"

    def autosave(self, folder) -> Path:
        """Keep this game's autosave in a folder up to date (one file per scenario, replaced atomically)."""
        return self.save(Path(folder) / autosave_name(self.scenario.id))

    # --- who and what ---------------------------------------------------------------------------

    @property
    def actor_ids(self) -> list[str]:
        return list(self.game.actor_ids)

    @property
    def last_turn(self) -> int:
        return int(self.settings.last_turn or self.game.turns)

    @property
    def over(self) -> bool:
        """The game has ended: the scenario's last month, or the teacher's shorter game."""
        return self.state.over or self.state.turn >= self.last_turn

    def shown_turn(self) -> int:
        """The month the screen is about (0-based): the one whose results are shown, else the one being played."""
        if self.phase in (RESOLVED, OVER) and self.state.records:
            return self.state.records[-1].turn
        return self.state.turn

    def shown_date(self) -> dt.date:
        return self.game.date_of_turn(min(self.shown_turn(), self.game.turns - 1))

    def persona(self, aid: str):
        """Who the screen shows in a seat: while a month's results are shown, whoever held it then."""
        return self.game.personas[int(self.after.personas[self.game.actor_index[aid]])] if self.phase == RESOLVED \
            else self.state.persona(aid)

    def name(self, aid: str | None) -> str:
        return "" if aid is None else self.persona(aid).name

    def follow(self, text: str) -> str:
        """A scenario text with departed leaders' names replaced by whoever holds their seats now."""
        return narrate.follow(text, narrate.successor_names(self.game, self.after.personas if self.phase == RESOLVED
                                                            else self.state.worlds.persona[0]))

    def short_name(self, aid: str) -> str:
        """A compact label; when two seats would share it, the full name."""
        mine = self.persona(aid).short_name
        if sum(1 for other in self.game.actor_ids if self.persona(other).short_name == mine) > 1:
            return self.name(aid)
        return mine

    def snapshot(self, closed: bool = False) -> Snapshot:
        """The table now (closed: as the last month closed, before the next month's events)."""
        x = (self.state.x_closed if closed else self.state.worlds.x)[0]
        record = self.state.records[-1] if closed and self.state.records else None
        personas = np.array(record.personas if record else self.state.worlds.persona[0], dtype=np.intp)
        F = self.game.n_factors
        relations = rules.relation_matrix(self.game, x[F:])
        return Snapshot(x[:F].copy(), relations, personas, list(local_minima(self.game.power, relations)))

    @property
    def history(self) -> list[narrate.TurnReport]:
        """Every month so far in words, oldest first."""
        if len(self._history) != len(self.state.records):
            self._history = narrate.history(self.state)
        return self._history

    def series(self) -> dict:
        return self.model.series()

    def brief(self, actor: str | None = None):
        """The role brief of a team's leader (goals strongest first, tools, horizon, who can block it)."""
        from .briefs import brief

        return brief(self.state, actor or self.current)

    def reasons(self, k: int = -1) -> dict:
        """Month k's outcomes explained (chance, roll, why it failed or was blocked), by leader."""
        from .explain import reasons

        if not self.state.records:
            return {}
        return {r.actor: r for r in reasons(self.state, self.state.records[k])}

    def what_moved(self) -> dict:
        """What moved each relation and factor in the last month played: target index -> Change."""
        from .explain import what_moved

        if not self.state.records:
            return {}
        return {c.target: c for c in what_moved(self.state, self.state.records[-1], self.state.x_closed[0])}

    def pending_events(self) -> list[str]:
        """This month's opening events in words (announced before anyone chooses)."""
        return narrate.pending_events(self.state)

    def verdicts(self) -> dict[str, str]:
        return narrate.verdicts(self.state)

    def question_text(self, q: Question) -> str:
        return narrate.question_text(self.state, q)

    def promises(self) -> list[str]:
        return narrate.promises(self.state)

    def legal_moves(self, actor: str | None = None) -> list[narrate.MoveInfo]:
        """The team's moves with what each does (only while it chooses)."""
        actor = actor or self.current
        if actor is None or actor not in self.pending or self.phase not in (CHOOSE, HANDOVER):
            return []
        return narrate.moves(self.state, actor)

    def numbered_moves(self, actor: str | None = None) -> list[narrate.MoveInfo]:
        """Every move of the team, numbered the same every month; those not allowed now say why."""
        actor = actor or self.current
        if actor is None or actor not in self.pending or self.phase not in (CHOOSE, HANDOVER):
            return []
        return narrate.all_moves(self.state, actor)

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

    # --- the month --------------------------------------------------------------------------------

    def begin_turn(self) -> None:
        """A new month: announce its events first, if it has any, then the teams choose."""
        self.choices, self.answers, self.actions, self.timed_out = {}, {}, [], []
        self.questions, self.question_index = [], 0
        self.before = None
        self.after = self.snapshot()
        if self.over:
            self.phase, self.current = OVER, None
            return
        if self.state.opening and self._announced != self.state.turn:
            self._announced = self.state.turn
            self.phase, self.current = EVENTS, None
            return
        self._start_choices()

    def _start_choices(self) -> None:
        self.pending = [h for h in self.humans if h not in self.choices and self.state.legal_actions(h)]
        if self.pending:
            self._to_team(self.pending[0], CHOOSE)
        else:
            self._ask_questions()

    def _to_team(self, actor: str, phase: str) -> None:
        """The keyboard goes to a team (behind a hand-over screen when several teams share it)."""
        self.current = actor
        handover = {CHOOSE: HANDOVER, QUESTION: QUESTION_HANDOVER}[phase]
        self.phase = handover if len(self.humans) > 1 else phase
        self.time_left = float(self.settings.timer)

    def ready(self) -> None:
        """The right team is at the keyboard (after a hand-over screen)."""
        if self.phase == HANDOVER:
            self.phase = CHOOSE
        elif self.phase == QUESTION_HANDOVER:
            self.phase = QUESTION

    def choose(self, move_id: str, actor: str | None = None) -> None:
        """A team's move for this month; ValueError when it is not that team's turn or not allowed."""
        actor = actor or self.current
        if self.phase != CHOOSE or actor not in self.pending:
            raise ValueError(f"{actor} has no move to choose now")
        if move_id not in self.state.legal_actions(actor):
            raise ValueError(f"'{move_id}' is not one of {actor}'s moves this month")
        self.choices[actor] = move_id
        self.actions.append(("choose", actor))
        self.pending.remove(actor)
        if self.pending:
            self._to_team(self.pending[0], CHOOSE)
        else:
            self._ask_questions()

    def _ask_questions(self) -> None:
        full = self.state.choice_array(dict(self.choices), base=self._ai_draws())
        self.questions = self.state.questions(full) if self.humans else []
        self._next_question()

    def _next_question(self) -> None:
        if self.question_index < len(self.questions):
            self._to_team(self.questions[self.question_index].actor, QUESTION)
        else:
            self.phase, self.current = READY, None

    @property
    def question(self) -> Question | None:
        if self.phase in (QUESTION, QUESTION_HANDOVER) and self.question_index < len(self.questions):
            return self.questions[self.question_index]
        return None

    def answer(self, yes: bool) -> None:
        """The team's answer to the question put to it: block the move (a veto) or accept the offer."""
        q = self.question
        if q is None or self.phase != QUESTION:
            raise ValueError("there is no question to answer now")
        key = (q.kind, q.actor, q.move_id)
        self.answers[key] = bool(yes)
        self.actions.append(("answer", key))
        self.question_index += 1
        self._next_question()

    def undo(self) -> str | None:
        """The teacher takes back the last confirmed choice or answer, before the month is played.
        Returns what was undone in words, or None when there is nothing to undo."""
        if self.phase not in BEFORE_RESOLUTION or not self.actions:
            return None
        kind, what = self.actions.pop()
        if kind == "answer":
            del self.answers[what]
            self.question_index -= 1
            self._to_team(what[1], QUESTION)
            return f"{self.name(what[1])}'s answer was taken back: the team answers again."
        del self.choices[what]
        self.questions, self.question_index = [], 0
        self.pending = [h for h in self.humans if h not in self.choices and self.state.legal_actions(h)]
        self.pending.sort(key=lambda h: (h != what, self.humans.index(h)))  # the undone team chooses first
        if what in self.timed_out:
            self.timed_out.remove(what)
        self._to_team(what, CHOOSE)
        return f"{self.name(what)}'s move was taken back: the team chooses again."

    def play(self) -> None:
        """Play the month once every choice and answer is in (READY)."""
        if self.phase == READY:
            self.resolve()

    def resolve(self) -> None:
        """Resolve the month: the computer chooses for the other leaders, then the rules."""
        if self.over:
            self.phase = OVER
            return
        self.before = self.snapshot()
        self.model.submit(dict(self.choices), dict(self.answers))
        self.model.step()
        record = self.model.last_record
        self.last_report = narrate.report(self.state, record) if record is not None else None
        self.after = self.snapshot(closed=True)
        self.current, self.pending = None, []
        self.phase = RESOLVED

    def next(self) -> None:
        """After the results (or the month's events): on to the next step."""
        if self.phase == RESOLVED:
            self.begin_turn()
        elif self.phase == EVENTS:
            self._start_choices()

    def autoplay(self, turns: int) -> None:
        """The computer plays every leader for some months (no teams asked)."""
        for _ in range(max(0, int(turns))):
            if self.over:
                break
            self.choices, self.answers = {}, {}
            self.resolve()
        self._announced = -1
        self.begin_turn()

    # --- the teacher's controls ---------------------------------------------------------------

    def pause(self, paused: bool = True) -> None:
        self.paused = bool(paused)

    def tick(self, seconds: float) -> bool:
        """Let time pass for the timer; True when it ran out and the team's move was chosen for it."""
        if self.phase != CHOOSE or not self.settings.timer or self.paused or self.current is None:
            return False
        self.time_left = max(0.0, self.time_left - seconds)
        if self.time_left > 0:
            return False
        actor = self.current
        self.timed_out.append(actor)
        self.choose(self._fallback(actor), actor)
        return True

    def _fallback(self, actor: str) -> str:
        """The move a team gets when its time runs out: the AI's pick, or its first move (hold course)."""
        if self.settings.on_timeout == "hold":
            return self.state.legal_actions(actor)[0]
        return self.game.move_ids[int(self.state.ai_choice(self.game.actor_index[actor])[0])]

    def inject(self, outcome: str) -> None:
        """The teacher sets off a random event now: the month's choices start again after it is announced."""
        if self.phase not in BEFORE_RESOLUTION:
            raise ValueError("an event can be set off only before the month is played")
        self.state.inject(outcome)
        self.model._plan = None
        self._history = []
        self.choices, self.answers, self.actions, self.timed_out = {}, {}, [], []
        self.questions, self.question_index = [], 0
        self.after = self.snapshot()
        self._announced = self.state.turn
        self.phase, self.current = EVENTS, None

    def random_events(self) -> list[tuple[str, str]]:
        """(outcome id, 'Event: outcome') of every random event a teacher may set off."""
        g = self.game
        return [(g.outcome_ids[o], f"{g.events[g.outcome_event[o]].label}: {g.outcome_labels[o]}")
                for o in range(g.n_outcomes) if not g.event_scheduled[g.outcome_event[o]]]

    # --- words for a log ------------------------------------------------------------------------

    def log_lines(self) -> list[str]:
        teams = ", ".join(self.state.actor_name(h) for h in self.humans) or "none"
        out = [f"{self.scenario.title} — seed {self.seed}; teams: {teams}"]
        for rep in self.history:
            out.extend(rep.lines())
        return out

    def _ai_draws(self) -> np.ndarray:
        """[W, A]: what every seat's strategy would play this month (the teams' seats: the fast AI)."""
        agents = sorted(self.model.agents, key=lambda a: a.slot)
        return np.stack([a.strategy.choose(self.model, a.slot) if a.actor_id not in self.humans
                         else self.state.ai_choice(a.slot) for a in agents], axis=1)


def autosave_name(scenario_id: str) -> str:
    return f"{scenario_id}-autosave.json"


def newest_autosave(folder) -> Path | None:
    """The most recent autosave in a folder, or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob("*-autosave.json") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


__all__ = ["Session", "Settings", "Snapshot", "newest_autosave", "autosave_name"]
