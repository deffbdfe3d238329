"""The classroom front end, driven like a class would: posted mouse clicks and key presses.

Everything runs headless (SDL dummy drivers) and deterministically: the app is pumped frame
by frame with a fixed time step (``App.run_frames``); nothing sleeps.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

from game import session as S  # noqa: E402
from game.ui.app import App  # noqa: E402
from game.session import Session  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
BASELINE = ROOT / "scenarios" / "vladivostok-2019.yaml"
SIZES = [(960, 540), (1280, 720), (1920, 1080)]  # 1024x768 and 1366x768: test_ui_projector.py


@pytest.fixture
def app(tmp_path):
    a = App(size=(1280, 720), strict=True, mc_worlds=20, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    pygame.event.clear()
    yield a
    if a.screen is not None:
        a.screen.on_close()


def click(app: App, text: str, frames: int = 2):
    b = app.button(text)
    assert b is not None, f"no button starting with {text!r}; have {[x.text for x in app.buttons()]}"
    app.post_click(b)
    app.run_frames(frames)


def key(app: App, k, mod=0, frames: int = 2):
    """Press a key as a person would: Space (move on) after the results have stood their moment."""
    if k == pygame.K_SPACE:
        while getattr(app.screen, "guard", 0) > 0 and not app.screen.animating:
            app.run_frames(1)
    app.post_key(k, mod)
    app.run_frames(frames)


def start_screen_with(app: App, path: Path | None = None):
    app.show_start(path)
    app.run_frames(2)
    return app.screen


def wait_debrief(app: App, timeout: float = 60.0):
    """Pump frames until the background AI worlds are done (they run in a thread), paced as the
    real loop paces them (60 frames a second), so the thread gets the time it gets in class."""
    assert app.screen.name == "debrief"
    deadline = time.monotonic() + timeout
    while not app.screen.mc.finished:
        app.run_frames(1)
        time.sleep(1 / 60)
        assert time.monotonic() < deadline, "AI worlds did not finish"
    app.run_frames(2)


def play_turn_by_keys(app: App, pick=lambda moves: 0, block=True):
    """Play one whole turn through the hand-over, move and veto screens with the keyboard."""
    s = app.session
    start_turn = s.state.turn
    for _ in range(200):
        if s.state.turn > start_turn and s.phase in (S.RESOLVED, S.OVER) and not app.screen.animating:
            break
        if s.phase in (S.HANDOVER, S.QUESTION_HANDOVER):
            key(app, pygame.K_RETURN)
        elif s.phase == S.CHOOSE:
            moves = s.legal_moves()
            key(app, pygame.K_0 + moves[pick(moves)].number)  # moves keep their numbers month to month
            key(app, pygame.K_RETURN)
        elif s.phase == S.QUESTION:
            key(app, pygame.K_b if block else pygame.K_l)
        elif s.phase in (S.READY, S.EVENTS):
            key(app, pygame.K_SPACE)
        elif app.screen.animating:
            app.run_frames(10)
            key(app, pygame.K_SPACE)  # skip the rest of the animation
        else:
            break
    assert s.phase in (S.RESOLVED, S.OVER)


# --- start screen ---------------------------------------------------------------------------


def test_start_screen_reads_the_scenario(app):
    scr = start_screen_with(app, BASELINE)
    html = scr.details_html()
    assert "Vladivostok" in html and "Learning objectives" in html and "Sources" in html
    assert app.button("Start game").is_enabled
    assert len(scr.scenario_buttons) >= 1  # the shipped scenarios are listed


def test_many_scenarios_are_listed_in_a_scrolling_list(app, monkeypatch):
    from game.ui import engine

    many = [engine.ScenarioEntry(f"s{k}", f"Scenario number {k}: a variant", TINY if k % 2 else BASELINE) for k in range(12)]
    monkeypatch.setattr(engine, "shipped_scenarios", lambda: many)
    scr = start_screen_with(app, None)
    assert scr.scenario_list is not None and scr.scenario is not None
    item = scr.scenario_list.item_list_container.elements[1]  # "Scenario number 1" (tiny)
    app.post_click(item)
    app.run_frames(3)
    assert app.screen.path == TINY and app.screen.scenario.id == "tiny"


def test_leaving_a_game_asks_first(app):
    app.start_session(Session.new(TINY, (), 1))
    key(app, pygame.K_ESCAPE)
    click(app, "Scenarios")
    assert app.overlay.name == "confirm" and app.screen.name == "table"
    click(app, "No, go back")
    assert app.overlay is None and app.screen.name == "table"
    key(app, pygame.K_ESCAPE)
    click(app, "Restart")
    key(app, pygame.K_RETURN)
    assert app.overlay is None and app.screen.name == "table" and app.session.state.turn == 0


def test_broken_scenario_shows_the_validators_messages(app, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(TINY.read_text().replace("turns: 6", "turns: -3").replace("colour: \"#0072b2\"", "colour: blue"))
    scr = start_screen_with(app, bad)
    assert scr.scenario is None and scr.problem
    assert "broken.yaml:" in scr.problem  # FILE:LINE:COL: message lines
    assert app.button("Start game") is None  # disabled: cannot be started
    key(app, pygame.K_RETURN)  # Enter does nothing harmful
    assert app.screen.name == "start"
    garbage = tmp_path / "garbage.yaml"
    garbage.write_bytes(b"\x00\xff: [unclosed")
    scr = start_screen_with(app, garbage)
    assert scr.problem and app.screen.name == "start"


def test_start_screen_keeps_the_command_lines_leaders_and_seed(app, monkeypatch):
    """`play --humans kim,trump --seed 77` without a scenario: the start screen has them chosen."""
    from game.ui import draw

    lines: list[str] = []
    real = draw.text
    monkeypatch.setattr(draw, "text", lambda surf, s, *a, **k: (lines.append(str(s)), real(surf, s, *a, **k))[1])
    app.show_start(None, ["kim", "trump", "nobody"], 77)
    app.run_frames(2)
    scr = app.screen
    assert scr.path == BASELINE and scr.humans == ["kim", "trump"] and scr.seed_text == "77"
    assert "Students play: Kim Jong Un, Donald Trump" in lines
    key(app, pygame.K_RETURN)
    assert app.session.humans == ["kim", "trump"] and app.session.seed == 77


# --- a whole game with two human leaders -------------------------------------------------------


def test_two_humans_hand_over_veto_save_load_and_debrief(app, tmp_path):
    start_screen_with(app, TINY)
    # choose the humans by clicking their toggles (a and b), keep c for the AI
    click(app, "1. AI")
    click(app, "2. AI")
    assert app.screen.humans == ["a", "b"]
    click(app, "Start game")
    s = app.session
    assert app.screen.name == "table" and s.humans == ["a", "b"]

    # hand-over to Leader A; the move buttons are hidden until Enter
    assert s.phase == S.HANDOVER and s.current == "a"
    assert app.button("Confirm") is None
    click(app, "Ready")
    assert s.phase == S.CHOOSE
    # A picks the UN resolution with the mouse, then confirms
    click(app, "2  UN resolution")
    click(app, "Confirm")
    # hand-over to Leader B, who picks with the keyboard
    assert s.phase == S.HANDOVER and s.current == "b"
    key(app, pygame.K_RETURN)
    key(app, pygame.K_1)
    key(app, pygame.K_RETURN)
    # B holds a veto over A's resolution: hand-over, then the question
    assert s.phase == S.QUESTION_HANDOVER and s.current == "b"
    key(app, pygame.K_RETURN)
    assert s.phase == S.QUESTION and s.question.move_id == "a_resolution"
    click(app, "1  Block it")
    assert s.phase == S.READY  # every choice and answer is in: the class looks back at the screen
    key(app, pygame.K_SPACE)
    assert s.phase == S.RESOLVED and app.screen.animating
    app.run_frames(200)
    assert s.phase == S.RESOLVED
    rep = s.history[-1]
    a_action = next(x for x in rep.actions if x.actor == "a")
    assert a_action.move_id == "a_resolution" and a_action.result == "blocked" and a_action.blocked_by == "b"
    assert "blocked" in app.screen.news_html()

    # save with Ctrl+S
    key(app, pygame.K_SPACE)
    key(app, pygame.K_s, pygame.KMOD_CTRL)
    saved = app.last_saved
    assert saved is not None and saved.exists()
    assert app.overlay is not None and app.overlay.name == "message"
    key(app, pygame.K_RETURN)
    fingerprint = s.state.fingerprint()

    # finish the game
    while not s.state.over:
        play_turn_by_keys(app, pick=lambda moves: len(moves) - 1, block=False)
        key(app, pygame.K_SPACE)
    assert app.screen.name == "debrief"
    wait_debrief(app)
    shares = app.screen.shares()
    assert set(shares) == {"a", "b", "c"} and all(0 <= v <= 1 for v in shares.values())
    click(app, "Export PNG")
    png, log, game_json, game_csv = app.screen.exported
    assert png.exists() and png.stat().st_size > 1000
    text = log.read_text()
    assert "Leader A" in text and "Discussion questions" in text
    from game import export

    back = export.read(game_json)  # the class's game, read back as untrusted input, for class-report
    assert back.months == s.game.turns and back.teams == ["a", "b"] and back.scores == pytest.approx(s.state.scores())
    assert len(game_csv.read_text().strip().splitlines()) == s.game.turns + 1  # a header and one row a month
    key(app, pygame.K_RETURN)  # close the "Exported" message

    # load the save through the menu and its file dialog
    key(app, pygame.K_ESCAPE)
    assert app.overlay.name == "menu"
    click(app, "Load game")
    assert app.overlay.name == "file"
    ok = app.overlay.pick(saved)
    app.post_click(ok)
    app.run_frames(3)
    assert app.screen.name == "table" and app.overlay is None
    loaded = app.session
    assert loaded is not s and loaded.state.fingerprint() == fingerprint
    assert loaded.humans == ["a", "b"] and loaded.state.turn == 1


def test_a_loaded_game_continues_exactly(app, tmp_path):
    session = Session.new(BASELINE, ("kim", "trump"), 11)
    app.start_session(session)
    app.run_frames(2)
    picks = [lambda m: 1, lambda m: len(m) - 1, lambda m: 0, lambda m: 2 % len(m)]
    play_turn_by_keys(app, picks[0])
    key(app, pygame.K_SPACE)
    path = app.save_game(tmp_path / "mid.json")
    key(app, pygame.K_RETURN)
    for p in picks[1:]:
        play_turn_by_keys(app, p, block=True)
        key(app, pygame.K_SPACE)
    expected = app.session.state.fingerprint()
    expected_news = [r.lines() for r in app.session.history]

    assert app.load_game(path)
    for p in picks[1:]:
        play_turn_by_keys(app, p, block=True)
        key(app, pygame.K_SPACE)
    assert app.session.state.fingerprint() == expected
    assert [r.lines() for r in app.session.history] == expected_news


def test_damaged_save_gives_a_message_not_a_crash(app, tmp_path):
    app.start_session(Session.new(TINY, (), 1))
    for content in ["", "{not json", json.dumps({"format": "summit-save-1"}), json.dumps([1, 2]),
                    json.dumps({"format": "summit-save-1", "scenario": {"id": 3}, "worlds": {}})]:
        bad = tmp_path / "bad.json"
        bad.write_text(content)
        assert app.load_game(bad) is False
        assert app.overlay is not None and app.overlay.name == "message" and app.overlay.error
        app.run_frames(2)
        key(app, pygame.K_RETURN)
    assert app.load_game(tmp_path / "missing.json") is False
    # a truncated real save
    good = app.save_game(tmp_path / "good.json")
    good.write_text(good.read_text()[: len(good.read_text()) // 2])
    assert app.load_game(good) is False


def test_an_unexpected_error_becomes_a_message_in_class(tmp_path, monkeypatch):
    """Outside the tests (strict=False) a bug shows a message; the game goes on."""
    from game.ui.table import TableScreen

    app = App(size=(1280, 720), strict=False, mc_worlds=5, save_dir=tmp_path, export_dir=tmp_path)
    pygame.event.clear()
    app.start_session(Session.new(TINY, (), 2))
    real = TableScreen.draw_dashboard
    calls = {"n": 0}

    def flaky(self, surf, snap):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("simulated bug")
        return real(self, surf, snap)

    monkeypatch.setattr(TableScreen, "draw_dashboard", flaky)
    app.run_frames(5)
    assert app.overlay is not None and app.overlay.name == "message" and "simulated bug" in app.overlay.text
    assert len(app.errors) == 1
    key(app, pygame.K_RETURN)
    key(app, pygame.K_SPACE)
    app.run_frames(200)
    assert app.session.state.turn == 1 and app.screen.name == "table"


def test_hover_cards_explain_badges_relations_and_factors(app):
    app.start_session(Session.new(BASELINE, ("kim",), 3))
    app.run_frames(2)
    key(app, pygame.K_RETURN) if app.session.phase == S.HANDOVER else None
    table = app.screen
    n = len(app.session.actor_ids)
    targets = [("actor", k) for k in range(n)] + [("pair", 0, 1), ("pair", 1, 3)]
    targets += [("factor", k) for k in range(len(app.session.scenario.factors))]
    for target in targets:
        lines = table.hover_lines(target)
        assert lines and all(isinstance(line[0], str) and line[0] for line in lines)
        table._hover, table._hover_t, table._hover_pos = target, 1.0, (600, 300)
        table.draw_over(app.window)
    assert any("veto" in line[0] for line in table.hover_lines(("actor", 1)))  # Putin holds a veto
    # the hit areas drawn this frame find the badges and the dashboard rows
    first_badge = table._hits[0][0].center
    assert table._hover_target(first_badge) == ("actor", 0)
    geo = table._dash_geo[0][0]
    row = app.layout.r(geo[2], geo[3], 50, 10).center
    assert table._hover_target(row) == ("factor", 0)


# --- AI-only play, batch worlds, the command line --------------------------------------------------


def test_ai_only_game_steps_with_space(app):
    app.start_session(Session.new(TINY, (), 5))
    s = app.session
    turns = 0
    while app.screen.name == "table":
        assert s.phase in (S.READY, S.EVENTS, S.RESOLVED)
        key(app, pygame.K_SPACE)
        if app.screen.name == "table" and app.screen.animating:
            key(app, pygame.K_SPACE)  # skip the animation
        turns += 1
        assert turns < 40
    assert s.state.over and app.screen.name == "debrief"


def test_batch_world_replays_exactly(app, tmp_path):
    out = tmp_path / "batch"
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "batch", str(TINY), "--runs", "6", "--seed", "3",
                        "--workers", "1", "--no-plots", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    app.start_session(Session.from_batch(out, 4))
    s = app.session
    while not s.state.over:
        key(app, pygame.K_SPACE)
        key(app, pygame.K_SPACE)
        key(app, pygame.K_SPACE)
    with open(out / "runs.csv", newline="") as f:
        row = next(x for x in csv.DictReader(f) if int(x["run"]) == 4)
    for a, v in s.state.scores().items():
        assert v == pytest.approx(float(row[f"score.{a}"]), rel=1e-9, abs=1e-9)


def test_cli_autoplay_screenshot(tmp_path):
    shot = tmp_path / "table.png"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "play", str(TINY), "--humans", "a", "--seed", "4",
                        "--autoplay", "2", "--screenshot", str(shot)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    img = pygame.image.load(str(shot))
    assert img.get_size() == (1280, 720)
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "play", "no-such-scenario", "--screenshot", str(shot)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr


# --- every screen at three sizes ---------------------------------------------------------------------


def _looks_drawn(surf: pygame.Surface):
    arr = pygame.surfarray.array3d(surf)
    assert arr.std() > 10  # not a blank window
    assert len(np.unique(arr.reshape(-1, 3)[::97], axis=0)) > 20


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_renders(size, tmp_path):
    app = App(size=size, strict=True, mc_worlds=10, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    pygame.event.clear()
    assert app.window.get_size() == size
    seen = {}

    def shot(name):
        app.run_frames(2)
        _looks_drawn(app.window)
        seen[name] = True

    app.show_start(BASELINE)
    shot("start")
    app.open_help()
    shot("help")
    app.open_menu()
    shot("menu")
    app.close_overlay()
    app.open_load_dialog()
    shot("file dialog")
    app.close_overlay()
    app.start_session(Session.new(BASELINE, ("kim", "putin", "trump"), 8))
    s = app.session
    shot("hand-over")
    key(app, pygame.K_RETURN)
    shot("moves")
    while s.phase not in (S.QUESTION, S.READY):
        if s.phase == S.CHOOSE:
            moves = s.legal_moves()
            k = next((i for i, m in enumerate(moves) if m.blockable_by), 0)
            key(app, pygame.K_0 + moves[k].number)
            key(app, pygame.K_RETURN)
        else:
            key(app, pygame.K_RETURN)
    if s.phase == S.QUESTION:
        shot("veto")
        while s.phase in (S.QUESTION, S.QUESTION_HANDOVER):
            key(app, pygame.K_l if s.phase == S.QUESTION else pygame.K_RETURN)
    key(app, pygame.K_SPACE)
    app.run_frames(20)
    shot("animating")
    app.run_frames(100)
    shot("news")
    key(app, pygame.K_c)
    shot("chart")
    key(app, pygame.K_c)
    app.show_message("A message", "Some text")
    shot("message")
    app.close_overlay()
    s.autoplay(100)
    app.show_debrief()
    shot("debrief")
    wait_debrief(app)
    shot("debrief done")
    # resizing keeps everything inside the window
    for other in SIZES:
        app._apply_size(other)
        app.run_frames(2)
        assert app.layout.canvas.right <= other[0] + 1 and app.layout.canvas.bottom <= other[1] + 1
    app.screen.on_close()
    assert len(seen) == 13


# --- random input -----------------------------------------------------------------------------------

KEYS = [pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4, pygame.K_5, pygame.K_9, pygame.K_RETURN, pygame.K_SPACE,
        pygame.K_ESCAPE, pygame.K_h, pygame.K_F1, pygame.K_c, pygame.K_b, pygame.K_l, pygame.K_y, pygame.K_n,
        pygame.K_e, pygame.K_TAB, pygame.K_UP, pygame.K_DOWN, pygame.K_LEFT, pygame.K_RIGHT, pygame.K_a, pygame.K_s,
        pygame.K_BACKSPACE, pygame.K_0, pygame.K_KP_ENTER]


def test_random_input_raises_nothing(tmp_path):
    """10,000 random clicks, key presses and resizes, on every screen the app reaches."""
    rng = random.Random(20190425)
    app = App(size=(1280, 720), strict=True, mc_worlds=10, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    pygame.event.clear()
    app.show_start(TINY)
    app.run_frames(1)
    events = 0
    screens = set()
    while events < int(os.environ.get("SUMMIT_FUZZ_EVENTS", "10000")):
        for _ in range(20):
            r = rng.random()
            w, h = app.window.get_size()
            if r < 0.45:
                # click a visible button half of the time, anywhere otherwise
                buttons = app.buttons()
                if buttons and rng.random() < 0.6:
                    pos = rng.choice(buttons).rect.center
                else:
                    pos = (rng.randrange(w), rng.randrange(h))
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=rng.choice([1, 1, 1, 3]), pos=pos))
                pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
                pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
            elif r < 0.93:
                k = rng.choice(KEYS)
                mod = pygame.KMOD_CTRL if (k == pygame.K_s and rng.random() < 0.5) else 0
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0))
                pygame.event.post(pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode="", scancode=0))
            elif r < 0.995:
                pygame.event.post(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=rng.choice([-1, 1]), flipped=False))
            else:
                size = (rng.randrange(500, 2000), rng.randrange(300, 1200))
                pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=size[0], h=size[1], size=size))
            events += 1
        app.run_frames(1, dt=0.25)
        if not app.running:  # "Quit" was clicked: a class would restart the program
            app.running = True
            app.show_start(TINY)
        if app.screen is not None:
            screens.add(app.screen.name)
        if app.session is not None and app.session.state.over and app.screen.name == "table" and rng.random() < 0.05:
            app.show_start(TINY)
    assert {"start", "table"} <= screens
    if app.screen is not None:
        app.screen.on_close()
