"""Scenario discovery: the ranges of a batch's inputs where an outcome is likely.

PRIM (the Patient Rule Induction Method) from the EMA Workbench peels the input space
box by box towards the points where the outcome is most frequent; its peeling trajectory
trades coverage (the share of all the outcome's worlds that fall in the box) against
density (the outcome's probability inside the box). A CART regression tree (scikit-learn's,
as the EMA Workbench's CART uses) cross-checks the result: its best leaves should restrict
the same inputs.

The outcome is an expression over the columns of runs.csv, evaluated for every world,
e.g. `closest.kim == 'trump'` or `relation.kim.trump > relation.kim.putin`. Each point's
value is the share of its worlds where it holds (every point has the same worlds), so a
box's density is the outcome's probability given the inputs in the box.
"""

from __future__ import annotations

import ast
import difflib
import operator
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from game.batch.results import Batch
from game.batch.runner import BatchError
from game.files import atomic_path, write_atomic

_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class ExpressionError(BatchError):
    """An --outcome expression that cannot be evaluated (the message says why)."""


def _column(node: ast.AST) -> str | None:
    """`closest.kim` written as Python attributes -> the column name 'closest.kim'."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id] + parts[::-1])
    return None


def evaluate(expr: str, table) -> np.ndarray:
    """A boolean array: the expression for every row of `table` (columns, numbers, quoted text,
    comparisons, + - * /, and, or, not). Raises ExpressionError with a plain message."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"--outcome {expr!r}: not an expression ({e.msg}); e.g. \"closest.kim == 'trump'\"") from None
    columns = list(table.columns)

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.BoolOp):
            vals = [np.asarray(ev(v), dtype=bool) for v in node.values]
            out = vals[0]
            for v in vals[1:]:
                out = (out & v) if isinstance(node.op, ast.And) else (out | v)
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~np.asarray(ev(node.operand), dtype=bool)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.Compare):
            left, out = ev(node.left), None
            for op, right_node in zip(node.ops, node.comparators):
                if type(op) not in _COMPARE:
                    raise ExpressionError(f"--outcome {expr!r}: use ==, !=, <, <=, > or >=")
                right = ev(right_node)
                res = np.asarray(_COMPARE[type(op)](left, right), dtype=bool)
                out = res if out is None else out & res
                left = right
            return out
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
            return _ARITH[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) and not isinstance(node.value, bool):
            return node.value
        name = _column(node)
        if name is not None:
            if name in columns:
                return table[name].to_numpy()
            hint = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
            msg = f"--outcome {expr!r}: no column '{name}'"
            if hint:
                msg += f"; did you mean '{hint[0]}'?"
            elif "." not in name:
                msg += f" (to compare with the text, quote it: '{name}')"
            raise ExpressionError(msg + " (columns are those of runs.csv, e.g. closest.kim, relation.kim.trump, outcome.x)")
        raise ExpressionError(f"--outcome {expr!r}: only columns, numbers, quoted text, comparisons, + - * /, and, or, not")

    try:
        out = np.asarray(ev(tree))
    except TypeError as e:
        raise ExpressionError(f"--outcome {expr!r}: the values cannot be compared ({e})") from None
    if out.dtype != bool or out.shape != (len(table),):
        raise ExpressionError(f"--outcome {expr!r}: gives numbers, not true or false; compare it (e.g. ... > 0)")
    return out


@dataclass
class Discovery:
    outcome: str
    base_rate: float  # the outcome's probability over every point
    inputs: list[str]
    trajectory: object  # DataFrame: box, coverage, density, mass, restricted, points
    chosen: int  # the box reported
    limits: list[dict]  # the chosen box: input, low, high (restricted inputs only)
    cart: list[dict]  # CART leaves with the highest density: coverage, density, mass, limits
    runs: int
    points: int


def _box_stats(x, p: np.ndarray, lims) -> dict:
    """Coverage, density and mass of a box (limits as EMA's DataFrame: rows 0 = low, 1 = high)."""
    inside = np.ones(len(x), dtype=bool)
    for c in x.columns:
        inside &= (x[c].to_numpy() >= lims[c].iloc[0]) & (x[c].to_numpy() <= lims[c].iloc[1])
    total = p.sum()
    return {"coverage": float(p[inside].sum() / total) if total else 0.0,
            "density": float(p[inside].mean()) if inside.any() else 0.0,
            "mass": float(inside.mean()), "points": int(inside.sum())}


