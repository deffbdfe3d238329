"""`summit list`: the shipped scenarios, with id, title and file."""

from __future__ import annotations

import json
import os

from ..catalog import SCENARIOS_DIR, scan

NAME = "list"
HELP = "List the shipped scenarios (id, title, file)."


def add_arguments(p) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _rel(path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def run(args) -> int:
    entries = scan()
    if args.json:
        print(json.dumps([{"id": e.id, "title": e.title, "file": _rel(e.path), "ok": e.error is None,
                           "problems": [p.as_dict() for p in e.error.problems] if e.error else []}
                          for e in entries], indent=2, ensure_ascii=False))
        return 0
    if not entries:
        print(f"No scenarios found in {_rel(SCENARIOS_DIR)}.")
        return 0
    rows = [("ID", "TITLE", "FILE")]
    for e in entries:
        if e.error is None:
            rows.append((e.id, e.title, _rel(e.path)))
        else:
            n = len(e.error.problems)
            rows.append(("(invalid)", f"{n} problem{'s' if n != 1 else ''}: run 'summit validate {_rel(e.path)}'", _rel(e.path)))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}")
    return 0
