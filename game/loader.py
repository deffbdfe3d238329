"""Read scenario files safely and explain every problem in them.

``load_scenario(path)`` reads a YAML file and returns a validated
:class:`game.schema.Scenario`, or raises :class:`ScenarioError` listing *every*
problem found, each as ``FILE:LINE:COLUMN: what is wrong; what is allowed``
pointing at the line where the offending key or value stands.

How a file is read (and what is refused):

* at most ``MAX_BYTES`` (2 MB) - the size is checked before reading;
* UTF-8 text only (a UTF-8 byte-order mark is accepted); binary files and
  control characters are refused with their position;
* one YAML document; the YAML is parsed event by event (libyaml when present)
  and composed here, without recursion, so that:
  - anchors and aliases (``&name`` / ``*name``) are refused outright - scenario
    files never need them, and refusing them makes "billion laughs" alias bombs
    harmless (nothing is ever expanded);
  - nesting deeper than ``MAX_DEPTH`` (64), or more than ``MAX_NODES`` (20 000)
    values, is refused before it can hurt (both far above any real scenario);
  - ``!`` tags (``!!python/object`` and friends, ``!!binary``, ``!!set``...) are
    refused: values are plain text, numbers, booleans, dates, lists, mappings;
  - duplicate keys in a mapping are reported (plain PyYAML silently keeps the last);
  - mapping keys are always read as text (so ``no:`` or ``1:`` are the keys
    ``"no"`` and ``"1"``, never a boolean or a number);
* then the data is checked against the schema (pydantic), and the
  cross-references (ids) are checked one by one, so each gets its own line.

If the structure has errors, cross-references are still checked, on a repaired
copy of the data: broken optional keys and list entries are left out, broken
required values get a valid stand-in. References to ids that a broken entry would
have defined are then not reported (they cannot be judged). When a required value
cannot be stood in for (e.g. a broken ``start_date``), the reference checks wait
until the structure is fixed. Problems are sorted by line; at most ``MAX_PROBLEMS``
are listed.

Positions are 1-based; a problem without a position (missing file, data not from a
file) has line and column 0 and prints as ``FILE: message``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import os
import errno
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from game import limits
from game import schema as S
from game.errors import ScenarioError
from game.files import Refused, explain, read_limited
from game.safetext import one_line

try:  # libyaml's parser is much faster; the pure-Python one behaves the same
    from yaml import CSafeLoader as _EventSource
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _EventSource  # type: ignore[assignment]

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "Problem",
    "ScenarioError",
    "load_scenario",
    "load_text",
    "parse_scenario",
    "read_yaml",
]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_PROBLEMS = 100
MAX_NODES = 20_000  # values in one file; the shipped scenarios have about 3 000
_MAX_ERRORS = 300  # schema errors explained one by one; beyond that the file is hopeless anyway

Path_ = tuple  # a data path: keys and list indices from the top of the document


# --- problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file.

    ``line`` and ``column`` count from 1; both are 0 when the problem has no
    position (the file cannot be read at all, or the data did not come from a file).
    ``path`` is where in the data the problem is (keys and list indices).
    """

    file: str
    line: int
    column: int
    message: str
    path: tuple = dataclasses.field(default=(), compare=False)

    def __str__(self) -> str:  # keys and values quoted from the file may hold control characters: shown escaped
        if self.line:
            return one_line(f"{self.file}:{self.line}:{self.column}: {self.message}")
        return one_line(f"{self.file}: {self.message}")

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "column": self.column, "message": self.message,
                "path": [p if isinstance(p, (int, str)) else str(p) for p in self.path]}


class _Abort(Exception):
    """Stop reading: the problems collected so far are all we can say."""


# --- small helpers ----------------------------------------------------------------------


def _show_path(path: tuple) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    if len(out) > 100:
        out = "..." + out[-97:]
    return out or "(top level)"


def _show_value(v: Any, limit: int = 40) -> str:
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


def _kind_of(v: Any) -> str:
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


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


# --- reading YAML safely ------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
}
# YAML's printable characters (YAML 1.1, 5.1): anything else is refused.
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RESOLVER = Resolver()
_STARTS = frozenset((yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent))


class _Constructor(SafeConstructor):
    """Only used for its scalar conversions (int, float, bool, timestamp)."""


_CONSTRUCT = _Constructor()

_SYNTAX_HINTS = [
    ("found character '\\t'", "YAML does not allow tabs for indentation; indent with spaces"),
    ("tab character", "YAML does not allow tabs for indentation; indent with spaces"),
    ("mapping values are not allowed", "a value may not contain ': ' unless it is in quotes, or this line is indented wrongly"),
    ("could not find expected ':'", "a key is missing its ':', or the indentation of this line differs from the lines above"),
    ("expected <block end>", "the indentation of this line does not match the lines above"),
    ("expected <document start>", "the indentation of this line does not match the lines above"),
    ("found unexpected end of stream", "a quote or bracket opened earlier is never closed"),
    ("found unexpected ':'", "put text that contains ':' in quotes"),
    ("that cannot start any token", "put text that starts with a special character (@, `, %, |, >) in quotes"),
    ("exceeded maximum nesting depth", "the data is nested far too deeply (scenario files need only a few levels)"),
    ("found undefined alias", "anchors and aliases are not supported; write the value out in full"),
    ("expected ',' or ']'", "a list written as [a, b] is not closed, or an item in it needs quotes"),
    ("expected ',' or '}'", "a mapping written as {a: 1} is not closed, or a value in it needs quotes"),
    ("did not find expected key", "the indentation of this line does not match the lines above, or a '- ' is missing"),
    ("did not find expected '-' indicator", "this line's indentation does not match the lines above: the items of a list start with '- ' at the same indentation, and the keys of one mapping line up"),
    ("did not find expected node content", "a value is missing here, or a bracket opened earlier is never closed"),
]


