"""A commented scenario skeleton that validates and plays as it stands (`summit new`).

Every number an author has to decide carries a ``# TODO`` on its line. `--from` writes a
variant instead: an ``extends:`` file that sets the base's headline numbers to their current
values, each with a TODO, so the author changes only what the story needs.
"""

from __future__ import annotations

import re
from pathlib import Path

from game.limits import MAX_ACTORS
from game.loader import Loaded

NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett",
         "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango")
# Okabe & Ito's colour-blind-safe palette, then darker and lighter shades of it.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000",
           "#004c7a", "#8f3c00", "#00684c", "#8a5077", "#9c6b00", "#3a7ca3", "#a39b2e", "#555555",
           "#66aad1", "#e69966", "#66c4ab", "#e0afcf")
assert len(NAMES) == len(COLOURS) == MAX_ACTORS


def scenario_id(path: Path) -> str:
    """An id from a file name: lower case, words joined by '-', starting with a letter."""
    word = re.sub(r"[^a-z0-9_\-]+", "-", path.stem.lower()).strip("-_")
    word = re.sub(r"^[^a-z]+", "", word)
    return (word or "my-scenario")[:40]


def fresh(path: Path, actors: int) -> str:
    """A complete small scenario with `actors` invented leaders, two factors, moves and an event."""
    ids = NAMES[:actors]
    out = [
        f"# {path.name}: a new Summit scenario, written by 'summit new'. It validates and plays as it",
        "# stands; replace every TODO with your story's text and numbers (docs/scenario-format.md",
        "# explains every key), then check it with:",
        f"#     python main.py validate {path.name}",
        "# and see how it plays with:",
        f"#     python main.py play {path.name}      python main.py lint {path.name}",
        "",
        f"id: {scenario_id(path)}",
        "title: \"TODO: a title for the class\"",
        "summary: >-",
        "  TODO: two or three sentences that set the scene for the class: who sits at the table,",
        "  what is at stake, and what question the scenario asks.",
        "start_date: 2025-01-01          # TODO: the month the game starts",
        "turns: 12                       # TODO: how many monthly turns",
        "",
        "sources:",
        "  - id: notes",
        "    citation: \"TODO: author, title, outlet, date of the source your numbers come from\"",
        "",
        "learning_objectives:",
        "  - \"TODO: what students should be able to explain after playing\"",
        "discussion_questions:",
        "  - \"TODO: a question for the debrief\"",
        "",
        "# --- the leaders " + "-" * 80,
        "actors:",
    ]
    for k, a in enumerate(ids):
        out += [
            f"  - id: {a}",
            f"    name: \"Leader {a.title()}\"          # TODO: the leader's full name",
            f"    short_name: {a.title()}               # the word shown on small labels",
            f"    title: \"TODO: office, e.g. President of {a.title()}land\"",
            f"    country: {a.title()}land",
            "    regime: other                  # autocracy, democracy, one_party, hybrid, monarchy or other",
            f"    power: {1.0 + (k % 3) * 0.5:.1f}                     # TODO: relative weight (sizes the blocs)",
            "    term: {kind: none, patience: 0.95}   # TODO: patience, 0 to 1 (how much the future counts)",
            f"    colour: \"{COLOURS[k]}\"",
            f"    portrait: {a}",
            "    rationale: \"TODO: why this leader is at the table\"",
        ]
    out += [
        "",
        "# --- what the world looks like " + "-" * 66,
        "factors:",
        "  - id: tension",
        "    label: Regional tension",
        "    unit: index",
        "    initial: 40                    # TODO: the value at the start",
        "    min: 0                         # TODO",
        "    max: 100                       # TODO",
        "    dynamics: {drift: -1, volatility: 2}    # TODO: change per turn on its own, and its noise",
        "    rationale: \"TODO: why these numbers\"",
        "    source: notes",
        "  - id: trade",
        "    label: Trade across the region",
        "    unit: index",
        "    initial: 50                    # TODO",
        "    min: 0                         # TODO",
        "    max: 100                       # TODO",
        "    dynamics: {reversion: 0.1, level: 50, volatility: 2}   # TODO: pulled back toward 50 each turn",
        "    rationale: \"TODO: why these numbers\"",
        "",
        "relations:",
        "  pull: 0.05                      # TODO: share of the gap to the propensity closed each turn",
        "  volatility: 0.01                # TODO",
        "  pairs:                          # pairs not listed start at 0 and tend to 0",
    ]
    for a, b in _pairs(ids):
        out.append(f"    - {{between: [{a}, {b}], initial: 0.1, propensity: 0.1, rationale: \"TODO: their history\"}}   # TODO")
    out += ["", "# --- what each leader wants " + "-" * 69, "payoffs:"]
    for k, a in enumerate(ids):  # doves (even) gain from calm and trade; hawks (odd) from tension at home
        tension, why = ("-2.0", "calm protects its economy") if k % 2 == 0 else ("1.0", "tension rallies support at home")
        out += [
            f"  {a}:",
            "    factors:",
            f"      - {{factor: tension, weight: {tension}, rationale: \"TODO: {why}\"}}   # TODO: payoff per turn, min to max",
            f"      - {{factor: trade, weight: {1.5 if k % 2 == 0 else 0.5}, rationale: \"TODO: why\"}}   # TODO",
        ]
    out += ["", "# --- what each leader can do (one move per turn; waiting is a move) " + "-" * 28, "moves:"]
    for k, a in enumerate(ids):
        other = ids[(k + 1) % len(ids)]
        out += [
            f"  - actor: {a}",
            "    moves:",
            f"      - {{id: {a}_wait, label: Wait, description: Do nothing this month., rationale: Baseline.}}",
            f"      - id: {a}_open_trade",
            "        label: Open trade",
            f"        description: \"TODO: what {a.title()} does\"",
            "        rationale: \"TODO: why it works this way\"",
            "        probability: 0.8            # TODO: chance of success",
            "        effects:",
            "          factors: [{factor: trade, delta: 6, noise: 1}, {factor: tension, delta: -2}]   # TODO: sizes",
            f"          relations: [{{between: [{a}, {other}], delta: 0.1}}]   # TODO",
            f"          news: \"{a.title()} opens its markets.\"",
            f"      - id: {a}_pressure",
            "        label: Apply pressure",
            f"        description: \"TODO: what {a.title()} does\"",
            "        rationale: \"TODO: why it works this way\"",
            "        preconditions:",
            "          - {factor: tension, op: \"<\", value: 90}     # TODO: when the move is allowed",
            "        effects:",
            "          factors: [{factor: tension, delta: 8}, {factor: trade, delta: -4}]   # TODO: sizes",
            f"          relations: [{{between: [{a}, {other}], delta: -0.15}}]   # TODO",
            f"          news: \"{a.title()} applies pressure on {other.title()}.\"",
        ]
    out += [
        "",
        "# --- things that happen to the leaders " + "-" * 58,
        "events:",
        "  - kind: random",
        "    id: crisis",
        "    label: A border incident",
        "    probability: 0.1                # TODO: chance per turn",
        "    once: true",
        "    rationale: \"TODO: why this can happen\"",
        "    outcomes:",
        "      - id: crisis_hits",
        "        label: Incident",
        "        effects:",
        "          factors: [{factor: tension, delta: 15}]   # TODO",
        "          news: An incident at a border raises tension.",
        "",
    ]
    return "\n".join(out)


