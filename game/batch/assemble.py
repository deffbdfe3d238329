"""Turn the chunk files of a finished batch into its result files, streaming chunk by chunk.

Every result file is written to a temporary name and moved into place, so a result
file is either complete or absent.
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path

import numpy as np

from game.batch.layout import Chunk, Layout, Point
from game.files import atomic_path, write_atomic
from game.batch.stats import Columns, Counts, fan_quantiles, rounded, share, QUANTILES

PARQUET_ROW_GROUP = 16384


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text)


def load_chunk(path: Path, keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        names = keys if keys is not None else z.files
        return {k: z[k] for k in names}


def chunk_meta(path: Path) -> dict | None:
    """The meta record of a chunk file, or None if the file is unreadable."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return json.loads(z["meta"].tobytes().decode())
    except Exception:
        return None


NUMERIC = ("factors", "relations", "scores", "move_counts")


def _numeric(a: dict) -> np.ndarray:
    return np.concatenate([np.asarray(a[k], dtype=np.float64).reshape(len(a["world"]), -1) for k in NUMERIC], axis=1)


def summarise_point(layout: Layout, point: Point, chunks: list[Chunk], chunk_dir: Path, on_chunk=None) -> dict:
    """Summary of one point from its chunk files (two streaming passes)."""
    K = len(layout.factor_ids) + len(layout.pairs) + len(layout.actor_ids) + len(layout.move_ids)
    lo = np.full(K, np.inf)
    hi = np.full(K, -np.inf)
    for c in chunks:
        a = load_chunk(chunk_dir / c.filename, ("world",) + NUMERIC)
        x = _numeric(a)
        if len(x):
            lo = np.minimum(lo, x.min(axis=0))
            hi = np.maximum(hi, x.max(axis=0))
    lo = np.where(np.isfinite(lo), lo, 0.0)
    hi = np.where(np.isfinite(hi), hi, 0.0)
    cols = Columns(lo, hi, groups=len(layout.outcome_ids))
    counts = Counts(len(layout.actor_ids), len(layout.outcome_ids), layout.pairs)
    fan_f = fan_r = None
    for c in chunks:
        a = load_chunk(chunk_dir / c.filename)
        cols.add(_numeric(a), a["outcomes"])
        counts.add(a["outcomes"], a["closest"], a["blocs"])
        fan_f = a["fan_factors"] if fan_f is None else fan_f + a["fan_factors"]
        fan_r = a["fan_relations"] if fan_r is None else fan_r + a["fan_relations"]
        if on_chunk is not None:
            on_chunk(c, a)
    stats = cols.finish()
    groups = cols.by_group()
    n = counts.n
    A = len(layout.actor_ids)
    ids = layout.actor_ids
    F, P = len(layout.factor_ids), len(layout.pairs)
    s_f, s_r, s_s, s_m = stats[:F], stats[F : F + P], stats[F + P : F + P + A], stats[F + P + A :]

    def split_of(mask: int) -> list[list[str]]:
        return [[ids[i] for i in range(A) if not (mask >> i) & 1], [ids[i] for i in range(A) if (mask >> i) & 1]]

    splits = sorted(counts.splits.items(), key=lambda kv: (-kv[1], kv[0]))
    out = {
        "index": point.index,
        "values": point.values,
        "label": point.label,
        "runs": n,
        "events": [
            {"outcome": o, "label": lab, "event": ev, **share(int(counts.outcomes[k]), n)}
            for k, (o, lab, ev) in enumerate(zip(layout.outcome_ids, layout.outcome_labels, layout.outcome_event))
        ],
        "closest": [
            {"actor": ids[i], "partner": ids[j], **share(int(counts.closest[i, j]), n)}
            for i in range(A)
            for j in range(A)
            if i != j
        ],
        "same_bloc": [
            {"a": ids[i], "b": ids[j], **share(int(counts.same_bloc[q]), n)} for q, (i, j) in enumerate(layout.pairs)
        ],
        "bloc_splits": [
            {"split": " | ".join("+".join(b) for b in split_of(m) if b), "blocs": [b for b in split_of(m) if b], **share(c, n)}
            for m, c in splits
        ],
        "factors": [{"id": f, "label": lab, **st} for f, lab, st in zip(layout.factor_ids, layout.factor_labels, s_f)],
        "relations": [{"a": ids[i], "b": ids[j], **st} for (i, j), st in zip(layout.pairs, s_r)],
        "scores": [{"actor": a, **st} for a, st in zip(ids, s_s)],
        "moves": [{"id": m, "actor": ids[o], **st} for m, o, st in zip(layout.move_ids, layout.move_owner, s_m)],
        # What goes with each outcome: final factors and relations in the worlds where it
        # happened against the others (effect = difference of means in standard deviations).
        "drivers": [
            {
                "outcome": o,
                "label": lab,
                "factors": _ranked([{"id": f, **g} for f, g in zip(layout.factor_ids, groups[k][:F])]),
                "relations": _ranked([{"id": pid, **g} for pid, g in zip(layout.pair_ids, groups[k][F : F + P])]),
            }
            for k, (o, lab) in enumerate(zip(layout.outcome_ids, layout.outcome_labels))
        ],
    }
    qn = [f"q{round(q * 100):02d}" for q in QUANTILES]
    per_turn = {"factors": {}, "relations": {}}
    if fan_f is not None:
        qf = fan_quantiles(fan_f, point.factor_min or layout.factor_min, point.factor_max or layout.factor_max)
        for k, f in enumerate(layout.factor_ids):
            per_turn["factors"][f] = {name: qf[i, :, k].tolist() for i, name in enumerate(qn)}
        qr = fan_quantiles(fan_r, [-1.0] * P, [1.0] * P)
        for k, pid in enumerate(layout.pair_ids):
            per_turn["relations"][pid] = {name: qr[i, :, k].tolist() for i, name in enumerate(qn)}
    out["per_turn"] = per_turn
    return rounded(out)


