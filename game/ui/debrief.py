"""Debrief: scores and verdicts, the alignment chart over the whole game, the discussion
questions, and where this class's game falls among many AI-only worlds (computed in a
background thread, chunk by chunk, with a progress bar; the UI never waits for it)."""

from __future__ import annotations

import datetime as dt
import html
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UIProgressBar, UITextBox

from game import export, narrate, scorecard
from game.files import atomic_path, explain, write_atomic
from game.ui import badges, charts
from game.ui import draw as D
from game.ui import engine
from game.ui import theme as T
from game.ui.screen import Screen

CHUNK = 25


class MonteCarlo:
    """AI-only worlds of the same scenario and seed, simulated in chunks in a thread."""

    def __init__(self, game, seed: int, n: int, chunk: int = CHUNK):
        self.game, self.seed, self.n, self.chunk = game, int(seed), max(0, int(n)), max(1, int(chunk))
        self.done = 0
        self.scores: list[np.ndarray] = []
        self.closest: list[np.ndarray] = []
        self.outcomes: list[np.ndarray] = []
        self.error: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="summit-monte-carlo", daemon=True)

    def start(self):
        if self.n > 0:
            self.thread.start()
        return self

    def stop(self):
        self._stop.set()

    @property
    def finished(self) -> bool:
        return self.error is not None or self.done >= self.n

    def _run(self):
        try:
            start = 1  # world 0 is the class's own world
            while self.done < self.n and not self._stop.is_set():
                k = min(self.chunk, self.n - self.done)
                worlds = np.arange(start + self.done, start + self.done + k)
                out = engine.simulate(self.game, self.seed, worlds)
                with self._lock:
                    self.scores.append(np.asarray(out["scores"], dtype=float))
                    self.closest.append(np.asarray(out["closest"]))
                    if "outcomes" in out:
                        self.outcomes.append(np.asarray(out["outcomes"], dtype=bool))
                    self.done += k
        except Exception as exc:  # noqa: BLE001 - shown on screen, never raised in class
            self.error = f"{type(exc).__name__}: {exc}"

    def results(self):
        with self._lock:
            if not self.scores:
                return None, None
            return np.concatenate(self.scores), np.concatenate(self.closest)

    def outcome_shares(self):
        with self._lock:
            if not self.outcomes:
                return None
            return np.concatenate(self.outcomes).mean(axis=0)


