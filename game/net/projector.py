"""The projector at the front of a networked class: the table, how to join, who is still deciding.

A screen of the pygame App. The upper part is the hot-seat table's board and factors (drawn
by the table screen's own functions, from the same Session); the lower part replaces the
move buttons: the join address, class code and QR code, each team's state (joined, still
deciding, done: never what it chose), and the last month's results. Keys: Space starts the
game or the next month, E ends the wait (the timer's rule decides), T shows or hides the
team codes (the teacher assigns teams with them), J shows or hides the join panel.
"""

from __future__ import annotations

import pygame
import segno

from game.net import classroom as C
from game.net import pages as P
from game.ui import draw as D
from game.ui import theme as T
from game.ui.screen import Screen

BOTTOM = (10, 484, 1260, 228)  # design units (1280x720): below the table and the factors
JOIN = (10, 484, 300, 228)
TEAMS = (320, 484, 420, 228)
NEWS = (750, 484, 520, 228)


def qr_surface(text: str, size: int) -> pygame.Surface:
    """A QR code of `text` as a square pygame surface of about `size` pixels (quiet zone included)."""
    qr = segno.make(text, error="m")
    rows = [list(r) for r in qr.matrix]
    n = len(rows) + 8  # four modules of quiet zone on each side
    cell = max(1, size // n)
    surf = pygame.Surface((cell * n, cell * n))
    surf.fill((255, 255, 255))
    for y, row in enumerate(rows):
        for x, bit in enumerate(row):
            if bit:
                surf.fill((0, 0, 0), pygame.Rect((x + 4) * cell, (y + 4) * cell, cell, cell))
    return surf


class ProjectorScreen(Screen):
    name = "projector"

    def __init__(self, app, room: C.Classroom, join_url: str, address: str):
        super().__init__(app)
        from game.ui.table import TableScreen

        self.room = room
        self.join_url = join_url
        self.address = address
        self.board = TableScreen(app)  # only its drawing functions: no widgets, no keys
        self.show_codes = False
        self.show_join = True
        self.message = ""
        self._qr: tuple[int, pygame.Surface] | None = None
        self._played = 0  # months played when last drawn: a new one animates the table

    def handle(self, event) -> bool:
        if event.type != pygame.KEYDOWN:
            return False
        room = self.room
        try:
            if event.key == pygame.K_SPACE:
                room.next_month() if room.phase == C.RESULTS else room.start() if room.phase == C.LOBBY else None
            elif event.key == pygame.K_e and room.phase in (C.CHOOSING, C.ANSWERING):
                room.end_wait()
            elif event.key == pygame.K_t:
                self.show_codes = not self.show_codes
            elif event.key == pygame.K_j:
                self.show_join = not self.show_join
            else:
                return False
        except C.Refused as exc:
            self.message = str(exc)
        return True

    def update(self, dt: float) -> None:
        with self.room.lock:
            session = self.room.bridge.session
            if self.app.session is not session:  # the game started: the board follows the real session
                self.app.session = session
            board = self.board
            if len(session.state.records) != self._played:
                self._played = len(session.state.records)
                board.start_animation()  # the table moves from the month's start to its close
            if board.animating:
                board.anim_t = min(1.0, board.anim_t + dt / board.anim_duration)

    def draw(self, surf) -> None:
        with self.room.lock:
            self.app.session = self.room.bridge.session
            view = P.public_view(self.room)
            codes = {a: self.room.team_code(a) for a in self.room.game.actor_ids}
            board = self.board
            snap = board.shown()
            L = self.L
            surf.fill(T.BG)
            D.panel(surf, L.r(10, 60, 590, 414), radius=L.n(10))
            D.panel(surf, L.r(610, 60, 660, 414), radius=L.n(10))
            board.draw_top(surf)
            board.draw_table(surf, snap)
            board.draw_dashboard(surf, snap)
        self.draw_join(surf, view)
        self.draw_teams(surf, view, codes)
        self.draw_news(surf, view)

    def draw_join(self, surf, view: dict) -> None:
        L = self.L
        rect = L.r(*JOIN)
        D.panel(surf, rect, radius=L.n(10))
        if not self.show_join:
            D.text(surf, "Join panel hidden (J)", L.font(16), T.MUTED, (rect.x + L.n(12), rect.y + L.n(10)))
            return
        side = min(rect.h - L.n(16), L.n(150))
        if self._qr is None or self._qr[0] != side:
            self._qr = (side, qr_surface(self.join_url, side))
        qr = self._qr[1]
        surf.blit(qr, (rect.x + L.n(8), rect.y + (rect.h - qr.get_height()) // 2))
        x = rect.x + L.n(16) + qr.get_width()
        w = rect.right - x - L.n(8)
        D.text(surf, "Join the class", L.font(17, True), T.NAVY, (x, rect.y + L.n(12)), max_width=w)
        D.text(surf, "Class code", L.font(14), T.MUTED, (x, rect.y + L.n(44)))
        D.text(surf, view["code"], L.font(28, True, mono=True), T.TEXT, (x, rect.y + L.n(62)), max_width=w)
        D.text(surf, "Address", L.font(14), T.MUTED, (x, rect.y + L.n(112)))
        D.paragraph(surf, self.address.removeprefix("http://"), L.font(15, True), T.TEXT,
                    pygame.Rect(x, rect.y + L.n(130), w, L.n(60)))

    def draw_teams(self, surf, view: dict, codes: dict) -> None:
        L = self.L
        rect = L.r(*TEAMS)
        D.panel(surf, rect, radius=L.n(10))
        st = view["status"]
        x, y = rect.x + L.n(12), rect.y + L.n(10)
        left = f" · {st['seconds_left']} s left" if st["seconds_left"] is not None else ""
        D.text(surf, st["phase_words"] + left, L.font(16, True), T.NAVY, (x, y), max_width=rect.w - L.n(24))
        y += L.n(28)
        deciding = {d["id"] for d in st["deciding"]}
        for aid in self.room.game.actor_ids:
            name = self.room.name(aid)
            devices = view["devices"].get(aid, 0)
            team = aid in {t["id"] for t in view["teams"]}
            if not team and st["phase"] != C.LOBBY:
                state, colour = "the computer", T.MUTED
            elif devices == 0:
                state, colour = "waiting for a team to join", T.VERMILLION
            elif aid in deciding:
                state, colour = "still deciding…", T.ORANGE
            elif st["phase"] in (C.CHOOSING, C.ANSWERING):
                state, colour = "done", T.GREEN
            else:
                state, colour = f"joined ({devices} device{'s' if devices > 1 else ''})", T.BLUE
            if self.show_codes:
                state += f" · team code {codes[aid]}"
            D.text(surf, name, L.font(15, True), T.TEXT, (x, y), max_width=L.n(150))
            D.text(surf, state, L.font(15, True), colour, (x + L.n(156), y), max_width=rect.w - L.n(180))
            y += L.n(22)
        keys = "Space: start" if st["phase"] == C.LOBBY else "Space: next month" if st["phase"] == C.RESULTS else \
            "E: end the wait" if st["phase"] in (C.CHOOSING, C.ANSWERING) else ""
        hint = " · ".join(k for k in (keys, "T: team codes", "J: join panel") if k)
        D.text(surf, self.message or hint, L.font(13), T.VERMILLION if self.message else T.MUTED,
               (x, rect.bottom - L.n(20)), max_width=rect.w - L.n(24))

    def draw_news(self, surf, view: dict) -> None:
        L = self.L
        rect = L.r(*NEWS)
        D.panel(surf, rect, radius=L.n(10))
        res = view["results"]
        x, y = rect.x + L.n(12), rect.y + L.n(10)
        if view["events"]:  # the month opens with news: everyone reads it before choosing
            D.text(surf, f"This month: {view['status']['month']}", L.font(17, True), T.VERMILLION, (x, y))
            y += L.n(26)
            for line in view["events"]:
                y = D.paragraph(surf, line, L.font(14, True), T.TEXT,
                                pygame.Rect(x, y, rect.w - L.n(24), rect.bottom - y - L.n(8)), max_lines=2) + L.n(4)
            y += L.n(6)
        if res is None:
            if not view["events"]:
                D.text(surf, "Results appear here once a month is played.", L.font(16), T.MUTED, (x, y))
            return
        if y > rect.bottom - L.n(48):
            return
        D.text(surf, f"Results: {res['month']}", L.font(17, True), T.NAVY, (x, y))
        y += L.n(26)
        font = L.font(14)
        for a in res["actions"]:
            word = {"success": "worked", "failed": "FAILED", "blocked": "BLOCKED", "refused": "REFUSED"}[a["result"]]
            line = f"{a['name']}: {a['label']} — {word}"
            colour = T.RESULT_COLOURS.get(a["result"], T.TEXT)
            y = D.paragraph(surf, line, font, colour if a["result"] != "refused" else T.VERMILLION,
                            pygame.Rect(x, y, rect.w - L.n(24), rect.bottom - y - L.n(8)), max_lines=2) + L.n(2)
            if y > rect.bottom - L.n(20):
                break

    def escape(self) -> bool:
        """Esc does not open the hot-seat menu here (loading another game would leave the class behind)."""
        return True
