"""Charts drawn with pygame (fast enough to redraw every frame, sharp at any scale)."""

from __future__ import annotations

import math

import numpy as np
import pygame

from game.ui import draw as D
from game.ui import theme as T


def line_chart(surf, rect: pygame.Rect, lines, y_min: float, y_max: float, n_points: int, L,
               y_ticks=(), x_label: str = "turn", label_w: int = 120, start_turn: int = 0):
    """lines: list of (label, colour, values, dashed). Values beyond the data are not drawn.

    End-of-line labels are placed at the right and nudged apart so they never overlap.
    """
    fnt = L.font(14)
    fnt_b = L.font(13 if label_w < 120 else 14, True)
    plot = pygame.Rect(rect.x + L.n(40), rect.y + L.n(8), rect.w - L.n(40) - L.n(label_w), rect.h - L.n(8) - L.n(26))
    if plot.w < 20 or plot.h < 20:
        return
    pygame.draw.rect(surf, T.PANEL_ALT, plot)
    span = (y_max - y_min) or 1.0

    def ypix(v):
        return plot.bottom - (float(v) - y_min) / span * plot.h

    n = max(2, int(n_points))

    def xpix(k):
        return plot.x + k / (n - 1) * plot.w

    for v, lab in y_ticks:
        y = ypix(v)
        pygame.draw.line(surf, T.GRID if v != 0 else T.BORDER, (plot.x, y), (plot.right, y), L.n(2) if v == 0 else 1)
        D.text(surf, lab, fnt, T.MUTED, (plot.x - L.n(5), y), "midright")
    # x ticks: about 6 of them
    step = max(1, int(math.ceil((n - 1) / 6)))
    for k in range(0, n, step):
        x = xpix(k)
        pygame.draw.line(surf, T.GRID, (x, plot.y), (x, plot.bottom), 1)
        D.text(surf, str(start_turn + k), fnt, T.MUTED, (x, plot.bottom + L.n(3)), "midtop")
    D.text(surf, x_label, fnt, T.MUTED, (plot.right, plot.bottom + L.n(3)), "topright")
    pygame.draw.rect(surf, T.BORDER, plot, 1)

    ends = []
    for label, colour, values, dashed in lines:
        vals = np.asarray(values, dtype=float)
        if vals.size == 0:
            continue
        pts = [(xpix(k), ypix(np.clip(v, y_min, y_max))) for k, v in enumerate(vals[:n]) if np.isfinite(v)]
        width = L.n(3)
        if len(pts) >= 2:
            if dashed:
                for a, b in zip(pts[:-1], pts[1:]):
                    D.dashed_line(surf, colour, a, b, width, dash=L.n(7), gap=L.n(5))
            else:
                pygame.draw.lines(surf, colour, False, pts, width)
        if pts:
            pygame.draw.circle(surf, colour, (int(pts[-1][0]), int(pts[-1][1])), L.n(4))
            ends.append([pts[-1][1], label, colour])
    # labels on the right, de-overlapped
    lh = fnt_b.get_linesize()
    ends.sort(key=lambda e: e[0])
    for i in range(1, len(ends)):
        if ends[i][0] - ends[i - 1][0] < lh:
            ends[i][0] = ends[i - 1][0] + lh
    overflow = (ends[-1][0] + lh / 2 - rect.bottom) if ends else 0
    if overflow > 0:
        for e in ends:
            e[0] -= overflow
    for y, label, colour in ends:
        D.text(surf, label, fnt_b, colour, (plot.right + L.n(6), y), "midleft", max_width=L.n(label_w - 8))


def strip(surf, rect: pygame.Rect, values, marker: float | None, colour, L, bins: int = 24):
    """A histogram of `values` with a marker line for this class's value."""
    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    pygame.draw.rect(surf, T.PANEL_ALT, rect)
    pygame.draw.rect(surf, T.BORDER, rect, 1)
    if vals.size == 0:
        return None
    lo, hi = float(vals.min()), float(vals.max())
    if marker is not None and np.isfinite(marker):
        lo, hi = min(lo, marker), max(hi, marker)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    counts, edges = np.histogram(vals, bins=bins, range=(lo, hi))
    top = counts.max() or 1
    bw = rect.w / bins
    for k, c in enumerate(counts):
        h = (rect.h - L.n(4)) * c / top
        pygame.draw.rect(surf, colour, pygame.Rect(int(rect.x + k * bw + 1), int(rect.bottom - h), max(1, int(bw - 2)), int(h)))
    share = None
    if marker is not None and np.isfinite(marker):
        x = rect.x + (marker - lo) / (hi - lo) * rect.w
        pygame.draw.line(surf, T.TEXT, (x, rect.y - L.n(4)), (x, rect.bottom + L.n(4)), L.n(4))
        share = float((vals < marker).mean() + 0.5 * (vals == marker).mean())
    return share


def relation_lines(session, rel) -> list[tuple]:
    """One chart line per pair of leaders from relations [turns, A, A]:
    (label, colour, values, dashed) with colour-blind-safe colours, dashed once they repeat."""
    ids = session.actor_ids
    lines, k = [], 0
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if rel.ndim == 3 and rel.shape[1] > j:
                label = f"{session.short_name(ids[i])}–{session.short_name(ids[j])}"
                lines.append((label, T.OKABE_ITO[k % len(T.OKABE_ITO)], rel[:, i, j], k >= len(T.OKABE_ITO)))
            k += 1
    return lines
