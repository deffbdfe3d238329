"""The classroom's web server: join form, team pages, the moderator view, websockets, the QR code.

Starlette (ASGI) on uvicorn. Pages are rendered here (`pages.py`); every asset is served by
the host (`static/`), nothing from the internet. Each team page holds a websocket: the
server pushes the sections of the page that changed, the page sends actions, and each action
gets an acknowledgement or a refusal in words. Actions also work as plain form posts.

What a classroom network may throw at it is checked here before the game sees it: only
clients on the local network (loopback, private and link-local addresses), a same-origin
check on every post and websocket, small bodies and frames, rate limits per device and per
address, and the team token (an HttpOnly, SameSite cookie) on every action. `Classroom`
then checks the action itself (leader, month, phase, legal moves, duplicates).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import segno
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from game import advisor, export
from game.net import classroom as C
from game.net import pages as P
from game.net.journal import conversation_csv

STATIC = Path(__file__).resolve().parent / "static"
TEAM_COOKIE, TEACHER_COOKIE = "summit_team", "summit_teacher"
MAX_BODY = 8 * 1024  # a form post
MAX_FRAME = 8 * 1024  # a websocket message
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send "Origin: null" on our own posts
    "Cache-Control": "no-store",
}


LOCAL_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",  # loopback, RFC 1918, link-local
    "::1/128", "fc00::/7", "fe80::/10"))  # IPv6 loopback, unique local, link-local


def is_local(host: str | None) -> bool:
    """A client on this machine or the local network: loopback, private (RFC 1918, IPv6 unique
    local) or link-local addresses; nothing else."""
    try:
        ip = ipaddress.ip_address((host or "").split("%")[0])
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip in net for net in LOCAL_NETWORKS)


class Bucket:
    """Token-bucket rate limits per key: `rate` actions a second on average, bursts of `burst`."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.state: dict[str, tuple[float, float]] = {}

    def _tokens(self, key: str) -> tuple[float, float]:
        now = self.clock()
        tokens, last = self.state.get(key, (float(self.burst), now))
        if len(self.state) > 10_000:  # forget old keys rather than grow without bound
            self.state.clear()
        return min(self.burst, tokens + (now - last) * self.rate), now

    def allow(self, key: str) -> bool:
        """Spend one action of `key`'s allowance; False (nothing spent) when none is left."""
        tokens, now = self._tokens(key)
        if tokens < 1:
            self.state[key] = (tokens, now)
            return False
        self.state[key] = (tokens - 1, now)
        return True

    def empty(self, key: str) -> bool:
        """No action of `key`'s allowance left (nothing spent)."""
        return self._tokens(key)[0] < 1


@dataclass(eq=False)
class Conn:
    """An open page: a team's device (token, actor) or the teacher's (actor None)."""

    ws: WebSocket
    token: str | None
    actor: str | None
    sent: dict[str, str] = field(default_factory=dict)


