"""Overlays over any screen: the menu (Esc), help (H / F1), the scenario's map, messages and file pickers."""

from __future__ import annotations

import html
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UITextBox
from pygame_gui.windows import UIFileDialog

from game.ui import draw as D
from game.ui import theme as T
from game.ui.screen import Screen


def dim(surf, alpha=150):
    shade = pygame.Surface(surf.get_size(), pygame.SRCALPHA)
    shade.fill((15, 20, 30, alpha))
    surf.blit(shade, (0, 0))


class Overlay(Screen):
    box = (340, 110, 600, 500)
    title = ""

    def draw(self, surf):
        dim(surf)
        r = self.L.r(*self.box)
        D.panel(surf, r, fill=T.BG, border=T.NAVY, radius=self.L.n(12), width=self.L.n(3))
        if self.title:
            bar = pygame.Rect(r.x, r.y, r.w, self.L.n(54))
            pygame.draw.rect(surf, T.NAVY, bar, border_top_left_radius=self.L.n(12), border_top_right_radius=self.L.n(12))
            D.text(surf, self.title, self.L.font(26, True), (255, 255, 255), (bar.x + self.L.n(20), bar.centery), "midleft")

    def dismissed_by(self, event, button) -> bool:
        """Close on `button`, Enter or Space (for read-only overlays)."""
        if (event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is button) or (
                event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE)):
            self.app.close_overlay()
            return True
        return False


class MenuOverlay(Overlay):
    name = "menu"
    title = "Menu"
    box = (440, 60, 400, 620)

    def build(self):
        L = self.L
        app = self.app
        items = [("Resume  (Esc)", "resume", True)]
        has_game = app.session is not None
        items += [("Save game  (Ctrl+S)", "save", has_game), ("Load game…", "load", True),
                  ("Restart this game", "restart", has_game), ("Scenarios (start screen)", "start", True),
                  ("Teacher  (T)", "teacher", has_game), ("About this scenario (map)", "about", has_game),
                  ("Help  (H)", "help", True), ("Quit", "quit", True)]
        self.actions = {}
        y = 130
        for label, action, enabled in items:
            b = self.add(UIButton(L.r(480, y, 320, 50), label, self.manager,
                                  object_id=ObjectID(class_id="@danger_button" if action == "quit" else "@primary_button" if action == "resume" else None)))
            if not enabled:
                b.disable()
            self.actions[b] = action
            y += 60

    def handle(self, event):
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in self.actions:
            action = self.actions[event.ui_element]
            app = self.app
            if action == "resume":
                app.close_overlay()
            elif action == "save":
                app.close_overlay()
                app.save_game()
            elif action == "load":
                app.open_load_dialog()
            elif action == "help":
                app.open_help()
            elif action == "teacher":
                from game.ui.insight import TeacherOverlay

                app.open_overlay(TeacherOverlay(app))
            elif action == "about":
                app.open_overlay(MapOverlay(app))
            else:
                do = {"restart": app.restart, "start": app.show_start, "quit": app.quit}[action]
                what = {"restart": "Restart this game from the first turn?",
                        "start": "Leave this game for the start screen?",
                        "quit": "Quit Summit?"}[action]
                if app.session is not None and not app.session.state.over:
                    saved = app.autosave()
                    note = (f"The game so far is kept in {saved}: load it to continue." if saved else
                            "The game in progress will be lost unless you save it first (Ctrl+S).")
                    app.open_overlay(ConfirmOverlay(app, what, note, do))
                else:
                    do()
            return True
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
            self.app.close_overlay()
            return True
        return False


