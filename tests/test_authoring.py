"""The authors' toolkit as an author uses it: `new`, `diff`, `lint` and `map` from the command line.

Each test runs the command, reads what it prints or writes, and checks the content against an
independent computation (the file's own lines, the extends file's changes, a batch's counts).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from game.authoring import lint
from game.authoring.diff import compare
from game.authoring.scenario_map import graph
from game.catalog import SCENARIOS_DIR
from game.cli import main
from game.compiled import Game, short_name
from game.loader import load, load_scenario, load_text, read_yaml
from game.model import simulate

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def numbers(data, path=()):
    """(path, value) of every number in the data."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from numbers(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from numbers(v, path + (i,))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield path, data


# --- new ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("actors", [2, 4, 20])
def test_new_writes_a_skeleton_that_validates_plays_and_marks_every_number_todo(actors, tmp_path, capsys):
    path = tmp_path / "My Scenario.yaml"
    code, out, err = run(capsys, "new", str(path), "--actors", str(actors))
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    todo_lines = sum("TODO" in ln for ln in text.splitlines())
    assert out.startswith(f"Wrote {path}: a scenario with {actors} leaders") and f"{todo_lines} lines marked TODO" in out
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0 and "'my-scenario'" in out, err
    doc = read_yaml(text, str(path))
    lines = text.splitlines()
    undecided = [p for p, _ in numbers(doc.data) if "TODO" not in lines[doc.positions.values[p].line - 1]
                 and p[-1] not in ("start_date",)]
    assert undecided == []  # every number's line says TODO
    scenario = load_scenario(path)
    assert len(scenario.actors) == actors
    result = simulate(Game(scenario), 3, 8)
    assert result["move_counts"].sum() == 8 * actors * scenario.turns  # every leader moved every month


def test_new_from_a_scenario_writes_a_variant_that_is_its_base_until_changed(tmp_path, capsys):
    path = tmp_path / "cheap-oil.yaml"
    code, out, err = run(capsys, "new", str(path), "--from", "vladivostok-2019")
    assert code == 0 and "a variant of vladivostok-2019" in out, err
    assert "extends: vladivostok-2019" in path.read_text()
    base, variant = load(SCENARIOS_DIR / "vladivostok-2019.yaml").scenario, load(path).scenario
    assert {c.path for c in compare(base, variant)} == {"id", "title"}
    # a base given as a file is named by its path relative to the new file
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "tiny.yaml").write_text(TINY_TEXT, encoding="utf-8")
    code, _, err = run(capsys, "new", str(tmp_path / "v.yaml"), "--from", str(tmp_path / "mine" / "tiny.yaml"))
    assert code == 0, err
    assert "extends: mine/tiny.yaml" in (tmp_path / "v.yaml").read_text()
    assert {c.path for c in compare(load_scenario(TINY), load_scenario(tmp_path / "v.yaml"))} == {"id", "title"}


def test_new_never_overwrites_and_says_why(tmp_path, capsys):
    path = tmp_path / "mine.yaml"
    path.write_text("keep me", encoding="utf-8")
    code, _, err = run(capsys, "new", str(path))
    assert code == 2 and "already exists" in err and path.read_text() == "keep me"
    code, _, err = run(capsys, "new", str(tmp_path / "x.yaml"), "--actors", "21")
    assert code == 2 and "--actors must be from 2 to 20" in err and not (tmp_path / "x.yaml").exists()
    code, _, err = run(capsys, "new", str(tmp_path / "x.txt"))
    assert code == 2 and ".yaml" in err
    code, _, err = run(capsys, "new", str(tmp_path / "x.yaml"), "--from", "no-such-scenario")
    assert code == 2 and "no shipped scenario" in err and not (tmp_path / "x.yaml").exists()


# --- diff ---------------------------------------------------------------------------------------


def extends_changes(name: str) -> set[str]:
    """The paths an extends file changes, read from the file itself."""
    data = read_yaml((SCENARIOS_DIR / f"{name}.yaml").read_text(encoding="utf-8"), name).data
    top = {k for k in data if k not in ("extends", "set", "add", "remove")}
    return top | set(data.get("set", {})) | set(data.get("remove", []))


