"""The teacher's guide (docs/scenario-format.md) and its examples stay true.

* every docs/examples/*.yaml loads, compiles and plays to the end through SummitModel;
* every YAML snippet in the guide is a fragment of one of those example files (so the guide
  and the files cannot drift apart), and every link inside the guide leads to a heading;
* every key of the schema is explained in the guide;
* the error messages quoted in the guide's "Common errors" section are exactly what the
  validator prints for the same mistakes made in the example files.

What the guide says the mechanisms do, turn by turn, is checked in test_guide_mechanisms.py.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from pathlib import Path

import pytest

from game.model import SummitModel
from pydantic import BaseModel

from game import schema as S
from game.compiled import Game
from game.loader import ScenarioError, load_scenario, load_text, read_yaml

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
MINIMAL = ROOT / "docs" / "examples" / "minimal.yaml"
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads_compiles_and_plays_to_the_end(path):
    model = SummitModel(Game(load_scenario(path)), seed=5)
    model.run()
    assert model.state.is_terminal()
    assert model.state.turn == model.game.turns == len(model.state.records)
    assert len(model.trajectory()) == model.game.turns + 1


def test_the_examples_are_the_three_the_guide_names():
    assert {p.name for p in EXAMPLES} == {"minimal.yaml", "deals.yaml", "election.yaml"}
    for p in EXAMPLES:
        assert f"docs/examples/{p.name}" in GUIDE


# --- the guide's YAML snippets are fragments of the example files ------------------------------

# Sections whose YAML illustrates YAML itself or an editor setting, not a scenario.
NOT_SCENARIO_YAML = ("## YAML in five minutes", "## Editor support")


def guide_snippets() -> list[tuple[str, str]]:
    """(heading, text) of every ```yaml block in the guide that shows part of a scenario."""
    out, section, heading = [], "", ""
    for part in re.split(r"(^#{2,3} .*$)", GUIDE, flags=re.M):
        if re.match(r"#{2,3} ", part):
            heading = part.lstrip("# ")
            section = part if part.startswith("## ") else section
            continue
        if not section.startswith(NOT_SCENARIO_YAML):
            out += [(heading, block) for block in re.findall(r"```yaml\n(.*?)```", part, flags=re.S)]
    return out


def is_part_of(part, whole) -> bool:
    """Whether `part` is `whole` with some keys or list items left out (values equal otherwise)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and is_part_of(v, whole[k]) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and all(any(is_part_of(p, w) for w in whole) for p in part)
    if isinstance(part, float) or isinstance(whole, float):
        return isinstance(whole, (int, float)) and not isinstance(whole, bool) and float(part) == float(whole)
    return type(part) is type(whole) and part == whole


def occurs_in(part, whole) -> bool:
    """Whether `part` is a fragment of `whole` or of any value nested in it."""
    if is_part_of(part, whole):
        return True
    children = whole.values() if isinstance(whole, dict) else whole if isinstance(whole, list) else []
    return any(occurs_in(part, c) for c in children)


def test_is_part_of_is_strict_about_values():
    whole = {"moves": [{"id": "a", "probability": 0.5, "effects": {"news": "x"}}], "d": dt.date(2025, 1, 1)}
    assert occurs_in({"id": "a", "probability": 0.5}, whole)
    assert occurs_in([{"id": "a"}], whole)
    assert not occurs_in({"id": "a", "probability": 0.6}, whole)
    assert not occurs_in({"id": "a", "label": "A"}, whole)
    assert not occurs_in({"d": dt.date(2025, 1, 2)}, whole)
    assert not occurs_in({"news": True}, {"news": "x"})


# The guide's `extends` example is cut from a shipped variant, as written (not resolved).
VARIANT = ROOT / "scenarios" / "china-enforces-2019.yaml"
EXAMPLE_DATA = {p.name: read_yaml(p.read_text(encoding="utf-8"), p.name).data for p in [*EXAMPLES, VARIANT]}
SNIPPETS = guide_snippets()


def test_the_guide_shows_yaml_for_every_new_mechanism():
    text = "\n".join(block for _, block in SNIPPETS)
    for key in ("interactions:", "complement:", "office:", "any:", "all:", "obligation:", "open:", "intercept:",
                "scale:", "offer:", "on_refused:", "within:", "on_kept:", "on_broken:", "renew:", "replace:",
                "keep_relations:", "ai: planner", "planner:", "rollouts:", "rationality:"):
        assert key in text, f"no YAML example in the guide uses {key!r}"


@pytest.mark.parametrize("heading, block", SNIPPETS, ids=[f"{i}-{h[:28]}" for i, (h, _) in enumerate(SNIPPETS)])
def test_every_yaml_snippet_in_the_guide_is_part_of_an_example_file(heading, block):
    data = read_yaml(block, "snippet").data
    found = [name for name, whole in EXAMPLE_DATA.items() if occurs_in(data, whole)]
    assert found, f"this YAML under {heading!r} is in none of docs/examples/*.yaml:\n{block}"


def test_links_inside_the_guide_lead_to_headings():
    def anchor(heading: str) -> str:
        return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")

    anchors = {anchor(h) for h in re.findall(r"^#{1,4} (.*)$", GUIDE, flags=re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", GUIDE))
    assert links and not links - anchors, f"links to no heading: {sorted(links - anchors)}"


def test_minimal_example_has_five_actors_who_each_have_moves_and_payoffs():
    s = load_scenario(MINIMAL)
    assert len(s.actors) == 5
    ids = {a.id for a in s.actors}
    assert {am.actor for am in s.moves} == ids == set(s.payoffs)
    # it shows every part of the format the guide explains
    assert {e.kind for e in s.events} == {"scheduled", "random"}
    assert any(isinstance(o.chance, S.Logistic) for e in s.events for o in e.outcomes)
    assert any(o.replace for e in s.events for o in e.outcomes)
    assert any(m.blockable_by and m.on_blocked != S.Effects() for am in s.moves for m in am.moves)
    assert {a.term.kind for a in s.actors} == {"none", "election", "term_limit"}


def _models(t, seen: set) -> None:
    """Every pydantic model reachable from type `t`."""
    if isinstance(t, type) and issubclass(t, BaseModel):
        if t in seen:
            return
        seen.add(t)
        for f in t.model_fields.values():
            _models(f.annotation, seen)
        return
    for arg in typing.get_args(t):
        _models(arg, seen)


def test_every_key_of_the_format_is_explained_in_the_guide():
    models: set = set()
    _models(S.Scenario, models)
    assert S.Successor in models and S.Logistic in models
    missing = sorted({name for m in models for name in m.model_fields if f"`{name}`" not in GUIDE})
    assert not missing, f"keys not explained in docs/scenario-format.md: {missing}"


# The same mistakes as in the guide's "Common errors" section: (example file, text, replacement).
# A mistake in docs/examples/NAME.yaml is reported as if the file were saved as my-NAME.yaml
# (minimal.yaml as my-scenario.yaml).
COMMON_ERRORS = [
    ("minimal", "    unit: index\n", "    units: index\n"),
    ("minimal", "    rationale: Invented; 0 is calm, 100 is a crisis.\n", ""),
    ("minimal", "blockable_by: [altavia, corvia]", "blockable_by: [altavia, corvai]"),
    ("minimal", "  - id: tension\n", "  - id: Tension\n"),
    ("minimal", "probability: 0.8 ", "probability: 80  "),
    ("minimal", "regime: one_party", "regime: one-party"),
    ("minimal", 'colour: "#cc79a7"', "colour: #cc79a7"),
    ("minimal", "label: Protest\n", "label: Yes\n"),
    ("minimal", "start_date: 2025-01-01", "start_date: 01/01/2025"),
    ("minimal", '{factor: tension, op: ">=", value: 30}', '{factr: tension, op: ">=", value: 30}'),
    ("minimal", "      - id: brandt_defeated               # no chance: the 'otherwise' outcome\n        label: Brandt defeated\n",
     "      - id: brandt_defeated\n        label: Brandt defeated\n        chance: 0.5\n"),
    ("minimal", "    date: 2025-07-01\n    rationale", "    date: 2026-07-01\n    rationale"),
    ("minimal", "turns: 12 ", "turns: 12\nturns: 10"),
    ("minimal", "term: {kind: none, patience: 0.98}", "term: {kind: election, patience: 0.98}"),
    ("minimal", "  - id: flow\n", "\t- id: flow\n"),
    ("minimal", "rationale: Old rivals over water rights.}", "rationale: Rivals: water rights.}"),
    # the newer mechanisms
    ("deals", "            actor: bregon             # Bregon, who made the offer, is bound\n", ""),
    ("deals", "          to: altavia\n          on_refused:", "          to: bregon\n          on_refused:"),
    ("deals", "{obligation: conditional_loan, open: false}", "{obligation: mediate, open: false}"),
    ("deals", "        offer:\n          to: altavia                 # Altavia accepts",
     "        obligation: {move: open_gates, within: 3}\n        offer:\n          to: altavia                 # Altavia accepts"),
    ("deals", "            within: 2\n", "            within: 0\n"),
    ("deals", "scale: {factor: dam_funds, at_min: 0.5, at_max: 1.5}",
     "scale: {factor: dam_funds, relation: [altavia, bregon], at_min: 0.5, at_max: 1.5}"),
    ("deals", "{relation: [altavia, bregon], coef: 2.0}", "{relation: [altavia, bregon], coeff: 2.0}"),
    ("deals", "{obligation: water_for_fees, open: true}      # it owes the fee ...",
     "{any: [{all: [{any: [{all: [{obligation: water_for_fees, open: true}]}]}]}]}"),
    ("election", "      - id: brandt_defeated                        # the 'otherwise' outcome\n        label: Brandt defeated\n",
     "      - id: brandt_defeated                        # the 'otherwise' outcome\n        label: Brandt defeated\n"
     "        renew: {actor: bregon, date: 2026-03-01}\n"),
    ("election", "keep_relations: 0.5 ", "keep_relations: 50  "),
    ("election", "office: {weight: 2.0, rationale: Brandt wants to stay Prime Minister.}", "office: 2.0"),
    ("election", "    ai: planner ", "    ai: planer  "),
]


def saved_as(name: str) -> str:
    return "my-scenario.yaml" if name == "minimal" else f"my-{name}.yaml"


def common_error_lines() -> list[str]:
    lines = []
    for name, old, new in COMMON_ERRORS:
        base = (ROOT / "docs" / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
        assert old in base, f"{name}.yaml changed: {old!r} is gone; update COMMON_ERRORS and the guide"
        with pytest.raises(ScenarioError) as info:
            load_text(base.replace(old, new, 1), saved_as(name))
        lines.extend(str(p) for p in info.value.problems)
    return lines


def test_common_errors_in_the_guide_are_the_real_messages():
    missing = [line for line in common_error_lines() if line not in GUIDE]
    assert not missing, "update the 'Common errors' section of docs/scenario-format.md:\n" + "\n".join(missing)


if __name__ == "__main__":  # print the messages, to paste into the guide
    print("\n".join(common_error_lines()))
