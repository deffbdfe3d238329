"""The game in a real X window (Xvfb), where one is available: F11 and screenshots.

Skipped where Xvfb is not installed (`apt-get install xvfb`); the dummy-driver tests in
test_ui.py cover everything else.
"""

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, virtual_display

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed")

SCRIPT = """
import pygame
from game.ui.app import App
a = App(size=(1280, 720), strict=True, mc_worlds=20)
a.run_frames(3)
a.post_key(pygame.K_F11, 0); a.run_frames(5)
print("full", *a.window.get_size(), int(pygame.display.is_fullscreen()))
a.post_key(pygame.K_F11, 0); a.run_frames(5)
print("back", *a.window.get_size(), int(pygame.display.is_fullscreen()))
"""


@pytest.fixture
def display():
    with virtual_display(90 + os.getpid() % 200) as name:
        yield name


def test_f11_goes_full_screen_and_back(display):
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
    env.pop("SDL_VIDEODRIVER", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = dict((line.split()[0], line.split()[1:]) for line in out.stdout.splitlines() if line.split())
    assert lines["full"][2] == "1"  # full screen (its size depends on the window manager)
    assert lines["back"] == ["1280", "720", "0"]


def test_screenshot_in_a_real_window(display, tmp_path):
    env = dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="dummy")
    env.pop("SDL_VIDEODRIVER", None)
    shot = tmp_path / "table.png"
    out = subprocess.run([sys.executable, "main.py", "play", "vladivostok-2019", "--autoplay", "3", "--screen", "table",
                          "--screenshot", str(shot)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    import pygame

    image = pygame.image.load(str(shot))
    assert image.get_size() == (1280, 720)
    colours = {image.get_at((x, y))[:3] for x in range(0, 1280, 64) for y in range(0, 720, 48)}
    assert len(colours) > 8  # a drawn table, not a blank window
