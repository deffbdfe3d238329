"""Conformance, after OpenSpiel's `random_sim_test`: random legal games on every shipped scenario
and on generated ones that use every mechanism, checking at every turn what must always hold.

* every factor within its bounds, every relation within -1..1, every seat held by a persona
  of that seat, every score and payoff finite, every result one its move can have;
* determinism: the same seed and the same choices give the same fingerprints;
* save and load mid-game (`State.serialize` / `deserialize`, `SummitModel.save` / `load`)
  continue exactly as the game that was not saved;
* world k played alone equals world k in a batch (fast AI, and the planner on a tiny game).

`make test` runs a few games per scenario; `make soak` (marker `soak`) many more.
SUMMIT_CONFORMANCE_EXAMPLES sets the number of generated scenarios in the soak run.
"""

from __future__ import annotations

import datetime as dt
import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TINY, make_game
from game.catalog import shipped_scenarios
from game.compiled import BLOCKED, REFUSED, Game
from game.model import SummitModel, simulate
from game.state import BLOCK, CONSENT, State

SHIPPED = shipped_scenarios()
SOAK_EXAMPLES = int(os.environ.get("SUMMIT_CONFORMANCE_EXAMPLES", "300"))


@pytest.fixture(scope="module")
def shipped_games() -> dict[str, Game]:
    return {s.id: Game.from_file(s.path) for s in SHIPPED}


# --- random legal play -------------------------------------------------------------------------------


def random_turn(state: State, pick: random.Random) -> tuple[dict, dict]:
    """Random legal moves for a random subset of leaders (the fast AI plays the rest) and random
    answers to every question the humans are asked."""
    g = state.game
    choices = {}
    for actor in g.actor_ids:
        legal = state.legal_actions(actor)
        if legal and (actor in state.humans or pick.random() < 0.5):
            choices[actor] = pick.choice(legal)
    answers = {(q.kind, q.actor, q.move_id): pick.random() < 0.5 for q in state.questions(choices)}
    return choices, answers


def check(state: State) -> None:
    """What must hold after every turn, in every world."""
    g, w = state.game, state.worlds
    assert (w.x >= g.target_min).all() and (w.x <= g.target_max).all(), "a target left its bounds"
    assert np.isfinite(w.x).all() and np.isfinite(w.scores).all()
    assert (w.persona >= 0).all() and (w.persona < len(g.personas)).all()
    assert (g.persona_slot[w.persona] == np.arange(g.n_actors)).all(), "a persona sits in another's seat"
    assert (w.move_succeeded <= w.move_chosen).all()
    assert ((w.due == -1) | (w.due >= w.turn)).all(), "an obligation outlived its deadline"
    if state.last is not None:
        res = state.last
        m = np.where(res.choices >= 0, res.choices, 0)
        acting = res.choices >= 0
        assert ((res.result >= 0) == acting).all()
        blocked = res.result == BLOCKED
        assert ((res.blocked_by >= 0) == blocked).all()
        rows, cols = np.nonzero(blocked)
        assert g.move_blockers[m[rows, cols], res.blocked_by[rows, cols]].all(), "blocked by someone who may not"
        assert (g.move_offer_to[m[res.result == REFUSED]] >= 0).all(), "a move that is no offer was refused"
        assert ((res.chance >= 0) & (res.chance <= 1)).all()
    if state.records:
        r = state.records[-1]
        assert np.isfinite(r.payoffs).all() and len(r.payoffs) == g.n_actors
        assert all(0 <= j < g.n_obligations for j in r.kept + r.broken)


def play_randomly(state: State, play_seed: int, turns: int | None = None) -> list[str]:
    """Random legal turns (to the end, or `turns` of them); the fingerprint after each."""
    prints = []
    while not state.is_terminal() and (turns is None or len(prints) < turns):
        pick = random.Random(hash((play_seed, state.turn)))  # choices depend on the turn, not on the history of calls
        state.apply_actions(*random_turn(state, pick))
        check(state)
        prints.append(state.fingerprint())
    return prints


def random_humans(game: Game, play_seed: int) -> tuple[str, ...]:
    pick = random.Random(play_seed)
    return tuple(a for a in game.actor_ids if pick.random() < 0.5)


