"""Turn the chunk files of a finished batch into its result files, streaming chunk by chunk.

Every result file is written to a temporary name and moved into place, so a result
file is either complete or absent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import numpy as np

from game.batch.columns import Input, arrow_schema, arrow_table, columns, csv_header, csv_rows, csv_text
from game.batch.layout import Chunk, Layout, Point
from game.loader.overrides import format_value
from game.batch.stats import QUANTILES, Columns, Counts, Paired, fan_quantiles, rounded, share
from game.files import atomic_path, write_atomic

PARQUET_ROW_GROUP = 16384


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text)


def load_chunk(path: Path, keys: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        names = keys if keys is not None else z.files
        return {k: z[k] for k in names}


NUMERIC = ("factors", "relations", "scores", "move_counts")
PAIRED_KEYS = ("world", "outcomes", "closest", "blocs") + NUMERIC


def numeric(a: dict) -> np.ndarray:
    return np.concatenate([np.asarray(a[k], dtype=np.float64).reshape(len(a["world"]), -1) for k in NUMERIC], axis=1)


def _indicators(a: dict, A: int, pairs: list) -> np.ndarray:
    """[W, O + A*A + P] booleans: each event outcome, 'i's closest partner is j', 'i and j in one bloc'."""
    closest = np.asarray(a["closest"], dtype=np.int64)
    onehot = (closest[:, :, None] == np.arange(A)[None, None, :]).reshape(len(closest), A * A)
    blocs = np.asarray(a["blocs"])
    same = np.stack([blocs[:, i] == blocs[:, j] for i, j in pairs], axis=1) if pairs else np.zeros((len(blocs), 0), bool)
    return np.concatenate([np.asarray(a["outcomes"], dtype=bool), onehot, same], axis=1)


def summarise_point(layout: Layout, point: Point, chunks: list[Chunk], chunk_dir: Path, on_chunk=None,
                    reference: dict | None = None) -> dict:
    """Summary of one point (or of every point pooled) from its chunk files, in two streaming passes
    (after reading each chunk's column ranges).

    `reference` maps (start, stop) to the chunk of the same worlds at the first point of a sweep:
    then the summary also has paired differences from that point (same worlds, same random numbers).
    """
    K = len(layout.factor_ids) + len(layout.pairs) + len(layout.actor_ids) + len(layout.move_ids)
    lo = np.full(K, np.inf)
    hi = np.full(K, -np.inf)
    for c in chunks:
        a = load_chunk(chunk_dir / c.filename, ("lo", "hi"))
        lo = np.minimum(lo, a["lo"])
        hi = np.maximum(hi, a["hi"])
    lo = np.where(np.isfinite(lo), lo, 0.0)
    hi = np.where(np.isfinite(hi), hi, 0.0)
    cols = Columns(lo, hi, groups=len(layout.outcome_ids))
    counts = Counts(len(layout.actor_ids), len(layout.outcome_ids), layout.pairs)
    paired = Paired(K) if reference is not None else None
    fan_f = fan_r = None
    for c in chunks:
        a = load_chunk(chunk_dir / c.filename)
        x = numeric(a)
        cols.add(x, a["outcomes"])
        counts.add(a["outcomes"], a["closest"], a["blocs"])
        fan_f = a["fan_factors"] if fan_f is None else fan_f + a["fan_factors"]
        fan_r = a["fan_relations"] if fan_r is None else fan_r + a["fan_relations"]
        if paired is not None:
            ref = load_chunk(chunk_dir / reference[(c.start, c.stop)].filename, PAIRED_KEYS)
            A = len(layout.actor_ids)
            paired.add(_indicators(a, A, layout.pairs), _indicators(ref, A, layout.pairs), x, numeric(ref))
        if on_chunk is not None:
            on_chunk(c, a)
    cols.plan()
    for c in chunks:
        cols.collect(numeric(load_chunk(chunk_dir / c.filename, ("world",) + NUMERIC)))
    out = _summary(layout, point, counts, cols)
    if paired is not None:
        out["paired"] = _paired(layout, out, paired)
    qn = [f"q{round(q * 100):02d}" for q in QUANTILES]
    per_turn = {"factors": {}, "relations": {}}
    if fan_f is not None:
        qf = fan_quantiles(fan_f, point.factor_min or layout.factor_min, point.factor_max or layout.factor_max)
        for k, f in enumerate(layout.factor_ids):
            per_turn["factors"][f] = {name: qf[i, :, k].tolist() for i, name in enumerate(qn)}
        P = len(layout.pairs)
        qr = fan_quantiles(fan_r, [-1.0] * P, [1.0] * P)
        for k, pid in enumerate(layout.pair_ids):
            per_turn["relations"][pid] = {name: qr[i, :, k].tolist() for i, name in enumerate(qn)}
    out["per_turn"] = per_turn
    return rounded(out)


