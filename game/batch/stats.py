"""Streaming statistics of a batch: memory does not grow with the number of worlds.

Every figure is independent of how the worlds were cut into chunks: counts and
histograms are integers, and floating-point sums are taken over fixed blocks of
BLOCK worlds in world order whatever the chunk size was.

Quantiles of the final values are exact, with numpy's and pandas' default definition
(linear interpolation between the order statistics around (n - 1) q). They take one
more pass over the rows: a histogram finds the bin that holds each order statistic,
and only the values in those bins are kept (as distinct values with counts).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

Z95 = 1.959963984540054
BLOCK = 4096
QBINS = 4096
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
QUANTILE_DEFINITION = "exact: linear interpolation between the order statistics around (n - 1) q (numpy's and pandas' default)"


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


def _lerp(a: float, b: float, t: float) -> float:
    """numpy's linear interpolation (the same rounding as numpy.quantile)."""
    d = b - a
    return float(b - d * (1 - t)) if t >= 0.5 else float(a + d * t)


def fan_quantiles(hist: np.ndarray, lo, hi, qs=QUANTILES) -> np.ndarray:
    """[T, K, B] per-turn histograms -> [len(qs), T, K] quantiles (hist_quantiles, vectorised)."""
    T, K, B = hist.shape
    lo = np.asarray(lo, dtype=np.float64)[None, :]
    hi = np.asarray(hi, dtype=np.float64)[None, :]
    cum = np.cumsum(hist, axis=2)
    n = cum[:, :, -1] if B else np.zeros((T, K))
    width = (hi - lo) / B
    out = np.full((len(qs), T, K), np.nan)
    for i, q in enumerate(qs):
        target = np.maximum(q * n, 1e-9)
        k = np.minimum((cum < target[:, :, None]).sum(axis=2), B - 1)  # first bin whose cumulative count reaches it
        before = np.where(k > 0, np.take_along_axis(cum, np.maximum(k - 1, 0)[:, :, None], axis=2)[:, :, 0], 0)
        inside = np.take_along_axis(hist, k[:, :, None], axis=2)[:, :, 0]
        frac = np.where(inside > 0, (target - before) / np.where(inside > 0, inside, 1), 0.0)
        v = np.minimum(hi, np.maximum(lo, lo + (k + frac) * width))
        v = np.where(hi > lo, v, lo + np.zeros_like(v))
        out[i] = np.where(n > 0, v, np.nan)
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

    def _bins(self, rows: np.ndarray) -> np.ndarray:
        idx = np.floor((rows - self.lo) / self._span * QBINS)
        return np.clip(np.nan_to_num(idx, nan=0.0), 0, QBINS - 1).astype(np.int64)

    def add(self, rows: np.ndarray, flags: np.ndarray | None = None) -> None:
        """First pass: moments, per-flag sums and the histogram."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.K)
        if not len(rows):
            return
        idx = self._bins(rows)
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

    def _ranks(self) -> list[tuple[float, int, int, float]]:
        """(q, lower rank, upper rank, weight of the upper) for each quantile (numpy's 'linear')."""
        n = self.n
        out = []
        for q in QUANTILES:
            virtual = (n - 1) * q  # numpy's virtual index for method "linear"
            below = min(max(int(math.floor(virtual)), 0), n - 1)
            out.append((q, below, min(below + 1, n - 1), virtual - math.floor(virtual)))
        return out

    def plan(self) -> None:
        """After the first pass: which histogram bins hold the order statistics we need."""
        if self._buffered:
            self._merge(np.concatenate(self._buf))
            self._buf, self._buffered = [], 0
        self._cum = np.cumsum(self.hist, axis=1)
        self._wanted: list[set[int]] = [set() for _ in range(self.K)]
        if self.n:
            for _, r0, r1, _ in self._ranks():
                for k in range(self.K):
                    for r in (r0, r1):
                        self._wanted[k].add(int(np.searchsorted(self._cum[k], r, side="right")))
        self._lut = np.zeros((self.K, QBINS), dtype=bool)
        for k, bins in enumerate(self._wanted):
            self._lut[k, sorted(bins)] = True
        self._kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(self.K)]

    def collect(self, rows: np.ndarray) -> None:
        """Second pass (after plan()): keep the values of the wanted bins, as distinct values and counts."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.K)
        if not len(rows):
            return
        keep = self._lut[np.arange(self.K), self._bins(rows)]  # [W, K]: the value lies in a wanted bin
        for k in np.flatnonzero(keep.any(axis=0)).tolist():
            self._kept[k].append(np.unique(rows[keep[:, k], k], return_counts=True))

    def _order_stats(self, k: int, ranks: list[int]) -> list[float]:
        """Column k's values of the given ranks (0 = smallest), from the kept values and the histogram."""
        vals = np.concatenate([v for v, _ in self._kept[k]])
        counts = np.concatenate([c for _, c in self._kept[k]])
        order = np.argsort(vals, kind="stable")
        vals, counts = vals[order], counts[order]
        idx = np.floor((vals - self.lo[k]) / self._span[k] * QBINS)
        bins = np.clip(np.nan_to_num(idx, nan=0.0), 0, QBINS - 1).astype(np.int64)  # as in _bins()
        before_bin = np.concatenate([[0], self._cum[k]])[bins]  # values in lower bins
        csum = np.cumsum(counts)
        first_of_bin = np.searchsorted(bins, bins, side="left")  # bins are sorted with the values
        within = csum - counts - (csum[first_of_bin] - counts[first_of_bin])  # kept values before, in the bin
        last_rank = before_bin + within + counts - 1  # the highest rank each distinct value holds
        return vals[np.searchsorted(last_rank, np.asarray(ranks), side="left")].astype(float).tolist()

    def finish(self) -> list[dict]:
        """Mean, sd, standard error of the mean, min, exact quantiles and max of each column."""
        if not hasattr(self, "_cum"):
            raise RuntimeError("Columns.finish() before plan() and collect()")
        out = []
        ranks = self._ranks() if self.n else []
        for k in range(self.K):
            std = math.sqrt(self.m2[k] / (self.n - 1)) if self.n > 1 else 0.0
            row = {"mean": float(self.mean[k]), "se": std / math.sqrt(self.n) if self.n else math.nan, "std": std,
                   "min": float(self.lo[k])}
            if ranks:
                xs = self._order_stats(k, [r for _, r0, r1, _ in ranks for r in (r0, r1)])
            for i, (q, r0, r1, t) in enumerate(ranks):
                row[f"q{round(q * 100):02d}"] = _lerp(xs[2 * i], xs[2 * i + 1], t)
            if not ranks:
                row.update({f"q{round(q * 100):02d}": math.nan for q in QUANTILES})
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


