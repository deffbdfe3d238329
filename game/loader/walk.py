"""The scenario schema walked by type: which pydantic type stands at a data path, and its limits.

The loader uses it to explain a problem in the words of the format (the key's description, the
allowed range, the keys a mapping takes) and to put a stand-in in place of a broken value.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from game import schema as S

from .problems import DataPath

Meta = list[Any]  # the constraint metadata found on a type (annotated_types.Ge, ...)


def strip(t: Any) -> tuple[Any, Meta]:
    """Remove Annotated wrappers; return the bare type and the constraint metadata found."""
    meta: Meta = []
    while get_origin(t) is Annotated:
        args = get_args(t)
        t = args[0]
        for m in args[1:]:
            if isinstance(m, FieldInfo):
                meta.extend(m.metadata)
                if m.description:
                    meta.append(("description", m.description))
            else:
                meta.append(m)
    return t, meta


def is_union(t: Any) -> bool:
    return get_origin(t) in (Union, types.UnionType)


def members(t: Any) -> list[Any]:
    return [a for a in get_args(t) if a is not type(None)]


def is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def tag_matches(member: Any, tag: Any) -> bool:
    """Is `tag` (from a pydantic error location) the name of this union member?"""
    bare, _ = strip(member)
    if is_model(bare):
        if tag == bare.__name__:
            return True
        kind = bare.model_fields.get("kind")
        return kind is not None and get_origin(kind.annotation) is Literal and tag in get_args(kind.annotation)
    name = getattr(bare, "__name__", str(bare))
    return tag in (name, f"constrained-{name}")


def descend(t: Any, key: Any) -> tuple[Any, Meta, FieldInfo | None]:
    """The type one step down from `t` along `key` (a field name, list index or dict key)."""
    t, _ = strip(t)
    if is_union(t):
        ms = [strip(m)[0] for m in members(t)]
        if len(ms) == 1:
            t = ms[0]
        else:  # e.g. an event: any member that has this key (they agree on shared keys)
            t = next((m for m in ms if is_model(m) and isinstance(key, str) and key in m.model_fields), None)
            if t is None:
                return None, [], None
    if is_model(t):
        f = t.model_fields.get(key) if isinstance(key, str) else None
        if f is None:
            return None, [], None
        return f.annotation, list(f.metadata) + strip(f.annotation)[1], f
    origin = get_origin(t)
    if origin is list and isinstance(key, int):
        return get_args(t)[0], strip(get_args(t)[0])[1], None
    if origin is dict:
        return get_args(t)[1], strip(get_args(t)[1])[1], None
    return None, [], None


def model_of(t: Any) -> type[BaseModel] | None:
    """The one pydantic model a type holds (None for a union of several, or a plain value)."""
    t, _ = strip(t)
    if is_union(t):
        ms = [m for m in (strip(x)[0] for x in members(t)) if is_model(m)]
        return ms[0] if len(ms) == 1 and len(members(t)) == 1 else None
    return t if is_model(t) else None


def type_at(path: DataPath, chosen: dict[DataPath, Any] | None = None) -> tuple[Any, Meta, FieldInfo | None]:
    """The schema type at a data path; `chosen` maps data paths to the union member (tag) to take."""
    t: Any = S.Scenario
    meta: Meta = []
    field = None
    for n, key in enumerate(path):
        t, meta, field = descend(t, key)
        if t is None:
            return None, [], None
        picked = choose(t, chosen.get(path[: n + 1]) if chosen else None)
        if picked is not t:
            t = picked
            meta = list(meta) + strip(t)[1]
    return t, meta, field


def choose(t: Any, tag: Any) -> Any:
    if tag is None:
        return t
    bare = strip(t)[0]
    if is_union(bare):
        return next((m for m in members(bare) if tag_matches(m, tag)), t)
    return t


_ITEM_NOUNS = {
    "actors": "actor", "factors": "factor", "pairs": "relation", "sources": "source", "moves": "move",
    "events": "event", "outcomes": "outcome", "preconditions": "condition", "terms": "term",
    "learning_objectives": "learning objective", "discussion_questions": "discussion question",
    "blockable_by": "actor id", "resolution_order": "actor id", "between": "actor id", "relation": "actor id",
}
_KEY_NOUNS = {
    "term": "term", "dynamics": "dynamics", "relations": "relations", "effects": "effects",
    "on_failure": "on_failure effects", "on_blocked": "on_blocked effects", "replace": "replacement",
    "successor": "successor", "payoff": "payoff", "chance": "chance", "turn": "turn window",
}


def noun(path: DataPath) -> str:
    """A readable name for what stands at `path` ('actor', 'condition', ...)."""
    if not path:
        return "scenario"
    last = path[-1]
    if isinstance(last, int) and len(path) >= 2:
        prev = path[-2]
        if prev == "moves" and len(path) == 2:
            return "moves entry"
        if prev == "factors" and len(path) >= 3:
            return "factor entry"
        if prev == "relations" and len(path) >= 3:
            return "relation entry"
        return _ITEM_NOUNS.get(prev, "item")
    if len(path) >= 2 and path[-2] == "payoffs":
        return "payoff"
    return _KEY_NOUNS.get(str(last), f"'{last}'")


def shape(model: type[BaseModel]) -> str:
    """``{id, label, unit?, ...}``: the keys a mapping takes ('?' marks the optional ones)."""
    return "{" + ", ".join(name if f.is_required() else f"{name}?" for name, f in model.model_fields.items()) + "}"


def bounds(meta: Meta) -> tuple[float | None, str, float | None, str]:
    lo: float | None = None
    hi: float | None = None
    lo_op = hi_op = ""
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            lo, lo_op = float(m.ge), "<="  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Gt):
            lo, lo_op = float(m.gt), "<"  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Le):
            hi, hi_op = float(m.le), "<="  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Lt):
            hi, hi_op = float(m.lt), "<"  # type: ignore[arg-type]
    return lo, lo_op, hi, hi_op


def num(x: Any) -> str:
    """A number as a message writes it (40, not 40.0)."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def range_text(meta: Meta) -> str:
    lo, lo_op, hi, hi_op = bounds(meta)
    if lo is not None and hi is not None:
        return f"allowed: {num(lo)} {lo_op} value {hi_op} {num(hi)}"
    if lo is not None:
        return f"allowed: {'at least' if lo_op == '<=' else 'more than'} {num(lo)}"
    if hi is not None:
        return f"allowed: {'at most' if hi_op == '<=' else 'less than'} {num(hi)}"
    return "allowed: a finite number"


def describe(meta: Meta) -> str | None:
    for m in meta:
        if isinstance(m, tuple) and m and m[0] == "description":
            return str(m[1])
    return None


def get(data: Any, path: DataPath) -> Any:
    """The value at a data path, or None."""
    for p in path:
        if isinstance(data, dict) and p in data:
            data = data[p]
        elif isinstance(data, list) and isinstance(p, int) and 0 <= p < len(data):
            data = data[p]
        else:
            return None
    return data
