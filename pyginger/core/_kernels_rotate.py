"""Numba row kernels of the rotation ``out = U @ A + Q @ B``, for :func:`_kernels.rotate_into`.

Each kernel writes the output rows ``lo:hi`` and takes arrays and integers only. ``U`` is
``(d, tau)``, ``Q`` is ``(d, r)``, ``A`` is ``(tau, tau)`` and ``B`` is ``(r, tau)``, both
float64. Every output row depends only on the same row of ``U`` and ``Q``, and the kernels copy
that row into a small buffer before writing it, so ``out`` may be ``U`` itself.

Two layouts, chosen by :func:`pyginger.core._kernels.rotate_into` from ``tau``:
:func:`rotate_rows_narrow` (small ``tau``: two rows and four output columns at a time, all in
registers) and :func:`rotate_rows_wide` (larger ``tau``: four rows share each load of
``[A; B]``, vectorised over the output columns). Why these layouts: ``docs/performance.md``.
The sums run over ``U``'s columns in order, then ``Q``'s, as in
:func:`pyginger.core._twins.rotate`.
"""

from __future__ import annotations

import numpy as np
from numba import uint64

from pyginger._backend import jit

__all__ = ["OPTIONS", "rotate_rows_narrow", "rotate_rows_wide"]

#: Options of every loop kernel: release the GIL (the row blocks run on threads), fused
#: multiply-add but no reassociation (the sums run in the order written), NumPy's error model.
#: Compiled on first call for the argument types of that call, cached on disk (_backend.jit).
OPTIONS = {"nogil": True, "fastmath": {"contract"}, "error_model": "numpy"}


@jit(**OPTIONS)
def _load_row(Uf, Qf, i, tau, r, u):  # pragma: no cover - compiled
    """Copy row ``i`` of ``[U, Q]`` (flat views) into the buffer ``u``."""
    b = i * tau
    for m in range(tau):
        u[m] = Uf[b + m]
    for m in range(r):
        u[tau + m] = Qf[i * r + m]


@jit(**OPTIONS)
def _rotate_one_row(U, A, Q, B, out, i, u):  # pragma: no cover - compiled
    """Row ``i`` of ``U @ A + Q @ B`` (through the buffer ``u``, so ``out`` may be ``U``)."""
    tau = uint64(U.shape[1])
    r = uint64(Q.shape[1])
    Af = A.ravel()
    Bf = B.ravel()
    Of = out.ravel()
    b0 = uint64(i) * tau
    _load_row(U.ravel(), Q.ravel(), uint64(i), tau, r, u)
    for j in range(tau):
        c0 = 0.0
        for m in range(tau):
            c0 += u[m] * Af[m * tau + j]
        for m in range(r):
            c0 += u[tau + m] * Bf[m * tau + j]
        Of[b0 + j] = c0


@jit(**OPTIONS)
def _pair_by_fours(u, v, Af, Bf, Of, b0, b1, tau, r):  # pragma: no cover - compiled
    """Write two output rows (buffers ``u``, ``v``) four columns at a time; return the next one."""
    one, two, three, four = uint64(1), uint64(2), uint64(3), uint64(4)
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
    return j


@jit(**OPTIONS)
def _pair_rest(u, v, Af, Bf, Of, b0, b1, j, tau, r):  # pragma: no cover - compiled
    """Write the columns ``j:tau`` of two output rows (buffers ``u``, ``v``), one at a time."""
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
        j += uint64(1)


@jit(**OPTIONS)
def rotate_rows_narrow(U, A, Q, B, out, lo, hi):  # pragma: no cover - compiled
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
    one, two = uint64(1), uint64(2)
    i = uint64(lo)
    h = uint64(hi)
    while i + two <= h:
        b0 = i * tau
        b1 = b0 + tau
        _load_row(Uf, Qf, i, tau, r, u)
        _load_row(Uf, Qf, i + one, tau, r, v)
        j = _pair_by_fours(u, v, Af, Bf, Of, b0, b1, tau, r)
        _pair_rest(u, v, Af, Bf, Of, b0, b1, j, tau, r)
        i += two
    if i < h:
        _rotate_one_row(U, A, Q, B, out, i, u)


@jit(**OPTIONS)
def _stack(A, B):  # pragma: no cover - compiled
    """Return ``[A; B]`` as one flat row-major float64 array."""
    n = A.shape[1]
    Af = A.ravel()
    Bf = B.ravel()
    V = np.empty((n + B.shape[0]) * n)
    for m in range(uint64(n) * uint64(n)):
        V[m] = Af[m]
    for m in range(uint64(B.shape[0]) * uint64(n)):
        V[uint64(n) * uint64(n) + m] = Bf[m]
    return V


@jit(**OPTIONS)
def rotate_rows_wide(U, A, Q, B, out, lo, hi):  # pragma: no cover - compiled
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
    Of = out.ravel()
    n = U.shape[1]
    V = _stack(A, B)
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
