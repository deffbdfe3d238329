"""A map of a scenario (`summit map`): moves and events -> the factors and relations they
change -> the leaders whose payoffs weigh them.

The graph is a networkx DiGraph in three layers; the picture is drawn with matplotlib, the
layers placed by networkx's multipartite layout and each layer ordered by the mean position of
its neighbours (the barycentre heuristic), so that arrows cross as little as they can.
Green arrows raise what they point at, red ones lower it; grey is both or either; events
are in italics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Iterator

import networkx as nx

from game.schema import Scenario

CAUSE, TARGET, LEADER = 0, 1, 2
UP, DOWN, MIXED = "#009e73", "#d55e00", "#999999"


def graph(s: Scenario) -> nx.DiGraph:
    """The scenario's map: nodes `move:ID`, `event:ID`, `factor:ID`, `relation:A+B`, `actor:ID`."""
    from game.compiled import short_name

    g = nx.DiGraph()
    g.graph["names"] = {a.id: a.short_name or short_name(a.name, a.id) for a in s.actors}
    colour = {a.id: a.colour for a in s.actors}
    for a in s.actors:
        g.add_node(f"actor:{a.id}", layer=LEADER, label=a.short_name or a.name, colour=a.colour)
    for f in s.factors:
        g.add_node(f"factor:{f.id}", layer=TARGET, label=f.label, colour="#ffffff")
    for am in s.moves:
        for m in am.moves:
            _causes(g, f"move:{m.id}", f"{g.graph['names'][am.actor]}: {m.label}", colour[am.actor], m.model_dump(mode="json", exclude_none=True))
    for e in s.events:
        _causes(g, f"event:{e.id}", e.label, "#999999", e.model_dump(mode="json", exclude_none=True))
    for aid, p in s.payoffs.items():
        _cares(g, aid, p.model_dump(mode="json", exclude_none=True))
    for e in s.events:  # successors weigh in for the seat they take
        for o in e.outcomes:
            if o.replace is not None:
                _cares(g, o.replace.actor, o.replace.successor.payoff.model_dump(mode="json", exclude_none=True))
    g.remove_nodes_from([n for n, d in g.nodes(data=True) if d["layer"] == TARGET and g.degree(n) == 0])
    return g


def _target_label(g: nx.DiGraph, target: str) -> str:
    """A relation's label: the two leaders' short names."""
    a, b = target.split(":", 1)[1].split("+", 1)
    names = g.graph["names"]
    return f"{names.get(a, a)} \u2013 {names.get(b, b)}"


def _relation(pair: list[str]) -> str:
    a, b = sorted(pair)
    return f"relation:{a}+{b}"


def _effects(data: Any) -> Iterator[tuple[str, float]]:
    """(target node, delta) of every effect anywhere inside a move's or event's data."""
    if isinstance(data, dict):
        if "delta" in data and "factor" in data:
            yield f"factor:{data['factor']}", float(data["delta"])
        elif "delta" in data and "between" in data:
            yield _relation(data["between"]), float(data["delta"])
        for v in data.values():
            yield from _effects(v)
    elif isinstance(data, list):
        for v in data:
            yield from _effects(v)


def _causes(g: nx.DiGraph, node: str, label: str, colour: str, data: dict[str, Any]) -> None:
    found = [(t, d) for t, d in _effects(data) if d != 0]
    if not found:
        return
    g.add_node(node, layer=CAUSE, label=label, colour=colour)
    for target, delta in found:
        if target not in g:
            g.add_node(target, layer=TARGET, label=_target_label(g, target), colour="#ffffff")
        sign = UP if delta > 0 else DOWN
        old = g.edges[node, target]["colour"] if g.has_edge(node, target) else sign
        g.add_edge(node, target, colour=sign if old == sign else MIXED)


def _cares(g: nx.DiGraph, actor: str, payoff: dict[str, Any]) -> None:
    """Edges target -> actor for every factor or relation the payoff weighs (interactions included)."""
    for w in payoff.get("factors", []):
        _weigh(g, f"factor:{w['factor']}", actor, w["weight"])
    for w in payoff.get("relations", []):
        _weigh(g, _relation([actor, w["actor"]]), actor, w["weight"])
    for term in payoff.get("interactions", []):
        for q in (v for v in term.values() if isinstance(v, dict)):
            target = f"factor:{q['factor']}" if "factor" in q else _relation(q["relation"]) if "relation" in q else None
            if target:
                _weigh(g, target, actor, None)


