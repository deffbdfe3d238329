"""Why things happen, in words (game.explain, game.briefs, game.narrate): each outcome's chance and
roll, what moved each relation and factor (checked against hand computations and against the
recorded series), why a move is not allowed, names that follow successors, and role briefs."""

from __future__ import annotations

import numpy as np
import pytest

from game import briefs, explain, narrate
from game.model import SummitModel

from conftest import BASELINE, make_game, move_of, quiet


def closes(model: SummitModel) -> np.ndarray:
    return model.trajectory()[1:, 0]


def test_the_parts_of_every_change_add_up_to_the_recorded_series():
    for seed in (1, 2019):
        model = SummitModel(BASELINE, humans=("kim", "trump"), seed=seed)
        model.run()
        series = model.trajectory()[:, 0]
        for k, record in enumerate(model.state.records):
            total = np.zeros(model.game.n_targets)
            for c in record.moved:
                total[c["target"]] += c["amount"]
            assert np.allclose(series[k] + total, series[k + 1], atol=1e-9)
            for change in explain.what_moved(model.state, record, series[k + 1]):
                assert change.before == pytest.approx(series[k][change.target], abs=1e-9)
                assert sum(a for _, a in change.parts) == pytest.approx(change.amount, abs=1e-9)


def test_batch_worlds_record_no_causes():
    model = SummitModel(BASELINE, worlds=3, seed=1)
    model.step()
    assert model.state.records == [] and model.state.opening_moved == []


def test_a_move_drift_and_a_bound_hand_computed(tiny_copy):
    data = quiet(tiny_copy)
    move_of(data, "a_resolution")["probability"] = 1.0
    data["factors"][0]["initial"] = 95  # sanctions: 95 + 15 hits the ceiling of 100
    game = make_game(data)
    model = SummitModel(game, humans=("a", "b", "c"), seed=1)
    model.submit({"a": "a_resolution", "b": "b_wait", "c": "c_wait"},
                 {("block", "b", "a_resolution"): False, ("block", "c", "a_resolution"): False})
    model.step()
    record = model.state.records[0]
    changes = {c.label: c for c in explain.what_moved(model.state, record, closes(model)[0])}
    s = changes["Sanctions pressure"]
    parts = dict(s.parts)
    assert parts["A: UN resolution"] == pytest.approx(15.0)
    assert parts["Held at its limit"] == pytest.approx(-10.0)  # 95 + 15 = 110, held at 100
    assert parts["Drift toward its usual level (40 index)"] == pytest.approx(0.1 * (40 - 100))  # reversion 0.1
    assert s.after == pytest.approx(94.0) and s.before == pytest.approx(95.0)
    bc = changes["B–C relation"]
    assert dict(bc.parts) == {"Drift toward its long-run level (+0.50)": pytest.approx(0.05 * (0.5 - 0.4))}


def test_failed_blocked_and_refused_moves_say_why(tiny_game):
    # a failure: the roll at or above the chance
    for seed in range(200):
        model = SummitModel(tiny_game, humans=("a", "b", "c"), seed=seed)
        model.submit({"a": "a_resolution", "b": "b_wait", "c": "c_wait"},
                     {("block", "b", "a_resolution"): False, ("block", "c", "a_resolution"): False})
        model.step()
        rec = model.state.records[0]
        if rec.results[0] == 1:  # FAILURE
            break
    reason = next(r for r in explain.reasons(model.state, rec) if r.actor == "a")
    assert reason.result == "failed" and reason.roll >= reason.chance == pytest.approx(0.9)
    assert f"it had a 90% chance; the roll was {reason.roll * 100:.0f} of 100, and it needed less than 90." in reason.words
    assert "Chosen by its team" in reason.words
    # a veto by a team
    model = SummitModel(tiny_game, humans=("a", "b"), seed=1)
    model.submit({"a": "a_resolution", "b": "b_wait"}, {("block", "b", "a_resolution"): True})
    model.step()
    reason = next(r for r in explain.reasons(model.state, model.state.records[0]) if r.actor == "a")
    assert reason.result == "blocked" and reason.roll is None
    assert reason.words.startswith("Blocked: Leader B used a veto (Veto) against it; the team's choice.")
    # an offer refused by a team (the baseline's third summit, offered to Kim)
    model = SummitModel(BASELINE, humans=("kim", "trump"), seed=3)
    model.submit({"kim": "kim_wait", "trump": "trump_third_summit"}, {("consent", "kim", "trump_third_summit"): False})
    model.step()
    reason = next(r for r in explain.reasons(model.state, model.state.records[0]) if r.actor == "trump")
    assert reason.result == "refused" and "Kim Jong Un turned the offer down; the team's choice" in reason.words


