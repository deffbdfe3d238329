"""Helpers shared by the sub-commands: open a scenario (or raise the error that says why not)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..compiled import Game
from ..loader import Loaded, load
from ..loader.overrides import parse_set


def scenario_path(name: str) -> Path:
    """A path, or the id of a shipped scenario (UnknownScenario, a usage error, otherwise)."""
    from ..catalog import find_scenario

    return Path(find_scenario(name))


def open_loaded(name: str, sets: list[str] | None = None) -> Loaded:
    """Load a scenario (a file or a shipped id) through the one pipeline, with `--set` changes
    applied and checked like the file; ScenarioError or UsageError saying why not."""
    loaded = load(scenario_path(name))
    return loaded.changed([parse_set(t) for t in sets or []])


def open_game(name: str, sets: list[str] | None = None) -> Game:
    """Load and compile a scenario; ScenarioError (every problem in it) or UsageError otherwise."""
    return Game(open_loaded(name, sets).scenario)


SET_HELP = "change a number of the scenario first, e.g. factors.oil_price.initial=40 (repeatable; as batch --set)"


def whole_number(text: str) -> int:
    """argparse type: an integer, with a plain message otherwise."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


AI_HELP = ("how the computer plays: fast (default: what the scenario says), planner (Monte Carlo look-ahead), "
           "scripted:MOVE[,MOVE...], or per leader, e.g. 'kim=planner;trump=fast'")


def ai_spec(text: str) -> str:
    """argparse type for --ai: checked here, kept as text (it goes into manifests and commands)."""
    from ..strategies import parse_spec

    try:
        parse_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text
