"""Headless Monte Carlo batches: many AI-only worlds of a scenario, run in chunks.

Results depend only on (scenario, overrides, seed, number of runs): never on the
number of workers, the chunk size, the cluster, or interruptions. See docs/batches.md.
"""

from game.batch.runner import BatchError, Outcome, Request, execute, prepare, run_batch

__all__ = ["BatchError", "Outcome", "Request", "execute", "prepare", "run_batch"]
