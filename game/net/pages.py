"""What each page shows: a team's page, the teacher's moderator view, the join form.

`team_view`, `moderator_view` and `public_view` read a Classroom (under its lock) into plain
data; `Pages` renders that data with Jinja2 templates, escaped by default, into whole pages
or the page's sections (the websocket sends only the sections that changed). Nothing a
client sent reaches a page without escaping, and nothing here changes the game.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from game.net import classroom as C
from game.state import BLOCK

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECTIONS = ("head", "act", "month", "talk", "compose", "results", "score", "brief")
PHASE_WORDS = {
    C.LOBBY: "Waiting for the teacher to start the game",
    C.CHOOSING: "Teams are choosing their moves",
    C.ANSWERING: "Teams are answering vetoes and offers",
    C.RESULTS: "The month has been played: read the results",
    C.OVER: "The game is over",
}


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
    """The last month played, in words: each move, its chance, the roll and what came of it."""
    history = room.bridge.history() if room.started else []
    if not history:
        return None
    rep = history[-1]
    timed_out = set(room.month.timed_out) if room.phase in (C.RESULTS, C.OVER) else set()
    return {
        "month": room.month_label(rep.turn),
        "events": list(rep.events),
        "actions": [{"name": a.actor_name, "label": a.label, "result": a.result, "news": a.news, "why": a.why,
                     "chance": _pct(a.chance), "roll": f"{a.roll:.2f}", "chance_value": a.chance,
                     "by_timer": a.actor in timed_out} for a in rep.actions],
        "deals": list(rep.deals),
    }


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
    view["results"] = results(room)
    scores = b.state.scores() if room.started else {}
    view["score"] = None if actor not in scores else f"{scores[actor]:.2f}"
    view["verdict"] = b.verdicts().get(actor) if room.phase == C.OVER else None
    view["brief"] = brief(room, actor)
    view["team_code"] = room.team_code(actor)
    return view


def brief(room: C.Classroom, actor: str) -> dict:
    """The leader's role as the scenario states it: office, country, term, who can block the team's moves."""
    p = room.bridge.state.persona(actor)
    g = room.game
    a = g.actor_index[actor]
    blockers = sorted({room.name(x) for m in range(g.move_start[a], g.move_stop[a]) for x in g.moves[m].blockable_by})
    return {"title": p.title, "term": p.term.note or "", "blockers": blockers}


def moderator_view(room: C.Classroom, address: str, connected: dict[str, int]) -> dict:
    """The teacher's view: teams and devices, who is deciding, every message, the switches."""
    teams = []
    for a in room.game.actor_ids:
        devices = [{"token": d.token, "label": d.label, "online": connected.get(d.token, 0) > 0}
                   for d in room.devices.values() if d.actor == a]
        teams.append({"id": a, "name": room.name(a), "team": a in room.teams, "code": room.team_code(a),
                      "devices": devices, "muted": a in room.muted,
                      "chosen": a in room.month.choices if room.phase in (C.CHOOSING, C.ANSWERING) else None})
    return {"status": status(room), "teams": teams, "notes": conversation(room, None), "code": room.code,
            "address": address, "channel_muted": C.EVERYONE in room.muted, "takeover": room.takeover,
            "results": results(room), "started": room.started, "phase": room.phase,
            "verdicts": room.bridge.verdicts() if room.phase == C.OVER else {}}


def public_view(room: C.Classroom) -> dict:
    """What the projector shows besides the table: the join code, who is deciding, the last results."""
    return {"status": status(room), "code": room.code, "teams": [{"id": a, "name": room.name(a)} for a in room.teams],
            "results": results(room), "devices": {a: sum(d.actor == a for d in room.devices.values())
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
