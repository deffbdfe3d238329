"""The networked classroom's game side (game/net/classroom.py, bridge.py, journal.py), no web:
joining, simultaneous moves, the checks every action passes, the timer's rules, offers in the
inbox, the conversation, the journal, --resume, and the same game as the hot-seat window."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from game.catalog import find_scenario
from game.errors import SaveError
from game.loader import load_scenario
from game.net import classroom as C
from game.net.journal import Journal
from game.state import BLOCK, CONSENT
from game import session as hot
from game.session import Session

PATH = Path(find_scenario("vladivostok-2019"))
SCENARIO = load_scenario(PATH)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def pick(actor: str, turn: int, legal: list[str]) -> str:
    """A scripted team: a fixed, varied choice among the month's legal moves."""
    return legal[zlib.crc32(f"{actor}:{turn}".encode()) % len(legal)]


def answer_for(q) -> bool:
    return zlib.crc32(f"{q.kind}:{q.actor}:{q.move_id}".encode()) % 2 == 0


_ids = iter(range(10**9))


def aid() -> str:
    return f"action-{next(_ids):08d}"


def room_with_teams(teams=("kim", "trump"), seed=7, journal=None, **settings):
    room = C.Classroom.new(PATH, SCENARIO, seed, teams=list(teams), journal=journal, **settings)
    devices = {t: room.join(t, room.code, label=f"{t} laptop") for t in teams}
    return room, devices


def play_month(room, devices) -> None:
    """Every team chooses (in reverse order: arrival order must not matter), then answers."""
    turn = room.bridge.turn
    for actor in reversed(list(room.month.pending)):
        room.choose(devices[actor].token, pick(actor, turn, room.bridge.state.legal_actions(actor)), turn, aid())
    for q in room.unanswered():
        room.answer(devices[q.actor].token, q.kind, q.proposer, q.move_id, answer_for(q), turn, aid())


def play_game(room, devices) -> None:
    while room.phase != C.OVER:
        play_month(room, devices)
        if room.phase == C.RESULTS:
            room.next_month()


def hot_seat_game(teams=("kim", "trump"), seed=7) -> Session:
    """The same choices and answers pressed at one keyboard, the way the hot-seat window does."""
    s = Session.new(PATH, teams, seed, scenario=SCENARIO)
    while s.phase != hot.OVER:
        if s.phase in (hot.HANDOVER, hot.QUESTION_HANDOVER):
            s.ready()
        elif s.phase == hot.CHOOSE:
            s.choose(pick(s.current, s.state.turn, s.state.legal_actions(s.current)))
        elif s.phase == hot.QUESTION:
            s.answer(answer_for(s.question))
        elif s.phase == hot.READY:
            s.play()
        else:  # the month's events announced, or its results shown
            s.next()
    return s


# --- joining --------------------------------------------------------------------------------


def test_join_needs_the_class_code_the_password_and_a_free_leader():
    room = C.Classroom.new(PATH, SCENARIO, 1, password="owl")
    assert room.phase == C.LOBBY
    with pytest.raises(C.Refused, match="class code is not right"):
        room.join("kim", "WRONG1", "owl")
    with pytest.raises(C.Refused, match="password is not right"):
        room.join("kim", room.code, "cat")
    with pytest.raises(C.Refused, match="Choose a leader"):
        room.join("nobody", room.code, "owl")
    kim = room.join("kim", room.code.lower(), "owl", label="front row")
    assert kim.actor == "kim" and len(kim.token) >= 32
    with pytest.raises(C.Refused, match="Kim Jong Un already has a team: to join it, ask that team for its team code"):
        room.join("kim", room.code, "owl")
    mate = room.join(team_code=room.team_code("kim").lower(), label="second phone")
    assert mate.actor == "kim" and mate.token != kim.token
    with pytest.raises(C.Refused, match="team code is not right"):
        room.join(team_code="ZZZZZZ")
    with pytest.raises(C.Refused, match="at most 40 characters"):
        room.join("xi", room.code, "owl", label="x" * 41)


def test_the_teacher_starts_with_the_leaders_taken_and_the_ai_plays_the_rest():
    room = C.Classroom.new(PATH, SCENARIO, 3)
    room.join("putin", room.code)
    room.join("xi", room.code)
    with pytest.raises(C.Refused, match="not being taken now: the game has not started"):
        room.choose(next(iter(room.devices)), "putin_wait", 0, aid())
    room.start()
    assert room.bridge.humans == ["putin", "xi"] and room.phase == C.CHOOSING
    assert sorted(room.month.pending) == ["putin", "xi"]
    with pytest.raises(C.Refused, match="Donald Trump is played by the computer"):
        room.join("trump", room.code)
    with pytest.raises(C.Refused, match="already started"):
        room.start()