class DebriefScreen(Screen):
    name = "debrief"

    def __init__(self, app):
        super().__init__(app)
        s = app.session
        self.mc = MonteCarlo(s.game, s.seed, app.mc_worlds).start()
        self.exported: list[Path] = []
        st = s.state  # the game has ended: read its results once
        self.scores, self.verdicts = st.scores(), s.verdicts()
        self.partners = st.closest_partners()
        self.rel = np.asarray(s.series()["relations"], dtype=float)
        # each team against the same world with the computer in its seat (same seed, the other teams' moves)
        self.compared = {h: scorecard.compare(st, h) for h in s.humans}
        self.by_goal = scorecard.breakdown(s.game, st.records, s.model.trajectory()[1:, 0])

    @property
    def session(self):
        return self.app.session

    def on_close(self):
        self.mc.stop()

    def build(self):
        L, m, s = self.L, self.manager, self.session
        qs = "<br>".join(f"{k + 1}. {html.escape(q)}" for k, q in enumerate(s.scenario.discussion_questions))
        self.questions = self.add(UITextBox(f"<b>Discussion questions</b><br>{qs}", L.r(10, 548, 640, 164), m,
                                            object_id=ObjectID(class_id="@big_text")))
        self.progress = self.add(UIProgressBar(L.r(680, 104, 570, 32), m))
        mc = self.mc
        self.progress.status_text = lambda: (f"{mc.done} of {mc.n} AI worlds played" if not mc.error else "stopped")
        self.export_button = self.add(UIButton(L.r(660, 662, 230, 48), "Export PNG + log  (E)", m,
                                               object_id=ObjectID(class_id="@primary_button"),
                                               tool_tip_text="Saves this screen as a PNG and the game's news log as text in out/"))
        self.table_button = self.add(UIButton(L.r(900, 662, 170, 48), "Back to table", m))
        self.new_button = self.add(UIButton(L.r(1080, 662, 190, 48), "New game", m))

    def handle(self, event):
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.export_button:
                self.export()
            elif event.ui_element is self.table_button:
                self.app.show_table()
            elif event.ui_element is self.new_button:
                self.app.show_start()
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_e:
            self.export()
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_p:
            self.open_goals()
            return True
        return False

    def goals_html(self) -> str:
        """Each team's points goal by goal (and against the opening state held all game), then where
        its moves differed from the computer's in the same world."""
        s, esc = self.session, html.escape
        out = []
        for aid in (s.humans or s.actor_ids):
            out.append(f"<b>{esc(s.name(aid))}: {self.scores.get(aid, 0.0):.2f} points</b>")
            for row in self.by_goal.get(aid, [])[:8]:
                out.append(f"{row.points:+.2f}  {esc(row.goal.words)} ({row.gained:+.2f} against nothing changing)")
            c = self.compared.get(aid)
            if c is not None:
                out.append(esc(c.words()))
                for month, mine, theirs in c.differences[:6]:
                    when = engine.month_label(s.game.date_of_turn(month).isoformat())
                    out.append(f"&nbsp;&nbsp;{esc(when)}: the team chose '{esc(mine)}'; the computer would have chosen '{esc(theirs)}'")
            out.append("")
        return "<br>".join(out)

    def open_goals(self):
        from game.ui.overlays import TextOverlay

        self.app.open_overlay(TextOverlay(self.app, "goals", "Points goal by goal", self.goals_html()))

    def export(self) -> list[Path]:
        s = self.session
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        base = self.app.export_dir / f"{getattr(s.scenario, 'id', 'game')}-seed{s.seed}-{stamp}"
        try:
            base.parent.mkdir(parents=True, exist_ok=True)
            self.app.draw()  # a fresh frame without any overlay
            png = Path(str(base) + "-debrief.png")
            with atomic_path(png) as tmp, open(tmp, "wb") as fh:
                pygame.image.save(self.app.window, fh, png.name)
            log = Path(str(base) + "-log.txt")
            lines = s.log_lines() + ["", "Final scores and verdicts:"]
            lines += [f"  {v}" for v in self.verdicts.values()]
            share = self.shares()
            if share:
                lines += ["", f"Against {self.mc.done} AI-only worlds of the same scenario:"]
                lines += [f"  {s.name(a)}: better than {p:.0%} of them" for a, p in share.items()]
            lines += ["", "Discussion questions:"] + [f"  {q}" for q in s.scenario.discussion_questions]
            write_atomic(log, "\n".join(lines) + "\n")
            data = export.game_data(s.state, s.model.trajectory()[1:, 0], s.humans, asdict(s.settings))
            game_json, game_csv = export.write(data, base)  # the class's game, month by month, for the next lesson
        except (OSError, pygame.error) as exc:
            self.app.show_message("Could not export", explain(exc) if isinstance(exc, OSError) else str(exc), error=True)
            return []
        self.exported = [png, log, game_json, game_csv]
        self.app.show_message("Exported", f"Debrief picture: {png}\nGame log: {log}\nThe class's game, month by month: "
                              f"{game_csv} and {game_json}")
        return self.exported

    def shares(self) -> dict:
        scores, _ = self.mc.results()
        if scores is None:
            return {}
        mine = self.scores
        out = {}
        for i, a in enumerate(self.session.actor_ids):
            v = mine.get(a)
            if v is None or i >= scores.shape[1]:
                continue
            col = scores[:, i]
            out[a] = float((col < v).mean() + 0.5 * (col == v).mean())
        return out

    def update(self, dt):
        if self.mc.n:
            self.progress.set_current_progress(100.0 * self.mc.done / self.mc.n)

    # --- drawing -----------------------------------------------------------------------------

    def draw(self, surf):
        L, s = self.L, self.session
        st = s.state
        top = pygame.Rect(0, L.r(0, 0, 10, 52).y, surf.get_width(), L.n(52))
        pygame.draw.rect(surf, T.NAVY, top)
        D.text(surf, f"Debrief — {s.scenario.title}", L.font(24, True), (255, 255, 255), L.p(16, 26), "midleft", max_width=L.n(760))
        D.text(surf, f"{engine.month_label(st.date)} · {st.turn} of {s.game.turns} turns played", L.font(20, True),
               (255, 255, 255), L.p(1264, 26), "midright")

        # scores and verdicts
        area = L.r(10, 60, 640, 250)
        D.panel(surf, area, radius=L.n(10))
        D.text(surf, "Scores and verdicts", L.font(19, True), T.NAVY, L.p(22, 66))
        scores, verdicts, partners = self.scores, self.verdicts, self.partners
        ids = s.actor_ids
        rh = min(56, 178 / max(1, len(ids)))
        for k, a in enumerate(ids):
            y = 96 + k * rh
            img = badges.badge(st.actor_portrait(a), st.actor_name(a), T.hex_colour(st.actor_colour(a)), L.n(min(44, rh - 6)))
            surf.blit(img, L.p(20, y + 2))
            D.text(surf, s.name(a), L.font(17, True), T.TEXT, L.p(72, y + 2), max_width=L.n(230))
            D.text(surf, f"{scores.get(a, float('nan')):.2f} points", L.font(17, True), T.NAVY, L.p(310, y + 2))
            if a in partners:
                D.text(surf, f"closest: {s.short_name(partners[a])}", L.font(15), T.MUTED, L.p(450, y + 4), max_width=L.n(190))
            v = str(verdicts.get(a, ""))
            v = v.split(": ", 1)[-1] if ": " in v else v
            c = self.compared.get(a)
            if c is not None:  # a team: against its own world played by the computer, not the luck of others
                word = "ahead of" if c.margin > 1e-9 else "behind" if c.margin < -1e-9 else "level with"
                v = (f"Team {c.team:.2f} vs {c.ai:.2f} with the computer in this seat, same world: "
                     f"{word} it by {abs(c.margin):.2f} (P: points by goal)")
            if rh >= 40:
                D.text(surf, v, L.font(14), T.TEXT, L.p(72, y + 26), max_width=L.n(570))
        D.paragraph(surf, narrate.AI_MEASURE_NOTE, L.font(12), T.MUTED, L.r(22, 96 + len(ids) * rh, 616, 30),
                    line_gap=1.0, max_lines=2)

        # alignment chart over the whole game
        area = L.r(10, 318, 640, 222)
        D.panel(surf, area, radius=L.n(10))
        D.text(surf, "Alignment over the whole game (relations)", L.font(18, True), T.NAVY, L.p(22, 324))
        rel = self.rel
        lines = charts.relation_lines(s, rel)
        charts.line_chart(surf, L.r(14, 350, 632, 186), lines, -1, 1, max(2, rel.shape[0] if rel.ndim == 3 else 2), L,
                          y_ticks=[(-1, "−1"), (0, "0"), (1, "+1")], label_w=140)

        # the class among AI worlds
        area = L.r(660, 60, 610, 594)
        D.panel(surf, area, radius=L.n(10))
        mc = self.mc
        if mc.error:
            status = f"AI worlds could not be computed: {mc.error}"
        elif not mc.finished:
            status = f"Playing the same scenario in {mc.n} AI-only worlds… {mc.done} done"
        else:
            status = f"This class among {mc.done} AI-only worlds of the same scenario"
        D.text(surf, status, L.font(18, True), T.NAVY, L.p(672, 68), max_width=L.n(590))
        scores_mc, closest_mc = mc.results()
        outcome_lines = self.outcome_lines()
        y = 148
        rh = min(120, (470 - 24 * len(outcome_lines)) / max(1, len(ids)))
        for i, a in enumerate(ids):
            col = T.hex_colour(st.actor_colour(a))
            D.text(surf, s.name(a), L.font(17, True), T.TEXT, L.p(676, y))
            if scores_mc is not None and i < scores_mc.shape[1]:
                share = charts.strip(surf, L.r(676, y + 26, 400, rh - 48), scores_mc[:, i], scores.get(a), col, L)
                lo = min(float(np.nanmin(scores_mc[:, i])), scores.get(a, np.inf))
                hi = max(float(np.nanmax(scores_mc[:, i])), scores.get(a, -np.inf))
                D.text(surf, f"{lo:.0f}", L.font(13), T.MUTED, L.p(676, y + rh - 21))
                D.text(surf, "score", L.font(13), T.MUTED, L.p(876, y + rh - 21), "midtop")
                D.text(surf, f"{hi:.0f}", L.font(13), T.MUTED, L.p(1076, y + rh - 21), "topright")
                if share is not None:
                    D.text(surf, f"better than {share:.0%}", L.font(18, True), T.NAVY, L.p(1088, y + 26))
                    D.text(surf, "of AI worlds", L.font(15), T.MUTED, L.p(1088, y + 50))
                if closest_mc is not None and a in partners and i < closest_mc.shape[1]:
                    pj = ids.index(partners[a]) if partners[a] in ids else -1
                    same = float((closest_mc[:, i] == pj).mean()) if pj >= 0 else 0.0
                    D.text(surf, f"{s.short_name(a)} ends closest to", L.font(14), T.MUTED, L.p(1088, y + 72), max_width=L.n(176))
                    D.text(surf, f"{s.short_name(partners[a])} in {same:.0%}", L.font(14, True), T.MUTED, L.p(1088, y + 90),
                           max_width=L.n(176))
            else:
                D.text(surf, "waiting for AI worlds…", L.font(15), T.MUTED, L.p(676, y + 28))
            y += rh
        for text, colour in outcome_lines:
            D.text(surf, text, L.font(15, True), colour, L.p(676, y + 2), max_width=L.n(586))
            y += 24
        D.text(surf, "Bars: scores in the AI worlds. Black line: this class.", L.font(14), T.MUTED, L.p(676, 630))

    def outcome_lines(self) -> list[tuple[str, tuple]]:
        """Event outcomes of this game and how often the AI worlds saw them (at most three)."""
        s = self.session
        game = s.game
        shares = self.mc.outcome_shares()
        labels = list(game.outcome_labels)
        if shares is None or not labels:
            return []
        happened = set(s.state.outcomes())
        here = np.array([o in happened for o in game.outcome_ids])
        events = list(game.events)
        owner = list(game.outcome_event)
        out = []
        for o in np.argsort(-here.astype(int), kind="stable"):
            if o >= len(labels) or o >= len(shares):
                continue
            scheduled = o < len(owner) and owner[o] < len(events) and getattr(events[owner[o]], "kind", "") == "scheduled"
            if not (here[o] or scheduled):
                continue
            if here[o]:
                out.append((f"Here: {labels[o]} (in {shares[o]:.0%} of AI worlds)", T.NAVY))
            elif scheduled and shares[o] >= 0.05:
                out.append((f"Not here: {labels[o]} (in {shares[o]:.0%} of AI worlds)", T.MUTED))
            if len(out) >= 3:
                break
        return out
