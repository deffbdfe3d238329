"""Overlays that help a class think: the advisor's forecasts (A), the lens on two leaders' stage
game (L, from the teacher's menu) and the teacher's menu itself (T): pause, undo the last confirm,
the timer, a shorter game, an event set off now, the advisor on or off."""

from __future__ import annotations

import html

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton

from game import advisor, lensview
from game import session as S
from game.ui import draw as D
from game.ui import theme as T
from game.ui.overlays import Overlay, TextOverlay

TIMERS = (0, 60, 90, 120, 180, 300)  # seconds per choice the teacher cycles through (0: off)


class AdvisorOverlay(Overlay):
    """'What if?': the planner's forecast for each of the team's moves, best first, with 95% intervals."""

    name = "advisor"
    box = (100, 40, 1080, 640)

    def __init__(self, app, actor: str):
        super().__init__(app)
        s = app.session
        self.advice = advisor.advise(s.state, actor)
        self.title = f"What if? The advisor for {s.name(actor)}"
        self.rows: list[tuple[pygame.Rect, advisor.Forecast]] = []

    def build(self):
        self.close = self.add(UIButton(self.L.r(1000, 620, 160, 46), "Close (Enter)", self.manager,
                                       object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        return self.dismissed_by(event, self.close) or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_a and self.app.close_overlay() is None)

    def draw(self, surf):
        super().draw(surf)
        L, adv = self.L, self.advice
        D.paragraph(surf, adv.lines()[0], L.font(16), T.TEXT, L.r(124, 104, 1032, 50), line_gap=1.0)
        fs = adv.forecasts
        if not fs:
            D.text(surf, "No move to forecast now.", L.font(20, True), T.NAVY, L.p(124, 170))
            return
        lo = min(f.low for f in fs)
        hi = max(f.high for f in fs)
        span = (hi - lo) or 1.0
        axis = L.r(520, 0, 360, 1)
        rh = min(60, 430 / len(fs))
        self.rows = []
        for k, f in enumerate(fs):
            y = 160 + k * rh
            row = L.r(124, y, 1032, rh - 4)
            self.rows.append((row, f))
            if k % 2 == 0:
                pygame.draw.rect(surf, T.PANEL_ALT, row)
            D.text(surf, f"{k + 1}. {f.label}", L.font(18, True), T.TEXT, L.p(132, y + 4), max_width=L.n(380))
            gap = "the best move" if k == 0 else f"{f.behind:.2f} behind the best ({f.behind_low:.2f} to {f.behind_high:.2f})"
            D.text(surf, gap, L.font(14), T.MUTED, L.p(132, y + 30), max_width=L.n(380))

            def x(v):
                return axis.x + int((v - lo) / span * axis.w)

            cy = L.p(0, y + rh / 2 - 2)[1]
            pygame.draw.line(surf, T.GRID, (axis.x, cy), (axis.right, cy), 1)
            pygame.draw.line(surf, T.NAVY, (x(f.low), cy), (x(f.high), cy), L.n(6))
            pygame.draw.circle(surf, T.ACCENT if k == 0 else T.NAVY, (x(f.value), cy), L.n(7))
            D.text(surf, f"{f.value:+.2f}  ({f.low:+.2f} to {f.high:+.2f})", L.font(16, True), T.TEXT, L.p(900, y + 4),
                   max_width=L.n(250))
            moved = ", ".join(f"{label.replace(' relation', '')} {d:+.2f}" for label, d in f.relations[:2])
            if moved:
                D.text(surf, f"moves most: {moved}", L.font(13), T.MUTED, L.p(900, y + 30), max_width=L.n(250))
        D.text(surf, f"points: {lo:+.1f}", L.font(13), T.MUTED, (axis.x, L.p(0, 600)[1]), "topleft")
        D.text(surf, f"{hi:+.1f}", L.font(13), T.MUTED, (axis.right, L.p(0, 600)[1]), "topright")


class LensOverlay(Overlay):
    """The lens: this month's stage game for two leaders, with dominant moves, equilibria and what
    the computer is likely to do (Tab: the next pair of leaders)."""

    name = "lens"
    box = (20, 20, 1240, 680)

    def __init__(self, app, pair: tuple[str, str] | None = None):
        super().__init__(app)
        s = app.session
        ids = s.actor_ids
        self.pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
        first = pair or (tuple(s.humans[:2]) if len(s.humans) >= 2 else None)
        self.k = self.pairs.index(first) if first in self.pairs else 0
        self.compute()

    def compute(self):
        s = self.app.session
        row, column = self.pairs[self.k]
        self.table = lensview.stage_table(s.state, row, column)
        self.title = f"The lens: {self.table.names[0]} and {self.table.names[1]}, {self.table.month}"

    def build(self):
        self.close = self.add(UIButton(self.L.r(1080, 640, 160, 46), "Close (Enter)", self.manager,
                                       object_id=ObjectID(class_id="@primary_button")))
        self.next_pair = self.add(UIButton(self.L.r(860, 640, 210, 46), "Other leaders (Tab)", self.manager))

    def handle(self, event):
        nxt = (event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.next_pair) or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_TAB)
        if nxt:
            self.k = (self.k + 1) % len(self.pairs)
            self.compute()
            return True
        return self.dismissed_by(event, self.close)

    def draw(self, surf):
        super().draw(surf)
        L, tb = self.L, self.table
        rows, cols = tb.labels
        head_w, top = 250, 178
        cw = min(150, (1200 - head_w) / max(1, len(cols)))
        rh = min(50, 300 / max(1, len(rows)))
        D.paragraph(surf, tb.lines()[0], L.font(14), T.TEXT, L.r(40, 80, 1200, 36), line_gap=1.0)
        small = L.font(12, True)
        for j, label in enumerate(cols):
            mark = " (dominant)" if tb.dominant[1] == j else ""
            D.paragraph(surf, label + mark, small, T.NAVY, L.r(40 + head_w + j * cw + 2, 120, cw - 6, 56), line_gap=0.95)
        self.cells = {}
        for i, label in enumerate(rows):
            y = top + i * rh
            mark = " (dominant)" if tb.dominant[0] == i else ""
            D.text(surf, label + mark, L.font(15, True), T.NAVY, L.p(44, y + rh / 2), "midleft", max_width=L.n(head_w - 10))
            for j in range(len(cols)):
                cell = L.r(40 + head_w + j * cw, y, cw - 4, rh - 4)
                self.cells[(i, j)] = cell
                eq = (i, j) in tb.pure
                pygame.draw.rect(surf, (255, 244, 214) if eq else T.PANEL, cell)
                pygame.draw.rect(surf, T.ACCENT if eq else T.BORDER, cell, L.n(4) if eq else 1)
                a, b = tb.payoff[i, j]
                at = (cell.centerx, cell.centery - (L.n(6) if eq else 0))
                D.text(surf, f"{a:+.1f} / {b:+.1f}", L.font(15, True), T.TEXT, at, "center", max_width=cell.w - L.n(6))
                if eq:
                    D.text(surf, "equilibrium", L.font(11, True), T.NAVY, (cell.centerx, cell.bottom - L.n(2)), "midbottom")
        y = top + len(rows) * rh + 10
        notes = tb.lines()[1:]
        for line in notes:
            y = D.paragraph(surf, line, L.font(15), T.TEXT, pygame.Rect(L.p(44, 0)[0], L.p(0, y)[1], L.n(1180), L.n(60)),
                            line_gap=1.0)
            y = (y - self.L.oy) / self.L.s + 2


