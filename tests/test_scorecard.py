"""The debrief's numbers and the class's export: points goal by goal, the same world played by the
AI in a team's seat, the advisor's forecast, the lens for two leaders, and the exported game read
back as untrusted input. Each figure is checked against an independent computation."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from game import advisor, export, lens, lensview, planner, scorecard
from game.errors import SaveError
from game.model import SummitModel

from conftest import BASELINE, TINY, make_game, move_of


def played(humans=("kim", "trump"), seed=2019, months=19, picks=None) -> SummitModel:
    picks = picks or {"kim": ["kim_wait"], "trump": ["trump_third_summit", "trump_letters"]}
    model = SummitModel(BASELINE, humans=humans, seed=seed)
    for _ in range(months):
        choices = {}
        for h in humans:
            legal = model.state.legal_actions(h)
            choices[h] = next((m for m in picks.get(h, []) if m in legal), legal[0])
        model.submit(choices, {("consent", "kim", "trump_third_summit"): True} if "kim" in humans else {})
        model.step()
    return model


def test_goal_points_add_up_to_the_score_and_match_a_hand_computation():
    model = played()
    g, st = model.game, model.state
    closes = model.trajectory()[1:, 0]
    card = scorecard.breakdown(g, st.records, closes)
    for aid, rows in card.items():
        assert sum(r.points for r in rows) == pytest.approx(st.scores()[aid], abs=1e-9)
    # Kim's weight on deference: 0.8 for the factor going from 0 to 100, every month
    f = g.factor_index["deference"]
    row = next(r for r in card["kim"] if r.goal.key == ("factor", f))
    assert row.points == pytest.approx(sum(0.8 * x[f] / 100 for x in closes))
    assert row.still == pytest.approx(len(closes) * 0.8 * 60 / 100)  # the opening state: deference 60
    # Trump's office: 3.0 a month while he holds it
    office = [r for r in card["trump"] if r.goal.key == ("office",)]
    assert office and office[0].points == pytest.approx(3.0 * sum(1 for r in st.records if r.personas[2] == 2))


def test_the_same_world_by_the_ai_equals_the_game_when_the_team_played_as_the_ai_would():
    model = SummitModel(BASELINE, humans=("kim",), seed=31)
    for _ in range(8):
        model.submit({"kim": model.game.move_ids[int(model.state.ai_choice(0)[0])]})  # no answers: the AI's, as in the replay
        model.step()
    c = scorecard.compare(model.state, "kim")
    assert c.team == pytest.approx(c.ai, abs=1e-12) and c.differences == [] and c.months == 8


def test_the_same_world_by_the_ai_is_the_ai_only_game_when_one_team_played():
    model = played(humans=("kim",), seed=5, months=19, picks={"kim": ["kim_dismantle", "kim_wait"]})
    c = scorecard.compare(model.state, "kim")
    alone = SummitModel(BASELINE, seed=5)
    alone.run()
    assert c.ai == pytest.approx(alone.state.scores()["kim"], abs=1e-12)
    assert c.team == pytest.approx(model.state.scores()["kim"]) and c.differences
    assert c.differences[0][1] in ("Dismantle a nuclear site", "Wait Trump out")
    assert "the same world with the computer in this seat" in c.words()


def test_the_same_world_keeps_the_other_teams_moves_and_a_shorter_game():
    model = played(months=10)
    c = scorecard.compare(model.state, "kim", months=6)
    replay = scorecard.same_world_by_ai(model.state, "kim", months=6)
    assert len(replay.state.records) == 6
    trump = model.game.actor_index["trump"]
    kept = [r.choices[trump] == m.choices[trump] for r, m in zip(replay.state.records, model.state.records)]
    assert kept[0]  # the first month is the same world: Trump's team's move is replayed
    assert c.team == pytest.approx(sum(r.payoffs[0] for r in model.state.records[:6]))


def test_the_advisor_gives_the_planners_values_with_paired_intervals():
    model = SummitModel(BASELINE, humans=("kim", "trump"), seed=2019)
    g, st = model.game, model.state
    before = st.fingerprint()
    adv = advisor.advise(st, "kim", rollouts=24, months=4)
    assert st.fingerprint() == before  # the look-ahead never touches the class's game
    plan = planner.plan(g, st.worlds, (0,), st.policy(), 24, 4)
    stakes = g.stakes[0]
    assert {f.move_id for f in adv.forecasts} == set(st.legal_actions("kim"))
    for f in adv.forecasts:
        m = g.move_index[f.move_id]
        assert f.value == pytest.approx(plan.value[0, m] * stakes / 100)
        assert f.low < f.value < f.high
        assert f.behind == pytest.approx(adv.forecasts[0].value - f.value, abs=1e-9)
        assert f.behind_low <= f.behind <= f.behind_high
    assert [f.value for f in adv.forecasts] == sorted((f.value for f in adv.forecasts), reverse=True)
    assert advisor.advise(st, "kim", rollouts=24, months=4).forecasts == adv.forecasts  # the same every time
    assert adv.lines()[1].startswith("  1. ")


def test_the_lens_table_is_the_lens_commands_game():
    model = SummitModel(TINY, seed=3)
    table = lensview.stage_table(model.state, "a", "b")
    data = lens.summary(model.state, ["a", "b"])
    assert np.allclose(table.payoff[..., 0], data["bimatrix"]["row_payoff"])
    assert np.allclose(table.payoff[..., 1], data["bimatrix"]["column_payoff"])
    assert [(table.moves[0][i], table.moves[1][j]) for i, j in table.pure] == \
        [(e["a"], e["b"]) for e in data["pure_equilibria"]]
    for k, a in enumerate(("a", "b")):
        d = data["dominant"][a]
        assert (table.moves[k][table.dominant[k]] if table.dominant[k] is not None else None) == d
    lensview.add_mixed(table)
    assert len(table.mixed) == len(data["mixed_equilibria"])
    text = "\n".join(table.lines())
    assert "Leader A" in text and "Leader B" in text and "The computer would play for" in text
    with pytest.raises(ValueError, match="two different"):
        lensview.stage_table(model.state, "a", "a")


def test_the_export_holds_every_month_and_reads_back(tmp_path):
    model = played(months=7)
    st = model.state
    data = export.game_data(st, model.trajectory()[1:, 0], ("kim", "trump"), {"last_turn": 7})
    js, table = export.write(data, tmp_path / "class-a")
    back = export.read(js)
    assert back.months == 7 and back.seed == 2019 and back.teams == ["kim", "trump"]
    assert back.scores == pytest.approx(st.scores())
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert len(rows) == 7
    first = st.records[0]
    assert rows[0]["kim.by"] == "team" and rows[0]["putin.by"] == "computer"
    assert float(rows[0]["kim.roll"]) == pytest.approx(first.roll[0], abs=1e-4)
    assert float(rows[6]["trump.score"]) == pytest.approx(st.scores()["trump"], abs=1e-5)
    assert float(rows[6]["relation.kim-trump"]) == pytest.approx(st.relation("kim", "trump"), abs=1e-6)
    month = json.loads(js.read_text())["turns"][0]
    assert month["moves"]["kim"]["reason"] and month["what_moved"][0]["parts"]


def test_csv_cells_never_start_a_formula(tiny_copy, tmp_path):
    move_of(tiny_copy, "a_wait")["label"] = "=HYPERLINK(1)"
    model = SummitModel(make_game(tiny_copy), humans=("a",), seed=1)
    model.submit({"a": "a_wait"})
    model.step()
    text = export.csv_text(export.game_data(model.state, model.trajectory()[1:, 0], ("a",)))
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(format="other"), "not a Summit class-game file"),
    (lambda d: d["final"]["scores"].update(zed=1.0), "leaders its scenario does not have"),
    (lambda d: d.update(months_played=99), "months_played is 99"),
    (lambda d: d["scenario"].update(turns=-1), "scenario inside is not valid"),
    (lambda d: d["final"]["scores"].update(kim="1"), "final.scores.kim"),
])
def test_a_damaged_export_is_refused_with_its_name(tmp_path, change, words):
    model = played(months=2)
    data = export.game_data(model.state, model.trajectory()[1:, 0], ("kim",))
    change(data)
    path = tmp_path / "x-game.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SaveError, match=words):
        export.read(path)
    assert str(path) in str(pytest.raises(SaveError, export.read, path).value)


def test_non_files_and_nan_are_refused(tmp_path):
    with pytest.raises(SaveError, match="folder|not a regular"):
        export.read(tmp_path)
    path = tmp_path / "nan-game.json"
    path.write_text('{"format": "summit-class-game", "seed": NaN}')
    with pytest.raises(SaveError, match="NaN"):
        export.read(path)
