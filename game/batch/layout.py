"""What a batch is made of: sweep points, chunks of worlds, and the columns of runs.csv."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from game.loader.overrides import format_value

DEFAULT_CHUNK = 2000
MIN_CHUNK = 1
MAX_CHUNK = 50_000
FAN_BINS = 256  # per-turn histogram bins for the fan charts


@dataclass(frozen=True)
class Point:
    """One scenario variant of a batch: the base scenario with one combination of swept values."""

    index: int
    values: dict  # swept path or design variable -> value
    label: str
    factor_min: tuple = ()  # this point's factor bounds (a sweep may change them)
    factor_max: tuple = ()

    @staticmethod
    def label_of(values: dict) -> str:
        return ", ".join(f"{k}={format_value(v)}" for k, v in values.items()) or "baseline"


@dataclass(frozen=True)
class Chunk:
    """Worlds start..stop-1 of points point..point+points-1 (several points only in designs)."""

    id: int
    point: int
    start: int  # first world index (within the point)
    stop: int
    points: int = 1

    @property
    def size(self) -> int:
        return (self.stop - self.start) * self.points

    @property
    def filename(self) -> str:
        return f"chunk-{self.id:05d}.npz"


def plan_chunks(points: int, runs: int, chunk_size: int, group: bool = False, stops: list[int] | None = None) -> list[Chunk]:
    """Chunks in run order: point 0's worlds first, each point cut into equal chunks.

    With `group` (experiment designs: many points, few worlds each), a chunk holds whole
    points instead: as many as fit in `chunk_size` worlds, at least one. With `stops`
    (--until-ci checkpoints), no chunk straddles a checkpoint, and the worlds before each
    checkpoint come first, for every point.
    """
    out = []
    if stops:
        lo = 0
        for hi in stops:
            for p in range(points):
                for start in range(lo, hi, chunk_size):
                    out.append(Chunk(len(out), p, start, min(start + chunk_size, hi)))
            lo = hi
        return out
    if group:
        per = max(1, chunk_size // max(1, runs))
        for p in range(0, points, per):
            out.append(Chunk(len(out), p, 0, runs, min(per, points - p)))
        return out
    for p in range(points):
        for start in range(0, runs, chunk_size):
            out.append(Chunk(len(out), p, start, min(start + chunk_size, runs)))
    return out


def default_chunk_size(runs: int, workers: int) -> int:
    """Big enough to vectorise well (at least 250 worlds when there are that many), small
    enough to give each worker about four chunks (for balance) and to keep memory flat.
    `runs` is every world of the batch (all points)."""
    share = -(-runs // (4 * max(1, workers)))  # ceil
    return max(MIN_CHUNK, min(DEFAULT_CHUNK, max(min(250, runs), share)))


@dataclass
class Layout:
    """Names and shapes shared by every point of a batch (sweeps change numbers, never ids)."""

    actor_ids: list[str]
    actor_names: list[str]
    actor_colours: list[str]
    factor_ids: list[str]
    factor_labels: list[str]
    factor_units: list[str]
    move_ids: list[str]
    move_owner: list[int]
    outcome_ids: list[str]
    outcome_labels: list[str]
    outcome_event: list[str]  # label of the event each outcome belongs to
    turns: int
    factor_min: list[float]
    factor_max: list[float]
    pairs: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, game) -> Layout:
        s = game.scenario
        actors = {a.id: a for a in s.actors}
        factors = {f.id: f for f in s.factors}
        out_label, out_event = {}, {}
        for ev in s.events:
            for o in ev.outcomes:
                out_label[o.id], out_event[o.id] = o.label, ev.label
        A = len(game.actor_ids)
        return cls(
            actor_ids=list(game.actor_ids),
            actor_names=[actors[a].name for a in game.actor_ids],
            actor_colours=[actors[a].colour for a in game.actor_ids],
            factor_ids=list(game.factor_ids),
            factor_labels=[factors[f].label for f in game.factor_ids],
            factor_units=[factors[f].unit or "" for f in game.factor_ids],
            move_ids=list(game.move_ids),
            move_owner=[int(x) for x in game.move_owner],
            outcome_ids=list(game.outcome_ids),
            outcome_labels=[out_label.get(o, o) for o in game.outcome_ids],
            outcome_event=[out_event.get(o, "") for o in game.outcome_ids],
            turns=int(game.turns),
            factor_min=[float(factors[f].min) for f in game.factor_ids],
            factor_max=[float(factors[f].max) for f in game.factor_ids],
            pairs=[(i, j) for i in range(A) for j in range(i + 1, A)],
        )

    SHAPE = ("actor_ids", "factor_ids", "move_ids", "outcome_ids", "turns")

    def shape_difference(self, scenario) -> str | None:
        """What differs in shape (ids, turns) between this layout and a scenario, or None."""
        other = {
            "actor_ids": [a.id for a in scenario.actors],
            "factor_ids": [f.id for f in scenario.factors],
            "move_ids": [m.id for am in scenario.moves for m in am.moves],
            "outcome_ids": [o.id for e in scenario.events for o in e.outcomes],
            "turns": scenario.turns,
        }
        for k in self.SHAPE:
            mine = getattr(self, k)
            if k == "move_ids":  # compiled order may differ from file order; compare as sets
                if sorted(mine) != sorted(other[k]):
                    return k
            elif mine != other[k]:
                return k
        return None

    @property
    def pair_ids(self) -> list[str]:
        return [f"{self.actor_ids[i]}.{self.actor_ids[j]}" for i, j in self.pairs]

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["pairs"] = [list(p) for p in self.pairs]
        return d


def upper_pairs(relations: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """[..., A, A] relation matrices -> [..., P] values of the unordered pairs (i < j)."""
    if not pairs:
        return np.zeros(relations.shape[:-2] + (0,), dtype=np.float64)
    i = np.array([p[0] for p in pairs])
    j = np.array([p[1] for p in pairs])
    return np.ascontiguousarray(relations[..., i, j], dtype=np.float64)
