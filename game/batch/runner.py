"""Plan, check, run, resume and finish a batch.

`prepare()` checks everything (arguments, scenario, overrides, output directory)
before any work starts and raises BatchError with a message for the user. `execute()`
computes the missing chunks on local processes or a Dask cluster, then assembles the
result files. Results depend only on (scenario, overrides, seed, runs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shlex
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from game import files, interrupt
from game.batch import chunkfile
from game.batch import designs as dz
from game.loader import overrides as ov
from game.batch.assemble import assemble, write_text_atomic
from game.batch.columns import Input, columns
from game.batch.layout import Chunk, Layout, Point, default_chunk_size, plan_chunks, MAX_CHUNK
from game.batch.manifest import MANIFEST, MAX_RUNS, MAX_SEED, PLAN, SCENARIO_COPY, Manifest, read_json, read_manifest, read_plan
from game.batch.progress import Progress
from game.batch.worker import ChunkTask
from game.errors import BatchError
from game.strategies import parse_spec

RESULT_FILES = ("runs.csv", "runs.parquet", "points.csv", "steps", "summary.json", "summary.md")
MAX_SUMMARY_BYTES = 256 << 20
SHOWN_BAD_CHUNKS = 5  # chunks named one by one when they fail their checks; the rest are counted
START_METHOD = "spawn"  # fixed: same behaviour on Linux, macOS and Windows
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_FRAMEWORK_THREADS", "NUMEXPR_NUM_THREADS")


SMALL_BATCH = 5_000  # worlds: below this, starting worker processes (about a second) costs more than it saves


def default_workers(runs: int, cores: int | None = None, load: float | None = None) -> tuple[int, str]:
    """How many local workers when --workers is not given, and why (said on the progress line).

    Measured on 2 cores: a second worker pays only when the batch is big enough to cover its
    start-up and a core is really free; on a busy machine one worker was faster than two.
    """
    cores = cpu_count() if cores is None else cores
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # Windows
            load = 0.0
    if cores <= 1:
        return 1, "one core"
    if runs < SMALL_BATCH:
        return 1, f"a small batch ({runs:,} runs): starting worker processes would cost more than they save"
    idle = max(0.0, cores - load)
    n = max(1, min(cores, int(idle + 0.5)))
    if n == 1:
        return 1, f"load average {load:.2f} leaves no second core idle of {cores}"
    return n, f"{n} of {cores} cores idle (load average {load:.2f})"


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


@dataclass
class Request:
    scenario: str
    runs: int
    seed: int
    out: str | None = None
    sets: list[str] = field(default_factory=list)
    sweeps: list[str] = field(default_factory=list)
    vary: list[str] = field(default_factory=list)  # PATH=LOW:HIGH, with `design`
    design: str | None = None  # lhs:N | sobol:N | morris:N | grid:K
    until_ci: float | None = None  # stop once every probability's 95% interval is narrower (runs: the cap)
    steps: bool = False
    workers: int | None = None
    chunk_size: int | None = None
    resume: bool = False
    scheduler: str | None = None
    plots: bool = True
    ai: str | None = None  # the computer's strategy, as on the command line (None: the scenario's)
    progress: bool | None = None  # None: on a terminal only
    quiet: bool = False


@dataclass
class Prepared:
    request: Request
    out: Path
    scenario_path: Path
    scenario_bytes: bytes
    points: list[Point]
    layout: Layout
    settings: list[ov.Setting]
    sweeps: list[ov.Sweep]
    inputs: list[Input]
    base: dict  # the scenario data with --set applied
    chunk_size: int
    chunks: list[Chunk]
    manifest: dict
    key: str
    workers: int
    complete: bool = False  # --resume of a batch that already finished
    client: object = None  # Dask client, connected while preparing
    varies: list = field(default_factory=list)  # designs.Vary
    design: object = None  # designs.Design
    notes: list[str] = field(default_factory=list)  # said before the batch starts (e.g. --workers capped)
    workers_why: str = ""  # why the default number of workers (empty when --workers was given)
    stops: list = field(default_factory=list)  # --until-ci checkpoints (worlds per point)
    runs_done: int = 0  # worlds per point in the results (less than --runs when --until-ci stopped early)

    @property
    def pooled(self) -> bool:
        """Designs are summarised over all their points at once (and one row per point in points.csv)."""
        return self.design is not None


@dataclass
class Outcome:
    status: int
    out: Path
    summary: dict | None = None
    message: str = ""


def default_out(scenario_id: str, seed: int, runs: int) -> str:
    return str(Path("runs") / f"{scenario_id}-seed{seed}-n{runs}")


def resume_command(p: Prepared, out: bool = True) -> str:
    """The command that reproduces this batch (with --out: the one that resumes it, given --resume)."""
    r = p.request
    args = ["python", "main.py", "batch", r.scenario, "--runs", str(r.runs), "--seed", str(r.seed)]
    if out:
        args += ["--out", str(p.out)]
    for s in p.settings:
        args += ["--set", s.text]
    for s in p.sweeps:
        args += ["--sweep", s.text]
    for v in p.varies:
        args += ["--vary", v.text]
    if p.design is not None:
        args += ["--design", p.design.text]
    if r.until_ci is not None:
        args += ["--until-ci", ov.format_value(r.until_ci)]
    if r.steps:
        args.append("--steps")
    if r.ai:
        args += ["--ai", r.ai]
    return shlex.join(args)


def _identity(m: dict) -> dict:
    keys = ("version", "seed", "runs", "sets", "sweeps", "vary", "design", "until_ci", "steps", "ai")
    out = {k: m.get(k) for k in keys}
    out["sha256"] = m.get("scenario", {}).get("sha256")
    return out


def _describe_difference(old: Manifest, new: dict) -> str:
    a, b = old.identity(), _identity(new)
    names = {"sha256": "scenario file contents", "version": "program version"}
    diffs = [f"{names.get(k, k)}: {a[k]!r} there, {b[k]!r} here" for k in a if a[k] != b[k]]
    return "; ".join(diffs)


def _check_ai(text: str | None, game) -> None:
    """--ai names strategies that exist, and leaders and moves of this scenario (before any run starts)."""
    from game.model import seat_strategies

    try:
        seat_strategies(game, ai=parse_spec(text))
    except ValueError as e:
        raise BatchError(f"--ai: {e}") from None


def prepare(req: Request) -> Prepared:
    from game import __version__
    from game.compiled import Game
    from game.catalog import find_scenario
    from game.loader import ScenarioError, load, parse_scenario

    # --- plain arguments
    if not isinstance(req.runs, int) or req.runs <= 0:
        raise BatchError(f"--runs must be a whole number above 0 (got {req.runs})")
    if req.runs > MAX_RUNS:
        raise BatchError(f"--runs must be at most {MAX_RUNS:,} (got {req.runs:,})")
    if not 0 <= req.seed <= MAX_SEED:
        raise BatchError(f"--seed must be a whole number from 0 to {MAX_SEED} (got {req.seed})")
    if req.workers is not None and req.workers <= 0:
        raise BatchError(f"--workers must be at least 1 (got {req.workers})")
    if req.until_ci is not None and not (isinstance(req.until_ci, (int, float)) and 0 < req.until_ci < 1):
        raise BatchError(f"--until-ci must be an interval width above 0 and below 1, e.g. 0.02 (got {req.until_ci})")
    if req.until_ci is not None and req.design:
        raise BatchError("--until-ci works with plain batches and sweeps; a design fixes its runs per point")
    if req.chunk_size is not None and not 1 <= req.chunk_size <= MAX_CHUNK:
        raise BatchError(f"--chunk-size must be from 1 to {MAX_CHUNK:,} (got {req.chunk_size})")
    if req.scheduler is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise BatchError(
                "--scheduler needs Dask distributed, the optional extra 'cluster': pip install 'summit-game[cluster]'"
            ) from None

    # --- the scenario, as the file says
    try:
        path = find_scenario(req.scenario)
    except LookupError as e:
        raise BatchError(f"{req.scenario}: {e}") from None
    try:
        loaded = load(path)
    except ScenarioError as e:
        raise BatchError(f"{req.scenario} is not a valid scenario:\n{e}") from None

    raw_bytes = loaded.self_contained()  # what the batch keeps as its copy (an `extends` resolved)
    raw = loaded.data

    # --- overrides, sweeps and designs, checked like the file itself
    try:
        settings = [ov.parse_set(t) for t in req.sets]
        sweeps = [ov.parse_sweep(t) for t in req.sweeps]
        varies = [dz.parse_vary(t) for t in req.vary]
        design = dz.parse_design(req.design) if req.design else None
        ov.check_distinct(settings + [ov.Setting(v.path, v.low) for v in varies], sweeps)
        base = ov.apply(raw, settings)
    except ov.OverrideError as e:
        raise BatchError(str(e)) from None
    if bool(varies) != bool(design):
        raise BatchError("--vary and --design go together: give the ranges (--vary PATH=LOW:HIGH) and the design (e.g. --design lhs:64)")
    if varies and sweeps:
        raise BatchError("a batch has either sweeps (--sweep) or a design (--vary with --design), not both")
    try:
        game = Game(parse_scenario(base, str(path)))
        layout = Layout.of(game)
    except ScenarioError as e:
        raise BatchError(f"{req.scenario} with {', '.join(s.text for s in settings)} is not a valid scenario:\n{e}") from None
    if design is not None:
        varies = [_integer_aware(v, base, path, parse_scenario, ScenarioError) for v in varies]
        points, x = _design_points(req, base, path, layout, varies, design)
        inputs = [Input("vary", v.path) for v in varies]
    else:
        points = _sweep_points(req, base, path, layout, settings, sweeps)
        inputs = [Input("sweep", s.path, all(_is_number(p.values[s.path]) for p in points)) for s in sweeps]
        x = None
    _check_ai(req.ai, game)

    # --- plan
    notes = []
    if req.workers and req.workers > cpu_count() and not req.scheduler:
        notes.append(f"note: --workers {req.workers:,} is more than the {cpu_count()} core(s) this machine gives; using {cpu_count()}")
    out = Path(req.out) if req.out else Path(default_out(str(raw.get("id", path.stem)), req.seed, req.runs))
    sha = hashlib.sha256(raw_bytes).hexdigest()
    manifest = {
        "summit_batch": 1,
        "version": __version__,
        "scenario": {
            "file": str(req.scenario),
            "id": raw.get("id"),
            "title": raw.get("title"),
            "sha256": sha,
            "copy": SCENARIO_COPY,
        },
        "seed": req.seed,
        "runs": req.runs,
        "sets": [s.text for s in settings],
        "sweeps": [{"path": s.path, "values": list(s.values)} for s in sweeps],
        "vary": [{"path": v.path, "low": v.low, "high": v.high, "integer": v.integer} for v in varies],
        "design": ({"kind": design.kind, "n": design.n, "sha256": dz.fingerprint(x), "sampler": "SALib"}
                   if design is not None else None),
        "until_ci": req.until_ci,
        "steps": bool(req.steps),
        "ai": req.ai,
        "points": len(points),
        "start_method": START_METHOD,
    }
    existing = _check_out(out, req, manifest)
    client = connect(req.scheduler) if req.scheduler and not (existing and _finished(out, req)) else None
    # Chunks that go to a cluster are sized for its workers, not for this machine's cores.
    why = ""
    if client is not None:
        workers = cluster_threads(client)
    elif req.workers:
        workers = min(req.workers, cpu_count())
    else:
        workers, why = default_workers(req.runs * len(points))
    key = hashlib.sha256(json.dumps(_identity(manifest), sort_keys=True).encode()).hexdigest()[:16]
    # How the worlds are cut into chunks is a detail of this run, kept beside the chunks
    # (chunks/plan.json), not in the manifest: manifest.json is the same whatever the workers.
    plan = read_plan(out, key) if existing else None
    legacy = existing.chunk_size if existing is not None and existing.chunk_size else None
    chunk_size = plan.chunk_size if plan else legacy or req.chunk_size or default_chunk_size(req.runs * len(points), workers)
    from game.batch.precision import checkpoints

    stops = checkpoints(req.runs) if req.until_ci is not None else []
    chunks = plan_chunks(len(points), req.runs, chunk_size, group=design is not None, stops=stops)
    if plan and plan.chunks != len(chunks):
        raise BatchError(f"{out / 'chunks' / PLAN}: it says {plan.chunks} chunks, but chunks of {chunk_size:,} make "
                         f"{len(chunks)}; nothing was changed: remove the chunks folder to start again, or choose another --out")
    manifest["key"] = key
    prepared = Prepared(req, out, path, raw_bytes, points, layout, settings, sweeps, inputs, base, chunk_size, chunks,
                        manifest, key, workers, varies=varies, design=design, notes=notes, workers_why=why, stops=stops,
                        runs_done=req.runs)
    manifest["command"] = resume_command(prepared, out=False)
    manifest["arguments"] = {
        "scenario": req.scenario,
        "runs": req.runs,
        "seed": req.seed,
        "set": [s.text for s in settings],
        "sweep": [s.text for s in sweeps],
        "vary": [v.text for v in varies],
        "design": design.text if design else None,
        "until_ci": req.until_ci,
        "steps": bool(req.steps),
    }
    if existing and _finished(out, req):
        prepared.complete = True
    prepared.client = client
    try:
        _probe_writable(out, created=not existing)
    except BatchError:
        if prepared.client is not None:
            with contextlib.suppress(Exception):
                prepared.client.close()
        raise
    return prepared


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _bounds(scenario) -> tuple[tuple, tuple]:
    return tuple(float(f.min) for f in scenario.factors), tuple(float(f.max) for f in scenario.factors)


def _sweep_points(req: Request, base: dict, path: Path, layout: Layout, settings, sweeps) -> list[Point]:
    """Every point of the sweep grid, each checked like a scenario file (same turns and ids)."""
    from game.loader import ScenarioError, parse_scenario

    try:
        grid = ov.grid(sweeps)  # refused before it is built when too large
    except ov.OverrideError as e:
        raise BatchError(str(e)) from None
    points = []
    for i, values in enumerate(grid):
        label = Point.label_of(values)
        try:
            data = ov.apply(base, [ov.Setting(p, v) for p, v in values.items()])
        except ov.OverrideError as e:
            raise BatchError(str(e)) from None
        try:
            scenario = parse_scenario(data, str(path))
        except ScenarioError as e:
            what = ", ".join([s.text for s in settings] + [f"{k}={ov.format_value(v)}" for k, v in values.items()])
            raise BatchError(f"{req.scenario} with {what} is not a valid scenario:\n{e}") from None
        _same_shape(layout, scenario, f"--sweep {label}")
        points.append(Point(i, values, label, *_bounds(scenario)))
    return points


def _same_shape(layout: Layout, scenario, what: str) -> None:
    diff = layout.shape_difference(scenario)
    if diff:
        name = {"turns": "the number of turns"}.get(diff, f"the {diff.removesuffix('_ids')} ids")
        raise BatchError(
            f"{what} changes {name}; every point of a batch must have the same turns and ids "
            "(run separate batches, or compare them with `compare`)"
        )


def _integer_aware(v, base: dict, path: Path, parse_scenario, ScenarioError):
    """A design variable whose scenario field takes whole numbers only is rounded (and says so)."""
    if not (float(v.low).is_integer() and float(v.high).is_integer()):
        return v
    probe = v.low + 0.5 if v.high - v.low >= 1 else v.low
    try:
        parse_scenario(ov.apply(base, [ov.Setting(v.path, probe)]), str(path))
    except ov.OverrideError as e:
        raise BatchError(str(e)) from None
    except ScenarioError as e:
        if "integer" in str(e):
            return dz.Vary(v.path, v.low, v.high, integer=True)
    return v


def _design_points(req: Request, base: dict, path: Path, layout: Layout, varies, design):
    """The points of an experiment design (the corners of the box are checked like a scenario file)."""
    from game.loader import ScenarioError, parse_scenario

    for corner in dz.corners(varies):
        try:
            scenario = parse_scenario(ov.apply(base, [ov.Setting(p, v) for p, v in corner.items()]), str(path))
        except ov.OverrideError as e:
            raise BatchError(str(e)) from None
        except ScenarioError as e:
            what = ", ".join(f"{k}={ov.format_value(v)}" for k, v in corner.items())
            raise BatchError(f"{req.scenario} with {what} (a corner of the --vary ranges) is not a valid scenario:\n{e}") from None
        _same_shape(layout, scenario, "--vary " + ", ".join(v.text for v in varies))
    try:
        x = dz.sample(design, varies, req.seed)
    except ov.OverrideError as e:
        raise BatchError(str(e)) from None
    lo, hi = tuple(layout.factor_min), tuple(layout.factor_max)
    paths = [v.path for v in varies]
    points = [Point(i, dict(zip(paths, map(float, row))), f"design point {i}", lo, hi) for i, row in enumerate(x.tolist())]
    return points, x


def _finished(out: Path, req: Request) -> bool:
    """Does `out` hold this batch's summary.json, readable and about the same runs?"""
    try:
        summary = read_json(out / "summary.json", MAX_SUMMARY_BYTES, "batch summary")
    except (OSError, ValueError):
        return False
    if not isinstance(summary, dict) or summary.get("seed") != req.seed:
        return False
    prec = summary.get("precision")
    return summary.get("runs") == req.runs or (req.until_ci is not None and isinstance(prec, dict) and prec.get("cap") == req.runs)