def _pairs(ids: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every pair for a few leaders; for more, each with the next (a ring), to keep the file short."""
    if len(ids) <= 5:
        return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    return [(ids[i], ids[(i + 1) % len(ids)]) for i in range(len(ids))]


def variant(path: Path, base_ref: str, base: Loaded) -> str:
    """An `extends` file over `base`: its headline numbers set to their current values, with TODOs."""
    s = base.scenario
    out = [
        f"# {path.name}: a variant of {s.id}, written by 'summit new --from'. Everything not listed",
        f"# here is {s.id}'s. Change the numbers your story needs (each line says the base's value),",
        "# delete the lines you keep, and add `remove:` / `add:` as docs/scenario-format.md shows",
        "# (section 'Variants: extends'). Then check it with:",
        f"#     python main.py validate {path.name}      python main.py diff {base_ref} {path.name}",
        "",
        f"extends: {base_ref}",
        f"id: {scenario_id(path)}",
        f"title: \"TODO: a title ({_quote(s.title)}, changed how?)\"",
        "",
        "set:",
        "  # the state the game starts from",
    ]
    for f in s.factors:
        out.append(f"  factors.{f.id}.initial: {_num(f.initial)}   # TODO: {f.label} (base {_num(f.initial)}, {_num(f.min)} to {_num(f.max)})")
    for r in s.relations.pairs:
        a, b = r.between
        out.append(f"  relations.pairs.{a},{b}.initial: {_num(r.initial)}   # TODO: -1 hostile to +1 allied (base {_num(r.initial)})")
    out.append("  # the leaders")
    for actor in s.actors:
        out.append(f"  actors.{actor.id}.power: {_num(actor.power)}   # TODO: {_quote(actor.name)}'s weight in the blocs (base {_num(actor.power)})")
    out.append("")
    return "\n".join(out)


def _num(x: float) -> str:
    return f"{x:g}"


def _quote(text: str) -> str:
    return text.replace('"', "'").replace("#", "")
