"""What each page shows: a team's page, the teacher's moderator view, the join form.

`team_view`, `moderator_view` and `public_view` read a Classroom (under its lock) into plain
data; `Pages` renders that data with Jinja2 templates, escaped by default, into whole pages
or the page's sections (the websocket sends only the sections that changed). Nothing a
client sent reaches a page without escaping, and nothing here changes the game.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from game import briefs, explain, scorecard
from game.net import classroom as C
from game.state import BLOCK

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECTIONS = ("head", "act", "advice", "month", "talk", "compose", "results", "score", "brief")
CHANGES_SHOWN = 6  # the biggest changes of a month, each with what moved it
PHASE_WORDS = {
    C.LOBBY: "Waiting for the teacher to start the game",
    C.CHOOSING: "Teams are choosing their moves",
    C.ANSWERING: "Teams are answering vetoes and offers",
    C.RESULTS: "The month has been played: read the results",
    C.OVER: "The game is over",
}


def memo(room: C.Classroom, name: str, make):
    """A view derived from the months played, computed once until a month is played or the phase
    changes (pages are rendered after every action; these change only between months)."""
    b = room.bridge
    key = (id(b.session), len(b.state.records), b.turn, room.phase)
    if b.views.get(None) != key:
        b.views.clear()
        b.views[None] = key
    if name not in b.views:
        b.views[name] = make()
    return b.views[name]


def _pct(p: float) -> str:
    return f"{p:.0%}"


def leader(room: C.Classroom, actor: str) -> dict:
    p = room.bridge.state.persona(actor)
    a = room.game.scenario.actors[room.game.actor_index[actor]]
    return {"id": actor, "name": p.name, "title": p.title, "country": a.country, "colour": p.colour}


def status(room: C.Classroom) -> dict:
    """What everyone may see: the month, the phase, who is still deciding (never what anyone chose)."""
    m = room.month
    deciding = list(m.pending) if room.phase == C.CHOOSING else \
        sorted({q.actor for q in room.unanswered()}) if room.phase == C.ANSWERING else []
    return {
        "month": room.month_label(m.turn if room.started else 0),
        "turn": (m.turn if room.started else 0) + 1,
        "turns": room.game.turns,
        "phase": room.phase,
        "phase_words": PHASE_WORDS[room.phase],
        "deciding": [{"id": a, "name": room.name(a)} for a in deciding],
        "done": [{"id": a, "name": room.name(a)} for a in room.teams if a not in deciding],
        "seconds_left": room.seconds_left(),
        "version": room.version,
    }


def results(room: C.Classroom) -> dict | None:
    """The last month played, in words: each move with the reason for its result (its chance and
    the roll, a veto, a refusal; named as the seat's holder was then), and what moved the most."""
    b = room.bridge
    record = b.last_record() if room.started else None
    if record is None:
        return None
    rep = b.history()[-1]
    news = {a.actor: a.news for a in rep.actions}
    timed_out = set(room.month.timed_out) if room.phase in (C.RESULTS, C.OVER) else set()
    g = room.game
    return {
        "month": room.month_label(record.turn),
        "events": list(rep.events),
        "actions": [{"actor": r.actor, "name": r.name, "label": r.label, "result": r.result, "words": r.words,
                     "news": news.get(r.actor, ""), "by_timer": r.actor in timed_out}
                    for r in explain.reasons(b.state, record)],
        "deals": list(rep.deals),
        "changes": [{"label": c.label, "before": _value(g, c.target, c.before), "after": _value(g, c.target, c.after),
                     "parts": [{"words": w, "amount": _amount(g, c.target, x)} for w, x in c.parts]}
                    for c in explain.what_moved(b.state, record, b.closes()[-1])[:CHANGES_SHOWN]],
    }


def _value(game, target: int, v: float) -> str:
    return f"{v:.1f}" if target < game.n_factors else f"{v:+.2f}"


def _amount(game, target: int, v: float) -> str:
    return f"{v:+.1f}" if target < game.n_factors else f"{v:+.2f}"


def score(room: C.Classroom, actor: str) -> dict | None:
    """The team's points goal by goal (each against the same goal had nothing changed); at the end,
    the same world with the computer in the team's seat."""
    b = room.bridge
    if not room.started or not b.state.records:
        return None
    rows = scorecard.breakdown(room.game, b.state.records, b.closes())[actor]
    out = {"total": f"{b.state.scores()[actor]:.2f}", "months": len(b.state.records),
           "goals": [{"holder": r.holder, "goal": r.goal.words, "points": f"{r.points:+.2f}", "still": f"{r.still:+.2f}",
                      "gained": f"{r.gained:+.2f}"} for r in rows],
           "holders": len({r.holder for r in rows}) > 1, "compare": None}
    if room.phase == C.OVER:
        c = b.comparison(actor)
        out["compare"] = {"words": c.words(), "differences": [{"month": room.month_label(t), "team": mine, "ai": theirs}
                                                             for t, mine, theirs in c.differences]}
    return out


def advice(forecast, settings_on: bool) -> dict:
    """The advisor's forecast for a team's moves (game.advisor.Advice), or why there is none."""
    if not settings_on:
        return {"status": "off"}
    if forecast is None:
        return {"status": "computing"}
    return {"status": "ready", "months": forecast.months, "rollouts": forecast.rollouts,
            "rows": [{"label": f.label, "value": f"{f.value:+.2f}", "low": f"{f.low:+.2f}", "high": f"{f.high:+.2f}",
                      "best": k == 0, "behind": f"{f.behind:.2f}", "behind_low": f"{f.behind_low:.2f}",
                      "behind_high": f"{f.behind_high:.2f}",
                      "moved": ", ".join(f"{label} {d:+.2f}" for label, d in f.relations)}
                     for k, f in enumerate(forecast.forecasts)]}


def conversation(room: C.Classroom, actor: str | None) -> list[dict]:
    """The notes a team may read (sent by it, to it or to everyone); all of them for the teacher."""
    out = []
    replies = {n.offer: n for n in room.notes if n.kind == "reply"}
    g = room.game
    for n in room.notes:
        if actor is not None and actor not in (n.sender, n.to) and n.to != C.EVERYONE:
            continue
        item = {"id": n.id, "number": n.number, "kind": n.kind, "sender": room.name(n.sender), "to": room.name(n.to),
                "mine": n.sender == actor, "text": n.text, "month": room.month_label(n.turn)}
        if n.kind == "offer":
            m = g.move_index[n.move]
            item["move"] = g.moves[m].label
            from game.narrate import offer_terms

            item["terms"] = offer_terms(room.bridge.state, m)
            reply = replies.get(n.id)
            item["reply"] = None if reply is None else ("accepted" if reply.accept else "refused")
            records = room.bridge.state.records if room.started else []
            played = records[n.turn] if n.turn < len(records) and records[n.turn].turn == n.turn else None
            item["made"] = None if played is None else played.choices[g.actor_index[n.sender]] == m
            item["open"] = (reply is None and n.to == actor and n.turn == room.month.turn and room.phase == C.CHOOSING)
        if n.kind == "reply":
            offer = next((o for o in room.notes if o.id == n.offer), None)
            item["text"] = f"{'Accepts' if n.accept else 'Refuses'} the offer '{g.moves[g.move_index[offer.move]].label}'" \
                if offer else ""
        out.append(item)
    return out


def team_view(room: C.Classroom, actor: str) -> dict:
    """Everything one team's page shows."""
    b, m = room.bridge, room.month
    view = {"me": leader(room, actor), "status": status(room), "flash": None}
    view["events"] = b.pending_events() if room.phase in (C.CHOOSING, C.ANSWERING) else []
    view["promises"] = b.promises() if room.started else []
    choosing = room.phase == C.CHOOSING and actor in m.pending
    view["moves"] = [{"id": mv.id, "label": mv.label, "description": mv.description, "rationale": mv.rationale,
                      "chance": _pct(mv.probability), "expected": mv.expected,
                      "offer_to": room.name(mv.offer_to) if mv.offer_to else None, "terms": mv.terms,
                      "blockable_by": [room.name(x) for x in mv.blockable_by]}
                     for mv in (b.moves(actor) if choosing else [])]
    chosen = m.choices.get(actor)
    view["chosen"] = room._label(chosen) if chosen and room.phase in (C.CHOOSING, C.ANSWERING) else None
    view["no_move"] = room.phase == C.CHOOSING and actor not in m.pending and not chosen
    view["questions"] = [{"kind": q.kind, "proposer": q.proposer, "move": q.move_id, "text": b.question_text(q),
                          "yes": "Block it" if q.kind == BLOCK else "Accept", "no": "Let it pass" if q.kind == BLOCK else "Refuse"}
                         for q in room.unanswered(actor)] if room.phase == C.ANSWERING else []
    view["turn"] = m.turn
    view["notes"] = conversation(room, actor)
    others = [a for a in room.teams if a != actor]
    view["recipients"] = [{"id": a, "name": room.name(a)} for a in others]
    view["offers"] = [mv for mv in view["moves"] if mv["offer_to"]]
    view["offer_moves"] = [{"id": mv.id, "label": mv.label, "to": mv.offer_to, "to_name": room.name(mv.offer_to)}
                           for mv in (b.moves(actor) if choosing else []) if mv.offer_to in others]
    view["muted"] = C.EVERYONE in room.muted or actor in room.muted
    view["results"] = memo(room, "results", lambda: results(room))
    view["score"] = memo(room, ("score", actor), lambda: score(room, actor))
    view["verdict"] = b.verdicts().get(actor) if room.phase == C.OVER else None
    view["brief"] = memo(room, ("brief", actor), lambda: brief(room, actor))
    view["team_code"] = room.team_code(actor)
    view["advice"] = {"status": "off"}  # the server fills it in (game.advisor runs off the lock)
    return view


def brief(room: C.Classroom, actor: str) -> dict:
    """The role brief of whoever holds the seat now (game.briefs): goals strongest first, with the
    scenario's reasons; powers over others' moves; the time horizon; who can stop the team."""
    b = briefs.brief(room.bridge.state, actor)
    return {"name": b.name, "title": b.title, "country": b.country,
            "goals": [{"words": g.words, "share": _pct(g.share), "rationale": g.rationale} for g in b.goals],
            "powers": b.powers, "horizon": b.horizon, "blockers": b.blockers}


def moderator_view(room: C.Classroom, address: str, connected: dict[str, int]) -> dict:
    """The teacher's view: teams and devices, who is deciding, every message, the switches."""
    teams = []
    for a in room.game.actor_ids:
        devices = [{"token": d.token, "label": d.label, "online": connected.get(d.token, 0) > 0}
                   for d in room.devices.values() if d.actor == a]
        teams.append({"id": a, "name": room.name(a), "team": a in room.teams, "code": room.team_code(a),
                      "devices": devices, "muted": a in room.muted,
                      "chosen": a in room.month.choices if room.phase in (C.CHOOSING, C.ANSWERING) else None,
                      "again": room.phase == C.CHOOSING and a in room.month.choices})
    return {"status": status(room), "teams": teams, "notes": conversation(room, None), "code": room.code,
            "address": address, "channel_muted": C.EVERYONE in room.muted, "takeover": room.takeover,
            "results": memo(room, "results", lambda: results(room)), "started": room.started, "phase": room.phase,
            "verdicts": room.bridge.verdicts() if room.phase == C.OVER else {},
            "debrief": memo(room, "debrief", lambda: debrief(room)) if room.phase == C.OVER else [],
            "events": room.bridge.random_events() if room.phase == C.CHOOSING else [], "advisor": room.bridge.settings.advisor,
            "exports": room.started}


def debrief(room: C.Classroom) -> list[dict]:
    """At the end, every team: its score against the same world with the computer in its seat."""
    return [{"name": room.name(a), "words": room.bridge.comparison(a).words()} for a in room.teams]


def public_view(room: C.Classroom) -> dict:
    """What the projector shows besides the table: the join code, who is deciding, the last results."""
    return {"status": status(room), "code": room.code, "teams": [{"id": a, "name": room.name(a)} for a in room.teams],
            "events": room.bridge.pending_events() if room.phase in (C.CHOOSING, C.ANSWERING) else [],
            "results": memo(room, "results", lambda: results(room)), "devices": {a: sum(d.actor == a for d in room.devices.values())
                                                   for a in room.game.actor_ids}}


def join_view(room: C.Classroom) -> dict:
    taken = {d.actor for d in room.devices.values()}
    playable = room.bridge.humans if room.started else (room.fixed_teams or list(room.game.actor_ids))
    return {"title": room.game.scenario.title, "password": bool(room.password),
            "leaders": [{"id": a, "name": room.name(a), "taken": a in taken} for a in room.game.actor_ids if a in playable]}


class Pages:
    """The Jinja2 templates (HTML-escaped by default)."""

    def __init__(self):
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                               trim_blocks=True, lstrip_blocks=True)

    def page(self, name: str, **context) -> str:
        return self.env.get_template(name).render(**context)

    def sections(self, view: dict) -> dict[str, str]:
        """The team page's sections, each rendered alone (what the websocket sends)."""
        t = self.env.get_template("team_sections.html")
        module = t.make_module(vars={"v": view})
        return {name: str(getattr(module, name)(view)) for name in SECTIONS}
