"""The scenario loader: shipped files load, and every kind of mistake is reported at its line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from game.catalog import SCENARIOS_DIR, UnknownScenario, find_scenario, scan, shipped_scenarios
from game.loader import Problem, ScenarioError, load_scenario, load_text, parse_scenario
from game.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
TINY_PATH = ROOT / "tests" / "data" / "tiny.yaml"
TINY = TINY_PATH.read_text(encoding="utf-8")
SCENARIO_FILES = sorted(SCENARIOS_DIR.glob("*.yaml")) + [TINY_PATH]


def problems(text: str, name: str = "t.yaml") -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_text(text, name)
    return info.value.problems


def line_of(text: str, needle: str, nth: int = 0) -> int:
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    return text.count("\n", 0, idx) + 1


def edit(old: str, new: str, text: str = TINY) -> str:
    assert text.count(old) >= 1, f"test setup: {old!r} not in text"
    return text.replace(old, new, 1)


# --- good files ------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.actors and scenario.turns >= 1


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_load_dump_load_gives_an_equal_scenario(path):
    first = load_scenario(path)
    text = yaml.safe_dump(first.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    second = load_text(text, "dumped.yaml")
    assert second == first


def test_dates_are_dates_and_agree_with_plain_pyyaml():
    s = load_scenario(TINY_PATH)
    assert s.start_date == dt.date(2019, 4, 25)
    assert s.actors[0].term.date == dt.date(2019, 8, 1)
    assert s == Scenario.model_validate(yaml.safe_load(TINY))


def test_parse_scenario_validates_data_in_memory():
    data = yaml.safe_load(TINY)
    assert parse_scenario(data) == load_scenario(TINY_PATH)
    data["actors"][0]["colour"] = "red"
    data["events"][1]["outcomes"][0]["effects"]["factors"][0]["factor"] = "oill"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "mem")
    text = str(info.value)
    assert "mem: actors[0].colour: 'red' is not a colour" in text
    assert "unknown factor 'oill'; did you mean 'oil'?" in text
    assert all(p.line == 0 for p in info.value.problems)


def test_keys_are_always_text():
    # `no:` would be the boolean False with plain PyYAML; here it is the key "no"
    text = edit("  c:\n    factors:", "  'no':\n    factors:")
    found = problems(text)
    assert any("unknown actor 'no'" in p.message for p in found)


# --- each kind of error, at its line ----------------------------------------------------------

CASES = [
    # (name, old, new, needle marking the expected line, expected message part)
    ("bad colour", 'colour: "#0072b2"', "colour: red", "colour: red", "actors[0].colour: 'red' is not a colour; write it as #RRGGBB"),
    ("unknown key", "    label: Oil price", "    lable: Oil price", "lable", "unknown key 'lable' (did you mean 'label'?"),
    ("missing key", "    rationale: Toy value.\n  - id: oil", "  - id: oil", "- id: sanctions", "factors[0]: missing required key 'rationale'"),
    ("unknown id", "{factor: oil, delta: 20}", "{factor: oill, delta: 20}", "oill", "unknown factor 'oill'; did you mean 'oil'?"),
    ("unknown actor in pair", "{between: [b, c], initial: 0.4", "{between: [b, x], initial: 0.4", "[b, x]", "relations.pairs[1].between[1]: unknown actor 'x'"),
    ("bad literal", "regime: autocracy", "regime: autocrat", "autocrat", "'autocrat' is not allowed (did you mean 'autocracy'?); allowed: 'autocracy', 'democracy'"),
    ("out of range", "probability: 0.9", "probability: 90", "probability: 90", "moves[0].moves[1].probability: 90 is too large; allowed: 0 <= value <= 1"),
    ("not a number", "turns: 6", "turns: six", "turns: six", "turns: expected a whole number, got text 'six'; allowed: 1 <= value <= 240"),
    ("nan", "initial: 70", "initial: .nan", ".nan", "factors[1].initial: .nan is not a finite number"),
    ("inf", "initial: 70", "initial: -.inf", "-.inf", "factors[1].initial: -.inf is not a finite number"),
    ("yes is a boolean", "title: Chairman", "title: yes", "title: yes", "YAML reads the unquoted word yes as true/false; write it in quotes ('yes')"),
    ("number for text", "name: Leader B", "name: 1984", "name: 1984", "reads the unquoted value 1984 as a number; write it in quotes ('1984')"),
    ("bad id", "  - id: oil\n", "  - id: Oil Price\n", "Oil Price", "factors[1].id: 'Oil Price' is not a valid id; an id uses lower-case letters, digits, '_' or '-', and starts with a letter (e.g. 'oil_price')"),
    ("bad payoff key", "  c:\n    factors", "  Cc:\n    factors", "Cc:", "payoffs.Cc: 'Cc' is not a valid actor id"),
    ("impossible date", "start_date: 2019-04-25", "start_date: 2019-02-30", "2019-02-30", "start_date: '2019-02-30' is not a valid date (day is out of range for month)"),
    ("date format", "start_date: 2019-04-25", "start_date: 25/04/2019", "25/04/2019", "start_date: expected a date written as YYYY-MM-DD (e.g. 2019-04-25), got '25/04/2019'"),
    ("bounds", "initial: 70", "initial: 700", "initial: 700", "factors[1]: initial value 700.0 is outside [20.0, 150.0]"),
    ("min above max", "    min: 20\n    max: 150", "    min: 200\n    max: 150", "min: 200", "factors[1]: min (200.0) must be below max (150.0)"),
    ("term without date", "term: {kind: none, patience: 0.98}", "term: {kind: election, patience: 0.98}", "kind: election, patience", "a term of kind 'election' needs a `date`"),
    ("event kind", "kind: random", "kind: rnd", "kind: rnd", "events[1]: kind 'rnd' is not allowed (did you mean 'random'?); allowed: 'scheduled', 'random'"),
    ("event without kind", "  - kind: random\n    id: oil_shock", "  - id: oil_shock", "- id: oil_shock", "this event has no 'kind'; add 'kind: scheduled'"),
    ("chance too big", "chance: {intercept: 0.0, terms: [{factor: sanctions, coef: 1.0}]}", "chance: 1.5", "chance: 1.5", "events[0].outcomes[0].chance: 1.5 is too large; allowed: 0 <= value <= 1"),
    ("chance as text", "chance: {intercept: 0.0, terms: [{factor: sanctions, coef: 1.0}]}", "chance: high", "chance: high", "this chance is 'high', which is not allowed; a chance is one of: a number from 0 to 1 or {intercept, terms?}"),
    ("list expected", "learning_objectives: [See how a veto changes outcomes.]", "learning_objectives: See how a veto changes outcomes.", "learning_objectives:", "learning_objectives: expected a list, got text"),
    ("mapping expected", "dynamics: {volatility: 4}", "dynamics: 4", "dynamics: 4", "factors[1].dynamics: expected a mapping (key: value lines) with keys {drift?, reversion?, level?, volatility?}"),
    ("duplicate key", "turns: 6\n", "turns: 6\nturns: 7\n", "turns: 7", "turns: duplicate key 'turns' (first given on line 5)"),
    ("duplicate id", "  - {id: c_wait,", "  - {id: a_wait,", "id: a_wait, label: Wait, description: Do nothing., rationale: Baseline.}\nevents", "duplicate move id 'a_wait'"),
    ("tab", "turns: 6", "turns: 6\n\tx: 1", "\tx", "YAML does not allow tabs for indentation; indent with spaces"),
    ("unclosed quote", 'colour: "#0072b2"', 'colour: "#0072b2', "term: {kind: none, patience: 0.98}", "(while parsing a flow mapping that starts on line 13)"),
    ("tag", "turns: 6", "turns: !!python/object:os.system 6", "!!python", "turns: tag '!!python/object:os.system' is not allowed"),
    ("anchor", "turns: 6", "turns: &six 6", "&six", "turns: anchors ('&six') are not supported"),
]


@pytest.mark.parametrize("name,old,new,needle,message", CASES, ids=[c[0] for c in CASES])
def test_error_is_reported_at_its_line(name, old, new, needle, message):
    text = edit(old, new)
    found = problems(text, "t.yaml")
    want_line = line_of(text, needle)
    hits = [p for p in found if message in p.message]
    assert hits, f"no problem says {message!r}; got:\n" + "\n".join(map(str, found))
    assert hits[0].line == want_line, f"{hits[0]} should be on line {want_line}"
    assert str(hits[0]).startswith(f"t.yaml:{want_line}:{hits[0].column}: ")
    assert hits[0].column >= 1


def test_condition_union_collapses_into_one_readable_message_per_location():
    text = edit(
        "        probability: 0.9\n",
        "        probability: 0.9\n        preconditions:\n"
        "          - {factor: oil, op: '>>', value: 3}\n"
        "          - {fctor: oil, op: '>', value: 1}\n"
        "          - hello\n"
        "          - {turn: {mn: 3}}\n",
    )
    found = problems(text)
    by_line = {p.line: p.message for p in found}
    assert len(found) == 4, "\n".join(map(str, found))
    assert "op: '>>' is not allowed (did you mean '>'?)" in by_line[line_of(text, "'>>'")]
    fctor = by_line[line_of(text, "fctor")]
    assert "unknown key 'fctor' (did you mean 'factor'?)" in fctor
    assert "a condition is one of: {factor, op, value} or {relation, op, value} or {turn} or {move, taken?} or {outcome, happened?}" in fctor
    assert "this condition is 'hello'" in by_line[line_of(text, "hello")]
    assert "key 'mn' is not allowed; use 'min' or 'max'" in by_line[line_of(text, "mn:")]


def test_every_problem_is_reported_in_one_pass_in_file_order():
    text = edit('colour: "#009e73"', "colour: green")
    text = edit("{factor: oil, delta: 20}", "{factor: oill, delta: 20}", text)
    text = edit("regime: autocracy", "regime: autocrat", text)
    text = edit("    label: Oil price", "    lable: Oil price", text)
    text = edit("{id: b_wait,", "{id: b_wait, foo: 1,", text)
    found = problems(text)
    lines = [p.line for p in found]
    assert lines == sorted(lines)
    messages = "\n".join(p.message for p in found)
    for part in ("'green' is not a colour", "unknown factor 'oill'", "'autocrat' is not allowed",
                 "unknown key 'lable' (did you mean 'label'? 'label' is required and missing)", "unknown key 'foo'"):
        assert part in messages
    assert len(found) == 5, "\n".join(map(str, found))


def test_reference_checks_skip_what_a_broken_definition_would_have_defined():
    # the factor 'oil' has a broken id: references to it are not reported as unknown
    text = edit("  - id: oil\n", "  - id: Oil\n")
    found = problems(text)
    assert len(found) == 1, "\n".join(map(str, found))
    assert "'Oil' is not a valid id" in found[0].message


def test_reference_problems_each_get_their_own_line():
    text = edit("{factor: oil, delta: 20}", "{factor: oill, delta: 20}")
    text = edit("blockable_by: [b, c]", "blockable_by: [b, d]", text)
    text = edit("relations: [{actor: c, weight: 1.0", "relations: [{actor: cc, weight: 1.0", text)
    found = problems(text)
    assert len({p.line for p in found}) == 3
    assert any("blockable_by[1]: unknown actor 'd'" in p.message for p in found)
    assert any("unknown actor 'cc'; did you mean 'c'?" in p.message for p in found)


def test_too_few_actors():
    data = yaml.safe_load(TINY)
    data["actors"] = data["actors"][:1]
    text = yaml.safe_dump(data, sort_keys=False)
    found = problems(text)
    assert any(p.message == "actors: needs at least 2 items, has 1; add more" and p.line == line_of(text, "actors:") for p in found)


def test_str_of_error_is_one_problem_per_line():
    text = edit('colour: "#0072b2"', "colour: red")
    text = edit("turns: 6", "turns: 0", text)
    with pytest.raises(ScenarioError) as info:
        load_text(text, "x.yaml")
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems) == 2
    assert all(re.match(r"^x\.yaml:\d+:\d+: \S", line) for line in lines)


def test_problem_without_position_prints_file_and_message():
    assert str(Problem("f.yaml", 0, 0, "no such file")) == "f.yaml: no such file"
    assert str(Problem("f.yaml", 3, 7, "bad")) == "f.yaml:3:7: bad"


# --- the catalog ------------------------------------------------------------------------------


def test_catalog_lists_valid_shipped_scenarios():
    entries = scan()
    shipped = shipped_scenarios()
    assert [e.error for e in entries] == [None] * 6  # every shipped file is valid
    assert len(shipped) == len(entries) == 6
    for sid, title, path in shipped:
        assert path.parent == SCENARIOS_DIR and title
        assert find_scenario(sid) == path
        assert find_scenario(path.stem) == path


def test_catalog_flags_invalid_files(tmp_path):
    (tmp_path / "good.yaml").write_text(TINY, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("id: [\n", encoding="utf-8")
    entries = scan(tmp_path)
    assert [e.path.name for e in entries] == ["bad.yaml", "good.yaml"]
    assert entries[0].error is not None and entries[1].error is None
    assert shipped_scenarios(tmp_path) == [("tiny", "Two rivals and a broker", tmp_path / "good.yaml")]
    assert find_scenario("tiny", tmp_path) == tmp_path / "good.yaml"


def test_find_scenario_accepts_paths_and_explains_unknown_names(tmp_path):
    assert find_scenario(TINY_PATH) == TINY_PATH
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    with pytest.raises(UnknownScenario, match=r"did you mean 'tiny'\?"):
        find_scenario("tinny", tmp_path)
    with pytest.raises(LookupError):
        find_scenario(str(tmp_path / "missing.yaml"), tmp_path)


def test_scenario_error_survives_pickling():
    import pickle

    with pytest.raises(ScenarioError) as info:
        load_text(edit("turns: 6", "turns: six"), "p.yaml")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.problems == info.value.problems and str(again) == str(info.value)
