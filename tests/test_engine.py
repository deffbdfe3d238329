"""The rules, hand-computed: every mechanism on a small scenario built in the test.

Each case starts from tests/data/tiny.yaml with its random shocks removed (`quiet`), adds the
mechanism under test, plays a turn or a few through the State API and compares with numbers
worked out here from the guide's definitions (docs/scenario-format.md). Random numbers the
engine draws (a success roll, a veto draw) are read from `game.rng` with the documented key
(seed, world, turn, purpose, slot), never from the engine's own result.

tiny.yaml in brief: actors a, b, c; sanctions 0..100 starting at 50, reverting 10% a turn
toward 40; oil 20..150 at 70, no dynamics; relations a-b -0.2 (propensity -0.3), b-c 0.4
(0.5), a-c 0 (0); relations close 5% of the gap to their propensity each turn.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import add_move, make_game, move_of, quiet
from game import rng
from game.compiled import BLOCKED, FAILURE, REFUSED, SUCCESS
from game.state import BLOCK, CONSENT, Question, State

ALL = ("a", "b", "c")
WAIT = {"a": "a_wait", "b": "b_wait", "c": "c_wait"}
A, B, C = 0, 1, 2


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def sanctions_close(s: float) -> float:
    """Sanctions at the end of a turn: 10% of the gap to 40 closes."""
    return s + 0.1 * (40 - s)


def relation_close(r: float, propensity: float) -> float:
    return r + 0.05 * (propensity - r)


def clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def draw(seed: int, turn: int, purpose: int, n: int, world: int = 0) -> np.ndarray:
    """The engine's documented random numbers for (seed, world, turn, purpose)."""
    return rng.uniform(seed, np.array([world]), turn, purpose, n)[0]


def play(game, seed: int, *turns: dict, answers=None, humans=ALL) -> State:
    state = game.new_state(seed, humans=humans)
    for choices in turns:
        state.apply_actions({**WAIT, **choices}, answers)
    return state


# --- state-dependent chances -------------------------------------------------------------------


@pytest.mark.parametrize("order, sanctions_seen", [(["b", "a", "c"], 45.0), (["a", "b", "c"], 50.0)])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_logistic_chance_is_read_when_the_move_resolves(tiny_copy, order, sanctions_seen, seed):
    data = quiet(tiny_copy)
    data["resolution_order"] = order
    res = move_of(data, "a_resolution")
    res.update(blockable_by=[], probability={"intercept": -1.0, "terms": [
        {"factor": "sanctions", "coef": 4.0}, {"relation": ["a", "b"], "coef": 2.0}]})
    del res["on_blocked"]
    game = make_game(data)
    state = play(game, seed, {"a": "a_resolution", "b": "b_smuggle"})
    record = state.records[0]
    # Ghost ships (-5) resolve before the resolution only when b comes first; factors enter
    # over their bounds (0..100), relations as they are.
    p = sigmoid(-1.0 + 4.0 * sanctions_seen / 100 + 2.0 * -0.2)
    assert record.chance[A] == pytest.approx(p, abs=1e-12)
    roll = draw(seed, 0, rng.SUCCESS, 3)[A]
    assert record.roll[A] == roll
    success = roll < p
    assert record.results[A] == (SUCCESS if success else FAILURE)
    assert state.factors()["sanctions"] == pytest.approx(sanctions_close(50 - 5 + 15 * success))


def test_logistic_chance_covers_both_outcomes_over_seeds(tiny_copy):
    """The seeds above are not all lucky: over many worlds the success share matches the chance."""
    data = quiet(tiny_copy)
    res = move_of(data, "a_resolution")
    res.update(blockable_by=[], probability={"intercept": 0.0, "terms": [{"factor": "sanctions", "coef": -2.0}]})
    del res["on_blocked"]
    game = make_game(data)
    n = 4000
    state = State(game, 5, n, humans=ALL)
    state.apply_actions({**WAIT, "a": "a_resolution"})
    p = sigmoid(-2.0 * 0.5)
    won = int((state.last.result[:, A] == SUCCESS).sum())
    lo, hi = wilson(won, n)
    assert lo <= p <= hi
    np.testing.assert_allclose(state.last.chance[:, A], p)


# --- state-dependent effects -----------------------------------------------------------------


