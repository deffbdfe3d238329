"""The teacher's kit (`main.py handouts`) and several classes compared (`main.py class-report`), run as a
teacher runs them; the pages' words come from the scenario and are checked against it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

from game import briefs, export
from game.compiled import Game
from game.model import SummitModel
from game.state import State
from game.teaching import look_at, months_for

from conftest import BASELINE, ROOT


def main(*args, timeout=300):
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_handouts_write_the_kit_from_the_scenario(tmp_path):
    out = main("handouts", "vladivostok-2019", "--out", tmp_path / "kit")
    assert out.returncode == 0, out.stderr
    kit = tmp_path / "kit"
    names = {p.name for p in kit.iterdir()}
    assert names == {"index.html", "lesson-plan.html", "role-cards.html", "glossary.html", "debrief-guide.html",
                     "sources.html", "what-happened-next.html", "reading-list.html"}
    game = Game.from_file(BASELINE)
    cards = (kit / "role-cards.html").read_text()
    assert cards.count('class="card"') == 4
    kim = briefs.brief(State(game, seed=1), "kim")
    assert kim.goals[0].words.replace("&", "&amp;") in cards and f"({kim.goals[0].share:.0%} of what is at stake)" in cards
    assert "You decide whether to accept Donald Trump&#x27;s offer" in cards
    glossary = (kit / "glossary.html").read_text()
    for f in game.scenario.factors:
        assert f">{f.label}<" in glossary.replace("&#x27;", "'")
    guide = (kit / "debrief-guide.html").read_text()
    for q in game.scenario.discussion_questions:
        assert q.replace("'", "&#x27;") in guide
    plan = (kit / "lesson-plan.html").read_text()
    assert f"play {months_for(45, game.turns)} of the {game.turns} months" in plan
    assert f"play {months_for(90, game.turns)} of the {game.turns} months" in plan
    assert "CNN, 30 June 2019" in (kit / "what-happened-next.html").read_text()
    index = (kit / "index.html").read_text()
    assert 'href="role-cards.html"' in index and 'href="what-happened-next.html"' in index


def test_the_debrief_guide_points_to_the_evidence_each_question_needs():
    game = Game.from_file(BASELINE)
    qs = game.scenario.discussion_questions
    veto = next(q for q in qs if "vetoed" in q)
    assert any("UN Security Council veto" in x for x in look_at(game, veto))
    lost = next(q for q in qs if "Trump lost" in q)
    hints = look_at(game, lost)
    assert any(x.startswith("Donald Trump's line") for x in hints) and any("AI worlds" in x for x in hints)
    deference = next(q for q in qs if "deference" in q)
    assert any("'Deference shown to Kim'" in x for x in look_at(game, deference))


def test_handouts_refuse_a_file_as_folder_and_escape_the_scenario(tmp_path, tiny_copy):
    import yaml

    (tmp_path / "f").write_text("x")
    out = main("handouts", "vladivostok-2019", "--out", tmp_path / "f")
    assert out.returncode == 2 and "is a file" in out.stderr and "Traceback" not in out.stderr
    tiny_copy["title"] = "Tiny <script>alert(1)</script>"
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_copy))
    out = main("handouts", path, "--out", tmp_path / "kit")
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "kit" / "role-cards.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    tiny_copy["start_date"] = "2031-01-01"  # a broken file: the loader's message, file and line, and no kit
    path.write_text(yaml.safe_dump(tiny_copy))
    out = main("handouts", path, "--out", tmp_path / "kit2")
    assert out.returncode != 0 and "tiny.yaml:12:11: actors[0].term.date" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "kit2").exists()


def _class_game(tmp_path, name: str, seed: int, moves: list[str], months: int = 5):
    model = SummitModel(BASELINE, humans=("kim",), seed=seed)
    for k in range(months):
        legal = model.state.legal_actions("kim")
        model.submit({"kim": moves[k % len(moves)] if moves[k % len(moves)] in legal else legal[0]})
        model.step()
    data = export.game_data(model.state, model.trajectory()[1:, 0], ("kim",), {"last_turn": months})
    return export.write(data, tmp_path / name)[0], model


def test_class_report_places_each_class_among_ai_worlds_of_the_same_months(tmp_path):
    a, model_a = _class_game(tmp_path, "class-a", 3, ["kim_wait"])
    b, model_b = _class_game(tmp_path, "class-b", 4, ["kim_ghost_ships", "kim_seek_russian_aid"])
    out = main("class-report", a, b, "--worlds", 30, "--out", tmp_path / "report")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader((tmp_path / "report" / "class-report.csv").open()))
    assert len(rows) == 8 and {r["class"] for r in rows} == {"class-a", "class-b"}
    kim_a = next(r for r in rows if r["class"] == "class-a" and r["leader"] == "kim")
    assert kim_a["played_by"] == "team" and float(kim_a["score"]) == pytest.approx(model_a.state.scores()["kim"], abs=1e-3)
    # an independent computation: the same AI worlds, five months
    ai = SummitModel(BASELINE, worlds=np.arange(1, 31), seed=3)
    for _ in range(5):
        ai.step()
    col = ai.state.worlds.scores[:, 0]
    mine = model_a.state.scores()["kim"]
    assert float(kim_a["ai_median"]) == pytest.approx(np.median(col), abs=1e-3)
    assert float(kim_a["better_than_ai"]) == pytest.approx((col < mine).mean() + 0.5 * (col == mine).mean(), abs=1e-3)
    assert (tmp_path / "report" / "class-report.png").stat().st_size > 5000
    assert "| class-a | kim | team |" in (tmp_path / "report" / "class-report.md").read_text()


def test_class_report_refuses_what_it_cannot_compare(tmp_path):
    out = main("class-report", tmp_path, "--out", tmp_path / "r")
    assert out.returncode == 2 and "no exported class game" in out.stderr
    bad = tmp_path / "bad-game.json"
    bad.write_text("{}")
    out = main("class-report", bad, "--out", tmp_path / "r")
    assert out.returncode == 2 and "bad-game.json" in out.stderr and "Traceback" not in out.stderr
