"""Why things happened: each move's chance and roll, why it failed, was blocked or refused,
what moved each relation and factor in a month, and why a move is not allowed now.

Reads a state and its records (`state.TurnRecord`); changes nothing. The parts of a change
come from the engine's record of world 0 (`TurnRecord.moved`): each move's expected effect,
events, deals kept or broken, drift toward the usual level, chance (noise and shocks) and the
bounds. They add up exactly to the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import rules
from .compiled import BLOCKED, FAILURE, LOGISTIC, REFUSED, SUCCESS, Game
from .narrate import follow, successor_names, target_label
from .state import State, TurnRecord

OPS_WORDS = ("below", "at most", "above", "at least", "exactly", "other than")


@dataclass
class Reason:
    """Why one leader's move came out as it did."""

    actor: str
    name: str
    label: str
    result: str  # success | failed | blocked | refused
    chance: float  # its chance of success when it resolved (once accepted and not blocked)
    roll: float | None  # the number drawn against it (0..1), None when the move never got that far
    by_team: bool  # the move was a team's
    words: str


@dataclass
class Change:
    """What moved one relation or factor in a month: parts (words, amount) that add up to after - before."""

    target: int
    label: str
    before: float
    after: float
    parts: list[tuple[str, float]] = field(default_factory=list)

    @property
    def amount(self) -> float:
        return self.after - self.before


def percent(p: float) -> str:
    """A chance in words: '72%', never '100%' or '0%' for what is not certain."""
    if 0 < p < 0.005:
        return "under 1%"
    if 0.995 < p < 1:
        return "over 99%"
    return f"{p:.0%}"


# --- moves: chance, roll and result ----------------------------------------------------------


def chance_drivers(game: Game, m: int, personas=None) -> str:
    """What a move's chance depends on, in words ('' for a fixed chance)."""
    ch = game.move_chances
    if ch.kind[m] != LOGISTIC:
        return ""
    parts = []
    for t in np.flatnonzero(ch.C[m]):
        label = target_label(game, int(t), personas)
        parts.append(f"{label} ({'the higher, the likelier' if ch.C[m, t] > 0 else 'the higher, the less likely'})")
    return "Its chance depends on " + "; ".join(parts) + "." if parts else ""


def reasons(state: State, record: TurnRecord) -> list[Reason]:
    """Every move of a recorded month with the reason for its result, in resolution order."""
    g = state.game
    personas = record.personas or list(state.worlds.persona[0])
    names = {a: g.personas[int(p)].name for a, p in zip(g.actor_ids, personas)}
    swaps = successor_names(g, personas)
    veto = g.scenario.veto_label
    out = []
    for a in g.resolution_order:
        m, r = record.choices[a], record.results[a]
        if m < 0:
            continue
        aid = g.actor_ids[a]
        chance, roll = float(record.chance[a]), float(record.roll[a])
        team = aid in record.by_hand
        who = "its team" if team else "the computer"
        if r == BLOCKED:
            b = g.actor_ids[record.blocked_by[a]]
            how = "the team's choice" if _answered(record, "block", b, g.move_ids[m]) else "the computer's judgement of its interests"
            words = f"Blocked: {names[b]} used a veto ({veto}) against it; {how}."
            result, shown_roll = "blocked", None
        elif r == REFUSED:
            to = g.actor_ids[g.move_offer_to[m]]
            how = "the team's choice" if _answered(record, "consent", to, g.move_ids[m]) else "the computer's judgement of its interests"
            words = f"Refused: {names[to]} turned the offer down; {how}."
            result, shown_roll = "refused", None
        else:
            ok = r == SUCCESS
            result, shown_roll = ("success" if ok else "failed"), roll
            if chance >= 1:
                words = "Succeeded: it always works once it goes ahead."
            elif ok:
                words = f"Succeeded: it had a {percent(chance)} chance; the roll was {roll * 100:.0f} of 100, below {chance * 100:.0f}."
            else:
                words = (f"Failed: it had a {percent(chance)} chance; the roll was {roll * 100:.0f} of 100, "
                         f"and it needed less than {chance * 100:.0f}.")
            if g.move_offer_to[m] >= 0:
                words = f"{names[g.actor_ids[g.move_offer_to[m]]]} accepted the offer. " + words
            drivers = chance_drivers(g, m, personas)
            if drivers and chance < 1:
                words += " " + drivers
        out.append(Reason(aid, names[aid], follow(g.moves[m].label, swaps), result, chance, shown_roll, team,
                          words + f" (Chosen by {who}.)"))
    return out


def _answered(record: TurnRecord, kind: str, actor: str, move: str) -> bool:
    return any(a["kind"] == kind and a["actor"] == actor and a["move"] == move for a in record.answers)


# --- what moved each relation and factor ------------------------------------------------------