def _ranked(rows: list[dict]) -> list[dict]:
    """Largest effects first (rows without an effect last, in their order)."""
    return sorted(rows, key=lambda r: -abs(r["effect"]) if r["effect"] == r["effect"] else 1.0)


# --- runs.csv, runs.parquet, steps.npz ------------------------------------------------------


class ParquetOut:
    """runs.parquet in row groups of a fixed size (so the file does not depend on chunking)."""

    def __init__(self, path: Path, layout: Layout, sweep_paths: list[str], sweep_types: list[str]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.layout = layout
        self.sweep_paths = sweep_paths
        fields = [pa.field("run", pa.int64())]
        if sweep_paths:
            fields.append(pa.field("point", pa.int32()))
        fields += [pa.field("world", pa.int64()), pa.field("seed", pa.int64())]
        for p, t in zip(sweep_paths, sweep_types):
            fields.append(pa.field(f"sweep.{p}", pa.float64() if t == "number" else pa.string()))
        fields += [pa.field(f"factor.{f}", pa.float64()) for f in layout.factor_ids]
        fields += [pa.field(f"relation.{p}", pa.float64()) for p in layout.pair_ids]
        fields += [pa.field(f"closest.{a}", pa.string()) for a in layout.actor_ids]
        fields += [pa.field(f"bloc.{a}", pa.int8()) for a in layout.actor_ids]
        fields += [pa.field(f"outcome.{o}", pa.bool_()) for o in layout.outcome_ids]
        fields += [pa.field(f"score.{a}", pa.float64()) for a in layout.actor_ids]
        fields += [pa.field(f"moves.{m}", pa.int32()) for m in layout.move_ids]
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.pending: list = []
        self.rows = 0

    def add(self, point: Point, runs: int, seed: int, sweep_values: list, a: dict) -> None:
        pa = self.pa
        W = len(a["world"])
        if W == 0:
            return
        cols = [pa.array(a["world"] + point.index * runs)]
        if self.sweep_paths:
            cols.append(pa.array(np.full(W, point.index, dtype=np.int32)))
        cols += [pa.array(a["world"]), pa.array(np.full(W, seed, dtype=np.int64))]
        for p, v in zip(self.sweep_paths, sweep_values):
            t = self.schema.field(f"sweep.{p}").type
            cols.append(pa.array([float(v) if t == pa.float64() else str(v)] * W, type=t))
        cols += [pa.array(col) for col in a["factors"].T]
        cols += [pa.array(col) for col in a["relations"].T]
        ids = np.array(self.layout.actor_ids, dtype=object)
        cols += [pa.array(ids[col].tolist(), type=pa.string()) for col in a["closest"].T]
        cols += [pa.array(col.astype(np.int8)) for col in a["blocs"].T]
        cols += [pa.array(col) for col in a["outcomes"].T]
        cols += [pa.array(col) for col in a["scores"].T]
        cols += [pa.array(col.astype(np.int32)) for col in a["move_counts"].T]
        self.pending.append(pa.Table.from_arrays(cols, schema=self.schema))
        self.rows += W
        if self.rows >= PARQUET_ROW_GROUP:
            table = pa.concat_tables(self.pending)
            n_full = (self.rows // PARQUET_ROW_GROUP) * PARQUET_ROW_GROUP
            self.writer.write_table(table.slice(0, n_full), row_group_size=PARQUET_ROW_GROUP)
            rest = table.slice(n_full)
            self.pending = [rest] if rest.num_rows else []
            self.rows = rest.num_rows

    def close(self) -> None:
        if self.pending:
            self.writer.write_table(self.pa.concat_tables(self.pending), row_group_size=PARQUET_ROW_GROUP)
        self.writer.close()


def have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


def write_steps(path: Path, layout: Layout, chunks: list[Chunk], chunk_dir: Path, total: int) -> None:
    """steps.npz: factor_series [runs, T+1, F] and relation_series [runs, T+1, P], streamed into the zip."""
    T1 = layout.turns + 1
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            small = {
                "run": np.arange(total, dtype=np.int64),
                "factor_ids": np.array(layout.factor_ids, dtype=str),
                "pair_ids": np.array(layout.pair_ids, dtype=str),
            }
            for name, arr in small.items():
                with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                    np.lib.format.write_array(f, arr, allow_pickle=False)
            for name, width in (("factor_series", len(layout.factor_ids)), ("relation_series", len(layout.pairs))):
                with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                    header = {
                        "descr": np.lib.format.dtype_to_descr(np.dtype("<f8")),
                        "fortran_order": False,
                        "shape": (total, T1, width),
                    }
                    np.lib.format.write_array_header_2_0(f, header)
                    for c in chunks:
                        arr = load_chunk(chunk_dir / c.filename, (name,))[name]
                        f.write(np.ascontiguousarray(arr, dtype="<f8").tobytes())


def assemble(
    out: Path,
    layout: Layout,
    points: list[Point],
    chunks: list[Chunk],
    runs: int,
    seed: int,
    sweep_paths: list[str],
    steps: bool,
) -> list[dict]:
    """Write runs.csv (+ runs.parquet, steps.npz) and return the summary of every point."""
    chunk_dir = out / "chunks"
    header = ",".join(layout.columns(sweep_paths)) + "\n"
    summaries = []
    sweep_types = []
    for p in sweep_paths:
        vals = [pt.values[p] for pt in points]
        num = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)
        sweep_types.append("number" if num else "text")
    with contextlib.ExitStack() as stack:
        csv_tmp = stack.enter_context(atomic_path(out / "runs.csv"))
        csv = stack.enter_context(open(csv_tmp, "wb"))
        csv.write(header.encode())
        pq_out = None
        if have_pyarrow():
            pq_tmp = stack.enter_context(atomic_path(out / "runs.parquet"))
            pq_out = ParquetOut(pq_tmp, layout, sweep_paths, sweep_types)
        for pt in points:
            pchunks = [c for c in chunks if c.point == pt.index]
            sweep_values = [pt.values[p] for p in sweep_paths]

            def on_chunk(c, a, pt=pt, sweep_values=sweep_values):
                csv.write(a["csv"].tobytes())
                if pq_out is not None:
                    pq_out.add(pt, runs, seed, sweep_values, a)

            summaries.append(summarise_point(layout, pt, pchunks, chunk_dir, on_chunk))
        csv.close()
        if pq_out is not None:
            pq_out.close()
        # The ExitStack moves runs.parquet, then runs.csv into place, only if all went well.
    if steps:
        write_steps(out / "steps.npz", layout, chunks, chunk_dir, runs * len(points))
    return summaries
