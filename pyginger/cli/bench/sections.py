"""The printed report of the benchmark command: its header and its numbered sections.

Each section function runs its measurements with the thread settings of the run, prints its
table and returns the rows (for the targets and the CSV file). ``plan`` is the run's settings
(:class:`pyginger.cli.bench.command.Plan`).
"""

from __future__ import annotations

import contextlib
import os
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
from pyginger.cli.bench.crossover import dense_crossover, format_crossover
from pyginger.cli.bench.memory import format_memory, update_memory
from pyginger.cli.bench.projection import (
    bench_projection,
    format_projection_table,
    projection_lines,
)
from pyginger.cli.bench.scaling import format_overhead, format_scaling, scaling_ratios
from pyginger.cli.bench.step import (
    SLOPE_FROM_DIM,
    bench_step,
    fixed_cost,
    fixed_cost_lines,
    format_step_table,
    step_lines,
)
from pyginger.cli.bench.targets import SCALING_FROM_DIM, _cache_note, _targets
from pyginger.cli.bench.update_solve import bench_update, format_update_table

#: Environment variables that set thread pools, echoed in the header.
_THREAD_ENV = (
    "OMP_WAIT_POLICY",
    "GOMP_SPINCOUNT",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "NUMBA_THREADING_LAYER",
)


def _say(text=""):
    print(text, flush=True)


def _section(title, plan):
    _say()
    _say(f"== {title}   [at {time.perf_counter() - plan.started:.1f} s]")


def print_header(plan):
    """Print what is measured, the machine, its load and the thread settings."""
    import numba

    _say(
        f"pyginger bench{' (quick)' if plan.quick else ''}: d in {plan.dims}, tau in "
        f"{plan.ranks}, {plan.repeats} samples, U in {plan.dtype.name}"
    )
    _say(
        f"machine: {plan.cores} cores, last-level cache {cache_size() >> 20} MiB (the largest CPU "
        f"cache the OS reports), {available_memory() / 2**30:.1f} GiB available; numpy "
        f"{np.__version__}, numba {numba.__version__}"
    )
    with contextlib.suppress(OSError, AttributeError):
        load = os.getloadavg()[0]
        busy = ""
        if load > 0.5:
            busy = "  <- other work is running: timings will be noisy"
            if (plan.threads or plan.cores) > 1:
                busy += "; a parallel region can stall waiting for a busy core (try --threads 1)"
        _say(f"load average (1 min) at start: {load:.2f}{busy}")
    _say(
        f"threads: numba {plan.numba_threads} (layer chosen at first parallel call); OpenBLAS "
        f"{plan.blas_threads} while Ginger is timed, {plan.par} for DGEMM and dense references; "
        f"loaded: {blas_threads() or 'no OpenBLAS found'}"
    )
    env = {name: os.environ[name] for name in _THREAD_ENV if name in os.environ}
    _say(f"thread-related environment: {env or 'none set'}")


