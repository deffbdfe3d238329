"""The class game's turn flow (game.session), driven as a front end would drive it, without pygame:
hand-overs, secret choices, questions, a deliberate 'play', results that stay, the month's events
announced when it opens, undo, the timer, a shorter game, events a teacher sets off, autosaves."""

from __future__ import annotations

import html
import json
import os
import sys
import time

import numpy as np
import pytest

from game import session as S
from game.errors import SaveError, ScenarioError
from game.model import SummitModel
from game.session import Session, Settings

from conftest import BASELINE, ROOT, TINY


def drive(s: Session, picks: dict, answer: bool = True) -> None:
    """Play one month through every screen: hand-overs, choices (the first legal of `picks`, else
    the first legal move), answers, then play."""
    if s.phase == S.EVENTS:
        s.next()
    while s.phase not in (S.READY, S.OVER):
        if s.phase in (S.HANDOVER, S.QUESTION_HANDOVER):
            s.ready()
        elif s.phase == S.CHOOSE:
            legal = s.state.legal_actions(s.current)
            s.choose(next((m for m in picks.get(s.current, []) if m in legal), legal[0]))
        elif s.phase == S.QUESTION:
            s.answer(answer)
    s.play()


def test_two_teams_take_turns_behind_hand_over_screens():
    s = Session.new(TINY, ("a", "b"), 3)
    assert s.phase == S.HANDOVER and s.current == "a"
    assert s.legal_moves() and all(m.legal for m in s.legal_moves())  # the hand-over screen shows nothing, but the moves are ready
    with pytest.raises(ValueError, match="has no move to choose now"):
        s.choose("a_wait")  # not before the team is at the keyboard
    s.ready()
    with pytest.raises(ValueError, match="not one of"):
        s.choose("b_smuggle")  # another leader's move
    s.choose("a_resolution")
    assert s.phase == S.HANDOVER and s.current == "b" and s.choices == {"a": "a_resolution"}
    s.ready()
    s.choose("b_wait")
    # b holds a veto over a's resolution: b's team is asked, behind its own hand-over screen
    assert s.phase == S.QUESTION_HANDOVER and s.current == "b"
    s.ready()
    assert s.question.kind == "block" and s.question.move_id == "a_resolution"
    s.answer(True)
    assert s.phase == S.READY  # nothing is played until someone presses 'play'
    assert s.state.turn == 0
    s.play()
    assert s.phase == S.RESOLVED and s.state.turn == 1
    a = next(x for x in s.last_report.actions if x.actor == "a")
    assert a.result == "blocked" and a.blocked_by == "b"
    assert s.state.records[0].answers == [{"kind": "block", "actor": "b", "move": "a_resolution", "yes": True}]


def test_the_same_choices_give_the_same_game_however_it_is_driven():
    picks = {"kim": ["kim_seek_russian_aid", "kim_wait"], "trump": ["trump_third_summit", "trump_letters"]}
    s = Session.new(BASELINE, ("kim", "trump"), 2019)
    model = SummitModel(BASELINE, humans=("kim", "trump"), seed=2019)
    for _ in range(6):
        drive(s, picks)
        choices = {h: s.choices[h] for h in s.choices}
        answers = dict(s.answers)
        model.submit(choices, answers)
        model.step()
        assert s.state.fingerprint() == model.state.fingerprint()
        s.next()


def test_results_name_who_held_the_seat_and_the_new_month_announces_its_events():
    """Issue 9: the election is told in its month. While September's results are shown the table
    still shows Trump (the state at September's close); then October opens with the election."""
    s = Session.new(BASELINE, ("kim",), 2019)
    while s.state.turn < 18:
        drive(s, {})
        if s.state.turn < 18:
            s.next()
    assert s.phase == S.RESOLVED and s.shown_turn() == 17
    defeated = "trump_defeated" in s.state.outcomes()
    assert s.name("trump") == "Donald Trump"  # who made September's moves
    assert all(a.actor_name == "Donald Trump" for a in s.last_report.actions if a.actor == "trump")
    closed = s.after
    assert np.allclose(closed.factors, s.state.x_closed[0, :s.game.n_factors])
    s.next()
    assert s.phase == S.EVENTS and s.shown_turn() == 18
    events = s.pending_events()
    assert any(e.startswith("US presidential election: Trump") for e in events)
    if defeated:
        assert s.name("trump") == "The new US President"
    s.next()
    assert s.phase in (S.CHOOSE, S.HANDOVER)


