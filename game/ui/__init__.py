"""The classroom front end (pygame-ce + pygame_gui). Entry point: ``game.ui.app.App``.

Screens: start.py, table.py, debrief.py, overlays.py (menu, help, messages, files, big chart);
drawing helpers: badges.py, charts.py, draw.py; words: texts.py (pure); the turn flow: game/session.py; the only door to
the engine: engine.py.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
