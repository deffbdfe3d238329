"""The front end's only door to the rest of the game: scenarios and the Mesa model.

The UI changes the game only through ``SummitModel`` (its ``submit`` and ``step``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from game import catalog as _catalog
from game import loader as _loader
from game.compiled import Game
from game.errors import SummitError
from game.model import SummitModel
from game.model import simulate as _simulate
from game.schema import Scenario, months_between
from game.data import SCENARIOS

SCENARIO_DIR = SCENARIOS


@dataclass
class ScenarioEntry:
    id: str
    title: str
    path: Path


class ScenarioProblem(SummitError):
    """A scenario that cannot be used; str() is the validator's messages, one per line."""


def shipped_scenarios() -> list[ScenarioEntry]:
    return [ScenarioEntry(str(i), str(t), Path(p)) for i, t, p in _catalog.shipped_scenarios()]


def find_scenario(name_or_path: str) -> Path:
    try:
        return Path(_catalog.find_scenario(name_or_path))
    except LookupError as exc:
        raise ScenarioProblem(f"{name_or_path}: {exc}") from None


def load_scenario(path) -> Scenario:
    """A validated Scenario, or ScenarioProblem with the validator's messages."""
    try:
        return _loader.load_scenario(Path(path))
    except _loader.ScenarioError as exc:
        raise ScenarioProblem(str(exc)) from None


def compile_game(scenario: Scenario) -> Game:
    return Game(scenario)


def new_model(game: Game, humans=(), seed: int = 1, ai=None) -> SummitModel:
    """A class game: one world, the teams' seats, the computer's strategy for the rest."""
    return SummitModel(game, worlds=1, humans=humans, seed=int(seed), ai=ai)


def load_model(text: str) -> SummitModel:
    """A saved class game; ValueError with a message when the file is damaged."""
    return SummitModel.load(text)


def simulate(game: Game, seed: int, worlds):
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
    return months_between(start, date)
