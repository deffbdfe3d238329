"""Sensitivity indices of a design batch, computed with SALib from its points.csv.

    sobol design   first-order (S1) and total (ST) Sobol' indices, bootstrap 95% intervals
    morris design  mu* (mean absolute elementary effect) with its interval, and sigma
    lhs or grid    delta (moment-independent) and S1, bootstrap 95% intervals

The output of a point is what its worlds give: the probability of every outcome and the
mean of any chosen final number, each estimated from `runs` worlds that every point shares
(common random numbers). What the worlds' own chance adds to the output stays in the indices
as noise: more runs per point shrink it.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from game.batch.results import Batch
from game.batch.runner import BatchError
from game.files import atomic_path, write_atomic

METHOD = {"sobol": "sobol", "morris": "morris", "lhs": "delta", "grid": "delta"}
INDICES = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
    "delta": ("delta", "delta_conf", "S1", "S1_conf"),
}
RANK_BY = {"sobol": "ST", "morris": "mu_star", "delta": "delta"}


def outputs(batch: Batch, columns: list[str] = ()) -> list[str]:
    """The points.csv columns analysed: every outcome probability, then the chosen numbers' means."""
    table = batch.points
    out = [c for c in table.columns if c.startswith("p.")]
    for c in columns:
        name = c if c.startswith(("mean.", "p.")) else f"mean.{c}"
        if name not in table.columns:
            known = [x.removeprefix("mean.") for x in table.columns if x.startswith("mean.")]
            import difflib

            hint = difflib.get_close_matches(c.removeprefix("mean."), known, n=1)
            raise BatchError(f"--column {c}: no such number" + (f"; did you mean '{hint[0]}'?" if hint else "")
                             + f" (numbers: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})")
        out.append(name)
    return out


def analyse(batch: Batch, columns: list[str] = (), resamples: int = 1000, seed: int | None = None):
    """A DataFrame with one row per (output, input): the method's indices and their intervals."""
    import pandas as pd

    if batch.design is None:
        raise BatchError(f"{batch.path}: not a design batch; run one with --vary PATH=LOW:HIGH ... --design sobol:N (or morris:N, lhs:N)")
    method = METHOD[batch.design.kind]
    problem = batch.problem
    x = batch.x
    table = batch.points
    if len(table) != len(x):
        raise BatchError(f"{batch.path}: points.csv has {len(table)} rows; the design has {len(x)} points")
    got = table[batch.inputs].to_numpy(dtype=float)
    if not np.allclose(got, x, rtol=1e-12, atol=0):
        raise BatchError(f"{batch.path}: points.csv does not hold the design's inputs")
    seed = int(batch.manifest["seed"]) % 2**32 if seed is None else seed
    rows = []
    for name in outputs(batch, columns):
        y = table[name].to_numpy(dtype=float)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            rows += [{"output": name, "input": v, "method": method, "constant": True} for v in problem["names"]]
            continue
        res = _indices(method, problem, x, y, resamples, seed, batch.design)
        for k, v in enumerate(problem["names"]):
            rows.append({"output": name, "input": v, "method": method, "constant": False,
                         **{key: float(np.asarray(res[key])[k]) for key in INDICES[method]}})
    return pd.DataFrame(rows)


def _indices(method: str, problem: dict, x: np.ndarray, y: np.ndarray, resamples: int, seed: int, design) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "sobol":
            from SALib.analyze import sobol

            return sobol.analyze(problem, y, calc_second_order=False, num_resamples=resamples, conf_level=0.95, seed=seed)
        if method == "morris":
            from SALib.analyze import morris

            from game.batch.designs import MORRIS_LEVELS

            return morris.analyze(problem, x, y, num_resamples=resamples, conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed)
        from SALib.analyze import delta

        return delta.analyze(problem, x, y, num_resamples=min(resamples, 200), conf_level=0.95, seed=seed)


def _label(name: str, summary: dict) -> str:
    """A readable name for an output column."""
    parts = name.split(".")
    if parts[:2] == ["p", "outcome"]:
        labels = {e["outcome"]: e["label"] for e in summary["points"][0]["events"]}
        return f"P({labels.get(parts[2], parts[2])})"
    if parts[:2] == ["p", "closest"]:
        return f"P({parts[2]}'s closest partner is {parts[3]})"
    if parts[:2] == ["p", "same_bloc"]:
        return f"P({parts[2]} and {parts[3]} in one bloc)"
    return "mean " + ".".join(parts[1:])


def ranked(df, top: int | None = None):
    """Outputs in order of how much the inputs explain (the largest index first); inputs ranked within each."""
    live = df[~df["constant"]]
    if live.empty:
        return live
    key = RANK_BY[live["method"].iloc[0]]
    order = live.groupby("output")[key].max().sort_values(ascending=False).index.tolist()
    if top:
        order = order[:top]
    rank = {o: i for i, o in enumerate(order)}
    live = live[live["output"].isin(rank)].assign(_rank=live["output"].map(rank))
    return live.sort_values(["_rank", key], ascending=[True, False]).drop(columns="_rank").reset_index(drop=True)


def _fmt(v: float) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"


