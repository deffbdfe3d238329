"""Where the shipped scenarios and the game's assets are: inside the package when Summit is
installed from a wheel (`game/scenarios`, `game/assets`, copied there by setup.py's build step),
at the top of the repository in a checkout (where the docs point)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _folder(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


SCENARIOS = _folder("scenarios")
ASSETS = _folder("assets")