class ClassServer:
    """The Starlette app of one classroom (`.app`), its open pages and their updates."""

    def __init__(self, room: C.Classroom, address: str = "", allow=is_local):
        self.room = room
        self.address = address  # the join address shown to teams (http://HOST:PORT)
        self.allow = allow
        self.pages = P.Pages()
        self.conns: set[Conn] = set()
        self.joins = Bucket(rate=0.2, burst=10)  # wrong join attempts (guessing codes) per address
        self.posts = Bucket(rate=2.0, burst=10)  # form posts per address
        self.frames = Bucket(rate=10.0, burst=30)  # websocket messages per device
        self.talk = Bucket(rate=0.5, burst=5)  # messages and offers per device
        self.advice: dict[tuple, advisor.Advice] = {}  # (session, month, leader) -> the advisor's forecast
        self._advising = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake: asyncio.Event | None = None
        self.started = asyncio.Event()
        room.listeners.append(self._notify)
        self.app = Starlette(routes=[
            Route("/", self.home),
            Route("/join", self.join_page, methods=["GET"]),
            Route("/join", self.join_post, methods=["POST"]),
            Route("/team", self.team_page),
            Route("/team/act", self.team_post, methods=["POST"]),
            Route("/teacher", self.teacher_page),
            Route("/teacher/act", self.teacher_post, methods=["POST"]),
            Route("/teacher/export/{name}", self.teacher_export),
            Route("/qr.svg", self.qr_svg),
            Route("/health", self.health),
            WebSocketRoute("/ws", self.team_socket),
            WebSocketRoute("/teacher/ws", self.teacher_socket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ], lifespan=self.lifespan)
        self.app.add_middleware(_Guard, server=self)

    # --- life ------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app):
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        tasks = [asyncio.create_task(self._broadcast()), asyncio.create_task(self._tick())]
        self.started.set()
        self._notify()  # a game already under way: its advice is computed before the first page opens
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            for conn in list(self.conns):
                with contextlib.suppress(Exception):  # a page already gone: nothing to close
                    await conn.ws.close(1001)

    def _notify(self) -> None:
        """Called (from any thread) when the game changed: wake the broadcaster."""
        if self.loop is not None and self.wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to tell
                self.loop.call_soon_threadsafe(self.wake.set)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            await run_in_threadpool(self.room.tick)

    async def _broadcast(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            await asyncio.sleep(0.01)  # let a burst of actions settle into one update
            self.wake.clear()
            conns = list(self.conns)
            actors = {c.actor for c in conns}
            views = await run_in_threadpool(self._render_all, actors)
            await asyncio.gather(*(self._push(c, views.get(c.actor)) for c in conns))
            if not self._advising and self._advice_wanted():
                self._advising = True
                asyncio.create_task(self._advise())

    # --- the advisor ---------------------------------------------------------------------------
    # game.advisor plays each move out many times (a fraction of a second per team): it runs on a
    # worker thread, on a copy of the month taken under the lock, so actions never wait for it.

    def _advice_key(self, actor: str) -> tuple:
        return (id(self.room.bridge.session), self.room.bridge.turn, actor)

    def _advice_wanted(self) -> list[str]:
        room = self.room
        with room.lock:
            if room.phase != C.CHOOSING or not room.bridge.settings.advisor:
                return []
            return [a for a in room.month.pending if self._advice_key(a) not in self.advice]

    def _advice_job(self):
        """(key, a copy of the month's state, leader) for the next team without advice, or None."""
        with self.room.lock:
            wanted = self._advice_wanted()
            if not wanted:
                return None
            keep = {k: v for k, v in self.advice.items() if k[:2] == self._advice_key("")[:2]}
            self.advice = keep  # forget earlier months
            return self._advice_key(wanted[0]), self.room.bridge.state.clone(), wanted[0]

    async def _advise(self) -> None:
        try:
            while (job := await run_in_threadpool(self._advice_job)) is not None:
                key, state, actor = job
                self.advice[key] = await run_in_threadpool(advisor.advise, state, actor)
                self._notify()
        finally:
            self._advising = False

    def _render_all(self, actors) -> dict:
        with self.room.lock:
            return {a: self.render(a) for a in actors if a is None or a in self.room.teams}

    async def _push(self, conn: Conn, sections: dict | None) -> None:
        if sections is None:
            return
        changed = {k: v for k, v in sections.items() if conn.sent.get(k) != v}
        if not changed:
            return
        conn.sent.update(changed)
        try:
            await asyncio.wait_for(conn.ws.send_text(json.dumps({"type": "view", "sections": changed})), 5)
        except Exception:  # noqa: BLE001 - a page that vanished mid-send is simply dropped
            self.conns.discard(conn)

    # --- rendering -----------------------------------------------------------------------------

    def render(self, actor: str | None) -> dict[str, str]:
        """A page's sections: a team's (actor) or the moderator's (None)."""
        room = self.room
        with room.lock:
            if actor is None:
                m = P.moderator_view(room, self.address, self.online())
                return {"board": self._macro("teacher_sections.html", "board", m),
                        "log": self._macro("teacher_sections.html", "log", m)}
            return self.pages.sections(self.team_view(actor))

    def team_view(self, actor: str) -> dict:
        room = self.room
        view = P.team_view(room, actor)
        view["advice"] = P.advice(self.advice.get(self._advice_key(actor)), room.bridge.settings.advisor)
        stamp = f"{actor}:{room.month.turn}:{room.phase}:{len(room.notes)}"
        view["aid"] = hmac.new(room._secret.encode(), stamp.encode(), "sha256").hexdigest()[:20]
        return view

    def _macro(self, template: str, name: str, data) -> str:
        module = self.pages.env.get_template(template).make_module(vars={})
        return str(getattr(module, name)(data))

    def online(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.conns:
            if c.token:
                out[c.token] = out.get(c.token, 0) + 1
        return out

    def _html(self, body: str, status: int = 200, cookies: dict | None = None) -> HTMLResponse:
        response = HTMLResponse(body, status_code=status)
        for name, value in (cookies or {}).items():
            response.set_cookie(name, value, httponly=True, samesite="strict", max_age=60 * 60 * 12)
        return response

    # --- pages ----------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        token = request.cookies.get(TEAM_COOKIE)
        known = token is not None and token in self.room.devices
        return RedirectResponse("/team" if known else "/join", status_code=303)

    async def join_page(self, request: Request, error: str = "", status: int = 200) -> Response:
        code = request.query_params.get("code", "")[:12]
        with self.room.lock:
            j = P.join_view(self.room)
        return self._html(self.pages.page("join.html", j=j, code=code, error=error), status)

    async def join_post(self, request: Request) -> Response:
        form = await _form(request)
        address = _client(request)
        if self.joins.empty(address):
            return await self.join_page(request, "Too many wrong tries: wait a minute and try again.", 429)
        try:
            dev = await run_in_threadpool(self.room.join, form.get("actor", ""), form.get("code", ""),
                                          form.get("password", ""), form.get("team_code", ""), form.get("label", ""))
        except C.Refused as exc:
            self.joins.allow(address)  # only a refused try spends the allowance (a class joins from many devices)
            return await self.join_page(request, str(exc), 400)
        response = RedirectResponse("/team", status_code=303)
        response.set_cookie(TEAM_COOKIE, dev.token, httponly=True, samesite="strict", max_age=60 * 60 * 12)
        return response

    async def team_page(self, request: Request, flash: str | None = None, status: int = 200) -> Response:
        token = request.cookies.get(TEAM_COOKIE, "")
        try:
            dev = self.room.device(token)
        except C.Refused as exc:
            return await self.join_page(request, str(exc) if token else "", 200 if not token else 401)
        with self.room.lock:
            view = self.team_view(dev.actor)
            view["flash"] = flash
            body = self.pages.page("team.html", v=view)
        return self._html(body, status)

    async def team_post(self, request: Request) -> Response:
        """The page's forms without JavaScript: the same actions, then the page again."""
        form = await _form(request)
        if not self.posts.allow(_client(request)):
            return await self.team_page(request, "Too many actions at once: wait a moment.", 429)
        token = request.cookies.get(TEAM_COOKIE, "")
        try:
            said = await run_in_threadpool(self.team_action, token, form)
        except C.Refused as exc:
            return await self.team_page(request, str(exc), 400)
        return await self.team_page(request, said)

    async def teacher_page(self, request: Request) -> Response:
        key = request.query_params.get("key")
        if key is not None:  # the link printed by the host: keep the key in a cookie, drop it from the address
            if not hmac.compare_digest(key.encode(), self.room.teacher_key.encode()):
                return self._html(self.pages.page("message.html", title="Not the teacher's link",
                                                  text="This moderator link is not right: use the one the host printed."), 403)
            response = RedirectResponse("/teacher", status_code=303)
            response.set_cookie(TEACHER_COOKIE, key, httponly=True, samesite="strict", max_age=60 * 60 * 12)
            return response
        if not self._is_teacher(request.cookies):
            return self._html(self.pages.page("message.html", title="Moderator",
                                              text="Open the moderator link the host printed when it started."), 403)
        return self._teacher_html()

    def _teacher_html(self, flash: str | None = None, status: int = 200) -> Response:
        with self.room.lock:
            m = P.moderator_view(self.room, self.address, self.online())
        return self._html(self.pages.page("teacher.html", m=m, flash=flash), status)

    async def teacher_post(self, request: Request) -> Response:
        form = await _form(request)
        if not self._is_teacher(request.cookies):
            return PlainTextResponse("Only the teacher's browser may do that.", 403)
        try:
            said = await run_in_threadpool(self.teacher_action, form)
        except C.Refused as exc:
            return self._teacher_html(str(exc), 400)
        return self._teacher_html(said)

    async def teacher_export(self, request: Request) -> Response:
        """The class's game for the debrief, with the conversation: class-game.json, class-game.csv, conversation.csv."""
        if not self._is_teacher(request.cookies):
            return PlainTextResponse("Only the teacher's browser may download the class's game.", 403)
        name = request.path_params["name"]
        makers = {"class-game.json": (lambda d: json.dumps(d, indent=1, ensure_ascii=False, allow_nan=False) + "\n",
                                      "application/json"),
                  "class-game.csv": (export.csv_text, "text/csv"),
                  "conversation.csv": (lambda d: conversation_csv(d["conversation"]), "text/csv")}
        if name not in makers or not self.room.started:
            return PlainTextResponse("No such file: the game has not started, or the name is not one of "
                                     + ", ".join(makers) + ".", 404)
        make, media = makers[name]
        body = make(await run_in_threadpool(self.room.export))
        return Response(body, media_type=f"{media}; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{self.room.game.scenario.id}-{name}"'})

    def _is_teacher(self, cookies) -> bool:
        return hmac.compare_digest(str(cookies.get(TEACHER_COOKIE, "")).encode(), self.room.teacher_key.encode())

    async def qr_svg(self, request: Request) -> Response:
        svg = segno.make(self.join_url(), error="m").svg_inline(scale=6, dark="#1b2733", title="Join the class")
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    def join_url(self) -> str:
        return f"{self.address}/join?code={self.room.code}"

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    # --- actions ------------------------------------------------------------------------------------

    def team_action(self, token: str, data: dict) -> str:
        """One action from a team's page (a form or a websocket message); what to tell the team."""
        room = self.room
        action = _field(data, "action")
        aid = _field(data, "aid")
        if action in ("send", "offer"):
            room.device(token)  # an unknown token is refused here
            if not self.talk.allow(token):
                raise C.Refused("Slow down: at most a few messages every few seconds.")
        if action == "choose":
            return room.choose(token, _field(data, "move"), _number(data, "turn"), aid)
        if action == "answer":
            return room.answer(token, _field(data, "kind"), _field(data, "proposer"), _field(data, "move"),
                               _yes(data, "yes"), _number(data, "turn"), aid)
        if action == "send":
            return room.send(token, _field(data, "to"), _field(data, "text", C.MAX_MESSAGE + 1), aid)
        if action == "offer":
            to, _, move = _field(data, "offer_move").partition(":")
            return room.offer(token, to, move, _field(data, "text", C.MAX_MESSAGE + 1), aid)
        if action == "reply":
            return room.reply(token, _field(data, "offer"), _yes(data, "accept"), aid)
        raise C.Refused("Unknown action.")

    def teacher_action(self, data: dict) -> str:
        room = self.room
        action = _field(data, "action")
        if action == "start":
            room.start()
            return "The game has started."
        if action == "next":
            room.next_month()
            return "Next month."
        if action == "end_wait":
            room.end_wait()
            return "The wait is over."
        if action == "inject":
            return room.inject(_field(data, "outcome"))
        if action == "again":
            return room.choose_again(_field(data, "actor"))
        if action == "mute":
            target, on = _field(data, "target"), _yes(data, "on")
            room.mute(target, on)
            return f"Messages {'paused' if on else 'resumed'} for {room.name(target)}."
        if action == "takeover":
            room.set_takeover(_yes(data, "on"))
            return "A second device now takes over." if room.takeover else "A second device is now refused."
        if action == "drop":
            room.drop(_field(data, "token"))
            self._close_token(_field(data, "token"), "The teacher removed this device from the game.")
            return "Device removed."
        if action == "announce":
            room.teacher_message(_field(data, "text", C.MAX_MESSAGE + 1), _field(data, "aid") or secrets.token_hex(8))
            return "Sent to every team."
        raise C.Refused("Unknown action.")

    def _close_token(self, token: str, message: str) -> None:
        for conn in [c for c in self.conns if c.token == token]:
            self.conns.discard(conn)
            if self.loop is not None:
                asyncio.run_coroutine_threadsafe(_close(conn.ws, message), self.loop)

    # --- websockets ---------------------------------------------------------------------------------

    async def team_socket(self, ws: WebSocket) -> None:
        await ws.accept()
        token = ws.cookies.get(TEAM_COOKIE, "")
        try:
            dev = self.room.device(token)
        except C.Refused as exc:
            await _close(ws, str(exc), 4401)
            return
        if not await self._one_page_per_token(ws, token):
            return
        conn = Conn(ws, token, dev.actor)
        await self._serve(conn, lambda data: self.team_action(token, data))

    async def teacher_socket(self, ws: WebSocket) -> None:
        await ws.accept()
        if not self._is_teacher(ws.cookies):
            await _close(ws, "Open the moderator link the host printed.", 4403)
            return
        await self._serve(Conn(ws, None, None), self.teacher_action)

    async def _one_page_per_token(self, ws: WebSocket, token: str) -> bool:
        """A second page with the same token: it takes over (the first is told), or it is refused."""
        others = [c for c in self.conns if c.token == token]
        if not others:
            return True
        if not self.room.takeover:
            await _close(ws, "This team's page is open on another device; the teacher has set the game to refuse a second one.", 4409)
            return False
        for c in others:
            self.conns.discard(c)
            await _close(c.ws, "This team's page was opened on another device or tab.", 4409)
        return True

    async def _serve(self, conn: Conn, act) -> None:
        ws = conn.ws
        self.conns.add(conn)
        self._notify()  # the moderator sees who is online
        try:
            sections = await run_in_threadpool(self.render, conn.actor)
            await self._push(conn, sections)
            while True:
                text = await ws.receive_text()
                await self._answer(conn, text, act)
        except WebSocketDisconnect:
            pass
        finally:
            self.conns.discard(conn)
            self._notify()

    async def _answer(self, conn: Conn, text: str, act) -> None:
        """One frame from a page: its action applied, or refused; either way acknowledged by its id."""
        aid = None
        try:
            if len(text) > MAX_FRAME:
                raise C.Refused("That message is too long.")
            data = _payload(text)
            aid = data.get("aid") if isinstance(data.get("aid"), str) else None
            if not self.frames.allow(conn.token or "teacher"):
                raise C.Refused("Too many actions at once: wait a moment.")
            if conn.actor is not None and conn.token not in self.room.devices:
                raise C.Refused("The teacher removed this device from the game.")
            said = await run_in_threadpool(act, data)
            reply = {"type": "ack", "id": aid, "ok": True, "message": said}
        except C.Refused as exc:
            reply = {"type": "ack", "id": aid, "ok": False, "message": str(exc)}
        await conn.ws.send_text(json.dumps(reply))


class _Guard:
    """ASGI middleware: local clients only, same-origin posts and websockets, security headers."""

    def __init__(self, app, server: ClassServer):
        self.app, self.server = app, server

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("", 0))[0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        problem = None
        if not self.server.allow(client):
            problem = "Summit's classroom server answers only devices on the local network."
        elif (scope["type"] == "websocket" or scope.get("method") == "POST") and not _same_origin(headers):
            problem = "Refused: this request came from another site."
        elif int(headers.get("content-length", "0") or 0) > MAX_BODY if headers.get("content-length", "0").isdigit() else True:
            problem = "Refused: that request is too large."
        if problem:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": problem[:100]})
                return
            return await PlainTextResponse(problem, 403, headers=HEADERS)(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                present = {k.lower() for k, _ in message["headers"]}
                for k, v in HEADERS.items():
                    if k.lower().encode() not in present:
                        message["headers"].append((k.encode(), v.encode()))
            await send(message)

        return await self.app(scope, receive, with_headers)


def _same_origin(headers: dict) -> bool:
    origin = headers.get("origin")
    if origin is None:  # not a browser (browsers always send it on posts and websockets)
        return True
    return urlsplit(origin).netloc == headers.get("host", "")


async def _close(ws: WebSocket, message: str, code: int = 4000) -> None:
    with contextlib.suppress(Exception):  # noqa: BLE001 - the page may already be gone
        await ws.send_text(json.dumps({"type": "closed", "message": message}))
        await ws.close(code)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


async def _form(request: Request) -> dict[str, str]:
    """A small url-encoded form (at most MAX_BODY bytes; the first value of each field)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return {}  # too large to be one of our forms
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=40)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in fields.items()}


def _payload(text: str) -> dict:
    """A websocket action: {"type": "act", "data": {...}} with string, number or true/false values."""
    try:
        msg = json.loads(text)
    except ValueError:
        raise C.Refused("That message is not understood.") from None
    data = msg.get("data") if isinstance(msg, dict) else None
    if not isinstance(data, dict) or msg.get("type") != "act" or len(data) > 20:
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, (str, int, bool))}


def _field(data: dict, name: str, limit: int = 100) -> str:
    value = data.get(name, "")
    if not isinstance(value, str):
        raise C.Refused(f"'{name}' must be text.")
    if len(value) > limit:
        raise C.Refused(f"'{name}' is too long (at most {limit - 1 if limit > 100 else limit} characters).")
    return value


def _number(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool):
        raise C.Refused(f"'{name}' must be a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 6:
        return int(value)
    raise C.Refused(f"'{name}' must be a whole number.")


def _yes(data: dict, name: str) -> bool:
    value = data.get(name)
    if isinstance(value, bool):
        return value
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise C.Refused(f"'{name}' must be yes or no.")