# --- the checks every action passes --------------------------------------------------------------


def test_one_team_can_never_act_for_another_and_nothing_counts_twice():
    room, dev = room_with_teams()
    kim, trump = dev["kim"].token, dev["trump"].token
    trump_move = room.bridge.state.legal_actions("trump")[0]
    kim_move = room.bridge.state.legal_actions("kim")[0]
    with pytest.raises(C.Refused, match="not one of your moves"):
        room.choose(kim, trump_move, 0, aid())  # Kim's token, Trump's move
    with pytest.raises(C.Refused, match="token is not known"):
        room.choose("forged-token", kim_move, 0, aid())
    with pytest.raises(C.Refused, match="needs an id"):
        room.choose(kim, kim_move, 0, "short")
    with pytest.raises(C.Refused, match="another month; it is now April 2019"):
        room.choose(kim, kim_move, 3, aid())
    with pytest.raises(C.Refused, match="another month"):
        room.choose(kim, kim_move, True, aid())  # a boolean is not a month
    first = aid()
    assert room.choose(kim, kim_move, 0, first) == "Confirmed: Wait Trump out."
    with pytest.raises(C.Refused, match="already received"):
        room.choose(kim, kim_move, 0, first)  # the same action again (a retry, a replay)
    with pytest.raises(C.Refused, match="already confirmed its move this month: Wait Trump out"):
        room.choose(kim, room.bridge.state.legal_actions("kim")[1], 0, aid())
    assert room.month.choices == {"kim": kim_move} and room.month.pending == ["trump"]
    with pytest.raises(C.Refused, match="No question is open"):
        room.answer(trump, BLOCK, "putin", "putin_wait", True, 0, aid())
    room.choose(trump, trump_move, 0, aid())
    assert room.phase in (C.ANSWERING, C.RESULTS)


def test_questions_go_to_the_team_asked_and_are_checked():
    room, dev = room_with_teams(seed=7)
    while True:  # play until a month asks a team a question
        turn = room.bridge.turn
        for actor in list(room.month.pending):
            room.choose(dev[actor].token, pick(actor, turn, room.bridge.state.legal_actions(actor)), turn, aid())
        if room.unanswered():
            break
        room.next_month()
    q = room.unanswered()[0]
    other = "kim" if q.actor == "trump" else "trump"
    with pytest.raises(C.Refused, match="not one put to your team"):
        room.answer(dev[other].token, q.kind, q.proposer, q.move_id, True, turn, aid())
    with pytest.raises(C.Refused, match="yes or no"):
        room.answer(dev[q.actor].token, q.kind, q.proposer, q.move_id, "yes", turn, aid())
    word = "block it" if q.kind == BLOCK else "accept"
    assert room.answer(dev[q.actor].token, q.kind, q.proposer, q.move_id, True, turn, aid()) == f"Answered: you {word}."
    if room.phase == C.ANSWERING:
        with pytest.raises(C.Refused, match="already answered"):
            room.answer(dev[q.actor].token, q.kind, q.proposer, q.move_id, False, turn, aid())


# --- the timer -------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["ai", "hold"])
def test_when_time_runs_out_the_teachers_rule_chooses(rule):
    clock = Clock()
    room, dev = room_with_teams(timer=60, on_timeout=rule, clock=clock)
    assert room.seconds_left() == 60
    kim_move = room.bridge.state.legal_actions("kim")[2]
    room.choose(dev["kim"].token, kim_move, 0, aid())
    clock.now += 59
    assert room.tick() is False and room.month.pending == ["trump"]
    expected = room.bridge.fallback("trump", rule)
    if rule == "hold":
        assert expected == room.bridge.state.legal_actions("trump")[0]
    else:
        assert expected == room.game.move_ids[int(room.bridge.state.ai_choice(room.game.actor_index["trump"])[0])]
    clock.now += 2
    assert room.tick() is True
    assert room.month.choices == {"kim": kim_move, "trump": expected}
    assert room.month.timed_out == ["trump"]