def _check_out(out: Path, req: Request, manifest: dict) -> Manifest | None:
    """Check the output directory; returns the existing manifest when resuming."""
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out {out}: exists and is not a directory")
    mpath = out / MANIFEST
    if os.path.lexists(mpath):
        try:
            old = read_manifest(out)
        except BatchError as e:
            raise BatchError(f"--out {out} holds a batch that cannot be resumed: {e}. Nothing in it was changed: "
                             f"restore {MANIFEST}, or choose another --out") from None
        if not req.resume:
            state = "finished" if _finished(out, req) else "unfinished"
            raise BatchError(
                f"--out {out} already holds a batch ({state}: {old.scenario.file}, "
                f"{old.runs} runs, seed {old.seed}); add --resume to continue it, or choose another --out"
            )
        if old.identity() != _identity(manifest):
            raise BatchError(
                f"--out {out} holds a different batch ({_describe_difference(old, manifest)}); "
                "--resume needs the same scenario, --runs, --seed, --set, --sweep and --steps"
            )
        return old
    if req.resume:
        if out.is_dir() and any(out.iterdir()):
            raise BatchError(f"--out {out}: there is no batch to resume there (no {MANIFEST})")
        return None  # nothing to resume: start afresh
    if out.is_dir() and any(out.iterdir()):
        raise BatchError(f"--out {out} is not empty; choose a new or empty directory")
    return None


