"""Colours, fonts and scaling for the Summit front end.

Everything is laid out on a 1280x720 design canvas. The window may be any size: the
design canvas is scaled by ``s = min(w / 1280, h / 720)`` and centred, and the pygame_gui
theme (assets/theme.json) is rescaled with it, so text stays big on a projector.
"""

from __future__ import annotations

import copy
import math
import json
import os
from functools import lru_cache
from pathlib import Path

import pygame

from game.data import ASSETS
THEME_PATH = ASSETS / "theme.json"
DESIGN_W, DESIGN_H = 1280, 720
MIN_W, MIN_H = 640, 360

# --- palette (light background: readable in a lit classroom) ----------------------
BG = (244, 241, 234)
PANEL = (255, 255, 255)
PANEL_ALT = (250, 248, 243)
BORDER = (140, 134, 120)
GRID = (222, 217, 205)
TEXT = (20, 20, 20)
MUTED = (85, 85, 85)
NAVY = (29, 53, 87)
ACCENT = (240, 180, 41)
# Okabe-Ito colour-blind-safe palette.
BLUE = (0, 114, 178)         # positive relations
VERMILLION = (213, 94, 0)    # negative relations
SKY = (86, 180, 233)
GREEN = (0, 158, 115)
ORANGE = (230, 159, 0)
PURPLE = (204, 121, 167)
YELLOW = (240, 228, 66)
NEUTRAL = (150, 150, 150)
OKABE_ITO = [BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, (0, 0, 0), (160, 130, 0)]
BLOC_COLOURS = [BLUE, VERMILLION, GREEN, PURPLE]
RESULT_COLOURS = {"success": (0, 130, 90), "failed": (150, 110, 0), "blocked": (190, 60, 0)}

# --- the class's display settings (teacher's menu): reading text size and a high-contrast theme ----
TEXT_SCALES = (1.0, 1.25, 1.5)
text_scale = 1.0  # the news, move details, questions, briefs and hover cards (they scroll or wrap: nothing is cut)
high_contrast = False
_NORMAL = {"MUTED": MUTED, "BORDER": BORDER, "GRID": GRID, "NEUTRAL": NEUTRAL}
_CONTRAST = {"MUTED": (0, 0, 0), "BORDER": (0, 0, 0), "GRID": (120, 120, 120), "NEUTRAL": (60, 60, 60)}
_RESULTS = {"normal": dict(RESULT_COLOURS), "contrast": {"success": (0, 90, 60), "failed": (110, 70, 0), "blocked": (150, 40, 0)}}
READING_BLOCKS = ("text_box", "@news", "@big_text", "@error_text", "tool_tip.text_box")


def set_display(scale: float | None = None, contrast: bool | None = None) -> None:
    """Change the reading text size (one of TEXT_SCALES) and the high-contrast theme for the whole window."""
    global text_scale, high_contrast
    if scale is not None:
        if scale not in TEXT_SCALES:
            raise ValueError(f"text size must be one of {', '.join(f'{s:.0%}' for s in TEXT_SCALES)}")
        text_scale = scale
    if contrast is not None:
        high_contrast = bool(contrast)
        globals().update(_CONTRAST if high_contrast else _NORMAL)
        RESULT_COLOURS.update(_RESULTS["contrast" if high_contrast else "normal"])


def hex_colour(text: str | None, default=(120, 120, 120)) -> tuple[int, int, int]:
    try:
        text = (text or "").lstrip("#")
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except (ValueError, IndexError):
        return default


def luminance(c) -> float:
    def ch(v):
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])


