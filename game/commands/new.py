"""`summit new FILE [--actors N | --from SCENARIO]`: start a scenario from a skeleton that plays."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..authoring import skeleton
from ..errors import UsageError
from ..files import Refused, explain, write_atomic
from ..limits import MAX_ACTORS
from ..loader import load
from .common import scenario_path

NAME = "new"
HELP = "Write a new scenario file: a commented skeleton that validates and plays, with a TODO at each number to decide."


def add_arguments(p) -> None:
    p.add_argument("file", metavar="FILE", help="the scenario file to write (it must not exist yet)")
    p.add_argument("--actors", type=int, default=3, metavar="N", help=f"how many leaders, 2 to {MAX_ACTORS} (default 3)")
    p.add_argument("--from", dest="base", metavar="SCENARIO",
                   help="write a variant of SCENARIO (a shipped id or a file): an `extends:` file with its headline numbers")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = (
        "examples:\n"
        "  summit new my-scenario.yaml --actors 4\n"
        "  summit new cheap-oil.yaml --from vladivostok-2019\n"
        "Then: summit validate FILE, summit play FILE, summit lint FILE.\n"
        "The format is explained in docs/scenario-format.md."
    )


def run(args) -> int:
    out = Path(args.file)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"{out}: give the new file a .yaml name, e.g. {out.with_suffix('.yaml').name}")
    if os.path.lexists(out):
        raise UsageError(f"{out} already exists; 'new' never overwrites a file: give another name, or delete it first")
    if not out.parent.is_dir():
        raise UsageError(f"the folder {out.parent} does not exist; create it first")
    if args.base is not None:
        if args.actors != 3:
            raise UsageError("--actors and --from cannot be combined: a variant keeps its base's leaders")
        base_path = scenario_path(args.base)
        base = load(base_path)
        text = skeleton.variant(out, _reference(args.base, base_path, out), base)
        what = f"a variant of {base.scenario.id}"
    else:
        if not 2 <= args.actors <= MAX_ACTORS:
            raise UsageError(f"--actors must be from 2 to {MAX_ACTORS}")
        text = skeleton.fresh(out, args.actors)
        what = f"a scenario with {args.actors} leaders"
    try:
        write_atomic(out, text)
    except (Refused, OSError) as exc:
        raise UsageError(f"cannot write {out}: {explain(exc)}") from None
    todo = sum("TODO" in line for line in text.splitlines())
    print(f"Wrote {out}: {what}, valid and playable as it stands, with {todo} lines marked TODO to decide.")
    print(f"Next: edit it, then  python main.py validate {out}  and  python main.py play {out}")
    return 0


def _reference(name: str, path: Path, out: Path) -> str:
    """How the new file names its base: the shipped id, or the base's path relative to the new file."""
    from ..catalog import SCENARIOS_DIR

    if not os.path.exists(name) and Path(path).resolve().parent == SCENARIOS_DIR.resolve():
        return Path(path).stem
    return os.path.relpath(Path(path).resolve(), out.resolve().parent)
