"""Chaos: a real host (`main.py host --no-window` on 127.0.0.1) and real websocket clients; a
team's connection is cut mid-month, then the host is killed (SIGKILL) mid-game and resumed
with --resume. The pages reconnect with their tokens, a move sent again is refused as already
received, and the final save and exports equal an uninterrupted game with the same seed and
choices. Bounded: every wait has a deadline; only loopback addresses."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import pytest
from conftest import ROOT
from websockets.sync.client import connect

from game import export
from game.loader import load_scenario
from game.net import classroom as C
from game.net.journal import Journal

TINY = ROOT / "tests" / "data" / "tiny.yaml"
SEED = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick(actor: str, turn: int, moves: list[str]) -> str:
    return moves[zlib.crc32(f"{actor}:{turn}".encode()) % len(moves)]


class Host:
    """`main.py host` in a child process."""

    def __init__(self, port: int, folder: Path, resume: bool):
        args = [sys.executable, "main.py", "host", str(TINY), "--teams", "a,b", "--bind", "127.0.0.1",
                "--port", str(port), "--save-dir", str(folder), "--seed", str(SEED), "--no-window"]
        self.proc = subprocess.Popen(args + (["--resume"] if resume else []), cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        self.lines = []
        deadline = time.monotonic() + 60
        while not any("Moderator" in line for line in self.lines):
            assert time.monotonic() < deadline and self.proc.poll() is None, self.proc.stderr.read()
            self.lines.append(self.proc.stdout.readline())
        text = "".join(self.lines)
        self.code = text.split("class code ")[1][:6]
        self.teacher = text.split("teacher?key=")[1].split()[0]
        self.base = f"http://127.0.0.1:{port}"

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


class Page:
    """A team's (or the teacher's) page: a websocket that reconnects, with its token as a cookie."""

    def __init__(self, base: str, cookie: str, path: str = "/ws"):
        self.base, self.cookie, self.path = base, cookie, path
        self.ws = None
        self.sections: dict[str, str] = {}
        self.connect()

    def connect(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                url = self.base.replace("http", "ws") + self.path
                self.ws = connect(url, additional_headers={"Cookie": self.cookie}, open_timeout=5, legacy=True)
                self.sections = {}
                self.read_view()
                return
            except OSError:
                assert time.monotonic() < deadline, "the page could not reconnect"
                time.sleep(0.2)

    def read_view(self) -> None:
        msg = json.loads(self.ws.recv(timeout=10))
        assert msg["type"] == "view", msg
        self.sections.update(msg["sections"])

    def act(self, **data) -> dict:
        self.ws.send(json.dumps({"type": "act", "data": data}))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv(timeout=10))
            if msg["type"] == "ack":
                return msg
            if msg["type"] == "view":
                self.sections.update(msg["sections"])
        raise AssertionError("no acknowledgement")

    def drain(self) -> None:
        """Read the updates that have arrived (waiting at most a moment)."""
        while True:
            try:
                msg = json.loads(self.ws.recv(timeout=0.2))
            except TimeoutError:
                return
            if msg["type"] == "view":
                self.sections.update(msg["sections"])

    def cut(self) -> None:
        """The Wi-Fi drops: the connection vanishes without a goodbye."""
        self.ws.socket.shutdown(socket.SHUT_RDWR)
        self.ws.socket.close()


def join(base: str, code: str, actor: str) -> str:
    data = urllib.parse.urlencode({"code": code, "actor": actor}).encode()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(urllib.request.Request(base + "/join", data=data), timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 303
        return exc.headers["set-cookie"].split(";")[0]
    raise AssertionError("no redirect after joining")


QUESTION = re.compile(r'name="kind" value="(\w+)">\s*<input type="hidden" name="proposer" value="(\w+)">\s*'
                      r'<input type="hidden" name="move" value="(\w+)">')


def settle(pages: dict, teacher: Page, turn: int) -> dict | None:
    """Answer the vetoes put to the teams (let them pass) until the teacher can start the next
    month; the teacher's acknowledgement, or None once the game is over. Bounded in time."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for actor, page in pages.items():
            page.drain()
            for kind, proposer, move in QUESTION.findall(page.sections.get("act", "")):
                said = page.act(action="answer", kind=kind, proposer=proposer, move=move, yes="0", turn=turn,
                                aid=f"{actor}-ans-{turn:03d}-{move}")
                assert said["ok"] or "already" in said["message"] or "No question" in said["message"], said
        said = teacher.act(action="next")
        if said["ok"]:
            return said
        if "game is over" in said["message"]:
            return None
        time.sleep(0.1)
    raise AssertionError("the month did not settle")