def _restricted(lims, full) -> list[dict]:
    out = []
    for c in lims.columns:
        lo, hi = float(lims[c].iloc[0]), float(lims[c].iloc[1])
        if lo > float(full[c].iloc[0]) or hi < float(full[c].iloc[1]):
            out.append({"input": c, "low": lo, "high": hi, "full_low": float(full[c].iloc[0]), "full_high": float(full[c].iloc[1])})
    return out


def cart_boxes(x, p: np.ndarray, mass_min: float) -> list:
    """The leaves of a CART regression tree of p on x (scikit-learn, as the EMA Workbench's CART),
    as box limits: DataFrames with a low (row 0) and a high (row 1) per input."""
    import pandas as pd
    from sklearn.tree import DecisionTreeRegressor

    clf = DecisionTreeRegressor(min_samples_leaf=max(1, int(mass_min * len(x))), random_state=0).fit(x.to_numpy(), p)
    t = clf.tree_
    start = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    out, stack = [], [(0, start)]
    while stack:
        node, lims = stack.pop()
        if t.children_left[node] == -1:
            out.append(pd.DataFrame({c: [lo, hi] for c, (lo, hi) in lims.items()}))
            continue
        name, thr = x.columns[t.feature[node]], float(t.threshold[node])
        lo, hi = lims[name]
        stack.append((t.children_right[node], {**lims, name: (max(lo, thr), hi)}))  # x > threshold
        stack.append((t.children_left[node], {**lims, name: (lo, min(hi, thr))}))  # x <= threshold
    return out


def discover(batch: Batch, outcome: str, min_coverage: float = 0.5, peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """PRIM over the batch's inputs for the outcome; CART as a cross-check."""
    import logging

    import pandas as pd

    if not batch.inputs:
        raise BatchError(f"{batch.path}: this batch varies nothing; discovery needs a design (--vary ... --design) or a sweep")
    if not 0 < min_coverage <= 1:
        raise BatchError(f"--min-coverage must be above 0 and at most 1 (got {min_coverage})")
    runs = batch.runs
    hit = evaluate(outcome, runs)
    point = runs["point"].to_numpy() if "point" in runs.columns else np.zeros(len(runs), dtype=int)
    n_points = int(point.max()) + 1
    counts = np.bincount(point, weights=hit.astype(float), minlength=n_points)
    per = np.bincount(point, minlength=n_points)
    p = counts / per
    if counts.sum() == 0:
        raise BatchError(f"--outcome {outcome!r} never holds in this batch; there is nothing to discover")
    table = batch.points
    x = pd.DataFrame({c.removeprefix("vary.").removeprefix("sweep."): table[c].to_numpy(dtype=float) for c in batch.inputs})
    logging.getLogger("EMA").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x, p.copy(), peel_alpha=peel_alpha, mass_min=mass_min).find_box()
        full = box.box_lims[0]
        rows = []
        for i, lims in enumerate(box.box_lims):
            rows.append({"box": i, **_box_stats(x, p, lims), "restricted": len(_restricted(lims, full))})
        traj = pd.DataFrame(rows)
        good = traj[traj["coverage"] >= min_coverage]
        chosen = int(good.sort_values(["density", "coverage"], ascending=False)["box"].iloc[0]) if len(good) else 0
        leaves = []
        for lims in cart_boxes(x, p, mass_min):
            st = _box_stats(x, p, lims)
            leaves.append({**st, "limits": _restricted(lims, full)})
    leaves.sort(key=lambda r: -r["density"])
    return Discovery(outcome, float(counts.sum() / per.sum()), list(x.columns), traj, chosen,
                     _restricted(box.box_lims[chosen], full), leaves[:3], int(per[0]), n_points)


