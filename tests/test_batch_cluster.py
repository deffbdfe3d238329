"""Dask: chunks sized for the cluster, and workers that keep glibc's fast allocation (issue 12, defect 8)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from game.batch import Request, prepare
from game.batch.layout import default_chunk_size
from game.batch.runner import cpu_count

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def test_chunks_are_sized_for_the_cluster_not_this_machine(tmp_path):
    distributed = pytest.importorskip("distributed", reason="Dask distributed (extra 'cluster') is not installed")
    threads = 3 * cpu_count() + 1
    with distributed.LocalCluster(n_workers=1, threads_per_worker=threads, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        p = prepare(Request(str(TINY), runs=10_000, seed=1, out=str(tmp_path / "b"), scheduler=cluster.scheduler_address,
                            plots=False, quiet=True))
        try:
            assert p.chunk_size == default_chunk_size(10_000, threads) != default_chunk_size(10_000, cpu_count())
            assert len(p.chunks) >= threads  # every worker thread can be busy
        finally:
            p.client.close()


PROBE = """
import json, resource, sys
import numpy as np
from game.batch import worker
from game.batch.layout import Chunk
if sys.argv[1] == "tuned":
    assert worker.tune_malloc()
import yaml
data = yaml.safe_load(open(sys.argv[2]))
task = worker.ChunkTask(Chunk(0, 0, 0, 3000), 1, 3000, data, "tiny", "probe")
worker.simulate_chunk(task)  # warm up
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    worker.simulate_chunk(task)
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt and MALLOC_TRIM_THRESHOLD_ are Linux's")
def test_workers_undo_the_nannys_malloc_setting():
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536: without the fix a chunk page-faults ten times as much."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}

    def faults(mode: str) -> int:
        out = subprocess.run([sys.executable, "-c", PROBE, mode, str(TINY)], env=env, cwd=ROOT, capture_output=True,
                             text=True, timeout=120, check=True)
        return json.loads(out.stdout)

    plain, tuned = faults("plain"), faults("tuned")
    assert tuned * 3 < plain, (plain, tuned)


# --- defect 12: the default number of workers, and why -------------------------------------------------


def test_default_workers_follow_the_idle_cores_and_say_why():
    from game.batch.runner import default_workers

    assert default_workers(100_000, cores=2, load=0.1) == (2, "2 of 2 cores idle (load average 0.10)")
    n, why = default_workers(100_000, cores=2, load=1.9)  # a loaded machine: one worker was faster than two
    assert n == 1 and "load average 1.90" in why
    n, why = default_workers(1_000, cores=8, load=0.0)
    assert n == 1 and "small batch" in why
    assert default_workers(100_000, cores=8, load=3.0)[0] == 5
    assert default_workers(100_000, cores=1, load=0.0) == (1, "one core")


def test_the_progress_line_says_why_it_chose_its_workers(tmp_path, capsys):
    from game.cli import main as cli_main

    assert cli_main(["batch", str(TINY), "--runs", "40", "--seed", "1", "--no-plots", "--out", str(tmp_path / "b")]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert "(default: a small batch (40 runs)" in first and "--workers W to choose" in first
