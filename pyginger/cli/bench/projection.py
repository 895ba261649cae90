"""Rank-k projections ``[U^T X, X^T X]`` against the bandwidth: the update's path, the loop, DGEMM.

The first pass of an update with a ``(d, k)`` factor is :func:`pyginger.core._kernels.project_gram`.
:func:`bench_projection` times, in CPU time on one thread (steadier than the wall clock on a
shared machine), interleaved, best of ``repeats``: the path the update takes (row tiles through
BLAS from :data:`~pyginger.core._kernels.TILES_MIN_COLUMNS` columns, the generated kernels for
``k = 1``), the loop kernel alone, one DGEMM over all rows (``U.T @ X`` and ``X.T @ X``), and a
one-thread STREAM triad as the yardstick. Rates are the bytes of ``U`` and ``X`` read over the
time.

The projection is ``2 d k (tau + k)`` floating-point operations on ``8 d (tau + k)`` bytes
(float64), ``k / 4`` operations per byte: from ``k`` of about 8 it can be compute-bound on one
core. Each row
also gets a compute floor: the time of the same products, one tile at a time, on a tile that
sits in the cache (:func:`pyginger.core._tiles.tile_rows` rows of ``U`` and ``X``, through
NumPy's BLAS), times the tiles in ``d``. The larger of the two floors, reading ``U`` and ``X`` at
the triad's rate or computing in cache, is what the pass can attain; ``bound_fraction`` is that
over the path's time.
"""

from __future__ import annotations

import time

import numpy as np

from pyginger.cli.bench._format import _fmt_pct, _fmt_time
from pyginger.cli.bench.bandwidth import (
    _triad_parallel,
    _triad_serial,
    available_memory,
    thread_limits,
)

__all__ = ["bench_projection", "format_projection_table", "projection_lines"]

_NAMES = ("chosen", "loop", "dgemm")


def _candidates(U, X):
    """Return ``{name: call}`` for the three ways to compute ``[U^T X, X^T X]``."""
    from pyginger.core import _kernels

    k, tau = X.shape[1], U.shape[1]

    def loop():
        _kernels._project_gram_rows(U, X, 0, U.shape[0], np.zeros((k, tau)), np.zeros((k, k)))

    def dgemm():
        U64, X64 = U.astype(np.float64, copy=False), X.astype(np.float64, copy=False)
        return U64.T @ X64, X64.T @ X64

    return {"chosen": lambda: _kernels.project_gram(U, X), "loop": loop, "dgemm": dgemm}


def _compute_floor(U, X, repeats):
    """Return the seconds of ``[U^T X, X^T X]`` one tile at a time, each tile already in cache."""
    from pyginger.core import _tiles

    rows = min(U.shape[0], _tiles.tile_rows(U.shape[1], X.shape[1]))
    u, x = U[:rows].astype(np.float64), X[:rows].astype(np.float64)
    # The Gram matrix as the path computes it: narrow tiles by GEMM from compiled code (x.T @ y
    # with a copy y, or NumPy would call SYRK), wide ones by NumPy's x.T @ x, which is SYRK.
    y = x.copy() if X.shape[1] <= _tiles.COMPILED_MAX_COLUMNS else x
    calls = 20
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            u.T @ x, x.T @ y
        best = min(best, (time.process_time() - start) / calls)
    return best * U.shape[0] / rows


def _on_threads(U, X, triad_arrays, threads, repeats):
    """Return ``(seconds, triad GB/s)``: the update's path and a triad on ``threads`` threads.

    Wall clock, interleaved, best of ``repeats``: how the update runs the pass (its blocks on
    the Numba threads), against a triad on as many threads.
    """
    from pyginger.core import _kernels

    a, b, c = triad_arrays
    calls = {
        "chosen": lambda: _kernels.project_gram(U, X),
        "triad": lambda: _triad_parallel(a, b, c, 3.0),
    }
    with thread_limits(numba=threads, blas=1):
        best = _best_interleaved(calls, repeats, time.perf_counter)
    return best["chosen"], 3 * a.nbytes / best["triad"] / 1e9


