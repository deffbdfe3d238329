"""Compute one chunk of worlds and pack it as an .npz file (runs in worker processes).

Everything here is a pure function of the task: the worlds of a chunk depend only on
(scenario data, seed, world indices), so a chunk computed by any worker, on any machine,
at any time, is byte for byte the same file.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from game.batch.chunkfile import CHUNK_FORMAT, content_sha256
from game.batch.layout import FAN_BINS, Chunk, upper_pairs
from game.files import write_atomic


@dataclass(frozen=True)
class ChunkTask:
    chunk: Chunk
    seed: int
    runs: int  # worlds per point (run index = point * runs + world)
    data: dict  # raw scenario data, --set applied (each point's inputs are applied here)
    name: str  # scenario file name, for messages
    key: str  # fingerprint of the batch: chunk files of another batch are never reused
    inputs: tuple = ()  # the Inputs (swept paths or design variables) of the batch
    values: tuple = ((),)  # for each point of the chunk, its input values (in input order)
    steps: bool = False  # keep per-turn series of every world
    ai: object = None  # the computer's strategy: None (the scenario's), a spec, or actor -> spec


_games: dict[str, object] = {}
_games_lock = threading.Lock()


def game_for(data: dict, name: str, key: str, cache: bool = True):
    """The compiled game of a point (compiled once per process when `cache`)."""
    with _games_lock:
        game = _games.get(key)
        if game is None:
            from game.compiled import Game
            from game.loader import parse_scenario

            game = Game(parse_scenario(data, name))
            if cache:
                if len(_games) > 64:
                    _games.clear()
                _games[key] = game
        return game


def point_game(task: ChunkTask, k: int):
    """The game of the chunk's k-th point: the batch's scenario with that point's inputs applied."""
    from game.loader import overrides as ov

    p = task.chunk.point + k
    settings = [ov.Setting(i.path, v) for i, v in zip(task.inputs, task.values[k])]
    data = ov.apply(task.data, settings) if settings else task.data
    return game_for(data, task.name, f"{task.key}:{p}", cache=task.chunk.points == 1)


def simulate_chunk(task: ChunkTask) -> dict[str, np.ndarray]:
    from game.model import simulate

    c = task.chunk
    worlds = np.arange(c.start, c.stop, dtype=np.int64)
    parts = []
    for k in range(c.points):
        game = point_game(task, k)
        res = simulate(game, task.seed, worlds, record_steps=True, ai=task.ai)
        if not np.array_equal(np.asarray(res["world"]), worlds):
            raise RuntimeError(f"engine returned worlds {res['world'][:3]}... for chunk {c.id}; expected {c.start}..{c.stop - 1}")
        parts.append(pack(game, task, res, c.point + k))
    return merge(parts, task, game)


def pack(game, task: ChunkTask, res: dict, point: int) -> dict[str, np.ndarray]:
    """The arrays of one point's worlds, from the engine's output."""
    A = len(game.actor_ids)
    pairs = [(i, j) for i in range(A) for j in range(i + 1, A)]
    fmin = np.array([f.min for f in game.scenario.factors], dtype=np.float64)
    fmax = np.array([f.max for f in game.scenario.factors], dtype=np.float64)
    world = np.asarray(res["world"], dtype=np.int64)
    out = {
        "world": world,
        "point": np.full(len(world), point, dtype=np.int32),
        "factors": np.asarray(res["factors"], dtype=np.float64),
        "relations": upper_pairs(np.asarray(res["relations"]), pairs),
        "scores": np.asarray(res["scores"], dtype=np.float64),
        "closest": np.asarray(res["closest"], dtype=np.int16),
        "blocs": np.asarray(res["blocs"], dtype=np.int8),
        "outcomes": np.asarray(res["outcomes"], dtype=bool),
        "move_counts": np.asarray(res["move_counts"], dtype=np.int32),
    }
    fs = np.asarray(res["factor_series"], dtype=np.float64)  # [T+1, W, F]
    rs = upper_pairs(np.asarray(res["relation_series"]), pairs)  # [T+1, W, P]
    out["fan_factors"] = histogram_per_turn(fs, fmin, fmax)
    out["fan_relations"] = histogram_per_turn(rs, np.full(len(pairs), -1.0), np.full(len(pairs), 1.0))
    if task.steps:
        out["factor_series"] = np.ascontiguousarray(fs.transpose(1, 0, 2))  # [W, T+1, F]
        out["relation_series"] = np.ascontiguousarray(rs.transpose(1, 0, 2))  # [W, T+1, P]
    return out


