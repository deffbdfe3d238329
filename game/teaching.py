"""The teacher's kit of a scenario as print-ready HTML pages (`main.py handouts`): a lesson plan for
45 and 90 minutes, a role card per leader, a factor glossary and a debrief guide keyed to the
scenario's discussion questions. Everything comes from the scenario (through the loader and the
role briefs of `game.briefs`); every text from the file is escaped. Nothing here draws or plays."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from .briefs import brief
from .compiled import Game
from .files import write_atomic
from .state import State

MINUTES_PER_MONTH = 4  # a deliberating class: about 3-5 minutes a month (issue 9's timing); an assumption
LESSONS = {45: (10, 10), 90: (15, 20)}  # minutes: (introduction and briefs, debrief) around the play

CSS = """
body { font-family: "Noto Sans", "Helvetica Neue", Arial, sans-serif; font-size: 12pt; line-height: 1.45;
       max-width: 46em; margin: 2em auto; color: #141414; }
h1 { color: #1d3557; font-size: 20pt; } h2 { color: #1d3557; font-size: 15pt; margin-top: 1.4em; }
.card { border: 2px solid #1d3557; border-radius: 8px; padding: 0.6em 1.2em; margin: 1em 0; page-break-after: always; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #8c8678; padding: 0.3em 0.5em; vertical-align: top; }
th { background: #ecebe6; text-align: left; } .muted { color: #555; font-size: 10pt; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } nav { display: none; } }
"""


@dataclass
class Page:
    name: str  # file name
    title: str
    body: str  # HTML, already escaped


def esc(text) -> str:
    return html.escape(str(text))


def document(page: Page, scenario_title: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(page.title)}</title>"
            f"<style>{CSS}</style></head><body>\n<nav class=\"muted\"><a href=\"index.html\">The kit</a> · "
            f"{esc(scenario_title)}</nav>\n<h1>{esc(page.title)}</h1>\n{page.body}\n</body></html>\n")


def months_for(minutes: int, turns: int) -> int:
    """The months a class can play in a lesson of `minutes`, at MINUTES_PER_MONTH a month."""
    intro, debrief = LESSONS[minutes]
    return max(1, min(turns, (minutes - intro - debrief) // MINUTES_PER_MONTH))


def lesson_plan(game: Game) -> Page:
    sc = game.scenario
    leaders = [a.name for a in sc.actors]
    parts = [f"<p>{esc(sc.summary)}</p>",
             "<h2>What the class learns</h2><ul>" + "".join(f"<li>{esc(o)}</li>" for o in sc.learning_objectives) + "</ul>",
             f"<p class=\"muted\">Timing assumes about {MINUTES_PER_MONTH} minutes a month for a class that discusses "
             "each choice; a class that moves fast plays more. Pick the length on the start screen or in the teacher's "
             "menu (T, then Game length); the debrief scores the game to the month it ends.</p>"]
    for minutes, (intro, debrief) in LESSONS.items():
        months = months_for(minutes, game.turns)
        teams = 2 if minutes == 45 else min(4, len(leaders))
        parts.append(f"<h2>A {minutes}-minute lesson</h2><ol>"
                     f"<li>{intro} minutes: the scene (read the summary aloud), form {teams} teams of 3 to 6 students, "
                     "hand out the role cards; each team reads its leader's goals, strongest first.</li>"
                     f"<li>{minutes - intro - debrief} minutes: play {months} of the {game.turns} months "
                     f"({'the full game' if months == game.turns else 'a shorter game'}). Suggested teams: "
                     f"{esc(', '.join(leaders[:teams]))}; the computer plays the others. A timer of "
                     f"{90 if minutes == 45 else 120} seconds a choice keeps the pace (T, Timer).</li>"
                     f"<li>{debrief} minutes: the debrief (see the debrief guide): each team against the same world "
                     "played by the computer, then the discussion questions.</li></ol>")
    return Page("lesson-plan.html", f"Lesson plan: {sc.title}", "\n".join(parts))


def role_cards(game: Game) -> Page:
    state = State(game, seed=1)
    cards = []
    for aid in game.actor_ids:
        b = brief(state, aid)
        goals = "".join(f"<li>{esc(g.words)} <span class=\"muted\">({g.share:.0%} of what is at stake)</span>"
                        + (f"<br><span class=\"muted\">{esc(g.rationale)}</span>" if g.rationale else "") + "</li>"
                        for g in b.goals)
        sections = [(f"{esc(b.name)}", f"<p>{esc(b.title)}, {esc(b.country)}</p>"),
                    ("Your goals, strongest first", f"<ol>{goals}</ol>"),
                    ("Your moves", "<ol>" + "".join(f"<li>{esc(_unnumbered(t))}</li>" for t in b.tools) + "</ol>"),
                    ("Your powers over others", _list(b.powers)), ("Your time horizon", _list(b.horizon)),
                    ("Who can stop you", _list(b.blockers))]
        cards.append("<div class=\"card\">" + "".join(f"<h2>{h}</h2>{body}" for h, body in sections if body) + "</div>")
    return Page("role-cards.html", f"Role cards: {game.scenario.title}", "\n".join(cards))


def glossary(game: Game) -> Page:
    rows = "".join(f"<tr><td><b>{esc(f.label)}</b></td><td>{f.min:g} to {f.max:g} {esc(f.unit)}</td>"
                   f"<td>{esc(f.description or '')}<br><span class=\"muted\">Starts at {f.initial:g}: {esc(f.rationale)}</span></td></tr>"
                   for f in game.scenario.factors)
    intro = ("<p>Each factor is a number the moves push and pull; each pair of leaders also has a relation from −1 "
             "(hostile) to +1 (allied) that drifts back toward its long-run level.</p>")
    return Page("glossary.html", f"Factors: {game.scenario.title}",
                intro + f"<table><tr><th>Factor</th><th>Range</th><th>What it means</th></tr>{rows}</table>")


def look_at(game: Game, question: str) -> list[str]:
    """Where in the debrief a class finds the evidence for one discussion question."""
    sc, q = game.scenario, question.lower()
    out = []
    for slot, aid in enumerate(game.actor_ids):
        who = game.personas[slot]  # the leader who starts in the seat
        if re.search(rf"\b{re.escape(who.short_name.lower())}\b", q):
            out.append(f"{who.name}'s line in Scores and verdicts, and P for {who.short_name}'s points goal by goal.")
    leaders = {game.personas[slot].short_name.lower() for slot in range(len(game.actor_ids))}
    common = {"north", "korea", "korean", "russian", "chinese", *leaders}  # a leader's name alone names no factor
    for f in sc.factors:
        words = [w for w in re.findall(r"[a-z]{5,}", f.label.lower()) if w not in common]
        if any(w in q for w in words):
            out.append(f"The factor '{f.label}' on the table's dashboard and in the big chart (C); hover it for what moved it.")
    if "veto" in q or "block" in q:
        out.append(f"The news of each month: a blocked move says who used the {sc.veto_label}.")
    if "elect" in q or "lost" in q or "defeat" in q:
        out.append("The event lines under the AI worlds (Here: ... in N% of AI worlds) and the month the news announced the result.")
    out.append("Each team against the same world played by the computer (its line in Scores and verdicts), then the class "
               "among the AI worlds: the first is the team's choices, the second mostly luck.")
    return out


def debrief_guide(game: Game) -> Page:
    parts = ["<p>The debrief screen opens when the last month is played. Export it (E) for the next lesson: the "
             "picture, the log, and the month-by-month CSV and JSON of the class's game.</p>"]
    for k, q in enumerate(game.scenario.discussion_questions, start=1):
        parts.append(f"<h2>{k}. {esc(q)}</h2><p><b>What to look at:</b></p>" + _list(look_at(game, q)))
    return Page("debrief-guide.html", f"Debrief guide: {game.scenario.title}", "\n".join(parts))


def sources(game: Game) -> Page:
    items = "".join(f"<li>{esc(s.citation)}" + (f" <a href=\"{esc(s.url)}\">{esc(s.url)}</a>" if s.url else "") + "</li>"
                    for s in game.scenario.sources)
    return Page("sources.html", f"Where the numbers come from: {game.scenario.title}",
                f"<p>The scenario's sources, as it cites them.</p><ul>{items}</ul>")


def kit(game: Game) -> list[Page]:
    return [lesson_plan(game), role_cards(game), glossary(game), debrief_guide(game), sources(game)]


def write_kit(game: Game, out: Path, extra: list[Path] = ()) -> list[Path]:
    """Write the kit's pages and an index into `out` (atomically, page by page); returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    pages = kit(game)
    written = []
    for page in pages:
        written.append(out / page.name)
        write_atomic(written[-1], document(page, game.scenario.title))
    links = "".join(f"<li><a href=\"{p.name}\">{esc(p.title)}</a></li>" for p in pages)
    links += "".join(f"<li><a href=\"{esc(p.name)}\">{esc(p.stem.replace('-', ' ').capitalize())}</a></li>" for p in extra)
    index = Page("index.html", f"Teacher's kit: {game.scenario.title}",
                 f"<p>Print-ready pages (print from the browser; each role card prints on its own page).</p><ul>{links}</ul>")
    written.append(out / "index.html")
    write_atomic(written[-1], document(index, game.scenario.title))
    return written


def _list(items) -> str:
    return "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>" if items else ""


def _unnumbered(text: str) -> str:
    return re.sub(r"^\d+\.\s*", "", text)
