"""Unrolled rotations for a rank-one factor and ``tau <= 8``: GENERATED CODE.

Written by ``python -m pyginger._codegen`` (see there for why); do not edit by hand.
``rows_T(U, A, q, B, out, lo, hi)`` writes rows ``lo:hi`` of ``U @ A + q @ B`` into ``out`` for
``U`` of shape ``(d, T)``, ``A`` ``(T, T)``, ``q`` ``(d, 1)`` and ``B`` ``(1, T)``;
``rows_inplace_T(U, A, q, B, lo, hi)`` writes them into ``U`` itself; ``rotate_T`` and
``rotate_inplace_T`` run the same over ``nblocks`` row blocks in parallel. Each row is read into
scalars before its outputs are written, so in place is safe; the sum runs over ``U``'s columns in
order, then ``q``, as in the loop kernels of :mod:`pyginger._kernels`.
"""

from numba import njit, prange, uint64

_OPTS = {"cache": True, "nogil": True, "fastmath": {"contract"}, "error_model": "numpy"}


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_1(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_1(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_1(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_1(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_2(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_2(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_2(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_2(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_3(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_3(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_3(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_3(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_4(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_4(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_4(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_4(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_5(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_5(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_5(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_5(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_6(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_6(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_6(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_6(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_7(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_7(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_7(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_7(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


@njit(**_OPTS)
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


@njit(**_OPTS)
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


@njit(parallel=True, **_OPTS)
def rotate_8(U, A, q, B, out, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_8(U, A, q, B, out, min(d, b * size), min(d, (b + 1) * size))


@njit(parallel=True, **_OPTS)
def rotate_inplace_8(U, A, q, B, nblocks):  # pragma: no cover - compiled
    d = U.shape[0]
    size = (d + nblocks - 1) // nblocks
    for b in prange(nblocks):
        rows_inplace_8(U, A, q, B, min(d, b * size), min(d, (b + 1) * size))


#: ``tau`` -> (rows, rows_inplace, rotate, rotate_inplace) for that ``tau``.
KERNELS = {
    1: (rows_1, rows_inplace_1, rotate_1, rotate_inplace_1),
    2: (rows_2, rows_inplace_2, rotate_2, rotate_inplace_2),
    3: (rows_3, rows_inplace_3, rotate_3, rotate_inplace_3),
    4: (rows_4, rows_inplace_4, rotate_4, rotate_inplace_4),
    5: (rows_5, rows_inplace_5, rotate_5, rotate_inplace_5),
    6: (rows_6, rows_inplace_6, rotate_6, rotate_inplace_6),
    7: (rows_7, rows_inplace_7, rotate_7, rotate_inplace_7),
    8: (rows_8, rows_inplace_8, rotate_8, rotate_inplace_8),
}