class Moments:
    """Mean and sum of squared deviations of K columns, merged over fixed blocks of BLOCK rows
    (so the result does not depend on how the rows arrive)."""

    def __init__(self, K: int):
        self.K = K
        self.n = 0
        self.mean = np.zeros(K)
        self.m2 = np.zeros(K)
        self._buf: list[np.ndarray] = []
        self._buffered = 0

    def add(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, self.K)
        self._buf.append(rows)
        self._buffered += len(rows)
        while self._buffered >= BLOCK:
            allrows = np.concatenate(self._buf)
            self._merge(allrows[:BLOCK])
            rest = allrows[BLOCK:]
            self._buf = [rest] if len(rest) else []
            self._buffered = len(rest)

    def _merge(self, block: np.ndarray) -> None:
        nb = len(block)
        if not nb:
            return
        mb = block.sum(axis=0) / nb
        m2b = ((block - mb) ** 2).sum(axis=0)
        n = self.n + nb
        delta = mb - self.mean
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2b + delta * delta * (self.n * nb / n)
        self.n = n

    def finish(self) -> None:
        if self._buffered:
            self._merge(np.concatenate(self._buf))
            self._buf, self._buffered = [], 0


def _interval(diff: float, se: float) -> dict:
    return {"diff": diff, "se": se, "low": diff - Z95 * se, "high": diff + Z95 * se}


class Paired:
    """Differences between two points world by world (the same world index, the same random numbers).

    For indicators (did an outcome happen) the counts of worlds where it happened at one point
    and not the other are exact integers; for numeric columns the differences are averaged
    over fixed blocks. Each difference has the standard error of the mean of the per-world
    differences, and the unpaired standard error for comparison.
    """

    def __init__(self, K: int):
        self.n = 0
        self.up = self.down = self.x1 = self.x0 = None  # indicator counts
        self.diffs = Moments(K)
        self.ref = Moments(K)
        self.cur = Moments(K)

    def add(self, ind: np.ndarray, ref_ind: np.ndarray, x: np.ndarray, ref_x: np.ndarray) -> None:
        ind, ref_ind = np.asarray(ind, bool), np.asarray(ref_ind, bool)
        up = (ind & ~ref_ind).sum(axis=0, dtype=np.int64)
        down = (~ind & ref_ind).sum(axis=0, dtype=np.int64)
        x1, x0 = ind.sum(axis=0, dtype=np.int64), ref_ind.sum(axis=0, dtype=np.int64)
        if self.up is None:
            self.up, self.down, self.x1, self.x0 = up, down, x1, x0
        else:
            self.up, self.down, self.x1, self.x0 = self.up + up, self.down + down, self.x1 + x1, self.x0 + x0
        self.n += len(ind)
        self.diffs.add(np.asarray(x) - np.asarray(ref_x))
        self.ref.add(ref_x)
        self.cur.add(x)

    def probabilities(self) -> list[dict]:
        n = self.n
        out = []
        for up, down, x1, x0 in zip(self.up.tolist(), self.down.tolist(), self.x1.tolist(), self.x0.tolist()):
            d = (up - down) / n
            var = ((up + down) - n * d * d) / (n - 1) if n > 1 else 0.0  # sample variance of the per-world differences
            p1, p0 = x1 / n, x0 / n
            unpaired = math.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / n)
            out.append({**_interval(d, math.sqrt(max(var, 0.0) / n)), "se_unpaired": unpaired})
        return out

    def means(self) -> list[dict]:
        for m in (self.diffs, self.ref, self.cur):
            m.finish()
        n = self.n
        out = []
        for k in range(self.diffs.K):
            se = math.sqrt(self.diffs.m2[k] / (n - 1) / n) if n > 1 else 0.0
            v1 = self.cur.m2[k] / (n - 1) if n > 1 else 0.0
            v0 = self.ref.m2[k] / (n - 1) if n > 1 else 0.0
            out.append({**_interval(float(self.diffs.mean[k]), se), "se_unpaired": math.sqrt((v1 + v0) / n) if n else 0.0})
        return out
