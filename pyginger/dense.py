r"""Exact dense references for small problems, and how far a Ginger state is from them.

Everything here is ``O(d^2)`` memory and up to ``O(d^3)`` time: the ground truth the tests and
notebooks compare :mod:`pyginger.core` against, for ``d`` up to a few thousand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from pyginger import _backend
from pyginger import _validation as _v

if TYPE_CHECKING:
    from pyginger.core import GingerState

__all__ = [
    "ema_ggn",
    "damped_inverse",
    "best_rank_truncation",
    "truncated_replay",
    "compare",
]


def _factor_matrix(func, factor, dim=None):
    F = np.asarray(factor, dtype=np.float64)
    if F.ndim == 1:
        F = F[:, None]
    if F.ndim != 2 or (dim is not None and F.shape[0] != dim):
        expected = f"({dim},) or ({dim}, k)" if dim is not None else "(d,) or (d, k)"
        raise ValueError(f"{func}: each factor must have shape {expected}, got {np.shape(factor)}")
    if not np.all(np.isfinite(F)):
        raise ValueError(f"{func}: factors must contain only finite values")
    return F


def _factor_list(func, factors):
    factors = list(factors)
    if not factors:
        raise ValueError(f"{func}: factors must contain at least one factor, got none")
    first = _factor_matrix(func, factors[0])
    return [first] + [_factor_matrix(func, f, first.shape[0]) for f in factors[1:]]


def ema_ggn(factors: Iterable[ArrayLike], beta: float) -> np.ndarray:
    r"""Return the exact EMA :math:`G_T = \sum_t \beta^{T-t} (1-\beta) F_t F_t^\top` (``G_0 = 0``).

    Parameters
    ----------
    factors : sequence of (d,) or (d, k) arrays
        The curvature factors in the order they arrive.
    beta : float
        EMA factor, ``0 <= beta < 1``.

    Returns
    -------
    (d, d) ndarray, float64

    Raises
    ------
    ValueError
        If ``factors`` is empty, shapes disagree, values are not finite, or ``beta`` is outside
        ``[0, 1)``.

    See Also
    --------
    pyginger.update : the low-rank tracker of the same matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.dense import ema_ggn
    >>> ema_ggn([np.array([1.0, 0.0]), np.array([0.0, 2.0])], beta=0.5)
    array([[0.25, 0.  ],
           [0.  , 2.  ]])
    """
    beta = _v.check_beta("ema_ggn", beta)
    Fs = _factor_list("ema_ggn", factors)
    G = np.zeros((Fs[0].shape[0],) * 2)
    for F in Fs:
        G = beta * G + (1.0 - beta) * (F @ F.T)
    return G


def _check_square(func, G):
    G = np.asarray(G, dtype=np.float64)
    if G.ndim != 2 or G.shape[0] != G.shape[1]:
        raise ValueError(f"{func}: G must be a square (d, d) matrix, got shape {G.shape}")
    if not np.all(np.isfinite(G)):
        raise ValueError(f"{func}: G must contain only finite values")
    return G


def damped_inverse(G: ArrayLike, damping: float) -> np.ndarray:
    r"""Return :math:`(G + \gamma I)^{-1}` by a Cholesky factorization (``O(d^3)``).

    Parameters
    ----------
    G : (d, d) array_like
        Symmetric positive semi-definite matrix.
    damping : float
        :math:`\gamma > 0`.

    Returns
    -------
    (d, d) ndarray, float64

    Raises
    ------
    ValueError
        If ``G`` is not square and finite, or ``damping`` is not finite and > 0.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.dense import damped_inverse
    >>> damped_inverse(np.diag([1.0, 3.0]), 1.0)
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    G = _check_square("damped_inverse", G)
    gamma = _v.check_positive_finite("damped_inverse", "damping", damping)
    eye = np.eye(G.shape[0])
    cho = scipy.linalg.cho_factor((G + G.T) / 2 + gamma * eye)
    return scipy.linalg.cho_solve(cho, eye)


