"""A finished batch directory, read back for analysis: its tables, its summary and its design.

Everything here is read from disk and so checked before use: the manifest's fields, that
the batch finished, and that the design drawn again matches the one the batch ran.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.batch import designs as dz
from game.batch.manifest import MANIFEST, read_json, read_manifest
from game.errors import BatchError
from game.files import explain, open_regular

MAX_SUMMARY_BYTES = 256 << 20


@dataclass
class Batch:
    """A finished batch: `runs` (one row per world), `points` (one row per point), `summary`,
    and for designs the SALib `problem` and the input matrix `x` in SALib's order."""

    path: Path
    manifest: dict
    summary: dict
    inputs: list[str] = field(default_factory=list)  # columns of the inputs (vary.PATH or sweep.PATH)
    design: dz.Design | None = None
    varies: list = field(default_factory=list)
    _runs: object = None
    _points: object = None

    @property
    def problem(self) -> dict | None:
        return dz.problem(self.varies) if self.varies else None

    @property
    def x(self) -> np.ndarray | None:
        """[points, D] design inputs, drawn again from the manifest (checked against its fingerprint)."""
        if self.design is None:
            return None
        x = dz.sample(self.design, self.varies, int(self.manifest["seed"]))
        if dz.fingerprint(x) != self.manifest["design"].get("sha256"):
            raise BatchError(f"{self.path}: the design drawn now differs from the batch's (another version of SALib?)")
        return x

    @property
    def runs(self):
        """runs.parquet (or runs.csv) as a pandas DataFrame, one row per world."""
        if self._runs is None:
            self._runs = _read_table(self.path, "runs")
        return self._runs

    @property
    def points(self):
        """points.csv as a pandas DataFrame, one row per point."""
        if self._points is None:
            import pandas as pd

            with _open(self.path / "points.csv") as fh:
                self._points = pd.read_csv(fh)
        return self._points

    def steps(self):
        """The per-turn series (batches run with --steps) as an xarray Dataset, memory-mapped:
        `factor[run, turn, factor_id]` and `relation[run, turn, pair]`."""
        import xarray as xr

        d = self.path / "steps"
        if not d.is_dir():
            raise BatchError(f"{self.path}: this batch has no per-turn series (run it with --steps)")
        for name in ("factor_series", "relation_series", "run", "factor_ids", "pair_ids"):
            _open(d / f"{name}.npy").close()  # regular files only: a FIFO or device there cannot hang the reader
        f = np.load(d / "factor_series.npy", mmap_mode="r", allow_pickle=False)
        r = np.load(d / "relation_series.npy", mmap_mode="r", allow_pickle=False)
        runs = np.load(d / "run.npy", allow_pickle=False)
        coords = {"run": runs, "turn": np.arange(f.shape[1]),
                  "factor_id": np.load(d / "factor_ids.npy", allow_pickle=False).tolist(),
                  "pair": np.load(d / "pair_ids.npy", allow_pickle=False).tolist()}
        return xr.Dataset({"factor": (("run", "turn", "factor_id"), f), "relation": (("run", "turn", "pair"), r)},
                          coords=coords, attrs={"scenario": self.manifest["scenario"].get("id", ""),
                                                "seed": int(self.manifest["seed"])})


def _read_table(path: Path, name: str):
    import pandas as pd

    pq = path / f"{name}.parquet"
    if pq.is_file():
        try:
            with _open(pq) as fh:
                return pd.read_parquet(fh)
        except ImportError:
            pass
    with _open(path / f"{name}.csv") as fh:
        return pd.read_csv(fh)


def _open(path: Path):
    """A result file opened for reading: a regular file, or BatchError saying why not."""
    try:
        return open_regular(path, "result file")
    except OSError as e:
        raise BatchError(f"{path}: cannot read it: {explain(e)}") from None


def _number(x, what: str, path: Path) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise BatchError(f"{path / MANIFEST}: {what} is not a number ({x!r})")
    return float(x)


def open_batch(path: str | Path) -> Batch:
    """Open a finished batch directory (raises BatchError with a plain message otherwise)."""
    d = Path(path)
    mpath = d / MANIFEST
    m = read_manifest(d).model_dump(mode="json", by_alias=True)  # checked by the manifest model
    if not (d / "summary.json").is_file():
        raise BatchError(f"{d}: this batch has not finished (no summary.json); finish it with `batch ... --resume`")
    try:
        summary = read_json(d / "summary.json", MAX_SUMMARY_BYTES, "batch summary")
    except (OSError, ValueError) as e:
        raise BatchError(f"{d / 'summary.json'}: unreadable ({e})") from None
    if not isinstance(summary, dict):
        raise BatchError(f"{d / 'summary.json'}: not a batch summary")
    varies, design = [], None
    try:
        for v in m.get("vary") or []:
            varies.append(dz.Vary(str(v["path"]), _number(v["low"], "a --vary low end", d),
                                  _number(v["high"], "a --vary high end", d), bool(v.get("integer", False))))
        if m.get("design"):
            design = dz.parse_design(f"{m['design']['kind']}:{int(m['design']['n'])}")
        inputs = [f"vary.{v.path}" for v in varies] or [f"sweep.{s['path']}" for s in m.get("sweeps") or []]
        int(m["seed"])
    except (KeyError, TypeError, ValueError, dz.OverrideError) as e:
        raise BatchError(f"{mpath}: unreadable design or sweeps ({e})") from None
    return Batch(d, m, summary, inputs, design, varies)
