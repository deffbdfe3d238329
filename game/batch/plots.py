"""Batch plots as PNG (matplotlib, Agg backend): fan charts, outcome bars, sweep curves."""

from __future__ import annotations

import math
from pathlib import Path

from game.files import atomic_path


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    _plt().close(fig)


def _grid(n: int) -> tuple[int, int]:
    cols = min(4, max(1, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


def fan_chart(per_turn: dict, title: str, path: Path, ylim=None) -> None:
    """Median with 50% and 90% bands per turn, one panel per series."""
    plt = _plt()
    names = list(per_turn)
    if not names:
        return
    rows, cols = _grid(len(names))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False, sharex=True)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names):
        q = per_turn[name]
        t = list(range(len(q["q50"])))
        ax.fill_between(t, q["q05"], q["q95"], color="#56b4e9", alpha=0.35, linewidth=0, label="90%")
        ax.fill_between(t, q["q25"], q["q75"], color="#0072b2", alpha=0.45, linewidth=0, label="50%")
        ax.plot(t, q["q50"], color="#000000", linewidth=1.2, label="median")
        ax.set_title(name.replace(".", " – "), fontsize=9)
        if ylim:
            ax.set_ylim(*ylim)
        ax.tick_params(labelsize=7)
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    fig.supxlabel("turn", fontsize=8)
    fig.tight_layout()
    _save(fig, path)


def outcome_bars(points: list[dict], path: Path, title: str) -> None:
    """Probability of each event outcome with its 95% interval (grouped by point for sweeps)."""
    plt = _plt()
    labels = [f"{e['label']}" for e in points[0]["events"]]
    if not labels:
        return
    n = len(points)
    height = 0.8 / n
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.35 * len(labels) * max(1, n * 0.6)))
    for k, p in enumerate(points):
        ys = [i + (k - (n - 1) / 2) * height for i in range(len(labels))]
        ps = [e["p"] for e in p["events"]]
        err = [[e["p"] - e["low"] for e in p["events"]], [e["high"] - e["p"] for e in p["events"]]]
        ax.barh(ys, ps, height=height * 0.9, xerr=err, capsize=2, label=p["label"] if n > 1 else None)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (bars: 95% Wilson interval)", fontsize=8)
    ax.set_title(title, fontsize=10)
    if n > 1:
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    _save(fig, path)


def sweep_curves(points: list[dict], sweeps: list[dict], path: Path, title: str) -> None:
    """Outcome probability against each swept value (pooled over the other swept paths)."""
    from game.batch.stats import wilson

    plt = _plt()
    outcomes = [(e["outcome"], e["label"]) for e in points[0]["events"]]
    if not outcomes:
        return
    fig, axes = plt.subplots(1, len(sweeps), figsize=(max(9.0, 5.0 * len(sweeps) + 3.0), 4.2), squeeze=False)
    for ax, sw in zip(axes.flat, sweeps):
        xs = sw["values"]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in xs)
        pos = xs if numeric else list(range(len(xs)))
        for k, (oid, label) in enumerate(outcomes):
            ps, lo, hi = [], [], []
            for v in xs:
                kk = nn = 0
                for p in points:
                    if p["values"].get(sw["path"]) == v:
                        e = p["events"][k]
                        kk += e["count"]
                        nn += p["runs"]
                ps.append(kk / nn if nn else math.nan)
                a, b = wilson(kk, nn)
                lo.append(a)
                hi.append(b)
            line = ax.plot(pos, ps, marker="o", markersize=3, linewidth=1.2, label=label)[0]
            ax.fill_between(pos, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
        if not numeric:
            ax.set_xticks(pos, [str(v) for v in xs])
        ax.set_xlabel(sw["path"], fontsize=8)
        ax.set_ylabel("probability", fontsize=8)
        ax.set_ylim(0, 1)
        ax.tick_params(labelsize=7)
    axes.flat[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.suptitle(title, fontsize=10, wrap=True)
    fig.tight_layout()
    _save(fig, path)


def write_plots(out: Path, summary: dict) -> list[Path]:
    pts = summary["points"]
    title = summary["scenario"]["title"]
    written = []
    for p in pts:
        suffix = "" if len(pts) == 1 else f"-p{p['index']}"
        label = "" if len(pts) == 1 else f" ({p['label']})"
        f1 = out / f"fan-relations{suffix}.png"
        fan_chart(p["per_turn"]["relations"], f"Relations over turns{label}: median, 50% and 90% bands", f1, ylim=(-1, 1))
        f2 = out / f"fan-factors{suffix}.png"
        fan_chart(p["per_turn"]["factors"], f"Factors over turns{label}: median, 50% and 90% bands", f2)
        written += [f1, f2]
    f3 = out / "outcomes.png"
    outcome_bars(pts, f3, f"{title}: outcome probabilities")
    written.append(f3)
    if summary.get("sweeps"):
        f4 = out / "sweep.png"
        sweep_curves(pts, summary["sweeps"], f4, f"{title}: outcomes against swept values")
        written.append(f4)
    return [p for p in written if p.exists()]
