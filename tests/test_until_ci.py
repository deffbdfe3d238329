"""`batch --until-ci W`: worlds are added until every probability's 95% interval is narrower than W."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pandas as pd
import pytest

from game.batch import Request, run_batch
from game.cli import main as cli_main

scipy_stats = pytest.importorskip("scipy.stats")

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def widest(df: pd.DataFrame) -> float:
    """The widest 95% Wilson interval over every probability a summary reports, from the rows (scipy)."""
    n = len(df)
    counts = [int(df[c].sum()) for c in df.columns if c.startswith("outcome.")]
    actors = [c.removeprefix("closest.") for c in df.columns if c.startswith("closest.")]
    counts += [int((df[f"closest.{a}"] == b).sum()) for a in actors for b in actors if a != b]
    counts += [int((df[f"bloc.{a}"] == df[f"bloc.{b}"]).sum()) for i, a in enumerate(actors) for b in actors[i + 1:]]
    counts += df[[f"bloc.{a}" for a in actors]].value_counts().tolist()  # the bloc splits that happened
    out = 0.0
    for k in counts:
        ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        out = max(out, ci.high - ci.low)
    return out


def test_it_stops_at_the_first_checkpoint_precise_enough(tmp_path):
    res = run_batch(Request(str(TINY), runs=60_000, seed=2, until_ci=0.03, out=str(tmp_path / "u"), workers=1,
                            chunk_size=700, plots=False, quiet=True))
    assert res.status == 0
    s = json.loads((tmp_path / "u" / "summary.json").read_text())
    prec = s["precision"]
    n = prec["runs"]
    assert s["runs"] == n < 60_000 and prec["reached"] is True and prec["checkpoints"][-1] == n
    df = pd.read_csv(tmp_path / "u" / "runs.csv")
    assert len(df) == n
    assert widest(df) < 0.03 and prec["widest_interval"] == pytest.approx(widest(df), abs=1e-6)
    before = prec["checkpoints"][-2]
    assert widest(df.iloc[:before]) >= 0.03  # the previous checkpoint was not precise enough
    # The same worlds as a batch of exactly n runs, and the same stop on two workers and other chunks.
    run_batch(Request(str(TINY), runs=n, seed=2, out=str(tmp_path / "fixed"), workers=1, plots=False, quiet=True))
    assert filecmp.cmp(tmp_path / "u" / "runs.csv", tmp_path / "fixed" / "runs.csv", shallow=False)
    run_batch(Request(str(TINY), runs=60_000, seed=2, until_ci=0.03, out=str(tmp_path / "u2"), workers=2,
                      chunk_size=1300, plots=False, quiet=True))
    for name in ("runs.csv", "summary.json", "points.csv"):
        assert filecmp.cmp(tmp_path / "u" / name, tmp_path / "u2" / name, shallow=False), name
    assert not (tmp_path / "u" / "chunks").exists()


def test_it_stops_at_the_cap_and_says_so(tmp_path, capsys):
    code = cli_main(["batch", str(TINY), "--runs", "1500", "--seed", "1", "--until-ci", "0.001", "--workers", "1",
                     "--no-plots", "--out", str(tmp_path / "cap"), "--sweep", "factors.oil.initial=40,120"])
    assert code == 0
    err = capsys.readouterr().err
    assert "at 1,500 runs per point" in err and "the cap" in err
    s = json.loads((tmp_path / "cap" / "summary.json").read_text())
    assert s["runs"] == 1500 and s["precision"]["reached"] is None and s["precision"]["checkpoints"] == [1000, 1400, 1500]
    df = pd.read_csv(tmp_path / "cap" / "runs.csv")
    assert df["run"].tolist() == list(range(3000)) and df.groupby("point").size().tolist() == [1500, 1500]


@pytest.mark.parametrize("value, message", [("0", "above 0 and below 1"), ("1.5", "above 0 and below 1")])
def test_bad_widths_exit_2(tmp_path, capsys, value, message):
    assert cli_main(["batch", str(TINY), "--runs", "100", "--seed", "1", "--until-ci", value, "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_a_sweep_that_stops_early_numbers_its_runs_like_a_batch_of_that_size(tmp_path, capsys):
    sweep = ["factors.oil.initial=40,120"]
    res = run_batch(Request(str(TINY), runs=40_000, seed=3, until_ci=0.04, sweeps=sweep, out=str(tmp_path / "u"),
                            workers=1, plots=False, quiet=True))
    n = res.summary["runs"]
    assert n < 40_000
    run_batch(Request(str(TINY), runs=n, seed=3, sweeps=sweep, out=str(tmp_path / "fixed"), workers=1, plots=False,
                      quiet=True))
    for name in ("runs.csv", "runs.parquet", "points.csv"):
        if (tmp_path / "fixed" / name).exists():
            assert filecmp.cmp(tmp_path / "u" / name, tmp_path / "fixed" / name, shallow=False), name
    assert cli_main(["replay", str(tmp_path / "u"), "--run", str(n + 5)]) == 0  # point 1, world 5
    out = capsys.readouterr().out
    assert "world 5" in out and "This matches the batch's row in runs.csv." in out
