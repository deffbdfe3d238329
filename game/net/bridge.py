"""The one door from the networked classroom to the turn flow `game.session.Session`.

The hot-seat window drives a `Session` one team at a time (hand-over, choose, answer, play).
A networked class collects every team's choice and answer at once, then feeds them to the
same `Session` in the same order a hot-seat class would press the keys, so both give the
same game. Only this module knows the Session's phases.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from game import export, narrate, scorecard
from game import session as flow
from game.session import Session, Settings
from game.state import Question

# The Session's phases, by what the bridge does in them.
_HANDOVERS = (flow.HANDOVER, flow.QUESTION_HANDOVER)


class Bridge:
    """A class game's Session, driven a month at a time with everyone's choices and answers."""

    def __init__(self, session: Session):
        self.session = session
        self._compared: dict[tuple[str, int], scorecard.Comparison] = {}
        self.views: dict = {}  # what the pages derive from the months played (pages.memo)
        self._settle()

    @classmethod
    def new(cls, scenario_path: Path, scenario, humans, seed: int, ai=None, settings: Settings | None = None) -> Bridge:
        return cls(Session.new(scenario_path, tuple(humans), int(seed), scenario=scenario, ai=ai, settings=settings))

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> Bridge:
        """A saved class game (SaveError saying why when it cannot be used)."""
        return cls(Session.from_json(text, source))

    # --- what the game is ----------------------------------------------------------------

    @property
    def state(self):
        return self.session.state

    @property
    def game(self):
        return self.session.game

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def humans(self) -> list[str]:
        return list(self.session.humans)

    @property
    def turn(self) -> int:
        return int(self.state.turn)

    @property
    def over(self) -> bool:
        """The game has ended (the scenario's last month, or the teacher's shorter game)."""
        return bool(self.session.over)

    def to_json(self) -> str:
        return self.session.to_json()

    def teams_to_choose(self) -> list[str]:
        """The teams with a move to make this month."""
        return [] if self.over else [h for h in self.humans if self.state.legal_actions(h)]

    def moves(self, actor: str) -> list[narrate.MoveInfo]:
        return [] if self.over else narrate.moves(self.state, actor)

    def fallback(self, actor: str, rule: str) -> str:
        """A team's move when its time runs out: the AI's pick ('ai'), or its first move, holding course ('hold')."""
        if rule == "hold":
            return self.state.legal_actions(actor)[0]
        return self.game.move_ids[int(self.state.ai_choice(self.game.actor_index[actor])[0])]

    # --- the month ----------------------------------------------------------------------

    def submit_choices(self, choices: dict[str, str], timed_out=()) -> list[Question]:
        """Every team's move, fed in the hot-seat order; the questions teams must answer, in order."""
        s = self.session
        self._settle()
        while s.phase in _HANDOVERS or s.phase == flow.CHOOSE:
            if s.phase in _HANDOVERS:
                s.ready()
                continue
            actor = s.current
            if actor in timed_out:
                s.timed_out.append(actor)
            s.choose(choices[actor], actor)
        return list(s.questions)

    def submit_answers(self, answers: dict[tuple[str, str, str], bool]) -> narrate.TurnReport | None:
        """The teams' answers, in the order asked; then the month is played. Its report."""
        s = self.session
        while s.phase in _HANDOVERS or s.phase == flow.QUESTION:
            if s.phase in _HANDOVERS:
                s.ready()
                continue
            q = s.question
            s.answer(answers[(q.kind, q.actor, q.move_id)])
        s.play()
        return s.last_report

    def open_next_month(self) -> None:
        """After the results: the next month (its events announced with the moves)."""
        s = self.session
        if s.phase == flow.RESOLVED:
            s.next()
        self._settle()

    def inject(self, outcome: str) -> None:
        """The teacher sets off a random event now, before the moves are in (ValueError when it cannot be)."""
        self.session.inject(outcome)
        self._settle()

    def random_events(self) -> list[tuple[str, str]]:
        """(outcome id, words) of every random event the teacher may set off."""
        return self.session.random_events()

    def _settle(self) -> None:
        """Skip what only a shared screen needs: the pause on the month's opening events (the
        teams' pages show them beside the moves)."""
        s = self.session
        if s.phase == flow.EVENTS:
            s.next()

    # --- what the month and the game were ------------------------------------------------------

    def closes(self):
        """[months played, T]: the state at the close of each month played."""
        return self.session.model.trajectory()[1:, 0]

    def last_record(self):
        """The last month played (`state.TurnRecord`), or None."""
        records = self.state.records
        return records[-1] if records else None

    def comparison(self, actor: str) -> scorecard.Comparison:
        """The team's score against the computer's in its seat in the same world (computed once a month)."""
        key = (actor, len(self.state.records))
        if key not in self._compared:
            self._compared[key] = scorecard.compare(self.state, actor, ai=self.session.model.ai_spec)
        return self._compared[key]

    def export_data(self) -> dict:
        """The class's game for the next lesson (game.export's format)."""
        return export.game_data(self.state, self.closes(), self.humans, asdict(self.settings))

    # --- words -----------------------------------------------------------------------------

    def question_text(self, q: Question) -> str:
        return self.session.question_text(q)

    def last_report(self) -> narrate.TurnReport | None:
        return self.session.last_report

    def history(self) -> list[narrate.TurnReport]:
        return self.session.history

    def pending_events(self) -> list[str]:
        return self.session.pending_events()

    def verdicts(self) -> dict[str, str]:
        return self.session.verdicts()

    def promises(self) -> list[str]:
        return self.session.promises()

    def log_lines(self) -> list[str]:
        return self.session.log_lines()