def conformance(game: Game, seed: int, play_seed: int, worlds: int = 4) -> None:
    """One random game checked every way: invariants, determinism, save/load, alone vs batch."""
    humans = random_humans(game, play_seed)
    first = game.new_state(seed, humans=humans)
    check(first)
    prints = play_randomly(first, play_seed)
    assert first.is_terminal() and len(first.records) == game.turns == len(prints)
    np.testing.assert_allclose(first.returns()[0], np.sum([r.payoffs for r in first.records], axis=0), rtol=1e-9, atol=1e-9)
    # determinism
    assert play_randomly(game.new_state(seed, humans=humans), play_seed) == prints
    # save and load mid-game
    cut = random.Random(play_seed).randrange(game.turns)
    state = game.new_state(seed, humans=humans)
    before = play_randomly(state, play_seed, cut)
    loaded = State.deserialize(state.serialize())
    assert loaded.fingerprint() == state.fingerprint() and loaded.humans == state.humans
    after = play_randomly(loaded, play_seed)
    assert before + after == prints
    assert loaded.records == first.records
    # world k alone equals world k in a batch
    k = play_seed % worlds
    batch = simulate(game, seed, np.arange(worlds), record_steps=True)
    alone = simulate(game, seed, np.array([k]), record_steps=True)
    for key, value in alone.items():
        if key.endswith("series"):
            np.testing.assert_array_equal(value[:, 0], batch[key][:, k], err_msg=key)
        else:
            np.testing.assert_array_equal(value[0], batch[key][k], err_msg=key)


# --- every shipped scenario ------------------------------------------------------------------------------


def test_there_are_shipped_scenarios():
    assert {"vladivostok-2019", "vladivostok-2019-equal-start"} <= {s.id for s in SHIPPED}


@pytest.mark.parametrize("scenario", [s.id for s in SHIPPED])
def test_shipped_scenario_conforms(shipped_games, scenario):
    conformance(shipped_games[scenario], seed=11, play_seed=1)


@pytest.mark.soak
@pytest.mark.parametrize("scenario", [s.id for s in SHIPPED])
def test_shipped_scenario_conforms_soak(shipped_games, scenario):
    for play_seed in range(2, 22):
        conformance(shipped_games[scenario], seed=100 + play_seed, play_seed=play_seed, worlds=12)


@pytest.mark.parametrize("scenario", [s.id for s in SHIPPED])
def test_shipped_scenario_batch_matches_worlds_alone(shipped_games, scenario):
    game = shipped_games[scenario]
    batch = simulate(game, 2019, np.arange(40))
    for k in (0, 17, 39):
        alone = simulate(game, 2019, np.array([k]))
        for key, value in alone.items():
            np.testing.assert_array_equal(value[0], batch[key][k], err_msg=key)
    for row in range(40):
        assert (batch["factors"][row] >= game.factor_min).all() and (batch["factors"][row] <= game.factor_max).all()


def test_model_save_and_load_mid_game(shipped_games):
    """A class game saved mid-way through `SummitModel.save` continues exactly as the one not saved."""
    game = shipped_games["vladivostok-2019"]
    humans = ("kim", "trump")

    def turn(model: SummitModel, pick: random.Random) -> None:
        state = model.state
        choices = {a: pick.choice(state.legal_actions(a)) for a in humans if state.legal_actions(a)}
        full = state.choice_array(choices)  # the others' moves, as their strategies (the fast AI) will draw them
        model.submit(choices, {(q.kind, q.actor, q.move_id): pick.random() < 0.5 for q in state.questions(full)})
        model.step()

    model = SummitModel(game, seed=5, humans=humans)
    for t in range(7):
        turn(model, random.Random(t))
    loaded = SummitModel.load(model.save())
    assert loaded.state.fingerprint() == model.state.fingerprint()
    np.testing.assert_array_equal(loaded.series()["factors"], model.series()["factors"])
    for t in range(7, game.turns):
        turn(model, random.Random(t))
        turn(loaded, random.Random(t))
        assert loaded.state.fingerprint() == model.state.fingerprint()
    np.testing.assert_array_equal(loaded.series()["pairs"], model.series()["pairs"])
    assert not loaded.running and not model.running


