"""Benchmarks of the Ginger core under one path: update and solve, scaling, crossover, memory.

Each measurement lives in a module of its own and returns a list of plain dicts (one per
measurement) so that notebooks can tabulate or plot them; :func:`~pyginger.cli.bench.main_bench`
runs them all and prints the tables of ``python -m pyginger bench``:

- :mod:`pyginger.cli.bench.update_solve`: :func:`bench_update` and :func:`format_update_table`
  (the yardsticks are described there);
- :mod:`pyginger.cli.bench.scaling`: :func:`scaling_ratios`, :func:`format_scaling`,
  :func:`format_overhead`;
- :mod:`pyginger.cli.bench.crossover`: :func:`dense_crossover`, :func:`crossover_dim`,
  :func:`format_crossover`;
- :mod:`pyginger.cli.bench.memory`: :func:`update_memory`, :func:`format_memory`;
- :mod:`pyginger.cli.bench.timing`: :func:`warm_state` and the timed chains.
"""

from __future__ import annotations

from pyginger.cli.bench.crossover import crossover_dim, dense_crossover, format_crossover
from pyginger.cli.bench.memory import format_memory, update_memory
from pyginger.cli.bench.scaling import format_overhead, format_scaling, scaling_ratios
from pyginger.cli.bench.timing import warm_state
from pyginger.cli.bench.update_solve import bench_update, format_update_table

__all__ = [
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
]
