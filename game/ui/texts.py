"""The table's words as HTML for pygame_gui's text boxes: a move, a question, the news, a team's
brief. Pure functions of a `game.session.Session` (no pygame): a front end shows them, tests read them."""

from __future__ import annotations

import datetime as dt
import html

from game import narrate

RESULT_WORD = {"success": "succeeded", "failed": "failed", "blocked": "was blocked", "refused": "was refused"}
RESULT_HTML_COLOURS = {"success": "#007a55", "failed": "#8a6500", "blocked": "#b8431b", "refused": "#b8431b"}


def month_label(iso: str) -> str:
    return dt.date.fromisoformat(str(iso)).strftime("%B %Y")


def expected_lines(mv) -> list[str]:
    return [str(x) for x in (mv.expected or [])]


def move_tooltip(mv) -> str:
    esc = html.escape
    parts = [f"<b>{esc(mv.label)}</b>", esc(mv.description), f"<i>Why: {esc(mv.rationale)}</i>"]
    if not mv.legal:
        return "<br>".join([f"<b>{esc(mv.unavailable)}</b>"] + parts)
    exp = expected_lines(mv)
    if exp:
        parts.append("Expected: " + "; ".join(esc(x) for x in exp))
    return "<br>".join(parts)


def move_html(s, mv) -> str:
    if mv is None:
        head = [f"<font color=#b8431b><b>This month:</b></font> {html.escape(ev)}" for ev in s.pending_events()]
        head += [f"<font color=#b8431b><b>Open promise:</b></font> {html.escape(p)}" for p in s.promises()]
        return "<br>".join(head + ["Pick a move: click it or press its number (Tab and the arrows move too); "
                                   "then press Enter to confirm."] + brief_html(s))
    esc = html.escape
    parts = [f"<b>{esc(mv.label)}</b>: {esc(mv.description)}", f"<i>Why: {esc(mv.rationale)}</i>"]
    if not mv.legal:
        return "<br>".join([f"<font color=#b8431b><b>{esc(mv.unavailable)}</b></font>"] + parts)
    if getattr(mv, "blockable_by", ()):
        parts.append("<font color=#b8431b><b>Can be blocked by " + ", ".join(esc(s.name(b)) for b in mv.blockable_by)
                     + "</b></font>")
    exp = expected_lines(mv)
    if exp:
        parts.append("<b>Expected if it works:</b> " + "; ".join(esc(x) for x in exp))
    if getattr(mv, "offer_to", None):
        parts.append("<font color=#b8431b><b>An offer:</b></font> " + " ".join(esc(t) for t in mv.terms))
    return "<br>".join(parts)


def brief_html(s, goals: int = 5) -> list[str]:
    """The team's role brief, short: its strongest goals, who can stop it, its horizon (G: all of it)."""
    esc = html.escape
    b = s.brief()
    out = [f"<b>{esc(b.name)}: your goals, strongest first</b> (G: the whole brief)"]
    out += [f"{k}. {esc(g.words)} ({g.share:.0%})" for k, g in enumerate(b.goals[:goals], start=1)]
    if b.blockers:
        out.append("<b>Who can stop you:</b> " + " ".join(esc(x) for x in b.blockers[:2]))
    if b.horizon:
        out.append("<b>Your horizon:</b> " + esc(b.horizon[0]))
    return out


def veto_html(s, q) -> str:
    if q is None:
        return ""
    esc = html.escape
    out = [f"<b>{esc(s.question_text(q))}</b>"]
    mv = next((m for m in narrate.moves(s.state, q.proposer) if m.id == q.move_id), None)
    if mv is not None:
        out.append(f"{esc(mv.label)}: {esc(mv.description)}")
        exp = expected_lines(mv)
        if exp:
            out.append(("<b>If it passes:</b> " if q.kind == "block" else "<b>If you accept and it works:</b> ")
                       + "; ".join(esc(x) for x in exp))
    if q.kind == "block":
        out.append("<i>Blocking costs goodwill with the proposer; letting it pass lets its effects happen.</i>")
    return "<br>".join(out)


def news_html(s) -> str:
    esc = html.escape
    hist = list(s.history)
    head = [f"<font color=#b8431b><b>This month:</b></font> {esc(ev)}" for ev in s.pending_events()]
    head += [f"<font color=#b8431b><b>Open promise:</b></font> {esc(p)}" for p in s.promises()]
    if not hist:
        return "<br>".join(head + [f"<b>{esc(s.scenario.title)}</b><br>{esc(s.scenario.summary)}<br><br>"
                                   "<i>The news of each turn will appear here, newest first.</i>"])
    out = head + ([""] if head else [])
    records = s.state.records
    for rep in list(reversed(hist))[:8]:
        k = hist.index(rep)
        why = s.reasons(k) if k < len(records) else {}
        out.append(f"<b>{esc(month_label(rep.date))}</b>")
        for ev in rep.events:
            out.append(f"<i>{esc(str(ev))}</i>")
        for a in rep.actions:
            res = str(a.result)
            word = RESULT_WORD.get(res, res)
            if res == "blocked" and a.blocked_by:
                word += f" by {s.name(a.blocked_by)}"
            line = f"<b>{esc(s.name(a.actor))}</b>: {esc(a.label)} <font color={RESULT_HTML_COLOURS.get(res, '#141414')}>{esc(word)}</font>."
            if a.news:
                line += f" {esc(str(a.news))}"
            reason = why.get(a.actor)
            if reason is not None:
                line += f" <i>{esc(reason.words)}</i>"
            elif a.why:
                line += f" <i>Why: {esc(str(a.why))}</i>"
            out.append(line)
        for deal in rep.deals:
            out.append(f"<i>{esc(deal)}</i>")
        out.append("")
    return "<br>".join(out)
