"""Property tests: generated valid scenarios load (and survive a YAML round trip); broken data,
random text and random bytes never crash the loader - it returns a Scenario or raises ScenarioError."""

from __future__ import annotations

import copy
import os
import re
import datetime as dt
import string
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from game import loader
from game.loader import ScenarioError, load_text, parse_scenario
from game.schema import Scenario, months_between

TINY_TEXT = (Path(__file__).parent / "data" / "tiny.yaml").read_text(encoding="utf-8")
TINY = yaml.safe_load(TINY_TEXT)

# SUMMIT_FUZZ_EXAMPLES=5000 for a longer fuzz run (e.g. when changing the loader)
EXAMPLES = int(os.environ.get("SUMMIT_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(deadline=None, max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ids = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
# Text a teacher might type, including words YAML would otherwise read as booleans, numbers or dates.
words = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " .,:-'\"é?!#&*", min_size=1, max_size=30),
    st.sampled_from(["yes", "no", "on", "off", "null", "~", "1e3", "2019-04-25", "0x1F", ".nan", "- a", "a: b", "#hash"]),
).map(str.strip).filter(bool)
unit = st.floats(0, 1, allow_nan=False)
small = st.floats(-50, 50, allow_nan=False)


@st.composite
def scenarios(draw) -> dict:
    start = draw(st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 1)))
    turns = draw(st.integers(2, 24))
    n_act = draw(st.integers(2, 5))
    n_fac = draw(st.integers(1, 3))
    pool = draw(st.lists(ids, min_size=n_act + n_fac + 1, max_size=n_act + n_fac + 1, unique=True))
    actors, factors, src = pool[:n_act], pool[n_act : n_act + n_fac], pool[-1]

    def later_date():
        return start + dt.timedelta(days=draw(st.integers(0, 27 * turns)))

    def term():
        kind = draw(st.sampled_from(["none", "election", "term_limit"]))
        t = {"kind": kind, "patience": draw(unit), "beyond_term_weight": draw(unit)}
        if kind != "none":
            t["date"] = later_date()
        return t

    fdefs = []
    for f in factors:
        lo = draw(st.floats(-1000, 1000, allow_nan=False))
        hi = lo + draw(st.floats(0.5, 1000, allow_nan=False))
        fdefs.append({
            "id": f, "label": draw(words), "unit": "index", "min": lo, "max": hi,
            "initial": draw(st.floats(lo, hi, allow_nan=False)),
            "dynamics": {"drift": draw(small), "reversion": draw(unit), "volatility": draw(st.floats(0, 10, allow_nan=False))},
            "rationale": draw(words),
        })
    pairs = [(a, b) for i, a in enumerate(actors) for b in actors[i + 1 :]]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    relations = [{"between": list(p), "initial": draw(st.floats(-1, 1, allow_nan=False)),
                  "propensity": draw(st.floats(-1, 1, allow_nan=False)), "rationale": draw(words)} for p in chosen]

    def payoff(owner):
        fw = [{"factor": f, "weight": draw(small), "rationale": draw(words)} for f in draw(st.lists(st.sampled_from(factors), unique=True))]
        others = [a for a in actors if a != owner]
        rw = [{"actor": a, "weight": draw(small), "rationale": draw(words), "source": src} for a in draw(st.lists(st.sampled_from(others), unique=True))]
        return {"factors": fw, "relations": rw}

    def effects():
        return {
            "factors": [{"factor": f["id"], "delta": draw(st.floats(-1, 1, allow_nan=False)) * (f["max"] - f["min"]),
                         "noise": draw(st.floats(0, 5, allow_nan=False))}
                        for f in (draw(st.sampled_from(fdefs)) for _ in range(draw(st.integers(0, 2))))],
            "relations": [{"between": list(draw(st.sampled_from(pairs))), "delta": draw(st.floats(-2, 2, allow_nan=False))}
                          for _ in range(draw(st.integers(0, 1)))],
            "news": draw(words),
        }

    pool_ids = draw(st.lists(ids.map(lambda s: "m_" + s), min_size=n_act * 2, max_size=n_act * 2, unique=True))
    own = {a: pool_ids[2 * k : 2 * k + draw(st.integers(1, 2))] for k, a in enumerate(actors)}
    move_ids = [m for a in actors for m in own[a]]
    moves = []
    for a in actors:
        ms = []
        for mid in own[a]:
            # comparisons that can hold (strictly inside the range), at most one per factor, so never contradictory
            conds = draw(st.lists(st.one_of(
                st.builds(lambda f, op, u: {"factor": f["id"], "op": op, "value": f["min"] + (0.05 + 0.9 * u) * (f["max"] - f["min"])},
                          st.sampled_from(fdefs), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), unit),
                st.builds(lambda p, v: {"relation": list(p), "op": ">", "value": v}, st.sampled_from(pairs), st.floats(-1, 0.99, allow_nan=False)),
                st.builds(lambda lo: {"turn": {"min": lo, "max": lo + 1}}, st.integers(0, turns - 2)),
                st.builds(lambda m, t: {"move": m, "taken": t}, st.sampled_from(move_ids), st.booleans()),
            ), max_size=2, unique_by=lambda c: c.get("factor") or str(c.get("relation")) or id(c)))
            blockers = draw(st.lists(st.sampled_from([b for b in actors if b != a]), unique=True, max_size=2))
            m = {"id": mid, "label": draw(words)[:40], "description": draw(words), "rationale": draw(words),
                 "preconditions": conds, "probability": draw(unit), "effects": effects(), "blockable_by": blockers}
            if blockers:
                m["on_blocked"] = effects()
            ms.append(m)
        moves.append({"actor": a, "moves": ms})

    out_ids = iter(draw(st.lists(ids.map(lambda s: "o_" + s), min_size=6, max_size=6, unique=True)))
    events = []
    for j in range(draw(st.integers(0, 2))):
        n_out = draw(st.integers(1, 3))
        outcomes = []
        for k in range(n_out):
            o = {"id": next(out_ids), "label": draw(words), "effects": effects()}
            if k < n_out - 1:
                o["chance"] = draw(st.one_of(
                    st.floats(0, 1 / n_out, allow_nan=False),
                    st.builds(lambda i, f, c: {"intercept": i, "terms": [{"factor": f, "coef": c}]}, small, st.sampled_from(factors), small),
                ))
            outcomes.append(o)
        if draw(st.booleans()):
            outcomes[-1]["replace"] = {"actor": actors[0], "successor": {"name": draw(words), "title": draw(words), "payoff": payoff(actors[0])}}
        ev = {"id": f"ev{j}", "label": draw(words), "rationale": draw(words), "outcomes": outcomes}
        if draw(st.booleans()):
            date = later_date()
            assume(months_between(start, date) < turns)
            ev.update(kind="scheduled", date=date)
        else:
            ev.update(kind="random", probability=draw(unit), once=draw(st.booleans()))
        events.append(ev)

    return {
        "id": draw(ids), "title": draw(words), "summary": draw(words), "start_date": start, "turns": turns,
        "sources": [{"id": src, "citation": draw(words)}],
        "learning_objectives": draw(st.lists(words, min_size=1, max_size=3)),
        "discussion_questions": draw(st.lists(words, min_size=1, max_size=3)),
        "actors": [{"id": a, "name": draw(words), "title": draw(words), "country": draw(words),
                    "regime": draw(st.sampled_from(["autocracy", "democracy", "one_party", "hybrid", "monarchy", "other"])),
                    "power": draw(st.floats(0.01, 1000, allow_nan=False)), "term": term(), "veto": draw(st.booleans()),
                    "colour": "#%06x" % draw(st.integers(0, 0xFFFFFF)), "portrait": a,
                    "rationality": draw(st.floats(0, 1000, allow_nan=False)), "source": src} for a in actors],
        "factors": fdefs,
        "relations": {"pull": draw(unit), "volatility": draw(st.floats(0, 0.5, allow_nan=False)), "pairs": relations},
        "payoffs": {a: payoff(a) for a in actors},
        "moves": moves,
        "events": events,
        "resolution_order": draw(st.permutations(actors)),
    }


