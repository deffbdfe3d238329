"""`summit class-report GAME...`: several classes' exported games against the AI worlds of the same
scenario and seed, played to the same month (a table per leader, CSV and Markdown, and one PNG)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from ..errors import UsageError
from ..files import Refused, explain, write_atomic
from ..safetext import csv_cell, markdown as md_text, plot as plot_text
from .common import whole_number

NAME = "class-report"
HELP = "Compare classes' exported games (*-game.json from the debrief) with AI-only worlds: tables and a PNG."


def add_arguments(p):
    p.add_argument("games", nargs="+", metavar="GAME", help="exported class games (*-game.json), or folders holding them")
    p.add_argument("--worlds", type=whole_number, default=400, metavar="N", help="AI-only worlds per class (default 400)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for class-report.csv, .md and .png")


def class_files(args_games) -> list[Path]:
    out = []
    for name in args_games:
        path = Path(name)
        found = sorted(path.glob("*-game.json")) if path.is_dir() else [path]
        if not found:
            raise UsageError(f"{path}: no exported class game (*-game.json) in this folder")
        out += found
    return out


def ai_scores(cg, worlds: int) -> np.ndarray:
    """[worlds, A]: AI-only worlds of the class's scenario and seed (never its own world), scored to its month."""
    from ..model import SummitModel

    model = SummitModel(cg.game, worlds=np.arange(1, worlds + 1) + cg.world, seed=cg.seed, history=False)
    for _ in range(cg.months):
        model.step()
    return model.state.worlds.scores.copy()


def rows_for(cg, scores: np.ndarray) -> list[dict]:
    rows = []
    for a, aid in enumerate(cg.game.actor_ids):
        mine, col = cg.scores[aid], scores[:, a]
        rows.append({"class": cg.path.name.removesuffix("-game.json"), "scenario": cg.game.scenario.id, "seed": cg.seed,
                     "months": cg.months, "leader": aid, "played_by": "team" if aid in cg.teams else "computer",
                     "score": round(mine, 4), "ai_median": round(float(np.median(col)), 4),
                     "ai_p10": round(float(np.quantile(col, 0.1)), 4), "ai_p90": round(float(np.quantile(col, 0.9)), 4),
                     "better_than_ai": round(float((col < mine).mean() + 0.5 * (col == mine).mean()), 4)})
    return rows


def markdown(rows: list[dict]) -> str:
    out = ["| class | leader | played by | score | AI median (10%-90%) | better than AI worlds |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {md_text(r['class'])} | {r['leader']} | {r['played_by']} | {r['score']:.2f} | {r['ai_median']:.2f} "
                   f"({r['ai_p10']:.2f} to {r['ai_p90']:.2f}) | {r['better_than_ai']:.0%} |")
    return "\n".join(out) + "\n"


def plot(classes, all_scores, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    leaders = classes[0].game.actor_ids
    fig, axes = plt.subplots(len(leaders), 1, figsize=(8, 1.8 * len(leaders)), squeeze=False)
    for a, aid in enumerate(leaders):
        ax = axes[a, 0]
        ax.hist(np.concatenate([s[:, a] for s in all_scores]), bins=30, color="#b8c4d6")
        for k, cg in enumerate(classes):
            style = "-" if aid in cg.teams else ":"
            ax.axvline(cg.scores[aid], color=f"C{k}", linestyle=style, linewidth=2, label=plot_text(cg.path.name.removesuffix("-game.json")))
        ax.set_ylabel(aid)
    axes[0, 0].legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("score over the months played (bars: AI worlds; lines: classes, solid where a team played)")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buf.getvalue())


def run(args) -> int:
    from ..export import read

    if not 1 <= args.worlds <= 100_000:
        raise UsageError("--worlds must be from 1 to 100000")
    classes = [read(p) for p in class_files(args.games)]
    if len({cg.game.scenario.id for cg in classes}) > 1:
        raise UsageError("the class games come from different scenarios; compare one scenario at a time")
    all_scores = [ai_scores(cg, args.worlds) for cg in classes]
    rows = [r for cg, s in zip(classes, all_scores) for r in rows_for(cg, s)]
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        table = io.StringIO()
        writer = csv.DictWriter(table, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([{k: csv_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows])
        write_atomic(out / "class-report.csv", table.getvalue())
        write_atomic(out / "class-report.md", markdown(rows))
        plot(classes, all_scores, out / "class-report.png")
    except Refused as exc:
        raise UsageError(f"--out {exc.strerror}") from None
    except OSError as exc:
        raise UsageError(f"--out {out}: {explain(exc)}") from None
    print(markdown(rows), end="")
    print(f"Wrote {out / 'class-report.csv'}, {out / 'class-report.md'} and {out / 'class-report.png'}")
    return 0
