"""Strategies as specifications, after the Axelrod library's `versus_test`: put a strategy in a
seat, play a few turns, and check each turn's move against what its definition says it must be.

* FastAI: the fast AI's draw: its choice probabilities sampled with the CHOICE stream;
* Planner: its rollout values, sampled the same way (and, on a deterministic game, the value
  of a move is the discounted sum of payoffs along the one path it leads to);
* Scripted: the first of its moves that is allowed, else the fast AI's choice;
* Human: the team's move; the fast AI where the team has none.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import TINY, add_move, make_game, move_of, quiet
from game import ai, rng, strategies
from game.model import SummitModel, seat_strategies
from game.strategies import FastAI, Human, Planner, Scripted, make, parse_spec

A, B, C = 0, 1, 2


def choice_draw(state, slot: int) -> np.ndarray:
    """[W] the documented uniform numbers a seat's choice is drawn with."""
    return rng.uniform_slots(state.seed, state.worlds.index, state.turn, rng.CHOICE, np.array([slot]))[:, 0]


def moves_played(model: SummitModel, slot: int, turns: int) -> list[str]:
    out = []
    for _ in range(turns):
        model.step()
        out.append(model.game.move_ids[model.last_record.choices[slot]])
    return out


# --- the fast AI ---------------------------------------------------------------------------------


def test_fast_ai_samples_its_choice_probabilities(tiny_game):
    model = SummitModel(tiny_game, worlds=200, seed=5, ai="fast")
    assert all(isinstance(a.strategy, FastAI) for a in model.agents)
    for _ in range(3):
        state = model.state
        prob = state.policy().prob
        expected = np.stack([ai.sample(tiny_game, prob, choice_draw(state, s), s) for s in range(3)], axis=1)
        model.step()
        np.testing.assert_array_equal(model.state.last.choices, expected)
        # the draw follows the probabilities: a move with chance 0 is never drawn
        assert prob[np.arange(200)[:, None], expected].min() > 0


def test_sample_inverts_the_cumulative_probabilities(tiny_game):
    prob = np.zeros((5, tiny_game.n_moves))
    s, e = tiny_game.move_start[A], tiny_game.move_stop[A]
    prob[:, s:e] = [0.25, 0.75]
    u = np.array([0.0, 0.2499, 0.25, 0.9, 0.999999])
    np.testing.assert_array_equal(ai.sample(tiny_game, prob, u, A), [s, s, s + 1, s + 1, s + 1])
    assert (ai.sample(tiny_game, np.zeros_like(prob), u, A) == strategies.NO_MOVE).all()  # nothing allowed: no move


def test_the_model_plays_as_the_state_api_does(tiny_game):
    model = SummitModel(tiny_game, rng=13)
    model.run()
    state = tiny_game.new_state(13)
    state.play_out()
    assert model.state.fingerprint() == state.fingerprint()


# --- the planner ------------------------------------------------------------------------------------


def planner_game(tiny_copy: dict, horizon: int = 6):
    """b alone chooses (the others can only wait); nothing random; b's fast AI is all but
    certain (rationality 1000), so a rollout after b's first move is one known path."""
    data = quiet(tiny_copy)
    data["moves"][0]["moves"] = [m for m in data["moves"][0]["moves"] if m["id"] == "a_wait"]
    data["actors"][B].update(rationality=1000, ai="planner")
    data["planner"] = {"rollouts": 3, "horizon": horizon}
    return make_game(data)


def b_path_value(first: str, turns: int = 6) -> float:
    """b's payoff, discounted by its patience 0.98, along: `first`, then ghost ships every turn."""
    s, r_bc, total = 50.0, 0.4, 0.0
    for k in range(turns):
        smuggle = first == "b_smuggle" if k == 0 else True
        s = max(s - 5 * smuggle, 0.0)
        s += 0.1 * (40 - s)
        r_bc += 0.05 * (0.5 - r_bc)
        total += 0.98**k * (-2.0 * s / 100 + 0.5 * 50 / 130 + 1.0 * r_bc)
    return 100 * total / 3.5  # per cent of b's stakes (2 + 0.5 + 1)


