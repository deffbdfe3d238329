"""Issue 10, items 1, 2 and 10: a saved game read back is untrusted input.

`play --load` reads only regular files under a size cap, never blocks on a FIFO; a save's
contents are checked against a pydantic model whose shapes and bounds come from the scenario,
its fingerprint, its version and a checksum. And `play` stops on SIGTERM with an autosave.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game import narrate, saves
from game.compiled import Game
from game.errors import SaveError
from game.loader import load_scenario
from game.state import State

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


def tiny_state(turns: int = 2, seed: int = 77) -> State:
    state = Game(load_scenario(TINY)).new_state(seed, humans=("b",))
    for _ in range(turns):
        state.apply_actions({"b": "b_smuggle"})
    return state


@pytest.fixture(scope="module")
def saved() -> str:
    return tiny_state().to_json()


def forge(text: str, change, checksum: bool = True) -> str:
    """The save with `change(game_data)` applied; with `checksum`, the checksum is recomputed (a careful forger)."""
    data = json.loads(text)
    change(data["game"])
    if checksum:
        data["sha256"] = hashlib.sha256(saves.canonical(data["game"])).hexdigest()
    return json.dumps(data, allow_nan=True)


def worlds(key, value):
    def change(g):
        g["worlds"][key] = value

    return change


def cell(key, value, *at):
    def change(g):
        target = g["worlds"][key]
        for i in at[:-1]:
            target = target[i]
        target[at[-1]] = value

    return change


def test_a_save_round_trips_exactly(saved):
    state = tiny_state()
    copy_ = State.from_json(saved)
    assert copy_.fingerprint() == state.fingerprint()
    assert [h.lines() for h in narrate.history(copy_)] == [h.lines() for h in narrate.history(state)]
    envelope = json.loads(saved)
    assert envelope["format"] == "summit-save" and envelope["format_version"] == saves.FORMAT_VERSION
    assert envelope["sha256"] == hashlib.sha256(saves.canonical(envelope["game"])).hexdigest()


# --- 2. save contents are checked -------------------------------------------------------------

CONTENTS = {
    "a NaN factor": (lambda t: t.replace('"x": [[', '"x": [[NaN, ', 1), "NaN is not a number a save may hold"),
    "an Infinity factor": (lambda t: t.replace('"x": [[', '"x": [[Infinity, ', 1), "Infinity is not a number"),
    "a factor of 1e308": (lambda t: forge(t, cell("x", 1e308, 0, 0)), "worlds: x[0, 0] = 1e+308 is above its bound 100"),
    "a factor of -500": (lambda t: forge(t, cell("x", -500.0, 0, 1)), "worlds: x[0, 1] = -500.0 is below its bound 20"),
    "a relation of 5.0": (lambda t: forge(t, cell("x", 5.0, 0, 2)), "worlds: x[0, 2] = 5.0 is above its bound 1"),
    "a deadline already past": (lambda t: forge(t, cell("term_end", -3, 0, 0)), "worlds: term_end[0, 0] = -3 is below its bound 0"),
    "a negative leader index": (lambda t: forge(t, cell("persona", -1, 0, 2)), "worlds: persona[0, 2] = -1 is below its bound 0"),
    "a leader in another's seat": (lambda t: forge(t, cell("persona", 1, 0, 0)), "persona puts a leader in another leader's seat"),
    "a negative seed": (lambda t: forge(t, worlds("seed", -1)), "worlds.seed: Input should be greater than or equal to 0"),
    "a seed of 2^70": (lambda t: forge(t, worlds("seed", 2**70)), "worlds.seed: Input should be less than or equal to"),
    "the turn as text": (lambda t: forge(t, worlds("turn", "2")), "worlds.turn: Input should be a valid integer"),
    "the turn as 3.7": (lambda t: forge(t, worlds("turn", 3.7)), "worlds.turn: Input should be a valid integer"),
    "a turn past the end": (lambda t: forge(t, worlds("turn", 60)), "turn is 60, but the game has 6 turns"),
    "a boolean as a count": (lambda t: forge(t, cell("move_chosen", True, 0, 0)), "move_chosen must hold whole numbers only"),
    "a ragged table": (lambda t: forge(t, cell("x", [1.0, 2.0], 0, 0)), "x"),
    "more successes than choices": (lambda t: forge(t, lambda g: g["worlds"]["move_succeeded"][0].__setitem__(
        g["worlds"]["move_chosen"][0].index(0), 1)),  # a success for a move never chosen
                                    "move_succeeded counts more successes than move_chosen counts choices"),
    "a score of 1e300": (lambda t: forge(t, cell("scores", 1e300, 0, 0)), "scores[0, 0] = 1e+300 is above its bound"),
    "an unknown human": (lambda t: forge(t, lambda g: g.__setitem__("humans", ["zed"])), "humans lists unknown leader 'zed'"),
    "a history shorter than the turn": (lambda t: forge(t, lambda g: g["records"].pop()), "records hold 1 turns; the game is at turn 2"),
    "another leader's move in the history": (
        lambda t: forge(t, lambda g: g["records"][0]["choices"].__setitem__(0, 4)), "leader 0 has a move or result that is not one of its own"),
    "a NUL in the history": (
        lambda t: forge(t, lambda g: g["records"][0].__setitem__("by_hand", ["b\x00"])), "records.0.by_hand.0"),
    "ESC in a seat's strategy": (
        lambda t: forge(t, lambda g: g.__setitem__("strategies", {"a": "\x1b]0;pwned\x07"})), "contains the control character U+001B (ESC)"),
    "a NUL in a name": (
        lambda t: forge(t, lambda g: g["scenario"]["actors"][0].__setitem__("name", "Leader\x00A")),
        "actors[0].name: contains the control character U+0000 (NUL)"),
    "an unknown key": (lambda t: forge(t, lambda g: g.__setitem__("cheat", 1)), "cheat: Extra inputs are not permitted"),
}


@pytest.mark.parametrize("case", list(CONTENTS))
def test_save_contents_are_checked(saved, case):
    change, message = CONTENTS[case]
    with pytest.raises(SaveError) as info:
        State.from_json(change(saved))
    text = str(info.value)
    assert text.startswith("cannot load the saved game: ") and message in text, text
    assert "\x00" not in text and "\x1b" not in text


def test_an_edit_without_a_new_checksum_is_refused(saved):
    with pytest.raises(SaveError, match="changed after it was saved \\(its checksum does not match\\)"):
        State.from_json(forge(saved, cell("x", 51.0, 0, 0), checksum=False))


def test_a_newer_summit_is_named(saved):
    newer = json.dumps({**json.loads(saved), "version": "99.0.0"})
    with pytest.raises(SaveError, match=r"saved by a newer Summit \(99\.0\.0\); this is 0\.\d+\.\d+: update Summit to open it"):
        State.from_json(newer)
    newer_format = json.dumps({**json.loads(saved), "format_version": saves.FORMAT_VERSION + 1})
    with pytest.raises(SaveError, match="saved by a newer Summit"):
        State.from_json(newer_format)
    old = json.dumps({"format": "summit-save-1", "version": "0.1.0", "scenario": {}, "worlds": {}})
    with pytest.raises(SaveError, match=r"saved by an older Summit \(save format 1\)"):
        State.from_json(old)
    older_format = json.dumps({**json.loads(saved), "format_version": 2})
    with pytest.raises(SaveError, match=r"saved by an older Summit \(save format 2\)"):
        State.from_json(older_format)


def test_another_scenarios_worlds_spliced_in_are_refused(saved):
    other = Game(load_scenario(TINY.parent.parent.parent / "scenarios" / "vladivostok-2019.yaml")).new_state(1).to_json()
    theirs = json.loads(other)["game"]["worlds"]

    def splice(g):
        g["worlds"] = copy.deepcopy(theirs)

    with pytest.raises(SaveError, match="the worlds in this save belong to another scenario"):
        State.from_json(forge(saved, splice))
    with pytest.raises(SaveError, match="checksum does not match"):
        State.from_json(forge(saved, splice, checksum=False))


def test_a_nan_save_never_reaches_the_debrief_as_nan_points(saved):
    """The issue's 'nan points': a NaN score is refused at the door."""
    with pytest.raises(SaveError, match="NaN is not a number a save may hold"):
        State.from_json(saved.replace('"scores": [[', '"scores": [[NaN, ', 1))


