"""Shared fixtures: the small test scenario, as data and compiled."""

import copy
from pathlib import Path

import pytest
import yaml

from game.compiled import Game
from game.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
BASELINE = ROOT / "scenarios" / "vladivostok-2019.yaml"


@pytest.fixture(scope="session")
def tiny_data() -> dict:
    return yaml.safe_load(TINY.read_text())


@pytest.fixture
def tiny_copy(tiny_data) -> dict:
    return copy.deepcopy(tiny_data)


@pytest.fixture(scope="session")
def tiny_game(tiny_data) -> Game:
    return Game(Scenario.model_validate(tiny_data))


def make_game(data: dict) -> Game:
    return Game(Scenario.model_validate(data))
