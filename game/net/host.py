"""Run a classroom: the web server in a thread beside the projector window.

uvicorn serves the Starlette app on its own thread and event loop; the pygame loop stays on
the main thread. They share only the Classroom, whose lock keeps each action whole. Closing
the projector window (or Ctrl-C) stops the server cleanly: open pages are told, the thread
ends, and the game is already saved (`journal.py`).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import uvicorn

from game.errors import UsageError
from game.net.classroom import Classroom
from game.net.server import MAX_FRAME, ClassServer, is_local


def local_address() -> str:
    """This machine's address on the local network (the interface of its default route), or
    127.0.0.1 when it has none. A UDP socket is only pointed at a documentation address
    (192.0.2.1, RFC 5737): nothing is sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            address = s.getsockname()[0]
        except OSError:
            return "127.0.0.1"
    return address if is_local(address) else "127.0.0.1"


def check_bind(address: str) -> str:
    """--bind: an address of this machine on the local network (never a public one, never all of them)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise UsageError(f"--bind must be an IP address of this machine, such as 192.168.1.20, not {address!r}") from None
    if ip.is_unspecified:
        raise UsageError("--bind: give this machine's address on the classroom network, not every address "
                         f"({address}); the server answers only the local network")
    if not is_local(address):
        raise UsageError(f"--bind {address} is not a local-network address; the classroom server answers only "
                         "loopback, private (10.x, 172.16-31.x, 192.168.x) and link-local addresses")
    return address


class Host:
    """The classroom's server, running on a thread (start, stop)."""

    def __init__(self, room: Classroom, bind: str, port: int):
        host = f"[{bind}]" if ":" in bind else bind
        self.server = ClassServer(room, address=f"http://{host}:{port}")
        config = uvicorn.Config(self.server.app, host=bind, port=int(port), log_level="warning", access_log=False,
                                ws_max_size=MAX_FRAME * 2, ws_ping_interval=10, ws_ping_timeout=20, lifespan="on",
                                timeout_graceful_shutdown=3)
        self.uvicorn = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.uvicorn.run, name="summit-classroom-server", daemon=True)
        self.port = int(port)

    @property
    def address(self) -> str:
        return self.server.address

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; UsageError when the port cannot be used."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.uvicorn.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise UsageError(f"cannot serve on port {self.port}: it is in use or not allowed; choose another with --port")
            time.sleep(0.02)

    def stop(self, timeout: float = 8.0) -> None:
        self.uvicorn.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout)
