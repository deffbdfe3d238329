"""Replay one world of a batch: the scenario, overrides and seed come from the manifest."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import yaml

from game.batch import designs as dz
from game.batch import overrides as ov
from game.batch.runner import MANIFEST, SCENARIO_COPY


class ReplayError(Exception):
    """A problem with the batch directory or the run index (exit status 2)."""


def load_world(directory: str | Path, run: int):
    """(game, state at turn 0, manifest, point values, world index) for run K of a batch."""
    from game import __version__
    from game.compiled import Game
    from game.loader import ScenarioError, parse_scenario

    d = Path(directory)
    mpath = d / MANIFEST
    if not mpath.is_file():
        raise ReplayError(f"{d}: not a batch directory (no {MANIFEST})")
    try:
        m = json.loads(mpath.read_text(encoding="utf-8"))
        runs, seed = int(m["runs"]), int(m["seed"])
        sets = list(m["sets"])
        sweeps = [ov.Sweep(s["path"], tuple(s["values"])) for s in m["sweeps"]]
        varies = [dz.Vary(v["path"], float(v["low"]), float(v["high"]), bool(v.get("integer"))) for v in m.get("vary") or []]
        design = dz.Design(str(m["design"]["kind"]), int(m["design"]["n"])) if m.get("design") else None
        sha = m["scenario"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ReplayError(f"{mpath}: unreadable manifest ({e})") from None
    points = ov.grid(sweeps) if design is None else design_points(design, varies, seed, m["design"].get("sha256"))
    total = runs * len(points)
    if not 0 <= run < total:
        raise ReplayError(f"--run must be from 0 to {total - 1} (this batch has {total:,} runs)")
    candidates = [d / m["scenario"].get("copy", SCENARIO_COPY), Path(m["scenario"]["file"])]
    raw_bytes = None
    for c in candidates:
        if c.is_file() and hashlib.sha256(c.read_bytes()).hexdigest() == sha:
            raw_bytes = c.read_bytes()
            break
    if raw_bytes is None:
        raise ReplayError(
            f"the scenario of this batch is gone or changed (neither {candidates[0]} nor {candidates[1]} has sha256 {sha[:16]}…)"
        )
    if m.get("version") != __version__:
        print(f"note: the batch was made by version {m.get('version')}; this is {__version__}", flush=True)
    point, world = divmod(run, runs)
    values = points[point]
    try:
        data = ov.apply(yaml.safe_load(raw_bytes), [ov.parse_set(t) for t in sets])
        data = ov.apply(data, [ov.Setting(p, v) for p, v in values.items()])
        game = Game(parse_scenario(data, m["scenario"]["file"]))
    except (ov.OverrideError, ScenarioError) as e:
        raise ReplayError(f"cannot rebuild the batch's scenario: {e}") from None
    state = game.new_state(seed, worlds=np.array([world], dtype=np.int64))
    return game, state, m, values, world


def design_points(design, varies: list, seed: int, sha: str | None) -> list[dict]:
    """The points of a batch's design, drawn again (and checked against the manifest's fingerprint)."""
    try:
        x = dz.sample(design, varies, seed)
    except ov.OverrideError as e:
        raise ReplayError(f"cannot draw the batch's design again: {e}") from None
    if sha is not None and dz.fingerprint(x) != sha:
        raise ReplayError("the design drawn now differs from the batch's (another version of SALib?); cannot replay it exactly")
    paths = [v.path for v in varies]
    return [dict(zip(paths, map(float, row))) for row in x.tolist()]


def batch_row(directory: str | Path, run: int) -> dict | None:
    """Run K's row of runs.csv, if the batch has finished."""
    path = Path(directory) / "runs.csv"
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if int(row["run"]) == run:
                return row
    return None


def replay(directory: str | Path, run: int) -> list[str]:
    game, state, m, values, world = load_world(directory, run)
    lines = [
        f"Run {run} of batch {directory}: {m['scenario']['title']} ({m['scenario']['file']}), "
        f"seed {m['seed']}, world {world}" + (f", {', '.join(f'{k}={ov.format_value(v)}' for k, v in values.items())}" if values else "")
        + (f", with {', '.join(m['sets'])}" if m["sets"] else ""),
        "",
    ]
    while not state.over:
        state.advance()
    for report in state.history:
        lines += report.lines()
    lines.append("")
    lines.append("At the end:")
    factors = state.factors()
    for f, v in factors.items():
        lines.append(f"  {f} = {v:.6g}")
    for a, p in state.closest_partners().items():
        lines.append(f"  {a}'s closest partner: {p}")
    scores = state.scores()
    lines.append("  scores: " + ", ".join(f"{a} {v:.4g}" for a, v in scores.items()))
    row = batch_row(directory, run)
    if row is not None:
        same = all(float(row[f"factor.{f}"]) == v for f, v in factors.items()) and all(
            float(row[f"score.{a}"]) == v for a, v in scores.items()
        )
        lines.append(
            "This matches the batch's row in runs.csv." if same else "WARNING: this differs from the batch's row in runs.csv."
        )
    return lines
