"""The commands the README and the player's and scenario guides show are real.

Every `python main.py ...` line in README.md, docs/playing.md and docs/scenario-format.md parses
with the real command line (no unknown command or option); every `--ai` spec they show is
accepted, and its scripted moves belong to the leader named in the scenario named; every key the
player's guide lists for a question is one the table screen answers; links between the docs
lead to headings that exist.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from game.catalog import find_scenario
from game.cli import build_parser
from game.loader import load_scenario
from game.strategies import parse_spec

ROOT = Path(__file__).resolve().parent.parent
DOCS = {name: (ROOT / name).read_text(encoding="utf-8")
        for name in ("README.md", "docs/playing.md", "docs/scenario-format.md", "docs/batches.md",
                     "docs/classroom-network.md")}


def shown_commands() -> list[tuple[str, str]]:
    """(document, command line) for every `python main.py ...` the docs show (comments dropped)."""
    out = []
    for name, text in DOCS.items():
        for line in re.findall(r"python main\.py [^\n`|]*", text):
            line = line.split("  #")[0].split(" # ")[0].strip().rstrip("\\").strip()
            out.append((name, line))
    return out


COMMANDS = shown_commands()


@pytest.mark.parametrize("doc, line", COMMANDS, ids=[f"{d}:{c[15:50]}" for d, c in COMMANDS])
def test_every_command_the_docs_show_parses(doc, line):
    words = shlex.split(line)[2:]
    if "--help" in words or "..." in line or any(re.fullmatch(r"[A-Z][A-Z0-9_.,=:]*", w) for w in words):
        pytest.skip("a synopsis with placeholders, not a command to run")
    args, extra = build_parser().parse_known_args(words)
    assert getattr(args, "run", None), f"{doc}: not a command: {line}"
    unknown = [w for w in extra if w.startswith("-")]
    assert not unknown, f"{doc}: unknown options {unknown} in: {line}"


def shown_ai_specs() -> list[tuple[str, str]]:
    """(scenario id or file, --ai spec) from the command lines, and specs shown on their own."""
    out = []
    for _, line in COMMANDS:
        words = shlex.split(line)
        if "--ai" in words:
            scenario = next((w for w in words[3:] if not w.startswith("-")), None)
            out.append((scenario, words[words.index("--ai") + 1]))
    for text in DOCS.values():
        for spec in re.findall(r'--ai "([^"]+)"', text):
            out.append((None, spec))
    return out


@pytest.mark.parametrize("scenario, spec", shown_ai_specs())
def test_every_ai_spec_the_docs_show_is_accepted_and_names_real_moves(scenario, spec):
    parsed = parse_spec(spec)
    if not isinstance(parsed, dict):
        assert not parsed.startswith("scripted:"), "name the leader in a scripted rule"
        return
    scenarios = [scenario] if scenario else ["vladivostok-2019", str(ROOT / "docs/examples/deals.yaml"),
                                              str(ROOT / "docs/examples/election.yaml")]
    fits = []
    for name in scenarios:
        path = Path(name) if name.endswith(".yaml") else find_scenario(name)
        s = load_scenario(path)
        owner = {m.id: am.actor for am in s.moves for m in am.moves}
        actors = {a.id for a in s.actors}
        fits.append(all(actor in actors and all(owner.get(m) == actor for m in sub.split(":", 1)[1].split(","))
                        if sub.startswith("scripted:") else actor in actors for actor, sub in parsed.items()))
    assert any(fits), f"--ai {spec!r} does not fit {scenarios}"


def test_the_question_keys_in_the_players_guide_are_the_table_screens():
    table = (ROOT / "game" / "ui" / "table.py").read_text(encoding="utf-8")
    for key, word in (("b", "block"), ("l", "let"), ("a", "accept"), ("r", "refuse")):
        assert f"pygame.K_{key}" in table
        assert re.search(rf"\| {key.upper()} / |/ {key.upper()} \|", DOCS["docs/playing.md"]), f"key {key.upper()} ({word})"


def heading_anchors(text: str) -> set[str]:
    return {re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#{1,4} (.*)$", text, flags=re.M)}


def test_links_between_the_docs_lead_to_existing_headings():
    checked = 0
    for name, text in DOCS.items():
        base = (ROOT / name).parent
        for target, anchor in re.findall(r"\]\(([^)#\s]+\.md)(?:#([^)]+))?\)", text):
            path = (base / target).resolve()
            assert path.exists(), f"{name}: link to a missing file {target}"
            if anchor:
                assert anchor in heading_anchors(path.read_text(encoding="utf-8")), f"{name}: no heading #{anchor} in {target}"
                checked += 1
    assert checked >= 3
