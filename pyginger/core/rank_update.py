r"""The Ginger state: a rank-:math:`\tau` eigendecomposition of the damped GGN and its inverse.

The tracked curvature is the exponential moving average

.. math:: G_t = \beta G_{t-1} + (1 - \beta) F_t F_t^\top, \qquad G_0 = 0,

kept as :math:`G_t \approx U \operatorname{diag}(\sigma) U^\top` with ``U`` of shape
``(d, tau)`` (orthonormal columns) and ``sigma`` sorted in descending order. The preconditioner
is the inverse of :math:`G_{t,\gamma} = G_t + \gamma I`, applied by the Woodbury identity in
``O(d tau)`` time. The mathematics these functions follow is in ``docs/mathematics.md``.

All functions are pure: they return new arrays and never write to their inputs.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
from numpy.typing import DTypeLike
from scipy.linalg import lapack as _lapack
from scipy.sparse.linalg import LinearOperator

from pyginger import _backend
from pyginger import _validation as _v
from pyginger._backend import Array
from pyginger.core import _instrument, _secular, _twins

try:
    from pyginger.core import _kernels
except ImportError:  # pragma: no cover - without Numba the NumPy twins run (tests/test_kernels.py)
    _kernels = None

__all__ = [
    "GingerState",
    "init",
    "update",
    "solve",
    "matvec",
    "to_dense",
    "aslinearoperator",
    "GingerOperator",
    "orthogonality_error",
    "reorthonormalize",
]

#: Default number of updates between two re-orthonormalizations of ``U`` (see ``update``).
REORTH_EVERY = 100


class GingerState(NamedTuple):
    r"""Immutable Ginger state: :math:`G_\gamma = \gamma I + U \operatorname{diag}(\sigma) U^\top`.

    Attributes
    ----------
    U : (d, tau) array
        Orthonormal eigenvectors of the curvature part, in the order of ``sigma``.
    sigma : (tau,) array
        Eigenvalues of the curvature part, ``>= 0`` and sorted in descending order.
    damping : float
        The damping :math:`\gamma > 0`, added fresh at every step (never decayed by ``beta``).
    step : int
        Number of updates applied since :func:`init`.
    """

    U: Any
    sigma: Any
    damping: float
    step: int

    @property
    def dim(self) -> int:
        """Dimension ``d`` of the parameter space."""
        return int(self.U.shape[0])

    @property
    def rank(self) -> int:
        """Rank ``tau`` of the curvature approximation."""
        return int(self.U.shape[1])

    @property
    def dtype(self) -> Any:
        """Floating dtype of ``U`` and ``sigma``."""
        return self.U.dtype


def init(
    dim: int,
    rank: int,
    *,
    damping: float = 1e-3,
    dtype: DTypeLike | None = None,
    xp: ModuleType | None = None,
    device: Any = None,
) -> GingerState:
    r"""Return the initial state :math:`G_{0,\gamma} = \gamma I`.

    ``U`` holds the first ``rank`` columns of the identity and ``sigma`` is zero.

    Parameters
    ----------
    dim : int
        Number of parameters ``d``.
    rank : int
        Rank ``tau`` of the approximation, ``1 <= rank <= dim``.
    damping : float, optional
        Damping :math:`\gamma > 0`. Default ``1e-3``.
    dtype : {numpy.float64, numpy.float32} or dtype of ``xp``, optional
        Storage dtype of ``U`` and ``sigma``; float64 by default.
    xp : array namespace, optional
        Array library to allocate in (``numpy``, ``cupy``, ``array_api_strict``, ...).
        ``None`` means NumPy.
    device : optional
        Device of the library to allocate on (``None``: the library's default).

    Returns
    -------
    GingerState

    Raises
    ------
    TypeError
        If ``dim``/``rank`` are not integers, ``damping`` is not a real number, ``dtype`` is
        not a float32/float64 type, or ``xp`` is not an array namespace.
    ValueError
        If ``dim < 1``, ``rank`` is outside ``[1, dim]``, ``dim * rank`` is more elements than
        an array can address, or ``damping`` is not finite and at least the smallest normal
        float, 2.2e-308.

    See Also
    --------
    update : add a curvature sample.

    Examples
    --------
    >>> import pyginger
    >>> state = pyginger.init(5, 2, damping=0.1)
    >>> state.U.shape, state.sigma.tolist(), state.damping, state.step
    ((5, 2), [0.0, 0.0], 0.1, 0)
    """
    dim = _v.check_dim("init", dim)
    rank = _v.check_rank("init", rank, dim)
    if dim * rank > np.iinfo(np.intp).max // 8:  # U's bytes must be addressable
        raise ValueError(f"init: U would hold dim * rank = {dim * rank} elements, too many")
    damping = _v.check_positive_finite("init", "damping", damping)
    if damping < np.finfo(np.float64).tiny:  # subnormal: 1 / damping, the inverse's scale, is inf
        raise ValueError(f"init: damping must be at least 2.2e-308 (a normal float), got {damping}")
    xp = _backend.resolve_namespace(xp)
    if xp is np:
        dt = _v.check_float_dtype("init", "dtype", np.float64 if dtype is None else dtype)
        U = np.eye(dim, rank, dtype=dt)
        sigma = np.zeros(rank, dtype=dt)
    else:
        dt = xp.float64 if dtype is None else dtype
        if dt not in (xp.float32, xp.float64):
            raise TypeError(f"init: dtype must be float32 or float64 of {xp.__name__}, got {dt!r}")
        U = xp.eye(dim, rank, dtype=dt, device=device)
        sigma = xp.zeros(rank, dtype=dt, device=device)
    return GingerState(U=U, sigma=sigma, damping=damping, step=0)


# ---------------------------------------------------------------------------------------------
# Kernel sets: the O(d tau) passes, with the conversions their small matrices need.
# ---------------------------------------------------------------------------------------------


class _NumbaKernels:
    """Numba kernels: small matrices are float64 NumPy on both sides, no conversion."""

    name = "numba"

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


class _ReferenceKernels:
    """Pure array-API twins: small matrices travel to and from the library and dtype of ``U``."""

    name = "numpy"
    small_in = staticmethod(_backend.from_host)
    small_out = staticmethod(_backend.to_host)
    project = staticmethod(_twins.project)
    project_gram = staticmethod(_twins.project_gram)
    axpy_lowrank = staticmethod(_twins.axpy_lowrank)
    rotate = staticmethod(_twins.rotate)
    rotate_into = staticmethod(_twins.rotate_into)


def _select_kernels(func, backend, xp):
    if backend is None:
        backend = "numba" if (xp is np and _kernels is not None) else "numpy"
    _v.check_choice(func, "backend", backend, _v.BACKENDS)
    if backend == "numba":
        if xp is not np:
            raise ValueError(
                f"{func}: backend 'numba' needs NumPy arrays, got arrays of {xp.__name__}; "
                "use backend='numpy' (the generic array-API path) or None"
            )
        if _kernels is None:  # pragma: no cover
            raise ValueError(f"{func}: backend 'numba' needs the package numba")
        return _NumbaKernels
    return _ReferenceKernels


def _as_matrix(x, xp):
    """View a ``(d,)`` operand as ``(d, 1)``; return it with a flag to undo the view."""
    if x.ndim == 1:
        return xp.reshape(x, (x.shape[0], 1)), True
    return x, False


def _contiguous(x, xp):
    return np.ascontiguousarray(x) if xp is np else x


# ---------------------------------------------------------------------------------------------
# The update
# ---------------------------------------------------------------------------------------------


def _quiet_products():
    """Silence NumPy's warnings for the first products of an operand, which are checked next.

    A NaN or inf in the operand is reported by :func:`_validation.require_finite_product` as a
    ``ValueError``; NumPy's "invalid value encountered in matmul" before it would only be noise.
    """
    return np.errstate(invalid="ignore", over="ignore")


def _column_norms(X, xp) -> np.ndarray:
    return _backend.to_host(xp.sqrt(xp.sum(X * X, axis=0)))


#: The two-pass update is used when the residual keeps more than this fraction of the factor's
#: squared norm (``s_min(P)^2 > GRAM_MIN * ||F||_2^2``). It forms ``P^T P`` as ``F^T F - C^T C``,
#: which assumes ``U^T U = I``. With the drift ``E = U^T U - I`` the implicit new direction
#: ``q = (f - U c) / s`` has ``U^T q = -E c / s`` and ``q^T q - 1 = c^T E c / s^2``, so the Gram
#: error of ``[U q]`` is ``[I, -c/s]^T E [I, -c/s]``: the drift is multiplied by up to
#: ``1 + |c|^2 / s^2 = |f|^2 / s^2`` per update (plus ``~eps |f|^2 / s^2`` of new rounding), and
#: that factor compounds from one update to the next until the periodic re-orthonormalization.
#: With 1/16 (a factor of up to 16) it did: d = 7, tau = 4, beta = 0 reached 1.8e9 eps within 99
#: updates. With 1/2 (a factor below 2, and well below on average, since ``c^T E c`` rarely aligns
#: with ``E``'s largest eigenvalue) the worst drift over 99 updates and 20 seeds stayed below
#: 100 eps for d = 7-20, tau = 4-16, beta = 0 and k = 1-3, as for the three-pass path
#: (docs/performance.md). A factor mostly inside ``span(U)`` takes the three-pass path instead.
GRAM_MIN = 1.0 / 2.0


_EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}


def _eps_of(dtype) -> float:
    name = getattr(dtype, "name", None) or str(dtype).split(".")[-1]
    return _EPS.get(name, _EPS["float64"])


def _top_eigh(K, tau):
    """Eigenpairs of the symmetric ``K`` with the ``tau`` largest eigenvalues, descending."""
    # LAPACK called directly: numpy.linalg.eigh and scipy.linalg.eigh add 5-10 us of argument
    # handling, which matters at small d, and NumPy's bundled OpenBLAS threads its syevd from
    # n ~ 30 on, which measured 2-5x slower than SciPy's on a busy 2-core machine. Divide and
    # conquer (syevd) is the faster driver below ~32, MRRR (syevr) above (docs/performance.md).
    n = K.shape[0]
    if n <= 32:
        lam, V, info = _lapack.dsyevd(K, compute_v=1, lower=1)
    else:
        lam, V, _, _, info = _lapack.dsyevr(K, compute_v=1, lower=1)
    if info != 0:  # pragma: no cover - LAPACK failure: let NumPy raise LinAlgError
        lam, V = np.linalg.eigh(K)
    order = np.arange(n - 1, n - 1 - tau, -1)  # ascending -> the tau largest, descending
    return lam[order], V[:, order]


def _small_problem(C, R, middle, weights, tau):
    CR = np.concatenate((C, R))  # (tau + r, k): coordinates of F in the basis [U, new directions]
    n = CR.shape[0]
    if CR.shape[1] == 1 and n >= _secular.MIN_SIZE and middle[0, 0] >= 0 and _secular.available():
        # diag(weights, 0) + m z z^T: the secular equation, O(n^2) instead of O(n^3).
        poles = np.concatenate((weights, np.zeros(n - tau)))
        try:
            eigenpairs = _secular.top_eigh(poles, CR[:, 0], float(middle[0, 0]), tau)
        except np.linalg.LinAlgError:
            pass  # LAPACK's root finder failed (never seen): the dense solver below answers
        else:
            _instrument.record("secular-eig")
            return eigenpairs
    _instrument.record("dense-eig")
    K = CR @ middle @ CR.T
    K.flat[: tau * (K.shape[0] + 1) : K.shape[0] + 1] += weights  # the top-left diagonal
    return _top_eigh(K, tau)


def _rotate(kern, U, A, Q, B, out):
    A = kern.small_in(A, U)
    B = kern.small_in(B, U)
    if out is None:
        return kern.rotate(U, A, Q, B)
    return kern.rotate_into(U, A, Q, B, out)


def _eigen_update(kern, xp, U, weights, F, middle, out=None):
    r"""Top-``tau`` eigenpairs of :math:`U \operatorname{diag}(w) U^\top + F M F^\top`.

    ``weights`` (tau,) and ``middle`` (k, k, symmetric PSD) are float64 host arrays. Returns the
    new ``U`` (same library and dtype; written into ``out`` when given, which may be ``U``) and
    the new eigenvalues as a float64 host array, sorted descending.

    Steps (the curvature form of docs/mathematics.md): ``C = U^T F``, residual
    ``P = F - U C``, an orthonormal basis of ``range(P)``, the small eigenproblem, and the
    rotation ``[U Q] V``.

    Two algorithms, chosen per call from the small matrices:

    * two passes over ``U`` (default when safe): ``P^T P = F^T F - C^T C`` (``U`` orthonormal),
      so ``P`` is never formed; with ``P^T P = Z S^2 Z^T`` the new directions are
      ``Q = P Z S^{-1}`` and ``[U Q] V = U (A - C W) + F W`` with ``W = Z S^{-1} V_bottom``: one
      pass for ``C`` and one for the rotation. Used when the residual keeps at least
      :data:`GRAM_MIN` of the factor's squared norm, so the subtraction loses at most a bit
      and the drift of ``U`` is amplified by less than ``1 / GRAM_MIN``.
    * three passes otherwise (``F`` nearly inside ``span(U)``, nearly dependent columns, or a
      zero factor): ``P`` formed explicitly, orthogonalized twice when cancellation is large
      ("twice is enough"), directions of negligible size dropped.
    """
    d, tau = U.shape
    k = F.shape[1]
    with _quiet_products():
        C, FtF = kern.project_gram(U, F)
    C, FtF = kern.small_out(C), kern.small_out(FtF)
    _v.require_finite_product("update", "factor", FtF)  # before anything is written
    S = FtF - C.T @ C
    if k == 1:
        f2 = float(FtF[0, 0])
        s2 = float(S[0, 0])
        if s2 > GRAM_MIN * f2:
            s = np.sqrt(s2)
            _instrument.record("two-pass")
            lam, V = _small_problem(C, np.array([[s]]), middle, weights, tau)
            W = V[tau:] / s  # (1, tau)
            return _rotate(kern, U, V[:tau] - C @ W, F, W, out), np.maximum(lam, 0.0)
    else:
        s2, Z = np.linalg.eigh((S + S.T) / 2)
        if s2[0] > GRAM_MIN * np.linalg.eigvalsh(FtF)[-1]:
            s = np.sqrt(s2)
            _instrument.record("two-pass")
            lam, V = _small_problem(C, s[:, None] * Z.T, middle, weights, tau)
            W = (Z / s) @ V[tau:]  # (k, tau)
            return _rotate(kern, U, V[:tau] - C @ W, F, W, out), np.maximum(lam, 0.0)

    P = kern.axpy_lowrank(1.0, F, U, kern.small_in(-C, U))
    f_norms = _column_norms(F, xp)
    p_norms = _column_norms(P, xp)
    if np.any(p_norms < 0.7 * f_norms):
        # Classical Gram-Schmidt lost digits (F is nearly inside span(U)): project once more.
        _instrument.record("three-pass+reorth")
        C2 = kern.small_out(kern.project(U, P))
        P = kern.axpy_lowrank(1.0, P, U, kern.small_in(-C2, U))
        C = C + C2
        p_norms = _column_norms(P, xp)
    else:
        _instrument.record("three-pass")

    # Residual directions smaller than rounding noise carry no information: drop them, so that a
    # factor already in span(U) adds no NaN and no spurious column. The bound is the error of a
    # length-d dot product, sqrt(d) * eps * |f|.
    eps = _eps_of(U.dtype)
    tol = np.sqrt(d) * eps * max(float(np.max(f_norms)), np.finfo(np.float64).tiny)
    if k == 1:
        r = float(p_norms[0])
        if r > tol:
            basis, to_basis, R = P, np.array([[1.0 / r]]), np.array([[r]])
        else:
            basis, to_basis, R = P, np.zeros((1, 0)), np.zeros((0, 1))
    else:
        basis, R = _residual_basis(kern, xp, U, P, tol, 0.7 * float(np.max(f_norms)))
        to_basis = np.eye(R.shape[0])

    lam, V = _small_problem(C, R, middle, weights, tau)
    B = to_basis @ V[tau:]  # (columns of basis, tau)
    return _rotate(kern, U, V[:tau], basis, B, out), np.maximum(lam, 0.0)


def _residual_basis(kern, xp, U, P, tol, small):
    """Orthonormal directions ``Q`` orthogonal to ``span(U)`` spanning ``P``, and ``R = Q^T P``.

    ``P`` (d, k) is the residual ``F - U C``; its directions of singular value ``<= tol`` are
    rounding noise and are dropped. A kept direction of singular value ``s`` carries the residual's
    rounding error (``~eps |F|``, in any direction, ``span(U)`` included) amplified by ``1 / s``:
    with nearly dependent columns (``F = [f, f + 1e-12 g]``) each column is large, yet one
    direction of ``P`` is tiny and far from orthogonal to ``U``. When some ``s`` is below ``small``
    the directions are projected off ``span(U)`` and re-orthonormalized twice ("twice is
    enough"), which makes them orthogonal to ``U`` to working precision whatever their size.
    """
    Qp, Rp = xp.linalg.qr(P)
    W, s, _ = np.linalg.svd(_backend.to_host(Rp), full_matrices=False)
    keep = s > tol
    # P = Qp Rp = (Qp W) diag(s) Z^T: the kept directions are Qp W[:, keep].
    Q = _contiguous(Qp @ _backend.from_host(W[:, keep], Qp), xp)
    if np.any(s[keep] < small):
        _instrument.record("residual-reorth")
        for _ in range(2):
            Q = kern.axpy_lowrank(1.0, Q, U, kern.small_in(-kern.small_out(kern.project(U, Q)), U))
            Q = _contiguous(xp.linalg.qr(Q)[0], xp)
    return Q, _backend.to_host(Q.T @ P)


def update(
    state: GingerState,
    factor: Array,
    *,
    beta: float = 0.99,
    form: str = "curvature",
    backend: str | None = None,
    reorth_every: int | None = REORTH_EVERY,
    overwrite_state: bool = False,
) -> GingerState:
    r"""Return the state after :math:`G \leftarrow \beta G + (1 - \beta) F F^\top`.

    The ``tau`` largest eigenvalues of the updated matrix are kept and the rest dropped. While the
    total rank added so far is at most ``tau`` nothing is dropped and the state is exact to
    rounding.

    Parameters
    ----------
    state : GingerState
        The current state (not modified).
    factor : (d,) or (d, k) array
        Curvature factor :math:`F`, same library and dtype as ``state.U``; lists are converted.
    beta : float, optional
        EMA factor, ``0 <= beta < 1``. Default 0.99.
    form : {"curvature", "inverse"}, optional
        ``"curvature"`` (default) eigen-updates :math:`\beta G + (1-\beta) F F^\top` directly;
        ``"inverse"`` follows the paper: it eigen-updates the low-rank part of
        :math:`G_\gamma^{-1}` with the Woodbury (Sherman-Morrison for ``k = 1``) formula and maps
        back. Both agree in exact arithmetic; the inverse form loses digits at small damping
        (relative error about :math:`\epsilon \sigma / \gamma`).
    backend : {None, "numba", "numpy"}, optional
        Kernels for the ``O(d tau)`` passes. ``None`` picks Numba for NumPy arrays and the
        array-API path otherwise.
    reorth_every : int or None, optional
        Re-orthonormalize ``U`` (see :func:`reorthonormalize`) after every ``reorth_every``-th
        update, so that rounding drift in :math:`U^\top U` does not accumulate. ``None`` turns it
        off. Default 100.
    overwrite_state : bool, optional
        Allow the new ``U`` to be written into the buffer of ``state.U`` (in SciPy's
        ``overwrite_a`` spirit): the caller gives up ``state`` and must not use it afterwards.
        Then no array of size ``d * tau`` is allocated in steady state, so a loop
        ``state = update(state, f, overwrite_state=True)`` runs in ``|U| + O(d k)`` memory
        instead of ``2 |U| + O(d k)``. Honoured for writeable NumPy arrays (both backends; the
        Numba kernels rotate row by row in place, the NumPy twin through one temporary) and for
        writeable arrays of other libraries (through a temporary); otherwise a new ``U`` is
        allocated as usual. The results are identical either way. Default False: ``update`` is a
        pure function and its inputs are never modified.

    Returns
    -------
    GingerState
        New state with ``step`` increased by one.

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState, ``factor`` is not an array of the state's library and
        dtype, or an option has the wrong type.
    ValueError
        If ``factor`` has the wrong shape or non-finite entries, ``beta`` is outside
        ``[0, 1)``, ``form``/``backend``/``reorth_every`` is not one of the accepted values, or
        ``form="inverse"`` with a damping whose square is not a normal float (outside
        :data:`INVERSE_FORM_DAMPING`).

    See Also
    --------
    pyginger.dense.ema_ggn : the exact matrix this tracks.
    pyginger.dense.truncated_replay : the same truncation rule, replayed densely.

    Notes
    -----
    Cost for a ``(d, k)`` factor: two passes over ``U`` in the common case (the projection
    ``C = U^T F``, which also gives ``P^T P = F^T F - C^T C``, and the rotation
    ``U (A - C W) + F W``), i.e. ``O(d tau (tau + k))`` flops and about ``3 * 8 d tau`` bytes in
    float64 (``U`` read twice, the new ``U`` written once). When ``F`` lies nearly inside
    ``span(U)`` or its columns are nearly dependent, the residual is formed explicitly (and
    orthogonalized twice if needed): three to five passes. Plus a ``(tau + k)``-sized symmetric
    eigenproblem, ``O((tau + k)^3)``, independent of ``d``; for ``k = 1`` it is diagonal plus rank
    one, solved through the secular equation in ``O(tau^2)`` from ``tau + 1 = 28`` on
    (:mod:`pyginger.core._secular`). Extra memory: ``O(d k)`` and the new
    ``U`` (none with ``overwrite_state=True``). Storage in float32 halves the bytes; the sums
    over ``d`` and all small matrices stay in float64.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> rng = np.random.default_rng(0)
    >>> state = pyginger.init(50, 4, damping=1e-2)
    >>> for _ in range(3):
    ...     state = pyginger.update(state, rng.standard_normal(50), beta=0.9)
    >>> sorted_desc = bool(np.all(np.diff(state.sigma) <= 0))
    >>> state.step, sorted_desc, pyginger.orthogonality_error(state) < 1e-13
    (3, True, True)
    """
    _v.check_state("update", state)
    xp = _backend.array_namespace_of(state.U)
    beta = _v.check_beta("update", beta)
    _v.check_choice("update", "form", form, _v.FORMS)
    kern = _select_kernels("update", backend, xp)
    if reorth_every is not None:
        reorth_every = _v.check_positive_int("update", "reorth_every", reorth_every)
    overwrite_state = _v.check_bool("update", "overwrite_state", overwrite_state)
    if form == "inverse":
        _check_inverse_form_damping(state.damping)
    # NaN and inf are caught in the first pass over the factor (its Gram matrix or U^T F), which
    # saves a pass of its own: about 10% of an update at tau = 4.
    F = _v.check_operand("update", "factor", factor, xp, state.dim, state.U.dtype, finite=False)
    F, _ = _as_matrix(F, xp)
    F = _contiguous(F, xp)
    U = _contiguous(state.U, xp)
    out = U if (overwrite_state and _backend.is_writeable(U)) else None
    gamma = state.damping
    sigma = _backend.to_host(state.sigma)
    k = F.shape[1]

    if form == "curvature":
        U_new, sigma_new = _eigen_update(
            kern, xp, U, beta * sigma, F, (1.0 - beta) * np.eye(k), out=out
        )
    else:
        U_new, sigma_new = _inverse_form_update(kern, xp, U, sigma, gamma, beta, F, out=out)

    step = state.step + 1
    if reorth_every is not None and step % reorth_every == 0:
        # U_new is ours (a fresh array, or the caller's buffer given up with overwrite_state):
        # re-orthonormalize it in place when the library allows.
        in_place = U_new if _backend.is_writeable(U_new) else None
        U_new, sigma_new = _reorthonormalize(kern, xp, U_new, sigma_new, out=in_place)
    return GingerState(
        U=U_new, sigma=_backend.from_host(sigma_new, U_new), damping=gamma, step=step
    )


#: Damping range of the inverse form: it stores ``s = sigma / (gamma (gamma + sigma))`` and maps
#: back with ``gamma**2``, so ``gamma**2`` must be a normal float64 (1e-154 ... 1e154); beyond,
#: ``s`` or the map back underflows or overflows and the state would be silently wrong.
INVERSE_FORM_DAMPING = (1e-154, 1e154)


def _check_inverse_form_damping(gamma):
    lo, hi = INVERSE_FORM_DAMPING
    if not lo <= gamma <= hi:
        raise ValueError(
            f"update: form='inverse' needs {lo:g} <= damping <= {hi:g} (it divides by "
            f"damping**2), got {gamma!r}; form='curvature' works at any damping"
        )


def _inverse_form_update(kern, xp, U, sigma, gamma, beta, F, out=None):
    r"""Apply the paper's update: Woodbury on the inverse, eigen-update its low-rank part, map back.

    With :math:`A = \beta G + \gamma I`, :math:`A^{-1} = I/\gamma - U \operatorname{diag}(s) U^\top`
    and :math:`s = \beta\sigma / (\gamma(\gamma + \beta\sigma))`. Woodbury gives
    :math:`(A + b F F^\top)^{-1} = A^{-1} - Q M Q^\top` with :math:`Q = A^{-1} F` and
    :math:`M = (I/b + F^\top A^{-1} F)^{-1}`, so the new low-rank part is
    :math:`U \operatorname{diag}(s) U^\top + Q M Q^\top`; keep its top ``tau`` eigenpairs
    :math:`s'` and map back with :math:`\sigma = \gamma^2 s' / (1 - \gamma s')`.
    """
    b = 1.0 - beta
    k = F.shape[1]
    s = beta * sigma / (gamma * (gamma + beta * sigma))
    with _quiet_products():
        C = kern.small_out(kern.project(U, F))
    _v.require_finite_product("update", "factor", C)
    Q = kern.axpy_lowrank(1.0 / gamma, F, U, kern.small_in(-(s[:, None] * C), U))  # A^{-1} F
    FtAinvF = _backend.to_host(F.T @ Q)
    middle = np.linalg.inv(np.eye(k) / b + (FtAinvF + FtAinvF.T) / 2)
    U_new, s_new = _eigen_update(kern, xp, U, s, _contiguous(Q, xp), middle, out=out)
    # The map back divides by 1 - gamma s = gamma / (gamma + sigma): this is where digits are lost
    # as gamma shrinks. Rounding can push the denominator to <= 0; clip it at machine epsilon so
    # the state stays finite (it is then inaccurate, which is the point of offering both forms).
    denom = np.maximum(1.0 - gamma * s_new, _eps_of(U.dtype))
    return U_new, np.maximum(gamma**2 * s_new / denom, 0.0)


# ---------------------------------------------------------------------------------------------
# Orthonormality
# ---------------------------------------------------------------------------------------------


def orthogonality_error(state: GingerState) -> float:
    r"""Return :math:`\|U^\top U - I\|_F`, the drift of ``U`` from orthonormality.

    Parameters
    ----------
    state : GingerState

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState.

    Examples
    --------
    >>> import pyginger
    >>> pyginger.orthogonality_error(pyginger.init(4, 2))
    0.0
    """
    _v.check_state("orthogonality_error", state)
    gram = _backend.to_host(state.U.T @ state.U)
    return float(np.linalg.norm(gram - np.eye(gram.shape[0])))


#: Cholesky QR is used for the periodic re-orthonormalization while ``||U^T U - I||_F`` is below
#: this; beyond it (a ``U`` set by hand, far from orthonormal) Householder QR takes over.
CHOLQR_MAX_DRIFT = 1e-2


def _reorthonormalize(kern, xp, U, sigma, out=None):
    # U diag(s) U^T = Q (R diag(s) R^T) Q^T for any U = Q R with Q orthonormal: diagonalize the
    # small middle matrix and rotate. The matrix represented is unchanged; U becomes orthonormal
    # to working precision.
    #
    # U is orthonormal up to rounding drift here, so Cholesky QR is accurate (its orthogonality
    # error is eps * cond(U)^2 ~ eps): R = chol(U^T U)^T, Q = U R^{-1}. It costs one pass for
    # U^T U and one (in-place capable) rotation, against Householder QR's several passes and two
    # extra copies of U.
    tau = U.shape[1]
    gram = kern.small_out(kern.project(U, U))
    gram = (gram + gram.T) / 2
    if np.linalg.norm(gram - np.eye(tau)) < CHOLQR_MAX_DRIFT:
        L = np.linalg.cholesky(gram)  # gram = L L^T, so R = L^T
        lam, W = _top_eigh((L.T * sigma) @ L, tau)
        A = scipy.linalg.solve_triangular(L, W, lower=True, trans="T")  # R^{-1} W
        _instrument.record("cholqr")
        empty = _contiguous(U[:, :0], xp)
        return _rotate(kern, U, A, empty, np.zeros((0, tau)), out), np.maximum(lam, 0.0)
    _instrument.record("householder-qr")
    Q, R = xp.linalg.qr(U)
    R = _backend.to_host(R)
    lam, W = _top_eigh((R * sigma) @ R.T, tau)
    Q = _contiguous(Q, xp)
    empty = _contiguous(Q[:, :0], xp)
    return _rotate(kern, Q, W, empty, np.zeros((0, tau)), out), np.maximum(lam, 0.0)


def reorthonormalize(state: GingerState, *, backend: str | None = None) -> GingerState:
    r"""Return an equivalent state whose ``U`` is orthonormal to working precision.

    Computes ``U = Q R`` and the eigendecomposition of the small matrix
    :math:`R \operatorname{diag}(\sigma) R^\top`, so the matrix represented does not change.
    :func:`update` calls this every ``reorth_every`` steps (in place on the new ``U``).

    Parameters
    ----------
    state : GingerState
    backend : {None, "numba", "numpy"}, optional

    Returns
    -------
    GingerState

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState.
    ValueError
        If ``backend`` is not accepted.

    Notes
    -----
    Cost: while ``U`` is nearly orthonormal (``||U^T U - I||_F < 1e-2``, always the case inside
    :func:`update`) a Cholesky QR: one pass for ``U^T U`` and one rotation, ``O(d tau^2)`` flops,
    about as much as one update; amortized over ``reorth_every`` updates it is negligible. Its
    orthogonality error is ``eps * cond(U)^2``, i.e. ``eps`` here. Farther from orthonormal,
    Householder QR.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> U = np.eye(6, 2) * (1 + 1e-9)  # columns slightly too long
    >>> state = pyginger.init(6, 2)._replace(U=U, sigma=np.array([2.0, 1.0]))
    >>> pyginger.orthogonality_error(pyginger.reorthonormalize(state)) < 1e-15
    True
    """
    _v.check_state("reorthonormalize", state)
    xp = _backend.array_namespace_of(state.U)
    kern = _select_kernels("reorthonormalize", backend, xp)
    U_new, sigma_new = _reorthonormalize(kern, xp, state.U, _backend.to_host(state.sigma))
    return state._replace(U=U_new, sigma=_backend.from_host(sigma_new, U_new))


# ---------------------------------------------------------------------------------------------
# Applying G and its inverse
# ---------------------------------------------------------------------------------------------


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


def _apply(func, state, v, backend, inverse):
    _v.check_state(func, state)
    xp = _backend.array_namespace_of(state.U)
    kern = _select_kernels(func, backend, xp)
    V = _v.check_operand(func, "v", v, xp, state.dim, state.U.dtype, finite=False)
    V2, was_vector = _as_matrix(V, xp)
    V2 = _contiguous(V2, xp)
    alpha, coef = _scale_and_weights(state, inverse)
    with _quiet_products():
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
    return _apply("solve", state, v, backend, inverse=True)


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
    return _apply("matvec", state, v, backend, inverse=False)


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
    """

    def __init__(self, state: GingerState, inverse: bool = True) -> None:
        self.state = state
        self.inverse = bool(inverse)
        super().__init__(dtype=state.U.dtype, shape=(state.dim, state.dim))

    def _matmat(self, X):
        if np.iscomplexobj(X):  # a real operator: apply it to both parts (exact, not a cast)
            return self._matmat(np.real(X)) + 1j * self._matmat(np.imag(X))
        _v.refuse_non_real("GingerOperator", "x", X)
        X = np.asarray(X, dtype=self.dtype)
        return _apply("GingerOperator", self.state, X, None, self.inverse)

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
    _v.check_state("aslinearoperator", state)
    if not isinstance(state.U, np.ndarray):
        raise TypeError(
            "aslinearoperator: SciPy operators need a state of NumPy arrays, got "
            f"{type(state.U).__name__}; use solve/matvec directly for other libraries"
        )
    return GingerOperator(state, inverse=inverse)
