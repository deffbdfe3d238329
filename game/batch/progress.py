"""A small progress bar on stderr (only on a terminal): runs done, runs/s, time left."""

from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    s = int(round(seconds))
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    def __init__(self, total: int, done: int = 0, stream=None, enabled: bool | None = None, width: int = 28):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.total = max(1, total)
        self.start_done = done
        self.done = done
        self.width = width
        self.t0 = time.monotonic()
        self._last = 0.0
        self._shown = False
        if self.enabled:
            self._draw(force=True)

    def line(self) -> str:
        elapsed = time.monotonic() - self.t0
        new = self.done - self.start_done
        rate = new / elapsed if elapsed > 0 and new > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        frac = min(1.0, self.done / self.total)
        filled = int(round(frac * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        return (
            f"[{bar}] {self.done:,}/{self.total:,} runs {100 * frac:3.0f}%  "
            f"{rate:,.0f} runs/s  {_clock(left)} left"
        )

    def phase(self, text: str) -> None:
        """After the runs: say what is being written (result files, plots), on the same line."""
        if not self.enabled:
            return
        frac = min(1.0, self.done / self.total)
        bar = "#" * int(round(frac * self.width)) + "." * (self.width - int(round(frac * self.width)))
        self.stream.write(f"\r[{bar}] {self.done:,}/{self.total:,} runs; {text} ...\x1b[K")
        self.stream.flush()
        self._shown = True

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self.stream.write("\r" + self.line() + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def update(self, n: int) -> None:
        self.done += n
        if self.enabled:
            self._draw(force=self.done >= self.total)

    def close(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False
