"""What differs between two scenarios, by id and path, in words (`summit diff A B`).

Both are compared as validated scenarios with their defaults filled in, so writing a default
out or leaving it implicit is no difference. List items are matched by what names them (an
`id`, the `actor` of a move list or payoff entry, the `factor` of a weight, the two actors of a
relation pair), never by position, so reordering is no difference either; unnamed items
(interaction terms, conditions) are compared by position. Paths are those of `--set`, so a
changed value can be pasted into an `extends` file's `set:`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from game.loader.overrides import format_value
from game.schema import Scenario

SHOWN = 60  # characters of a text value shown


@dataclass(frozen=True)
class Change:
    """One difference: its path, and the value in A and in B (None: absent there)."""

    path: str
    a: Any
    b: Any

    @property
    def kind(self) -> str:
        return "added" if self.a is None else "removed" if self.b is None else "changed"

    def words(self, names: tuple[str, str]) -> str:
        if self.a is None:
            return f"{self.path}: only in {names[1]}{_brief(self.b)}"
        if self.b is None:
            return f"{self.path}: only in {names[0]}{_brief(self.a)}"
        return f"{self.path}: {show(self.a)} -> {show(self.b)}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "a": self.a, "b": self.b}


def compare(a: Scenario, b: Scenario) -> list[Change]:
    """Every difference between two scenarios, in the order of A's file (then what only B has)."""
    out: list[Change] = []
    _walk(a.model_dump(mode="json"), b.model_dump(mode="json"), "", out)
    return out


def _walk(x: Any, y: Any, path: str, out: list[Change]) -> None:
    if path.endswith("between") and isinstance(x, list) and isinstance(y, list) and sorted(x) == sorted(y):
        return  # relations are symmetric: [a, b] is [b, a]
    if isinstance(x, dict) and isinstance(y, dict):
        for k in [*x, *(k for k in y if k not in x)]:
            p = f"{path}.{k}" if path else str(k)
            if k not in y or y[k] is None and x[k] is not None:
                out.append(Change(p, x[k], None))
            elif k not in x or x[k] is None and y[k] is not None:
                out.append(Change(p, None, y[k]))
            else:
                _walk(x[k], y[k], p, out)
    elif isinstance(x, list) and isinstance(y, list) and _named(x) and _named(y):
        xs, ys = {_name(i): i for i in x}, {_name(i): i for i in y}
        for n in [*xs, *(n for n in ys if n not in xs)]:
            p = f"{path}.{_label(xs.get(n) or ys[n])}"
            if n not in ys:
                out.append(Change(p, xs[n], None))
            elif n not in xs:
                out.append(Change(p, None, ys[n]))
            else:
                _walk(xs[n], ys[n], p, out)
    elif isinstance(x, list) and isinstance(y, list) and not any(isinstance(i, (dict, list)) for i in x + y) and x != y:
        out += [Change(path, i, None) for i in x if i not in y] + [Change(path, None, i) for i in y if i not in x]
        if sorted(map(str, x)) == sorted(map(str, y)):
            out.append(Change(path, x, y))  # the same items in another order
    elif isinstance(x, list) and isinstance(y, list) and all(isinstance(i, (dict, list)) for i in x + y):
        for k in range(max(len(x), len(y))):
            p = f"{path}.{k}"
            if k >= len(y):
                out.append(Change(p, x[k], None))
            elif k >= len(x):
                out.append(Change(p, None, y[k]))
            else:
                _walk(x[k], y[k], p, out)
    elif x != y:
        out.append(Change(path, x, y))


def _key(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for key in ("id", "actor", "factor"):
        if isinstance(item.get(key), str):
            return key
    if isinstance(item.get("between"), list) and len(item["between"]) == 2:
        return "between"
    return None


def _named(items: list[Any]) -> bool:
    """Items all named the same way, each name once: matched by name."""
    keys = {_key(i) for i in items}
    return len(keys) == 1 and None not in keys and len({_name(i) for i in items}) == len(items)


def _name(item: dict[str, Any]) -> Any:
    key = _key(item)
    return frozenset(item["between"]) if key == "between" else item[key] if key else None


def _label(item: dict[str, Any]) -> str:
    return ",".join(item["between"]) if _key(item) == "between" else str(item[_key(item)])  # type: ignore[index]


def show(v: Any) -> str:
    """A value in a line: numbers and words as written, long texts cut, sections summarised."""
    if isinstance(v, dict):
        return "{" + ", ".join(list(v)[:6]) + (", ..." if len(v) > 6 else "") + "}"
    if isinstance(v, list):
        return f"[{len(v)} items]" if any(isinstance(i, (dict, list)) for i in v) else "[" + ", ".join(map(show, v)) + "]"
    if isinstance(v, str):
        text = v if len(v) <= SHOWN else v[: SHOWN - 3] + "..."
        return repr(text)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # 40, as the file most likely wrote it
    return format_value(v)


def _brief(v: Any) -> str:
    if isinstance(v, dict):
        label = v.get("label") or v.get("name") or v.get("title")
        return f" ({show(label)})" if isinstance(label, str) else ""
    return f" ({show(v)})"


def summary(changes: list[Change]) -> str:
    """'3 changed, 1 only in A, 2 only in B' for the last line."""
    n = {k: sum(c.kind == k for c in changes) for k in ("changed", "removed", "added")}
    return f"{n['changed']} changed, {n['removed']} only in the first, {n['added']} only in the second"
