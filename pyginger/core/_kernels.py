"""Numba kernels for the O(d tau) passes over ``U``.

The kernels, :func:`project` (and :func:`project_gram`, which adds ``X^T X`` in the same pass),
:func:`axpy_lowrank` and :func:`rotate` (with its in-place form :func:`rotate_into`), take arrays
and scalars only (no options, no ``None``, no checks) and return arrays. Their pure array-API
twins, with the same names and signatures, live in :mod:`pyginger.core._twins`; the tests check
that both agree to rounding.

Shapes: ``U`` is ``(d, tau)``; ``X``, ``Q`` are ``(d, k)``; the small matrices ``C``, ``M``, ``A``,
``B`` are float64. Accumulation happens in float64 whatever the storage dtype of ``U``, so float32
storage loses no accuracy in the sums over ``d``.

How the kernels are built (each choice measured; figures in ``docs/performance.md``):

* For a small ``U`` (below :data:`COMPILED_MIN_BYTES`) the kernels are the NumPy expressions of
  the twins, computed in float64: compiled code gained at most 15% of an update there, and a
  small problem never waits for a compilation.
* Every kernel walks the rows of ``U`` once, in memory order (``U`` is C-contiguous), so
  ``project`` and ``axpy_lowrank`` read ``U`` once and ``rotate`` reads it once and writes the new
  ``U`` once. The row bodies work on a row range ``[lo, hi)`` and release the GIL; for large
  ``d`` (:data:`PARALLEL_MIN_BYTES`) the same body runs on ``numba.get_num_threads()``
  contiguous row blocks at once, the calling thread and a small pool of Python threads taking
  one each (:func:`_run`). Small passes stay on the calling thread, because waking other
  threads costs more than they save. (Numba's ``prange`` measured no faster, and it compiled a
  second, parallel copy of every kernel: 0.5-4.4 s more each on a cold cache.)
* Each call compiles only the kernel it runs, for its argument types: the Python functions
  below choose the kernel, so that no compiled kernel calls another one chosen at run time,
  which Numba would compile along with it. Compiled code is cached on disk, outside the source
  tree (:func:`pyginger._backend.jit`).
* ``rotate`` copies each row of ``U`` (and ``Q``) into a small buffer before writing the output
  row, so the output may be ``U`` itself: each output row depends only on the same input row.
  That is what lets :func:`pyginger.update` run without allocating a new ``U``.
* Inner loops use unsigned flat indices (Numba then emits no negative-index wrap-around code,
  which otherwise blocks vectorisation of these short loops) and ``fastmath={"contract"}``
  (fused multiply-add only: no reassociation, so the sums are evaluated in the order written
  and match the reference to rounding; full ``fastmath`` measured no faster).
* ``rotate`` with a rank-one factor and ``tau <= 8`` (the common case of an update) runs the
  generated kernels of :mod:`pyginger.core._unrolled`: every product written out, so that LLVM
  vectorizes across rows (2-3x faster; why generated: :mod:`pyginger.core._codegen`); for ``tau`` in
  ``_codegen.COLUMN_RANKS`` (9-11, 13, 16) generated kernels vectorized over the output columns,
  with the row's entries in registers (1.1-2.8x). ``project`` with one vector and ``tau <= 16``
  also runs a generated kernel, whose sums stay in registers (up to 10x; the loop kernel's
  speed varied between runs). Otherwise, for ``tau < 12`` each row's output is computed four
  columns at a time with per-column scalar accumulators, two rows at a time; for larger ``tau``
  four rows share each load of ``A`` and the row accumulators are vectorised over the output
  columns.
* ``axpy_lowrank`` treats four rows at a time for ``tau < 16``, each dot product split over even
  and odd columns, so eight independent chains hide the latency of the fused multiply-add; for
  ``tau >= 16`` one row at a time with ``reassoc`` allowed, so that LLVM vectorises the dot
  product (the only kernel that needs it; measured 2.3x at ``tau = 64``).
* ``NUMBA_SLP_VECTORIZE`` (off by default since Numba 0.57 after a miscompilation) was measured
  on these kernels: at most 25% on the narrow rotation, nothing on the others; left off.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import get_num_threads, uint64

from pyginger._backend import jit
from pyginger.core import _twins, _unrolled

__all__ = [
    "project",
    "project_gram",
    "axpy_lowrank",
    "rotate",
    "rotate_into",
    "COMPILED_MIN_BYTES",
    "PARALLEL_MIN_BYTES",
    "PARALLEL_MIN_FLOPS",
]

#: Bytes of ``U`` below which a kernel is the NumPy expression of its twin, in float64. There a
#: whole update measured within 15% of the compiled kernels (equal at 100 KiB, 13-19 us slower
#: at 125 KiB; solves and rank-k updates as fast or faster), and a small problem never waits for
#: a compilation; the compiled update is 1.2-1.3x faster at 250 KiB, 2-4x from 1 MiB
#: (docs/performance.md, "Cold start").
COMPILED_MIN_BYTES = 128 << 10

#: Bytes of ``U`` from which a pass runs on ``numba.get_num_threads()`` threads at once
#: (``numba.set_num_threads(1)`` makes every pass serial). Below this, waking the threads costs
#: more than it saves, and on a busy machine a parallel pass waits for its slowest thread, so a
#: pass is made parallel only when it lasts long enough to amortize that (docs/performance.md).
PARALLEL_MIN_BYTES = 4 << 20

#: Floating-point operations from which the rotation (compute-bound for large ``tau``) is made
#: parallel even when ``U`` is smaller than :data:`PARALLEL_MIN_BYTES` (about 0.2 ms of work).
PARALLEL_MIN_FLOPS = 4_000_000

# Compiled on first call for the argument types of that call and cached on disk (_backend.jit).
_OPTS = {"nogil": True, "fastmath": {"contract"}, "error_model": "numpy"}

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
        # The common rank-one case without the loop over columns (measured 1.5x at tau = 4).
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
def _axpy_rows(alpha, X, U, Mt, out, lo, hi):  # pragma: no cover - compiled
    """``out[i] = alpha X[i] + U[i] @ Mt.T`` for ``lo <= i < hi``.

    Four rows at a time, each dot product split over even and odd ``j``: eight independent
    fused multiply-add chains hide the instruction latency.
    """
    tau = uint64(U.shape[1])
    k = uint64(X.shape[1])
    Uf = U.ravel()
    Xf = X.ravel()
    Mf = Mt.ravel()
    Of = out.ravel()
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
    half = tau // two
    i = uint64(lo)
    h = uint64(hi)
    if k == one:
        # The common one-vector case without the loop over columns.
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
    while i + four <= h:
        b0 = i * tau
        b1 = b0 + tau
        b2 = b1 + tau
        b3 = b2 + tau
        for col in range(k):
            o = col * tau
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            t0 = 0.0
            t1 = 0.0
            t2 = 0.0
            t3 = 0.0
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
    while i < h:
        b0 = i * tau
        for col in range(k):
            s0 = 0.0
            o = col * tau
            for j in range(tau):
                s0 += np.float64(Uf[b0 + j]) * Mf[o + j]
            Of[i * k + col] = alpha * np.float64(Xf[i * k + col]) + s0
        i += one


@jit(**{**_OPTS, "fastmath": {"contract", "reassoc"}})
def _axpy_rows_dot(alpha, X, U, Mt, out, lo, hi):  # pragma: no cover - compiled
    """``_axpy_rows`` for long rows: one dot product per row, vectorised by reassociation.

    ``reassoc`` lets LLVM split each dot product over vector lanes (a different but equally
    accurate summation order: the error bound of a length-``tau`` sum does not depend on it).
    Measured 2.3x faster than the four-row kernel at ``tau = 64``, 1.05x at 16, slower below.
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


