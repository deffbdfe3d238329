"""Issue 10: saves, manifests and chunks mutated at random (hypothesis).

For every mutation the contract holds: a clear error (SaveError, BatchError or BadChunk, with a
message), or a correct result (the original game, or results byte-identical to an untouched
batch); never another exception, a hang, a wrong number, a deleted chunk, or a changed file
outside the batch directory. A save whose checksum a forger recomputed may load as another
game, but only one the rules could have reached: it plays to the end with every number in bounds.

`make test` runs a few dozen mutations of each kind (derandomized, so the suite is reproducible);
`make soak` (marker `soak`) runs a few thousand, freshly random each time.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game import narrate, saves
from game.batch import Request, chunkfile, run_batch, runner
from game.batch.manifest import read_manifest
from game.compiled import Game
from game.errors import BatchError, SaveError
from game.loader import load_scenario
from game.state import State

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
RUNS, SEED, CHUNK = 300, 5, 60
QUICK = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
SOAK = dict(deadline=None, suppress_health_check=list(HealthCheck))


# --- mutations ---------------------------------------------------------------------------------


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(["\x1b[2J", "\x00", "=HYPERLINK(1)", "9" * 50, "99.0.0", "scenario.yaml", "", "NaN"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


@st.composite
def json_edit(draw, data):
    """A copy of `data` with one place replaced, deleted or duplicated."""
    data = json.loads(json.dumps(data))
    paths = [p for p in _paths(data) if p]
    path = paths[draw(st.integers(0, len(paths) - 1))]
    parent = data
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    how = draw(st.sampled_from(["replace", "replace", "delete", "duplicate", "nudge"]))
    if how == "delete":
        del parent[key]
    elif how == "duplicate" and isinstance(parent, list):
        parent.insert(key, parent[key])
    elif how == "nudge" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
        parent[key] = parent[key] + draw(st.sampled_from([1, -1, 0.5, 1e-9, 1e6]))
    else:
        parent[key] = draw(JSON_VALUES)
    return data


@st.composite
def byte_edit(draw, raw: bytes):
    """`raw` with bytes flipped, cut, inserted, zeroed or repeated."""
    raw = bytearray(raw)
    how = draw(st.sampled_from(["flip", "cut", "insert", "zero", "repeat"]))
    at = draw(st.integers(0, max(0, len(raw) - 1)))
    if how == "flip":
        for _ in range(draw(st.integers(1, 64))):
            i = draw(st.integers(0, len(raw) - 1))
            raw[i] ^= draw(st.integers(1, 255))
    elif how == "cut":
        del raw[at:]
    elif how == "insert":
        raw[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif how == "zero":
        n = draw(st.integers(1, 4096))
        raw[at:at + n] = bytes(len(raw[at:at + n]))
    else:
        n = draw(st.integers(1, 256))
        raw[at:at] = raw[at:at + n]
    return bytes(raw)


# --- saves ----------------------------------------------------------------------------------------


@functools.cache
def original() -> tuple[str, State]:
    state = Game(load_scenario(TINY)).new_state(77, humans=("b",))
    for _ in range(3):
        state.apply_actions({"b": "b_smuggle"})
    return state.to_json(), state


def _with_checksum(envelope: dict) -> str:
    if isinstance(envelope.get("game"), dict):
        try:
            envelope["sha256"] = hashlib.sha256(saves.canonical(envelope["game"])).hexdigest()
        except (ValueError, TypeError):
            pass
    return json.dumps(envelope)


def _in_bounds(state: State) -> None:
    w, g = state.worlds, state.game
    assert np.all((w.factors >= g.factor_min) & (w.factors <= g.factor_max))
    assert np.all(np.abs(w.pairs) <= 1) and np.all(np.isfinite(w.scores))
    assert np.all((w.persona >= 0) & (w.persona < len(g.personas)))


def check_save(text: str, forged: bool) -> None:
    text_original, state = original()
    try:
        loaded = State.from_json(text)
    except SaveError as exc:
        message = str(exc)
        assert message.startswith("cannot load the saved game: ") and "\x1b" not in message and "\x00" not in message
        return
    if not forged:  # without a new checksum, only the original game may come out
        assert loaded.fingerprint() == state.fingerprint()
        assert [h.lines() for h in narrate.history(loaded)] == [h.lines() for h in narrate.history(state)]
        return
    _in_bounds(loaded)  # a forged save is some game the rules could reach: it plays on, in bounds
    loaded.play_out()
    _in_bounds(loaded)


def _save_bytes(data) -> None:
    text = original()[0]
    check_save(data.draw(byte_edit(text.encode())).decode("utf-8", "replace"), forged=False)


def _save_structure(data) -> None:
    envelope = json.loads(original()[0])
    forged = data.draw(st.booleans())
    edited = data.draw(json_edit(envelope))
    check_save(_with_checksum(edited) if forged and isinstance(edited, dict) else json.dumps(edited), forged)


@settings(max_examples=40, **QUICK)
@given(st.data())
def test_mutated_save_bytes(data):
    _save_bytes(data)


@settings(max_examples=60, **QUICK)
@given(st.data())
def test_mutated_save_structure(data):
    _save_structure(data)


@pytest.mark.soak
@settings(max_examples=1000, **SOAK)
@given(st.data())
def test_soak_mutated_save_bytes(data):
    _save_bytes(data)


@pytest.mark.soak
@settings(max_examples=1500, **SOAK)
@given(st.data())
def test_soak_mutated_save_structure(data):
    _save_structure(data)


# --- batches: an unfinished batch and its untouched results, built once -------------------------------


def request(out: Path, **kw) -> Request:
    return Request(str(TINY), runs=RUNS, seed=SEED, out=str(out), chunk_size=CHUNK, workers=1, plots=False, quiet=True, **kw)


@functools.cache
def batches() -> tuple[Path, Path]:
    """(an untouched finished batch, an unfinished one: every chunk on disk, no results)."""
    root = Path(tempfile.mkdtemp(prefix="summit-hostile-"))
    atexit.register(shutil.rmtree, root, True)  # built once per test process, removed when it ends
    assert run_batch(request(root / "reference")).status == 0

    def stop(p, **kw):
        raise KeyboardInterrupt

    saved, runner.finish = runner.finish, stop
    try:
        assert run_batch(request(root / "unfinished")).status == 130
    finally:
        runner.finish = saved
    return root / "reference", root / "unfinished"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and ".lock" not in p.name}


def resume_contract(out: Path, outside: Path) -> None:
    """Resume the (tampered) batch in `out`: identical results, or a clear BatchError that deleted no chunk."""
    reference, _ = batches()
    chunks_before = _files(out / "chunks") if (out / "chunks").is_dir() and not (out / "chunks").is_symlink() else {}
    try:
        res = run_batch(request(out, resume=True))
    except BatchError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        if chunks_before:
            after = _files(out / "chunks")
            assert {k: v for k, v in chunks_before.items() if k.startswith("chunk-")}.items() <= after.items()
    else:
        assert res.status == 0, res.message
        for name in ("runs.csv", "points.csv", "summary.json", "summary.md"):
            assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert outside.read_text() == "outside: never changed"


def _copy(tmp: Path) -> tuple[Path, Path]:
    _, unfinished = batches()
    out = tmp / "b"
    shutil.copytree(unfinished, out, symlinks=True)
    outside = tmp / "outside.txt"
    outside.write_text("outside: never changed")
    return out, outside


# --- manifests (and the chunk plan beside the chunks) ---------------------------------------------


def _manifest_unit(data) -> None:
    _, unfinished = batches()
    original_manifest = json.loads((unfinished / "manifest.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if data.draw(st.booleans()):
            raw = json.dumps(data.draw(json_edit(original_manifest))).encode()
        else:
            raw = data.draw(byte_edit((unfinished / "manifest.json").read_bytes()))
        (d / "manifest.json").write_bytes(raw)
        try:
            m = read_manifest(d)
        except BatchError as exc:
            assert "manifest.json" in str(exc)
            return
        assert m.points >= 1 and m.runs >= 1 and (m.chunk_size is None or m.chunk_size >= 1)


def _manifest_resume(data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out, outside = _copy(Path(tmp))
        name = data.draw(st.sampled_from(["manifest.json", "chunks/plan.json"]))
        record = json.loads((out / name).read_text())
        (out / name).write_text(json.dumps(data.draw(json_edit(record))))
        resume_contract(out, outside)


@settings(max_examples=80, **QUICK)
@given(st.data())
def test_mutated_manifests_are_refused_or_consistent(data):
    _manifest_unit(data)


@settings(max_examples=12, **QUICK)
@given(st.data())
def test_resume_after_a_mutated_manifest(data):
    _manifest_resume(data)


@pytest.mark.soak
@settings(max_examples=1000, **SOAK)
@given(st.data())
def test_soak_mutated_manifests(data):
    _manifest_unit(data)


@pytest.mark.soak
@settings(max_examples=150, **SOAK)
@given(st.data())
def test_soak_resume_after_a_mutated_manifest(data):
    _manifest_resume(data)


# --- chunks -------------------------------------------------------------------------------------


@functools.cache
def expected(chunk_id: int) -> chunkfile.Expected:
    _, unfinished = batches()
    p = runner.prepare(request(unfinished, resume=True))
    return runner._expected(p, p.chunks[chunk_id])


def _load(raw: bytes) -> dict:
    with np.load(io.BytesIO(raw)) as z:
        return {k: z[k] for k in z.files}


def _chunk_unit(data) -> None:
    _, unfinished = batches()
    k = data.draw(st.integers(0, RUNS // CHUNK - 1))
    path = unfinished / "chunks" / f"chunk-{k:05d}.npz"
    raw = path.read_bytes()
    mutated = data.draw(byte_edit(raw))
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / path.name
        f.write_bytes(mutated)
        try:
            got = chunkfile.read(f, expected(k))
        except chunkfile.BadChunk as exc:
            assert str(exc)
            return
    want = _load(raw)
    assert set(got) == set(want) and all(np.array_equal(got[n], want[n]) for n in want)


ODD = ["bytes", "bytes", "bytes", "empty", "link outside", "fifo", "link to /dev/zero", "missing"]


def _chunk_resume(data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out, outside = _copy(Path(tmp))
        for k in data.draw(st.sets(st.integers(0, RUNS // CHUNK - 1), min_size=1, max_size=3)):
            f = out / "chunks" / f"chunk-{k:05d}.npz"
            how = data.draw(st.sampled_from(ODD))
            if how == "bytes":
                f.write_bytes(data.draw(byte_edit(f.read_bytes())))
                continue
            f.unlink()
            if how == "empty":
                f.write_bytes(b"")
            elif how == "link outside":
                f.symlink_to(outside)
            elif how == "fifo":
                os.mkfifo(f)
            elif how == "link to /dev/zero" and Path("/dev/zero").exists():
                f.symlink_to("/dev/zero")
        resume_contract(out, outside)


@settings(max_examples=40, **QUICK)
@given(st.data())
def test_mutated_chunks_are_refused_or_intact(data):
    _chunk_unit(data)


@settings(max_examples=12, **QUICK)
@given(st.data())
def test_resume_after_mutated_chunks(data):
    _chunk_resume(data)


@pytest.mark.soak
@settings(max_examples=1000, **SOAK)
@given(st.data())
def test_soak_mutated_chunks(data):
    _chunk_unit(data)


@pytest.mark.soak
@settings(max_examples=150, **SOAK)
@given(st.data())
def test_soak_resume_after_mutated_chunks(data):
    _chunk_resume(data)
