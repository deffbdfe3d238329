"""The report's figures, drawn with matplotlib (Agg) to PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def rationality(rows: list[tuple[float, float, float, float]], scenario_value: float, title: str, caption: str) -> bytes:
    """The headline's share against rationality: rows of (rationality, share, low, high)."""
    r = [x[0] for x in rows]
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.fill_between(r, [x[2] * 100 for x in rows], [x[3] * 100 for x in rows], color="#0072B2", alpha=0.2, label="95% interval")
    ax.plot(r, [x[1] * 100 for x in rows], "o-", color="#0072B2", label="share of worlds")
    ax.axvline(scenario_value, color="#555555", linestyle=":", label=f"the scenario's value ({scenario_value:g})")
    ax.axhline(50, color="#999999", linewidth=0.8)
    ax.set_xscale("symlog", linthresh=0.5)
    ax.set_xlim(0, max(r) * 1.15)
    ax.set_xticks(r, [f"{x:g}" for x in r])
    ax.minorticks_off()
    ax.set_xlabel("rationality of every leader (logit precision per 1% of its stakes)")
    ax.set_ylabel("worlds where Kim ends closer\nto Putin than to Trump (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title, fontsize=9, wrap=True)
    ax.legend(loc="best", fontsize=8)
    fig.text(0.01, -0.04, caption, fontsize=7, ha="left", va="top", wrap=True)
    return _png(fig)


def tornado(rows: list[tuple[str, float, float]], base: float, title: str, caption: str) -> bytes:
    """Two bars per number: the headline's share with it 20% lower and 20% higher; rows of (label, low, high)."""
    from matplotlib.patches import Patch

    rows = list(reversed(rows))
    fig, ax = plt.subplots(figsize=(8, 0.36 * len(rows) + 1.4))
    for i, (_label, lo, hi) in enumerate(rows):
        ax.barh(i + 0.18, (lo - base) * 100, left=base * 100, height=0.36, color="#D55E00")
        ax.barh(i - 0.18, (hi - base) * 100, left=base * 100, height=0.36, color="#0072B2")
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
    ax.axvline(base * 100, color="#333333", linewidth=1)
    ax.set_xlabel("worlds where Kim ends closer to Putin than to Trump (%)")
    ax.set_title(title, fontsize=9, wrap=True)
    ax.legend(handles=[Patch(color="#D55E00", label="number 20% lower"), Patch(color="#0072B2", label="number 20% higher")],
              loc="best", fontsize=7)
    fig.text(0.01, -0.02, caption, fontsize=7, ha="left", va="top", wrap=True)
    return _png(fig)