@pytest.mark.parametrize("oil", [20.0, 70.0, 150.0])
def test_effect_scaled_by_a_factor_read_when_it_applies(tiny_copy, oil):
    data = quiet(tiny_copy)
    data["factors"][1]["initial"] = oil
    data["resolution_order"] = ["b", "a", "c"]
    add_move(data, "a", {"id": "a_aid", "effects": {"factors": [
        {"factor": "sanctions", "delta": -10, "scale": {"factor": "oil", "at_min": 0.5, "at_max": 1.5}}]}})
    add_move(data, "b", {"id": "b_pump", "effects": {"factors": [{"factor": "oil", "delta": 26}]}})
    game = make_game(data)
    for b_move, oil_seen in (("b_wait", oil), ("b_pump", min(oil + 26, 150.0))):
        state = play(game, 1, {"a": "a_aid", "b": b_move})
        multiplier = 0.5 + (1.5 - 0.5) * (oil_seen - 20) / 130  # at_min at the bottom of the range, at_max at the top
        assert state.factors()["sanctions"] == pytest.approx(sanctions_close(50 - 10 * multiplier), abs=1e-12)
        assert state.factors()["oil"] == oil_seen
    # at the bounds the multiplier is exactly at_min or at_max
    if oil in (20.0, 150.0):
        expected = {20.0: 0.5, 150.0: 1.5}[oil]
        assert play(game, 1, {"a": "a_aid"}).factors()["sanctions"] == pytest.approx(sanctions_close(50 - 10 * expected))


def test_effect_scaled_by_a_relation_and_clipped(tiny_copy):
    data = quiet(tiny_copy)
    add_move(data, "a", {"id": "a_talk", "effects": {
        "relations": [{"between": ["a", "b"], "delta": 0.2, "scale": {"relation": ["b", "c"], "at_min": 2.0, "at_max": 0.0}}],
        "factors": [{"factor": "sanctions", "delta": 40, "scale": {"relation": ["a", "c"], "at_min": 0.0, "at_max": 4.0}}]}})
    game = make_game(data)
    state = play(game, 1, {"a": "a_talk"})
    # b-c is 0.4: u = 0.7 on -1..1, multiplier 2 - 2 * 0.7 = 0.6 (falling from at_min to at_max)
    assert state.relation("a", "b") == pytest.approx(relation_close(-0.2 + 0.2 * 0.6, -0.3), abs=1e-12)
    # a-c is 0: multiplier 2, +80 clipped at the bound 100 before the turn closes
    assert state.factors()["sanctions"] == pytest.approx(sanctions_close(100.0), abs=1e-12)


def test_a_scaled_effect_shares_its_target_with_no_other_entry(tiny_copy):
    """The engine cannot apply a scaled and a plain change to one target in one block: the
    validator says so at the line, instead of the engine failing later."""
    import yaml

    from game.loader import ScenarioError, load_text

    move_of(tiny_copy, "b_smuggle")["effects"]["factors"].append(
        {"factor": "sanctions", "delta": 2, "scale": {"factor": "oil", "at_min": 0, "at_max": 1}})
    with pytest.raises(ScenarioError, match=r"tiny\.yaml:\d+:\d+: moves\[1\]\.moves\[1\]\.effects\.factors\[1\]\.scale: "
                                            "a scaled effect must be the only effect on its factor"):
        load_text(yaml.safe_dump(tiny_copy, sort_keys=False), "tiny.yaml")


def test_scale_multiplies_the_noise_too(tiny_copy):
    data = quiet(tiny_copy)
    data["factors"][0]["dynamics"]["reversion"] = 0
    for k, (lo, hi) in enumerate([(1.0, 1.0), (2.0, 2.0), (0.0, 0.0)]):
        add_move(data, "a", {"id": f"a_noisy{k}", "effects": {"factors": [
            {"factor": "sanctions", "delta": 1, "noise": 3, "scale": {"factor": "oil", "at_min": lo, "at_max": hi}}]}})
    game = make_game(data)
    change = [play(game, 7, {"a": f"a_noisy{k}"}).factors()["sanctions"] - 50 for k in range(3)]
    assert change[0] != pytest.approx(1.0)  # the noise was drawn
    assert change[1] == pytest.approx(2 * change[0], abs=1e-12)  # same draw, delta and noise doubled
    assert change[2] == 0.0


# --- payoffs: interactions and office ----------------------------------------------------------