@pytest.mark.parametrize("name", ["china-enforces-2019", "oil-collapse-2019", "vladivostok-2019-equal-start"])
def test_diff_of_a_variant_and_its_base_names_exactly_what_the_variant_changes(name, capsys):
    code, out, err = run(capsys, "diff", "vladivostok-2019", name)
    assert code == 0, err
    changes = compare(load_scenario(SCENARIOS_DIR / "vladivostok-2019.yaml"), load_scenario(SCENARIOS_DIR / f"{name}.yaml"))
    expected = extends_changes(name)
    # a changed rationale next to a changed number shows as its own path; every path the file writes is there
    assert expected <= {c.path for c in changes} | {c.path.rsplit(".", 1)[0] for c in changes}
    assert {c.path for c in changes if not c.path.endswith(".rationale")} <= expected
    for c in changes:
        assert ("  " + c.words(("vladivostok-2019", name))) in out.splitlines()
    assert out.splitlines()[-1].startswith(f"{sum(c.kind == 'changed' for c in changes)} changed")


def test_diff_of_a_variant_alone_compares_it_with_what_it_extends(capsys):
    code, out, err = run(capsys, "diff", "china-enforces-2019")
    assert code == 0, err
    assert out == run(capsys, "diff", str(SCENARIOS_DIR / "vladivostok-2019.yaml"), "china-enforces-2019")[1]
    code, _, err = run(capsys, "diff", str(TINY))
    assert code == 2 and "extends no other scenario: give two scenarios" in err


def test_diff_values_are_written_as_in_the_files(capsys):
    code, out, _ = run(capsys, "diff", "vladivostok-2019", "china-enforces-2019")
    assert "  factors.evasion.initial: 40 -> 25" in out.splitlines()
    assert "  relations.pairs.kim,xi.initial: 0.35 -> 0.2" in out.splitlines()
    assert "  moves.xi.moves.xi_lifeline: only in vladivostok-2019 ('Send a quiet lifeline')" in out.splitlines()


def test_diff_ignores_order_and_defaults_written_out(tmp_path, capsys):
    reordered = TINY_TEXT.replace("      - {id: a_wait, label: Wait, description: Do nothing., rationale: Baseline.}\n", "", 1)
    reordered = reordered.replace("        on_blocked: {relations: [{between: [a, b], delta: -0.1}], news: A veto stops it.}\n",
                                  "        on_blocked: {relations: [{between: [b, a], delta: -0.1}], news: A veto stops it.}\n"
                                  "      - {id: a_wait, label: Wait, description: Do nothing., rationale: Baseline., probability: 1.0}\n", 1)
    assert reordered != TINY_TEXT
    path = tmp_path / "same.yaml"
    path.write_text(reordered, encoding="utf-8")
    code, out, err = run(capsys, "diff", str(TINY), str(path))
    assert code == 0 and out.splitlines()[-1].startswith("No differences"), out + err
    code, out, _ = run(capsys, "diff", str(TINY), str(path), "--json")
    assert '"changes": []' in out


# --- lint ---------------------------------------------------------------------------------------


def tiny_with(*edits: tuple[str, str]) -> str:
    text = TINY_TEXT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_lint_reads_what_validate_lets_through(tmp_path, capsys):
    text = tiny_with(
        ("effects: {factors: [{factor: sanctions, delta: 15}]", "effects: {factors: [{factor: sanctions, delta: 70}]"),
        ("name: Leader C,", "name: Xi Jinping,"),
        ("  - id: oil\n", "  - id: mood\n    label: Mood\n    initial: 10\n    min: 0\n    max: 100\n    rationale: Unused.\n  - id: oil\n"),
        ("      - id: b_smuggle\n", "      - id: b_smuggle\n        preconditions: [{factor: mood, op: \">\", value: 50}]\n"),
    )
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "lint", str(path), "--quick")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{path} (tiny): 3 warnings from reading it."
    assert any(ln.startswith("  [big-effect] moves.a.moves.a_resolution.effects.factors.0.delta: moves sanctions by 70, 70% of its range")
               for ln in lines), out
    assert any(ln.startswith("  [never-holds] moves.b.moves.b_smuggle.preconditions.0: mood > 50 can never hold: mood starts at 10")
               for ln in lines), out
    assert any(ln.startswith("  [short-name] actors.c:") and "short_name: Xi" in ln for ln in lines), out