def test_an_unanswered_question_lets_the_move_pass_or_refuses_the_offer():
    clock = Clock()
    room, dev = room_with_teams(seed=7, timer=30, clock=clock)
    while not room.unanswered():
        turn = room.bridge.turn
        for actor in list(room.month.pending):
            room.choose(dev[actor].token, pick(actor, turn, room.bridge.state.legal_actions(actor)), turn, aid())
        if room.phase == C.RESULTS:
            room.next_month()
    asked = room.unanswered()
    assert room.seconds_left() == 30  # the questions get their own time
    clock.now += 31
    turn = room.bridge.turn
    assert room.tick() and room.phase == C.RESULTS
    record = room.bridge.state.records[turn]
    for q in asked:
        a = room.game.actor_index[q.proposer]
        if q.kind == BLOCK:
            assert record.blocked_by[a] != room.game.actor_index[q.actor]
        else:
            assert record.results[a] == 3  # REFUSED


# --- negotiation ----------------------------------------------------------------------------------


def test_messages_are_checked_limited_and_private_to_their_teams():
    room, dev = room_with_teams(teams=("kim", "trump", "xi"))
    room.send(dev["kim"].token, "trump", "Meet in Hanoi? <script>alert(1)</script>", aid())
    room.send(dev["xi"].token, "all", "China wants calm.", aid())
    with pytest.raises(C.Refused, match="at most 280 characters"):
        room.send(dev["kim"].token, "trump", "x" * 281, aid())
    with pytest.raises(C.Refused, match="control character"):
        room.send(dev["kim"].token, "trump", "bell\x07", aid())
    with pytest.raises(C.Refused, match="another team"):
        room.send(dev["kim"].token, "putin", "to the computer", aid())  # Putin is the AI's
    with pytest.raises(C.Refused, match="another team"):
        room.send(dev["kim"].token, "kim", "to myself", aid())
    with pytest.raises(C.Refused, match="Write something"):
        room.send(dev["kim"].token, "trump", "   ", aid())
    from game.net.pages import conversation

    assert [n["text"] for n in conversation(room, "trump")] == ["Meet in Hanoi? <script>alert(1)</script>", "China wants calm."]
    assert [n["text"] for n in conversation(room, "xi")] == ["China wants calm."]  # not Kim's note to Trump
    assert len(conversation(room, None)) == 2  # the teacher sees everything
    room.mute("kim", True)
    with pytest.raises(C.Refused, match="paused your team's messages"):
        room.send(dev["kim"].token, "trump", "hello", aid())
    room.send(dev["trump"].token, "kim", "still here", aid())
    room.mute(C.EVERYONE, True)
    with pytest.raises(C.Refused, match="paused messages"):
        room.send(dev["trump"].token, "kim", "hello", aid())
    room.mute(C.EVERYONE, False)
    room.mute("kim", False)
    room.send(dev["kim"].token, "trump", "back", aid())


def test_an_offer_accepted_in_the_inbox_answers_the_consent_question():
    room, dev = room_with_teams(seed=7)
    kim, trump = dev["kim"].token, dev["trump"].token
    assert "trump_third_summit" in room.bridge.state.legal_actions("trump")
    with pytest.raises(C.Refused, match="not an offer your leader can make to Kim"):
        room.offer(trump, "kim", "trump_letters", "", aid())
    with pytest.raises(C.Refused, match="not an offer"):
        room.offer(kim, "trump", "trump_third_summit", "", aid())  # another leader's move
    room.offer(trump, "kim", "trump_third_summit", "Let's meet again.", aid())
    offer = room.notes[-1]
    with pytest.raises(C.Refused, match="no such offer"):
        room.reply(trump, offer.id, True, aid())  # only the team offered to answers
    assert room.reply(kim, offer.id, True, aid()) == "You accept the offer."
    with pytest.raises(C.Refused, match="already answered that offer"):
        room.reply(kim, offer.id, False, aid())
    room.choose(kim, "kim_wait", 0, aid())
    room.choose(trump, "trump_third_summit", 0, aid())
    assert all(q.kind != CONSENT for q in room.unanswered())  # Kim is not asked again
    assert room.month.answers[(CONSENT, "kim", "trump_third_summit")] is True
    while room.phase == C.ANSWERING:
        q = room.unanswered()[0]
        room.answer(dev[q.actor].token, q.kind, q.proposer, q.move_id, False, 0, aid())
    record = room.bridge.state.records[0]
    assert record.results[room.game.actor_index["trump"]] != 3  # not refused: Kim accepted
    with pytest.raises(C.Refused, match="expired"):
        room.reply(kim, offer.id, False, aid())
    from game.net.pages import conversation

    shown = next(n for n in conversation(room, "kim") if n["kind"] == "offer")
    assert shown["reply"] == "accepted" and shown["made"] is True  # the inbox says it was made that month


