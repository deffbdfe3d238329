"""Streaming statistics of a batch: memory does not grow with the number of worlds.

Every figure is independent of how the worlds were cut into chunks: counts and
histograms are integers, and floating-point sums are taken over fixed blocks of
BLOCK worlds in world order whatever the chunk size was.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

Z95 = 1.959963984540054
BLOCK = 4096
QBINS = 4096
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials."""
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


def hist_quantiles(counts: np.ndarray, lo: float, hi: float, qs=QUANTILES) -> list[float]:
    """Quantiles from a histogram of equal bins over [lo, hi] (linear within a bin)."""
    n = int(counts.sum())
    if n == 0:
        return [math.nan] * len(qs)
    if not hi > lo:
        return [float(lo)] * len(qs)
    bins = counts.shape[-1]
    width = (hi - lo) / bins
    cum = np.cumsum(counts)
    out = []
    for q in qs:
        target = max(q * n, 1e-9)  # q = 0: the first non-empty bin
        k = int(np.searchsorted(cum, target, side="left"))
        k = min(k, bins - 1)
        before = cum[k - 1] if k > 0 else 0
        inside = counts[k]
        frac = (target - before) / inside if inside else 0.0
        out.append(float(min(hi, max(lo, lo + (k + frac) * width))))
    return out


def fan_quantiles(hist: np.ndarray, lo, hi, qs=QUANTILES) -> np.ndarray:
    """[T, K, B] per-turn histograms -> [len(qs), T, K] quantiles."""
    T, K, _ = hist.shape
    out = np.full((len(qs), T, K), np.nan)
    for t in range(T):
        for k in range(K):
            out[:, t, k] = hist_quantiles(hist[t, k], float(lo[k]), float(hi[k]), qs)
    return out


class Columns:
    """Mean, standard deviation, min, max and quantiles of numeric columns, streamed."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, groups: int = 0):
        self.lo = np.asarray(lo, dtype=np.float64)
        self.hi = np.asarray(hi, dtype=np.float64)
        K = len(self.lo)
        self.K = K
        self.G = groups  # boolean flags per row (event outcomes): sums of the rows with each flag
        self.gn = np.zeros(groups, dtype=np.int64)
        self.gsum = np.zeros((groups, K))
        self.n = 0
        self.mean = np.zeros(K)
        self.m2 = np.zeros(K)
        self.hist = np.zeros((K, QBINS), dtype=np.int64)
        self._buf: list[np.ndarray] = []
        self._buffered = 0
        span = self.hi - self.lo
        self._span = np.where(span > 0, span, 1.0)

    def add(self, rows: np.ndarray, flags: np.ndarray | None = None) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.K)
        if not len(rows):
            return
        idx = np.floor((rows - self.lo) / self._span * QBINS)
        idx = np.clip(np.nan_to_num(idx, nan=0.0), 0, QBINS - 1).astype(np.int64)
        flat = (np.arange(self.K)[None, :] * QBINS + idx).ravel()
        self.hist += np.bincount(flat, minlength=self.K * QBINS).reshape(self.K, QBINS)
        if self.G:
            f = np.zeros((len(rows), self.G)) if flags is None else np.asarray(flags, dtype=np.float64).reshape(-1, self.G)
            rows = np.concatenate([rows, f], axis=1)
        self._buf.append(rows)
        self._buffered += len(rows)
        while self._buffered >= BLOCK:
            allrows = np.concatenate(self._buf)
            self._merge(allrows[:BLOCK])
            rest = allrows[BLOCK:]
            self._buf = [rest] if len(rest) else []
            self._buffered = len(rest)

    def _merge(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block)
        if self.G:
            flags = block[:, self.K :] != 0
            block = np.ascontiguousarray(block[:, : self.K])
            for g in range(self.G):
                sel = block[flags[:, g]]
                self.gn[g] += len(sel)
                if len(sel):
                    self.gsum[g] += sel.sum(axis=0)
        nb = len(block)
        mb = block.sum(axis=0) / nb
        m2b = ((block - mb) ** 2).sum(axis=0)
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2b + delta * delta * (self.n * nb / n)
        self.n = n

    def finish(self) -> list[dict]:
        if self._buffered:
            self._merge(np.concatenate(self._buf))
            self._buf, self._buffered = [], 0
        out = []
        for k in range(self.K):
            qs = hist_quantiles(self.hist[k], self.lo[k], self.hi[k])
            std = math.sqrt(self.m2[k] / (self.n - 1)) if self.n > 1 else 0.0
            row = {"mean": float(self.mean[k]), "std": std, "min": float(self.lo[k])}
            row.update({f"q{round(q * 100):02d}": v for q, v in zip(QUANTILES, qs)})
            row["max"] = float(self.hi[k])
            out.append(row)
        return out

    def by_group(self) -> list[list[dict]]:
        """For each flag, each column's mean with and without it, and the difference in
        standard deviations (call after finish())."""
        out = []
        total = self.mean * self.n
        std = np.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else np.zeros(self.K)
        for g in range(self.G):
            n1 = int(self.gn[g])
            n0 = self.n - n1
            rows = []
            for k in range(self.K):
                m1 = self.gsum[g, k] / n1 if n1 else math.nan
                m0 = (total[k] - self.gsum[g, k]) / n0 if n0 else math.nan
                d = (m1 - m0) / std[k] if n1 and n0 and std[k] > 0 else math.nan
                rows.append({"with": float(m1), "without": float(m0), "effect": float(d)})
            out.append(rows)
        return out


class Counts:
    """Counts of categorical outcomes of a point: events, closest partners, blocs."""

    def __init__(self, n_actors: int, n_outcomes: int, pairs: list[tuple[int, int]]):
        self.n = 0
        self.A = n_actors
        self.outcomes = np.zeros(n_outcomes, dtype=np.int64)
        self.closest = np.zeros((n_actors, n_actors), dtype=np.int64)
        self.pairs = pairs
        self.same_bloc = np.zeros(len(pairs), dtype=np.int64)
        self.splits: Counter = Counter()

    def add(self, outcomes: np.ndarray, closest: np.ndarray, blocs: np.ndarray) -> None:
        W = len(outcomes)
        self.n += W
        if W == 0:
            return
        self.outcomes += outcomes.sum(axis=0, dtype=np.int64)
        A = self.A
        flat = (np.arange(A)[None, :] * A + closest.astype(np.int64)).ravel()
        self.closest += np.bincount(flat, minlength=A * A).reshape(A, A)
        for q, (i, j) in enumerate(self.pairs):
            self.same_bloc[q] += int(np.count_nonzero(blocs[:, i] == blocs[:, j]))
        b = (blocs != blocs[:, :1]).astype(np.int64)  # 1 = not in actor 0's bloc
        masks = (b << np.arange(A, dtype=np.int64)).sum(axis=1)
        keys, cnt = np.unique(masks, return_counts=True)
        for k, c in zip(keys.tolist(), cnt.tolist()):
            self.splits[k] += c


def share(k: int, n: int) -> dict:
    lo, hi = wilson(k, n)
    return {"count": int(k), "p": (k / n) if n else math.nan, "low": lo, "high": hi}


def rounded(obj, digits: int = 6):
    """JSON-friendly copy with floats rounded (to keep summary files readable)."""
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj):
            return None
        return float(f"{obj:.{digits}g}") if obj != 0 else 0.0
    if isinstance(obj, dict):
        return {k: rounded(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v, digits) for v in obj]
    return obj
