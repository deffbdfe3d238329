"""`summit validate FILE...`: check scenario files and explain every problem in them."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..catalog import UnknownScenario, find_scenario, scenario_files
from ..loader import Problem, ScenarioError, load_scenario

NAME = "validate"
HELP = "Check scenario files; print every problem as FILE:LINE:COLUMN: what is wrong; what is allowed."


def add_arguments(p) -> None:
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="scenario files to check (a shipped scenario's id works too)")
    p.add_argument("--all", action="store_true", help="also check every shipped scenario in scenarios/")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object with the results instead of text")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = (
        "examples:\n"
        "  summit validate my-scenario.yaml\n"
        "  summit validate --all\n"
        "  summit validate --json scenarios/*.yaml\n"
        "\n"
        "Each problem is printed as FILE:LINE:COLUMN: where: what is wrong; what is allowed.\n"
        "Exit status: 0 when every file is valid, 1 when any has a problem, 2 on wrong usage.\n"
        "The scenario format is explained in docs/scenario-format.md."
    )


def _rel(path) -> str:
    """A path relative to the current folder when it lies inside it (shorter to read)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if rel.startswith("..") else rel


def check(name: str) -> dict:
    """Validate one file (or shipped id); the result as a JSON-ready dict."""
    result: dict = {"file": name, "ok": False, "id": None, "title": None, "problems": []}
    try:
        path = find_scenario(name)
        scenario = load_scenario(path)
    except UnknownScenario as exc:
        result["problems"] = [Problem(name, 0, 0, str(exc)).as_dict()]
    except ScenarioError as exc:
        result["problems"] = [p.as_dict() for p in exc.problems]
    else:
        result.update(ok=True, id=scenario.id, title=scenario.title, file=str(path),
                      actors=len(scenario.actors), turns=scenario.turns)
    return result


def run(args) -> int:
    names = list(args.files)
    if args.all:
        names += [n for n in (_rel(p) for p in scenario_files()) if n not in names]
    if not names:
        print("usage: summit validate [-h] [--all] [--json] [FILE ...]\n"
              "summit validate: error: give at least one FILE (or --all for the shipped scenarios)", file=sys.stderr)
        return 2
    results = [check(n) for n in names]
    if args.json:
        print(json.dumps({"ok": all(r["ok"] for r in results), "files": results}, indent=2, ensure_ascii=False))
    else:
        for r in results:
            if r["ok"]:
                print(f"{r['file']}: OK - '{r['id']}', {r['title']} ({r['actors']} actors, {r['turns']} turns)")
            else:
                for p in r["problems"]:
                    print(str(Problem(p["file"], p["line"], p["column"], p["message"])), file=sys.stderr)
        bad = [r for r in results if not r["ok"]]
        if bad:
            n = sum(len(r["problems"]) for r in bad)
            print(f"{len(bad)} of {len(results)} file{'s' if len(results) != 1 else ''} "
                  f"{'has' if len(bad) == 1 else 'have'} problems ({n} in all); "
                  "see docs/scenario-format.md for what each key means.", file=sys.stderr)
    return 0 if all(r["ok"] for r in results) else 1