def _probe_writable(out: Path, created: bool) -> None:
    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise BatchError(f"--out {out}: cannot write there ({files.explain(e)})") from None


# --- running ------------------------------------------------------------------------------


def _tasks(p: Prepared, chunks: list[Chunk]) -> list[ChunkTask]:
    paths = [i.path for i in p.inputs]
    return [
        ChunkTask(
            chunk=c,
            seed=p.request.seed,
            runs=p.request.runs,
            data=p.base,
            name=str(p.scenario_path),
            key=p.key,
            inputs=tuple(p.inputs),
            values=tuple(tuple(p.points[c.point + k].values[q] for q in paths) for k in range(c.points)),
            steps=bool(p.request.steps),
            ai=parse_spec(p.request.ai),
        )
        for c in chunks
    ]


def _expected(p: Prepared, c: Chunk) -> chunkfile.Expected:
    return chunkfile.Expected(p.layout, tuple(p.points[c.point : c.point + c.points]), c, p.key, bool(p.request.steps),
                              len(columns(p.layout, p.inputs)))


def _csv_matches(p: Prepared, c: Chunk, arrays: dict) -> bool:
    """Are a chunk's runs.csv rows exactly those its numbers give?"""
    from game.batch.columns import csv_rows

    paths = [i.path for i in p.inputs]
    ctx = {"runs": p.request.runs, "seed": p.request.seed, "actor_ids": p.layout.actor_ids,
           "inputs": {k: tuple(p.points[k].values[q] for q in paths) for k in range(c.point, c.point + c.points)}}
    return csv_rows(columns(p.layout, p.inputs), arrays, ctx).encode() == arrays["csv"].tobytes()


