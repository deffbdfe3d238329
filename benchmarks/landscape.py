"""Benchmark game.landscape.local_minima at n = 10, 15, 20, and against pure-python loops at n = 12.

Run: .venv/bin/python benchmarks/landscape.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from game.landscape import local_minima  # noqa: E402


def problem(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random sizes in [0.5, 2] and a symmetric relation matrix in [-1, 1]."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, (n, n))
    return rng.uniform(0.5, 2.0, n), (a + a.T) / 2


def loop_reference(sizes, propensity) -> dict[tuple[int, ...], tuple[float, float]]:
    """Plain loops: steepest descent from every canonical start, dE_i from its formula."""
    s, p = list(map(float, sizes)), [list(map(float, row)) for row in propensity]
    n = len(s)
    tol = 1e-9 * max(s[i] * sum(s[j] * abs(p[i][j]) for j in range(n) if j != i) for i in range(n))
    starts = 2 ** (n - 1)
    landed: dict[tuple[int, ...], int] = {}
    for code in range(starts):
        sigma = [1] + [1 - 2 * ((code >> k) & 1) for k in range(n - 1)]
        while True:
            gains = [
                s[i] * sigma[i] * sum(p[i][j] * s[j] * sigma[j] for j in range(n) if j != i)
                for i in range(n)
            ]
            best = min(gains)
            if best >= -tol:
                break
            i = next(k for k, g in enumerate(gains) if g <= best + tol)
            sigma[i] = -sigma[i]
        blocs = tuple((1 - x) // 2 for x in sigma)
        if blocs[0] == 1:
            blocs = tuple(1 - b for b in blocs)
        landed[blocs] = landed.get(blocs, 0) + 1
    out = {}
    for blocs, count in landed.items():
        e = sum(
            s[i] * s[j] * p[i][j]
            for i in range(n)
            for j in range(i + 1, n)
            if blocs[i] != blocs[j]
        )
        out[blocs] = (e, count / starts)
    return out


def best_time(fn, repeats: int) -> float:
    """Fastest of a few wall-clock runs, in seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    print("landscape.local_minima (exact enumeration, 2^(n-1) configurations)")
    for n in (10, 15, 20):
        s, p = problem(n)
        seconds = best_time(lambda: local_minima(s, p), 3 if n < 20 else 2)
        count = len(local_minima(s, p))
        print(f"  n={n:2d}  {2 ** (n - 1):>7,d} configs  {seconds * 1e3:9.1f} ms  {count} minima")

    n = 12
    s, p = problem(n, seed=1)
    fast = best_time(lambda: local_minima(s, p), 5)
    t0 = time.perf_counter()
    ref = loop_reference(s, p)
    slow = time.perf_counter() - t0
    got = {m.blocs: (m.energy, m.basin) for m in local_minima(s, p)}
    agree = set(got) == set(ref) and all(
        abs(got[b][0] - ref[b][0]) < 1e-9 and abs(got[b][1] - ref[b][1]) < 1e-12 for b in ref
    )
    print(f"n={n} vectorised {fast * 1e3:.2f} ms vs pure-python loops {slow * 1e3:.1f} ms:"
          f" speed-up x{slow / fast:.0f}; results agree: {agree}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