class _Reader:
    """Compose one YAML document into plain Python data, recording where each value stands."""

    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.problems: list[Problem] = []
        self.value_marks: dict[tuple, tuple[int, int]] = {}
        self.key_marks: dict[tuple, tuple[int, int]] = {}
        self.scalars: dict[tuple, tuple[str, str | None]] = {}  # path -> (source text, style)
        self.tainted: set[tuple] = set()  # paths whose value was replaced because of a problem
        self._anchor_lines: set[int] = set()
        self.nodes = 0

    def problem(self, mark, message: str, path: tuple = ()) -> None:
        if isinstance(mark, tuple):
            line, col = mark
        elif mark is None:
            line, col = 0, 0
        else:
            line, col = mark.line + 1, mark.column + 1
        if path:
            message = f"{_show_path(path)}: {message}"
        self.problems.append(Problem(self.filename, line, col, message, path))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Abort

    # -- events -> data
    def read(self) -> Any:
        bad = _BAD_CHAR.search(self.text)
        if bad is not None:
            ch = bad.group()
            what = "a NUL byte: this looks like a binary file, not a YAML text file" if ch == "\0" else (
                f"the control character U+{ord(ch):04X}, which YAML does not allow; remove it"
            )
            self.problem(_line_col(self.text, bad.start()), f"the file contains {what}")
            raise _Abort
        source = _EventSource(self.text)
        try:
            return self._compose(source)
        except yaml.MarkedYAMLError as exc:
            self._syntax(exc)
            raise _Abort from None
        except yaml.YAMLError as exc:  # e.g. a ReaderError without a mark
            pos = getattr(exc, "position", None)
            where = _line_col(self.text, pos) if isinstance(pos, int) else (1, 1)
            self.problem(where, f"the file cannot be read as YAML: {exc}".split("\n")[0])
            raise _Abort from None
        finally:
            dispose = getattr(source, "dispose", None)
            if dispose:
                dispose()

    def _syntax(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or "invalid YAML").strip()
        msg = f"YAML syntax error: {problem}"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            msg += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        hint = next((h for key, h in _SYNTAX_HINTS if key in problem or key in (exc.context or "")), None)
        index = getattr(mark, "index", None)
        if isinstance(index, int) and 0 <= index < len(self.text) and self.text[index] == "\t":
            hint = "YAML does not allow tabs for indentation; indent with spaces"
        msg += f"; {hint}" if hint else "; check the indentation and quotes on this line and the one before"
        self.problem(mark, msg)

    def _compose(self, source) -> Any:
        ev = source.get_event()  # StreamStart
        ev = source.get_event()
        if isinstance(ev, yaml.StreamEndEvent):
            self.problem((1, 1), "the file is empty; a scenario is a mapping that starts with keys like 'id:' and 'title:'")
            raise _Abort
        # DocumentStart
        data = self._node(source, (), 0)
        source.get_event()  # DocumentEnd
        ev = source.get_event()
        if not isinstance(ev, yaml.StreamEndEvent):
            self.problem(ev.start_mark, "a second YAML document starts here (after '---'); a scenario file holds exactly one document")
        return data

    def _anchor(self, ev, path) -> None:
        if ev.anchor is not None and ev.start_mark.line not in self._anchor_lines:
            self._anchor_lines.add(ev.start_mark.line)
            self.problem(ev.start_mark, f"anchors ('&{ev.anchor}') are not supported in scenario files; write each value out in full", path)

    def _node(self, source, path: tuple | None, depth: int) -> Any:
        """Compose the node starting with the next event, iteratively (no recursion on nesting)."""
        # Each frame: [container, path, "map"/"seq", pending key, pending key's mark, drop the value?, role]
        stack: list[list] = []
        while True:
            ev = source.get_event()
            # where does this node go?
            if stack:
                top = stack[-1]
                if top[2] == "map" and top[3] is None:
                    role = "key"
                    node_path = None
                elif top[2] == "map":
                    role = "value"
                    node_path = None if top[1] is None or top[5] else top[1] + (top[3],)
                else:
                    role = "item"
                    node_path = None if top[1] is None else top[1] + (len(top[0]),)
            else:
                role = "root"
                node_path = path

            cls = type(ev)
            if cls in _STARTS:
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self.problem(ev.start_mark, f"the file holds more than {MAX_NODES} values; even the largest scenario needs far fewer - is this the right file?")
                    raise _Abort
            if cls is yaml.ScalarEvent:
                if ev.anchor is not None:
                    self._anchor(ev, node_path or ())
                if role == "key":
                    value = ev.value  # keys are always text
                    if ev.tag not in (None, "!", _STR):
                        self.problem(ev.start_mark, f"tag '{_short_tag(ev.tag)}' is not allowed on a key; write plain text", node_path or ())
                else:
                    value = self._scalar(ev, node_path)
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                value = frame[0]
                node_path = frame[1]
                role = frame[6]
                if stack:
                    top = stack[-1]
            elif cls is yaml.AliasEvent:
                if ev.start_mark.line not in self._anchor_lines:
                    self._anchor_lines.add(ev.start_mark.line)
                    self.problem(ev.start_mark, f"aliases ('*{ev.anchor}') are not supported in scenario files; write the value out in full", node_path or ())
                value = None
                if node_path is not None:
                    self.tainted.add(node_path)
                    self.value_marks[node_path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                self._anchor(ev, node_path or ())
                is_map = isinstance(ev, yaml.MappingStartEvent)
                if ev.tag not in (None, "!", _MAP if is_map else _SEQ):
                    self.problem(ev.start_mark, f"tag '{_short_tag(ev.tag)}' is not allowed; scenario files hold plain lists and mappings, never '!' tags", node_path or ())
                    if node_path is not None:
                        self.tainted.add(node_path)
                if role == "key":
                    self.problem(ev.start_mark, "a mapping key must be a plain word, not a list or mapping", ())
                if depth + len(stack) + 1 > MAX_DEPTH:
                    self.problem(ev.start_mark, f"the data is nested more than {MAX_DEPTH} levels deep; scenario files need far fewer")
                    raise _Abort
                if node_path is not None:
                    self.value_marks[node_path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                stack.append([{} if is_map else [], node_path if role != "key" else None, "map" if is_map else "seq", None, None, False, role])
                continue
            else:  # pragma: no cover - document/stream events cannot occur here
                raise _Abort

            # attach the finished value
            if not stack:
                return value
            top = stack[-1]
            if top[2] == "seq":
                top[0].append(value)
            elif role == "key":
                key = value if isinstance(value, str) else "?"
                top[3], top[4], top[5] = key, ev.start_mark, False
                if key in top[0]:
                    first = self.key_marks.get(top[1] + (key,)) if top[1] is not None else None
                    where = f" (first given on line {first[0]})" if first else ""
                    self.problem(ev.start_mark, f"duplicate key '{key}'{where}; a key may appear only once in a mapping, so remove or merge one", top[1] + (key,) if top[1] is not None else ())
                    top[5] = True  # keep the first value, drop this one
                elif top[1] is not None:
                    self.key_marks[top[1] + (key,)] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            else:
                if not top[5]:
                    top[0][top[3]] = value
                top[3], top[4], top[5] = None, None, False

    def _scalar(self, ev, path: tuple | None) -> Any:
        if path is not None:
            self.value_marks[path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            self.scalars[path] = (ev.value, ev.style)
        tag = ev.tag
        if tag is None:
            if not ev.implicit[0]:  # quoted or block text: always a string
                return ev.value
            tag = _RESOLVER.resolve(ScalarNode, ev.value, ev.implicit)
        elif tag == "!":
            tag = _STR
        if tag not in _SCALAR_TAGS:
            self.problem(
                ev.start_mark,
                f"tag '{_short_tag(tag)}' is not allowed; scenario files hold plain values only "
                "(text, numbers, true/false, dates, lists, mappings), never '!' tags",
                path or (),
            )
            if path is not None:
                self.tainted.add(path)
            return None
        if tag == _STR:
            return ev.value
        node = ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            if tag == "tag:yaml.org,2002:null":
                return None
            if tag == "tag:yaml.org,2002:bool":
                return _CONSTRUCT.construct_yaml_bool(node)
            if tag == "tag:yaml.org,2002:int":
                return _CONSTRUCT.construct_yaml_int(node)
            if tag == "tag:yaml.org,2002:float":
                return _CONSTRUCT.construct_yaml_float(node)
            value = _CONSTRUCT.construct_yaml_timestamp(node)
            if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
                value = value.date()
            return value
        except (ValueError, OverflowError, TypeError) as exc:
            what = "date" if tag.endswith("timestamp") else "number"
            reason = str(exc).split("\n")[0]
            if "limit" in reason and "digits" in reason:
                reason = "far too many digits"
            hint = "write dates as YYYY-MM-DD" if what == "date" else "write an ordinary number"
            self.problem(ev.start_mark, f"'{ev.value[:40]}' is not a valid {what} ({reason}); {hint}", path or ())
            if path is not None:
                self.tainted.add(path)
            return None


# --- the schema, walked by type -----------------------------------------------------------------


def _strip(t: Any) -> tuple[Any, list]:
    """Remove Annotated wrappers; return the bare type and the constraint metadata found."""
    meta: list = []
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


def _is_union(t: Any) -> bool:
    return get_origin(t) in (Union, types.UnionType)


def _members(t: Any) -> list:
    return [a for a in get_args(t) if a is not type(None)]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _tag_matches(member: Any, tag: Any) -> bool:
    bare, meta = _strip(member)
    if _is_model(bare):
        if tag == bare.__name__:
            return True
        kind = bare.model_fields.get("kind")
        return kind is not None and get_origin(kind.annotation) is Literal and tag in get_args(kind.annotation)
    name = getattr(bare, "__name__", str(bare))
    return tag in (name, f"constrained-{name}")


def _descend(t: Any, key: Any) -> tuple[Any, list, FieldInfo | None]:
    """The type one step down from `t` along `key` (a field name, list index or dict key)."""
    t, _ = _strip(t)
    if _is_union(t):
        ms = [_strip(m)[0] for m in _members(t)]
        if len(ms) == 1:
            t = ms[0]
        else:  # e.g. an event: any member that has this key (they agree on shared keys)
            t = next((m for m in ms if _is_model(m) and isinstance(key, str) and key in m.model_fields), None)
            if t is None:
                return None, [], None
    if _is_model(t):
        f = t.model_fields.get(key) if isinstance(key, str) else None
        if f is None:
            return None, [], None
        meta = list(f.metadata)
        inner, m2 = _strip(f.annotation)
        return f.annotation, meta + m2, f
    origin = get_origin(t)
    if origin is list and isinstance(key, int):
        inner, meta = _strip(get_args(t)[0])
        return get_args(t)[0], meta, None
    if origin is dict:
        inner, meta = _strip(get_args(t)[1])
        return get_args(t)[1], meta, None
    return None, [], None


def _model_of(t: Any) -> type[BaseModel] | None:
    t, _ = _strip(t)
    if _is_union(t):
        ms = [m for m in (_strip(x)[0] for x in _members(t)) if _is_model(m)]
        return ms[0] if len(ms) == 1 and len(_members(t)) == 1 else None
    return t if _is_model(t) else None


def _type_at(path: tuple, chosen: dict | None = None) -> tuple[Any, list, FieldInfo | None]:
    """The schema type at a data path; `chosen` maps data paths to the union member (tag) to take."""
    t: Any = S.Scenario
    meta: list = []
    field = None
    for n, key in enumerate(path):
        t, meta, field = _descend(t, key)
        if t is None:
            return None, [], None
        picked = _choose(t, chosen.get(path[: n + 1]) if chosen else None)
        if picked is not t:
            t = picked
            meta = list(meta) + _strip(t)[1]
    return t, meta, field


def _choose(t: Any, tag: Any) -> Any:
    if tag is None:
        return t
    bare = _strip(t)[0]
    if _is_union(bare):
        return next((m for m in _members(bare) if _tag_matches(m, tag)), t)
    return t


def _nouns(path: tuple) -> str:
    """A readable name for what stands at `path` ('actor', 'condition', ...)."""
    names = {
        "actors": "actor", "factors": "factor", "pairs": "relation", "sources": "source", "moves": "move",
        "events": "event", "outcomes": "outcome", "preconditions": "condition", "terms": "term",
        "learning_objectives": "learning objective", "discussion_questions": "discussion question",
        "blockable_by": "actor id", "resolution_order": "actor id", "between": "actor id", "relation": "actor id",
    }
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
        return names.get(prev, "item")
    if len(path) >= 2 and path[-2] == "payoffs":
        return "payoff"
    return {"term": "term", "dynamics": "dynamics", "relations": "relations", "effects": "effects",
            "on_failure": "on_failure effects", "on_blocked": "on_blocked effects", "replace": "replacement",
            "successor": "successor", "payoff": "payoff", "chance": "chance", "turn": "turn window"}.get(str(last), f"'{last}'")


def _shape(model: type[BaseModel]) -> str:
    parts = []
    for name, f in model.model_fields.items():
        parts.append(name if f.is_required() else f"{name}?")
    return "{" + ", ".join(parts) + "}"


def _bounds(meta: list) -> tuple[float | None, str, float | None, str]:
    lo = hi = None
    lo_op = hi_op = ""
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            lo, lo_op = m.ge, "<="
        elif isinstance(m, annotated_types.Gt):
            lo, lo_op = m.gt, "<"
        elif isinstance(m, annotated_types.Le):
            hi, hi_op = m.le, "<="
        elif isinstance(m, annotated_types.Lt):
            hi, hi_op = m.lt, "<"
    return lo, lo_op, hi, hi_op


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def _range_text(meta: list) -> str:
    lo, lo_op, hi, hi_op = _bounds(meta)
    if lo is not None and hi is not None:
        return f"allowed: {_num(lo)} {lo_op} value {hi_op} {_num(hi)}"
    if lo is not None:
        return f"allowed: {'at least' if lo_op == '<=' else 'more than'} {_num(lo)}"
    if hi is not None:
        return f"allowed: {'at most' if hi_op == '<=' else 'less than'} {_num(hi)}"
    return "allowed: a finite number"


def _describe(meta: list) -> str | None:
    for m in meta:
        if isinstance(m, tuple) and m and m[0] == "description":
            return m[1]
    return None


# --- pydantic errors -> problems --------------------------------------------------------------------


@dataclass
class _Err:
    path: tuple  # data path of the offending value (for 'missing': of the mapping that lacks the key)
    unions: list  # [(data path, tag)] union choices pydantic tried, outermost first
    type: str
    msg: str
    ctx: dict
    input: Any
    field: str | None = None  # the missing or unknown key
    on_key: bool = False  # the problem is a mapping key (dict key or unknown key)
    chosen: dict = dataclasses.field(default_factory=dict)  # data path -> union member picked


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        if isinstance(data, dict) and p in data:
            data = data[p]
        elif isinstance(data, list) and isinstance(p, int) and 0 <= p < len(data):
            data = data[p]
        else:
            return None
    return data


def _split_loc(loc: tuple, etype: str) -> _Err:
    """Walk a pydantic `loc` alongside the schema types: separate union tags from data keys."""
    t: Any = S.Scenario
    path: tuple = ()
    unions: list = []
    field = None
    on_key = False
    items = list(loc)
    if etype == "missing" and items:
        field = items.pop()
    elif etype == "extra_forbidden" and items:
        field = items[-1]
        on_key = True
    if items and items[-1] == "[key]":
        items.pop()
        on_key = True
    for key in items:
        bare = _strip(t)[0] if t is not None else None
        if bare is not None and _is_union(bare) and len(_members(bare)) > 1:
            chosen = next((m for m in _members(bare) if _tag_matches(m, key)), None)
            if chosen is not None:
                unions.append((path, key))
                t = chosen
                continue
        path += (key,)
        t = _descend(t, key)[0] if t is not None else None
    return _Err(path, unions, etype, "", {}, None, field, on_key)


def _err_from(e: dict) -> _Err:
    """A pydantic error dict as an _Err (data path separated from union tags; `ctx["at"]` applied)."""
    err = _split_loc(tuple(e["loc"]), e["type"])
    err.msg = e.get("msg", "")
    err.ctx = dict(e.get("ctx") or {})
    err.input = e.get("input")
    at = err.ctx.get("at")
    if at:
        err.path = err.path + tuple(at.split("."))
    return err


class _Translator:
    def __init__(self, reader: _Reader | None, data: Any, filename: str):
        self.reader = reader
        self.data = data
        self.filename = filename

    # -- positions
    def mark(self, path: tuple, key: bool = False) -> tuple[int, int]:
        r = self.reader
        if r is None:
            return 0, 0
        p = tuple(path)
        if key and p in r.key_marks:
            return r.key_marks[p]
        while True:
            if p in r.value_marks:
                v = r.value_marks[p]
                # a block collection's value starts on a later line: point at its key instead
                if p in r.key_marks and _get(self.data, p).__class__ in (dict, list):
                    return r.key_marks[p]
                return v
            if p in r.key_marks:
                return r.key_marks[p]
            if not p:
                return 1, 1
            p = p[:-1]

    def problem(self, path: tuple, message: str, key: bool = False) -> Problem:
        line, col = self.mark(path, key)
        shown = path[:-1] if path and isinstance(path[-1], str) and message.startswith(f"{path[-1]} ") else path
        prefix = f"{_show_path(shown)}: " if shown else ""
        return Problem(self.filename, line, col, prefix + message, path)

    # -- errors
    def translate_errors(self, errors: list[dict]) -> list[Problem]:
        """pydantic's error dicts -> problems (one per location, unions collapsed)."""
        return self._resolve_unions([_err_from(e) for e in errors])

    def _resolve_unions(self, errs: list[_Err]) -> list[Problem]:
        out: list[Problem] = []
        groups: dict[tuple, list[_Err]] = {}
        missing: dict[tuple, _Err] = {}
        for err in errs:
            if err.unions:
                groups.setdefault(err.unions[0][0], []).append(err)
            elif err.type == "missing":  # one line per mapping, listing every missing key
                if err.path in missing:
                    missing[err.path].field = [*missing[err.path].field, err.field]
                else:
                    err.field = [err.field]
                    missing[err.path] = err
            else:
                out.append(err)
        # an unknown key that is a misspelling of a missing key: one message, not two
        for err in out:
            if err.type == "extra_forbidden" and err.path[:-1] in missing:
                model = _model_of(_type_at(err.path[:-1], err.chosen)[0])
                hint = S.closest(err.field, model.model_fields) if model else None
                if hint in missing[err.path[:-1]].field:
                    err.ctx["required"] = True
                    missing[err.path[:-1]].field.remove(hint)
        out = [self.one(err) for err in out]
        out.extend(self.one(err) for err in missing.values() if err.field)
        for upath, group in groups.items():
            tags: dict[str, list[_Err]] = {}
            for err in group:
                tags.setdefault(err.unions[0][1], []).append(err)
            value = _get(self.data, upath)
            best = self._pick(upath, tags, value)
            if best is not None:
                chosen = tags[best]
                for err in chosen:
                    err.unions = err.unions[1:]
                    err.chosen[upath] = best
                out.extend(self._resolve_unions(chosen))
            else:
                out.append(self._union_message(upath, list(tags), value))
        return out

    def _pick(self, upath: tuple, tags: dict, value: Any) -> str | None:
        if len(tags) == 1:
            return next(iter(tags))
        union_t = _strip(_type_at(upath)[0])[0]
        members = {}
        for tag in tags:
            m = next((x for x in _members(union_t) if _tag_matches(x, tag)), None) if union_t is not None and _is_union(union_t) else None
            members[tag] = _strip(m)[0] if m is not None else None
        if isinstance(value, dict):
            cands = {t: m for t, m in members.items() if _is_model(m) and any(k in value for k in m.model_fields)}
        else:
            cands = {t: m for t, m in members.items() if m is not None and not _is_model(m)}
            if isinstance(value, (bool, str, list)) or value is None:
                return None  # a scalar union (e.g. a number) got the wrong kind of value
        if not cands:
            return None
        scores = sorted((len(tags[t]), t) for t in cands)
        if len(scores) > 1 and scores[0][0] == scores[1][0]:
            return None
        return scores[0][1]

    def _union_message(self, upath: tuple, tags: list, value: Any) -> Problem:
        union_t = _strip(_type_at(upath)[0])[0]
        shapes = []
        keys: set = set()
        if union_t is not None and _is_union(union_t):
            for m in _members(union_t):
                bare, meta = _strip(m)
                if _is_model(bare):
                    shapes.append(_shape(bare))
                    keys.update(bare.model_fields)
                elif bare is float:
                    lo, _, hi, _ = _bounds(meta)
                    shapes.append(f"a number from {_num(lo)} to {_num(hi)}" if lo is not None and hi is not None else "a number")
                else:
                    shapes.append(getattr(bare, "__name__", str(bare)))
        noun = _nouns(upath)
        if isinstance(value, dict):
            got = "has keys " + ", ".join(map(str, value)) if value else "is an empty mapping"
            unknown = [k for k in value if k not in keys]
            extra = ""
            for k in unknown:
                hint = S.closest(k, keys)
                extra += f"; unknown key '{k}'" + (f" (did you mean '{hint}'?)" if hint else "")
            msg = f"this {noun} {got}, which matches none of the allowed shapes{extra}"
        else:
            msg = f"this {noun} is {_show_value(value)}, which is not allowed"
        allowed = " or ".join(shapes)
        return self.problem(upath, f"{msg}; a {noun} is one of: {allowed} (keys with '?' are optional)")

    def one(self, err: _Err) -> Problem:
        path, etype, ctx = err.path, err.type, err.ctx
        t, meta, finfo = _type_at(path, err.chosen)
        value = _get(self.data, path)
        bare = _strip(t)[0] if t is not None else None
        if bare is not None and _is_union(bare) and len(_members(bare)) > 1:
            # a union pydantic already chose from (e.g. a chance given as a number): use that member's limits
            for m in _members(bare):
                mb, mm = _strip(m)
                if _is_model(mb) == isinstance(value, dict):
                    t, meta = m, mm
                    break
        scalar = self.reader.scalars.get(path) if self.reader else None

        if etype == "missing":
            fields = err.field if isinstance(err.field, list) else [err.field]
            model = _model_of(t)
            if len(fields) > 1:
                names = ", ".join(f"'{f}'" for f in fields)
                return self.problem(path, f"missing required keys {names}; add them to this {_nouns(path)}")
            field = fields[0]
            desc = ""
            if model is not None and field in model.model_fields:
                f = model.model_fields[field]
                d = f.description or _describe(_strip(f.annotation)[1])
                desc = f" ({d[0].lower() + d[1:].rstrip('.')})" if d else ""
            return self.problem(path, f"missing required key '{field}'{desc}; add '{field}:' to this {_nouns(path)}")
        if etype == "extra_forbidden":
            parent = path[:-1]
            model = _model_of(_type_at(parent, err.chosen)[0])
            allowed = list(model.model_fields) if model else []
            hint = S.closest(err.field, allowed)
            msg = f"unknown key '{err.field}'"
            if hint and err.ctx.get("required"):
                msg += f" (did you mean '{hint}'? '{hint}' is required and missing)"
            else:
                msg += f" (did you mean '{hint}'?)" if hint else ""
            msg += f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
            if " " in str(err.field) and not hint:
                msg += ("; this looks like the end of a text cut at a comma: inside {...} put text "
                        "that contains a comma in quotes, e.g. rationale: \"Old, and still in dispute.\"")
            return self.problem(path, msg, key=True)
        if err.on_key:  # a dict key (payoffs: ACTOR_ID, turn: {min/max})
            key = path[-1] if path else "?"
            if etype == "literal_error":
                return self.problem(path, f"key '{key}' is not allowed; use {ctx.get('expected', '')}", key=True)
            if etype == "string_pattern_mismatch":
                return self.problem(path, f"'{key}' is not a valid actor id; {self._id_rule(key)}", key=True)
            return self.problem(path, f"key '{key}': {err.msg}", key=True)

        shown = _show_value(value if value is not None or scalar is None else None)
        if scalar is not None and value is not None and not isinstance(value, (dict, list)):
            shown = repr(scalar[0]) if isinstance(value, str) else scalar[0]

        if etype in ("string_type",):
            if scalar is not None and not scalar[1] and value is not None and not isinstance(value, (dict, list)):
                word = "word" if isinstance(value, bool) else "value"
                msg = (f"expected text, but YAML reads the unquoted {word} {scalar[0]} as {_kind_of(value)}; "
                       f"write it in quotes ('{scalar[0]}') to mean the text")
            elif value is None:
                msg = "expected text, got an empty value; write the text after the ':'"
                if self._comment_after(path):
                    msg = ("expected text, got an empty value: in YAML ' #' starts a comment, so a colour "
                           "must be in quotes, e.g. colour: \"#0072b2\"")
            else:
                msg = f"expected text, got {_kind_of(value)}; write plain text here"
            return self.problem(path, msg)
        if etype == "string_pattern_mismatch":
            pattern = ctx.get("pattern", "")
            if pattern.startswith("^#"):
                return self.problem(path, f"{shown} is not a colour; write it as #RRGGBB in quotes, e.g. \"#0072b2\"")
            return self.problem(path, f"{shown} is not a valid id; {self._id_rule(value)}")
        if etype == "string_too_short":
            return self.problem(path, "must not be empty; write some text")
        if etype == "string_too_long":
            n = len(value) if isinstance(value, str) else "?"
            return self.problem(path, f"text is too long ({n} characters); allowed: at most {ctx.get('max_length')} characters")
        if etype == "literal_error":
            expected = ctx.get("expected", "")
            options = re.findall(r"'([^']*)'", expected)
            hint = S.closest(value, options) if isinstance(value, str) else None
            msg = f"{shown} is not allowed"
            msg += f" (did you mean '{hint}'?)" if hint else ""
            return self.problem(path, f"{msg}; allowed: {expected}")
        if etype in ("too_short", "too_long"):
            n = ctx.get("actual_length")
            if etype == "too_short":
                want = ctx.get("min_length")
                return self.problem(path, f"needs at least {want} item{'s' if want != 1 else ''}, has {n}; add {'more' if n else 'some'}")
            if path == ("actors",) and limits.too_many_actors(n):  # the one message every part gives
                return self.problem(path, f"{limits.too_many_actors(n)}; allowed: at most {limits.MAX_ACTORS} actors")
            return self.problem(path, f"has {n} items; allowed: at most {ctx.get('max_length')}")
        if etype == "finite_number":
            return self.problem(path, f"{shown} is not a finite number; {_range_text(meta)}")
        if etype in ("float_parsing", "float_type", "int_parsing", "int_type", "int_parsing_size"):
            whole = "a whole number" if etype.startswith("int") else "a number"
            extra = f"; {_range_text(meta)}" if _bounds(meta) != (None, "", None, "") else ""
            return self.problem(path, f"expected {whole}, got {_kind_of(value)} {shown}{extra}")
        if etype == "int_from_float":
            return self.problem(path, f"expected a whole number, got {shown}; {_range_text(meta)}")
        if etype in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            big = etype.startswith("less")
            return self.problem(path, f"{shown} is too {'large' if big else 'small'}; {_range_text(meta)}")
        if etype in ("bool_type", "bool_parsing"):
            return self.problem(path, f"expected true or false, got {shown}")
        if etype.startswith("date") or etype.startswith("datetime"):
            return self.problem(path, f"expected a date written as YYYY-MM-DD (e.g. 2019-04-25), got {shown}")
        if etype == "list_type":
            return self.problem(path, f"expected a list, got {_kind_of(value)} {shown if not isinstance(value, dict) else ''}".rstrip()
                                + "; write one '- item' per line, or [a, b]")
        if etype in ("dict_type", "model_type", "model_attributes_type"):
            model = _model_of(t)
            keys = f" with keys {_shape(model)} (keys with '?' are optional)" if model else ""
            msg = f"expected a mapping (key: value lines){keys}, got {_kind_of(value)} {shown if not isinstance(value, (dict, list)) else ''}".rstrip()
            if model is not None:
                required = [n for n, f in model.model_fields.items() if f.is_required()]
                if isinstance(value, list) and len(required) == 1 and get_origin(_strip(model.model_fields[required[0]].annotation)[0]) is list:
                    msg += f"; to give this list, put it under '{required[0]}:'"
                elif isinstance(value, str) and len(required) == 1:
                    lit = _strip(model.model_fields[required[0]].annotation)[0]
                    if get_origin(lit) is Literal and value in get_args(lit):
                        msg += f"; write {{{required[0]}: {value}}}"
            return self.problem(path, msg)
        if etype == "union_tag_not_found":
            return self.problem(path, "this event has no 'kind'; add 'kind: scheduled' (happens on a date) or 'kind: random' (may happen any turn)")
        if etype == "union_tag_invalid":
            tag = ctx.get("tag", "")
            opts = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
            hint = S.closest(tag, opts)
            return self.problem(path + ("kind",), f"kind {_show_value(tag)} is not allowed" + (f" (did you mean '{hint}'?)" if hint else "") + f"; allowed: {ctx.get('expected_tags', '')}")
        if etype in ("duplicate_id", "term_date", "bounds", "term", "references") or etype not in _PYDANTIC_TYPES:
            return self.problem(path, err.msg)
        return self.problem(path, err.msg[:1].lower() + err.msg[1:] if err.msg else etype)

    def _comment_after(self, path: tuple) -> bool:
        """Does the line where the value at `path` should be carry a ' #' comment after the key?"""
        if self.reader is None or path not in self.reader.key_marks:
            return False
        line, col = self.reader.key_marks[path]
        lines = self.reader.text.splitlines()
        return 0 < line <= len(lines) and " #" in lines[line - 1][col - 1 :]

    @staticmethod
    def _id_rule(value: Any) -> str:
        rule = "an id uses lower-case letters, digits, '_' or '-', and starts with a letter"
        if isinstance(value, str):
            slug = re.sub(r"[^a-z0-9_\-]+", "_", value.strip().lower()).strip("_-")
            if slug and not slug[0].isalpha():
                slug = "x_" + slug
            if slug and re.fullmatch(r"[a-z][a-z0-9_\-]*", slug) and slug != value:
                rule += f" (e.g. '{slug[:40]}')"
        return rule


_PYDANTIC_TYPES = {
    "missing", "extra_forbidden", "string_type", "string_pattern_mismatch", "string_too_short", "string_too_long",
    "literal_error", "too_short", "too_long", "finite_number", "float_parsing", "float_type", "int_parsing",
    "int_type", "int_from_float", "greater_than_equal", "greater_than", "less_than_equal", "less_than",
    "bool_type", "bool_parsing", "list_type", "dict_type", "model_type",
}


# --- best-effort reference checks on broken data -------------------------------------------------


_NO_VALUE = object()
_STAND_IN = itertools.count()
# Keys whose values define or refer to ids: never given a stand-in (that would invent references).
_REFERENCE_KEYS = ("id", "actor", "factor", "move", "outcome", "between", "relation", "source", "blockable_by", "resolution_order")


def _placeholder(path: tuple) -> Any:
    """A valid stand-in for a broken required value (not for ids or dates, which references use)."""
    if not path or (path[-1] in _REFERENCE_KEYS and path != ("id",)):  # nothing refers to the scenario's id
        return _NO_VALUE
    if path[-1] == "kind" and path[0] == "events":
        return _NO_VALUE
    t, meta, _ = _type_at(path)
    if t is None:
        return _NO_VALUE
    return _stand_in(t, meta, path, 0)


def _stand_in(t: Any, meta: list, path: tuple, depth: int) -> Any:
    bare, more = _strip(t)
    meta = list(meta) + more
    if depth > 3:
        return _NO_VALUE
    if _is_model(bare):  # e.g. relations: {pairs: []}, term: {kind: none}
        out = {}
        for name, f in bare.model_fields.items():
            if f.is_required():
                if name in _REFERENCE_KEYS:
                    return _NO_VALUE
                v = _stand_in(f.annotation, list(f.metadata), path + (name,), depth + 1)
                if v is _NO_VALUE:
                    return _NO_VALUE
                out[name] = v
        return out
    if get_origin(bare) is list:
        n = next((m.min_length for m in meta if isinstance(m, annotated_types.MinLen)), 0)
        if not n:
            return []
        item = _stand_in(get_args(bare)[0], [], path + (0,), depth + 1)
        return _NO_VALUE if item is _NO_VALUE else [item] * n
    if get_origin(bare) is Literal:
        return get_args(bare)[0]
    if bare is bool:
        return False
    if bare in (int, float):
        lo, lo_op, hi, hi_op = _bounds(meta)
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
            if pattern and _ID.match("x") and re.match(pattern, "x"):
                return "x"  # an id nothing refers to (e.g. a portrait)
            if pattern:
                return _NO_VALUE
        return "x"
    return _NO_VALUE


def _repair(path: tuple, data: Any, tried: set) -> tuple | None:
    """How to take the broken value at `path` out of the way: ("set", path, stand-in) for a
    required value, else ("del", path) for the closest optional key or list item; None if nothing."""
    for n in range(len(path), 0, -1):
        p = path[:n]
        parent = _get(data, p[:-1])
        if isinstance(parent, list) and isinstance(p[-1], int):
            return ("del", p)
        if isinstance(parent, dict):
            model = _model_of(_type_at(p[:-1])[0])
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


_ID = re.compile(r"^[a-z][a-z0-9_\-]*$")


def _defines(path: tuple, value: Any) -> tuple[set[str], set[str]]:
    """The ids defined by the entry at `path`, and the kinds of id it may have defined but
    whose id is itself broken (references of those kinds cannot be judged then)."""
    head = path[:1]
    kind = {("actors",): "actor", ("factors",): "factor", ("sources",): "source"}.get(head)
    ids: set[str] = set()
    kinds: set[str] = set()

    def take(item, key, what):
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


def _best_effort_references(data: dict, errors: list[_Err], filename: str, translator: _Translator) -> list[Problem]:
    import copy

    work = copy.deepcopy(data)
    # index maps: for each list path in `work`, new index -> original index
    index_maps: dict[tuple, list[int]] = {}
    dropped: set[str] = set()
    kinds: set[str] = set()  # "unknown <kind>" messages to hold back (a definition was pruned)
    pruned: list[tuple] = []  # original paths of everything pruned
    actor_pruned = False
    broken: list[tuple] = [e.path + ((e.field,) if e.type == "missing" else ()) for e in errors]
    tried: set[tuple] = set()  # work paths already given a stand-in value
    for _round in range(4):
        actions = []
        for path in broken:
            p = _to_work(path, index_maps)
            if p is None:
                continue
            act = _repair(p, work, tried)
            if act is None:
                return []
            actions.append(act)
        # deepest first, and list items by descending index, so that earlier paths stay valid
        for act in sorted(set((a[0], a[1]) for a in actions), key=lambda a: (-len(a[1]), [(-v if isinstance(v, int) else 0) for v in a[1]])):
            kind, tgt = act
            parent = _get(work, tgt[:-1])
            key = tgt[-1]
            orig_tgt = _from_work(tgt, index_maps)
            pruned.append(orig_tgt)
            if kind == "set":
                if key == "id":
                    kinds |= _defines(orig_tgt[:-1], None)[1]
                if isinstance(parent, dict):
                    parent[key] = next(a[2] for a in actions if a[0] == "set" and a[1] == tgt)
                    tried.add(tgt)
            elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
                actor_pruned |= orig_tgt[:1] == ("actors",) and len(orig_tgt) == 2
                ids, ks = _defines(orig_tgt, parent[key])
                dropped |= ids
                kinds |= ks
                del parent[key]
                lp = tgt[:-1]
                mapping = index_maps.setdefault(_from_work(lp, index_maps), list(range(len(parent) + 1)))
                del mapping[key]
            elif isinstance(parent, dict) and key in parent:
                ids, ks = _defines(orig_tgt, parent[key])
                dropped |= ids
                kinds |= ks
                del parent[key]
        try:
            scenario = S.Scenario.model_validate(work, context={"skip_references": True})
        except ValidationError as exc:
            broken = []
            for e in exc.errors(include_url=False):
                err = _err_from(e)
                broken.append(_from_work(err.path + ((err.field,) if err.type == "missing" else ()), index_maps))
            continue
        except Exception:
            return []
        out = []
        for path, message in S.reference_problems(scenario):
            if any(f"'{d}'" in message for d in dropped) or any(f"unknown {k} '" in message for k in kinds):
                continue
            if actor_pruned and message.startswith("resolution_order must list"):
                continue
            orig = _from_work(tuple(path), index_maps)
            if any(orig == q[: len(orig)] or q == orig[: len(q)] for q in pruned):
                continue  # about (or containing) something that was left out
            out.append(translator.problem(orig, message, key=_is_key_path(orig, data)))
        return out
    return []


def _to_work(path: tuple, maps: dict) -> tuple | None:
    """An original data path -> the same place in the pruned copy (None if it was pruned)."""
    orig: tuple = ()
    out: tuple = ()
    for k in path:
        nk = k
        if isinstance(k, int) and orig in maps:
            if k not in maps[orig]:
                return None
            nk = maps[orig].index(k)
        orig += (k,)
        out += (nk,)
    return out


def _from_work(path: tuple, maps: dict) -> tuple:
    """A path in the pruned copy -> the same place in the original data."""
    orig: tuple = ()
    for k in path:
        if isinstance(k, int) and orig in maps and 0 <= k < len(maps[orig]):
            k = maps[orig][k]
        orig += (k,)
    return orig


def _is_key_path(path: tuple, data: Any) -> bool:
    return bool(path) and isinstance(_get(data, path[:-1]), dict) and isinstance(path[-1], str)


# --- public API ------------------------------------------------------------------------------------


def _validate(data: Any, filename: str, reader: _Reader | None) -> S.Scenario:
    problems: list[Problem] = list(reader.problems) if reader else []
    if not isinstance(data, dict):
        if data is None and problems:  # e.g. a refused tag on the only value: nothing more to say
            raise ScenarioError(_finish(problems))
        if data is None:
            msg = "the file holds no data; a scenario is a mapping that starts with keys like 'id:' and 'title:'"
        elif isinstance(data, list):
            msg = "the top level is a list; a scenario is a mapping of keys (id:, title:, actors:, ...), not a list of items"
        else:
            msg = (f"the file holds a single value ({_kind_of(data)} {_show_value(data)}), not a scenario; "
                   "a scenario is a mapping that starts with keys like 'id:' and 'title:'")
        line, col = (reader.value_marks.get((), (1, 1)) if reader else (0, 0))
        problems.append(Problem(filename, line, col, msg))
        raise ScenarioError(_finish(problems))
    tr = _Translator(reader, data, filename)
    tainted = reader.tainted if reader else set()
    try:
        scenario = S.Scenario.model_validate(data, context={"skip_references": True})
    except ValidationError as exc:
        raw = exc.errors(include_url=False)
        if len(raw) > _MAX_ERRORS:  # a file this broken: explain the first ones, quickly
            structural = tr.translate_errors(raw[:_MAX_ERRORS])
            structural = [p for p in structural if not any(p.path[: len(t)] == t for t in tainted)]
            problems.extend(structural)
            more = Problem(filename, 0, 0, f"... and more problems (only the first {_MAX_ERRORS} errors are explained); fix the ones above first")
            raise ScenarioError(_finish(problems)[:MAX_PROBLEMS] + [more]) from None
        errs = [_err_from(e) for e in raw]
        structural = tr.translate_errors(raw)
        structural = [p for p in structural if not any(p.path[: len(t)] == t for t in tainted)]
        problems.extend(structural)
        try:
            problems.extend(_best_effort_references(data, errs, filename, tr))
        except Exception:  # best effort only: never let it hide the real problems
            pass
        raise ScenarioError(_finish(problems)) from None
    for path, message in S.reference_problems(scenario):
        problems.append(tr.problem(tuple(path), message, key=_is_key_path(tuple(path), data)))
    if problems:
        raise ScenarioError(_finish(problems))
    return scenario


def _finish(problems: list[Problem]) -> list[Problem]:
    seen = set()
    unique = []
    for p in problems:
        k = (p.line, p.column, p.message)
        if k not in seen:
            seen.add(k)
            unique.append(p)
    unique.sort(key=lambda p: (p.line, p.column))
    if len(unique) > MAX_PROBLEMS:
        rest = len(unique) - MAX_PROBLEMS
        unique = unique[:MAX_PROBLEMS] + [Problem(unique[0].file, 0, 0, f"... and {rest} more problems; fix the ones above first")]
    return unique


def read_yaml(text: str, filename: str = "<text>") -> tuple[Any, _Reader]:
    """Parse YAML text safely (see the module docstring); raise ScenarioError on YAML-level problems.

    Returns the data and the reader (with ``value_marks`` / ``key_marks``: path -> (line, column)).
    Problems that do not stop reading (duplicate keys, anchors, tags) are left in ``reader.problems``.
    """
    if len(text) > MAX_BYTES:
        raise ScenarioError([Problem(filename, 0, 0, f"the text is too large ({len(text) // 1024} KB); scenario files may be at most {MAX_BYTES // (1024 * 1024)} MB")])
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = _Reader(text, filename)
    try:
        data = reader.read()
    except _Abort:
        raise ScenarioError(_finish(reader.problems)) from None
    except RecursionError:  # pragma: no cover - the depth cap should prevent this
        raise ScenarioError([Problem(filename, 0, 0, "the file is nested too deeply to read")]) from None
    return data, reader


def load_text(text: str, filename: str = "<text>") -> S.Scenario:
    """Read a scenario from YAML text. Raises ScenarioError listing every problem."""
    try:
        data, reader = read_yaml(text, filename)
        return _validate(data, filename, reader)
    except ScenarioError:
        raise
    except Exception as exc:  # never a traceback for a bad file
        raise ScenarioError([Problem(filename, 0, 0, f"could not read the scenario ({type(exc).__name__}: {exc}); please report this as a bug")]) from None


def parse_scenario(data: dict, filename: str = "<data>") -> S.Scenario:
    """Validate scenario data already in memory (no line numbers: each message names its path)."""
    try:
        return _validate(data, filename, None)
    except ScenarioError:
        raise
    except Exception as exc:
        raise ScenarioError([Problem(filename, 0, 0, f"could not check the scenario ({type(exc).__name__}: {exc})")]) from None


def decode(raw: bytes, filename: str) -> str:
    """Bytes -> text, refusing binary and non-UTF-8 files with a clear message."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError([Problem(filename, 1, 1, "the file is saved as UTF-16; save it as UTF-8 (in most editors: 'Save with encoding' -> UTF-8)")])
    nul = raw.find(b"\0", 0, 8192)
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise ScenarioError([Problem(filename, line, nul - (raw.rfind(b"\n", 0, nul) + 1) + 1,
                                     "the file contains NUL bytes: this looks like a binary file, not a YAML text file")])
    try:
        return raw[3:].decode("utf-8") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw.count(b"\n", 0, start) + 1
        col = len(raw[raw.rfind(b"\n", 0, start) + 1 : start].decode("utf-8", "replace")) + 1
        raise ScenarioError([Problem(filename, line, col,
                                     f"the file is not valid UTF-8 text (byte 0x{raw[start]:02x} here); "
                                     "save it as UTF-8, or if it is not a scenario file, pick the right file")]) from None


def read_bytes(path: str | os.PathLike, filename: str | None = None) -> bytes:
    """A scenario file's bytes: a regular file of at most MAX_BYTES (a FIFO or device is
    refused without blocking, a symbolic link loop is named as one)."""
    name = filename if filename is not None else str(path)
    try:
        return read_limited(path, MAX_BYTES, "scenario file")
    except FileNotFoundError:
        if os.path.islink(path):
            msg = f"this is a symbolic link to {os.readlink(path)}, which does not exist"
        else:
            msg = "no such file; check the name and the folder (run 'summit list' for the shipped scenarios)"
        raise ScenarioError([Problem(name, 0, 0, msg)]) from None
    except Refused as exc:
        if exc.errno == errno.EFBIG:
            msg = exc.strerror
        elif "folder" in exc.strerror:
            msg = "this is a folder, not a file; give the path of a .yaml scenario file inside it"
        else:
            msg = f"{exc.strerror}; give the path of a .yaml scenario file"
        raise ScenarioError([Problem(name, 0, 0, msg)]) from None
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise ScenarioError([Problem(name, 0, 0, "this is a folder, not a file; give the path of a .yaml scenario file inside it")]) from None
        raise ScenarioError([Problem(name, 0, 0, f"cannot open the file: {explain(exc)}")]) from None


def read_file(path: str | os.PathLike, filename: str | None = None) -> str:
    """Read a scenario file's text with the size and encoding checks."""
    name = filename if filename is not None else str(path)
    return decode(read_bytes(path, name), name)


def load_data(raw: bytes | str, filename: str) -> tuple[S.Scenario, dict]:
    """A scenario from a file's bytes (or text), with the plain data it was read from (for
    --set and --sweep, which change that data before it is checked again)."""
    text = decode(raw, filename) if isinstance(raw, bytes) else raw
    try:
        data, reader = read_yaml(text, filename)
        return _validate(data, filename, reader), data
    except ScenarioError:
        raise
    except Exception as exc:  # never a traceback for a bad file
        raise ScenarioError([Problem(filename, 0, 0, f"could not read the scenario ({type(exc).__name__}: {exc}); please report this as a bug")]) from None


def load_scenario(path: str | os.PathLike) -> S.Scenario:
    """Read and check a scenario file. Raises ScenarioError listing every problem in the file."""
    name = str(path)
    text = read_file(path, name)
    return load_text(text, name)
