"""The columns of runs.csv and runs.parquet, declared once.

One list of `Column`s drives the CSV header, the CSV rows (written by the workers) and
the Parquet schema and arrays, so the three can never disagree. A column names where
its values come from in a chunk's arrays (`source`, `index`) and its type.

CSV follows RFC 4180: a field holding a comma, a quote or a line break is quoted
(so a sweep over `relations.pairs.kim,putin.propensity` keeps its header in one field).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.loader.overrides import format_value
from game.safetext import csv_cell


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # int64 | int32 | int8 | float64 | bool | string
    source: str  # run | point | world | seed | input | factors | relations | closest | blocs | outcomes | scores | move_counts
    index: int = 0  # which column of that array (or which input)


@dataclass(frozen=True)
class Input:
    """A value that differs between the points of a batch: a swept path or a design variable."""

    prefix: str  # "sweep" or "vary"
    path: str
    numeric: bool = True

    @property
    def column(self) -> str:
        return f"{self.prefix}.{self.path}"


def columns(layout, inputs: list[Input] | tuple = ()) -> list[Column]:
    """Every column of runs.csv, in order."""
    cols = [Column("run", "int64", "run")]
    if inputs:
        cols.append(Column("point", "int32", "point"))
    cols += [Column("world", "int64", "world"), Column("seed", "int64", "seed")]
    cols += [Column(i.column, "float64" if i.numeric else "string", "input", k) for k, i in enumerate(inputs)]
    cols += [Column(f"factor.{f}", "float64", "factors", k) for k, f in enumerate(layout.factor_ids)]
    cols += [Column(f"relation.{p}", "float64", "relations", k) for k, p in enumerate(layout.pair_ids)]
    cols += [Column(f"closest.{a}", "string", "closest", k) for k, a in enumerate(layout.actor_ids)]
    cols += [Column(f"bloc.{a}", "int8", "blocs", k) for k, a in enumerate(layout.actor_ids)]
    cols += [Column(f"outcome.{o}", "bool", "outcomes", k) for k, o in enumerate(layout.outcome_ids)]
    cols += [Column(f"score.{a}", "float64", "scores", k) for k, a in enumerate(layout.actor_ids)]
    cols += [Column(f"moves.{m}", "int32", "move_counts", k) for k, m in enumerate(layout.move_ids)]
    return cols


def values(col: Column, a: dict, ctx: dict) -> np.ndarray:
    """The values of one column for the rows of a chunk.

    `a` holds the chunk's arrays (`world`, `point` and the engine's results); `ctx` holds
    `runs` (worlds per point), `seed`, `inputs` (point index -> tuple of input values) and
    `actor_ids`.
    """
    world = np.asarray(a["world"], dtype=np.int64)
    point = np.asarray(a["point"], dtype=np.int64)
    if col.source == "run":
        return point * ctx["runs"] + world
    if col.source == "point":
        return point.astype(np.int32)
    if col.source == "world":
        return world
    if col.source == "seed":
        return np.full(len(world), ctx["seed"], dtype=np.int64)
    if col.source == "input":
        table = ctx["inputs"]
        if col.type == "string":
            return np.array([format_value(table[p][col.index]) for p in point.tolist()], dtype=object)
        return np.array([float(table[p][col.index]) for p in point.tolist()], dtype=np.float64)
    x = np.asarray(a[col.source])[:, col.index]
    if col.source == "closest":
        return np.asarray(ctx["actor_ids"], dtype=object)[x.astype(np.int64)]
    return x.astype({"float64": np.float64, "int8": np.int8, "int32": np.int32, "bool": bool}[col.type])


def csv_text(s: str) -> str:
    """One CSV text field (RFC 4180): quoted when it holds a comma, a quote or a line break; text
    a spreadsheet would run as a formula (=, +, -, @ first) starts with an apostrophe."""
    return csv_cell(s)


def csv_header(cols: list[Column]) -> str:
    return ",".join(csv_text(c.name) for c in cols) + "\n"


def _strings(col: Column, x: np.ndarray) -> list[str]:
    if col.type == "float64":
        return list(map(repr, x.tolist()))
    if col.type == "bool":
        return ["1" if v else "0" for v in x.tolist()]
    if col.type == "string":
        return [csv_text(str(v)) for v in x.tolist()]
    return list(map(str, x.tolist()))


def _input_strings(col: Column, a: dict, ctx: dict) -> list[str]:
    """An input as the user wrote it (40, not 40.0)."""
    table = ctx["inputs"]
    text = csv_text if col.type == "string" else str
    return [text(format_value(table[p][col.index])) for p in np.asarray(a["point"]).tolist()]


def csv_rows(cols: list[Column], a: dict, ctx: dict) -> str:
    """The rows of a chunk (no header), one line per world, in run order."""
    if len(a["world"]) == 0:
        return ""
    text = [_input_strings(c, a, ctx) if c.source == "input" else _strings(c, values(c, a, ctx)) for c in cols]
    return "".join(",".join(row) + "\n" for row in zip(*text))


def arrow_schema(cols: list[Column]):
    import pyarrow as pa

    types = {"int64": pa.int64(), "int32": pa.int32(), "int8": pa.int8(), "float64": pa.float64(),
             "bool": pa.bool_(), "string": pa.string()}
    return pa.schema([pa.field(c.name, types[c.type]) for c in cols])


def arrow_table(cols: list[Column], schema, a: dict, ctx: dict):
    import pyarrow as pa

    arrays = []
    for c, f in zip(cols, schema):
        x = values(c, a, ctx)
        arrays.append(pa.array(x.tolist() if c.type == "string" else x, type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)
