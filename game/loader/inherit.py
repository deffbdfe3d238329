"""`extends:`: a scenario written as changes to another, resolved before it is checked.

    extends: vladivostok-2019          # a file next to this one, or a shipped scenario's id
    id: china-enforces-2019            # any top-level key given here replaces the base's
    title: ...
    remove:                            # list items (by id) or optional keys, by path
      - moves.xi.moves.xi_lifeline
    add:                               # new list items (or mapping entries), by the path of the list
      events:
        - {kind: random, id: ..., ...}
    set:                               # values (or whole sections), by path
      factors.evasion.initial: 25

Paths are those of `--set` (`game.loader.overrides`). The changes apply in that order: the
top-level keys, then `remove`, `add`, `set`. Every value keeps the position of the line that
wrote it, in whichever file that is, so a problem points into the file to fix.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import overrides as ov
from .problems import DataPath, Problem, ScenarioError, finish, show_value
from .reader import Document, Mark, Positions

KEYS = ("extends", "remove", "add", "set")
MAX_CHAIN = 8  # a file may extend one that extends another ... at most this deep

Where = tuple[Mark | None, Mark | None, tuple[str, str | None] | None]  # value mark, key mark, scalar text


def base_name(doc: Document) -> str | None:
    """The `extends` of a document, or None; a value that is not a name is a problem."""
    data = doc.data
    if not isinstance(data, dict) or "extends" not in data:
        return None
    name = data["extends"]
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError([_at(doc, ("extends",), f"extends: expected the id of a shipped scenario or a file name, got {show_value(name)}")])
    return name.strip()


def find_base(name: str, folder: Path, doc: Document) -> Path:
    """The file `extends: name` means: a file next to this one (with or without .yaml), else a shipped scenario."""
    from game.catalog import SCENARIOS_DIR, UnknownScenario, find_scenario

    for candidate in (folder / name, folder / f"{name}.yaml"):
        if os.path.lexists(candidate) and not candidate.is_dir():
            return candidate
    if os.sep not in name and "/" not in name:
        try:
            return find_scenario(name, SCENARIOS_DIR)
        except UnknownScenario as exc:
            raise ScenarioError([_at(doc, ("extends",), f"extends: '{name}': {exc}")]) from None
    raise ScenarioError([_at(doc, ("extends",), f"extends: '{name}': no such file next to this one ({folder})")])


def merge(child: Document, base: Document) -> Document:
    """The child's changes applied to the base's data; positions follow each value to its file."""
    where = _index(base) | _index(child)
    tainted = _tainted(base) | _tainted(child)
    data: dict[str, Any] = base.data if isinstance(base.data, dict) else {}
    changes: dict[str, Any] = child.data
    problems: list[Problem] = []
    for key, value in changes.items():
        if key not in KEYS:
            data[key] = value
            where[(id(data), key)] = where[(id(changes), key)]
    for n, path in enumerate(_entries(child, "remove", list)):
        try:
            if not isinstance(path, str):
                raise ov.OverrideError(f"expected a path such as moves.xi.moves.xi_lifeline, got {show_value(path)}")
            ov.remove_in_place(data, path.strip())
        except ov.OverrideError as exc:
            problems.append(_at(child, ("remove", n), f"remove: {exc}"))
    for path, items in _entries(child, "add", dict).items():
        try:
            for n, (node, k) in enumerate(ov.add_in_place(data, path.strip(), items)):
                where[(id(node), k)] = where[(id(items), n if isinstance(items, list) else k)]
        except ov.OverrideError as exc:
            problems.append(_at(child, ("add", path), f"add: {path}: {exc}", key=True))
    sets = _entries(child, "set", dict)
    for path, value in sets.items():
        try:
            node, k = ov.set_in_place(data, ov.Setting(path.strip(), value), sections=True)
            where[(id(node), k)] = where[(id(sets), path)]
        except ov.OverrideError as exc:
            problems.append(_at(child, ("set", path), f"set: {path}: {exc}", key=True))
    if problems:
        raise ScenarioError(finish(child.problems + problems))
    positions = _positions(data, where, base, child)
    return Document(data, positions, base.problems + child.problems, _paths(data, tainted), child.filename)


def _entries(doc: Document, key: str, kind: type) -> Any:
    value = doc.data.get(key, kind())
    if value is None:
        return kind()
    if not isinstance(value, kind):
        shape = "a list of paths ('- path' lines)" if kind is list else "a mapping of paths (path: value lines)"
        raise ScenarioError([_at(doc, (key,), f"{key}: expected {shape}, got {show_value(value)}")])
    return value


def _at(doc: Document, path: DataPath, message: str, key: bool = False) -> Problem:
    pos = doc.positions
    m = (pos.keys.get(path) if key else None) or pos.values.get(path) or pos.keys.get(path) or pos.values.get(())
    return Problem(doc.filename, m.line if m else 0, m.column if m else 0, message, path)


def _index(doc: Document) -> dict[tuple[int, Any], Where]:
    """Each value's position, by (identity of its container, key): it follows the value when moved."""
    pos = doc.positions
    out: dict[tuple[int, Any], Where] = {(0, None): (pos.values.get(()), None, None)}
    stack: list[tuple[Any, DataPath]] = [(doc.data, ())]
    while stack:
        node, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            p = path + (k,)
            out[(id(node), k)] = (pos.values.get(p), pos.keys.get(p), pos.scalars.get(p))
            stack.append((v, p))
    return out


def _tainted(doc: Document) -> set[tuple[int, Any]]:
    out = set()
    for p in doc.tainted:
        node: Any = doc.data
        for k in p[:-1]:
            node = node[k] if isinstance(node, (dict, list)) else None
        if node is not None:
            out.add((id(node), p[-1]))
    return out


def _paths(data: Any, keys: set[tuple[int, Any]]) -> set[DataPath]:
    """The data paths of the (container identity, key) pairs in `keys`."""
    found: set[DataPath] = set()
    stack: list[tuple[Any, DataPath]] = [(data, ())]
    while stack and keys:
        node, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            if (id(node), k) in keys:
                found.add(path + (k,))
            stack.append((v, path + (k,)))
    return found


def _positions(data: Any, where: dict[tuple[int, Any], Where], *docs: Document) -> Positions:
    out = Positions(lines={f: lines for d in docs for f, lines in d.positions.lines.items()})
    root = docs[-1].positions.values.get(())
    if root is not None:
        out.values[()] = root
    stack: list[tuple[Any, DataPath]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in items:
            p = path + (k,)
            value, key, scalar = where.get((id(node), k), (None, None, None))
            if value is not None:
                out.values[p] = value
            if key is not None:
                out.keys[p] = key
            if scalar is not None:
                out.scalars[p] = scalar
            stack.append((v, p))
    return out
