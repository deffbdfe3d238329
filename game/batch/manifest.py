"""`manifest.json`, the record of what a batch is, read back as untrusted input.

Every field the runner, `replay` and `play --batch` use is checked by a pydantic model
(types, bounds, sizes, and that the counts agree with each other) before it is used, so a
damaged or hand-edited manifest gives one clear message instead of a traceback, a
MemoryError or deleted work. Keys this version does not know are ignored (a newer Summit
may add some); its version is checked by whoever uses the manifest.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, model_validator

from game.batch import designs as dz
from game.batch.layout import MAX_CHUNK
from game.loader.overrides import MAX_POINTS
from game.errors import BatchError
from game.files import explain, read_limited
from game.safetext import OneLine, one_line

MANIFEST = "manifest.json"
PLAN = "plan.json"  # in DIR/chunks/: how this run cuts the worlds into chunks (not part of what the batch is)
SCENARIO_COPY = "scenario.yaml"
MAX_MANIFEST_BYTES = 4 << 20
MAX_SEED = 2**63 - 1
MAX_RUNS = 10**9

Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Value = Union[StrictBool, StrictInt, Finite, Annotated[OneLine, Field(max_length=200)]]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class ScenarioRecord(_Model):
    file: Annotated[OneLine, Field(min_length=1, max_length=4096)]
    id: Annotated[OneLine, Field(max_length=200)] | None = None
    title: Annotated[OneLine, Field(max_length=300)] | None = None
    sha256: Sha256
    copy_name: Literal["scenario.yaml"] = Field(default=SCENARIO_COPY, alias="copy")


class SweepRecord(_Model):
    path: Annotated[OneLine, Field(min_length=1, max_length=500)]
    values: Annotated[list[Value], Field(min_length=1, max_length=MAX_POINTS)]


class VaryRecord(_Model):
    path: Annotated[OneLine, Field(min_length=1, max_length=500)]
    low: Finite
    high: Finite
    integer: StrictBool = False


class DesignRecord(_Model):
    kind: Literal["lhs", "sobol", "morris", "grid"]
    n: Annotated[StrictInt, Field(ge=1, le=dz.MAX_POINTS)]
    sha256: Sha256
    sampler: Annotated[OneLine, Field(max_length=100)] = "SALib"


class Manifest(_Model):
    summit_batch: Literal[1]
    version: Annotated[str, Field(pattern=r"^\d{1,4}\.\d{1,4}\.\d{1,4}([.+-][0-9A-Za-z.+-]{1,40})?$")]
    scenario: ScenarioRecord
    seed: Annotated[StrictInt, Field(ge=0, le=MAX_SEED)]
    runs: Annotated[StrictInt, Field(ge=1, le=MAX_RUNS)]
    sets: Annotated[list[Annotated[OneLine, Field(max_length=1000)]], Field(max_length=200)]
    sweeps: Annotated[list[SweepRecord], Field(max_length=32)]
    vary: Annotated[list[VaryRecord], Field(max_length=64)] = []
    design: DesignRecord | None = None
    until_ci: Annotated[float, Field(strict=False, gt=0, lt=1, allow_inf_nan=False)] | None = None
    steps: StrictBool
    points: Annotated[StrictInt, Field(ge=1, le=max(MAX_POINTS, dz.MAX_POINTS))]
    # Older batches kept their chunk plan here; newer ones keep it in chunks/plan.json (see Plan).
    chunk_size: Annotated[StrictInt, Field(ge=1, le=MAX_CHUNK)] | None = None
    chunks: Annotated[StrictInt, Field(ge=1)] | None = None
    key: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    ai: Annotated[OneLine, Field(min_length=1, max_length=1000)] | None = None  # the computer's strategy (--ai)

    def strategies(self):
        """The --ai setting parsed (None: the scenario's own), as game.strategies.parse_spec reads it."""
        from game.strategies import parse_spec

        return parse_spec(self.ai)

    @model_validator(mode="after")
    def _ai_is_a_strategy(self) -> Manifest:
        from game.strategies import parse_spec

        parse_spec(self.ai)  # ValueError (a clear message) for a strategy this Summit does not know
        return self

    @model_validator(mode="after")
    def _counts_agree(self) -> Manifest:
        if bool(self.vary) != (self.design is not None) or (self.design is not None and self.sweeps):
            raise ValueError("a batch has sweeps, or a design with its ranges (vary), never both or half of one")
        size = self.chunk_size or 1
        if self.design is not None:
            made, what = dz.Design(self.design.kind, self.design.n).points(len(self.vary)), f"the design {self.design.kind}:{self.design.n}"
            if made > dz.MAX_POINTS:
                raise ValueError(f"{what} makes {made:,} points; at most {dz.MAX_POINTS:,} are allowed")
            per = max(1, size // self.runs)
            planned = -(-self.points // per)
        else:
            made, what = math.prod(len(s.values) for s in self.sweeps), "the sweeps"
            if made > MAX_POINTS:
                raise ValueError(f"the sweeps make {made:,} points; at most {MAX_POINTS:,} are allowed")
            planned = self.points * -(-self.runs // size)
            if self.until_ci is not None:  # no chunk straddles a checkpoint
                from game.batch.precision import checkpoints

                stops = checkpoints(self.runs)
                planned = self.points * sum(-(-(hi - lo) // size) for lo, hi in zip([0] + stops, stops))
        if self.points != made:
            raise ValueError(f"points is {self.points}, but {what} give {made:,}")
        if self.chunk_size is not None and self.chunks is not None and self.chunks != planned:
            raise ValueError(f"chunks is {self.chunks}, but {self.points} point(s) of {self.runs:,} runs in chunks of "
                             f"{size:,} make {planned:,}")
        return self

    def identity(self) -> dict:
        """What makes two batches the same batch (compared on --resume; see runner._identity)."""
        d = self.model_dump(mode="json", by_alias=True)
        return {k: d[k] for k in ("version", "seed", "runs", "sets", "sweeps", "vary", "design", "until_ci", "steps", "ai")} | {
            "sha256": self.scenario.sha256}


class Plan(_Model):
    """chunks/plan.json: how a run cuts the batch's worlds into chunks (kept while chunks exist)."""

    key: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    chunk_size: Annotated[StrictInt, Field(ge=1, le=MAX_CHUNK)]
    chunks: Annotated[StrictInt, Field(ge=1)]


def read_plan(directory: str | Path, key: str) -> Plan | None:
    """The chunk plan of an unfinished batch, or None when there is none (no chunks yet, or another batch's)."""
    path = Path(directory) / "chunks" / PLAN
    if not path.is_file():
        return None
    try:
        plan = Plan.model_validate(read_json(path, 4096, "chunk plan"))
    except ValidationError as exc:
        problem = _problem(exc)
    except (OSError, ValueError) as exc:
        problem = str(exc)
    else:
        return plan if plan.key == key else None
    raise BatchError(one_line(f"{path}: the chunk plan is damaged: {problem}; nothing was changed: "
                     "remove the chunks folder to start again, or choose another --out"))


def _problem(exc: ValidationError) -> str:
    e = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in e["loc"]) or "(top level)"
    msg = e["msg"].removeprefix("Value error, ")
    msg = msg[:1].lower() + msg[1:]
    found = e.get("input")
    if e["type"] != "missing" and isinstance(found, (int, float, str, bool, type(None))) and e["loc"]:
        msg += f" (found {json.dumps(found)[:60]})"
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    return f"{where}: {msg}{more}"


def read_json(path: Path, max_bytes: int, what: str):
    """JSON from a regular file of at most `max_bytes` (no NaN or Infinity); ValueError/OSError otherwise."""
    raw = read_limited(path, max_bytes, what)

    def refuse(constant: str):
        raise ValueError(f"{constant} is not a number JSON allows")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=refuse)
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg} at line {exc.lineno})") from None


def read_manifest(directory: str | Path) -> Manifest:
    """The checked manifest of the batch in `directory`; BatchError saying what is wrong otherwise."""
    path = Path(directory) / MANIFEST
    try:
        data = read_json(path, MAX_MANIFEST_BYTES, "batch manifest")
    except FileNotFoundError:
        raise BatchError(f"{directory}: not a batch directory (no {MANIFEST})") from None
    except OSError as exc:
        raise BatchError(f"{path}: cannot read it: {explain(exc)}") from None
    except ValueError as exc:
        raise BatchError(f"{path}: the manifest is damaged: {exc}") from None
    if not isinstance(data, dict):
        kind = {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(type(data), "nothing")
        raise BatchError(f"{path}: the manifest is damaged: it holds {kind}, not a mapping of keys")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise BatchError(one_line(f"{path}: the manifest is damaged: {_problem(exc)}")) from None
