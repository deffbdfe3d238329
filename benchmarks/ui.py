"""Frame time of the table screen while a turn resolves (lines and gauges animating).

Prints the median and 95th percentile of the frame time at 1280x720 against the 16 ms
target (one frame at 60 Hz). Runs headless (SDL dummy video driver) unless DISPLAY is
given and SUMMIT_BENCH_WINDOW=1.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if os.environ.get("SUMMIT_BENCH_WINDOW") != "1":
    os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

TARGET_MS = 16.0


def main() -> int:
    import pygame

    from game import session as S
    from game.ui.app import App
    from game.session import Session

    size = (1280, 720)
    app = App(size=size, strict=True, mc_worlds=0)
    session = Session.new(ROOT / "scenarios" / "vladivostok-2019.yaml", (), 2019)
    app.start_session(session)
    app.run_frames(5)  # warm caches
    times: list[float] = []
    turns = 0
    while len(times) < 600 and not session.over:
        if session.phase == S.EVENTS:
            session.next()
        app.screen.advance_flow()  # play the month: the table animates for ~1.4 s
        turns += 1
        while app.screen.animating:
            t0 = time.perf_counter()
            app.step(events=[])
            times.append((time.perf_counter() - t0) * 1000)
        session.next()
        app.run_frames(1)
    flips = []
    for _ in range(120):
        t0 = time.perf_counter()
        pygame.display.flip()
        flips.append((time.perf_counter() - t0) * 1000)
    times.sort()
    med = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"table screen, animating, {size[0]}x{size[1]}: {len(times)} frames over {turns} turns")
    print(f"  median {med:.2f} ms   95th percentile {p95:.2f} ms   (target {TARGET_MS:.0f} ms: "
          f"{'met' if p95 <= TARGET_MS else 'MISSED'})")
    print(f"  of which the display flip alone: median {statistics.median(flips):.2f} ms "
          f"(video driver: {pygame.display.get_driver()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
