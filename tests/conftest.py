"""Shared fixtures: the small test scenario, as data and compiled."""

import contextlib
import copy
import subprocess
import time
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


# --- building small scenarios for hand-computed cases --------------------------------------


def quiet(data: dict) -> dict:
    """Remove every random number that moves the state (shocks, noise, random events), so a
    turn can be computed by hand; factors still revert and relations still drift."""
    for f in data["factors"]:
        f["dynamics"]["volatility"] = 0
    data["relations"]["volatility"] = 0
    data["events"] = []
    for am in data["moves"]:
        for m in am["moves"]:
            for key in ("effects", "on_failure", "on_blocked"):
                for e in m.get(key, {}).get("factors", []) + m.get(key, {}).get("relations", []):
                    e.pop("noise", None)
    return data


def move_of(data: dict, move_id: str) -> dict:
    """The dict of a move in scenario data (to edit it in place)."""
    return next(m for am in data["moves"] for m in am["moves"] if m["id"] == move_id)


def add_move(data: dict, actor: str, move: dict) -> dict:
    """Append a move to an actor's list (label, description and rationale filled in)."""
    full = {"label": move["id"][:40], "description": "A test move.", "rationale": "Test.", **move}
    next(am for am in data["moves"] if am["actor"] == actor)["moves"].append(full)
    return full


@contextlib.contextmanager
def virtual_display(number: int):
    """A private Xvfb display :number (1600x900) for a real window; stopped afterwards."""
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)
