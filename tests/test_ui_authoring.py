"""The authors' tools in the game window. `play FILE --watch` as an author uses it: save the file,
the game reloads at the same month and seed; save a mistake, the validator's lines appear on
screen and the game stays. The menu's "About this scenario" shows the scenario's map.

Runs headless (SDL dummy drivers); the file watcher is real (watchfiles on a thread), and every
wait for it is bounded.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

from game.errors import ScenarioError  # noqa: E402
from game.session import Session  # noqa: E402
from game.ui.app import App  # noqa: E402
from game.ui.watch import Recipe, Watcher, reloaded  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY_TEXT = (ROOT / "tests" / "data" / "tiny.yaml").read_text(encoding="utf-8")


def oil(session: Session) -> float:
    return next(f.initial for f in session.scenario.factors if f.id == "oil")


def test_reloaded_keeps_the_seed_leaders_and_month_and_reads_the_new_numbers(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(TINY_TEXT, encoding="utf-8")
    old = Session.new(path, ["a"], seed=7)
    old.autoplay(3)
    path.write_text(TINY_TEXT.replace("initial: 70", "initial: 90", 1), encoding="utf-8")
    new, files = reloaded(Recipe(path), old)
    assert (new.seed, new.humans, new.state.turn, oil(new)) == (7, ["a"], 3, 90)
    assert files == [path]
    # the same months played again from the changed file: what an independent new game with that seed gives
    again = Session.new(path, ["a"], seed=7)
    again.autoplay(3)
    assert new.state.factors() == again.state.factors() != old.state.factors()


def test_a_file_with_a_mistake_raises_the_validators_lines(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(TINY_TEXT.replace('colour: "#0072b2"', "colour: red", 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        reloaded(Recipe(path), None)
    assert str(info.value).startswith(f"{path}:13:")


def wait_until(app: App, done, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.run_frames(1)
        if done():
            return True
        time.sleep(0.05)
    return False


def test_the_window_reloads_on_save_and_shows_problems_on_screen(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(TINY_TEXT, encoding="utf-8")
    path = tmp_path / "variant.yaml"
    path.write_text("extends: base\nid: variant\n", encoding="utf-8")
    app = App(size=(1280, 720), strict=True, mc_worlds=20, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    try:
        session = Session.new(path, [], seed=5)
        session.autoplay(2)
        app.start_session(session)
        app.watch(Recipe(path, (), 5))
        time.sleep(0.5)  # the watcher's thread is up
        base.write_text(TINY_TEXT.replace("initial: 70", "initial: 95", 1), encoding="utf-8")  # the file it extends
        assert wait_until(app, lambda: app.session is not session), "no reload after the base file was saved"
        assert oil(app.session) == 95 and app.session.state.turn == 2 and app.session.seed == 5
        shown = app.session
        path.write_text("extends: base\nid: variant\nset:\n  factors.oil.initial: 500\n", encoding="utf-8")
        assert wait_until(app, lambda: app.overlay is not None), "no message after a broken save"
        assert app.overlay.name == "message" and app.session is shown
        assert f"{path}:4:24: factors[1]: initial value 500.0 is outside [20.0, 150.0]" in app.overlay.text
        path.write_text("extends: base\nid: variant\nset:\n  factors.oil.initial: 30\n", encoding="utf-8")
        assert wait_until(app, lambda: app.session is not shown and app.overlay is None), "no reload after the fix"
        assert oil(app.session) == 30 and app.session.state.turn == 2
    finally:
        if app.watcher is not None:
            app.watcher.close()


def test_watcher_says_once_per_change_and_ignores_other_files(tmp_path):
    path, other = tmp_path / "a.yaml", tmp_path / "b.yaml"
    path.write_text("x", encoding="utf-8")
    w = Watcher([path])
    try:
        time.sleep(0.5)
        other.write_text("y", encoding="utf-8")
        time.sleep(1.5)
        assert not w.changed()
        path.write_text("z", encoding="utf-8")
        deadline = time.monotonic() + 10
        while not w.changed():
            assert time.monotonic() < deadline, "the change was not seen"
            time.sleep(0.05)
        assert not w.changed()
    finally:
        w.close()


def test_the_menu_shows_the_scenarios_map(tmp_path):
    import pygame

    app = App(size=(1280, 720), strict=True, mc_worlds=20, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    app.start_session(Session.new(ROOT / "scenarios" / "vladivostok-2019.yaml", [], seed=1))
    app.open_menu()
    app.run_frames(2)
    button = app.button("About this scenario")
    assert button is not None
    app.post_click(button)
    app.run_frames(3)
    assert app.overlay is not None and app.overlay.name == "about"
    assert app.overlay.title.startswith("About: Vladivostok 2019")
    w, h = app.overlay.image.get_size()
    assert w > 600 and h > 300
    shot = app.screenshot(tmp_path / "about.png")
    assert shot.exists()
    pixels = pygame.image.load(str(shot))
    assert pixels.get_size() == (1280, 720)
    app.post_key(pygame.K_ESCAPE)
    app.run_frames(2)
    assert app.overlay is None or app.overlay.name != "about"