# --- 1. play --load reads any path whole ------------------------------------------------------------


def play(*args: str, timeout: float = 60, cwd=ROOT, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "play", *args], cwd=cwd, env=ENV, capture_output=True,
                          text=True, timeout=timeout, **kw)


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a regression fails quickly instead of eating the machine


@pytest.mark.parametrize("kind", ["/dev/zero", "link to /dev/zero", "FIFO", "link to a FIFO", "folder", "20 MB file"])
def test_play_load_refuses_what_is_not_a_save_without_reading_it(tmp_path, kind):
    target = {"/dev/zero": Path("/dev/zero"), "folder": tmp_path}.get(kind, tmp_path / "save.json")
    if kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind in ("FIFO", "link to a FIFO"):
        os.mkfifo(tmp_path / "fifo")
        target = tmp_path / "fifo" if kind == "FIFO" else target
        if kind == "link to a FIFO":
            target.symlink_to(tmp_path / "fifo")
    elif kind == "20 MB file":
        target.write_bytes(b" " * (20 << 20))
    if kind == "/dev/zero" and not target.exists():
        pytest.skip("no /dev/zero")
    res = play("--load", str(target), "--screenshot", str(tmp_path / "shot.png"), preexec_fn=_limit_memory)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr and "MemoryError" not in res.stderr
    words = {"folder": "this is a folder, not a regular file",
             "20 MB file": "the file is too large (20 MB); saved games may be at most 16 MB",
             "FIFO": "this is a FIFO (named pipe), not a regular file", "link to a FIFO": "this is a FIFO (named pipe), not a regular file"}
    expected = words.get(kind, "this is a device, not a regular file")
    assert res.stderr.strip() == f"summit play: {target}: cannot load the saved game: {expected}"


