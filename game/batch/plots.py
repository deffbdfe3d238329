"""Batch plots as PNG (matplotlib, Agg backend): fan charts, outcome bars, sweep curves.

Every figure says what it shows in its title (scenario, runs, seed), names actors and
factors by their labels, gives units on its axes and whole-number turns. Sweeps get one
line per point in a sequential colour map (colours never repeat); a scenario with many
actors gets a heat map and the pairs that move most, never one giant figure.
"""

from __future__ import annotations

import math
from pathlib import Path

from game.files import atomic_path

MAX_PANELS = 12  # pairs shown as small multiples when there are more
RELATION_AXIS = "relation (−1 hostile … +1 close)"


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["text.parse_math"] = False  # titles and labels come from files: '$' is a dollar, never TeX
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    _plt().close(fig)


def _grid(n: int) -> tuple[int, int]:
    cols = min(4, max(1, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


def _frame(fig, top: float = 0.85, bottom: float = 0.55, left: float = 0.6, right: float = 0.15,
           hspace: float = 0.45, wspace: float = 0.3) -> None:
    """Margins in inches (a fixed layout: constrained layout doubles the drawing time)."""
    w, h = fig.get_size_inches()
    fig.subplots_adjust(left=left / w, right=1 - right / w, top=1 - top / h, bottom=bottom / h, hspace=hspace, wspace=wspace)


def _whole_turns(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def caption(summary: dict) -> str:
    """Scenario, runs and seed: the line every figure's title ends with."""
    sc = summary["scenario"]
    n = summary["runs"]
    pts = summary["points"]
    what = f"{n:,} runs, seed {summary['seed']}"
    if summary.get("design"):
        what = f"{summary['design_points']:,} design points × {n:,} runs, seed {summary['seed']}"
    elif len(pts) > 1:
        what = f"{len(pts)} points × {n:,} runs, seed {summary['seed']}"
    return f"{sc['title']} — {what}"


def colours(n: int) -> list:
    """n distinct colours along a sequential map (sweep points are ordered)."""
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.9 * k / max(1, n - 1)) for k in range(n)]


def _names(layout: dict) -> dict[str, str]:
    return dict(zip(layout["actor_ids"], layout["actor_names"]))


def _pair_title(pid: str, names: dict) -> str:
    a, b = pid.split(".")
    return f"{names.get(a, a)} – {names.get(b, b)}"


def fan_chart(series: list[tuple[str, str]], pts: list[dict], kind: str, path: Path, title: str, ylabel: dict,
              labels: list[str], ylim=None) -> None:
    """One panel per series (key, panel title). One point: median with 50% and 90% bands.
    Several points: each point's median, coloured by point, with the first point's 50% band."""
    plt = _plt()
    if not series:
        return
    rows, cols = _grid(len(series))
    fig, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows + 1.2), squeeze=False, sharex=True)
    _frame(fig, top=0.75, bottom=1.0, wspace=0.35)
    for ax in axes.flat[len(series):]:
        ax.set_visible(False)
    cs = colours(len(pts))
    for ax, (key, name) in zip(axes.flat, series):
        for k, p in enumerate(pts):
            q = p["per_turn"][kind][key]
            t = list(range(len(q["q50"])))
            if len(pts) == 1:
                ax.fill_between(t, q["q05"], q["q95"], color="#56b4e9", alpha=0.35, linewidth=0, label="90% of worlds")
                ax.fill_between(t, q["q25"], q["q75"], color="#0072b2", alpha=0.45, linewidth=0, label="50% of worlds")
                ax.plot(t, q["q50"], color="#000000", linewidth=1.2, label="median")
            else:
                if k == 0:
                    ax.fill_between(t, q["q25"], q["q75"], color=cs[0], alpha=0.15, linewidth=0, label=f"50% band, {labels[0]}")
                ax.plot(t, q["q50"], color=cs[k], linewidth=1.1, label=labels[k])
        ax.set_title(name, fontsize=9)
        ax.set_ylabel(ylabel.get(key, ""), fontsize=7)
        if ylim:
            ax.set_ylim(*ylim)
        ax.tick_params(labelsize=7)
        _whole_turns(ax)
    for k in range(len(series)):
        if k + cols >= len(series):  # the lowest panel of its column
            axes.flat[k].set_xlabel("turn (0 = start)", fontsize=7)
    handles, names = axes.flat[0].get_legend_handles_labels()
    if len(pts) <= 12:
        fig.legend(handles, names, fontsize=7, loc="lower center", ncol=min(6, len(names)), frameon=False)
    else:
        _colourbar(fig, axes, labels)
    fig.suptitle(title, fontsize=10)
    _save(fig, path)


