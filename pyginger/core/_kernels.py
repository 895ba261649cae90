"""Numba kernels for the O(d tau) passes over ``U``: project, axpy and rotate.

The kernels, :func:`project` (and :func:`project_gram`, which adds ``X^T X`` in the same pass),
:func:`axpy_lowrank` and :func:`rotate` (with its in-place form :func:`rotate_into`), take arrays
and scalars only (no options, no ``None``, no checks) and return arrays. Their pure array-API
twins, with the same names and signatures, live in :mod:`pyginger.core._twins`; the tests check
that both agree to rounding.

Shapes: ``U`` is ``(d, tau)``; ``X``, ``Q`` are ``(d, k)``; the small matrices ``C``, ``M``, ``A``,
``B`` are float64. Accumulation happens in float64 whatever the storage dtype of ``U``, so float32
storage loses no accuracy in the sums over ``d``.

How the kernels are built (each choice was measured: ``docs/performance.md``, "Design of the
kernels", has the figures):

* For a small ``U`` (below :data:`COMPILED_MIN_BYTES`) the kernels are the NumPy expressions of
  the twins, computed in float64, so a small problem never waits for a compilation.
* Every kernel walks the rows of ``U`` once, in memory order (``U`` is C-contiguous). The row
  bodies work on a row range ``[lo, hi)`` and release the GIL; for large ``d``
  (:data:`PARALLEL_MIN_BYTES`) the same body runs on ``numba.get_num_threads()`` contiguous row
  blocks at once, the calling thread and a small pool of Python threads taking one each
  (:func:`_run`). Small passes stay on the calling thread.
* Each call compiles only the kernel it runs, for its argument types: the Python functions
  below choose the kernel, so that no compiled kernel calls another one chosen at run time,
  which Numba would compile along with it. Compiled code is cached on disk, outside the source
  tree (:func:`pyginger._backend.jit`).
* The rotation's row kernels live in :mod:`pyginger.core._kernels_rotate`; they copy each row of
  ``U`` (and ``Q``) into a small buffer before writing the output row, so the output may be
  ``U`` itself, which lets :func:`pyginger.update` run without allocating a new ``U``.
* Inner loops use unsigned flat indices (Numba then emits no negative-index wrap-around code,
  which otherwise blocks vectorisation of these short loops) and ``fastmath={"contract"}``
  (fused multiply-add only: no reassociation, so the sums are evaluated in the order written
  and match the reference to rounding).
* ``rotate`` with a rank-one factor and small ``tau`` and ``project`` with one vector and
  ``tau <= 16`` run the generated kernels of :mod:`pyginger.core._unrolled` (why generated:
  :mod:`pyginger.core._codegen`).
* ``project`` and ``project_gram`` with ``k >=`` :data:`TILES_MIN_COLUMNS` columns (float32:
  :data:`FLOAT32_TILES_MIN_COLUMNS`) run by row tiles that stay in cache, each multiplied by BLAS
  (:mod:`pyginger.core._tiles`), the partial sums added in float64.
* ``axpy_lowrank`` treats four rows at a time for ``tau < 16``, each dot product split over even
  and odd columns, so eight independent chains hide the latency of the fused multiply-add; for
  ``tau >= 16`` one row at a time with ``reassoc`` allowed, so that LLVM vectorises the dot
  product (the only kernel that needs it).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import get_num_threads, uint64

from pyginger._backend import jit
from pyginger.core import _kernels_rotate, _tiles, _twins, _unrolled

__all__ = [
    "project",
    "project_gram",
    "axpy_lowrank",
    "rotate",
    "rotate_into",
    "COMPILED_MIN_BYTES",
    "PARALLEL_MIN_BYTES",
    "PARALLEL_MIN_FLOPS",
    "FLOAT32_TILES_MIN_COLUMNS",
    "TILES_MIN_COLUMNS",
]

#: Bytes of ``U`` below which a kernel is the NumPy expression of its twin, in float64: there
#: compiled code gains little and a small problem never waits for a compilation.
COMPILED_MIN_BYTES = 128 << 10

#: Bytes of ``U`` from which a pass runs on ``numba.get_num_threads()`` threads at once
#: (``numba.set_num_threads(1)`` makes every pass serial). Below this, waking the threads costs
#: more than it saves.
PARALLEL_MIN_BYTES = 4 << 20

#: Columns of the operand from which :func:`project` and :func:`project_gram` run by row tiles
#: through BLAS (:mod:`pyginger.core._tiles`) in float64; below, the loop kernel, whose ``(k,
#: tau)`` sums go through memory (docs/performance.md, "Rank-k factors").
TILES_MIN_COLUMNS = 2

#: For float32 ``U`` the tiles convert to float64 first, which costs: they run from
#: ``k >= FLOAT32_TILES_MIN_COLUMNS`` columns.
FLOAT32_TILES_MIN_COLUMNS = 4

#: Floating-point operations from which the rotation (compute-bound for large ``tau``) is made
#: parallel even when ``U`` is smaller than :data:`PARALLEL_MIN_BYTES`.
PARALLEL_MIN_FLOPS = 4_000_000

_OPTS = _kernels_rotate.OPTIONS  # nogil, fused multiply-add only, NumPy's error model

# ------------------------------------------------------------------------------ row-range bodies


@jit(**_OPTS)
def _project_rows(U, X, lo, hi, acc):  # pragma: no cover - compiled
    """``acc[col, j] += sum_{lo <= i < hi} U[i, j] X[i, col]``, four rows at a time."""
    tau = uint64(U.shape[1])
    k = uint64(X.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    af = acc.ravel()
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
    i = uint64(lo)
    h = uint64(hi)
    if k == one:
        # The common rank-one case without the loop over columns.
        while i + four <= h:
            b0 = i * tau
            x0, x1 = np.float64(Xf[i]), np.float64(Xf[i + one])
            x2, x3 = np.float64(Xf[i + two]), np.float64(Xf[i + three])
            for j in range(tau):
                af[j] = af[j] + (
                    (x0 * np.float64(Uf[b0 + j]) + x1 * np.float64(Uf[b0 + tau + j]))
                    + (
                        x2 * np.float64(Uf[b0 + two * tau + j])
                        + x3 * np.float64(Uf[b0 + three * tau + j])
                    )
                )
            i += four
    while i + four <= h:
        b0 = i * tau
        b1 = b0 + tau
        b2 = b1 + tau
        b3 = b2 + tau
        for col in range(k):
            x0 = np.float64(Xf[i * k + col])
            x1 = np.float64(Xf[(i + one) * k + col])
            x2 = np.float64(Xf[(i + two) * k + col])
            x3 = np.float64(Xf[(i + three) * k + col])
            o = col * tau
            for j in range(tau):
                # Two independent pairs: a short dependency chain through acc.
                af[o + j] = af[o + j] + (
                    (x0 * np.float64(Uf[b0 + j]) + x1 * np.float64(Uf[b1 + j]))
                    + (x2 * np.float64(Uf[b2 + j]) + x3 * np.float64(Uf[b3 + j]))
                )
        i += four
    while i < h:
        b0 = i * tau
        for col in range(k):
            x0 = np.float64(Xf[i * k + col])
            o = col * tau
            for j in range(tau):
                af[o + j] = af[o + j] + x0 * np.float64(Uf[b0 + j])
        i += one


@jit(**_OPTS)
def _project_gram_rows(U, X, lo, hi, acc, gram):  # pragma: no cover - compiled
    """``_project_rows`` plus ``gram[a, b] += sum_i X[i, a] X[i, b]`` in the same loop."""
    tau = uint64(U.shape[1])
    k = uint64(X.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    af = acc.ravel()
    gf = gram.ravel()
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
    g11 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + four <= h:
        b0 = i * tau
        b1 = b0 + tau
        b2 = b1 + tau
        b3 = b2 + tau
        for col in range(k):
            x0 = np.float64(Xf[i * k + col])
            x1 = np.float64(Xf[(i + one) * k + col])
            x2 = np.float64(Xf[(i + two) * k + col])
            x3 = np.float64(Xf[(i + three) * k + col])
            o = col * tau
            for j in range(tau):
                af[o + j] = af[o + j] + (
                    (x0 * np.float64(Uf[b0 + j]) + x1 * np.float64(Uf[b1 + j]))
                    + (x2 * np.float64(Uf[b2 + j]) + x3 * np.float64(Uf[b3 + j]))
                )
            if k == one:  # a rank-one factor: |x|^2 in a register, no inner loop
                g11 += (x0 * x0 + x1 * x1) + (x2 * x2 + x3 * x3)
                continue
            g = col * k
            for c2 in range(k):
                gf[g + c2] = gf[g + c2] + (
                    (x0 * np.float64(Xf[i * k + c2]) + x1 * np.float64(Xf[(i + one) * k + c2]))
                    + (
                        x2 * np.float64(Xf[(i + two) * k + c2])
                        + x3 * np.float64(Xf[(i + three) * k + c2])
                    )
                )
        i += four
    if k == one:
        gf[0] = gf[0] + g11
    while i < h:
        b0 = i * tau
        for col in range(k):
            x0 = np.float64(Xf[i * k + col])
            o = col * tau
            for j in range(tau):
                af[o + j] = af[o + j] + x0 * np.float64(Uf[b0 + j])
            g = col * k
            for c2 in range(k):
                gf[g + c2] = gf[g + c2] + x0 * np.float64(Xf[i * k + c2])
        i += one


@jit(**_OPTS)
def _axpy_vector_quads(alpha, X, U, Mt, out, i, hi):  # pragma: no cover - compiled
    """``_axpy_rows`` for one column (``k = 1``), four rows at a time; return the next row."""
    tau = uint64(U.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    Mf = Mt.ravel()
    Of = out.ravel()
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
    half = tau // two
    h = uint64(hi)
    while i + four <= h:
        b0 = i * tau
        b1 = b0 + tau
        b2 = b1 + tau
        b3 = b2 + tau
        s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = 0.0
        for jh in range(half):
            j = two * jh
            m = Mf[j]
            n = Mf[j + one]
            s0 += np.float64(Uf[b0 + j]) * m
            s1 += np.float64(Uf[b1 + j]) * m
            s2 += np.float64(Uf[b2 + j]) * m
            s3 += np.float64(Uf[b3 + j]) * m
            t0 += np.float64(Uf[b0 + j + one]) * n
            t1 += np.float64(Uf[b1 + j + one]) * n
            t2 += np.float64(Uf[b2 + j + one]) * n
            t3 += np.float64(Uf[b3 + j + one]) * n
        if tau > two * half:
            j = tau - one
            m = Mf[j]
            s0 += np.float64(Uf[b0 + j]) * m
            s1 += np.float64(Uf[b1 + j]) * m
            s2 += np.float64(Uf[b2 + j]) * m
            s3 += np.float64(Uf[b3 + j]) * m
        Of[i] = alpha * np.float64(Xf[i]) + (s0 + t0)
        Of[i + one] = alpha * np.float64(Xf[i + one]) + (s1 + t1)
        Of[i + two] = alpha * np.float64(Xf[i + two]) + (s2 + t2)
        Of[i + three] = alpha * np.float64(Xf[i + three]) + (s3 + t3)
        i += four
    return i


@jit(**_OPTS)
def _axpy_matrix_quads(alpha, X, U, Mt, out, i, hi):  # pragma: no cover - compiled
    """``_axpy_rows`` for ``k`` columns, four rows at a time; return the next row."""
    tau = uint64(U.shape[1])
    k = uint64(X.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    Mf = Mt.ravel()
    Of = out.ravel()
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
    half = tau // two
    h = uint64(hi)
    while i + four <= h:
        b0 = i * tau
        b1 = b0 + tau
        b2 = b1 + tau
        b3 = b2 + tau
        for col in range(k):
            o = col * tau
            s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = 0.0
            for jh in range(half):
                j = two * jh
                m = Mf[o + j]
                n = Mf[o + j + one]
                s0 += np.float64(Uf[b0 + j]) * m
                s1 += np.float64(Uf[b1 + j]) * m
                s2 += np.float64(Uf[b2 + j]) * m
                s3 += np.float64(Uf[b3 + j]) * m
                t0 += np.float64(Uf[b0 + j + one]) * n
                t1 += np.float64(Uf[b1 + j + one]) * n
                t2 += np.float64(Uf[b2 + j + one]) * n
                t3 += np.float64(Uf[b3 + j + one]) * n
            if tau > two * half:
                j = tau - one
                m = Mf[o + j]
                s0 += np.float64(Uf[b0 + j]) * m
                s1 += np.float64(Uf[b1 + j]) * m
                s2 += np.float64(Uf[b2 + j]) * m
                s3 += np.float64(Uf[b3 + j]) * m
            Of[i * k + col] = alpha * np.float64(Xf[i * k + col]) + (s0 + t0)
            Of[(i + one) * k + col] = alpha * np.float64(Xf[(i + one) * k + col]) + (s1 + t1)
            Of[(i + two) * k + col] = alpha * np.float64(Xf[(i + two) * k + col]) + (s2 + t2)
            Of[(i + three) * k + col] = alpha * np.float64(Xf[(i + three) * k + col]) + (s3 + t3)
        i += four
    return i


@jit(**_OPTS)
def _axpy_rows(alpha, X, U, Mt, out, lo, hi):  # pragma: no cover - compiled
    """``out[i] = alpha X[i] + U[i] @ Mt.T`` for ``lo <= i < hi``.

    Four rows at a time, each dot product split over even and odd ``j``: eight independent
    fused multiply-add chains hide the instruction latency. The common one-column case has a
    kernel without the loop over columns; the last rows go one at a time.
    """
    tau = uint64(U.shape[1])
    k = uint64(X.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    Mf = Mt.ravel()
    Of = out.ravel()
    if k == uint64(1):
        i = _axpy_vector_quads(alpha, X, U, Mt, out, uint64(lo), hi)
    else:
        i = _axpy_matrix_quads(alpha, X, U, Mt, out, uint64(lo), hi)
    h = uint64(hi)
    while i < h:
        b0 = i * tau
        for col in range(k):
            s0 = 0.0
            o = col * tau
            for j in range(tau):
                s0 += np.float64(Uf[b0 + j]) * Mf[o + j]
            Of[i * k + col] = alpha * np.float64(Xf[i * k + col]) + s0
        i += uint64(1)


@jit(**{**_OPTS, "fastmath": {"contract", "reassoc"}})
def _axpy_rows_dot(alpha, X, U, Mt, out, lo, hi):  # pragma: no cover - compiled
    """``_axpy_rows`` for long rows: one dot product per row, vectorised by reassociation.

    ``reassoc`` lets LLVM split each dot product over vector lanes (a different but equally
    accurate summation order: the error bound of a length-``tau`` sum does not depend on it).
    Faster than the four-row kernel from ``tau = 16`` on, slower below (docs/performance.md).
    """
    tau = uint64(U.shape[1])
    k = uint64(X.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    Mf = Mt.ravel()
    Of = out.ravel()
    for i in range(uint64(lo), uint64(hi)):
        b0 = i * tau
        for col in range(k):
            o = col * tau
            s0 = 0.0
            for j in range(tau):
                s0 += np.float64(Uf[b0 + j]) * Mf[o + j]
            Of[i * k + col] = alpha * np.float64(Xf[i * k + col]) + s0


# --------------------------------------------------------------------------- the kernels (twins)


def _blocks(U, flops=0) -> int:
    """Return the number of row blocks to run a pass over ``U`` in (1: on the calling thread)."""
    if U.nbytes < PARALLEL_MIN_BYTES and flops < PARALLEL_MIN_FLOPS:
        return 1
    return min(get_num_threads(), max(1, U.shape[0] // 64))


_POOL = None  # (process id, ThreadPoolExecutor): a pool does not survive a fork


def _run(nblocks, d, task):
    """Call ``task(b, lo, hi)`` for ``nblocks`` contiguous blocks of the ``d`` rows, at once.

    Block 0 runs on the calling thread, the others on a pool of threads; the kernels release the
    GIL, so the blocks run in parallel. Returns when all are done.
    """
    global _POOL
    size = (d + nblocks - 1) // nblocks
    if nblocks > 1 and (_POOL is None or _POOL[0] != os.getpid()):
        threads = max(1, numba.config.NUMBA_NUM_THREADS - 1)
        _POOL = (os.getpid(), ThreadPoolExecutor(threads, thread_name_prefix="pyginger"))
    others = [
        _POOL[1].submit(task, b, min(d, b * size), min(d, (b + 1) * size))
        for b in range(1, nblocks)
    ]
    try:
        task(0, 0, min(d, size))
    finally:
        for future in others:
            future.result()


def _f64(a) -> np.ndarray:
    """Return ``a`` in float64, the precision of the kernels' sums (no copy if it is already)."""
    return a.astype(np.float64, copy=False)


