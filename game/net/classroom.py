"""A networked class game: the teams choose at the same time, negotiate, and are checked.

`Classroom` holds one class game (through `Bridge`, the same turn flow as the hot-seat
window), the teams and their devices' secret tokens, the month's choices and answers as they
arrive, and the conversation. Every action names the sender's token and is checked here,
under one lock, against that token's leader, the month, the phase and the legal moves; an
action id seen before is refused, so nothing is ever applied twice. Every accepted action is
written to the journal before it is acknowledged, and `Classroom.resume` replays the journal
to the same game. No web and no drawing here: `server.py` and `projector.py` show it.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path

from game.errors import SaveError, UsageError
from game.net.bridge import Bridge
from game.net.journal import Journal
from game.safetext import control_problem
from game.session import Settings
from game.state import BLOCK, CONSENT, Question

# Phases of the class
LOBBY = "lobby"  # teams join and take leaders; the teacher starts the game
CHOOSING = "choosing"  # every team with a move chooses, at the same time
ANSWERING = "answering"  # teams answer the vetoes and offers put to them
RESULTS = "results"  # the month's results; the teacher starts the next month
OVER = "over"  # the game has ended

TIMEOUT_RULES = ("ai", "hold")
MAX_MESSAGE = 280  # characters in a message or an offer's note
MAX_LABEL = 40  # a device's name
MAX_NOTES = 5000  # messages kept in a game (then sending is refused)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
ACTION_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
EVERYONE = "all"
TEACHER = "teacher"


class Refused(UsageError):
    """An action the class will not apply; str() says why, for the team's page."""


@dataclass
class Device:
    token: str
    actor: str
    label: str


@dataclass
class Note:
    """One line of the conversation: a message, an offer (one of the sender's offer moves,
    proposed for this month) or a reply to an offer."""

    id: str
    number: int
    turn: int
    kind: str  # message | offer | reply
    sender: str  # a leader id or TEACHER
    to: str  # a leader id or EVERYONE
    text: str = ""
    move: str | None = None  # offer: the move
    offer: str | None = None  # reply: the offer's id
    accept: bool | None = None  # reply: accepted?


@dataclass
class Month:
    """What has arrived this month (cleared when the next month opens)."""

    turn: int = 0  # the month being played (0-based)
    pending: list[str] = field(default_factory=list)  # teams still choosing
    choices: dict[str, str] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    answers: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    timed_out: list[str] = field(default_factory=list)
    deadline: float | None = None  # clock time when the timer runs out


