"""The scenarios shipped with Summit, in ``scenarios/*.yaml`` at the top of the repository."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from game.data import SCENARIOS
from game.errors import UsageError
from game.loader import ScenarioError, load_scenario

SCENARIOS_DIR = SCENARIOS


class ShippedScenario(NamedTuple):
    """A shipped scenario that loads: unpacks as ``(id, title, path)``."""

    id: str
    title: str
    path: Path


class CatalogEntry(NamedTuple):
    """One file in ``scenarios/``: valid (``error`` is None) or not (``error`` says why)."""

    id: str | None
    title: str | None
    path: Path
    error: ScenarioError | None


class UnknownScenario(UsageError, LookupError):
    """No file and no shipped scenario by that name (the message lists what exists)."""


def scenario_files(directory: Path | None = None) -> list[Path]:
    """The ``*.yaml`` files of the scenarios folder, sorted by name."""
    d = Path(directory) if directory is not None else SCENARIOS_DIR
    if not d.is_dir():
        return []
    return sorted(p for p in d.glob("*.yaml") if p.is_file())


def scan(directory: Path | None = None) -> list[CatalogEntry]:
    """Every scenario file with its id and title, or the problems that keep it from loading."""
    out = []
    for path in scenario_files(directory):
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            out.append(CatalogEntry(None, None, path, exc))
        else:
            out.append(CatalogEntry(s.id, s.title, path, None))
    return out


def shipped_scenarios(directory: Path | None = None) -> list[ShippedScenario]:
    """The shipped scenarios that load, as ``(id, title, path)``; invalid files are skipped
    (``scan()`` or ``summit list`` shows them, ``summit validate`` says what is wrong)."""
    return [ShippedScenario(e.id, e.title, e.path) for e in scan(directory) if e.error is None]


def find_scenario(name_or_path: str | os.PathLike, directory: Path | None = None) -> Path:
    """A path to a scenario file: `name_or_path` itself if it exists, else the shipped scenario
    with that id (or file name without ``.yaml``). Raises UnknownScenario otherwise."""
    p = Path(name_or_path)
    if os.path.lexists(p):  # a broken or looping link too: the loader says what it is
        return p
    name = str(name_or_path)
    d = Path(directory) if directory is not None else SCENARIOS_DIR
    files = scenario_files(d)
    stem = name[:-5] if name.endswith(".yaml") else name
    if os.sep not in name and "/" not in name:
        for f in files:
            if f.stem == stem:
                return f
        for e in scan(d):
            if e.id == stem:
                return e.path
    import difflib

    known = sorted({f.stem for f in files} | {e.id for e in scan(d) if e.id})
    hint = difflib.get_close_matches(stem, known, n=1, cutoff=0.5)
    msg = "no such file, and no shipped scenario with that id"
    if hint:
        msg += f"; did you mean '{hint[0]}'?"
    msg += f" (shipped: {', '.join(known)})" if known else " (no scenarios are shipped yet)"
    raise UnknownScenario(msg)
