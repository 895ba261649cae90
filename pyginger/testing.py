"""Helpers shared by the tests and the notebooks: compare operators and states with dense truth.

Tolerances are the caller's: pass ones that follow from the problem's conditioning and
``numpy.finfo(dtype).eps``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.testing import assert_allclose
from numpy.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from pyginger import _backend

if TYPE_CHECKING:
    from pyginger.core import GingerState

__all__ = ["compare_operator", "assert_state_invariants", "subspace_distance"]


def compare_operator(
    op: LinearOperator,
    dense: ArrayLike,
    *,
    rtol: float,
    atol: float = 0.0,
    rng: np.random.Generator | int | None = 0,
    num_vectors: int = 3,
) -> None:
    """Check that ``op`` acts like the dense matrix ``dense`` in every way SciPy uses it.

    Checks ``matvec``, ``matmat``, ``rmatvec``, ``adjoint``, ``@``, and the round trip through
    :func:`scipy.sparse.linalg.aslinearoperator`, on seeded Gaussian vectors.

    Parameters
    ----------
    op : scipy.sparse.linalg.LinearOperator
    dense : (n, n) array_like
    rtol, atol : float
        Passed to :func:`numpy.testing.assert_allclose`.
    rng : int or numpy.random.Generator, optional
    num_vectors : int, optional

    Raises
    ------
    AssertionError
        If any product differs from the dense one beyond the tolerances.
    TypeError
        If ``op`` is not a LinearOperator.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.sparse.linalg import aslinearoperator
    >>> from pyginger.testing import compare_operator
    >>> A = np.diag([1.0, 2.0, 3.0])
    >>> compare_operator(aslinearoperator(A), A, rtol=1e-15)
    """
    if not isinstance(op, LinearOperator):
        raise TypeError(f"compare_operator: op must be a LinearOperator, got {type(op).__name__}")
    dense = np.asarray(dense)
    rng = np.random.default_rng(rng)
    n = dense.shape[1]
    X = rng.standard_normal((n, num_vectors)).astype(op.dtype)
    x = X[:, 0]
    assert op.shape == dense.shape
    assert_allclose(op.matvec(x), dense @ x, rtol=rtol, atol=atol, err_msg="matvec")
    assert_allclose(op @ x, dense @ x, rtol=rtol, atol=atol, err_msg="@ vector")
    assert_allclose(op.matmat(X), dense @ X, rtol=rtol, atol=atol, err_msg="matmat")
    assert_allclose(op @ X, dense @ X, rtol=rtol, atol=atol, err_msg="@ matrix")
    assert_allclose(op.rmatvec(x), dense.T @ x, rtol=rtol, atol=atol, err_msg="rmatvec")
    assert_allclose(op.H @ X, dense.T @ X, rtol=rtol, atol=atol, err_msg="adjoint")
    wrapped = aslinearoperator(op)
    assert_allclose(wrapped @ X, dense @ X, rtol=rtol, atol=atol, err_msg="aslinearoperator")


def assert_state_invariants(state: GingerState, *, atol: float) -> None:
    """Assert the invariants of a Ginger state: orthonormal ``U``, ``sigma >= 0`` sorted descending.

    Parameters
    ----------
    state : GingerState
    atol : float
        Allowed ``max |U^T U - I|`` (e.g. a small multiple of ``sqrt(tau) * eps``).

    Raises
    ------
    AssertionError
        If an invariant fails.

    Examples
    --------
    >>> import pyginger
    >>> from pyginger.testing import assert_state_invariants
    >>> assert_state_invariants(pyginger.init(5, 3), atol=0.0)
    """
    U = _backend.to_host(state.U)
    sigma = _backend.to_host(state.sigma)
    assert U.shape == (state.dim, sigma.shape[0])
    assert np.all(np.isfinite(U)) and np.all(np.isfinite(sigma)), "non-finite entries"
    gram_err = np.max(np.abs(U.T @ U - np.eye(U.shape[1])))
    assert gram_err <= atol, f"U^T U differs from I by {gram_err:.3e} > {atol:.3e}"
    assert np.all(sigma >= 0), f"negative eigenvalue {sigma.min()}"
    assert np.all(np.diff(sigma) <= 0), "sigma is not sorted in descending order"


def subspace_distance(U1: ArrayLike, U2: ArrayLike) -> float:
    """Return ``||U1 U1^T - U2 U2^T||_2``: the sine of the largest principal angle.

    Compares subspaces without caring about eigenvector signs or rotations inside them.

    Parameters
    ----------
    U1, U2 : (d, r) array_like
        Matrices with orthonormal columns.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.testing import subspace_distance
    >>> subspace_distance(np.eye(3)[:, :1], -np.eye(3)[:, :1])
    0.0
    """
    U1 = np.asarray(U1, dtype=np.float64)
    U2 = np.asarray(U2, dtype=np.float64)
    return float(np.linalg.norm(U1 @ U1.T - U2 @ U2.T, 2))