HELP_HTML = "".join([
    "<b>Playing Summit.</b> Each turn is one month. Every leader picks one move; the AI plays the leaders no student "
    "plays. The moves resolve together, events happen, and the news says what happened and why.<br><br>",
    "<b>Keys</b><br>",
    "<b>1–9</b> pick a move (the same number every month) &nbsp; <b>Tab</b>, arrows: move the focus &nbsp; "
    "<b>Enter</b> confirm / ready &nbsp; <b>Space</b> continue, play the next turn<br>",
    "<b>G</b> your role brief &nbsp; <b>A</b> the advisor: what if? &nbsp; <b>T</b> the teacher's menu (pause, undo, "
    "timer, game length, an event now, the lens) &nbsp; <b>PageUp/PageDown</b> scroll<br>",
    "<b>B</b> block, <b>L</b> let it pass (veto questions) &nbsp; <b>A</b> accept, <b>R</b> refuse (offers) "
    "&nbsp; <b>C</b> big chart of the turns so far<br>",
    "<b>Esc</b> menu: resume, save, load, restart, quit &nbsp; <b>Ctrl+S</b> save &nbsp; <b>H</b> or <b>F1</b> help "
    "&nbsp; <b>F11</b> full screen<br><br>",
    "<b>Reading the table</b><br>",
    "A line joins every pair of leaders: <font color=#0072b2><b>blue, solid</b></font> = friendly, "
    "<font color=#d55e00><b>orange, dashed</b></font> = hostile; the thicker, the stronger. The number on a line is "
    "the relation, from −1 (hostile) to +1 (allied).<br>",
    "The shaded outlines are the <b>blocs</b> that landscape theory (Axelrod &amp; Bennett, 1993) predicts from "
    "today's relations and each country's size. <b>VETO</b> marks a leader who holds a veto; <b>HUMAN</b> "
    "a leader played by the class.<br>",
    "The dashboard shows every factor of the scenario: its level now (bar), its history (line) and its change "
    "since last turn (arrow), and the months left until each election.<br><br>",
    "<b>Offers and promises.</b> Some moves are offers: the leader they are made to accepts or refuses. An offer "
    "can bind someone to a later move (a promise) within a few months; the news panel lists open promises and their "
    "deadlines, and says when one is kept or broken.<br><br>",
    "<b>Secret choices.</b> With several human leaders, a hand-over screen hides one team's choice from the next: "
    "pass the keyboard, then press Enter.",
])