def test_interaction_terms_in_the_payoff(tiny_copy):
    data = quiet(tiny_copy)
    data["payoffs"]["a"]["interactions"] = [
        {"of": [{"factor": "sanctions"}, {"factor": "oil", "complement": True}], "weight": 3.0, "rationale": "Pressure gets through."},
        {"of": [{"relation": ["a", "b"]}, {"factor": "sanctions", "complement": True}], "weight": -2.0, "rationale": "Test."},
    ]
    game = make_game(data)
    state = play(game, 1, {"b": "b_smuggle"}, {})
    s = sanctions_close(45.0)
    r_ab, r_bc = relation_close(-0.2, -0.3), relation_close(0.4, 0.5)
    u_s, u_oil, u_ab = s / 100, (70 - 20) / 130, (r_ab + 1) / 2
    paid = state.records[0].payoffs
    assert paid[A] == pytest.approx(1.0 * u_s + 0.5 * r_ab + 3.0 * u_s * (1 - u_oil) - 2.0 * u_ab * (1 - u_s), abs=1e-12)
    assert paid[B] == pytest.approx(-2.0 * u_s + 0.5 * u_oil + 1.0 * r_bc, abs=1e-12)
    assert paid[C] == pytest.approx(-0.5 * u_s, abs=1e-12)
    # second turn: the state moved on, the payoff follows it
    s2 = sanctions_close(s)
    r_ab2 = relation_close(r_ab, -0.3)
    u2 = s2 / 100
    assert state.records[1].payoffs[A] == pytest.approx(
        u2 + 0.5 * r_ab2 + 3.0 * u2 * (1 - u_oil) - 2.0 * (r_ab2 + 1) / 2 * (1 - u2), abs=1e-12)
    np.testing.assert_allclose(state.returns()[0], np.sum([r.payoffs for r in state.records], axis=0), atol=1e-12)


def election(date: str, reelected_chance, **defeat) -> dict:
    """A scheduled election in Avia: A re-elected with `reelected_chance`, else A2 replaces A."""
    replace = {"actor": "a", "successor": {"name": "Leader A2", "title": "President", "payoff": {
        "relations": [{"actor": "b", "weight": 1.0, "rationale": "Seeks détente."}]}}, **defeat}
    return {"kind": "scheduled", "id": "election", "label": "Election in Avia", "date": date, "rationale": "Toy.",
            "outcomes": [{"id": "a_reelected", "label": "A re-elected", "chance": reelected_chance},
                         {"id": "a_defeated", "label": "A defeated", "replace": replace}]}


def test_office_is_paid_while_in_the_seat_and_lost_with_it(tiny_copy):
    data = quiet(tiny_copy)
    data["payoffs"]["a"]["office"] = {"weight": 2.0, "rationale": "Holding office."}
    data["payoffs"]["a"]["interactions"] = [
        {"of": [{"factor": "sanctions"}, {"factor": "oil"}], "weight": 1.0, "rationale": "Test."}]
    data["events"] = [election("2019-06-01", 0.0)]  # turn 1 (2019-05-25 .. 06-24); A always loses
    game = make_game(data)
    state = play(game, 1, {}, {})
    s0, r0 = sanctions_close(50), relation_close(-0.2, -0.3)
    first, second = state.records
    assert first.payoffs[A] == pytest.approx(s0 / 100 + 0.5 * r0 + s0 / 100 * 50 / 130 + 2.0, abs=1e-12)
    assert first.personas[A] == 0
    # From turn 1 the successor holds the seat: its own weights, no office, no interaction term.
    successor = game.personas[second.personas[A]]
    assert successor.name == "Leader A2" and successor.slot == A
    assert state.actor_name("a") == "Leader A2" and second.events == [game.outcome_index["a_defeated"]]
    r1 = relation_close(r0, -0.3)
    assert second.payoffs[A] == pytest.approx(1.0 * r1, abs=1e-12)


def test_keep_relations_and_outcome_effects_on_replacement(tiny_copy):
    data = quiet(tiny_copy)
    data["relations"]["pairs"].append({"between": ["a", "c"], "initial": 0.6, "propensity": 0.2, "rationale": "Test."})
    data["events"] = [election("2019-04-25", 0.0, keep_relations=0.5)]
    data["events"][0]["outcomes"][1]["effects"] = {"relations": [{"between": ["a", "b"], "delta": 0.1}]}
    game = make_game(data)
    state = game.new_state(1, humans=ALL)  # the election opens turn 0
    assert state.outcomes() == ["a_defeated"]
    # the successor keeps half of each relation's distance from its propensity, then the outcome applies
    assert state.relation("a", "b") == pytest.approx(-0.3 + 0.5 * (-0.2 + 0.3) + 0.1, abs=1e-12)
    assert state.relation("a", "c") == pytest.approx(0.2 + 0.5 * (0.6 - 0.2), abs=1e-12)
    assert state.relation("b", "c") == 0.4  # not the seat's relation