def _check_disagreement(p: Prepared, chunk_dir: Path) -> None:
    """A chunk of this batch that the plan (from the manifest's chunk_size) does not expect means
    the manifest and the chunks disagree: say so, naming both, and touch nothing."""
    planned = {c.id: c for c in p.chunks}
    for f in sorted(chunk_dir.glob("chunk-*.npz")):
        meta = chunkfile.meta_of(f)
        if not meta or meta.get("key") != p.key:
            continue
        c = planned.get(meta.get("id"))
        where = (meta.get("point"), meta.get("points"), meta.get("start"), meta.get("stop"))
        if c is None or where != (c.point, c.points, c.start, c.stop) or f.name != c.filename:
            holds = f"worlds {meta.get('start')}..{_minus_one(meta.get('stop'))} of {_points(meta.get('point'), meta.get('points'))} as chunk {meta.get('id')}"
            expected = (f"chunk {c.id} as worlds {c.start}..{c.stop - 1} of {_points(c.point, c.points)}" if c is not None
                        else f"only {len(p.chunks)} chunks")
            raise BatchError(
                f"--out {p.out}: the plan and the chunks disagree: chunks/{PLAN} (or {MANIFEST}) says chunk_size {p.chunk_size:,} "
                f"(so {expected}), but {f} holds {holds}. Nothing was changed: restore {MANIFEST}, or choose another --out"
            )


