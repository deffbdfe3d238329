"""Batch outputs fit for a report (issue 12, defects 1-5 and 9-11).

Every expectation is computed independently from the batch's own files (pandas, numpy),
never copied from a model run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from game.batch import Request, run_batch
from game.batch.report import percent, console, outcome_table
from game.batch.stats import Z95, share
from game.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
PAIR_SWEEP = "relations.pairs.a,b.propensity=-0.6,0.6"


def batch(tmp: Path, name: str, **kw):
    kw.setdefault("plots", False)
    kw.setdefault("quiet", True)
    kw.setdefault("workers", 1)
    res = run_batch(Request(str(TINY), runs=kw.pop("runs", 200), seed=kw.pop("seed", 3), out=str(tmp / name), **kw))
    assert res.status == 0
    return res


@pytest.fixture(scope="module")
def pair_sweep(tmp_path_factory) -> Path:
    """A sweep over a relation pair's propensity (a path with a comma), with plots."""
    tmp = tmp_path_factory.mktemp("pairs")
    batch(tmp, "sw", runs=400, sweeps=[PAIR_SWEEP], plots=True, chunk_size=150)
    return tmp / "sw"


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (pipes escaped with a backslash are text)."""
    return re.split(r"(?<!\\)\|", line.strip().strip("|"))


def _tables(md: str) -> list[list[str]]:
    tables, cur = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            tables.append(cur)
            cur = []
    return tables + ([cur] if cur else [])


# --- 1. Markdown tables ------------------------------------------------------------------------


def test_markdown_tables_keep_their_columns(pair_sweep, tmp_path):
    md = (pair_sweep / "summary.md").read_text()
    assert "a+b \\| c" in md or "a \\| b+c" in md or "a+c \\| b" in md  # a split label, its pipe escaped
    for table in _tables(md):
        widths = {len(_cells(line)) for line in table}
        assert len(widths) == 1, table[:3]
    other = tmp_path / "tiny-b.yaml"
    other.write_text(TINY.read_text().replace("initial: 70", "initial: 140"))
    out = tmp_path / "cmp"
    assert cli_main(["compare", str(TINY), str(other), "--runs", "60", "--seed", "2", "--workers", "1", "--out", str(out)]) == 0
    cmp = (out / "compare.md").read_text()
    rows = [line for t in _tables(cmp) for line in t]
    assert rows and {len(_cells(line)) for line in rows} == {3}  # outcome, tiny, tiny-b
    split_rows = [line for line in rows if "\\|" in line]
    assert split_rows and all(re.search(r"\d%", _cells(line)[1] + _cells(line)[2]) for line in split_rows)


# --- 2. compare shows every split it lists -----------------------------------------------------------


def _point(splits: dict[str, int], n: int = 2000) -> dict:
    return {
        "runs": n, "events": [], "closest": [], "same_bloc": [],
        "bloc_splits": [{"split": k, "blocs": [], **share(v, n)} for k, v in sorted(splits.items(), key=lambda kv: -kv[1])],
    }


def test_compare_fills_a_split_that_is_not_in_a_scenarios_top_five():
    common = {f"s{k} | x": 300 - k for k in range(5)}
    a = _point({**common, "kim+trump+xi | putin": 85})  # sixth most frequent in A
    b = _point({"kim+trump+xi | putin": 900, **{f"s{k} | x": 200 for k in range(4)}})
    table = outcome_table([a, b], ["A", "B"])
    line = next(x for x in table.splitlines() if "kim+trump+xi | putin" in x)
    assert "4.2% [" in line and "45.0% [" in line  # 85/2000 and 900/2000, no dash
    never = next(x for x in table.splitlines() if "s4 | x" in x)
    assert "0% [0%, 0.19%]" in never  # B never had it: 0 of 2,000, with its upper bound


# --- 3. runs.csv with a comma in a sweep path ------------------------------------------------------------


def test_runs_csv_of_a_pair_sweep_is_well_formed(pair_sweep):
    import csv

    with open(pair_sweep / "runs.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert len({len(r) for r in rows}) == 1  # header and rows have the same number of fields
    assert "sweep.relations.pairs.a,b.propensity" in rows[0]
    df = pd.read_csv(pair_sweep / "runs.csv")
    pytest.importorskip("pyarrow")
    pq = pd.read_parquet(pair_sweep / "runs.parquet")
    assert list(df.columns) == list(pq.columns)
    for col in df.columns:
        if df[col].dtype.kind == "f":
            assert np.array_equal(df[col].to_numpy(), pq[col].to_numpy().astype(float)), col
        else:
            assert df[col].astype(str).tolist() == pq[col].astype(int if pq[col].dtype == bool else pq[col].dtype).astype(str).tolist(), col
    assert sorted(df["sweep.relations.pairs.a,b.propensity"].unique().tolist()) == [-0.6, 0.6]


def test_one_column_list_drives_csv_and_parquet(tiny_game):
    from game.batch.columns import Input, arrow_schema, columns, csv_header
    from game.batch.layout import Layout

    cols = columns(Layout.of(tiny_game), [Input("sweep", "relations.pairs.a,b.propensity")])
    assert csv_header(cols).startswith('run,point,world,seed,"sweep.relations.pairs.a,b.propensity",')
    pytest.importorskip("pyarrow")
    assert arrow_schema(cols).names == [c.name for c in cols]


# --- 4. exact quantiles ---------------------------------------------------------------------------------


def test_summary_quantiles_are_pandas_quantiles(pair_sweep):
    df = pd.read_csv(pair_sweep / "runs.csv")
    s = json.loads((pair_sweep / "summary.json").read_text())
    assert "linear interpolation" in s["quantiles"]
    for p in s["points"]:
        rows = df[df["point"] == p["index"]]
        for m in p["moves"]:
            col = rows[f"moves.{m['id']}"]
            for q in (5, 25, 50, 75, 95):
                assert m[f"q{q:02d}"] == pytest.approx(col.quantile(q / 100), rel=1e-6, abs=1e-12)
            assert float(m["q50"] * 2).is_integer()  # whole numbers (or a midpoint between two)
        for f in p["factors"]:
            col = rows[f"factor.{f['id']}"]
            assert f["q25"] == pytest.approx(col.quantile(0.25), rel=1e-5)  # summary.json keeps 6 significant digits
            assert f["se"] == pytest.approx(col.std(ddof=1) / np.sqrt(len(col)), rel=1e-5)


# --- 5. rare events keep their upper bound ---------------------------------------------------------------


def test_rare_events_show_their_upper_bound():
    from game.batch.report import _cell

    cell = _cell(share(0, 10_000))
    assert cell == "0% [0%, 0.038%]"
    assert _cell(share(10_000, 10_000)) == "100% [99.962%, 100%]"
    assert percent(0.123) == "12.3%" and percent(0.00042) == "0.042%" and percent(0.0042) == "0.42%" and percent(0.99962) == "99.962%"


# --- 9 and 10. figures ----------------------------------------------------------------------------------


def test_a_sweep_writes_a_few_figures_not_one_per_point(pair_sweep):
    pngs = sorted(p.name for p in pair_sweep.glob("*.png"))
    assert pngs == ["fan-factors.png", "fan-relations.png", "outcomes.png", "sweep.png"]


def _figures(monkeypatch, summary: dict, layout: dict, tmp: Path) -> dict:
    """Draw every figure of a summary, keeping the matplotlib figures instead of saving them."""
    from game.batch import plots

    seen = {}
    monkeypatch.setattr(plots, "_save", lambda fig, path: seen.__setitem__(Path(path).name, fig))
    plots.write_plots(tmp, summary, layout)
    return seen


def test_figures_can_be_captioned(pair_sweep, monkeypatch, tmp_path, tiny_game):
    from game.batch.layout import Layout

    summary = json.loads((pair_sweep / "summary.json").read_text())
    figs = _figures(monkeypatch, summary, Layout.of(tiny_game).to_json(), tmp_path)
    for name, fig in figs.items():
        title = fig._suptitle.get_text() if fig._suptitle else fig.axes[0].get_title()
        assert "Two rivals and a broker" in title and "400 runs" in title and "seed 3" in title, (name, title)
    rel = figs["fan-relations.png"]
    titles = [ax.get_title() for ax in rel.axes if ax.get_visible() and ax.get_title()]
    assert "Leader A – Leader B" in titles  # labels, not ids
    fac = figs["fan-factors.png"]
    oil = next(ax for ax in fac.axes if ax.get_title() == "Oil price")
    assert oil.get_ylabel() == "USD/bbl"  # the factor's unit
    ticks = [t for t in oil.get_xticks() if oil.get_xlim()[0] <= t <= oil.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)  # whole turns
    sweep = figs["sweep.png"]
    panel_titles = [ax.get_title() for ax in sweep.axes]
    assert "Event outcomes" in panel_titles and any("closest partner" in t for t in panel_titles)
    lines = [line for ax in fac.axes for line in ax.get_lines() if not line.get_label().startswith("_")]
    colours = {tuple(np.round(line.get_color(), 3)) for line in lines}
    assert len(colours) == len(summary["points"])  # one colour per point


def _synthetic_summary(actors: int, turns: int = 12) -> tuple[dict, dict]:
    """A summary of a 24-actor scenario, made up (no engine run): only its shape matters here."""
    ids = [f"a{i}" for i in range(actors)]
    pairs = [f"{ids[i]}.{ids[j]}" for i in range(actors) for j in range(i + 1, actors)]
    rng = np.random.default_rng(0)
    q = lambda: {k: rng.uniform(-1, 1, turns + 1).tolist() for k in ("q05", "q25", "q50", "q75", "q95")}  # noqa: E731
    point = {
        "index": 0, "values": {}, "label": "baseline", "runs": 20,
        "events": [{"outcome": "x", "label": "X happens", "event": "E", **share(5, 20)}],
        "closest": [], "same_bloc": [], "bloc_splits": [],
        "per_turn": {"relations": {p: q() for p in pairs}, "factors": {"f": q()}},
    }
    summary = {"scenario": {"title": "Crowded", "id": "crowded"}, "runs": 20, "seed": 1, "points": [point], "sweeps": []}
    layout = {"actor_ids": ids, "actor_names": [f"Leader {i}" for i in range(actors)], "actor_colours": ["#000000"] * actors,
              "factor_ids": ["f"], "factor_labels": ["F"], "factor_units": ["index"]}
    return summary, layout


def test_many_actors_get_a_heat_map_and_a_few_panels(monkeypatch, tmp_path):
    summary, layout = _synthetic_summary(24)
    figs = _figures(monkeypatch, summary, layout, tmp_path)
    assert "relations.png" in figs
    rel = figs["fan-relations.png"]
    assert len([ax for ax in rel.axes if ax.get_visible()]) == 12
    assert "12 of 276 pairs" in rel._suptitle.get_text()
    for fig in figs.values():
        w, h = fig.get_size_inches() * fig.dpi
        assert w <= 2000 and h <= 2000


def test_the_progress_line_names_what_is_written_after_the_runs():
    import io

    from game.batch.progress import Progress

    s = io.StringIO()
    p = Progress(100, stream=s, enabled=True)
    p.update(100)
    p.phase("plotting")
    assert s.getvalue().rstrip("\x1b[K").endswith("100/100 runs; plotting ...")


def test_the_end_line_counts_files_and_plots(tmp_path, capsys):
    code = cli_main(["batch", str(TINY), "--runs", "30", "--seed", "1", "--workers", "1", "--out", str(tmp_path / "b")])
    assert code == 0
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("batch: done in"))
    assert "computing" in line and "result files" in line and "plots" in line


# --- 11. paired differences ----------------------------------------------------------------------------


def test_sweeps_report_paired_differences(pair_sweep):
    df = pd.read_csv(pair_sweep / "runs.csv")
    s = json.loads((pair_sweep / "summary.json").read_text())
    p1 = s["points"][1]
    assert "paired" in p1 and "paired" not in s["points"][0]
    a = df[df["point"] == 0].set_index("world")
    b = df[df["point"] == 1].set_index("world")
    n = len(a)
    for row in p1["paired"]["probabilities"]:
        if row["kind"] == "closest":
            x = (b[f"closest.{row['actor']}"] == row["partner"]).astype(int)
            y = (a[f"closest.{row['actor']}"] == row["partner"]).astype(int)
        elif row["kind"] == "event":
            x, y = b[f"outcome.{row['outcome']}"], a[f"outcome.{row['outcome']}"]
        else:
            x = (b[f"bloc.{row['a']}"] == b[f"bloc.{row['b']}"]).astype(int)
            y = (a[f"bloc.{row['a']}"] == a[f"bloc.{row['b']}"]).astype(int)
        d = x - y
        half = Z95 * d.std(ddof=1) / np.sqrt(n)
        assert row["diff"] == pytest.approx(d.mean(), abs=1e-12)
        assert row["high"] - row["diff"] == pytest.approx(half, rel=1e-5, abs=2e-6)  # both kept to 6 significant digits
        p1_, p0_ = x.mean(), y.mean()
        assert row["se_unpaired"] == pytest.approx(np.sqrt((p1_ * (1 - p1_) + p0_ * (1 - p0_)) / n), rel=1e-5, abs=1e-12)
    m = next(r for r in p1["paired"]["means"] if r["column"] == "relation.a.b")
    d = b["relation.a.b"] - a["relation.a.b"]
    assert m["diff"] == pytest.approx(d.mean(), rel=1e-6)
    assert m["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(n), rel=1e-5)
    md = (pair_sweep / "summary.md").read_text()
    assert "## Change from" in md and "world by world" in md
    text = console(s)
    assert "Change from" in text


# --- 6 and 7. per-turn arrays: a world's series is its replay's, and they memory-map ----------------------


def test_steps_match_the_replay_turn_by_turn(tmp_path):
    from game.batch.replay import load_world

    out = tmp_path / "st"
    batch(tmp_path, "st", runs=40, seed=7, steps=True, chunk_size=16)
    f = np.load(out / "steps" / "factor_series.npy", mmap_mode="r")
    r = np.load(out / "steps" / "relation_series.npy", mmap_mode="r")
    assert isinstance(f, np.memmap) and isinstance(r, np.memmap)  # mapped, not read
    pair_ids = np.load(out / "steps" / "pair_ids.npy").tolist()
    for run in (0, 13, 39):
        game, model, _, _, _ = load_world(out, run)
        model.run()
        series = model.series()
        assert np.array_equal(f[run], series["factors"]), run  # every row, including the turns with events
        for k, pid in enumerate(pair_ids):
            a, b = pid.split(".")
            i, j = game.actor_index[a], game.actor_index[b]
            assert np.array_equal(r[run][:, k], series["relations"][:, i, j]), (run, pid)
