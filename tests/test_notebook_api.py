"""`import summit`: batches from Python as pandas and xarray, and the EMA Workbench adapter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("SALib", reason="the 'analysis' extra is not installed")

import summit  # noqa: E402
from game.cli import main as cli_main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "data" / "tiny.yaml")


def test_run_batch_returns_the_runs_and_reuses_a_finished_batch(tmp_path):
    df = summit.run_batch(TINY, runs=60, seed=5, sets={"factors.oil.initial": 90}, steps=True, out=tmp_path / "a")
    assert isinstance(df, pd.DataFrame) and len(df) == 60 and df.attrs["batch"] == str(tmp_path / "a")
    csv = pd.read_csv(tmp_path / "a" / "runs.csv")
    assert np.array_equal(df["factor.oil"].to_numpy(), csv["factor.oil"].to_numpy())
    before = (tmp_path / "a" / "runs.csv").stat().st_mtime_ns
    again = summit.run_batch(TINY, runs=60, seed=5, sets={"factors.oil.initial": 90}, steps=True, out=tmp_path / "a")
    assert again.equals(df) and (tmp_path / "a" / "runs.csv").stat().st_mtime_ns == before  # read back, not rerun
    with pytest.raises(summit.BatchError, match="different batch"):
        summit.run_batch(TINY, runs=60, seed=6, out=tmp_path / "a")
    b = summit.load(tmp_path / "a")
    ds = b.steps()
    assert ds.factor.shape == (60, 7, 2) and list(ds.pair.values) == ["a.b", "a.c", "b.c"]
    assert float(ds.factor.sel(factor_id="oil", turn=0)[0]) == 90.0  # --set reached the start
    assert np.array_equal(ds.factor.sel(factor_id="oil", turn=6).values, df["factor.oil"].to_numpy())
    assert b.summary["runs"] == 60 and len(b.points) == 1


def test_run_batch_keeps_batches_by_their_arguments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = summit.run_batch(TINY, runs=10, seed=1, sweep={"factors.oil.initial": [40, 120]})
    b = summit.run_batch(TINY, runs=10, seed=2, sweep={"factors.oil.initial": [40, 120]})
    assert a.attrs["batch"] != b.attrs["batch"] and Path(a.attrs["batch"]).parent == Path("runs/notebook")
    assert sorted(a["sweep.factors.oil.initial"].unique()) == [40, 120]


def test_run_batch_with_a_design_and_its_analyses(tmp_path):
    df = summit.run_batch(TINY, runs=8, seed=3, vary={"factors.oil.initial": (40, 140)}, design="sobol:8", out=tmp_path / "d")
    assert df["point"].nunique() == 8 * 3
    idx = summit.sensitivity(tmp_path / "d", ["factor.oil"], resamples=50)
    assert set(idx["input"]) == {"factors.oil.initial"} and "ST" in idx.columns
    found = summit.discover(df.attrs["batch"], "factor.oil > 100")
    assert found.limits and found.limits[0]["input"] == "factors.oil.initial"
    with pytest.raises(summit.BatchError, match="low, high"):
        summit.run_batch(TINY, runs=8, seed=3, vary={"factors.oil.initial": 40}, design="lhs:4", out=tmp_path / "e")


def test_the_ema_workbench_adapter(tmp_path):
    pytest.importorskip("ema_workbench")
    import warnings

    from ema_workbench import SequentialEvaluator
    from ema_workbench.analysis import prim

    import summit.ema

    model = summit.ema.model(TINY, {"factors.oil.initial": (40, 140), "relations.pairs.a,b.propensity": (-0.6, 0.6)},
                             runs=12, seed=2)
    with warnings.catch_warnings(), SequentialEvaluator(model) as ev:
        warnings.simplefilter("ignore")
        experiments, outcomes = ev.perform_experiments(scenarios=16)
    assert len(experiments) == 16 and "mean_factor_oil" in outcomes and "p_closest_a_b" in outcomes
    # Each experiment equals a one-point Summit batch with the same values, seed and runs.
    row = experiments.iloc[3]
    oil, prop = float(row["factors_oil_initial"]), float(row["relations_pairs_a_b_propensity"])
    df = summit.run_batch(TINY, runs=12, seed=2, sets={"factors.oil.initial": oil, "relations.pairs.a,b.propensity": prop},
                          out=tmp_path / "one")
    assert outcomes["mean_factor_oil"][3] == pytest.approx(df["factor.oil"].mean(), rel=1e-12)
    assert outcomes["p_closest_a_b"][3] == pytest.approx((df["closest.a"] == "b").mean())
    # EMA's own PRIM runs on the results: high final oil comes from a high starting price.
    x = experiments[["factors_oil_initial", "relations_pairs_a_b_propensity"]]
    y = (outcomes["mean_factor_oil"] > np.median(outcomes["mean_factor_oil"])).astype(int)
    box = prim.Prim(x, y).find_box()
    assert "factors_oil_initial" in box.box_lims[-1].columns
    with pytest.raises(summit.BatchError, match="unknown outcome"):
        summit.ema.model(TINY, {"factors.oil.initial": (40, 140)}, outcomes=["p.nope"])


def test_compare_with_set_applies_it_to_every_scenario(tmp_path, capsys):
    other = tmp_path / "tiny-b.yaml"
    other.write_text(Path(TINY).read_text().replace("initial: 70", "initial: 140"))
    out = tmp_path / "cmp"
    code = cli_main(["compare", TINY, str(other), "--runs", "30", "--seed", "4", "--workers", "1", "--out", str(out),
                     "--set", "factors.sanctions.initial=80"])
    assert code == 0
    assert "in every scenario: factors.sanctions.initial=80" in capsys.readouterr().out
    for name in ("tiny", "tiny-b"):
        df = pd.read_csv(out / name / "runs.csv")
        alone = summit.run_batch(str(out / name / "scenario.yaml"), runs=30, seed=4,
                                 sets={"factors.sanctions.initial": 80}, out=tmp_path / f"alone-{name}")
        assert np.array_equal(df["factor.sanctions"].to_numpy(), alone["factor.sanctions"].to_numpy())
    assert cli_main(["compare", TINY, str(other), "--runs", "5", "--seed", "1", "--set", "factors.nope.initial=3"]) == 2
    assert "has no item 'nope'" in capsys.readouterr().err
