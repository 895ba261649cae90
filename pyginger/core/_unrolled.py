"""Unrolled kernels for a rank-one factor and small ``tau``: GENERATED CODE.

Written by ``python -m pyginger.core._codegen`` (see there for why); do not edit by hand.
``rows_T(U, A, q, B, out, lo, hi)`` writes rows ``lo:hi`` of ``U @ A + q @ B`` into ``out`` for
``U`` of shape ``(d, T)``, ``A`` ``(T, T)``, ``q`` ``(d, 1)`` and ``B`` ``(1, T)``;
``rows_inplace_T(U, A, q, B, lo, hi)`` writes them into ``U`` itself. Each row is read into
scalars before its outputs are written, so in place is safe. Rotations exist for ``tau <=
8``, where the sum runs over ``U``'s columns in order, then ``q`` (as in the loop
kernels of :mod:`pyginger.core._kernels`), and for ``tau`` in (9, 10, 11, 13, 16), where it runs as
two
chains, over the even and the odd entries of ``[U[i], q[i]]``, added at the end.

``project_rows_T(U, x, lo, hi, acc)`` adds rows ``lo:hi`` of ``U^T x`` to ``acc[:T]`` and of
``x^T x`` to ``acc[T]`` (sums in float64 whatever the storage dtype), for ``tau <=
16``.

The optimizer step's two passes (:mod:`pyginger.optim._fused`), for the ``tau`` of a generated
rotation: ``step_project_rows_T(U, x, m, g, b1, a1, lo, hi, acc)`` adds what
``project_rows_T`` adds and, for the new momentum ``y = b1 m + a1 g`` (computed, not
written), ``U^T y`` to ``acc[T+1:2T+1]`` and ``x^T y`` to ``acc[2T+1]``;
``step_rows_T(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi)`` (and
``step_rows_inplace_T``, without ``out``) writes the rotation as ``rows_T`` does and, from the
same row read, the step: ``mo[i] = y[i]`` and ``to[i]``, the new parameter, from ``t[i]`` and
the solve's row ``alpha y[i] / c1 + U[i] @ a[:T] + q[i] a[T]`` (``p`` holds the scalars, see
:func:`pyginger.core._kernels_step.finish_element`).

Every kernel works on a row range and releases the GIL, so that
:mod:`pyginger.core._kernels` runs it
on several row blocks at once from its thread pool.
"""

import numpy as np
from numba import uint64

from pyginger._backend import jit
from pyginger.core._kernels_step import STEP_CHUNK, ema_element, finish_element, finish_rows

# Compiled on first call, for the tau in use only, and cached on disk (_backend.jit).
_OPTS = {"nogil": True, "fastmath": {"contract"}, "error_model": "numpy"}


