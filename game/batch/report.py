"""Batch summaries as text: the table printed at the end of a run, and summary.md."""

from __future__ import annotations

import math


def _pct(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{100 * x:.1f}%"


def _cell(s: dict | None) -> str:
    if s is None:
        return "—"
    return f"{_pct(s['p'])} [{_pct(s['low'])}, {_pct(s['high'])}]"


def _num(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, float) and math.isnan(x):
        return "—"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.3e}"


def outcome_rows(point: dict, actor_names: dict | None = None, top_splits: int = 5) -> list[tuple[str, str, dict]]:
    """(section, row label, share) for every outcome of a point summary, in display order."""
    rows = []
    for e in point["events"]:
        rows.append((f"Event: {e['event']}" if e["event"] else "Events", f"{e['label']} ({e['outcome']})", e))
    for c in point["closest"]:
        rows.append(("Closest partner at the end", f"{c['actor']} → {c['partner']}", c))
    for b in point["same_bloc"]:
        rows.append(("Same bloc at the end", f"{b['a']} & {b['b']}", b))
    for s in point["bloc_splits"][:top_splits]:
        rows.append(("Bloc split", s["split"], s))
    return rows


def outcome_table(points: list[dict], headers: list[str], markdown: bool = False, top_splits: int = 5) -> str:
    """One row per outcome, one column per point (a sweep value or a scenario)."""
    keyed: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], list] = {}
    for k, p in enumerate(points):
        for section, label, s in outcome_rows(p, top_splits=top_splits):
            key = (section, label)
            if key not in cells:
                keyed.append(key)
                cells[key] = [None] * len(points)
            cells[key][k] = s
    # Keep sections together, in order of first appearance.
    sections: list[str] = []
    for sec, _ in keyed:
        if sec not in sections:
            sections.append(sec)
    ordered = [key for sec in sections for key in keyed if key[0] == sec]
    if markdown:
        lines = ["| outcome | " + " | ".join(headers) + " |", "| --- |" + " --- |" * len(headers)]
        last = None
        for sec, label in ordered:
            if sec != last:
                lines.append(f"| **{sec}** |" + " |" * len(headers))
                last = sec
            lines.append(f"| {label} | " + " | ".join(_cell(c) for c in cells[(sec, label)]) + " |")
        return "\n".join(lines)
    label_w = max([len("  " + lab) for _, lab in ordered] + [len(s) for s in sections] + [7])
    col_w = [max(len(h), 23) for h in headers]
    lines = ["Outcome".ljust(label_w) + "  " + "  ".join(h.rjust(w) for h, w in zip(headers, col_w))]
    lines.append("-" * len(lines[0]))
    last = None
    for sec, label in ordered:
        if sec != last:
            lines.append(sec)
            last = sec
        lines.append(("  " + label).ljust(label_w) + "  " + "  ".join(_cell(c).rjust(w) for c, w in zip(cells[(sec, label)], col_w)))
    return "\n".join(lines)


def stats_table(rows: list[tuple[str, dict]], markdown: bool = False) -> str:
    keys = ["mean", "std", "q05", "q25", "q50", "q75", "q95"]
    heads = ["mean", "sd", "5%", "25%", "median", "75%", "95%"]
    if markdown:
        out = ["| | " + " | ".join(heads) + " |", "| --- |" + " ---: |" * len(heads)]
        out += [f"| {name} | " + " | ".join(_num(st.get(k)) for k in keys) + " |" for name, st in rows]
        return "\n".join(out)
    w = max([len(n) for n, _ in rows] + [4])
    out = [" " * w + "  " + "  ".join(h.rjust(9) for h in heads)]
    out += [name.ljust(w) + "  " + "  ".join(_num(st.get(k)).rjust(9) for k in keys) for name, st in rows]
    return "\n".join(out)


def point_stats(point: dict) -> dict[str, list[tuple[str, dict]]]:
    return {
        "Factors at the end": [(f"{f['label']} ({f['id']})", f) for f in point["factors"]],
        "Relations at the end": [(f"{r['a']}–{r['b']}", r) for r in point["relations"]],
        "Scores (payoff totals)": [(s["actor"], s) for s in point["scores"]],
        "Times each move was chosen": [(m["id"], m) for m in point["moves"]],
    }


