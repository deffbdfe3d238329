"""Reference checks on data with structural errors, so that one run reports both kinds.

The broken entries are set aside on a copy of the data (broken optional keys and list entries
left out, broken required values given a valid stand-in) until the copy validates; then the
rules between entries are checked on it. Problems about ids that a broken entry would have
defined are held back (they cannot be judged). When a required value cannot be stood in for
(e.g. a broken ``start_date``), nothing more is said until the structure is fixed.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic import ValidationError

from game import schema as S

from . import walk as W
from .problems import DataPath, Problem
from .references import check
from .translate import Err, Translator, err_from, is_key_path

_NO_VALUE = object()
_STAND_IN = itertools.count()
# Keys whose values define or refer to ids: never given a stand-in (that would invent references).
_REFERENCE_KEYS = ("id", "actor", "factor", "move", "outcome", "between", "relation", "source", "blockable_by", "resolution_order")
_ID = re.compile(r"^[a-z][a-z0-9_\-]*$")

Action = tuple[Any, ...]  # ("set", path, value) or ("del", path)


def references_despite(data: dict[str, Any], errors: list[Err], tr: Translator) -> list[Problem]:
    """The reference problems of data that does not validate yet (see the module docstring)."""
    work = copy.deepcopy(data)
    maps: dict[DataPath, list[int]] = {}  # for each list path in `work`: new index -> original index
    dropped: set[str] = set()
    kinds: set[str] = set()  # "unknown <kind>" messages to hold back (a definition was pruned)
    pruned: list[DataPath] = []  # original paths of everything pruned
    actor_pruned = False
    broken: list[DataPath] = [e.path + ((e.field,) if e.type == "missing" else ()) for e in errors]
    tried: set[DataPath] = set()  # work paths already given a stand-in value
    for _round in range(4):
        actions: list[Action] = []
        for path in broken:
            p = _to_work(path, maps)
            if p is None:
                continue
            act = _repair(p, work, tried)
            if act is None:
                return []
            actions.append(act)
        # deepest first, and list items by descending index, so that earlier paths stay valid
        for kind, tgt in sorted({(a[0], a[1]) for a in actions}, key=lambda a: (-len(a[1]), [(-v if isinstance(v, int) else 0) for v in a[1]])):
            parent = W.get(work, tgt[:-1])
            key = tgt[-1]
            orig = _from_work(tgt, maps)
            pruned.append(orig)
            if kind == "set":
                if key == "id":
                    kinds |= _defines(orig[:-1], None)[1]
                if isinstance(parent, dict):
                    parent[key] = next(a[2] for a in actions if a[0] == "set" and a[1] == tgt)
                    tried.add(tgt)
            elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
                actor_pruned |= orig[:1] == ("actors",) and len(orig) == 2
                ids, ks = _defines(orig, parent[key])
                dropped |= ids
                kinds |= ks
                del parent[key]
                mapping = maps.setdefault(_from_work(tgt[:-1], maps), list(range(len(parent) + 1)))
                del mapping[key]
            elif isinstance(parent, dict) and key in parent:
                ids, ks = _defines(orig, parent[key])
                dropped |= ids
                kinds |= ks
                del parent[key]
        try:
            scenario = S.Scenario.model_validate(work, context={"skip_references": True})
        except ValidationError as exc:
            broken = []
            for e in exc.errors(include_url=False):
                err = err_from(e)
                broken.append(_from_work(err.path + ((err.field,) if err.type == "missing" else ()), maps))
            continue
        out = []
        for ref in check(scenario):
            message = ref.message
            if any(f"'{d}'" in message for d in dropped) or any(f"unknown {k} '" in message for k in kinds):
                continue
            if actor_pruned and message.startswith("resolution_order must list"):
                continue
            orig = _from_work(tuple(ref.path), maps)
            if any(orig == q[: len(orig)] or q == orig[: len(q)] for q in pruned):
                continue  # about (or containing) something that was left out
            if ref.first is not None:
                message = message.replace("{first}", tr.line_of(_from_work(ref.first, maps)) or "")
            out.append(tr.problem(orig, message, key=is_key_path(orig)))
        return out
    return []


def _defines(path: DataPath, value: Any) -> tuple[set[str], set[str]]:
    """The ids defined by the entry at `path`, and the kinds of id it may have defined but
    whose id is itself broken (references of those kinds cannot be judged then)."""
    head = path[:1]
    kind = {("actors",): "actor", ("factors",): "factor", ("sources",): "source"}.get(head)
    ids: set[str] = set()
    kinds: set[str] = set()

    def take(item: Any, key: str, what: str) -> None:
        v = item.get(key) if isinstance(item, dict) else None
        if isinstance(v, str) and _ID.match(v):
            ids.add(v)
        else:
            kinds.add(what)

    if kind and len(path) == 2:
        take(value, "id", kind)
    elif head == ("moves",) and len(path) == 2:
        take(value, "actor", "actor")
        moves = value.get("moves") if isinstance(value, dict) else None
        for m in moves if isinstance(moves, list) else [None]:
            take(m, "id", "move")
    elif head == ("moves",) and len(path) == 4:
        take(value, "id", "move")
    elif head == ("events",) and len(path) == 2:
        outs = value.get("outcomes") if isinstance(value, dict) else None
        for o in outs if isinstance(outs, list) else [None]:
            take(o, "id", "event outcome")
    elif head == ("events",) and len(path) == 4:
        take(value, "id", "event outcome")
    elif head == ("payoffs",) and len(path) == 2:
        ids.add(str(path[1]))
    return ids, kinds


def _to_work(path: DataPath, maps: dict[DataPath, list[int]]) -> DataPath | None:
    """An original data path -> the same place in the pruned copy (None if it was pruned)."""
    orig: DataPath = ()
    out: DataPath = ()
    for k in path:
        nk = k
        if isinstance(k, int) and orig in maps:
            if k not in maps[orig]:
                return None
            nk = maps[orig].index(k)
        orig += (k,)
        out += (nk,)
    return out


def _from_work(path: DataPath, maps: dict[DataPath, list[int]]) -> DataPath:
    """A path in the pruned copy -> the same place in the original data."""
    orig: DataPath = ()
    for k in path:
        if isinstance(k, int) and orig in maps and 0 <= k < len(maps[orig]):
            k = maps[orig][k]
        orig += (k,)
    return orig


def _placeholder(path: DataPath) -> Any:
    """A valid stand-in for a broken required value (not for ids or dates, which references use)."""
    if not path or (path[-1] in _REFERENCE_KEYS and path != ("id",)):  # nothing refers to the scenario's id
        return _NO_VALUE
    if path[-1] == "kind" and path[0] == "events":
        return _NO_VALUE
    t, meta, _ = W.type_at(path)
    if t is None:
        return _NO_VALUE
    return _stand_in(t, meta, 0)


def _stand_in(t: Any, meta: W.Meta, depth: int) -> Any:
    bare, more = W.strip(t)
    meta = list(meta) + more
    if depth > 3:
        return _NO_VALUE
    if W.is_model(bare):  # e.g. relations: {pairs: []}, term: {kind: none}
        out = {}
        for name, f in bare.model_fields.items():
            if f.is_required():
                if name in _REFERENCE_KEYS:
                    return _NO_VALUE
                v = _stand_in(f.annotation, list(f.metadata), depth + 1)
                if v is _NO_VALUE:
                    return _NO_VALUE
                out[name] = v
        return out
    if get_origin(bare) is list:
        n = next((m.min_length for m in meta if isinstance(m, annotated_types.MinLen)), 0)
        if not n:
            return []
        item = _stand_in(get_args(bare)[0], [], depth + 1)
        return _NO_VALUE if item is _NO_VALUE else [item] * n
    if get_origin(bare) is Literal:
        return get_args(bare)[0]
    if bare is bool:
        return False
    if bare in (int, float):
        lo, _, hi, _ = W.bounds(meta)
        if lo is not None and hi is not None:
            v = (lo + hi) / 2
        elif lo is not None:
            v = lo + 1
        elif hi is not None:
            v = hi - 1
        else:
            v = 0
        return int(v) if bare is int else float(v)
    if bare is str:
        for m in meta:
            pattern = getattr(m, "pattern", None)
            if pattern and pattern.startswith("^#"):
                return "#000000"
            if pattern and re.match(pattern, "x"):
                return "x"  # an id nothing refers to (e.g. a portrait)
            if pattern:
                return _NO_VALUE
        return "x"
    return _NO_VALUE


def _repair(path: DataPath, data: Any, tried: set[DataPath]) -> Action | None:
    """How to take the broken value at `path` out of the way: ("set", path, stand-in) for a
    required value, else ("del", path) for the closest optional key or list item; None if nothing."""
    for n in range(len(path), 0, -1):
        p = path[:n]
        parent = W.get(data, p[:-1])
        if isinstance(parent, list) and isinstance(p[-1], int):
            return ("del", p)
        if isinstance(parent, dict):
            model = W.model_of(W.type_at(p[:-1])[0])
            if model is None:  # a dict of entries (payoffs): drop the entry
                return ("del", p)
            f = model.model_fields.get(p[-1]) if isinstance(p[-1], str) else None
            if f is None or not f.is_required():
                return ("del", p)
            if n == len(path) and p not in tried:
                if p[-1] == "id" and len(p) > 1 and _defines(p[:-1], None)[1]:
                    # a broken definition id: a unique stand-in keeps the entry (its kind's
                    # "unknown id" messages are then held back, as they cannot be judged)
                    return ("set", p, f"zz-stand-in-{next(_STAND_IN)}")
                v = _placeholder(p)
                if v is not _NO_VALUE:
                    return ("set", p, v)
    return None
