"""Load on the classroom server: 30 simulated team devices over websockets through a whole game.

The host runs as in class (`main.py host --no-window`, its own process, 127.0.0.1 only); this
process plays 30 devices, spread over the four leaders of the baseline (8, 8, 7, 7: each
team's devices join with its team code), and the teacher. Every month, every device sends a
short message to another team and its team's move, all at once (the first move of a team
counts; its other devices are refused, as in class); the teams answer the vetoes and offers
put to them; the teacher starts the next month.

Prints the action latency (send to acknowledgement, p50 / p95 / max) against the goal
(p95 <= 100 ms on 2 cores) and against a reference measured in the same run on the same
connections: a websocket ping round trip, which the server answers without the game. Then
checks, from the acknowledgements and the host's journal, that no action was lost or applied
twice. Bounded: a deadline for the whole run, then the host is stopped.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

from websockets.asyncio.client import connect

from game.net.classroom import CODE_ALPHABET

ROOT = Path(__file__).resolve().parents[1]
DEVICES = 30
GOAL_P95_MS = 100.0
DEADLINE_S = 600
QUESTION = re.compile(r'name="kind" value="(\w+)">\s*<input type="hidden" name="proposer" value="(\w+)">\s*'
                      r'<input type="hidden" name="move" value="(\w+)">')
MOVES = re.compile(r'name="move" id="move-[^"]+" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_join(base: str, fields: dict) -> str:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    data = urllib.parse.urlencode(fields).encode()
    try:
        urllib.request.build_opener(NoRedirect).open(urllib.request.Request(base + "/join", data=data), timeout=10)
    except urllib.error.HTTPError as exc:
        if exc.code == 303:
            return exc.headers["set-cookie"].split(";")[0]
        raise RuntimeError(f"join refused: {exc.read()[:200]!r}") from None
    raise RuntimeError("join: no redirect")


class Device:
    """One simulated page: its websocket, the sections it was sent, its acknowledgements by id."""

    def __init__(self, name: str, actor: str | None, cookie: str, path: str = "/ws"):
        self.name, self.actor, self.cookie, self.path = name, actor, cookie, path
        self.sections: dict[str, str] = {}
        self.acks: dict[str, asyncio.Future] = {}
        self.sent = 0
        self.ws = None
        self.changed = asyncio.Event()

    async def open(self, base: str) -> None:
        self.ws = await connect(base.replace("http", "ws") + self.path, additional_headers={"Cookie": self.cookie},
                                max_size=2**22)
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            if msg["type"] == "view":
                self.sections.update(msg["sections"])
                self.changed.set()
            elif msg["type"] == "ack":
                fut = self.acks.get(msg["id"])
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                elif msg["id"] in self.acks:
                    raise RuntimeError(f"a second acknowledgement for {msg['id']}")

    async def act(self, latencies: list, **data) -> dict:
        aid = data["aid"]
        fut = asyncio.get_running_loop().create_future()
        self.acks[aid] = fut
        start = time.perf_counter()
        await self.ws.send(json.dumps({"type": "act", "data": data}))
        self.sent += 1
        msg = await asyncio.wait_for(fut, 20)
        latencies.append((data["action"], (time.perf_counter() - start) * 1000, msg["ok"]))
        return msg

    async def ping(self) -> float:
        start = time.perf_counter()
        await (await self.ws.ping())
        return (time.perf_counter() - start) * 1000

    async def until(self, test, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not test(self.sections):
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: the page never showed what was expected")
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except TimeoutError:
                pass


def pick(actor: str, turn: int, moves: list[str]) -> str:
    return moves[zlib.crc32(f"{actor}:{turn}".encode()) % len(moves)]


def phase(sections: dict) -> str:
    """The phase a team page shows (lobby, choosing, answering, results, over)."""
    m = re.search(r'data-phase="(\w+)"', sections.get("head", ""))
    return m.group(1) if m else ""


async def play(base: str, code: str, teacher_key: str, team_codes: dict, read_advice: bool) -> dict:
    actors = list(team_codes)
    devices: list[Device] = []
    for k in range(DEVICES):
        actor = actors[k % len(actors)]
        first = not any(d.actor == actor for d in devices)
        fields = {"code": code, "actor": actor} if first else {"team_code": team_codes[actor]}
        fields["label"] = f"device {k}"
        devices.append(Device(f"device {k}", actor, post_join(base, fields)))
    teacher = Device("teacher", None, f"summit_teacher={teacher_key}", "/teacher/ws")
    for d in (*devices, teacher):
        await d.open(base)
    latencies: list = []
    pings: list[float] = []
    turn, months = 0, 0
    sent_ok_messages = 0
    while True:
        await asyncio.gather(*(d.until(lambda s: phase(s) == "choosing" and f"(month {turn + 1} of" in s["head"])
                               for d in devices))
        pings += await asyncio.gather(*(d.ping() for d in devices))

        async def month_of(k: int, d: Device):
            other = actors[(actors.index(d.actor) + 1 + k) % len(actors)]
            said = await d.act(latencies, action="send", to=other, text=f"Month {turn + 1}: shall we talk? ({d.name})",
                               aid=f"msg-{turn:02d}-{k:02d}")
            moves = MOVES.findall(d.sections.get("act", ""))
            if moves and read_advice:  # the team reads the advisor's forecast before it confirms
                await d.until(lambda s: "<table" in s.get("advice", "") or phase(s) != "choosing", timeout=60)
            if moves:
                await d.act(latencies, action="choose", move=pick(d.actor, turn, moves), turn=turn,
                            aid=f"move-{turn:02d}-{k:02d}")
            return said["ok"]

        sent_ok_messages += sum(await asyncio.gather(*(month_of(k, d) for k, d in enumerate(devices))))
        # every team has chosen: the pages leave "choosing"; each question put to a team is answered by its first device
        await asyncio.gather(*(d.until(lambda s: phase(s) != "choosing") for d in devices))
        answered = set()
        for k, d in enumerate(devices):
            for kind, proposer, move in QUESTION.findall(d.sections.get("act", "")):
                if (d.actor, kind, proposer, move) not in answered:
                    answered.add((d.actor, kind, proposer, move))
                    await d.act(latencies, action="answer", kind=kind, proposer=proposer, move=move,
                                yes="1" if zlib.crc32(move.encode()) % 2 else "0", turn=turn,
                                aid=f"ans-{turn:02d}-{k:02d}-{move}"[:40])
        await asyncio.gather(*(d.until(lambda s: phase(s) in ("results", "over")) for d in devices))
        months += 1
        said = await teacher.act(latencies, action="next", aid=f"next-{turn:02d}")
        if not said["ok"]:
            if "game is over" not in said["message"]:
                raise RuntimeError(f"the teacher's 'next' was refused: {said['message']}")
            break
        turn += 1
    lost = sum(len(d.acks) - sum(f.done() for f in d.acks.values()) for d in devices)
    for d in (*devices, teacher):
        await d.ws.close()
    return {"latencies": latencies, "pings": pings, "months": months, "lost": lost,
            "sent": sum(d.sent for d in devices), "ok_messages": sent_ok_messages}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(label: str, options: list[str], read_advice: bool) -> bool:
    """One whole game against a host run as in class (`main.py host --no-window`); prints its figures."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="summit-load-"))
    cmd = [sys.executable, "main.py", "host", "vladivostok-2019", "--teams", "kim,putin,trump,xi", "--bind", "127.0.0.1",
           "--port", str(port), "--save-dir", str(folder / "host"), "--seed", "2019", "--no-window", *options]
    host = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        lines = []
        deadline = time.monotonic() + 60
        while not any("Moderator" in x for x in lines):
            if host.poll() is not None or time.monotonic() > deadline:
                print(host.stderr.read(), file=sys.stderr)
                return False
            lines.append(host.stdout.readline())
        text = "".join(lines)
        code = text.split("class code ")[1][:6]
        key = text.split("teacher?key=")[1].split()[0]
        base = f"http://127.0.0.1:{port}"
        # the team codes the moderator page shows, derived from the secret in the host's journal
        secret = next(json.loads(x) for x in (folder / "host" / "journal.jsonl").read_text().splitlines())["secret"]

        def team_code(actor):
            digest = hmac.new(secret.encode(), actor.encode(), "sha256").digest()
            return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:6])

        start = time.perf_counter()
        codes = {a: team_code(a) for a in ("kim", "putin", "trump", "xi")}
        result = asyncio.run(asyncio.wait_for(play(base, code, key, codes, read_advice), DEADLINE_S))
        wall = time.perf_counter() - start
    finally:
        host.send_signal(signal.SIGINT)
        try:
            host.wait(timeout=20)
        except subprocess.TimeoutExpired:
            host.kill()
    entries = [json.loads(x) for x in (folder / "host" / "journal.jsonl").read_text().splitlines()]
    chosen = [(e["turn"], e["actor"]) for e in entries if e["kind"] == "choose"]
    ids = [e["id"] for e in entries if "id" in e]
    messages = sum(e["kind"] == "message" for e in entries)
    lat = [ms for _, ms, _ in result["latencies"]]
    p50, p95 = percentile(lat, 0.5), percentile(lat, 0.95)
    ping50, ping95 = percentile(result["pings"], 0.5), percentile(result["pings"], 0.95)
    doubled = (len(chosen) - len(set(chosen))) + (len(ids) - len(set(ids)))
    print(f"{label}: {result['months']} months, {len(lat)} actions in {wall:.1f} s")
    for kind in ("choose", "send", "answer", "next"):
        some = [ms for a, ms, _ in result["latencies"] if a == kind]
        if some:
            print(f"  {kind:7s} n={len(some):4d}  p50 {percentile(some, 0.5):6.1f} ms  p95 {percentile(some, 0.95):6.1f} ms")
    print(f"  action latency   p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {max(lat):6.1f} ms  (goal: p95 <= {GOAL_P95_MS:.0f} ms)"
          + ("" if p95 <= GOAL_P95_MS else "  ABOVE THE GOAL"))
    print(f"  reference: websocket ping round trip on the same connections  p50 {ping50:5.1f} ms  p95 {ping95:5.1f} ms")
    sends = sum(a == "send" for a, _, _ in result["latencies"])
    print(f"  lost actions (no acknowledgement): {result['lost']}; applied twice: {doubled}; "
          f"moves recorded {len(chosen)} (one per team and month; a team's other devices are refused)")
    print(f"  messages accepted {result['ok_messages']} of {sends} (the rest refused by the per-device rate limit, "
          f"as a page sending this fast would be), in the journal {messages}")
    return result["lost"] == 0 and doubled == 0 and messages == result["ok_messages"] and result["months"] == 19


def main() -> int:
    print(f"classroom load: {DEVICES} team devices (4 teams of 7 or 8) and the teacher over websockets, "
          f"a whole game of the baseline, on {os.cpu_count()} cores")
    ok = run("advisor on, as in class (a team confirms once it has read the advisor's forecast; messages fly "
             "while the advisor computes)", [], read_advice=True)
    ok &= run("advisor on, worst case (every move sent while the advisor still computes)", [], read_advice=False)
    ok &= run("advisor off", ["--no-advisor"], read_advice=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
