"""Unit tests of the batch building blocks, on synthetic arrays (no engine runs)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.loader import overrides as ov
from game.batch.layout import Chunk, default_chunk_size, plan_chunks
from game.batch.progress import Progress
from game.batch.report import outcome_table
from game.batch.stats import Columns, Counts, hist_quantiles, share, wilson
from game.batch.worker import histogram_per_turn

# `tiny_data` (tests/data/tiny.yaml as loaded) comes from conftest.py.


# --- Wilson intervals ----------------------------------------------------------------------


def test_wilson_known_values():
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.27753, abs=1e-5)
    lo, hi = wilson(5, 10)
    assert (lo, hi) == (pytest.approx(0.23659, abs=1e-5), pytest.approx(0.76341, abs=1e-5))
    lo, hi = wilson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(1 - 0.27753, abs=1e-5)


@given(st.integers(1, 10**6), st.data())
def test_wilson_contains_estimate(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    lo2, hi2 = wilson(n - k, n)  # symmetric
    assert lo2 == pytest.approx(1 - hi, abs=1e-12) and hi2 == pytest.approx(1 - lo, abs=1e-12)


def test_share_record():
    s = share(3, 4)
    assert s["count"] == 3 and s["p"] == 0.75 and s["low"] < 0.75 < s["high"]


# --- streaming statistics --------------------------------------------------------------------


def _feed(x, cuts):
    """Columns over the rows of x, arriving in the given pieces (both passes)."""
    c = Columns(x.min(axis=0), x.max(axis=0))
    for part in np.split(x, cuts):
        c.add(part)
    c.plan()
    for part in np.split(x, cuts):
        c.collect(part)
    return c.finish()


def test_columns_match_numpy_and_ignore_how_rows_arrive():
    rng = np.random.default_rng(7)
    x = np.column_stack([rng.normal(3, 2, 10_000), rng.uniform(-1, 1, 10_000), np.full(10_000, 4.5)])

    def feed(cuts):
        return _feed(x, cuts)

    a = feed([10, 1000, 4097, 9000])
    b = feed([3333, 6666])
    c = feed([])
    assert a == b == c  # bit for bit, whatever the chunking
    for k in range(3):
        assert a[k]["mean"] == pytest.approx(x[:, k].mean(), rel=1e-12, abs=1e-12)
        assert a[k]["std"] == pytest.approx(x[:, k].std(ddof=1), rel=1e-9, abs=1e-12)
        assert a[k]["se"] == pytest.approx(x[:, k].std(ddof=1) / 100, rel=1e-9, abs=1e-15)
        for q in (5, 25, 50, 75, 95):  # exact: numpy's default quantile, to the last bit
            assert a[k][f"q{q:02d}"] == np.quantile(x[:, k], q / 100)
    assert a[2]["q50"] == 4.5 and a[2]["std"] == 0.0


@pytest.mark.parametrize("n", [1, 2, 3, 7, 1000, 4099])
def test_quantiles_of_whole_numbers_are_pandas_quantiles(n):
    """Defect 4: move counts are whole numbers; their median was 0.0003956 from a histogram."""
    import pandas as pd

    rng = np.random.default_rng(n)
    counts = rng.choice([0, 0, 0, 1, 2, 19], size=n).astype(float)  # mostly zeros, one big value
    floats = rng.lognormal(0, 3, size=n)  # a long tail: many values share a histogram bin
    x = np.column_stack([counts, floats])
    (c, f) = _feed(x, [n // 3] if n > 3 else [])
    for q in (5, 25, 50, 75, 95):
        assert c[f"q{q:02d}"] == pd.Series(counts).quantile(q / 100)
        assert f[f"q{q:02d}"] == pytest.approx(pd.Series(floats).quantile(q / 100), rel=1e-12)
    if n > 3:
        assert float(c["q50"]).is_integer() or c["q50"] * 2 == int(c["q50"] * 2)


def test_hist_quantiles_edge_cases():
    assert all(math.isnan(v) for v in hist_quantiles(np.zeros(8, dtype=np.int64), 0, 1))
    assert hist_quantiles(np.array([5, 0, 0, 0]), 2.0, 2.0) == [2.0] * 5
    qs = hist_quantiles(np.array([0, 10, 0, 0]), 0.0, 4.0, qs=(0.0, 0.5, 1.0))
    assert 1.0 <= qs[0] <= qs[1] <= qs[2] <= 2.0


def test_counts_of_categorical_outcomes():
    c = Counts(3, 2, [(0, 1), (0, 2), (1, 2)])
    outcomes = np.array([[True, False], [True, True], [False, False]])
    closest = np.array([[1, 0, 0], [2, 0, 1], [1, 2, 0]])
    blocs = np.array([[0, 0, 1], [0, 1, 1], [0, 0, 1]], dtype=np.int8)
    c.add(outcomes, closest, blocs)
    assert c.n == 3
    assert c.outcomes.tolist() == [2, 1]
    assert c.closest[0].tolist() == [0, 2, 1] and c.closest[1].tolist() == [2, 0, 1]
    assert c.same_bloc.tolist() == [2, 0, 1]
    assert dict(c.splits) == {0b100: 2, 0b110: 1}


def test_histogram_per_turn_counts_every_value():
    rng = np.random.default_rng(1)
    series = rng.uniform(-2, 2, size=(4, 50, 3))  # some values outside [-1, 1] land in the end bins
    h = histogram_per_turn(series, np.full(3, -1.0), np.full(3, 1.0), bins=16)
    assert h.shape == (4, 3, 16) and (h.sum(axis=2) == 50).all()
    assert h[:, :, 0].sum() == np.count_nonzero(series < -1 + 2 / 16)


# --- chunk planning ----------------------------------------------------------------------------


@given(st.integers(1, 3), st.integers(1, 5000), st.integers(1, 3000))
@settings(max_examples=60)
def test_chunks_cover_every_world_once(points, runs, size):
    chunks = plan_chunks(points, runs, size)
    assert [c.id for c in chunks] == list(range(len(chunks)))
    for p in range(points):
        mine = [c for c in chunks if c.point == p]
        covered = np.concatenate([np.arange(c.start, c.stop) for c in mine])
        assert covered.tolist() == list(range(runs))
        assert all(0 < c.size <= size for c in mine)


def test_default_chunk_size():
    assert default_chunk_size(10, 4) == 10
    assert default_chunk_size(1000, 2) == 250
    assert default_chunk_size(10_000, 2) == 1250
    assert default_chunk_size(1_000_000, 8) == 2000
    assert default_chunk_size(1, 16) == 1
    assert Chunk(12, 0, 0, 5).filename == "chunk-00012.npz"


# --- --set and --sweep ---------------------------------------------------------------------------


def test_parse_set_values():
    assert ov.parse_set("factors.oil.initial=40") == ov.Setting("factors.oil.initial", 40)
    assert ov.parse_set(" turns = 12 ").value == 12
    assert ov.parse_set("x.y=1e3").value == 1000.0
    assert ov.parse_set("x.y=true").value is True
    for bad in ("factors.oil.initial", "=3", "a..b=1", "a.b=", "a.b=[1,2]", "a.b=nan", "a.b=inf"):
        with pytest.raises(ov.OverrideError):
            ov.parse_set(bad)


def test_parse_sweep_and_grid():
    s = ov.parse_sweep("factors.oil.initial=40,60,80")
    assert s.values == (40, 60, 80)
    assert ov.parse_sweep(s.text) == s
    with pytest.raises(ov.OverrideError, match="twice"):
        ov.parse_sweep("a.b=1,2,1")
    g = ov.grid([ov.Sweep("a", (1, 2)), ov.Sweep("b", ("x", "y", "z"))])
    assert g[:4] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"}, {"a": 2, "b": "x"}]
    assert ov.grid([]) == [{}]
    with pytest.raises(ov.OverrideError, match="more than once"):
        ov.check_distinct([ov.Setting("a", 1)], [ov.Sweep("a", (1, 2))])


def test_apply_addresses_items_by_id(tiny_data):
    settings_ = [
        ov.parse_set("factors.oil.initial=40"),
        ov.parse_set("relations.pairs.c,b.propensity=0.9"),
        ov.parse_set("payoffs.b.factors.oil.weight=2"),
        ov.parse_set("moves.a.moves.a_resolution.probability=0.5"),
        ov.parse_set("events.election.outcomes.a_reelected.chance.intercept=-1"),
        ov.parse_set("factors.0.max=140"),
        ov.parse_set("factors.sanctions.dynamics.drift=1.5"),  # absent from the file, known to the schema
    ]
    d = ov.apply(tiny_data, settings_)
    assert d["factors"][1]["initial"] == 40
    assert d["relations"]["pairs"][1]["propensity"] == 0.9
    assert d["payoffs"]["b"]["factors"][1]["weight"] == 2
    assert d["moves"][0]["moves"][1]["probability"] == 0.5
    assert d["events"][0]["outcomes"][0]["chance"]["intercept"] == -1
    assert d["factors"][0]["max"] == 140 and d["factors"][0]["dynamics"]["drift"] == 1.5
    assert tiny_data["factors"][1]["initial"] == 70  # the original is untouched


@pytest.mark.parametrize(
    "text, message",
    [
        ("factors.oill.initial=3", "did you mean 'oil'"),
        ("factors.oil.intial=3", "did you mean 'initial'"),
        ("factors.oil.dynamix.drift=3", "did you mean 'dynamics'"),
        ("factors.oil=3", "whole section"),
        ("factors.oil.initial=abc", "not a number"),
        ("factors.oil.initial.x=1", "single value"),
        ("factors.9.initial=1", "no item 9"),
        ("relations.pairs.a,c.initial=0.1", "no item 'a,c'"),
        ("payoffs.c.relations.a.weight=1", "not in the scenario file"),
        ("actors.b.veto=3", "true or false"),
    ],
)
def test_apply_rejects_unknown_paths(tiny_data, text, message):
    with pytest.raises(ov.OverrideError, match=message):
        ov.apply(tiny_data, [ov.parse_set(text)])


# --- progress and report ---------------------------------------------------------------------------


def test_progress_is_quiet_off_a_terminal():
    buf = io.StringIO()
    p = Progress(100, stream=buf)
    p.update(50)
    p.close()
    assert buf.getvalue() == ""


def test_progress_bar_on_a_terminal():
    buf = io.StringIO()
    p = Progress(1000, done=200, stream=buf, enabled=True)
    p.update(800)
    p.close()
    text = buf.getvalue()
    assert "1,000/1,000 runs" in text and "runs/s" in text and "left" in text and text.endswith("\n")


def test_outcome_table_side_by_side():
    def point(pa):
        return {
            "events": [{"event": "Vote", "label": "Yes", "outcome": "yes", **share(pa, 100)}],
            "closest": [],
            "same_bloc": [],
            "bloc_splits": [],
        }

    text = outcome_table([point(30), point(70)], ["first", "second"])
    assert "Yes (yes)" in text and "30.0%" in text and "70.0%" in text
    md = outcome_table([point(30)], ["p"], markdown=True)
    assert md.splitlines()[0] == "| outcome | p |"


def test_columns_by_group_means():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(9000, 2))
    flags = np.column_stack([x[:, 0] > 0.5, np.zeros(9000, dtype=bool)])
    c = Columns(x.min(axis=0), x.max(axis=0), groups=2)
    for part_x, part_f in zip(np.split(x, [100, 5000]), np.split(flags, [100, 5000])):
        c.add(part_x, part_f)
    c.plan()
    g = c.by_group()
    assert g[0][0]["with"] == pytest.approx(x[flags[:, 0], 0].mean())
    assert g[0][0]["without"] == pytest.approx(x[~flags[:, 0], 0].mean())
    assert g[0][0]["effect"] > 1.0 and abs(g[0][1]["effect"]) < 0.1
    assert math.isnan(g[1][0]["with"]) and math.isnan(g[1][0]["effect"])  # never happened


def test_short_sweep_labels():
    from game.batch.report import short_labels

    summary = {
        "sweeps": [{"path": "factors.oil.initial", "values": [40]}, {"path": "factors.sanctions.initial", "values": [1]}],
        "points": [{"label": "x", "values": {"factors.oil.initial": 40, "factors.sanctions.initial": 1}}],
    }
    assert short_labels(summary) == ["oil.initial=40, sanctions.initial=1"]
    summary["sweeps"] = summary["sweeps"][:1]
    summary["points"] = [{"label": "x", "values": {"factors.oil.initial": 40.5}}]
    assert short_labels(summary) == ["initial=40.5"]


def test_fan_quantiles_equal_the_per_histogram_definition():
    from game.batch.stats import fan_quantiles

    rng = np.random.default_rng(5)
    hist = rng.integers(0, 4, size=(3, 4, 16))
    hist[0, 1] = 0  # an empty histogram gives NaN
    lo, hi = np.array([0.0, -1.0, 5.0, 2.0]), np.array([10.0, 1.0, 5.0, 3.0])  # one empty range
    got = fan_quantiles(hist, lo, hi)
    for t in range(3):
        for k in range(4):
            want = hist_quantiles(hist[t, k], lo[k], hi[k])
            assert got[:, t, k] == pytest.approx(want, nan_ok=True, rel=1e-12, abs=1e-12)
