"""The teacher's guide (docs/scenario-format.md) and its examples stay true.

* every docs/examples/*.yaml loads, and minimal.yaml is a five-actor scenario the engine can play;
* every key of the schema is mentioned in the guide;
* the error messages quoted in the guide's "Common errors" section are exactly what the
  validator prints for the same mistakes made in minimal.yaml.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from game.model import SummitModel
from pydantic import BaseModel

from game import schema as S
from game.loader import ScenarioError, load_scenario, load_text

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
MINIMAL = ROOT / "docs" / "examples" / "minimal.yaml"
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads(path):
    load_scenario(path)


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


def test_minimal_example_plays_to_the_end():
    model = SummitModel(load_scenario(MINIMAL), seed=3)
    model.run()
    assert model.state.turn == model.game.turns == len(model.state.records)


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


# The same mistakes as in the guide's "Common errors" section, made in minimal.yaml.
COMMON_ERRORS = [
    ("    unit: index\n", "    units: index\n"),
    ("    rationale: Invented; 0 is calm, 100 is a crisis.\n", ""),
    ("blockable_by: [altavia, corvia]", "blockable_by: [altavia, corvai]"),
    ("  - id: tension\n", "  - id: Tension\n"),
    ("probability: 0.8 ", "probability: 80  "),
    ("regime: one_party", "regime: one-party"),
    ('colour: "#cc79a7"', "colour: #cc79a7"),
    ("label: Protest\n", "label: Yes\n"),
    ("start_date: 2025-01-01", "start_date: 01/01/2025"),
    ('{factor: tension, op: ">=", value: 30}', '{factr: tension, op: ">=", value: 30}'),
    ("      - id: brandt_defeated               # no chance: the 'otherwise' outcome\n        label: Brandt defeated\n",
     "      - id: brandt_defeated\n        label: Brandt defeated\n        chance: 0.5\n"),
    ("    date: 2025-07-01\n    rationale", "    date: 2026-07-01\n    rationale"),
    ("turns: 12 ", "turns: 12\nturns: 10"),
    ("term: {kind: none, patience: 0.98}", "term: {kind: election, patience: 0.98}"),
    ("  - id: flow\n", "\t- id: flow\n"),
    ("rationale: Old rivals over water rights.}", "rationale: Rivals: water rights.}"),
]


def common_error_lines() -> list[str]:
    base = MINIMAL.read_text(encoding="utf-8")
    lines = []
    for old, new in COMMON_ERRORS:
        assert old in base, f"minimal.yaml changed: {old!r} is gone; update COMMON_ERRORS and the guide"
        with pytest.raises(ScenarioError) as info:
            load_text(base.replace(old, new, 1), "my-scenario.yaml")
        lines.extend(str(p) for p in info.value.problems)
    return lines


def test_common_errors_in_the_guide_are_the_real_messages():
    missing = [line for line in common_error_lines() if line not in GUIDE]
    assert not missing, "update the 'Common errors' section of docs/scenario-format.md:\n" + "\n".join(missing)


if __name__ == "__main__":  # print the messages, to paste into the guide
    print("\n".join(common_error_lines()))