def _best_interleaved(calls, repeats, clock):
    """Return ``{name: best seconds}`` of ``calls``, timed by ``clock``, interleaved.

    One untimed call each first (it compiles and warms the caches of the code), then
    ``repeats`` rounds, every other one in reverse order.
    """
    for call in calls.values():
        call()
    best = dict.fromkeys(calls, float("inf"))
    for r in range(repeats):
        for name in list(calls) if r % 2 == 0 else list(calls)[::-1]:
            start = clock()
            calls[name]()
            best[name] = min(best[name], clock() - start)
    return best


def _path(U, k) -> str:
    from pyginger.core import _kernels, _unrolled

    if U.nbytes < _kernels.COMPILED_MIN_BYTES:
        return "numpy"
    if k == 1 and U.shape[1] in _unrolled.PROJECT_KERNELS:
        return "generated"
    return "tiles" if _kernels._by_tiles(U, k) else "loop"


def bench_projection(
    dim=1_000_000,
    rank=16,
    ks=(2, 4, 8, 16, 32, 64, 128),
    *,
    dtype="float64",
    repeats=5,
    seed=0,
    threads=1,
):
    """Time ``[U^T X, X^T X]`` for ``(dim, k)`` factors: the update's path, the loop, DGEMM.

    Call it with one Numba and one OpenBLAS thread (:func:`~pyginger.cli.bench.thread_limits`):
    the times are CPU times of the calling thread's process. With ``threads > 1`` the update's
    path is also timed on that many Numba threads, in wall-clock time, against a triad on as
    many threads.

    Parameters
    ----------
    dim, rank : int
        ``d`` and ``tau`` (``d`` is lowered where a factor would take over a quarter of the
        available memory).
    ks : sequence of int
        Columns of the factor.
    dtype : str, optional
    repeats : int, optional
        Interleaved rounds; the best of each is kept.
    seed : int, optional
    threads : int, optional

    Returns
    -------
    list of dict
        Per ``k``: ``dim``, ``rank``, ``k``, ``dtype``, ``path`` (what the update runs),
        ``bytes`` (``U`` and ``X``), ``{name}_s`` and ``{name}_gbs`` for chosen, loop, dgemm,
        ``triad_gbs`` (one thread, CPU time), ``fraction`` (chosen over the triad), ``flops``,
        ``gflops`` (chosen), ``compute_s`` (the compute floor), ``bound`` (``"memory"`` or
        ``"compute"``: the larger floor) and ``bound_fraction`` (that floor over the chosen
        time); with ``threads > 1`` also ``threads``, ``threads_s``, ``threads_gbs``,
        ``threads_triad_gbs`` and ``threads_fraction``.

    Examples
    --------
    >>> rows = bench_projection(5000, 4, (2, 8), repeats=2)  # U of 160 KB: compiled
    >>> [(r["k"], r["path"]) for r in rows]
    [(2, 'tiles'), (8, 'tiles')]
    """
    dt = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    n = max(1 << 16, min(1 << 24, dim * rank))  # triad arrays: 3 x 128 MiB at most
    a, b, c = np.empty(n), rng.standard_normal(n), rng.standard_normal(n)
    rows = []
    for k in ks:
        d = int(min(dim, available_memory() // 4 // (dt.itemsize * k)))
        U = rng.standard_normal((d, rank)).astype(dt)
        X = rng.standard_normal((d, k)).astype(dt)
        calls = {**_candidates(U, X), "triad": lambda: _triad_serial(a, b, c, 3.0)}
        best = _best_interleaved(calls, repeats, time.process_time)
        nbytes = U.nbytes + X.nbytes
        row = {"dim": d, "rank": rank, "k": k, "dtype": dt.name, "path": _path(U, k)}
        row["bytes"] = nbytes
        for name in _NAMES:
            row[f"{name}_s"] = best[name]
            row[f"{name}_gbs"] = nbytes / best[name] / 1e9
        row["triad_gbs"] = 3 * 8 * n / best["triad"] / 1e9
        row["fraction"] = row["chosen_gbs"] / row["triad_gbs"]
        row.update(_floors(row, _compute_floor(U, X, repeats)))
        if threads > 1:
            seconds, triad = _on_threads(U, X, (a, b, c), threads, repeats)
            row.update(threads=threads, threads_s=seconds, threads_gbs=nbytes / seconds / 1e9)
            row.update(threads_triad_gbs=triad, threads_fraction=row["threads_gbs"] / triad)
        rows.append(row)
        del U, X, calls
    return rows


def _floors(row, compute_s):
    """Return the row's flop rate and the larger of its two floors (module docstring)."""
    flops = 2 * row["dim"] * row["k"] * (row["rank"] + row["k"])
    memory_s = row["bytes"] / (row["triad_gbs"] * 1e9)
    return {
        "flops": flops,
        "gflops": flops / row["chosen_s"] / 1e9,
        "compute_s": compute_s,
        "bound": "compute" if compute_s > memory_s else "memory",
        "bound_fraction": max(compute_s, memory_s) / row["chosen_s"],
    }


def format_projection_table(rows):
    """Return the table of :func:`bench_projection` rows.

    Examples
    --------
    >>> rows = bench_projection(5000, 4, (8,), repeats=2)
    >>> print(format_projection_table(rows).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    dtype d tau k path time GB/s loop GB/s DGEMM GB/s triad GB/s % triad GFLOP/s bound % bound
    """
    head = (
        f"{'dtype':>7} {'d':>8} {'tau':>4} {'k':>4} {'path':>9} {'time':>10} {'GB/s':>6} "
        f"{'loop GB/s':>9} {'DGEMM GB/s':>10} {'triad GB/s':>10} {'% triad':>7} "
        f"{'GFLOP/s':>7} {'bound':>7} {'% bound':>7}"
    )
    threads = rows[0].get("threads") if rows else None
    if threads:
        head += f" {f'{threads}-thr GB/s':>11} {'% triad':>7}"
    lines = [head]
    for r in rows:
        line = (
            f"{r['dtype']:>7} {r['dim']:>8} {r['rank']:>4} {r['k']:>4} {r['path']:>9} "
            f"{_fmt_time(r['chosen_s']):>10} {r['chosen_gbs']:>6.1f} {r['loop_gbs']:>9.1f} "
            f"{r['dgemm_gbs']:>10.1f} {r['triad_gbs']:>10.1f} {_fmt_pct(r['fraction']):>7} "
            f"{r['gflops']:>7.1f} {r['bound']:>7} {_fmt_pct(r['bound_fraction']):>7}"
        )
        if threads:
            line += f" {r['threads_gbs']:>11.1f} {_fmt_pct(r['threads_fraction']):>7}"
        lines.append(line)
    return "\n".join(lines)


def projection_lines(rows, *, narrow=16):
    """Return the verdicts below the table: ``k <= narrow`` on the triad, wider ``k`` on DGEMM.

    Examples
    --------
    >>> rows = bench_projection(5000, 4, (8, 32), repeats=2)
    >>> [line.split(":")[0] for line in projection_lines(rows)]
    ['k <= 16', 'k >= 17']
    """
    lines = []
    narrow_rows = [r for r in rows if r["k"] <= narrow]
    if narrow_rows:
        worst = min(narrow_rows, key=lambda r: r["fraction"])
        computing = [r["k"] for r in narrow_rows if r["bound"] == "compute"]
        lines.append(
            f"k <= {narrow}: lowest % triad {_fmt_pct(worst['fraction']).strip()} (k = "
            f"{worst['k']}; target >= 60%); lowest % of the larger floor "
            f"{_fmt_pct(min(r['bound_fraction'] for r in narrow_rows)).strip()}"
            + (f"; compute-bound on one core at k = {computing}" if computing else "")
        )
        if "threads" in worst:
            slowest = min(narrow_rows, key=lambda r: r["threads_fraction"])
            lines.append(
                f"k <= {narrow} on {worst['threads']} threads: lowest % of a "
                f"{worst['threads']}-thread triad {_fmt_pct(slowest['threads_fraction']).strip()} "
                f"(k = {slowest['k']}; wall clock)"
            )
    wide = [r for r in rows if r["k"] > narrow]
    if wide:
        worst = min(wide, key=lambda r: r["chosen_gbs"] / r["dgemm_gbs"])
        lines.append(
            f"k >= {narrow + 1}: lowest path / DGEMM over all rows "
            f"{worst['chosen_gbs'] / worst['dgemm_gbs']:.2f} (k = {worst['k']}; target >= 0.6)"
        )
    return lines
