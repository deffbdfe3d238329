"""The example notebook (docs/analysis.ipynb) runs from top to bottom, offline, in a fresh kernel."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "analysis.ipynb"


@pytest.mark.slow
def test_the_example_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ema_workbench")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # Run in an empty folder: the batches go to its runs/notebook/, not into the repository.
    client = nbclient.NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = {i: "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in c.get("outputs", []))
               for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "(400, " in outputs[1]  # 400 worlds
    assert "overall " in "".join(outputs.values()) and "box density" in "".join(outputs.values())
    assert (tmp_path / "runs" / "notebook").is_dir()
