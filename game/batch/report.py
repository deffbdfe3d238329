"""Batch summaries as text: the table printed at the end of a run, and summary.md."""

from __future__ import annotations

import math

from game.safetext import markdown as markdown_text


def percent(x) -> str:
    """A probability as a percentage, with the digits a rare (or near-certain) event needs:
    0.038%, not 0.0%; 99.96%, not 100.0% (two significant digits below 1%)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    p = 100 * x
    if p <= 0 or p >= 100:
        return f"{p:.0f}%"
    if p < 1:
        return f"{p:.2g}%"
    if p > 99.9:
        digits = max(1, -math.floor(math.log10(100 - p)) + 1)
        return f"{p:.{digits}f}%"
    return f"{p:.1f}%"


def _cell(s: dict | None) -> str:
    if s is None:
        return "—"
    return f"{percent(s['p'])} [{percent(s['low'])}, {percent(s['high'])}]"


def md_code(text) -> str:
    """Text as a Markdown code span in a table cell: backslash escapes do not work inside a code span,
    so only the pipe (which GFM tables escape even there) is escaped; backticks become quotes."""
    text = "".join(ch for ch in str(text) if ch.isprintable()).replace("`", "'").replace("|", "\\|")
    return f"`{text}`"


def md(text) -> str:
    """Text for a Markdown table cell (see game.safetext.markdown: text from a file is not trusted)."""
    return markdown_text(text)


def _num(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, float) and math.isnan(x):
        return "—"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.3e}"


def outcome_rows(point: dict, actor_names: dict | None = None, top_splits: int | None = 5) -> list[tuple[str, str, dict]]:
    """(section, row label, share) for every outcome of a point summary, in display order
    (the `top_splits` most frequent bloc splits; None: all of them)."""
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


def _never(point: dict) -> dict:
    """The share of an outcome that did not happen in any world of a point (0 of n, with its interval)."""
    from game.batch.stats import share

    return share(0, int(point["runs"]))


def outcome_table(points: list[dict], headers: list[str], markdown: bool = False, top_splits: int = 5) -> str:
    """One row per outcome, one column per point (a sweep value or a scenario).

    The rows are the `top_splits` most frequent bloc splits of every point; each cell gives
    that split's share at its point, however rare (0 of n when it never happened there).
    """
    keyed: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], list] = {}
    for k, p in enumerate(points):
        for section, label, s in outcome_rows(p, top_splits=top_splits):
            key = (section, label)
            if key not in cells:
                keyed.append(key)
                cells[key] = [None] * len(points)
    for k, p in enumerate(points):
        for section, label, s in outcome_rows(p, top_splits=None):
            if (section, label) in cells:
                cells[(section, label)][k] = s
    for key, row in cells.items():
        for k, p in enumerate(points):
            if row[k] is None and key[0] == "Bloc split" and p.get("runs"):
                row[k] = _never(p)
    # Keep sections together, in order of first appearance.
    sections: list[str] = []
    for sec, _ in keyed:
        if sec not in sections:
            sections.append(sec)
    ordered = [key for sec in sections for key in keyed if key[0] == sec]
    if markdown:
        lines = ["| outcome | " + " | ".join(md(h) for h in headers) + " |", "| --- |" + " --- |" * len(headers)]
        last = None
        for sec, label in ordered:
            if sec != last:
                lines.append(f"| **{md(sec)}** |" + " |" * len(headers))
                last = sec
            lines.append(f"| {md(label)} | " + " | ".join(_cell(c) for c in cells[(sec, label)]) + " |")
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
    keys = ["mean", "se", "std", "q05", "q25", "q50", "q75", "q95"]
    heads = ["mean", "se", "sd", "5%", "25%", "median", "75%", "95%"]
    if markdown:
        out = ["| | " + " | ".join(heads) + " |", "| --- |" + " ---: |" * len(heads)]
        out += [f"| {md(name)} | " + " | ".join(_num(st.get(k)) for k in keys) + " |" for name, st in rows]
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
            lines.append(f"| {md(d['label'])} | {md(f['id'])} | {_num(f['with'])} | {_num(f['without'])} | {_effect(f['effect'])} |")
    return "\n".join(lines)


def headline(summary: dict) -> str:
    sc = summary["scenario"]
    sweeps = summary.get("sweeps") or []
    text = f"{sc['title']} ({sc['id']}): {summary['runs']:,} runs per point, seed {summary['seed']}"
    if sweeps:
        text += f", {len(summary['points'])} points: " + "; ".join(f"{s['path']} in {s['values']}" for s in sweeps)
    design = summary.get("design")
    if design:
        text += (f", design {design['kind']}:{design['n']} ({summary['design_points']:,} points) over "
                 + "; ".join(f"{v['path']} in [{v['low']:g}, {v['high']:g}]" for v in summary.get("vary") or []))
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
    from game.loader.overrides import format_value

    return [", ".join(f"{short[k]}={format_value(v)}" for k, v in p["values"].items()) for p in pts]


def _pp(d: dict) -> str:
    """A paired difference of probabilities in percentage points, with its 95% interval."""
    return f"{100 * d['diff']:+.1f} pp [{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"


def _label_of_paired(row: dict) -> tuple[str, str]:
    if row["kind"] == "event":
        return "Events", f"{row['label']} ({row['outcome']})"
    if row["kind"] == "closest":
        return "Closest partner at the end", f"{row['actor']} → {row['partner']}"
    return "Same bloc at the end", f"{row['a']} & {row['b']}"


def difference_table(summary: dict, markdown: bool = False, min_shift: float = 0.0) -> str:
    """Each probability's change from the first point, paired over the same worlds (sweeps only).
    Rows where no point moves by more than `min_shift` are left out."""
    pts = [p for p in summary["points"] if p.get("paired")]
    if not pts:
        return ""
    headers = short_labels(summary)[1:]
    rows: dict[tuple[str, str], list] = {}
    for k, p in enumerate(pts):
        for r in p["paired"]["probabilities"]:
            rows.setdefault(_label_of_paired(r), [None] * len(pts))[k] = r
    keep = {key: cells for key, cells in rows.items() if any(c and abs(c["diff"]) > min_shift for c in cells)}
    if markdown:
        out = ["| outcome | " + " | ".join(md(h) for h in headers) + " |", "| --- |" + " ---: |" * len(headers)]
        out += [f"| {md(label)} | " + " | ".join(_pp(c) if c else "—" for c in cells) + " |" for (_, label), cells in keep.items()]
        return "\n".join(out)
    label_w = max([len(label) for _, label in keep] + [7]) + 2
    col_w = [max(len(h), 26) for h in headers]
    out = ["Outcome".ljust(label_w) + "  " + "  ".join(h.rjust(w) for h, w in zip(headers, col_w))]
    out.append("-" * len(out[0]))
    out += [("  " + label).ljust(label_w) + "  " + "  ".join((_pp(c) if c else "—").rjust(w) for c, w in zip(cells, col_w))
            for (_, label), cells in keep.items()]
    return "\n".join(out)


def mean_difference_table(summary: dict) -> str:
    """Each final mean's change from the first point, paired over the same worlds (Markdown)."""
    pts = [p for p in summary["points"] if p.get("paired")]
    if not pts:
        return ""
    headers = short_labels(summary)[1:]
    names = [m["column"] for m in pts[0]["paired"]["means"]]
    out = ["| column | " + " | ".join(md(h) for h in headers) + " |", "| --- |" + " ---: |" * len(headers)]
    for k, name in enumerate(names):
        cells = [p["paired"]["means"][k] for p in pts]
        out.append(f"| {md(name)} | " + " | ".join(f"{_num(c['diff'])} ± {_num(1.959963984540054 * c['se'])}" for c in cells) + " |")
    return "\n".join(out)


