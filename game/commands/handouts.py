"""`summit handouts SCENARIO --out DIR`: the teacher's kit of a scenario as print-ready HTML."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..files import Refused, explain, write_atomic
from .common import open_game

NAME = "handouts"
HELP = "Write the teacher's kit of a scenario (lesson plan, role cards, glossary, debrief guide, sources) as print-ready HTML."
KIT_DOCS = Path(__file__).resolve().parents[2] / "docs" / "teaching"
SHARED = ("what-happened-next.html", "reading-list.html")  # hand-written pages about the 2019-2020 setting


def add_arguments(p):
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the id of a shipped scenario")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the pages (created if needed)")


def run(args) -> int:
    from ..teaching import write_kit

    game = open_game(args.scenario)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder")
    extra = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        if game.scenario.start_date.year == 2019:  # the shipped setting: what happened next, and what to read
            for name in SHARED:
                target = out / name
                write_atomic(target, (KIT_DOCS / name).read_bytes())
                extra.append(target)
        written = write_kit(game, out, extra)
    except Refused as exc:
        raise UsageError(f"--out {exc.strerror}") from None
    except OSError as exc:
        raise UsageError(f"--out {out}: {explain(exc)}") from None
    for path in written[:-1] + extra:
        print(f"  {path}")
    print(f"Wrote the teacher's kit of {game.scenario.id}: open {written[-1]} and print from the browser.")
    return 0
