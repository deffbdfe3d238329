"""Strategies: how a leader picks its move, one small named class each (after the Axelrod
library). Each takes the model and its seat and returns one move per world; blocking and
consent questions are answered by the fast AI's quantal responses unless a team answers.
"""

from __future__ import annotations

import numpy as np

from . import ai, rng
from .rules import NO_MOVE


class Strategy:
    """How a leader picks its move, in every world of a model at once."""

    name = "strategy"

    def choose(self, model, slot: int) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class FastAI(Strategy):
    """Quantal response to expected values over the leader's horizon (McKelvey & Palfrey,
    "Quantal response equilibria for normal form games", 1995); see game.ai."""

    name = "fast"

    def choose(self, model, slot: int) -> np.ndarray:
        return model.state.ai_choice(slot)


class Planner(Strategy):
    """Monte Carlo look-ahead through the engine, the others on the fast AI (Tesauro &
    Galperin, "On-line policy improvement using Monte-Carlo search", 1996); see game.planner."""

    name = "planner"

    def choose(self, model, slot: int) -> np.ndarray:
        plan = model.plan()
        state = model.state
        u = rng.uniform_slots(state.seed, state.worlds.index, state.turn, rng.CHOICE, np.array([slot]))[:, 0]
        return ai.sample(model.game, plan.prob, u, slot)


class Scripted(Strategy):
    """A fixed rule: the first of the given moves that is allowed, else the fast AI's choice
    (like Axelrod's unconditional players, e.g. Cooperator)."""

    name = "scripted"

    def __init__(self, *move_ids: str):
        if not move_ids:
            raise ValueError("a scripted strategy needs at least one move id")
        self.move_ids = move_ids
        self.name = "scripted:" + ",".join(move_ids)

    def for_seat(self, game, slot: int, strict: bool = True) -> Strategy:
        """This rule for one seat: its leader's moves among the given ones (strict: all must be
        his), or the fast AI if none are; ValueError for a move id the scenario lacks."""
        unknown = [m for m in self.move_ids if m not in game.move_index]
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not a move of any leader in this scenario")
        own = [m for m in self.move_ids if game.move_owner[game.move_index[m]] == slot]
        if strict and len(own) < len(self.move_ids):
            other = next(m for m in self.move_ids if m not in own)
            raise ValueError(f"'{other}' is not a move of {game.actor_ids[slot]}")
        return Scripted(*own) if own else FastAI()

    def choose(self, model, slot: int) -> np.ndarray:
        g = model.game
        picks = model.state.ai_choice(slot)
        todo = np.ones(len(picks), dtype=bool)
        legal = model.state.legal_mask()
        for mid in self.move_ids:
            m = g.move_index.get(mid)
            if m is None or g.move_owner[m] != slot:
                raise ValueError(f"'{mid}' is not a move of {g.actor_ids[slot]}")
            take = todo & legal[:, m]
            picks[take] = m
            todo &= ~take
        return picks


class Human(Strategy):
    """A team's own choice, given to the model before each step (`SummitModel.submit`);
    the fast AI plays the seat in a turn where the team has no legal move to choose."""

    name = "human"

    def choose(self, model, slot: int) -> np.ndarray:
        move = model.human_choices.get(model.game.actor_ids[slot])
        if move is None:
            return model.state.ai_choice(slot)
        return np.full(model.state.worlds.size, model.game.move_index[move], dtype=np.intp)


AI_KINDS = ("fast", "planner")


def make(spec: str) -> Strategy:
    """A strategy from its name: 'fast', 'planner', 'human' or 'scripted:MOVE[,MOVE...]'."""
    if spec == "fast":
        return FastAI()
    if spec == "planner":
        return Planner()
    if spec == "human":
        return Human()
    if spec.startswith("scripted:"):
        return Scripted(*[m for m in spec.split(":", 1)[1].split(",") if m])
    raise ValueError(f"unknown strategy '{spec}'; use fast, planner, human or scripted:MOVE[,MOVE...]")


def parse_spec(text: str | None):
    """The computer's strategy as written on a command line: 'fast', 'planner' or
    'scripted:MOVE,...' for every AI leader, or 'ACTOR=SPEC;ACTOR=SPEC' per leader
    (None: what the scenario says). Raises ValueError with a message for a bad spec."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if "=" not in text:
        make(text)
        return text
    out = {}
    for part in text.split(";"):
        actor, _, spec = part.partition("=")
        actor, spec = actor.strip(), spec.strip()
        if not actor or not spec:
            raise ValueError(f"'{part}' is not ACTOR=STRATEGY (e.g. kim=planner;trump=fast)")
        if spec == "human":
            raise ValueError("'human' is not a computer strategy; use --humans for the teams' leaders")
        make(spec)
        out[actor] = spec
    return out


__all__ = ["Strategy", "FastAI", "Planner", "Scripted", "Human", "make", "parse_spec", "AI_KINDS", "NO_MOVE"]