PAIRED_NOTE = (
    "Changes from the first point, world by world: every point runs the same worlds (the same random numbers), "
    "so the difference is measured on pairs, with a 95% interval from the spread of the per-world differences "
    "(narrower than comparing two independent intervals)."
)


def console(summary: dict, full: bool = False) -> str:
    pts = summary["points"]
    headers = ["p [95% CI]"] if len(pts) == 1 else short_labels(summary)
    parts = [headline(summary), "", outcome_table(pts, headers)]
    diff = difference_table(summary, min_shift=0.005)
    if diff:
        parts += ["", f"Change from {short_labels(summary)[0]} (paired, percentage points; moves over 0.5 pp)", diff]
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
    out = [f"# Batch summary: {md(sc['title'])}", "", md(headline(summary)), ""]
    out += [
        f"- scenario file: `{md(sc['file'])}` (sha256 `{sc['sha256'][:16]}…`)",
        f"- program version: {summary['version']}",
        f"- reproduce: `{summary['command']}`",
        "",
        "Probabilities with 95% Wilson intervals. Means with their standard error (se). "
        f"Quantiles: {summary.get('quantiles', '')}.",
        "",
        "## Outcomes",
        "",
        outcome_table(pts, ["p [95% CI]"] if len(pts) == 1 else short_labels(summary), markdown=True, top_splits=10),
    ]
    if difference_table(summary):
        out += ["", f"## Change from {md(short_labels(summary)[0])}", "", PAIRED_NOTE, "",
                "### Probabilities (percentage points)", "", difference_table(summary, markdown=True), "",
                "### Means (difference ± 95% half-width)", "", mean_difference_table(summary)]
    for p in pts:
        out += ["", f"## Figures{'' if len(pts) == 1 else ' — ' + md(p['label'])}", ""]
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
