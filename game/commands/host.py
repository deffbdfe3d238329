"""`summit host`: a networked class: the projector window here, every team in its own browser."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .common import AI_HELP, ai_spec
from ..errors import UsageError

NAME = "host"
HELP = "Host a class game on the local network: the projector shows the table, teams play in their browsers."


def add_arguments(p):
    p.add_argument("scenario", nargs="?", help="a shipped scenario id or a scenario file (with --resume: optional)")
    p.add_argument("--teams", default=None, metavar="ID,...",
                   help="leaders played by teams, e.g. kim,trump (default: teams take leaders as they join, "
                        "and the game starts when the teacher presses Space)")
    p.add_argument("--port", type=int, default=8000, help="the port teams connect to (default 8000)")
    p.add_argument("--bind", default=None, metavar="ADDRESS",
                   help="this machine's address on the classroom network (default: found automatically)")
    p.add_argument("--password", default="", help="a password teams must give to join (default: none)")
    p.add_argument("--timer", type=int, default=None, metavar="S",
                   help="seconds the teams have each month (and again for vetoes and offers); 0: no timer (the default; "
                        "with --resume: the saved game's)")
    p.add_argument("--on-timeout", choices=["ai", "hold"], default=None,
                   help="when time runs out, a team still deciding gets the AI's move (ai, the default) or holds course (hold)")
    p.add_argument("--months", type=int, default=None, metavar="N",
                   help="a shorter game: end after N months (default: the scenario's length)")
    p.add_argument("--no-advisor", action="store_true",
                   help="no advisor's forecast on the team pages (it is on by default)")
    p.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
    p.add_argument("--ai", type=ai_spec, default=None, metavar="SPEC", help=AI_HELP)
    p.add_argument("--save-dir", default=None, metavar="DIR",
                   help="where the game and every action are saved as they happen (default: saves/host-SCENARIO)")
    p.add_argument("--resume", action="store_true", help="continue the game saved in the save folder")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="projector window size (default 1280x720)")
    p.add_argument("--fullscreen", action="store_true", help="start the projector in full screen (F11 toggles)")
    p.add_argument("--no-window", action="store_true", help="no projector window: serve until Ctrl-C")
    p.add_argument("--screenshot", metavar="FILE", help="save the projector window to a PNG after start-up and exit")


def _room(args):
    """The classroom: a new game, or the one in the save folder (--resume)."""
    from ..catalog import find_scenario
    from ..loader import load_scenario
    from ..net.classroom import Classroom
    from ..net.journal import Journal

    settings = {"timer": args.timer, "on_timeout": args.on_timeout, "password": args.password}
    path = scenario = None
    if args.scenario:
        try:
            path = Path(find_scenario(args.scenario))
        except LookupError as exc:
            raise UsageError(f"{args.scenario}: {exc}") from None
        scenario = load_scenario(path)
    elif not (args.resume and args.save_dir):
        raise UsageError("give a scenario (or --resume with --save-dir DIR)")
    folder = Path(args.save_dir) if args.save_dir else Path("saves") / f"host-{scenario.id}"
    journal = Journal(folder)
    if args.resume:
        if args.months is not None or args.no_advisor:
            raise UsageError("--months and --no-advisor are set when a game starts; --resume keeps the saved game's")
        room, note = Classroom.resume(journal, **settings)
        if note:
            print(note, file=sys.stderr)
        return room, folder
    teams = [t.strip() for t in (args.teams or "").split(",") if t.strip()]
    ids = [a.id for a in scenario.actors]
    unknown = [t for t in teams if t not in ids]
    if unknown:
        raise UsageError(f"--teams: unknown leader(s) {', '.join(unknown)}; choose from {', '.join(ids)}")
    from ..strategies import parse_spec

    settings.update(timer=args.timer or 0, on_timeout=args.on_timeout or "ai", months=args.months,
                    advisor=not args.no_advisor)
    return Classroom.new(path, scenario, args.seed, teams=teams or None, ai=parse_spec(args.ai),
                         journal=journal, **settings), folder


def run(args) -> int:
    from ..net.classroom import OVER
    from ..net.host import Host, check_bind, local_address

    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port must be 1 to 65535, not {args.port}")
    bind = check_bind(args.bind) if args.bind else local_address()
    room, folder = _room(args)
    host = Host(room, bind, args.port)
    host.start()
    server = host.server
    print(f"Summit classroom: {room.game.scenario.title}")
    print(f"  Teams join at {server.join_url()}  (class code {room.code})")
    print(f"  Moderator (keep it private): {host.address}/teacher?key={room.teacher_key}")
    print(f"  Saved as it happens in {folder}; continue after a stop with: "
          f"python main.py host --resume --save-dir {folder}")
    try:
        if args.no_window:
            return _serve_until_stopped()
        return _projector(args, room, host)
    finally:
        host.stop()
        if room.journal is not None:
            room.journal.close()
        if room.phase != OVER:  # the window's own note names the hot seat's --load; a class goes on here
            print(f"To continue this class (the same codes; the pages reconnect): "
                  f"python main.py host --resume --save-dir {folder}", file=sys.stderr)


def _serve_until_stopped() -> int:
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("Stopped; the game is saved.", file=sys.stderr)
        return 0


def _projector(args, room, host) -> int:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    from .play import _screenshot_path, _size
    from ..net.projector import ProjectorScreen
    from ..ui.app import App

    shot = _screenshot_path(args.screenshot) if args.screenshot else None
    app = App(size=_size(args.size), strict=False, animate=not shot, save_dir=Path(room.journal.folder) if room.journal else "saves")
    if args.fullscreen:
        app.toggle_fullscreen()
    app.session = room.bridge.session
    app.set_screen(ProjectorScreen(app, room, host.server.join_url(), host.address))
    if shot:
        app.run_frames(3)
        app.screenshot(shot)
        print(f"Saved {shot}")
        return 0
    return app.run()
