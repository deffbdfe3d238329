"""Issue 10, items 3, 6, 11 and 12: what Summit writes, and what reaches the terminal.

Outputs never replace anything but a regular file; text from a file never reaches a terminal,
Markdown or CSV as control characters or markup; absurd arguments get one clear line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from game import files, safetext
from game.cli import main as cli_main
from game.errors import ScenarioError
from game.loader import load_scenario, load_text

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


def run(*args: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("cwd", ROOT)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=ENV, capture_output=True, text=True,
                          timeout=timeout, **kw)


# --- 3. outputs replace only regular files ----------------------------------------------------------


@pytest.fixture
def odd_paths(tmp_path) -> dict[str, Path]:
    """A FIFO, a symbolic link to it, a link to a regular file elsewhere, and a dangling link."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "link-to-fifo").symlink_to(fifo)
    (tmp_path / "elsewhere.txt").write_text("keep me")
    (tmp_path / "link-to-file").symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing-here")
    return {"FIFO": fifo, "link to a FIFO": tmp_path / "link-to-fifo", "link to a regular file": tmp_path / "link-to-file",
            "dangling link": tmp_path / "dangling"}


WHY = {"FIFO": "is a FIFO (named pipe); Summit writes only new or regular files",
       "link to a FIFO": "is a symbolic link to a FIFO (named pipe)",
       "link to a regular file": "is a symbolic link to a regular file",
       "dangling link": "is a symbolic link that leads nowhere"}


@pytest.mark.parametrize("kind", list(WHY))
def test_schema_out_never_replaces_anything_but_a_regular_file(odd_paths, kind, tmp_path):
    target = odd_paths[kind]
    res = run("schema", "--out", str(target))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip() == f"summit schema: error: {target} {WHY[kind]}" + (
        " and never replaces anything else, so give another name" if kind == "FIFO"
        else "; Summit writes only new or regular files, so give the real path or another name")
    assert target.is_symlink() or target.is_fifo()
    assert (tmp_path / "elsewhere.txt").read_text() == "keep me" and not (tmp_path / "nothing-here").exists()


def test_every_writer_goes_through_the_same_refusal(odd_paths, tmp_path):
    for kind, path in odd_paths.items():
        with pytest.raises(files.Refused, match=re.escape(WHY[kind].split(";")[0])):
            files.write_atomic(path, "x")
        with pytest.raises(files.Refused):
            with files.atomic_path(path):
                pass
        with pytest.raises(OSError):
            files.open_append(path)
    if Path("/dev/null").exists():
        with pytest.raises(files.Refused, match="/dev/null is a device"):
            files.check_output("/dev/null")  # checked only: nothing is written
    files.write_atomic(tmp_path / "new.txt", "fine")
    files.write_atomic(tmp_path / "new.txt", "replaced")
    assert (tmp_path / "new.txt").read_text() == "replaced"
    assert not list(tmp_path.glob(".*.tmp-*"))


