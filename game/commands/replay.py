"""`replay`: play one world of a batch again on its own and print its turn-by-turn history."""

from __future__ import annotations

import argparse
import sys

from .common import whole_number

NAME = "replay"
HELP = "Replay world K of a batch on its own, printing its history turn by turn (exactly as in the batch)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="output directory of a batch (holds manifest.json)")
    p.add_argument("--run", "-k", dest="run_index", type=whole_number, required=True, metavar="K", help="run index (the `run` column of runs.csv)")


def run(args: argparse.Namespace) -> int:
    from game.batch.replay import replay
    from game.errors import BatchError

    try:
        for line in replay(args.dir, args.run_index):
            print(line)
    except BatchError as e:
        print(f"summit replay: error: {e}", file=sys.stderr)
        return 2
    return 0
