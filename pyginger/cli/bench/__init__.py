"""Benchmarks: Ginger's speed against the machine's measured limits.

``python -m pyginger bench`` runs :func:`main_bench`. The pieces return lists of dicts, for
notebooks:

- :mod:`pyginger.cli.bench.bandwidth`: :func:`triad_bandwidth` (STREAM triad), :func:`dgemm_rate`,
  :func:`thread_limits` (Numba and OpenBLAS thread pools).
- :mod:`pyginger.cli.bench.core` gathers the measurements of the core, each in its own module:
  :func:`bench_update` (update and solve over ``d`` and ``tau``, in ``update_solve``),
  :func:`scaling_ratios` (``scaling``), :func:`dense_crossover` (``crossover``),
  :func:`update_memory` (``memory``), on the timed chains of ``timing``.
- :mod:`pyginger.cli.bench.mlp`: cost ratios on a small MLP.
- :mod:`pyginger.cli.bench.step` (the optimizer step against its memory floor, and its fixed
  cost in CPU time) and :mod:`pyginger.cli.bench.projection` (rank-``k`` projections).
- The command itself: its options and run in ``command``, its printed sections in ``sections``,
  the verdicts on the performance targets in ``targets``.

Thread settings of the command (printed in its header, with the thread-related environment):

- ``--threads`` (default: every core) sets Numba's threads (the core's kernels go parallel above
  a size threshold) and OpenBLAS's threads for the DGEMM rate and the dense Cholesky references,
  so that the dense side is timed at its best.
- ``--blas-threads`` (default 1) sets OpenBLAS's threads while Ginger is timed: its small
  (tau+k)-sized calls gain nothing from threads, and idle OpenBLAS workers spinning after a
  threaded call would steal the core Numba needs on a small machine.
- On a machine shared with other work, a parallel region waits for whichever thread is
  descheduled; ``--threads 1`` makes every measurement serial and steady there.

``docs/performance.md`` (section "Thread settings of the benchmark command") records what these
settings were measured to cost on one machine.
"""

from __future__ import annotations

from pyginger.cli.bench.bandwidth import (
    available_memory,
    blas_threads,
    cache_size,
    dgemm_rate,
    thread_limits,
    triad_bandwidth,
)
from pyginger.cli.bench.command import main_bench
from pyginger.cli.bench.core import (
    bench_update,
    crossover_dim,
    dense_crossover,
    format_crossover,
    format_memory,
    format_overhead,
    format_scaling,
    format_update_table,
    scaling_ratios,
    update_memory,
    warm_state,
)

__all__ = [
    # machine
    "available_memory",
    "blas_threads",
    "cache_size",
    "dgemm_rate",
    "thread_limits",
    "triad_bandwidth",
    # core
    "bench_update",
    "crossover_dim",
    "dense_crossover",
    "format_crossover",
    "format_memory",
    "format_overhead",
    "format_scaling",
    "format_update_table",
    "scaling_ratios",
    "update_memory",
    "warm_state",
    # command line
    "main_bench",
]