def test_the_report_command_refuses_a_fifo_before_any_work(odd_paths):
    res = subprocess.run([sys.executable, "-m", "game.article_report", "--out", str(odd_paths["FIFO"]), "--worlds", "20"],
                         cwd=ROOT, env={**ENV, "MPLBACKEND": "Agg"}, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"{odd_paths['FIFO']} is a FIFO (named pipe)" in res.stderr and odd_paths["FIFO"].is_fifo()


# --- 6. control characters ---------------------------------------------------------------------


def _tiny_with(old: str, new: str) -> str:
    text = TINY.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("field, old, new, message", [
    ("title", "title: Two rivals and a broker", 'title: "\\e]0;pwned\\a\\e[2J"', "title: contains the control character U+001B (ESC) at character 1"),
    ("a name with a line break", "name: Leader A,", 'name: "Leader A\\nvalidate: OK",', "actors[0].name: contains the control character U+000A (line break)"),
    ("a name with a NUL", "name: Leader A,", 'name: "Leader\\0A",', "actors[0].name: contains the control character U+0000 (NUL)"),
    ("a bidi override", "label: Oil price", 'label: "Oil \\u202Eecirp"', "factors[1].label: contains the control character U+202E"),
    ("a tab in a label", "label: Oil price", 'label: "Oil\\tprice"', "contains the control character U+0009 (TAB)"),
])
def test_text_fields_refuse_control_characters(field, old, new, message):
    with pytest.raises(ScenarioError) as info:
        load_text(_tiny_with(old, new), "x.yaml")
    assert message in str(info.value)
    assert "\x1b" not in str(info.value) and "\x00" not in str(info.value)


def test_prose_keeps_its_line_breaks():
    scenario = load_text(_tiny_with("summary: A three-actor toy scenario used by the tests.",
                                    'summary: "First line.\\nSecond line."'), "x.yaml")
    assert scenario.summary == "First line.\nSecond line."
    with pytest.raises(ScenarioError, match="may hold only line breaks among control characters"):
        load_text(_tiny_with("summary: A three-actor toy scenario used by the tests.", 'summary: "Bell\\a"'), "x.yaml")


def test_a_line_break_in_a_name_cannot_forge_an_ok_line(tmp_path):
    path = tmp_path / "forge.yaml"
    path.write_text(_tiny_with("name: Leader A,", f'name: "Leader A\\n{path}: OK - tiny",'))
    res = run("validate", str(path))
    assert res.returncode == 1 and "OK" not in res.stdout
    for command in (["blocs", str(path)], ["play", str(path), "--screenshot", str(tmp_path / "s.png")]):
        res = run(*command)
        assert res.returncode in (1, 2) and "Traceback" not in res.stderr and "U+000A (line break)" in res.stderr


def test_a_nul_in_a_name_no_longer_crashes_play(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text(_tiny_with("name: Leader A,", 'name: "Leader\\0A",'))
    res = run("play", str(path), "--screenshot", str(tmp_path / "s.png"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "actors[0].name: contains the control character U+0000 (NUL)" in res.stderr


def test_what_is_printed_is_escaped_even_when_it_never_went_through_a_check(tmp_path, capsys):
    """A file name is not checked by anything; printed, its escape sequences are shown, not run."""
    evil = tmp_path / "x\x1b]0;pwned\x07\x1b[2J.yaml"
    evil.write_text(TINY.read_text())
    assert cli_main(["validate", str(evil)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "x\\x1b]0;pwned\\x07\\x1b[2J.yaml: OK" in out


def test_the_escapes():
    assert safetext.terminal("a\x1b[2Jb\x07\n\tc\x9b\u202e") == "a\\x1b[2Jb\\x07\n\tc\\x9b\\u202e"
    assert safetext.one_line("a\nb\rc") == "a\\x0ab\\x0dc"
    assert safetext.markdown("kim | <b>x</b> *y* \x1b[2J") == r"kim \| \<b\>x\</b\> \*y\* \\x1b\[2J"
    assert safetext.html('<a href="x">\x00') == "&lt;a href=&quot;x&quot;&gt;\\x00"
    for formula in ("=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)"):
        assert safetext.csv_cell(formula).lstrip('"').startswith("'")
    assert safetext.csv_cell("\tcmd") == "\\x09cmd"  # a tab or CR is shown escaped, so never leads
    assert safetext.csv_cell("a,b") == '"a,b"' and safetext.csv_cell('say "hi"') == '"say ""hi"""'
    assert safetext.csv_cell("kim") == "kim"
    assert safetext.control_problem("fine\nprose", prose=True) is None
    assert safetext.control_problem("no\nbreak") == ("contains the control character U+000A (line break) at character 3; "
                                                     "text here may hold no control characters or line breaks")


def test_shipped_scenarios_have_no_control_characters():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        load_scenario(path)  # raises on any control character


# --- 11. unbounded arguments ----------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--size", "100000x100000"], "summit play: error: --size 100000x100000 is larger than any screen; at most 7680x4320"),
    (["--size", "huge"], "summit play: error: --size must look like 1280x720, not 'huge'"),
    (["--screenshot", "{tmp}"], "summit play: error: --screenshot {tmp} is a folder; give a file name such as {tmp}/summit.png"),
    (["--screenshot", "{tmp}/shot.gif"], "summit play: error: --screenshot {tmp}/shot.gif: give a file name ending in .png"),
    (["--screenshot", "{tmp}/file.txt/shot.png"], "summit play: error: --screenshot {tmp}/file.txt/shot.png: cannot write in {tmp}/file.txt"),
    (["--screenshot", "{tmp}/fifo.png"], "summit play: error: --screenshot {tmp}/fifo.png is a FIFO (named pipe)"),
])
def test_play_arguments_are_bounded_and_checked_before_a_window_opens(tmp_path, args, message):
    (tmp_path / "file.txt").write_text("")
    os.mkfifo(tmp_path / "fifo.png")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = run("play", str(TINY), *args)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().startswith(message.replace("{tmp}", str(tmp_path))), res.stderr


def test_a_screenshot_that_cannot_be_written_is_one_line(tmp_path):
    res = run("play", str(TINY), "--screenshot", "/proc/no-such-folder/shot.png")
    assert res.returncode in (1, 2) and "Traceback" not in res.stderr and "pygame.error" not in res.stderr
    assert "shot.png" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_a_screenshot_is_written_atomically(tmp_path):
    shot = tmp_path / "deep" / "shot.png"
    res = run("play", str(TINY), "--screenshot", str(shot))
    assert res.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(shot.parent.glob(".*.tmp-*"))


# --- 12. blocs on many actors, symlink loops --------------------------------------------------------


def many_actors(n: int, tmp_path: Path) -> Path:
    """tiny.yaml plus bystanders: n actors, no relations between the new ones (every split ties)."""
    data = yaml.safe_load(TINY.read_text())
    for i in range(3, n):
        aid = f"x{i}"
        data["actors"].append({"id": aid, "name": f"Leader X{i}", "title": "Premier", "country": f"Xland {i}",
                               "regime": "other", "power": 1.0, "colour": "#123456", "portrait": aid, "term": {"kind": "none"}})
        data["payoffs"][aid] = {"factors": [{"factor": "oil", "weight": 0.1, "rationale": "Toy."}]}
        data["moves"].append({"actor": aid, "moves": [{"id": f"{aid}_wait", "label": "Wait", "description": "Wait.",
                                                       "rationale": "Baseline."}]})
    path = tmp_path / f"actors{n}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_blocs_on_20_actors_lists_the_lowest_and_summarises_the_rest(tmp_path):
    path = many_actors(20, tmp_path)
    res = run("blocs", str(path), timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    total = int(lines[4].split()[0].replace(",", ""))
    assert lines[4] == f"{total:,} stable configuration(s), lowest energy first:" and total > 1000
    assert len(lines) == 5 + 10 + 1
    assert lines[-1].startswith(f"  ... and {total - 10:,} more (energy ") and lines[-1].endswith("--all lists every one")
    everything = run("blocs", str(path), "--all", timeout=120)
    assert len(everything.stdout.splitlines()) == 5 + total


def test_blocs_beyond_the_exact_limit_is_a_clear_error(tmp_path):
    """One limit for every part (game/limits.py): the scenario is refused as the validator refuses it."""
    res = run("blocs", str(many_actors(22, tmp_path)))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "actors: 22 actors is more than Summit supports (20): landscape theory's blocs are computed exactly" in res.stderr
    assert run("validate", str(many_actors(22, tmp_path))).stderr.splitlines()[0] == res.stderr.splitlines()[0]


def test_a_symlink_loop_is_named_by_every_command(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.symlink_to(b)
    b.symlink_to(a)
    for args in (["validate", str(a)], ["blocs", str(a)], ["play", str(a), "--screenshot", str(tmp_path / "s.png")],
                 ["play", "--load", str(a), "--screenshot", str(tmp_path / "s.png")]):
        res = run(*args)
        assert res.returncode in (1, 2) and "Traceback" not in res.stderr
        assert "a symbolic link loop (the link leads back to itself)" in res.stderr, (args, res.stderr)
        assert "no such file" not in res.stderr
