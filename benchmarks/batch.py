"""Benchmark of `batch` (prints figures; not a test). Every figure is measured in this one run.

    python benchmarks/batch.py [--scenario scenarios/vladivostok-2019.yaml] [--quick] [--repeat 3]

On the baseline scenario it measures, against references taken in the same run:
  1. `mesa.batch_run` on the same model: worlds per second (the reference for 2);
  2. `batch` with 1 worker, 2 workers and on a Dask LocalCluster of 2 single-threaded worker
     processes (with their nanny), interleaved, repetition by repetition, with the control (the
     bare engine in 1 process, then in 2 at once) measured beside each: min, median and max;
  3. compute time against end-to-end time (result files and plots) for the baseline at 20,000
     worlds and for a 20-point sweep of 1,000 worlds each (target: outputs and plots at most 25%);
  4. peak memory of the whole process tree (the batch process and its workers, summed, sampled
     every 50 ms) at 1,000 and 100,000 worlds (target: within 20%).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def mesa_rate(scenario: str, runs: int) -> float:
    import mesa

    from game.batch.worker import blas_threads
    from game.compiled import Game
    from game.model import SummitModel

    blas_threads(1)  # one core, like `batch --workers 1`
    turns = Game.from_file(scenario).turns
    t0 = time.perf_counter()
    mesa.batch_run(SummitModel, parameters={"scenario": scenario}, rng=list(range(runs)), max_steps=turns,
                   number_processes=1, display_progress=False)
    return runs / (time.perf_counter() - t0)


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


class TreePeak:
    """Samples the summed RSS of a process tree in a thread; `peak` is the largest sum seen."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.pid))
            time.sleep(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._t.join()
        return self.peak


def batch(scenario: str, runs: int, workers: int | None = None, plots: bool = False, extra=(), memory: bool = False) -> dict:
    """`main.py batch` in a subprocess: wall time, and the figures its log.jsonl records."""
    with tempfile.TemporaryDirectory(prefix="summit-bench-") as tmp:
        out = Path(tmp) / "out"
        args = [sys.executable, str(ROOT / "main.py"), "batch", scenario, "--runs", str(runs), "--seed", "1",
                "--out", str(out), *extra]
        if workers:
            args += ["--workers", str(workers)]
        if not plots:
            args.append("--no-plots")
        t = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        sampler = TreePeak(proc.pid) if memory else None
        _, err = proc.communicate()
        wall = time.perf_counter() - t
        peak = sampler.stop() if sampler else None
        if proc.returncode:
            raise SystemExit(f"batch failed: {err}")
        log = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
        return {"wall": wall, "compute": log["seconds"], "files": log.get("files_seconds", 0.0),
                "plots": log.get("plots_seconds", 0.0), "rate": runs / log["seconds"], "end_to_end": runs / wall,
                "peak": peak, "runs": runs}


CONTROL = """
import os, sys, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import numpy as np
from game.compiled import Game
from game.state import simulate
g = Game.from_file(sys.argv[1])
n = int(sys.argv[2])
simulate(g, 1, np.arange(100))
t = time.perf_counter()
for k in range(0, n, 2000):
    simulate(g, 1, np.arange(k, min(n, k + 2000)))
print(time.perf_counter() - t)
"""


def control(scenario: str, runs: int, processes: int) -> float:
    """The bare engine (no batch code): worlds per second of `processes` processes running at once."""
    cmd = [sys.executable, "-c", CONTROL, scenario, str(runs)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(processes)]
    slowest = max(float(p.communicate()[0]) for p in procs)
    return processes * runs / slowest


def spread(xs: list[float], fmt: str = "{:,.0f}") -> str:
    return f"{fmt.format(min(xs))} / {fmt.format(statistics.median(xs))} / {fmt.format(max(xs))}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default="scenarios/vladivostok-2019.yaml")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a rough check in about two minutes)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved repetitions of the speed measurements")
    a = ap.parse_args()
    sc = a.scenario
    quick = a.quick
    runs = 4_000 if quick else 20_000
    print(f"scenario {sc}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the start")

    # 1. the reference
    mesa_runs = 10 if quick else 40
    m = mesa_rate(sc, mesa_runs)
    print(f"\nmesa.batch_run, 1 process: {m:,.1f} worlds/s ({mesa_runs} worlds)")

    # 2. speed and scaling, interleaved with their control
    import distributed

    from game.batch.layout import default_chunk_size

    chunk = str(default_chunk_size(runs, 2))
    rows: dict[str, list[dict]] = {"w1": [], "w2": [], "dask": []}
    ctl1, ctl2 = [], []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        dask_args = ("--scheduler", cluster.scheduler_address)
        for r in range(a.repeat):
            order = ["w1", "w2", "dask"] if r % 2 == 0 else ["dask", "w2", "w1"]
            for name in order:
                if name == "w2":  # the control right before and after the 2-worker run
                    ctl1.append(control(sc, runs // 2, 1))
                    ctl2.append(control(sc, runs // 2, 2))
                extra = ("--chunk-size", chunk) + (dask_args if name == "dask" else ())
                rows[name].append(batch(sc, runs, workers=None if name == "dask" else int(name[1]), extra=extra))
    print(f"\nSpeed at {runs:,} worlds, chunks of {chunk}; {a.repeat} interleaved repetitions; min / median / max")
    print(f"{'':28}{'computing (worlds/s)':>28}{'end to end (worlds/s)':>28}")
    names = {"w1": "batch, 1 worker", "w2": "batch, 2 local workers", "dask": "batch, Dask (2 workers)"}
    for k, label in names.items():
        print(f"{label:28}{spread([x['rate'] for x in rows[k]]):>28}{spread([x['end_to_end'] for x in rows[k]]):>28}")
    print(f"{'control: engine, 1 process':28}{spread(ctl1):>28}")
    print(f"{'control: engine, 2 at once':28}{spread(ctl2):>28}")
    scaling = [b["rate"] / a_["rate"] for a_, b in zip(rows["w1"], rows["w2"])]
    allowed = [c2 / c1 for c1, c2 in zip(ctl1, ctl2)]
    print(f"  -> 1 -> 2 workers: {spread(scaling, '{:.2f}x')} computing, while the control allowed "
          f"{spread(allowed, '{:.2f}x')} in the same repetitions (target: close to the control)")
    dask_vs_local = [d["rate"] / w["rate"] for d, w in zip(rows["dask"], rows["w2"])]
    print(f"  -> Dask against 2 local workers: {spread(dask_vs_local, '{:.2f}x')} computing "
          "(the issue measured 0.43x before its workers' allocator was fixed)")
    one = [x["rate"] for x in rows["w1"]]
    print(f"  -> 1 worker against mesa.batch_run: {statistics.median(one) / m:,.0f}x computing, "
          f"{statistics.median([x['end_to_end'] for x in rows['w1']]) / m:,.0f}x end to end (target >= 50x)")

    # 3. compute against end-to-end time, with plots
    print("\nWhere the time goes (default workers, with result files and plots)")
    sweep = "actors.kim.rationality=" + ",".join(str(v) for v in range(1, 21))
    for label, n, extra in ((f"baseline, {runs:,} worlds", runs, ()),
                            (f"20-point sweep x {runs // 20:,} worlds", runs // 20, ("--sweep", sweep))):
        x = batch(sc, n, plots=True, extra=extra)
        outputs = x["wall"] - x["compute"]
        print(f"  {label:34} {x['wall']:5.1f} s end to end: computing {x['compute']:.1f} s, result files {x['files']:.1f} s, "
              f"plots {x['plots']:.1f} s, start-up and the rest {outputs - x['files'] - x['plots']:.1f} s; "
              f"outputs and plots {100 * (x['files'] + x['plots']) / x['wall']:.0f}% (target <= 25%)")

    # 4. memory of the whole process tree
    sizes = (1_000, 10_000) if quick else (1_000, 100_000)
    peaks = [batch(sc, n, workers=2, plots=True, memory=True)["peak"] for n in sizes]
    print(f"\nPeak memory of the process tree (batch + 2 workers + plot helper, summed): "
          f"{peaks[0] / 2**20:,.0f} MiB at {sizes[0]:,} worlds, {peaks[1] / 2**20:,.0f} MiB at {sizes[1]:,} "
          f"({100 * (peaks[1] / peaks[0] - 1):+.0f}%, target within 20%)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
