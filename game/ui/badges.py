"""Portrait badges: respectful, emblem-style leader tokens drawn from assets/portraits.yaml.

A badge is a disc with flag-like colour bands, a centre disc with the leader's initials and
a simple geometric symbol, inside a ring in the actor's colour. Nothing is a likeness; nothing
is loaded from an image file. Badges are rendered at twice the size and smoothed down
(anti-aliasing), then cached per (portrait, colour, initials, size).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pygame

from game.errors import ScenarioError
from game.loader import read_file, read_yaml
from game.ui import theme as T

PORTRAITS_PATH = T.ASSETS / "portraits.yaml"
EMBLEMS = ("star", "ring", "diamond", "hexagon", "triangle", "chevron", "square", "dot", "none")


@lru_cache(maxsize=1)
def load_specs() -> dict:
    try:
        data = read_yaml(read_file(PORTRAITS_PATH), str(PORTRAITS_PATH)).data
    except ScenarioError:
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def initials_of(name: str) -> str:
    words = [w for w in str(name).replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return "".join(w[0] for w in words[:3]).upper()


def spec_for(portrait: str | None, name: str, colour) -> dict:
    """The badge spec for a portrait id, or a plain one from the actor's colour and name."""
    spec = dict(load_specs().get(str(portrait), {}))
    if not spec:
        c = "#%02x%02x%02x" % tuple(colour)
        spec = {"bands": [c], "emblem": "none", "disc": c}
    spec.setdefault("initials", initials_of(name))
    return spec


def _star(cx, cy, r, points=5, inner=0.45, rot=-math.pi / 2):
    pts = []
    for k in range(points * 2):
        rr = r if k % 2 == 0 else r * inner
        a = rot + k * math.pi / points
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _regular(cx, cy, r, n, rot=-math.pi / 2):
    return [(cx + r * math.cos(rot + 2 * math.pi * k / n), cy + r * math.sin(rot + 2 * math.pi * k / n)) for k in range(n)]


def draw_emblem(surf, kind: str, centre, r: float, colour):
    cx, cy = centre
    if kind == "star":
        pygame.draw.polygon(surf, colour, _star(cx, cy, r))
    elif kind == "ring":
        pygame.draw.circle(surf, colour, (int(cx), int(cy)), int(r), width=max(2, int(r * 0.35)))
    elif kind == "diamond":
        pygame.draw.polygon(surf, colour, _regular(cx, cy, r, 4))
    elif kind == "hexagon":
        pygame.draw.polygon(surf, colour, _regular(cx, cy, r, 6, rot=0))
    elif kind == "triangle":
        pygame.draw.polygon(surf, colour, _regular(cx, cy, r, 3))
    elif kind == "chevron":
        w = r * 0.5
        pygame.draw.polygon(surf, colour, [(cx - r, cy + r * 0.2), (cx, cy - r * 0.6), (cx + r, cy + r * 0.2),
                                           (cx + r, cy + r * 0.2 + w), (cx, cy - r * 0.6 + w), (cx - r, cy + r * 0.2 + w)])
    elif kind == "square":
        pygame.draw.rect(surf, colour, pygame.Rect(int(cx - r * 0.8), int(cy - r * 0.8), int(r * 1.6), int(r * 1.6)))
    elif kind == "dot":
        pygame.draw.circle(surf, colour, (int(cx), int(cy)), int(r))


@lru_cache(maxsize=128)
def _render(portrait: str, name: str, colour: tuple, diameter: int, greyed: bool) -> pygame.Surface:
    spec = spec_for(portrait, name, colour)
    ss = 2  # supersampling
    D = max(8, diameter) * ss
    surf = pygame.Surface((D, D), pygame.SRCALPHA)
    R = D / 2
    ring_w = max(3, int(D * 0.07))
    ring_colour = T.hex_colour(spec.get("ring")) if spec.get("ring") else tuple(colour)

    # Flag-like bands on a square, then clipped to the inner circle.
    bands = [T.hex_colour(c) for c in (spec.get("bands") or ["#cccccc"])]
    weights = spec.get("weights") or [1] * len(bands)
    if len(weights) != len(bands):
        weights = [1] * len(bands)
    total = float(sum(weights)) or 1.0
    field = pygame.Surface((D, D), pygame.SRCALPHA)
    pos = 0.0
    vertical = spec.get("direction") == "vertical"
    for c, w in zip(bands, weights):
        size = D * w / total
        rect = pygame.Rect(int(pos), 0, int(math.ceil(size)) + 1, D) if vertical else pygame.Rect(0, int(pos), D, int(math.ceil(size)) + 1)
        field.fill(c, rect)
        pos += size
    mask = pygame.Surface((D, D), pygame.SRCALPHA)
    pygame.draw.circle(mask, (255, 255, 255, 255), (int(R), int(R)), int(R - ring_w))
    field.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MIN)

    pygame.draw.circle(surf, ring_colour, (int(R), int(R)), int(R))
    surf.blit(field, (0, 0))

    # Centre disc with initials and emblem.
    disc_c = T.hex_colour(spec.get("disc"), (255, 255, 255))
    disc_r = R * 0.62
    pygame.draw.circle(surf, disc_c, (int(R), int(R)), int(disc_r))
    pygame.draw.circle(surf, ring_colour, (int(R), int(R)), int(disc_r), width=max(2, int(D * 0.02)))
    emblem = spec.get("emblem", "none")
    if emblem in EMBLEMS and emblem != "none":
        draw_emblem(surf, emblem, (R, R - disc_r * 0.5), disc_r * 0.28, T.hex_colour(spec.get("emblem_colour"), (0, 0, 0)))
    initials = str(spec.get("initials", "?"))[:3]
    ic = T.hex_colour(spec["initials_colour"]) if spec.get("initials_colour") else T.text_on(disc_c)
    size = int(disc_r * (0.78 if len(initials) <= 2 else 0.62))
    fnt = T.font(size, bold=True)
    img = fnt.render(initials, True, ic)
    if img.get_width() > disc_r * 1.7:
        img = pygame.transform.smoothscale(img, (int(disc_r * 1.7), int(img.get_height() * disc_r * 1.7 / img.get_width())))
    surf.blit(img, img.get_rect(center=(R, R + disc_r * 0.22)))

    out = pygame.transform.smoothscale(surf, (diameter, diameter))
    if greyed:
        out = pygame.transform.grayscale(out)
    try:
        out = out.convert_alpha()
    except pygame.error:  # rendered before a window exists
        pass
    return out


def badge(portrait: str | None, name: str, colour, diameter: int, greyed: bool = False) -> pygame.Surface:
    """A cached badge surface of the given pixel diameter."""
    return _render(str(portrait or ""), str(name), tuple(int(c) for c in colour[:3]), int(diameter), bool(greyed))
