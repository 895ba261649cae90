r"""Rank-``k`` projections ``U^T X`` (and ``X^T X``) by row tiles that stay in cache, through BLAS.

One DGEMM over all ``d`` rows (``U.T @ X``) runs far below the bandwidth when ``k`` is small: a
``(tau, d) x (d, k)`` product with a long inner dimension and a tiny result is not the shape
BLAS blocks for. The loop kernel of :mod:`pyginger.core._kernels` keeps its ``(k, tau)`` sums in
memory and slows down as ``k`` grows. :func:`project_tiles` cuts the rows into tiles of about
:data:`TILE_BYTES` (``U``'s and ``X``'s rows of a tile together), so that each tile is read from
memory once and then multiplied in cache by BLAS's register-blocked kernel; the ``(tau, k)``
partial products are added in float64. float32 tiles are converted into float64 buffers first,
so the sums are float64 whatever the storage dtype (SGEMM's would not be).

Up to :data:`COMPILED_MAX_COLUMNS` columns the loop over tiles is compiled (Numba calls BLAS
itself, without the GIL): a tile's product then takes tens of microseconds, and a Python loop,
which takes the GIL back after each call, kept a second thread from running in parallel. Wider
tiles take long enough that the Python loop costs nothing.

The sums run in another order than ``U.T @ X`` over all rows (by tile, then BLAS's own order
within a tile): the same error bound, ``d eps |U|^T |X|`` to first order, as any order of a
length-``d`` sum. ``docs/performance.md`` ("Rank-k factors") has the measurements behind the
tile size and the choice of path.
"""

from __future__ import annotations

import numpy as np
from numba import uint64

from pyginger._backend import jit

__all__ = ["project_tiles", "tile_rows", "TILE_BYTES", "MIN_TILE_ROWS", "COMPILED_MAX_COLUMNS"]

#: Bytes of one tile's rows of ``U`` and ``X`` in float64: 512 KiB measured fastest of 128,
#: 256 and 512 KiB (the size of a core's L2 cache on the development machine).
TILE_BYTES = 512 << 10

#: Fewest rows of a tile, so that a wide ``X`` still gives BLAS a product worth a call.
MIN_TILE_ROWS = 256

#: Columns of ``X`` up to which the loop over tiles runs compiled (module docstring).
COMPILED_MAX_COLUMNS = 16

# Release the GIL (the row blocks run on threads); NumPy's error model. No fastmath: the sums
# are BLAS's, and the conversion to float64 rounds nothing.
_OPTS = {"nogil": True, "error_model": "numpy"}


def tile_rows(tau: int, k: int) -> int:
    """Return the rows of one tile: :data:`TILE_BYTES` of float64 rows of ``U`` and ``X``.

    Examples
    --------
    >>> tile_rows(16, 8), tile_rows(4, 1000)
    (2730, 256)
    """
    return max(MIN_TILE_ROWS, TILE_BYTES // (8 * (tau + k)))


def project_tiles(U, X, lo, hi, acc, gram=None):
    """Add rows ``lo:hi`` of ``U^T X`` to ``acc`` (and of ``X^T X`` to ``gram``), tile by tile.

    Parameters
    ----------
    U : (d, tau) ndarray, C-contiguous, float32 or float64
    X : (d, k) ndarray, C-contiguous, float32 or float64
    lo, hi : int
        The row range (a thread's block).
    acc : (tau, k) ndarray of float64
        Accumulates ``U[lo:hi].T @ X[lo:hi]``.
    gram : (k, k) ndarray of float64, optional
        Accumulates ``X[lo:hi].T @ X[lo:hi]`` when given.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> U, X = rng.standard_normal((5000, 3)), rng.standard_normal((5000, 4))
    >>> acc, gram = np.zeros((3, 4)), np.zeros((4, 4))
    >>> project_tiles(U, X, 0, 5000, acc, gram)
    >>> bool(np.allclose(acc, U.T @ X) and np.allclose(gram, X.T @ X))
    True
    """
    rows = tile_rows(U.shape[1], X.shape[1])
    if X.shape[1] > COMPILED_MAX_COLUMNS:
        _tiles_python(U, X, lo, hi, rows, acc, gram)
        return
    gram = np.zeros((0, 0)) if gram is None else gram  # empty: no Gram matrix
    with np.errstate(invalid="ignore"):  # BLAS's spurious flag (see _twins.quiet_blas)
        if U.dtype == X.dtype == np.float64:
            _tiles_float64(U, X, lo, hi, rows, acc, gram)
        else:  # float32 in either (BLAS multiplies one dtype): both widened to float64
            _tiles_widened(U, X, lo, hi, rows, acc, gram)


@jit(**_OPTS)
def _add_tile(u, x, acc, gram):  # pragma: no cover - compiled
    """``acc += u^T x`` and, unless ``gram`` is empty, ``gram += x^T x`` (float64, BLAS)."""
    acc += np.dot(u.T, x)
    if gram.shape[0] > 0:
        gram += np.dot(x.T, x)


@jit(**_OPTS)
def _tiles_float64(U, X, lo, hi, rows, acc, gram):  # pragma: no cover - compiled
    """Add the tiles of rows ``lo:hi`` of float64 ``U`` and ``X``, multiplied where they lie."""
    for start in range(lo, hi, rows):
        stop = min(hi, start + rows)
        _add_tile(U[start:stop], X[start:stop], acc, gram)


@jit(**_OPTS)
def _tiles_widened(U, X, lo, hi, rows, acc, gram):  # pragma: no cover - compiled
    """Add the tiles of rows ``lo:hi`` of ``U`` and ``X`` (float32 in one), widened to float64."""
    U64, X64 = np.empty((rows, U.shape[1])), np.empty((rows, X.shape[1]))
    for start in range(lo, hi, rows):
        n = min(hi, start + rows) - start
        _widen_rows(U, start, n, U64)
        _widen_rows(X, start, n, X64)
        _add_tile(U64[:n], X64[:n], acc, gram)


@jit(**_OPTS)
def _widen_rows(src, start, n, dst):  # pragma: no cover - compiled
    """Copy rows ``start:start + n`` of ``src`` into the first ``n`` rows of ``dst`` (float64)."""
    flat_src, flat_dst = src.ravel(), dst.ravel()
    offset = uint64(start) * uint64(src.shape[1])
    count = uint64(n) * uint64(src.shape[1])
    i = uint64(0)
    while i < count:  # unsigned flat indices: a loop LLVM vectorizes
        flat_dst[i] = flat_src[offset + i]
        i += uint64(1)


def _tiles_python(U, X, lo, hi, rows, acc, gram):
    """Add the tiles of rows ``lo:hi``, each product called from Python (wide ``X``)."""
    tau, k = U.shape[1], X.shape[1]
    part = np.empty((tau, k))
    part_gram = np.empty((k, k)) if gram is not None else None
    convert = U.dtype != np.float64
    if convert:  # float64 buffers, reused from tile to tile
        U64, X64 = np.empty((rows, tau)), np.empty((rows, k))
    with np.errstate(invalid="ignore"):  # BLAS's spurious flag (see _twins.quiet_blas)
        for start in range(lo, hi, rows):
            stop = min(hi, start + rows)
            u, x = U[start:stop], X[start:stop]
            if convert:
                u, x = U64[: stop - start], X64[: stop - start]
                np.copyto(u, U[start:stop])
                np.copyto(x, X[start:stop])
            np.matmul(u.T, x, out=part)
            acc += part
            if gram is not None:
                np.matmul(x.T, x, out=part_gram)
                gram += part_gram
