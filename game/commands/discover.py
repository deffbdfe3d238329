"""`discover`: the input ranges where an outcome is likely (PRIM, cross-checked with CART)."""

from __future__ import annotations

import argparse
import sys

NAME = "discover"
HELP = "Find the ranges of a batch's inputs where an outcome is likely (scenario discovery: PRIM, checked with CART)."


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < v <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not above 0 and at most 1")
    return v


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", metavar="DIR", help="a finished batch with inputs (a design or a sweep)")
    p.add_argument("--outcome", required=True, metavar="EXPR",
                   help="true or false for each world, over runs.csv's columns, e.g. \"closest.kim == 'trump'\" "
                        "or \"relation.kim.trump > relation.kim.putin\"")
    p.add_argument("--min-coverage", type=_fraction, default=0.5, metavar="C",
                   help="report the densest box that still holds this share of the outcome's worlds (default 0.5)")
    p.add_argument("--mass-min", type=_fraction, default=0.05, metavar="M", help="smallest box, as a share of points (default 0.05)")
    p.add_argument("--peel-alpha", type=_fraction, default=0.05, metavar="A", help="share of points peeled at each step (default 0.05)")
    p.add_argument("--name", default="discover", metavar="NAME", help="file names of the results in DIR (default: discover.*)")


def run(args: argparse.Namespace) -> int:
    from game.batch import discover as sd
    from game.batch.results import open_batch
    from game.batch.runner import BatchError

    if not args.name.replace("-", "").replace("_", "").isalnum():
        print(f"summit discover: error: --name {args.name!r}: use letters, digits, - and _", file=sys.stderr)
        return 2
    try:
        batch = open_batch(args.directory)
        d = sd.discover(batch, args.outcome, args.min_coverage, args.peel_alpha, args.mass_min)
        files = sd.write(batch, d, args.name)
    except BatchError as e:
        print(f"summit discover: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"summit discover: error: needs the 'analysis' extra (pip install 'summit-game[analysis]'): {e}", file=sys.stderr)
        return 2
    print(sd.markdown(batch, d))
    print("written: " + ", ".join(str(f) for f in files), file=sys.stderr)
    return 0
