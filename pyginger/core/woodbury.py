r"""Applying the preconditioner: :math:`G_\gamma` and its inverse by Woodbury, dense, as operator.

With :math:`G_\gamma = \gamma I + U \operatorname{diag}(\sigma) U^\top` (a
:class:`~pyginger.core.state.GingerState`), the Woodbury identity gives
:math:`G_\gamma^{-1} = I/\gamma - U \operatorname{diag}(\sigma / (\gamma(\gamma + \sigma)))
U^\top`: both are ``alpha I + U diag(coef) U^T`` and cost two passes over ``U``, ``O(d tau)``.
:func:`solve` and :func:`matvec` apply them, :func:`to_dense` forms them for small ``d``, and
:func:`aslinearoperator` exports them to SciPy.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator

from pyginger import _backend
from pyginger import _validation as _v
from pyginger._backend import Array
from pyginger.core import _dispatch
from pyginger.core.state import GingerState

__all__ = ["solve", "matvec", "to_dense", "aslinearoperator", "GingerOperator"]


def _scale_and_weights(state, inverse):
    r"""Return ``(alpha, coef)`` such that ``alpha I + U diag(coef) U^T`` is G or its inverse.

    :math:`G_\gamma` itself: ``alpha = gamma``, ``coef = sigma``. Its inverse, by Woodbury:
    ``alpha = 1 / gamma``, ``coef = -sigma / (gamma (gamma + sigma))``. ``coef`` is a float64
    host array.
    """
    sigma = _backend.to_host(state.sigma)
    gamma = state.damping
    if inverse:
        # sigma / (gamma + sigma) <= 1 first: gamma * (gamma + sigma) underflows to 0 for
        # gamma < ~1e-162 and would give 0 / 0 = NaN where sigma = 0.
        return 1.0 / gamma, -(sigma / (gamma + sigma)) / gamma
    return gamma, sigma


def _checked_apply(func, state, v, backend, inverse):
    """Check the arguments of ``solve``/``matvec`` once, then apply."""
    _v.check_state(func, state)
    xp = _backend.array_namespace_of(state.U)
    kern = _dispatch.kernels_for(func, backend, xp)
    V = _v.check_operand(func, "v", v, xp, state.dim, state.U.dtype, finite=False)
    return _apply(func, kern, xp, state, V, inverse)


def _apply(func, kern, xp, state, V, inverse):
    """Return ``alpha V + U diag(coef) U^T V`` for a checked state and operand ``V``.

    The operand's NaN and inf are caught here, in ``U^T V``, which the first pass computes anyway.
    """
    V2, was_vector = _dispatch.as_matrix(V, xp)
    V2 = _dispatch.contiguous(V2, xp)
    alpha, coef = _scale_and_weights(state, inverse)
    with _dispatch.quiet_products():
        C = kern.small_out(kern.project(state.U, V2))
    _v.require_finite_product(func, "v", C)  # NaN or inf in v: U^T v is not finite
    out = kern.axpy_lowrank(alpha, V2, state.U, kern.small_in(coef[:, None] * C, state.U))
    return xp.reshape(out, (state.dim,)) if was_vector else out


def solve(state: GingerState, v: Array, *, backend: str | None = None) -> Array:
    r"""Return :math:`G_\gamma^{-1} v` by the Woodbury identity.

    .. math:: G_\gamma^{-1} v = v/\gamma - U \operatorname{diag}\Big(\frac{\sigma}
              {\gamma(\gamma+\sigma)}\Big) U^\top v

    Parameters
    ----------
    state : GingerState
    v : (d,) or (d, m) array
        Right-hand side(s), same library and dtype as ``state.U``.
    backend : {None, "numba", "numpy"}, optional

    Returns
    -------
    (d,) or (d, m) array

    Raises
    ------
    TypeError
        If ``v`` is not an array of the state's library and dtype.
    ValueError
        If ``v`` has the wrong shape or non-finite entries, or ``backend`` is not accepted.

    See Also
    --------
    matvec : applies :math:`G_\gamma` itself.
    pyginger.dense.damped_inverse : the dense counterpart.

    Notes
    -----
    Two passes over ``U`` (``U^T v``, then the combination): ``O(d tau m)`` flops and about
    ``2 * 8 d tau`` bytes.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> state = pyginger.init(3, 1, damping=0.5)
    >>> state = pyginger.update(state, np.array([2.0, 0.0, 0.0]), beta=0.0)
    >>> pyginger.solve(state, np.array([4.5, 1.0, 0.0]))  # G = diag(4.5, 0.5, 0.5)
    array([1., 2., 0.])
    """
    return _checked_apply("solve", state, v, backend, inverse=True)


def matvec(state: GingerState, v: Array, *, backend: str | None = None) -> Array:
    r"""Return :math:`G_\gamma v = \gamma v + U (\sigma \odot U^\top v)`.

    Parameters
    ----------
    state : GingerState
    v : (d,) or (d, m) array
        Same library and dtype as ``state.U``.
    backend : {None, "numba", "numpy"}, optional

    Returns
    -------
    (d,) or (d, m) array

    Raises
    ------
    TypeError
        If ``v`` is not an array of the state's library and dtype.
    ValueError
        If ``v`` has the wrong shape or non-finite entries, or ``backend`` is not accepted.

    See Also
    --------
    solve : the inverse.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> state = pyginger.init(3, 1, damping=0.5)
    >>> state = pyginger.update(state, np.array([2.0, 0.0, 0.0]), beta=0.0)
    >>> pyginger.matvec(state, np.array([1.0, 2.0, 0.0]))
    array([4.5, 1. , 0. ])
    """
    return _checked_apply("matvec", state, v, backend, inverse=False)


def to_dense(state: GingerState, *, inverse: bool = False) -> Array:
    r"""Return :math:`G_\gamma` (or its inverse) as a dense ``(d, d)`` array, for small ``d``.

    Parameters
    ----------
    state : GingerState
    inverse : bool, optional
        Return :math:`G_\gamma^{-1}` instead of :math:`G_\gamma`. Default False.

    Returns
    -------
    (d, d) array
        Same library and dtype as ``state.U``.

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> state = pyginger.update(pyginger.init(2, 1, damping=1.0), np.array([0.0, 3.0]), beta=0.0)
    >>> pyginger.to_dense(state)
    array([[ 1.,  0.],
           [ 0., 10.]])
    >>> pyginger.to_dense(state, inverse=True)
    array([[1. , 0. ],
           [0. , 0.1]])
    """
    _v.check_state("to_dense", state)
    xp = _backend.array_namespace_of(state.U)
    U = state.U
    alpha, coef = _scale_and_weights(state, inverse)
    coef = _backend.from_host(coef, U)
    eye = xp.eye(state.dim, dtype=U.dtype, device=_backend.device_of(U))
    return alpha * eye + (U * coef) @ U.T


class GingerOperator(LinearOperator):
    r"""SciPy ``LinearOperator`` for :math:`G_\gamma` or :math:`G_\gamma^{-1}` of a NumPy state.

    Symmetric, so ``rmatvec == matvec`` and ``adjoint()`` is the operator itself. Closed-form
    :meth:`trace` and :meth:`logdet` cost ``O(tau)``.

    Parameters
    ----------
    state : GingerState
        A state with NumPy arrays.
    inverse : bool, optional
        Represent the inverse. Default True.

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState of NumPy arrays.
    """

    def __init__(self, state: GingerState, inverse: bool = True) -> None:
        _check_numpy_state("GingerOperator", state)
        self._setup(state, inverse)

    def _setup(self, state, inverse):
        self.state = state
        self.inverse = bool(inverse)
        self._kern = _dispatch.kernels_for("GingerOperator", None, np)
        super().__init__(dtype=state.U.dtype, shape=(state.dim, state.dim))

    @classmethod
    def _of_checked(cls, state, inverse):
        """Return the operator of a state already checked at the caller's door."""
        op = cls.__new__(cls)
        op._setup(state, inverse)
        return op

    def _matmat(self, X):
        if np.iscomplexobj(X):  # a real operator: apply it to both parts (exact, not a cast)
            return self._matmat(np.real(X)) + 1j * self._matmat(np.imag(X))
        _v.refuse_non_real("GingerOperator", "x", X)
        X = np.asarray(X, dtype=self.dtype)
        V = _v.check_operand("GingerOperator", "v", X, np, self.state.dim, self.dtype, finite=False)
        return _apply("GingerOperator", self._kern, np, self.state, V, self.inverse)

    def _matvec(self, x):
        return self._matmat(np.reshape(x, (-1, 1))).reshape(-1)

    _rmatvec = _matvec
    _rmatmat = _matmat

    def _adjoint(self):
        return self

    def _eigenvalues(self) -> tuple[np.ndarray, int]:
        gamma = self.state.damping
        lam = gamma + np.asarray(self.state.sigma, dtype=np.float64)
        rest = self.shape[0] - lam.size  # eigenvalue gamma, with this multiplicity
        return lam, rest

    def trace(self) -> float:
        """Return the trace: ``d gamma + sum(sigma)``, or for the inverse its reciprocal sum."""
        lam, rest = self._eigenvalues()
        gamma = self.state.damping
        if self.inverse:
            return float(rest / gamma + np.sum(1.0 / lam))
        return float(rest * gamma + np.sum(lam))

    def logdet(self) -> float:
        """Return the log-determinant, in closed form.

        ``(d - tau) log gamma + sum(log(gamma + sigma))``, negated for the inverse.
        """
        lam, rest = self._eigenvalues()
        value = rest * np.log(self.state.damping) + np.sum(np.log(lam))
        return float(-value if self.inverse else value)


