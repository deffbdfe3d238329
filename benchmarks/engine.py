"""Engine throughput, measured against references in one run (prints figures; not a test).

    python benchmarks/engine.py

1. The fast AI: world-turns per CPU second for 1 and 10,000 worlds in lockstep on the baseline.
   Reference: the engine of Summit 0.1 (commit REFERENCE, taken from this repository's history
   with `git archive` into a temporary folder and run in a subprocess) on its own baseline.
   Target (issue 8): at most 2x slower per world-turn than that engine.
2. Against `mesa.batch_run` on the same model (SummitModel): target at least 150x.
3. The planner: the decisions of four leaders in a class game (one world), per turn, over the
   first turns. Target: at most 0.5 s each on 2 cores.
Rates are per CPU second of this process (best of 3), so other work on the machine disturbs
them less; the reference and the new engine are measured alternately.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # the engine's matrices are small: one BLAS thread

import mesa  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from game.compiled import Game  # noqa: E402
from game.model import SummitModel, simulate  # noqa: E402

SCENARIO = ROOT / "scenarios" / "vladivostok-2019.yaml"
REFERENCE = "270759b"  # Summit 0.1 as it landed before issue 8
WORLDS = 10_000

RATE_SNIPPET = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from game.compiled import Game
from game.state import simulate
g = Game.from_file(os.path.join(sys.argv[1], "scenarios", "vladivostok-2019.yaml"))
n = int(sys.argv[2]); simulate(g, 1, n)
best = 0.0
for _ in range(3):
    t = time.process_time(); simulate(g, 1, n); best = max(best, n * g.turns / (time.process_time() - t))
print(best)
"""


def rate(fn, world_turns: int, min_seconds: float = 0.6, repeats: int = 3) -> float:
    """World-turns per CPU second of this process: the best of `repeats` timings of at least min_seconds."""
    fn()  # warm up
    best = 0.0
    for _ in range(repeats):
        runs, start = 0, time.process_time()
        while True:
            fn()
            runs += 1
            elapsed = time.process_time() - start
            if elapsed >= min_seconds:
                break
        best = max(best, runs * world_turns / elapsed)
    return best


def reference_rate(worlds: int) -> float | None:
    """Summit 0.1's engine, from this repository's history, in a subprocess; None if unavailable."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", REFERENCE, "game", "scenarios"],
                                 capture_output=True)
        if archive.returncode != 0:
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        out = subprocess.run([sys.executable, "-c", RATE_SNIPPET, tmp, str(worlds)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": tmp})
        if out.returncode != 0:
            print(out.stderr[-400:], file=sys.stderr)
            return None
        return float(out.stdout.strip().splitlines()[-1])


def planner_seconds(game: Game, turns: int = 4) -> list[float]:
    """Wall seconds for the planner to decide for all four leaders, at each of the first turns."""
    model = SummitModel(game, seed=7, ai="planner")
    out = []
    for _ in range(turns):
        t = time.perf_counter()
        model.plan()
        out.append(time.perf_counter() - t)
        model.step()
    return out


def main() -> int:
    game = Game.from_file(SCENARIO)
    T = game.turns
    print(f"Scenario {game.scenario.id}: {game.n_actors} actors, {game.n_factors} factors, {game.n_moves} moves, {T} turns")
    new, old = [], []
    for _ in range(2):  # alternate, so that a busy moment hurts both alike
        new.append(rate(lambda: simulate(game, 1, WORLDS), WORLDS * T, repeats=2))
        ref = reference_rate(WORLDS)
        if ref is not None:
            old.append(ref)
    one = rate(lambda: simulate(game, 1, 1), T)
    seeds = list(range(20))
    mesa_rate = rate(lambda: mesa.batch_run(SummitModel, parameters={"scenario": str(SCENARIO)}, rng=seeds, max_steps=T,
                                            number_processes=1, display_progress=False), len(seeds) * T)
    fast = max(new)
    print(f"  fast AI, {WORLDS:,} worlds in lockstep: {fast:>10,.0f} world-turns/s   (1 world: {one:,.0f})")
    if old:
        print(f"  Summit 0.1 ({REFERENCE}), {WORLDS:,} worlds:  {max(old):>10,.0f} world-turns/s")
    print(f"  mesa.batch_run (1 process, {len(seeds)} runs):   {mesa_rate:>10,.0f} world-turns/s")
    times = planner_seconds(game)
    print(f"  planner, four leaders' decisions per turn: {', '.join(f'{t:.2f}' for t in times)} s "
          f"({game.scenario.planner.rollouts} rollouts of {game.scenario.planner.horizon} turns per move)")
    print("  (rates are per CPU second, best of 2-3, the two engines measured alternately)")
    print()
    if old:
        slower = max(old) / fast
        print(f"Fast AI vs Summit 0.1 per world-turn: {slower:.2f}x slower   (target <= 2x: {'met' if slower <= 2 else 'NOT met'})")
    else:
        print("Fast AI vs Summit 0.1: reference unavailable (no git history here)")
    ratio = fast / mesa_rate
    print(f"Fast AI vs mesa.batch_run: {ratio:,.0f}x   (target >= 150x: {'met' if ratio >= 150 else 'NOT met'})")
    worst = float(np.max(times))
    print(f"Planner, slowest turn: {worst:.2f} s   (target <= 0.5 s: {'met' if worst <= 0.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
