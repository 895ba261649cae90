"""Helpers shared by the tests and the notebooks: compare operators and states with dense truth.

:func:`compare_operator` checks one operator against one dense matrix; :func:`compare_state`
checks everything a Ginger state offers (its dense forms, ``matvec``, ``solve``, both SciPy
operators, trace and log-determinant) against the exact damped matrix, through
:func:`compare_operator`. Tolerances are the caller's: pass ones that follow from the problem's
conditioning and ``numpy.finfo(dtype).eps``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.testing import assert_allclose
from numpy.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from pyginger import _backend, core

if TYPE_CHECKING:
    from pyginger.core import GingerState

__all__ = ["compare_operator", "compare_state", "assert_state_invariants", "subspace_distance"]


def _assert_products_close(got, want, X, *, rtol, atol, norm, what):
    """Assert ``|got_j - want_j| <= rtol * norm * |x_j| + atol`` column by column (2-norms)."""
    got = np.reshape(got, (got.shape[0], -1))
    want = np.reshape(want, (want.shape[0], -1))
    X = np.reshape(X, (X.shape[0], -1))
    err = np.linalg.norm(got - want, axis=0)
    bound = rtol * norm * np.linalg.norm(X, axis=0) + atol
    assert np.all(err <= bound), f"{what}: error {err.max():.3e} > bound {bound.min():.3e}"


def compare_operator(
    op: LinearOperator,
    dense: ArrayLike,
    *,
    rtol: float,
    atol: float = 0.0,
    normwise: bool = False,
    rng: np.random.Generator | int | None = 0,
    num_vectors: int = 3,
) -> None:
    r"""Check that ``op`` acts like the dense matrix ``dense`` in every way SciPy uses it.

    Checks ``matvec``, ``matmat``, ``rmatvec``, ``adjoint``, ``@``, and the round trip through
    :func:`scipy.sparse.linalg.aslinearoperator`, on seeded Gaussian vectors.

    Parameters
    ----------
    op : scipy.sparse.linalg.LinearOperator
    dense : (n, n) array_like
    rtol, atol : float
        Entry by entry, as :func:`numpy.testing.assert_allclose`; or, with ``normwise``, per
        vector.
    normwise : bool, optional
        Check each product as a whole vector,
        :math:`\|\mathrm{op}\,x - A x\|_2 \le \mathrm{rtol}\,\|A\|_2 \|x\|_2 + \mathrm{atol}`:
        the bound a backward-stable product meets with ``rtol`` a small multiple of ``eps``,
        where entries near zero would make an entry-wise ``rtol`` meaningless. Default False.
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
    >>> compare_operator(aslinearoperator(A), A, rtol=1e-15, normwise=True)
    """
    if not isinstance(op, LinearOperator):
        raise TypeError(f"compare_operator: op must be a LinearOperator, got {type(op).__name__}")
    dense = np.asarray(dense)
    rng = np.random.default_rng(rng)
    n = dense.shape[1]
    X = rng.standard_normal((n, num_vectors)).astype(op.dtype)
    x = X[:, 0]
    assert op.shape == dense.shape
    norm = np.linalg.norm(dense, 2) if normwise else 0.0

    def check(got, want, v, what):
        if normwise:
            _assert_products_close(got, want, v, rtol=rtol, atol=atol, norm=norm, what=what)
        else:
            assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)

    check(op.matvec(x), dense @ x, x, "matvec")
    check(op @ x, dense @ x, x, "@ vector")
    check(op.matmat(X), dense @ X, X, "matmat")
    check(op @ X, dense @ X, X, "@ matrix")
    check(op.rmatvec(x), dense.T @ x, x, "rmatvec")
    check(op.H @ X, dense.T @ X, X, "adjoint")
    check(aslinearoperator(op) @ X, dense @ X, X, "aslinearoperator")


def compare_state(
    state: GingerState,
    G: ArrayLike,
    *,
    rtol: float,
    backend: str | None = None,
    rng: np.random.Generator | int | None = 0,
    num_vectors: int = 3,
) -> None:
    r"""Check that ``state`` represents :math:`G_\gamma = G + \gamma I` in every way it is used.

    Compares :func:`~pyginger.to_dense` (both forms), :func:`~pyginger.matvec` and
    :func:`~pyginger.solve` on a vector and a block of vectors, and for NumPy states both SciPy
    operators (through :func:`compare_operator`), their traces and log-determinants, with the
    exact :math:`G_\gamma` and its inverse, :math:`\gamma` being ``state.damping``.

    A state accurate to ``rtol`` represents :math:`G_\gamma + E` with
    :math:`\|E\|_2 \le \mathrm{rtol}\,\|G_\gamma\|_2`. The checks follow from that:

    * products with :math:`G_\gamma`: error at most :math:`\mathrm{rtol}\,\|G_\gamma\|_2
      \|x\|_2` per vector, and every entry of ``to_dense`` within
      :math:`\mathrm{rtol}\,\|G_\gamma\|_2` (an entry is bounded by the 2-norm);
    * products with the inverse: the same with ``rtol`` times
      :math:`\kappa = \|G_\gamma\|_2 \|G_\gamma^{-1}\|_2` and
      :math:`\|G_\gamma^{-1}\|_2` in place of :math:`\|G_\gamma\|_2` (the first-order
      perturbation of an inverse);
    * traces: :math:`d` times the entry bound (:math:`|\operatorname{tr} E| \le d \|E\|_2`);
      log-determinant: :math:`d\,\mathrm{rtol}\,\kappa` (Weyl: each eigenvalue moves by at most
      :math:`\|E\|_2`, i.e. by :math:`\mathrm{rtol}\,\kappa` relative to the smallest).

    ``rtol`` has to cover the products' own rounding too, a few ``eps`` of the state's dtype.

    Parameters
    ----------
    state : GingerState
        Any array library; the SciPy operator checks run for NumPy states only.
    G : (d, d) array_like
        The exact (undamped) matrix the state tracks, e.g. :func:`pyginger.dense.ema_ggn`.
    rtol : float
        Backward error allowed, relative to :math:`\|G_\gamma\|_2`.
    backend : {None, "numba", "numpy"}, optional
        Passed to ``matvec`` and ``solve``.
    rng : int or numpy.random.Generator, optional
        Seed of the test vectors.
    num_vectors : int, optional
        Columns of the block of test vectors.

    Raises
    ------
    AssertionError
        If any check fails.
    ValueError
        If ``G`` is not of shape ``(d, d)``.

    See Also
    --------
    compare_operator, pyginger.dense.compare

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> from pyginger import dense
    >>> from pyginger.testing import compare_state
    >>> f = np.array([1.0, 2.0, 0.0, 2.0])
    >>> state = pyginger.update(pyginger.init(4, 2, damping=0.5), f, beta=0.0)
    >>> compare_state(state, dense.ema_ggn([f], 0.0), rtol=10 * np.finfo(float).eps)
    """
    G = np.asarray(G, dtype=np.float64)
    d = state.dim
    if G.shape != (d, d):
        raise ValueError(f"compare_state: G must have shape ({d}, {d}), got {G.shape}")
    A = G + state.damping * np.eye(d)
    lam = np.linalg.eigvalsh(A)
    norm, norm_inv = lam[-1], 1.0 / lam[0]
    rtol_inv = rtol * norm * norm_inv
    A_inv = np.linalg.inv(A)
    for inverse, want, bound in [(False, A, rtol * norm), (True, A_inv, rtol_inv * norm_inv)]:
        err = np.max(np.abs(_backend.to_host(core.to_dense(state, inverse=inverse)) - want))
        assert err <= bound, f"to_dense(inverse={inverse}): error {err:.3e} > bound {bound:.3e}"
    gen = np.random.default_rng(rng)
    X = gen.standard_normal((d, num_vectors)).astype(_backend.to_host(state.sigma).dtype)
    for v in (X[:, 0], X):
        vx = _backend.from_host(v, state.U)
        for func, want, tol, scale in [
            (core.matvec, A, rtol, norm),
            (core.solve, A_inv, rtol_inv, norm_inv),
        ]:
            got = _backend.to_host(func(state, vx, backend=backend))
            assert got.shape == v.shape, f"{func.__name__}: shape {got.shape} != {v.shape}"
            _assert_products_close(
                got, want @ v, v, rtol=tol, atol=0.0, norm=scale, what=func.__name__
            )
    if not isinstance(state.U, np.ndarray):
        return
    for inverse, want, tol, scale in [
        (False, A, rtol, norm),
        (True, A_inv, rtol_inv, norm_inv),
    ]:
        op = core.aslinearoperator(state, inverse=inverse)
        compare_operator(op, want, rtol=tol, normwise=True, rng=gen, num_vectors=num_vectors)
        err = abs(op.trace() - np.trace(want))
        assert err <= d * tol * scale, f"trace(inverse={inverse}): error {err:.3e}"
        err = abs(op.logdet() - (-1 if inverse else 1) * np.sum(np.log(lam)))
        assert err <= d * rtol_inv, f"logdet(inverse={inverse}): error {err:.3e}"


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
