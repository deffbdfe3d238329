"""One way in: every command accepts exactly the files `validate` accepts, with the same messages.

Each file below is given to `validate`, `blocs`, `lens`, `batch`, `compare` and (in a window
that only takes a screenshot) `play`. A file `validate` accepts runs everywhere; a file it
refuses is refused everywhere, and every command prints the problem lines `validate` prints.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from game.cli import main
from game.limits import MAX_ACTORS

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")


def with_actors(n: int) -> str:
    """tiny.yaml with bystanders up to n actors."""
    data = yaml.safe_load(TINY_TEXT)
    for i in range(3, n):
        aid = f"x{i}"
        data["actors"].append({"id": aid, "name": f"Leader X{i}", "title": "Premier", "country": f"Xland {i}", "regime": "other",
                               "power": 1.0, "colour": "#123456", "portrait": aid, "term": {"kind": "none"}})
        data["payoffs"][aid] = {"factors": [{"factor": "oil", "weight": 0.1, "rationale": "Toy."}]}
        data["moves"].append({"actor": aid, "moves": [{"id": f"{aid}_wait", "label": "Wait", "description": "Wait.", "rationale": "Baseline."}]})
    data.pop("resolution_order", None)
    return yaml.safe_dump(data, sort_keys=False)


def renamed_c_to_no(text: str) -> str:
    """Actor `c` renamed to the id 'no' (quoted where YAML would read it as false)."""
    data = yaml.safe_load(text)
    blob = yaml.safe_dump(data, sort_keys=False).replace("'c'", "'no'")
    data = yaml.safe_load(blob)
    for a in data["actors"]:
        if a["id"] == "c":
            a["id"] = "no"
    data["payoffs"]["no"] = data["payoffs"].pop("c")
    for am in data["moves"]:
        am["actor"] = "no" if am["actor"] == "c" else am["actor"]
        for m in am["moves"]:
            m["blockable_by"] = ["no" if b == "c" else b for b in m.get("blockable_by", [])]
    for p in data["relations"]["pairs"]:
        p["between"] = ["no" if b == "c" else b for b in p["between"]]
    for payoff in data["payoffs"].values():
        for r in payoff.get("relations", []):
            r["actor"] = "no" if r["actor"] == "c" else r["actor"]
    if "resolution_order" in data:
        data["resolution_order"] = ["no" if b == "c" else b for b in data["resolution_order"]]
    return yaml.safe_dump(data, sort_keys=False)  # writes 'no' in quotes


GOOD = {
    "actor-id-no": lambda: renamed_c_to_no(TINY_TEXT),
    "question-mark-in-brackets": lambda: TINY_TEXT.replace("rationale: Baseline.}", "rationale: Why wait?}", 1),
    "extends": lambda: "extends: tiny-base\nid: tiny-variant\nset:\n  factors.oil.initial: 60\n",
    "actors-at-the-limit": lambda: with_actors(MAX_ACTORS),
}
BAD = {
    "tab-in-a-value": lambda: TINY_TEXT.replace("title: President,", "title: \"Pres\tident\",", 1),
    "colour": lambda: TINY_TEXT.replace('colour: "#0072b2"', "colour: red", 1),
    "effect-beyond-the-range": lambda: TINY_TEXT.replace("delta: 20}", "delta: 500}", 1),
    "extends-with-a-bad-value": lambda: "extends: tiny-base\nid: tiny-variant\nset:\n  factors.oil.initial: 600\n",
    "24-actors": lambda: with_actors(24),
    "quoted-number": lambda: TINY_TEXT.replace("power: 2.0", 'power: "2.0"', 1),
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "tiny-base.yaml").write_text(TINY_TEXT, encoding="utf-8")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def commands(path: Path, out: Path) -> dict[str, list[str]]:
    return {
        "blocs": ["blocs", str(path)],
        "lens": ["lens", str(path), "--actors", "a,b", "--draws", "4"],
        "batch": ["batch", str(path), "--runs", "4", "--seed", "1", "--out", str(out / "batch"), "--no-plots", "--workers", "1"],
        "compare": ["compare", str(path), str(TINY), "--runs", "4", "--seed", "1", "--workers", "1"],
    }


@pytest.mark.parametrize("name", list(GOOD))
def test_a_file_validate_accepts_runs_in_every_command(name, tmp_path, capsys):
    path = write(tmp_path, name, GOOD[name]())
    code, out, err = run(capsys, "validate", str(path))
    assert code == 0 and out.startswith(f"{path}: OK"), err
    for what, args in commands(path, tmp_path).items():
        code, out, err = run(capsys, *args)
        assert code == 0 and "Traceback" not in err, (what, err)


@pytest.mark.parametrize("name", list(BAD))
def test_a_file_validate_refuses_is_refused_everywhere_with_its_messages(name, tmp_path, capsys):
    path = write(tmp_path, name, BAD[name]())
    code, _, err = run(capsys, "validate", str(path))
    lines = [ln for ln in err.splitlines() if ln.startswith(str(path)) or ln.startswith(str(tmp_path / "tiny-base.yaml"))]
    assert code == 1 and lines, err
    for what, args in commands(path, tmp_path).items():
        code, out, err2 = run(capsys, *args)
        assert code in (1, 2) and "Traceback" not in err2, (what, err2)
        missing = [ln for ln in lines if ln not in err2.splitlines()]
        assert not missing, (what, missing, err2)
    assert not (tmp_path / "batch").exists()  # nothing was started


@pytest.mark.parametrize("name", ["24-actors", "extends-with-a-bad-value"])
def test_the_game_refuses_it_with_the_same_messages(name, tmp_path, capsys):
    path = write(tmp_path, name, BAD[name]())
    _, _, err = run(capsys, "validate", str(path))
    first = err.splitlines()[0]
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    res = subprocess.run([sys.executable, str(ROOT / "main.py"), "play", str(path), "--screenshot", str(tmp_path / "s.png")],
                         capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert first in res.stderr.splitlines() or f"summit play: {first}" in res.stderr.splitlines(), res.stderr
    if name == "24-actors":
        assert f"24 actors is more than Summit supports ({MAX_ACTORS})" in first


def test_a_sweep_point_is_checked_like_the_file(tmp_path, capsys):
    """Overrides go through the same checks: a value out of range is named as the file's would be."""
    path = write(tmp_path, "ok", copy.copy(TINY_TEXT))
    code, _, err = run(capsys, "batch", str(path), "--runs", "2", "--seed", "1", "--out", str(tmp_path / "b"),
                       "--sweep", "factors.oil.initial=60,600", "--no-plots")
    assert code == 2 and "factors[1]: initial value 600.0 is outside [20.0, 150.0]" in err
    code, _, err = run(capsys, "blocs", str(path), "--set", "factors.oil.initial=600")
    assert code == 1 and "factors[1]: initial value 600.0 is outside [20.0, 150.0]" in err


def test_numbers_are_typed_as_the_json_schema_types_them(tmp_path, capsys):
    """A quoted number, true for a number, or 6.0 for a whole number: refused, as an editor's schema check does."""
    from game.schema import json_schema

    actor = json_schema()["$defs"]["Actor"]["properties"]
    assert actor["power"]["type"] == "number" and actor["veto"]["type"] == "boolean"
    for old, new, says in [("power: 2.0", 'power: "2.0"', "expected a number, got the text '2.0' (in quotes); write the number without quotes"),
                           ("power: 2.0", "power: true", "expected a number"),
                           ("turns: 6", 'turns: "6"', "expected a whole number, got the text '6' (in quotes)"),
                           ("veto: true}", 'veto: "yes"}', "expected true or false")]:
        path = write(tmp_path, "typed", TINY_TEXT.replace(old, new, 1))
        code, _, err = run(capsys, "validate", str(path))
        assert code == 1 and says in err, (new, err)
