"""`summit diff A B`: what differs between two scenarios, by id and path, in words."""

from __future__ import annotations

import argparse
import json

from ..authoring.diff import compare, summary
from ..errors import UsageError
from ..loader import load
from .common import open_loaded

NAME = "diff"
HELP = "Show what differs between two scenarios (a variant and its base, two versions of a file), by id and path."


def add_arguments(p) -> None:
    p.add_argument("first", metavar="A", help="a scenario file or a shipped scenario's id")
    p.add_argument("second", metavar="B", nargs="?",
                   help="another scenario file or id (left out: A is a variant, compared with what it extends)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = (
        "examples:\n"
        "  summit diff vladivostok-2019 china-enforces-2019\n"
        "  summit diff old/my-scenario.yaml my-scenario.yaml\n"
        "  summit diff my-variant.yaml                 (what it changes in the scenario it extends)\n"
        "Each line is PATH: value in A -> value in B, or PATH: only in A / only in B. Paths are written\n"
        "as for --set and an extends file's set:, and items are matched by id, not by position."
    )


def run(args) -> int:
    if args.second is None:
        b = open_loaded(args.first)
        if not b.extends:
            raise UsageError(f"{args.first} extends no other scenario: give two scenarios to compare, e.g. "
                             f"summit diff vladivostok-2019 {args.first}")
        args.first, args.second = str(b.files[1]), args.first
        a = load(b.files[1])
    else:
        a, b = open_loaded(args.first), open_loaded(args.second)
    changes = compare(a.scenario, b.scenario)
    names = (a.scenario.id, b.scenario.id) if a.scenario.id != b.scenario.id else (args.first, args.second)
    if args.json:
        print(json.dumps({"a": args.first, "b": args.second, "changes": [c.as_dict() for c in changes]},
                         indent=2, ensure_ascii=False, default=str))
        return 0
    print(f"{args.first} ({a.scenario.id}) -> {args.second} ({b.scenario.id})")
    for c in changes:
        print("  " + c.words(names))
    print(summary(changes) if changes else "No differences: the two scenarios are the same once checked.")
    return 0