@pytest.mark.parametrize("horizon", [6, 2])
def test_planner_values_a_move_by_the_path_it_leads_to(tiny_copy, horizon):
    game = planner_game(tiny_copy, horizon)
    model = SummitModel(game, seed=2)
    assert isinstance(model.leader("b").strategy, Planner) and isinstance(model.leader("a").strategy, FastAI)
    plan = model.plan()
    assert plan.slots == (B,)
    for move in ("b_wait", "b_smuggle"):
        # with a short horizon the rest of the game is valued in closed form: the same here,
        # since nothing random happens and ghost ships every turn is what b's fast AI does
        if horizon == 6:
            assert plan.value[0, game.move_index[move]] == pytest.approx(b_path_value(move), rel=1e-9)
    assert plan.se[0, game.move_index["b_smuggle"]] == 0.0  # every rollout is the same path
    assert np.isnan(plan.value[0, game.move_index["a_wait"]])  # a does not plan
    assert plan.value[0, game.move_index["b_smuggle"]] > plan.value[0, game.move_index["b_wait"]]


def test_planner_samples_a_logit_of_its_values(tiny_copy):
    data = quiet(tiny_copy)
    data["actors"][B].update(ai="planner", rationality=0.2)
    data["planner"] = {"rollouts": 4, "horizon": 2}
    game = make_game(data)
    model = SummitModel(game, worlds=50, seed=4)
    for _ in range(2):
        plan = model.plan()
        ms = list(range(game.move_start[B], game.move_stop[B]))
        z = 0.2 * plan.value[:, ms]
        expected = np.exp(z - z.max(axis=1, keepdims=True))
        np.testing.assert_allclose(plan.prob[:, ms], expected / expected.sum(axis=1, keepdims=True), rtol=1e-12)
        pick = ai.sample(game, plan.prob, choice_draw(model.state, B), B)
        model.step()
        np.testing.assert_array_equal(model.state.last.choices[:, B], pick)


def test_planner_is_reproducible_and_independent_of_the_batch(tiny_copy):
    data = tiny_copy
    data["planner"] = {"rollouts": 4, "horizon": 2}
    game = make_game(data)
    batch = SummitModel(game, worlds=np.arange(6), seed=8, ai="planner")
    batch.run()
    for k in (0, 4):
        alone = SummitModel(game, worlds=np.array([k]), seed=8, ai="planner")
        alone.run()
        np.testing.assert_array_equal(alone.state.worlds.x[0], batch.state.worlds.x[k])
        np.testing.assert_array_equal(alone.state.worlds.move_chosen[0], batch.state.worlds.move_chosen[k])


# --- scripted ----------------------------------------------------------------------------------------


def test_scripted_plays_the_first_allowed_of_its_moves_else_the_fast_ai(tiny_copy):
    data = quiet(tiny_copy)
    move_of(data, "b_smuggle")["preconditions"] = [{"turn": {"max": 1}}]
    move_of(data, "b_wait")["preconditions"] = [{"turn": {"max": 3}}]
    add_move(data, "b", {"id": "b_trade", "effects": {"factors": [{"factor": "oil", "delta": 5}]}})
    add_move(data, "b", {"id": "b_protest", "effects": {"relations": [{"between": ["a", "b"], "delta": -0.05}]}})
    game = make_game(data)
    model = SummitModel(game, seed=3, ai={"b": "scripted:b_smuggle,b_wait"})
    assert isinstance(model.leader("b").strategy, Scripted)
    played, fallback = [], []
    while model.running:
        fallback.append(game.move_ids[model.state.ai_choice(B)[0]])
        model.step()
        played.append(game.move_ids[model.last_record.choices[B]])
    assert played[:4] == ["b_smuggle", "b_smuggle", "b_wait", "b_wait"]
    assert played[4:] == fallback[4:] and set(played[4:]) <= {"b_trade", "b_protest"}


def test_one_scripted_spec_for_every_computer_leader(tiny_game):
    """`--ai scripted:...` for all: each leader plays the listed moves that are its own, else the fast AI."""
    model = SummitModel(tiny_game, seed=1, ai="scripted:b_smuggle,a_resolution")
    assert [a.strategy.name for a in model.agents] == ["scripted:a_resolution", "scripted:b_smuggle", "fast"]
    c_ai = model.state.ai_choice(C)[0]
    model.step()
    choices = model.last_record.choices
    assert choices[A] == tiny_game.move_index["a_resolution"]
    assert choices[B] == tiny_game.move_index["b_smuggle"]
    assert choices[C] == c_ai
    loaded = SummitModel.load(model.save())  # the saved seats say what each plays
    assert [a.strategy.name for a in loaded.agents] == [a.strategy.name for a in model.agents]


