"""The rules, the AI and the game API: reproducibility, hand-computed cases, statistics."""

import math

import mesa
import numpy as np
import pytest

from game import ai
from game.state import State, simulate
from conftest import TINY, make_game


def quiet(data: dict) -> dict:
    """Remove every random shock so a turn can be computed by hand."""
    for f in data["factors"]:
        f["dynamics"]["volatility"] = 0
    data["relations"]["volatility"] = 0
    data["events"] = []
    return data


def wilson(k: int, n: int, z: float = 3.29) -> tuple[float, float]:
    """Wilson interval (z = 3.29: 99.9%)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


# --- reproducibility -------------------------------------------------------------------


def test_same_seed_same_worlds(tiny_game):
    a, b = simulate(tiny_game, 11, 200), simulate(tiny_game, 11, 200)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    c = simulate(tiny_game, 12, 200)
    assert not np.array_equal(a["factors"], c["factors"])


def test_world_alone_equals_world_in_batch(tiny_game):
    batch = simulate(tiny_game, 5, np.arange(1000), record_steps=True)
    for k in (0, 1, 417, 999):
        alone = simulate(tiny_game, 5, np.array([k]), record_steps=True)
        for key in alone:
            if key.endswith("series"):
                np.testing.assert_array_equal(alone[key][:, 0], batch[key][:, k])
            else:
                np.testing.assert_array_equal(alone[key][0], batch[key][k])


def test_chunks_compose(tiny_game):
    whole = simulate(tiny_game, 9, np.arange(300))
    parts = [simulate(tiny_game, 9, np.arange(s, s + 100)) for s in (0, 100, 200)]
    np.testing.assert_array_equal(whole["scores"], np.concatenate([p["scores"] for p in parts]))


def test_interactive_state_matches_simulation(tiny_game):
    state = tiny_game.new_state(21, worlds=np.array([3]))
    state.play_out()
    sim = simulate(tiny_game, 21, np.array([3]))
    np.testing.assert_array_equal(state.worlds.scores, sim["scores"])
    assert len(state.history) == tiny_game.turns


# --- hand-computed cases -----------------------------------------------------------------------


def test_effects_dynamics_and_payoff_by_hand(tiny_copy):
    data = quiet(tiny_copy)
    game = make_game(data)
    state = game.new_state(1, humans=("a", "b", "c"))
    state.advance({"a": "a_wait", "b": "b_smuggle", "c": "c_wait"})
    # sanctions: 50 - 5 (ghost ships, noise 1 -> drawn) then reversion 0.1 toward 40.
    noise = state.worlds.factors[0, 0]  # recompute expectation without the noise draw:
    from game import rng as R

    z = R.normal(1, np.array([0]), 0, R.MOVE_NOISE, 3 * (2 + 3)).reshape(1, 3, 5)[0, 1, 0]
    after_move = 50 - 5 + 1.0 * z
    expected = after_move + 0.1 * (40 - after_move)
    assert state.factors()["sanctions"] == pytest.approx(expected, abs=1e-12)
    assert noise == pytest.approx(expected)
    # oil: volatility 0, no drift -> unchanged.
    assert state.factors()["oil"] == 70
    # relations drift 5% toward propensity: a-b -0.2 -> -0.2 + 0.05*(-0.3+0.2)
    assert state.relation("a", "b") == pytest.approx(-0.2 + 0.05 * (-0.1))
    # payoff of a: 1.0 * sanctions/100 + 0.5 * relation(a, b)
    assert state.history[0].payoffs["a"] == pytest.approx(expected / 100 + 0.5 * state.relation("a", "b"))
    # payoff of b: -2 * s/100 + 0.5 * (oil-20)/130 + 1.0 * relation(b, c)
    assert state.history[0].payoffs["b"] == pytest.approx(
        -2 * expected / 100 + 0.5 * 50 / 130 + state.relation("b", "c")
    )


def test_discounting_by_term_security(tiny_game):
    hf, hr = ai.horizon(tiny_game, 0)
    # Leader A: patience 0.9, election at turn 3 (dates 2019-04-25 -> 2019-08-01), after it 0.3.
    weights = [0.9**k * (0.3 if k > 3 else 1.0) for k in range(6)]
    fade = [(1 - 0.1) ** k for k in range(6)]  # sanctions reverts 10% a turn
    assert hf[0, 0] == pytest.approx(sum(w * f for w, f in zip(weights, fade)))
    assert hr[0] == pytest.approx(sum(w * 0.95**k for k, w in enumerate(weights)))
    # Leader B faces no election: patience 0.98, nothing discounted beyond a term.
    assert hr[1] == pytest.approx(sum((0.98 * 0.95) ** k for k in range(6)))
    # Near the end of the game the horizon shrinks.
    hf5, _ = ai.horizon(tiny_game, 5)
    assert hf5[1, 1] == pytest.approx(1.0)


# --- vetoes, elections, rationality -----------------------------------------------------------


def test_veto_blocks_a_sanctions_resolution(tiny_copy):
    data = quiet(tiny_copy)
    for a in data["actors"]:
        a["rationality"] = 200
    game = make_game(data)
    state = game.new_state(3, worlds=400, humans=("a",))
    state.advance({"a": "a_resolution"})
    result, blocked_by = state.last_results
    assert (result[:, 0] == 2).all() and (blocked_by[:, 0] >= 1).all()
    single = game.new_state(3, humans=("a",))
    report = single.advance({"a": "a_resolution"})
    assert report.actions[0].result == "blocked" and report.actions[0].blocked_by == "b"
    # The resolution never raised sanctions in any world.
    assert (state.worlds.factors[:, 0] < 50).all()


def test_human_veto_decision(tiny_copy):
    game = make_game(quiet(tiny_copy))
    state = game.new_state(3, humans=("a", "b", "c"))
    questions = state.block_questions({"a": "a_resolution", "b": "b_wait", "c": "c_wait"})
    assert {q.blocker for q in questions} == {"b", "c"}
    report = state.advance({"a": "a_resolution", "b": "b_wait", "c": "c_wait"},
                           blocks={("b", "a_resolution"): False, ("c", "a_resolution"): False})
    assert report.actions[0].result in ("success", "failed")
    state2 = game.new_state(3, humans=("a", "b", "c"))
    report2 = state2.advance({"a": "a_resolution", "b": "b_wait", "c": "c_wait"},
                             blocks={("b", "a_resolution"): False, ("c", "a_resolution"): True})
    assert report2.actions[0].result == "blocked" and report2.actions[0].blocked_by == "c"


@pytest.mark.parametrize("chance", [0.3, 0.8])
def test_election_resolves_with_the_scenarios_probability(tiny_copy, chance):
    tiny_copy["events"][0]["date"] = "2019-04-25"
    tiny_copy["events"][0]["outcomes"][0]["chance"] = chance
    game = make_game(tiny_copy)
    n = 20000
    state = State(game, 8, n, history=False)
    won = state.worlds.happened[:, game.outcome_index["a_reelected"]].sum()
    lost = state.worlds.happened[:, game.outcome_index["a_defeated"]].sum()
    assert won + lost == n
    lo, hi = wilson(int(won), n)
    assert lo <= chance <= hi
    # The defeated leader is replaced by the successor in exactly those worlds.
    assert (state.worlds.persona[:, 0] > 0).sum() == lost


def test_state_dependent_election_chance(tiny_copy):
    tiny_copy["events"][0]["date"] = "2019-04-25"
    game = make_game(tiny_copy)
    n = 20000
    state = State(game, 4, n, history=False)
    expected = 1 / (1 + math.exp(-(0.0 + 1.0 * 0.5)))  # sanctions 50 of 0..100
    won = int(state.worlds.happened[:, game.outcome_index["a_reelected"]].sum())
    lo, hi = wilson(won, n)
    assert lo <= expected <= hi


def test_rationality_zero_is_uniform(tiny_copy):
    for a in tiny_copy["actors"]:
        a["rationality"] = 0
    game = make_game(quiet(tiny_copy))
    state = State(game, 2, 20000, history=False)
    pol = state.policy()
    np.testing.assert_allclose(pol.prob[:, game.move_index["b_smuggle"]], 0.5)
    picks = state.ai_choices()[:, 1]
    share = (picks == game.move_index["b_smuggle"]).mean()
    lo, hi = wilson(int(share * 20000), 20000)
    assert lo <= 0.5 <= hi


def test_large_rationality_picks_the_best_move(tiny_copy):
    for a in tiny_copy["actors"]:
        a["rationality"] = 500
    game = make_game(quiet(tiny_copy))
    state = State(game, 2, 50, history=False)
    pol = state.policy()
    b = slice(game.move_start[1], game.move_stop[1])
    best = np.argmax(pol.value[:, b], axis=1) + game.move_start[1]
    assert (state.ai_choices()[:, 1] == best).all()
    # For B (hurt by sanctions), ghost ships beat waiting.
    assert (best == game.move_index["b_smuggle"]).all()


def test_preconditions_make_moves_illegal(tiny_copy):
    tiny_copy["moves"][1]["moves"][1]["preconditions"] = [{"factor": "sanctions", "op": ">", "value": 60}]
    game = make_game(tiny_copy)
    state = game.new_state(1)
    assert [m.id for m in state.legal_moves("b")] == ["b_wait"]
    with pytest.raises(ValueError, match="not allowed now"):
        state.advance({"b": "b_smuggle"})


# --- save / load, API errors, Mesa --------------------------------------------------------------------


def test_save_load_round_trip_mid_game(tiny_game):
    state = tiny_game.new_state(77, humans=("b",))
    state.advance({"b": "b_smuggle"})
    state.advance({"b": "b_wait"})
    saved = state.to_json()
    copy = State.from_json(saved)
    assert copy.fingerprint() == state.fingerprint()
    for s in (state, copy):
        s.advance({"b": "b_smuggle"})
        s.play_out()
    assert copy.fingerprint() == state.fingerprint()
    assert [h.lines() for h in copy.history] == [h.lines() for h in state.history]


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": "summit-save-1"}', '{"format": "other"}'])
def test_damaged_save_gives_a_message(text):
    with pytest.raises(ValueError, match="cannot load the saved game"):
        State.from_json(text)


def test_wrong_moves_are_refused(tiny_game):
    state = tiny_game.new_state(1)
    with pytest.raises(ValueError, match="not a move of"):
        state.advance({"a": "b_smuggle"})
    with pytest.raises(ValueError, match="unknown leader"):
        state.advance({"zed": "a_wait"})


def test_mesa_model_and_batch_run():
    from game.model import SummitModel

    model = SummitModel(str(TINY), rng=4)
    assert len(model.agents) == 3
    while model.running:
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 7 and "relation:a-b" in frame.columns
    results = mesa.batch_run(SummitModel, parameters={"scenario": str(TINY)}, rng=[1, 2], max_steps=20,
                             number_processes=1, display_progress=False)
    assert {r["rng"] for r in results} == {1, 2}
    assert max(r["Step"] for r in results) == 6


def test_mesa_model_equals_state(tiny_game):
    from game.model import SummitModel

    model = SummitModel(tiny_game, rng=13)
    while model.running:
        model.step()
    state = tiny_game.new_state(13)
    state.play_out()
    assert model.state.fingerprint() == state.fingerprint()


def test_best_blocs_agree_with_landscape(tiny_game):
    out = simulate(tiny_game, 3, 50)
    from game.landscape import local_minima

    for k in range(50):
        best = local_minima(tiny_game.power, out["relations"][k])[0]
        assert tuple(out["blocs"][k]) == best.blocs
