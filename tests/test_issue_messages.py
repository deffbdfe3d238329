"""The validator's messages for the mistakes authors made when trying the format (issue 11):
each problem at the line and column of the mistake, saying what is wrong and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.loader import ScenarioError, load_text

TINY = (Path(__file__).resolve().parent / "data" / "tiny.yaml").read_text(encoding="utf-8")
SMUGGLE = "      - id: b_smuggle\n"


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_text(text, "x.yaml")
    return str(info.value).splitlines()


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_an_empty_list_says_how_to_write_one():
    lines = TINY.splitlines()
    start = lines.index("  pairs:")
    text = "\n".join(lines[: start + 1] + [ln for ln in lines[start + 1:] if not ln.startswith("    - {between")])
    assert problems(text) == [f"x.yaml:{start + 1}:9: relations.pairs: expected a list, got an empty value; write one "
                              "'- item' per line, or [a, b]; an empty list is written []"]


def test_a_duplicate_move_id_cites_the_first():
    text = TINY.replace("- {id: b_wait,", "- {id: a_wait,", 1)
    found = problems(text)
    assert len(found) == 1 and f"duplicate move id 'a_wait' (first given at line {line_of(TINY, 'id: a_wait')})" in found[0]
    assert found[0].startswith(f"x.yaml:{line_of(TINY, 'id: b_wait')}:")


def test_a_precondition_beyond_the_factors_range_can_never_hold():
    text = TINY.replace(SMUGGLE, SMUGGLE + '        preconditions: [{factor: sanctions, op: ">", value: 120}]\n')
    row = line_of(text, "value: 120")
    assert problems(text) == [f"x.yaml:{row}:61: moves[1].moves[1].preconditions[0].value: this condition can never hold: "
                              "'sanctions' stays within 0 to 100, so it is never > 120"]


def test_contradictory_preconditions_are_named_together():
    text = TINY.replace(SMUGGLE, SMUGGLE + '        preconditions: [{factor: sanctions, op: "<", value: 20}, '
                                           '{factor: sanctions, op: ">", value: 80}]\n')
    row = line_of(text, "value: 20}")
    assert problems(text) == [f"x.yaml:{row}:9: moves[1].moves[1].preconditions: these conditions can never all hold: "
                              "sanctions < 20 (moves[1].moves[1].preconditions[0]) and sanctions > 80 "
                              "(moves[1].moves[1].preconditions[1]); remove one, or put the alternatives under `any`"]


def test_an_effect_larger_than_the_factors_range():
    text = TINY.replace("delta: 15}", "delta: 500}", 1)
    assert problems(text) == [f"x.yaml:{line_of(text, 'delta: 500')}:56: moves[0].moves[1].effects.factors[0].delta: a change "
                              "of 500 is larger than the whole range of 'sanctions' (0 to 100); allowed: at most 100 either way"]


def test_a_misspelt_factor_points_at_the_value():
    text = TINY.replace("{factor: sanctions, delta: -5", "{factor: sanctionz, delta: -5", 1)
    row = line_of(text, "sanctionz")
    col = text.splitlines()[row - 1].index("sanctionz") + 1
    assert problems(text) == [f"x.yaml:{row}:{col}: moves[1].moves[1].effects.factors[0].factor: unknown factor 'sanctionz'; "
                              "did you mean 'sanctions'? (known: sanctions, oil)"]


def test_a_key_dedented_out_of_its_parent_says_where_it_belongs():
    old = "        effects: {factors: [{factor: sanctions, delta: -5, noise: 1}]}"
    text = TINY.replace(old, old + "\n        news: Ships sail.", 1)
    found = problems(text)
    assert len(found) == 1 and found[0].startswith(f"x.yaml:{line_of(text, 'news: Ships sail')}:9: moves[1].moves[1].news: "
                                                   "unknown key 'news' at this level: it belongs inside `effects`")


def test_a_quoted_number_is_refused_as_the_editor_refuses_it():
    text = TINY.replace("power: 2.0", 'power: "2.0"', 1)
    assert problems(text) == ["x.yaml:13:88: actors[0].power: expected a number, got the text '2.0' (in quotes); "
                              "write the number without quotes; allowed: 0 < value <= 1000"]
