"""The class game on a projector (issue 9): every widget inside the window at 1024x768, 1280x720,
1366x768 and 1920x1080; every relation value readable (never under a tag or another label); moves
numbered the same every month; results that a double click cannot skip; closing the window
autosaves and asks, and Enter never quits; every glyph the game shows is in the shipped font.

Screenshots of each size land in the test's tmp folder (SUMMIT_SHOTS=DIR keeps them there)."""

from __future__ import annotations

import os
import re
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pygame.freetype  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

from game import narrate  # noqa: E402
from game import session as S  # noqa: E402
from game.session import Session  # noqa: E402
from game.ui import theme as T  # noqa: E402
from game.ui.app import App, _walk  # noqa: E402
from game.ui.table import TABLE, signed  # noqa: E402

from conftest import BASELINE, ROOT  # noqa: E402
from test_ui import key  # noqa: E402

PROJECTORS = [(1024, 768), (1280, 720), (1366, 768), (1920, 1080)]


def shots_dir(tmp_path: Path) -> Path:
    return Path(os.environ.get("SUMMIT_SHOTS") or tmp_path)


def visible_widgets(app: App):
    owners = [x for x in (app.screen, app.overlay) if x is not None]
    for owner in owners:
        for w in owner.widgets:
            for el in _walk(w):
                if el.visible and el.alive():
                    yield el


def assert_inside(app: App, where: str):
    window = app.window.get_rect()
    assert window.contains(app.layout.canvas), f"{where}: the design canvas {app.layout.canvas} is cut by {window}"
    for el in visible_widgets(app):
        label = getattr(el, "text", "") or type(el).__name__
        assert window.contains(el.rect), f"{where}: {label!r} at {el.rect} is cut by the window {window.size}"


def assert_relations_readable(app: App):
    """Each of the six relation values has its own box on the table, overlapping no name, tag, result
    chip or other value, and shows the relation as it is."""
    screen, s = app.screen, app.session
    n = len(s.actor_ids)
    assert len(screen.label_boxes) == n * (n - 1) // 2
    area = screen.L.r(*TABLE)  # the table uses the whole window (a tall layout on 4:3)
    boxes = list(screen.label_boxes.items())
    for (i, j), box in boxes:
        assert area.contains(box)
        for other in screen.decor_boxes:
            assert not box.colliderect(other), f"{s.actor_ids[i]}-{s.actor_ids[j]} value under a name or tag"
        for (k, l), b2 in boxes:
            assert (k, l) == (i, j) or not box.colliderect(b2)
    snap = screen.shown()
    for (i, j), _ in boxes:
        assert signed(float(snap.relations[i, j])) == signed(s.state.relation(s.actor_ids[i], s.actor_ids[j]))