def test_renew_moves_the_term_date_and_the_ai_discounts_after_it(tiny_copy):
    data = quiet(tiny_copy)
    data["events"] = [election("2019-06-30", 1.0)]  # turn 2: A is re-elected for sure
    data["events"][0]["outcomes"][0]["renew"] = {"actor": "a", "date": "2019-09-30"}  # turn 5 (2019-09-25 .. 10-24)
    game = make_game(data)
    state = play(game, 1, {}, {})
    assert state.outcomes() == ["a_reelected"] and state.actor_name("a") == "Leader A"
    assert state.worlds.term_end[0, A] == 5
    # A's worth of a lasting unit of sanctions (weight 1 over a range of 100) at turn 2: 4 turns
    # left, patience 0.9, sanctions keep 90% of a change a turn, turns from 5 on count at 0.3.
    expected = sum(0.9**k * 0.9**k * (1.0 if 2 + k < 5 else 0.3) for k in range(4)) / 100
    assert state.policy().worth[0, A, game.factor_index["sanctions"]] == pytest.approx(expected, rel=1e-12)


def test_ai_worth_when_worlds_have_different_leaders_and_another_election_is_coming(tiny_copy):
    """After a first election replaced A in some worlds only, a second one (whose successor keeps
    half the relations) is still ahead: every world values it as it would alone."""
    data = quiet(tiny_copy)
    data["events"] = []
    for eid, date in (("first", "2019-05-30"), ("second", "2019-08-30")):
        event = election(date, 0.5, keep_relations=0.5)
        event["id"] = eid
        for o in event["outcomes"]:
            o["id"] = f"{eid}_{o['id']}"
        event["outcomes"][1]["replace"]["successor"]["name"] = f"Leader A ({eid})"
        data["events"].append(event)
    game = make_game(data)
    batch = State(game, 3, 8)
    batch.apply_actions(batch.ai_choices())  # turn 1 opens with the first election
    assert len(set(batch.worlds.persona[:, A])) == 2  # A lost in some worlds, not in all
    worth = batch.policy().worth
    for k in range(8):
        alone = State(game, 3, np.array([k]))
        alone.apply_actions(alone.ai_choices())
        np.testing.assert_allclose(alone.policy().worth[0], worth[k], rtol=1e-12, err_msg=f"world {k}")


# --- offers, consent and obligations -------------------------------------------------------------


def offer_scenario(data: dict, order=("a", "b", "c"), within: int = 2) -> dict:
    """a offers b relief (sanctions -10) if b dismantles (oil -13: b's exports) within `within` turns."""
    data = quiet(data)
    data["resolution_order"] = list(order)
    add_move(data, "a", {"id": "a_offer", "effects": {"factors": [{"factor": "sanctions", "delta": -10}]},
                         "offer": {"to": "b", "on_refused": {"relations": [{"between": ["a", "b"], "delta": -0.1}]},
                                   "obligation": {"move": "b_dismantle", "within": within,
                                                  "on_kept": {"relations": [{"between": ["a", "b"], "delta": 0.3}]},
                                                  "on_broken": {"factors": [{"factor": "sanctions", "delta": 20}]}}}})
    add_move(data, "b", {"id": "b_dismantle", "effects": {"factors": [{"factor": "oil", "delta": -13}]}})
    return data


def yes(kind: str, actor: str, move: str, answer: bool = True) -> dict:
    return {(kind, actor, move): answer}


def test_an_offer_asks_the_human_recipient(tiny_copy):
    game = make_game(offer_scenario(tiny_copy))
    state = game.new_state(1, humans=ALL)
    assert state.questions({**WAIT, "a": "a_offer"}) == [Question(CONSENT, "b", "a", "a_offer")]
    assert game.new_state(1, humans=("a",)).questions({**WAIT, "a": "a_offer"}) == []  # b is the AI: no question


def test_offer_accepted_by_the_human(tiny_copy):
    game = make_game(offer_scenario(tiny_copy))
    state = play(game, 1, {"a": "a_offer"}, answers=yes(CONSENT, "b", "a_offer"))
    assert state.records[0].results[A] == SUCCESS
    assert state.factors()["sanctions"] == pytest.approx(sanctions_close(40.0))
    assert state.open_obligations() == [("a_offer", 2)]  # accepted in turn 0, to be kept by the end of turn 2
    assert state.legal_actions("b") == ["b_wait", "b_smuggle", "b_dismantle"]