class TeacherOverlay(Overlay):
    """The teacher's controls (T): pause, undo the last confirm, the timer, a shorter game, an event
    now, the advisor, the lens."""

    name = "teacher"
    title = "Teacher"
    box = (390, 50, 500, 610)

    def build(self):
        s, L = self.app.session, self.L
        st = s.settings
        before = s.phase in S.BEFORE_RESOLUTION
        items = [
            (("Resume the class  (P)" if s.paused else "Pause  (P)"), "pause", True),
            ("Undo the last confirm  (U)", "undo", before and bool(s.actions)),
            (f"Timer: {_timer_words(st.timer)}  (change)", "timer", True),
            (f"Game length: {s.last_turn} months  (change)", "length", True),
            (f"Advisor: {'on' if st.advisor else 'off'}  (switch)", "advisor", True),
            ("Set off an event now…", "event", before),
            ("The lens on two leaders  (L)", "lens", not s.state.is_terminal()),
            (f"Text size: {T.text_scale:.0%}  (change)", "text", True),
            (f"High contrast: {'on' if T.high_contrast else 'off'}  (switch)", "contrast", True),
        ]
        self.actions = {}
        y = 118
        for label, action, enabled in items:
            b = self.add(UIButton(L.r(420, y, 440, 46), label, self.manager))
            if not enabled:
                b.disable()
            self.actions[b] = action
            y += 52
        self.close = self.add(UIButton(L.r(700, 600, 160, 46), "Close (Enter)", self.manager,
                                       object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        keys = {pygame.K_p: "pause", pygame.K_u: "undo", pygame.K_l: "lens"}
        action = None
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in self.actions:
            action = self.actions[event.ui_element]
            if not event.ui_element.is_enabled:
                return True
        elif event.type == pygame.KEYDOWN and event.key in keys:
            action = keys[event.key]
        if action is None:
            return self.dismissed_by(event, self.close)
        self.do(action)
        return True

    def do(self, action: str) -> None:
        app, s = self.app, self.app.session
        st = s.settings
        if action == "pause":
            s.pause(not s.paused)
        elif action == "undo":
            said = s.undo()
            app.close_overlay()
            app.show_message("Undone", said or "Nothing to undo: no move has been confirmed this month.")
            return
        elif action == "timer":
            st.timer = TIMERS[(TIMERS.index(st.timer) + 1) % len(TIMERS)] if st.timer in TIMERS else 0
            s.time_left = float(st.timer)
        elif action == "length":
            s.settings.last_turn = next_length(s)
        elif action == "advisor":
            st.advisor = not st.advisor
        elif action == "event":
            app.open_overlay(EventOverlay(app))
            return
        elif action == "lens":
            app.open_overlay(LensOverlay(app))
            return
        elif action in ("text", "contrast"):
            scale = T.TEXT_SCALES[(T.TEXT_SCALES.index(T.text_scale) + 1) % len(T.TEXT_SCALES)] if action == "text" else None
            app.set_display(scale, (not T.high_contrast) if action == "contrast" else None)  # rebuilds this menu too
            return
        self.rebuild()


def _timer_words(seconds: int) -> str:
    return "off" if not seconds else f"{seconds} s per choice"


def next_length(s) -> int | None:
    """The next shorter game length, cycling down from the scenario's length, never before the month in play."""
    full = s.game.turns
    options = sorted({full, *range(6, full, 3)}, reverse=True)
    options = [n for n in options if n > s.state.turn]
    now = s.last_turn
    later = [n for n in options if n < now]
    pick = later[0] if later else options[0]
    return None if pick == full else pick


class EventOverlay(Overlay):
    """The teacher sets off a random event of the scenario now (its effects, then every team chooses again)."""

    name = "event"
    title = "Set off an event now"
    box = (240, 40, 800, 640)

    def build(self):
        L, s = self.L, self.app.session
        self.choices = {}
        events = s.random_events()
        bh = min(50, 480 / max(1, len(events)))
        for k, (oid, label) in enumerate(events):
            b = self.add(UIButton(L.r(270, 110 + k * (bh + 4), 740, bh), label, self.manager))
            self.choices[b] = oid
        self.close = self.add(UIButton(L.r(860, 620, 160, 46), "Back (Enter)", self.manager,
                                       object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in self.choices:
            s = self.app.session
            s.inject(self.choices[event.ui_element])
            self.app.close_overlay()
            table = self.app.screen
            if getattr(table, "name", "") == "table":
                table.sync()
            return True
        return self.dismissed_by(event, self.close)


def brief_overlay(app, actor: str) -> TextOverlay:
    b = app.session.brief(actor)
    body = "<br>".join(f"<b>{html.escape(line)}</b>" if line.endswith(":") else html.escape(line) for line in b.lines())
    return TextOverlay(app, "brief", f"Role brief: {b.name}", body)
