"""The table: leaders as badges round a table, relation lines, predicted blocs, the factor
dashboard, the chart, the news log, and the move / hand-over / veto panels."""

from __future__ import annotations

import html
import math

import numpy as np
import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UITextBox

from game.ui import badges, charts, texts
from game.ui import draw as D
from game.ui import engine
from game import session as S
from game.ui import theme as T
from game.ui.screen import Screen

# design-space regions (1280x720)
TOP = (0, 0, 1280, 52)
TABLE = (10, 60, 590, 414)
DASH = (610, 60, 660, 414)
ACTION = (10, 484, 590, 228)
NEWS = (610, 484, 390, 228)
CHART = (1008, 484, 262, 228)
DETAILS = (610, 484, 660, 228)   # replaces news + chart while a leader vetoes
CHOOSER = (10, 484, 760, 228)    # while a leader chooses: wider move buttons ...
ABOUT = (780, 484, 490, 228)     # ... and the move's details beside them
TABLE_CX, TABLE_CY = 305, 252

DIE_W = 130  # the roll bar beside each result (design units)
RESULTS_GUARD = 0.6  # seconds: results stay at least this long after they appear, whatever is pressed
RESULT_WORD = texts.RESULT_WORD


def _fast(surface: pygame.Surface, alpha: bool = True) -> pygame.Surface:
    """The surface in the display's pixel format (blits several times faster)."""
    try:
        return surface.convert_alpha() if alpha else surface.convert()
    except pygame.error:  # no display mode set (never in the app)
        return surface


def place_label(size, a, b, occupied: list, area: pygame.Rect) -> pygame.Rect:
    """A box of `size` on the segment a-b (or just beside it) that overlaps nothing in `occupied`
    and stays inside `area`; else the spot that overlaps least."""
    w, h = size
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    best, best_cost = None, None
    for side in (0.0, 0.7, -0.7, 1.3, -1.3, 2.0, -2.0, 2.8, -2.8):
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88):
            cx = a[0] + dx * t + nx * side * h
            cy = a[1] + dy * t + ny * side * h
            box = pygame.Rect(0, 0, w, h)
            box.center = (int(cx), int(cy))
            box.clamp_ip(area)
            cost = 100 * sum((box.clip(o).w * box.clip(o).h) for o in occupied) + abs(side) + abs(t - 0.5)
            if best_cost is None or cost < best_cost:
                best, best_cost = box, cost
            if cost < 4:
                return box
    return best


def fmt_value(v: float, lo: float, hi: float) -> str:
    span = abs(hi - lo)
    if span >= 20:
        return f"{v:.0f}"
    if span >= 2:
        return f"{v:.1f}"
    return f"{v:.2f}"


def signed(v: float) -> str:
    return ("+" if v >= 0 else "−") + f"{abs(v):.2f}"