def best_rank_truncation(G: ArrayLike, rank: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Return the best rank-``tau`` approximation of a symmetric PSD ``G`` (Eckart-Young).

    Parameters
    ----------
    G : (d, d) array_like
        Symmetric positive semi-definite.
    rank : int
        ``1 <= rank <= d``.

    Returns
    -------
    U : (d, tau) ndarray
        Top ``tau`` eigenvectors.
    sigma : (tau,) ndarray
        Top ``tau`` eigenvalues, descending, clipped at 0.

    Raises
    ------
    ValueError
        If ``G`` is not square and finite, or ``rank`` is outside ``[1, d]``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.dense import best_rank_truncation
    >>> U, sigma = best_rank_truncation(np.diag([1.0, 5.0, 3.0]), 2)
    >>> sigma
    array([5., 3.])
    """
    G = _check_square("best_rank_truncation", G)
    rank = _v.check_rank("best_rank_truncation", rank, G.shape[0])
    lam, V = scipy.linalg.eigh((G + G.T) / 2)
    order = np.argsort(lam)[::-1][:rank]
    return V[:, order], np.maximum(lam[order], 0.0)


def truncated_replay(factors: Iterable[ArrayLike], rank: int, beta: float) -> np.ndarray:
    r"""Replay Ginger's truncation rule with dense matrices.

    .. math:: G_t = T_\tau(\beta G_{t-1} + (1-\beta) F_t F_t^\top)

    :math:`T_\tau` keeps the ``tau`` largest eigenvalues. This is the exact matrix a Ginger state
    should hold after the same stream of factors, truncation included (the exact EMA is
    :func:`ema_ggn`).

    Parameters
    ----------
    factors : sequence of (d,) or (d, k) arrays
    rank : int
    beta : float

    Returns
    -------
    (d, d) ndarray, float64

    Raises
    ------
    ValueError
        If ``factors`` is empty or malformed, ``rank`` is outside ``[1, d]``, or ``beta`` is
        outside ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.dense import truncated_replay
    >>> np.round(np.linalg.eigvalsh(truncated_replay(np.eye(3), 1, beta=0.5)), 12)
    array([0. , 0. , 0.5])
    """
    beta = _v.check_beta("truncated_replay", beta)
    Fs = _factor_list("truncated_replay", factors)
    rank = _v.check_rank("truncated_replay", rank, Fs[0].shape[0])
    G = np.zeros((Fs[0].shape[0],) * 2)
    for F in Fs:
        U, sigma = best_rank_truncation(beta * G + (1.0 - beta) * (F @ F.T), rank)
        G = (U * sigma) @ U.T
    return G


def compare(
    state: GingerState,
    G: ArrayLike,
    *,
    vectors: ArrayLike | None = None,
    rng: np.random.Generator | int | None = None,
) -> dict[str, Any]:
    r"""Return named error metrics of a Ginger state against the exact curvature ``G``.

    Parameters
    ----------
    state : GingerState
        The approximation (any array library; moved to NumPy for the comparison).
    G : (d, d) array_like
        The exact (undamped) curvature, e.g. from :func:`ema_ggn`.
    vectors : (d,) or (d, m) array_like, optional
        Right-hand sides for the solve error; default: 8 seeded Gaussian vectors.
    rng : numpy.random.Generator or int, optional
        Seed for the default vectors.

    Returns
    -------
    dict
        ``inverse_rel_fro``: :math:`\|P - G_\gamma^{-1}\|_F / \|G_\gamma^{-1}\|_F` with
        :math:`P` the state's inverse; ``spectral_rel``: :math:`\|G_{\gamma,\text{state}} -
        G_\gamma\|_2 / \|G_\gamma\|_2`; ``eigenvalue_rel``: largest relative error of the top
        ``tau`` eigenvalues of the curvature part; ``solve_rel``: largest relative error of
        ``solve`` over the vectors; ``principal_angles``: angles (radians, ascending) between
        span(U) and the exact top-``tau`` eigenvectors of ``G``.

    Raises
    ------
    ValueError
        If ``G`` is not a finite ``(d, d)`` matrix matching the state.

    See Also
    --------
    pyginger.to_dense, ema_ggn, truncated_replay

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> from pyginger.dense import compare, ema_ggn
    >>> F = np.random.default_rng(0).standard_normal((10, 2))
    >>> state = pyginger.update(pyginger.init(10, 2), F, beta=0.0)
    >>> metrics = compare(state, ema_ggn([F], beta=0.0))
    >>> metrics["inverse_rel_fro"] < 1e-12, float(metrics["principal_angles"].max()) < 1e-6
    (True, True)
    """
    from pyginger.core import solve, to_dense

    _v.check_state("compare", state)
    G = _check_square("compare", G)
    d = state.dim
    if G.shape != (d, d):
        raise ValueError(f"compare: G must have shape ({d}, {d}) to match the state, got {G.shape}")
    host = state._replace(U=_backend.to_host(state.U), sigma=_backend.to_host(state.sigma))
    gamma = state.damping
    exact_inv = damped_inverse(G, gamma)
    approx_inv = to_dense(host, inverse=True)
    inverse_rel_fro = np.linalg.norm(approx_inv - exact_inv) / np.linalg.norm(exact_inv)
    G_gamma = G + gamma * np.eye(d)
    spectral_rel = np.linalg.norm(to_dense(host) - G_gamma, 2) / np.linalg.norm(G_gamma, 2)

    U_top, sigma_top = best_rank_truncation(G, state.rank)
    scale = max(float(sigma_top[0]), np.finfo(np.float64).tiny)
    eigenvalue_rel = float(np.max(np.abs(np.sort(host.sigma)[::-1] - sigma_top)) / scale)

    if vectors is None:
        vectors = np.random.default_rng(rng).standard_normal((d, 8))
    V = _factor_matrix("compare", vectors, d)
    exact = exact_inv @ V
    approx = solve(host, V)
    solve_rel = float(
        np.max(np.linalg.norm(approx - exact, axis=0) / np.linalg.norm(exact, axis=0))
    )
    angles = scipy.linalg.subspace_angles(host.U, U_top)[::-1]
    return {
        "inverse_rel_fro": float(inverse_rel_fro),
        "spectral_rel": float(spectral_rel),
        "eigenvalue_rel": eigenvalue_rel,
        "solve_rel": solve_rel,
        "principal_angles": angles,
    }
