"""Rank-k projections ``[U^T X, X^T X]`` against the bandwidth: the update's path, the loop, DGEMM.

The first pass of an update with a ``(d, k)`` factor is :func:`pyginger.core._kernels.project_gram`.
:func:`bench_projection` times, in CPU time on one thread (steadier than the wall clock on a
shared machine), interleaved, best of ``repeats``: the path the update takes (row tiles through
BLAS from :data:`~pyginger.core._kernels.TILES_MIN_COLUMNS` columns, the generated kernels for
``k = 1``), the loop kernel alone, one DGEMM over all rows (``U.T @ X`` and ``X.T @ X``), and a
one-thread STREAM triad as the yardstick. Rates are the bytes of ``U`` and ``X`` read over the
time.
"""

from __future__ import annotations

import time

import numpy as np

from pyginger.cli.bench._format import _fmt_pct, _fmt_time
from pyginger.cli.bench.bandwidth import _triad_serial, available_memory

__all__ = ["bench_projection", "format_projection_table"]

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


def _path(U, k) -> str:
    from pyginger.core import _kernels, _unrolled

    if U.nbytes < _kernels.COMPILED_MIN_BYTES:
        return "numpy"
    if k == 1 and U.shape[1] in _unrolled.PROJECT_KERNELS:
        return "generated"
    return "tiles" if _kernels._by_tiles(U, k) else "loop"


def bench_projection(
    dim=1_000_000, rank=16, ks=(2, 4, 8, 16, 32, 64, 128), *, dtype="float64", repeats=5, seed=0
):
    """Time ``[U^T X, X^T X]`` for ``(dim, k)`` factors: the update's path, the loop, DGEMM.

    Call it with one Numba and one OpenBLAS thread (:func:`~pyginger.cli.bench.thread_limits`):
    the times are CPU times of the calling thread's process.

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

    Returns
    -------
    list of dict
        Per ``k``: ``dim``, ``rank``, ``k``, ``dtype``, ``path`` (what the update runs),
        ``bytes`` (``U`` and ``X``), ``{name}_s`` and ``{name}_gbs`` for chosen, loop, dgemm,
        ``triad_gbs`` (one thread, CPU time) and ``fraction`` (chosen over the triad).

    Examples
    --------
    >>> rows = bench_projection(5000, 4, (2, 8), repeats=2)  # U of 160 KB: compiled
    >>> [(r["k"], r["path"]) for r in rows]
    [(2, 'loop'), (8, 'tiles')]
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
        for call in calls.values():
            call()  # compile, warm the caches of the code
        best = dict.fromkeys(calls, float("inf"))
        for r in range(repeats):
            for name in list(calls) if r % 2 == 0 else list(calls)[::-1]:
                start = time.process_time()
                calls[name]()
                best[name] = min(best[name], time.process_time() - start)
        nbytes = U.nbytes + X.nbytes
        row = {"dim": d, "rank": rank, "k": k, "dtype": dt.name, "path": _path(U, k)}
        row["bytes"] = nbytes
        for name in _NAMES:
            row[f"{name}_s"] = best[name]
            row[f"{name}_gbs"] = nbytes / best[name] / 1e9
        row["triad_gbs"] = 3 * 8 * n / best["triad"] / 1e9
        row["fraction"] = row["chosen_gbs"] / row["triad_gbs"]
        rows.append(row)
        del U, X, calls
    return rows


def format_projection_table(rows):
    """Return the table of :func:`bench_projection` rows.

    Examples
    --------
    >>> rows = bench_projection(5000, 4, (8,), repeats=2)
    >>> print(format_projection_table(rows).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    dtype d tau k path time GB/s loop GB/s DGEMM GB/s triad GB/s % triad
    """
    head = (
        f"{'dtype':>7} {'d':>8} {'tau':>4} {'k':>4} {'path':>9} {'time':>10} {'GB/s':>6} "
        f"{'loop GB/s':>9} {'DGEMM GB/s':>10} {'triad GB/s':>10} {'% triad':>7}"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['dtype']:>7} {r['dim']:>8} {r['rank']:>4} {r['k']:>4} {r['path']:>9} "
            f"{_fmt_time(r['chosen_s']):>10} {r['chosen_gbs']:>6.1f} {r['loop_gbs']:>9.1f} "
            f"{r['dgemm_gbs']:>10.1f} {r['triad_gbs']:>10.1f} {_fmt_pct(r['fraction']):>7}"
        )
    return "\n".join(lines)
