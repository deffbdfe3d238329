"""`summit lint FILE`: warnings that `validate` does not give, each with a reason and a fix."""

from __future__ import annotations

import argparse
import json

from ..authoring import lint
from ..compiled import Game
from ..errors import UsageError
from .common import SET_HELP, open_loaded

NAME = "lint"
HELP = "Warn about what makes a valid scenario play badly (never-allowed or dominated moves, unread factors, ...), with a fix for each."


def add_arguments(p) -> None:
    p.add_argument("scenario", metavar="FILE", help="a scenario file or a shipped scenario's id")
    p.add_argument("--worlds", type=int, default=64, metavar="N", help="worlds in the quick batch it watches (default 64)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="seed of that batch (default 1)")
    p.add_argument("--quick", action="store_true", help="only what reading the file shows (no batch, no lens)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE", help=SET_HELP)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = (
        "Each warning is printed as PATH: what is wrong; how to fix it, with PATH written as for --set.\n"
        "Exit status: 0 with or without warnings (they are advice), 1 for a file validate refuses.\n"
        "Checks: effects over half a factor's range; factors nothing reads; preconditions that can never\n"
        "hold; short names that may be a given name; then, from the computer playing N worlds: moves never\n"
        "allowed or never chosen, factors stuck at a bound, moves dominated at every sampled month (the\n"
        "lens), closest partners that the relation propensities decide whatever the leaders do."
    )


def run(args) -> int:
    if not 1 <= args.worlds <= 10_000:
        raise UsageError("--worlds must be from 1 to 10000")
    loaded = open_loaded(args.scenario, args.sets)
    found = lint.static(loaded.scenario)
    if not args.quick:
        game = Game(loaded.scenario)
        found += lint.played(game, args.seed, args.worlds)
        found += lint.dominated(game, args.seed)
        found += lint.propensities(game, args.seed, args.worlds)
    if args.json:
        print(json.dumps({"scenario": loaded.scenario.id, "warnings": [f.as_dict() for f in found]}, indent=2, ensure_ascii=False))
        return 0
    watched = "" if args.quick else f" and {args.worlds} worlds played on seed {args.seed}"
    print(f"{loaded.filename} ({loaded.scenario.id}): {len(found)} warning{'s' * (len(found) != 1)} from reading it{watched}.")
    for f in found:
        print(f"  [{f.kind}] {f.words()}")
    return 0
