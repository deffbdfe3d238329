"""`main.py host` as a teacher runs it: its messages for wrong options, the projector window
(a screenshot), and closing the window stopping the server cleanly. Loopback only."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request

import pygame
import pytest
from conftest import ROOT

from game import cli
from game.net.host import check_bind, local_address
from game.errors import UsageError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def host(*args, timeout=90):
    return subprocess.run([sys.executable, "main.py", "host", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("args, message", [
    (["--bind", "8.8.8.8"], "--bind 8.8.8.8 is not a local-network address"),
    (["--bind", "0.0.0.0"], "not every address (0.0.0.0)"),
    (["--bind", "here"], "--bind must be an IP address"),
    (["--teams", "kim,bob"], "--teams: unknown leader(s) bob; choose from kim, putin, trump, xi"),
    (["--port", "0"], "--port must be 1 to 65535"),
    (["--timer", "9999"], "--timer must be 0 (no timer) to 3600 seconds"),
])
def test_wrong_options_say_what_is_allowed(tmp_path, capsys, args, message):
    status = cli.main(["host", "vladivostok-2019", "--save-dir", str(tmp_path / "h"), "--no-window", *(
        args if "--bind" in args else ["--bind", "127.0.0.1", *args])])
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "h").exists()  # nothing written for a wrong command


def test_a_wrong_option_from_the_shell(tmp_path):
    run = host("vladivostok-2019", "--save-dir", str(tmp_path / "h"), "--no-window", "--bind", "8.8.8.8")
    assert run.returncode == 2 and "--bind 8.8.8.8 is not a local-network address" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_port_in_use_and_a_folder_with_a_game_are_refused(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = host("vladivostok-2019", "--bind", "127.0.0.1", "--port", str(port), "--save-dir", str(tmp_path / "h"),
                   "--no-window")
    assert run.returncode == 2 and f"cannot serve on port {port}" in run.stderr
    run = host("vladivostok-2019", "--bind", "127.0.0.1", "--port", str(free_port()), "--save-dir", str(tmp_path / "h"),
               "--no-window")
    assert run.returncode == 2 and "already holds a class game; continue it with --resume" in run.stderr
    run = host("--resume", "--save-dir", str(tmp_path / "nothing"), "--bind", "127.0.0.1", "--no-window")
    assert run.returncode == 2 and "no journal.jsonl to resume from" in run.stderr


def test_the_bind_address_is_local():
    assert check_bind("127.0.0.1") == "127.0.0.1" and check_bind("192.168.1.20") == "192.168.1.20"
    with pytest.raises(UsageError):
        check_bind("::")
    address = local_address()  # this machine's: whatever it is, it is a local one
    assert check_bind(address) == address


def test_the_projector_screenshot_shows_the_join_panel(tmp_path):
    shot = tmp_path / "projector.png"
    run = host("vladivostok-2019", "--teams", "kim", "--bind", "127.0.0.1", "--port", str(free_port()),
               "--save-dir", str(tmp_path / "h"), "--screenshot", str(shot))
    assert run.returncode == 0, run.stderr
    assert "Teams join at http://127.0.0.1:" in run.stdout and "class code" in run.stdout
    image = pygame.image.load(str(shot))
    assert image.get_size() == (1280, 720)
    # the QR code's finder pattern: black and white modules at the top left of the join panel
    corner = [image.get_at((x, y))[:3] for x in range(20, 80, 2) for y in range(520, 580, 2)]
    assert (0, 0, 0) in corner and (255, 255, 255) in corner


def test_closing_the_projector_window_stops_the_server(tmp_path, monkeypatch, capsys):
    from game.ui.app import App

    port = free_port()
    seen = {}
    original = App.run

    def run_then_close(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            seen["served"] = r.read()
        pygame.event.post(pygame.event.Event(pygame.QUIT))  # the teacher closes the window
        return original(self)

    monkeypatch.setattr(App, "run", run_then_close)
    status = cli.main(["host", "vladivostok-2019", "--teams", "kim", "--bind", "127.0.0.1", "--port", str(port),
                       "--save-dir", str(tmp_path / "h")])
    assert status == 0 and seen["served"] == b"ok"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
    assert (tmp_path / "h" / "game.json").exists()
    folder = tmp_path / "h"
    assert f"To continue this class (the same codes; the pages reconnect): python main.py host --resume --save-dir {folder}" \
        in capsys.readouterr().err