@jit(**_OPTS)
def _rotate_one_row(U, A, Q, B, out, i, u):  # pragma: no cover - compiled
    """Row ``i`` of ``U @ A + Q @ B`` (through the buffer ``u``, so ``out`` may be ``U``)."""
    tau = uint64(U.shape[1])
    r = uint64(Q.shape[1])
    Uf = U.ravel()
    Qf = Q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    Of = out.ravel()
    b0 = uint64(i) * tau
    for m in range(tau):
        u[m] = Uf[b0 + m]
    for m in range(r):
        u[tau + m] = Qf[uint64(i) * r + m]
    for j in range(tau):
        c0 = 0.0
        for m in range(tau):
            c0 += u[m] * Af[m * tau + j]
        for m in range(r):
            c0 += u[tau + m] * Bf[m * tau + j]
        Of[b0 + j] = c0


@jit(**_OPTS)
def _rotate_rows_narrow(U, A, Q, B, out, lo, hi):  # pragma: no cover - compiled
    """Rotation for small ``tau``: two rows and four output columns at a time, in registers."""
    tau = uint64(U.shape[1])
    r = uint64(Q.shape[1])
    Uf = U.ravel()
    Qf = Q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    Of = out.ravel()
    u = np.empty(U.shape[1] + Q.shape[1])
    v = np.empty(U.shape[1] + Q.shape[1])
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
    i = uint64(lo)
    h = uint64(hi)
    while i + two <= h:
        b0 = i * tau
        b1 = b0 + tau
        for m in range(tau):
            u[m] = Uf[b0 + m]
            v[m] = Uf[b1 + m]
        for m in range(r):
            u[tau + m] = Qf[i * r + m]
            v[tau + m] = Qf[(i + one) * r + m]
        j = uint64(0)
        while j + four <= tau:
            c0 = c1 = c2 = c3 = e0 = e1 = e2 = e3 = 0.0
            for m in range(tau):
                x = u[m]
                y = v[m]
                a = m * tau + j
                a0, a1, a2, a3 = Af[a], Af[a + one], Af[a + two], Af[a + three]
                c0 += x * a0
                c1 += x * a1
                c2 += x * a2
                c3 += x * a3
                e0 += y * a0
                e1 += y * a1
                e2 += y * a2
                e3 += y * a3
            for m in range(r):
                x = u[tau + m]
                y = v[tau + m]
                a = m * tau + j
                a0, a1, a2, a3 = Bf[a], Bf[a + one], Bf[a + two], Bf[a + three]
                c0 += x * a0
                c1 += x * a1
                c2 += x * a2
                c3 += x * a3
                e0 += y * a0
                e1 += y * a1
                e2 += y * a2
                e3 += y * a3
            Of[b0 + j] = c0
            Of[b0 + j + one] = c1
            Of[b0 + j + two] = c2
            Of[b0 + j + three] = c3
            Of[b1 + j] = e0
            Of[b1 + j + one] = e1
            Of[b1 + j + two] = e2
            Of[b1 + j + three] = e3
            j += four
        while j < tau:
            c0 = e0 = 0.0
            for m in range(tau):
                a0 = Af[m * tau + j]
                c0 += u[m] * a0
                e0 += v[m] * a0
            for m in range(r):
                a0 = Bf[m * tau + j]
                c0 += u[tau + m] * a0
                e0 += v[tau + m] * a0
            Of[b0 + j] = c0
            Of[b1 + j] = e0
            j += one
        i += two
    if i < h:
        _rotate_one_row(U, A, Q, B, out, i, u)


