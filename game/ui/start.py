"""Start screen: pick a scenario, read it, choose who plays whom, set the seed, start."""

from __future__ import annotations

import html
import random
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UILabel, UISelectionList, UITextBox, UITextEntryLine

from game.errors import SummitError
from game.ui import badges
from game.ui import draw as D
from game.ui import engine
from game.ui import theme as T
from game.ui.screen import Screen


class StartScreen(Screen):
    name = "start"

    def __init__(self, app, path=None, humans=(), seed=None):
        super().__init__(app)
        self.entries = engine.shipped_scenarios()
        self.path: Path | None = None
        self.scenario = None
        self.problem: str | None = None
        self.humans: list[str] = list(humans)  # kept where the selected scenario has them
        self.seed_text = str(2019 if seed is None else seed)
        self.scenario_buttons: dict = {}
        self.toggle_buttons: dict = {}
        self.badge_slots: list = []
        if path is not None:
            self.select(Path(path))
        elif self.entries:
            preferred = [e for e in self.entries if e.id == "vladivostok-2019"]  # the baseline first
            self.select((preferred or self.entries)[0].path)

    # --- state --------------------------------------------------------------------------

    def select(self, path):
        self.path = Path(path)
        self.scenario, self.problem = None, None
        try:
            self.scenario = engine.load_scenario(self.path)
        except engine.ScenarioProblem as exc:
            self.problem = str(exc)
        ids = [a.id for a in self.scenario.actors] if self.scenario else []
        self.humans = [h for h in self.humans if h in ids]
        if self.widgets:
            self.rebuild()

    def seed(self) -> int:
        try:
            return int(self.seed_text.strip() or "0") % (2**31)
        except ValueError:
            return 0

    def start(self):
        from game.session import Session

        if self.scenario is None:
            return
        if self.widgets and getattr(self, "seed_entry", None) is not None:
            self.seed_text = self.seed_entry.get_text()
        try:
            session = Session.new(self.path, tuple(self.humans), self.seed(), scenario=self.scenario)
        except (SummitError, ValueError) as exc:  # a scenario the engine refuses (too many leaders, ...)
            self.app.show_message("Cannot start this scenario", str(exc), error=True)
            return
        self.app.start_session(session)

    # --- widgets ------------------------------------------------------------------------

    def build(self):
        L, m = self.L, self.manager
        self.scenario_buttons, self.toggle_buttons, self.badge_slots = {}, {}, []
        y = 124
        n = max(1, len(self.entries))
        bh = max(30, min(46, int((300 - 10 * n) / n)))
        self.scenario_list = None
        if len(self.entries) > 7:  # many files: a scrolling list instead of buttons
            items = [(e.title.split(":")[0].strip() or e.title, f"#scenario_{i}") for i, e in enumerate(self.entries)]
            current = next((it for it, e in zip(items, self.entries)
                            if self.path is not None and Path(e.path).resolve() == self.path.resolve()), None)
            self.scenario_list = self.add(UISelectionList(L.r(30, y, 380, 290), items, m, default_selection=current))
            y += 298
        for e in (self.entries if self.scenario_list is None else []):
            active = self.path is not None and Path(e.path).resolve() == self.path.resolve()
            short = e.title.split(":")[0].strip() or e.title
            b = self.add(UIButton(L.r(30, y, 380, bh), short, m, tool_tip_text=f"{html.escape(e.title)}<br>{html.escape(str(e.path))}",
                                  object_id=ObjectID(class_id="@toggle_on" if active else None)))
            self.scenario_buttons[b] = e.path
            y += bh + 8
        if not self.entries:
            self.add(UILabel(L.r(30, y, 380, 36), "No shipped scenarios found", m))
            y += 44
        self.open_button = self.add(UIButton(L.r(30, y + 4, 380, 44), "Open a scenario file…", m,
                                             tool_tip_text="Open any scenario YAML file"))
        self.add(UILabel(L.r(30, 478, 120, 40), "Seed", m, object_id=ObjectID(class_id="@heading_label")))
        self.seed_entry = self.add(UITextEntryLine(L.r(110, 480, 150, 42), m))
        self.seed_entry.set_allowed_characters("numbers")
        self.seed_entry.set_text(self.seed_text)
        self.reseed = self.add(UIButton(L.r(270, 480, 140, 42), "New seed", m,
                                        tool_tip_text="The seed fixes every chance in the game: the same seed and the same choices give the same game."))
        self.load_button = self.add(UIButton(L.r(30, 650, 250, 50), "Load saved game…", m))
        from game.session import newest_autosave

        self.autosave = newest_autosave(self.app.save_dir)
        self.continue_button = None
        if self.autosave is not None:  # a game the window was closed on: one click to go on
            self.continue_button = self.add(UIButton(
                L.r(30, 590, 380, 50), "Continue the autosaved game", m, object_id=ObjectID(class_id="@primary_button"),
                tool_tip_text=html.escape(f"{self.autosave}")))
        self.help_button = self.add(UIButton(L.r(290, 650, 120, 50), "Help (H)", m))

        per_row, rows, head_y = self._leader_rows()
        self.details = self.add(UITextBox(self.details_html(), L.r(440, 84, 810, head_y - 96), m,
                                          object_id=ObjectID(class_id="@error_text" if self.problem else None)))
        self.start_button = self.add(UIButton(L.r(1000, 650, 250, 50), "Start game  (Enter)", m,
                                              object_id=ObjectID(class_id="@primary_button")))
        if self.scenario is None:
            self.start_button.disable()
        self.all_ai = self.all_human = None
        if self.scenario is not None:
            self.all_ai = self.add(UIButton(L.r(890, head_y - 2, 170, 36), "Everyone AI", m))
            self.all_human = self.add(UIButton(L.r(1070, head_y - 2, 180, 36), "Everyone human", m))
            actors = self.scenario.actors
            cw = min(200, (810 - 10 * (per_row - 1)) // per_row)
            area_h = 640 - (head_y + 42)
            ch = min(140, (area_h - 8 * (rows - 1)) // rows)
            for k, a in enumerate(actors):
                cx = 440 + (k % per_row) * (cw + 10)
                cy = head_y + 42 + (k // per_row) * (ch + 8)
                human = a.id in self.humans
                bsize = min(54, ch - 44)
                self.badge_slots.append((a, (cx, cy, cw, ch), bsize))
                b = self.add(UIButton(L.r(cx + 6, cy + ch - 40, cw - 12, 34), f"{k + 1}. {'Human' if human else 'AI'}", m,
                                      tool_tip_text=f"Click (or press {k + 1}) to switch who plays {html.escape(a.name)}: a student or the AI.",
                                      object_id=ObjectID(class_id="@toggle_on" if human else None)))
                self.toggle_buttons[b] = a.id

    def _leader_rows(self) -> tuple[int, int, int]:
        """(cards per row, rows, top y of the 'Who plays' heading) for this scenario."""
        n = len(self.scenario.actors) if self.scenario is not None else 0
        per_row = max(1, min(n, 6) if n <= 12 else 8)
        rows = max(1, (n + per_row - 1) // per_row)
        return per_row, rows, 466 - 96 * (rows - 1)

    def details_html(self) -> str:
        if self.problem:
            lines = self.problem.splitlines()
            shown = lines[:40]
            more = f"<br>… and {len(lines) - 40} more" if len(lines) > 40 else ""
            return ("<font color=#b8431b><b>This scenario file has errors, so it cannot be played.</b></font><br>"
                    "Fix these lines and open it again:<br><br>" + "<br>".join(html.escape(x) for x in shown) + more)
        s = self.scenario
        if s is None:
            return "Pick a scenario on the left, or open a scenario file."
        esc = html.escape
        parts = [f"<font pixel_size={int(26 * self.L.s)}><b>{esc(s.title)}</b></font>",
                 f"<i>From {s.start_date.day} {s.start_date.strftime('%B %Y')} · {s.turns} monthly turns · "
                 f"{len(s.actors)} leaders</i><br>",
                 esc(s.summary), "", "<b>Learning objectives</b>"]
        parts += [f"• {esc(x)}" for x in s.learning_objectives]
        parts += ["", "<b>Sources</b>"]
        parts += [f"• {esc(src.citation)}" for src in s.sources]
        return "<br>".join(parts)

    # --- events ---------------------------------------------------------------------------

    def toggle(self, aid):
        if aid in self.humans:
            self.humans.remove(aid)
        else:
            self.humans.append(aid)
        order = [a.id for a in self.scenario.actors] if self.scenario else []
        self.humans.sort(key=lambda h: order.index(h) if h in order else 99)
        self.seed_text = self.seed_entry.get_text() if getattr(self, "seed_entry", None) else self.seed_text
        self.rebuild()

    def handle(self, event):
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            el = event.ui_element
            if el in self.scenario_buttons:
                self.seed_text = self.seed_entry.get_text()
                self.select(self.scenario_buttons[el])
            elif el in self.toggle_buttons:
                self.toggle(self.toggle_buttons[el])
            elif el is self.open_button:
                from game.ui.overlays import FileOverlay

                start = self.path.parent if self.path else engine.SCENARIO_DIR
                self.app.open_overlay(FileOverlay(self.app, "Open a scenario file", start, {".yaml", ".yml"}, self._picked))
            elif el is self.reseed:
                self.seed_text = str(random.randrange(1, 100000))
                self.seed_entry.set_text(self.seed_text)
            elif el is self.start_button:
                self.start()
            elif el is self.load_button:
                self.app.open_load_dialog()
            elif el is not None and el is self.continue_button:
                self.app.load_game(self.autosave)
            elif el is self.help_button:
                self.app.open_help()
            elif el is self.all_ai and self.scenario:
                self.humans = []
                self.seed_text = self.seed_entry.get_text()
                self.rebuild()
            elif el is self.all_human and self.scenario:
                self.humans = [a.id for a in self.scenario.actors]
                self.seed_text = self.seed_entry.get_text()
                self.rebuild()
            return True
        if (event.type == pygame_gui.UI_SELECTION_LIST_NEW_SELECTION and self.scenario_list is not None
                and event.ui_element is self.scenario_list):
            picked = self.scenario_list.get_single_selection(include_object_id=True)
            if picked:
                k = int(str(picked[1]).rsplit("_", 1)[-1])
                self.seed_text = self.seed_entry.get_text()
                self.select(self.entries[k].path)
            return True
        if event.type == pygame_gui.UI_TEXT_ENTRY_CHANGED and event.ui_element is getattr(self, "seed_entry", None):
            self.seed_text = self.seed_entry.get_text()
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                if getattr(self, "seed_entry", None) is not None:
                    self.seed_text = self.seed_entry.get_text()
                self.start()
                return True
            if self.scenario is not None and pygame.K_1 <= event.key <= pygame.K_9:
                k = event.key - pygame.K_1
                if k < len(self.scenario.actors):
                    self.toggle(self.scenario.actors[k].id)
                return True
            if event.key in (pygame.K_UP, pygame.K_DOWN) and self.entries:
                paths = [Path(e.path).resolve() for e in self.entries]
                cur = paths.index(self.path.resolve()) if self.path and self.path.resolve() in paths else -1
                nxt = (cur + (1 if event.key == pygame.K_DOWN else -1)) % len(paths)
                self.seed_text = self.seed_entry.get_text()
                self.select(self.entries[nxt].path)
                return True
        return False

    def _picked(self, path):
        self.select(Path(path))

    # --- drawing --------------------------------------------------------------------------

    def draw(self, surf):
        L = self.L
        D.text(surf, "Summit", L.font(40, True), T.NAVY, L.p(30, 12))
        D.text(surf, "A classroom simulation of great-power diplomacy around North Korea, 2019",
               L.font(19), T.MUTED, L.p(200, 30))
        pygame.draw.line(surf, T.BORDER, L.p(30, 72), L.p(1250, 72), L.n(2))
        D.text(surf, "Scenarios", L.font(22, True), T.NAVY, L.p(30, 84))
        if self.scenario is not None:
            D.text(surf, "Who plays each leader?", L.font(22, True), T.NAVY, L.p(440, self._leader_rows()[2]))
            for a, (cx, cy, cw, ch), bsize in self.badge_slots:
                r = L.r(cx, cy, cw, ch)
                human = a.id in self.humans
                D.panel(surf, r, fill=(232, 238, 247) if human else T.PANEL, border=T.NAVY if human else T.BORDER,
                        radius=L.n(8), width=L.n(3 if human else 1))
                img = badges.badge(a.portrait, a.name, T.hex_colour(a.colour), L.n(bsize))
                surf.blit(img, L.p(cx + 6, cy + 4))
                tx = cx + 12 + bsize
                tw = L.n(cw - bsize - 16)
                D.text(surf, a.name, L.font(16, True), T.TEXT, L.p(tx, cy + 6), max_width=tw)
                if ch >= 110:
                    D.text(surf, a.country, L.font(15), T.MUTED, L.p(tx, cy + 30), max_width=tw)
                if a.veto:
                    label = self.scenario.veto_label
                    if L.font(14, True).size(label)[0] > tw:
                        label = "Holds a veto"
                    D.text(surf, label, L.font(14, True), T.VERMILLION, L.p(tx, cy + (50 if ch >= 110 else 28)), max_width=tw)
        else:
            D.text(surf, "Fix the file, then open it again (or pick a shipped scenario).", L.font(20, True),
                   T.VERMILLION, L.p(440, 470))
        if self.problem is None and self.scenario is not None:
            who = ", ".join(a.name for a in self.scenario.actors if a.id in self.humans) or "nobody — the AI plays everyone"
            D.text(surf, f"Students play: {who}", L.font(17), T.TEXT, L.p(440, 664), max_width=L.n(550))
