"""Hostile and broken files: each is refused with a clear message, quickly, never a traceback or a hang."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from game import loader
from game.loader import MAX_BYTES, MAX_DEPTH, ScenarioError, load_scenario

# Every file below is refused in milliseconds; the bound only guards against hangs and blow-ups.
HANG_BOUND = 2.0

LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)

# name -> (file content (str or bytes), (line, column) or None for "no position", expected message part)
HOSTILE: dict[str, tuple[object, tuple[int, int] | None, str]] = {
    "empty": ("", (1, 1), "the file is empty"),
    "only comments": ("# just a comment\n\n", (1, 1), "the file is empty"),
    "only a document marker": ("---\n", (2, 1), "the file holds no data"),
    "list at top": ("- a\n- b\n", (1, 1), "the top level is a list; a scenario is a mapping"),
    "scalar at top": ("hello world\n", (1, 1), "the file holds a single value (text 'hello world'), not a scenario"),
    "number at top": ("42\n", (1, 1), "the file holds a single value (a number 42)"),
    "syntax error": ("id: x\ntitle: [unclosed\nturns: 3\n", (3, 6), "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence that starts on line 2)"),
    "bad indentation": ("id: x\n  title: y\n", (2, 8), "a value may not contain ': ' unless it is in quotes, or this line is indented wrongly"),
    "tab indentation": ("id: x\n\ttitle: y\n", (2, 1), "YAML does not allow tabs for indentation"),
    "python source": ("import os\ndef f(x):\n    return x\n", (2, 9), "YAML syntax error"),
    "billion laughs": (LAUGHS, (1, 4), "a: anchors ('&a') are not supported in scenario files"),
    "alias": ("id: &x a\ntitle: *x\n", (2, 8), "title: aliases ('*x') are not supported"),
    "python object tag": ("id: !!python/object/apply:os.system ['echo hacked']\n", (1, 5),
                          "id: tag '!!python/object/apply:os.system' is not allowed"),
    "python name tag": ("!!python/name:os.system\n", (1, 1), "tag '!!python/name:os.system' is not allowed"),
    "custom tag": ("id: !include other.yaml\n", (1, 5), "id: tag '!include' is not allowed"),
    "binary tag": ("id: !!binary aGVsbG8=\n", (1, 5), "tag '!!binary' is not allowed"),
    "deep nesting (flow)": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", None, "nested"),
    "deep nesting (block)": ("".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 10)), (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1),
                             f"the data is nested more than {MAX_DEPTH} levels deep"),
    "nan and inf": ("id: x\nturns: .nan\n", (2, 8), "turns: .nan is not a finite number"),
    "huge integer": ("turns: " + "9" * 50_000 + "\n", (1, 8), "is not a valid number (far too many digits)"),
    "duplicate keys": ("id: x\ntitle: a\nid: y\n", (3, 1), "id: duplicate key 'id' (first given on line 1)"),
    "two documents": ("id: a\n---\nid: b\n", (2, 1), "a second YAML document starts here"),
    "control character": ("id: a\x07b\n", (1, 6), "the control character U+0007"),
    "binary bytes": (bytes(range(256)) * 8, (1, 1), "NUL bytes: this looks like a binary file"),
    "invalid utf-8": ("id: café\n".encode("latin-1"), (1, 8), "the file is not valid UTF-8 text (byte 0xe9 here)"),
    "utf-16": ("id: x\n".encode("utf-16"), (1, 1), "the file is saved as UTF-16; save it as UTF-8"),
    "too many values": ("a:\n" + "  - {id: a, name: x}\n" * 30_000, None, f"the file holds more than {loader.MAX_NODES} values"),
    "complex key": ("? [a, b]\n: 1\n", (1, 3), "a mapping key must be a plain word"),
    "thousands of errors": ("".join(f"k{i}: {i}\n" for i in range(9000)), None, "... and more problems (only the first"),
    "thousands of bad conditions": ("moves:\n  - actor: a\n    moves:\n      - id: m\n        preconditions:\n" + "          - {x: 1}\n" * 6000,
                                    (5, 9), "moves[0].moves[0].preconditions: has 6000 items; allowed: at most 20"),
}


def _write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / (name.replace(" ", "_").replace("(", "").replace(")", "") + ".yaml")
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_refused_cleanly_and_quickly(tmp_path, name):
    content, where, message = HOSTILE[name]
    path = _write(tmp_path, name, content)
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    elapsed = time.perf_counter() - start
    assert elapsed < HANG_BOUND, f"{name} took {elapsed:.2f} s"
    found = info.value.problems
    hits = [p for p in found if message in p.message]
    assert hits, f"{name}: no problem says {message!r}; got:\n{info.value}"
    if where is not None:
        assert (hits[0].line, hits[0].column) == where, str(hits[0])
    assert all(p.file == str(path) for p in found)
    assert len(found) <= loader.MAX_PROBLEMS + 1
    assert "Traceback" not in str(info.value)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    text = (Path(__file__).parent / "data" / "tiny.yaml").read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_scenario(path).id == "tiny"


def test_too_large_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:  # sparse: large on paper, no disk used
        fh.truncate(MAX_BYTES + 1)
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match=r"the file is too large \(2\.0 MB\); scenario files may be at most 2 MB"):
        load_scenario(path)
    assert time.perf_counter() - start < HANG_BOUND
    assert not opened, "the size must be checked before the file is opened"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file; check the name and the folder (run 'summit list' for the shipped scenarios)"
    with pytest.raises(ScenarioError, match="this is a folder, not a file"):
        load_scenario(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)


def test_text_too_large_is_refused():
    with pytest.raises(ScenarioError, match="too large"):
        loader.load_text("a: " + "x" * (MAX_BYTES + 1), "big.yaml")


def test_anchors_are_never_expanded():
    # even a valid-looking file is refused if it uses anchors: nothing is ever expanded
    with pytest.raises(ScenarioError) as info:
        loader.load_text(LAUGHS, "laughs.yaml")
    assert len(info.value.problems) <= loader.MAX_PROBLEMS + 1