def test_an_offer_not_made_is_said_to_have_not_counted():
    room, dev = room_with_teams(seed=7)
    kim, trump = dev["kim"].token, dev["trump"].token
    room.offer(trump, "kim", "trump_third_summit", "", aid())
    room.reply(kim, room.notes[-1].id, True, aid())
    room.choose(trump, "trump_letters", 0, aid())  # Trump makes another move after all
    room.choose(kim, "kim_wait", 0, aid())
    room.end_wait()
    from game.net.pages import conversation

    shown = next(n for n in conversation(room, "kim") if n["kind"] == "offer")
    assert shown["reply"] == "accepted" and shown["made"] is False


# --- the teacher's controls ----------------------------------------------------------------------------


def test_the_teacher_sets_off_an_event_and_every_team_chooses_again(tmp_path):
    room, dev = room_with_teams(seed=7, journal=Journal(tmp_path / "host"))
    events = room.bridge.random_events()
    outcome, words = events[0]
    room.choose(dev["kim"].token, pick("kim", 0, room.bridge.state.legal_actions("kim")), 0, aid())
    said = room.inject(outcome)
    assert said == f"Set off: {words}. Every team chooses again."
    assert room.month.choices == {} and room.month.pending == ["kim", "trump"]
    label = words.split(": ", 1)[1]
    assert any(label in line for line in room.bridge.pending_events())
    from game.net.pages import public_view

    assert public_view(room)["events"] == room.bridge.pending_events()  # the projector announces it too
    with pytest.raises(C.Refused, match="random events"):
        room.inject("no_such_outcome")
    play_month(room, dev)
    assert room.bridge.state.records[0].injected == [room.game.outcome_index[outcome]]
    assert room.export()["turns"][0]["set_off_by_teacher"] == [outcome]
    with pytest.raises(C.Refused, match="only while the teams choose"):
        room.inject(outcome)
    # the hot seat with the same event set off at the start of the month: the same game
    seat = Session.new(PATH, ("kim", "trump"), 7, scenario=SCENARIO)
    seat.inject(outcome)
    while seat.phase not in (hot.RESOLVED, hot.OVER):
        if seat.phase in (hot.HANDOVER, hot.QUESTION_HANDOVER):
            seat.ready()
        elif seat.phase == hot.CHOOSE:
            seat.choose(pick(seat.current, 0, seat.state.legal_actions(seat.current)))
        elif seat.phase == hot.QUESTION:
            seat.answer(answer_for(seat.question))
        elif seat.phase == hot.READY:
            seat.play()
        else:
            seat.next()
    assert room.bridge.state.fingerprint() == seat.state.fingerprint()
    room.journal.close()
    again, _ = C.Classroom.resume(Journal(tmp_path / "host"))  # the journal replays it
    assert again.bridge.state.fingerprint() == room.bridge.state.fingerprint()
    again.journal.close()


def test_the_teacher_lets_a_team_choose_again(tmp_path):
    room, dev = room_with_teams(seed=7, journal=Journal(tmp_path / "host"))
    room.choose(dev["kim"].token, "kim_wait", 0, aid())
    with pytest.raises(C.Refused, match="can be taken back"):
        room.choose_again("trump")  # nothing confirmed to take back
    assert room.choose_again("kim") == "Kim Jong Un chooses again."
    assert room.month.pending == ["kim", "trump"] and room.month.choices == {}
    room.choose(dev["kim"].token, "kim_visit_beijing", 0, aid())
    room.journal.close()
    again, _ = C.Classroom.resume(Journal(tmp_path / "host"))
    assert again.month.choices == {"kim": "kim_visit_beijing"} and again.month.pending == ["trump"]
    again.journal.close()


# --- the same game as the hot seat ----------------------------------------------------------------


def test_a_networked_game_is_the_hot_seat_game_with_the_same_seed_and_choices(tmp_path):
    room, dev = room_with_teams(seed=11, journal=Journal(tmp_path / "host"))
    play_game(room, dev)
    seat = hot_seat_game(seed=11)
    assert room.bridge.state.fingerprint() == seat.state.fingerprint()
    assert room.bridge.to_json() == seat.to_json()
    assert (tmp_path / "host" / "game.json").read_text() == seat.to_json()  # the autosave is that save
    assert room.bridge.log_lines() == seat.log_lines()
    # the class's export is the hot seat's export of the same game, plus the (here empty) conversation
    from dataclasses import asdict

    from game import export

    hot_export = export.game_data(seat.state, seat.model.trajectory()[1:, 0], seat.humans, asdict(seat.settings))
    saved = json.loads((tmp_path / "host" / "class-game.json").read_text())
    assert saved == {**json.loads(json.dumps(hot_export)), "conversation": []}
    assert (tmp_path / "host" / "class-game.csv").read_text() == export.csv_text(hot_export)


