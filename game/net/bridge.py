"""The one door from the networked classroom to the turn flow `Session`.

The hot-seat window drives a `Session` one team at a time (hand-over, choose, answer).
A networked class collects every team's choice and answer at once, then feeds them to the
same `Session` in the same order a hot-seat class would press the keys, so both give the
same game. Only this module knows the Session's phases.
"""

from __future__ import annotations

from pathlib import Path

from game import narrate
from game.state import Question
from game.ui import session as flow
from game.ui.session import Session

# The Session's phases, by what the bridge does in them.
_HANDOVERS = {flow.HANDOVER, flow.VETO_HANDOVER}
_CHOOSE, _ANSWER, _READY = flow.CHOOSE, flow.VETO, flow.AI_READY
_RESULTS = {flow.ANIMATING, flow.RESOLVED}


class Bridge:
    """A class game's Session, driven a month at a time with everyone's choices and answers."""

    def __init__(self, session: Session):
        self.session = session

    @classmethod
    def new(cls, scenario_path: Path, scenario, humans, seed: int, ai=None) -> Bridge:
        return cls(Session.new(scenario_path, tuple(humans), int(seed), scenario=scenario, ai=ai))

    @classmethod
    def from_json(cls, text: str) -> Bridge:
        """A saved class game (SaveError saying why when it cannot be used)."""
        return cls(Session.from_json(text))

    # --- what the game is ----------------------------------------------------------------

    @property
    def state(self):
        return self.session.state

    @property
    def game(self):
        return self.session.game

    @property
    def humans(self) -> list[str]:
        return list(self.session.humans)

    @property
    def turn(self) -> int:
        return int(self.state.turn)

    @property
    def over(self) -> bool:
        return bool(self.state.over)

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

    def submit_choices(self, choices: dict[str, str]) -> list[Question]:
        """Every team's move, fed in the hot-seat order; the questions teams must answer, in order."""
        s = self.session
        self._settle()
        while s.phase in _HANDOVERS or s.phase == _CHOOSE:
            if s.phase in _HANDOVERS:
                s.ready()
                continue
            s.choose(choices[s.current])
        return list(s.questions)

    def submit_answers(self, answers: dict[tuple[str, str, str], bool]) -> narrate.TurnReport | None:
        """The teams' answers, in the order asked; then the month is played. Its report."""
        s = self.session
        while s.phase in _HANDOVERS or s.phase == _ANSWER:
            if s.phase in _HANDOVERS:
                s.ready()
                continue
            q = s.question
            s.answer(answers[(q.kind, q.actor, q.move_id)])
        if s.phase == _READY:
            s.play_ai_turn()
        return s.last_report

    def open_next_month(self) -> None:
        """After the results: the next month (its events announced with the moves)."""
        s = self.session
        if s.phase in _RESULTS:
            s.next()
        self._settle()

    def _settle(self) -> None:
        """Skip what only a shared screen needs (the hand-over before the first choice)."""
        s = self.session
        if s.phase in _RESULTS:
            s.finish_animation()

    # --- words -----------------------------------------------------------------------------

    def question_text(self, q: Question) -> str:
        return narrate.question_text(self.state, q)

    def last_report(self) -> narrate.TurnReport | None:
        return self.session.last_report

    def history(self) -> list[narrate.TurnReport]:
        return self.session.history

    def pending_events(self) -> list[str]:
        return narrate.pending_events(self.state)

    def verdicts(self) -> dict[str, str]:
        return narrate.verdicts(self.state)

    def promises(self) -> list[str]:
        return narrate.promises(self.state)

    def log_lines(self) -> list[str]:
        return self.session.log_lines()
