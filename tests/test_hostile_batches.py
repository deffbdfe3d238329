"""Issue 10: a batch directory read back is untrusted input (items 3-5 and 7-12 of the issue).

Each case tampers with a batch the way an attacker or a careless user would, then runs the
command a person would run. The contract: a clear message, or a correct recomputation (results
byte-identical to an untouched batch); never a traceback, a hang, a wrong number, a deleted
chunk or a changed file outside the batch directory.
"""

from __future__ import annotations

import csv
import filecmp
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from game.batch import BatchError, Request, run_batch, runner
from game.loader import overrides as ov
from game.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
RUNS, SEED, CHUNK = 600, 3, 100


def request(out: Path, **kw) -> Request:
    kw.setdefault("plots", False)
    kw.setdefault("quiet", True)
    kw.setdefault("workers", 1)
    return Request(str(TINY), runs=RUNS, seed=SEED, out=str(out), chunk_size=kw.pop("chunk_size", CHUNK), **kw)


def resume(out: Path, **kw):
    return run_batch(request(out, resume=True, **kw))


def run_cli(args: list[str], timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("cwd", ROOT)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=timeout, **kw)


def batch_args(out: Path, *extra: str) -> list[str]:
    return ["batch", str(TINY), "--runs", str(RUNS), "--seed", str(SEED), "--no-plots", "--out", str(out), *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ref"
    assert run_batch(request(out)).status == 0
    return out


@pytest.fixture(scope="module")
def unfinished(tmp_path_factory) -> Path:
    """A batch whose chunks are all on disk but whose results were never written (stopped while assembling)."""
    out = tmp_path_factory.mktemp("unfinished") / "b"

    def stop(p, **kw):
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "finish", stop)
        assert run_batch(request(out)).status == 130
    assert len(list((out / "chunks").glob("chunk-*.npz"))) == RUNS // CHUNK
    return out


@pytest.fixture
def batch_dir(unfinished, tmp_path) -> Path:
    out = tmp_path / "b"
    shutil.copytree(unfinished, out)
    return out


def same_results(a: Path, b: Path) -> None:
    for name in ("runs.csv", "summary.json", "summary.md"):
        assert filecmp.cmp(a / name, b / name, shallow=False), f"{name} differs"


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k].copy() for k in z.files}


def save(path: Path, arrays: dict, fix_checksum: bool) -> None:
    if fix_checksum:  # a careful forger recomputes the checksum
        from game.batch.chunkfile import content_sha256

        meta = json.loads(arrays["meta"].tobytes())
        meta["sha256"] = content_sha256(arrays)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def edit_chunk(path: Path, change, fix_checksum: bool = True) -> None:
    arrays = load(path)
    change(arrays)
    save(path, arrays, fix_checksum)


# --- 4. --resume trusts chunk contents ------------------------------------------------------------


def _factor_999(a):
    a["factors"][0, 0] = 999.999


def _inject_row(a):
    a["csv"] = np.frombuffer(a["csv"].tobytes() + b'=HYPERLINK("http://evil.example","click"),0,0\n', dtype=np.uint8)


def _extra_world(a):
    for k in ("world", "point", "factors", "relations", "scores", "closest", "blocs", "outcomes", "move_counts"):
        a[k] = np.concatenate([a[k], a[k][:1]])