@jit(**_OPTS)
def rows_1(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    b0 = B[0, 0]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(1)
        u0 = Uf[k + uint64(0)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + x * b0


@jit(**_OPTS)
def rows_inplace_1(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    b0 = B[0, 0]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(1)
        u0 = Uf[k + uint64(0)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + x * b0


@jit(**_OPTS)
def rows_2(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    b0 = B[0, 0]
    b1 = B[0, 1]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(2)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + x * b1


@jit(**_OPTS)
def rows_inplace_2(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    b0 = B[0, 0]
    b1 = B[0, 1]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(2)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + x * b1


@jit(**_OPTS)
def rows_3(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(3)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + x * b1
        Of[k + uint64(2)] = u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + x * b2


@jit(**_OPTS)
def rows_inplace_3(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(3)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + x * b1
        Of[k + uint64(2)] = u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + x * b2


@jit(**_OPTS)
def rows_4(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(4)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + u3 * a3_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + u3 * a3_1 + x * b1
        Of[k + uint64(2)] = u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + u3 * a3_2 + x * b2
        Of[k + uint64(3)] = u0 * a0_3 + u1 * a1_3 + u2 * a2_3 + u3 * a3_3 + x * b3


@jit(**_OPTS)
def rows_inplace_4(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(4)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + u3 * a3_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + u3 * a3_1 + x * b1
        Of[k + uint64(2)] = u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + u3 * a3_2 + x * b2
        Of[k + uint64(3)] = u0 * a0_3 + u1 * a1_3 + u2 * a2_3 + u3 * a3_3 + x * b3


@jit(**_OPTS)
def rows_5(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(5)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + u3 * a3_0 + u4 * a4_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + u3 * a3_1 + u4 * a4_1 + x * b1
        Of[k + uint64(2)] = u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + u3 * a3_2 + u4 * a4_2 + x * b2
        Of[k + uint64(3)] = u0 * a0_3 + u1 * a1_3 + u2 * a2_3 + u3 * a3_3 + u4 * a4_3 + x * b3
        Of[k + uint64(4)] = u0 * a0_4 + u1 * a1_4 + u2 * a2_4 + u3 * a3_4 + u4 * a4_4 + x * b4


@jit(**_OPTS)
def rows_inplace_5(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(5)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        x = qf[i]
        Of[k + uint64(0)] = u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + u3 * a3_0 + u4 * a4_0 + x * b0
        Of[k + uint64(1)] = u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + u3 * a3_1 + u4 * a4_1 + x * b1
        Of[k + uint64(2)] = u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + u3 * a3_2 + u4 * a4_2 + x * b2
        Of[k + uint64(3)] = u0 * a0_3 + u1 * a1_3 + u2 * a2_3 + u3 * a3_3 + u4 * a4_3 + x * b3
        Of[k + uint64(4)] = u0 * a0_4 + u1 * a1_4 + u2 * a2_4 + u3 * a3_4 + u4 * a4_4 + x * b4


@jit(**_OPTS)
def rows_6(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a0_5 = A[0, 5]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a1_5 = A[1, 5]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a2_5 = A[2, 5]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a3_5 = A[3, 5]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    a4_5 = A[4, 5]
    a5_0 = A[5, 0]
    a5_1 = A[5, 1]
    a5_2 = A[5, 2]
    a5_3 = A[5, 3]
    a5_4 = A[5, 4]
    a5_5 = A[5, 5]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    b5 = B[0, 5]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(6)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        x = qf[i]
        Of[k + uint64(0)] = (
            u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + u3 * a3_0 + u4 * a4_0 + u5 * a5_0 + x * b0
        )
        Of[k + uint64(1)] = (
            u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + u3 * a3_1 + u4 * a4_1 + u5 * a5_1 + x * b1
        )
        Of[k + uint64(2)] = (
            u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + u3 * a3_2 + u4 * a4_2 + u5 * a5_2 + x * b2
        )
        Of[k + uint64(3)] = (
            u0 * a0_3 + u1 * a1_3 + u2 * a2_3 + u3 * a3_3 + u4 * a4_3 + u5 * a5_3 + x * b3
        )
        Of[k + uint64(4)] = (
            u0 * a0_4 + u1 * a1_4 + u2 * a2_4 + u3 * a3_4 + u4 * a4_4 + u5 * a5_4 + x * b4
        )
        Of[k + uint64(5)] = (
            u0 * a0_5 + u1 * a1_5 + u2 * a2_5 + u3 * a3_5 + u4 * a4_5 + u5 * a5_5 + x * b5
        )


@jit(**_OPTS)
def rows_inplace_6(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a0_5 = A[0, 5]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a1_5 = A[1, 5]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a2_5 = A[2, 5]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a3_5 = A[3, 5]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    a4_5 = A[4, 5]
    a5_0 = A[5, 0]
    a5_1 = A[5, 1]
    a5_2 = A[5, 2]
    a5_3 = A[5, 3]
    a5_4 = A[5, 4]
    a5_5 = A[5, 5]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    b5 = B[0, 5]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(6)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        x = qf[i]
        Of[k + uint64(0)] = (
            u0 * a0_0 + u1 * a1_0 + u2 * a2_0 + u3 * a3_0 + u4 * a4_0 + u5 * a5_0 + x * b0
        )
        Of[k + uint64(1)] = (
            u0 * a0_1 + u1 * a1_1 + u2 * a2_1 + u3 * a3_1 + u4 * a4_1 + u5 * a5_1 + x * b1
        )
        Of[k + uint64(2)] = (
            u0 * a0_2 + u1 * a1_2 + u2 * a2_2 + u3 * a3_2 + u4 * a4_2 + u5 * a5_2 + x * b2
        )
        Of[k + uint64(3)] = (
            u0 * a0_3 + u1 * a1_3 + u2 * a2_3 + u3 * a3_3 + u4 * a4_3 + u5 * a5_3 + x * b3
        )
        Of[k + uint64(4)] = (
            u0 * a0_4 + u1 * a1_4 + u2 * a2_4 + u3 * a3_4 + u4 * a4_4 + u5 * a5_4 + x * b4
        )
        Of[k + uint64(5)] = (
            u0 * a0_5 + u1 * a1_5 + u2 * a2_5 + u3 * a3_5 + u4 * a4_5 + u5 * a5_5 + x * b5
        )


@jit(**_OPTS)
def rows_7(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a0_5 = A[0, 5]
    a0_6 = A[0, 6]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a1_5 = A[1, 5]
    a1_6 = A[1, 6]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a2_5 = A[2, 5]
    a2_6 = A[2, 6]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a3_5 = A[3, 5]
    a3_6 = A[3, 6]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    a4_5 = A[4, 5]
    a4_6 = A[4, 6]
    a5_0 = A[5, 0]
    a5_1 = A[5, 1]
    a5_2 = A[5, 2]
    a5_3 = A[5, 3]
    a5_4 = A[5, 4]
    a5_5 = A[5, 5]
    a5_6 = A[5, 6]
    a6_0 = A[6, 0]
    a6_1 = A[6, 1]
    a6_2 = A[6, 2]
    a6_3 = A[6, 3]
    a6_4 = A[6, 4]
    a6_5 = A[6, 5]
    a6_6 = A[6, 6]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    b5 = B[0, 5]
    b6 = B[0, 6]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(7)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        x = qf[i]
        Of[k + uint64(0)] = (
            u0 * a0_0
            + u1 * a1_0
            + u2 * a2_0
            + u3 * a3_0
            + u4 * a4_0
            + u5 * a5_0
            + u6 * a6_0
            + x * b0
        )
        Of[k + uint64(1)] = (
            u0 * a0_1
            + u1 * a1_1
            + u2 * a2_1
            + u3 * a3_1
            + u4 * a4_1
            + u5 * a5_1
            + u6 * a6_1
            + x * b1
        )
        Of[k + uint64(2)] = (
            u0 * a0_2
            + u1 * a1_2
            + u2 * a2_2
            + u3 * a3_2
            + u4 * a4_2
            + u5 * a5_2
            + u6 * a6_2
            + x * b2
        )
        Of[k + uint64(3)] = (
            u0 * a0_3
            + u1 * a1_3
            + u2 * a2_3
            + u3 * a3_3
            + u4 * a4_3
            + u5 * a5_3
            + u6 * a6_3
            + x * b3
        )
        Of[k + uint64(4)] = (
            u0 * a0_4
            + u1 * a1_4
            + u2 * a2_4
            + u3 * a3_4
            + u4 * a4_4
            + u5 * a5_4
            + u6 * a6_4
            + x * b4
        )
        Of[k + uint64(5)] = (
            u0 * a0_5
            + u1 * a1_5
            + u2 * a2_5
            + u3 * a3_5
            + u4 * a4_5
            + u5 * a5_5
            + u6 * a6_5
            + x * b5
        )
        Of[k + uint64(6)] = (
            u0 * a0_6
            + u1 * a1_6
            + u2 * a2_6
            + u3 * a3_6
            + u4 * a4_6
            + u5 * a5_6
            + u6 * a6_6
            + x * b6
        )


@jit(**_OPTS)
def rows_inplace_7(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a0_5 = A[0, 5]
    a0_6 = A[0, 6]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a1_5 = A[1, 5]
    a1_6 = A[1, 6]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a2_5 = A[2, 5]
    a2_6 = A[2, 6]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a3_5 = A[3, 5]
    a3_6 = A[3, 6]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    a4_5 = A[4, 5]
    a4_6 = A[4, 6]
    a5_0 = A[5, 0]
    a5_1 = A[5, 1]
    a5_2 = A[5, 2]
    a5_3 = A[5, 3]
    a5_4 = A[5, 4]
    a5_5 = A[5, 5]
    a5_6 = A[5, 6]
    a6_0 = A[6, 0]
    a6_1 = A[6, 1]
    a6_2 = A[6, 2]
    a6_3 = A[6, 3]
    a6_4 = A[6, 4]
    a6_5 = A[6, 5]
    a6_6 = A[6, 6]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    b5 = B[0, 5]
    b6 = B[0, 6]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(7)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        x = qf[i]
        Of[k + uint64(0)] = (
            u0 * a0_0
            + u1 * a1_0
            + u2 * a2_0
            + u3 * a3_0
            + u4 * a4_0
            + u5 * a5_0
            + u6 * a6_0
            + x * b0
        )
        Of[k + uint64(1)] = (
            u0 * a0_1
            + u1 * a1_1
            + u2 * a2_1
            + u3 * a3_1
            + u4 * a4_1
            + u5 * a5_1
            + u6 * a6_1
            + x * b1
        )
        Of[k + uint64(2)] = (
            u0 * a0_2
            + u1 * a1_2
            + u2 * a2_2
            + u3 * a3_2
            + u4 * a4_2
            + u5 * a5_2
            + u6 * a6_2
            + x * b2
        )
        Of[k + uint64(3)] = (
            u0 * a0_3
            + u1 * a1_3
            + u2 * a2_3
            + u3 * a3_3
            + u4 * a4_3
            + u5 * a5_3
            + u6 * a6_3
            + x * b3
        )
        Of[k + uint64(4)] = (
            u0 * a0_4
            + u1 * a1_4
            + u2 * a2_4
            + u3 * a3_4
            + u4 * a4_4
            + u5 * a5_4
            + u6 * a6_4
            + x * b4
        )
        Of[k + uint64(5)] = (
            u0 * a0_5
            + u1 * a1_5
            + u2 * a2_5
            + u3 * a3_5
            + u4 * a4_5
            + u5 * a5_5
            + u6 * a6_5
            + x * b5
        )
        Of[k + uint64(6)] = (
            u0 * a0_6
            + u1 * a1_6
            + u2 * a2_6
            + u3 * a3_6
            + u4 * a4_6
            + u5 * a5_6
            + u6 * a6_6
            + x * b6
        )


@jit(**_OPTS)
def rows_8(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a0_5 = A[0, 5]
    a0_6 = A[0, 6]
    a0_7 = A[0, 7]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a1_5 = A[1, 5]
    a1_6 = A[1, 6]
    a1_7 = A[1, 7]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a2_5 = A[2, 5]
    a2_6 = A[2, 6]
    a2_7 = A[2, 7]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a3_5 = A[3, 5]
    a3_6 = A[3, 6]
    a3_7 = A[3, 7]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    a4_5 = A[4, 5]
    a4_6 = A[4, 6]
    a4_7 = A[4, 7]
    a5_0 = A[5, 0]
    a5_1 = A[5, 1]
    a5_2 = A[5, 2]
    a5_3 = A[5, 3]
    a5_4 = A[5, 4]
    a5_5 = A[5, 5]
    a5_6 = A[5, 6]
    a5_7 = A[5, 7]
    a6_0 = A[6, 0]
    a6_1 = A[6, 1]
    a6_2 = A[6, 2]
    a6_3 = A[6, 3]
    a6_4 = A[6, 4]
    a6_5 = A[6, 5]
    a6_6 = A[6, 6]
    a6_7 = A[6, 7]
    a7_0 = A[7, 0]
    a7_1 = A[7, 1]
    a7_2 = A[7, 2]
    a7_3 = A[7, 3]
    a7_4 = A[7, 4]
    a7_5 = A[7, 5]
    a7_6 = A[7, 6]
    a7_7 = A[7, 7]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    b5 = B[0, 5]
    b6 = B[0, 6]
    b7 = B[0, 7]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(8)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        x = qf[i]
        Of[k + uint64(0)] = (
            u0 * a0_0
            + u1 * a1_0
            + u2 * a2_0
            + u3 * a3_0
            + u4 * a4_0
            + u5 * a5_0
            + u6 * a6_0
            + u7 * a7_0
            + x * b0
        )
        Of[k + uint64(1)] = (
            u0 * a0_1
            + u1 * a1_1
            + u2 * a2_1
            + u3 * a3_1
            + u4 * a4_1
            + u5 * a5_1
            + u6 * a6_1
            + u7 * a7_1
            + x * b1
        )
        Of[k + uint64(2)] = (
            u0 * a0_2
            + u1 * a1_2
            + u2 * a2_2
            + u3 * a3_2
            + u4 * a4_2
            + u5 * a5_2
            + u6 * a6_2
            + u7 * a7_2
            + x * b2
        )
        Of[k + uint64(3)] = (
            u0 * a0_3
            + u1 * a1_3
            + u2 * a2_3
            + u3 * a3_3
            + u4 * a4_3
            + u5 * a5_3
            + u6 * a6_3
            + u7 * a7_3
            + x * b3
        )
        Of[k + uint64(4)] = (
            u0 * a0_4
            + u1 * a1_4
            + u2 * a2_4
            + u3 * a3_4
            + u4 * a4_4
            + u5 * a5_4
            + u6 * a6_4
            + u7 * a7_4
            + x * b4
        )
        Of[k + uint64(5)] = (
            u0 * a0_5
            + u1 * a1_5
            + u2 * a2_5
            + u3 * a3_5
            + u4 * a4_5
            + u5 * a5_5
            + u6 * a6_5
            + u7 * a7_5
            + x * b5
        )
        Of[k + uint64(6)] = (
            u0 * a0_6
            + u1 * a1_6
            + u2 * a2_6
            + u3 * a3_6
            + u4 * a4_6
            + u5 * a5_6
            + u6 * a6_6
            + u7 * a7_6
            + x * b6
        )
        Of[k + uint64(7)] = (
            u0 * a0_7
            + u1 * a1_7
            + u2 * a2_7
            + u3 * a3_7
            + u4 * a4_7
            + u5 * a5_7
            + u6 * a6_7
            + u7 * a7_7
            + x * b7
        )


@jit(**_OPTS)
def rows_inplace_8(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    a0_0 = A[0, 0]
    a0_1 = A[0, 1]
    a0_2 = A[0, 2]
    a0_3 = A[0, 3]
    a0_4 = A[0, 4]
    a0_5 = A[0, 5]
    a0_6 = A[0, 6]
    a0_7 = A[0, 7]
    a1_0 = A[1, 0]
    a1_1 = A[1, 1]
    a1_2 = A[1, 2]
    a1_3 = A[1, 3]
    a1_4 = A[1, 4]
    a1_5 = A[1, 5]
    a1_6 = A[1, 6]
    a1_7 = A[1, 7]
    a2_0 = A[2, 0]
    a2_1 = A[2, 1]
    a2_2 = A[2, 2]
    a2_3 = A[2, 3]
    a2_4 = A[2, 4]
    a2_5 = A[2, 5]
    a2_6 = A[2, 6]
    a2_7 = A[2, 7]
    a3_0 = A[3, 0]
    a3_1 = A[3, 1]
    a3_2 = A[3, 2]
    a3_3 = A[3, 3]
    a3_4 = A[3, 4]
    a3_5 = A[3, 5]
    a3_6 = A[3, 6]
    a3_7 = A[3, 7]
    a4_0 = A[4, 0]
    a4_1 = A[4, 1]
    a4_2 = A[4, 2]
    a4_3 = A[4, 3]
    a4_4 = A[4, 4]
    a4_5 = A[4, 5]
    a4_6 = A[4, 6]
    a4_7 = A[4, 7]
    a5_0 = A[5, 0]
    a5_1 = A[5, 1]
    a5_2 = A[5, 2]
    a5_3 = A[5, 3]
    a5_4 = A[5, 4]
    a5_5 = A[5, 5]
    a5_6 = A[5, 6]
    a5_7 = A[5, 7]
    a6_0 = A[6, 0]
    a6_1 = A[6, 1]
    a6_2 = A[6, 2]
    a6_3 = A[6, 3]
    a6_4 = A[6, 4]
    a6_5 = A[6, 5]
    a6_6 = A[6, 6]
    a6_7 = A[6, 7]
    a7_0 = A[7, 0]
    a7_1 = A[7, 1]
    a7_2 = A[7, 2]
    a7_3 = A[7, 3]
    a7_4 = A[7, 4]
    a7_5 = A[7, 5]
    a7_6 = A[7, 6]
    a7_7 = A[7, 7]
    b0 = B[0, 0]
    b1 = B[0, 1]
    b2 = B[0, 2]
    b3 = B[0, 3]
    b4 = B[0, 4]
    b5 = B[0, 5]
    b6 = B[0, 6]
    b7 = B[0, 7]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(8)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        x = qf[i]
        Of[k + uint64(0)] = (
            u0 * a0_0
            + u1 * a1_0
            + u2 * a2_0
            + u3 * a3_0
            + u4 * a4_0
            + u5 * a5_0
            + u6 * a6_0
            + u7 * a7_0
            + x * b0
        )
        Of[k + uint64(1)] = (
            u0 * a0_1
            + u1 * a1_1
            + u2 * a2_1
            + u3 * a3_1
            + u4 * a4_1
            + u5 * a5_1
            + u6 * a6_1
            + u7 * a7_1
            + x * b1
        )
        Of[k + uint64(2)] = (
            u0 * a0_2
            + u1 * a1_2
            + u2 * a2_2
            + u3 * a3_2
            + u4 * a4_2
            + u5 * a5_2
            + u6 * a6_2
            + u7 * a7_2
            + x * b2
        )
        Of[k + uint64(3)] = (
            u0 * a0_3
            + u1 * a1_3
            + u2 * a2_3
            + u3 * a3_3
            + u4 * a4_3
            + u5 * a5_3
            + u6 * a6_3
            + u7 * a7_3
            + x * b3
        )
        Of[k + uint64(4)] = (
            u0 * a0_4
            + u1 * a1_4
            + u2 * a2_4
            + u3 * a3_4
            + u4 * a4_4
            + u5 * a5_4
            + u6 * a6_4
            + u7 * a7_4
            + x * b4
        )
        Of[k + uint64(5)] = (
            u0 * a0_5
            + u1 * a1_5
            + u2 * a2_5
            + u3 * a3_5
            + u4 * a4_5
            + u5 * a5_5
            + u6 * a6_5
            + u7 * a7_5
            + x * b5
        )
        Of[k + uint64(6)] = (
            u0 * a0_6
            + u1 * a1_6
            + u2 * a2_6
            + u3 * a3_6
            + u4 * a4_6
            + u5 * a5_6
            + u6 * a6_6
            + u7 * a7_6
            + x * b6
        )
        Of[k + uint64(7)] = (
            u0 * a0_7
            + u1 * a1_7
            + u2 * a2_7
            + u3 * a3_7
            + u4 * a4_7
            + u5 * a5_7
            + u6 * a6_7
            + u7 * a7_7
            + x * b7
        )


@jit(**_OPTS)
def rows_9(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(9)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        x = qf[i]
        for j in range(uint64(9)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(18) + j]
                + u4 * Af[uint64(36) + j]
                + u6 * Af[uint64(54) + j]
                + u8 * Af[uint64(72) + j]
            )
            o = (
                u1 * Af[uint64(9) + j]
                + u3 * Af[uint64(27) + j]
                + u5 * Af[uint64(45) + j]
                + u7 * Af[uint64(63) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_inplace_9(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(9)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        x = qf[i]
        for j in range(uint64(9)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(18) + j]
                + u4 * Af[uint64(36) + j]
                + u6 * Af[uint64(54) + j]
                + u8 * Af[uint64(72) + j]
            )
            o = (
                u1 * Af[uint64(9) + j]
                + u3 * Af[uint64(27) + j]
                + u5 * Af[uint64(45) + j]
                + u7 * Af[uint64(63) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_10(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(10)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        x = qf[i]
        for j in range(uint64(10)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(20) + j]
                + u4 * Af[uint64(40) + j]
                + u6 * Af[uint64(60) + j]
                + u8 * Af[uint64(80) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(10) + j]
                + u3 * Af[uint64(30) + j]
                + u5 * Af[uint64(50) + j]
                + u7 * Af[uint64(70) + j]
                + u9 * Af[uint64(90) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_inplace_10(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(10)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        x = qf[i]
        for j in range(uint64(10)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(20) + j]
                + u4 * Af[uint64(40) + j]
                + u6 * Af[uint64(60) + j]
                + u8 * Af[uint64(80) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(10) + j]
                + u3 * Af[uint64(30) + j]
                + u5 * Af[uint64(50) + j]
                + u7 * Af[uint64(70) + j]
                + u9 * Af[uint64(90) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_11(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(11)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        x = qf[i]
        for j in range(uint64(11)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(22) + j]
                + u4 * Af[uint64(44) + j]
                + u6 * Af[uint64(66) + j]
                + u8 * Af[uint64(88) + j]
                + u10 * Af[uint64(110) + j]
            )
            o = (
                u1 * Af[uint64(11) + j]
                + u3 * Af[uint64(33) + j]
                + u5 * Af[uint64(55) + j]
                + u7 * Af[uint64(77) + j]
                + u9 * Af[uint64(99) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_inplace_11(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(11)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        x = qf[i]
        for j in range(uint64(11)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(22) + j]
                + u4 * Af[uint64(44) + j]
                + u6 * Af[uint64(66) + j]
                + u8 * Af[uint64(88) + j]
                + u10 * Af[uint64(110) + j]
            )
            o = (
                u1 * Af[uint64(11) + j]
                + u3 * Af[uint64(33) + j]
                + u5 * Af[uint64(55) + j]
                + u7 * Af[uint64(77) + j]
                + u9 * Af[uint64(99) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_13(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(13)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        x = qf[i]
        for j in range(uint64(13)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(26) + j]
                + u4 * Af[uint64(52) + j]
                + u6 * Af[uint64(78) + j]
                + u8 * Af[uint64(104) + j]
                + u10 * Af[uint64(130) + j]
                + u12 * Af[uint64(156) + j]
            )
            o = (
                u1 * Af[uint64(13) + j]
                + u3 * Af[uint64(39) + j]
                + u5 * Af[uint64(65) + j]
                + u7 * Af[uint64(91) + j]
                + u9 * Af[uint64(117) + j]
                + u11 * Af[uint64(143) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_inplace_13(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(13)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        x = qf[i]
        for j in range(uint64(13)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(26) + j]
                + u4 * Af[uint64(52) + j]
                + u6 * Af[uint64(78) + j]
                + u8 * Af[uint64(104) + j]
                + u10 * Af[uint64(130) + j]
                + u12 * Af[uint64(156) + j]
            )
            o = (
                u1 * Af[uint64(13) + j]
                + u3 * Af[uint64(39) + j]
                + u5 * Af[uint64(65) + j]
                + u7 * Af[uint64(91) + j]
                + u9 * Af[uint64(117) + j]
                + u11 * Af[uint64(143) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_16(U, A, q, B, out, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(16)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        u13 = Uf[k + uint64(13)]
        u14 = Uf[k + uint64(14)]
        u15 = Uf[k + uint64(15)]
        x = qf[i]
        for j in range(uint64(16)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(32) + j]
                + u4 * Af[uint64(64) + j]
                + u6 * Af[uint64(96) + j]
                + u8 * Af[uint64(128) + j]
                + u10 * Af[uint64(160) + j]
                + u12 * Af[uint64(192) + j]
                + u14 * Af[uint64(224) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(16) + j]
                + u3 * Af[uint64(48) + j]
                + u5 * Af[uint64(80) + j]
                + u7 * Af[uint64(112) + j]
                + u9 * Af[uint64(144) + j]
                + u11 * Af[uint64(176) + j]
                + u13 * Af[uint64(208) + j]
                + u15 * Af[uint64(240) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def rows_inplace_16(U, A, q, B, lo, hi):  # pragma: no cover - compiled
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(16)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        u13 = Uf[k + uint64(13)]
        u14 = Uf[k + uint64(14)]
        u15 = Uf[k + uint64(15)]
        x = qf[i]
        for j in range(uint64(16)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(32) + j]
                + u4 * Af[uint64(64) + j]
                + u6 * Af[uint64(96) + j]
                + u8 * Af[uint64(128) + j]
                + u10 * Af[uint64(160) + j]
                + u12 * Af[uint64(192) + j]
                + u14 * Af[uint64(224) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(16) + j]
                + u3 * Af[uint64(48) + j]
                + u5 * Af[uint64(80) + j]
                + u7 * Af[uint64(112) + j]
                + u9 * Af[uint64(144) + j]
                + u11 * Af[uint64(176) + j]
                + u13 * Af[uint64(208) + j]
                + u15 * Af[uint64(240) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def project_rows_1(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(1)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += x0 * x0
        k1 = (i + uint64(1)) * uint64(1)
        x1 = np.float64(xf[i + uint64(1)])
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(1)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1


@jit(**_OPTS)
def project_rows_2(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    s1_2 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(2)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += x0 * x0
        k1 = (i + uint64(1)) * uint64(2)
        x1 = np.float64(xf[i + uint64(1)])
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += Uf[k1 + uint64(1)] * x1
        s1_2 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(2)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + s0_2 + s1_2


@jit(**_OPTS)
def project_rows_3(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    s1_2 = 0.0
    s1_3 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(3)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += x0 * x0
        k1 = (i + uint64(1)) * uint64(3)
        x1 = np.float64(xf[i + uint64(1)])
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += Uf[k1 + uint64(1)] * x1
        s1_2 += Uf[k1 + uint64(2)] * x1
        s1_3 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(3)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + s0_2 + s1_2
    acc[3] = acc[3] + s0_3 + s1_3


@jit(**_OPTS)
def project_rows_4(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    s1_2 = 0.0
    s1_3 = 0.0
    s1_4 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(4)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += x0 * x0
        k1 = (i + uint64(1)) * uint64(4)
        x1 = np.float64(xf[i + uint64(1)])
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += Uf[k1 + uint64(1)] * x1
        s1_2 += Uf[k1 + uint64(2)] * x1
        s1_3 += Uf[k1 + uint64(3)] * x1
        s1_4 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(4)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + s0_2 + s1_2
    acc[3] = acc[3] + s0_3 + s1_3
    acc[4] = acc[4] + s0_4 + s1_4


@jit(**_OPTS)
def project_rows_5(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(5)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5


@jit(**_OPTS)
def project_rows_6(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(6)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6


@jit(**_OPTS)
def project_rows_7(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(7)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7


@jit(**_OPTS)
def project_rows_8(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(8)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8


@jit(**_OPTS)
def project_rows_9(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(9)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9


@jit(**_OPTS)
def project_rows_10(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(10)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10


@jit(**_OPTS)
def project_rows_11(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(11)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11


@jit(**_OPTS)
def project_rows_12(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(12)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12


@jit(**_OPTS)
def project_rows_13(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    s0_13 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(13)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += Uf[k0 + uint64(12)] * x0
        s0_13 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12
    acc[13] = acc[13] + s0_13


@jit(**_OPTS)
def project_rows_14(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    s0_13 = 0.0
    s0_14 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(14)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += Uf[k0 + uint64(12)] * x0
        s0_13 += Uf[k0 + uint64(13)] * x0
        s0_14 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12
    acc[13] = acc[13] + s0_13
    acc[14] = acc[14] + s0_14


@jit(**_OPTS)
def project_rows_15(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    s0_13 = 0.0
    s0_14 = 0.0
    s0_15 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(15)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += Uf[k0 + uint64(12)] * x0
        s0_13 += Uf[k0 + uint64(13)] * x0
        s0_14 += Uf[k0 + uint64(14)] * x0
        s0_15 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12
    acc[13] = acc[13] + s0_13
    acc[14] = acc[14] + s0_14
    acc[15] = acc[15] + s0_15


@jit(**_OPTS)
def project_rows_16(U, x, lo, hi, acc):  # pragma: no cover - compiled
    Uf = U.ravel()
    xf = x.ravel()
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    s0_13 = 0.0
    s0_14 = 0.0
    s0_15 = 0.0
    s0_16 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(16)
        x0 = np.float64(xf[i])
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += Uf[k0 + uint64(12)] * x0
        s0_13 += Uf[k0 + uint64(13)] * x0
        s0_14 += Uf[k0 + uint64(14)] * x0
        s0_15 += Uf[k0 + uint64(15)] * x0
        s0_16 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12
    acc[13] = acc[13] + s0_13
    acc[14] = acc[14] + s0_14
    acc[15] = acc[15] + s0_15
    acc[16] = acc[16] + s0_16


@jit(**_OPTS)
def step_project_rows_1(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t1_0 = 0.0
    t1_1 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(1)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += x0 * x0
        k1 = (i + uint64(1)) * uint64(1)
        x1 = np.float64(xf[i + uint64(1)])
        y1 = np.float64(ema_element(b1, mf[i + uint64(1)], a1, gf[i + uint64(1)]))
        t1_0 += Uf[k1 + uint64(0)] * y1
        t1_1 += x1 * y1
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(1)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + t0_0 + t1_0
    acc[3] = acc[3] + t0_1 + t1_1


@jit(**_OPTS)
def dot_rows_1(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(1)
        d0 = Uf[k + uint64(0)] * w0 + qf[i] * w1
        dots[i - uint64(lo)] = d0


@jit(**_OPTS)
def step_rows_1(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_1(U, q, a, start, stop, dots)
        rows_1(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_1(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_1(U, q, a, start, stop, dots)
        rows_inplace_1(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_2(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t1_0 = 0.0
    t1_1 = 0.0
    t1_2 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    s1_2 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(2)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += x0 * x0
        k1 = (i + uint64(1)) * uint64(2)
        x1 = np.float64(xf[i + uint64(1)])
        y1 = np.float64(ema_element(b1, mf[i + uint64(1)], a1, gf[i + uint64(1)]))
        t1_0 += Uf[k1 + uint64(0)] * y1
        t1_1 += Uf[k1 + uint64(1)] * y1
        t1_2 += x1 * y1
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += Uf[k1 + uint64(1)] * x1
        s1_2 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(2)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + s0_2 + s1_2
    acc[3] = acc[3] + t0_0 + t1_0
    acc[4] = acc[4] + t0_1 + t1_1
    acc[5] = acc[5] + t0_2 + t1_2


@jit(**_OPTS)
def dot_rows_2(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(2)
        d0 = Uf[k + uint64(0)] * w0 + Uf[k + uint64(1)] * w1 + qf[i] * w2
        dots[i - uint64(lo)] = d0


@jit(**_OPTS)
def step_rows_2(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_2(U, q, a, start, stop, dots)
        rows_2(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_2(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_2(U, q, a, start, stop, dots)
        rows_inplace_2(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_3(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t1_0 = 0.0
    t1_1 = 0.0
    t1_2 = 0.0
    t1_3 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    s1_2 = 0.0
    s1_3 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(3)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += x0 * x0
        k1 = (i + uint64(1)) * uint64(3)
        x1 = np.float64(xf[i + uint64(1)])
        y1 = np.float64(ema_element(b1, mf[i + uint64(1)], a1, gf[i + uint64(1)]))
        t1_0 += Uf[k1 + uint64(0)] * y1
        t1_1 += Uf[k1 + uint64(1)] * y1
        t1_2 += Uf[k1 + uint64(2)] * y1
        t1_3 += x1 * y1
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += Uf[k1 + uint64(1)] * x1
        s1_2 += Uf[k1 + uint64(2)] * x1
        s1_3 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(3)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + s0_2 + s1_2
    acc[3] = acc[3] + s0_3 + s1_3
    acc[4] = acc[4] + t0_0 + t1_0
    acc[5] = acc[5] + t0_1 + t1_1
    acc[6] = acc[6] + t0_2 + t1_2
    acc[7] = acc[7] + t0_3 + t1_3


@jit(**_OPTS)
def dot_rows_3(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(3)
        d0 = Uf[k + uint64(0)] * w0 + Uf[k + uint64(1)] * w1 + Uf[k + uint64(2)] * w2 + qf[i] * w3
        dots[i - uint64(lo)] = d0


@jit(**_OPTS)
def step_rows_3(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_3(U, q, a, start, stop, dots)
        rows_3(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_3(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_3(U, q, a, start, stop, dots)
        rows_inplace_3(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_4(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t1_0 = 0.0
    t1_1 = 0.0
    t1_2 = 0.0
    t1_3 = 0.0
    t1_4 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s1_0 = 0.0
    s1_1 = 0.0
    s1_2 = 0.0
    s1_3 = 0.0
    s1_4 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(2) <= h:
        k0 = i * uint64(4)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += x0 * x0
        k1 = (i + uint64(1)) * uint64(4)
        x1 = np.float64(xf[i + uint64(1)])
        y1 = np.float64(ema_element(b1, mf[i + uint64(1)], a1, gf[i + uint64(1)]))
        t1_0 += Uf[k1 + uint64(0)] * y1
        t1_1 += Uf[k1 + uint64(1)] * y1
        t1_2 += Uf[k1 + uint64(2)] * y1
        t1_3 += Uf[k1 + uint64(3)] * y1
        t1_4 += x1 * y1
        s1_0 += Uf[k1 + uint64(0)] * x1
        s1_1 += Uf[k1 + uint64(1)] * x1
        s1_2 += Uf[k1 + uint64(2)] * x1
        s1_3 += Uf[k1 + uint64(3)] * x1
        s1_4 += x1 * x1
        i += uint64(2)
    if i < h:
        k0 = i * uint64(4)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += x0 * x0
    acc[0] = acc[0] + s0_0 + s1_0
    acc[1] = acc[1] + s0_1 + s1_1
    acc[2] = acc[2] + s0_2 + s1_2
    acc[3] = acc[3] + s0_3 + s1_3
    acc[4] = acc[4] + s0_4 + s1_4
    acc[5] = acc[5] + t0_0 + t1_0
    acc[6] = acc[6] + t0_1 + t1_1
    acc[7] = acc[7] + t0_2 + t1_2
    acc[8] = acc[8] + t0_3 + t1_3
    acc[9] = acc[9] + t0_4 + t1_4


@jit(**_OPTS)
def dot_rows_4(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(4)
        d0 = (
            Uf[k + uint64(0)] * w0
            + Uf[k + uint64(1)] * w1
            + Uf[k + uint64(2)] * w2
            + Uf[k + uint64(3)] * w3
            + qf[i] * w4
        )
        dots[i - uint64(lo)] = d0


@jit(**_OPTS)
def step_rows_4(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_4(U, q, a, start, stop, dots)
        rows_4(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_4(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_4(U, q, a, start, stop, dots)
        rows_inplace_4(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_5(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(5)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + t0_0
    acc[7] = acc[7] + t0_1
    acc[8] = acc[8] + t0_2
    acc[9] = acc[9] + t0_3
    acc[10] = acc[10] + t0_4
    acc[11] = acc[11] + t0_5


@jit(**_OPTS)
def dot_rows_5(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(5)
        d0 = Uf[k + uint64(0)] * w0 + Uf[k + uint64(2)] * w2 + Uf[k + uint64(4)] * w4
        d1 = Uf[k + uint64(1)] * w1 + Uf[k + uint64(3)] * w3 + qf[i] * w5
        dots[i - uint64(lo)] = d0 + d1


@jit(**_OPTS)
def step_rows_5(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_5(U, q, a, start, stop, dots)
        rows_5(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_5(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_5(U, q, a, start, stop, dots)
        rows_inplace_5(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_6(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(6)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + t0_0
    acc[8] = acc[8] + t0_1
    acc[9] = acc[9] + t0_2
    acc[10] = acc[10] + t0_3
    acc[11] = acc[11] + t0_4
    acc[12] = acc[12] + t0_5
    acc[13] = acc[13] + t0_6


@jit(**_OPTS)
def dot_rows_6(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(6)
        d0 = Uf[k + uint64(0)] * w0 + Uf[k + uint64(2)] * w2 + Uf[k + uint64(4)] * w4 + qf[i] * w6
        d1 = Uf[k + uint64(1)] * w1 + Uf[k + uint64(3)] * w3 + Uf[k + uint64(5)] * w5
        dots[i - uint64(lo)] = d0 + d1


@jit(**_OPTS)
def step_rows_6(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_6(U, q, a, start, stop, dots)
        rows_6(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_6(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_6(U, q, a, start, stop, dots)
        rows_inplace_6(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_7(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(7)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + t0_0
    acc[9] = acc[9] + t0_1
    acc[10] = acc[10] + t0_2
    acc[11] = acc[11] + t0_3
    acc[12] = acc[12] + t0_4
    acc[13] = acc[13] + t0_5
    acc[14] = acc[14] + t0_6
    acc[15] = acc[15] + t0_7


@jit(**_OPTS)
def dot_rows_7(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(7)
        d0 = (
            Uf[k + uint64(0)] * w0
            + Uf[k + uint64(2)] * w2
            + Uf[k + uint64(4)] * w4
            + Uf[k + uint64(6)] * w6
        )
        d1 = Uf[k + uint64(1)] * w1 + Uf[k + uint64(3)] * w3 + Uf[k + uint64(5)] * w5 + qf[i] * w7
        dots[i - uint64(lo)] = d0 + d1


@jit(**_OPTS)
def step_rows_7(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_7(U, q, a, start, stop, dots)
        rows_7(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_7(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_7(U, q, a, start, stop, dots)
        rows_inplace_7(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_8(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    t0_8 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(8)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += Uf[k0 + uint64(7)] * y0
        t0_8 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + t0_0
    acc[10] = acc[10] + t0_1
    acc[11] = acc[11] + t0_2
    acc[12] = acc[12] + t0_3
    acc[13] = acc[13] + t0_4
    acc[14] = acc[14] + t0_5
    acc[15] = acc[15] + t0_6
    acc[16] = acc[16] + t0_7
    acc[17] = acc[17] + t0_8


@jit(**_OPTS)
def dot_rows_8(U, q, a, lo, hi, dots):  # pragma: no cover - compiled
    Uf = U.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(8)
        d0 = (
            Uf[k + uint64(0)] * w0
            + Uf[k + uint64(2)] * w2
            + Uf[k + uint64(4)] * w4
            + Uf[k + uint64(6)] * w6
            + qf[i] * w8
        )
        d1 = (
            Uf[k + uint64(1)] * w1
            + Uf[k + uint64(3)] * w3
            + Uf[k + uint64(5)] * w5
            + Uf[k + uint64(7)] * w7
        )
        dots[i - uint64(lo)] = d0 + d1


@jit(**_OPTS)
def step_rows_8(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_8(U, q, a, start, stop, dots)
        rows_8(U, A, q, B, out, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_rows_inplace_8(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    dots = np.empty(STEP_CHUNK)
    start = uint64(lo)
    while start < uint64(hi):
        stop = min(start + uint64(STEP_CHUNK), uint64(hi))
        dot_rows_8(U, q, a, start, stop, dots)
        rows_inplace_8(U, A, q, B, start, stop)
        finish_rows(m, mo, g, t, to, dots, p, start, stop)
        start = stop


@jit(**_OPTS)
def step_project_rows_9(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    t0_8 = 0.0
    t0_9 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(9)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += Uf[k0 + uint64(7)] * y0
        t0_8 += Uf[k0 + uint64(8)] * y0
        t0_9 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + t0_0
    acc[11] = acc[11] + t0_1
    acc[12] = acc[12] + t0_2
    acc[13] = acc[13] + t0_3
    acc[14] = acc[14] + t0_4
    acc[15] = acc[15] + t0_5
    acc[16] = acc[16] + t0_6
    acc[17] = acc[17] + t0_7
    acc[18] = acc[18] + t0_8
    acc[19] = acc[19] + t0_9


@jit(**_OPTS)
def step_rows_9(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(9)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8
        d1 = u1 * w1 + u5 * w5 + x * w9
        d2 = u2 * w2 + u6 * w6
        d3 = u3 * w3 + u7 * w7
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(9)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(18) + j]
                + u4 * Af[uint64(36) + j]
                + u6 * Af[uint64(54) + j]
                + u8 * Af[uint64(72) + j]
            )
            o = (
                u1 * Af[uint64(9) + j]
                + u3 * Af[uint64(27) + j]
                + u5 * Af[uint64(45) + j]
                + u7 * Af[uint64(63) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_rows_inplace_9(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(9)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8
        d1 = u1 * w1 + u5 * w5 + x * w9
        d2 = u2 * w2 + u6 * w6
        d3 = u3 * w3 + u7 * w7
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(9)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(18) + j]
                + u4 * Af[uint64(36) + j]
                + u6 * Af[uint64(54) + j]
                + u8 * Af[uint64(72) + j]
            )
            o = (
                u1 * Af[uint64(9) + j]
                + u3 * Af[uint64(27) + j]
                + u5 * Af[uint64(45) + j]
                + u7 * Af[uint64(63) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_project_rows_10(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    t0_8 = 0.0
    t0_9 = 0.0
    t0_10 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(10)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += Uf[k0 + uint64(7)] * y0
        t0_8 += Uf[k0 + uint64(8)] * y0
        t0_9 += Uf[k0 + uint64(9)] * y0
        t0_10 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + t0_0
    acc[12] = acc[12] + t0_1
    acc[13] = acc[13] + t0_2
    acc[14] = acc[14] + t0_3
    acc[15] = acc[15] + t0_4
    acc[16] = acc[16] + t0_5
    acc[17] = acc[17] + t0_6
    acc[18] = acc[18] + t0_7
    acc[19] = acc[19] + t0_8
    acc[20] = acc[20] + t0_9
    acc[21] = acc[21] + t0_10


@jit(**_OPTS)
def step_rows_10(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(10)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8
        d1 = u1 * w1 + u5 * w5 + u9 * w9
        d2 = u2 * w2 + u6 * w6 + x * w10
        d3 = u3 * w3 + u7 * w7
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(10)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(20) + j]
                + u4 * Af[uint64(40) + j]
                + u6 * Af[uint64(60) + j]
                + u8 * Af[uint64(80) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(10) + j]
                + u3 * Af[uint64(30) + j]
                + u5 * Af[uint64(50) + j]
                + u7 * Af[uint64(70) + j]
                + u9 * Af[uint64(90) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_rows_inplace_10(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(10)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8
        d1 = u1 * w1 + u5 * w5 + u9 * w9
        d2 = u2 * w2 + u6 * w6 + x * w10
        d3 = u3 * w3 + u7 * w7
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(10)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(20) + j]
                + u4 * Af[uint64(40) + j]
                + u6 * Af[uint64(60) + j]
                + u8 * Af[uint64(80) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(10) + j]
                + u3 * Af[uint64(30) + j]
                + u5 * Af[uint64(50) + j]
                + u7 * Af[uint64(70) + j]
                + u9 * Af[uint64(90) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_project_rows_11(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    t0_8 = 0.0
    t0_9 = 0.0
    t0_10 = 0.0
    t0_11 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(11)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += Uf[k0 + uint64(7)] * y0
        t0_8 += Uf[k0 + uint64(8)] * y0
        t0_9 += Uf[k0 + uint64(9)] * y0
        t0_10 += Uf[k0 + uint64(10)] * y0
        t0_11 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + t0_0
    acc[13] = acc[13] + t0_1
    acc[14] = acc[14] + t0_2
    acc[15] = acc[15] + t0_3
    acc[16] = acc[16] + t0_4
    acc[17] = acc[17] + t0_5
    acc[18] = acc[18] + t0_6
    acc[19] = acc[19] + t0_7
    acc[20] = acc[20] + t0_8
    acc[21] = acc[21] + t0_9
    acc[22] = acc[22] + t0_10
    acc[23] = acc[23] + t0_11


@jit(**_OPTS)
def step_rows_11(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    w11 = a[11]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(11)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8
        d1 = u1 * w1 + u5 * w5 + u9 * w9
        d2 = u2 * w2 + u6 * w6 + u10 * w10
        d3 = u3 * w3 + u7 * w7 + x * w11
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(11)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(22) + j]
                + u4 * Af[uint64(44) + j]
                + u6 * Af[uint64(66) + j]
                + u8 * Af[uint64(88) + j]
                + u10 * Af[uint64(110) + j]
            )
            o = (
                u1 * Af[uint64(11) + j]
                + u3 * Af[uint64(33) + j]
                + u5 * Af[uint64(55) + j]
                + u7 * Af[uint64(77) + j]
                + u9 * Af[uint64(99) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_rows_inplace_11(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    w11 = a[11]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(11)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8
        d1 = u1 * w1 + u5 * w5 + u9 * w9
        d2 = u2 * w2 + u6 * w6 + u10 * w10
        d3 = u3 * w3 + u7 * w7 + x * w11
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(11)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(22) + j]
                + u4 * Af[uint64(44) + j]
                + u6 * Af[uint64(66) + j]
                + u8 * Af[uint64(88) + j]
                + u10 * Af[uint64(110) + j]
            )
            o = (
                u1 * Af[uint64(11) + j]
                + u3 * Af[uint64(33) + j]
                + u5 * Af[uint64(55) + j]
                + u7 * Af[uint64(77) + j]
                + u9 * Af[uint64(99) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_project_rows_13(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    t0_8 = 0.0
    t0_9 = 0.0
    t0_10 = 0.0
    t0_11 = 0.0
    t0_12 = 0.0
    t0_13 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    s0_13 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(13)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += Uf[k0 + uint64(7)] * y0
        t0_8 += Uf[k0 + uint64(8)] * y0
        t0_9 += Uf[k0 + uint64(9)] * y0
        t0_10 += Uf[k0 + uint64(10)] * y0
        t0_11 += Uf[k0 + uint64(11)] * y0
        t0_12 += Uf[k0 + uint64(12)] * y0
        t0_13 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += Uf[k0 + uint64(12)] * x0
        s0_13 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12
    acc[13] = acc[13] + s0_13
    acc[14] = acc[14] + t0_0
    acc[15] = acc[15] + t0_1
    acc[16] = acc[16] + t0_2
    acc[17] = acc[17] + t0_3
    acc[18] = acc[18] + t0_4
    acc[19] = acc[19] + t0_5
    acc[20] = acc[20] + t0_6
    acc[21] = acc[21] + t0_7
    acc[22] = acc[22] + t0_8
    acc[23] = acc[23] + t0_9
    acc[24] = acc[24] + t0_10
    acc[25] = acc[25] + t0_11
    acc[26] = acc[26] + t0_12
    acc[27] = acc[27] + t0_13


@jit(**_OPTS)
def step_rows_13(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    w11 = a[11]
    w12 = a[12]
    w13 = a[13]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(13)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8 + u12 * w12
        d1 = u1 * w1 + u5 * w5 + u9 * w9 + x * w13
        d2 = u2 * w2 + u6 * w6 + u10 * w10
        d3 = u3 * w3 + u7 * w7 + u11 * w11
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(13)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(26) + j]
                + u4 * Af[uint64(52) + j]
                + u6 * Af[uint64(78) + j]
                + u8 * Af[uint64(104) + j]
                + u10 * Af[uint64(130) + j]
                + u12 * Af[uint64(156) + j]
            )
            o = (
                u1 * Af[uint64(13) + j]
                + u3 * Af[uint64(39) + j]
                + u5 * Af[uint64(65) + j]
                + u7 * Af[uint64(91) + j]
                + u9 * Af[uint64(117) + j]
                + u11 * Af[uint64(143) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_rows_inplace_13(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    w11 = a[11]
    w12 = a[12]
    w13 = a[13]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(13)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8 + u12 * w12
        d1 = u1 * w1 + u5 * w5 + u9 * w9 + x * w13
        d2 = u2 * w2 + u6 * w6 + u10 * w10
        d3 = u3 * w3 + u7 * w7 + u11 * w11
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(13)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(26) + j]
                + u4 * Af[uint64(52) + j]
                + u6 * Af[uint64(78) + j]
                + u8 * Af[uint64(104) + j]
                + u10 * Af[uint64(130) + j]
                + u12 * Af[uint64(156) + j]
            )
            o = (
                u1 * Af[uint64(13) + j]
                + u3 * Af[uint64(39) + j]
                + u5 * Af[uint64(65) + j]
                + u7 * Af[uint64(91) + j]
                + u9 * Af[uint64(117) + j]
                + u11 * Af[uint64(143) + j]
                + x * Bf[j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_project_rows_16(U, x, m, g, b1, a1, lo, hi, acc):  # pragma: no cover
    Uf = U.ravel()
    xf = x.ravel()
    mf = m.ravel()
    gf = g.ravel()
    t0_0 = 0.0
    t0_1 = 0.0
    t0_2 = 0.0
    t0_3 = 0.0
    t0_4 = 0.0
    t0_5 = 0.0
    t0_6 = 0.0
    t0_7 = 0.0
    t0_8 = 0.0
    t0_9 = 0.0
    t0_10 = 0.0
    t0_11 = 0.0
    t0_12 = 0.0
    t0_13 = 0.0
    t0_14 = 0.0
    t0_15 = 0.0
    t0_16 = 0.0
    s0_0 = 0.0
    s0_1 = 0.0
    s0_2 = 0.0
    s0_3 = 0.0
    s0_4 = 0.0
    s0_5 = 0.0
    s0_6 = 0.0
    s0_7 = 0.0
    s0_8 = 0.0
    s0_9 = 0.0
    s0_10 = 0.0
    s0_11 = 0.0
    s0_12 = 0.0
    s0_13 = 0.0
    s0_14 = 0.0
    s0_15 = 0.0
    s0_16 = 0.0
    i = uint64(lo)
    h = uint64(hi)
    while i + uint64(1) <= h:
        k0 = i * uint64(16)
        x0 = np.float64(xf[i])
        y0 = np.float64(ema_element(b1, mf[i], a1, gf[i]))
        t0_0 += Uf[k0 + uint64(0)] * y0
        t0_1 += Uf[k0 + uint64(1)] * y0
        t0_2 += Uf[k0 + uint64(2)] * y0
        t0_3 += Uf[k0 + uint64(3)] * y0
        t0_4 += Uf[k0 + uint64(4)] * y0
        t0_5 += Uf[k0 + uint64(5)] * y0
        t0_6 += Uf[k0 + uint64(6)] * y0
        t0_7 += Uf[k0 + uint64(7)] * y0
        t0_8 += Uf[k0 + uint64(8)] * y0
        t0_9 += Uf[k0 + uint64(9)] * y0
        t0_10 += Uf[k0 + uint64(10)] * y0
        t0_11 += Uf[k0 + uint64(11)] * y0
        t0_12 += Uf[k0 + uint64(12)] * y0
        t0_13 += Uf[k0 + uint64(13)] * y0
        t0_14 += Uf[k0 + uint64(14)] * y0
        t0_15 += Uf[k0 + uint64(15)] * y0
        t0_16 += x0 * y0
        s0_0 += Uf[k0 + uint64(0)] * x0
        s0_1 += Uf[k0 + uint64(1)] * x0
        s0_2 += Uf[k0 + uint64(2)] * x0
        s0_3 += Uf[k0 + uint64(3)] * x0
        s0_4 += Uf[k0 + uint64(4)] * x0
        s0_5 += Uf[k0 + uint64(5)] * x0
        s0_6 += Uf[k0 + uint64(6)] * x0
        s0_7 += Uf[k0 + uint64(7)] * x0
        s0_8 += Uf[k0 + uint64(8)] * x0
        s0_9 += Uf[k0 + uint64(9)] * x0
        s0_10 += Uf[k0 + uint64(10)] * x0
        s0_11 += Uf[k0 + uint64(11)] * x0
        s0_12 += Uf[k0 + uint64(12)] * x0
        s0_13 += Uf[k0 + uint64(13)] * x0
        s0_14 += Uf[k0 + uint64(14)] * x0
        s0_15 += Uf[k0 + uint64(15)] * x0
        s0_16 += x0 * x0
        i += uint64(1)
    acc[0] = acc[0] + s0_0
    acc[1] = acc[1] + s0_1
    acc[2] = acc[2] + s0_2
    acc[3] = acc[3] + s0_3
    acc[4] = acc[4] + s0_4
    acc[5] = acc[5] + s0_5
    acc[6] = acc[6] + s0_6
    acc[7] = acc[7] + s0_7
    acc[8] = acc[8] + s0_8
    acc[9] = acc[9] + s0_9
    acc[10] = acc[10] + s0_10
    acc[11] = acc[11] + s0_11
    acc[12] = acc[12] + s0_12
    acc[13] = acc[13] + s0_13
    acc[14] = acc[14] + s0_14
    acc[15] = acc[15] + s0_15
    acc[16] = acc[16] + s0_16
    acc[17] = acc[17] + t0_0
    acc[18] = acc[18] + t0_1
    acc[19] = acc[19] + t0_2
    acc[20] = acc[20] + t0_3
    acc[21] = acc[21] + t0_4
    acc[22] = acc[22] + t0_5
    acc[23] = acc[23] + t0_6
    acc[24] = acc[24] + t0_7
    acc[25] = acc[25] + t0_8
    acc[26] = acc[26] + t0_9
    acc[27] = acc[27] + t0_10
    acc[28] = acc[28] + t0_11
    acc[29] = acc[29] + t0_12
    acc[30] = acc[30] + t0_13
    acc[31] = acc[31] + t0_14
    acc[32] = acc[32] + t0_15
    acc[33] = acc[33] + t0_16


@jit(**_OPTS)
def step_rows_16(U, A, q, B, out, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = out.ravel()
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    w11 = a[11]
    w12 = a[12]
    w13 = a[13]
    w14 = a[14]
    w15 = a[15]
    w16 = a[16]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(16)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        u13 = Uf[k + uint64(13)]
        u14 = Uf[k + uint64(14)]
        u15 = Uf[k + uint64(15)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8 + u12 * w12 + x * w16
        d1 = u1 * w1 + u5 * w5 + u9 * w9 + u13 * w13
        d2 = u2 * w2 + u6 * w6 + u10 * w10 + u14 * w14
        d3 = u3 * w3 + u7 * w7 + u11 * w11 + u15 * w15
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(16)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(32) + j]
                + u4 * Af[uint64(64) + j]
                + u6 * Af[uint64(96) + j]
                + u8 * Af[uint64(128) + j]
                + u10 * Af[uint64(160) + j]
                + u12 * Af[uint64(192) + j]
                + u14 * Af[uint64(224) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(16) + j]
                + u3 * Af[uint64(48) + j]
                + u5 * Af[uint64(80) + j]
                + u7 * Af[uint64(112) + j]
                + u9 * Af[uint64(144) + j]
                + u11 * Af[uint64(176) + j]
                + u13 * Af[uint64(208) + j]
                + u15 * Af[uint64(240) + j]
            )
            Of[k + j] = e + o


@jit(**_OPTS)
def step_rows_inplace_16(U, A, q, B, a, m, mo, g, t, to, p, lo, hi):  # pragma: no cover
    Uf = U.ravel()
    Of = Uf
    qf = q.ravel()
    w0 = a[0]
    w1 = a[1]
    w2 = a[2]
    w3 = a[3]
    w4 = a[4]
    w5 = a[5]
    w6 = a[6]
    w7 = a[7]
    w8 = a[8]
    w9 = a[9]
    w10 = a[10]
    w11 = a[11]
    w12 = a[12]
    w13 = a[13]
    w14 = a[14]
    w15 = a[15]
    w16 = a[16]
    Af = A.ravel()
    Bf = B.ravel()
    for i in range(uint64(lo), uint64(hi)):
        k = i * uint64(16)
        u0 = Uf[k + uint64(0)]
        u1 = Uf[k + uint64(1)]
        u2 = Uf[k + uint64(2)]
        u3 = Uf[k + uint64(3)]
        u4 = Uf[k + uint64(4)]
        u5 = Uf[k + uint64(5)]
        u6 = Uf[k + uint64(6)]
        u7 = Uf[k + uint64(7)]
        u8 = Uf[k + uint64(8)]
        u9 = Uf[k + uint64(9)]
        u10 = Uf[k + uint64(10)]
        u11 = Uf[k + uint64(11)]
        u12 = Uf[k + uint64(12)]
        u13 = Uf[k + uint64(13)]
        u14 = Uf[k + uint64(14)]
        u15 = Uf[k + uint64(15)]
        x = qf[i]
        d0 = u0 * w0 + u4 * w4 + u8 * w8 + u12 * w12 + x * w16
        d1 = u1 * w1 + u5 * w5 + u9 * w9 + u13 * w13
        d2 = u2 * w2 + u6 * w6 + u10 * w10 + u14 * w14
        d3 = u3 * w3 + u7 * w7 + u11 * w11 + u15 * w15
        finish_element(i, m, mo, g, t, to, d0 + d1 + d2 + d3, p)
        for j in range(uint64(16)):
            e = (
                u0 * Af[uint64(0) + j]
                + u2 * Af[uint64(32) + j]
                + u4 * Af[uint64(64) + j]
                + u6 * Af[uint64(96) + j]
                + u8 * Af[uint64(128) + j]
                + u10 * Af[uint64(160) + j]
                + u12 * Af[uint64(192) + j]
                + u14 * Af[uint64(224) + j]
                + x * Bf[j]
            )
            o = (
                u1 * Af[uint64(16) + j]
                + u3 * Af[uint64(48) + j]
                + u5 * Af[uint64(80) + j]
                + u7 * Af[uint64(112) + j]
                + u9 * Af[uint64(144) + j]
                + u11 * Af[uint64(176) + j]
                + u13 * Af[uint64(208) + j]
                + u15 * Af[uint64(240) + j]
            )
            Of[k + j] = e + o


#: ``tau`` -> (rows, rows_inplace) for that ``tau``.
KERNELS = {
    1: (rows_1, rows_inplace_1),
    2: (rows_2, rows_inplace_2),
    3: (rows_3, rows_inplace_3),
    4: (rows_4, rows_inplace_4),
    5: (rows_5, rows_inplace_5),
    6: (rows_6, rows_inplace_6),
    7: (rows_7, rows_inplace_7),
    8: (rows_8, rows_inplace_8),
    9: (rows_9, rows_inplace_9),
    10: (rows_10, rows_inplace_10),
    11: (rows_11, rows_inplace_11),
    13: (rows_13, rows_inplace_13),
    16: (rows_16, rows_inplace_16),
}

#: ``tau`` -> project_rows for that ``tau``.
PROJECT_KERNELS = {
    1: project_rows_1,
    2: project_rows_2,
    3: project_rows_3,
    4: project_rows_4,
    5: project_rows_5,
    6: project_rows_6,
    7: project_rows_7,
    8: project_rows_8,
    9: project_rows_9,
    10: project_rows_10,
    11: project_rows_11,
    12: project_rows_12,
    13: project_rows_13,
    14: project_rows_14,
    15: project_rows_15,
    16: project_rows_16,
}

#: ``tau`` -> (step_project_rows, step_rows, step_rows_inplace) for that ``tau``.
STEP_KERNELS = {
    1: (step_project_rows_1, step_rows_1, step_rows_inplace_1),
    2: (step_project_rows_2, step_rows_2, step_rows_inplace_2),
    3: (step_project_rows_3, step_rows_3, step_rows_inplace_3),
    4: (step_project_rows_4, step_rows_4, step_rows_inplace_4),
    5: (step_project_rows_5, step_rows_5, step_rows_inplace_5),
    6: (step_project_rows_6, step_rows_6, step_rows_inplace_6),
    7: (step_project_rows_7, step_rows_7, step_rows_inplace_7),
    8: (step_project_rows_8, step_rows_8, step_rows_inplace_8),
    9: (step_project_rows_9, step_rows_9, step_rows_inplace_9),
    10: (step_project_rows_10, step_rows_10, step_rows_inplace_10),
    11: (step_project_rows_11, step_rows_11, step_rows_inplace_11),
    13: (step_project_rows_13, step_rows_13, step_rows_inplace_13),
    16: (step_project_rows_16, step_rows_16, step_rows_inplace_16),
}
