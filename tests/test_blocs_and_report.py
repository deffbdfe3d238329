"""The blocs command and the generated article report, run as a user would."""

import json
import subprocess
import sys

from conftest import BASELINE, ROOT, TINY

from game import article_report


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT)


def test_blocs_prints_predicted_configurations():
    r = run("blocs", str(BASELINE))
    assert r.returncode == 0, r.stderr
    assert "Bloc A:" in r.stdout and "energy" in r.stdout and "Kim Jong Un" in r.stdout


def test_blocs_json_after_some_turns():
    r = run("blocs", str(TINY), "--turn", "3", "--seed", "4", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["turn"] == 3 and data["configurations"]
    assert abs(sum(c["basin"] for c in data["configurations"]) - 1) < 1e-9


def test_blocs_bad_input():
    assert run("blocs", "no-such-file.yaml").returncode != 0
    r = run("blocs", str(TINY), "--turn", "99")
    assert r.returncode == 2 and "--turn must be between" in r.stderr
    assert "Traceback" not in r.stderr


def test_article_report_is_generated_from_simulations(tmp_path):
    from game.compiled import Game
    from game.loader import load_scenario
    from game.model import simulate
    from game.report.document import Settings, build, pct

    settings = Settings(worlds=40, seed=5, sensitivity_worlds=8, lens_turns=1, lens_draws=4, sensitivity_limit=3)
    text = build(settings)
    for heading in ("## What is assumed and what emerges", "## The headline against rationality",
                    "## Which numbers the headline rests on", "## The lens: is it a strategic game?",
                    "## Waiting and the election", "## Variants"):
        assert heading in text
    assert set(settings.figures) == {"headline-vs-rationality.png", "headline-sensitivity.png"}
    assert all(png.startswith(b"\x89PNG") for png in settings.figures.values())
    # the headline figure is the one an independent run of the same worlds gives
    out = simulate(Game(load_scenario(BASELINE)), 5, 40)
    rel = out["relations"]
    k = int((rel[:, 0, 1] > rel[:, 0, 2]).sum())
    assert f"**Kim ends closer to Putin than to Trump** in {pct(k, 40)} of worlds" in text
    report = tmp_path / "docs" / "report.md"
    assert article_report.main(["--worlds", "20", "--seed", "1", "--sensitivity-worlds", "4", "--sensitivity-numbers", "2", "--lens-turns", "0",
                                "--out", str(report)]) == 0
    assert report.read_text().startswith("# Does the article's argument show?")
    assert (tmp_path / "docs" / "report" / "headline-sensitivity.png").is_file()
