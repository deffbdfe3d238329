"""The front end's only door to the rest of the game: scenarios, the engine and its State API.

Imports are lazy so the start screen works (and reports problems) even while a module is
missing; the UI changes the game only through ``State``.
"""

from __future__ import annotations

import datetime as dt
import glob
from dataclasses import dataclass
from pathlib import Path

from game.ui.theme import ROOT

SCENARIO_DIR = ROOT / "scenarios"


@dataclass
class ScenarioEntry:
    id: str
    title: str
    path: Path


class ScenarioProblem(Exception):
    """A scenario that cannot be used; str() is the validator's messages, one per line."""


def shipped_scenarios() -> list[ScenarioEntry]:
    try:
        from game.catalog import shipped_scenarios as _shipped
    except ImportError:
        _shipped = None
    if _shipped is not None:
        try:
            return [ScenarioEntry(str(i), str(t), Path(p)) for i, t, p in _shipped()]
        except Exception:  # noqa: BLE001 - a broken catalog must not stop the start screen
            pass
    out = []
    for p in sorted(glob.glob(str(SCENARIO_DIR / "*.yaml")) + glob.glob(str(SCENARIO_DIR / "*.yml"))):
        path = Path(p)
        title = path.stem
        try:
            import yaml

            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
            if isinstance(data, dict):
                title = str(data.get("title", title))
        except Exception:  # noqa: BLE001
            pass
        out.append(ScenarioEntry(path.stem, title, path))
    return out


def find_scenario(name_or_path: str) -> Path:
    try:
        from game.catalog import find_scenario as _find
    except ImportError:
        _find = None
    if _find is not None:
        try:
            return Path(_find(name_or_path))
        except LookupError as exc:
            raise ScenarioProblem(str(exc)) from None
    p = Path(name_or_path)
    if p.exists():
        return p
    for entry in shipped_scenarios():
        if entry.id == name_or_path or entry.path.stem == name_or_path:
            return entry.path
    raise ScenarioProblem(f"{name_or_path}: no such scenario file or shipped scenario")


def load_scenario(path) -> object:
    """A validated Scenario, or ScenarioProblem with the validator's messages."""
    path = Path(path)
    try:
        from game.loader import ScenarioError, load_scenario as _load
    except ImportError:
        _load = None
    if _load is not None:
        try:
            return _load(path)
        except ScenarioError as exc:
            raise ScenarioProblem(str(exc)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioProblem(f"{path}:1:1: cannot read the file: {exc}") from None
    # Fallback until game.loader exists: plain YAML + pydantic.
    import yaml
    from pydantic import ValidationError

    from game.schema import Scenario

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioProblem(f"{path}:1:1: cannot read the file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ScenarioProblem(f"{path}:{line}:{col}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ScenarioProblem(f"{path}:1:1: a scenario file must be a mapping of keys to values")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}:1:1: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ScenarioProblem("\n".join(lines)) from None


def compile_game(scenario):
    from game.compiled import Game

    return Game(scenario)


def state_class():
    from game.state import State

    return State


def simulate(game, seed, worlds):
    from game.state import simulate as _simulate

    return _simulate(game, seed, worlds)


def as_date(d):
    if isinstance(d, dt.date):
        return d
    try:
        return dt.date.fromisoformat(str(d)[:10])
    except ValueError:
        return None


def month_label(d) -> str:
    day = as_date(d)
    return day.strftime("%B %Y") if day else str(d)


def months_until(start: dt.date, date: dt.date) -> int:
    months = (date.year - start.year) * 12 + (date.month - start.month)
    if date.day < start.day:
        months -= 1
    return months