def text_on(c) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with colour c."""
    lum = luminance(c)
    return (0, 0, 0) if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else (255, 255, 255)


def mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(int(round(a[i] + (b[i] - a[i]) * t)) for i in range(3))


# --- fonts --------------------------------------------------------------------------


def _gui_data_dir() -> Path:
    import pygame_gui

    return Path(os.path.dirname(pygame_gui.__file__)) / "data"


@lru_cache(maxsize=256)
def font(size: int, bold: bool = False, mono: bool = False) -> pygame.font.Font:
    """The theme's font (Noto Sans, shipped with pygame_gui) at a pixel size."""
    size = max(6, int(round(size)))
    if not pygame.font.get_init():
        pygame.font.init()
    name = "FiraCode-Regular.ttf" if mono else ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")
    path = _gui_data_dir() / name
    try:
        return pygame.font.Font(str(path), size)
    except (OSError, FileNotFoundError):  # pragma: no cover - packaging problem
        return pygame.font.Font(None, size)


# --- pygame_gui theme ------------------------------------------------------------------

_SCALED_MISC = ("list_item_height", "title_bar_height", "rect_width", "shape_corner_radius")


@lru_cache(maxsize=1)
def _base_theme() -> dict:
    with open(THEME_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def scaled_theme(scale: float) -> dict:
    """assets/theme.json with every font size and a few metrics multiplied by scale."""
    theme = copy.deepcopy(_base_theme())
    for name, block in theme.items():
        if not isinstance(block, dict):
            continue
        f = block.get("font")
        if isinstance(f, dict) and "size" in f:
            reading = text_scale if name in READING_BLOCKS else 1.0
            f["size"] = str(max(8, int(round(float(f["size"]) * scale * reading))))
        if high_contrast and isinstance(block.get("colours"), dict):
            block["colours"].update({k: "#000000" for k in block["colours"] if k in ("normal_text", "normal_border", "hovered_border")
                                     and block["colours"][k].lower() not in ("#ffffff",)})
        misc = block.get("misc")
        if isinstance(misc, dict):
            for key in _SCALED_MISC:
                if key in misc:
                    misc[key] = str(max(1, int(round(float(misc[key]) * scale))))
            if "padding" in misc:
                parts = [str(max(1, int(round(float(p) * scale)))) for p in str(misc["padding"]).split(",")]
                misc["padding"] = ",".join(parts)
    return theme


def quantise_scale(scale: float) -> float:
    """Scales in steps of 1/40, rounded down (never wider than the window: 1024x768 gets 0.8),
    so resizing reuses cached UI managers and fonts."""
    return max(0.5, min(4.0, math.floor(scale * 40 + 1e-9) / 40))


class Layout:
    """Maps the 1280x720 design canvas onto a window of any size."""

    def __init__(self, size: tuple[int, int]):
        w, h = max(1, size[0]), max(1, size[1])
        self.size = (w, h)
        self.s = quantise_scale(min(w / DESIGN_W, h / DESIGN_H))
        self.ox = max(0, (w - int(DESIGN_W * self.s)) // 2)
        self.oy = max(0, (h - int(DESIGN_H * self.s)) // 2)

    extra = 0.0  # design units below 720 that a tall layout may use (see `tall`)

    def tall(self) -> "Layout":
        """The same scale, top-aligned, with the window's spare height (a 4:3 projector) given to
        the screen as `extra` design units: a screen that stretches its lower panels uses it."""
        out = Layout(self.size)
        out.oy = 0
        out.extra = max(0.0, self.size[1] / self.s - DESIGN_H)
        return out

    def r(self, x, y, w, h) -> pygame.Rect:
        s = self.s
        return pygame.Rect(self.ox + int(round(x * s)), self.oy + int(round(y * s)), max(1, int(round(w * s))), max(1, int(round(h * s))))

    def p(self, x, y) -> tuple[int, int]:
        return (self.ox + int(round(x * self.s)), self.oy + int(round(y * self.s)))

    def n(self, v) -> int:
        """A length in design units, scaled (at least 1 pixel)."""
        return max(1, int(round(v * self.s)))

    def font(self, size, bold=False, mono=False) -> pygame.font.Font:
        return font(int(round(size * self.s)), bold, mono)

    @property
    def canvas(self) -> pygame.Rect:
        return self.r(0, 0, DESIGN_W, int(DESIGN_H + self.extra))
