"""The rules between entries: ids that must exist or be unique, dates within the game, conditions
that can hold, effects that fit their factor. Each problem is (data path, message, first), where
`first` is the path of an earlier entry the message cites as ``{first}`` (a duplicate's original).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from game.limits import MAX_CONDITION_DEPTH
from game.schema import (
    AllCondition,
    AnyCondition,
    Condition,
    Effects,
    EventCondition,
    FactorCondition,
    Logistic,
    MoveCondition,
    ObligationCondition,
    Payoff,
    RelationCondition,
    Scenario,
    ScheduledEvent,
    TurnCondition,
    closest,
    months_between,
)

from .problems import DataPath, show_path
from .walk import num


class Ref(NamedTuple):
    """A problem between entries: where, what (may cite ``{first}``), and the entry it cites."""

    path: DataPath
    message: str
    first: DataPath | None = None


def reference_problems(s: Scenario) -> list[tuple[DataPath, str]]:
    """Every broken rule between entries, as (path, message), ``{first}`` written as a data path."""
    return [(r.path, r.message.replace("{first}", show_path(r.first or ()))) for r in check(s)]


def check(s: Scenario) -> list[Ref]:
    """Every broken rule between entries of a structurally valid scenario."""
    c = _Checker(s)
    c.ids()
    c.actors_and_factors()
    c.relations()
    for aid, p in s.payoffs.items():
        c.need(aid, c.actors, "actor", ("payoffs", aid))
        c.payoff(p, ("payoffs", aid), aid)
    for aid in c.actors:
        if aid not in s.payoffs:
            c.out.append(Ref(("payoffs",), f"actor '{aid}' has no payoff; give every actor weights under `payoffs`"))
    c.moves()
    c.events()
    if s.resolution_order is not None:
        for k, a in enumerate(s.resolution_order):
            c.need(a, c.actors, "actor", ("resolution_order", k))
        if sorted(s.resolution_order) != sorted(c.actors):
            c.out.append(Ref(("resolution_order",), "resolution_order must list every actor exactly once"))
    return c.out


class _Checker:
    def __init__(self, s: Scenario):
        self.s = s
        self.out: list[Ref] = []
        self.actors = [a.id for a in s.actors]
        self.factors = [f.id for f in s.factors]
        self.factor = {f.id: f for f in s.factors}
        self.sources = [src.id for src in s.sources]
        self.all_moves = [m.id for am in s.moves for m in am.moves]
        self.outcomes = [o.id for e in s.events for o in e.outcomes]
        self.obligations = [m.id for am in s.moves for m in am.moves if m.offer is not None and m.offer.obligation is not None]
        self.owner_of = {m.id: am.actor for am in s.moves for m in am.moves}

    # --- ids
    def need(self, value: str, known: list[str], what: str, path: DataPath) -> None:
        if value not in known:
            hint = closest(value, known)
            allowed = ", ".join(known) if len(known) <= 12 else f"{len(known)} {what} ids"
            msg = f"unknown {what} '{value}'" + (f"; did you mean '{hint}'?" if hint else "") + f" (known: {allowed})"
            self.out.append(Ref(path, msg))

    def unique(self, items: Iterable[tuple[str, DataPath]], what: str, scope: str = "") -> None:
        first: dict[str, DataPath] = {}
        for v, path in items:
            if v in first:
                self.out.append(Ref(path, f"duplicate {what} id '{v}' (first given at {{first}}); {what} ids must be unique{scope}", first[v]))
            else:
                first[v] = path

    def ids(self) -> None:
        s = self.s
        self.unique(((a.id, ("actors", i, "id")) for i, a in enumerate(s.actors)), "actor")
        self.unique(((f.id, ("factors", i, "id")) for i, f in enumerate(s.factors)), "factor")
        self.unique(((x.id, ("sources", i, "id")) for i, x in enumerate(s.sources)), "source")
        self.unique(((m.id, ("moves", a, "moves", j, "id")) for a, am in enumerate(s.moves) for j, m in enumerate(am.moves)),
                    "move", " across all actors")
        self.unique(((e.id, ("events", i, "id")) for i, e in enumerate(s.events)), "event")
        self.unique(((o.id, ("events", i, "outcomes", k, "id")) for i, e in enumerate(s.events) for k, o in enumerate(e.outcomes)),
                    "outcome", " across all events")

    def pair(self, p: list[str], path: DataPath) -> None:
        for k, a in enumerate(p):
            self.need(a, self.actors, "actor", path + (k,))
        if len(p) == 2 and p[0] == p[1]:
            self.out.append(Ref(path, f"a relation needs two different actors, got '{p[0]}' twice"))

    def source(self, obj: Any, path: DataPath) -> None:
        if getattr(obj, "source", None) is not None:
            self.need(obj.source, self.sources, "source", path + ("source",))

    def quantity(self, q: Any, path: DataPath) -> None:
        """A factor or relation named by `factor:` / `relation:` (scales, interactions, terms)."""
        if q.factor is not None:
            self.need(q.factor, self.factors, "factor", path + ("factor",))
        if q.relation is not None:
            self.pair(q.relation, path + ("relation",))

    # --- parts
    def actors_and_factors(self) -> None:
        s = self.s
        for i, a in enumerate(s.actors):
            self.source(a, ("actors", i))
            if a.term.date is not None and a.term.date < s.start_date:
                self.out.append(Ref(("actors", i, "term", "date"), f"term date {a.term.date} is before the scenario starts ({s.start_date})"))
        for i, f in enumerate(s.factors):
            self.source(f, ("factors", i))

    def relations(self) -> None:
        first: dict[frozenset[str], DataPath] = {}
        for i, r in enumerate(self.s.relations.pairs):
            path = ("relations", "pairs", i, "between")
            self.pair(r.between, path)
            key = frozenset(r.between)
            if key in first and len(key) == 2:
                self.out.append(Ref(path, f"relation {r.between[0]}–{r.between[1]} is given twice (first at {{first}})", first[key]))
            first.setdefault(key, path)
            self.source(r, ("relations", "pairs", i))

    def effects(self, e: Effects, path: DataPath) -> None:
        for i, fe in enumerate(e.factors):
            self.need(fe.factor, self.factors, "factor", path + ("factors", i, "factor"))
            if fe.scale is not None:
                self.quantity(fe.scale, path + ("factors", i, "scale"))
            f = self.factor.get(fe.factor)
            if f is not None and abs(fe.delta) > f.max - f.min:
                self.out.append(Ref(path + ("factors", i, "delta"),
                                    f"a change of {num(fe.delta)} is larger than the whole range of '{f.id}' ({num(f.min)} to {num(f.max)}); "
                                    f"allowed: at most {num(f.max - f.min)} either way"))
        for i, re_ in enumerate(e.relations):
            self.pair(re_.between, path + ("relations", i, "between"))
            if re_.scale is not None:
                self.quantity(re_.scale, path + ("relations", i, "scale"))
        targets: list[tuple[str | frozenset[str], Any, tuple[str, int]]]
        targets = [(fe.factor, fe.scale, ("factors", i)) for i, fe in enumerate(e.factors)]
        targets += [(frozenset(re_.between), re_.scale, ("relations", i)) for i, re_ in enumerate(e.relations)]
        for target, scale, where in targets:
            if scale is not None and sum(t == target for t, _, _ in targets) > 1:
                self.out.append(Ref(path + where + ("scale",), "a scaled effect must be the only effect on its factor or relation "
                                    "in this list; merge the entries into one"))

    def conditions(self, conds: list[Condition], path: DataPath, depth: int = 1) -> None:
        for i, c in enumerate(conds):
            p = path + (i,)
            if isinstance(c, FactorCondition):
                self.need(c.factor, self.factors, "factor", p + ("factor",))
            elif isinstance(c, RelationCondition):
                self.pair(c.relation, p + ("relation",))
            elif isinstance(c, MoveCondition):
                self.need(c.move, self.all_moves, "move", p + ("move",))
            elif isinstance(c, EventCondition):
                self.need(c.outcome, self.outcomes, "event outcome", p + ("outcome",))
            elif isinstance(c, ObligationCondition):
                self.need(c.obligation, self.obligations, "offer-with-obligation move", p + ("obligation",))
            elif isinstance(c, TurnCondition):
                lo, hi = c.turn.get("min", 0), c.turn.get("max", self.s.turns - 1)
                if lo > hi:
                    self.out.append(Ref(p + ("turn",), f"turn window is empty: min {lo} > max {hi}"))
                elif lo > self.s.turns - 1:
                    self.out.append(Ref(p + ("turn",), f"turn window starts at turn {lo}, after the last turn ({self.s.turns - 1}, "
                                        "counting from 0); the condition can never hold"))
            elif isinstance(c, (AllCondition, AnyCondition)):
                key = "all" if isinstance(c, AllCondition) else "any"
                if depth > MAX_CONDITION_DEPTH:
                    self.out.append(Ref(p + (key,), f"conditions are nested more than {MAX_CONDITION_DEPTH} deep; flatten them"))
                else:
                    self.conditions(getattr(c, key), p + (key,), depth + 1)
                    if isinstance(c, AllCondition):
                        self.satisfiable(c.all, p + ("all",))
            if isinstance(c, (FactorCondition, RelationCondition)):
                reason = self.never(c)
                if reason:
                    self.out.append(Ref(p + ("value",), f"this condition can never hold: {reason}"))

    def never(self, c: FactorCondition | RelationCondition) -> str | None:
        """Why a comparison can never hold within its quantity's range, or None."""
        if isinstance(c, FactorCondition):
            f = self.factor.get(c.factor)
            if f is None:
                return None
            lo, hi, what = f.min, f.max, f"'{f.id}' stays within {num(f.min)} to {num(f.max)}"
        else:
            lo, hi, what = -1.0, 1.0, "a relation stays within -1 to 1"
        v = c.value
        impossible = {"<": v <= lo, "<=": v < lo, ">": v >= hi, ">=": v > hi, "==": not lo <= v <= hi, "!=": False}[c.op]
        return f"{what}, so it is never {c.op} {num(v)}" if impossible else None

    def satisfiable(self, conds: list[Condition], path: DataPath) -> None:
        """Conditions that must all hold but contradict each other (flow < 20 and flow > 80)."""
        ranges: dict[Any, list[Any]] = {}
        key: tuple[str, str | frozenset[str]]
        for i, c in enumerate(conds):
            if isinstance(c, (FactorCondition, RelationCondition)) and self.never(c):
                continue  # impossible on its own: reported at its value
            if isinstance(c, FactorCondition) and c.factor in self.factor:
                f = self.factor[c.factor]
                key, lo, hi, name = ("factor", c.factor), f.min, f.max, c.factor
            elif isinstance(c, RelationCondition):
                key, lo, hi, name = ("relation", frozenset(c.relation)), -1.0, 1.0, "-".join(c.relation)
            else:
                continue
            r = ranges.setdefault(key, [lo, False, hi, False, []])
            r[4].append(f"{name} {c.op} {num(c.value)} ({show_path(path + (i,))})")
            if c.op in ("<", "<="):
                if c.value < r[2] or (c.value == r[2] and c.op == "<"):
                    r[2], r[3] = c.value, c.op == "<"
            elif c.op in (">", ">="):
                if c.value > r[0] or (c.value == r[0] and c.op == ">"):
                    r[0], r[1] = c.value, c.op == ">"
            elif c.op == "==":
                if r[0] <= c.value <= r[2]:
                    r[0], r[1], r[2], r[3] = c.value, False, c.value, False
                else:
                    r[0], r[2] = 1.0, 0.0  # outside what is left: empty
            if r[0] > r[2] or (r[0] == r[2] and (r[1] or r[3])):
                self.out.append(Ref(path, "these conditions can never all hold: " + " and ".join(r[4])
                                    + "; remove one, or put the alternatives under `any`"))
                r[4] = []  # reported once
                r[0], r[1], r[2], r[3] = -float("inf"), False, float("inf"), False

    def chance(self, ch: Any, path: DataPath) -> None:
        if isinstance(ch, Logistic):
            for i, t in enumerate(ch.terms):
                self.quantity(t, path + ("terms", i))

    def payoff(self, p: Payoff, path: DataPath, owner: str | None) -> None:
        first: dict[str, DataPath] = {}
        for i, fw in enumerate(p.factors):
            where = path + ("factors", i, "factor")
            self.need(fw.factor, self.factors, "factor", where)
            if fw.factor in first:
                self.out.append(Ref(where, f"factor '{fw.factor}' is weighted twice (first at {{first}})", first[fw.factor]))
            first.setdefault(fw.factor, where)
            self.source(fw, path + ("factors", i))
        first = {}
        for i, rw in enumerate(p.relations):
            where = path + ("relations", i, "actor")
            self.need(rw.actor, self.actors, "actor", where)
            if owner is not None and rw.actor == owner:
                self.out.append(Ref(where, f"an actor cannot weight its relation with itself ('{owner}')"))
            if rw.actor in first:
                self.out.append(Ref(where, f"relation with '{rw.actor}' is weighted twice (first at {{first}})", first[rw.actor]))
            first.setdefault(rw.actor, where)
            self.source(rw, path + ("relations", i))
        for i, iw in enumerate(p.interactions):
            for k, q in enumerate(iw.of):
                self.quantity(q, path + ("interactions", i, "of", k))
            self.source(iw, path + ("interactions", i))
        if p.office is not None:
            self.source(p.office, path + ("office",))

    def offer(self, o: Any, proposer: str, path: DataPath) -> None:
        self.need(o.to, self.actors, "actor", path + ("to",))
        if o.to == proposer:
            self.out.append(Ref(path + ("to",), f"'{proposer}' cannot make an offer to itself; name another actor"))
        self.effects(o.on_refused, path + ("on_refused",))
        ob = o.obligation
        if ob is None:
            return
        bound = ob.actor or o.to
        if ob.actor is not None:
            self.need(ob.actor, self.actors, "actor", path + ("obligation", "actor"))
        self.need(ob.move, self.all_moves, "move", path + ("obligation", "move"))
        if ob.move in self.owner_of and self.owner_of[ob.move] != bound:
            self.out.append(Ref(path + ("obligation", "move"),
                                f"move '{ob.move}' belongs to '{self.owner_of[ob.move]}', but the obligation binds '{bound}'; "
                                f"name a move of '{bound}' (or set `actor`)"))
        self.effects(ob.on_kept, path + ("obligation", "on_kept"))
        self.effects(ob.on_broken, path + ("obligation", "on_broken"))

    def moves(self) -> None:
        s = self.s
        first: dict[str, DataPath] = {}
        for i, am in enumerate(s.moves):
            self.need(am.actor, self.actors, "actor", ("moves", i, "actor"))
            if am.actor in first:
                self.out.append(Ref(("moves", i, "actor"), f"moves for '{am.actor}' are listed twice (first at {{first}}); put them in one list",
                                    first[am.actor]))
            first.setdefault(am.actor, ("moves", i, "actor"))
            for j, m in enumerate(am.moves):
                path = ("moves", i, "moves", j)
                self.source(m, path)
                self.conditions(m.preconditions, path + ("preconditions",))
                self.satisfiable(m.preconditions, path + ("preconditions",))
                for name in ("effects", "on_failure", "on_blocked"):
                    self.effects(getattr(m, name), path + (name,))
                for k, b in enumerate(m.blockable_by):
                    self.need(b, self.actors, "actor", path + ("blockable_by", k))
                    if b == am.actor:
                        self.out.append(Ref(path + ("blockable_by", k), f"'{b}' cannot block its own move"))
                if m.on_blocked != Effects() and not m.blockable_by:
                    self.out.append(Ref(path + ("on_blocked",), "on_blocked is given but nobody can block this move; add `blockable_by`"))
                self.chance(m.probability, path + ("probability",))
                if m.offer is not None:
                    self.offer(m.offer, am.actor, path + ("offer",))
        for aid in self.actors:
            if aid not in first:
                self.out.append(Ref(("moves",), f"actor '{aid}' has no moves; give each actor at least one (waiting is a move)"))

    def events(self) -> None:
        s = self.s
        for i, ev in enumerate(s.events):
            path = ("events", i)
            self.source(ev, path)
            if isinstance(ev, ScheduledEvent):
                if ev.date < s.start_date:
                    self.out.append(Ref(path + ("date",), f"event date {ev.date} is before the scenario starts ({s.start_date})"))
                elif months_between(s.start_date, ev.date) >= s.turns:
                    self.out.append(Ref(path + ("date",), f"event date {ev.date} falls after the last turn "
                                        f"(the scenario has {s.turns} monthly turns from {s.start_date})"))
            else:
                self.conditions(ev.preconditions, path + ("preconditions",))
                self.satisfiable(ev.preconditions, path + ("preconditions",))
            open_ = [k for k, o in enumerate(ev.outcomes) if o.chance is None]
            if len(open_) != 1:
                self.out.append(Ref(path + ("outcomes",), f"exactly one outcome must leave out `chance` (the 'otherwise' case); found {len(open_)}"))
            fixed = sum(o.chance for o in ev.outcomes if isinstance(o.chance, float))
            if fixed > 1 + 1e-9:
                self.out.append(Ref(path + ("outcomes",), f"the outcomes' fixed chances add up to {fixed:.3g}; they must add up to at most 1"))
            for k, o in enumerate(ev.outcomes):
                self.outcome(ev, o, path + ("outcomes", k))

    def outcome(self, ev: Any, o: Any, op: DataPath) -> None:
        s = self.s
        self.chance(o.chance, op + ("chance",))
        self.effects(o.effects, op + ("effects",))
        if o.replace is not None:
            self.need(o.replace.actor, self.actors, "actor", op + ("replace", "actor"))
            self.payoff(o.replace.successor.payoff, op + ("replace", "successor", "payoff"), o.replace.actor)
        if o.renew is not None:
            self.need(o.renew.actor, self.actors, "actor", op + ("renew", "actor"))
            if o.renew.date <= s.start_date:
                self.out.append(Ref(op + ("renew", "date"), f"the renewed term date {o.renew.date} must be after the scenario starts ({s.start_date})"))
            elif isinstance(ev, ScheduledEvent) and months_between(s.start_date, o.renew.date) <= months_between(s.start_date, ev.date):
                self.out.append(Ref(op + ("renew", "date"), f"the renewed term date {o.renew.date} must fall after the month of "
                                    f"the event itself ({ev.date}): it is when the next term ends"))
            if o.replace is not None and o.replace.actor == o.renew.actor:
                self.out.append(Ref(op + ("renew",), f"an outcome cannot both replace and renew '{o.renew.actor}'; use two outcomes"))