def machine_section(plan):
    """Section 1: STREAM triad bandwidth and DGEMM rate; return ``(triad, gemm, bandwidth)``."""
    import numba

    _section("1. Machine: streaming bandwidth (STREAM triad a = b + s*c) and DGEMM rate", plan)
    triad_n = max(2 * cache_size() // 8, 1 << 22) if plan.quick else None
    with thread_limits(numba=plan.numba_threads, blas=plan.par):
        triad = triad_bandwidth(triad_n, repeats=5 if plan.quick else 10)
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
    return triad, _gemm_rates(plan), bandwidth


def _gemm_rates(plan):
    """DGEMM rates at one thread and at the run's thread count, printed as a table."""
    shapes = (
        [(1000, 1000, 1000), (20_000, 65, 64)]
        if plan.quick
        else [(2000, 2000, 2000), (200_000, 65, 64)]
    )
    gemm = []
    for threads in sorted({1, plan.par}):
        with thread_limits(blas=threads):
            for row in dgemm_rate(shapes, repeats=2 if plan.quick else 3):
                row["blas_threads"] = threads
                gemm.append(row)
    _say(f"{'m x k x n':>22} {'threads':>7} {'GFLOP/s':>9}")
    for r in gemm:
        shape = f"{r['m']} x {r['k']} x {r['n']}"
        _say(f"{shape:>22} {r['blas_threads']:>7} {r['gflops']:>9.1f}")
    return gemm


def update_section(plan, bandwidth):
    """Section 2: update and solve times over ``d`` and ``tau``; return the rows."""
    _section(
        "2. Update (rank-one factor) and solve (one vector): median time, % of bandwidth", plan
    )
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
    with thread_limits(numba=plan.numba_threads, blas=plan.blas_threads):
        rows = bench_update(
            plan.dims,
            plan.ranks,
            repeats=plan.repeats,
            dtype=plan.dtype,
            bandwidth=bandwidth,
            budget=3.0 if plan.quick else 8.0,
            progress=lambda batch: _say(format_update_table(batch, header=False)),
        )
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
    return rows


def scaling_section(plan, rows):
    """Section 3: time ratios between consecutive ``d``; return them."""
    _section(
        "3. Linear scaling in d: time ratio between consecutive d (target 8-12 per 10x d)", plan
    )
    _say("(below d ~ 1e5 the fixed per-call cost dominates and U fits in cache; the target is")
    _say(" judged from d = 1e5 up, and only those pairs are flagged)")
    ratios = (
        scaling_ratios(rows, op="update", backend="numba")
        + scaling_ratios(rows, op="update", backend="numpy")
        + scaling_ratios(rows, op="solve", backend="numba")
    )
    _say(format_scaling(ratios, min_dim=SCALING_FROM_DIM))
    return ratios


def dense_section(plan, rank=16):
    """Section 4: dense Cholesky step against Ginger's step over ``d``; return the rows."""
    _section(
        f"4. Dense damped solve (Cholesky, {plan.par} BLAS threads) vs Ginger update + solve "
        f"(tau = {rank})",
        plan,
    )
    dense_dims = [d for d in plan.dense_dims if d >= rank]
    if not dense_dims:
        _say("(no dense sizes within --max-dim)")
        return []
    with thread_limits(numba=plan.numba_threads, blas=plan.par):
        dense = dense_crossover(
            dense_dims, rank=rank, repeats=plan.repeats, budget=2.0 if plan.quick else 5.0
        )
    _say(format_crossover(dense))
    return dense


def overhead_section(plan, rows):
    """Section 5: numba against NumPy update at ``d = 1000`` (measured here if not yet)."""
    _section(
        "5. Per-call overhead at d = 1000: numba vs plain NumPy update (target: no slower)", plan
    )
    small = rows
    if not any(r["dim"] == 1000 and not r["skipped"] for r in rows):
        with thread_limits(numba=plan.numba_threads, blas=plan.blas_threads):
            small = bench_update(
                [1000], plan.ranks, ops=("update",), repeats=plan.repeats, dtype=plan.dtype
            )
    _say(format_overhead(small, dim=1000))


def memory_section(plan):
    """Section 6: extra memory of one update; return the rows."""
    mem_dim = min(plan.max_dim, 100_000 if plan.quick else 1_000_000)
    mem_rank = min(16, mem_dim)
    _section(
        f"6. Extra memory per update (d = {mem_dim}, tau = {mem_rank}): "
        "O(d k) + new U, never O(d^2)",
        plan,
    )
    with thread_limits(numba=plan.numba_threads, blas=plan.blas_threads):
        memory = update_memory(mem_dim, mem_rank, dtype=plan.dtype)
    _say(format_memory(memory))
    _say(
        "traced = tracemalloc (NumPy allocations; blind to Numba's), RSS = rise of peak resident "
        "memory (all allocations; a lower bound). Both include the new U (pure update)."
    )
    return memory


def mlp_section(plan):
    """Section 7: MLP cost ratios; return 1 when they failed, else 0."""
    _section("7. MLP cost ratios", plan)
    try:
        from pyginger.cli.bench import mlp as mlp_bench
    except ImportError:
        _say("(pyginger.cli.bench.mlp is not available; skipped)")
        return 0
    try:
        kwargs = {"repeats": plan.repeats_given} if plan.repeats_given else {}
        if plan.quick and not plan.repeats_given:
            kwargs["repeats"] = 3
        result = mlp_bench.mlp_cost_ratios(**kwargs)
        _say(mlp_bench.format_mlp_ratios(result))
    except Exception as exc:  # report and go on: the core figures above still stand
        _say(f"(MLP benchmark failed: {type(exc).__name__}: {exc})")
        return 1
    return 0


def step_section(plan, bandwidth):
    """Section 8: Ginger's optimizer step against its memory floor; return the rows."""
    quick_dims, dims = (1000, 10_000, 100_000), (1000, 100_000, 1_000_000, 4_000_000)
    dims = [d for d in (quick_dims if plan.quick else dims) if d <= plan.max_dim] or [plan.max_dim]
    _section(
        "8. Optimizer step (optim.ginger, rank-one factor, in place) and its memory floor", plan
    )
    _say(
        "floor = itemsize*d*(3*tau + 6) bytes: U read and written by the update, read by the "
        "solve; g and the factor read; m and theta read and written. GB/s = the floor's bytes "
        "over the step's time; % floor = the floor's time at the yardstick bandwidth over the "
        "step's"
    )
    _say(
        "step = optim.ginger(overwrite_state=True).step (fused from U of 128 KiB: two passes "
        "over U for a rank-one factor and a generated tau, else four); chain = the "
        "same step through its chain of transforms; update, solve = the core's alone; best of "
        "the interleaved samples; spread = median / best of the step (above 1.3: load)"
    )
    with thread_limits(numba=plan.numba_threads, blas=plan.blas_threads):
        rows = bench_step(
            dims, (4, 16), repeats=plan.repeats, bandwidth=bandwidth,
            budget=2.0 if plan.quick else 6.0,
        )  # fmt: skip
    _say(format_step_table(rows))
    slope_from = 10_000 if plan.quick else SLOPE_FROM_DIM  # quick: too few sizes from 1e5
    for line in step_lines(rows, min_dim=slope_from, big_dim=max(dims) if plan.quick else 10**6):
        _say(line)
    _say(
        "the fixed cost again in CPU time (one Numba and one OpenBLAS thread, best of "
        "interleaved samples of consecutive calls; steadier than the wall clock under load):"
    )
    with thread_limits(numba=1, blas=1):
        fixed = fixed_cost(min(1000, plan.max_dim), (4, 16), rounds=4 if plan.quick else 10)
    for line in fixed_cost_lines(fixed):
        _say(line)
    return rows


def projection_section(plan):
    """Section 9: rank-k projections ``[U^T F, F^T F]`` against the bandwidth; return the rows."""
    dim = min(100_000 if plan.quick else 1_000_000, plan.max_dim)
    _section("9. Rank-k projection [U^T F, F^T F] (the update's first pass), tau = 16", plan)
    _say(
        "one thread, CPU time, best of interleaved samples; GB/s = bytes of U and F over the "
        "time; path = what the update runs (tiles: row tiles in cache through BLAS); loop = the "
        "loop kernel alone; DGEMM = U.T @ F and F.T @ F over all rows; % triad = path over a "
        "one-thread triad timed alike (target >= 60% for k <= 16); bound = the larger floor: "
        "memory (U and F read at the triad's rate) or compute (the products one cached tile "
        "at a time through BLAS, 2 d k (tau + k) flops); % bound = that floor over the path's "
        "time; with more than one Numba thread, the path again on all of them (wall clock) "
        "against a triad on as many"
    )
    ks = (2, 4, 8, 16, 32, 64, 128)
    with thread_limits(numba=1, blas=1):
        rows = bench_projection(
            dim, 16, ks, repeats=3 if plan.quick else 5, threads=plan.numba_threads
        )
    _say(format_projection_table(rows))
    for line in projection_lines(rows):
        _say(line)
    return rows


def targets_section(plan, rows, ratios, bandwidth, gemm, memory, dense):
    """Print the closing section: each target, the figure measured and the verdict."""
    _section("Targets", plan)
    for line in _targets(rows, ratios, bandwidth, gemm, memory, dense, cache_size()):
        _say(line)
