"""Small drawing helpers: wrapped text, panels, dashed and thick lines, arrows."""

from __future__ import annotations

import math

import pygame

from game.ui import theme as T


def wrap(text: str, fnt: pygame.font.Font, width: int) -> list[str]:
    """Greedy word wrap to a pixel width (keeps explicit newlines)."""
    out: list[str] = []
    for para in str(text).split("\n"):
        words = para.split(" ")
        line = ""
        for w in words:
            trial = w if not line else line + " " + w
            if fnt.size(trial)[0] <= width or not line:
                line = trial
            else:
                out.append(line)
                line = w
        out.append(line)
    return out


_RENDER_CACHE: dict = {}


def render(s: str, fnt, colour) -> pygame.Surface:
    """fnt.render with a cache (text drawn every frame costs nothing after the first)."""
    key = (s, id(fnt), tuple(colour))
    img = _RENDER_CACHE.get(key)
    if img is None:
        if len(_RENDER_CACHE) > 4000:
            _RENDER_CACHE.clear()
        img = fnt.render(s, True, colour)
        _RENDER_CACHE[key] = img
    return img


def fitted(s: str, fnt, colour, max_width: int | None = None) -> pygame.Surface:
    """One line rendered whole, scaled down evenly when it is wider than max_width (cached)."""
    img = render(s, fnt, colour)
    if max_width is None or img.get_width() <= max_width or max_width < 1:
        return img
    key = (s, id(fnt), tuple(colour), int(max_width))
    small = _RENDER_CACHE.get(key)
    if small is None:
        h = max(1, round(img.get_height() * max_width / img.get_width()))
        small = _RENDER_CACHE[key] = pygame.transform.smoothscale(img, (int(max_width), h))
    return small


def text(surf, s: str, fnt, colour, pos, anchor="topleft", max_width: int | None = None,
         backdrop: tuple | None = None) -> pygame.Rect:
    """Draw one line (shrunk to max_width, never cut: a class must read all of it); `backdrop`
    puts a soft plate behind it so that lines drawn underneath do not run through the letters."""
    img = fitted(str(s), fnt, colour, max_width)
    rect = img.get_rect(**{anchor: pos})
    if backdrop is not None:
        pad = rect.inflate(10, 2)
        plate = pygame.Surface(pad.size, pygame.SRCALPHA)
        pygame.draw.rect(plate, (*backdrop[:3], 215), plate.get_rect(), border_radius=pad.h // 3)
        surf.blit(plate, pad)
    surf.blit(img, rect)
    return rect


def paragraph(surf, s: str, fnt, colour, rect: pygame.Rect, line_gap: float = 1.15, max_lines: int | None = None) -> int:
    """Draw wrapped text inside rect; returns the y after the last line."""
    y = rect.top
    lh = int(fnt.get_linesize() * line_gap)
    lines = wrap(s, fnt, rect.width)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip() + "…"
    for ln in lines:
        if y + lh > rect.bottom + lh // 3:
            break
        surf.blit(render(ln, fnt, colour), (rect.left, y))
        y += lh
    return y


def fit_paragraph(surf, s: str, L, size: float, bold: bool, colour, rect: pygame.Rect) -> int:
    """Wrapped text that fits rect whole: the font shrinks (down to 60%) rather than cutting words off;
    returns the y after the last line."""
    for k in range(9):
        fnt = L.font(size * (1 - 0.05 * k), bold)
        if len(wrap(s, fnt, rect.width)) * fnt.get_linesize() <= rect.height:
            break
    return paragraph(surf, s, fnt, colour, pygame.Rect(rect.x, rect.y, rect.w, 10**6), line_gap=1.0)


def panel(surf, rect: pygame.Rect, fill=None, border=None, radius: int = 8, width: int = 2):
    fill, border = fill or T.PANEL, border or T.BORDER  # read now: the high-contrast theme changes them
    pygame.draw.rect(surf, fill, rect, border_radius=radius)
    if width:
        pygame.draw.rect(surf, border, rect, width=width, border_radius=radius)


def thick_line(surf, colour, a, b, width: float):
    """A thick line as a polygon with round caps (pygame's wide lines have square gaps)."""
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    w = max(1.0, width)
    if length < 1e-6:
        return
    if w <= 2:
        pygame.draw.aaline(surf, colour, a, b)
        return
    nx, ny = -dy / length * w / 2, dx / length * w / 2
    pts = [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
    pygame.draw.polygon(surf, colour, pts)
    pygame.draw.aalines(surf, colour, True, pts)
    r = max(1, int(w / 2))
    pygame.draw.circle(surf, colour, (int(x1), int(y1)), r)
    pygame.draw.circle(surf, colour, (int(x2), int(y2)), r)


def dashed_line(surf, colour, a, b, width: float, dash: float = 14, gap: float = 9):
    (x1, y1), (x2, y2) = a, b
    length = math.hypot(x2 - x1, y2 - y1)
    if length < 1e-6:
        return
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    t = 0.0
    while t < length:
        e = min(length, t + dash)
        thick_line(surf, colour, (x1 + ux * t, y1 + uy * t), (x1 + ux * e, y1 + uy * e), width)
        t = e + gap


def trend_arrow(surf, centre, size: int, direction: int, colour):
    """A triangle pointing up (direction > 0), down (< 0), or a flat bar (0)."""
    x, y = centre
    h = size / 2
    if direction > 0:
        pts = [(x, y - h), (x + h, y + h * 0.6), (x - h, y + h * 0.6)]
    elif direction < 0:
        pts = [(x, y + h), (x + h, y - h * 0.6), (x - h, y - h * 0.6)]
    else:
        pygame.draw.rect(surf, colour, pygame.Rect(int(x - h), int(y - max(2, h / 4)), int(2 * h), int(max(3, h / 2))))
        return
    pygame.draw.polygon(surf, colour, pts)
    pygame.draw.aalines(surf, colour, True, pts)


def ease(t: float) -> float:
    t = max(0.0, min(1.0, t))
    return t * t * (3 - 2 * t)