def _colourbar(fig, axes, labels: list[str]) -> None:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    n = len(labels)
    sm = ScalarMappable(norm=Normalize(0, 1), cmap=colormaps["viridis"])
    h = fig.get_size_inches()[1]
    cax = fig.add_axes((0.3, 0.45 / h, 0.4, 0.12 / h))
    bar = fig.colorbar(sm, cax=cax, orientation="horizontal")
    ticks = sorted({0, n // 2, n - 1})
    bar.set_ticks([0.9 * t / max(1, n - 1) for t in ticks], labels=[labels[t] for t in ticks], fontsize=7)
    bar.set_label("sweep point", fontsize=7)


def relation_heatmap(p: dict, layout: dict, path: Path, title: str) -> None:
    """Final median relation of every pair, as an actors × actors matrix."""
    import numpy as np

    plt = _plt()
    ids = layout["actor_ids"]
    A = len(ids)
    m = np.full((A, A), np.nan)
    for pid, q in p["per_turn"]["relations"].items():
        a, b = pid.split(".")
        i, j = ids.index(a), ids.index(b)
        m[i, j] = m[j, i] = q["q50"][-1]
    size = max(5.0, 0.32 * A + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    _frame(fig, top=0.7, bottom=1.4, left=1.4, right=0.3)
    im = ax.imshow(m, cmap="RdBu", vmin=-1, vmax=1)
    names = layout["actor_names"]
    ax.set_xticks(range(A), names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(A), names, fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.8, fraction=0.05).set_label("median final " + RELATION_AXIS, fontsize=8)
    ax.set_title(title, fontsize=10)
    _save(fig, path)


def outcome_bars(points: list[dict], path: Path, title: str, labels: list[str]) -> None:
    """Probability of each event outcome with its 95% interval (grouped by point for sweeps)."""
    plt = _plt()
    names = [e["label"] for e in points[0]["events"]]
    if not names:
        return
    n = len(points)
    height = 0.8 / n
    cs = colours(n) if n > 1 else ["#0072b2"]
    fig, ax = plt.subplots(figsize=(8.5 + (1.8 if n > 1 else 0), 1.6 + 0.35 * len(names) * max(1, n * 0.6)))
    _frame(fig, top=0.6, bottom=0.5, left=2.2, right=2.0 if n > 1 else 0.2)
    for k, p in enumerate(points):
        ys = [i + (k - (n - 1) / 2) * height for i in range(len(names))]
        ps = [e["p"] for e in p["events"]]
        err = [[e["p"] - e["low"] for e in p["events"]], [e["high"] - e["p"] for e in p["events"]]]
        ax.barh(ys, ps, height=height * 0.9, xerr=err, capsize=2, color=cs[k], label=labels[k] if n > 1 else None)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (bars: 95% Wilson interval)", fontsize=8)
    ax.set_title(title, fontsize=10)
    if 1 < n <= 12:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    _save(fig, path)


def _pooled(points: list[dict], path_: str, value, pick) -> tuple[int, int]:
    k = n = 0
    for p in points:
        if p["values"].get(path_) == value:
            k += pick(p)["count"]
            n += p["runs"]
    return k, n


def _moving_closest(points: list[dict], names: dict, top: int) -> list[tuple[str, str]]:
    """The actors whose closest partner moves most across the points, with their panel titles."""
    spread = {}
    for c in points[0]["closest"]:
        vals = [next(x["p"] for x in p["closest"] if x["actor"] == c["actor"] and x["partner"] == c["partner"]) for p in points]
        spread[c["actor"]] = max(spread.get(c["actor"], 0.0), max(vals) - min(vals))
    actors = sorted(spread, key=lambda a: -spread[a])[:top]
    return [(a, f"{names.get(a, a)}'s closest partner") for a in actors]


def sweep_curves(summary: dict, layout: dict, path: Path) -> None:
    """Probabilities against each swept value: event outcomes, then the closest partners of the
    actors that move most (pooled over the other swept paths). One column per swept path."""
    from game.batch.stats import wilson

    plt = _plt()
    points, sweeps = summary["points"], summary["sweeps"]
    names = _names(layout)
    colour = dict(zip(layout["actor_ids"], layout.get("actor_colours") or []))
    rows = [("events", "Event outcomes", None)] + [("closest", t, a) for a, t in _moving_closest(points, names, 3)]
    fig, axes = plt.subplots(len(rows), len(sweeps), figsize=(5.2 * len(sweeps) + 3.2, 2.6 * len(rows) + 1.0),
                             squeeze=False)
    _frame(fig, top=0.75, bottom=0.55, right=2.8, wspace=0.25)
    for col, sw in enumerate(sweeps):
        xs = sw["values"]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xs)
        pos = xs if numeric else list(range(len(xs)))
        for row, (kind, rtitle, actor) in enumerate(rows):
            ax = axes[row, col]
            if kind == "events":
                lines = [(e["label"], None, lambda p, o=e["outcome"]: next(x for x in p["events"] if x["outcome"] == o))
                         for e in points[0]["events"]]
            else:
                lines = [(names.get(c["partner"], c["partner"]), colour.get(c["partner"]),
                          lambda p, a=actor, b=c["partner"]: next(x for x in p["closest"] if x["actor"] == a and x["partner"] == b))
                         for c in points[0]["closest"] if c["actor"] == actor]
            for label, c, pick in lines:
                ps, lo, hi = [], [], []
                for v in xs:
                    k, n = _pooled(points, sw["path"], v, pick)
                    ps.append(k / n if n else math.nan)
                    a, b = wilson(k, n)
                    lo.append(a)
                    hi.append(b)
                line = ax.plot(pos, ps, marker="o", markersize=3, linewidth=1.2, label=label, color=c)[0]
                ax.fill_between(pos, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
            if not numeric:
                ax.set_xticks(pos, [str(v) for v in xs])
            ax.set_ylim(0, 1)
            ax.set_ylabel("probability", fontsize=8)
            ax.set_title(rtitle, fontsize=9)
            ax.tick_params(labelsize=7)
            if row == len(rows) - 1:
                ax.set_xlabel(sw["path"], fontsize=8)
            if col == len(sweeps) - 1:
                ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.suptitle(f"Outcomes against the swept values (bands: 95% Wilson intervals)\n{caption(summary)}", fontsize=10)
    _save(fig, path)


def warm() -> None:
    """Import matplotlib ahead of time (in a helper process, or a thread while the workers compute)."""
    _plt()


def _jobs(out: Path, summary: dict, layout: dict) -> list[tuple]:
    """(function, arguments, file) for every figure of a batch, the most expensive first."""
    from game.batch.report import short_labels

    pts = summary["points"]
    cap = caption(summary)
    labels = short_labels(summary) if len(pts) > 1 else [pts[0]["label"]]
    names = _names(layout)
    units = dict(zip(layout["factor_ids"], layout["factor_units"]))
    flabels = dict(zip(layout["factor_ids"], layout["factor_labels"]))
    jobs = []
    pairs = list(pts[0]["per_turn"]["relations"])
    note = ""
    if len(pairs) > MAX_PANELS:
        f = out / "relations.png"
        jobs.append((relation_heatmap, (pts[0], layout, f, f"Median relation at the end{'' if len(pts) == 1 else ' (' + labels[0] + ')'}\n{cap}"), f))
        moved = sorted(pairs, key=lambda k: -abs(pts[0]["per_turn"]["relations"][k]["q50"][-1]
                                                 - pts[0]["per_turn"]["relations"][k]["q50"][0]))
        pairs = moved[:MAX_PANELS]
        note = f" ({MAX_PANELS} of {len(moved)} pairs: the largest change in median)"
    what = "median, 50% and 90% of worlds" if len(pts) == 1 else "median of each point"
    fids = list(pts[0]["per_turn"]["factors"])
    f2 = out / "fan-factors.png"
    jobs.insert(0, (fan_chart, ([(k, flabels.get(k, k)) for k in fids], pts, "factors", f2,
                                f"Factors over the turns: {what}\n{cap}", {k: units.get(k) or "value" for k in fids}, labels), f2))
    f1 = out / "fan-relations.png"
    jobs.append((fan_chart, ([(k, _pair_title(k, names)) for k in pairs], pts, "relations", f1,
                             f"Relations over the turns{note}: {what}\n{cap}", {k: "relation" for k in pairs}, labels, (-1, 1)), f1))
    if summary.get("sweeps"):
        f4 = out / "sweep.png"
        jobs.append((sweep_curves, (summary, layout, f4), f4))
    f3 = out / "outcomes.png"
    jobs.append((outcome_bars, (pts, f3, f"Event outcomes\n{cap}", labels), f3))
    return jobs


def _run(job: tuple) -> None:
    fn, args, _ = job
    fn(*args)


def write_plots(out: Path, summary: dict, layout: dict, helper=None) -> list[Path]:
    """Every figure of a batch; returns the files written. With `helper` (an executor with
    matplotlib imported), every other figure is drawn there, beside this process."""
    jobs = _jobs(out, summary, layout)
    there = [helper.submit(_run, j) for j in jobs[::2]] if helper is not None else []
    for j in (jobs[1::2] if helper is not None else jobs):
        _run(j)
    for f in there:
        f.result()
    return [f for _, _, f in jobs if f.exists()]
