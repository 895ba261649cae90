"""The ``python -m pyginger bench`` command: its options, the run's settings and the run.

:func:`main_bench` parses the options into a :class:`Plan`, prints the sections of
:mod:`pyginger.cli.bench.sections` in order, then the targets, and writes the CSV file.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import os
import sys
import time

import numpy as np

from pyginger.cli.bench import sections

__all__ = ["Plan", "main_bench"]

DEFAULT_DIMS = (1_000, 10_000, 100_000, 1_000_000, 4_000_000)
QUICK_DIMS = (1_000, 10_000, 100_000)
DEFAULT_RANKS = (4, 16, 64)
DENSE_DIMS = (50, 100, 200, 500, 1000, 2000, 4000)
QUICK_DENSE_DIMS = (50, 100, 200, 500, 1000)


def _int_list(text):
    """Parse ``"1e3,1e4, 100"`` into ``[1000, 10000, 100]``."""
    try:
        values = [int(float(part)) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers a,b,c; got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def _positive_int(text):
    try:
        value = int(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m pyginger bench",
        description=(
            "Time Ginger's update and solve over d and tau and show them as fractions of the "
            "streaming bandwidth measured in the same run; also linear scaling, the crossover "
            "with dense Cholesky, per-call overhead and memory per update."
        ),
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes and few repeats (under a minute)"
    )
    parser.add_argument(
        "--dims",
        type=_int_list,
        default=None,
        help="comma-separated d values (default 1e3,1e4,1e5,1e6,4e6; quick: 1e3,1e4,1e5)",
    )
    parser.add_argument(
        "--ranks", type=_int_list, default=None, help="comma-separated tau values (default 4,16,64)"
    )
    parser.add_argument(
        "--repeats",
        type=_positive_int,
        default=None,
        help="timing samples per measurement (default 7; quick: 3)",
    )
    parser.add_argument(
        "--max-dim",
        type=_positive_int,
        default=None,
        help="drop every d above this (also caps the dense and memory sections)",
    )
    parser.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="storage dtype of U (default float64)",
    )
    parser.add_argument(
        "--output",
        default=None,
        metavar="CSV",
        help="also write every measurement to this CSV file",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help="threads for parallel work: Numba kernels, the triad, DGEMM and the dense references "
        "(default: all cores; 1 makes every measurement serial, steadier on a shared machine)",
    )
    parser.add_argument(
        "--blas-threads",
        type=_positive_int,
        default=1,
        help="OpenBLAS threads while Ginger is timed (default 1)",
    )
    return parser


def _write_csv(path, sections):
    records = [{"section": name, **row} for name, rows in sections for row in rows]
    fields = []
    for record in records:
        for key in record:
            if key not in fields:
                fields.append(key)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows(records)


@dataclasses.dataclass(frozen=True)
class Plan:
    """Settings of one benchmark run, derived from the command's options.

    Attributes
    ----------
    quick : bool
        Small sizes and few repeats.
    dims, ranks : list of int
        ``d`` (within ``max_dim``) and ``tau`` of the update and solve sections.
    dense_dims : list of int
        ``d`` of the dense crossover (within ``max_dim``).
    repeats : int
        Timing samples per measurement; ``repeats_given`` is the option as given (or ``None``).
    max_dim : int
        Largest ``d`` of any section.
    dtype : numpy.dtype
        Storage dtype of ``U``.
    cores, threads : int
        CPU cores, and the ``--threads`` option (or ``None``).
    numba_threads, par, blas_threads : int
        Numba threads; OpenBLAS threads for DGEMM and the dense references; OpenBLAS threads
        while Ginger is timed.
    started : float
        ``time.perf_counter()`` at the start of the run.
    """

    quick: bool
    dims: list
    ranks: list
    dense_dims: list
    repeats: int
    repeats_given: int | None
    max_dim: int
    dtype: np.dtype
    cores: int
    threads: int | None
    numba_threads: int
    par: int
    blas_threads: int
    started: float


def _plan(args, started):
    """Return the :class:`Plan` of parsed options ``args``."""
    import numba

    quick = args.quick
    dims = args.dims or list(QUICK_DIMS if quick else DEFAULT_DIMS)
    max_dim = args.max_dim or max(dims)
    cores = os.cpu_count() or 1
    return Plan(
        quick=quick,
        dims=[d for d in dims if d <= max_dim],
        ranks=args.ranks or list(DEFAULT_RANKS),
        dense_dims=[d for d in (QUICK_DENSE_DIMS if quick else DENSE_DIMS) if d <= max_dim],
        repeats=args.repeats or (3 if quick else 7),
        repeats_given=args.repeats,
        max_dim=max_dim,
        dtype=np.dtype(args.dtype),
        cores=cores,
        threads=args.threads,
        numba_threads=min(
            args.threads or numba.config.NUMBA_NUM_THREADS, numba.config.NUMBA_NUM_THREADS
        ),
        par=args.threads or cores,  # OpenBLAS threads for DGEMM and the dense references
        blas_threads=args.blas_threads,
        started=started,
    )


def main_bench(argv=None) -> int:
    """Run the benchmark suite and print its tables (``python -m pyginger bench``).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (without the program name); ``None`` reads ``sys.argv[1:]``.
        ``--quick``, ``--dims``, ``--ranks``, ``--repeats``, ``--max-dim``, ``--dtype``,
        ``--output CSV``, ``--threads``, ``--blas-threads``; ``--help`` lists them.

    Returns
    -------
    int
        0 on success, 1 when an optional section (the MLP ratios) failed.

    Notes
    -----
    Sections: 1. machine (STREAM triad bandwidth, DGEMM rate); 2. update and solve times over
    ``d`` and ``tau`` as fractions of the bandwidth; 3. linear scaling in ``d``; 4. crossover
    with dense Cholesky; 5. per-call overhead at ``d = 1000``; 6. extra memory per update;
    7. MLP cost ratios (when :mod:`pyginger.cli.bench.mlp` exists); 8. Ginger's optimizer
    step against its memory floor (:mod:`pyginger.cli.bench.step`); 9. rank-``k`` projections
    against a one-thread triad (:mod:`pyginger.cli.bench.projection`); then the targets. The
    default run takes several minutes; ``--quick`` well under one.

    Examples
    --------
    >>> main_bench(["--help"])  # doctest: +ELLIPSIS
    usage: python -m pyginger bench [-h] [--quick] ...
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return int(exc.code or 0)
    plan = _plan(args, time.perf_counter())
    sections.print_header(plan)
    triad, gemm, bandwidth = sections.machine_section(plan)
    rows = sections.update_section(plan, bandwidth)
    ratios = sections.scaling_section(plan, rows)
    dense = sections.dense_section(plan)
    sections.overhead_section(plan, rows)
    memory = sections.memory_section(plan)
    status = sections.mlp_section(plan)
    step = sections.step_section(plan, bandwidth)
    projection = sections.projection_section(plan)
    sections.targets_section(plan, rows, ratios, bandwidth, gemm, memory, dense)
    tables = [
        ("triad", triad),
        ("dgemm", gemm),
        ("update", rows),
        ("scaling", ratios),
        ("dense", dense),
        ("memory", memory),
        ("step", step),
        ("projection", projection),
    ]
    if args.output:
        _write_csv(args.output, tables)
        sections._say(f"wrote {sum(len(r) for _, r in tables)} rows to {args.output}")
    sections._say(f"total time {time.perf_counter() - plan.started:.1f} s")
    if not math.isfinite(bandwidth):  # pragma: no cover - defensive
        status = 1
    sys.stdout.flush()
    return status