def test_undo_takes_back_the_last_confirm_before_the_month_is_played():
    s = Session.new(TINY, ("a", "b"), 5)
    if s.phase == S.EVENTS:
        s.next()
    assert s.undo() is None  # nothing to undo yet
    s.ready()
    s.choose("a_resolution")
    s.ready()
    s.choose("b_smuggle")
    s.ready()
    s.answer(False)
    assert s.phase == S.READY
    assert "answer" in s.undo()
    assert s.phase == S.QUESTION_HANDOVER and s.question.move_id == "a_resolution" and not s.answers
    assert "move" in s.undo()
    assert s.phase == S.HANDOVER and s.current == "b" and "b" not in s.choices and s.choices == {"a": "a_resolution"}
    assert "move" in s.undo()
    assert s.current == "a" and s.choices == {}
    s.ready()
    s.choose("a_wait")
    s.ready()
    s.choose("b_wait")
    assert s.phase == S.READY and not s.questions  # no resolution any more: no veto question
    s.play()
    assert s.undo() is None  # once played, a month stands


def test_the_timer_chooses_for_a_team_that_runs_out_of_time():
    for rule in ("ai", "hold"):
        s = Session.new(BASELINE, ("kim",), 7, settings=Settings(timer=30, on_timeout=rule))
        assert s.phase == S.CHOOSE and s.time_left == 30
        expected = (s.game.move_ids[int(s.state.ai_choice(s.game.actor_index["kim"])[0])] if rule == "ai"
                    else s.state.legal_actions("kim")[0])
        s.pause()
        assert s.tick(100) is False and s.time_left == 30  # a paused class keeps its time
        s.pause(False)
        assert s.tick(29.5) is False
        assert s.tick(1.0) is True
        assert s.choices == {"kim": expected} and s.timed_out == ["kim"] and s.phase in (S.READY, S.QUESTION)


def test_a_shorter_game_ends_after_its_months():
    s = Session.new(BASELINE, ("kim", "trump"), 1, settings=Settings(last_turn=5))
    for _ in range(5):
        drive(s, {})
        s.next()
    assert s.phase == S.OVER and s.over and s.state.turn == 5 and not s.state.over
    with pytest.raises(ValueError, match="1 to 19"):
        Session.new(BASELINE, (), 1, settings=Settings(last_turn=40))


def test_a_teacher_sets_off_an_event_and_the_month_starts_again():
    s = Session.new(BASELINE, ("kim", "trump"), 4)
    s.ready()
    s.choose("kim_wait")
    assert ("network_exposed", "A ghost-ship network is exposed: Network exposed") in s.random_events()
    with pytest.raises(ValueError, match="scheduled"):
        s.inject("trump_defeated")
    before = s.state.factors()["evasion"]
    s.inject("network_exposed")
    assert s.phase == S.EVENTS and s.choices == {}  # announced, then every team chooses again
    assert any("Network exposed" in e for e in s.pending_events())
    assert s.state.factors()["evasion"] < before
    drive(s, {})
    record = s.state.records[-1]
    assert record.injected == [s.game.outcome_index["network_exposed"]] and record.injected[0] in record.events
    assert any(c["source"] == "event" for c in record.moved)


