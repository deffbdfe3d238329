"""Counter-based random numbers.

Every number depends only on (seed, world index, turn, purpose, slot), never on how
many worlds run together or in which process, so world k has the same history alone,
inside a batch of 10,000, on a cluster, or replayed in the game. The mixer is
SplitMix64's finaliser (Steele, Lea & Flood, 2014) applied to a hashed counter.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1

# Purposes: one stream per kind of decision.
EVENT_FIRES = 1
EVENT_OUTCOME = 2
EVENT_NOISE = 3
CHOICE = 4
BLOCK = 5
SUCCESS = 6
MOVE_NOISE = 7
FACTOR_SHOCK = 8
RELATION_SHOCK = 9
CONSENT = 10
OBLIGATION_NOISE = 11
PLANNER = 12  # the planner's rollouts run on a seed derived with this purpose


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _keys(seed: int, worlds: np.ndarray, turn: int, purpose: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        head = np.uint64((seed & _MASK)) ^ _mix(np.array([(purpose * 0x10001 + turn) & _MASK], dtype=np.uint64) * _GOLDEN)
        return _mix(_mix(head) ^ _mix(np.asarray(worlds, dtype=np.uint64) * _GOLDEN + _GOLDEN))


def uniform(seed: int, worlds: np.ndarray, turn: int, purpose: int, n: int) -> np.ndarray:
    """Uniform numbers in [0, 1), shape [len(worlds), n]; column j is slot j."""
    return uniform_slots(seed, worlds, turn, purpose, np.arange(n))


def uniform_slots(seed: int, worlds: np.ndarray, turn: int, purpose: int, slots: np.ndarray) -> np.ndarray:
    """Uniform numbers for chosen slots only, shape [len(worlds), len(slots)]."""
    with np.errstate(over="ignore"):
        keys = _keys(seed, worlds, turn, purpose)
        counters = ((np.asarray(slots, dtype=np.uint64) + np.uint64(1)) * _GOLDEN)[None, :]
        bits = _mix(keys[:, None] + counters)
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def normal(seed: int, worlds: np.ndarray, turn: int, purpose: int, n: int) -> np.ndarray:
    """Standard normal numbers, shape [len(worlds), n] (Box–Muller on two uniform slots each)."""
    return normal_slots(seed, worlds, turn, purpose, np.arange(n))


def normal_slots(seed: int, worlds: np.ndarray, turn: int, purpose: int, slots: np.ndarray) -> np.ndarray:
    """Standard normal numbers for chosen slots only; slot j uses uniform slots 2j and 2j+1."""
    slots = np.asarray(slots, dtype=np.int64)
    u = uniform_slots(seed, worlds, turn, purpose, np.stack([2 * slots, 2 * slots + 1], axis=1).ravel())
    u1 = 1.0 - u[:, 0::2]  # in (0, 1]
    u2 = u[:, 1::2]
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def sparse_normal(seed: int, worlds: np.ndarray, turn: int, purpose: int, n: int, slots: np.ndarray) -> np.ndarray:
    """[len(worlds), n] with standard normals at `slots` and zeros elsewhere (same numbers as `normal`)."""
    out = np.zeros((len(worlds), n))
    if len(slots):
        out[:, slots] = normal_slots(seed, worlds, turn, purpose, slots)
    return out


def derived_seed(seed: int, purpose: int) -> int:
    """A seed for a separate stream of the same game (e.g. the planner's imagined futures),
    so that a look-ahead never sees the numbers the real future will use."""
    with np.errstate(over="ignore"):
        z = np.array([(seed & _MASK)], dtype=np.uint64) ^ (np.uint64(purpose) * _GOLDEN)
        return int(_mix(_mix(z))[0] & np.uint64((1 << 63) - 1))
