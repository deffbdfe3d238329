"""`summit play`: open the classroom front end (pygame-ce + pygame_gui)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .common import AI_HELP, ai_spec
from ..errors import SummitError, UsageError
from ..files import Refused, check_output, explain

NAME = "play"
HELP = "Play a scenario in a window: the class at the table, the AI for the other leaders."


def add_arguments(p):
    p.add_argument("scenario", nargs="?", help="a shipped scenario id or a scenario file (default: the start screen)")
    p.add_argument("--humans", default=None, metavar="ID,...", help="leaders played by students, e.g. kim,trump (default: none)")
    p.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    p.add_argument("--autoplay", type=int, default=0, metavar="TURNS", help="let the AI play this many turns first")
    p.add_argument("--screenshot", metavar="FILE", help="save the window to a PNG after start-up and exit")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="window size (default 1280x720)")
    p.add_argument("--fullscreen", action="store_true", help="start in full screen (F11 toggles)")
    p.add_argument("--load", metavar="SAVE", help="continue a saved game (JSON); 'autosave': the newest autosave in --saves")
    p.add_argument("--months", type=int, default=None, metavar="N",
                   help="a shorter game: end after N months, the debrief scored to them (default: the scenario's length)")
    p.add_argument("--timer", type=int, default=0, metavar="S",
                   help="seconds each team has to choose; when they run out the computer chooses (default 0: no timer)")
    p.add_argument("--no-advisor", action="store_true", help="no advisor (A) for the teams")
    p.add_argument("--saves", default="saves", metavar="DIR", help="folder for saves and autosaves (default: saves)")
    p.add_argument("--batch", metavar="DIR", help="a Monte Carlo batch directory (with manifest.json)")
    p.add_argument("--run", dest="world", type=int, default=None, metavar="K", help="with --batch: open world K and step through it")
    p.add_argument("--screen", choices=["start", "table", "debrief", "menu", "help"], default=None,
                   help="with --screenshot: which screen to capture (default: the one the options lead to)")
    p.add_argument("--worlds", type=int, default=400, help="AI-only worlds to compare with in the debrief (default 400)")
    p.add_argument("--ai", type=ai_spec, default=None, metavar="SPEC", help=AI_HELP)
    p.add_argument("--watch", action="store_true",
                   help="reload the scenario file whenever it (or a file it extends) is saved: same seed, same month; "
                        "its problems are shown on screen")


MAX_SIZE = (7680, 4320)  # an 8K screen; a window never needs more
SCREENSHOT_TYPES = (".png", ".jpg", ".jpeg", ".bmp", ".tga")


def _size(text: str) -> tuple[int, int]:
    """--size WxH: at least 640x360 (smaller is raised to it), at most MAX_SIZE."""
    m = re.fullmatch(r"\s*(\d{1,9})\s*[xX]\s*(\d{1,9})\s*", text)
    if not m:
        raise UsageError(f"--size must look like 1280x720, not {text!r}")
    w, h = int(m[1]), int(m[2])
    if w > MAX_SIZE[0] or h > MAX_SIZE[1]:
        raise UsageError(f"--size {w}x{h} is larger than any screen; at most {MAX_SIZE[0]}x{MAX_SIZE[1]}")
    return max(640, w), max(360, h)


def _screenshot_path(text: str) -> Path:
    """--screenshot FILE: a new or regular file of an image type, in a folder that can be written."""
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"--screenshot {path} is a folder; give a file name such as {path / 'summit.png'}")
    if path.suffix.lower() not in SCREENSHOT_TYPES:
        raise UsageError(f"--screenshot {path}: give a file name ending in .png (or {', '.join(SCREENSHOT_TYPES[1:])})")
    folder = next((p for p in (path.parent, *path.parent.parents) if p.exists()), Path("."))
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--screenshot {path}: cannot write in {folder} (permission denied or not a folder)")
    try:
        check_output(path)
    except Refused as exc:
        raise UsageError(f"--screenshot {exc.strerror}") from None
    except OSError as exc:
        raise UsageError(f"--screenshot {path}: {explain(exc)}") from None
    return path


def run(args) -> int:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")  # Ctrl-C and SIGTERM are ours: a clean stop with an autosave
    if args.world is not None and not args.batch:
        print("summit play: error: --run needs --batch DIR", file=sys.stderr)
        return 2
    if args.watch and (not args.scenario or args.load or args.batch):
        raise UsageError("--watch needs a scenario FILE to watch (not --load or --batch)")
    size = _size(args.size)
    shot = _screenshot_path(args.screenshot) if args.screenshot else None
    import pygame

    from game.ui import engine
    from game.ui.app import App
    from game.compiled import Game
    from game.session import Session

    app = App(size=size, strict=False, mc_worlds=args.worlds, animate=not args.screenshot, save_dir=args.saves)
    if args.fullscreen:
        app.toggle_fullscreen()
    humans = [h.strip() for h in (args.humans or "").split(",") if h.strip()]
    if args.watch:
        from game.strategies import parse_spec
        from game.ui.watch import Recipe

        app.watch(Recipe(engine.find_scenario(args.scenario), tuple(humans), args.seed, parse_spec(args.ai)))
    try:
        if args.load == "autosave":
            from game.session import newest_autosave

            found = newest_autosave(args.saves)
            if found is None:
                raise UsageError(f"--load autosave: no autosave in {args.saves}; games are autosaved there every month")
            session = Session.load(found)
        elif args.load:
            session = Session.load(args.load)
        elif args.batch:
            session = Session.from_batch(args.batch, args.world if args.world is not None else 0)
        elif args.scenario:
            path = engine.find_scenario(args.scenario)
            scenario = engine.load_scenario(path)
            ids = [a.id for a in scenario.actors]
            unknown = [h for h in humans if h not in ids]
            if unknown:
                print(f"summit play: error: unknown leader(s) {', '.join(unknown)}; choose from {', '.join(ids)}", file=sys.stderr)
                return 2
            from game.strategies import parse_spec

            ai = parse_spec(args.ai)
            unknown = [a for a in (ai if isinstance(ai, dict) else {}) if a not in ids]
            if unknown:
                print(f"summit play: error: --ai: unknown leader(s) {', '.join(unknown)}; choose from {', '.join(ids)}", file=sys.stderr)
                return 2
            from game.session import Settings

            settings = Settings(advisor=not args.no_advisor, timer=args.timer, last_turn=args.months)
            try:
                settings.checked(Game(scenario))
            except ValueError as exc:
                raise UsageError(f"--months/--timer: {exc}") from None
            session = Session.new(path, humans, args.seed, scenario=scenario, ai=ai, settings=settings)
        else:
            session = None
    except (engine.ScenarioProblem, SummitError, ValueError) as exc:
        print(f"summit play: {exc}", file=sys.stderr)
        if args.screenshot:
            return 1
        # In class: the start screen (with a broken file's messages) and the problem in a message.
        scenario_path = Path(args.scenario) if args.scenario and Path(args.scenario).exists() else None
        app.show_start(scenario_path)
        if scenario_path is None:
            app.show_message("Cannot open that", str(exc), error=True)
        return app.run()
    if session is None:  # the teacher picks the scenario; --humans and --seed are preselected
        app.show_start(Path(args.scenario) if args.scenario else None, humans, args.seed)
    else:
        if args.autoplay:
            session.autoplay(args.autoplay)
        app.start_session(session)
    screen = args.screen
    if screen == "start":
        app.show_start()
    elif screen == "table" and session is not None:
        app.show_table()
    elif screen == "debrief" and session is not None:
        app.show_debrief()
    elif screen == "menu":
        app.open_menu()
    elif screen == "help":
        app.open_help()
    if args.screenshot:
        app.run_frames(3)
        if app.screen is not None and app.screen.name == "debrief":
            import time

            deadline = time.monotonic() + 60
            while not app.screen.mc.finished and time.monotonic() < deadline:
                time.sleep(0.05)
            app.run_frames(2)
        try:
            out = app.screenshot(shot)
        except (OSError, pygame.error) as exc:
            reason = explain(exc) if isinstance(exc, OSError) else str(exc)
            print(f"summit play: error: cannot save the screenshot to {shot}: {reason}", file=sys.stderr)
            return 1
        print(f"Saved {out}")
        return 0
    return app.run()