def _summary(layout: Layout, point: Point, counts: Counts, cols: Columns) -> dict:
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
    return {
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


def _paired(layout: Layout, out: dict, paired: Paired) -> dict:
    """Differences from the first point, world by world: probabilities and means, with 95% intervals."""
    A = len(layout.actor_ids)
    ids = layout.actor_ids
    probs = paired.probabilities()
    means = paired.means()
    rows = []
    for k, e in enumerate(out["events"]):
        rows.append({"kind": "event", "outcome": e["outcome"], "label": e["label"], **probs[k]})
    O = len(layout.outcome_ids)
    for i in range(A):
        for j in range(A):
            if i != j:
                rows.append({"kind": "closest", "actor": ids[i], "partner": ids[j], **probs[O + i * A + j]})
    for q, (i, j) in enumerate(layout.pairs):
        rows.append({"kind": "same_bloc", "a": ids[i], "b": ids[j], **probs[O + A * A + q]})
    names = ([f"factor.{f}" for f in layout.factor_ids] + [f"relation.{p}" for p in layout.pair_ids]
             + [f"score.{a}" for a in ids] + [f"moves.{m}" for m in layout.move_ids])
    return {
        "reference": 0,
        "method": "paired over worlds (the same world index at both points): mean difference +/- 1.96 standard errors",
        "probabilities": rows,
        "means": [{"column": c, **m} for c, m in zip(names, means)],
    }


def _ranked(rows: list[dict]) -> list[dict]:
    """Largest effects first (rows without an effect last, in their order)."""
    return sorted(rows, key=lambda r: -abs(r["effect"]) if r["effect"] == r["effect"] else 1.0)


# --- points.csv: one row per point ---------------------------------------------------------------


def point_columns(layout: Layout, inputs: list[Input]) -> list[str]:
    ids = layout.actor_ids
    cols = ["point"] + [i.column for i in inputs] + ["runs"]
    cols += [f"p.outcome.{o}" for o in layout.outcome_ids]
    cols += [f"p.closest.{a}.{b}" for a in ids for b in ids if a != b]
    cols += [f"p.same_bloc.{p}" for p in layout.pair_ids]
    cols += [f"mean.factor.{f}" for f in layout.factor_ids] + [f"mean.relation.{p}" for p in layout.pair_ids]
    cols += [f"mean.score.{a}" for a in ids] + [f"mean.moves.{m}" for m in layout.move_ids]
    return cols


def point_outputs(a: dict, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """One point's outputs from its worlds' arrays: the probabilities and the means of points.csv,
    in the order of point_columns()."""
    A, O = len(layout.actor_ids), len(layout.outcome_ids)
    off_diagonal = [i * A + j for i in range(A) for j in range(A) if i != j]
    c = _indicators(a, A, layout.pairs).sum(axis=0)
    c = np.concatenate([c[:O], c[O : O + A * A][off_diagonal], c[O + A * A :]])
    return c / len(a["world"]), numeric(a).mean(axis=0)


class PointsTable:
    """points.csv, written as the chunks stream by (designs) or from the point summaries (sweeps)."""

    def __init__(self, f, layout: Layout, inputs: list[Input], runs: int):
        self.f, self.layout, self.inputs, self.runs = f, layout, inputs, runs
        f.write(",".join(csv_text(c) for c in point_columns(layout, inputs)) + "\n")

    def _write(self, index: int, values: tuple, probs: list[float], means: list[float]) -> None:
        cells = [str(index)] + [repr(float(v)) if i.numeric else csv_text(format_value(v)) for i, v in zip(self.inputs, values)]
        cells += [str(self.runs)] + [repr(float(p)) for p in probs] + [repr(float(m)) for m in means]
        self.f.write(",".join(cells) + "\n")

    def add_chunk(self, a: dict, values: dict) -> None:
        """Designs: each point's worlds are all in one chunk."""
        point = np.asarray(a["point"])
        for p in np.unique(point).tolist():
            probs, means = point_outputs({k: np.asarray(v)[point == p] for k, v in a.items() if k in PAIRED_KEYS}, self.layout)
            self._write(p, values[p], probs.tolist(), means.tolist())

    def add_summary(self, s: dict, values: tuple) -> None:
        """Sweeps: from a point's summary."""
        probs = [e["p"] for e in s["events"]] + [c["p"] for c in s["closest"]] + [b["p"] for b in s["same_bloc"]]
        means = [r["mean"] for k in ("factors", "relations", "scores", "moves") for r in s[k]]
        self._write(s["index"], values, probs, means)


# --- runs.csv, runs.parquet, steps/ ------------------------------------------------------------


def have_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


class ParquetOut:
    """runs.parquet in row groups of a fixed size (so the file does not depend on chunking)."""

    def __init__(self, path: Path, cols: list):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.cols = cols
        self.schema = arrow_schema(cols)
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.pending: list = []
        self.rows = 0

    def add(self, a: dict, ctx: dict) -> None:
        if len(a["world"]) == 0:
            return
        table = arrow_table(self.cols, self.schema, a, ctx)
        self.pending.append(table)
        self.rows += table.num_rows
        if self.rows >= PARQUET_ROW_GROUP:
            table = self.pa.concat_tables(self.pending)
            n_full = (self.rows // PARQUET_ROW_GROUP) * PARQUET_ROW_GROUP
            self.writer.write_table(table.slice(0, n_full), row_group_size=PARQUET_ROW_GROUP)
            rest = table.slice(n_full)
            self.pending = [rest] if rest.num_rows else []
            self.rows = rest.num_rows

    def close(self) -> None:
        if self.pending:
            self.writer.write_table(self.pa.concat_tables(self.pending), row_group_size=PARQUET_ROW_GROUP)
        self.writer.close()


def write_steps(path: Path, layout: Layout, chunks: list[Chunk], chunk_dir: Path, total: int) -> None:
    """steps/: factor_series [runs, T+1, F] and relation_series [runs, T+1, P] as .npy files
    (numpy.load(..., mmap_mode="r") maps them), plus run, factor_ids and pair_ids.
    Written into a temporary folder that is renamed into place when complete."""
    T1 = layout.turns + 1
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        small = {
            "run": np.arange(total, dtype=np.int64),
            "factor_ids": np.array(layout.factor_ids, dtype=str),
            "pair_ids": np.array(layout.pair_ids, dtype=str),
        }
        for name, arr in small.items():
            np.save(tmp / f"{name}.npy", arr, allow_pickle=False)
        for name, width in (("factor_series", len(layout.factor_ids)), ("relation_series", len(layout.pairs))):
            with open(tmp / f"{name}.npy", "wb") as f:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype("<f8")), "fortran_order": False,
                          "shape": (total, T1, width)}
                np.lib.format.write_array_header_2_0(f, header)
                for c in chunks:
                    arr = load_chunk(chunk_dir / c.filename, (name,))[name]
                    f.write(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        shutil.rmtree(path, ignore_errors=True)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def assemble(out: Path, layout: Layout, points: list[Point], chunks: list[Chunk], runs: int, seed: int,
             inputs: list[Input], steps: bool, pooled: bool = False, on_step=None, renumber: bool = False) -> list[dict]:
    """Write runs.csv, points.csv (+ runs.parquet, steps/) and return the summaries.

    One summary per point, or with `pooled` (designs) one summary of every world of every point.
    `on_step(text)` is told what is being written (for the progress line).
    """
    chunk_dir = out / "chunks"
    cols = columns(layout, inputs)
    ctx = {"runs": runs, "seed": seed, "inputs": {p.index: tuple(p.values[i.path] for i in inputs) for p in points},
           "actor_ids": layout.actor_ids}
    summaries = []
    with contextlib.ExitStack() as stack:
        csv_tmp = stack.enter_context(atomic_path(out / "runs.csv"))
        csv = stack.enter_context(open(csv_tmp, "wb"))
        csv.write(csv_header(cols).encode())
        pts_tmp = stack.enter_context(atomic_path(out / "points.csv"))
        table = PointsTable(stack.enter_context(open(pts_tmp, "w", encoding="utf-8", newline="")), layout, inputs, runs)
        pq_out = None
        if have_pyarrow():
            pq_tmp = stack.enter_context(atomic_path(out / "runs.parquet"))
            pq_out = ParquetOut(pq_tmp, cols)

        def on_chunk(c, a):
            # A chunk's rows number its runs as point * --runs + world; a sweep that --until-ci
            # stopped early numbers them with the runs it kept, like a batch of that many runs.
            csv.write(csv_rows(cols, a, ctx).encode() if renumber else a["csv"].tobytes())
            if pq_out is not None:
                pq_out.add(a, ctx)
            if pooled:
                table.add_chunk(a, ctx["inputs"])

        if pooled:
            if on_step:
                on_step(f"summarising {len(points):,} points")
            label = f"all {len(points):,} design points pooled"
            summaries.append(summarise_point(layout, Point(0, {}, label), chunks, chunk_dir, on_chunk))
        else:
            first = {(c.start, c.stop): c for c in chunks if c.point == 0}
            for pt in points:
                if on_step:
                    on_step(f"summarising point {pt.index + 1} of {len(points)}" if len(points) > 1 else "summarising")
                pchunks = [c for c in chunks if c.point == pt.index]
                s = summarise_point(layout, pt, pchunks, chunk_dir, on_chunk, reference=first if pt.index > 0 else None)
                summaries.append(s)
                table.add_summary(s, ctx["inputs"][pt.index])
        csv.close()
        if pq_out is not None:
            pq_out.close()
        # The ExitStack moves the files into place, only if all went well.
    if steps:
        if on_step:
            on_step("writing steps/")
        write_steps(out / "steps", layout, chunks, chunk_dir, runs * len(points))
    return summaries
