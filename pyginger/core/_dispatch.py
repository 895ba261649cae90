"""Kernel selection for the core, and the small helpers its modules share.

The ``O(d tau)`` passes run through one of two kernel sets with the same methods:
:class:`NumbaKernels` (the compiled kernels of :mod:`pyginger.core._kernels`, NumPy arrays only)
and :class:`ReferenceKernels` (the array-API twins of :mod:`pyginger.core._twins`, any library).
The public functions check their ``backend`` argument once and call :func:`kernels_for`; the
private code below them receives the kernel set and trusts it.

Numba is optional: :mod:`pyginger._backend` imports it if it can, and only then is
:mod:`pyginger.core._kernels` (which needs it) imported. Without Numba, ``_kernels`` is ``None``,
``backend=None`` means the twins, and ``backend="numba"`` is refused.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack as _lapack

from pyginger import _backend
from pyginger._validation import core as _checks
from pyginger.core import _tall_qr, _twins

if _backend.numba is not None:
    from pyginger.core import _kernels
else:  # without Numba (tests/test_kernels.py runs this in a subprocess)
    _kernels = None

__all__ = [
    "NumbaKernels",
    "ReferenceKernels",
    "kernels_for",
    "as_matrix",
    "contiguous",
    "quiet_products",
    "column_norms",
    "tall_qr",
    "eps_of",
    "top_eigh",
    "rotate",
]


class NumbaKernels:
    """Numba kernels: small matrices are float64 NumPy on both sides, no conversion."""

    @staticmethod
    def small_in(a, like):  # small float64 host matrix -> kernel argument
        return np.ascontiguousarray(a, dtype=np.float64)

    @staticmethod
    def small_out(c):  # kernel result -> float64 host matrix
        return c

    project = staticmethod(lambda U, X: _kernels.project(U, X))
    project_gram = staticmethod(lambda U, X: _kernels.project_gram(U, X))
    axpy_lowrank = staticmethod(lambda a, X, U, M: _kernels.axpy_lowrank(a, X, U, M))
    rotate = staticmethod(lambda U, A, Q, B: _kernels.rotate(U, A, Q, B))
    rotate_into = staticmethod(lambda U, A, Q, B, out: _kernels.rotate_into(U, A, Q, B, out))


class ReferenceKernels:
    """Pure array-API twins: small matrices travel to and from the library and dtype of ``U``."""

    small_in = staticmethod(_backend.from_host)
    small_out = staticmethod(_backend.to_host)
    project = staticmethod(_twins.project)
    project_gram = staticmethod(_twins.project_gram)
    axpy_lowrank = staticmethod(_twins.axpy_lowrank)
    rotate = staticmethod(_twins.rotate)
    rotate_into = staticmethod(_twins.rotate_into)


def kernels_for(func, backend, xp):
    """Check ``backend`` for arrays of ``xp`` (at the door of ``func``) and return its kernels."""
    backend = _checks.check_backend(func, backend, xp, _kernels is not None)
    return NumbaKernels if backend == "numba" else ReferenceKernels


def as_matrix(x, xp):
    """View a ``(d,)`` operand as ``(d, 1)``; return it with a flag to undo the view."""
    if x.ndim == 1:
        return xp.reshape(x, (x.shape[0], 1)), True
    return x, False


def contiguous(x, xp):
    """Return ``x`` C-contiguous if it is a NumPy array (the kernels' layout), else as it is."""
    return np.ascontiguousarray(x) if xp is np else x


def quiet_products():
    """Silence NumPy's warnings for the first products of an operand, which are checked next.

    A NaN or inf in the operand is reported by :func:`_validation.require_finite_product` as a
    ``ValueError``; NumPy's "invalid value encountered in matmul" before it would only be noise.
    """
    return np.errstate(invalid="ignore", over="ignore")


def column_norms(X, xp) -> np.ndarray:
    """Return the Euclidean norms of the columns of ``X`` as a float64 host array."""
    if xp is np and X.shape[1] > 1:
        # Summing X * X down the columns walks C-ordered rows one at a time (no pairwise sum
        # then) through a (d, k) temporary; einsum sums as accurately without it, 3.5x faster
        # at d = 1e6, k = 16. A single column keeps NumPy's pairwise sum, which is contiguous.
        return np.sqrt(np.einsum("ij,ij->j", X, X)).astype(np.float64, copy=False)
    return _backend.to_host(xp.sqrt(xp.sum(X * X, axis=0)))


def tall_qr(P, xp, kern=None):
    """Return the reduced QR ``(Q, R)`` of the ``(d, k)`` ``P``; NumPy's by row tiles (TSQR).

    With the compiled kernels (``kern``) the tiles run on their threads, else on this one.
    """
    if xp is not np:
        return xp.linalg.qr(P)
    if kern is NumbaKernels:
        return _tall_qr.tall_qr(P, _kernels._run, _kernels._blocks(P))
    return _tall_qr.tall_qr(P)


_EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}


def eps_of(dtype) -> float:
    """Return the machine epsilon of a float32/float64 dtype of any library."""
    name = getattr(dtype, "name", None) or str(dtype).split(".")[-1]
    return _EPS.get(name, _EPS["float64"])


def top_eigh(K, tau, *, rest=False):
    """Eigenpairs of the symmetric ``K`` with the ``tau`` largest eigenvalues, descending.

    With ``rest``, also the other ``n - tau`` eigenvalues (those a truncation drops), ascending.
    """
    # LAPACK called directly: NumPy's and SciPy's eigh add argument handling that matters at
    # small d, and NumPy's bundled OpenBLAS threads its syevd badly on a busy machine. Divide
    # and conquer (syevd) is the faster driver below ~32, MRRR (syevr) above (docs/performance.md).
    n = K.shape[0]
    if n <= 32:
        lam, V, info = _lapack.dsyevd(K, compute_v=1, lower=1)
    else:
        lam, V, _, _, info = _lapack.dsyevr(K, compute_v=1, lower=1)
    if info != 0:  # pragma: no cover - LAPACK failure: let NumPy raise LinAlgError
        lam, V = np.linalg.eigh(K)
    order = np.arange(n - 1, n - 1 - tau, -1)  # ascending -> the tau largest, descending
    if rest:
        return lam[order], V[:, order], lam[: n - tau]
    return lam[order], V[:, order]


def rotate(kern, U, A, Q, B, out):
    """Return ``U @ A + Q @ B`` (float64 host ``A``, ``B``), written into ``out`` when given."""
    A = kern.small_in(A, U)
    B = kern.small_in(B, U)
    if out is None:
        return kern.rotate(U, A, Q, B)
    return kern.rotate_into(U, A, Q, B, out)
