"""Warnings that `validate` does not give (`summit lint`): a valid file that plays badly.

Each warning has a reason and a fix. Some come from reading the scenario (what can never
happen, what nothing reads, effects out of proportion); the others from watching the computer
play a quick batch of worlds on a fixed seed (moves never allowed or never chosen, factors stuck
at a bound, moves the lens finds dominated at every sampled month, relation propensities that
decide who ends closest to whom whether the leaders choose well or at random).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from game.compiled import Game
from game.schema import Scenario

BIG_EFFECT = 0.5  # an effect moving a factor by more than half its range in one go
STUCK = 0.5  # a factor at a bound at the end in more than half of the worlds
DECIDED = 0.9  # a closest partner this common, with choices and at random, is decided by propensities


@dataclass(frozen=True)
class Finding:
    """One warning: what it is about (a --set path), what is wrong, and how to fix it."""

    kind: str
    path: str
    message: str
    fix: str

    def words(self) -> str:
        return f"{self.path}: {self.message}; {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "path": self.path, "message": self.message, "fix": self.fix}


# --- reading the file --------------------------------------------------------------------------


def _nodes(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping in the data with its path (list items by id where they have one)."""
    if isinstance(data, dict):
        yield path, data
        for k, v in data.items():
            yield from _nodes(v, f"{path}.{k}" if path else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            name = v.get("id") or v.get("actor") if isinstance(v, dict) else None
            yield from _nodes(v, f"{path}.{name if isinstance(name, str) else i}")


def _is_effect(d: dict[str, Any]) -> bool:
    return "delta" in d and ("factor" in d or "between" in d)


def static(s: Scenario) -> list[Finding]:
    """What reading the scenario shows: effects out of proportion, factors nothing reads,
    preconditions that can never hold, short names that may be a given name."""
    data = s.model_dump(mode="json", exclude_none=True)
    return [*_big_effects(s, data), *_unread_factors(s, data), *_unreachable(s, data), *_short_names(s)]


def _big_effects(s: Scenario, data: dict[str, Any]) -> Iterator[Finding]:
    span = {f.id: f.max - f.min for f in s.factors}
    for path, d in _nodes(data):
        if _is_effect(d) and "factor" in d and abs(d["delta"]) > BIG_EFFECT * span.get(d["factor"], np.inf):
            share = abs(d["delta"]) / span[d["factor"]]
            yield Finding("big-effect", path + ".delta", f"moves {d['factor']} by {d['delta']:g}, {share:.0%} of its range, in one go",
                          "a single move or event rarely does that much; make it smaller or spread it over several turns")
        if _is_effect(d) and "between" in d and abs(d["delta"]) > 2 * BIG_EFFECT:
            yield Finding("big-effect", path + ".delta", f"moves the {'-'.join(d['between'])} relation by {d['delta']:g} "
                          "(more than half of its range, -1 to +1) in one go", "make it smaller, or spread it over several turns")


def _unread_factors(s: Scenario, data: dict[str, Any]) -> Iterator[Finding]:
    read = {d["factor"] for _, d in _nodes(data) if "factor" in d and not _is_effect(d)}
    for f in s.factors:
        if f.id not in read:
            yield Finding("unread-factor", f"factors.{f.id}", f"no payoff weights {f.id} and no condition, chance or scale reads it, "
                          "so it changes nothing in the game", "give some leader a payoff weight on it, use it in a "
                          "precondition or chance, or remove it")


def _reach(s: Scenario, data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """For each factor, the lowest and highest value it can ever take (from what can move it)."""
    up: set[str] = set()
    down: set[str] = set()
    for _, d in _nodes(data):
        if _is_effect(d) and "factor" in d:
            if d["delta"] > 0 or d.get("noise", 0) > 0:
                up.add(d["factor"])
            if d["delta"] < 0 or d.get("noise", 0) > 0:
                down.add(d["factor"])
    out = {}
    for f in s.factors:
        dyn = f.dynamics
        level = f.initial if dyn.level is None else dyn.level
        moves_up = f.id in up or dyn.volatility > 0 or dyn.drift > 0 or (dyn.reversion > 0 and level > f.initial)
        moves_down = f.id in down or dyn.volatility > 0 or dyn.drift < 0 or (dyn.reversion > 0 and level < f.initial)
        out[f.id] = (f.min if moves_down else f.initial, f.max if moves_up else f.initial)
    return out


def _unreachable(s: Scenario, data: dict[str, Any]) -> Iterator[Finding]:
    reach = _reach(s, data)
    for path, d in _nodes(data):
        for k, c in enumerate(d.get("preconditions") or []):
            if not (isinstance(c, dict) and "factor" in c and "op" in c) or c["factor"] not in reach:
                continue
            lo, hi = reach[c["factor"]]
            v, op = c["value"], c["op"]
            never = {"<": lo >= v, "<=": lo > v, ">": hi <= v, ">=": hi < v, "==": not lo <= v <= hi}.get(op, False)
            if never:
                yield Finding("never-holds", f"{path}.preconditions.{k}", f"{c['factor']} {op} {v:g} can never hold: {c['factor']} "
                              f"starts at {next(f.initial for f in s.factors if f.id == c['factor']):g} and can only range over "
                              f"[{lo:g}, {hi:g}] (nothing in the scenario moves it further)", "change the value, or add a move, "
                              "event or dynamics that moves the factor there")


def _short_names(s: Scenario) -> Iterator[Finding]:
    from game.compiled import short_name

    for a in s.actors:
        words = a.name.split()
        shown = short_name(a.name, a.id)
        if a.short_name is None and len(words) >= 2 and shown.lower() not in a.id.lower():
            yield Finding("short-name", f"actors.{a.id}", f"no short_name, and no word of '{a.name}' matches the id "
                          f"'{a.id}', so small labels show its last word, '{shown}'", f"write short_name: {words[0]} if the "
                          f"family name comes first (as in Chinese, Korean or Hungarian names), or short_name: {shown}")


# --- watching it play --------------------------------------------------------------------------


def waiting_moves(s: Scenario) -> set[str]:
    """Moves that change nothing (waiting): never chosen or dominated is no surprise for them."""
    return {m.id for am in s.moves for m in am.moves if not any(_is_effect(d) for _, d in _nodes(m.model_dump(mode="json")))}


def played(game: Game, seed: int, worlds: int) -> list[Finding]:
    """What a quick batch of AI worlds shows: moves never allowed or never chosen, stuck factors."""
    from game.model import SummitModel

    model = SummitModel(game, worlds=worlds, seed=seed, history=False)
    legal = np.zeros(game.n_moves, dtype=bool)
    while not model.state.is_terminal():
        legal |= model.state.legal_mask().any(axis=0)
        model.step()
    chosen = model.state.worlds.move_chosen.sum(axis=0) > 0
    waits = waiting_moves(game.scenario)
    out = []
    for m, mid in enumerate(game.move_ids):
        owner = game.actor_ids[game.move_owner[m]]
        path = f"moves.{owner}.moves.{mid}"
        if not legal[m]:
            out.append(Finding("never-legal", path, f"never allowed in {worlds} worlds played by the computer (seed {seed}): its "
                               "preconditions never held at the start of a month", "loosen its preconditions"))
        elif not chosen[m] and mid not in waits:
            out.append(Finding("never-chosen", path, f"allowed but never chosen in {worlds} worlds played by the computer (seed "
                               f"{seed})", "make it worth more to its leader (bigger effects on what its payoff weights, a "
                               "better chance), or remove it"))
    x = model.state.worlds.factors
    for f, fid in enumerate(game.factor_ids):
        for at, bound in (("minimum", game.factor_min[f]), ("maximum", game.factor_max[f])):
            share = float(np.mean(np.isclose(x[:, f], bound)))
            if share > STUCK:
                out.append(Finding("stuck", f"factors.{fid}", f"ends at its {at} ({bound:g}) in {share:.0%} of {worlds} worlds",
                                   "moves push it past the bound: make their effects smaller or the range wider"))
    return out


def dominated(game: Game, seed: int, samples: int = 3, draws: int = 16) -> list[Finding]:
    """Moves the lens finds strictly dominated at every sampled month where they are allowed:
    another move of the same leader does better against every profile of the others' moves.
    Months whose stage game is too large to enumerate are skipped."""
    from game import lens
    from game.model import SummitModel

    turns = sorted({round(k * (game.turns - 1) / max(1, samples - 1)) for k in range(samples)})
    seen: dict[str, list[bool]] = {}
    model = SummitModel(game, seed=seed)
    for t in range(game.turns):
        if t in turns:
            try:
                stage = lens.stage_game(model.state, None, draws)
            except ValueError:  # too many profiles to enumerate at this month
                stage = None
            for mid, dom in (_dominated_in(stage, lens.TOLERANCE) if stage else {}).items():
                seen.setdefault(mid, []).append(dom)
        model.step()
    waits = waiting_moves(game.scenario)
    always = [mid for mid, flags in seen.items() if flags and all(flags) and mid not in waits]
    out = []
    for a, aid in enumerate(game.actor_ids):
        mine = [m for m in always if game.move_owner[game.move_index[m]] == a]
        if mine:
            total = int(game.move_stop[a] - game.move_start[a])
            out.append(Finding("dominated", f"moves.{aid}", f"{len(mine)} of {total} moves strictly dominated at every sampled "
                               f"month where allowed (months {', '.join(str(t) for t in turns)}; the lens): {', '.join(mine)}; "
                               "another of the leader's moves does better whatever the others do", "if a leader has a "
                               "dominant move every month it is solving its own problem: tie its payoffs to the others' moves "
                               "(interactions, offers, chances or effects that depend on the state), or remove those moves"))
    return out


def _dominated_in(stage: Any, tol: float) -> dict[str, bool]:
    """For each leader's legal move: whether another of its moves beats it against every profile."""
    flags = {}
    for k, moves in enumerate(stage.moves):
        u = np.moveaxis(stage.payoff[..., k], k, 0).reshape(len(moves), -1)  # [own moves, others' profiles]
        for i, mid in enumerate(moves):
            flags[mid] = any((u[j] > u[i] + tol).all() for j in range(len(moves)) if j != i)
    return flags


def propensities(game: Game, seed: int, worlds: int) -> list[Finding]:
    """Closest partners decided by the relation propensities: the same leader ends closest to the
    same partner in most worlds whether the leaders choose or pick at random."""
    from game.model import simulate
    from game.report.experiments import with_rationality

    chosen = simulate(game, seed, worlds)["closest"]
    random = simulate(Game(with_rationality(game.scenario, 0.0)), seed, worlds)["closest"]
    out = []
    for a, aid in enumerate(game.actor_ids):
        top = int(np.bincount(chosen[:, a], minlength=game.n_actors).argmax())
        p_chosen, p_random = float(np.mean(chosen[:, a] == top)), float(np.mean(random[:, a] == top))
        if top != a and p_chosen >= DECIDED and p_random >= DECIDED:
            other = game.actor_ids[top]
            out.append(Finding("propensity-decides", f"relations.pairs.{aid},{other}", f"{aid} ends closest to {other} in "
                               f"{p_chosen:.0%} of worlds when the leaders choose, and in {p_random:.0%} when they choose at "
                               "random: the relation propensities decide it, not the play", "bring the propensities closer "
                               "together, lower relations.pull, or give moves larger relation effects"))
    return out