def test_offer_refused_by_the_human(tiny_copy):
    game = make_game(offer_scenario(tiny_copy))
    state = play(game, 1, {"a": "a_offer"}, answers=yes(CONSENT, "b", "a_offer", False))
    assert state.records[0].results[A] == REFUSED
    assert state.factors()["sanctions"] == pytest.approx(sanctions_close(50.0))  # no relief
    assert state.relation("a", "b") == pytest.approx(relation_close(-0.3, -0.3))  # on_refused
    assert state.open_obligations() == []


def test_offer_decided_by_the_ai_follows_its_consent_draw(tiny_copy):
    data = offer_scenario(tiny_copy)
    data["actors"][B]["rationality"] = 0.05  # an unsure recipient: the draw decides
    game = make_game(data)
    seen = set()
    for seed in range(20):
        state = game.new_state(seed, humans=("a",))
        accept = state.policy().accept_prob[0, game.move_index["a_offer"]]
        assert 0 < accept < 1
        state.apply_actions(state.choice_array({"a": "a_offer", "b": "b_wait", "c": "c_wait"}))
        accepted = draw(seed, 0, rng.CONSENT, 3)[A] < accept  # slot: the proposer
        assert state.records[0].results[A] == (SUCCESS if accepted else REFUSED), seed
        seen.add(bool(accepted))
    assert seen == {True, False}


@pytest.mark.parametrize("sign, result", [(-1, SUCCESS), (+1, REFUSED)])
def test_a_rational_ai_accepts_what_helps_it_and_refuses_what_hurts(tiny_copy, sign, result):
    data = offer_scenario(tiny_copy)
    offer = move_of(data, "a_offer")
    offer["effects"]["factors"][0]["delta"] = sign * 10  # relief (b hates sanctions) or more pressure
    del offer["offer"]["obligation"]
    for actor in data["actors"]:
        actor["rationality"] = 200
    game = make_game(data)
    state = State(game, 3, 300, humans=("a",))
    state.apply_actions(state.choice_array({"a": "a_offer"}))
    assert (state.last.result[:, A] == result).all()


def test_obligation_kept_later_in_the_same_turn(tiny_copy):
    game = make_game(offer_scenario(tiny_copy, order=("a", "b", "c")))
    state = play(game, 1, {"a": "a_offer", "b": "b_dismantle"}, answers=yes(CONSENT, "b", "a_offer"))
    record = state.records[0]
    assert record.kept == [0] and record.broken == [] and state.open_obligations() == []
    assert state.relation("a", "b") == pytest.approx(relation_close(-0.2 + 0.3, -0.3))  # on_kept
    assert state.factors()["oil"] == 57.0


def test_a_fulfilling_move_before_the_offer_does_not_keep_it(tiny_copy):
    game = make_game(offer_scenario(tiny_copy, order=("b", "a", "c")))
    state = play(game, 1, {"a": "a_offer", "b": "b_dismantle"}, answers=yes(CONSENT, "b", "a_offer"))
    assert state.records[0].kept == [] and state.open_obligations() == [("a_offer", 2)]


def test_obligation_kept_at_its_last_turn(tiny_copy):
    game = make_game(offer_scenario(tiny_copy))
    state = play(game, 1, {"a": "a_offer"}, {}, {"b": "b_dismantle"}, {"b": "b_dismantle"},
                 answers=yes(CONSENT, "b", "a_offer"))
    assert [r.kept for r in state.records] == [[], [], [0], []]  # dismantling again later keeps nothing
    assert all(r.broken == [] for r in state.records)
    r = -0.2
    for turn in range(4):
        r = relation_close(r + (0.3 if turn == 2 else 0.0), -0.3)
    assert state.relation("a", "b") == pytest.approx(r, abs=1e-12)


def test_obligation_broken_at_the_end_of_its_deadline_turn(tiny_copy):
    game = make_game(offer_scenario(tiny_copy))
    state = game.new_state(1, humans=ALL)
    opened = []
    for turn in range(4):
        state.apply_actions({**WAIT, "a": "a_offer" if turn == 0 else "a_wait"}, yes(CONSENT, "b", "a_offer"))
        opened.append(state.open_obligations())
    assert opened == [[("a_offer", 2)], [("a_offer", 2)], [], []]
    assert [r.broken for r in state.records] == [[], [], [0], []]
    s = 50.0 - 10  # relief, then sanctions +20 at the close of turn 2, before the dynamics
    for turn in range(4):
        s = sanctions_close(s + (20 if turn == 2 else 0))
    assert state.factors()["sanctions"] == pytest.approx(s, abs=1e-12)