def _points(first, n) -> str:
    return f"point {first}" if n == 1 else f"points {first}..{_minus_one(first + n) if isinstance(first, int) and isinstance(n, int) else '?'}"


def _minus_one(x):
    return x - 1 if isinstance(x, int) else x


def _check_chunks(p: Prepared, chunk_dir: Path, stderr) -> dict[int, str]:
    """The chunks on disk that pass every check ({id: checksum}); the others are removed, to be
    computed again, with a line saying so."""
    _check_disagreement(p, chunk_dir)
    trusted: dict[int, str] = {}
    bad: list[tuple[Chunk, str]] = []
    for c in p.chunks:
        f = chunk_dir / c.filename
        if not os.path.lexists(f):
            continue
        try:
            arrays = chunkfile.read(f, _expected(p, c))
            if not _csv_matches(p, c, arrays):
                raise chunkfile.BadChunk("its runs.csv rows differ from its numbers")
        except chunkfile.BadChunk as e:
            bad.append((c, str(e)))
            continue
        trusted[c.id] = chunkfile.content_sha256(arrays)
    _discard(p, chunk_dir, bad, stderr, "on disk")
    return trusted


def _discard(p: Prepared, chunk_dir: Path, bad: list, stderr, when: str) -> None:
    for k, (c, why) in enumerate(bad):
        f = chunk_dir / c.filename
        if k < SHOWN_BAD_CHUNKS:
            print(f"batch: {f}: {why}; computing it again", file=stderr)
        try:
            f.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise BatchError(f"{f} is not a chunk file and cannot be removed ({files.explain(e)}); move it away and resume") from None
    if len(bad) > SHOWN_BAD_CHUNKS:
        print(f"batch: ... and {len(bad) - SHOWN_BAD_CHUNKS} more chunk(s) {when} fail their checks; computing them again", file=stderr)


def _verify(p: Prepared, chunk_dir: Path, trusted: dict[int, str]) -> list[tuple[Chunk, str]]:
    """Every chunk, read back just before the results are assembled: the one written (same
    checksum), whole and in bounds."""
    bad = []
    for c in p.chunks:
        try:
            arrays = chunkfile.read(chunk_dir / c.filename, _expected(p, c))
            if chunkfile.content_sha256(arrays) != trusted.get(c.id):
                raise chunkfile.BadChunk("changed after it was written")
        except chunkfile.BadChunk as e:
            bad.append((c, str(e)))
    return bad


def _clean_temp(folder: Path, stderr=None) -> None:
    removed = files.remove_stale_temporaries(folder)
    if removed and stderr is not None:
        print(f"batch: removed {len(removed)} unfinished temporary file(s) left by an interrupted run in {folder}", file=stderr)


def run_inline(tasks: list[ChunkTask], chunk_dir: Path):
    """One worker: compute in this process, on one core (BLAS threads too)."""
    from game.batch.worker import blas_threads, chunk_to_file

    before = blas_threads(1)
    try:
        for t in tasks:
            yield chunk_to_file((t, str(chunk_dir / t.chunk.filename)))
    finally:
        blas_threads(before)