@pytest.mark.parametrize("size", PROJECTORS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_fits_and_every_relation_is_readable(size, tmp_path):
    app = App(size=size, strict=True, mc_worlds=8, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    pygame.event.clear()
    shots = shots_dir(tmp_path)

    def check(name):
        app.run_frames(3)
        assert_inside(app, name)
        app.screenshot(shots / f"{size[0]}x{size[1]}-{name}.png")

    app.show_start(BASELINE)
    check("start")
    app.open_menu()
    check("menu")
    app.close_overlay()
    app.start_session(Session.new(BASELINE, ("kim", "trump"), 2019))
    s = app.session
    check("handover")
    key(app, pygame.K_RETURN)
    check("choose")
    assert_relations_readable(app)
    for _ in range(50):
        if s.phase == S.READY:
            break
        if s.phase in (S.HANDOVER, S.QUESTION_HANDOVER, S.EVENTS):
            key(app, pygame.K_RETURN)
        elif s.phase == S.CHOOSE:
            key(app, pygame.K_0 + s.legal_moves()[-1].number)
            key(app, pygame.K_RETURN)
        elif s.phase == S.QUESTION:
            check("question")
            key(app, pygame.K_a if s.question.kind == "consent" else pygame.K_l)
    key(app, pygame.K_SPACE)
    app.run_frames(200)
    assert s.phase == S.RESOLVED and not app.screen.animating
    check("results")
    assert_relations_readable(app)
    s.autoplay(s.game.turns)
    app.show_debrief()
    check("debrief")
    app.screen.on_close()


def test_moves_keep_their_numbers_and_unavailable_ones_say_why(tmp_path):
    app = App(size=(1280, 720), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    session = Session.new(BASELINE, ("kim",), 5)
    st = session.state
    st.worlds.x[0, session.game.factor_index["evasion"]] = 80.0  # ghost ships need evasion below 70
    st._policy = None
    app.start_session(session)
    app.run_frames(2)
    if session.phase == S.EVENTS:  # the month's news first
        key(app, pygame.K_RETURN)
    assert session.phase == S.CHOOSE
    texts = [b.text for b, _ in app.screen.move_buttons]
    all_moves = narrate.all_moves(st, "kim")
    assert len(texts) == len(all_moves) == 7
    assert texts[0] == "1  Wait Trump out"
    assert texts[1] == "2  Send out the ghost ships  (not now)"
    assert texts[2] == f"3  {all_moves[2].label}"
    key(app, pygame.K_2)
    assert "Not allowed now: Sanctions evasion (ghost ships) must be below 70 (it is 80)." in app.screen.details.html_text
    assert not app.screen.confirm_button.is_enabled
    key(app, pygame.K_RETURN)
    assert session.phase == S.CHOOSE and session.choices == {}  # an unavailable move cannot be confirmed
    key(app, pygame.K_3)
    key(app, pygame.K_RETURN)
    assert session.choices == {"kim": all_moves[2].id}


def _to_results(app: App):
    s = app.session
    for _ in range(50):
        if s.phase == S.READY:
            break
        if s.phase == S.CHOOSE:
            key(app, pygame.K_1)
            key(app, pygame.K_RETURN)
        elif s.phase == S.QUESTION:
            key(app, pygame.K_2)  # let it pass / refuse
        else:
            key(app, pygame.K_RETURN)
    app.post_key(pygame.K_SPACE)
    app.run_frames(1)
    assert s.phase == S.RESOLVED


def test_a_double_click_or_held_key_never_skips_the_results(tmp_path):
    app = App(size=(1280, 720), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    app.start_session(Session.new(BASELINE, ("kim",), 2019))
    s = app.session
    _to_results(app)
    assert app.screen.animating
    for _ in range(3):  # three quick presses: the first skips the animation, the rest do nothing
        app.post_key(pygame.K_SPACE)
        app.run_frames(1)
    assert s.phase == S.RESOLVED and s.state.turn == 1 and not app.screen.animating
    assert "What happened in April 2019" in _drawn_title(app)
    assert not app.screen.next_button.is_enabled  # the Next button waits too
    app.run_frames(40)  # the results have stood a moment: a deliberate press moves on
    assert app.screen.next_button.is_enabled
    app.post_key(pygame.K_SPACE)
    app.run_frames(1)
    assert s.phase in (S.EVENTS, S.CHOOSE)


def _drawn_title(app: App) -> str:
    rep = app.session.last_report
    from game.ui import engine

    return f"What happened in {engine.month_label(rep.date)}"


def test_closing_the_window_autosaves_and_asks_and_enter_keeps_playing(tmp_path):
    app = App(size=(1280, 720), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    app.start_session(Session.new(BASELINE, ("kim", "trump"), 7))
    s = app.session
    _to_results(app)
    autosave = tmp_path / "saves" / "vladivostok-2019-autosave.json"
    assert Session.load(autosave).state.fingerprint() == s.state.fingerprint()  # saved as the month was played
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    app.run_frames(2)
    assert app.running and app.overlay is not None and app.overlay.name == "close"
    assert app.button("Quit") is not None and app.button("No, go back") is not None
    key(app, pygame.K_RETURN)  # the key teams press all game: it keeps the game
    assert app.running and app.overlay is None and app.screen.name == "table"
    key(app, pygame.K_ESCAPE)
    app.post_click(app.button("Quit"))
    app.run_frames(2)
    assert app.overlay.name == "confirm" and "vladivostok-2019-autosave.json" in app.overlay.text
    key(app, pygame.K_RETURN)
    assert app.running
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    app.run_frames(1)
    pygame.event.post(pygame.event.Event(pygame.QUIT))  # closed again: the class means it
    app.run_frames(1)
    assert not app.running
    back = Session.load(autosave)
    assert back.state.fingerprint() == s.state.fingerprint() and back.humans == ["kim", "trump"]


def test_a_manual_save_is_named_by_the_month_on_screen(tmp_path):
    app = App(size=(1280, 720), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    app.start_session(Session.new(BASELINE, ("kim",), 3))
    _to_results(app)
    saved = app.save_game()
    assert re.fullmatch(r"vladivostok-2019-turn01-apr2019-\d{8}-\d{6}\.json", saved.name)  # April's results are shown
    assert "Esc, then Load game" in app.overlay.text


# --- glyphs -------------------------------------------------------------------------------------------


def _shown_texts() -> set[str]:
    """Everything the window can show: the UI's own strings and a whole game's words."""
    texts = set()
    for path in (ROOT / "game" / "ui").glob("*.py"):
        texts |= set(re.findall(r'"([^"\n]*)"', path.read_text(encoding="utf-8")))
    session = Session.new(BASELINE, ("kim", "trump"), 2019)
    session.autoplay(session.game.turns)
    for rep in session.history:
        texts |= set(rep.lines())
    sc = session.scenario
    texts |= {sc.title, sc.summary, *sc.discussion_questions}
    for f in sc.factors:
        texts |= {f.label, f.unit, f.description or "", f.rationale}
    for aid in session.actor_ids:
        texts |= {m.label + m.description + m.rationale + " ".join(m.expected) for m in narrate.all_moves(session.state, aid)}
    return texts


def test_every_glyph_is_in_the_shipped_font():
    pygame.freetype.init()
    chars = sorted({c for text in _shown_texts() for c in text if ord(c) > 126})
    assert chars  # dashes, minus signs, accents: there are some
    for name in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"):
        font = pygame.freetype.Font(str(T._gui_data_dir() / name), 20)
        missing = [c for c, m in zip(chars, font.get_metrics("".join(chars))) if m is None]
        assert not missing, f"{name} has no glyph for {missing}"


def test_the_start_screen_and_load_autosave_offer_the_game_the_window_was_closed_on(tmp_path):
    import subprocess
    import sys

    saves = tmp_path / "my saves"
    game = Session.new(BASELINE, ("kim",), 11)
    game.autoplay(3)
    game.autosave(saves)
    app = App(size=(1024, 768), strict=True, mc_worlds=4, save_dir=saves, export_dir=tmp_path / "out")
    app.show_start(BASELINE)
    app.run_frames(2)
    app.post_click(app.button("Continue the autosaved game"))
    app.run_frames(2)
    assert app.screen.name == "table" and app.session.state.fingerprint() == game.state.fingerprint()
    shot = tmp_path / "continued.png"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "play", "--load", "autosave", "--saves", str(saves),
                          "--screenshot", str(shot)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert shot.exists()
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "play", "--load", "autosave", "--saves",
                          str(tmp_path / "empty"), "--screenshot", str(shot)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 1 and "no autosave in" in out.stderr and "Traceback" not in out.stderr


# --- the table explains itself --------------------------------------------------------------------------


def test_a_team_sees_its_goals_and_every_outcome_is_explained_on_screen(tmp_path):
    from game import briefs, explain

    app = App(size=(1024, 768), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    app.start_session(Session.new(BASELINE, ("kim", "trump"), 2019))
    s = app.session
    key(app, pygame.K_RETURN)  # Kim's team at the keyboard
    assert s.phase == S.CHOOSE and s.current == "kim"
    brief = briefs.brief(s.state, "kim")
    shown = app.screen.details.html_text
    assert "Kim Jong Un: your goals, strongest first" in shown
    assert f"1. {brief.goals[0].words} ({brief.goals[0].share:.0%})" in shown.replace("&amp;", "&")
    key(app, pygame.K_g)  # the whole brief
    assert app.overlay.name == "brief" and "Who can stop you:" in app.overlay.body
    assert "Ask for relief first" in app.overlay.body
    key(app, pygame.K_RETURN)
    assert app.overlay is None
    _to_results(app)
    app.run_frames(200)
    record = s.state.records[0]
    reasons = {r.actor: r for r in explain.reasons(s.state, record)}
    news = app.screen.news_html()
    for r in reasons.values():
        assert r.words.replace("'", "&#x27;") in news  # chance, roll and why, in the news
    # the die: the roll bar beside each result (a chance below 100%)
    drawn = []
    app.screen.draw_die = lambda surf, rect, chance, roll: drawn.append((round(chance, 6), round(roll, 6)))
    app.run_frames(1)
    expected = sorted((round(r.chance, 6), round(r.roll, 6)) for r in reasons.values() if r.roll is not None and r.chance < 1)
    assert sorted(drawn) == expected
    # what moved a relation, as a breakdown that adds up to its change
    moved = explain.what_moved(s.state, record, s.state.x_closed[0])
    g = s.game
    change = next(c for c in moved if c.target >= g.n_factors)
    i, j = g.pairs[change.target - g.n_factors]
    lines = app.screen.hover_lines(("pair", int(i), int(j)))
    head = next(line for line in lines if line[0].startswith("What moved it in April 2019"))
    parts = [line for line in lines if len(line) == 4]
    assert head[0].endswith(f"{signed(change.before)} to {signed(change.after)}")
    assert sum(p[2] for p in parts) == pytest.approx(change.after - change.before, abs=1e-9)
    assert [p[0].split("  ", 1)[1] for p in parts] == [label for label, _ in change.parts]


def test_the_debrief_compares_each_team_with_its_own_world_played_by_the_computer(tmp_path):
    from game import scorecard

    app = App(size=(1280, 720), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    session = Session.new(BASELINE, ("kim",), 5, settings=S.Settings(last_turn=6))
    for _ in range(6):
        session.state.legal_actions("kim")
        session.model.submit({"kim": "kim_dismantle" if "kim_dismantle" in session.state.legal_actions("kim") else "kim_wait"})
        session.model.step()
    app.start_session(session)
    app.show_debrief()
    app.run_frames(2)
    c = app.screen.compared["kim"]
    replay = scorecard.same_world_by_ai(session.state, "kim")
    assert c.ai == pytest.approx(replay.state.scores()["kim"]) and c.months == 6
    assert c.team == pytest.approx(session.state.scores()["kim"])
    key(app, pygame.K_p)
    body = app.overlay.body
    assert "Kim Jong Un" in body and "the same world with the computer in this seat" in body
    rows = app.screen.by_goal["kim"]
    assert sum(r.points for r in rows) == pytest.approx(session.state.scores()["kim"])
    assert f"{rows[0].points:+.2f}  " in body
    app.screen.on_close()


# --- the advisor, the lens, the teacher's menu ------------------------------------------------------------


def _choosing(tmp_path, humans=("kim", "trump"), seed=2019, settings=None, size=(1280, 720)):
    app = App(size=size, strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    app.start_session(Session.new(BASELINE, humans, seed, settings=settings))
    s = app.session
    for _ in range(5):
        if s.phase == S.CHOOSE:
            break
        key(app, pygame.K_RETURN)
    assert s.phase == S.CHOOSE
    return app, s


def test_the_advisor_ranks_the_teams_moves_with_intervals_and_can_be_switched_off(tmp_path):
    from game import advisor

    app, s = _choosing(tmp_path, size=(1024, 768))
    before = s.state.fingerprint()
    key(app, pygame.K_a)
    assert app.overlay.name == "advisor"
    expected = advisor.advise(s.state, "kim")
    assert app.overlay.advice.forecasts == expected.forecasts  # the planner's own numbers, the same every time
    assert [f.move_id for f in expected.forecasts] and set(f.move_id for f in expected.forecasts) == set(s.state.legal_actions("kim"))
    app.run_frames(2)
    assert [f.label for _, f in app.overlay.rows] == [f.label for f in expected.forecasts]
    assert all(app.window.get_rect().contains(r) for r, _ in app.overlay.rows)
    app.screenshot(shots_dir(tmp_path) / "1024x768-advisor.png")
    key(app, pygame.K_RETURN)
    assert app.overlay is None and s.state.fingerprint() == before and s.phase == S.CHOOSE
    # the teacher switches it off
    key(app, pygame.K_t)
    app.post_click(app.button("Advisor: on"))
    app.run_frames(2)
    assert s.settings.advisor is False and app.button("Advisor: off") is not None
    key(app, pygame.K_RETURN)
    key(app, pygame.K_a)
    assert app.overlay.name == "message" and "switched the advisor off" in app.overlay.text


def test_the_lens_shows_two_leaders_stage_game(tmp_path):
    from game import lensview

    app, s = _choosing(tmp_path)
    key(app, pygame.K_t)
    key(app, pygame.K_l)
    assert app.overlay.name == "lens"
    table = lensview.stage_table(s.state, "kim", "trump")
    shown = app.overlay.table
    assert shown.actors == ("kim", "trump") and shown.labels == table.labels
    assert (shown.payoff == table.payoff).all() and shown.pure == table.pure
    app.run_frames(2)
    assert len(app.overlay.cells) == len(table.labels[0]) * len(table.labels[1])
    assert all(app.window.get_rect().contains(c) for c in app.overlay.cells.values())
    app.screenshot(shots_dir(tmp_path) / "1280x720-lens.png")
    key(app, pygame.K_TAB)
    assert app.overlay.table.actors != ("kim", "trump")


def test_the_teachers_menu_pauses_undoes_times_shortens_and_sets_off_events(tmp_path):
    app, s = _choosing(tmp_path, humans=("kim", "trump"), seed=4)
    key(app, pygame.K_1)
    key(app, pygame.K_RETURN)  # Kim confirms
    assert s.choices == {"kim": s.state.legal_actions("kim")[0]}
    key(app, pygame.K_t)
    key(app, pygame.K_u)  # undo the last confirm
    assert s.choices == {} and s.current == "kim" and "taken back" in app.overlay.text
    key(app, pygame.K_RETURN)
    key(app, pygame.K_RETURN) if s.phase == S.HANDOVER else None
    key(app, pygame.K_t)
    app.post_click(app.button("Timer: off"))
    app.run_frames(2)
    assert s.settings.timer == 60 and s.time_left == 60
    key(app, pygame.K_p)
    assert s.paused
    key(app, pygame.K_RETURN)
    app.run_frames(120)  # two seconds: a paused class keeps its time
    assert s.time_left == 60
    key(app, pygame.K_t)
    key(app, pygame.K_p)
    key(app, pygame.K_RETURN)
    app.run_frames(60 * 61)  # the minute runs out: the computer chooses for Kim
    assert s.timed_out == ["kim"] and "kim" in s.choices and app.overlay.name == "message"
    key(app, pygame.K_RETURN)
    key(app, pygame.K_t)
    app.post_click(app.button("Game length"))
    app.run_frames(2)
    assert s.last_turn == 18
    app.post_click(app.button("Set off an event"))
    app.run_frames(2)
    app.post_click(app.button("A ghost-ship network is exposed"))
    app.run_frames(2)
    assert s.phase == S.EVENTS and any("Network exposed" in e for e in s.pending_events()) and s.choices == {}


def test_tab_and_enter_answer_a_question_with_a_visible_focus_ring(tmp_path):
    app = App(size=(1280, 720), strict=True, mc_worlds=4, save_dir=tmp_path / "saves", export_dir=tmp_path / "out")
    from conftest import TINY

    app.start_session(Session.new(TINY, ("a", "b"), 3))
    s = app.session
    for _ in range(10):
        if s.phase == S.QUESTION:
            break
        if s.phase == S.CHOOSE:
            key(app, pygame.K_0 + next(m.number for m in s.legal_moves() if m.id in ("a_resolution", "b_wait")))
        key(app, pygame.K_RETURN)
    assert s.phase == S.QUESTION and s.question.move_id == "a_resolution"
    assert app.screen.focused_widget() is None
    key(app, pygame.K_TAB)
    assert app.screen.focused_widget() is app.screen.block_button
    key(app, pygame.K_TAB)
    assert app.screen.focused_widget() is app.screen.pass_button
    ring = app.screen.pass_button.rect.inflate(app.screen.L.n(10), app.screen.L.n(10))
    assert app.window.get_at(ring.midtop)[:3] == T.ACCENT  # the ring is drawn
    key(app, pygame.K_RETURN)
    assert s.answers == {("block", "b", "a_resolution"): False}


def test_text_size_and_high_contrast_keep_everything_inside_the_window(tmp_path):
    app, s = _choosing(tmp_path, size=(1024, 768))
    base = int(T._base_theme()["@news"]["font"]["size"])
    try:
        key(app, pygame.K_t)
        app.post_click(app.button("Text size: 100%"))
        app.run_frames(2)
        app.post_click(app.button("Text size: 125%"))
        app.run_frames(2)
        app.post_click(app.button("High contrast: off"))
        app.run_frames(2)
        assert T.text_scale == 1.5 and T.high_contrast and T.MUTED == (0, 0, 0)
        assert app.button("High contrast: on") is not None
        key(app, pygame.K_RETURN)
        app.run_frames(3)
        assert int(T.scaled_theme(app.layout.s)["@news"]["font"]["size"]) == round(base * app.layout.s * 1.5)
        assert_inside(app, "150% text, high contrast")
        key(app, pygame.K_1)
        assert "Wait Trump out" in app.screen.details.html_text
        app.screenshot(shots_dir(tmp_path) / "1024x768-large-text-contrast.png")
    finally:
        T.set_display(1.0, False)
    assert T.MUTED == (85, 85, 85) and T.text_scale == 1.0


def test_play_sets_a_shorter_game_a_timer_and_the_advisor_from_the_command_line(tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    shot = tmp_path / "short.png"
    base = [sys.executable, str(ROOT / "main.py"), "play", "vladivostok-2019", "--humans", "kim", "--saves", str(tmp_path)]
    out = subprocess.run(base + ["--months", "40", "--screenshot", str(shot)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode != 0 and "1 to 19 months, not 40" in out.stderr and "Traceback" not in out.stderr
    out = subprocess.run(base + ["--months", "6", "--timer", "90", "--no-advisor", "--autoplay", "6", "--screen", "debrief",
                                 "--screenshot", str(shot)], capture_output=True, text=True, env=env, timeout=180)
    assert out.returncode == 0, out.stderr
    import pygame as pg

    assert pg.image.load(str(shot)).get_size() == (1280, 720)