@settings(SETTINGS, max_examples=max(30, EXAMPLES // 5))
@given(scenarios())
def test_generated_valid_scenarios_load_and_round_trip(data):
    direct = parse_scenario(data)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    loaded = load_text(text, "generated.yaml")
    assert loaded == direct
    again = load_text(yaml.safe_dump(loaded.model_dump(mode="json"), sort_keys=False, allow_unicode=True), "again.yaml")
    assert again == loaded


# --- broken data -----------------------------------------------------------------------------


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(TINY) if p]
junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.dates(), st.sampled_from(["", "a", "Bad Id", "#zzzzzz", "2019-13-01", "oill", "xx"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def _check_outcome(text: str) -> None:
    try:
        result = load_text(text, "m.yaml")
    except ScenarioError as exc:
        assert exc.problems
        n_lines = len(re.split("\r\n|[\n\r\x85\u2028\u2029]", text)) + 1  # YAML's line breaks
        for p in exc.problems:
            assert p.file == "m.yaml"
            assert 0 <= p.line <= n_lines and p.column >= 0, str(p)
            assert p.message and "\n" not in p.message
        assert str(exc).count("\n") == len(exc.problems) - 1
    else:
        assert isinstance(result, Scenario)


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["delete", "replace", "rename", "retype"]), junk),
                min_size=1, max_size=4))
def test_mutated_tiny_never_crashes_the_loader(mutations):
    data = copy.deepcopy(TINY)
    for path, op, value in mutations:
        parent = data
        try:
            for k in path[:-1]:
                parent = parent[k]
            key = path[-1]
            old = parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = value
        elif op == "rename" and isinstance(parent, dict):
            parent[str(key) + "x"] = parent.pop(key)
        elif op == "retype":
            parent[key] = [old] if not isinstance(old, list) else {"a": old}
    try:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    except yaml.YAMLError:
        return
    _check_outcome(text)


yaml_bits = st.sampled_from([
    "id:", "title:", "actors:", "moves:", "- ", "  ", "\n", "\n  ", "[", "]", "{", "}", ":", ", ", "&a ", "*a", "!!python/object:os.system ",
    "!!binary ", "'", '"', "# c", "---", "\t", "2019-02-30", ".nan", ".inf", "yes", "~", "? ", "|", ">", "%YAML 1.1", "\\", "@", "`",
    "é", "\u2028", "\x85", "1e309", "0o17", "<<: ", "a", "b",
])


@SETTINGS
@given(st.one_of(st.text(max_size=300), st.lists(yaml_bits, max_size=60).map("".join)))
def test_random_text_never_crashes_the_loader(text):
    _check_outcome(text)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_loader(raw):
    try:
        text = loader.decode(raw, "b.yaml")
    except ScenarioError as exc:
        assert exc.problems
        return
    _check_outcome(text)


@SETTINGS
@given(st.sampled_from(ALL_PATHS), junk)
def test_mutated_data_in_memory_never_crashes_parse_scenario(path, value):
    data = copy.deepcopy(TINY)
    parent = data
    for k in path[:-1]:
        parent = parent[k]
    parent[path[-1]] = value
    try:
        parse_scenario(data, "mem")
    except ScenarioError as exc:
        assert all(p.line == 0 for p in exc.problems)
