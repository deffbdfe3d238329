"""The one way in: read a scenario file safely, resolve what it `extends`, check it, and explain
every problem as ``FILE:LINE:COLUMN: what is wrong; what is allowed``.

    loaded = load("my-scenario.yaml")       # Loaded: .scenario, .data, .positions, .files
    loaded.scenario                         # the validated game.schema.Scenario
    loaded.changed([Setting("factors.oil.initial", 40)])   # --set, sweeps, designs: same checks

Every command reads scenarios through `load` (or `parse_scenario` for data already in memory,
such as a save's or a batch point's), so every command accepts exactly the files `validate`
accepts, with the same messages. The steps, one module each:

* `reader`: bytes to text to plain data, with the position of every key and value (YAML read
  event by event: no aliases, tags or duplicate keys; size and depth capped);
* `inherit`: a file that `extends` another is resolved into one document, each value keeping
  the position of the line (and file) that wrote it;
* `translate`: pydantic's structural errors in the format's words, one handler per kind;
* `references`: the rules between entries (ids, dates, conditions that can hold, effect sizes);
  `repair` checks them even while the structure has errors, on a repaired copy;
* `overrides`: changes by path (`--set`, `--sweep`, design points, `extends`' set/add/remove).

Problems are sorted by file and line; at most ``MAX_PROBLEMS`` are listed. A problem without a
position (missing file, data not from a file) has line and column 0.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from game import schema as S

from . import inherit
from .overrides import OverrideError, Setting, apply
from .problems import MAX_PROBLEMS, DataPath, Problem, ScenarioError, finish, kind_of, show_value
from .reader import MAX_BYTES, MAX_DEPTH, MAX_NODES, Document, Mark, Positions, decode, read_bytes, read_file, read_yaml
from .references import reference_problems
from .repair import references_despite
from .translate import Translator, err_from, is_key_path

__all__ = [
    "MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "MAX_PROBLEMS", "Document", "Loaded", "Mark", "OverrideError",
    "Positions", "Problem", "ScenarioError", "Setting", "decode", "load", "load_scenario", "load_text", "loads",
    "parse_scenario", "read_bytes", "read_file", "read_yaml", "reference_problems",
]

_MAX_ERRORS = 300  # structural errors explained one by one; beyond that the file is hopeless anyway


@dataclass(frozen=True)
class Loaded:
    """A checked scenario, the plain data it was checked from (an `extends` resolved, changes
    applied) and where each value of that data stands in its file."""

    scenario: S.Scenario
    data: dict[str, Any]
    positions: Positions
    filename: str
    files: tuple[Path, ...] = ()  # the files read: the scenario's own, then those it extends
    raw: bytes = b""  # the scenario file's own bytes, as read
    settings: tuple[Setting, ...] = field(default=())  # changes applied since it was read

    @property
    def extends(self) -> bool:
        return len(self.files) > 1

    def changed(self, settings: list[Setting] | tuple[Setting, ...], label: str | None = None) -> Loaded:
        """The scenario with `settings` applied to its data, checked by the same code as a file.
        Raises OverrideError for a path that does not exist, ScenarioError for a value not allowed."""
        if not settings:
            return self
        data = apply(self.data, list(settings))
        name = label or f"{self.filename} with " + ", ".join(s.text for s in settings)
        scenario = check(data, name, self.positions)
        return replace(self, scenario=scenario, data=data, settings=self.settings + tuple(settings))

    def self_contained(self) -> bytes:
        """The scenario as one file: its own bytes, or for a file that extends another, the
        resolved data written out (so that a batch's copy needs no other file)."""
        if not self.extends:
            return self.raw
        import yaml

        head = (f"# {self.filename} with what it extends ({', '.join(str(f) for f in self.files[1:])}) resolved "
                "into one file by Summit.\n")
        body: str = yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=120)
        return (head + body).encode("utf-8")


def load(path: str | os.PathLike[str]) -> Loaded:
    """Read and check a scenario file (and whatever it extends). Raises ScenarioError listing
    every problem, each at the line of the file that wrote it."""
    name = str(path)
    raw = read_bytes(path, name)
    doc, files = _document(decode(raw, name), name, Path(path), ())
    return _loaded(doc, files, raw)


def loads(text: str, filename: str = "<text>") -> Loaded:
    """Read and check a scenario from YAML text (an `extends` is looked up next to `filename`)."""
    doc, files = _document(text, filename, Path(filename), ())
    return _loaded(doc, files, text.encode("utf-8"))


def load_scenario(path: str | os.PathLike[str]) -> S.Scenario:
    """Read and check a scenario file. Raises ScenarioError listing every problem in the file."""
    return load(path).scenario


