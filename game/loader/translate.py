"""pydantic's errors in the words of the scenario format: one `Problem` per mistake, at its line.

`Translator.problems(errors)` walks each error's location alongside the schema's types (to tell
union tags from data keys), collapses the errors of a union into the member the author meant,
and hands each error to the handler for its type (`HANDLERS`: error type -> method).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from game import limits
from game import schema as S

from . import walk as W
from .problems import DataPath, Problem, kind_of, show_path, show_value
from .reader import Mark, Positions


@dataclass
class Err:
    """One pydantic error, located in the data."""

    path: DataPath  # data path of the offending value (for 'missing': of the mapping that lacks the key)
    unions: list[tuple[DataPath, Any]]  # union choices pydantic tried, outermost first
    type: str
    msg: str = ""
    ctx: dict[str, Any] = dataclasses.field(default_factory=dict)
    input: Any = None
    field: Any = None  # the missing or unknown key (a list of keys for 'missing', once grouped)
    on_key: bool = False  # the problem is a mapping key (dict key or unknown key)
    chosen: dict[DataPath, Any] = dataclasses.field(default_factory=dict)  # data path -> union member picked


def _split_loc(loc: tuple[Any, ...], etype: str) -> Err:
    """Walk a pydantic `loc` alongside the schema types: separate union tags from data keys."""
    t: Any = S.Scenario
    path: DataPath = ()
    unions: list[tuple[DataPath, Any]] = []
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
        bare = W.strip(t)[0] if t is not None else None
        if bare is not None and W.is_union(bare) and len(W.members(bare)) > 1:
            chosen = next((m for m in W.members(bare) if W.tag_matches(m, key)), None)
            if chosen is not None:
                unions.append((path, key))
                t = chosen
                continue
        path += (key,)
        t = W.descend(t, key)[0] if t is not None else None
    return Err(path, unions, etype, field=field, on_key=on_key)


def err_from(e: Any) -> Err:
    """A pydantic error dict as an Err (data path separated from union tags; `ctx["at"]` applied)."""
    err = _split_loc(tuple(e["loc"]), e["type"])
    err.msg = e.get("msg", "")
    err.ctx = dict(e.get("ctx") or {})
    err.input = e.get("input")
    at = err.ctx.get("at")
    if at:
        err.path = err.path + tuple(at.split("."))
    return err


@dataclass
class Seen:
    """What a handler knows about the value an error is about."""

    err: Err
    path: DataPath
    t: Any  # the schema type there
    meta: W.Meta  # its constraints
    value: Any  # the value in the data
    scalar: tuple[str, str | None] | None  # the value as written, and its quoting style
    shown: str  # the value as a message quotes it


def is_key_path(path: DataPath) -> bool:
    """Is the last step of `path` a key that is itself data (an actor id under `payoffs`)?"""
    if not path or not isinstance(path[-1], str):
        return False
    parent = W.strip(W.type_at(path[:-1])[0])[0]
    return get_origin(parent) is dict


class Translator:
    """Problems for one scenario's data, placed with its positions (None: data not from a file)."""

    def __init__(self, positions: Positions | None, data: Any, filename: str):
        self.positions = positions
        self.data = data
        self.filename = filename

    # --- where ------------------------------------------------------------------------------

    def mark(self, path: DataPath, key: bool = False) -> Mark | None:
        pos = self.positions
        if pos is None:
            return None
        p = tuple(path)
        if key and p in pos.keys:
            return pos.keys[p]
        while True:
            if p in pos.values:
                # a block collection's value starts on a later line: point at its key instead
                if p in pos.keys and isinstance(W.get(self.data, p), (dict, list)):
                    return pos.keys[p]
                return pos.values[p]
            if p in pos.keys:
                return pos.keys[p]
            if not p:
                return Mark(self.filename, 1, 1)
            p = p[:-1]

    def line_of(self, path: DataPath) -> str | None:
        """'line 12' (or 'line 12 of base.yaml' in another file) where `path` stands, else its path."""
        m = self.mark(path)
        if m is None:
            return show_path(path)
        return f"line {m.line}" + ("" if m.file == self.filename else f" of {m.file}")

    def problem(self, path: DataPath, message: str, key: bool = False) -> Problem:
        m = self.mark(path, key)
        shown = path[:-1] if path and isinstance(path[-1], str) and message.startswith(f"{path[-1]} ") else path
        prefix = f"{show_path(shown)}: " if shown else ""
        if m is None:
            return Problem(self.filename, 0, 0, prefix + message, path)
        return Problem(m.file, m.line, m.column, prefix + message, path)

    # --- errors -----------------------------------------------------------------------------

    def problems(self, errors: list[Any]) -> list[Problem]:
        """pydantic's error dicts -> problems (one per location, unions collapsed)."""
        return self._resolve_unions([err_from(e) for e in errors])

    def _resolve_unions(self, errs: list[Err]) -> list[Problem]:
        plain: list[Err] = []
        groups: dict[DataPath, list[Err]] = {}
        missing: dict[DataPath, Err] = {}
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
                plain.append(err)
        # an unknown key that is a misspelling of a missing key: one message, not two
        for err in plain:
            if err.type == "extra_forbidden" and err.path[:-1] in missing:
                model = W.model_of(W.type_at(err.path[:-1], err.chosen)[0])
                hint = S.closest(err.field, model.model_fields) if model else None
                if hint in missing[err.path[:-1]].field:
                    err.ctx["required"] = True
                    missing[err.path[:-1]].field.remove(hint)
        out = [self.one(err) for err in plain]
        out.extend(self.one(err) for err in missing.values() if err.field)
        for upath, group in groups.items():
            tags: dict[Any, list[Err]] = {}
            for err in group:
                tags.setdefault(err.unions[0][1], []).append(err)
            value = W.get(self.data, upath)
            best = self._pick(upath, tags, value)
            if best is not None:
                for err in tags[best]:
                    err.unions = err.unions[1:]
                    err.chosen[upath] = best
                out.extend(self._resolve_unions(tags[best]))
            else:
                out.append(self._union_message(upath, value))
        return out

    def _pick(self, upath: DataPath, tags: dict[Any, list[Err]], value: Any) -> Any:
        """The union member the author meant: the one whose keys the value uses, with the fewest errors."""
        if len(tags) == 1:
            return next(iter(tags))
        union_t = W.strip(W.type_at(upath)[0])[0]
        members = {}
        for tag in tags:
            m = next((x for x in W.members(union_t) if W.tag_matches(x, tag)), None) if union_t is not None and W.is_union(union_t) else None
            members[tag] = W.strip(m)[0] if m is not None else None
        if isinstance(value, dict):
            cands = {t: m for t, m in members.items() if m is not None and W.is_model(m) and any(k in value for k in m.model_fields)}
        else:
            cands = {t: m for t, m in members.items() if m is not None and not W.is_model(m)}
            if isinstance(value, (bool, str, list)) or value is None:
                return None  # a scalar union (e.g. a number) got the wrong kind of value
        if not cands:
            return None
        scores = sorted((len(tags[t]), t) for t in cands)
        if len(scores) > 1 and scores[0][0] == scores[1][0]:
            return None
        return scores[0][1]

    def _union_message(self, upath: DataPath, value: Any) -> Problem:
        union_t = W.strip(W.type_at(upath)[0])[0]
        shapes = []
        keys: set[str] = set()
        if union_t is not None and W.is_union(union_t):
            for m in W.members(union_t):
                bare, meta = W.strip(m)
                if W.is_model(bare):
                    shapes.append(W.shape(bare))
                    keys.update(bare.model_fields)
                elif bare is float:
                    lo, _, hi, _ = W.bounds(meta)
                    shapes.append(f"a number from {W.num(lo)} to {W.num(hi)}" if lo is not None and hi is not None else "a number")
                else:
                    shapes.append(getattr(bare, "__name__", str(bare)))
        noun = W.noun(upath)
        if isinstance(value, dict):
            got = "has keys " + ", ".join(map(str, value)) if value else "is an empty mapping"
            extra = ""
            for k in (k for k in value if k not in keys):
                hint = S.closest(k, keys)
                extra += f"; unknown key '{k}'" + (f" (did you mean '{hint}'?)" if hint else "")
            msg = f"this {noun} {got}, which matches none of the allowed shapes{extra}"
        else:
            msg = f"this {noun} is {show_value(value)}, which is not allowed"
        return self.problem(upath, f"{msg}; a {noun} is one of: {' or '.join(shapes)} (keys with '?' are optional)")

    def one(self, err: Err) -> Problem:
        """The problem for one error, from the handler for its type."""
        t, meta, _ = W.type_at(err.path, err.chosen)
        value = W.get(self.data, err.path)
        bare = W.strip(t)[0] if t is not None else None
        if bare is not None and W.is_union(bare) and len(W.members(bare)) > 1:
            # a union pydantic already chose from (e.g. a chance given as a number): use that member's limits
            for m in W.members(bare):
                mb, mm = W.strip(m)
                if W.is_model(mb) == isinstance(value, dict):
                    t, meta = m, mm
                    break
        scalar = self.positions.scalars.get(err.path) if self.positions else None
        shown = show_value(value)
        if scalar is not None and value is not None and not isinstance(value, (dict, list)):
            shown = repr(scalar[0]) if isinstance(value, str) else scalar[0]
        seen = Seen(err, err.path, t, meta, value, scalar, shown)
        if err.on_key and err.type not in ("missing", "extra_forbidden"):
            return self.dict_key(seen)
        handler = HANDLERS.get(err.type)
        if handler is None:  # our own checks (custom error types) carry their message
            msg = err.msg if err.type not in _PYDANTIC_TYPES else (err.msg[:1].lower() + err.msg[1:] if err.msg else err.type)
            return self.problem(err.path, msg)
        return handler(self, seen)

    # --- handlers, one per kind of error ------------------------------------------------------

    def missing(self, s: Seen) -> Problem:
        fields = s.err.field if isinstance(s.err.field, list) else [s.err.field]
        model = W.model_of(s.t)
        if len(fields) > 1:
            names = ", ".join(f"'{f}'" for f in fields)
            return self.problem(s.path, f"missing required keys {names}; add them to this {W.noun(s.path)}")
        field = fields[0]
        desc = ""
        if model is not None and field in model.model_fields:
            f = model.model_fields[field]
            d = f.description or W.describe(W.strip(f.annotation)[1])
            desc = f" ({d[0].lower() + d[1:].rstrip('.')})" if d else ""
        return self.problem(s.path, f"missing required key '{field}'{desc}; add '{field}:' to this {W.noun(s.path)}")

    def unknown_key(self, s: Seen) -> Problem:
        err = s.err
        model = W.model_of(W.type_at(s.path[:-1], err.chosen)[0])
        allowed = list(model.model_fields) if model else []
        hint = S.closest(err.field, allowed)
        msg = f"unknown key '{err.field}'"
        if hint and err.ctx.get("required"):
            msg += f" (did you mean '{hint}'? '{hint}' is required and missing)"
        elif hint:
            msg += f" (did you mean '{hint}'?)"
        else:
            msg += self._belongs(model, s.path)
        msg += f"; allowed keys here: {', '.join(allowed)}" if allowed else ""
        if " " in str(err.field) and not hint:
            msg += ("; this looks like the end of a text cut at a comma: inside {...} put text "
                    "that contains a comma in quotes, e.g. rationale: \"Old, and still in dispute.\"")
        return self.problem(s.path, msg, key=True)

    def _belongs(self, model: type[BaseModel] | None, path: DataPath) -> str:
        """' here: it belongs inside `offer`...' when a key of a nested mapping was written one level too far out."""
        if model is None:
            return ""
        key = path[-1]
        homes = _homes(model, key)
        if not homes:
            return ""
        parent = W.get(self.data, path[:-1])
        keys = list(parent) if isinstance(parent, dict) else []
        above = keys[keys.index(key) - 1] if key in keys and keys.index(key) > 0 else None
        near = next((h for h in homes if h.split(".")[0] == above), None)
        if near is not None:
            return f" at this level: it belongs inside `{near}`, so indent it under `{above}:` above it"
        where = " or ".join(f"`{h}`" for h in homes[:4])
        return f" at this level: it belongs inside {where}; indent it under that key"

    def dict_key(self, s: Seen) -> Problem:  # a dict key (payoffs: ACTOR_ID, turn: {min/max})
        key = s.path[-1] if s.path else "?"
        if s.err.type == "literal_error":
            return self.problem(s.path, f"key '{key}' is not allowed; use {s.err.ctx.get('expected', '')}", key=True)
        if s.err.type == "string_pattern_mismatch":
            return self.problem(s.path, f"'{key}' is not a valid actor id; {_id_rule(key)}", key=True)
        return self.problem(s.path, f"key '{key}': {s.err.msg}", key=True)

    def text(self, s: Seen) -> Problem:
        if s.scalar is not None and not s.scalar[1] and s.value is not None and not isinstance(s.value, (dict, list)):
            word = "word" if isinstance(s.value, bool) else "value"
            msg = (f"expected text, but YAML reads the unquoted {word} {s.scalar[0]} as {kind_of(s.value)}; "
                   f"write it in quotes ('{s.scalar[0]}') to mean the text")
        elif s.value is None:
            msg = "expected text, got an empty value; write the text after the ':'"
            if self._comment_after(s.path):
                msg = ("expected text, got an empty value: in YAML ' #' starts a comment, so a colour "
                       "must be in quotes, e.g. colour: \"#0072b2\"")
        else:
            msg = f"expected text, got {kind_of(s.value)}; write plain text here"
        return self.problem(s.path, msg)

    def pattern(self, s: Seen) -> Problem:
        if str(s.err.ctx.get("pattern", "")).startswith("^#"):
            return self.problem(s.path, f"{s.shown} is not a colour; write it as #RRGGBB in quotes, e.g. \"#0072b2\"")
        return self.problem(s.path, f"{s.shown} is not a valid id; {_id_rule(s.value)}")

    def empty_text(self, s: Seen) -> Problem:
        return self.problem(s.path, "must not be empty; write some text")

    def long_text(self, s: Seen) -> Problem:
        n = len(s.value) if isinstance(s.value, str) else "?"
        return self.problem(s.path, f"text is too long ({n} characters); allowed: at most {s.err.ctx.get('max_length')} characters")

    def literal(self, s: Seen) -> Problem:
        expected = s.err.ctx.get("expected", "")
        hint = S.closest(s.value, re.findall(r"'([^']*)'", expected)) if isinstance(s.value, str) else None
        msg = f"{s.shown} is not allowed" + (f" (did you mean '{hint}'?)" if hint else "")
        return self.problem(s.path, f"{msg}; allowed: {expected}")

    def too_few(self, s: Seen) -> Problem:
        n, want = s.err.ctx.get("actual_length"), s.err.ctx.get("min_length")
        return self.problem(s.path, f"needs at least {want} item{'s' if want != 1 else ''}, has {n}; add {'more' if n else 'some'}")

    def too_many(self, s: Seen) -> Problem:
        n = s.err.ctx.get("actual_length")
        if s.path == ("actors",) and isinstance(n, int) and limits.too_many_actors(n):  # the one message every part gives
            return self.problem(s.path, f"{limits.too_many_actors(n)}; allowed: at most {limits.MAX_ACTORS} actors")
        return self.problem(s.path, f"has {n} items; allowed: at most {s.err.ctx.get('max_length')}")

    def not_finite(self, s: Seen) -> Problem:
        return self.problem(s.path, f"{s.shown} is not a finite number; {W.range_text(s.meta)}")

    def number(self, s: Seen) -> Problem:
        if isinstance(s.value, float) and not math.isfinite(s.value):  # .nan for a whole number
            return self.not_finite(s)
        whole = "a whole number" if s.err.type.startswith("int") else "a number"
        extra = f"; {W.range_text(s.meta)}" if W.bounds(s.meta) != (None, "", None, "") else ""
        if isinstance(s.value, str) and s.scalar is not None and s.scalar[1]:
            return self.problem(s.path, f"expected {whole}, got the text {s.shown} (in quotes); "
                                f"write the number without quotes{extra}")
        got = "an empty value" if s.value is None else f"{kind_of(s.value)} {s.shown}"
        return self.problem(s.path, f"expected {whole}, got {got}{extra}")

    def fraction(self, s: Seen) -> Problem:
        return self.problem(s.path, f"expected a whole number, got {s.shown}; {W.range_text(s.meta)}")

    def out_of_range(self, s: Seen) -> Problem:
        big = s.err.type.startswith("less")
        return self.problem(s.path, f"{s.shown} is too {'large' if big else 'small'}; {W.range_text(s.meta)}")

    def boolean(self, s: Seen) -> Problem:
        return self.problem(s.path, f"expected true or false, got {s.shown}")

    def date(self, s: Seen) -> Problem:
        return self.problem(s.path, f"expected a date written as YYYY-MM-DD (e.g. 2019-04-25), got {s.shown}")

    def not_list(self, s: Seen) -> Problem:
        got = "an empty value" if s.value is None else f"{kind_of(s.value)} {s.shown if not isinstance(s.value, dict) else ''}".rstrip()
        return self.problem(s.path, f"expected a list, got {got}; write one '- item' per line, or [a, b]"
                            + ("; an empty list is written []" if s.value is None else ""))

    def not_mapping(self, s: Seen) -> Problem:
        model = W.model_of(s.t)
        keys = f" with keys {W.shape(model)} (keys with '?' are optional)" if model else ""
        got = "an empty value" if s.value is None else f"{kind_of(s.value)} {s.shown if not isinstance(s.value, (dict, list)) else ''}".rstrip()
        msg = f"expected a mapping (key: value lines){keys}, got {got}"
        if model is not None:
            required = [n for n, f in model.model_fields.items() if f.is_required()]
            if isinstance(s.value, list) and len(required) == 1 and get_origin(W.strip(model.model_fields[required[0]].annotation)[0]) is list:
                msg += f"; to give this list, put it under '{required[0]}:'"
            elif isinstance(s.value, str) and len(required) == 1:
                lit = W.strip(model.model_fields[required[0]].annotation)[0]
                if get_origin(lit) is Literal and s.value in get_args(lit):
                    msg += f"; write {{{required[0]}: {s.value}}}"
        return self.problem(s.path, msg)

    def no_kind(self, s: Seen) -> Problem:
        return self.problem(s.path, "this event has no 'kind'; add 'kind: scheduled' (happens on a date) or 'kind: random' (may happen any turn)")

    def bad_kind(self, s: Seen) -> Problem:
        tag = s.err.ctx.get("tag", "")
        hint = S.closest(tag, re.findall(r"'([^']*)'", str(s.err.ctx.get("expected_tags", ""))))
        return self.problem(s.path + ("kind",), f"kind {show_value(tag)} is not allowed" + (f" (did you mean '{hint}'?)" if hint else "")
                            + f"; allowed: {s.err.ctx.get('expected_tags', '')}")

    def _comment_after(self, path: DataPath) -> bool:
        """Does the line where the value at `path` should be carry a ' #' comment after the key?"""
        if self.positions is None or path not in self.positions.keys:
            return False
        m = self.positions.keys[path]
        return " #" in self.positions.line_text(m)[m.column - 1 :]