def test_the_bound_leader_is_named_by_the_obligation(tiny_copy):
    data = offer_scenario(tiny_copy)
    obligation = move_of(data, "a_offer")["offer"]["obligation"]
    obligation.update(actor="c", move="c_recognise")
    add_move(data, "c", {"id": "c_recognise"})
    game = make_game(data)
    state = play(game, 1, {"a": "a_offer", "b": "b_dismantle"}, {"c": "c_recognise"}, answers=yes(CONSENT, "b", "a_offer"))
    assert [r.kept for r in state.records] == [[], [0]]  # b's dismantling is not what was promised


# --- conditions ----------------------------------------------------------------------------------


def test_all_any_and_obligation_conditions(tiny_copy):
    """Legal moves match the conditions evaluated here, over random games."""
    import random

    data = offer_scenario(tiny_copy, within=2)
    move_of(data, "a_offer")["offer"]["obligation"]["on_broken"] = {"relations": [{"between": ["a", "b"], "delta": -0.1}]}
    move_of(data, "b_dismantle")["preconditions"] = [{"obligation": "a_offer", "open": True}]
    add_move(data, "c", {"id": "c_mediate", "preconditions": [{"any": [
        {"factor": "sanctions", "op": ">", "value": 45},
        {"all": [{"turn": {"min": 2}}, {"any": [{"relation": ["a", "b"], "op": "<", "value": -0.28},
                                                 {"obligation": "a_offer", "open": False}]}]}]}]})
    move_of(data, "a_offer")["preconditions"] = [{"all": [{"obligation": "a_offer", "open": False},
                                                           {"outcome": "oil_up", "happened": False}]}]
    data["events"] = [{"kind": "random", "id": "oil_shock", "label": "Oil shock", "probability": 0.2, "rationale": "Toy.",
                       "outcomes": [{"id": "oil_up", "label": "Oil jumps"}]}]
    game = make_game(data)
    inner = set()
    for seed in range(25):
        pick = random.Random(seed)
        state = game.new_state(seed, humans=ALL)
        while not state.is_terminal():
            turn, s, r = state.turn, state.factors()["sanctions"], state.relation("a", "b")
            open_ = bool(state.open_obligations())
            expect_c = s > 45 or (turn >= 2 and (r < -0.28 or not open_))
            assert ("c_mediate" in state.legal_actions("c")) == expect_c, (seed, turn)
            assert ("b_dismantle" in state.legal_actions("b")) == open_, (seed, turn)
            assert ("a_offer" in state.legal_actions("a")) == (not open_ and "oil_up" not in state.outcomes()), (seed, turn)
            if s <= 45 and turn >= 2:
                inner.add((r < -0.28, open_))
            choices = {a: pick.choice(state.legal_actions(a)) for a in ALL}
            answers = {(q.kind, q.actor, q.move_id): pick.random() < 0.5 for q in state.questions(choices)}
            state.apply_actions(choices, answers)
    assert {(False, True), (True, True), (False, False)} <= inner  # the nested branch was decided every way


def test_random_events_may_wait_for_a_move_or_an_outcome(tiny_copy):
    data = quiet(tiny_copy)
    outcome = {"id": "oil_up", "label": "Oil jumps", "effects": {"factors": [{"factor": "oil", "delta": 20}]}}
    data["events"] = [  # in a turn, events resolve in the order listed, each seeing what came before
        {"kind": "random", "id": "glut", "label": "Glut", "probability": 1.0, "rationale": "Toy.",
         "preconditions": [{"outcome": "oil_up", "happened": True}],
         "outcomes": [{"id": "oil_down", "label": "Oil falls", "effects": {"factors": [{"factor": "oil", "delta": -5}]}}]},
        {"kind": "random", "id": "oil_shock", "label": "Oil shock", "probability": 1.0, "rationale": "Toy.",
         "preconditions": [{"move": "b_smuggle", "taken": True}], "outcomes": [outcome]},
    ]
    game = make_game(data)
    state = play(game, 1, {}, {"b": "b_smuggle"})
    assert state.outcomes() == ["oil_up"] and state.factors()["oil"] == 90.0  # the turn after the ghost ships sailed
    state.apply_actions(WAIT)
    assert state.outcomes() == ["oil_down", "oil_up"] and state.factors()["oil"] == 85.0