def test_planner_world_alone_equals_world_in_a_batch(tiny_data):
    data = {**tiny_data, "planner": {"rollouts": 3, "horizon": 2},
            "actors": [{**a, "rationality": 0.3} for a in tiny_data["actors"]]}  # unsure leaders: the planner's values show
    game = make_game(data)
    batch = simulate(game, 4, np.arange(5), ai="planner")
    for k in (0, 3):
        alone = simulate(game, 4, np.array([k]), ai="planner")
        for key, value in alone.items():
            np.testing.assert_array_equal(value[0], batch[key][k], err_msg=key)
    assert not np.array_equal(batch["move_counts"], simulate(game, 4, np.arange(5))["move_counts"])  # the planner did play


# --- generated scenarios that use every mechanism -----------------------------------------------------------

ids = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
unit = st.floats(0, 1, allow_nan=False)


@st.composite
def scenarios(draw) -> dict:
    """A valid scenario using the mechanisms of issue 8: logistic chances, scaled effects,
    interactions and office in payoffs, offers with obligations, blocking, nested all/any/
    obligation conditions, elections that renew or replace (keeping some relations)."""
    start = dt.date(2020, 1, 10)
    turns = draw(st.integers(2, 8))
    n_act, n_fac = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    actors = [f"a{i}" for i in range(n_act)]
    factors = [f"f{i}" for i in range(n_fac)]
    pairs = [[a, b] for i, a in enumerate(actors) for b in actors[i + 1:]]

    def date(turn: int) -> str:
        return (start + dt.timedelta(days=31 * turn)).isoformat()

    def quantity():
        if draw(st.booleans()):
            return {"factor": draw(st.sampled_from(factors))}
        return {"relation": draw(st.sampled_from(pairs))}

    def chance():
        if draw(st.booleans()):
            return draw(unit)
        return {"intercept": draw(st.floats(-3, 3)), "terms": [{**quantity(), "coef": draw(st.floats(-5, 5))}
                                                               for _ in range(draw(st.integers(0, 2)))]}

    def effects():
        out = {"factors": [], "relations": []}
        for f in draw(st.lists(st.sampled_from(factors), unique=True, max_size=2)):
            e = {"factor": f, "delta": draw(st.floats(-30, 30)), "noise": draw(st.sampled_from([0, 0, 2]))}
            if draw(st.booleans()):
                e["scale"] = {**quantity(), "at_min": draw(st.floats(0, 3)), "at_max": draw(st.floats(0, 3))}
            out["factors"].append(e)
        for p in draw(st.lists(st.sampled_from(pairs), unique_by=tuple, max_size=2)):
            e = {"between": p, "delta": draw(st.floats(-0.8, 0.8)), "noise": draw(st.sampled_from([0, 0, 0.05]))}
            if draw(st.booleans()):
                e["scale"] = {**quantity(), "at_min": draw(st.floats(0, 2)), "at_max": draw(st.floats(0, 2))}
            out["relations"].append(e)
        return out

    def payoff(owner: str):
        others = [a for a in actors if a != owner]
        p = {"factors": [{"factor": f, "weight": draw(st.floats(-5, 5)), "rationale": "Gen."}
                         for f in draw(st.lists(st.sampled_from(factors), unique=True))],
             "relations": [{"actor": a, "weight": draw(st.floats(-3, 3)), "rationale": "Gen."}
                           for a in draw(st.lists(st.sampled_from(others), unique=True))],
             "interactions": [{"of": [{**quantity(), "complement": draw(st.booleans())},
                                      {**quantity(), "complement": draw(st.booleans())}],
                               "weight": draw(st.floats(-5, 5)), "rationale": "Gen."} for _ in range(draw(st.integers(0, 2)))]}
        if draw(st.booleans()):
            p["office"] = {"weight": draw(st.floats(0, 5)), "rationale": "Gen."}
        return p

    move_ids = {a: [f"{a}m{k}" for k in range(draw(st.integers(1, 3)))] for a in actors}
    all_moves = [m for a in actors for m in move_ids[a]]
    offers = {}  # offer move -> (recipient, obligation move or None)
    for a in actors:
        for m in move_ids[a][1:]:  # the first move of each leader is a plain one
            if draw(st.booleans()):
                to = draw(st.sampled_from([b for b in actors if b != a]))
                offers[m] = (to, draw(st.sampled_from(move_ids[to])) if draw(st.booleans()) else None)
    obligations = [m for m, (_, ob) in offers.items() if ob]

    n_events = draw(st.integers(0, 3))
    outcome_ids = [f"o{k}" for k in range(2 * n_events)]

    def condition(depth: int):
        kinds = ["factor", "relation", "turn", "move"] + (["outcome"] if outcome_ids else []) + (["obligation"] * 3 if obligations else [])
        if depth < 4:
            kinds += ["all", "any"]
        kind = draw(st.sampled_from(kinds))
        # Comparisons that can hold (the validator refuses one that never can), and never contradict
        # each other: an upper bound is always above any lower bound.
        if kind == "factor":
            op = draw(st.sampled_from(["<", ">", "<=", ">=", "!="]))
            value = draw(st.floats(50, 99) if op in ("<", "<=") else st.floats(1, 49.9) if op in (">", ">=") else st.floats(-10, 110))
            return {"factor": draw(st.sampled_from(factors)), "op": op, "value": value}
        if kind == "relation":
            op = draw(st.sampled_from(["<", ">"]))
            return {"relation": draw(st.sampled_from(pairs)), "op": op, "value": draw(st.floats(0, 0.99) if op == "<" else st.floats(-0.99, -0.01))}
        if kind == "turn":
            lo = draw(st.integers(0, turns - 1))
            return {"turn": {"min": lo, "max": draw(st.integers(lo, turns - 1))}}
        if kind == "move":
            return {"move": draw(st.sampled_from(all_moves)), "taken": draw(st.booleans())}
        if kind == "outcome":
            return {"outcome": draw(st.sampled_from(outcome_ids)), "happened": draw(st.booleans())}
        if kind == "obligation":
            return {"obligation": draw(st.sampled_from(obligations)), "open": draw(st.booleans())}
        return {kind: [condition(depth + 1) for _ in range(draw(st.integers(1, 2)))]}

    moves = []
    for a in actors:
        ms = []
        for m in move_ids[a]:
            move = {"id": m, "label": m, "description": "Gen.", "rationale": "Gen.", "probability": chance(),
                    "effects": effects(), "on_failure": effects()}
            if m != move_ids[a][0] and draw(st.booleans()):
                move["preconditions"] = [condition(1) for _ in range(draw(st.integers(1, 2)))]
            blockers = draw(st.lists(st.sampled_from([b for b in actors if b != a]), unique=True, max_size=2))
            if blockers:
                move.update(blockable_by=blockers, on_blocked=effects())
            if m in offers:
                to, ob = offers[m]
                move["offer"] = {"to": to, "on_refused": effects()}
                if ob:
                    move["offer"]["obligation"] = {"move": ob, "within": draw(st.integers(1, 3)),
                                                   "on_kept": effects(), "on_broken": effects()}
            ms.append(move)
        moves.append({"actor": a, "moves": ms})

    def term():
        kind = draw(st.sampled_from(["none", "election", "term_limit"]))
        t = {"kind": kind, "patience": draw(st.floats(0.5, 1)), "beyond_term_weight": draw(unit)}
        if kind != "none":
            t["date"] = date(draw(st.integers(0, turns + 3)))
        return t

    events = []
    for e in range(n_events):
        seat = draw(st.sampled_from(actors))
        scheduled = draw(st.booleans())
        when = draw(st.integers(0, turns - 1)) if scheduled else 0
        stay = {"id": outcome_ids[2 * e], "label": "Stays", "chance": chance() if draw(st.booleans()) else draw(st.floats(0, 1)),
                "effects": effects()}
        if draw(st.booleans()):  # a renewed term ends after the month of the event that renews it
            stay["renew"] = {"actor": seat, "date": date(draw(st.integers(when + 1, turns + 6)))}
        go = {"id": outcome_ids[2 * e + 1], "label": "Goes", "effects": effects()}
        if draw(st.booleans()):
            go["replace"] = {"actor": seat, "keep_relations": draw(unit), "successor": {
                "name": f"Successor {e}", "title": "Leader", "rationality": draw(st.floats(0, 5)), "payoff": payoff(seat)}}
        event = {"id": f"e{e}", "label": f"Event {e}", "rationale": "Gen.", "outcomes": [stay, go]}
        if scheduled:
            event.update(kind="scheduled", date=date(when))
        else:
            event.update(kind="random", probability=draw(unit), once=draw(st.booleans()))
            if draw(st.booleans()):
                event["preconditions"] = [condition(1)]
        events.append(event)

    return {
        "id": "generated", "title": "Generated", "summary": "A generated scenario.", "start_date": start.isoformat(),
        "turns": turns, "sources": [{"id": "gen", "citation": "Generated."}], "learning_objectives": ["Test."],
        "discussion_questions": ["Test?"],
        "actors": [{"id": a, "name": f"Leader {a}", "title": "Leader", "country": a, "regime": "other", "power": draw(st.floats(0.5, 5)),
                    "colour": "#336699", "portrait": a, "term": term(), "veto": draw(st.booleans()),
                    "rationality": draw(st.sampled_from([0.0, 0.5, 1.5, 20.0]))} for a in actors],
        "factors": [{"id": f, "label": f, "initial": draw(st.floats(0, 100)), "min": 0, "max": 100, "rationale": "Gen.",
                     "dynamics": {"drift": draw(st.floats(-2, 2)), "reversion": draw(unit), "volatility": draw(st.floats(0, 5))}}
                    for f in factors],
        "relations": {"pull": draw(unit), "volatility": draw(st.floats(0, 0.1)),
                      "pairs": [{"between": p, "initial": draw(st.floats(-1, 1)), "propensity": draw(st.floats(-1, 1)), "rationale": "Gen."}
                                for p in draw(st.lists(st.sampled_from(pairs), unique_by=tuple))]},
        "payoffs": {a: payoff(a) for a in actors},
        "moves": moves,
        "events": events,
        "resolution_order": draw(st.permutations(actors)),
        "horizon_after_end": draw(st.integers(0, 6)),
    }