def run_processes(tasks: list[ChunkTask], chunk_dir: Path, workers: int):
    """Local worker processes (fixed start method); a dying worker stops the batch, never hangs it."""
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from game.batch.worker import chunk_to_file, init_local_worker

    ctx = mp.get_context(START_METHOD)
    # One thread of BLAS/OpenMP per worker: the workers already use every core, and
    # oversubscribed thread pools make W workers slower than one.
    saved = {k: os.environ.get(k) for k in THREAD_VARS}
    os.environ.update({k: "1" for k in THREAD_VARS})
    try:
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_local_worker, initargs=(os.getpid(),))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    pending = list(reversed(tasks))
    running: dict = {}

    def submit() -> None:
        t = pending.pop()
        running[ex.submit(chunk_to_file, (t, str(chunk_dir / t.chunk.filename)))] = t

    try:
        for _ in range(min(2 * workers, len(pending))):
            submit()
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for f in done:
                running.pop(f)
                done_chunk = f.result()  # re-raises a worker's error, or BrokenProcessPool
                if pending:
                    submit()
                yield done_chunk
        ex.shutdown(wait=True)
    except BaseException:
        # Stop now: cancel what has not started and end the workers (a chunk being
        # written is a temporary file, removed afterwards; finished chunks stay).
        procs = list(getattr(ex, "_processes", {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.terminate()
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(5)
        raise


def connect(address: str, timeout: float = 20.0):
    try:
        from distributed import Client
    except ImportError:
        raise BatchError("--scheduler needs Dask distributed: pip install 'summit-game[cluster]'") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except Exception as e:  # OSError, TimeoutError, ValueError for a bad address ...
        raise BatchError(f"--scheduler {address}: cannot connect ({type(e).__name__}: {e})") from None


def cluster_threads(client) -> int:
    """Worker threads on a Dask cluster (at least 1)."""
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # a cluster that cannot answer: size for one worker
        return 1


def run_dask(tasks: list[ChunkTask], chunk_dir: Path, client):
    """Send chunks to a Dask cluster; the chunk files come back here (workers need no shared disk)."""
    from distributed import as_completed

    from game.batch.worker import chunk_bytes
    from game.files import write_atomic

    window = max(2, 2 * cluster_threads(client))
    pending = list(reversed(tasks))
    ac = as_completed(loop=client.loop)
    futures = {}

    def submit():
        t = pending.pop()
        f = client.submit(chunk_bytes, t, key=f"summit-chunk-{t.key}-{t.chunk.id}", pure=False, retries=2)
        futures[f] = t
        ac.add(f)

    try:
        for _ in range(min(window, len(pending))):
            submit()
        for fut in ac:
            t = futures.pop(fut)
            data, cpu, sha = fut.result()
            write_atomic(str(chunk_dir / t.chunk.filename), data)
            del data
            fut.release()
            if pending:
                submit()
            yield t.chunk.id, cpu, sha
    except BaseException:
        for f in list(futures):
            with contextlib.suppress(Exception):
                f.cancel()
        raise


def _log(p: Prepared, record: dict) -> None:
    with contextlib.suppress(OSError):
        with files.open_append(p.out / "log.jsonl") as f:
            f.write((json.dumps(record) + "\n").encode())


def _lock(out: Path):
    """Hold DIR/.lock for the life of the process: two commands never run one batch at once.
    (The operating system releases it when the process ends, however it ends.)"""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; carry on
        return None
    try:
        f = files.open_append(out / ".lock")
    except OSError as e:
        raise BatchError(f"--out {out}: cannot use its .lock file ({files.explain(e)})") from None
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise BatchError(f"--out {out}: another summit command is running this batch right now") from None
    return f


def execute(p: Prepared, stdout=None, stderr=None) -> Outcome:
    """Run a prepared batch (holding its directory's lock) and write its results."""
    lock = _lock(p.out)
    try:
        return _execute(p, stdout or sys.stdout, stderr or sys.stderr)
    finally:
        if lock is not None:
            lock.close()


def _chunk_folder(out: Path) -> Path:
    """DIR/chunks, made if absent; anything else by that name (a file, a link) is refused, untouched."""
    chunk_dir = out / "chunks"
    if os.path.lexists(chunk_dir) and (chunk_dir.is_symlink() or not chunk_dir.is_dir()):
        raise BatchError(f"{chunk_dir} is not a folder (the batch keeps its chunks there); move it away and resume")
    chunk_dir.mkdir(exist_ok=True)
    return chunk_dir


def _start(p: Prepared, stderr) -> Path:
    """Write the manifest and the scenario's copy, and clean up after an interrupted run."""
    out = p.out
    try:
        write_text_atomic(out / MANIFEST, json.dumps(p.manifest, indent=2, sort_keys=True) + "\n")
        copy = out / SCENARIO_COPY
        try:
            same = files.read_limited(copy, len(p.scenario_bytes), "scenario copy") == p.scenario_bytes
        except OSError:
            same = False
        if not same:
            files.write_atomic(copy, p.scenario_bytes)
        chunk_dir = _chunk_folder(out)
        if read_plan(out, p.key) is None:  # a plan of this batch is kept as it is (the chunks were cut by it)
            plan = {"key": p.key, "chunk_size": p.chunk_size, "chunks": len(p.chunks)}
            write_text_atomic(chunk_dir / PLAN, json.dumps(plan, sort_keys=True) + "\n")
    except OSError as e:
        raise BatchError(f"--out {out}: cannot write there: {files.explain(e)}") from None
    _clean_temp(out, stderr)
    _clean_temp(chunk_dir, stderr)
    return chunk_dir


def _compute(p: Prepared, chunks: list[Chunk], chunk_dir: Path, progress, trusted: dict[int, str], timing: dict,
             stopper=None) -> int | None:
    """Compute `chunks`, recording each one's checksum as its worker reports it. With a
    --until-ci `stopper`, return the checkpoint to stop at as soon as it is reached (else None)."""
    by_id = {c.id: c for c in p.chunks}
    tasks = _tasks(p, chunks)
    if p.request.scheduler:
        stream = run_dask(tasks, chunk_dir, p.client or connect(p.request.scheduler))
    elif p.workers == 1 or len(chunks) == 1:
        stream = run_inline(tasks, chunk_dir)
    else:
        stream = run_processes(tasks, chunk_dir, min(p.workers, len(chunks)))
    for cid, cpu, sha in stream:
        trusted[cid] = sha
        timing["cpu"] += cpu
        progress.update(by_id[cid].size)
        now = time.monotonic()
        if timing["first"] is None:
            timing["first"] = now
        else:
            timing["steady"] += by_id[cid].size
            timing["last"] = now
        if stopper is not None:
            stop = stopper.settle(set(trusted))
            if stop is not None:
                stream.close()  # stops the workers; what they computed past the checkpoint is not used
                return stop
    return None


def _execute(p: Prepared, stdout, stderr) -> Outcome:
    out = p.out
    if p.complete:
        if p.client is not None:
            with contextlib.suppress(Exception):
                p.client.close()
        summary = read_json(out / "summary.json", MAX_SUMMARY_BYTES, "batch summary")
        _drop_chunks(p, out / "chunks")
        msg = f"{out}: this batch is already complete."
        if not p.request.quiet:
            print(msg, file=stderr)
        return Outcome(0, out, summary, msg)

    # The manifest first: from now on the directory is this batch's, and resumable.
    chunk_dir = _start(p, stderr)
    trusted = _check_chunks(p, chunk_dir, stderr)
    todo = [c for c in p.chunks if c.id not in trusted]
    total = p.request.runs * len(p.points)
    done_runs = sum(c.size for c in p.chunks if c.id in trusted)
    engine = f"Dask scheduler {p.request.scheduler}" if p.request.scheduler else (
        f"{min(p.workers, len(todo))} local processes" if p.workers > 1 and len(todo) > 1 else "this process"
    )
    if p.workers > 1 and not p.request.scheduler and len(todo) < p.workers:
        engine += f" (only {len(todo)} chunk(s) to compute)"
    if p.workers_why and not p.request.scheduler:
        engine += f" (default: {p.workers_why}; --workers W to choose)"
    quiet = p.request.quiet
    if not quiet:
        for note in p.notes:
            print(note, file=stderr)
        again = f" (resuming: {done_runs:,} already on disk)" if trusted else ""
        print(
            f"batch: {total:,} runs of {p.manifest['scenario']['file']} in {len(p.chunks)} chunk(s) of up to "
            f"{p.chunk_size:,}, on {engine} -> {out}{again}",
            file=stderr,
        )
    progress = Progress(total, done_runs, stream=stderr, enabled=p.request.progress)
    if p.request.plots and todo and p.workers > 1:
        # This process waits while the workers compute: import matplotlib meanwhile.
        from game.batch.plots import warm

        threading.Thread(target=warm, name="summit-import-matplotlib", daemon=True).start()
    t0 = time.monotonic()
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    timing = {"first": None, "last": None, "steady": 0, "cpu": 0.0}
    stopper = stop = None
    if p.stops:
        from game.batch.precision import Stopper

        stopper = Stopper(p.chunks, p.stops, float(p.request.until_ci), p.layout, len(p.points), chunk_dir)
    try:
        for attempt in range(2):
            stop = stopper.settle(set(trusted)) if stopper is not None else None
            todo = [c for c in p.chunks if c.id not in trusted]
            if todo and stop is None:
                stop = _compute(p, todo, chunk_dir, progress, trusted, timing, stopper)
            if stop is not None:
                _stop_at(p, stop, trusted)
            bad = _verify(p, chunk_dir, trusted)
            if not bad:
                break
            for c, _ in bad:
                trusted.pop(c.id, None)
            progress.update(-sum(c.size for c, _ in bad))
            _discard(p, chunk_dir, bad, stderr, "read back")
            if stopper is not None:  # decide again on the recomputed worlds
                stopper = Stopper(p.chunks, p.stops, float(p.request.until_ci), p.layout, len(p.points), chunk_dir)
        else:
            raise BatchError(f"{len(bad)} chunk(s) in {chunk_dir} keep changing after they are written "
                             "(is another program writing there?); nothing was assembled")
    except KeyboardInterrupt as e:  # Ctrl-C or SIGTERM
        progress.close()
        return _stopped(p, stderr, started, engine, interrupt.describe(e), interrupt.exit_status(e), trusted)
    except BatchError:
        progress.close()
        raise
    except Exception as e:  # a failing chunk (engine error, lost cluster ...): keep what is done
        progress.close()
        why = f"Stopped by an error: {type(e).__name__}: {e}"
        if type(e).__name__ == "BrokenProcessPool":
            why += " (a worker process died: out of memory, killed, or unable to start, e.g. when Python reads the program from stdin; try fewer --workers or --chunk-size)"
        return _stopped(p, stderr, started, engine, why, 1, trusted)
    finally:
        if p.client is not None:
            with contextlib.suppress(Exception):
                p.client.close()
    elapsed = time.monotonic() - t0
    new_runs = p.runs_done * len(p.points) - done_runs
    if stop is not None:
        if not quiet:
            progress.close()
            print(f"batch: every probability's 95% interval is {stopper.width:.4f} wide or less at {stop:,} runs per point "
                  f"(--until-ci {ov.format_value(p.request.until_ci)}" + (", the cap)" if stopper.width >= p.request.until_ci
                                                                           else ")"), file=stderr)

    try:
        summary, written = finish(p, on_step=progress.phase)
    except KeyboardInterrupt as e:
        progress.close()
        return _stopped(p, stderr, started, engine, f"{interrupt.describe(e)[:-1]} while writing the results.",
                        interrupt.exit_status(e), trusted)
    except OSError as e:
        progress.close()
        where = f" ({e.filename})" if getattr(e, "filename", None) and not isinstance(e, files.Refused) else ""
        return _stopped(p, stderr, started, engine, f"Could not write the results: {files.explain(e)}{where}.", 1, trusted)
    progress.close()
    first, last, steady = timing["first"], timing["last"], timing["steady"]
    cpu_seconds = timing["cpu"]
    _log(
        p,
        {
            "started": started,
            "status": "complete",
            "engine": engine,
            "seconds": round(elapsed, 3),
            "files_seconds": round(written["files"], 3),
            "plots_seconds": round(written["plots"], 3),
            "runs_computed": new_runs,
            "runs_per_second": round(new_runs / elapsed, 1) if elapsed > 0 else None,
            "chunk_cpu_seconds": round(cpu_seconds, 3),
            "runs_per_cpu_second": round(new_runs / cpu_seconds, 1) if cpu_seconds > 0 else None,
            "runs_per_second_after_first_chunk": (
                round(steady / (last - first), 1) if first is not None and last is not None and last > first else None
            ),
        },
    )
    if not quiet:
        from game.batch.report import console

        print(console(summary), file=stdout)
        rate = f", {new_runs / elapsed:,.0f} runs/s" if elapsed > 0 and new_runs else ""
        whole = time.monotonic() - t0
        print(
            f"\nbatch: done in {whole:.1f} s (computing {elapsed:.1f} s{rate}; result files {written['files']:.1f} s; "
            f"plots {written['plots']:.1f} s); results in {out}",
            file=stderr,
        )
    return Outcome(0, out, summary)


def _stop_at(p: Prepared, stop: int, trusted: dict[int, str]) -> None:
    """Keep the chunks before the --until-ci checkpoint `stop`; drop the others (computed past it)."""
    chunk_dir = p.out / "chunks"
    for c in p.chunks:
        if c.stop > stop:
            trusted.pop(c.id, None)
            with contextlib.suppress(OSError):
                (chunk_dir / c.filename).unlink()
    p.chunks = [c for c in p.chunks if c.stop <= stop]
    p.runs_done = stop


def _stopped(p: Prepared, stderr, started: str, engine: str, why: str, status: int, trusted: dict[int, str]) -> Outcome:
    """Report a stopped batch: what is saved, and the command that resumes it."""
    _clean_temp(p.out)
    _clean_temp(p.out / "chunks")
    runs_done = sum(c.size for c in p.chunks if c.id in trusted)
    total = p.request.runs * len(p.points)
    _log(p, {"started": started, "status": "interrupted" if status in (130, 143) else "failed", "engine": engine,
             "chunks_on_disk": len(trusted), "why": why})
    msg = (
        f"{why} {len(trusted)} of {len(p.chunks)} chunks ({runs_done:,} of {total:,} runs) are saved in {p.out}.\n"
        f"To resume: {resume_command(p)} --resume"
    )
    print(msg, file=stderr)
    return Outcome(status, p.out, None, msg)


def _drop_chunks(p: Prepared, chunk_dir: Path) -> None:
    """Remove this batch's chunk files once its results are written (nothing else in the folder)."""
    if chunk_dir.is_symlink() or not chunk_dir.is_dir():
        return
    for name in [c.filename for c in p.chunks] + [PLAN]:
        with contextlib.suppress(FileNotFoundError):
            (chunk_dir / name).unlink()
    files.remove_stale_temporaries(chunk_dir)
    with contextlib.suppress(OSError):
        chunk_dir.rmdir()  # only when empty


def finish(p: Prepared, on_step=None) -> tuple[dict, dict]:
    """Assemble the result files from the chunks, write summaries and plots, drop the chunks.
    Returns the summary and the seconds spent on result files and on plots."""
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        helper = stack.enter_context(plot_helper()) if p.request.plots else None
        summary, plotting = _write_results(p, on_step, helper)
    # summary.json last: its presence marks the batch complete.
    write_text_atomic(p.out / "summary.json", json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    _drop_chunks(p, p.out / "chunks")
    return summary, {"files": time.monotonic() - t0 - plotting, "plots": plotting}


@contextlib.contextmanager
def plot_helper():
    """A second process that imports matplotlib while the result files are written, then
    draws half of the figures (plotting is most of the time after the runs)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from game.batch.plots import warm

    ex = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context(START_METHOD))
    ex.submit(warm)
    try:
        yield ex
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _write_results(p: Prepared, on_step, helper) -> tuple[dict, float]:
    """The result files, summary.md and the plots; (summary, seconds spent plotting)."""
    from game.batch.layout import FAN_BINS
    from game.batch.report import markdown
    from game.batch.stats import QUANTILE_DEFINITION

    out = p.out
    early = len(p.points) > 1 and p.runs_done != p.request.runs  # a sweep that --until-ci stopped early
    points = assemble(out, p.layout, p.points, p.chunks, p.runs_done, p.request.seed, p.inputs, p.request.steps,
                      pooled=p.pooled, on_step=on_step, renumber=early)
    summary = {
        "scenario": {k: p.manifest["scenario"][k] for k in ("file", "id", "title", "sha256")},
        "version": p.manifest["version"],
        "seed": p.request.seed,
        "runs": p.runs_done,
        "sets": p.manifest["sets"],
        "sweeps": p.manifest["sweeps"],
        "vary": p.manifest["vary"],
        "design": p.manifest["design"],
        "design_points": len(p.points) if p.pooled else None,
        "command": p.manifest["command"],
        "confidence": 0.95,
        "interval": "Wilson score",
        "quantiles": QUANTILE_DEFINITION,
        "per_turn_quantiles": (
            f"from {FAN_BINS}-bin histograms over each series' range (factor min..max, relations -1..1): "
            "within one bin width of the exact value"
        ),
        "points": points,
    }
    if p.stops:

        summary["precision"] = {
            "until_ci": p.request.until_ci,
            "cap": p.request.runs,
            "checkpoints": [n for n in p.stops if n <= p.runs_done],
            "runs": p.runs_done,
            "widest_interval": max(hi - lo for pt in points for key in ("events", "closest", "same_bloc", "bloc_splits")
                                   for lo, hi in [(r["low"], r["high"]) for r in pt[key]]),
            "reached": p.runs_done < p.request.runs or None,
        }
    write_text_atomic(out / "summary.md", markdown(summary))
    t = time.monotonic()
    if p.request.plots:
        from game.batch.plots import write_plots

        if on_step:
            on_step("plotting")
        write_plots(out, summary, p.layout.to_json(), helper)
    return summary, time.monotonic() - t


def run_batch(req: Request, stdout=None, stderr=None) -> Outcome:
    """Check and run a batch (the whole `batch` command; raises BatchError before any work)."""
    return execute(prepare(req), stdout=stdout, stderr=stderr)
