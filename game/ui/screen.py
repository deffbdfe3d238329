"""Base class of screens and overlays: widgets are rebuilt on every resize."""

from __future__ import annotations

import pygame


class Screen:
    """A full screen (start, table, debrief). Subclasses keep their logical state in
    attributes and (re)create pygame_gui widgets in ``build``; ``widgets`` are killed on
    teardown and hidden while an overlay is open."""

    name = "screen"

    def __init__(self, app):
        self.app = app
        self.widgets: list = []

    @property
    def L(self):
        return self.app.layout

    @property
    def manager(self):
        return self.app.manager

    def add(self, widget):
        self.widgets.append(widget)
        return widget

    def build(self):
        pass

    def teardown(self):
        for w in self.widgets:
            try:
                w.kill()
            except Exception:  # noqa: BLE001
                pass
        self.widgets = []

    def rebuild(self):
        self.teardown()
        self.build()

    def set_visible(self, visible: bool):
        for w in self.widgets:
            try:
                w.show() if visible else w.hide()
            except Exception:  # noqa: BLE001
                pass

    def handle(self, event: pygame.event.Event) -> bool:
        """Return True when the event was used."""
        return False

    def update(self, dt: float):
        pass

    def draw(self, surf: pygame.Surface):
        pass

    def on_close(self):
        pass
