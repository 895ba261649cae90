r"""The Ginger state: its type, its start, and the orthonormality of ``U`` (measured, restored).

The tracked curvature is the exponential moving average

.. math:: G_t = \beta G_{t-1} + (1 - \beta) F_t F_t^\top, \qquad G_0 = 0,

kept as :math:`G_t \approx U \operatorname{diag}(\sigma) U^\top` with ``U`` of shape
``(d, tau)`` (orthonormal columns) and ``sigma`` sorted in descending order. The preconditioner
is the inverse of :math:`G_{t,\gamma} = G_t + \gamma I`. The mathematics these functions follow
is in ``docs/mathematics.md``; :mod:`pyginger.core.rank_update` updates the state and
:mod:`pyginger.core.woodbury` applies it.

All functions are pure: they return new arrays and never write to their inputs.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
from numpy.typing import DTypeLike

from pyginger import _backend
from pyginger import _validation as _v
from pyginger._validation import core as _checks
from pyginger.core import _dispatch, _instrument

__all__ = ["GingerState", "init", "orthogonality_error", "reorthonormalize", "CHOLQR_MAX_DRIFT"]


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
    gap_spectral, gap_frobenius : float
        Upper bounds on :math:`\|G_t - \tilde G_t\|_2` and :math:`\|G_t - \tilde G_t\|_F`, the
        gap between the exact EMA :math:`G_t` and the state's :math:`\tilde G_t = U
        \operatorname{diag}(\sigma) U^\top`, carried from the eigenvalues each update drops
        (:mod:`pyginger.core.certificate`; read them with :func:`truncation_bound`).
    gap_trace : float
        :math:`\operatorname{tr}(G_t - \tilde G_t)`, the nuclear norm of the gap, exactly (to
        rounding).
    gap_spectral_lower, gap_frobenius_lower : float
        Lower bounds on the same two norms.

    The five ``gap_*`` fields default to 0: a state built by hand certifies the gap to the EMA
    that starts from its own matrix. ``NaN`` means unknown (a checkpoint written before they
    existed, or a ``form="reference"`` update whose guards changed the matrix).
    """

    U: Any
    sigma: Any
    damping: float
    step: int
    gap_spectral: float = 0.0
    gap_frobenius: float = 0.0
    gap_trace: float = 0.0
    gap_spectral_lower: float = 0.0
    gap_frobenius_lower: float = 0.0

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
    >>> state.U.shape, state.sigma.tolist(), state.damping, state.step, state.gap_trace
    ((5, 2), [0.0, 0.0], 0.1, 0, 0.0)
    """
    dim, rank, damping, xp, dt = _checks.check_init(dim, rank, damping, dtype, xp)
    if xp is np:
        U = np.eye(dim, rank, dtype=dt)
        sigma = np.zeros(rank, dtype=dt)
    else:
        U = xp.eye(dim, rank, dtype=dt, device=device)
        sigma = xp.zeros(rank, dtype=dt, device=device)
    return GingerState(U=U, sigma=sigma, damping=damping, step=0)


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
        lam, W = _dispatch.top_eigh((L.T * sigma) @ L, tau)
        A = scipy.linalg.solve_triangular(L, W, lower=True, trans="T")  # R^{-1} W
        _instrument.record("cholqr")
        empty = _dispatch.contiguous(U[:, :0], xp)
        return _dispatch.rotate(kern, U, A, empty, np.zeros((0, tau)), out), np.maximum(lam, 0.0)
    _instrument.record("householder-qr")
    Q, R = _dispatch.tall_qr(U, xp, kern)  # any QR will do: U diag(s) U^T ignores R's signs
    R = _backend.to_host(R)
    lam, W = _dispatch.top_eigh((R * sigma) @ R.T, tau)
    Q = _dispatch.contiguous(Q, xp)
    empty = _dispatch.contiguous(Q[:, :0], xp)
    return _dispatch.rotate(kern, Q, W, empty, np.zeros((0, tau)), out), np.maximum(lam, 0.0)


def reorthonormalize(state: GingerState, *, backend: str | None = None) -> GingerState:
    r"""Return an equivalent state whose ``U`` is orthonormal to working precision.

    Computes ``U = Q R`` and the eigendecomposition of the small matrix
    :math:`R \operatorname{diag}(\sigma) R^\top`, so the matrix represented does not change.
    :func:`update` calls this every ``reorth_every`` steps (in place on the new ``U``). The
    truncation certificate (the ``gap_*`` fields) is kept as it is: nothing is dropped.

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
    kern = _dispatch.kernels_for("reorthonormalize", backend, xp)
    U_new, sigma_new = _reorthonormalize(kern, xp, state.U, _backend.to_host(state.sigma))
    return state._replace(U=U_new, sigma=_backend.from_host(sigma_new, U_new))
