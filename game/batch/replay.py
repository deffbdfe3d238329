"""Replay one world of a batch: the scenario, overrides and seed come from the manifest.

Everything read from the batch directory is untrusted: the manifest goes through its model
(`game.batch.manifest`), the scenario's copy through the one scenario loader (after its
checksum is compared with the manifest's), and `runs.csv` row by row with every value checked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path

import numpy as np

from game.batch import designs as dz
from game.loader import overrides as ov
from game.batch.manifest import MANIFEST, Manifest, read_manifest
from game.errors import BatchError
from game.files import open_regular


class ReplayError(BatchError):
    """A problem with the batch directory or the run index (exit status 2)."""


def _scenario_bytes(d: Path, m: Manifest) -> tuple[bytes, str]:
    """The batch's scenario file (its copy in the batch, else the original), as the manifest's checksum says."""
    from game.loader import ScenarioError, read_bytes

    tried = []
    for c in dict.fromkeys([d / m.scenario.copy_name, Path(m.scenario.file)]):
        try:
            raw = read_bytes(c)
        except ScenarioError as e:
            tried.append(f"{c}: {e.problems[0].message}")
            continue
        if hashlib.sha256(raw).hexdigest() == m.scenario.sha256:
            return raw, str(c)
        tried.append(f"{c}: changed since the batch ran (its sha256 is not {m.scenario.sha256[:16]}…)")
    raise ReplayError("the scenario of this batch is gone or changed: " + "; ".join(tried))


def point_values(sweeps: list[ov.Sweep], point: int) -> dict:
    """The swept values of one point of the grid (the first sweep varies slowest), without building the grid."""
    values = {}
    for s in reversed(sweeps):
        point, k = divmod(point, len(s.values))
        values[s.path] = s.values[k]
    return dict(reversed(list(values.items())))


def load_world(directory: str | Path, run: int):
    """(game, model at turn 0, manifest, point values, world index) for run K of a batch."""
    from game import __version__
    from game.compiled import Game
    from game.loader import ScenarioError, decode, loads, parse_scenario, read_yaml
    from game.model import SummitModel

    d = Path(directory)
    try:
        m = read_manifest(d)
    except BatchError as e:
        raise ReplayError(str(e)) from None
    if _newer(m.version, __version__):
        raise ReplayError(f"this batch was made by a newer Summit ({m.version}); this is {__version__}: update Summit to replay it")
    runs = _runs_kept(d, m)
    total = runs * m.points
    if not 0 <= run < total:
        raise ReplayError(f"--run must be from 0 to {total - 1} (this batch has {total:,} runs)")
    raw, source = _scenario_bytes(d, m)
    if m.version != __version__:
        print(f"note: the batch was made by version {m.version}; this is {__version__}", flush=True)
    point, world = divmod(run, runs)
    if m.design is None:
        values = point_values([ov.Sweep(s.path, tuple(s.values)) for s in m.sweeps], point)
    else:
        varies = [dz.Vary(v.path, v.low, v.high, v.integer) for v in m.vary]
        values = design_points(dz.Design(m.design.kind, m.design.n), varies, m.seed, m.design.sha256)[point]
    try:
        text = decode(raw, source)
        head = read_yaml(text, source).data
        if isinstance(head, dict) and "extends" in head:
            # a batch keeps a self-contained copy: never follow a path named in it
            raise ReplayError(f"{source}: the batch's copy of its scenario extends another file; a batch writes "
                              "its copy with the base resolved into it, so this copy was changed by hand")
        data = loads(text, source).data
        data = ov.apply(data, [ov.parse_set(t) for t in m.sets])
        data = ov.apply(data, [ov.Setting(p, v) for p, v in values.items()])
        game = Game(parse_scenario(data, m.scenario.file))
    except (ov.OverrideError, ScenarioError) as e:
        raise ReplayError(f"cannot rebuild the batch's scenario: {e}") from None
    try:
        model = SummitModel(game, worlds=np.array([world], dtype=np.int64), seed=m.seed, ai=m.strategies(), history=True)
    except ValueError as e:
        raise ReplayError(f"{d / MANIFEST}: the batch's AI setting cannot be used ({e})") from None
    return game, model, m, values, world


def _runs_kept(d: Path, m) -> int:
    """Worlds per point in the results: --runs, or fewer where --until-ci stopped early (summary.json says)."""
    if m.until_ci is None or not (d / "summary.json").is_file():
        return m.runs
    from game.batch.manifest import read_json

    try:
        runs = read_json(d / "summary.json", 64 << 20, "batch summary")["runs"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ReplayError(f"{d / 'summary.json'}: unreadable ({e})") from None
    if isinstance(runs, bool) or not isinstance(runs, int) or not 1 <= runs <= m.runs:
        raise ReplayError(f"{d / 'summary.json'}: runs is {runs!r}, not a number of worlds from 1 to {m.runs}")
    return runs


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


def _newer(theirs: str, ours: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in v.split("+")[0].split("-")[0].split(".")[:3])

    return parts(theirs) > parts(ours)


class BadRow(Exception):
    """runs.csv cannot be compared with (damaged, or not this batch's)."""


def batch_row(directory: str | Path, run: int, columns: list[str]) -> dict[str, float] | None:
    """Run K's values in runs.csv ({column: number}, for `columns`), or None when the batch has not
    finished; BadRow when the file is damaged."""
    path = Path(directory) / "runs.csv"
    try:
        fh = open_regular(path, "runs.csv")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise BadRow(f"{path}: {e.strerror or e}") from None
    with fh, io.TextIOWrapper(fh, encoding="utf-8", errors="strict", newline="") as text:
        try:
            reader = csv.DictReader(text)
            missing = [c for c in ["run", *columns] if c not in (reader.fieldnames or [])]
            if missing:
                raise BadRow(f"{path} has no column {missing[0]}")
            for line, row in enumerate(reader, start=2):
                try:
                    k = int(row["run"])
                    if k != run:
                        continue
                    out = {c: float(row[c]) for c in columns}
                except (TypeError, ValueError):
                    raise BadRow(f"{path}, line {line}: not a row of numbers") from None
                if not all(math.isfinite(v) for v in out.values()):
                    raise BadRow(f"{path}, line {line}: a value is not a finite number")
                return out
        except (csv.Error, UnicodeDecodeError) as e:
            raise BadRow(f"{path}: {e}") from None
    return None


def replay(directory: str | Path, run: int) -> list[str]:
    from game import narrate

    game, model, m, values, world = load_world(directory, run)
    state = model.state
    lines = [
        f"Run {run} of batch {directory}: {m.scenario.title} ({m.scenario.file}), "
        f"seed {m.seed}, world {world}" + (f", {', '.join(f'{k}={ov.format_value(v)}' for k, v in values.items())}" if values else "")
        + (f", with {', '.join(m.sets)}" if m.sets else ""),
        "",
    ]
    model.run()
    for report in narrate.history(state):
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
    mine = {f"factor.{f}": v for f, v in factors.items()} | {f"score.{a}": v for a, v in scores.items()}
    try:
        row = batch_row(directory, run, list(mine))
    except BadRow as e:
        lines.append(f"WARNING: cannot compare with the batch's runs.csv: {e}")
        return lines
    if row is not None:
        same = all(row[c] == v for c, v in mine.items())
        lines.append(
            "This matches the batch's row in runs.csv." if same else "WARNING: this differs from the batch's row in runs.csv."
        )
    return lines