@jit(**_OPTS)
def _rotate_rows_wide(U, A, Q, B, out, lo, hi):  # pragma: no cover - compiled
    """Rotation for larger ``tau``: four rows share each load of ``[A; B]``; vectorised over ``j``.

    ``[U[i], Q[i]] @ [A; B]`` for four rows at a time, the rows copied into a small buffer and
    their accumulators kept in L1 (in a last group of fewer than four rows the last row stands in
    for the missing ones, and writes the same values again). ``m`` advances two at a time and
    each update adds a pair of products, which halves the dependency chain through them.
    """
    tau = uint64(U.shape[1])
    r = uint64(Q.shape[1])
    w = tau + r
    Uf = U.ravel()
    Qf = Q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    Of = out.ravel()
    n = U.shape[1]
    V = np.empty((n + Q.shape[1]) * n)  # [A; B], row-major
    for m in range(tau * tau):
        V[m] = Af[m]
    for m in range(r * tau):
        V[tau * tau + m] = Bf[m]
    acc = np.empty((4, n))
    buf = np.empty((4, n + Q.shape[1]))
    p0, p1, p2, p3 = acc[0], acc[1], acc[2], acc[3]
    q0, q1, q2, q3 = buf[0], buf[1], buf[2], buf[3]
    one, two, four = uint64(1), uint64(2), uint64(4)
    i = uint64(lo)
    h = uint64(hi)
    while i < h:
        for t in range(4):
            row = min(i + uint64(t), h - one)
            for m in range(tau):
                buf[t, m] = Uf[row * tau + m]
            for m in range(r):
                buf[t, tau + m] = Qf[row * r + m]
        for j in range(tau):
            p0[j] = 0.0
            p1[j] = 0.0
            p2[j] = 0.0
            p3[j] = 0.0
        m = uint64(0)
        while m + two <= w:
            x0, x1, x2, x3 = q0[m], q1[m], q2[m], q3[m]
            y0, y1, y2, y3 = q0[m + one], q1[m + one], q2[m + one], q3[m + one]
            o0 = m * tau
            o1 = o0 + tau
            for j in range(tau):
                a0 = V[o0 + j]
                a1 = V[o1 + j]
                p0[j] = p0[j] + (x0 * a0 + y0 * a1)
                p1[j] = p1[j] + (x1 * a0 + y1 * a1)
                p2[j] = p2[j] + (x2 * a0 + y2 * a1)
                p3[j] = p3[j] + (x3 * a0 + y3 * a1)
            m += two
        if m < w:
            x0, x1, x2, x3 = q0[m], q1[m], q2[m], q3[m]
            o0 = m * tau
            for j in range(tau):
                a0 = V[o0 + j]
                p0[j] = p0[j] + x0 * a0
                p1[j] = p1[j] + x1 * a0
                p2[j] = p2[j] + x2 * a0
                p3[j] = p3[j] + x3 * a0
        for t in range(4):
            row = min(i + uint64(t), h - one) * tau
            for j in range(tau):
                Of[row + j] = acc[t, j]
        i += four


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
    registers, up to 10x faster than the loop kernel, whose sums go through memory (_codegen).
    """
    rows = _unrolled.PROJECT_KERNELS[U.shape[1]]
    nblocks = _blocks(U)
    parts = np.zeros((nblocks, U.shape[1] + 1))
    _run(nblocks, U.shape[0], lambda b, lo, hi: rows(U, x, lo, hi, parts[b]))
    return parts.sum(axis=0)


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
        # Rank-one factor, small tau: the unrolled kernels (2-3x faster, see _codegen).
        rows, rows_inplace = _unrolled.KERNELS[tau]
        if out.ctypes.data == U.ctypes.data:
            _run(nblocks, d, lambda b, lo, hi: rows_inplace(U, A, Q, B, lo, hi))
        else:
            _run(nblocks, d, lambda b, lo, hi: rows(U, A, Q, B, out, lo, hi))
        return out
    rows = _rotate_rows_narrow if tau < 12 else _rotate_rows_wide
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
