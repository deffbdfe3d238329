"""Helpers shared by the sub-commands: open a scenario or explain why not."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..compiled import Game
from ..loader import ScenarioError, load_scenario


class CommandError(Exception):
    """A user-facing problem: printed as is, with the exit code given."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def scenario_path(name: str) -> Path:
    """A path, or the id of a shipped scenario."""
    try:
        from ..catalog import find_scenario
    except ImportError:  # pragma: no cover - catalog always ships
        return Path(name)
    return Path(find_scenario(name))


def open_game(name: str) -> Game:
    """Load and compile a scenario, or raise CommandError with every problem in it."""
    try:
        return Game(load_scenario(scenario_path(name)))
    except ScenarioError as exc:
        raise CommandError(str(exc), 1) from None
    except (LookupError, OSError, ValueError) as exc:
        raise CommandError(f"{name}: {exc}", 2) from None


def fail(exc: CommandError) -> int:
    print(str(exc), file=sys.stderr)
    return exc.code


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
