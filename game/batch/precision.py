"""`--until-ci W`: add worlds until every reported probability's 95% interval is narrower than W.

The batch stops only at fixed checkpoints (1,000 worlds per point, then about 1.4 times more
each time, up to the `--runs` cap) and decides on the worlds before the checkpoint, in world
order. So the stopping point depends only on the scenario, the seed and W, never on the
workers or the chunk size, and a batch that stopped at n worlds holds exactly the worlds of
a batch run with `--runs n`.
"""

from __future__ import annotations

import numpy as np

from game.batch.stats import Counts, wilson

FIRST = 1_000


def checkpoints(cap: int) -> list[int]:
    """1000, 1400, 2000, 2800, 4000, 5600, 8000, 11000, 16000, ... (two significant digits of
    1000 * 2^(k/2)), then the cap."""
    out, k = [], 0
    while True:
        v = FIRST * 2 ** (k / 2)
        digits = len(str(int(v))) - 2
        n = int(round(v / 10**digits) * 10**digits)
        if n >= cap:
            break
        if not out or n > out[-1]:
            out.append(n)
        k += 1
    return out + [cap]


def widest(counts: Counts) -> tuple[float, str]:
    """The widest 95% Wilson interval among a point's reported probabilities, and which it is."""
    n = counts.n
    best, what = 0.0, ""

    def see(k: int, name: str) -> None:
        nonlocal best, what
        lo, hi = wilson(int(k), n)
        if hi - lo > best:
            best, what = hi - lo, name

    for o, k in enumerate(counts.outcomes.tolist()):
        see(k, f"outcome {o}")
    A = counts.A
    for i in range(A):
        for j in range(A):
            if i != j:
                see(counts.closest[i, j], f"closest {i}->{j}")
    for q, k in enumerate(counts.same_bloc.tolist()):
        see(k, f"same bloc {q}")
    for mask, k in counts.splits.items():
        see(k, f"bloc split {mask}")
    return best, what


class Watch:
    """Counts of each point's outcomes over its worlds so far, fed chunk by chunk in world order."""

    def __init__(self, points: int, n_actors: int, n_outcomes: int, pairs: list):
        self.counts = [Counts(n_actors, n_outcomes, pairs) for _ in range(points)]

    def add(self, point: int, a: dict) -> None:
        self.counts[point].add(np.asarray(a["outcomes"]), np.asarray(a["closest"]), np.asarray(a["blocs"]))

    def width(self) -> float:
        """The widest interval over every point."""
        return max(widest(c)[0] for c in self.counts)


class Stopper:
    """Decides, checkpoint by checkpoint, whether a batch has reached its target precision."""

    def __init__(self, chunks: list, stops: list[int], target: float, layout, points: int, chunk_dir):
        self.chunks, self.stops, self.target, self.chunk_dir = chunks, stops, target, chunk_dir
        self.watch = Watch(points, len(layout.actor_ids), len(layout.outcome_ids), layout.pairs)
        self.k = 0
        self.fed: set[int] = set()
        self.width = float("nan")

    def settle(self, done: set[int]) -> int | None:
        """The worlds per point to stop at, once every chunk before a checkpoint is done and
        the widest interval there is narrower than the target (or the cap is reached); else None."""
        from game.batch.assemble import load_chunk

        while self.k < len(self.stops):
            n = self.stops[self.k]
            need = [c for c in self.chunks if c.stop <= n and c.id not in self.fed]
            if any(c.id not in done for c in need):
                return None
            for c in need:
                self.watch.add(c.point, load_chunk(self.chunk_dir / c.filename, ("outcomes", "closest", "blocs")))
                self.fed.add(c.id)
            self.width = self.watch.width()
            self.k += 1
            if self.width < self.target or n == self.stops[-1]:
                return n
        return None