def merge(parts: list[dict], task: ChunkTask, game) -> dict[str, np.ndarray]:
    """One chunk file's arrays: the points' rows one after the other, their fan histograms summed."""
    from game.batch.columns import columns, csv_rows
    from game.batch.layout import Layout

    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if not k.startswith("fan_")}
    from game.batch.assemble import numeric

    x = numeric(out)  # each numeric column's range in this chunk (the summary's quantile pass starts from it)
    out["lo"] = x.min(axis=0) if len(x) else np.full(x.shape[1], np.inf)
    out["hi"] = x.max(axis=0) if len(x) else np.full(x.shape[1], -np.inf)
    for k in ("fan_factors", "fan_relations"):
        out[k] = parts[0][k]
        for p in parts[1:]:
            out[k] = out[k] + p[k]
    ctx = {
        "runs": task.runs,
        "seed": task.seed,
        "inputs": {task.chunk.point + k: v for k, v in enumerate(task.values)},
        "actor_ids": list(game.actor_ids),
    }
    cols = columns(Layout.of(game), list(task.inputs))
    out["csv"] = np.frombuffer(csv_rows(cols, out, ctx).encode(), dtype=np.uint8)
    c = task.chunk
    meta = {
        "format": CHUNK_FORMAT,
        "key": task.key,
        "id": c.id,
        "point": c.point,
        "points": c.points,
        "start": c.start,
        "stop": c.stop,
        "steps": task.steps,
        "sha256": content_sha256(out),
    }
    out["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    return out


def histogram_per_turn(series: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int = FAN_BINS) -> np.ndarray:
    """[T, W, K] values -> [T, K, bins] counts over each column's fixed range (integer, order-free)."""
    T, W, K = series.shape
    if K == 0 or W == 0:
        return np.zeros((T, K, bins), dtype=np.int64)
    span = np.where(hi > lo, hi - lo, 1.0)
    idx = np.floor((series - lo) / span * bins)
    idx = np.clip(np.nan_to_num(idx, nan=0.0), 0, bins - 1).astype(np.int64)
    flat = (np.arange(T)[:, None, None] * K + np.arange(K)[None, None, :]) * bins + idx
    return np.bincount(flat.ravel(), minlength=T * K * bins).reshape(T, K, bins)


def to_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


_malloc_tuned = False


def tune_malloc() -> bool:
    """Give glibc's allocator room to keep freed memory (once per process; True if done).

    Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes the
    mmap threshold at 128 KiB: every array the engine makes is then mapped and unmapped
    afresh, with ten times the page faults and a 2-3x slower batch. mallopt() sets both
    thresholds back to what glibc's own adaptive rule reaches for arrays of our size.
    """
    global _malloc_tuned
    if _malloc_tuned:
        return True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024) == 1 and libc.mallopt(m_trim_threshold, 64 * 1024 * 1024) == 1
    _malloc_tuned = ok
    return ok


def _sha(arrays: dict) -> str:
    return json.loads(arrays["meta"].tobytes())["sha256"]


def chunk_bytes(task: ChunkTask) -> tuple[bytes, float, str]:
    """For remote workers (Dask): the chunk file's bytes (written by the client), the CPU seconds
    and the chunk's checksum."""
    tune_malloc()
    t0 = time.thread_time()
    arrays = simulate_chunk(task)
    data = to_bytes(arrays)
    return data, time.thread_time() - t0, _sha(arrays)


def chunk_to_file(args: tuple[ChunkTask, str]) -> tuple[int, float, str]:
    """For local worker processes: compute a chunk, write it to `path` atomically; (id, CPU
    seconds, checksum)."""
    task, path = args
    t0 = time.process_time()
    arrays = simulate_chunk(task)
    write_atomic(path, to_bytes(arrays))
    return task.chunk.id, time.process_time() - t0, _sha(arrays)


def init_local_worker(parent: int | None = None) -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them cleanly, and end
    when the parent is gone (kill -9): a batch never leaves orphans computing."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    blas_threads(1)
    tune_malloc()
    if parent is not None:

        def watch() -> None:
            while True:
                if os.getppid() != parent:
                    os._exit(1)
                time.sleep(0.5)

        threading.Thread(target=watch, name="summit-parent-watch", daemon=True).start()


def _openblas():
    """numpy's OpenBLAS library and its (get, set) thread functions, or None."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"), ("openblas", "")):
            get, set_ = f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}"
            if hasattr(lib, get) and hasattr(lib, set_):
                getf, setf = getattr(lib, get), getattr(lib, set_)
                getf.restype, setf.argtypes = ctypes.c_int, [ctypes.c_int]
                return getf, setf
    return None


def blas_threads(n: int | None) -> int | None:
    """Set numpy's BLAS thread count (one per worker: workers already use every core).

    Returns the previous count, or None where it cannot be changed (then nothing changes).
    """
    import numpy  # noqa: F401  (loads the library)

    fns = _openblas()
    if fns is None or n is None:
        return None
    getf, setf = fns
    before = int(getf())
    setf(int(n))
    return before
