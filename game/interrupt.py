"""SIGTERM is handled like Ctrl-C: every command stops the same clean way on either.

The command line turns SIGTERM into :class:`Terminated`, a KeyboardInterrupt, so the code
that already stops cleanly on Ctrl-C (a batch keeps its chunks and prints the command that
resumes it) does the same on ``kill`` or ``timeout``. The game window, which must not stop
in the middle of a turn, asks instead to be told at the next frame (:func:`deferred`).
"""

from __future__ import annotations

import contextlib
import signal
import threading


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM)."""


def _raise_terminated(signum, frame):
    raise Terminated()


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises Terminated in the main thread (like Ctrl-C raises KeyboardInterrupt)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


@contextlib.contextmanager
def deferred(on_signal):
    """While inside, Ctrl-C and SIGTERM call ``on_signal(name)`` instead of raising."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
    saved = {s: signal.getsignal(s) for s in names}
    for s, name in names.items():
        signal.signal(s, lambda signum, frame, name=name: on_signal(name))
    try:
        yield
    finally:
        for s, handler in saved.items():  # None: a handler not set from Python (SDL's); the default then
            signal.signal(s, signal.SIG_DFL if handler is None else handler)


def exit_status(exc: BaseException) -> int:
    """The conventional exit status: 143 after SIGTERM, 130 after Ctrl-C."""
    return 143 if isinstance(exc, Terminated) else 130


def describe(exc: BaseException) -> str:
    return "Stopped by SIGTERM." if isinstance(exc, Terminated) else "Interrupted."
