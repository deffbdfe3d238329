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
    text = article_report.build(worlds=60, seed=5)
    assert "Kim ends closer to Putin than to Trump" in text
    assert "## Variants" in text and "Wilson" in text
    out = tmp_path / "report.md"
    assert article_report.main(["--worlds", "30", "--seed", "1", "--out", str(out)]) == 0
    assert out.read_text().startswith("# Does the article's argument show?")