def markdown(batch: Batch, df) -> str:
    from game.batch.report import md, md_code

    s = batch.summary
    method = df["method"].iloc[0]
    head = {
        "sobol": "| output | input | S1 (first order) | ST (total) |",
        "morris": "| output | input | μ* | σ | μ |",
        "delta": "| output | input | δ | S1 |",
    }[method]
    lines = [
        f"# Sensitivity: {md(s['scenario']['title'])}",
        "",
        f"Design {batch.design.text} over {len(batch.varies)} inputs ({s.get('design_points') or len(batch.points):,} points × "
        f"{s['runs']:,} runs, seed {s['seed']}); indices from SALib ({method}) with 95% bootstrap intervals (±).",
        "Each point's output is estimated from its worlds (the same worlds at every point); their own chance stays in the "
        "indices as noise, which more runs per point reduce.",
        "",
        "Inputs: " + "; ".join(f"{md_code(v.path)} in [{v.low:g}, {v.high:g}]" for v in batch.varies),
        "",
        head,
        "| --- | --- |" + " ---: |" * (head.count("|") - 3),
    ]
    for _, r in ranked(df).iterrows():
        label = md(_label(r["output"], s))
        if method == "sobol":
            cells = [f"{_fmt(r['S1'])} ± {_fmt(r['S1_conf'])}", f"{_fmt(r['ST'])} ± {_fmt(r['ST_conf'])}"]
        elif method == "morris":
            cells = [f"{_fmt(r['mu_star'])} ± {_fmt(r['mu_star_conf'])}", _fmt(r["sigma"]), _fmt(r["mu"])]
        else:
            cells = [f"{_fmt(r['delta'])} ± {_fmt(r['delta_conf'])}", f"{_fmt(r['S1'])} ± {_fmt(r['S1_conf'])}"]
        lines.append(f"| {label} | {md_code(r['input'])} | " + " | ".join(cells) + " |")
    constant = sorted(set(df[df["constant"]]["output"]))
    if constant:
        lines += ["", "Outputs that no input changed (the same at every point): " + ", ".join(md(_label(c, s)) for c in constant) + "."]
    return "\n".join(lines) + "\n"


def short_paths(paths: list[str]) -> list[str]:
    """The shortest endings (two parts at least) of the paths that still tell them apart (for axis labels)."""
    depth = 2
    while depth < max(len(p.split(".")) for p in paths):
        ends = [".".join(p.split(".")[-depth:]) for p in paths]
        if len(set(ends)) == len(ends):
            return ends
        depth += 1
    return list(paths)


def plot(batch: Batch, df, path: Path, top: int = 6) -> None:
    """Tornado-style bars: for the outputs the inputs explain most, each input's indices with intervals."""
    from game.batch.plots import _frame, _plt, caption

    plt = _plt()
    live = ranked(df, top)
    if live.empty:
        return
    method = live["method"].iloc[0]
    outs = list(dict.fromkeys(live["output"]))
    names = batch.problem["names"]
    rows = len(outs)  # one panel per output, stacked: every panel has room for the input names
    fig, axes = plt.subplots(rows, 1, figsize=(9.5, (0.3 * len(names) + 0.9) * rows + 1.4), squeeze=False)
    _frame(fig, top=1.1, bottom=0.5, left=2.6, right=0.3, hspace=0.6)
    short = dict(zip(names, short_paths(names)))
    for ax in axes.flat[len(outs):]:
        ax.set_visible(False)
    keys = {"sobol": [("S1", "S1_conf", "first order S1", "#0072b2"), ("ST", "ST_conf", "total ST", "#e69f00")],
            "morris": [("mu_star", "mu_star_conf", "μ*", "#0072b2")],
            "delta": [("delta", "delta_conf", "δ", "#0072b2"), ("S1", "S1_conf", "S1", "#e69f00")]}[method]
    for ax, out in zip(axes.flat, outs):
        g = live[live["output"] == out].iloc[::-1]  # largest at the top
        ys = np.arange(len(g))
        h = 0.8 / len(keys)
        for j, (k, conf, label, colour) in enumerate(keys):
            ax.barh(ys + (j - (len(keys) - 1) / 2) * h, g[k], height=h * 0.9, xerr=g[conf], capsize=2, color=colour, label=label)
        if method == "morris":
            ax.plot(g["sigma"], ys, "k|", markersize=10, label="σ")
        ax.set_yticks(ys, [short[i] for i in g["input"]], fontsize=7)
        ax.set_title(_label(out, batch.summary), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.axvline(0, color="#888888", linewidth=0.6)
    axes.flat[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Sensitivity ({method}, 95% bootstrap intervals) of the {len(outs)} outputs the inputs move most\n"
                 f"{caption(batch.summary)}", fontsize=10)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def write(batch: Batch, df, prefix: str = "sensitivity") -> list[Path]:
    """sensitivity.csv, .md and .png in the batch directory."""
    out = batch.path
    files = [out / f"{prefix}.csv", out / f"{prefix}.md", out / f"{prefix}.png"]
    write_atomic(files[0], df.to_csv(index=False))
    write_atomic(files[1], markdown(batch, df))
    plot(batch, df, files[2])
    return [f for f in files if f.exists()]
