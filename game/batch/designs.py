"""Experiment designs over declared ranges: `--vary PATH=LOW:HIGH` with `--design KIND:N`.

    lhs:N      N points, a Latin hypercube (SALib.sample.latin)
    sobol:N    N * (D + 2) points, Saltelli's scheme on a scrambled Sobol' sequence, for
               first-order and total Sobol' indices (SALib.sample.sobol, N a power of 2)
    morris:N   N * (D + 1) points, N Morris trajectories on 4 levels (SALib.sample.morris)
    grid:K     K^D points, K evenly spaced values of each variable (full factorial)

The samples depend only on the design, the ranges and the batch seed, and every point
runs the same worlds (common random numbers), as sweep points do.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass

import numpy as np

from game.loader.overrides import OverrideError, _path, format_value

KINDS = ("lhs", "sobol", "morris", "grid")
MAX_POINTS = 200_000
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Vary:
    """A number of the scenario that a design varies over [low, high]."""

    path: str
    low: float
    high: float
    integer: bool = False  # the scenario field holds whole numbers: samples are rounded

    @property
    def text(self) -> str:
        return f"{self.path}={format_value(self.low)}:{format_value(self.high)}"


@dataclass(frozen=True)
class Design:
    kind: str
    n: int

    @property
    def text(self) -> str:
        return f"{self.kind}:{self.n}"

    def points(self, d: int) -> int:
        """How many points the design has over d variables."""
        return {"lhs": self.n, "sobol": self.n * (d + 2), "morris": self.n * (d + 1), "grid": self.n**d}[self.kind]


def parse_vary(text: str) -> Vary:
    arg = f"--vary {text}"
    if "=" not in text or ":" not in text.partition("=")[2]:
        raise OverrideError(f"{arg}: expected PATH=LOW:HIGH, e.g. actors.kim.rationality=1:20")
    path, _, rng = text.partition("=")
    lo_text, _, hi_text = rng.partition(":")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise OverrideError(f"{arg}: LOW and HIGH must be numbers (got '{lo_text.strip()}' and '{hi_text.strip()}')") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise OverrideError(f"{arg}: LOW and HIGH must be finite numbers")
    if not lo < hi:
        raise OverrideError(f"{arg}: LOW must be below HIGH")
    return Vary(_path(path, arg), lo, hi)


def parse_design(text: str) -> Design:
    arg = f"--design {text}"
    kind, _, n_text = text.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS or not n_text.strip().isdigit():
        raise OverrideError(f"{arg}: expected one of lhs:N, sobol:N, morris:N, grid:K (e.g. sobol:1024)")
    n = int(n_text)
    if kind == "sobol" and (n < 2 or n & (n - 1)):
        raise OverrideError(f"{arg}: a Sobol' design needs a power of 2 base samples (e.g. 512, 1024, 2048)")
    if kind == "grid" and n < 2:
        raise OverrideError(f"{arg}: a grid needs at least 2 values per variable")
    if n < 1:
        raise OverrideError(f"{arg}: N must be at least 1")
    return Design(kind, n)


def problem(varies: list[Vary]) -> dict:
    """The SALib problem of a design."""
    return {"num_vars": len(varies), "names": [v.path for v in varies], "bounds": [[v.low, v.high] for v in varies]}


def salib_seed(seed: int) -> int:
    """A 32-bit seed for SALib derived from the batch seed."""
    return int.from_bytes(hashlib.sha256(f"summit-design:{seed}".encode()).digest()[:4], "little")


def sample(design: Design, varies: list[Vary], seed: int) -> np.ndarray:
    """[points, D] input values, in SALib's order (the order its analyses expect)."""
    d = len(varies)
    n_points = design.points(d)
    if n_points > MAX_POINTS:
        raise OverrideError(f"--design {design.text} over {d} variables makes {n_points:,} points; at most {MAX_POINTS:,} are allowed")
    prob = problem(varies)
    s = salib_seed(seed)
    if design.kind == "lhs":
        from SALib.sample import latin

        x = latin.sample(prob, design.n, seed=s)
    elif design.kind == "sobol":
        from SALib.sample import sobol

        x = sobol.sample(prob, design.n, calc_second_order=False, scramble=True, seed=s)
    elif design.kind == "morris":
        from SALib.sample import morris

        x = morris.sample(prob, design.n, num_levels=MORRIS_LEVELS, seed=s)
    else:
        axes = [np.linspace(v.low, v.high, design.n) for v in varies]
        x = np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(-1, d)
    x = np.asarray(x, dtype=np.float64)
    for k, v in enumerate(varies):
        if v.integer:
            x[:, k] = np.round(x[:, k])
    return x


def fingerprint(x: np.ndarray) -> str:
    """sha256 of the design's values (recorded in the manifest: a resume must draw the same points)."""
    return hashlib.sha256(np.ascontiguousarray(x, dtype="<f8").tobytes()).hexdigest()


def corners(varies: list[Vary], limit: int = 1024) -> list[dict]:
    """The corners of the box (or, over many variables, each variable at each end with the others
    at their middle): points checked against the scenario format before a design runs."""
    d = len(varies)
    if 2**d <= limit:
        return [dict(zip([v.path for v in varies], c)) for c in itertools.product(*[(v.low, v.high) for v in varies])]
    mid = {v.path: (v.low + v.high) / 2 for v in varies}
    return [mid] + [{**mid, v.path: end} for v in varies for end in (v.low, v.high)]
