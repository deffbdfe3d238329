"""What docs/scenario-format.md says each mechanism does, checked by playing its example files.

Every number the guide quotes for docs/examples/deals.yaml and election.yaml is recomputed here
from the scenario's own numbers (never copied from a run), and each rule the guide states (when a
promise is kept or broken, who is bound, what a re-election or a successor changes, how
rationality scales a choice) is checked on games played through SummitModel.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from game import narrate, rules
from game.compiled import REFUSED, SUCCESS, Game
from game.loader import load_scenario, load_text
from game.model import SummitModel

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
DEALS = load_scenario(EXAMPLES / "deals.yaml")
ELECTION = load_scenario(EXAMPLES / "election.yaml")
DEALS_TEXT = (EXAMPLES / "deals.yaml").read_text(encoding="utf-8")


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def unit(factor, value: float) -> float:
    return (value - factor.min) / (factor.max - factor.min)


def spec(scenario, kind: str, id_: str):
    return next(x for x in getattr(scenario, kind) if x.id == id_)


def move(scenario, id_: str):
    return next(m for am in scenario.moves for m in am.moves if m.id == id_)


# --- chances and effects that depend on the situation -------------------------------------------


def test_a_logistic_chance_is_worked_out_from_the_state_when_the_move_resolves():
    # Altavia and Bregon wait, so Corvia's talks resolve on the state the month opened with.
    model = SummitModel(DEALS, seed=11, ai={"altavia": "scripted:altavia_wait", "bregon": "scripted:bregon_wait",
                                            "corvia": "scripted:mediate"})
    mediate, tension = move(DEALS, "mediate").probability, spec(DEALS, "factors", "tension")
    c = model.game.actor_index["corvia"]
    for _ in range(DEALS.turns):
        x = dict(model.state.factors())
        r = model.state.relation("altavia", "bregon")
        coef = {t.factor or tuple(t.relation): t.coef for t in mediate.terms}
        expected = logistic(mediate.intercept + coef[("altavia", "bregon")] * r + coef["tension"] * unit(tension, x["tension"]))
        model.step()
        assert model.last_record.chance[c] == pytest.approx(expected, rel=1e-12)


def test_the_worked_numbers_of_the_talks_chance():
    m = move(DEALS, "mediate").probability
    coef = {t.factor or tuple(t.relation): t.coef for t in m.terms}
    z = lambda r, tension: m.intercept + coef[("altavia", "bregon")] * r + coef["tension"] * tension / 100  # noqa: E731
    assert round(100 * logistic(z(-0.2, 50))) == 40  # the guide: 40 % at the start
    assert round(100 * logistic(z(0.3, 20))) == 71
    assert round(100 * logistic(z(-0.6, 80))) == 18
    assert round(100 * logistic(z(-0.2, 56))) == 39  # after Altavia fills the dam the same month


def test_a_scaled_effect_is_multiplied_by_a_straight_line_between_at_min_and_at_max():
    game = Game(DEALS)
    block = np.array([game.move_block(game.move_index["fill_dam"], SUCCESS)])
    entry = move(DEALS, "fill_dam").effects.factors[0]
    f, funds = game.factor_index["flow"], game.factor_index["dam_funds"]
    for money, cut in ((0, 6.0), (30, 9.6), (100, 18.0)):  # the guide's numbers
        x = game.x_init[None, :].copy()
        x[0, funds] = money
        mult = entry.scale.at_min + (entry.scale.at_max - entry.scale.at_min) * money / 100
        assert rules.effect_deltas(game, x, block)[0, f] == pytest.approx(entry.delta * mult) == pytest.approx(-cut)
        assert game.effects.noise[block[0], f] * mult == pytest.approx(entry.noise * mult)  # noise scales alike


def test_the_interaction_and_office_payoffs_are_what_the_guide_says():
    """Each turn's payoff of every seat, recomputed from the closing state and the file's weights."""
    model = SummitModel(ELECTION, seed=3, worlds=1)
    s = ELECTION
    fac = {f.id: f for f in s.factors}

    def q(quantity, x, rel):
        v = unit(fac[quantity.factor], x[quantity.factor]) if quantity.factor else (rel(*quantity.relation) + 1) / 2
        return 1 - v if quantity.complement else v

    for _ in range(s.turns):
        model.step()
        g, closed = model.game, model.state.x_closed[0]  # the state the month closed with, before July's vote
        x = {f: closed[g.factor_index[f]] for f in g.factor_ids}

        def rel(a, b, g=g, closed=closed):
            return closed[g.target_of(relation=(a, b))]

        for i, aid in enumerate(model.game.actor_ids):
            pay = model.game.personas[model.last_record.personas[i]].payoff  # who held the seat this month
            expected = sum(w.weight * unit(fac[w.factor], x[w.factor]) for w in pay.factors)
            expected += sum(w.weight * rel(aid, w.actor) for w in pay.relations)
            expected += sum(t.weight * q(t.of[0], x, rel) * q(t.of[1], x, rel) for t in pay.interactions)
            expected += pay.office.weight if pay.office else 0.0
            assert model.last_record.payoffs[i] == pytest.approx(expected, abs=1e-9)
    # the guide's worked numbers: 3 x 0.2 x 0.7 and 3 x 0.2 x 0.2
    term = s.payoffs["altavia"].interactions[0]
    assert abs(term.weight) * 0.2 * (1 - 0.3) == pytest.approx(0.42)
    assert abs(term.weight) * 0.2 * (1 - 0.8) == pytest.approx(0.12)


# --- offers and promises ---------------------------------------------------------------------


def deals_model(scenario=DEALS, **ai):
    return SummitModel(scenario, seed=1, humans=("altavia",), ai=ai)


def test_a_refused_offer_applies_on_refused_and_opens_no_promise():
    model = deals_model(bregon="scripted:water_for_fees", corvia="scripted:corvia_wait")
    before = model.state.relation("altavia", "bregon")
    model.submit({"altavia": "altavia_wait"}, {("consent", "altavia", "water_for_fees"): False})
    model.step()
    b = model.game.actor_index["bregon"]
    assert model.last_record.results[b] == REFUSED
    assert model.state.open_obligations() == []
    line = next(a for a in narrate.report(model.state, model.last_record).actions if a.actor == "bregon")
    assert line.result == "refused" and "Ara Alto refuses." in line.news and "turns down" in line.news
    # on_refused (-0.05) before the relations' pull and noise: the change is close to it
    assert model.state.relation("altavia", "bregon") - before == pytest.approx(-0.05, abs=0.04)


def test_a_promise_not_kept_breaks_at_the_end_of_its_deadline_month():
    model = deals_model(bregon="scripted:water_for_fees,bregon_wait", corvia="scripted:corvia_wait")
    within = move(DEALS, "water_for_fees").offer.obligation.within
    log = []
    for _ in range(within + 2):
        tension = model.state.factors()["tension"]
        model.submit({"altavia": "altavia_wait"}, {("consent", "altavia", "water_for_fees"): True})
        model.step()
        log.append((model.last_record, model.state.open_obligations(), tension))
    first, opened, _ = log[0]
    assert first.results[model.game.actor_index["bregon"]] == SUCCESS
    assert opened == [("water_for_fees", within)]  # deadline: month of acceptance + within
    for record, still_open, _ in log[1:within]:
        assert record.broken == [] and still_open == opened  # the offer cannot be repeated while open
    record, after, _ = log[within]
    assert record.broken == [model.game.obligation_index["water_for_fees"]] and after == []
    words = narrate.report(model.state, record).deals
    assert words == ["Bo Brandt broke the terms of 'Offer fees for water'. Bregon has not paid; Altavia accuses it of cheating."]
    assert log[within + 1][0].choices[1] == model.game.move_index["water_for_fees"]  # allowed again once settled


def test_a_promise_is_kept_by_the_bound_move_succeeding_in_time():
    model = deals_model(bregon="scripted:water_for_fees,pay_fee", corvia="scripted:corvia_wait")
    model.submit({"altavia": "altavia_wait"}, {("consent", "altavia", "water_for_fees"): True})
    model.step()
    assert model.state.open_obligations() == [("water_for_fees", 2)]
    assert "pay_fee" in model.state.legal_actions("bregon")  # the `any` branch: it owes the fee
    model.submit({"altavia": "altavia_wait"})
    model.step()
    j = model.game.obligation_index["water_for_fees"]
    assert model.last_record.kept == [j] and model.state.open_obligations() == []
    assert narrate.report(model.state, model.last_record).deals[0].startswith("Bo Brandt kept the terms of 'Offer fees for water'.")


@pytest.mark.parametrize("order, kept_at_once", [(None, False), (["corvia", "altavia", "bregon"], True)])
def test_a_move_counts_later_in_the_month_of_acceptance_only_if_it_resolves_after_the_offer(order, kept_at_once):
    scenario = DEALS if order is None else load_text(DEALS_TEXT + f"\nresolution_order: [{', '.join(order)}]\n", "deals.yaml")
    model = deals_model(scenario, bregon="scripted:bregon_wait", corvia="scripted:conditional_loan,corvia_wait")
    model.submit({"altavia": "open_gates"}, {("consent", "altavia", "conditional_loan"): True})
    model.step()
    j = model.game.obligation_index["conditional_loan"]
    assert (model.last_record.kept == [j]) is kept_at_once
    if not kept_at_once:  # Altavia opened the gates before Corvia's loan resolved: next month counts
        assert model.state.open_obligations() == [("conditional_loan", 3)]
        model.submit({"altavia": "open_gates"})
        model.step()
        assert model.last_record.kept == [j]


def test_who_is_bound_by_default_the_recipient_else_the_named_actor():
    model = deals_model()
    g = model.game
    bound = {g.move_ids[m]: g.actor_ids[g.obligation_actor[j]] for j, m in enumerate(g.obligation_move)}
    assert bound == {"water_for_fees": "bregon", "conditional_loan": "altavia"}
    terms = narrate.offer_terms(model.state, g.move_index["conditional_loan"])
    assert terms[:2] == ["Ara Alto must accept it.", "Accepting binds Ara Alto to 'Open the gates' within 3 months."]


def test_pay_fee_is_allowed_exactly_when_its_any_all_condition_says():
    for seed in range(4):
        model = SummitModel(DEALS, seed=seed)
        while not model.state.is_terminal():
            st = model.state
            owes = any(o == "water_for_fees" for o, _ in st.open_obligations())
            low = st.factors()["flow"] < 45 and st.turn >= 3
            assert ("pay_fee" in st.legal_actions("bregon")) is (owes or low)
            model.step()


def test_an_unkept_promise_whose_deadline_is_past_the_end_ends_with_the_game():
    model = SummitModel(DEALS, seed=1, humans=("altavia", "corvia"), ai={"bregon": "scripted:bregon_wait"})
    last = DEALS.turns - 1
    accepted = last - 2  # within 3: the deadline falls after the last turn
    for turn in range(DEALS.turns):
        offer = "conditional_loan" if turn == accepted else "corvia_wait"
        model.submit({"altavia": "altavia_wait", "corvia": offer}, {("consent", "altavia", "conditional_loan"): True})
        model.step()
    assert model.state.is_terminal()
    assert model.state.open_obligations() == [("conditional_loan", accepted + 3)]
    assert all(r.kept == [] and r.broken == [] for r in model.state.records)


# --- elections, re-election and successors ---------------------------------------------------------


def months(start, date) -> int:
    return (date.year - start.year) * 12 + date.month - start.month


@pytest.fixture(scope="module")
def july():
    """64 worlds of the election example, just after July's election (before July's moves)."""
    model = SummitModel(ELECTION, seed=4, worlds=64, ai="fast")
    vote = months(ELECTION.start_date, spec(ELECTION, "events", "bregon_election").date)
    for _ in range(vote):
        model.step()
    return model, model.state.x_closed.copy()


def test_the_election_chance_at_the_start_is_the_guides_53_per_cent():
    chance = spec(ELECTION, "events", "bregon_election").outcomes[0].chance
    flow = spec(ELECTION, "factors", "flow")
    assert round(100 * logistic(chance.intercept + chance.terms[0].coef * unit(flow, flow.initial))) == 53


def test_a_renewed_incumbent_stays_and_his_term_ends_on_the_new_date(july):
    model, _ = july
    g, w = model.game, model.state.worlds
    b = g.actor_index["bregon"]
    won = w.happened[:, g.outcome_index["brandt_reelected"]]
    assert won.any() and (~won).any()
    renew = spec(ELECTION, "events", "bregon_election").outcomes[0].renew
    assert (w.persona[won, b] == b).all()  # Brandt stays
    assert (w.term_end[won, b] == months(ELECTION.start_date, renew.date)).all()  # March 2026: turn 14


def test_a_successor_takes_the_seat_with_her_own_payoff_and_half_the_relations(july):
    model, before = july
    g, w = model.game, model.state.worlds
    b = g.actor_index["bregon"]
    lost = np.flatnonzero(w.happened[:, g.outcome_index["brandt_defeated"]])
    outcome = spec(ELECTION, "events", "bregon_election").outcomes[1]
    berg = outcome.replace.successor
    for k in lost:
        holder = g.personas[w.persona[k, b]]
        assert holder.name == berg.name and holder.payoff == berg.payoff
        assert holder.rationality == spec(ELECTION, "actors", "bregon").rationality and holder.ai == "fast"
    for pair in (("altavia", "bregon"), ("bregon", "corvia")):
        t = g.target_of(relation=pair)
        prop = next(r.propensity for r in ELECTION.relations.pairs if set(r.between) == set(pair))
        expected = prop + outcome.replace.keep_relations * (before[lost, t] - prop)
        assert w.x[lost, t] == pytest.approx(expected)  # the outcome's effects touch no relation here
    keep = g.target_of(relation=("altavia", "corvia"))  # not Bregon's: untouched
    assert w.x[lost, keep] == pytest.approx(before[lost, keep])


def test_the_guides_worked_relations_after_a_defeat():
    keep = spec(ELECTION, "events", "bregon_election").outcomes[1].replace.keep_relations
    assert 0.0 + keep * (0.4 - 0.0) == pytest.approx(0.2)
    assert -0.1 + keep * (-0.3 - -0.1) == pytest.approx(-0.2)


def test_a_leader_marked_planner_is_played_by_the_planner_with_the_files_settings():
    model = SummitModel(ELECTION, seed=2)
    assert {a.actor_id: a.strategy.name for a in model.agents} == {"altavia": "fast", "bregon": "fast", "corvia": "planner"}
    plan = model.plan()
    c = model.game.actor_index["corvia"]
    moves = range(model.game.move_start[c], model.game.move_stop[c])
    assert plan.slots == (c,) and np.isfinite(plan.value[0, list(moves)]).all()
    assert plan.prob[0, list(moves)].sum() == pytest.approx(1.0)
    assert (ELECTION.planner.rollouts, ELECTION.planner.horizon) == (16, 3)


# --- rationality on a common scale --------------------------------------------------------------


def test_stakes_are_the_sum_of_absolute_weights_and_a_per_cent_more_is_e_to_the_rationality():
    model = SummitModel(ELECTION, seed=2)
    g = model.game
    for p in g.personas:
        pay = p.payoff
        stakes = (sum(abs(w.weight) for w in pay.factors) + sum(abs(w.weight) for w in pay.relations)
                  + sum(abs(t.weight) for t in pay.interactions) + (pay.office.weight if pay.office else 0.0))
        assert g.stakes[g.personas.index(p)] == pytest.approx(stakes)
    assert g.stakes[g.actor_index["bregon"]] == pytest.approx(5.5)  # the guide: 2 + 1 + 0.5 + 2
    pol = model.state.policy()
    compared = 0
    for a, aid in enumerate(g.actor_ids):
        if aid == "corvia":  # played by the planner: its own values, checked with the planner
            continue
        r = spec(ELECTION, "actors", aid).rationality
        ms = [m for m in range(g.move_start[a], g.move_stop[a]) if pol.legal[0, m]]
        for m1, m2 in zip(ms, ms[1:]):
            if pol.prob[0, m1] > 1e-12 and pol.prob[0, m2] > 1e-12:
                ratio = math.log(pol.prob[0, m1] / pol.prob[0, m2])
                assert ratio == pytest.approx(r * (pol.value[0, m1] - pol.value[0, m2]), rel=1e-6, abs=1e-9)
                compared += 1
    plan, c = model.plan(), g.actor_index["corvia"]
    r = spec(ELECTION, "actors", "corvia").rationality
    ms = list(range(g.move_start[c], g.move_stop[c]))
    for m1, m2 in zip(ms, ms[1:]):
        if plan.prob[0, m1] > 1e-12 and plan.prob[0, m2] > 1e-12:
            ratio = math.log(plan.prob[0, m1] / plan.prob[0, m2])
            assert ratio == pytest.approx(r * (plan.value[0, m1] - plan.value[0, m2]), rel=1e-6, abs=1e-9)
            compared += 1
    assert compared >= 3


def test_the_rationality_table_and_yes_no_figures_in_the_guide():
    assert [round(math.exp(r), 1) for r in (0.5, 1, 1.5, 2)] == [1.6, 2.7, 4.5, 7.4]
    assert [round(math.exp(r)) for r in (3, 5)] == [20, 148]
    assert [round(100 * logistic(1 * gain)) for gain in (1, 3, 0)] == [73, 95, 50]


def test_a_game_gets_its_own_values_whatever_games_came_before():
    """The examples are compiled one after another here, as a report or a design batch compiles
    variants: each game's AI values must not depend on games compiled (and freed) before it."""
    import gc

    first = SummitModel(Game(ELECTION), seed=2).state.policy().value.copy()
    for _ in range(20):
        SummitModel(Game(DEALS), seed=1).state.policy()
        gc.collect()
        again = SummitModel(Game(ELECTION), seed=2).state.policy().value
        np.testing.assert_array_equal(again, first)