def test_play_load_of_a_tampered_save_is_one_clear_line(tmp_path, saved):
    path = tmp_path / "game.json"
    path.write_text(forge(saved, cell("x", 5.0, 0, 2)))
    res = play("--load", str(path), "--screenshot", str(tmp_path / "shot.png"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip() == (f"summit play: {path}: cannot load the saved game: the file is damaged: "
                                  "worlds: x[0, 2] = 5.0 is above its bound 1")


def test_a_save_is_never_written_over_a_fifo_or_a_link(tmp_path):
    from game.session import Session

    session = Session.new(TINY, ("b",), 3)
    fifo = tmp_path / "save.json"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="is a FIFO"):
        session.save(fifo)
    assert fifo.is_fifo()
    link = tmp_path / "link.json"
    (tmp_path / "elsewhere.json").write_text("mine")
    link.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(OSError, match="is a symbolic link to a regular file"):
        session.save(link)
    assert (tmp_path / "elsewhere.json").read_text() == "mine"
    good = session.save(tmp_path / "good.json")
    assert Session.load(good).state.fingerprint() == session.state.fingerprint()


# --- 10. SIGTERM and Ctrl-C in play: an autosave and a clean exit -------------------------------


@pytest.mark.parametrize("sig, status, name", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")])
def test_play_stops_on_a_signal_with_an_autosave(tmp_path, sig, status, name):
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "play", str(TINY), "--humans", "b", "--autoplay", "2"],
                            cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # start-up, then the frame loop
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == status, err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"Stopped by {name}. The game is saved in saves/tiny-turn02-autosave-")
    path = line.split("continue it with: python main.py play --load ", 1)[1]
    from game.session import Session

    loaded = Session.load(tmp_path / path)
    assert loaded.state.turn == 2 and loaded.humans == ["b"]


def test_a_fifo_save_no_longer_hangs_play_and_sigterm_ends_it(tmp_path):
    """Without --screenshot, play shows the problem in its window; SIGTERM then ends it cleanly."""
    os.mkfifo(tmp_path / "save.json")
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "play", "--load", str(tmp_path / "save.json")],
                            cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "cannot load the saved game: this is a FIFO (named pipe), not a regular file" in err
    assert err.strip().endswith("Stopped by SIGTERM.")