def test_saves_keep_the_class_settings_and_name_the_month_on_screen(tmp_path):
    s = Session.new(BASELINE, ("kim", "trump"), 9, settings=Settings(advisor=False, timer=90, last_turn=12))
    drive(s, {})
    assert s.phase == S.RESOLVED
    name = s.save_name("20200101-000000")
    assert name == "vladivostok-2019-turn01-apr2019-20200101-000000.json"  # April's results are on screen
    path = s.save(tmp_path / name)
    back = Session.load(path)
    assert back.settings == Settings(advisor=False, timer=90, on_timeout="ai", last_turn=12)
    assert back.state.fingerprint() == s.state.fingerprint()
    assert back.state.records[0].moved == s.state.records[0].moved
    # an edited setting is refused with the file's name
    data = json.loads(path.read_text())
    data["game"]["classroom"]["last_turn"] = 99
    from game import saves
    import hashlib

    data["sha256"] = hashlib.sha256(saves.canonical(data["game"])).hexdigest()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(SaveError, match="bad.json.*last_turn is 99"):
        Session.load(bad)


def test_autosaves_are_kept_per_scenario_and_the_newest_is_found(tmp_path):
    assert S.newest_autosave(tmp_path) is None
    s = Session.new(TINY, ("a",), 2)
    first = s.autosave(tmp_path)
    t = Session.new(BASELINE, ("kim",), 2)
    drive(t, {})
    second = t.autosave(tmp_path)
    os.utime(first, (time.time() - 60, time.time() - 60))
    assert S.newest_autosave(tmp_path) == second and second.name == "vladivostok-2019-autosave.json"
    assert Session.load(second).state.turn == 1


def test_a_format_3_save_still_loads_without_its_causes(tmp_path):
    from game import saves
    import hashlib

    s = Session.new(TINY, ("a",), 2)
    drive(s, {})
    data = json.loads(s.to_json())
    data["format_version"] = 3
    g = data["game"]
    for r in g["records"]:
        for k in ("answers", "injected", "moved"):
            r.pop(k)
    for k in ("opening_moved", "injected", "classroom"):
        g.pop(k, None)
    data["sha256"] = hashlib.sha256(saves.canonical(g)).hexdigest()
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    back = Session.load(old)
    assert back.state.fingerprint() == s.state.fingerprint() and back.state.records[0].moved == []
    data["format_version"] = 2
    old.write_text(json.dumps(data))
    with pytest.raises(SaveError, match="older Summit"):
        Session.load(old)


def test_unknown_scenarios_and_leaders_are_clear_errors():
    with pytest.raises(ScenarioError, match="no-such-scenario.*no such file"):
        Session.new("no-such-scenario", (), 1)
    with pytest.raises(ValueError, match="unknown leader"):
        Session.new(TINY, ("zed",), 1)


def test_session_needs_no_pygame():
    """The networked classroom drives the same Session: importing it must not import pygame."""
    import subprocess

    code = ("import sys; import game.session, game.briefs, game.explain, game.advisor, game.scorecard, "
            "game.export, game.lensview; print('pygame' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_tables_words_are_pure_and_name_what_a_class_must_read():
    """game.ui.texts: the news, a move's details and a team's brief, from a Session, without pygame."""
    import subprocess

    from game import briefs, explain
    from game.ui import texts

    s = Session.new(BASELINE, ("kim",), 2019)
    if s.phase == S.EVENTS:
        s.next()
    start = texts.move_html(s, None)
    top = briefs.brief(s.state, "kim").goals[0]
    assert "Kim Jong Un: your goals, strongest first" in start and f"({top.share:.0%})" in start
    ghost = next(m for m in s.numbered_moves() if m.id == "kim_ghost_ships")
    assert "<b>Expected if it works:</b>" in texts.move_html(s, ghost) and ghost.label in texts.move_html(s, ghost)
    drive(s, {"kim": ["kim_ghost_ships"]})
    news = texts.news_html(s)
    assert "<b>April 2019</b>" in news
    for r in explain.reasons(s.state, s.state.records[0]):
        assert html.escape(r.words) in news
    code = "import sys, game.ui.texts; print('pygame' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