def legal(page: Page) -> list[str]:
    return re.findall(r'name="move" id="move-[^"]+" value="([^"]+)"', page.sections.get("act", ""))


def uninterrupted(moves: list[dict]) -> C.Classroom:
    """The same game, same seed and choices, never interrupted (in process)."""
    room = C.Classroom.new(TINY, load_scenario(TINY), SEED, teams=["a", "b"])
    dev = {t: room.join(t, room.code) for t in ("a", "b")}
    for k, m in enumerate(moves):
        if m["kind"] == "choose":
            room.choose(dev[m["actor"]].token, m["move"], m["turn"], f"replay-{k:05d}")
        elif m["kind"] == "answer":
            room.answer(dev[m["actor"]].token, m["question"], m["proposer"], m["move"], m["yes"], m["turn"], f"replay-{k:05d}")
        elif m["kind"] == "next":
            room.next_month()
        elif m["kind"] == "message":
            room.send(dev[m["sender"]].token, m["to"], m["text"], f"replay-{k:05d}")
    return room


@pytest.mark.slow
def test_a_dropped_page_and_a_killed_host_lose_nothing(tmp_path):
    port, folder = free_port(), tmp_path / "host"
    host = Host(port, folder, resume=False)
    try:
        cookies = {t: join(host.base, host.code, t) for t in ("a", "b")}
        pages = {t: Page(host.base, cookies[t]) for t in ("a", "b")}
        teacher = Page(host.base, f"summit_teacher={host.teacher}", "/teacher/ws")
        turn = 0
        while True:
            if turn in (0, 2, 3, 4):  # the teams talk (the conversation goes into the export)
                for actor, other in (("a", "b"), ("b", "a")):
                    said = pages[actor].act(action="send", to=other, text=f"Month {turn + 1}: {actor} to {other}",
                                            aid=f"{actor}-msg-{turn:03d}")
                    assert said["ok"], said
            if turn == 3:  # mid-month: a has chosen, then the host is killed
                move = pick("a", turn, legal(pages["a"]))
                first = pages["a"].act(action="choose", move=move, turn=turn, aid=f"a-move-{turn:03d}")
                assert first["ok"]
                host.kill()
                host = Host(port, folder, resume=True)
                for page in (*pages.values(), teacher):
                    page.connect()  # the pages reconnect by themselves, with the same tokens
                assert "You chose" in pages["a"].sections["act"]
                again = pages["a"].act(action="choose", move=move, turn=turn, aid=f"a-move-{turn:03d}")
                assert again == {"type": "ack", "id": f"a-move-{turn:03d}", "ok": False,
                                 "message": "That action was already received (it counts once)."}
            for actor in ("a", "b"):
                page = pages[actor]
                if actor == "b" and turn == 1:  # b's Wi-Fi drops mid-month, the page reconnects
                    page.cut()
                    page.connect()
                moves = legal(page)
                if moves:
                    said = page.act(action="choose", move=pick(actor, turn, moves), turn=turn, aid=f"{actor}-move-{turn:03d}")
                    assert said["ok"], said
            said = settle(pages, teacher, turn)
            if said is None:
                break
            turn += 1
            for page in pages.values():  # let the new month's page arrive
                while "Confirm my move" not in page.sections.get("act", "") and "no move" not in page.sections.get("act", ""):
                    page.read_view()
    finally:
        host.stop()
    assert turn == 5
    entries = [json.loads(x) for x in (folder / "journal.jsonl").read_text().splitlines()]
    moves = [e for e in entries if e["kind"] in ("choose", "answer", "next", "message")]
    assert sum(e["kind"] == "choose" for e in entries) == 12  # two teams, six months: nothing lost or doubled
    clean = uninterrupted(moves)
    assert clean.phase == C.OVER
    assert (folder / "game.json").read_text() == clean.bridge.to_json()
    expected = clean.export()  # the class's export, with the conversation, is the uninterrupted game's
    assert json.loads((folder / "class-game.json").read_text()) == json.loads(json.dumps(expected))
    assert (folder / "class-game.csv").read_text() == export.csv_text(expected)
    assert [r["text"] for r in expected["conversation"]] == [f"Month {t + 1}: {a} to {b}" for t in (0, 2, 3, 4)
                                                             for a, b in (("a", "b"), ("b", "a"))]
    assert expected["months_played"] == 6
    again, _ = C.Classroom.resume(Journal(folder))
    assert again.bridge.log_lines() == clean.bridge.log_lines()
    again.journal.close()