def what_moved(state: State, record: TurnRecord, after: np.ndarray) -> list[Change]:
    """Every target that moved in a recorded month (after: the state at that month's close), the
    biggest change first, with its parts. Empty for a record without causes (an old save)."""
    g = state.game
    personas = record.personas or list(state.worlds.persona[0])
    total = np.zeros(g.n_targets)
    parts: dict[int, list[tuple[str, float]]] = {}
    for c in record.moved:
        t = int(c["target"])
        total[t] += c["amount"]
        parts.setdefault(t, []).append((cause_words(g, record, c, personas), float(c["amount"])))
    out = []
    for t, items in parts.items():
        merged: dict[str, float] = {}
        for words, amount in items:
            merged[words] = merged.get(words, 0.0) + amount
        ordered = sorted(merged.items(), key=lambda kv: -abs(kv[1]))
        out.append(Change(t, target_label(g, t, personas), float(after[t] - total[t]), float(after[t]), ordered))
    return sorted(out, key=lambda c: -abs(c.amount) / g.target_range[c.target])


def cause_words(game: Game, record: TurnRecord, cause: dict, personas) -> str:
    """One part of a change in words."""
    source, who, t = cause["source"], int(cause["who"]), int(cause["target"])
    swaps = successor_names(game, personas)
    if source == "move":
        m, r = record.choices[who], record.results[who]
        word = {SUCCESS: "", FAILURE: ", failed", BLOCKED: ", blocked", REFUSED: ", refused"}[r]
        return f"{game.personas[int(personas[who])].short_name}: {follow(game.moves[m].label, swaps)}{word}"
    if source == "event":
        return f"Event: {game.outcome_labels[who]}"
    if source == "seat":
        keep = float(game.outcome_keep[who])
        return f"New leader: {game.outcome_labels[who]} (only {keep:.0%} of the old ties carry over)"
    if source in ("kept", "broken"):
        offer = follow(game.moves[game.obligation_move[who]].label, swaps)
        return f"Deal {source}: {offer}"
    if source == "drift":
        if t < game.n_factors:
            f = game.scenario.factors[t]
            return f"Drift toward its usual level ({game.level[t]:g}{(' ' + f.unit) if f.unit else ''})"
        return f"Drift toward its long-run level ({game.pair_propensity[t - game.n_factors]:+.2f})"
    if source == "noise":
        return "Chance (random noise in effects and monthly shocks)"
    return "Held at its limit"


# --- moves that are not allowed now ------------------------------------------------------------


def unmet_conditions(state: State, m: int, world: int = 0) -> list[str]:
    """The preconditions of move m that fail now, in words."""
    node = state.game.move_conditions[m]
    return _unmet(state, node, world) if node is not None else []


def _unmet(state: State, node: tuple, world: int) -> list[str]:
    g, w = state.game, state.worlds
    if bool(rules.holds(g, w, node)[world]):
        return []
    kind = node[0]
    if kind == "all":
        return [r for child in node[1] for r in _unmet(state, child, world)]
    if kind == "any":
        return ["one of these: " + " or ".join(_condition_words(state, c, world) for c in node[1])]
    return [_condition_words(state, node, world)]


def _condition_words(state: State, node: tuple, world: int) -> str:
    g = state.game
    personas = state.worlds.persona[world]
    names = successor_names(g, personas)
    kind = node[0]
    if kind == "target":
        _, t, op, value = node
        now = float(state.worlds.x[world, t])
        label = target_label(g, t, personas)
        fmt = "{:+.2f}" if t >= g.n_factors else "{:g}"
        return f"{label} must be {OPS_WORDS[op]} {fmt.format(value)} (it is {fmt.format(round(now, 2))})"
    if kind == "turn":
        lo, hi = node[1], node[2]
        first = g.date_of_turn(lo).strftime("%B %Y")
        last = g.date_of_turn(min(hi, g.turns - 1)).strftime("%B %Y")
        return f"only from {first} to {last}"
    if kind == "move":
        label = follow(g.moves[node[1]].label, names)
        return f"'{label}' must have worked before" if node[2] else f"only once: '{label}' has already worked"
    if kind == "outcome":
        words = f"{g.events[g.outcome_event[node[1]]].label}: {g.outcome_labels[node[1]]}"
        return f"only after '{words}'" if node[2] else f"not after '{words}'"
    if kind == "obligation":
        offer = follow(g.moves[g.obligation_move[node[1]]].label, names)
        return f"only while the deal '{offer}' is open" if node[2] else f"not while the deal '{offer}' is open"
    if kind in ("all", "any"):
        joiner = " and " if kind == "all" else " or "
        return "(" + joiner.join(_condition_words(state, c, world) for c in node[1]) + ")"
    return "a condition does not hold"
