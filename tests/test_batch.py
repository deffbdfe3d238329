"""End-to-end tests of `batch`, `compare` and `replay` on the tiny scenario.

The guarantees: results depend only on (scenario, overrides, seed, N), never on the
number of workers, the chunk size, interruptions (Ctrl-C, kill -9 then --resume) or
the Dask cluster; bad arguments exit 2 with a message before any work starts.
"""

from __future__ import annotations

import csv
import filecmp
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from game.batch import BatchError, Request, run_batch
from game.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
RESULTS = ("runs.csv", "summary.json", "summary.md", "manifest.json")


def have_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def result_files(steps: bool = False) -> list[str]:
    files = list(RESULTS)
    if have_pyarrow():
        files.append("runs.parquet")
    if steps:
        files.append("steps/factor_series.npy")
        files.append("steps/relation_series.npy")
    return files


def same_results(a: Path, b: Path, steps: bool = False, manifest: bool = False) -> None:
    for name in result_files(steps):
        if name == "manifest.json" and not manifest:
            continue
        assert filecmp.cmp(a / name, b / name, shallow=False), f"{name} differs between {a} and {b}"


def batch(tmp: Path, name: str, runs: int = 120, seed: int = 11, **kw):
    kw.setdefault("plots", False)
    kw.setdefault("quiet", True)
    kw.setdefault("workers", 1)
    return run_batch(Request(str(kw.pop("scenario", TINY)), runs=runs, seed=seed, out=str(tmp / name), **kw))


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_cli(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, **kw
    )


# --- what a batch writes ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """An uninterrupted batch with per-turn series and plots: the baseline the other tests compare with."""
    tmp = tmp_path_factory.mktemp("ref")
    res = batch(tmp, "ref", runs=300, seed=11, steps=True, plots=True, chunk_size=64)
    assert res.status == 0
    return tmp / "ref"


def test_outputs_are_complete(reference):
    out = reference
    for name in result_files(steps=True) + ["fan-relations.png", "fan-factors.png", "outcomes.png", "scenario.yaml"]:
        assert (out / name).is_file(), name
    assert not (out / "chunks").exists()  # chunks are dropped once the results are assembled
    assert not list(out.glob(".*tmp*"))
    rows = read_rows(out / "runs.csv")
    assert [int(r["run"]) for r in rows] == list(range(300))
    header = list(rows[0])
    for col in ("world", "seed", "factor.oil", "relation.a.b", "relation.b.c", "closest.a", "bloc.c",
                "outcome.a_reelected", "score.b", "moves.a_resolution"):
        assert col in header
    r = rows[5]
    assert r["seed"] == "11" and r["closest.a"] in ("b", "c") and r["bloc.a"] == "0"
    assert int(r["outcome.a_reelected"]) + int(r["outcome.a_defeated"]) == 1  # one election outcome per world
    assert sum(int(r[f"moves.{m}"]) for m in ("a_wait", "a_resolution")) == 6  # six turns, one move each

    m = json.loads((out / "manifest.json").read_text())
    import game

    assert m["version"] == game.__version__ and m["seed"] == 11 and m["runs"] == 300
    import hashlib

    assert m["scenario"]["sha256"] == hashlib.sha256(TINY.read_bytes()).hexdigest()
    assert m["command"].startswith("python main.py batch ") and "--seed 11" in m["command"]

    s = json.loads((out / "summary.json").read_text())
    (p,) = s["points"]
    ev = {e["outcome"]: e for e in p["events"]}
    assert ev["a_reelected"]["count"] + ev["a_defeated"]["count"] == 300
    assert ev["a_reelected"]["low"] <= ev["a_reelected"]["p"] <= ev["a_reelected"]["high"]
    for actor in ("a", "b", "c"):
        assert sum(c["count"] for c in p["closest"] if c["actor"] == actor) == 300
    assert sum(b["count"] for b in p["bloc_splits"]) == 300
    oil = next(f for f in p["factors"] if f["id"] == "oil")
    col = np.array([float(r["factor.oil"]) for r in rows])
    assert oil["mean"] == pytest.approx(col.mean(), rel=1e-5)
    assert oil["q05"] <= oil["q50"] <= oil["q95"] and oil["min"] == pytest.approx(col.min(), rel=1e-5)
    assert len(p["per_turn"]["relations"]["a.b"]["q50"]) == 7  # turn 0 .. 6

    steps = {k: np.load(out / "steps" / f"{k}.npy", mmap_mode="r") for k in ("factor_series", "relation_series", "pair_ids")}
    assert steps["factor_series"].shape == (300, 7, 2) and steps["relation_series"].shape == (300, 7, 3)
    assert np.array_equal(steps["factor_series"][:, -1, 1], col)  # last turn = final oil in runs.csv
    assert steps["pair_ids"].tolist() == ["a.b", "a.c", "b.c"]
    if have_pyarrow():
        import pyarrow.parquet as pq

        t = pq.read_table(out / "runs.parquet")
        assert t.num_rows == 300 and np.array_equal(t.column("factor.oil").to_numpy(), col)
    md = (out / "summary.md").read_text()
    assert "Wilson" in md and "A re-elected" in md


