"""`sensitivity`: Sobol', Morris or delta indices of a design batch's outputs (SALib)."""

from __future__ import annotations

import argparse
import sys

from .common import whole_number

NAME = "sensitivity"
HELP = "Rank the inputs of a design batch (--vary/--design) by how much they move each outcome: Sobol', Morris or delta indices."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", metavar="DIR", help="a finished design batch (batch ... --vary PATH=LOW:HIGH --design KIND:N)")
    p.add_argument("--column", action="append", default=[], metavar="NUMBER",
                   help="also analyse the mean of a final number, e.g. factor.oil_price or relation.kim.trump (repeatable)")
    p.add_argument("--resamples", type=whole_number, default=1000, metavar="R", help="bootstrap resamples for the intervals (default 1000)")
    p.add_argument("--top", type=whole_number, default=12, metavar="K", help="outputs printed (all are written; default 12)")


def run(args: argparse.Namespace) -> int:
    from game.batch import sensitivity as sa
    from game.batch.results import open_batch
    from game.batch.runner import BatchError

    try:
        if args.resamples < 10:
            raise BatchError(f"--resamples must be at least 10 (got {args.resamples})")
        batch = open_batch(args.directory)
        df = sa.analyse(batch, args.column, resamples=args.resamples)
        files = sa.write(batch, df)
    except BatchError as e:
        print(f"summit sensitivity: error: {e}", file=sys.stderr)
        return 2
    except ImportError as e:
        print(f"summit sensitivity: error: needs the 'analysis' extra (pip install 'summit-game[analysis]'): {e}", file=sys.stderr)
        return 2
    text = sa.markdown(batch, df[df["output"].isin(list(dict.fromkeys(sa.ranked(df, args.top)["output"])) or df["output"])])
    print(text)
    print("written: " + ", ".join(str(f) for f in files), file=sys.stderr)
    return 0
