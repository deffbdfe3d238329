"""The `validate`, `schema` and `list` sub-commands, run as a newcomer would: `python main.py ...`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def summit(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run `python main.py ARGS` in a fresh process, exactly as a user would."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=60, env=env)


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    text = TINY.read_text(encoding="utf-8")
    text = text.replace('colour: "#0072b2"', "colour: red").replace("{factor: oil, delta: 20}", "{factor: oill, delta: 20}")
    path = tmp_path_factory.mktemp("cli") / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_valid_file_prints_ok_and_exits_0():
    r = summit("validate", str(TINY))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{TINY}: OK - 'tiny', Two rivals and a broker (3 actors, 6 turns)"
    assert r.stderr == ""


def test_validate_broken_file_reports_every_problem_and_exits_1(broken):
    r = summit("validate", str(broken), str(TINY))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0] == f"{broken}:13:101: actors[0].colour: 'red' is not a colour; write it as #RRGGBB in quotes, e.g. \"#0072b2\""
    assert lines[1] == f"{broken}:99:69: events[1].outcomes[0].effects.factors[0].factor: unknown factor 'oill'; did you mean 'oil'? (known: sanctions, oil)"
    assert lines[2].startswith("1 of 2 files has problems (2 in all)")
    assert f"{TINY}: OK" in r.stdout


def test_validate_json_is_machine_readable(broken):
    r = summit("validate", "--json", str(TINY), str(broken), str(broken.parent / "missing.yaml"))
    assert r.returncode == 1
    out = json.loads(r.stdout)
    assert out["ok"] is False
    good, bad, missing = out["files"]
    assert good["ok"] and good["id"] == "tiny" and good["problems"] == []
    assert not bad["ok"] and [(p["line"], p["column"]) for p in bad["problems"]] == [(13, 101), (99, 69)]
    assert bad["problems"][0]["path"] == ["actors", 0, "colour"]
    assert missing["problems"][0]["line"] == 0 and "no such file" in missing["problems"][0]["message"]


def test_validate_hostile_file_gives_a_message_not_a_traceback(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [x, x]\nb: [*a, *a]\n", encoding="utf-8")
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    r = summit("validate", str(bomb), str(binary), str(tmp_path))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert f"{bomb}:1:4: a: anchors ('&a') are not supported in scenario files" in r.stderr
    assert f"{binary}:3:1: the file contains NUL bytes" in r.stderr
    assert f"{tmp_path}: this is a folder, not a file" in r.stderr


# --- the same commands in-process (quicker; same code path after argument parsing) ---------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    from game.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse: --help and usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


SHIPPED = ["china-enforces-2019", "hanoi-success-2019", "no-election-2019", "oil-collapse-2019",
           "vladivostok-2019", "vladivostok-2019-equal-start"]


def test_validate_accepts_a_shipped_scenario_id_and_all(capsys):
    """Every shipped scenario is valid: the catalog is checked, not consulted for the answer."""
    code, out, _ = run_cli(capsys, "validate", "vladivostok-2019")
    assert code == 0 and out.startswith(f"{ROOT / 'scenarios' / 'vladivostok-2019.yaml'}: OK")
    code, out, err = run_cli(capsys, "validate", "--all", str(TINY))
    assert code == 0, err
    assert out.count(": OK") == len(SHIPPED) + 1
    assert sorted(ln.split(": OK")[0].rsplit("/", 1)[-1] for ln in out.splitlines()[1:]) == sorted(f"{n}.yaml" for n in SHIPPED)


def test_validate_unknown_name_suggests_shipped_ones(capsys):
    code, _, err = run_cli(capsys, "validate", "no-such-scenario")
    assert code == 1
    assert err.startswith("no-such-scenario: no such file, and no shipped scenario with that id")


def test_wrong_invocation_prints_usage_and_exits_2():
    r = summit("validate", "--bogus", "x.yaml")
    assert r.returncode == 2
    assert r.stderr.startswith("usage: summit")
    assert "unrecognized arguments: --bogus" in r.stderr


@pytest.mark.parametrize("args", [["validate"], ["schema", "extra"], ["list", "--nope"], ["nonsense"]])
def test_wrong_invocation_in_process(capsys, args):
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert "usage:" in err and "Traceback" not in err


def test_help_works_in_a_real_process():
    r = summit("validate", "--help")
    assert r.returncode == 0
    assert r.stdout.startswith("usage: summit validate")


@pytest.mark.parametrize("command", ["validate", "schema", "list"])
def test_every_command_has_help(capsys, command):
    code, out, _ = run_cli(capsys, command, "--help")
    assert code == 0
    assert out.startswith(f"usage: summit {command}")


def test_top_level_help_lists_the_commands(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for command in ("validate", "schema", "list"):
        assert command in out


def test_schema_prints_valid_json_schema():
    r = summit("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert schema["title"] == "Summit scenario"
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"  # what editors support fully
    text = r.stdout
    for newer in ("prefixItems", "unevaluatedProperties", "$dynamicRef", "dependentRequired"):
        assert newer not in text, f"{newer} is not draft-07"
    assert {"id", "actors", "moves", "payoffs"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_schema_out_writes_the_file_atomically(capsys, tmp_path):
    from game.schema import json_schema

    out = tmp_path / "summit.schema.json"
    out.write_text("old", encoding="utf-8")
    code, stdout, _ = run_cli(capsys, "schema", "--out", str(out))
    assert code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json_schema()
    assert "yaml-language-server: $schema=" in stdout
    assert [p.name for p in tmp_path.iterdir()] == ["summit.schema.json"], "no temporary file is left behind"
    code, _, err = run_cli(capsys, "schema", "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert code == 2 and "does not exist" in err


def test_list_prints_a_table_of_shipped_scenarios(capsys):
    code, stdout, _ = run_cli(capsys, "list")
    assert code == 0
    lines = stdout.splitlines()
    entries = json.loads(run_cli(capsys, "list", "--json")[1])
    if not entries:
        assert "No scenarios found" in stdout
        return
    assert lines[0].split() == ["ID", "TITLE", "FILE"]
    assert len(lines) == 1 + len(entries)
    for line, e in zip(lines[1:], entries):
        if e["ok"]:
            assert line.startswith(e["id"]) and e["title"] in line and line.endswith(e["file"])
        else:
            assert line.startswith("(invalid)") and "summit validate" in line


def test_list_works_from_another_folder(tmp_path):
    r = summit("list", cwd=tmp_path)
    assert r.returncode == 0
    assert "Traceback" not in r.stderr
