"""A whole short class game in real browsers: two team pages and the moderator in Chromium
(driven by Playwright), the projector in a pygame window, the server on 127.0.0.1.

Run by tests/test_net_browser.py in its own process (the projector needs a display: Xvfb's,
else SDL's dummy driver). Usage: python tests/net_browser_game.py OUT_DIR CHROMIUM
Prints one JSON line with what it saw; screenshots go to OUT_DIR.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from game.loader import load_scenario  # noqa: E402
from game.net import classroom as C  # noqa: E402
from game.net.host import Host  # noqa: E402
from game.net.journal import Journal  # noqa: E402

TINY = ROOT / "tests" / "data" / "tiny.yaml"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
DEADLINE = time.monotonic() + 240
SEEN_VERSION = "v => { const e = document.querySelector('[data-version]'); return e && +e.dataset.version >= v; }"  # the whole run, however it goes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(out: Path, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright

    from game.net.projector import ProjectorScreen
    from game.ui.app import App

    out.mkdir(parents=True, exist_ok=True)
    room = C.Classroom.new(TINY, load_scenario(TINY), 4, teams=["a", "b"], journal=Journal(out / "host"))
    host = Host(room, "127.0.0.1", free_port())
    host.start()
    app = App(size=(1280, 720), strict=True, animate=False)
    app.session = room.bridge.session
    app.set_screen(ProjectorScreen(app, room, host.server.join_url(), host.address))
    seen: dict = {"months": 0, "questions": 0, "shots": []}

    def projector(name: str) -> None:
        app.run_frames(3)
        app.screenshot(out / f"projector-{name}.png")
        seen["shots"].append(f"projector-{name}.png")

    def shot(page, name: str) -> None:
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        seen["shots"].append(f"{name}.png")

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
            laptop = browser.new_context(viewport={"width": 1280, "height": 900})
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            desk = browser.new_context(viewport={"width": 1280, "height": 900})
            a, b, teacher = laptop.new_page(), phone.new_page(), desk.new_page()
            for page in (a, b, teacher):
                page.set_default_timeout(15_000)
            projector("lobby")

            a.goto(host.server.join_url())
            shot(a, "join")
            a.get_by_label("Leader A", exact=True).check()
            a.get_by_label("This device's name (optional)").first.fill("Front row laptop")
            a.get_by_role("button", name="Join", exact=True).click()
            a.wait_for_url("**/team")
            b.goto(host.server.join_url())
            b.get_by_label("Leader B", exact=True).check()
            b.get_by_role("button", name="Join", exact=True).click()
            b.wait_for_url("**/team")
            teacher.goto(f"{host.address}/teacher?key={room.teacher_key}")
            for page in (a, b, teacher):
                page.wait_for_selector("#conn.ok")

            # keyboard: the skip link first, every visible field labelled, the phone page fits its screen
            a.keyboard.press("Tab")
            seen["first_tab"] = a.evaluate("document.activeElement.textContent")
            seen["unlabelled"] = a.evaluate(
                "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                ".filter(e => !e.labels || e.labels.length === 0).length")
            seen["phone_overflow"] = b.evaluate("document.documentElement.scrollWidth - window.innerWidth")

            b.get_by_label("Message (at most 280 characters)").fill("<b>Hello</b> from Bo & co")
            b.get_by_role("button", name="Send", exact=True).click()
            a.get_by_text("<b>Hello</b> from Bo & co").wait_for()
            seen["escaped"] = "<b>Hello</b>" not in a.inner_html("#s-talk")
            shot(a, "team-a-choosing")
            shot(b, "team-b-phone-choosing")
            projector("choosing")

            while room.phase != C.OVER and time.monotonic() < DEADLINE:
                for page in (a, b):
                    if page.locator("form.moves").count():
                        page.locator("form.moves input[type=radio]").last.check()
                        page.get_by_role("button", name="Confirm my move").click()
                        page.wait_for_selector("#said:has-text('Confirmed')")
                if seen["months"] == 0:
                    projector("deciding-done")
                for _ in range(40):
                    if room.phase not in (C.CHOOSING, C.ANSWERING):
                        break
                    for page in (a, b):
                        if page.locator("form.question").count():
                            seen["questions"] += 1
                            if seen["questions"] == 1:
                                shot(page, "team-question")
                            page.locator("form.question button").last.click()
                            page.wait_for_selector("#said:has-text('Answered')")
                    time.sleep(0.05)
                seen["months"] += 1
                if seen["months"] == 1:
                    a.wait_for_selector("#s-results li")
                    shot(a, "team-a-results")
                    shot(teacher, "moderator-results")
                    projector("results")
                if room.phase == C.RESULTS:
                    teacher.get_by_role("button", name="Next month").click()
                    for _ in range(200):
                        if room.phase != C.RESULTS:
                            break
                        time.sleep(0.05)
                    for page in (a, b, teacher):
                        page.wait_for_function(SEEN_VERSION, arg=room.version)
                app.run_frames(2)
            a.wait_for_selector("text=The game is over")
            b.wait_for_selector("text=The game is over")
            shot(a, "team-a-over")
            shot(b, "team-b-phone-over")
            shot(teacher, "moderator-over")
            projector("over")
            seen["over_text"] = a.inner_text("#s-act")
            browser.close()
    finally:
        host.stop()
        room.journal.close()
    seen["phase"] = room.phase
    seen["turn"] = room.bridge.turn
    seen["turns"] = room.game.turns
    seen["saved"] = (out / "host" / "game.json").read_text() == room.bridge.to_json()
    seen["thread_alive"] = host.thread.is_alive()
    return seen


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2])))
