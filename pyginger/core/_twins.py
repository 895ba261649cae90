"""Pure array-API twins of :mod:`pyginger.core._kernels`: same names, same signatures.

They are the test oracle for the kernels, the path for arrays that are not NumPy's (CuPy,
``array_api_strict``, ...), the fallback without Numba, and the version to read first: each is one
line of linear algebra. They use only operators of the array API standard (``@``, ``.T``, ``*``,
``+``), so they run on any conforming library. The small matrices (``M``, ``A``, ``B``) must be
arrays of the same library and dtype as ``U`` here; the driver converts them.
"""

from __future__ import annotations

import numpy as np

# OpenBLAS's matrix-vector kernels can raise the "invalid" floating-point flag on finite input
# (numpy/numpy#24067, OpenBLAS#1924), which NumPy reports as "invalid value encountered in
# matmul": it failed one float32 twin test in one of three fresh CI runs. Finite input gives
# finite products (an overflow still warns), and the core checks its operands and first
# products for NaN and inf itself, so the flag carries no information here. (No effect on other
# array libraries.) A fresh errstate each time: one instance cannot be entered twice at once.


def quiet_blas():
    """Context that ignores the floating-point "invalid" flag around BLAS products."""
    return np.errstate(invalid="ignore")


@np.errstate(invalid="ignore")  # the spurious flag (above); decorating is reentrant
def project(U, X):
    """Return ``C = U.T @ X`` (one pass over ``U``)."""
    return U.T @ X


@np.errstate(invalid="ignore")  # the spurious flag (above); decorating is reentrant
def project_gram(U, X):
    """Return ``(U.T @ X, X.T @ X)``: the projection and the Gram matrix of ``X``."""
    return U.T @ X, X.T @ X


@np.errstate(invalid="ignore")  # the spurious flag (above); decorating is reentrant
def axpy_lowrank(alpha, X, U, M):
    """Return ``alpha * X + U @ M``."""
    return alpha * X + U @ M


@np.errstate(invalid="ignore")  # the spurious flag (above); decorating is reentrant
def rotate(U, A, Q, B):
    """Return ``U @ A + Q @ B``: the rotation ``[U Q] V`` with ``V`` split into ``A`` over ``B``."""
    return U @ A + Q @ B


@np.errstate(invalid="ignore")  # the spurious flag (above); decorating is reentrant
def rotate_into(U, A, Q, B, out):
    """Write ``U @ A + Q @ B`` into ``out`` (which may be ``U`` itself) and return ``out``.

    ``U @ A`` is evaluated in full before it is written, so ``out`` may alias ``U``; the library
    allocates that temporary, then one for ``Q @ B`` after the first is freed, so the peak is one
    extra ``U`` (only the Numba twin works row by row without one). The sum is rounded as in
    :func:`rotate`.
    """
    out[...] = U @ A
    out += Q @ B
    return out