def _weigh(g: nx.DiGraph, target: str, actor: str, weight: float | None) -> None:
    if target not in g:
        g.add_node(target, layer=TARGET, label=_target_label(g, target), colour="#ffffff")
    sign = MIXED if weight is None else UP if weight > 0 else DOWN
    old = g.edges[target, f"actor:{actor}"]["colour"] if g.has_edge(target, f"actor:{actor}") else sign
    g.add_edge(target, f"actor:{actor}", colour=sign if old == sign else MIXED)


def positions(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Three columns from networkx's multipartite layout, each ordered by its neighbours' mean
    height (two sweeps of the barycentre heuristic)."""
    order = {layer: sorted(n for n, d in g.nodes(data=True) if d["layer"] == layer) for layer in (CAUSE, TARGET, LEADER)}
    for _ in range(2):
        for layer in (TARGET, CAUSE, LEADER):
            rank = {n: i / max(1, len(order[k]) - 1) for k in order if k != layer for i, n in enumerate(order[k])}
            order[layer].sort(key=lambda n: _mean([rank[m] for m in nx.all_neighbors(g, n) if m in rank], 0.5))
    for layer, nodes in order.items():
        for i, n in enumerate(nodes):
            g.nodes[n]["slot"] = (layer, i)
    h = nx.DiGraph()
    for layer, nodes in order.items():
        h.add_nodes_from(nodes, layer=layer)  # insertion order is the vertical order
    pos = nx.multipartite_layout(h, subset_key="layer", align="vertical")
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def _mean(xs: list[float], default: float) -> float:
    return sum(xs) / len(xs) if xs else default


def draw(s: Scenario, out: Path | BinaryIO, fmt: str) -> nx.DiGraph:
    """Draw the map to `out` as `fmt` (svg or png); returns the graph drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = graph(s)
    raw = positions(g)
    top = max((abs(y) for _, y in raw.values()), default=1.0) or 1.0
    count = {k: sum(1 for _, d in g.nodes(data=True) if d["layer"] == k) for k in (CAUSE, TARGET, LEADER)}
    tallest = max(count.values())
    spread = {k: max(0.6, count[k] / tallest) for k in count}  # a short column still spans most of the height
    pos = {n: (float(g.nodes[n]["layer"]), y / top * spread[g.nodes[n]["layer"]] * tallest / max(count[g.nodes[n]["layer"]], 1))
           for n, (_, y) in raw.items()}  # columns 0, 1, 2; heights in [-1, 1]
    fig, ax = plt.subplots(figsize=(15, max(6.0, 0.3 * tallest + 2)))
    gap = {CAUSE: 0.0, TARGET: 0.2, LEADER: 0.0}  # half a label's width, where arrows leave and arrive
    for u, v, d in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.annotate("", xy=(x1 - gap[g.nodes[v]["layer"]] - 0.01, y1), xytext=(x0 + gap[g.nodes[u]["layer"]] + 0.01, y0),
                    arrowprops={"arrowstyle": "-|>", "color": d["colour"], "alpha": 0.6, "lw": 0.9, "shrinkA": 0, "shrinkB": 0})
    align = {CAUSE: "right", TARGET: "center", LEADER: "left"}
    for n, d in g.nodes(data=True):
        leader = d["layer"] == LEADER
        label = d["label"] if len(d["label"]) <= 32 else d["label"][:31] + "\u2026"
        ax.text(*pos[n], label, ha=align[d["layer"]], va="center", fontsize=8 if not leader else 10,
                fontstyle="italic" if n.startswith("event:") else "normal",
                bbox={"boxstyle": "round,pad=0.3", "fc": d["colour"] if leader else "#ffffff",
                      "ec": d["colour"] if d["layer"] == CAUSE else "#444444", "lw": 1.5},
                color="#ffffff" if leader and _dark(d["colour"]) else "#000000")
    for x, title in ((0, "moves and events"), (1, "factors and relations"), (2, "whose payoff weighs them")):
        ax.text(x, 1.08, title, ha=align[x], va="bottom", fontsize=11, weight="bold")
    ax.set_title(f"{s.title}: what moves what (green raises, red lowers, grey both; events in italics)", fontsize=12)
    ax.set_xlim(-0.75, 2.5)
    ax.set_ylim(-1.06, 1.16)
    ax.axis("off")
    fig.savefig(out, format=fmt, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return g


def _dark(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b < 140