def test_scripted_names_unknown_moves(tiny_game):
    with pytest.raises(ValueError, match="'b_smugle' is not a move of any leader"):
        SummitModel(tiny_game, seed=1, ai="scripted:b_smugle")
    with pytest.raises(ValueError, match="'a_wait' is not a move of b"):
        SummitModel(tiny_game, seed=1, ai={"b": "scripted:a_wait"})


# --- human -------------------------------------------------------------------------------------------


def test_human_plays_the_teams_move_and_the_ai_where_it_has_none(tiny_game):
    model = SummitModel(tiny_game, seed=6, humans=("b",))
    assert isinstance(model.leader("b").strategy, Human)
    model.submit({"b": "b_smuggle"})
    model.step()
    assert model.last_record.choices[B] == tiny_game.move_index["b_smuggle"] and model.last_record.by_hand == ["b"]
    expected = model.state.ai_choice(B)[0]
    model.step()  # the team chose nothing this turn
    assert model.last_record.choices[B] == expected and model.last_record.by_hand == []


def test_humans_answer_the_questions_of_their_seat(tiny_game):
    model = SummitModel(tiny_game, seed=6, humans=("a", "c"))
    questions = model.state.questions({"a": "a_resolution"})
    assert [(q.kind, q.actor) for q in questions] == [("block", "c")]
    model.submit({"a": "a_resolution"}, {("block", "c", "a_resolution"): True})
    model.step()
    assert model.last_record.results[A] == 2 and model.last_record.blocked_by[A] in (B, C)


def test_submit_refuses_what_a_team_may_not_do(tiny_copy):
    move_of(tiny_copy, "b_smuggle")["preconditions"] = [{"turn": {"min": 3}}]
    model = SummitModel(make_game(tiny_copy), seed=6, humans=("b",))
    with pytest.raises(ValueError, match="not allowed now"):
        model.submit({"b": "b_smuggle"})
    with pytest.raises(ValueError, match="not a move of"):
        model.submit({"b": "a_wait"})


# --- specs -----------------------------------------------------------------------------------------------


def test_make_and_parse_spec():
    assert isinstance(make("fast"), FastAI) and isinstance(make("planner"), Planner) and isinstance(make("human"), Human)
    assert make("scripted:x,y").move_ids == ("x", "y")
    assert parse_spec(None) is None and parse_spec("  ") is None
    assert parse_spec(" planner ") == "planner"
    assert parse_spec("kim=planner; trump=scripted:trump_summit") == {"kim": "planner", "trump": "scripted:trump_summit"}


@pytest.mark.parametrize("text, message", [
    ("clever", "unknown strategy 'clever'; use fast, planner, human or scripted"),
    ("scripted:", "needs at least one move id"),
    ("kim=", "'kim=' is not ACTOR=STRATEGY"),
    ("=fast", "'=fast' is not ACTOR=STRATEGY"),
    ("kim=human", "'human' is not a computer strategy; use --humans"),
    ("kim=fast;trump=genius", "unknown strategy 'genius'"),
])
def test_parse_spec_errors(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_spec(text)


def test_seats_follow_the_scenario_unless_told(tiny_copy):
    tiny_copy["actors"][C]["ai"] = "planner"
    game = make_game(tiny_copy)
    assert [s.name for s in seat_strategies(game)] == ["fast", "fast", "planner"]
    assert [s.name for s in seat_strategies(game, humans=("a",), ai={"b": "planner"})] == ["human", "planner", "planner"]
    assert [s.name for s in seat_strategies(game, ai="fast")] == ["fast", "fast", "fast"]
    with pytest.raises(ValueError, match="unknown leader"):
        seat_strategies(game, ai={"zed": "fast"})


def test_batch_run_accepts_a_path_like_the_front_door():
    assert SummitModel(str(TINY), rng=1).game.actor_ids == ("a", "b", "c")


@pytest.mark.parametrize("spec, message", [
    ("scripted:zzz", "--ai: 'zzz' is not a move of any leader in this scenario"),
    ("b=scripted:a_wait", "--ai: 'a_wait' is not a move of b"),
    ("zed=fast", "--ai: unknown leader(s) zed; choose from a, b, c"),
])
def test_batch_refuses_a_strategy_that_cannot_play_before_it_starts(tmp_path, capsys, spec, message):
    from game.cli import main

    out = tmp_path / "runs"
    assert main(["batch", str(TINY), "--runs", "5", "--seed", "1", "--ai", spec, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()  # nothing started, nothing to resume