TAMPERING = {
    "factor 999.999, checksum recomputed": (_factor_999, True, "factors out of bounds"),
    "factor 999.999, checksum left": (_factor_999, False, "failed its checksum"),
    "formula row injected into its CSV text": (_inject_row, True, "its runs.csv rows differ from its numbers"),
    "one world too many": (_extra_world, True, "has shape"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_a_tampered_chunk_is_recomputed_with_a_line_saying_so(batch_dir, reference, case, capsys):
    change, fix, reason = TAMPERING[case]
    edit_chunk(batch_dir / "chunks" / "chunk-00002.npz", change, fix)
    res = resume(batch_dir, quiet=False)
    err = capsys.readouterr().err
    assert res.status == 0, err
    assert "chunk-00002.npz: " in err and reason in err and "computing it again" in err
    same_results(reference, batch_dir)
    assert "HYPERLINK" not in (batch_dir / "runs.csv").read_text()
    assert json.loads((batch_dir / "summary.json").read_text())["points"][0]["runs"] == RUNS


def test_a_chunk_with_64_flipped_bytes_is_recomputed_never_fatal(batch_dir, reference):
    for k, path in enumerate(sorted((batch_dir / "chunks").glob("chunk-*.npz"))):
        raw = bytearray(path.read_bytes())
        r = random.Random(k)
        for _ in range(64):
            raw[r.randrange(len(raw))] ^= 0xFF
        path.write_bytes(bytes(raw))
    res = run_cli(batch_args(batch_dir, "--resume", "--workers", "1", "--chunk-size", str(CHUNK)))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "BadZipFile" not in res.stdout
    assert "computing it again" in res.stderr and "more chunk(s) on disk fail their checks" in res.stderr
    same_results(reference, batch_dir)


def test_a_chunk_that_is_a_link_fifo_or_empty_is_recomputed_and_nothing_outside_changes(batch_dir, reference, tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("do not touch")
    chunks = batch_dir / "chunks"
    (chunks / "chunk-00000.npz").unlink()
    (chunks / "chunk-00000.npz").symlink_to(outside)
    (chunks / "chunk-00001.npz").unlink()
    os.mkfifo(chunks / "chunk-00001.npz")
    (chunks / "chunk-00002.npz").write_bytes(b"")
    (chunks / "chunk-00003.npz").unlink()
    (chunks / "chunk-00003.npz").symlink_to("/dev/zero")
    res = run_cli(batch_args(batch_dir, "--resume", "--workers", "1"), timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count("computing it again") == 4
    same_results(reference, batch_dir)
    assert outside.read_text() == "do not touch" and not outside.is_symlink()


def test_csv_text_cells_never_start_a_formula(tmp_path):
    out = tmp_path / "sw"
    values = ["=1+1", "+cmd", "-cmd", "@SUM(A1)"]
    req = request(out, sweeps=["title=" + ",".join(values)])
    req.runs = 10
    assert run_batch(req).status == 0
    with open(out / "runs.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    cells = [c for row in rows for c in row]
    for cell in cells:
        if cell[:1] in "=+-@":
            float(cell)  # only a number may start with a sign
    assert {r[rows[0].index("sweep.title")] for r in rows[1:]} == {"'" + v for v in values}


# --- 5. a damaged manifest.json deletes finished work or crashes ---------------------------------


def _manifest(out: Path, change) -> None:
    path = out / "manifest.json"
    data = json.loads(path.read_text())
    data = change(data)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


def _set(key, value):
    def change(m):
        m[key] = value
        return m

    return change


MANIFESTS = {
    "chunk_size -5": (_set("chunk_size", -5), "chunk_size: input should be greater than or equal to 1 (found -5)"),
    "chunk_size 0": (_set("chunk_size", 0), "chunk_size: input should be greater than or equal to 1 (found 0)"),
    "chunk_size abc": (_set("chunk_size", "abc"), "chunk_size: input should be a valid integer"),
    "chunk_size 2.5": (_set("chunk_size", 2.5), "chunk_size: input should be a valid integer"),
    "a JSON list": (lambda m: [m], "it holds a list, not a mapping of keys"),
    "not JSON": (lambda m: "{broken", "not JSON"),
    "NaN seed": (lambda m: json.dumps(m).replace('"seed": 3', '"seed": NaN'), "NaN is not a number JSON allows"),
    "runs as text": (_set("runs", "600"), "runs: input should be a valid integer"),
    "counts disagree": (lambda m: {**m, "chunk_size": 100, "chunks": 99},
                        "chunks is 99, but 1 point(s) of 600 runs in chunks of 100 make 6"),  # a manifest of an older Summit
    "huge sweep grid": (_set("sweeps", [{"path": f"p{i}", "values": list(range(10))} for i in range(8)]),
                        "the sweeps make 100,000,000 points; at most 10,000 are allowed"),
}


@pytest.mark.parametrize("case", list(MANIFESTS))
def test_a_damaged_manifest_is_a_clear_error_and_deletes_nothing(batch_dir, case):
    change, message = MANIFESTS[case]
    _manifest(batch_dir, change)
    before = snapshot(batch_dir)
    res = run_cli(batch_args(batch_dir, "--resume"))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "manifest.json: the manifest is damaged: " in res.stderr and message in res.stderr, res.stderr
    assert "Nothing in it was changed" in res.stderr
    assert snapshot(batch_dir) == before


def _plan(out: Path, change) -> None:
    """Change chunks/plan.json, where a batch keeps how this run cuts its worlds into chunks (issue 12)."""
    path = out / "chunks" / "plan.json"
    data = change(json.loads(path.read_text()))
    path.write_text(data if isinstance(data, str) else json.dumps(data))


PLANS = {
    "chunk_size -5": (_set("chunk_size", -5), "greater than or equal to 1"),
    "chunk_size abc": (_set("chunk_size", "abc"), "valid integer"),
    "chunk_size null": (_set("chunk_size", None), "valid integer"),
    "a JSON list": (lambda m: [m], "the chunk plan is damaged"),
    "not JSON": (lambda m: "{broken", "not JSON"),
    "counts disagree": (_set("chunks", 99), "it says 99 chunks, but chunks of 100 make 6"),
}


@pytest.mark.parametrize("case", list(PLANS))
def test_a_damaged_chunk_plan_is_a_clear_error_and_deletes_nothing(batch_dir, case):
    change, message = PLANS[case]
    _plan(batch_dir, change)
    before = snapshot(batch_dir)
    res = run_cli(batch_args(batch_dir, "--resume"))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and message in res.stderr, res.stderr
    assert "plan.json" in res.stderr and "nothing was changed" in res.stderr
    assert snapshot(batch_dir) == before


def test_a_manifest_that_disagrees_with_the_chunks_names_both(batch_dir):
    _plan(batch_dir, lambda m: {**m, "chunk_size": 50, "chunks": 12})
    before = snapshot(batch_dir / "chunks")
    res = run_cli(batch_args(batch_dir, "--resume"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "the plan and the chunks disagree: chunks/plan.json (or manifest.json) says chunk_size 50" in res.stderr
    assert "chunk-00000.npz holds worlds 0..99" in res.stderr
    assert snapshot(batch_dir / "chunks") == before


def test_a_chunks_path_that_is_a_file_is_refused_untouched(batch_dir):
    shutil.rmtree(batch_dir / "chunks")
    (batch_dir / "chunks").write_text("mine")
    res = run_cli(batch_args(batch_dir, "--resume"))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "chunks is not a folder" in res.stderr
    assert (batch_dir / "chunks").read_text() == "mine"


def test_a_damaged_summary_means_the_results_are_computed_again(reference, tmp_path):
    out = tmp_path / "done"
    shutil.copytree(reference, out)
    (out / "summary.json").write_text('{"runs": ')
    res = resume(out)
    assert res.status == 0
    same_results(reference, out)


# --- 7. replay and play --batch skip the hardened loader ---------------------------------------


def _with_scenario_copy(out: Path, raw: bytes) -> None:
    (out / "scenario.yaml").write_bytes(raw)
    _manifest(out, lambda m: {**m, "scenario": {**m["scenario"], "sha256": hashlib.sha256(raw).hexdigest()}})


COPIES = {
    "3 MB": (lambda b: b + b"\n#" + b"x" * 3_000_000 + b"\n", "the file is too large (2.9 MB); scenario files may be at most 2 MB"),
    "duplicate keys": (lambda b: b.replace(b"\nturns:", b"\nid: again\nturns:", 1), "duplicate key 'id'"),
    "NUL": (lambda b: b.replace(b"title: ", b"title: \x00", 1), "NUL"),
    "python tag": (lambda b: b.replace(b"\ntitle:", b"\nx: !!python/object/apply:os.system ['touch PWNED']\ntitle:", 1),
                   "tag '!!python/object/apply:os.system' is not allowed"),
    "raw ESC": (lambda b: b.replace(b"title: ", b"title: \x1b]0;pwned\x07", 1), "the control character U+001B"),
    "ESC written as a YAML escape": (lambda b: b.replace(b"title: ", b'title: "\\e[2J"\nx_title: ', 1),
                                     "contains the control character U+001B (ESC)"),
    "extends a file": (lambda b: b"extends: ../../../etc/passwd\n" + b, "the batch's copy of its scenario extends another file"),
}


@pytest.mark.parametrize("case", list(COPIES))
def test_replay_reads_the_batch_scenario_through_the_one_loader(reference, tmp_path, case):
    out = tmp_path / "r"
    shutil.copytree(reference, out)
    change, message = COPIES[case]
    _with_scenario_copy(out, change((out / "scenario.yaml").read_bytes()))
    res = run_cli(["replay", str(out), "--run", "3"], cwd=tmp_path)
    assert res.returncode == 2, res.stdout
    assert "Traceback" not in res.stderr and message in res.stderr, res.stderr
    assert "\x1b" not in res.stderr and not (tmp_path / "PWNED").exists()


REPLAY_MANIFESTS = {
    "copy given as a list": (lambda m: {**m, "scenario": {**m["scenario"], "copy": ["a", "b"]}}, "scenario.copy"),
    "sets holding a number": (_set("sets", [5]), "sets.0: input should be a valid string (found 5)"),
    "8 sweeps x 10 values": (_set("sweeps", [{"path": f"p{i}", "values": list(range(10))} for i in range(8)]),
                             "the sweeps make 100,000,000 points"),
    "newer Summit": (_set("version", "99.0.0"), "made by a newer Summit (99.0.0)"),
}


@pytest.mark.parametrize("case", list(REPLAY_MANIFESTS))
def test_replay_uses_the_manifest_model(reference, tmp_path, case):
    out = tmp_path / "r"
    shutil.copytree(reference, out)
    change, message = REPLAY_MANIFESTS[case]
    _manifest(out, change)
    res = run_cli(["replay", str(out), "--run", "3"], timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert message in res.stderr, res.stderr


def test_replay_with_bad_runs_csv_rows_warns_and_still_replays(reference, tmp_path):
    out = tmp_path / "r"
    shutil.copytree(reference, out)
    lines = (out / "runs.csv").read_text().splitlines()
    lines[4] = "3,abc," + "=HYPERLINK(1)," * 5
    (out / "runs.csv").write_text("\n".join(lines) + "\n")
    res = run_cli(["replay", str(out), "--run", "3"])
    assert res.returncode == 0 and "Traceback" not in res.stderr
    assert "WARNING: cannot compare with the batch's runs.csv" in res.stdout and "line 5: not a row of numbers" in res.stdout


def test_play_batch_reads_through_the_same_checks(reference, tmp_path):
    from game.errors import BatchError
    from game.session import Session

    out = tmp_path / "r"
    shutil.copytree(reference, out)
    _with_scenario_copy(out, (out / "scenario.yaml").read_bytes().replace(b"\nturns:", b"\nid: again\nturns:", 1))
    with pytest.raises(BatchError, match="duplicate key 'id'"):
        Session.from_batch(out, 3)
    _manifest(out, _set("seed", -1))
    with pytest.raises(BatchError, match="seed: input should be greater than or equal to 0"):
        Session.from_batch(out, 3)


# --- 8. sweep grids are built before the size check -------------------------------------------------


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))  # 2 GB: a regression fails, never swamps the machine


def test_the_sweep_grid_size_is_checked_before_the_grid_is_built(tmp_path):
    sweeps = [ov.Sweep(f"p{i}", tuple(range(10))) for i in range(8)]
    with pytest.raises(ov.OverrideError, match="the sweeps make 100,000,000 points; at most 10,000 are allowed"):
        ov.grid(sweeps)
    args = ["batch", str(TINY), "--runs", "1", "--seed", "1", "--out", str(tmp_path / "g")]
    for i in range(7):
        args += ["--sweep", f"factors.f{i}.initial=" + ",".join(str(v) for v in range(10))]
    res = run_cli(args, timeout=60, preexec_fn=_limit_memory)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "MemoryError" not in res.stderr
    assert "the sweeps make 10,000,000 points; at most 10,000 are allowed" in res.stderr


# --- 9. a full disk or a full standard output -----------------------------------------------------


def _small_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) like on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_write_error_while_writing_results_gives_one_line_and_the_resume_command(batch_dir, reference):
    res = run_cli(batch_args(batch_dir, "--resume"), preexec_fn=_small_files)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "Could not write the results: " in res.stderr
    assert f"To resume: python main.py batch {TINY} --runs {RUNS} --seed {SEED} --out {batch_dir} --resume" in res.stderr
    assert len(list((batch_dir / "chunks").glob("chunk-*.npz"))) == RUNS // CHUNK  # the chunks survive
    assert not list(batch_dir.glob(".*.tmp-*")) and not (batch_dir / "runs.csv").exists()
    assert run_cli(batch_args(batch_dir, "--resume")).returncode == 0
    same_results(reference, batch_dir)


def test_a_full_disk_says_so(batch_dir, monkeypatch, capsys):
    import errno

    from game.batch import assemble

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(assemble, "summarise_point", full)
    res = resume(batch_dir)
    assert res.status == 1
    assert "Could not write the results: the disk is full (no space left on the device)." in capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["schema"], ["validate", str(TINY)], ["list"], ["blocs", str(TINY)]])
def test_a_full_standard_output_says_so(args):
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, stdout=full, stderr=subprocess.PIPE,
                             text=True, timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr and "Exception ignored" not in res.stderr
    assert res.stderr.strip().endswith("error: standard output is full")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_batch_with_a_full_standard_output_keeps_its_results(tmp_path):
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, str(ROOT / "main.py"), *batch_args(tmp_path / "b")], cwd=ROOT, stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "summit batch: error: standard output is full" in res.stderr
    assert (tmp_path / "b" / "summary.json").is_file()


# --- 10. SIGTERM is handled like Ctrl-C -------------------------------------------------------------


def test_sigterm_stops_a_batch_cleanly_with_the_resume_command(tmp_path, reference):
    out = tmp_path / "t"
    big = ["batch", str(TINY), "--runs", "20000", "--seed", str(SEED), "--workers", "2", "--chunk-size", "200",
           "--no-plots", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *big], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    while len(list((out / "chunks").glob("chunk-*.npz"))) < 2 and proc.poll() is None and time.monotonic() - t0 < 90:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Stopped by SIGTERM." in err and "--resume" in err
    assert "Traceback" not in err and "leaked semaphore" not in err
    assert not list((out / "chunks").glob(".*.tmp-*"))
    resume_cmd = err.strip().splitlines()[-1].split("To resume: ", 1)[1]
    res = run_cli(resume_cmd.split()[2:] + ["--no-plots"])
    assert res.returncode == 0, res.stderr
    with open(out / "runs.csv", newline="") as fh:
        assert [int(r["run"]) for r in csv.DictReader(fh)] == list(range(20000))


# --- 11. unbounded arguments ------------------------------------------------------------------------


def test_workers_are_capped_at_what_the_machine_gives(tmp_path):
    p = runner.prepare(request(tmp_path / "w", workers=1000))
    assert p.workers == runner.cpu_count()
    assert p.notes == [f"note: --workers 1,000 is more than the {runner.cpu_count()} core(s) this machine gives; "
                       f"using {runner.cpu_count()}"]
    res = run_cli(batch_args(tmp_path / "w2", "--workers", "1000"))
    assert res.returncode == 0 and "--workers 1,000 is more than the" in res.stderr


# --- 12. leftovers ------------------------------------------------------------------------------


def test_stale_temporary_files_are_removed_on_resume(batch_dir, reference, capsys):
    (batch_dir / ".runs.csv.tmp-123-456").write_bytes(b"")
    (batch_dir / ".steps.tmp-123").mkdir()
    (batch_dir / ".steps.tmp-123" / "factor_series.npy").write_bytes(b"half")
    (batch_dir / "chunks" / ".chunk-00001.npz.tmp-123-456").write_bytes(b"x" * 10)
    res = resume(batch_dir, quiet=False)
    assert res.status == 0
    err = capsys.readouterr().err
    assert f"removed 2 unfinished temporary file(s) left by an interrupted run in {batch_dir}\n" in err
    assert f"removed 1 unfinished temporary file(s) left by an interrupted run in {batch_dir / 'chunks'}" in err
    assert not list(batch_dir.rglob("*.tmp-*"))
    same_results(reference, batch_dir)


def test_result_files_that_are_not_regular_files_are_refused_not_replaced(batch_dir):
    os.mkfifo(batch_dir / "runs.csv")
    res = run_cli(batch_args(batch_dir, "--resume"), timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "runs.csv is a FIFO (named pipe); Summit writes only new or regular files" in res.stderr
    assert "To resume:" in res.stderr
    assert (batch_dir / "runs.csv").is_fifo()


def test_a_symlink_loop_is_reported_as_one(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.symlink_to(b)
    b.symlink_to(a)
    assert cli_main(["validate", str(a)]) == 1
    assert "a symbolic link loop (the link leads back to itself)" in capsys.readouterr().err
    with pytest.raises(BatchError, match="symbolic link loop"):
        runner.prepare(Request(str(a), runs=1, seed=1, out=str(tmp_path / "o")))


# --- designs: chunks holding several points ------------------------------------------------------


def test_a_tampered_chunk_of_a_design_is_recomputed(tmp_path, capsys):
    design = dict(vary=["factors.sanctions.initial=10:60"], design="lhs:12", runs=20, chunk_size=100)

    def req(out, **kw):
        r = request(out, vary=design["vary"], design=design["design"], chunk_size=design["chunk_size"], **kw)
        r.runs = design["runs"]
        return r

    ref = tmp_path / "ref"
    assert run_batch(req(ref)).status == 0
    out = tmp_path / "d"

    def stop(p, **kw):
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "finish", stop)
        assert run_batch(req(out)).status == 130
    chunk = out / "chunks" / "chunk-00001.npz"
    meta = json.loads(load(chunk)["meta"].tobytes())
    assert meta["points"] == 5  # 100 worlds per chunk: five points of 20
    edit_chunk(chunk, lambda a: a["point"].__setitem__(0, 0))  # a row claims another point
    edit_chunk(out / "chunks" / "chunk-00002.npz", lambda a: a["lo"].__setitem__(0, -1e9))  # a forged column range
    capsys.readouterr()
    assert run_batch(req(out, resume=True, quiet=False)).status == 0
    err = capsys.readouterr().err
    assert "chunk-00001.npz: holds other worlds than 0..19 of point(s) 5..9; computing it again" in err
    assert "chunk-00002.npz: its column ranges (lo, hi) are not its columns' ranges; computing it again" in err
    for name in ("runs.csv", "points.csv", "summary.json"):
        assert filecmp.cmp(ref / name, out / name, shallow=False), name
    _manifest(out, lambda m: {**m, "design": {**m["design"], "n": 13}})
    (out / "summary.json").unlink()
    with pytest.raises(BatchError, match="points is 12, but the design lhs:13 give 13"):
        run_batch(req(out, resume=True))


def test_text_from_the_scenario_is_never_markup_in_plots_or_markdown(tmp_path):
    """A '$' pair in a title is TeX to matplotlib (a bad one crashed plotting); '|' and '<' are
    syntax to Markdown."""
    scenario = tmp_path / "dollars.yaml"
    title = r"Cost $\frac{1}{$ | <b>x</b>"
    scenario.write_text(TINY.read_text().replace("\ntitle: ", f"\ntitle: '{title}'\nx_old_title: ", 1).replace("\nx_old_title: ", "\n#", 1))
    out = tmp_path / "b"
    res = run_batch(Request(str(scenario), runs=20, seed=1, out=str(out), workers=1, quiet=True, plots=True))
    assert res.status == 0
    assert sorted(p.name for p in out.glob("*.png"))
    assert r"# Batch summary: Cost $\\frac{1}{$ \| \<b\>x\</b\>" in (out / "summary.md").read_text()


def test_a_finished_until_ci_batch_is_recognised_as_finished(tmp_path, capsys):
    out = tmp_path / "u"
    req = request(out, until_ci=0.1)
    req.runs = 20_000
    assert run_batch(req).status == 0
    runs = json.loads((out / "summary.json").read_text())["runs"]
    assert runs < 20_000  # it stopped early
    before = (out / "runs.csv").read_bytes()
    req.resume, req.quiet = True, False
    capsys.readouterr()
    assert run_batch(req).status == 0
    assert "this batch is already complete" in capsys.readouterr().err
    assert (out / "runs.csv").read_bytes() == before