def test_same_results_whatever_the_workers_and_chunks(reference, tmp_path):
    a = batch(tmp_path, "two-workers", runs=300, seed=11, steps=True, workers=2, chunk_size=37)
    b = batch(tmp_path, "one-chunk", runs=300, seed=11, steps=True, workers=1, chunk_size=300)
    assert a.status == b.status == 0
    same_results(reference, tmp_path / "two-workers", steps=True, manifest=True)  # manifest.json too (issue 12, defect 7)
    same_results(reference, tmp_path / "one-chunk", steps=True, manifest=True)


def test_a_world_is_the_same_inside_any_batch(reference, tmp_path):
    """World k of a bigger batch equals world k of a smaller one (prefix property)."""
    batch(tmp_path, "small", runs=50, seed=11, chunk_size=7)
    small = read_rows(tmp_path / "small" / "runs.csv")
    big = read_rows(reference / "runs.csv")[:50]
    assert small == big


def test_seed_changes_results(reference, tmp_path):
    batch(tmp_path, "other", runs=300, seed=12)
    assert (tmp_path / "other" / "runs.csv").read_text() != (reference / "runs.csv").read_text()


# --- --set and --sweep -------------------------------------------------------------------------------


def test_set_equals_editing_the_file(tmp_path):
    edited = tmp_path / "edited.yaml"
    edited.write_text(TINY.read_text().replace("initial: 70", "initial: 40"))
    batch(tmp_path, "set", runs=60, sets=["factors.oil.initial=40"])
    batch(tmp_path, "edited", runs=60, scenario=edited)
    assert (tmp_path / "set" / "runs.csv").read_text() == (tmp_path / "edited" / "runs.csv").read_text()
    m = json.loads((tmp_path / "set" / "manifest.json").read_text())
    assert m["sets"] == ["factors.oil.initial=40"]


def test_sweep_grid(tmp_path):
    res = batch(
        tmp_path, "grid", runs=40, chunk_size=25,
        sweeps=["factors.oil.initial=40,120", "events.election.outcomes.a_reelected.chance.intercept=-3,3"],
    )
    out = tmp_path / "grid"
    pts = res.summary["points"]
    assert [p["values"] for p in pts] == [
        {"factors.oil.initial": 40, "events.election.outcomes.a_reelected.chance.intercept": -3},
        {"factors.oil.initial": 40, "events.election.outcomes.a_reelected.chance.intercept": 3},
        {"factors.oil.initial": 120, "events.election.outcomes.a_reelected.chance.intercept": -3},
        {"factors.oil.initial": 120, "events.election.outcomes.a_reelected.chance.intercept": 3},
    ]
    p_re = [next(e["p"] for e in p["events"] if e["outcome"] == "a_reelected") for p in pts]
    assert p_re[1] > p_re[0] and p_re[3] > p_re[2]  # the swept intercept moves the election
    rows = read_rows(out / "runs.csv")
    assert len(rows) == 160 and [int(r["run"]) for r in rows] == list(range(160))
    assert {r["sweep.factors.oil.initial"] for r in rows} == {"40", "120"}
    assert [r["point"] for r in rows[::40]] == ["0", "1", "2", "3"]
    # Common random numbers: world k of every point uses the same seed and index.
    assert rows[0]["world"] == rows[40]["world"] == "0"