def test_conditions_nested_four_deep_are_checked(tiny_copy):
    data = quiet(tiny_copy)
    leaf = {"factor": "sanctions", "op": ">", "value": 0}
    move_of(data, "b_smuggle")["preconditions"] = [{"all": [{"any": [{"all": [{"any": [leaf]}]}]}]}]
    assert make_game(data).new_state(1).legal_actions("b") == ["b_wait", "b_smuggle"]
    move_of(data, "b_smuggle")["preconditions"] = [{"all": [{"any": [{"all": [{"any": [{"all": [leaf]}]}]}]}]}]
    with pytest.raises(ValueError, match="nested more than 4 deep"):
        make_game(data)


def test_preconditions_make_moves_illegal(tiny_copy):
    move_of(tiny_copy, "b_smuggle")["preconditions"] = [{"factor": "sanctions", "op": ">", "value": 60}]
    state = make_game(tiny_copy).new_state(1)
    assert state.legal_actions("b") == ["b_wait"]
    with pytest.raises(ValueError, match="not allowed now"):
        state.apply_actions({"b": "b_smuggle"})


# --- blocking ---------------------------------------------------------------------------------------


def test_human_blockers_are_asked_and_obeyed(tiny_copy):
    game = make_game(quiet(tiny_copy))
    choices = {**WAIT, "a": "a_resolution"}
    state = game.new_state(3, humans=ALL)
    assert state.questions(choices) == [Question(BLOCK, "b", "a", "a_resolution"), Question(BLOCK, "c", "a", "a_resolution")]
    state.apply_actions(choices, {**yes(BLOCK, "b", "a_resolution", False), **yes(BLOCK, "c", "a_resolution")})
    record = state.records[0]
    assert record.results[A] == BLOCKED and record.blocked_by[A] == C
    assert state.relation("a", "b") == pytest.approx(relation_close(-0.3, -0.3))  # on_blocked
    assert state.factors()["sanctions"] == pytest.approx(sanctions_close(50))
    # nobody blocks: the resolution passes with its chance 0.9
    passed = play(game, 3, choices, answers={**yes(BLOCK, "b", "a_resolution", False), **yes(BLOCK, "c", "a_resolution", False)})
    success = draw(3, 0, rng.SUCCESS, 3)[A] < 0.9
    assert passed.records[0].results[A] == (SUCCESS if success else FAILURE)
    assert passed.factors()["sanctions"] == pytest.approx(sanctions_close(50 + 15 * success))


def test_an_answer_from_someone_who_cannot_block_is_ignored(tiny_copy):
    game = make_game(quiet(tiny_copy))
    state = play(game, 3, {"b": "b_smuggle"}, answers=yes(BLOCK, "c", "b_smuggle"))
    assert state.records[0].results[B] == SUCCESS


def test_ai_blockers_follow_their_block_draws(tiny_copy):
    data = quiet(tiny_copy)
    for actor in data["actors"][1:]:
        actor["rationality"] = 0.01  # unsure blockers: their draws decide
    game = make_game(data)
    m = game.move_index["a_resolution"]
    seen = set()
    for seed in range(20):
        state = game.new_state(seed, humans=("a",))
        p_block = state.policy().block_prob[0, m]
        assert p_block[A] == 0 and 0 < p_block[B] < 1 and 0 < p_block[C] < 1
        state.apply_actions(state.choice_array({"a": "a_resolution", "b": "b_wait", "c": "c_wait"}))
        u = rng.uniform(seed, np.array([0]), 0, rng.BLOCK, 9).reshape(3, 3)[A]  # row: the mover, column: the blocker
        blockers = [b for b in (B, C) if u[b] < p_block[b]]
        record = state.records[0]
        assert (record.results[A] == BLOCKED) == bool(blockers), seed
        assert record.blocked_by[A] == (blockers[0] if blockers else -1), seed
        seen.add(tuple(blockers))
    assert {(), (B,), (C,), (B, C)} <= seen  # every case happened among the seeds


def test_a_rational_ai_vetoes_what_hurts_it(tiny_copy):
    data = quiet(tiny_copy)
    for actor in data["actors"]:
        actor["rationality"] = 200
    game = make_game(data)
    state = State(game, 3, 400, humans=("a",))
    state.apply_actions(state.choice_array({"a": "a_resolution"}))
    assert (state.last.result[:, A] == BLOCKED).all() and (state.last.blocked_by[:, A] >= 1).all()
    assert (state.worlds.factors[:, 0] < 50).all()  # the resolution never raised sanctions