def aslinearoperator(state: GingerState, *, inverse: bool = True) -> GingerOperator:
    r"""Return :math:`G_\gamma^{-1}` (or :math:`G_\gamma`) as a SciPy ``LinearOperator``.

    Works with :func:`scipy.sparse.linalg.cg`, :func:`~scipy.sparse.linalg.eigsh` and friends.

    Parameters
    ----------
    state : GingerState
        A state holding NumPy arrays.
    inverse : bool, optional
        Represent :math:`G_\gamma^{-1}` (default) or :math:`G_\gamma`.

    Returns
    -------
    GingerOperator

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState of NumPy arrays (SciPy operators need NumPy).

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> from scipy.sparse.linalg import cg
    >>> state = pyginger.update(pyginger.init(4, 2, damping=0.1), np.ones(4), beta=0.0)
    >>> G = pyginger.aslinearoperator(state, inverse=False)
    >>> x, info = cg(G, np.ones(4), rtol=1e-12)
    >>> info, bool(np.allclose(G @ x, np.ones(4)))
    (0, True)
    >>> round(G.trace(), 10)  # 4 * 0.1 + |f|^2
    4.4
    """
    _check_numpy_state("aslinearoperator", state)
    return GingerOperator._of_checked(state, inverse)


def _check_numpy_state(func, state):
    _v.check_state(func, state)
    if not isinstance(state.U, np.ndarray):
        raise TypeError(
            f"{func}: SciPy operators need a state of NumPy arrays, got "
            f"{type(state.U).__name__}; use solve/matvec directly for other libraries"
        )
