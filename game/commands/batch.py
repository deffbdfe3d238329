"""`batch`: run a scenario many times without a screen and summarise the outcomes."""

from __future__ import annotations

import argparse
import sys

from .common import AI_HELP, ai_spec, whole_number

NAME = "batch"
HELP = "Run a scenario many times headless (Monte Carlo) and summarise how likely each outcome is."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the id of a shipped scenario")
    p.add_argument("--runs", "-n", type=whole_number, required=True, metavar="N", help="number of worlds (per sweep point)")
    p.add_argument("--seed", "-s", type=whole_number, required=True, metavar="S", help="random seed (0 .. 2**63-1)")
    p.add_argument("--workers", "-w", type=whole_number, metavar="W", help="local worker processes (default: every core)")
    p.add_argument("--out", "-o", metavar="DIR", help="output directory (default: runs/SCENARIO-seedS-nN)")
    p.add_argument("--steps", action="store_true", help="also keep every world's per-turn factors and relations (steps.npz)")
    p.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
        help="change a scenario number, e.g. factors.oil_price.initial=40 (repeatable)",
    )
    p.add_argument(
        "--sweep", dest="sweeps", action="append", default=[], metavar="PATH=V1,V2,...",
        help="run the batch for each value; several sweeps form a grid (repeatable)",
    )
    p.add_argument(
        "--vary", action="append", default=[], metavar="PATH=LOW:HIGH",
        help="a number an experiment design varies over a range (repeatable; needs --design)",
    )
    p.add_argument(
        "--design", metavar="KIND:N",
        help="lhs:N (Latin hypercube), sobol:N (N*(D+2) points, for Sobol' indices), morris:N (N trajectories), grid:K",
    )
    p.add_argument(
        "--until-ci", type=float, metavar="W",
        help="add worlds until every probability's 95%% interval is narrower than W (e.g. 0.02); --runs is the cap",
    )
    p.add_argument("--resume", action="store_true", help="continue an interrupted batch in --out")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (extra 'cluster')")
    p.add_argument("--chunk-size", type=whole_number, metavar="K", help="worlds per chunk (default: about four per worker, 250..2000 worlds)")
    p.add_argument("--no-plots", dest="plots", action="store_false", help="skip the PNG plots")
    p.add_argument("--ai", type=ai_spec, default=None, metavar="SPEC", help=AI_HELP + " (the planner is far slower)")


def run(args: argparse.Namespace) -> int:
    from game.batch import BatchError, Request, run_batch

    req = Request(
        scenario=args.scenario,
        runs=args.runs,
        seed=args.seed,
        out=args.out,
        sets=list(args.sets),
        sweeps=list(args.sweeps),
        vary=list(args.vary),
        design=args.design,
        until_ci=args.until_ci,
        steps=args.steps,
        workers=args.workers,
        chunk_size=args.chunk_size,
        resume=args.resume,
        scheduler=args.scheduler,
        plots=args.plots,
        ai=args.ai,
    )
    try:
        return run_batch(req).status
    except BatchError as e:
        print(f"summit batch: error: {e}", file=sys.stderr)
        return 2
