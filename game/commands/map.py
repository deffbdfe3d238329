"""`summit map FILE --out map.svg|png`: a picture of what moves what in a scenario."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..files import Refused, atomic_path, explain
from .common import open_loaded

NAME = "map"
HELP = "Draw a map of a scenario: moves and events -> the factors and relations they change -> whose payoff weighs them."


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="FILE", help="a scenario file or a shipped scenario's id")
    p.add_argument("--out", required=True, metavar="FILE", help="the picture to write: a .svg or .png file")


def run(args) -> int:
    from ..authoring.scenario_map import CAUSE, LEADER, TARGET, draw

    out = Path(args.out)
    if out.suffix.lower() not in (".svg", ".png"):
        raise UsageError(f"--out {out}: give a .svg or .png file name")
    if out.is_dir() or not out.parent.is_dir():
        raise UsageError(f"--out {out}: give a file name in a folder that exists")
    loaded = open_loaded(args.scenario)
    try:
        with atomic_path(out) as tmp:
            g = draw(loaded.scenario, tmp, out.suffix.lower().lstrip("."))
    except (Refused, OSError) as exc:
        raise UsageError(f"cannot write {out}: {explain(exc)}") from None
    count = {k: sum(1 for _, d in g.nodes(data=True) if d["layer"] == k) for k in (CAUSE, TARGET, LEADER)}
    print(f"Wrote {out}: {count[CAUSE]} moves and events -> {count[TARGET]} factors and relations -> "
          f"{count[LEADER]} leaders, {g.number_of_edges()} arrows.")
    return 0
