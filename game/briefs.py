"""Role briefs: what a leader wants (in words, from the payoff weights, strongest first, with the
scenario's reasons), the moves it has, how far ahead it looks, and who can stop it.

A brief is for the leader who holds the seat now: after an election a team reads its
successor's goals. Pure: reads a compiled game (and a state for the month and the holder).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .compiled import Game, Persona
from .narrate import follow, relation_label, successor_names


@dataclass
class Goal:
    """One term of a leader's payoff, in words."""

    key: tuple  # ("factor", f) | ("relation", b) | ("interaction", k) | ("office",)
    words: str
    weight: float  # as the scenario writes it
    share: float  # |weight| / the leader's stakes (the sum of its absolute weights)
    rationale: str = ""

    @property
    def wants(self) -> bool:
        return self.weight > 0


@dataclass
class Brief:
    """A team's brief for one month."""

    actor: str
    name: str
    title: str
    country: str
    goals: list[Goal] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    horizon: list[str] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    powers: list[str] = field(default_factory=list)  # what this leader can do to others' moves

    def lines(self) -> list[str]:
        out = [f"{self.name}, {self.title} ({self.country})", "", "Your goals, strongest first:"]
        out += [f"  {k + 1}. {g.words} ({g.share:.0%} of what is at stake). {g.rationale}".rstrip() for k, g in enumerate(self.goals)]
        out += ["", "Your moves:"] + [f"  {t}" for t in self.tools]
        if self.powers:
            out += ["", "Your powers over others:"] + [f"  {p}" for p in self.powers]
        out += ["", "Your time horizon:"] + [f"  {h}" for h in self.horizon]
        out += ["", "Who can stop you:"] + [f"  {b}" for b in (self.blockers or ["Nobody can block your moves."])]
        return out


def quantity_words(game: Game, q, complement: bool, seats=None) -> str:
    """'high UN sanctions pressure', 'low Sanctions evasion', 'a warm Kim–Xi relation'."""
    if q.factor is not None:
        return f"{'low' if complement else 'high'} {game.scenario.factors[game.factor_index[q.factor]].label}"
    q_index = game.pair_of[game.actor_index[q.relation[0]], game.actor_index[q.relation[1]]]
    return f"a {'cold' if complement else 'warm'} {relation_label(game, int(q_index), seats)}"


def goals(game: Game, persona: int, seats=None) -> list[Goal]:
    """A persona's goals, strongest first (by the size of their weight); `seats` (the persona in
    each seat) names the other leaders as they are now (default: the leaders who start)."""
    p: Persona = game.personas[persona]
    stakes = float(game.stakes[persona])
    seats = list(range(game.n_actors)) if seats is None else [int(s) for s in seats]
    out = []
    for w in p.payoff.factors:
        f = game.factor_index[w.factor]
        label = game.scenario.factors[f].label
        out.append(Goal(("factor", f), f"{'Higher' if w.weight > 0 else 'Lower'}: {label}", w.weight, abs(w.weight) / stakes,
                        w.rationale))
    for w in p.payoff.relations:
        b = game.actor_index[w.actor]
        other = game.personas[seats[b]].name
        out.append(Goal(("relation", b), f"{'Warm' if w.weight > 0 else 'Cold'} relations with {other}", w.weight,
                        abs(w.weight) / stakes, w.rationale))
    for k, term in enumerate(p.payoff.interactions):
        both = " together with ".join(quantity_words(game, q, q.complement, seats) for q in term.of)
        out.append(Goal(("interaction", k), f"{'Wants' if term.weight > 0 else 'Avoid'}: {both}", term.weight,
                        abs(term.weight) / stakes, term.rationale))
    if p.payoff.office is not None and p.payoff.office.weight:
        out.append(Goal(("office",), "Holding office", p.payoff.office.weight, p.payoff.office.weight / stakes,
                        p.payoff.office.rationale))
    return sorted(out, key=lambda g: -abs(g.weight))


def horizon_words(game: Game, persona: int, turn: int) -> list[str]:
    """How far ahead the leader looks, in words."""
    p = game.personas[persona]
    term = p.term
    left = game.turns - turn
    out = []
    if term.kind == "none" or term.date is None:
        out.append("No election or term limit: the future counts almost as much as the present.")
    else:
        what = "an election" if term.kind == "election" else "the end of the term"
        out.append(f"Faces {what} on {term.date.day} {term.date:%B %Y}; gains after leaving office count only "
                   f"{term.beyond_term_weight:.0%} as much.")
    out.append(f"Each month ahead counts {term.patience:.0%} as much as the one before.")
    if term.note:
        out.append(term.note)
    tail = f"; the computer's leaders still count {game.horizon_after_end} months after it" if game.horizon_after_end else ""
    out.append(f"The game has {left} month{'s' if left != 1 else ''} to go{tail}.")
    return out


def brief(state, actor: str) -> Brief:
    """The brief of whoever holds the actor's seat now (a state from game.state)."""
    g = state.game
    a = g.actor_index[actor]
    persona = int(state.worlds.persona[0, a])
    p = g.personas[persona]
    names = successor_names(g, state.worlds.persona[0])
    spec = g.scenario.actors[a]
    out = Brief(actor, p.name, p.title, spec.country, goals(g, persona, state.worlds.persona[0]),
                horizon=horizon_words(g, persona, state.turn))
    for m in range(g.move_start[a], g.move_stop[a]):
        mv = g.moves[m]
        line = f"{m - g.move_start[a] + 1}. {follow(mv.label, names)}: {follow(' '.join(mv.description.split()), names)}"
        if g.move_offer_to[m] >= 0:
            line += f" (an offer: {state.actor_name(g.actor_ids[g.move_offer_to[m]])} must accept it)"
        out.tools.append(line)
        blockers = [state.actor_name(g.actor_ids[b]) for b in range(g.n_actors) if g.move_blockers[m, b]]
        if blockers:
            out.blockers.append(f"'{follow(mv.label, names)}' can be blocked by {', '.join(blockers)} "
                                f"({g.scenario.veto_label}).")
        if g.move_offer_to[m] >= 0:
            out.blockers.append(f"'{follow(mv.label, names)}' happens only if "
                                f"{state.actor_name(g.actor_ids[g.move_offer_to[m]])} accepts it.")
    for m in range(g.n_moves):
        owner = g.move_owner[m]
        if owner != a and g.move_blockers[m, a]:
            out.powers.append(f"You may block {state.actor_name(g.actor_ids[owner])}'s "
                              f"'{follow(g.moves[m].label, names)}' ({g.scenario.veto_label}).")
        if g.move_offer_to[m] == a:
            out.powers.append(f"You decide whether to accept {state.actor_name(g.actor_ids[owner])}'s offer "
                              f"'{follow(g.moves[m].label, names)}'.")
    return out