def load_text(text: str, filename: str = "<text>") -> S.Scenario:
    """Read a scenario from YAML text. Raises ScenarioError listing every problem."""
    return loads(text, filename).scenario


def parse_scenario(data: Any, filename: str = "<data>") -> S.Scenario:
    """Check scenario data already in memory (a save's, a batch point's): each message names its path."""
    return check(data, filename, None)


def _loaded(doc: Document, files: tuple[Path, ...], raw: bytes) -> Loaded:
    try:
        scenario = _validate(doc.data, doc.filename, doc.positions, doc.problems, doc.tainted)
    except ScenarioError:
        raise
    except Exception as exc:  # never a traceback for a bad file
        raise ScenarioError([Problem(doc.filename, 0, 0, f"could not read the scenario ({type(exc).__name__}: {exc}); "
                                     "please report this as a bug")]) from None
    return Loaded(scenario, doc.data, doc.positions, doc.filename, files, raw)


def _document(text: str, name: str, path: Path, chain: tuple[Path, ...]) -> tuple[Document, tuple[Path, ...]]:
    """The file's data with what it extends resolved, and the files read (this one first)."""
    doc = read_yaml(text, name)
    base = inherit.base_name(doc)
    if base is None:
        return doc, (path,)
    here = path.resolve()
    if here in chain or len(chain) >= inherit.MAX_CHAIN:
        loop = " -> ".join(p.name for p in (*chain, here))
        raise ScenarioError([Problem(name, 0, 0, f"extends: the files extend each other in a loop ({loop}), or more than "
                                     f"{inherit.MAX_CHAIN} deep; a scenario must end in one that extends nothing")])
    base_path = inherit.find_base(base, path.parent, doc)
    base_doc, base_files = _document(read_file(base_path), str(base_path), base_path, (*chain, here))
    if not isinstance(base_doc.data, dict):
        raise ScenarioError(finish(base_doc.problems or [Problem(str(base_path), 1, 1, "the file holds no scenario")]))
    if not isinstance(doc.data, dict):
        raise ScenarioError(finish(doc.problems or [Problem(name, 1, 1, "the file holds no scenario")]))
    return inherit.merge(doc, base_doc), (path, *base_files)


def check(data: Any, filename: str, positions: Positions | None) -> S.Scenario:
    """Check data (from a file when `positions` says where each value stands) against the format."""
    try:
        return _validate(data, filename, positions, [], set())
    except ScenarioError:
        raise
    except Exception as exc:
        raise ScenarioError([Problem(filename, 0, 0, f"could not check the scenario ({type(exc).__name__}: {exc})")]) from None


def _validate(data: Any, filename: str, positions: Positions | None, problems: list[Problem], tainted: set[DataPath]) -> S.Scenario:
    problems = list(problems)
    if not isinstance(data, dict):
        raise ScenarioError(finish(problems + ([] if data is None and problems else [_not_a_scenario(data, filename, positions)])))
    tr = Translator(positions, data, filename)
    try:
        scenario = S.Scenario.model_validate(data, context={"skip_references": True})
    except ValidationError as exc:
        raw = exc.errors(include_url=False)
        structural = [p for p in tr.problems(raw[:_MAX_ERRORS]) if not any(p.path[: len(t)] == t for t in tainted)]
        problems.extend(structural)
        if len(raw) > _MAX_ERRORS:  # a file this broken: explain the first ones, quickly
            more = Problem(filename, 0, 0, f"... and more problems (only the first {_MAX_ERRORS} errors are explained); fix the ones above first")
            raise ScenarioError(finish(problems)[:MAX_PROBLEMS] + [more]) from None
        problems.extend(references_despite(data, [err_from(e) for e in raw], tr))
        raise ScenarioError(finish(problems)) from None
    from .references import check as rules

    for ref in rules(scenario):
        message = ref.message if ref.first is None else ref.message.replace("{first}", tr.line_of(ref.first) or "")
        problems.append(tr.problem(ref.path, message, key=is_key_path(ref.path)))
    if problems:
        raise ScenarioError(finish(problems))
    return scenario


def _not_a_scenario(data: Any, filename: str, positions: Positions | None) -> Problem:
    if data is None:
        msg = "the file holds no data; a scenario is a mapping that starts with keys like 'id:' and 'title:'"
    elif isinstance(data, list):
        msg = "the top level is a list; a scenario is a mapping of keys (id:, title:, actors:, ...), not a list of items"
    else:
        msg = (f"the file holds a single value ({kind_of(data)} {show_value(data)}), not a scenario; "
               "a scenario is a mapping that starts with keys like 'id:' and 'title:'")
    m = positions.values.get(()) if positions is not None else None
    return Problem(m.file if m else filename, m.line if m else (1 if positions is not None else 0), m.column if m else (1 if positions is not None else 0), msg)
