"""Reading a scenario file safely: bytes to text, text to plain data with the position of every value.

* at most ``MAX_BYTES`` (2 MB), the size checked before reading; regular files only;
* UTF-8 text only (a byte-order mark is accepted); binary files and control characters are
  refused with their position;
* one YAML document, parsed event by event (libyaml when present) and composed here without
  recursion, so that:
  - anchors and aliases (``&name`` / ``*name``) are refused outright: scenario files never need
    them, and refusing them makes "billion laughs" alias bombs harmless (nothing is expanded);
  - nesting deeper than ``MAX_DEPTH`` (64), or more than ``MAX_NODES`` (20 000) values, is
    refused before it can hurt (both far above any real scenario);
  - ``!`` tags (``!!python/object`` and friends, ``!!binary``, ``!!set``...) are refused:
    values are plain text, numbers, booleans, dates, lists and mappings;
  - duplicate keys in a mapping are reported (plain PyYAML silently keeps the last);
  - mapping keys are always read as text (``no:`` or ``1:`` are the keys ``"no"`` and ``"1"``).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from game.files import Refused, explain, read_limited

from .problems import MAX_PROBLEMS, Abort, DataPath, Problem, ScenarioError, finish, show_path

try:  # libyaml's parser is much faster; the pure-Python one behaves the same
    from yaml import CSafeLoader as _EventSource
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _EventSource  # type: ignore[assignment,unused-ignore]

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Document", "Mark", "Positions", "decode", "read_bytes",
           "read_file", "read_yaml"]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 20_000  # values in one file; the shipped scenarios have about 3 000


@dataclass(frozen=True)
class Mark:
    """Where a key or value stands: file, line and column (1-based)."""

    file: str
    line: int
    column: int


@dataclass
class Positions:
    """Where each value and key of a scenario's data stands, by data path (keys and list indices).

    ``scalars`` keeps each scalar's text as written and its quoting style (None: plain), so that a
    message can say "YAML reads the unquoted word no as false". ``lines`` keeps each file's lines.
    """

    values: dict[DataPath, Mark] = field(default_factory=dict)
    keys: dict[DataPath, Mark] = field(default_factory=dict)
    scalars: dict[DataPath, tuple[str, str | None]] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)

    def line_text(self, mark: Mark) -> str:
        lines = self.lines.get(mark.file, [])
        return lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""


@dataclass
class Document:
    """One file's data, where each value stands, and the problems that did not stop the reading
    (duplicate keys, anchors, tags); ``tainted`` are the paths whose value was replaced because of one."""

    data: Any
    positions: Positions
    problems: list[Problem]
    tainted: set[DataPath]
    filename: str


# --- bytes -> text -------------------------------------------------------------------------------


def read_bytes(path: str | os.PathLike[str], filename: str | None = None) -> bytes:
    """A scenario file's bytes: a regular file of at most MAX_BYTES (a FIFO or device is refused
    without blocking, a symbolic link loop is named as one)."""
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
        reason = exc.strerror or ""
        if exc.errno == errno.EFBIG:
            msg = reason
        elif "folder" in reason:
            msg = "this is a folder, not a file; give the path of a .yaml scenario file inside it"
        else:
            msg = f"{reason}; give the path of a .yaml scenario file"
        raise ScenarioError([Problem(name, 0, 0, msg)]) from None
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise ScenarioError([Problem(name, 0, 0, "this is a folder, not a file; give the path of a .yaml scenario file inside it")]) from None
        raise ScenarioError([Problem(name, 0, 0, f"cannot open the file: {explain(exc)}")]) from None


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


def read_file(path: str | os.PathLike[str], filename: str | None = None) -> str:
    """Read a scenario file's text with the size and encoding checks."""
    name = filename if filename is not None else str(path)
    return decode(read_bytes(path, name), name)