def test_sweep_plots(tmp_path):
    batch(tmp_path, "sw", runs=20, plots=True, sweeps=["factors.sanctions.initial=20,80"])
    out = tmp_path / "sw"
    for name in ("sweep.png", "outcomes.png", "fan-relations.png", "fan-factors.png"):
        assert (out / name).is_file() and (out / name).read_bytes()[:4] == b"\x89PNG"


# --- bad arguments: exit 2, a message, nothing written ------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--runs", "0"], "--runs must be a whole number above 0"),
        (["--runs", "-5"], "--runs must be"),
        (["--runs", "ten"], "not a whole number"),
        (["--runs", "5", "--seed", "-1"], "--seed must be"),
        (["--runs", "5", "--workers", "0"], "--workers must be at least 1"),
        (["--runs", "5", "--set", "factors.oill.initial=3"], "did you mean 'oil'"),
        (["--runs", "5", "--set", "relations.pairs.a,b.initial=2"], "not a valid scenario"),
        (["--runs", "5", "--set", "factors.oil.initial=500"], "outside"),
        (["--runs", "5", "--sweep", "factors.oil.initial=40,500"], "factors.oil.initial=500"),
        (["--runs", "5", "--set", "turns"], "expected PATH=VALUE"),
    ],
)
def test_bad_arguments_exit_2_before_any_work(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    full = ["batch", str(TINY), "--seed", "1", "--out", str(out), *args]
    if "--seed" in args:
        full = ["batch", str(TINY), "--out", str(out), *args]
    with pytest.raises(SystemExit) if "ten" in args else _noop():
        code = cli_main(full)
        assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_unwritable_and_occupied_directories(tmp_path, capsys, reference):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli_main(["batch", str(TINY), "--runs", "5", "--seed", "1", "--out", str(blocker / "sub")]) == 2
    assert "cannot write there" in capsys.readouterr().err
    assert cli_main(["batch", str(TINY), "--runs", "5", "--seed", "1", "--out", str(blocker)]) == 2
    assert "not a directory" in capsys.readouterr().err
    # A directory that already holds a batch: refused without --resume ...
    before = {p.name: p.stat().st_mtime_ns for p in reference.iterdir()}
    assert cli_main(["batch", str(TINY), "--runs", "300", "--seed", "11", "--out", str(reference)]) == 2
    assert "already holds a batch" in capsys.readouterr().err
    # ... and with --resume when it is another batch.
    assert cli_main(["batch", str(TINY), "--runs", "300", "--seed", "12", "--out", str(reference), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "holds a different batch" in err and "seed: 11 there, 12 here" in err
    assert {p.name: p.stat().st_mtime_ns for p in reference.iterdir()} == before
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    assert cli_main(["batch", str(TINY), "--runs", "5", "--seed", "1", "--out", str(tmp_path / "full")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert cli_main(["batch", str(tmp_path / "nope.yaml"), "--runs", "5", "--seed", "1"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_resume_of_a_finished_batch_is_a_no_op(reference, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in reference.iterdir()}
    code = cli_main(["batch", str(TINY), "--runs", "300", "--seed", "11", "--steps", "--out", str(reference), "--resume"])
    assert code == 0 and "already complete" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in reference.iterdir()} == before


# --- interruptions ------------------------------------------------------------------------------------


def _start(out: Path, runs: int, chunk: int, extra=()) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "batch", str(TINY), "--runs", str(runs), "--seed", "5",
         "--workers", "2", "--chunk-size", str(chunk), "--no-plots", "--out", str(out), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _wait_for_chunks(out: Path, proc: subprocess.Popen, n: int, timeout: float = 90) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        d = out / "chunks"
        if d.is_dir() and len(list(d.glob("chunk-*.npz"))) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"batch ended before it could be interrupted: {proc.stderr.read()}")
        time.sleep(0.01)
    raise AssertionError("no chunks appeared")


RUNS, CHUNK = 12_000, 400


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("whole")
    assert batch(tmp, "whole", runs=RUNS, seed=5, chunk_size=CHUNK).status == 0
    return tmp / "whole"


def test_kill_9_then_resume_loses_nothing(tmp_path, uninterrupted):
    runs, chunk, ref = RUNS, CHUNK, uninterrupted
    out = tmp_path / "killed"
    proc = _start(out, runs, chunk)
    _wait_for_chunks(out, proc, 3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)  # orphaned workers notice their parent is gone and stop
    on_disk = len(list((out / "chunks").glob("chunk-*.npz")))
    assert 0 < on_disk < runs // chunk and not (out / "summary.json").exists()
    res = run_cli(["batch", str(TINY), "--runs", str(runs), "--seed", "5", "--workers", "2", "--no-plots",
                   "--out", str(out), "--resume"])
    assert res.returncode == 0, res.stderr
    assert "resuming" in res.stderr
    rows = read_rows(out / "runs.csv")
    assert [int(r["run"]) for r in rows] == list(range(runs))  # none lost, none twice
    same_results(ref, out, manifest=True)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path, uninterrupted):
    runs, chunk = RUNS, CHUNK
    out = tmp_path / "interrupted"
    proc = _start(out, runs, chunk)
    _wait_for_chunks(out, proc, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted." in err and "--resume" in err and "Traceback" not in err
    assert not list((out / "chunks").glob("*.tmp-*"))  # no half-written chunk
    assert not (out / "runs.csv").exists()
    resume = err.strip().splitlines()[-1].split("To resume: ", 1)[1]
    assert resume.startswith("python main.py batch ") and resume.endswith("--resume")
    res = run_cli(resume.split()[2:] + ["--no-plots"])
    assert res.returncode == 0, res.stderr
    assert [int(r["run"]) for r in read_rows(out / "runs.csv")] == list(range(runs))
    same_results(uninterrupted, out)


# --- replay -------------------------------------------------------------------------------------------


def test_replay_reproduces_a_world_of_the_batch(reference, capsys):
    assert cli_main(["replay", str(reference), "--run", "123"]) == 0
    text = capsys.readouterr().out
    assert "Turn 1 (" in text and "Turn 6 (" in text
    assert "This matches the batch's row in runs.csv." in text
    from game.batch.replay import load_world

    game, model, _, _, world = load_world(reference, 123)
    model.run()
    state = model.state
    row = read_rows(reference / "runs.csv")[123]
    assert world == 123
    assert state.factors()["oil"] == float(row["factor.oil"])
    assert state.relation("a", "b") == float(row["relation.a.b"])
    assert cli_main(["replay", str(reference), "--run", "300"]) == 2
    assert "--run must be from 0 to 299" in capsys.readouterr().err
    assert cli_main(["replay", str(reference.parent), "--run", "1"]) == 2


def test_replay_in_a_sweep(tmp_path, capsys):
    batch(tmp_path, "sw", runs=10, sweeps=["factors.oil.initial=40,120"], sets=["turns=4"])
    assert cli_main(["replay", str(tmp_path / "sw"), "--run", "17"]) == 0
    text = capsys.readouterr().out
    assert "world 7" in text and "factors.oil.initial=120" in text and "Turn 4 (" in text and "Turn 5 (" not in text
    assert "This matches the batch's row" in text


# --- compare ------------------------------------------------------------------------------------------


def test_compare_side_by_side(tmp_path, capsys):
    other = tmp_path / "tiny-high-oil.yaml"
    other.write_text(TINY.read_text().replace("initial: 70", "initial: 140"))
    out = tmp_path / "cmp"
    code = cli_main(["compare", str(TINY), str(other), "--runs", "50", "--seed", "3", "--workers", "1", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if line.startswith("Outcome"))
    assert "tiny" in header and "tiny-high-oil" in header
    assert "A re-elected (a_reelected)" in text
    assert (out / "compare.md").is_file() and (out / "tiny" / "runs.csv").is_file()
    data = json.loads((out / "compare.json").read_text())
    assert [s["name"] for s in data["scenarios"]] == ["tiny", "tiny-high-oil"]
    # A scenario run in compare gives exactly what `batch` gives.
    batch(tmp_path, "alone", runs=50, seed=3)
    assert (out / "tiny" / "runs.csv").read_text() == (tmp_path / "alone" / "runs.csv").read_text()


def test_compare_checks_every_scenario_first(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("turns: 6", "turns: 0"))
    out = tmp_path / "cmp"
    assert cli_main(["compare", str(TINY), str(bad), "--runs", "5", "--seed", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "Traceback" not in err
    assert not out.exists()


# --- Dask --------------------------------------------------------------------------------------------


def test_dask_cluster_matches_local_engine(reference, tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask distributed (extra 'cluster') is not installed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        res = batch(tmp_path, "dask", runs=300, seed=11, steps=True, chunk_size=50, scheduler=cluster.scheduler_address)
    assert res.status == 0
    same_results(reference, tmp_path / "dask", steps=True)


def test_unreachable_scheduler_is_a_clean_error(tmp_path, capsys):
    pytest.importorskip("distributed", reason="Dask distributed (extra 'cluster') is not installed")
    from game.batch import runner

    with pytest.raises(BatchError, match="cannot connect"):
        runner.connect("tcp://127.0.0.1:1", timeout=1)


def test_a_failing_chunk_keeps_the_finished_ones(tmp_path, monkeypatch, capsys):
    from game.batch import worker

    real = worker.simulate_chunk

    def flaky(task):
        if task.chunk.id == 2:
            raise RuntimeError("engine exploded")
        return real(task)

    monkeypatch.setattr(worker, "simulate_chunk", flaky)
    res = batch(tmp_path, "flaky", runs=100, chunk_size=20, quiet=False)
    assert res.status == 1
    err = capsys.readouterr().err
    assert "Stopped by an error: RuntimeError: engine exploded" in err and "--resume" in err
    assert len(list((tmp_path / "flaky" / "chunks").glob("chunk-*.npz"))) == 2
    monkeypatch.setattr(worker, "simulate_chunk", real)
    res = run_batch(Request(str(TINY), runs=100, seed=11, out=str(tmp_path / "flaky"), workers=1, resume=True,
                            plots=False, quiet=True))
    assert res.status == 0
    batch(tmp_path, "whole", runs=100, chunk_size=20)
    same_results(tmp_path / "whole", tmp_path / "flaky", manifest=True)


def test_sweep_of_bounds_and_of_turns(tmp_path, capsys):
    res = batch(tmp_path, "bounds", runs=30, sweeps=["factors.oil.max=150,600"])
    for p in res.summary["points"]:
        hi = p["values"]["factors.oil.max"]
        median0 = p["per_turn"]["factors"]["oil"]["q50"][0]  # every world starts at 70
        assert abs(median0 - 70) <= (hi - 20) / 256 + 1e-9
    out = tmp_path / "turns"
    assert cli_main(["batch", str(TINY), "--runs", "5", "--seed", "1", "--out", str(out), "--sweep", "turns=4,6"]) == 2
    assert "changes the number of turns" in capsys.readouterr().err and not out.exists()


def test_one_batch_directory_one_command_at_a_time(tmp_path):
    fcntl = pytest.importorskip("fcntl", reason="advisory locks are POSIX only")

    from game.batch import execute, prepare

    p = prepare(Request(str(TINY), runs=10, seed=1, out=str(tmp_path / "b"), workers=1, plots=False, quiet=True))
    with open(tmp_path / "b" / ".lock", "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as if another command held it
        with pytest.raises(BatchError, match="another summit command"):
            execute(p)
    assert execute(p).status == 0