class TableScreen(Screen):
    name = "table"
    asks_before_closing = True  # closing the window mid-game autosaves and asks (App.close_window)

    def __init__(self, app):
        super().__init__(app)
        self.sel: int | None = None
        self.hover_move: int | None = None
        self.chart_mode = "relations"
        self._action_key = None
        self._news_len = -1
        self.action_widgets: list = []
        self.move_buttons: list = []
        self.static_widgets: list = []
        self._bloc_cache = {}
        self.anim_t = 1.0
        self.anim_duration = 1.4
        self.guard = 0.0  # seconds left during which a press cannot move past results just shown
        self.focus_answer: bool | None = None  # the answer the keyboard's focus is on (Tab), when a team is asked

    @property
    def session(self):
        return self.app.session

    @property
    def L(self):
        """The table uses the whole window: on a 4:3 projector its lower panels grow (L.extra)."""
        base = self.app.layout
        if getattr(self, "_tall_of", None) is not base:
            self._tall_of, self._tall = base, base.tall()
        return self._tall

    def low(self, rect) -> tuple:
        """A lower panel's design rectangle, stretched by the spare height."""
        x, y, w, h = rect
        return (x, y, w, h + self.L.extra)

    @property
    def animating(self) -> bool:
        return self.anim_t < 1.0 and self.session is not None and self.session.phase in (S.RESOLVED, S.EVENTS)

    def start_animation(self):
        self.anim_t = 0.0 if self.app.animate else 1.0
        self.guard = RESULTS_GUARD

    def shown(self):
        """What the table shows now: between the last two snapshots while animating."""
        s = self.session
        if not self.animating or s.before is None or s.after is None:
            return s.after
        t = D.ease(self.anim_t)
        b, a = s.before, s.after
        return S.Snapshot(b.factors + (a.factors - b.factors) * t, b.relations + (a.relations - b.relations) * t,
                          a.personas, a.blocs if t > 0.5 else b.blocs)

    # --- widgets --------------------------------------------------------------------------

    def build(self):
        L, m = self.L, self.manager
        self.help_button = self.add(UIButton(L.r(1040, 8, 106, 36), "Help (H)", m))
        self.menu_button = self.add(UIButton(L.r(1154, 8, 116, 36), "Menu (Esc)", m))
        self.chart_button = self.add(UIButton(L.r(1176, 490, 88, 28), "Big (C)", m,
                                              tool_tip_text="Show the relations and factors over the turns, full screen (C)"))
        self.news = self.add(UITextBox("", L.r(*self.low(NEWS)), m, object_id=ObjectID(class_id="@news")))
        self.static_widgets = list(self.widgets)
        self._news_len = -1
        self._action_key = None
        self.action_widgets = []
        self.sync()

    def teardown(self):
        super().teardown()
        self.action_widgets, self.move_buttons, self.static_widgets = [], [], []
        self._action_key = None

    def _kill_actions(self):
        for w in self.action_widgets:
            w.kill()
            if w in self.widgets:
                self.widgets.remove(w)
        self.action_widgets, self.move_buttons = [], []

    def _act(self, widget):
        self.action_widgets.append(widget)
        return self.add(widget)

    def sync(self):
        """Rebuild the action panel when the phase changes; refresh the news when a turn ends."""
        s = self.session
        if s is None:
            return
        key = (s.phase, s.current, s.question_index, s.state.turn, self.app.layout.s, self.app.layout.size, self.animating,
               self.guard > 0)
        if key != self._action_key:
            self._action_key = key
            self.sel, self.hover_move, self.focus_answer = None, None, None
            self._kill_actions()
            self._build_actions()
            self.refresh_visibility()
        if not self.animating and len(s.history) != self._news_len:
            self._news_len = len(s.history)
            self.news.set_text(self.news_html())

    def refresh_visibility(self):
        if self.app.overlay is not None:
            self.set_visible(False)
            return
        s = self.session
        hidden = s is not None and s.phase in (S.HANDOVER, S.QUESTION_HANDOVER)
        covered = s is not None and s.phase in (S.CHOOSE, S.QUESTION)  # the details panel covers news + chart
        for w in self.static_widgets:
            if hidden or (covered and w in (self.news, self.chart_button)):
                w.hide()
            else:
                w.show()
        for w in self.action_widgets:
            w.show()

    def _build_actions(self):
        L, m, s = self.L, self.manager, self.session
        ph = s.phase
        dy = L.extra  # spare height: buttons at the foot of the lower panels move down with it
        if ph in (S.HANDOVER, S.QUESTION_HANDOVER):
            self.ready_button = self._act(UIButton(L.r(490, 500 + dy / 2, 300, 60), "Ready  (Enter)", m,
                                                   object_id=ObjectID(class_id="@primary_button")))
        elif ph == S.CHOOSE:
            moves = s.numbered_moves()
            n = len(moves)
            cols = 1 if n <= 4 else 2 if n <= 10 else 3
            rows = (n + cols - 1) // cols
            area_h = 176 + dy
            bh = max(22, min(42, (area_h - 6 * (rows - 1)) // max(1, rows)))
            bw = (CHOOSER[2] - 24 - 8 * (cols - 1)) // cols
            for k, mv in enumerate(moves):
                c, r = k // rows, k % rows
                rect = L.r(22 + c * (bw + 8), 526 + r * (bh + 6), bw, bh)
                label = f"{mv.number}  {mv.label}" if mv.number <= 9 else f"    {mv.label}"
                if not mv.legal:
                    label += "  (not now)"
                b = self._act(UIButton(rect, label, m, tool_tip_text=self.move_tooltip(mv),
                                       object_id=ObjectID(class_id="@move_button" if mv.legal else "@unavailable_button")))
                self.move_buttons.append((b, mv))
            ax, ay, aw, ah = ABOUT
            self.details = self._act(UITextBox(self.move_html(None), L.r(ax, ay + 36, aw, ah + dy - 36 - 56), m))
            self.confirm_button = self._act(UIButton(L.r(ax + aw - 300, ay + ah + dy - 50, 300, 48), "Confirm  (Enter)", m,
                                                     object_id=ObjectID(class_id="@primary_button")))
            self.confirm_button.disable()
        elif ph == S.QUESTION:
            q = s.question
            self.veto_text = self._act(UITextBox(self.veto_html(q), L.r(*self.low(DETAILS)), m,
                                                 object_id=ObjectID(class_id="@big_text")))
            yes, no = ("1  Block it  (B)", "2  Let it pass  (L)") if q.kind == "block" else ("1  Accept  (A)", "2  Refuse  (R)")
            self.block_button = self._act(UIButton(L.r(22, 600 + dy, 276, 56), yes, m,
                                                   object_id=ObjectID(class_id="@danger_button" if q.kind == "block" else "@primary_button")))
            self.pass_button = self._act(UIButton(L.r(310, 600 + dy, 276, 56), no, m,
                                                  object_id=ObjectID(class_id="@primary_button" if q.kind == "block" else "@danger_button")))
        elif ph in (S.READY, S.EVENTS):
            label = "Play the month  (Space)" if ph == S.READY else "Continue  (Space)"
            self.play_button = self._act(UIButton(L.r(290, 650 + dy, 298, 52), label, m,
                                                  object_id=ObjectID(class_id="@primary_button")))
        elif self.animating:
            self.skip_button = self._act(UIButton(L.r(22, 660 + dy, 180, 44), "Skip  (Space)", m))
        elif ph in (S.RESOLVED, S.OVER):
            last = s.over
            label = "Debrief  (Space)" if last else "Next turn  (Space)"
            self.next_button = self._act(UIButton(L.r(340, 660 + dy, 248, 46), label, m,
                                                  object_id=ObjectID(class_id="@primary_button")))
            if self.guard > 0:
                self.next_button.disable()  # enabled once the results have stood a moment

    # --- words: pure functions of the session in game.ui.texts (tested without a window) --------------

    def move_tooltip(self, mv) -> str:
        return texts.move_tooltip(mv)

    def move_html(self, mv) -> str:
        return texts.move_html(self.session, mv)

    def brief_html(self, goals: int = 5) -> list[str]:
        return texts.brief_html(self.session, goals)

    def veto_html(self, q) -> str:
        return texts.veto_html(self.session, q)

    def news_html(self) -> str:
        return texts.news_html(self.session)

    # --- events ---------------------------------------------------------------------------

    def select(self, k: int):
        if 0 <= k < len(self.move_buttons):
            self.sel = k
            for i, (b, _) in enumerate(self.move_buttons):
                b.select() if i == k else b.unselect()
            mv = self.move_buttons[k][1]
            self.details.set_text(self.move_html(mv))
            self.confirm_button.enable() if mv.legal else self.confirm_button.disable()

    def confirm(self):
        s = self.session
        if s.phase == S.CHOOSE and self.sel is not None and self.sel < len(self.move_buttons) \
                and self.move_buttons[self.sel][1].legal:
            s.choose(self.move_buttons[self.sel][1].id)
            self.sync()

    def advance_flow(self):
        """Space / Enter outside choosing: play, skip, next turn or debrief."""
        s = self.session
        if self.animating:
            self.anim_t = 1.0  # skip the animation: the results stay, and the guard starts again
            self.guard = RESULTS_GUARD
        elif self.guard > 0 and s.phase in (S.RESOLVED, S.EVENTS, S.OVER):
            return  # a double click or a held key never skips the month's results
        elif s.phase == S.READY:
            s.play()
            self.app.autosave()  # every month: closing the window or a power cut loses nothing
            self.start_animation()
        elif s.phase == S.EVENTS:
            s.next()
        elif s.phase == S.RESOLVED:
            s.next()
            if s.phase == S.OVER:
                self.app.show_debrief()
                return
            if s.phase == S.EVENTS:
                s.before = s.snapshot(closed=True)
                self.start_animation()
        elif s.phase == S.OVER:
            self.app.show_debrief()
            return
        self.sync()

    def handle(self, event):
        s = self.session
        if s is None:
            return False
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            el = event.ui_element
            if el is self.menu_button:
                self.app.open_menu()
            elif el is self.help_button:
                self.app.open_help()
            elif el is self.chart_button:
                self.toggle_chart()
            elif s.phase in (S.HANDOVER, S.QUESTION_HANDOVER) and el is getattr(self, "ready_button", None):
                s.ready()
            elif s.phase == S.CHOOSE:
                for k, (b, _) in enumerate(self.move_buttons):
                    if el is b:
                        self.select(k)
                if el is getattr(self, "confirm_button", None):
                    self.confirm()
            elif s.phase == S.QUESTION and el is getattr(self, "block_button", None):
                s.answer(True)
            elif s.phase == S.QUESTION and el is getattr(self, "pass_button", None):
                s.answer(False)
            elif el in (getattr(self, "play_button", None), getattr(self, "skip_button", None), getattr(self, "next_button", None)):
                self.advance_flow()
                return True
            self.sync()
            return True
        if event.type != pygame.KEYDOWN:
            return False
        key = event.key
        if key == pygame.K_c:
            self.toggle_chart()
            return True
        if key in (pygame.K_PAGEDOWN, pygame.K_PAGEUP):
            from game.ui.overlays import scroll

            box = {S.CHOOSE: getattr(self, "details", None), S.QUESTION: getattr(self, "veto_text", None)}.get(s.phase, self.news)
            if box is not None:
                scroll(box, 1 if key == pygame.K_PAGEDOWN else -1)
            return True
        if key == pygame.K_g and s.phase in (S.CHOOSE, S.QUESTION):
            self.open_brief()
            return True
        if key == pygame.K_t:
            from game.ui.insight import TeacherOverlay

            self.app.open_overlay(TeacherOverlay(self.app))
            return True
        if key == pygame.K_a and s.phase == S.CHOOSE:
            self.open_advisor()
            return True
        enter = key in (pygame.K_RETURN, pygame.K_KP_ENTER)
        if s.phase in (S.HANDOVER, S.QUESTION_HANDOVER):
            if enter:
                s.ready()
                self.sync()
            return True
        if s.phase == S.CHOOSE:
            if pygame.K_1 <= key <= pygame.K_9:
                self.select(key - pygame.K_1)
            elif pygame.K_KP1 <= key <= pygame.K_KP9:
                self.select(key - pygame.K_KP1)
            elif enter:
                self.confirm()
            elif key in (pygame.K_DOWN, pygame.K_RIGHT, pygame.K_TAB) and self.move_buttons:
                self.select(0 if self.sel is None else (self.sel + 1) % len(self.move_buttons))
            elif key in (pygame.K_UP, pygame.K_LEFT) and self.move_buttons:
                self.select(len(self.move_buttons) - 1 if self.sel is None else (self.sel - 1) % len(self.move_buttons))
            return True
        if s.phase == S.QUESTION and key in (pygame.K_TAB, pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN):
            self.focus_answer = not self.focus_answer if self.focus_answer is not None else True
            return True
        if s.phase == S.QUESTION and enter and self.focus_answer is not None:
            s.answer(self.focus_answer)
            self.sync()
            return True
        if s.phase == S.QUESTION:
            yes = (pygame.K_b,) if s.question.kind == "block" else (pygame.K_a,)
            no = (pygame.K_l,) if s.question.kind == "block" else (pygame.K_r,)
            if key in yes + (pygame.K_y, pygame.K_1, pygame.K_KP1):
                s.answer(True)
            elif key in no + (pygame.K_n, pygame.K_2, pygame.K_KP2):
                s.answer(False)
            self.sync()
            return True
        if key in (pygame.K_SPACE,) or enter:
            self.advance_flow()
            return True
        return False

    def open_advisor(self):
        """'What if?' (A): the planner's forecast of each move for the team at the keyboard, when the teacher allows it."""
        s = self.session
        if not s.settings.advisor:
            self.app.show_message("The advisor is off", "The teacher has switched the advisor off for this game (T to switch it on).")
            return
        from game.ui.insight import AdvisorOverlay

        self.app.open_overlay(AdvisorOverlay(self.app, s.current))

    def open_brief(self):
        """The whole role brief of the team at the keyboard (G): private to its turn."""
        from game.ui.overlays import TextOverlay

        b = self.session.brief()
        body = "<br>".join(html.escape(line) if not line.endswith(":") else f"<b>{html.escape(line)}</b>" for line in b.lines())
        self.app.open_overlay(TextOverlay(self.app, "brief", f"Role brief: {b.name}", body))

    def toggle_chart(self):
        from game.ui.overlays import ChartOverlay

        self.app.open_overlay(ChartOverlay(self.app))

    def update(self, dt):
        s = self.session
        if s is None:
            return
        self._update_hover(dt)
        team_reading = self.app.overlay is None or self.app.overlay.name in ("advisor", "brief")  # not the teacher's menu
        if team_reading and s.tick(dt):  # the timer ran out: the team's move was chosen for it
            who = s.timed_out[-1]
            self.app.show_message("Time is up", f"{s.name(who)}'s time ran out: "
                                  + ("the computer chose its move." if s.settings.on_timeout == "ai" else "it holds course."))
        if self.animating:
            self.anim_t = min(1.0, self.anim_t + dt / self.anim_duration)
        elif self.guard > 0:
            self.guard = max(0.0, self.guard - dt)
        self.sync()
        if s.phase == S.CHOOSE and self.move_buttons:
            hov = None
            for k, (b, _) in enumerate(self.move_buttons):
                if b.hovered:
                    hov = k
            if hov != self.hover_move:
                self.hover_move = hov
                show = hov if hov is not None else self.sel
                self.details.set_text(self.move_html(self.move_buttons[show][1] if show is not None else None))

    # --- drawing ----------------------------------------------------------------------------

    def positions(self) -> list[tuple[float, float]]:
        """Badge centres in design units, evenly round an ellipse."""
        n = len(self.session.actor_ids)
        rx, ry = (212, 104) if 2 < n <= 6 else (240, 138) if n > 6 else (200, 0)
        out = []
        for k in range(n):
            a = -math.pi / 2 - math.pi / n + 2 * math.pi * k / n if n > 2 else math.pi * (1 - k)
            out.append((TABLE_CX + rx * math.cos(a), TABLE_CY + ry * math.sin(a)))
        return out

    def badge_diameter(self) -> int:
        n = len(self.session.actor_ids)
        return 88 if n <= 5 else 70 if n <= 6 else 50

    def chrome(self, surf) -> pygame.Surface:
        """Everything that does not move: background, panels, the table, legends (cached)."""
        s, L = self.session, self.L
        ph = s.phase
        mode = "hand" if ph in (S.HANDOVER, S.QUESTION_HANDOVER) else "choose" if ph == S.CHOOSE else "veto" if ph == S.QUESTION else "news"
        key = (L.size, L.s, mode, surf.get_size())
        if getattr(self, "_chrome_key", None) == key:
            return self._chrome
        c = pygame.Surface(surf.get_size())
        c.fill(T.BG)
        if mode != "hand":
            D.panel(c, L.r(*TABLE), radius=L.n(10))
            tc = L.r(TABLE_CX - 130, TABLE_CY - 58, 260, 116)
            pygame.draw.ellipse(c, (236, 228, 210), tc)
            pygame.draw.ellipse(c, (200, 188, 160), tc, L.n(2))
            ly = L.p(0, 452)[1]
            lx = L.p(24, 0)[0]
            fl = L.font(14)
            D.thick_line(c, T.BLUE, (lx, ly), (lx + L.n(30), ly), L.n(6))
            lx = D.text(c, "friendly", fl, T.TEXT, (lx + L.n(36), ly), "midleft").right + L.n(16)
            D.dashed_line(c, T.VERMILLION, (lx, ly), (lx + L.n(34), ly), L.n(6), dash=L.n(10), gap=L.n(6))
            lx = D.text(c, "hostile", fl, T.TEXT, (lx + L.n(40), ly), "midleft").right + L.n(16)
            D.text(c, "thicker = stronger · outline = predicted bloc", fl, T.MUTED, (lx, ly), "midleft")
            D.panel(c, L.r(*DASH), radius=L.n(10))
            x0, y0_, w0, _ = DASH
            D.text(c, "Factors", L.font(19, True), T.NAVY, L.p(x0 + 12, y0_ + 6))
            D.text(c, "bar: level now · line: history · arrow: change since last turn", L.font(14), T.MUTED,
                   L.p(x0 + w0 - 12, y0_ + 10), "topright")
            if mode == "choose":
                D.panel(c, L.r(*self.low(CHOOSER)), radius=L.n(10))
                D.panel(c, L.r(*self.low(ABOUT)), radius=L.n(10))
                D.text(c, "About this move", L.font(19, True), T.NAVY, L.p(ABOUT[0] + 12, ABOUT[1] + 8))
                D.text(c, "1–9, Tab · G: your brief · A: what if?", L.font(15), T.MUTED,
                       L.p(ABOUT[0] + ABOUT[2] - 12, ABOUT[1] + 12), "topright", max_width=L.n(300))
            else:
                D.panel(c, L.r(*self.low(ACTION)), radius=L.n(10))
                if mode == "veto":
                    D.panel(c, L.r(*self.low(DETAILS)), radius=L.n(10))
                else:
                    D.panel(c, L.r(*self.low(CHART)), radius=L.n(10))
                    D.text(c, "Relations", L.font(17, True), T.NAVY, L.p(CHART[0] + 10, CHART[1] + 6))
        self._chrome_key, self._chrome = key, _fast(c, alpha=False)
        return c

    def draw(self, surf):
        s = self.session
        if s is None:
            return
        snap = self.shown()
        handover = s.phase in (S.HANDOVER, S.QUESTION_HANDOVER)
        surf.blit(self.chrome(surf), (0, 0))
        self.draw_top(surf)
        if handover:
            self.draw_handover(surf)
            return
        self.draw_table(surf, snap)
        self.draw_dashboard(surf, snap)
        if s.phase not in (S.CHOOSE, S.QUESTION):
            self.draw_chart(surf)
        self.draw_action_panel(surf)

    def draw_over(self, surf):
        """Drawn after the widgets: the keyboard's focus ring, then the hover card."""
        if self.session is not None:
            focused = self.focused_widget()
            if focused is not None and focused.visible:
                pygame.draw.rect(surf, T.ACCENT, focused.rect.inflate(self.L.n(10), self.L.n(10)), max(3, self.L.n(4)),
                                 border_radius=self.L.n(8))
            self.draw_hover(surf)

    def focused_widget(self):
        """What Enter (or Space) acts on now: the selected move's button, the focused answer, or the flow's button."""
        s = self.session
        if s.phase == S.CHOOSE:
            return self.move_buttons[self.sel][0] if self.sel is not None and self.sel < len(self.move_buttons) else None
        if s.phase == S.QUESTION and self.focus_answer is not None:
            return getattr(self, "block_button" if self.focus_answer else "pass_button", None)
        for name in ("ready_button", "play_button", "skip_button", "next_button"):
            w = getattr(self, name, None)
            if w is not None and w in self.action_widgets and w.is_enabled:
                return w
        return None

    def draw_top(self, surf):
        L, s = self.L, self.session
        top = L.r(*TOP)
        top.x, top.w = 0, surf.get_width()
        pygame.draw.rect(surf, T.NAVY, top)
        title = s.scenario.title
        if L.font(20, True).size(title)[0] > L.n(360):
            title = title.split(":")[0]
        D.text(surf, title, L.font(20, True), (255, 255, 255), L.p(16, 26), "midleft", max_width=L.n(360))
        st = s.state
        turns = s.game.turns
        if st.over:
            when = f"{engine.month_label(st.date)} · game over after {st.turn} turns"
        else:
            when = f"{engine.month_label(st.date)} · turn {st.turn + 1} of {turns}"
        D.text(surf, when, L.font(26, True), (255, 255, 255), L.p(700, 26), "center")
        if s.batch:
            D.text(surf, f"AI world {s.batch['run']}", L.font(16, True), T.ACCENT, L.p(1030, 26), "midright")
        elif s.paused:
            D.text(surf, "PAUSED (T)", L.font(20, True), T.ACCENT, L.p(1030, 26), "midright")
        elif s.settings.timer and s.phase == S.CHOOSE:
            left = int(math.ceil(s.time_left))
            D.text(surf, f"Time left {left // 60}:{left % 60:02d}", L.font(20, True), T.ACCENT if left > 15 else (255, 120, 80),
                   L.p(1030, 26), "midright")

    def draw_handover(self, surf):
        L, s = self.L, self.session
        h = L.extra / 2  # centred in the spare height
        card = L.r(240, 110 + h, 800, 480)
        D.panel(surf, card, fill=T.PANEL, border=T.NAVY, radius=L.n(16), width=L.n(4))
        aid = s.current
        img = badges.badge(s.state.actor_portrait(aid), s.name(aid), T.hex_colour(s.state.actor_colour(aid)), L.n(150))
        surf.blit(img, img.get_rect(center=L.p(640, 220 + h)))
        D.text(surf, f"Pass to {s.name(aid)}", L.font(44, True), T.NAVY, L.p(640, 340 + h), "center", max_width=L.n(760))
        what = "answers a veto question" if s.phase == S.QUESTION_HANDOVER else "chooses a move in secret"
        D.text(surf, s.state.actor_title(aid), L.font(20), T.MUTED, L.p(640, 392 + h), "center", max_width=L.n(760))
        D.text(surf, f"{s.short_name(aid)}'s team {what}. Everyone else, please look away.", L.font(22), T.TEXT,
               L.p(640, 428 + h), "center", max_width=L.n(760))
        D.text(surf, "Press Enter when ready", L.font(22, True), T.NAVY, L.p(640, 466 + h), "center")

    def _bloc_surface(self, pos_px, members_by_bloc, radius):
        key = (tuple(pos_px), tuple(tuple(m) for m in members_by_bloc), radius, self.L.size)
        surf = self._bloc_cache.get(key)
        if surf is not None:
            return surf
        if len(self._bloc_cache) > 32:
            self._bloc_cache.clear()
        W, H = self.L.size
        out = pygame.Surface((W, H), pygame.SRCALPHA)
        for b, members in enumerate(members_by_bloc):
            if not members:
                continue
            colour = T.BLOC_COLOURS[b % len(T.BLOC_COLOURS)]
            pts = [pos_px[i] for i in members]

            def shape(r):
                m = pygame.Surface((W, H), pygame.SRCALPHA)
                for p in pts:
                    pygame.draw.circle(m, (255, 255, 255, 255), p, r)
                if len(pts) >= 2:
                    for i in range(len(pts)):
                        for j in range(i + 1, len(pts)):
                            D.thick_line(m, (255, 255, 255, 255), pts[i], pts[j], 2 * r)
                if len(pts) >= 3:
                    pygame.draw.polygon(m, (255, 255, 255, 255), pts)
                return pygame.mask.from_surface(m)

            outer = shape(radius + self.L.n(16))
            inner = shape(radius + self.L.n(11))
            fill = outer.to_surface(setcolor=(*colour, 34), unsetcolor=(0, 0, 0, 0))
            ring_mask = outer.copy()
            ring_mask.erase(inner, (0, 0))
            ring = ring_mask.to_surface(setcolor=(*colour, 200), unsetcolor=(0, 0, 0, 0))
            out.blit(fill, (0, 0))
            out.blit(ring, (0, 0))
        area = self.L.r(*TABLE).clip(out.get_rect())
        out = (_fast(out.subsurface(area).copy()), area.topleft)
        self._bloc_cache[key] = out
        return out

    def draw_table(self, surf, snap):
        L, s = self.L, self.session
        area = L.r(*TABLE)
        ids = s.actor_ids
        n = len(ids)
        pos = [L.p(x, y) for x, y in self.positions()]
        diam = L.n(self.badge_diameter())
        rad = diam // 2

        # predicted blocs (landscape theory)
        caption = "Blocs: not available"
        if snap.blocs:
            best = snap.blocs[0]
            labels = list(getattr(best, "blocs", ()))
            if len(labels) == n:
                groups = sorted(set(labels))
                members = [[i for i in range(n) if labels[i] == g] for g in groups]
                if len(groups) > 1:
                    img_b, at = self._bloc_surface(pos, members, rad)
                    surf.blit(img_b, at)
                names = [" + ".join(s.short_name(ids[i]) for i in mem) for mem in members]
                basin = getattr(best, "basin", None)
                caption = "Predicted blocs:  " + "   vs   ".join(names)
                if len(groups) == 1:
                    caption = "Predicted: one bloc, " + names[0]
                if basin is not None and np.isfinite(basin) and L.font(17, True).size(caption + "   (100% of starts)")[0] < L.n(566):
                    caption += f"   ({basin:.0%} of starts)"
        D.text(surf, caption, L.font(17, True), T.NAVY, L.p(22, 68), max_width=L.n(566))

        # what sits round each badge (names, tags, last month's result): relation values keep clear of it
        decor = self.badge_decor(pos, rad, area)
        self.decor_boxes = [box for items in decor for _img, box, _col in items]
        occupied = [pygame.Rect(x - rad, y - rad, 2 * rad, 2 * rad) for x, y in pos] + self.decor_boxes

        # relation lines, then their values where nothing covers them
        rel = snap.relations
        self._hits = [(pygame.Rect(x - rad, y - rad, 2 * rad, 2 * rad), ("actor", k)) for k, (x, y) in enumerate(pos)]
        self.label_boxes: dict[tuple[int, int], pygame.Rect] = {}
        pending_labels = []
        fnt = L.font(16, True)
        for i in range(n):
            for j in range(i + 1, n):
                r = float(rel[i, j])
                if not np.isfinite(r):
                    continue
                a2, b2 = self._line_ends(pos[i], pos[j], rad)
                width = L.s * (2 + 12 * min(1.0, abs(r)))
                if abs(r) < 0.05:
                    D.dashed_line(surf, T.NEUTRAL, a2, b2, max(1, L.s * 2), dash=L.n(4), gap=L.n(6))
                elif r > 0:
                    D.thick_line(surf, T.BLUE, a2, b2, width)
                else:
                    D.dashed_line(surf, T.VERMILLION, a2, b2, width, dash=L.n(16), gap=L.n(10))
                if n <= 8:
                    img = D.render(signed(r), fnt, T.BLUE if r >= 0.05 else T.VERMILLION if r <= -0.05 else T.MUTED)
                    box = place_label(img.get_rect().inflate(L.n(10), L.n(4)).size, a2, b2, occupied, area)
                    occupied.append(box)
                    self.label_boxes[(i, j)] = box
                    pending_labels.append((box, img))
                    self._hits.append((box.inflate(L.n(6), L.n(6)), ("pair", i, j)))

        for k, aid in enumerate(ids):
            x, y = pos[k]
            st = s.state
            img = badges.badge(st.actor_portrait(aid), st.actor_name(aid), T.hex_colour(st.actor_colour(aid)), diam)
            if s.current == aid and s.phase in (S.CHOOSE, S.QUESTION):
                pygame.draw.circle(surf, T.ACCENT, (x, y), rad + L.n(7), L.n(5))
            surf.blit(img, img.get_rect(center=(x, y)))
            for img2, box, col in decor[k]:
                if col is None:  # the name, on a soft plate
                    D.panel(surf, box, fill=T.PANEL, border=T.PANEL, radius=box.h // 3, width=0)
                else:
                    pygame.draw.rect(surf, col, box, border_radius=L.n(4))
                surf.blit(img2, img2.get_rect(center=box.center))
        for box, img in pending_labels:
            pygame.draw.rect(surf, T.PANEL, box, border_radius=L.n(6))
            pygame.draw.rect(surf, T.BORDER, box, 1, border_radius=L.n(6))
            surf.blit(img, img.get_rect(center=box.center))

    def _line_ends(self, a, b, rad):
        dx, dy = b[0] - a[0], b[1] - a[1]
        dist = math.hypot(dx, dy) or 1
        ux, uy = dx / dist, dy / dist
        gap = rad + self.L.n(4)
        return (a[0] + ux * gap, a[1] + uy * gap), (b[0] - ux * gap, b[1] - uy * gap)

    def badge_decor(self, pos, rad, area) -> list[list[tuple]]:
        """Per leader: (image, box, colour) of its name (colour None), its tags (HUMAN, VETO) and,
        after a month, its move's result in words (above the badge in the top half of the table,
        below its name and tags in the bottom half)."""
        L, s = self.L, self.session
        ids = s.actor_ids
        crowded = len(ids) > 6
        acted = {a.actor: a for a in s.last_report.actions} if s.phase in (S.RESOLVED, S.OVER) and s.last_report else {}
        out = []
        for k, aid in enumerate(ids):
            x, y = pos[k]
            name = s.short_name(aid) if crowded else s.name(aid)
            img = D.fitted(name, L.font(14 if crowded else 18, True), T.TEXT, L.n(110 if crowded else 190))
            ty = y + rad + L.n(2)
            items = [(img, img.get_rect(midtop=(x, ty)).inflate(L.n(10), L.n(2)), None)]
            if crowded:  # no room for tags or chips: the hover card and the news tell the rest
                out.append(items)
                continue
            tags = [("HUMAN", T.NAVY)] if aid in s.humans else []
            sc = self._actor_spec(aid)
            if sc is not None and sc.veto:
                tags.append(("VETO", T.VERMILLION))
            tx = x - sum(L.font(13, True).size(tag)[0] + L.n(12) for tag, _ in tags) // 2
            for tag, col in tags:
                img2 = D.render(tag, L.font(13, True), (255, 255, 255))
                box = img2.get_rect(topleft=(tx + L.n(5), ty + L.n(24))).inflate(L.n(8), L.n(2))
                items.append((img2, box, col))
                tx += box.w + L.n(4)
            act = acted.get(aid)
            if act is not None:
                res = str(act.result)
                img3 = D.fitted(f"{act.label}: {RESULT_WORD.get(res, res)}", L.font(14, True), (255, 255, 255), L.n(250))
                cy = y - rad - L.n(16) if y <= L.p(0, TABLE_CY)[1] else ty + L.n(58)
                box = img3.get_rect(center=(x, cy)).inflate(L.n(12), L.n(4))
                box.clamp_ip(area)
                items.append((img3, box, T.RESULT_COLOURS.get(res, T.MUTED)))
            out.append(items)
        return out

    # --- hover cards: what a badge, a relation or a factor means ------------------------------

    def _hover_target(self, pos):
        if self.app.overlay is not None or self.session.phase in (S.HANDOVER, S.QUESTION_HANDOVER):
            return None
        for rect, target in reversed(getattr(self, "_hits", [])):
            if rect.collidepoint(pos):
                return target
        geo = getattr(self, "_dash_geo", None)
        if geo:
            rows, rh, colw, _ = geo
            for kind, obj, x, y, row, _l1, _l2 in rows:
                if kind == "factor" and self.L.r(x, y, colw, rh).collidepoint(pos):
                    return ("factor", obj[0])
        return None

    def _update_hover(self, dt):
        try:
            pos = pygame.mouse.get_pos() if pygame.mouse.get_focused() else None
        except pygame.error:
            pos = None
        target = self._hover_target(pos) if pos is not None else None
        if target != getattr(self, "_hover", None):
            self._hover, self._hover_t = target, 0.0
        else:
            self._hover_t = getattr(self, "_hover_t", 0.0) + dt
        self._hover_pos = pos

    def hover_lines(self, target) -> list[tuple[str, bool]]:
        """The card for a badge, a relation or a factor: (text, bold) lines."""
        s = self.session
        st = s.state
        kind = target[0]
        if kind == "actor":
            aid = s.actor_ids[target[1]]
            a = self._actor_spec(aid)
            out = [(s.name(aid), True), (f"{st.actor_title(aid)}, {a.country}" if a else st.actor_title(aid), False)]
            if a is not None:
                out.append((f"Regime: {a.regime.replace('_', ' ')} · size (power) {a.power:g}", False))
                if a.term.kind == "election":
                    out.append((f"Faces an election on {a.term.date:%d %B %Y}", False))
                elif a.term.kind == "term_limit":
                    out.append((f"Must leave office on {a.term.date:%d %B %Y}", False))
                else:
                    out.append(("No election or term limit ahead", False))
                if a.veto:
                    out.append((f"Holds a veto ({s.game.scenario.veto_label})", False))
            partner = st.closest_partners().get(aid)
            if partner is not None:
                out.append((f"Closest partner now: {s.name(partner)}", False))
            out.append((f"Score so far: {st.scores().get(aid, 0):.2f}", False))
            out.append(("Human (a student team)" if aid in s.humans else "Played by the AI", True))
            return out
        if kind == "pair":
            i, j = target[1], target[2]
            a, b = s.actor_ids[i], s.actor_ids[j]
            r = float(self.shown().relations[i, j])
            mood = "allied" if r > 0.6 else "friendly" if r > 0.05 else "hostile" if r < -0.05 else "neutral"
            out = [(f"{s.name(a)} – {s.name(b)}: {signed(r)} ({mood})", True)]
            for p in s.scenario.relations.pairs:
                if set(p.between) == {a, b}:
                    out.append((f"Started at {signed(p.initial)}; drifts towards {signed(p.propensity)} on its own", False))
                    out.append((p.rationale, False))
            q = next(k for k, pair in enumerate(s.game.pairs) if set(pair) == {i, j})
            return out + self.moved_lines(s.game.n_factors + q, signed)
        if kind == "factor":
            f = s.scenario.factors[target[1]]
            v = float(self.shown().factors[target[1]])
            out = [(f"{s.follow(f.label)}: {fmt_value(v, f.min, f.max)} {f.unit}".strip(), True),
                   (f"Range {f.min:g} to {f.max:g} {f.unit}".strip(), False)]
            if f.description:
                out.append((f.description, False))
            out.append((f"Starting value: {f.rationale}", False))
            return out + self.moved_lines(target[1], lambda v: f"{v:+.3g}")
        return []

    def moved_lines(self, target: int, fmt) -> list[tuple]:
        """What moved a relation or factor last month, biggest part first: (text, bold, amount, largest)."""
        s = self.session
        if s.phase not in (S.RESOLVED, S.EVENTS, S.OVER) and not s.state.records:
            return []
        change = s.what_moved().get(target)
        if change is None:
            return []
        month = engine.month_label(s.game.date_of_turn(s.state.records[-1].turn).isoformat())
        largest = max(abs(a) for _, a in change.parts) or 1.0
        out = [(f"What moved it in {month}: {fmt(change.before)} to {fmt(change.after)}", True)]
        out += [(f"{fmt(amount)}  {label}", False, amount, largest) for label, amount in change.parts]
        return out

    def draw_hover(self, surf):
        target = getattr(self, "_hover", None)
        if target is None or getattr(self, "_hover_t", 0.0) < 0.35 or self._hover_pos is None:
            return
        lines = self.hover_lines(target)  # a bug here must fail a test, not hide a card
        if not lines:
            return
        L = self.L
        width = L.n(440 * T.text_scale)
        fb, fr = L.font(17 * T.text_scale, True), L.font(16 * T.text_scale)
        wrapped = []
        bar_w = L.n(70)
        for line in lines:
            text_, bold = line[0], line[1]
            part = line[2:] if len(line) > 2 else None  # (amount, largest): a bar of the breakdown
            room = width - L.n(24) - (bar_w + L.n(8) if part else 0)
            for n_, ln in enumerate(D.wrap(text_, fb if bold else fr, room)):
                wrapped.append((ln, bold, part if n_ == 0 else None, bool(part)))
        wrapped = wrapped[:18]
        lh = fr.get_linesize()
        h = lh * len(wrapped) + L.n(20)
        x, y = self._hover_pos
        box = pygame.Rect(x + L.n(16), y + L.n(16), width, h)
        box.clamp_ip(surf.get_rect())
        if box.collidepoint(x, y):
            box.bottom = y - L.n(8)
            box.clamp_ip(surf.get_rect())
        D.panel(surf, box, fill=(255, 251, 230), border=T.NAVY, radius=L.n(6), width=L.n(2))
        ty = box.y + L.n(10)
        for ln, bold, part, indented in wrapped:
            x = box.x + L.n(12)
            if part is not None:  # the breakdown: each part's share of the biggest, blue up, orange down
                amount, largest = part
                w = max(1, int(bar_w * abs(amount) / largest))
                bar = pygame.Rect(x + (bar_w - w if amount < 0 else 0), ty + lh // 4, w, lh // 2)
                pygame.draw.rect(surf, T.BLUE if amount >= 0 else T.VERMILLION, bar)
            if indented:
                x += bar_w + L.n(8)
            surf.blit(D.render(ln, fb if bold else fr, T.TEXT), (x, ty))
            ty += lh

    def _actor_spec(self, aid):
        for a in self.session.scenario.actors:
            if a.id == aid:
                return a
        return None

    def _dash_rows(self):
        s = self.session
        rows = [("factor", (k, f)) for k, f in enumerate(s.scenario.factors)]
        for a in s.scenario.actors:
            if s.office_change(a.id) is not None or (a.term.kind != "none" and a.term.date is not None):
                rows.append(("term", a))
        vetoes = [a for a in s.scenario.actors if a.veto]
        if vetoes:
            rows.append(("veto", vetoes))
        x0, y0_, w0, h0 = DASH
        top, bottom = y0_ + 36, y0_ + h0 - 6
        cols = 1 if len(rows) <= 6 else 2 if len(rows) <= 20 else 3
        per_col = (len(rows) + cols - 1) // cols
        rh = min(56, (bottom - top) / max(1, per_col))
        colw = (w0 - 24 - 12 * (cols - 1)) / cols
        fs = 16 if rh >= 48 else 15 if rh >= 38 else 13 if rh >= 30 else 11
        geo = []
        for k, (kind, obj) in enumerate(rows):
            col, row = k // per_col, k % per_col
            x = x0 + 12 + col * (colw + 12)
            y = top + row * rh
            geo.append((kind, obj, x, y, row, y + rh * 0.29, y + rh * 0.77))
        return geo, rh, colw, fs

    def _dash_static(self, surf):
        """Labels, sparklines of the history, countdowns: redrawn once a turn."""
        s, L = self.session, self.L
        st = s.state
        key = (L.size, L.s, len(st.records), st.turn, self.animating)
        if getattr(self, "_dash_key", None) == key:
            return self._dash_img
        area = L.r(*DASH)
        full = pygame.Surface(surf.get_size(), pygame.SRCALPHA)
        img = full  # drawn in window coordinates, then cut to the dashboard's rectangle below
        geo, rh, colw, fs = self._dash_rows()
        fnt, fntb = L.font(fs), L.font(fs, True)
        hist = np.asarray(s.series()["factors"], dtype=float)
        turns = max(2, s.game.turns + 1)
        widest = max([fntb.size(fmt_value(f.max, f.min, f.max) + (" " + f.unit if 0 < len(f.unit) <= 4 else ""))[0]
                      for f in s.scenario.factors] or [0])
        reserve = widest + L.n(36)
        for kind, obj, x, y, row, line1, line2 in geo:
            if row > 0:
                pygame.draw.line(img, T.GRID, L.p(x, y), L.p(x + colw, y), 1)
            if kind == "factor":
                fi, f = obj
                D.text(img, s.follow(f.label), fnt, T.TEXT, L.p(x, line1), "midleft", max_width=L.n(colw) - reserve)
                if hist is not None and hist.ndim == 2 and hist.shape[1] > fi:
                    spark = L.r(x + colw * 0.52, line2 - rh * 0.18, colw * 0.48 - 2, rh * 0.36)
                    vals = (hist[:, fi] - f.min) / ((f.max - f.min) or 1)
                    pygame.draw.rect(img, (238, 234, 225), spark)
                    pygame.draw.line(img, T.GRID, (spark.x, spark.centery), (spark.right, spark.centery), 1)
                    pts = [(spark.x + i / (turns - 1) * spark.w, spark.bottom - max(0, min(1, vv)) * spark.h)
                           for i, vv in enumerate(vals[:turns]) if np.isfinite(vv)]
                    if len(pts) >= 2:
                        pygame.draw.lines(img, T.NAVY, False, pts, L.n(2))
                    if pts:
                        pygame.draw.circle(img, T.NAVY, (int(pts[-1][0]), int(pts[-1][1])), L.n(3))
            elif kind == "term":
                change = s.office_change(obj.id)
                what, months = change if change is not None else ("Next vote", -1)
                D.text(img, f"{what}: {s.short_name(obj.id)}", fnt, T.TEXT, L.p(x, line1), "midleft")
                txt = (f"in {months} month{'s' if months != 1 else ''}" if months > 0 else
                       "this month" if months == 0 else "none ahead")
                D.text(img, txt, L.font(fs + 2, True), T.VERMILLION if 0 <= months <= 3 else T.NAVY, L.p(x, line2), "midleft")
            elif kind == "veto":
                D.text(img, s.game.scenario.veto_label, fnt, T.TEXT, L.p(x, line1), "midleft", max_width=L.n(colw))
                D.text(img, ", ".join(s.short_name(a.id) for a in obj), L.font(fs + 2, True), T.VERMILLION, L.p(x, line2),
                       "midleft", max_width=L.n(colw))
        img = _fast(full.subsurface(area.clip(full.get_rect())).copy())
        self._dash_key, self._dash_img, self._dash_geo = key, img, (geo, rh, colw, fs)
        self._dash_pos = area.clip(full.get_rect()).topleft
        self._dash_prev = (s.before.factors if self.animating and s.before is not None
                           else (hist[-2] if len(hist) >= 2 else None))
        return img

    def draw_dashboard(self, surf, snap):
        """Gauges, values and trend arrows move every frame; the rest comes from a cache."""
        L = self.L
        surf.blit(self._dash_static(surf), self._dash_pos)
        geo, rh, colw, fs = self._dash_geo
        fntb = L.font(fs, True)
        prev = self._dash_prev
        for kind, obj, x, y, row, line1, line2 in geo:
            if kind != "factor":
                continue
            fi, f = obj
            v = float(snap.factors[fi]) if fi < len(snap.factors) else float("nan")
            val = fmt_value(v, f.min, f.max) if np.isfinite(v) else "–"
            unit = f.unit if 0 < len(f.unit) <= 4 else ""
            D.text(surf, f"{val}{(' ' + unit) if unit else ''}", fntb, T.TEXT, L.p(x + colw - 22, line1), "midright")
            d = 0
            if prev is not None and fi < len(prev) and np.isfinite(v):
                delta = v - float(prev[fi])
                if abs(delta) > 0.005 * (f.max - f.min):
                    d = 1 if delta > 0 else -1
            D.trend_arrow(surf, L.p(x + colw - 8, line1), L.n(min(16, rh * 0.4)), d, T.NAVY if d else T.NEUTRAL)
            gauge = L.r(x, line2 - max(6, rh * 0.22) / 2, colw * 0.46, max(6, rh * 0.22))
            pygame.draw.rect(surf, (217, 212, 199), gauge)
            t = 0.0 if not np.isfinite(v) else (v - f.min) / ((f.max - f.min) or 1)
            fill = gauge.copy()
            fill.w = max(1, int(gauge.w * max(0.0, min(1.0, t))))
            pygame.draw.rect(surf, T.BLUE, fill)
            pygame.draw.rect(surf, T.BORDER, gauge, 1)

    def draw_chart(self, surf):
        L, s = self.L, self.session
        x0, y0_, w0, h0 = self.low(CHART)
        rect = L.r(x0, y0_ + 34, w0 - 4, h0 - 40)
        key = (L.size, L.s, len(s.state.records), s.state.turn)
        if getattr(self, "_chart_key", None) != key:
            rel = np.asarray(s.series()["relations"], dtype=float)
            img = pygame.Surface(rect.size, pygame.SRCALPHA)
            local = pygame.Rect(0, 0, rect.w, rect.h)
            charts.line_chart(img, local, self.relation_lines(rel), -1, 1, s.game.turns + 1, L,
                              y_ticks=[(-1, "−1"), (0, "0"), (1, "+1")], label_w=106, x_label="")
            self._chart_key, self._chart_img = key, _fast(img)
        surf.blit(self._chart_img, rect)

    def relation_lines(self, rel):
        return charts.relation_lines(self.session, rel)

    def draw_die(self, surf, rect: pygame.Rect, chance: float, roll: float):
        """The roll against the chance: the bar's left part (chance) wins, the tick is the roll,
        and the numbers say it in words too ("83% | 15": a roll below the chance succeeds)."""
        L = self.L
        bar = pygame.Rect(rect.x, rect.y + rect.h // 4, L.n(64), rect.h // 2)
        pygame.draw.rect(surf, (220, 214, 200), bar)
        pygame.draw.rect(surf, T.RESULT_COLOURS["success"], (bar.x, bar.y, int(bar.w * chance), bar.h))
        tick = bar.x + int(bar.w * min(1.0, roll))
        pygame.draw.line(surf, T.TEXT, (tick, rect.y), (tick, rect.bottom), max(2, L.n(3)))
        D.text(surf, f"{chance:.0%} | {roll * 100:.0f}", L.font(14, True), T.TEXT, (bar.right + L.n(6), rect.centery), "midleft",
               max_width=rect.right - bar.right - L.n(6))

    def draw_action_panel(self, surf):
        L, s = self.L, self.session
        head = L.font(21, True)
        ph = s.phase
        x0, y0_, w0, h0 = self.low(ACTION)
        if ph == S.CHOOSE:
            D.text(surf, f"{s.name(s.current)}, choose your move", head, T.NAVY, L.p(x0 + 12, y0_ + 8), max_width=L.n(CHOOSER[2] - 24))
        elif ph == S.QUESTION:
            q = s.question
            if q is not None and q.kind == "block":
                title, hint = f"{s.name(q.actor)}: use your veto?", "You may block this move. Read what it would do (right), then decide."
            else:
                title = f"{s.name(q.actor) if q else ''}: accept the offer?"
                hint = "Another leader makes you an offer. Read its terms (right), then accept or refuse."
            D.text(surf, title, head, T.VERMILLION, L.p(x0 + 12, y0_ + 8))
            D.paragraph(surf, hint, L.font(18), T.TEXT, L.r(x0 + 12, y0_ + 46, w0 - 24, 60))
        elif ph in (S.READY, S.EVENTS):
            who = ("This month opens with news." if ph == S.EVENTS else "The AI plays every leader." if not s.humans
                   else "Every team has chosen." if s.choices else "No student has a move this turn.")
            D.text(surf, "Ready for the next month", head, T.NAVY, L.p(x0 + 12, y0_ + 8))
            pend = s.pending_events()
            text = (f"{who} Press Space to play the turn." if pend else
                    f"{who} Press Space to play the turn and watch the lines and gauges move; the news then tells what happened and why.")
            y = D.paragraph(surf, text, L.font(18), T.TEXT, L.r(x0 + 12, y0_ + 46, w0 - 24, 100))
            room = L.p(0, y0_ + h0 - 72)[1] - y  # down to the play button
            for ev in pend:
                y = D.fit_paragraph(surf, f"This month: {ev}", L, 16, True, T.VERMILLION,
                                    pygame.Rect(L.p(x0 + 12, 0)[0], y, L.n(w0 - 24), max(1, room // max(1, len(pend)))))
        elif ph in (S.RESOLVED, S.OVER):
            rep = s.last_report
            title = "Resolving the turn…" if self.animating else (
                f"What happened in {engine.month_label(rep.date)}" if rep is not None else "The game is over")
            D.text(surf, title, head, T.NAVY, L.p(x0 + 12, y0_ + 8))
            if rep is not None:
                y = y0_ + 42
                fb = L.font(17, True)
                lines = [(None, str(ev), T.MUTED) for ev in rep.events]
                for a in rep.actions:
                    word = RESULT_WORD.get(str(a.result), str(a.result))
                    if str(a.result) == "blocked" and a.blocked_by:
                        word += f" by {s.short_name(a.blocked_by)}"
                    lines.append((a, f"{a.label} {word}.", T.RESULT_COLOURS.get(str(a.result), T.TEXT)))
                room = int((h0 - 42 - 50) // 27)  # lines clear of the Next button below
                max_lines = room if len(lines) <= room else room - 1
                why = s.reasons() if ph == S.RESOLVED else {}
                for a, txt, col in lines[:max_lines]:
                    x = x0 + 12
                    if a is not None:
                        img = badges.badge(s.state.actor_portrait(a.actor), s.name(a.actor), T.hex_colour(s.state.actor_colour(a.actor)), L.n(24))
                        surf.blit(img, L.p(x, y))
                        r = D.text(surf, s.short_name(a.actor), fb, T.TEXT, L.p(x + 30, y))
                        reason = why.get(a.actor)
                        right = x0 + w0 - 12 - (DIE_W + 8 if reason is not None and reason.roll is not None and reason.chance < 1 else 0)
                        D.text(surf, txt, fb, col, (r.right + L.n(8), r.y), max_width=L.p(right, 0)[0] - r.right - L.n(8))
                        if reason is not None and reason.roll is not None and reason.chance < 1:
                            self.draw_die(surf, L.r(right + 8, y + 1, DIE_W, 22), reason.chance, reason.roll)
                    else:
                        D.text(surf, txt, fb, T.MUTED, L.p(x, y), max_width=L.n(w0 - 24))
                    y += 27
                if len(lines) > max_lines:
                    D.text(surf, f"and {len(lines) - max_lines} more in the news (right)", L.font(16), T.MUTED, L.p(x0 + 12, y))
            if ph == S.RESOLVED and not self.animating:
                D.text(surf, "The whole story is in the news (right).", L.font(15), T.MUTED, L.p(x0 + 12, y0_ + h0 - 30))

