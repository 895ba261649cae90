"""Benchmarks: Ginger's speed against the machine's measured limits.

``python -m pyginger bench`` runs :func:`main_bench`. The pieces return lists of dicts, for
notebooks:

- :mod:`pyginger.cli.bench.bandwidth`: :func:`triad_bandwidth` (STREAM triad), :func:`dgemm_rate`,
  :func:`thread_limits` (Numba and OpenBLAS thread pools).
- :mod:`pyginger.cli.bench.core`: :func:`bench_update` (update and solve over ``d`` and ``tau``),
  :func:`scaling_ratios`, :func:`dense_crossover`, :func:`update_memory`.
- :mod:`pyginger.cli.bench.mlp` (when present): cost ratios on a small MLP.

Thread settings of the command (printed in its header, with the thread-related environment):

- ``--threads`` (default: every core) sets Numba's threads (the core's kernels go parallel above
  a size threshold) and OpenBLAS's threads for the DGEMM rate and the dense Cholesky references,
  so that the dense side is timed at its best.
- ``--blas-threads`` (default 1) sets OpenBLAS's threads while Ginger is timed: its small
  (tau+k)-sized calls gain nothing from threads, and idle OpenBLAS workers spinning for ~0.1 s
  after a threaded call would steal the core Numba needs on a 2-core machine (measured: with 2
  OpenBLAS threads the update at d = 1e6, tau = 16 took 1.5-2x longer).
- On a machine shared with other work, a 2-thread parallel region waits for whichever thread is
  descheduled: a 0.5 ms solve was measured at 30 ms (2 threads) against 0.53 ms (1 thread) under
  a load of 4 on 2 cores. ``--threads 1`` makes every measurement serial and steady there.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import os
import sys
import time

import numpy as np

from pyginger.cli.bench.bandwidth import (
    available_memory,
    blas_threads,
    cache_size,
    dgemm_rate,
    thread_limits,
    triad_bandwidth,
)
from pyginger.cli.bench.core import (
    _no_slower,
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


def _say(text=""):
    print(text, flush=True)


_CLOCK = [0.0]


def _section(title):
    _say()
    _say(f"== {title}   [at {time.perf_counter() - _CLOCK[0]:.1f} s]")


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


#: Linear scaling is judged on pairs of sizes from this ``d`` up: below it the fixed per-call
#: cost dominates and ``U`` fits in cache (see section 3 of the command).
SCALING_FROM_DIM = 100_000


def _verdict(ok, target):
    """Return ``"met (target ...)"`` or ``"NOT met (target ...)"``: a verdict names its target."""
    return f"{'met' if ok else 'NOT met'} (target {target})"


def _u_bytes(row):
    return row["dim"] * row["rank"] * np.dtype(row["dtype"]).itemsize


def _cache_note(rows, cache_bytes):
    """Say why a rate above 100% of the streaming bandwidth is possible, for rows that show one.

    The triad's arrays are made several times larger than the last-level cache, so the yardstick
    is the bandwidth of main memory; an update or solve whose ``U`` fits in that cache reads it
    from there, faster.
    """
    fast = [r for r in rows if not r["skipped"] and r["fraction"] > 1.0]
    if not fast:
        return []
    top = max(fast, key=lambda r: r["fraction"])
    cached = [r for r in fast if _u_bytes(r) <= cache_bytes]
    lines = [
        f"{len(fast)} measurement(s) above 100% of the bandwidth (up to "
        f"{100 * top['fraction']:.0f}%: {top['op']} {top['backend']}, d = {top['dim']}, "
        f"tau = {top['rank']})."
    ]
    if cached:
        largest = max(_u_bytes(r) for r in cached)
        lines.append(
            f"  in {len(cached)} of them U (d * tau * itemsize bytes, at most "
            f"{largest / 2**20:.1f} MiB) fits in the last-level cache ({cache_bytes >> 20} MiB):"
        )
        lines.append(
            "  U stays in the cache between calls, so these rates are cache bandwidth; the "
            "triad's arrays are larger than the cache and measure main memory."
        )
    if len(cached) < len(fast):
        lines.append(
            f"  in {len(fast) - len(cached)} of them U is larger than the cache: there the triad "
            "was probably slowed by other work (see the load average), which makes the yardstick "
            "low."
        )
    return lines


def _targets(rows, ratios, bandwidth, gemm, memory, dense, cache_bytes):
    """Lines that state each performance target, the figure measured and whether it is met."""

    def pick(op, min_dim=1, max_rank=None, rank=None, backend="numba"):
        return [
            r
            for r in rows
            if r["op"] == op
            and r["backend"] == backend
            and r["dim"] >= min_dim
            and (max_rank is None or r["rank"] <= max_rank)
            and (rank is None or r["rank"] == rank)
            and not r["skipped"]
        ]

    def in_cache(picked):
        if any(_u_bytes(r) <= cache_bytes for r in picked):
            return (
                f" [U fits in the {cache_bytes >> 20} MiB last-level cache at some of these "
                "sizes: cache, not memory bandwidth; larger --dims judge memory]"
            )
        return ""

    lines = ["Speed, as % of the triad bandwidth (numba kernels; d >= 1e6 unless stated):"]
    big_updates = pick("update", min_dim=1_000_000, max_rank=16)
    big_inplace = pick("update_inplace", min_dim=1_000_000, max_rank=16)
    big_solves = pick("solve", min_dim=1_000_000)
    if big_updates:
        worst = min(r["fraction"] for r in big_updates)
        lines.append(
            f"  update, tau <= 16: min {100 * worst:.1f}% -> {_verdict(worst >= 0.30, '>= 30%')}; "
            "its new U is fresh memory the OS zero-fills first (one more write of |U|)"
            + in_cache(big_updates)
        )
    else:
        lines.append("  update, tau <= 16: not measured in this run (needs --dims up to 1e6)")
    if big_inplace:
        worst = min(r["fraction"] for r in big_inplace)
        lines.append(
            f"  update in place, tau <= 16: min {100 * worst:.1f}% -> "
            f"{_verdict(worst >= 0.30, '>= 30%')}, {_verdict(worst >= 0.40, 'in place >= 40%')}"
            + in_cache(big_inplace)
        )
    if big_solves:
        worst = min(r["fraction"] for r in big_solves)
        lines.append(
            f"  solve, on its own traffic: min {100 * worst:.1f}% -> "
            f"{_verdict(worst >= 0.70, '>= 70%')}, {_verdict(worst >= 0.80, 'stretch >= 80%')}"
            + in_cache(big_solves)
        )
    else:
        lines.append("  solve: not measured in this run (needs --dims up to 1e6)")
    wide = pick("update", min_dim=1_000_000, rank=64)
    skinny = [g["gflops"] for g in gemm if g["k"] < 100 and g["blas_threads"] == 1]
    if wide and skinny:
        rate, ref = min(r["gflops"] for r in wide), max(skinny)
        lines.append(
            f"  update, tau = 64: {rate:.1f} GFLOP/s for the whole update, {100 * rate / ref:.0f}% "
            f"of one-thread DGEMM of the rotation's shape ({ref:.1f}) -> "
            f"{_verdict(rate >= 0.6 * ref, '>= 60% in the rotation pass')} (the whole update is "
            "a lower bound for the pass)"
        )
    upd = [
        r
        for r in ratios
        if r["op"] == "update" and r["backend"] == "numba" and r["dim_from"] >= SCALING_FROM_DIM
    ]
    if upd:
        lo, hi = min(r["per_10x"] for r in upd), max(r["per_10x"] for r in upd)
        lines.append(
            f"  update time per 10x d, from d = {upd[0]['dim_from']} up: {lo:.1f} to {hi:.1f} -> "
            f"{_verdict(lo >= 8 and hi <= 12, '8-12, linear in d')}"
        )
    else:
        lines.append(
            f"  linear scaling: not judged in this run (needs two sizes from d = "
            f"{SCALING_FROM_DIM:.0e} up)".replace("e+0", "e")
        )
    pairs = {}
    for r in rows:
        if r["op"] == "update" and r["dim"] == 1000 and not r["skipped"]:
            pairs.setdefault(r["rank"], {})[r["backend"]] = r
    judged = [
        _no_slower(p["numba"], p["numpy"]) for p in pairs.values() if {"numba", "numpy"} <= set(p)
    ]
    if judged:
        # A miss the fastest samples confirm outweighs a median that only load made slower.
        missed = [j for j in judged if j[2] == "NOT met"]
        noisy = [j for j in judged if j[2] == "noise"]
        median, best, kind = max(missed or noisy or judged)
        line = f"  update at d = 1e3, numba/numpy time: worst {median:.2f} -> "
        if kind == "noise":
            line += (
                f"undecided: the fastest samples give {best:.2f} (load on the machine; "
                "target <= 1, numba no slower)"
            )
        else:
            line += _verdict(kind == "met", "<= 1, numba no slower")
        lines.append(line)
    if dense:
        where = crossover_dim(dense)
        lines.append(
            f"  dense step (EMA + Cholesky) slower than Ginger's step from d = "
            f"{where if where is not None else '(beyond the sizes measured)'} "
            "(expected near 100 on 2 cores)"
        )
    if memory:
        lines.append("Peak memory of one update, k = 1 (|U| is the state's own U):")
    for r in memory:
        if r["k"] == 1 and math.isfinite(r["rss_peak_bytes"]):
            ratio = r["rss_peak_bytes"] / r["u_bytes"]
            mode = "in place" if r.get("in_place") else "pure"
            figure = f"  {r['backend']}, {mode}: |U| + {ratio:.2f} |U|"
            if r["backend"] != "numba":
                # The NumPy twin is the readable reference, not the kernel the optimizers run.
                lines.append(figure + " (the NumPy reference, for comparison: no target)")
                continue
            # Overall peak = the state's own U + the update's extra; O(d) slack: a few vectors.
            ok = r["rss_peak_bytes"] <= r["u_bytes"] + 8 * r["factor_bytes"]
            lines.append(f"{figure} -> {_verdict(ok, '<= 2 |U| + O(d)')}")
    lines.append(f"(bandwidth yardstick: {bandwidth:.1f} GB/s, best STREAM triad of this run)")
    return lines


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
    7. MLP cost ratios (when :mod:`pyginger.cli.bench.mlp` exists); then the targets. The
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
    started = time.perf_counter()
    _CLOCK[0] = started
    quick = args.quick
    dims = args.dims or list(QUICK_DIMS if quick else DEFAULT_DIMS)
    ranks = args.ranks or list(DEFAULT_RANKS)
    repeats = args.repeats or (3 if quick else 7)
    max_dim = args.max_dim or max(dims)
    dims = [d for d in dims if d <= max_dim]
    dtype = np.dtype(args.dtype)
    cores = os.cpu_count() or 1
    import numba

    numba_threads = min(
        args.threads or numba.config.NUMBA_NUM_THREADS, numba.config.NUMBA_NUM_THREADS
    )
    par = args.threads or cores  # OpenBLAS threads for DGEMM and the dense references
    sections = []
    status = 0

    _say(
        f"pyginger bench{' (quick)' if quick else ''}: d in {dims}, tau in {ranks}, "
        f"{repeats} samples, U in {dtype.name}"
    )
    _say(
        f"machine: {cores} cores, last-level cache {cache_size() >> 20} MiB (the largest CPU "
        f"cache the OS reports), {available_memory() / 2**30:.1f} GiB available; numpy "
        f"{np.__version__}, numba {numba.__version__}"
    )
    with contextlib.suppress(OSError, AttributeError):
        load = os.getloadavg()[0]
        busy = ""
        if load > 0.5:
            busy = "  <- other work is running: timings will be noisy"
            if (args.threads or cores) > 1:
                busy += "; a parallel region can stall waiting for a busy core (try --threads 1)"
        _say(f"load average (1 min) at start: {load:.2f}{busy}")
    _say(
        f"threads: numba {numba_threads} (layer chosen at first parallel call); OpenBLAS "
        f"{args.blas_threads} while Ginger is timed, {par} for DGEMM and dense references; "
        f"loaded: {blas_threads() or 'no OpenBLAS found'}"
    )

    env = {
        name: os.environ[name]
        for name in (
            "OMP_WAIT_POLICY",
            "GOMP_SPINCOUNT",
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "NUMBA_NUM_THREADS",
            "NUMBA_THREADING_LAYER",
        )
        if name in os.environ
    }
    _say(f"thread-related environment: {env or 'none set'}")

    # 1. the machine ------------------------------------------------------------------------
    _section("1. Machine: streaming bandwidth (STREAM triad a = b + s*c) and DGEMM rate")
    triad_n = max(2 * cache_size() // 8, 1 << 22) if quick else None
    with thread_limits(numba=numba_threads, blas=par):
        triad = triad_bandwidth(triad_n, repeats=5 if quick else 10)
    _say(f"{'kernel':>15} {'threads':>7} {'n':>11} {'best GB/s':>10} {'median GB/s':>12}")
    for r in triad:
        _say(
            f"{r['kernel']:>15} {r['threads']:>7} {r['n']:>11} {r['best_gbs']:>10.2f} "
            f"{r['median_gbs']:>12.2f}"
        )
    bandwidth = max(r["best_gbs"] for r in triad)
    _say(
        f"bytes counted 3 * 8 * n (no write-allocate; counting it, x4/3). numpy makes two passes "
        f"but is credited three. Yardstick: {bandwidth:.2f} GB/s (best of the above)."
    )
    try:
        _say(f"numba threading layer: {numba.threading_layer()}")
    except ValueError:  # pragma: no cover - no parallel region has run
        pass
    shapes = (
        [(1000, 1000, 1000), (20_000, 65, 64)] if quick else [(2000, 2000, 2000), (200_000, 65, 64)]
    )
    gemm = []
    for threads in sorted({1, par}):
        with thread_limits(blas=threads):
            for row in dgemm_rate(shapes, repeats=2 if quick else 3):
                row["blas_threads"] = threads
                gemm.append(row)
    _say(f"{'m x k x n':>22} {'threads':>7} {'GFLOP/s':>9}")
    for r in gemm:
        shape = f"{r['m']} x {r['k']} x {r['n']}"
        _say(f"{shape:>22} {r['blas_threads']:>7} {r['gflops']:>9.1f}")
    sections += [("triad", triad), ("dgemm", gemm)]

    # 2. update and solve -------------------------------------------------------------------
    _section("2. Update (rank-one factor) and solve (one vector): median time, % of bandwidth")
    _say(
        "yardstick: update 2*itemsize*d*tau bytes (read + write U), solve its own traffic "
        "itemsize*d*(2*tau + 3) (U and v twice, the result once); truncated regime; compile "
        "time excluded"
    )
    _say(
        "a kernel moving U p times per update reaches at most 2/p of bandwidth on this yardstick "
        "(three reads + one write: 50%; 40% when the write also reads U for write-allocate); "
        "the two-pass update reads U twice and writes it once (67%)"
    )
    _say(
        "in place = update(..., overwrite_state=True), numba: no new U per step; the pure "
        "update's new U is fresh memory that the OS zero-fills first (one more write of |U|)"
    )
    _say("* after a time: its samples spread wide (fastest < 0.7 median), i.e. load from elsewhere")
    _say(format_update_table([], header=True))
    with thread_limits(numba=numba_threads, blas=args.blas_threads):
        rows = bench_update(
            dims,
            ranks,
            repeats=repeats,
            dtype=dtype,
            bandwidth=bandwidth,
            budget=3.0 if quick else 8.0,
            progress=lambda batch: _say(format_update_table(batch, header=False)),
        )
    sections.append(("update", rows))
    for line in _cache_note(rows, cache_size()):
        _say(line)
    algorithms = [
        r for r in rows if r["op"] == "update" and r["backend"] == "numba" and r["algorithms"]
    ]
    if algorithms:
        _say(
            "update algorithms and small eigensolvers the core ran, both backends together "
            "(pyginger.core.count_algorithms):"
        )
        for r in algorithms:
            _say(f"  d = {r['dim']:>8}, tau = {r['rank']:>3}: {r['algorithms']}")

    # 3. scaling ----------------------------------------------------------------------------
    _section("3. Linear scaling in d: time ratio between consecutive d (target 8-12 per 10x d)")
    _say("(below d ~ 1e5 the fixed per-call cost dominates and U fits in cache; the target is")
    _say(" judged from d = 1e5 up, and only those pairs are flagged)")
    ratios = (
        scaling_ratios(rows, op="update", backend="numba")
        + scaling_ratios(rows, op="update", backend="numpy")
        + scaling_ratios(rows, op="solve", backend="numba")
    )
    _say(format_scaling(ratios, min_dim=SCALING_FROM_DIM))
    sections.append(("scaling", ratios))

    # 4. dense crossover --------------------------------------------------------------------
    _section(
        f"4. Dense damped solve (Cholesky, {par} BLAS threads) vs Ginger update + solve (tau = 16)"
    )
    dense_dims = [d for d in (QUICK_DENSE_DIMS if quick else DENSE_DIMS) if d <= max_dim]
    rank = 16
    dense_dims = [d for d in dense_dims if d >= rank]
    dense = []
    if dense_dims:
        with thread_limits(numba=numba_threads, blas=par):
            dense = dense_crossover(
                dense_dims,
                rank=rank,
                repeats=repeats,
                budget=2.0 if quick else 5.0,
            )
        _say(format_crossover(dense))
    else:
        _say("(no dense sizes within --max-dim)")
    sections.append(("dense", dense))

    # 5. overhead at d = 1000 ---------------------------------------------------------------
    _section("5. Per-call overhead at d = 1000: numba vs plain NumPy update (target: no slower)")
    small = rows
    if not any(r["dim"] == 1000 and not r["skipped"] for r in rows):
        with thread_limits(numba=numba_threads, blas=args.blas_threads):
            small = bench_update([1000], ranks, ops=("update",), repeats=repeats, dtype=dtype)
    _say(format_overhead(small, dim=1000))

    # 6. memory -----------------------------------------------------------------------------
    mem_dim = min(max_dim, 100_000 if quick else 1_000_000)
    mem_rank = min(16, mem_dim)
    _section(
        f"6. Extra memory per update (d = {mem_dim}, tau = {mem_rank}): "
        "O(d k) + new U, never O(d^2)"
    )
    with thread_limits(numba=numba_threads, blas=args.blas_threads):
        memory = update_memory(mem_dim, mem_rank, dtype=dtype)
    _say(format_memory(memory))
    _say(
        "traced = tracemalloc (NumPy allocations; blind to Numba's), RSS = rise of peak resident "
        "memory (all allocations; a lower bound). Both include the new U (pure update)."
    )
    sections.append(("memory", memory))

    # 7. MLP --------------------------------------------------------------------------------
    _section("7. MLP cost ratios")
    try:
        from pyginger.cli.bench import mlp as mlp_bench
    except ImportError:
        mlp_bench = None
        _say("(pyginger.cli.bench.mlp is not available; skipped)")
    if mlp_bench is not None:
        try:
            kwargs = {"repeats": args.repeats} if args.repeats else {}
            if quick and not args.repeats:
                kwargs["repeats"] = 3
            result = mlp_bench.mlp_cost_ratios(**kwargs)
            _say(mlp_bench.format_mlp_ratios(result))
        except Exception as exc:  # report and go on: the core figures above still stand
            _say(f"(MLP benchmark failed: {type(exc).__name__}: {exc})")
            status = 1

    # targets -------------------------------------------------------------------------------
    _section("Targets")
    for line in _targets(rows, ratios, bandwidth, gemm, memory, dense, cache_size()):
        _say(line)
    if args.output:
        _write_csv(args.output, sections)
        _say(f"wrote {sum(len(r) for _, r in sections)} rows to {args.output}")
    elapsed = time.perf_counter() - started
    _say(f"total time {elapsed:.1f} s")
    if not math.isfinite(bandwidth):  # pragma: no cover - defensive
        status = 1
    sys.stdout.flush()
    return status