def _small(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _project_unrolled(U, x):
    """Return ``[U^T x; x^T x]`` as a float64 ``(tau + 1,)`` array, for ``x`` of shape ``(d, 1)``.

    The generated kernels of :mod:`pyginger.core._unrolled` (small ``tau``): the sums stay in
    registers, where the loop kernel's sums go through memory (see _codegen).
    """
    rows = _unrolled.PROJECT_KERNELS[U.shape[1]]
    nblocks = _blocks(U)
    parts = np.zeros((nblocks, U.shape[1] + 1))
    _run(nblocks, U.shape[0], lambda b, lo, hi: rows(U, x, lo, hi, parts[b]))
    return parts.sum(axis=0)


def _by_tiles(U, k) -> bool:
    """Whether a projection with ``k`` columns runs by row tiles (:data:`TILES_MIN_COLUMNS`)."""
    return k >= (TILES_MIN_COLUMNS if U.dtype == np.float64 else FLOAT32_TILES_MIN_COLUMNS)


def _tiled(U, X, gram=False):
    """Return ``(U^T X, X^T X or None)`` by :func:`~pyginger.core._tiles.project_tiles`."""
    (d, tau), k = U.shape, X.shape[1]
    nblocks = _blocks(U)
    parts = np.zeros((nblocks, tau, k))
    grams = np.zeros((nblocks, k, k)) if gram else [None] * nblocks
    _run(nblocks, d, lambda b, lo, hi: _tiles.project_tiles(U, X, lo, hi, parts[b], grams[b]))
    return parts.sum(axis=0), (grams.sum(axis=0) if gram else None)


def project(U, X):
    """Return ``C = U.T @ X`` as a float64 ``(tau, k)`` array (one read of ``U``).

    Parameters
    ----------
    U : (d, tau) ndarray, C-contiguous, float32 or float64
    X : (d, k) ndarray, C-contiguous, float32 or float64

    Returns
    -------
    (tau, k) ndarray of float64
    """
    U, X = np.ascontiguousarray(U), np.ascontiguousarray(X)
    if U.nbytes < COMPILED_MIN_BYTES:
        with _twins.quiet_blas():
            return _f64(U).T @ _f64(X)
    if X.shape[1] == 1 and U.shape[1] in _unrolled.PROJECT_KERNELS:
        return _project_unrolled(U, X)[:-1, None]
    if _by_tiles(U, X.shape[1]):
        return _tiled(U, X)[0]
    nblocks = _blocks(U)
    parts = np.zeros((nblocks, X.shape[1], U.shape[1]))
    _run(nblocks, U.shape[0], lambda b, lo, hi: _project_rows(U, X, lo, hi, parts[b]))
    return np.ascontiguousarray(parts.sum(axis=0).T)


def project_gram(U, X):
    """Return ``(U.T @ X, X.T @ X)`` as float64 arrays, in one pass over ``U`` and ``X``.

    The update needs both: ``X^T X - C^T C`` is the Gram matrix of the residual
    ``X - U C``. Computing them in the same loop saves a pass over ``X`` and a kernel call.

    Parameters
    ----------
    U : (d, tau) ndarray, C-contiguous, float32 or float64
    X : (d, k) ndarray, C-contiguous, same dtype as ``U``

    Returns
    -------
    C : (tau, k) ndarray of float64
    G : (k, k) ndarray of float64
    """
    U, X = np.ascontiguousarray(U), np.ascontiguousarray(X)
    if U.nbytes < COMPILED_MIN_BYTES:
        X64 = _f64(X)
        with _twins.quiet_blas():
            return _f64(U).T @ X64, X64.T @ X64
    if X.shape[1] == 1 and U.shape[1] in _unrolled.PROJECT_KERNELS:
        acc = _project_unrolled(U, X)
        return acc[:-1, None], acc[-1:, None]
    if _by_tiles(U, X.shape[1]):
        return _tiled(U, X, gram=True)
    (d, tau), k = U.shape, X.shape[1]
    nblocks = _blocks(U)
    parts, grams = np.zeros((nblocks, k, tau)), np.zeros((nblocks, k, k))
    _run(nblocks, d, lambda b, lo, hi: _project_gram_rows(U, X, lo, hi, parts[b], grams[b]))
    return np.ascontiguousarray(parts.sum(axis=0).T), grams.sum(axis=0)


def axpy_lowrank(alpha, X, U, M):
    """Return ``alpha * X + U @ M`` in the dtype of ``X`` (one read of ``U`` and ``X``).

    Parameters
    ----------
    alpha : float
    X : (d, k) ndarray, C-contiguous
    U : (d, tau) ndarray, C-contiguous, same dtype as ``X``
    M : (tau, k) array_like of float64

    Returns
    -------
    (d, k) ndarray
    """
    U, X = np.ascontiguousarray(U), np.ascontiguousarray(X)
    alpha, M = float(alpha), _small(M)
    if U.nbytes < COMPILED_MIN_BYTES:
        with _twins.quiet_blas():
            return (alpha * _f64(X) + _f64(U) @ M).astype(X.dtype, copy=False)
    out = np.empty(X.shape, dtype=X.dtype)
    Mt = np.ascontiguousarray(M.T)
    rows = _axpy_rows_dot if U.shape[1] >= 16 else _axpy_rows
    _run(_blocks(U), U.shape[0], lambda b, lo, hi: rows(alpha, X, U, Mt, out, lo, hi))
    return out


def rotate_into(U, A, Q, B, out):
    """Write ``U @ A + Q @ B`` into ``out`` and return ``out``; ``out`` may be ``U`` itself.

    Each output row depends only on the same row of ``U`` and ``Q``, and the kernel copies that
    row into a ``tau``-sized buffer before writing, so the rotation can run in place.

    Parameters
    ----------
    U : (d, tau) ndarray, C-contiguous
    A : (tau, tau) array_like of float64
    Q : (d, r) ndarray, C-contiguous, same dtype as ``U`` (``r`` may be 0)
    B : (r, tau) array_like of float64
    out : (d, tau) ndarray, C-contiguous, same dtype as ``U``; may be ``U``

    Returns
    -------
    out : (d, tau) ndarray

    Raises
    ------
    ValueError
        If ``out`` is not writeable and C-contiguous (the kernel writes it row by row).
    """
    if not (out.flags.c_contiguous and out.flags.writeable):
        raise ValueError("rotate_into: out must be a writeable C-contiguous array")
    if not U.flags.c_contiguous:
        U = np.ascontiguousarray(U)  # a copy, so out may still be the original U
    Q = np.ascontiguousarray(Q)
    A = _small(A)
    B = _small(B).reshape(Q.shape[1], U.shape[1])
    if U.nbytes < COMPILED_MIN_BYTES:
        with _twins.quiet_blas():  # the right side is evaluated first
            out[...] = _f64(U) @ A + _f64(Q) @ B
        return out
    d, tau = U.shape
    nblocks = _blocks(U, 2 * d * tau * (tau + Q.shape[1]))
    if Q.shape[1] == 1 and tau in _unrolled.KERNELS:
        # Rank-one factor, small tau: the generated kernels (see _codegen).
        rows, rows_inplace = _unrolled.KERNELS[tau]
        if out.ctypes.data == U.ctypes.data:
            _run(nblocks, d, lambda b, lo, hi: rows_inplace(U, A, Q, B, lo, hi))
        else:
            _run(nblocks, d, lambda b, lo, hi: rows(U, A, Q, B, out, lo, hi))
        return out
    rows = _kernels_rotate.rotate_rows_narrow if tau < 12 else _kernels_rotate.rotate_rows_wide
    _run(nblocks, d, lambda b, lo, hi: rows(U, A, Q, B, out, lo, hi))
    return out


def rotate(U, A, Q, B):
    """Return ``U @ A + Q @ B`` in the dtype of ``U`` (one read of ``U``, one write of the result).

    ``A`` is ``(tau, tau)`` and ``B`` is ``(r, tau)`` with ``Q`` of shape ``(d, r)``; this is the
    rotation ``[U Q] V`` of the update, with ``V`` split into its top and bottom blocks.

    Parameters
    ----------
    U : (d, tau) ndarray, C-contiguous
    A : (tau, tau) array_like of float64
    Q : (d, r) ndarray, C-contiguous, same dtype as ``U``
    B : (r, tau) array_like of float64

    Returns
    -------
    (d, tau) ndarray
    """
    return rotate_into(U, A, Q, B, np.empty(U.shape, dtype=U.dtype))