def _homes(model: type[BaseModel], key: Any, depth: int = 2) -> list[str]:
    """Keys of `model` (dotted, up to `depth` levels down) whose mapping takes `key`."""
    out: list[str] = []
    for name, f in model.model_fields.items():
        inner = W.model_of(f.annotation)
        if inner is None:
            continue
        if key in inner.model_fields:
            out.append(name)
        elif depth > 1:
            out += [f"{name}.{h}" for h in _homes(inner, key, depth - 1)]
    return out


def _id_rule(value: Any) -> str:
    rule = "an id uses lower-case letters, digits, '_' or '-', and starts with a letter"
    if isinstance(value, str):
        slug = re.sub(r"[^a-z0-9_\-]+", "_", value.strip().lower()).strip("_-")
        if slug and not slug[0].isalpha():
            slug = "x_" + slug
        if slug and re.fullmatch(r"[a-z][a-z0-9_\-]*", slug) and slug != value:
            rule += f" (e.g. '{slug[:40]}')"
    return rule


Handler = Callable[[Translator, Seen], Problem]

HANDLERS: dict[str, Handler] = {
    "missing": Translator.missing,
    "extra_forbidden": Translator.unknown_key,
    "string_type": Translator.text,
    "string_pattern_mismatch": Translator.pattern,
    "string_too_short": Translator.empty_text,
    "string_too_long": Translator.long_text,
    "literal_error": Translator.literal,
    "too_short": Translator.too_few,
    "too_long": Translator.too_many,
    "finite_number": Translator.not_finite,
    "float_parsing": Translator.number,
    "float_type": Translator.number,
    "int_parsing": Translator.number,
    "int_type": Translator.number,
    "int_parsing_size": Translator.number,
    "int_from_float": Translator.fraction,
    "greater_than_equal": Translator.out_of_range,
    "greater_than": Translator.out_of_range,
    "less_than_equal": Translator.out_of_range,
    "less_than": Translator.out_of_range,
    "bool_type": Translator.boolean,
    "bool_parsing": Translator.boolean,
    "date_type": Translator.date,
    "date_parsing": Translator.date,
    "date_from_datetime_inexact": Translator.date,
    "date_from_datetime_parsing": Translator.date,
    "datetime_type": Translator.date,
    "list_type": Translator.not_list,
    "dict_type": Translator.not_mapping,
    "model_type": Translator.not_mapping,
    "model_attributes_type": Translator.not_mapping,
    "union_tag_not_found": Translator.no_kind,
    "union_tag_invalid": Translator.bad_kind,
}

# pydantic's own error types: any other is one of ours (its message is already in our words)
_PYDANTIC_TYPES = set(HANDLERS) | {"value_error", "assertion_error", "is_instance_of", "bool_type"}