def test_a_successful_move_shows_its_chance_and_what_it_depends_on():
    model = SummitModel(BASELINE, humans=("kim",), seed=11)
    model.submit({"kim": "kim_ghost_ships"})
    model.step()
    rec = model.state.records[0]
    reason = next(r for r in explain.reasons(model.state, rec) if r.actor == "kim")
    assert reason.result in ("success", "failed")
    assert (reason.roll < reason.chance) == (reason.result == "success")
    assert "Patrols against ship-to-ship transfers (the higher, the less likely)" in reason.words


def test_moves_keep_their_numbers_and_say_why_they_are_not_allowed():
    model = SummitModel(BASELINE, humans=("kim", "xi"), seed=5)
    st = model.state
    before = narrate.all_moves(st, "kim")
    assert [m.number for m in before] == list(range(1, 8))
    st.worlds.x[0, model.game.factor_index["evasion"]] = 80.0  # ghost ships need evasion below 70
    st._policy = None
    after = narrate.all_moves(st, "kim")
    assert [m.number for m in after] == [m.number for m in before] and [m.id for m in after] == [m.id for m in before]
    ghost = next(m for m in after if m.id == "kim_ghost_ships")
    assert not ghost.legal
    assert ghost.unavailable == "Not allowed now: Sanctions evasion (ghost ships) must be below 70 (it is 80)."
    assert [m.id for m in narrate.moves(st, "kim")] == st.legal_actions("kim")
    # a once-only move after it worked
    st.worlds.move_succeeded[0, model.game.move_index["xi_visit_pyongyang"]] = 1
    st._policy = None
    visit = next(m for m in narrate.all_moves(st, "xi") if m.id == "xi_visit_pyongyang")
    assert "only once: 'State visit to Pyongyang' has already worked" in visit.unavailable


def _defeated_trump() -> SummitModel:
    for seed in range(1, 60):
        model = SummitModel(BASELINE, humans=("kim", "trump"), seed=seed)
        for _ in range(18):
            model.step()
        if "trump_defeated" in model.state.outcomes():
            return model
    raise AssertionError("no seed in 1..59 where Trump loses")


def test_names_follow_successors_in_move_texts_but_not_in_history():
    model = _defeated_trump()
    st = model.state
    assert st.actor_name("trump") == "The new US President"
    for actor in ("trump", "kim"):
        for m in narrate.all_moves(st, actor):
            for text in (m.label, m.description, m.rationale, *m.expected, *m.terms):
                assert "Trump" not in text, text
    assert narrate.follow("Trump and Kim meet again", narrate.successor_names(model.game, st.worlds.persona[0])) == \
        "New president and Kim meet again"
    assert narrate.follow("Trumpet", [("Trump", "X")]) == "Trumpet"  # whole words only
    # the election's own news is about Trump, and stays so
    assert any("Trump loses the election" in e for e in narrate.pending_events(st))
    # months before the election are told with the names of the time
    assert all(a.actor_name == "Donald Trump" for rep in narrate.history(st) for a in rep.actions if a.actor == "trump")


def test_role_briefs_rank_goals_and_name_tools_horizon_and_blockers():
    model = SummitModel(BASELINE, humans=("kim", "trump"), seed=1)
    g = model.game
    b = briefs.brief(model.state, "trump")
    weights = [abs(x.weight) for x in b.goals]
    assert weights == sorted(weights, reverse=True)
    assert sum(x.share for x in b.goals) == pytest.approx(1.0)  # every term of the payoff, office included
    assert b.goals[0].words == "Holding office" and b.goals[0].share == pytest.approx(3.0 / g.stakes[g.actor_index["trump"]])
    summit = next(x for x in b.goals if x.key == ("factor", g.factor_index["summit_showcase"]))
    assert summit.words == "Higher: US president's summit showcase" and "showcase at home" in summit.rationale
    assert len(b.tools) == g.move_stop[2] - g.move_start[2] and b.tools[0].startswith("1. Hold course")
    assert any("can be blocked by Vladimir Putin, Xi Jinping (UN Security Council veto)" in x for x in b.blockers)
    assert any("Faces an election on 3 November 2020" in h for h in b.horizon)
    kim = briefs.brief(model.state, "kim")
    assert kim.goals[0].words == "Avoid: high UN sanctions pressure together with low Sanctions evasion (ghost ships)"
    assert any("accept Donald Trump's offer 'Offer a third summit'" in p for p in kim.powers)
    text = "\n".join(kim.lines())
    assert "Your goals, strongest first:" in text and "Who can stop you:" in text


def test_a_successor_brief_gives_the_successors_goals():
    model = _defeated_trump()
    b = briefs.brief(model.state, "trump")
    assert b.name == "The new US President" and b.goals[0].words == "Higher: Denuclearisation progress"
    assert not any(x.words == "Holding office" for x in b.goals)
