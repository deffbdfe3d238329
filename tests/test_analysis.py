"""Experiment designs, sensitivity indices and scenario discovery (issue 12), on the tiny scenario.

Expectations are recomputed independently from the batch's files: LHS strata, per-point
means with pandas, Sobol' estimators written out with numpy, PRIM boxes counted world by world.
"""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("SALib", reason="the 'analysis' extra is not installed")

from game.batch import Request, run_batch  # noqa: E402
from game.cli import main as cli_main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"
OIL = "factors.oil.initial=40:140"
PAIR = "relations.pairs.a,b.propensity=-0.6:0.6"


def design(tmp: Path, name: str, kind: str, runs: int = 20, varies=(OIL, PAIR), **kw):
    kw.setdefault("plots", False)
    kw.setdefault("quiet", True)
    kw.setdefault("workers", 1)
    res = run_batch(Request(str(TINY), runs=runs, seed=kw.pop("seed", 4), out=str(tmp / name), vary=list(varies),
                            design=kind, **kw))
    assert res.status == 0
    return tmp / name


@pytest.fixture(scope="module")
def sobol(tmp_path_factory) -> Path:
    return design(tmp_path_factory.mktemp("sobol"), "s", "sobol:32", runs=16, chunk_size=100)


def test_a_sobol_design_runs_every_point_on_the_same_worlds(sobol, tmp_path):
    pts = pd.read_csv(sobol / "points.csv")
    runs = pd.read_csv(sobol / "runs.csv")
    assert len(pts) == 32 * (2 + 2) and len(runs) == len(pts) * 16
    assert runs["run"].tolist() == list(range(len(runs)))
    assert (runs.groupby("point")["world"].apply(list) == [list(range(16))] * len(pts)).all()  # common random numbers
    x = pts["vary.factors.oil.initial"]
    assert x.between(40, 140).all() and x.nunique() > 32
    assert pts["vary.relations.pairs.a,b.propensity"].between(-0.6, 0.6).all()
    # Each point's row is what its worlds give.
    g = runs.groupby("point")
    assert np.allclose(pts["p.outcome.a_reelected"], g["outcome.a_reelected"].mean())
    assert np.allclose(pts["p.closest.a.b"], g["closest.a"].apply(lambda s: (s == "b").mean()))
    assert np.allclose(pts["mean.factor.oil"], g["factor.oil"].mean(), rtol=1e-12)
    # The input really reaches the scenario: the first turn's oil starts at the point's value.
    m = json.loads((sobol / "manifest.json").read_text())
    assert m["design"]["kind"] == "sobol" and m["design"]["sampler"] == "SALib" and len(m["vary"]) == 2
    # Same results on two workers with another chunk size (chunks of whole points).
    other = design(tmp_path, "again", "sobol:32", runs=16, workers=2, chunk_size=40)
    for name in ("runs.csv", "points.csv", "summary.json"):
        assert filecmp.cmp(sobol / name, other / name, shallow=False), name


def test_an_lhs_design_puts_one_point_in_every_stratum(tmp_path):
    out = design(tmp_path, "lhs", "lhs:12", runs=3)
    pts = pd.read_csv(out / "points.csv")
    for col, lo, hi in (("vary.factors.oil.initial", 40, 140), ("vary.relations.pairs.a,b.propensity", -0.6, 0.6)):
        strata = np.floor((pts[col] - lo) / (hi - lo) * 12).astype(int)
        assert sorted(strata) == list(range(12)), col


def test_grid_and_morris_designs(tmp_path):
    grid = pd.read_csv(design(tmp_path, "grid", "grid:3", runs=4) / "points.csv")
    assert sorted(grid["vary.factors.oil.initial"].unique()) == [40.0, 90.0, 140.0] and len(grid) == 9
    morris = pd.read_csv(design(tmp_path, "morris", "morris:4", runs=4) / "points.csv")
    assert len(morris) == 4 * 3
    levels = np.round((morris["vary.factors.oil.initial"] - 40) / 100 * 3, 9)
    assert set(levels) <= {0.0, 1.0, 2.0, 3.0}  # four levels