# --- text -> data with positions -----------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_NULL = "tag:yaml.org,2002:null"
_SCALAR_TAGS = {_STR, _NULL, "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                "tag:yaml.org,2002:timestamp"}
# YAML's printable characters (YAML 1.1, 5.1): anything else is refused.
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RESOLVER = Resolver()
_STARTS = frozenset((yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent))
_CONSTRUCT = SafeConstructor()  # only its scalar conversions (int, float, bool, timestamp)
_TABS = "YAML does not allow tabs for indentation; indent with spaces"

_SYNTAX_HINTS = [
    ("found character '\\t'", _TABS),
    ("tab character", _TABS),
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
    ("did not find expected '-' indicator", "this line's indentation does not match the lines above: the items of a list "
     "start with '- ' at the same indentation, and the keys of one mapping line up"),
    ("did not find expected node content", "a value is missing here, or a bracket opened earlier is never closed"),
]


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Frame:
    """A mapping or list being composed."""

    __slots__ = ("container", "path", "is_map", "key", "drop", "role")

    def __init__(self, container: Any, path: DataPath | None, is_map: bool, role: str):
        self.container = container
        self.path = path  # None: inside a key, or a dropped duplicate (no positions recorded)
        self.is_map = is_map
        self.key: str | None = None  # the pending key of a mapping
        self.drop = False  # the pending key is a duplicate: keep the first value, drop this one
        self.role = role


class _Reader:
    """Compose one YAML document into plain Python data, recording where each value stands."""

    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.problems: list[Problem] = []
        self.positions = Positions(lines={filename: text.splitlines()})
        self.tainted: set[DataPath] = set()
        self._anchor_lines: set[int] = set()
        self.nodes = 0

    def mark(self, m: Any) -> Mark:
        return Mark(self.filename, m.line + 1, m.column + 1)

    def problem(self, where: Any, message: str, path: DataPath = ()) -> None:
        if isinstance(where, tuple):
            line, col = where
        else:
            line, col = where.line + 1, where.column + 1
        if path:
            message = f"{show_path(path)}: {message}"
        self.problems.append(Problem(self.filename, line, col, message, path))
        if len(self.problems) >= MAX_PROBLEMS:
            raise Abort

    def read(self) -> Any:
        bad = _BAD_CHAR.search(self.text)
        if bad is not None:
            ch = bad.group()
            what = "a NUL byte: this looks like a binary file, not a YAML text file" if ch == "\0" else (
                f"the control character U+{ord(ch):04X}, which YAML does not allow; remove it")
            self.problem(_line_col(self.text, bad.start()), f"the file contains {what}")
            raise Abort
        source = _EventSource(self.text)
        try:
            return self._document(source)
        except yaml.MarkedYAMLError as exc:
            self._syntax(exc)
            raise Abort from None
        except yaml.YAMLError as exc:  # e.g. a ReaderError without a mark
            pos = getattr(exc, "position", None)
            where = _line_col(self.text, pos) if isinstance(pos, int) else (1, 1)
            self.problem(where, f"the file cannot be read as YAML: {exc}".split("\n")[0])
            raise Abort from None
        finally:
            source.dispose()

    def _syntax(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        problem = (exc.problem or "invalid YAML").strip()
        msg = f"YAML syntax error: {problem}"
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            msg += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        hint = next((h for key, h in _SYNTAX_HINTS if key in problem or key in (exc.context or "")), None)
        index = getattr(mark, "index", None)
        if isinstance(index, int) and 0 <= index < len(self.text) and self.text[index] == "\t":
            hint = _TABS
        msg += f"; {hint}" if hint else "; check the indentation and quotes on this line and the one before"
        self.problem(mark if mark is not None else (1, 1), msg)

    def _document(self, source: Any) -> Any:
        source.get_event()  # StreamStart
        ev = source.get_event()
        if isinstance(ev, yaml.StreamEndEvent):
            self.problem((1, 1), "the file is empty; a scenario is a mapping that starts with keys like 'id:' and 'title:'")
            raise Abort
        data = self._compose(source)  # after DocumentStart
        source.get_event()  # DocumentEnd
        ev = source.get_event()
        if not isinstance(ev, yaml.StreamEndEvent):
            self.problem(ev.start_mark, "a second YAML document starts here (after '---'); a scenario file holds exactly one document")
        return data

    def _anchor(self, ev: Any, path: DataPath) -> None:
        if ev.anchor is not None and ev.start_mark.line not in self._anchor_lines:
            self._anchor_lines.add(ev.start_mark.line)
            self.problem(ev.start_mark, f"anchors ('&{ev.anchor}') are not supported in scenario files; write each value out in full", path)

    def _compose(self, source: Any) -> Any:
        """Compose the document's node, iteratively (no recursion on nesting)."""
        stack: list[_Frame] = []
        while True:
            ev = source.get_event()
            role, node_path = self._place(stack)
            cls = type(ev)
            if cls in _STARTS:
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self.problem(ev.start_mark, f"the file holds more than {MAX_NODES} values; even the largest scenario needs far fewer - is this the right file?")
                    raise Abort
            if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                self._start(ev, stack, role, node_path)
                continue
            if cls is yaml.ScalarEvent:
                if ev.anchor is not None:
                    self._anchor(ev, node_path or ())
                value = self._key(ev, node_path) if role == "key" else self._scalar(ev, node_path)
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                frame = stack.pop()
                value, node_path, role = frame.container, frame.path, frame.role
            elif cls is yaml.AliasEvent:
                if ev.start_mark.line not in self._anchor_lines:
                    self._anchor_lines.add(ev.start_mark.line)
                    self.problem(ev.start_mark, f"aliases ('*{ev.anchor}') are not supported in scenario files; write the value out in full", node_path or ())
                value = None
                if node_path is not None:
                    self.tainted.add(node_path)
                    self.positions.values[node_path] = self.mark(ev.start_mark)
            else:  # pragma: no cover - document/stream events cannot occur here
                raise Abort
            if not stack:
                return value
            self._attach(stack[-1], role, value, ev)

    @staticmethod
    def _place(stack: list[_Frame]) -> tuple[str, DataPath | None]:
        """Where the next node goes: its role (root, key, value, item) and its data path."""
        if not stack:
            return "root", ()
        top = stack[-1]
        if top.is_map and top.key is None:
            return "key", None
        if top.is_map:
            return "value", None if top.path is None or top.drop else top.path + (top.key,)
        return "item", None if top.path is None else top.path + (len(top.container),)

    def _start(self, ev: Any, stack: list[_Frame], role: str, node_path: DataPath | None) -> None:
        self._anchor(ev, node_path or ())
        is_map = isinstance(ev, yaml.MappingStartEvent)
        if ev.tag not in (None, "!", _MAP if is_map else _SEQ):
            self.problem(ev.start_mark, f"tag '{_short_tag(ev.tag)}' is not allowed; scenario files hold plain lists and mappings, never '!' tags", node_path or ())
            if node_path is not None:
                self.tainted.add(node_path)
        if role == "key":
            self.problem(ev.start_mark, "a mapping key must be a plain word, not a list or mapping", ())
        if len(stack) + 1 > MAX_DEPTH:
            self.problem(ev.start_mark, f"the data is nested more than {MAX_DEPTH} levels deep; scenario files need far fewer")
            raise Abort
        if node_path is not None:
            self.positions.values[node_path] = self.mark(ev.start_mark)
        stack.append(_Frame({} if is_map else [], node_path if role != "key" else None, is_map, role))

    def _attach(self, top: _Frame, role: str, value: Any, ev: Any) -> None:
        if not top.is_map:
            top.container.append(value)
        elif role == "key":
            key = value if isinstance(value, str) else "?"
            top.key, top.drop = key, False
            if key in top.container:
                first = self.positions.keys.get(top.path + (key,)) if top.path is not None else None
                where = f" (first given on line {first.line})" if first else ""
                self.problem(ev.start_mark, f"duplicate key '{key}'{where}; a key may appear only once in a mapping, so remove or merge one",
                             top.path + (key,) if top.path is not None else ())
                top.drop = True  # keep the first value, drop this one
            elif top.path is not None:
                self.positions.keys[top.path + (key,)] = self.mark(ev.start_mark)
        else:
            if not top.drop:
                top.container[top.key] = value
            top.key, top.drop = None, False

    def _key(self, ev: Any, path: DataPath | None) -> str:
        if ev.tag not in (None, "!", _STR):
            self.problem(ev.start_mark, f"tag '{_short_tag(ev.tag)}' is not allowed on a key; write plain text", path or ())
        return str(ev.value)  # keys are always text

    def _scalar(self, ev: Any, path: DataPath | None) -> Any:
        if path is not None:
            self.positions.values[path] = self.mark(ev.start_mark)
            self.positions.scalars[path] = (ev.value, ev.style)
        tag = ev.tag
        if tag is None:
            if not ev.implicit[0]:  # quoted or block text: always a string
                return ev.value
            tag = _RESOLVER.resolve(ScalarNode, ev.value, ev.implicit)
        elif tag == "!":
            tag = _STR
        if tag not in _SCALAR_TAGS:
            self.problem(ev.start_mark, f"tag '{_short_tag(tag)}' is not allowed; scenario files hold plain values only "
                         "(text, numbers, true/false, dates, lists, mappings), never '!' tags", path or ())
            if path is not None:
                self.tainted.add(path)
            return None
        if tag == _STR:
            return ev.value
        if tag == _NULL:
            return None
        return self._convert(ev, tag, path)

    def _convert(self, ev: Any, tag: str, path: DataPath | None) -> Any:
        node = ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark, ev.style)
        try:
            if tag.endswith(":bool"):
                return _CONSTRUCT.construct_yaml_bool(node)
            if tag.endswith(":int"):
                return _CONSTRUCT.construct_yaml_int(node)
            if tag.endswith(":float"):
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


def read_yaml(text: str, filename: str = "<text>") -> Document:
    """Parse YAML text safely (see the module docstring); raise ScenarioError on YAML-level problems.

    Problems that do not stop reading (duplicate keys, anchors, tags) are left in ``document.problems``.
    """
    if len(text) > MAX_BYTES:
        raise ScenarioError([Problem(filename, 0, 0, f"the text is too large ({len(text) // 1024} KB); "
                                     f"scenario files may be at most {MAX_BYTES // (1024 * 1024)} MB")])
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = _Reader(text, filename)
    try:
        data = reader.read()
    except Abort:
        raise ScenarioError(finish(reader.problems)) from None
    return Document(data, reader.positions, reader.problems, reader.tainted, filename)