# --- elections and rationality, statistically -------------------------------------------------------


def wilson(k: int, n: int, z: float = 3.29) -> tuple[float, float]:
    """Wilson interval (z = 3.29: 99.9%)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


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
    assert (state.worlds.persona[:, A] > 0).sum() == lost  # the successor sits exactly where A lost


def test_state_dependent_election_chance(tiny_copy):
    tiny_copy["events"][0]["date"] = "2019-04-25"
    game = make_game(tiny_copy)
    n = 20000
    state = State(game, 4, n, history=False)
    won = int(state.worlds.happened[:, game.outcome_index["a_reelected"]].sum())
    lo, hi = wilson(won, n)
    assert lo <= sigmoid(0.0 + 1.0 * 0.5) <= hi  # sanctions 50 of 0..100


def test_rationality_zero_is_uniform(tiny_copy):
    for actor in tiny_copy["actors"]:
        actor["rationality"] = 0
    game = make_game(quiet(tiny_copy))
    n = 20000
    state = State(game, 2, n, history=False)
    np.testing.assert_allclose(state.policy().prob[:, game.move_index["b_smuggle"]], 0.5)
    picks = state.ai_choices()[:, B]
    lo, hi = wilson(int((picks == game.move_index["b_smuggle"]).sum()), n)
    assert lo <= 0.5 <= hi


def test_choice_probabilities_are_a_logit_on_values_in_per_cent_of_stakes(tiny_copy):
    game = make_game(quiet(tiny_copy))
    pol = game.new_state(2).policy()
    for slot, actor in enumerate(ALL):
        ms = list(range(game.move_start[slot], game.move_stop[slot]))
        lam = game.rationality[slot]
        z = lam * pol.value[0, ms]
        np.testing.assert_allclose(pol.prob[0, ms], np.exp(z - z.max()) / np.exp(z - z.max()).sum(), rtol=1e-12)
    # stakes: the sum of absolute weights (b: 2 + 0.5 + 1)
    assert game.stakes[B] == pytest.approx(3.5)


def test_large_rationality_picks_the_best_move(tiny_copy):
    for actor in tiny_copy["actors"]:
        actor["rationality"] = 500
    game = make_game(quiet(tiny_copy))
    state = State(game, 2, 50, history=False)
    pol = state.policy()
    b = slice(game.move_start[B], game.move_stop[B])
    best = np.argmax(pol.value[:, b], axis=1) + game.move_start[B]
    assert (state.ai_choices()[:, B] == best).all()
    assert (best == game.move_index["b_smuggle"]).all()  # b, hurt by sanctions, prefers ghost ships


# --- the API's errors ----------------------------------------------------------------------------------


def test_wrong_moves_and_leaders_are_refused(tiny_game):
    state = tiny_game.new_state(1)
    with pytest.raises(ValueError, match="not a move of"):
        state.apply_actions({"a": "b_smuggle"})
    with pytest.raises(ValueError, match="unknown leader"):
        state.apply_actions({"zed": "a_wait"})
    with pytest.raises(ValueError, match="unknown leader"):
        tiny_game.new_state(1, humans=("zed",))
    with pytest.raises(ValueError, match="unknown kind of answer"):
        state.apply_actions({"a": "a_wait"}, {("maybe", "b", "a_wait"): True})


def test_a_finished_game_refuses_more_turns(tiny_game):
    state = tiny_game.new_state(1)
    state.play_out()
    assert state.is_terminal() and len(state.records) == tiny_game.turns
    with pytest.raises(ValueError, match="the game is over"):
        state.apply_actions({})
    with pytest.raises(ValueError, match="the game is over"):
        state.legal_actions("a")


def test_compiled_game_is_frozen(tiny_game):
    with pytest.raises(AttributeError, match="immutable"):
        tiny_game.turns = 3
    with pytest.raises(ValueError):
        tiny_game.x_init[0] = 1.0


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": "summit-save-1"}', '{"format": "other"}',
                                  '{"format": "summit-save-2"}'])
def test_damaged_save_gives_a_message(text):
    with pytest.raises(ValueError, match="cannot load the saved game"):
        State.deserialize(text)


def test_best_blocs_agree_with_landscape(tiny_game):
    from game.landscape import local_minima
    from game.model import simulate

    out = simulate(tiny_game, 3, 50)
    for k in range(50):
        assert tuple(out["blocs"][k]) == local_minima(tiny_game.power, out["relations"][k])[0].blocs
