"""`compare`: run the same batch on several scenarios and show their outcome tables side by side."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

from .common import whole_number

NAME = "compare"
HELP = "Run several scenarios N times each (same seed) and show how likely each outcome is, side by side."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="two or more scenario files")
    p.add_argument("--runs", "-n", type=whole_number, required=True, metavar="N", help="worlds per scenario")
    p.add_argument("--seed", "-s", type=whole_number, required=True, metavar="S", help="random seed (the same for every scenario)")
    p.add_argument("--workers", "-w", type=whole_number, metavar="W", help="local worker processes (default: every core)")
    p.add_argument("--out", "-o", metavar="DIR", help="keep each scenario's batch in DIR/NAME and write DIR/compare.md")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster (extra 'cluster')")
    p.add_argument("--chunk-size", type=whole_number, metavar="K", help="worlds per chunk (default: up to 2000)")
    p.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
        help="change a number in every scenario compared, e.g. actors.kim.rationality=3 (repeatable)",
    )


def _names(paths: list[str]) -> list[str]:
    names = []
    for p in paths:
        base = Path(p).stem
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names


def compare(args, stdout=None, stderr=None) -> int:
    from game.batch import BatchError, Request, execute, prepare
    from game.batch.assemble import write_text_atomic
    from game.batch.report import md as report_md
    from game.batch.report import outcome_table

    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if len(args.scenarios) < 2:
        raise BatchError("compare needs at least two scenario files")
    names = _names(args.scenarios)
    with contextlib.ExitStack() as stack:
        if args.out:
            root = Path(args.out)
            if root.exists() and (not root.is_dir() or any(root.iterdir())):
                raise BatchError(f"--out {root} is not a new or empty directory")
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="summit-compare-")))
        # Check every scenario before running any.
        made_root = not root.exists()
        prepared = []
        try:
            for scen, name in zip(args.scenarios, names):
                req = Request(
                    scenario=scen, runs=args.runs, seed=args.seed, out=str(root / name), workers=args.workers,
                    chunk_size=args.chunk_size, scheduler=args.scheduler, plots=bool(args.out), quiet=True,
                    sets=list(getattr(args, "sets", [])),
                )
                prepared.append(prepare(req))
        except BatchError:
            # prepare() creates each output directory; leave nothing behind when one scenario fails.
            for p in prepared:
                with contextlib.suppress(OSError):
                    p.out.rmdir()
            if made_root and args.out:
                with contextlib.suppress(OSError):
                    root.rmdir()
            raise
        summaries = []
        for name, p in zip(names, prepared):
            print(f"compare: {name}: {args.runs:,} runs ...", file=stderr, flush=True)
            res = execute(p, stdout=stdout, stderr=stderr)
            if res.status != 0:
                return res.status
            summaries.append(res.summary)
    points = [s["points"][0] for s in summaries]
    head = f"{args.runs:,} runs per scenario, seed {args.seed}; probabilities with 95% Wilson intervals"
    if getattr(args, "sets", None):
        head += "; in every scenario: " + ", ".join(args.sets)
    print("\n" + head + "\n", file=stdout)
    print(outcome_table(points, names), file=stdout)
    if args.out:
        md = ["# Scenario comparison", "", head, ""]
        md += [f"- {report_md(n)}: `{report_md(s['scenario']['file'])}` ({report_md(s['scenario']['title'])})" for n, s in zip(names, summaries)]
        md += ["", outcome_table(points, names, markdown=True, top_splits=10), ""]
        write_text_atomic(Path(args.out) / "compare.md", "\n".join(md))
        data = {"runs": args.runs, "seed": args.seed, "scenarios": [{"name": n, **s} for n, s in zip(names, summaries)]}
        write_text_atomic(Path(args.out) / "compare.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    from game.batch import BatchError

    try:
        return compare(args)
    except BatchError as e:
        print(f"summit compare: error: {e}", file=sys.stderr)
        return 2
