r"""Householder QR of a tall, thin ``(d, k)`` NumPy array by row tiles (TSQR).

LAPACK's QR of a ``(d, k)`` array with ``k`` below its block size (32) runs unblocked, one
Householder reflector at a time over all ``d`` rows: level-2 BLAS, each reflector a pass over the
whole array from memory. At ``d = 10^6``, ``k = 16`` that took about a second, longer than the
rest of a rank-``k`` update together.

:func:`tall_qr` factors tiles of :data:`TILE_ROWS` rows instead, each in cache (``Q_i R_i``),
then the stacked ``R_i`` (``Q_2 R``), and returns ``Q = diag(Q_i) Q_2`` and ``R``: the "tall
skinny QR" of Demmel, Grigori, Hoemmen and Langou (2012), a product of Householder QRs, with the
same backward stability (``P + E = Q R`` with ``|E| = O(eps |P|)`` and ``Q`` orthonormal to
``O(eps)``, both with a factor of the tree's depth, two here). ``R``'s diagonal may differ in
sign from LAPACK's, as any QR's may.

Each tile calls LAPACK's ``geqrf`` and ``orgqr`` through :mod:`scipy.linalg.lapack`: for a
``(4096, 16)`` tile 0.38 ms against 1.4 ms through ``numpy.linalg.qr``. float32 tiles are
factored in float64, as ``numpy.linalg.qr`` factors float32 arrays, and ``Q`` and ``R`` rounded to
float32 at the end. Arrays of fewer than two tiles' rows, without columns, or wider than
:data:`MAX_COLUMNS`, go to ``numpy.linalg.qr`` directly. A NaN anywhere in ``P`` makes all of
``Q`` NaN (LAPACK's own QR spoils only the columns from the NaN's on); the update never passes
one.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack

__all__ = ["tall_qr", "TILE_ROWS", "MAX_COLUMNS"]

#: Rows of one tile (512 KiB of float64 rows at ``k = 16``): 1024 rows measured 2.5x slower,
#: 4096 and 16384 alike.
TILE_ROWS = 4096

#: Columns above which the QR is LAPACK's over all rows (blocked there; the tiles measured 3x
#: faster at ``k = 64``, and a rank-``k`` factor is rarely wider).
MAX_COLUMNS = 512


def tall_qr(P, run=None, nblocks=1):
    """Return ``(Q, R)`` with ``P = Q R``, ``Q`` ``(d, k)`` orthonormal and ``R`` ``(k, k)``.

    Parameters
    ----------
    P : (d, k) ndarray, float32 or float64, ``d >= k``
    run : callable, optional
        ``run(nblocks, n, task)`` calls ``task(b, lo, hi)`` for ``nblocks`` contiguous blocks of
        ``range(n)`` at once (:func:`pyginger.core._kernels._run`); the tiles' QRs, which release
        the GIL, then run on that many threads. Without it they run on the calling thread.
    nblocks : int, optional

    Returns
    -------
    Q : (d, k) ndarray, C-contiguous, the dtype of ``P``
    R : (k, k) ndarray, upper triangular, the dtype of ``P``

    Examples
    --------
    >>> P = np.random.default_rng(0).standard_normal((20_000, 3))
    >>> Q, R = tall_qr(P)
    >>> bool(np.allclose(Q @ R, P) and np.allclose(Q.T @ Q, np.eye(3)))
    True
    """
    d, k = P.shape
    if d < 2 * TILE_ROWS or not 0 < k <= min(MAX_COLUMNS, TILE_ROWS):
        Q, R = np.linalg.qr(P)
        return np.ascontiguousarray(Q), R
    starts = list(range(0, d, TILE_ROWS))
    if d - starts[-1] < k:  # a last tile shorter than k rows joins the one before
        starts.pop()
    stops = starts[1:] + [d]
    tiles = [None] * len(starts)

    def factor(b, first, last):  # the tiles first..last-1
        for i in range(first, last):
            tiles[i] = _qr(P[starts[i] : stops[i]].astype(np.float64, copy=False))

    _blocks(run, nblocks, len(starts), factor)
    Q2, R = _qr(np.concatenate([r for _, r in tiles]))
    Q = np.empty(P.shape, dtype=P.dtype)

    def assemble(b, first, last):  # Q's rows of the tiles first..last-1
        for i in range(first, last):
            np.matmul(tiles[i][0], Q2[i * k : (i + 1) * k], out=Q[starts[i] : stops[i]])

    _blocks(run, nblocks, len(starts), assemble)
    return Q, R.astype(P.dtype, copy=False)


def _blocks(run, nblocks, n, task):
    """Call ``task(b, lo, hi)`` over ``range(n)``: by ``run`` in blocks, or at once here."""
    if run is None or nblocks == 1:
        task(0, 0, n)
    else:
        run(nblocks, n, task)


def _qr(A):
    """Return the reduced ``(Q, R)`` of ``A`` (``rows >= k``) from LAPACK's ``geqrf``, ``orgqr``."""
    geqrf, orgqr = lapack.get_lapack_funcs(("geqrf", "orgqr"), (A,))
    packed, reflectors, _, info = geqrf(A)
    if info != 0:  # pragma: no cover - only for invalid arguments, which the caller rules out
        raise np.linalg.LinAlgError(f"tall_qr: LAPACK geqrf failed (info = {info})")
    k = A.shape[1]
    R = np.triu(packed[:k])
    Q, _, info = orgqr(packed, reflectors)
    if info != 0:  # pragma: no cover
        raise np.linalg.LinAlgError(f"tall_qr: LAPACK orgqr failed (info = {info})")
    return Q, R
