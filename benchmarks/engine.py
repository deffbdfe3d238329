"""Engine throughput: world-turns per second for 1, 100 and 10,000 worlds in lockstep,
against one world alone and against `mesa.batch_run` on the same model, in one run.

Target (issue 3): 10,000 worlds in lockstep advance >= 100x more world-turns per
second than one world alone.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# One BLAS thread: the engine's matrices are small, and extra threads only add CPU time.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import mesa  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from game.compiled import Game  # noqa: E402
from game.model import SummitModel  # noqa: E402
from game.model import simulate  # noqa: E402

SCENARIO = ROOT / "scenarios" / "vladivostok-2019.yaml"


def rate(fn, world_turns: int, min_seconds: float = 0.6, repeats: int = 3) -> float:
    """World-turns per CPU second: the best of `repeats` timings of at least min_seconds each.

    CPU time of this process (all its threads), not wall time, so that other work on
    the machine disturbs the comparison as little as possible.
    """
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


def main() -> int:
    game = Game.from_file(SCENARIO)
    T = game.turns
    print(f"Scenario {game.scenario.id}: {game.n_actors} actors, {game.n_factors} factors, {game.n_moves} moves, {T} turns")
    rates = {}
    for n in (1, 100, 10_000):
        rates[n] = rate(lambda n=n: simulate(game, 1, n), n * T)
        print(f"  {n:>6} world(s) in lockstep: {rates[n]:>12,.0f} world-turns/s")
    seeds = list(range(20))
    mesa_rate = rate(
        lambda: mesa.batch_run(SummitModel, parameters={"scenario": str(SCENARIO)}, rng=seeds, max_steps=T,
                               number_processes=1, display_progress=False),
        len(seeds) * T,
    )
    print(f"  mesa.batch_run (1 process, {len(seeds)} runs): {mesa_rate:>8,.0f} world-turns/s")
    print("  (rates are per CPU second, best of 3)")
    ratio = rates[10_000] / rates[1]
    print()
    print(f"10,000 worlds vs 1 world: {ratio:,.0f}x   (target >= 100x: {'met' if ratio >= 100 else 'NOT met'})")
    print(f"10,000 worlds vs mesa.batch_run: {rates[10_000] / mesa_rate:,.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