class HelpOverlay(Overlay):
    name = "help"
    cached = True  # the help text is long to lay out: built once per window size, then shown and hidden
    title = "Help"
    box = (140, 50, 1000, 620)

    def build(self):
        L = self.L
        self.add(UITextBox(HELP_HTML, L.r(160, 114, 960, 490), self.manager, object_id=ObjectID(class_id="@big_text")))
        self.close = self.add(UIButton(L.r(960, 612, 160, 46), "Close (Esc)", self.manager, object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        return self.dismissed_by(event, self.close)


class MapOverlay(Overlay):
    """About this scenario: its summary and its map (moves and events -> what they change -> whose
    payoff weighs it), drawn by game.authoring.scenario_map as `summit map` draws it."""

    name = "about"
    box = (40, 30, 1200, 660)

    def __init__(self, app):
        super().__init__(app)
        s = app.session.scenario
        self.title = f"About: {s.title}"[:90]
        self.image = map_image(s)

    def build(self):
        L = self.L
        summary = html.escape(self.app.session.scenario.summary)
        self.add(UITextBox(summary, L.r(60, 94, 1160, 92), self.manager, object_id=ObjectID(class_id="@big_text")))
        self.close = self.add(UIButton(L.r(1060, 632, 160, 46), "Close (Esc)", self.manager, object_id=ObjectID(class_id="@primary_button")))

    def draw(self, surf):
        super().draw(surf)
        area = self.L.r(60, 192, 1160, 432)
        w, h = self.image.get_size()
        k = min(area.w / w, area.h / h)
        pic = pygame.transform.smoothscale(self.image, (max(1, int(w * k)), max(1, int(h * k))))
        surf.blit(pic, pic.get_rect(center=area.center))

    def handle(self, event):
        return self.dismissed_by(event, self.close)


def map_image(scenario) -> pygame.Surface:
    """The scenario's map as a picture (PNG in memory)."""
    import io

    from game.authoring.scenario_map import draw

    buf = io.BytesIO()
    draw(scenario, buf, "png")
    buf.seek(0)
    return pygame.image.load(buf, "map.png").convert()


class MessageOverlay(Overlay):
    name = "message"
    box = (240, 150, 800, 420)

    def __init__(self, app, title, text, error=False):
        super().__init__(app)
        self.title = title
        self.text = text
        self.error = error

    def build(self):
        L = self.L
        body = html.escape(str(self.text)).replace("\n", "<br>")
        oid = ObjectID(class_id="@error_text") if self.error else ObjectID(class_id="@big_text")
        self.add(UITextBox(body, L.r(260, 216, 760, 280), self.manager, object_id=oid))
        self.ok = self.add(UIButton(L.r(880, 508, 140, 46), "OK", self.manager, object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        return self.dismissed_by(event, self.ok)


def _usable_locale():
    import locale
    import os

    try:
        locale.setlocale(locale.LC_ALL, "")
    except locale.Error:
        for name in ("C.UTF-8", "C"):
            os.environ["LC_ALL"] = name
            try:
                locale.setlocale(locale.LC_ALL, "")
                return
            except locale.Error:
                continue


class SafeFileDialog(UIFileDialog):
    """pygame_gui's file dialog without its delete button: nothing is ever deleted from class."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delete_button.disable()
        self.delete_button.hide()

    def process_event(self, event) -> bool:
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.delete_button:
            return True
        if event.type == pygame_gui.UI_CONFIRMATION_DIALOG_CONFIRMED:
            return True
        consumed = super().process_event(event)
        if self.delete_button.is_enabled:
            self.delete_button.disable()
        return consumed


class ConfirmOverlay(Overlay):
    """Are you sure? Y = yes; Enter and Esc = no (Enter is the key teams press all game, so it
    never destroys anything)."""

    name = "confirm"
    box = (290, 200, 700, 300)

    def __init__(self, app, title, text, on_yes, yes_label="Yes  (Y)"):
        super().__init__(app)
        self.title, self.text, self.on_yes, self.yes_label = title, text, on_yes, yes_label

    def build(self):
        L = self.L
        self.add(UITextBox(html.escape(self.text), L.r(310, 266, 660, 120), self.manager,
                           object_id=ObjectID(class_id="@big_text")))
        self.yes = self.add(UIButton(L.r(310, 400, 320, 54), self.yes_label, self.manager,
                                     object_id=ObjectID(class_id="@danger_button")))
        self.no = self.add(UIButton(L.r(650, 400, 320, 54), "No, go back  (Enter)", self.manager,
                                    object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        yes = (event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.yes) or (
            event.type == pygame.KEYDOWN and event.key == pygame.K_y)
        no = (event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.no) or (
            event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_n))
        if yes:
            self.app.close_overlay()
            self.on_yes()
            return True
        if no:
            self.app.close_overlay()
            return True
        return False


class FileOverlay(Overlay):
    """pygame_gui's file dialog; the picked path goes to a callback."""

    name = "file"

    def __init__(self, app, title, start_dir: Path, suffixes: set[str], on_pick):
        super().__init__(app)
        self.title = title
        self.start_dir = Path(start_dir)
        self.suffixes = suffixes
        self.on_pick = on_pick
        self.dialog = None

    def build(self):
        L = self.L
        _usable_locale()  # pygame_gui's file dialog calls setlocale(LC_ALL, ""), which fails on a broken LANG
        start = self.start_dir if self.start_dir.exists() else Path.cwd()
        self.dialog = self.add(SafeFileDialog(L.r(190, 70, 900, 580), self.manager, window_title=self.title,
                                            initial_file_path=str(start.resolve()), allowed_suffixes=self.suffixes,
                                            allow_existing_files_only=True))

    def draw(self, surf):
        dim(surf)

    def handle(self, event):
        if event.type == pygame_gui.UI_FILE_DIALOG_PATH_PICKED and event.ui_element is self.dialog:
            path = event.text
            self.app.close_overlay()
            self.on_pick(path)
            return True
        if event.type == pygame_gui.UI_WINDOW_CLOSE and event.ui_element is self.dialog:
            self.app.close_overlay()
            return True
        return False

    def pick(self, path):
        """Type a path into the dialog and press its OK button (used by tests)."""
        self.dialog.file_path_text_line.set_text(str(path))
        self.dialog.current_file_path = Path(path)
        self.dialog.ok_button.enable()
        return self.dialog.ok_button


class TextOverlay(Overlay):
    """A page of text over the table (a role brief, the advisor, the lens): PageUp/PageDown scroll,
    Enter, Space or Esc close it."""

    box = (140, 40, 1000, 640)

    def __init__(self, app, name: str, title: str, body_html: str):
        super().__init__(app)
        self.name, self.title, self.body = name, title, body_html

    def build(self):
        L = self.L
        self.text = self.add(UITextBox(self.body, L.r(160, 104, 960, 504), self.manager,
                                       object_id=ObjectID(class_id="@big_text")))
        self.close = self.add(UIButton(L.r(960, 620, 160, 46), "Close (Enter)", self.manager,
                                       object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_PAGEDOWN, pygame.K_PAGEUP):
            scroll(self.text, 1 if event.key == pygame.K_PAGEDOWN else -1)
            return True
        return self.dismissed_by(event, self.close)


def scroll(box: UITextBox, pages: int) -> None:
    """PageUp / PageDown in a text box (a keyboard needs no mouse wheel)."""
    bar = getattr(box, "scroll_bar", None)
    if bar is None:
        return
    step = bar.visible_percentage * 0.9
    bar.set_scroll_from_start_percentage(min(1.0 - bar.visible_percentage, max(0.0, bar.start_percentage + pages * step)))
    box.update(0.0)


class ChartOverlay(Overlay):
    """Relations and factors over the turns so far, full screen (C)."""

    name = "chart"
    title = "Over the turns so far"
    box = (30, 30, 1220, 660)

    def build(self):
        self.close = self.add(UIButton(self.L.r(1090, 630, 140, 46), "Close (C)", self.manager,
                                       object_id=ObjectID(class_id="@primary_button")))

    def handle(self, event):
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element is self.close:
            self.app.close_overlay()
            return True
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_c, pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
            self.app.close_overlay()
            return True
        return False

    def draw(self, surf):
        import numpy as np

        from game.ui import charts

        super().draw(surf)
        L, s = self.L, self.app.session
        if s is None:
            return
        ser = s.series()
        rel = np.asarray(ser["relations"], dtype=float)
        lines = charts.relation_lines(s, rel)
        D.text(surf, "Relations (−1 hostile … +1 allied)", L.font(20, True), T.NAVY, L.p(50, 96))
        charts.line_chart(surf, L.r(40, 126, 580, 490), lines, -1, 1, s.game.turns + 1, L,
                          y_ticks=[(-1, "−1"), (-0.5, ""), (0, "0"), (0.5, ""), (1, "+1")], label_w=150)
        fac = np.asarray(ser["factors"], dtype=float)
        flines = []
        for k, f in enumerate(s.scenario.factors):
            if fac.ndim == 2 and fac.shape[1] > k:
                flines.append((f.label, T.OKABE_ITO[k % len(T.OKABE_ITO)], (fac[:, k] - f.min) / ((f.max - f.min) or 1),
                               k >= len(T.OKABE_ITO)))
        D.text(surf, "Factors (share of their range)", L.font(20, True), T.NAVY, L.p(650, 96))
        charts.line_chart(surf, L.r(640, 126, 600, 490), flines, 0, 1, s.game.turns + 1, L,
                          y_ticks=[(0, "min"), (0.5, "½"), (1, "max")], label_w=230)