def locked(method):
    @wraps(method)
    def run(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return run


def code(n: int = 6) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


class Classroom:
    """One class game played on the teams' own devices."""

    def __init__(self, bridge: Bridge, teams=None, password: str = "", journal: Journal | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.lock = threading.RLock()
        self.bridge = bridge  # before the start: a preview with no teams, to show the table
        self.fixed_teams = list(teams) if teams else None
        self.password = str(password or "")
        self.journal = journal
        self.clock = clock
        self.code = code()
        self.teacher_key = secrets.token_urlsafe(18)
        self._secret = secrets.token_hex(16)  # team codes derive from it
        self.takeover = True  # a second device with a token already open takes over (else refused)
        self.phase = LOBBY
        self.devices: dict[str, Device] = {}
        self.notes: list[Note] = []
        self.muted: set[str] = set()  # leader ids, or EVERYONE for the whole channel
        self.month = Month()
        self.seen: set[str] = set()  # every action id applied
        self.version = 0
        self.listeners: list[Callable[[], None]] = []
        self.replaying = False
        self.last_error: str | None = None

    # --- construction ----------------------------------------------------------------------

    @classmethod
    def new(cls, scenario_path: Path, scenario, seed: int, teams=None, ai=None, journal: Journal | None = None,
            timer: int = 0, on_timeout: str = "ai", months: int | None = None, advisor: bool = True,
            **options) -> Classroom:
        """A new class game: with `teams` it starts at once, otherwise in the lobby. The teacher's
        settings (timer, its rule, a shorter game, the advisor) are the Session's, kept in its saves."""
        settings = class_settings(timer, on_timeout, months, advisor, scenario)
        room = cls(Bridge.new(scenario_path, scenario, (), seed, ai, settings), teams, journal=journal, **options)
        if journal is not None:
            journal.open(fresh=True)
            journal.write("host", code=room.code, teacher=room.teacher_key, secret=room._secret)
            journal.save_game(room.bridge.to_json())  # the lobby's game: what --resume starts from before the start
        if teams:
            room.start()
        return room

    @classmethod
    def resume(cls, journal: Journal, timer: int | None = None, on_timeout: str | None = None,
               **options) -> tuple[Classroom, str | None]:
        """The class game in a host folder, rebuilt by replaying its journal; (room, a note or None).
        The saved settings hold unless a new timer or timeout rule is given."""
        text, entries, note = journal.read()
        if text is None:
            raise SaveError(f"{journal.folder}: no {journal.game_path.name} to resume from")
        start = journal.folder / "start.json"
        first = start.read_text(encoding="utf-8") if start.exists() else None
        bridge = Bridge.from_json(first or text, str(start if first else journal.game_path))
        saved = bridge.settings
        bridge.session.settings = class_settings(saved.timer if timer is None else timer,
                                                 on_timeout or saved.on_timeout, saved.last_turn, saved.advisor,
                                                 bridge.game.scenario)
        room = cls(bridge, None, journal=journal, **options)
        room.replaying = True
        for number, entry in enumerate(entries, 1):
            try:
                room._replay(entry)
            except (Refused, KeyError, ValueError) as exc:
                raise SaveError(f"{journal.journal_path}: entry {number} ({entry['kind']}) does not fit the game: {exc}") from None
        room.replaying = False
        saved = Bridge.from_json(text, str(journal.game_path))
        if saved.turn == room.bridge.turn and saved.state.fingerprint() != room.bridge.state.fingerprint():
            raise SaveError(f"{journal.folder}: the journal and {journal.game_path.name} tell different games")
        journal.open(fresh=False)
        return room, note

    # --- notifications -----------------------------------------------------------------------

    def _changed(self) -> None:
        self.version += 1
        if not self.replaying:
            for listener in list(self.listeners):
                listener()

    def _write(self, kind: str, **fields) -> None:
        if self.journal is not None and not self.replaying:
            self.journal.write(kind, **fields)

    # --- who is who -----------------------------------------------------------------------------

    @property
    def timer(self) -> int:
        """Seconds the teams have each month (and again for questions); 0: no timer."""
        return int(self.bridge.settings.timer)

    @property
    def on_timeout(self) -> str:
        return self.bridge.settings.on_timeout

    @property
    def game(self):
        return self.bridge.game

    @property
    def started(self) -> bool:
        return self.phase != LOBBY

    @property
    def teams(self) -> list[str]:
        """The leaders played by teams (before the start: those taken so far)."""
        if self.started:
            return self.bridge.humans
        taken = {d.actor for d in self.devices.values()}
        return [a for a in self.game.actor_ids if a in taken or a in (self.fixed_teams or ())]

    def name(self, actor: str) -> str:
        if actor == TEACHER:
            return "Teacher"
        if actor == EVERYONE:
            return "all teams"
        return self.bridge.state.actor_name(actor)

    def team_code(self, actor: str) -> str:
        """A team's own code: teammates' devices (or the teacher) join that team with it."""
        digest = hmac.new(self._secret.encode(), actor.encode(), "sha256").digest()
        return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:6])

    @locked
    def device(self, token: str) -> Device:
        """The device holding this token; Refused when there is none (a forged or old token)."""
        found = self.devices.get(token) if isinstance(token, str) else None
        if found is None:
            raise Refused("This page's team token is not known here: join again with the class code.")
        return found

    # --- joining ---------------------------------------------------------------------------------

    @locked
    def join(self, actor: str = "", join_code: str = "", password: str = "", team_code: str = "",
             label: str = "") -> Device:
        """A device joins a team: with the class code (and password) for a leader no team has taken
        yet, or with that team's own code for a team that has. The device's token."""
        label = _text(label, MAX_LABEL, "A device name") or "device"
        team_code = str(team_code or "").strip().upper()
        if team_code:
            actor = next((a for a in self.game.actor_ids if hmac.compare_digest(self.team_code(a), team_code)), "")
            if not actor:
                raise Refused("That team code is not right: check it with your team or the teacher.")
        else:
            if not hmac.compare_digest(str(join_code or "").strip().upper().encode(), self.code.encode()):
                raise Refused("That class code is not right: read it again from the projector.")
            if self.password and not hmac.compare_digest(str(password or "").encode(), self.password.encode()):
                raise Refused("That password is not right: ask the teacher.")
            if actor not in self.game.actor_index:
                raise Refused("Choose a leader to play.")
            if any(d.actor == actor for d in self.devices.values()):
                raise Refused(f"{self.name(actor)} already has a team: to join it, ask that team for its team code.")
        if self.started and actor not in self.bridge.humans:
            raise Refused(f"{self.name(actor)} is played by the computer in this game.")
        if not self.started and self.fixed_teams and actor not in self.fixed_teams:
            raise Refused(f"{self.name(actor)} is played by the computer in this game.")
        dev = Device(secrets.token_urlsafe(24), actor, label)
        self._add_device(dev)
        return dev

    def _add_device(self, dev: Device) -> None:
        self.devices[dev.token] = dev
        self._write("device", token=dev.token, actor=dev.actor, label=dev.label)
        self._changed()

    @locked
    def drop(self, token: str) -> None:
        """The teacher removes a device (its token no longer works)."""
        if self.devices.pop(token, None) is not None:
            self._write("drop", token=token)
            self._changed()

    # --- the game's flow ---------------------------------------------------------------------------

    @locked
    def start(self) -> None:
        """The teacher starts the game: the leaders taken (or --teams) are the teams; the AI plays the rest."""
        if self.started:
            raise Refused("The game has already started.")
        humans = self.fixed_teams or self.teams
        bridge = self.bridge
        if bridge.humans != humans:
            s = bridge.session
            bridge = Bridge.new(s.scenario_path, bridge.game.scenario, humans, bridge.state.seed, s.model.ai_spec,
                                bridge.settings)
        self._begin(bridge)
        if self.journal is not None:
            self.journal.save_game(bridge.to_json())
            _write_new(self.journal.folder / "start.json", bridge.to_json())
        self._write("start", humans=list(humans), seed=int(bridge.state.seed), turn=bridge.turn)
        self._open_month()

    def _begin(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self.phase = CHOOSING
        self._changed()

    def _open_month(self) -> None:
        b = self.bridge
        if b.over:
            self.phase = OVER
            self._changed()
            return
        self.month = Month(turn=b.turn, pending=b.teams_to_choose())
        self.phase = CHOOSING
        self.month.deadline = self.clock() + self.timer if self.timer else None
        self._changed()
        if not self.month.pending:
            self._all_chosen()

    @locked
    def choose(self, token: str, move: str, turn: int, action_id: str) -> str:
        """A team's move for the month; what the page says back."""
        dev = self._checked(token, action_id, turn)
        actor = dev.actor
        if self.phase != CHOOSING:
            raise Refused("Moves are not being taken now" + self._why_not())
        if actor in self.month.choices:
            raise Refused(f"Your team has already confirmed its move this month: {self._label(self.month.choices[actor])}.")
        if actor not in self.month.pending:
            raise Refused("Your leader has no move to make this month.")
        if move not in self.bridge.state.legal_actions(actor):
            raise Refused("That is not one of your moves this month.")
        self._apply_choice(actor, move, action_id, timeout=False)
        return f"Confirmed: {self._label(move)}."

    def _apply_choice(self, actor: str, move: str, action_id: str, timeout: bool) -> None:
        self.seen.add(action_id)
        self._write("choose", id=action_id, turn=self.bridge.turn, actor=actor, move=move, timeout=timeout)
        self.month.choices[actor] = move
        self.month.pending.remove(actor)
        if timeout:
            self.month.timed_out.append(actor)
        self._changed()
        if not self.month.pending:
            self._all_chosen()

    def _all_chosen(self) -> None:
        """Every team has chosen: the questions go to the teams asked (offers already answered in the inbox count)."""
        ordered = {a: self.month.choices[a] for a in self.bridge.humans if a in self.month.choices}
        self.month.questions = self.bridge.submit_choices(ordered, self.month.timed_out)
        for q in self.month.questions:
            reply = self._inbox_answer(q)
            if reply is not None:
                self.month.answers[_key(q)] = reply
        self.phase = ANSWERING
        self.month.deadline = self.clock() + self.timer if self.timer else None
        self._changed()
        self._maybe_play()

    def _inbox_answer(self, q: Question) -> bool | None:
        """A team's reply to an offer made in the inbox this month answers the offer when it is made."""
        if q.kind != CONSENT:
            return None
        turn = self.bridge.turn
        offers = {n.id: n for n in self.notes if n.kind == "offer" and n.turn == turn and n.sender == q.proposer
                  and n.to == q.actor and n.move == q.move_id}
        replies = [n for n in self.notes if n.kind == "reply" and n.offer in offers]
        return replies[-1].accept if replies else None

    @locked
    def answer(self, token: str, kind: str, proposer: str, move: str, yes: bool, turn: int, action_id: str) -> str:
        """A team's answer to a veto or an offer put to it this month."""
        dev = self._checked(token, action_id, turn)
        if self.phase != ANSWERING:
            raise Refused("No question is open now" + self._why_not())
        q = Question(kind, dev.actor, proposer, move)
        if q not in self.month.questions:
            raise Refused("That question is not one put to your team this month.")
        if _key(q) in self.month.answers:
            raise Refused("Your team has already answered that question.")
        if not isinstance(yes, bool):
            raise Refused("An answer is yes or no.")
        self._apply_answer(q, yes, action_id, timeout=False)
        verb = ("block it" if yes else "let it pass") if kind == BLOCK else ("accept" if yes else "refuse")
        return f"Answered: you {verb}."

    def _apply_answer(self, q: Question, yes: bool, action_id: str, timeout: bool) -> None:
        self.seen.add(action_id)
        self._write("answer", id=action_id, turn=self.bridge.turn, actor=q.actor, question=q.kind, proposer=q.proposer,
                    move=q.move_id, yes=yes, timeout=timeout)
        self.month.answers[_key(q)] = yes
        self._changed()
        self._maybe_play()

    def unanswered(self, actor: str | None = None) -> list[Question]:
        return [q for q in self.month.questions if _key(q) not in self.month.answers and (actor is None or q.actor == actor)]

    def _maybe_play(self) -> None:
        if self.phase == ANSWERING and not self.unanswered():
            self._play()

    def _play(self) -> None:
        b = self.bridge
        turn = self.month.turn
        b.submit_answers(dict(self.month.answers))
        self.phase = OVER if b.over else RESULTS
        self.month.deadline = None
        self._write("played", turn=turn, fingerprint=b.state.fingerprint())
        if self.journal is not None and not self.replaying:
            self.journal.save_game(b.to_json())
            self.journal.save_export(self.export())
        self._changed()

    @locked
    def next_month(self) -> None:
        """The teacher moves on from the month's results."""
        if self.phase != RESULTS:
            raise Refused("The month's results are not on the table" + self._why_not())
        self._write("next", turn=self.bridge.turn)
        self.bridge.open_next_month()
        self._open_month()

    @locked
    def inject(self, outcome: str) -> str:
        """The teacher sets off a random event now, while the teams choose: every page announces it,
        and every team chooses again (its moves may have changed). What the moderator page says."""
        if self.phase != CHOOSING:
            raise Refused("An event can be set off only while the teams choose their moves" + self._why_not())
        if outcome not in dict(self.bridge.random_events()):
            raise Refused("Choose one of the scenario's random events.")
        self.bridge.inject(outcome)
        self._write("inject", turn=self.bridge.turn, outcome=outcome)
        self._open_month()
        return f"Set off: {dict(self.bridge.random_events())[outcome]}. Every team chooses again."

    @locked
    def choose_again(self, actor: str) -> str:
        """The teacher takes back a team's confirmed move (before every team has chosen): it chooses again."""
        if self.phase != CHOOSING or actor not in self.month.choices:
            raise Refused("Only a move confirmed this month, before every team has chosen, can be taken back.")
        del self.month.choices[actor]
        if actor in self.month.timed_out:
            self.month.timed_out.remove(actor)
        self.month.pending = [a for a in self.bridge.teams_to_choose() if a not in self.month.choices]
        self._write("again", turn=self.bridge.turn, actor=actor)
        self._changed()
        return f"{self.name(actor)} chooses again."

    @locked
    def tick(self) -> bool:
        """The timer: when it has run out, the teacher's rule decides for the teams still deciding. True if it did."""
        d = self.month.deadline
        if d is None or self.clock() < d or self.phase not in (CHOOSING, ANSWERING):
            return False
        self.end_wait()
        return True

    @locked
    def end_wait(self) -> None:
        """Time is up (the timer, or the teacher): the AI's move or 'hold course' for every team still
        choosing; a veto nobody answered lets the move pass, an offer nobody answered is refused."""
        phase = self.phase  # one phase at a time: the questions that follow get their own time
        if phase == CHOOSING:
            for actor in list(self.month.pending):
                self._apply_choice(actor, self.bridge.fallback(actor, self.on_timeout), _timeout_id(), timeout=True)
        elif phase == ANSWERING:
            for q in self.unanswered():
                self._apply_answer(q, False, _timeout_id(), timeout=True)

    # --- negotiation -----------------------------------------------------------------------------

    @locked
    def send(self, token: str, to: str, text: str, action_id: str) -> str:
        """A short message to another team or to every team."""
        dev = self._checked(token, action_id, None)
        self._may_talk(dev.actor, to)
        text = _text(text, MAX_MESSAGE, "A message")
        if not text:
            raise Refused("Write something to send.")
        self._add_note("message", action_id, dev.actor, to, text)
        return f"Sent to {self.name(to)}."

    @locked
    def offer(self, token: str, to: str, move: str, text: str, action_id: str) -> str:
        """Propose one of the team's offer moves to the team it is made to, for this month."""
        dev = self._checked(token, action_id, None)
        self._may_talk(dev.actor, to)
        if to == EVERYONE:
            raise Refused("An offer goes to one team.")
        if self.phase != CHOOSING or dev.actor not in self.month.pending:
            raise Refused("Offers are made while your team is choosing its move.")
        g = self.game
        if move not in self.bridge.state.legal_actions(dev.actor) or g.move_offer_to[g.move_index[move]] != g.actor_index[to]:
            raise Refused(f"That is not an offer your leader can make to {self.name(to)} this month.")
        self._add_note("offer", action_id, dev.actor, to, _text(text, MAX_MESSAGE, "A note"), move=move)
        return f"Offer sent to {self.name(to)}. It counts only if you choose that move this month."

    @locked
    def reply(self, token: str, offer_id: str, accept: bool, action_id: str) -> str:
        """Accept or refuse an offer made to the team: the team's answer if the offer is made this month."""
        dev = self._checked(token, action_id, None)
        found = next((n for n in self.notes if n.kind == "offer" and n.id == offer_id and n.to == dev.actor), None)
        if found is None:
            raise Refused("There is no such offer to your team.")
        if found.turn != self.bridge.turn or self.phase != CHOOSING:
            raise Refused("That offer was for an earlier month; it has expired.")
        if any(n.kind == "reply" and n.offer == offer_id for n in self.notes):
            raise Refused("Your team has already answered that offer.")
        if not isinstance(accept, bool):
            raise Refused("An answer is accept or refuse.")
        self._add_note("reply", action_id, dev.actor, found.sender, "", offer=offer_id, accept=accept)
        return "You accept the offer." if accept else "You refuse the offer."

    def _may_talk(self, actor: str, to: str) -> None:
        if EVERYONE in self.muted:
            raise Refused("The teacher has paused messages for now.")
        if actor in self.muted:
            raise Refused("The teacher has paused your team's messages for now.")
        if to != EVERYONE and (to not in self.teams or to == actor):
            raise Refused("Messages go to another team (or to all teams).")
        if len(self.notes) >= MAX_NOTES:
            raise Refused("This game's conversation is full.")

    def _add_note(self, kind: str, action_id: str, sender: str, to: str, text: str, move=None, offer=None,
                  accept=None) -> Note:
        self.seen.add(action_id)
        note = Note(action_id, len(self.notes) + 1, self.bridge.turn, kind, sender, to, text, move, offer, accept)
        if kind == "message":
            self._write("message", id=action_id, turn=note.turn, sender=sender, to=to, text=text)
        elif kind == "offer":
            self._write("offer", id=action_id, turn=note.turn, sender=sender, to=to, move=move, text=text)
        else:
            self._write("reply", id=action_id, turn=note.turn, sender=sender, offer=offer, accept=accept)
        self.notes.append(note)
        self._changed()
        return note

    @locked
    def teacher_message(self, text: str, action_id: str) -> None:
        """An announcement from the teacher to every team (never muted)."""
        if action_id in self.seen:
            raise Refused("Already sent.")
        text = _text(text, MAX_MESSAGE, "A message")
        if text:
            self._add_note("message", action_id, TEACHER, EVERYONE, text)

    @locked
    def mute(self, target: str, on: bool) -> None:
        """The teacher pauses (or resumes) one team's messages, or the whole channel (target 'all')."""
        if target != EVERYONE and target not in self.game.actor_index:
            raise Refused("Mute a team or the whole channel.")
        (self.muted.add if on else self.muted.discard)(target)
        self._write("mute", target=target, on=bool(on))
        self._changed()

    @locked
    def set_takeover(self, on: bool) -> None:
        """The teacher's rule for a second device opening a team page already open: take over, or be refused."""
        self.takeover = bool(on)
        self._write("setting", name="takeover", value=self.takeover)
        self._changed()

    @locked
    def export(self) -> dict:
        """The class's game for the debrief and the next lesson (game.export's format), with the conversation."""
        return {**self.bridge.export_data(), "conversation": self.conversation()}

    def conversation(self) -> list[dict]:
        """The whole conversation for the debrief and the class export: who wrote what to whom, when."""
        g = self.game
        out = []
        for n in self.notes:
            row = {"number": n.number, "month": self.month_label(n.turn), "turn": n.turn + 1, "kind": n.kind,
                   "from": self.name(n.sender) if n.sender == TEACHER else n.sender, "to": n.to, "text": n.text,
                   "move": n.move or "", "offer": n.offer or "", "accept": "" if n.accept is None else n.accept}
            if n.kind == "offer":
                row["text"] = f"{g.moves[g.move_index[n.move]].label}" + (f": {n.text}" if n.text else "")
            out.append(row)
        return out

    # --- checks -------------------------------------------------------------------------------------

    def _checked(self, token: str, action_id: str, turn: int | None) -> Device:
        """The sender's device, after the checks every action passes: its token, a fresh action id, the month."""
        dev = self.device(token)
        if not isinstance(action_id, str) or not ACTION_ID.fullmatch(action_id):
            raise Refused("An action needs an id of 8 to 40 letters, digits, '-' or '_'.")
        if action_id in self.seen:
            raise Refused("That action was already received (it counts once).")
        if turn is not None and (isinstance(turn, bool) or not isinstance(turn, int) or turn != self.bridge.turn):
            raise Refused(f"That was sent for another month; it is now {self.month_label()}. The page has been updated.")
        return dev

    def _why_not(self) -> str:
        return {LOBBY: ": the game has not started yet.", CHOOSING: ": the teams are choosing their moves.",
                ANSWERING: ": the teams are answering questions.", RESULTS: ": the month has been played.",
                OVER: ": the game is over."}[self.phase]

    def _label(self, move: str) -> str:
        return self.game.moves[self.game.move_index[move]].label

    def month_label(self, turn: int | None = None) -> str:
        t = self.bridge.turn if turn is None else turn
        return self.game.date_of_turn(min(t, self.game.turns - 1)).strftime("%B %Y")

    def seconds_left(self) -> int | None:
        d = self.month.deadline
        return None if d is None else max(0, int(round(d - self.clock())))

    # --- resume -----------------------------------------------------------------------------------

    def _replay(self, e: dict) -> None:
        kind = e["kind"]
        if kind == "host":
            self.code, self.teacher_key, self._secret = e["code"], e["teacher"], e["secret"]
        elif kind == "device":
            self._add_device(Device(e["token"], e["actor"], e["label"]))
        elif kind == "drop":
            self.devices.pop(e["token"], None)
        elif kind == "start":
            if self.bridge.humans != e["humans"]:
                raise ValueError("its teams are not the saved game's")
            self._begin(self.bridge)
            self._open_month()
        elif kind == "choose":
            self._same_turn(e)
            if e["actor"] not in self.month.pending:
                raise ValueError(f"{e['actor']} has no move to choose")
            self._apply_choice(e["actor"], e["move"], e["id"], e["timeout"])
        elif kind == "answer":
            self._same_turn(e)
            q = Question(e["question"], e["actor"], e["proposer"], e["move"])
            if q not in self.unanswered():
                raise ValueError("no such question open")
            self._apply_answer(q, e["yes"], e["id"], e["timeout"])
        elif kind in ("message", "offer", "reply"):
            offer = e.get("offer")
            to = e.get("to") or next(n.sender for n in self.notes if n.id == offer)
            self.notes.append(Note(e["id"], len(self.notes) + 1, e["turn"], kind, e["sender"], to, e.get("text", ""),
                                   e.get("move"), offer, e.get("accept")))
            self.seen.add(e["id"])
        elif kind == "mute":
            (self.muted.add if e["on"] else self.muted.discard)(e["target"])
        elif kind == "setting" and e["name"] == "takeover":
            self.takeover = bool(e["value"])
        elif kind == "played":
            if self.bridge.turn != e["turn"] + 1 or self.bridge.state.fingerprint() != e["fingerprint"]:
                raise ValueError(f"month {e['turn'] + 1} played differently")
        elif kind == "next":
            self.next_month()
        elif kind == "inject":
            self._same_turn(e)
            self.inject(e["outcome"])
        elif kind == "again":
            self._same_turn(e)
            self.choose_again(e["actor"])

    def _same_turn(self, e: dict) -> None:
        if e["turn"] != self.bridge.turn:
            raise ValueError(f"it is for month {e['turn'] + 1}, the game is at month {self.bridge.turn + 1}")


def class_settings(timer, on_timeout, months, advisor, scenario) -> Settings:
    """The teacher's settings for the Session; UsageError naming the option that is out of range."""
    if on_timeout not in TIMEOUT_RULES:
        raise UsageError(f"--on-timeout must be one of {', '.join(TIMEOUT_RULES)}, not {on_timeout!r}")
    if isinstance(timer, bool) or not isinstance(timer, int) or not 0 <= timer <= 3600:
        raise UsageError(f"--timer must be 0 (no timer) to 3600 seconds, not {timer}")
    if months is not None and not 1 <= int(months) <= scenario.turns:
        raise UsageError(f"--months must be 1 to {scenario.turns} (the scenario's length), not {months}")
    return Settings(advisor=bool(advisor), timer=timer, on_timeout=on_timeout, last_turn=months)


def _key(q: Question) -> tuple[str, str, str]:
    return (q.kind, q.actor, q.move_id)


def _timeout_id() -> str:
    return "timeout-" + secrets.token_hex(8)


def _text(value, limit: int, what: str) -> str:
    """Text a client sent: a string of at most `limit` characters, no control characters but line breaks."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused(f"{what} must be text.")
    value = value.strip()
    if len(value) > limit:
        raise Refused(f"{what} may be at most {limit} characters (this one has {len(value)}).")
    problem = control_problem(value, prose=True)
    if problem:
        raise Refused(f"{what} {problem}.")
    return value


def _write_new(path: Path, text: str) -> None:
    from game.files import write_atomic

    write_atomic(path, text)