@pytest.mark.parametrize(
    "args, message",
    [
        (["--vary", OIL], "--vary and --design go together"),
        (["--design", "lhs:4"], "--vary and --design go together"),
        (["--vary", "factors.oil.initial=40", "--design", "lhs:4"], "expected PATH=LOW:HIGH"),
        (["--vary", "factors.oil.initial=140:40", "--design", "lhs:4"], "LOW must be below HIGH"),
        (["--vary", OIL, "--design", "sobol:12"], "power of 2"),
        (["--vary", OIL, "--design", "halton:4"], "expected one of lhs:N"),
        (["--vary", "factors.oil.initial=10:140", "--design", "lhs:4"], "is not a valid scenario"),
        (["--vary", "factors.oill.initial=40:50", "--design", "lhs:4"], "did you mean 'oil'"),
        (["--vary", OIL, "--design", "lhs:4", "--sweep", "turns=3,4"], "not both"),
    ],
)
def test_bad_designs_exit_2_before_any_work(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert cli_main(["batch", str(TINY), "--runs", "5", "--seed", "1", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_replay_a_design_point(sobol, capsys):
    runs = pd.read_csv(sobol / "runs.csv")
    assert cli_main(["replay", str(sobol), "--run", "37"]) == 0
    out = capsys.readouterr().out
    assert "This matches the batch's row in runs.csv." in out
    assert runs.loc[37, "point"] == 2 and runs.loc[37, "world"] == 5


# --- sensitivity -------------------------------------------------------------------------------------


def _saltelli(y: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    """First-order (Saltelli 2010) and total (Jansen 1999) estimators from a Saltelli sample
    without second order: blocks of D + 2 rows A, AB_1 .. AB_D, B (Y centred and scaled first)."""
    y = ((y - y.mean()) / y.std()).reshape(-1, d + 2)
    a, b = y[:, 0], y[:, -1]
    var = np.var(np.concatenate([a, b]), ddof=0)
    s1 = np.array([np.mean(b * (y[:, 1 + i] - a)) / var for i in range(d)])
    st = np.array([0.5 * np.mean((a - y[:, 1 + i]) ** 2) / var for i in range(d)])
    return s1, st


def test_sobol_indices_match_the_estimators(sobol, capsys):
    assert cli_main(["sensitivity", str(sobol), "--column", "factor.oil", "--resamples", "100"]) == 0
    text = capsys.readouterr().out
    assert "S1 (first order)" in text and "ST (total)" in text
    df = pd.read_csv(sobol / "sensitivity.csv")
    pts = pd.read_csv(sobol / "points.csv")
    for out in ("mean.factor.oil", "p.closest.a.b"):
        rows = df[df["output"] == out]
        if rows["constant"].all():
            assert pts[out].nunique() == 1
            continue
        s1, st = _saltelli(pts[out].to_numpy(), 2)
        got = rows.set_index("input").loc[["factors.oil.initial", "relations.pairs.a,b.propensity"]]
        assert np.allclose(got["S1"], s1, rtol=1e-9, atol=1e-12) and np.allclose(got["ST"], st, rtol=1e-9, atol=1e-12)
        assert (got["S1_conf"] >= 0).all() and (got["ST_conf"] >= 0).all()
    oil = df[df["output"] == "mean.factor.oil"].set_index("input")
    assert oil.loc["factors.oil.initial", "ST"] > oil.loc["relations.pairs.a,b.propensity", "ST"]  # the start moves the end
    assert oil.loc["factors.oil.initial", "ST_conf"] > 0
    assert (sobol / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    md = (sobol / "sensitivity.md").read_text()
    assert "mean factor.oil" in md and "`factors.oil.initial`" in md


def test_sensitivity_needs_a_design(tmp_path, capsys):
    run_batch(Request(str(TINY), runs=10, seed=1, out=str(tmp_path / "plain"), workers=1, plots=False, quiet=True))
    assert cli_main(["sensitivity", str(tmp_path / "plain")]) == 2
    assert "not a design batch" in capsys.readouterr().err
    assert cli_main(["sensitivity", str(tmp_path / "nothing")]) == 2
    assert "not a batch directory" in capsys.readouterr().err


def test_morris_indices(tmp_path):
    from game.batch import sensitivity as sa
    from game.batch.results import open_batch

    out = design(tmp_path, "m", "morris:6", runs=8)
    df = sa.analyse(open_batch(out), ["factor.oil"], resamples=50)
    oil = df[df["output"] == "mean.factor.oil"].set_index("input")
    pts = pd.read_csv(out / "points.csv")
    # mu* is the mean absolute elementary effect: recompute it from the trajectories.
    x = pts[["vary.factors.oil.initial", "vary.relations.pairs.a,b.propensity"]].to_numpy()
    y = pts["mean.factor.oil"].to_numpy()
    effects = {0: [], 1: []}
    for t in range(6):
        xs, ys = x[t * 3 : (t + 1) * 3], y[t * 3 : (t + 1) * 3]
        for k in range(2):
            dx = xs[k + 1] - xs[k]
            i = int(np.flatnonzero(dx)[0])
            scaled = dx[i] / ([100.0, 1.2][i])
            effects[i].append((ys[k + 1] - ys[k]) / scaled)
    assert oil.loc["factors.oil.initial", "mu_star"] == pytest.approx(np.mean(np.abs(effects[0])), rel=1e-9)


# --- discovery ----------------------------------------------------------------------------------------


def test_discover_reports_boxes_that_hold_up(sobol, capsys):
    expr = "factor.oil > 110 and not closest.a == 'b'"
    assert cli_main(["discover", str(sobol), "--outcome", expr]) == 0
    text = capsys.readouterr().out
    assert "PRIM" in text and "CART" in text and "Coverage" in text
    d = json.loads((sobol / "discover.json").read_text())
    runs = pd.read_csv(sobol / "runs.csv")
    pts = pd.read_csv(sobol / "points.csv").set_index("point")
    hit = (runs["factor.oil"] > 110) & (runs["closest.a"] != "b")
    assert d["base_rate"] == pytest.approx(hit.mean())
    inside = pd.Series(True, index=runs.index)
    for lim in d["box"]["limits"]:
        x = runs["point"].map(pts[f"vary.{lim['input']}"])
        inside &= x.between(lim["low"], lim["high"])
    assert d["box"]["coverage"] == pytest.approx(hit[inside].sum() / hit.sum())
    assert d["box"]["density"] == pytest.approx(hit[inside].mean())
    assert d["box"]["density"] > d["base_rate"]  # the box is where the outcome is more likely
    assert any(lim["input"] == "factors.oil.initial" for lim in d["box"]["limits"])
    assert (sobol / "discover.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "expr, message",
    [
        ("closest.a == b", "quote it: 'b'"),
        ("closest.aa == 'b'", "did you mean 'closest.a'"),
        ("relation.a.b", "not true or false"),
        ("__import__('os')", "only columns"),
        ("closest.a ==", "not an expression"),
        ("outcome.a_reelected == 7", "never holds"),
    ],
)
def test_discover_explains_a_bad_outcome(sobol, capsys, expr, message):
    assert cli_main(["discover", str(sobol), "--outcome", expr]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
