"""The Mesa model as the front door: `mesa.batch_run` drives it, its agents own the seats, and its
DataCollector series hold each turn's close (the state after the turn's moves and dynamics,
before the next turn's events), which the screen charts and a batch writes."""

from __future__ import annotations

import json

import mesa
import numpy as np
import pytest

from conftest import TINY, make_game, quiet
from game import ai, rules
from game.model import SummitModel, simulate


def test_batch_run_plays_each_seed_to_the_end():
    results = mesa.batch_run(SummitModel, parameters={"scenario": str(TINY)}, rng=[1, 2], max_steps=50,
                             number_processes=1, display_progress=False, data_collection_period=1)
    for seed in (1, 2):
        rows = sorted((r for r in results if r["seed"] == seed), key=lambda r: r["Step"])
        assert [r["Step"] for r in rows] == list(range(7))  # the start and six turns, then the model stops
        model = SummitModel(str(TINY), seed=seed)
        model.run()
        np.testing.assert_array_equal(np.stack([r["x"] for r in rows]), model.trajectory())
    last = mesa.batch_run(SummitModel, parameters={"scenario": str(TINY)}, rng=[1], max_steps=50,
                          number_processes=1, display_progress=False)
    assert len(last) == 1 and last[0]["Step"] == 6


def event_at_turn_one(data: dict) -> dict:
    """Quiet tiny, plus oil +20 at the opening of turn 1 and +5 at the opening of turn 0."""
    data = quiet(data)
    data["events"] = [
        {"kind": "scheduled", "id": "early", "label": "Early", "date": "2019-04-25", "rationale": "Test.",
         "outcomes": [{"id": "early_news", "label": "News", "effects": {"factors": [{"factor": "oil", "delta": 5}]}}]},
        {"kind": "scheduled", "id": "shock", "label": "Shock", "date": "2019-06-01", "rationale": "Test.",
         "outcomes": [{"id": "shock_news", "label": "News", "effects": {"factors": [{"factor": "oil", "delta": 20}]}}]},
    ]
    return data


def test_series_rows_are_each_turns_close(tiny_copy):
    game = make_game(event_at_turn_one(tiny_copy))
    model = SummitModel(game, seed=4)
    oil = game.factor_index["oil"]
    assert model.series()["factors"][0, oil] == 70.0  # the scenario's start, before turn 0's events
    assert model.state.factors()["oil"] == 75.0  # turn 0 is open: its event happened
    model.step()
    assert model.state.factors()["oil"] == 95.0  # turn 1 is open: the shock is in the state...
    assert model.series()["factors"][1, oil] == 75.0  # ...not in the close of turn 0
    model.step()
    assert model.series()["factors"][2, oil] == 95.0


def test_series_match_the_rules_played_by_hand(tiny_game):
    model = SummitModel(tiny_game, seed=9)
    model.run()
    w = rules.new_worlds(tiny_game, 9, np.array([0]))
    closes = [w.x.copy()]
    for record in model.state.records:
        rules.open_turn(tiny_game, w)
        pol = ai.policy(tiny_game, w)
        res = rules.resolve(tiny_game, w, np.array([record.choices]), rules.Decisions(pol.block_prob, pol.accept_prob, {}, {}))
        rules.close_turn(tiny_game, w, res)
        closes.append(w.x.copy())
    series = model.series()
    np.testing.assert_array_equal(np.concatenate([series["factors"], series["pairs"]], axis=1), np.concatenate(closes))
    rel = series["relations"]
    assert rel.shape == (tiny_game.turns + 1, 3, 3)
    np.testing.assert_array_equal(rel, np.swapaxes(rel, 1, 2))
    assert (rel[:, [0, 1, 2], [0, 1, 2]] == 0).all()


def test_simulate_records_the_same_series_as_the_model(tiny_game):
    out = simulate(tiny_game, 3, np.arange(4), record_steps=True)
    for k in (0, 3):
        model = SummitModel(tiny_game, worlds=np.array([k]), seed=3)
        model.run()
        np.testing.assert_array_equal(out["factor_series"][:, k], model.series()["factors"])
        np.testing.assert_array_equal(out["scores"][k], model.state.worlds.scores[0])


def test_leaders_are_agents_that_follow_their_seat(tiny_copy):
    tiny_copy["events"][0]["date"] = "2019-04-25"
    tiny_copy["events"][0]["outcomes"][0]["chance"] = 0.0  # A loses the opening election
    model = SummitModel(make_game(tiny_copy), seed=1)
    assert [a.actor_id for a in model.agents] == ["a", "b", "c"]
    assert model.leader("a").name == "Leader A2" and model.leader("b").name == "Leader B"


def test_a_finished_model_stops(tiny_game):
    model = SummitModel(tiny_game, seed=1)
    model.run()
    assert not model.running and model.state.is_terminal()
    before = model.state.fingerprint()
    model.step()
    assert model.state.fingerprint() == before and len(model.trajectory()) == tiny_game.turns + 1


@pytest.mark.parametrize("damage", ["not json", "{}", "series", "format"])
def test_a_damaged_game_file_says_so(tiny_game, damage):
    model = SummitModel(tiny_game, seed=1)
    model.step()
    data = json.loads(model.save())
    if damage == "not json":
        text = "{"
    elif damage == "{}":
        text = "{}"
    elif damage == "series":
        data["game"]["series"] = data["game"]["series"][:1]
        text = json.dumps(data)
    else:
        data["format"] = "summit-game-1"
        text = json.dumps(data)
    with pytest.raises(ValueError, match="cannot load the saved game"):
        SummitModel.load(text)