def _effect(x) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.2f} sd"


def drivers_lines(point: dict, top: int = 3) -> list[str]:
    """One line per event outcome: the final factors that differ most where it happened."""
    out = []
    for d in point.get("drivers", []):
        picks = [f for f in d["factors"] if f["effect"] is not None][:top]
        if picks:
            out.append(f"  {d['label']}: " + ", ".join(f"{f['id']} {_effect(f['effect'])}" for f in picks))
    return out


def drivers_markdown(point: dict, top: int = 5) -> str:
    lines = ["| outcome | factor | mean where it happened | mean where it did not | effect |", "| --- | --- | ---: | ---: | ---: |"]
    for d in point.get("drivers", []):
        for f in [f for f in d["factors"] if f["effect"] is not None][:top]:
            lines.append(f"| {d['label']} | {f['id']} | {_num(f['with'])} | {_num(f['without'])} | {_effect(f['effect'])} |")
    return "\n".join(lines)


def headline(summary: dict) -> str:
    sc = summary["scenario"]
    sweeps = summary.get("sweeps") or []
    text = f"{sc['title']} ({sc['id']}): {summary['runs']:,} runs per point, seed {summary['seed']}"
    if sweeps:
        text += f", {len(summary['points'])} points: " + "; ".join(f"{s['path']} in {s['values']}" for s in sweeps)
    if summary.get("sets"):
        text += "; with " + ", ".join(summary["sets"])
    return text


def short_labels(summary: dict) -> list[str]:
    """Column headers for sweep points: the shortest path endings that tell the sweeps apart."""
    pts = summary["points"]
    paths = [s["path"] for s in summary.get("sweeps") or []]
    if not paths:
        return [p["label"] for p in pts]
    depth = 1
    while depth < max(len(p.split(".")) for p in paths):
        ends = [".".join(p.split(".")[-depth:]) for p in paths]
        if len(set(ends)) == len(ends):
            break
        depth += 1
    short = {p: ".".join(p.split(".")[-depth:]) for p in paths}
    from game.batch.overrides import format_value

    return [", ".join(f"{short[k]}={format_value(v)}" for k, v in p["values"].items()) for p in pts]


def console(summary: dict, full: bool = False) -> str:
    pts = summary["points"]
    headers = ["p [95% CI]"] if len(pts) == 1 else short_labels(summary)
    parts = [headline(summary), "", outcome_table(pts, headers)]
    if len(pts) == 1 or full:
        for p in pts:
            groups = point_stats(p)
            title = "" if len(pts) == 1 else f" — {p['label']}"
            for name in ("Factors at the end", "Relations at the end", "Scores (payoff totals)"):
                parts += ["", name + title, stats_table(groups[name])]
            lines = drivers_lines(p)
            if lines:
                parts += ["", f"What goes with each outcome (final factors, difference in standard deviations){title}", *lines]
    return "\n".join(parts)


def markdown(summary: dict) -> str:
    pts = summary["points"]
    sc = summary["scenario"]
    out = [f"# Batch summary: {sc['title']}", "", headline(summary), ""]
    out += [
        f"- scenario file: `{sc['file']}` (sha256 `{sc['sha256'][:16]}…`)",
        f"- program version: {summary['version']}",
        f"- reproduce: `{summary['command']}`",
        "",
        "Probabilities with 95% Wilson intervals.",
        "",
        "## Outcomes",
        "",
        outcome_table(pts, ["p [95% CI]"] if len(pts) == 1 else short_labels(summary), markdown=True, top_splits=10),
    ]
    for p in pts:
        out += ["", f"## Figures{'' if len(pts) == 1 else ' — ' + p['label']}", ""]
        for name, rows in point_stats(p).items():
            out += [f"### {name}", "", stats_table(rows, markdown=True), ""]
        if p.get("drivers"):
            out += [
                "### What goes with each outcome",
                "",
                "Final factors in the worlds where the outcome happened against the others; effect = difference of the "
                "means in standard deviations (an association, not proof of cause).",
                "",
                drivers_markdown(p),
                "",
            ]
    return "\n".join(out).rstrip() + "\n"