FEW = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
MANY = settings(max_examples=SOAK_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def generated_conformance(data: dict, seed: int, play_seed: int) -> None:
    game = make_game(data)
    conformance(game, seed, play_seed)


@FEW
@given(scenarios(), st.integers(0, 2**31), st.integers(0, 1000))
def test_generated_scenarios_conform(data, seed, play_seed):
    generated_conformance(data, seed, play_seed)


@pytest.mark.soak
@MANY
@given(scenarios(), st.integers(0, 2**31), st.integers(0, 1000))
def test_generated_scenarios_conform_soak(data, seed, play_seed):
    generated_conformance(data, seed, play_seed)


def test_the_generator_uses_every_mechanism():
    """The generated scenarios are not all trivial: over a sample, every mechanism appears."""
    seen = set()

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(scenarios())
    def sample(data):
        s = make_game(data).scenario
        for am in s.moves:
            for m in am.moves:
                seen.update({"logistic"} if not isinstance(m.probability, float) else set())
                seen.update({"offer"} if m.offer else set())
                seen.update({"obligation"} if m.offer and m.offer.obligation else set())
                seen.update({"blocking"} if m.blockable_by else set())
                seen.update({"scaled"} if any(e.scale for e in m.effects.factors + m.effects.relations) else set())
                text = str(m.preconditions)
                seen.update(k for k in ("AllCondition", "AnyCondition", "ObligationCondition") if k in text)
        for p in s.payoffs.values():
            seen.update({"interaction"} if p.interactions else set())
            seen.update({"office"} if p.office else set())
        for e in s.events:
            for o in e.outcomes:
                seen.update({"renew"} if o.renew else set())
                seen.update({"replace"} if o.replace and o.replace.keep_relations < 1 else set())

    sample()
    assert seen == {"logistic", "offer", "obligation", "blocking", "scaled", "AllCondition", "AnyCondition",
                    "ObligationCondition", "interaction", "office", "renew", "replace"}


def test_the_random_driver_answers_consent_and_veto_questions(shipped_games):
    """Random play reaches both kinds of question (the baseline has offers and vetoes), and
    both answers to each."""
    game = shipped_games["vladivostok-2019"]
    answers_seen = set()
    for play_seed in range(3):
        state = game.new_state(play_seed, humans=game.actor_ids)
        while not state.is_terminal():
            choices, answers = random_turn(state, random.Random(hash((play_seed, state.turn))))
            answers_seen.update((kind, yes) for (kind, _, _), yes in answers.items())
            state.apply_actions(choices, answers)
            check(state)
    assert answers_seen == {(CONSENT, True), (CONSENT, False), (BLOCK, True), (BLOCK, False)}


def test_tiny_conforms():
    conformance(Game.from_file(TINY), seed=3, play_seed=7)
