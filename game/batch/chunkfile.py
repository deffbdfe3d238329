"""A chunk file read back from disk, trusted only once it passes every check.

A chunk (``chunks/chunk-NNNNN.npz``) carries, in its meta record, a SHA-256 checksum of its
arrays, computed when it was packed. Reading one back checks, before anything is used:

* it is a regular file under a size cap, and a plain (stored) zip of ``.npy`` arrays;
* it holds exactly the expected arrays, each with the expected dtype and shape (read from
  the array header before any data, so a forged shape cannot claim memory);
* its meta record names this batch (key), this chunk (id, point, worlds) and the checksum,
  and the checksum matches the arrays;
* every value is in bounds: factors within their point's scenario bounds, relations in
  [-1, 1], partners and blocs valid indices, move counts at most one per turn, column ranges
  that are the columns' real ranges, histograms that count each world once, per-turn series
  ending on the final values;
* optionally, its ``runs.csv`` rows are exactly those its numbers give.

Anything else raises :class:`BadChunk` with the reason; the runner then computes that chunk
again. A bad chunk is never fatal and never used.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from game.batch.layout import FAN_BINS, Chunk, Layout, Point
from game.files import explain, open_regular, read_limited

CHUNK_FORMAT = 2
_META_MAX = 4096


class BadChunk(Exception):
    """A chunk file that fails a check (str() says which)."""


def content_sha256(arrays: dict[str, np.ndarray]) -> str:
    """The checksum of a chunk's arrays (all but ``meta``): names, dtypes, shapes and bytes."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        if name == "meta":
            continue
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Expected:
    """What one chunk of a batch must hold (`points`: the Points of the chunk, in order)."""

    layout: Layout
    points: tuple[Point, ...]
    chunk: Chunk
    key: str
    steps: bool
    csv_columns: int

    def arrays(self) -> dict[str, tuple[np.dtype, tuple | None]]:
        L, W = self.layout, self.chunk.size
        A, F, P, O, M, T1 = (len(L.actor_ids), len(L.factor_ids), len(L.pairs), len(L.outcome_ids),
                             len(L.move_ids), L.turns + 1)
        out = {
            "world": (np.int64, (W,)),
            "point": (np.int32, (W,)),
            "factors": (np.float64, (W, F)),
            "relations": (np.float64, (W, P)),
            "scores": (np.float64, (W, A)),
            "closest": (np.int16, (W, A)),
            "blocs": (np.int8, (W, A)),
            "outcomes": (np.bool_, (W, O)),
            "move_counts": (np.int32, (W, M)),
            "lo": (np.float64, (F + P + A + M,)),
            "hi": (np.float64, (F + P + A + M,)),
            "fan_factors": (np.int64, (T1, F, FAN_BINS)),
            "fan_relations": (np.int64, (T1, P, FAN_BINS)),
            "csv": (np.uint8, None),  # one dimension, any length
            "meta": (np.uint8, None),
        }
        if self.steps:
            out["factor_series"] = (np.float64, (W, T1, F))
            out["relation_series"] = (np.float64, (W, T1, P))
        return {k: (np.dtype(d), s) for k, (d, s) in out.items()}

    def max_bytes(self) -> int:
        """A cap on the file size: the arrays, generous room for the CSV text, and zip framing."""
        fixed = sum(int(np.prod(s)) * d.itemsize for d, s in self.arrays().values() if s is not None)
        return fixed + self.chunk.size * 40 * self.csv_columns + (1 << 20)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each row's world and point, and its point's factor bounds."""
        c, L = self.chunk, self.layout
        n = c.stop - c.start
        world = np.tile(np.arange(c.start, c.stop, dtype=np.int64), c.points)
        point = np.repeat(np.arange(c.point, c.point + c.points, dtype=np.int32), n)
        lo = np.repeat([p.factor_min or L.factor_min for p in self.points], n, axis=0).reshape(len(world), -1)
        hi = np.repeat([p.factor_max or L.factor_max for p in self.points], n, axis=0).reshape(len(world), -1)
        return world, point, lo.astype(np.float64), hi.astype(np.float64)


def read(path: Path, expect: Expected) -> dict[str, np.ndarray]:
    """The arrays of the chunk at `path`, every check passed; BadChunk otherwise."""
    try:
        raw = read_limited(path, expect.max_bytes(), "chunk file")
    except FileNotFoundError:
        raise BadChunk("missing") from None
    except OSError as exc:
        raise BadChunk(explain(exc)) from None
    arrays = _unzip(raw, expect.arrays())
    _check_meta(arrays, expect)
    _check_values(arrays, expect)
    return arrays


def _unzip(raw: bytes, want: dict[str, tuple[np.dtype, tuple | None]]) -> dict[str, np.ndarray]:
    if not raw.startswith(b"PK\x03\x04"):  # what numpy.load looks for (a zip reader alone would skip a prefix)
        raise BadChunk("damaged (it does not start as a zip file)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = {i.filename: i for i in zf.infolist()}
            names = sorted(n[:-4] for n in infos if n.endswith(".npy"))
            if len(zf.infolist()) != len(want) or names != sorted(want):
                raise BadChunk(f"holds the arrays {', '.join(names) or 'none'}; expected {', '.join(sorted(want))}")
            return {name: _array(zf, infos[name + ".npy"], *want[name]) for name in want}
    except BadChunk:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, OSError, NotImplementedError) as exc:
        raise BadChunk(f"damaged ({type(exc).__name__}: {exc})"[:200]) from None


def _array(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dtype: np.dtype, shape: tuple | None) -> np.ndarray:
    name = info.filename[:-4]
    if info.compress_type != zipfile.ZIP_STORED:
        raise BadChunk(f"{name} is compressed; chunk arrays are stored plain")
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        got_shape, fortran, got_dtype = reader(f)
        if got_dtype != dtype or fortran:
            raise BadChunk(f"{name} has type {got_dtype}; expected {dtype}")
        if (shape is not None and got_shape != shape) or (shape is None and len(got_shape) != 1):
            raise BadChunk(f"{name} has shape {got_shape}; expected {shape if shape is not None else 'one dimension'}")
        n = int(np.prod(got_shape, dtype=np.int64)) * dtype.itemsize
        if n > info.file_size:
            raise BadChunk(f"{name} is cut short")
        data = f.read(n)
    if len(data) != n:
        raise BadChunk(f"{name} is cut short")
    return np.frombuffer(data, dtype=dtype).reshape(got_shape)


def _check_meta(arrays: dict, expect: Expected) -> None:
    raw = arrays["meta"].tobytes()
    try:
        meta = json.loads(raw.decode("utf-8")) if len(raw) <= _META_MAX else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        raise BadChunk("its meta record is unreadable")
    c = expect.chunk
    want = {"format": CHUNK_FORMAT, "key": expect.key, "id": c.id, "point": c.point, "points": c.points,
            "start": c.start, "stop": c.stop, "steps": expect.steps}
    for k, v in want.items():
        if meta.get(k) != v or type(meta.get(k)) is not type(v):
            what = "another batch" if k == "key" else f"{k} {meta.get(k)!r}, expected {v!r}"
            raise BadChunk(f"belongs to {what}" if k == "key" else f"its meta record says {what}")
    if meta.get("sha256") != content_sha256(arrays):
        raise BadChunk("failed its checksum")


def _out_of(name: str, ok: np.ndarray) -> None:
    if not bool(np.all(ok)):
        raise BadChunk(f"{name} out of bounds")


def _check_values(a: dict, expect: Expected) -> None:
    from game.batch.assemble import numeric

    L, W = expect.layout, expect.chunk.size
    A, T = len(L.actor_ids), L.turns
    world, point, lo, hi = expect.rows()
    if not (np.array_equal(a["world"], world) and np.array_equal(a["point"], point)):
        c = expect.chunk
        raise BadChunk(f"holds other worlds than {c.start}..{c.stop - 1} of point(s) {c.point}..{c.point + c.points - 1}")
    _out_of("factors", (a["factors"] >= lo) & (a["factors"] <= hi))
    _out_of("relations", (a["relations"] >= -1.0) & (a["relations"] <= 1.0))
    _out_of("scores", np.isfinite(a["scores"]))
    _out_of("closest", (a["closest"] >= 0) & (a["closest"] < A) & ((a["closest"] != np.arange(A)) | (A < 2)))
    _out_of("blocs", (a["blocs"] >= -1) & (a["blocs"] <= 1))
    _out_of("outcomes", a["outcomes"].view(np.uint8) <= 1)
    _out_of("move_counts", (a["move_counts"] >= 0) & (a["move_counts"] <= T))
    x = numeric(a)
    if W and not (np.array_equal(a["lo"], x.min(axis=0)) and np.array_equal(a["hi"], x.max(axis=0))):
        raise BadChunk("its column ranges (lo, hi) are not its columns' ranges")
    for name in ("fan_factors", "fan_relations"):
        _out_of(name, a[name] >= 0)
        _out_of(name, a[name].sum(axis=2) == W)  # every world counted once per turn and column
    if expect.steps:
        fs, rs = a["factor_series"], a["relation_series"]
        _out_of("factor_series", (fs >= lo[:, None, :]) & (fs <= hi[:, None, :]))
        _out_of("relation_series", (rs >= -1.0) & (rs <= 1.0))
        if not (np.array_equal(fs[:, -1], a["factors"]) and np.array_equal(rs[:, -1], a["relations"])):
            raise BadChunk("its per-turn series do not end on its final values")


def meta_of(path: Path) -> dict | None:
    """The meta record of a chunk file without any other check (to explain a disagreement), or None."""
    try:
        with open_regular(path, "chunk file") as fh, zipfile.ZipFile(fh) as zf, zf.open("meta.npy") as f:
            version = np.lib.format.read_magic(f)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = reader(f)
            if dtype != np.uint8 or len(shape) != 1 or shape[0] > _META_MAX:
                return None
            meta = json.loads(f.read(shape[0]).decode("utf-8"))
        return meta if isinstance(meta, dict) else None
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, UnicodeDecodeError, RecursionError):
        return None