def test_lint_names_a_factor_nothing_reads(capsys, tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(tiny_with(("{factor: oil, weight: 0.5, rationale: Exporter.}", "")).replace("factors: [{factor: sanctions, weight: -2.0, rationale: Hurts.}, ]",
                                                                                                "factors: [{factor: sanctions, weight: -2.0, rationale: Hurts.}]"), encoding="utf-8")
    code, out, err = run(capsys, "lint", str(path), "--quick")
    assert code == 0, err
    assert "  [unread-factor] factors.oil: no payoff weights oil and no condition, chance or scale reads it" in out


def test_lint_watching_play_agrees_with_an_independent_batch(capsys):
    code, out, err = run(capsys, "lint", str(TINY), "--worlds", "32", "--seed", "4", "--json")
    assert code == 0, err
    import json

    found = json.loads(out)["warnings"]
    game = Game(load_scenario(TINY))
    counts = simulate(game, 4, 32)["move_counts"].sum(axis=0)
    waits = lint.waiting_moves(game.scenario)
    never = {f"moves.{game.actor_ids[game.move_owner[m]]}.moves.{mid}" for m, mid in enumerate(game.move_ids)
             if counts[m] == 0 and mid not in waits}
    assert {f["path"] for f in found if f["kind"] in ("never-chosen", "never-legal")} == never
    closest = simulate(game, 4, 32)["closest"]
    for f in found:
        if f["kind"] == "propensity-decides":
            a, b = f["path"].split(".")[-1].split(",")
            share = np.mean(closest[:, game.actor_index[a]] == game.actor_index[b])
            assert f"in {share:.0%} of worlds when the leaders choose" in f["message"]


def test_lint_dominated_moves_are_those_the_lens_calls_dominated():
    """Where the lens finds a strictly dominant move at every sampled month, every other move
    of that leader (that changes something) is dominated, and lint lists exactly those."""
    from game import lens
    from game.model import SummitModel

    game = Game(load_scenario(SCENARIOS_DIR / "vladivostok-2019.yaml"))
    found = {f.path.split(".")[1]: f.message for f in lint.dominated(game, seed=2, samples=2, draws=8)}
    model = SummitModel(game, seed=2)
    stages = [lens.stage_game(model.state, None, 8)]
    for _ in range(game.turns - 1):
        model.step()
    stages.append(lens.stage_game(model.state, None, 8))
    waits = lint.waiting_moves(game.scenario)
    checked = 0
    for actor in game.actor_ids:
        best = [lens.dominant(st)[actor] for st in stages]
        if None in best:
            continue
        k = stages[0].actors.index(actor)
        legal = set().union(*(st.moves[k] for st in stages))
        expected = [m for m in game.move_ids if m in legal and m not in waits and m not in best]
        assert all(m in found[actor] for m in expected) and not any(b in found[actor].split("):")[1] for b in best)
        checked += 1
    assert checked >= 1  # the baseline has leaders with a dominant move (see `summit lens vladivostok-2019`)


def test_short_name_takes_the_word_that_matches_the_id():
    assert short_name("Xi Jinping", "xi") == "Xi"
    assert short_name("Kim Jong Un", "kim") == "Kim"
    assert short_name("Vladimir Putin", "putin") == "Putin"
    assert short_name("Moon Jae-in", "south_korea_moon") == "Moon"
    assert short_name("Xi Jinping", "china") == "Jinping"  # no word matches: the last; lint says so
    s = load_text(tiny_with(("name: Leader C,", "name: Xi Jinping,")), "t.yaml")
    assert [f.path for f in lint.static(s) if f.kind == "short-name"] == ["actors.c"]


# --- map ----------------------------------------------------------------------------------------


def test_map_draws_what_moves_what_from_the_scenario(tmp_path, capsys):
    out = tmp_path / "map.svg"
    code, printed, err = run(capsys, "map", str(TINY), "--out", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").lstrip().startswith("<?xml") and "<svg" in out.read_text(encoding="utf-8")
    s = load_scenario(TINY)
    g = graph(s)
    # independently: each move's success effects, each payoff weight
    for am in s.moves:
        for m in am.moves:
            for e in (m.effects.factors if m.effects else []):
                assert g.has_edge(f"move:{m.id}", f"factor:{e.factor}")
    for aid, p in s.payoffs.items():
        for w in p.factors:
            assert g.has_edge(f"factor:{w.factor}", f"actor:{aid}")
    assert g.edges["move:a_resolution", "factor:sanctions"]["colour"] == "#009e73"  # raises it
    assert g.edges["move:b_smuggle", "factor:sanctions"]["colour"] == "#d55e00"  # lowers it
    assert "move:a_wait" not in g  # changes nothing
    assert printed.startswith(f"Wrote {out}: ")
    png = tmp_path / "map.png"
    assert run(capsys, "map", "vladivostok-2019", "--out", str(png))[0] == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_refuses_what_it_cannot_write(tmp_path, capsys):
    code, _, err = run(capsys, "map", str(TINY), "--out", str(tmp_path / "map.pdf"))
    assert code == 2 and ".svg or .png" in err
    code, _, err = run(capsys, "map", str(TINY), "--out", str(tmp_path / "nope" / "map.svg"))
    assert code == 2 and not (tmp_path / "nope").exists()
