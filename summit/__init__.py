"""Summit for analysts: run batches from Python and read them back as pandas and xarray.

    import summit
    runs = summit.run_batch("vladivostok-2019", runs=2000, seed=1,
                            vary={"actors.kim.rationality": (1, 20)}, design="lhs:32")
    runs.groupby("point")["outcome.trump_reelected"].mean()
    batch = summit.load(runs.attrs["batch"])       # or any batch directory
    batch.points, batch.summary, batch.steps()     # per point, the summary, per-turn series (xarray)
    summit.sensitivity(batch), summit.discover(batch, "closest.kim == 'trump'")

Every function takes a seed; the same arguments give the same numbers (see docs/batches.md).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from game.batch import BatchError, Request, execute, prepare
from game.batch.results import Batch, open_batch

__all__ = ["Batch", "BatchError", "discover", "load", "run_batch", "sensitivity"]

CACHE = Path("runs") / "notebook"


def load(directory: str | Path) -> Batch:
    """Open a finished batch directory: `.runs`, `.points` (DataFrames), `.summary`, `.steps()` (xarray)."""
    return open_batch(directory)


def _texts(sets: dict | None, sweep: dict | None, vary: dict | None):
    from game.loader.overrides import format_value

    set_texts = [f"{p}={format_value(v)}" for p, v in (sets or {}).items()]
    sweep_texts = [f"{p}=" + ",".join(format_value(v) for v in values) for p, values in (sweep or {}).items()]
    vary_texts = []
    for p, rng in (vary or {}).items():
        try:
            lo, hi = rng
        except (TypeError, ValueError):
            raise BatchError(f"vary[{p!r}] must be a (low, high) pair, not {rng!r}") from None
        vary_texts.append(f"{p}={format_value(float(lo))}:{format_value(float(hi))}")
    return set_texts, sweep_texts, vary_texts


def run_batch(scenario: str, runs: int, seed: int, *, vary: dict | None = None, design: str | None = None,
              sets: dict | None = None, sweep: dict | None = None, steps: bool = False, workers: int | None = None,
              out: str | Path | None = None, plots: bool = False, scheduler: str | None = None):
    """Run a batch (or reuse the finished one with the same arguments) and return its runs as a
    pandas DataFrame, one row per world; `df.attrs["batch"]` is its directory, for `load()`.

    vary={"PATH": (low, high), ...} with design="lhs:N" | "sobol:N" | "morris:N" | "grid:K";
    sets={"PATH": value}; sweep={"PATH": [v1, v2, ...]}. Without `out`, the batch is kept in
    runs/notebook/ under a name made from the arguments, so running a cell again reads it back.
    """
    set_texts, sweep_texts, vary_texts = _texts(sets, sweep, vary)
    if out is None:
        ident = json.dumps([str(scenario), runs, seed, set_texts, sweep_texts, vary_texts, design, bool(steps)])
        out = CACHE / f"{Path(str(scenario)).stem}-{hashlib.sha256(ident.encode()).hexdigest()[:12]}"
    req = Request(str(scenario), runs=runs, seed=seed, out=str(out), sets=set_texts, sweeps=sweep_texts, vary=vary_texts,
                  design=design, steps=steps, workers=workers, scheduler=scheduler, plots=plots, resume=True,
                  progress=False, quiet=True)
    res = execute(prepare(req))
    if res.status != 0:
        raise BatchError(res.message or f"the batch in {res.out} stopped (status {res.status})")
    df = open_batch(res.out).runs
    df.attrs["batch"] = str(res.out)
    return df


def _batch(b: Batch | str | Path) -> Batch:
    return b if isinstance(b, Batch) else open_batch(b)


def sensitivity(batch: Batch | str | Path, columns: list[str] = (), resamples: int = 1000):
    """Sensitivity indices of a design batch as a DataFrame (one row per output and input)."""
    from game.batch import sensitivity as sa

    return sa.analyse(_batch(batch), list(columns), resamples=resamples)


def discover(batch: Batch | str | Path, outcome: str, min_coverage: float = 0.5, mass_min: float = 0.05):
    """Scenario discovery (PRIM, with CART as a cross-check) for an outcome expression over runs.csv's columns."""
    from game.batch import discover as sd

    return sd.discover(_batch(batch), outcome, min_coverage=min_coverage, mass_min=mass_min)