def markdown(batch: Batch, d: Discovery) -> str:
    from game.batch.report import md, md_code

    s = batch.summary
    c = d.trajectory.iloc[d.chosen]
    lines = [
        f"# Scenario discovery: {md(s['scenario']['title'])}",
        "",
        f"Outcome: {md_code(d.outcome)}, true in {100 * d.base_rate:.1f}% of all {d.points * d.runs:,} worlds "
        f"({d.points:,} points × {d.runs:,} runs, seed {s['seed']}).",
        "",
        "PRIM (EMA Workbench) over the inputs " + ", ".join(f"{md_code(i)}" for i in d.inputs) + ". Coverage: the share of "
        "the outcome's worlds inside the box; density: the outcome's probability inside the box; mass: the share of points.",
        "",
        f"## The box (number {d.chosen} of the peeling trajectory: the densest with coverage ≥ the minimum)",
        "",
        f"Coverage {100 * c['coverage']:.1f}%, density {100 * c['density']:.1f}% (against {100 * d.base_rate:.1f}% overall), "
        f"mass {100 * c['mass']:.1f}% ({int(c['points']):,} points).",
        "",
        "| input | low | high | of the range |",
        "| --- | ---: | ---: | --- |",
    ]
    for r in d.limits:
        lines.append(f"| {md_code(r['input'])} | {r['low']:.4g} | {r['high']:.4g} | {r['full_low']:.4g} .. {r['full_high']:.4g} |")
    if not d.limits:
        lines.append("| (no input restricted: the outcome does not depend on where the inputs are) | | | |")
    lines += ["", "## Cross-check: CART (the leaves where the outcome is most likely)", "",
              "| density | coverage | mass | restricts |", "| ---: | ---: | ---: | --- |"]
    for leaf in d.cart:
        what = "; ".join(f"{md_code(r['input'])} {r['low']:.4g}..{r['high']:.4g}" for r in leaf["limits"]) or "nothing"
        lines.append(f"| {100 * leaf['density']:.1f}% | {100 * leaf['coverage']:.1f}% | {100 * leaf['mass']:.1f}% | {what} |")
    prim_inputs = {r["input"] for r in d.limits}
    cart_inputs = {r["input"] for leaf in d.cart[:1] for r in leaf["limits"]}
    agree = sorted(prim_inputs & cart_inputs)
    lines += ["", ("Both methods restrict " + ", ".join(f"{md_code(a)}" for a in agree) + ".") if agree else
              "The two methods restrict different inputs: read the box with care (a weak or noisy relation)."]
    lines += ["", "## Peeling trajectory", "", "| box | coverage | density | mass | restricted inputs |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    for _, r in d.trajectory.iterrows():
        lines.append(f"| {int(r['box'])} | {100 * r['coverage']:.1f}% | {100 * r['density']:.1f}% | {100 * r['mass']:.1f}% | {int(r['restricted'])} |")
    return "\n".join(lines) + "\n"


def plot(batch: Batch, d: Discovery, path: Path) -> None:
    """The peeling trajectory: coverage against density, coloured by the number of restricted inputs."""
    from game.batch.plots import _frame, _plt, caption

    plt = _plt()
    t = d.trajectory
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    _frame(fig, top=0.9, bottom=0.6, left=0.8, right=1.3)
    sc = ax.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=22, zorder=3, vmin=0,
                    vmax=max(1, len(d.inputs)))
    ax.plot(t["coverage"], t["density"], color="#999999", linewidth=0.8, zorder=2)
    c = t.iloc[d.chosen]
    ax.scatter([c["coverage"]], [c["density"]], s=140, facecolors="none", edgecolors="#d55e00", linewidths=1.6, zorder=4,
               label=f"reported box ({c['coverage']:.0%} coverage, {c['density']:.0%} density)")
    ax.axhline(d.base_rate, color="#888888", linestyle=":", linewidth=1, label=f"overall probability {d.base_rate:.1%}")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of the outcome's worlds inside the box)", fontsize=8)
    ax.set_ylabel("density (probability of the outcome inside the box)", fontsize=8)
    bar = fig.colorbar(sc, ax=ax, fraction=0.05, ticks=range(len(d.inputs) + 1))
    bar.set_label("restricted inputs", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    ax.set_title(f"PRIM peeling trajectory for: {d.outcome}\n{caption(batch.summary)}", fontsize=9)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def to_json(d: Discovery) -> dict:
    return {"outcome": d.outcome, "base_rate": d.base_rate, "inputs": d.inputs, "chosen": d.chosen,
            "box": {**{k: float(v) for k, v in d.trajectory.iloc[d.chosen].items()}, "limits": d.limits},
            "trajectory": d.trajectory.to_dict(orient="records"), "cart": d.cart, "points": d.points, "runs": d.runs,
            "method": "PRIM (ema_workbench.analysis.prim), cross-checked with CART (sklearn.tree.DecisionTreeRegressor)"}


def write(batch: Batch, d: Discovery, prefix: str = "discover") -> list[Path]:
    import json

    out = batch.path
    files = [out / f"{prefix}.md", out / f"{prefix}.json", out / f"{prefix}.png"]
    write_atomic(files[0], markdown(batch, d))
    write_atomic(files[1], json.dumps(to_json(d), indent=1) + "\n")
    plot(batch, d, files[2])
    return files
