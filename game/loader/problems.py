"""What is wrong with a scenario, and where: `Problem`, and the words values are shown in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from game.errors import ScenarioError
from game.safetext import one_line

__all__ = ["MAX_PROBLEMS", "Abort", "DataPath", "Problem", "ScenarioError", "finish", "kind_of", "show_path", "show_value"]

MAX_PROBLEMS = 100

DataPath = tuple[Any, ...]  # keys and list indices from the top of the document


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file.

    ``line`` and ``column`` count from 1; both are 0 when the problem has no position (the file
    cannot be read at all, or the data did not come from a file). ``path`` is where in the data
    the problem is (keys and list indices).
    """

    file: str
    line: int
    column: int
    message: str
    path: DataPath = dataclasses.field(default=(), compare=False)

    def __str__(self) -> str:  # keys and values quoted from the file may hold control characters: shown escaped
        if self.line:
            return one_line(f"{self.file}:{self.line}:{self.column}: {self.message}")
        return one_line(f"{self.file}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "path": [p if isinstance(p, (int, str)) else str(p) for p in self.path]}


class Abort(Exception):
    """Stop reading: the problems collected so far are all we can say."""


def finish(problems: list[Problem]) -> list[Problem]:
    """Problems without repeats, in file order, at most MAX_PROBLEMS (then one line saying how many more)."""
    seen = set()
    unique = []
    for p in problems:
        k = (p.file, p.line, p.column, p.message)
        if k not in seen:
            seen.add(k)
            unique.append(p)
    first = unique[0].file if unique else ""
    unique.sort(key=lambda p: (p.file != first, p.file, p.line, p.column))
    if len(unique) > MAX_PROBLEMS:
        rest = len(unique) - MAX_PROBLEMS
        unique = unique[:MAX_PROBLEMS] + [Problem(unique[0].file, 0, 0, f"... and {rest} more problems; fix the ones above first")]
    return unique


def show_path(path: DataPath) -> str:
    """``moves[1].moves[0].effects``: a data path as the messages write it."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    if len(out) > 100:
        out = "..." + out[-97:]
    return out or "(top level)"


def show_value(v: Any, limit: int = 40) -> str:
    """A value as a message quotes it (text in quotes, escaped; long text cut)."""
    if isinstance(v, str):
        s = v if len(v) <= limit else v[: limit - 3] + "..."
        return repr(s)  # repr escapes control characters: a message is always one line
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "an empty value"
    if isinstance(v, dict):
        return "a mapping (key: value lines)"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, float) and math.isnan(v):
        return ".nan"
    if isinstance(v, float) and math.isinf(v):
        return ".inf" if v > 0 else "-.inf"
    s = str(v)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def kind_of(v: Any) -> str:
    """What kind of value this is, in words ('a number', 'text', ...)."""
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "text"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dt.date):
        return "a date"
    if v is None:
        return "nothing"
    return type(v).__name__