# --- the journal and --resume ----------------------------------------------------------------------


def test_resume_after_a_kill_mid_month_continues_the_same_game(tmp_path):
    folder = tmp_path / "host"
    room, dev = room_with_teams(seed=5, journal=Journal(folder))
    for _ in range(3):
        play_month(room, dev)
        room.next_month()
    room.send(dev["kim"].token, "trump", "Keep talking.", aid())
    kim_move = pick("kim", room.bridge.turn, room.bridge.state.legal_actions("kim"))
    room.choose(dev["kim"].token, kim_move, room.bridge.turn, aid())  # then the host is killed
    room.journal.close()
    again, note = C.Classroom.resume(Journal(folder))
    assert note is None
    assert again.code == room.code and again.teacher_key == room.teacher_key
    assert again.bridge.state.fingerprint() == room.bridge.state.fingerprint()
    assert again.month.choices == {"kim": kim_move} and again.month.pending == ["trump"]
    assert [n.text for n in again.notes] == ["Keep talking."]
    assert again.device(dev["trump"].token).actor == "trump"  # the pages' tokens still work
    with pytest.raises(C.Refused, match="already received"):
        again.choose(dev["kim"].token, kim_move, again.bridge.turn, next(iter(room.seen)))
    play_game(again, dev)
    room2, dev2 = room_with_teams(seed=5)
    play_game(room2, dev2)
    assert again.bridge.to_json() == room2.bridge.to_json()


def test_a_line_cut_by_the_kill_is_dropped_and_said(tmp_path):
    folder = tmp_path / "host"
    room, dev = room_with_teams(journal=Journal(folder))
    room.journal.close()
    with open(folder / "journal.jsonl", "ab") as fh:
        fh.write(b'{"kind": "message", "seq": 9, "id": "abc')
    again, note = C.Classroom.resume(Journal(folder))
    assert "was cut short" in note and "journal.jsonl:5" in note
    again.send(dev["kim"].token, "trump", "after the cut", aid())
    again.journal.close()
    third, note = C.Classroom.resume(Journal(folder))
    assert note is None and [n.text for n in third.notes] == ["after the cut"]


@pytest.mark.parametrize("line, message", [
    ('{"kind": "launch", "seq": 9}', "not a journal entry this Summit writes"),
    ('{"kind": "mute", "seq": 9, "target": "kim"}', "field 'on' of a mute entry must be bool"),
    ('{"kind": "mute", "seq": 9, "target": "kim", "on": true, "x": 1}', "unexpected field"),
    ('[1, 2]', "not a journal entry"),
    ('{"kind": "message", "seq": 9, "id": "a", "turn": 0, "sender": "kim", "to": "trump", "text": "\\u001b[2J"}',
     "control character"),
    ('{"kind": "choose", "seq": 9, "id": "abcdefgh9", "turn": 4, "actor": "kim", "move": "kim_wait", "timeout": false}',
     "entry 5 \\(choose\\) does not fit the game: it is for month 5"),
    ('{"kind": "played", "seq": 9, "turn": 0, "fingerprint": "0"}', "played differently"),
])
def test_a_damaged_journal_is_refused_with_its_line(tmp_path, line, message):
    folder = tmp_path / "host"
    room, _ = room_with_teams(journal=Journal(folder))
    room.journal.close()
    with open(folder / "journal.jsonl", "a") as fh:
        fh.write(line + "\n")
    with pytest.raises(SaveError, match=message):
        C.Classroom.resume(Journal(folder))


def test_a_new_game_never_replaces_a_saved_one(tmp_path):
    folder = tmp_path / "host"
    room_with_teams(journal=Journal(folder))
    before = (folder / "journal.jsonl").read_bytes()
    with pytest.raises(SaveError, match="already holds a class game; continue it with --resume"):
        room_with_teams(journal=Journal(folder))
    assert (folder / "journal.jsonl").read_bytes() == before
    entries = [json.loads(x) for x in before.splitlines()]
    assert [e["kind"] for e in entries] == ["host", "start", "device", "device"]
    assert oct((folder / "journal.jsonl").stat().st_mode & 0o777) == "0o600"
