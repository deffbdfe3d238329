"""`extends:`: variants written as changes to a base, resolved by the one pipeline.

The shipped variants were full copies of the baseline until they became `extends` files; the
first test checks that each new file, resolved over the baseline of that time, is the very
scenario the full file was and plays the same worlds for the same seed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from game.catalog import SCENARIOS_DIR
from game.compiled import Game
from game.loader import ScenarioError, load, load_text
from game.model import simulate

ROOT = Path(__file__).resolve().parent.parent
# The last commit of `main` whose variants were full files (each ~1,100 lines).
FULL_FILES = "179752fe1696996abc78f4437f3eb23bde064eb9"
VARIANTS = ["china-enforces-2019", "hanoi-success-2019", "no-election-2019", "oil-collapse-2019", "vladivostok-2019-equal-start"]
BASE = "vladivostok-2019"


def at_full_files(name: str) -> str:
    """A scenario file as it was at FULL_FILES (read from the repository's history)."""
    res = subprocess.run(["git", "-C", str(ROOT), "show", f"{FULL_FILES}:scenarios/{name}.yaml"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, ("this test reads the full variant files from the repository's history; "
                                 f"clone without --depth ({res.stderr.strip()})")
    return res.stdout


@pytest.mark.parametrize("name", VARIANTS)
def test_each_variant_is_the_full_file_it_replaces_and_plays_the_same_worlds(name, tmp_path):
    (tmp_path / f"{BASE}.yaml").write_text(at_full_files(BASE), encoding="utf-8")  # the baseline of that time
    (tmp_path / f"{name}.yaml").write_text((SCENARIOS_DIR / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    new = load(tmp_path / f"{name}.yaml")
    old = load_text(at_full_files(name), f"{name} (full file)")
    assert new.extends and new.files[1].name == f"{BASE}.yaml"
    assert new.scenario == old
    a, b = simulate(Game(new.scenario), 11, 64), simulate(Game(old), 11, 64)
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert len((SCENARIOS_DIR / f"{name}.yaml").read_text().splitlines()) < 60  # was ~1,100 lines


@pytest.mark.parametrize("name", VARIANTS)
def test_a_variant_changes_no_relation_propensity_but_the_control(name):
    base, variant = load(SCENARIOS_DIR / f"{BASE}.yaml").scenario, load(SCENARIOS_DIR / f"{name}.yaml").scenario
    tendency = {frozenset(p.between): p.propensity for p in base.relations.pairs}
    changed = {"-".join(sorted(p.between)) for p in variant.relations.pairs if tendency.get(frozenset(p.between)) != p.propensity}
    assert changed == ({"kim-putin", "kim-trump"} if name.endswith("equal-start") else set())
    assert "extends: vladivostok-2019" in (SCENARIOS_DIR / f"{name}.yaml").read_text()
    head = (SCENARIOS_DIR / f"{name}.yaml").read_text().splitlines()[0]
    assert head.startswith(f"# Summit scenario (variant): {name}")  # the header says what the story changes


BASE_TEXT = (ROOT / "tests" / "data" / "tiny.yaml").read_text(encoding="utf-8")


def child(tmp_path: Path, text: str, base: str = BASE_TEXT) -> Path:
    (tmp_path / "tiny.yaml").write_text(base, encoding="utf-8")
    path = tmp_path / "child.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load(path)
    return [str(p) for p in info.value.problems]


def test_set_add_remove_and_top_level_keys(tmp_path):
    path = child(tmp_path, """extends: tiny
id: tiny-child
title: A child of tiny
remove:
  - moves.c.moves.c_wait
add:
  moves.c.moves:
    - {id: c_new, label: New, description: A new move., rationale: Test., effects: {factors: [{factor: oil, delta: 2}]}}
set:
  factors.oil.initial: 75
  relations.pairs.a,b.propensity: 0.5
  actors.b.term: {kind: none, patience: 0.5}
""")
    base = load(tmp_path / "tiny.yaml").scenario
    s = load(path).scenario
    assert (s.id, s.title, s.summary) == ("tiny-child", "A child of tiny", base.summary)
    oil = next(f for f in s.factors if f.id == "oil")
    assert oil.initial == 75 and oil.max == next(f for f in base.factors if f.id == "oil").max
    assert next(p for p in s.relations.pairs if set(p.between) == {"a", "b"}).propensity == 0.5
    assert s.actors[1].term.kind == "none" and s.actors[1].term.patience == 0.5 and s.actors[1].term.date is None
    c_moves = [m.id for am in s.moves if am.actor == "c" for m in am.moves]
    assert "c_wait" not in c_moves and c_moves[-1] == "c_new"


def test_problems_point_into_the_file_that_wrote_the_line(tmp_path):
    text = "extends: tiny\nid: tiny-child\nset:\n  factors.oil.initial: 500\n  actors.a.colour: red\n"
    path = child(tmp_path, text, BASE_TEXT.replace("regime: autocracy", "regime: autocrat", 1))
    found = problems(path)
    base_line = BASE_TEXT.splitlines().index(next(ln for ln in BASE_TEXT.splitlines() if "regime: autocracy" in ln)) + 1
    assert any(p.startswith(f"{tmp_path / 'tiny.yaml'}:{base_line}:") and "'autocrat' is not allowed" in p for p in found), found
    assert f"{path}:4:24: factors[1]: initial value 500.0 is outside [20.0, 150.0]" in found, found
    assert any(p.startswith(f"{path}:5:20: actors[0].colour: 'red' is not a colour") for p in found), found


def test_changes_that_cannot_apply_are_named_at_their_line(tmp_path):
    path = child(tmp_path, """extends: tiny
remove:
  - moves.c.moves.c_wiat
add:
  moves.c.moves:
    - {id: c_wait, label: Twice, description: Same id., rationale: Test.}
set:
  factors.oill.initial: 40
""")
    found = problems(path)
    assert found == [
        f"{path}:3:5: remove: 'moves.c.moves' has no item 'c_wiat'; did you mean 'c_wait'? (items: c_wait)",
        f"{path}:5:3: add: moves.c.moves: 'moves.c.moves' already has an item 'c_wait'; change it with `set`, or remove it first",
        f"{path}:8:3: set: factors.oill.initial: 'factors' has no item 'oill'; did you mean 'oil'? (items: sanctions, oil)",
    ]


def test_what_it_extends_must_exist_and_not_loop(tmp_path):
    assert problems(child(tmp_path, "extends: tinyy\nid: x\n"))[0].startswith(f"{tmp_path / 'child.yaml'}:1:10: extends: 'tinyy': no such file")
    (tmp_path / "a.yaml").write_text("extends: b\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a\n", encoding="utf-8")
    assert "extend each other in a loop (a.yaml -> b.yaml -> a.yaml)" in problems(tmp_path / "a.yaml")[0]
    assert "set: expected a mapping of paths" in problems(child(tmp_path, "extends: tiny\nset: [a, b]\n"))[0]


def test_a_shipped_id_is_found_from_anywhere(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: vladivostok-2019\nid: mine\nset:\n  factors.oil_price.initial: 50\n", encoding="utf-8")
    loaded = load(path)
    assert loaded.scenario.id == "mine" and loaded.files[1] == SCENARIOS_DIR / "vladivostok-2019.yaml"
    assert next(f.initial for f in loaded.scenario.factors if f.id == "oil_price") == 50


def test_a_batch_keeps_the_resolved_scenario_and_replays_it(tmp_path):
    from game.batch.replay import load_world

    out = tmp_path / "run"
    res = subprocess.run([sys.executable, str(ROOT / "main.py"), "batch", str(SCENARIOS_DIR / "oil-collapse-2019.yaml"),
                          "--runs", "8", "--seed", "2", "--out", str(out), "--no-plots", "--workers", "1"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    copy = (out / "scenario.yaml").read_text(encoding="utf-8")
    assert "extends:" not in copy and copy.startswith("# ") and "resolved into one file" in copy.splitlines()[0]
    assert load_text(copy, "copy.yaml") == load(SCENARIOS_DIR / "oil-collapse-2019.yaml").scenario
    game, *_ = load_world(out, 3)
    assert game.scenario.id == "oil-collapse-2019"
