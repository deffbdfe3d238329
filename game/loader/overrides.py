"""Changing a scenario's data by path: `--set PATH=VALUE`, `--sweep PATH=V1,V2,...`, design points,
and the `set`, `add` and `remove` of a file that `extends` another.

A path walks the scenario data (the YAML as read, before validation): dictionary keys by name,
list items by their id. Items without an `id` are addressed by the key that names them (`actor`
in `moves`, `factor` or `actor` in payoffs) and relation pairs by their two actors, `a,b` in
either order; a plain number addresses an item by position (from 0). Examples:

    factors.oil_price.initial=40
    relations.pairs.kim,putin.propensity=0.6
    payoffs.trump.factors.sanctions.weight=1.5
    events.election.outcomes.reelected.chance.intercept=0.3
    moves.xi.moves.xi_lifeline                  (for `remove`)

The changed data is then checked exactly like a scenario file, by the same code.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import types
import typing
from dataclasses import dataclass
from typing import Any

from game.errors import UsageError

# Keys that name a list item, in the order they are tried.
ITEM_KEYS = ("id", "actor", "factor")
MAX_POINTS = 10_000  # points of a sweep grid


class OverrideError(UsageError, ValueError):
    """A change that cannot be applied (the message says why, for the user)."""


@dataclass(frozen=True)
class Setting:
    path: str
    value: object

    @property
    def text(self) -> str:
        return f"{self.path}={format_value(self.value)}"


@dataclass(frozen=True)
class Sweep:
    path: str
    values: tuple[Any, ...]

    @property
    def text(self) -> str:
        return f"{self.path}=" + ",".join(format_value(v) for v in self.values)


def format_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _scalar(raw: str, arg: str) -> Any:
    raw = raw.strip()
    if raw == "":
        raise OverrideError(f"{arg}: missing value after '='")
    value = _yaml_scalar(raw)
    if isinstance(value, str):
        try:  # YAML 1.1 reads '1e3' as text; take it as the number it is
            value = float(raw)
        except ValueError:
            pass
    if value is None or isinstance(value, (dict, list)):
        raise OverrideError(f"{arg}: '{raw}' is not a single value (give a number, true/false or a word)")
    if isinstance(value, float) and not math.isfinite(value):
        raise OverrideError(f"{arg}: '{raw}' is not a finite number")
    return value


def _yaml_scalar(raw: str) -> Any:
    """A value as YAML reads it (40 -> a number, true -> a boolean), through the one loader."""
    from .problems import ScenarioError
    from .reader import read_yaml

    try:
        doc = read_yaml(raw, "value")
    except ScenarioError:
        return raw
    return raw if doc.problems else doc.data


def _path(raw: str, arg: str) -> str:
    path = raw.strip()
    if not path:
        raise OverrideError(f"{arg}: missing PATH before '=' (e.g. factors.oil_price.initial=40)")
    if any(not seg.strip() for seg in path.split(".")):
        raise OverrideError(f"{arg}: '{path}' has an empty part; parts are separated by single dots")
    return ".".join(seg.strip() for seg in path.split("."))


def parse_set(text: str) -> Setting:
    arg = f"--set {text}"
    if "=" not in text:
        raise OverrideError(f"{arg}: expected PATH=VALUE, e.g. factors.oil_price.initial=40")
    path, _, raw = text.partition("=")
    return Setting(_path(path, arg), _scalar(raw, arg))


def parse_sweep(text: str) -> Sweep:
    arg = f"--sweep {text}"
    if "=" not in text:
        raise OverrideError(f"{arg}: expected PATH=V1,V2,..., e.g. factors.oil_price.initial=40,60,80")
    path, _, raw = text.partition("=")
    values = tuple(_scalar(v, arg) for v in raw.split(","))
    seen = []
    for v in values:
        if v in seen:
            raise OverrideError(f"{arg}: value {format_value(v)} is given twice")
        seen.append(v)
    return Sweep(_path(path, arg), values)


def check_distinct(settings: list[Setting], sweeps: list[Sweep]) -> None:
    paths = [s.path for s in settings] + [s.path for s in sweeps]
    for p in paths:
        if paths.count(p) > 1:
            raise OverrideError(f"'{p}' is set or swept more than once; give each path once")


def grid_size(sweeps: list[Sweep]) -> int:
    return math.prod(len(s.values) for s in sweeps)


def grid(sweeps: list[Sweep]) -> list[dict[str, object]]:
    """Every combination of swept values (the first sweep varies slowest); refused beyond
    MAX_POINTS before anything is built."""
    n = grid_size(sweeps)
    if n > MAX_POINTS:
        raise OverrideError(f"the sweeps make {n:,} points; at most {MAX_POINTS:,} are allowed")
    if not sweeps:
        return [{}]
    return [dict(zip([s.path for s in sweeps], combo)) for combo in itertools.product(*[s.values for s in sweeps])]


# --- applying ------------------------------------------------------------------------


def apply(data: dict[str, Any], settings: list[Setting]) -> dict[str, Any]:
    """A deep copy of `data` with every setting applied (raises OverrideError)."""
    out = copy.deepcopy(data)
    for s in settings:
        set_in_place(out, s)
    return out


def set_in_place(root: dict[str, Any], s: Setting, sections: bool = False) -> tuple[Any, Any]:
    """Apply one setting to `root` itself; returns the container and key (or index) that now hold
    the value. With `sections`, a whole mapping or list may be replaced (as `extends` allows)."""
    node, key = locate(root, s.path, create=True)
    if isinstance(node, list) or key in node:
        node[key] = s.value if sections else _checked(node[key], s)
    else:
        node[key] = s.value
    return node, key


def remove_in_place(root: dict[str, Any], path: str) -> None:
    """Remove the list item or optional key at `path` (as an `extends` file's `remove` does)."""
    node, key = locate(root, path, create=False)
    if isinstance(node, dict) and key not in node:
        raise OverrideError(f"'{path}' is not in the scenario, so it cannot be removed")
    del node[key]


def add_in_place(root: dict[str, Any], path: str, items: Any) -> list[tuple[Any, Any]]:
    """Append `items` (a list) to the list at `path`, or new keys (a mapping) to the mapping there.
    An item whose id is already there is refused (change it with `set`). Returns where each went."""
    node, key = locate(root, path, create=False)
    target = node[key] if isinstance(node, list) or key in node else None
    placed: list[tuple[Any, Any]] = []
    if isinstance(target, list):
        if not isinstance(items, list):
            raise OverrideError(f"'{path}' is a list: give the items to add as a list ('- ...' lines)")
        names = {_item_name(x) for x in target} - {None}
        for item in items:
            name = _item_name(item)
            if name is not None and name in names:
                raise OverrideError(f"'{path}' already has an item '{name}'; change it with `set`, or remove it first")
            names.add(name)
            target.append(item)
            placed.append((target, len(target) - 1))
        return placed
    if isinstance(target, dict):
        if not isinstance(items, dict):
            raise OverrideError(f"'{path}' is a mapping: give the entries to add as a mapping (key: value lines)")
        for k, v in items.items():
            if k in target:
                raise OverrideError(f"'{path}' already has '{k}'; change it with `set`")
            target[k] = v
            placed.append((target, k))
        return placed
    raise OverrideError(f"'{path}' is not a list or a mapping of the scenario, so nothing can be added to it")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _item_name(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ITEM_KEYS:
            if isinstance(item.get(key), str):
                return str(item[key])
        between = item.get("between")
        if isinstance(between, list) and len(between) == 2:
            return f"{between[0]},{between[1]}"
    return None


def _find_item(items: list[Any], seg: str, where: str) -> int:
    pair = set(seg.split(",")) if "," in seg else None
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for key in ITEM_KEYS:
            if item.get(key) == seg:
                return i
        between = item.get("between")
        if pair is not None and isinstance(between, list) and set(map(str, between)) == pair and len(pair) == 2:
            return i
    if seg.isdigit():
        if int(seg) < len(items):
            return int(seg)
        raise OverrideError(f"'{where}' has {len(items)} items; there is no item {seg} (counting from 0)")
    names = [n for n in map(_item_name, items) if n]
    hint = difflib.get_close_matches(seg, names, n=1, cutoff=0.6)
    msg = f"'{where}' has no item '{seg}'"
    if hint:
        msg += f"; did you mean '{hint[0]}'?"
    if names:
        shown = ", ".join(names[:15]) + (", ..." if len(names) > 15 else "")
        msg += f" (items: {shown})"
    raise OverrideError(msg)


def locate(root: dict[str, Any], path: str, create: bool) -> tuple[Any, Any]:
    """The container that holds the last part of `path`, and that part as a key or list index.
    A key the schema knows but the data lacks is created on the way when `create` is true."""
    segs = path.split(".")
    node: Any = root
    models = _root_models()
    for i, seg in enumerate(segs):
        where = ".".join(segs[:i]) or "the scenario"
        last = i == len(segs) - 1
        if isinstance(node, list):
            idx = _find_item(node, seg, where)
            models = _child_models(models, None)
            if last:
                return node, idx
            node = node[idx]
        elif isinstance(node, dict):
            child_models = _child_models(models, seg, node)
            if seg not in node:
                named = [m for m in models if not isinstance(m, tuple)]
                if named and len(named) == len(models) and not any(seg in m.model_fields for m in named):
                    fields = sorted({f for m in named for f in m.model_fields})
                    hint = difflib.get_close_matches(seg, fields, n=1, cutoff=0.6)
                    msg = f"unknown path '{path}': {where} has no setting '{seg}'"
                    msg += f"; did you mean '{hint[0]}'?" if hint else ""
                    msg += f" (settings: {', '.join(fields)})"
                    raise OverrideError(msg)
                if last:
                    return node, seg
                if not create:
                    raise OverrideError(f"'{where}.{seg}' is not in the scenario" if i else f"'{seg}' is not in the scenario")
                if any(isinstance(m, tuple) for m in child_models):
                    raise OverrideError(
                        f"'{where}.{seg}' is not in the scenario file; --set changes values of entries that are there"
                    )
                node[seg] = {}
            if last:
                return node, seg
            node = node[seg]
            models = child_models
        else:
            raise OverrideError(
                f"unknown path '{path}': {where} is a single value ({format_value(node)}), it has no '{seg}'"
            )
    raise OverrideError(f"'{path}' is empty")  # pragma: no cover - split always gives one part


def _checked(old: Any, s: Setting) -> Any:
    new = s.value
    if isinstance(old, (dict, list)):
        raise OverrideError(
            f"'{s.path}' is a whole section, not a single value; add the name of a number inside it (e.g. {s.path}.<name>)"
        )
    if _is_number(old) and not _is_number(new):
        raise OverrideError(f"'{s.path}' is a number ({format_value(old)}); '{format_value(new)}' is not a number")
    if isinstance(old, bool) and not isinstance(new, bool):
        raise OverrideError(f"'{s.path}' is true or false; '{format_value(new)}' is neither")
    return new


# --- knowing which names exist, from the pydantic models ----------------------------------


def _root_models() -> list[Any]:
    from game.schema import Scenario

    return [Scenario]


def _unwrap(tp: Any) -> list[Any]:
    """The pydantic models a type can hold; ('list', inner) / ('dict', inner) for containers."""
    from pydantic import BaseModel

    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for a in typing.get_args(tp):
            out += _unwrap(a)
        return out
    if origin is list:
        return [("list", typing.get_args(tp)[0])]
    if origin is dict:
        return [("dict", typing.get_args(tp)[1])]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _child_models(models: list[Any], seg: str | None, node: dict[str, Any] | None = None) -> list[Any]:
    """Models for the value under key `seg` (or for list items when seg is None)."""
    out: list[Any] = []
    for m in models:
        if isinstance(m, tuple):
            kind, inner = m
            if (kind == "list" and seg is None) or (kind == "dict" and seg is not None):
                out += _unwrap(inner)
            continue
        if seg is None:
            continue
        field = m.model_fields.get(seg)
        if field is None:
            continue
        out += _unwrap(field.annotation)
    return out
