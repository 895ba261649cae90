r"""Ginger's update as its authors released it: the inverse form with pseudo-inverse guards.

The authors' code (JAX, one state per parameter tensor) keeps the same state as pyginger,
``U`` (``d x tau``) and ``sigma`` (``tau``) with :math:`G_\gamma = \gamma I + U
\operatorname{diag}(\sigma) U^\top`, but updates it in the inverse domain, solves the small
eigenproblem in float32 and guards every division with a cut-off pseudo-inverse. This module
computes exactly those steps, so that their effect can be measured against the exact algorithm
(``form="curvature"``). With ``a = beta``, ``b = 1 - beta``, one rank-one factor ``g`` and

.. math:: \operatorname{pinv}_c(x)_i = 1/x_i \text{ if } x_i > c \text{ else } 0, \qquad
          c = 10\, n\, \epsilon \max_j |x_j| \quad (x \in \mathbb{R}^n,\ \epsilon
          \text{ of the dtype}),

the update is:

1. Woodbury query with the decayed state: :math:`s' = \operatorname{pinv}_c(\gamma^2 +
   \gamma a\sigma)\, a\sigma`, :math:`q = g/\gamma - U (s' \odot U^\top g)` (exactly
   :math:`(aG + \gamma I)^{-1} g` when no cut-off fires).
2. Sherman-Morrison weight :math:`c_{SM} = b / (1 + b\, q^\top g)`.
3. Residual :math:`p = q - U U^\top q`, :math:`r = \max(\|p\|, 10^{-8})`, :math:`p \leftarrow
   p / r`. *Departure*: the floor makes ``p`` a non-unit vector when ``q`` lies in span(U),
   and ``p`` is not re-orthogonalised, so ``U`` drifts from orthonormality (the core drops such
   directions and re-orthonormalizes).
4. :math:`K = K_L K_M K_L^\top` with :math:`K_L = \begin{pmatrix} I & U^\top q \\ 0 & r
   \end{pmatrix}`, :math:`K_M = \operatorname{diag}(s', c_{SM})`, and its SVD :math:`K = V
   \operatorname{diag}(s) V^\top` (descending). *Departure*: solved in float32 whatever the
   storage; here in the dtype of ``U`` (so a float64 state separates the guards from float32).
5. :math:`U \leftarrow U V_{:\tau} + p V_\tau` (all ``tau + 1`` columns for now).
6. Map back: :math:`s \leftarrow \min(s, 1/\gamma)`, :math:`\sigma = \gamma^2 s\,
   \operatorname{pinv}_c(1 - \gamma s)` (cut-off over the ``tau + 1`` values), and
   :math:`\sigma \leftarrow 0` where :math:`\sigma < 10^{-9} \max\sigma`. *Departure*: exactly
   :math:`1 - \gamma s = \gamma/(\gamma + \sigma)`, so an eigenvalue collapses to 0 as soon as
   :math:`\gamma/(\gamma+\sigma) \le c`, i.e. :math:`\sigma \ge \gamma (1/c - 1)`; in float32
   with ``tau = 4`` that is :math:`\sigma \gtrsim 1.7 \cdot 10^5 \gamma`. The exact algorithm
   keeps every eigenvalue. The cut-off is relative to :math:`\max_j (1 - \gamma s_j) =
   \gamma/(\gamma + \sigma_{\min})` over the step's ``tau + 1`` values: the threshold
   above holds while one of them is 0 (from the initial state, and in a state that has
   collapsed); once all carry curvature, :math:`\sigma` collapses iff :math:`(\gamma +
   \sigma_{\min}) / (\gamma + \sigma) \le 10 (\tau + 1) \epsilon`, so whether a run
   collapses depends on its path. And :math:`1 - \gamma s` is formed from :math:`\gamma s
   \approx 1` with an absolute error :math:`\sim\epsilon`: any :math:`\sigma \gtrsim
   \gamma/\epsilon` is lost to rounding whatever the cut-off.
7. Sort ascending and drop the smallest entry and its column: ``tau`` remain. (pyginger's state
   stores them in descending order, the same matrix; only the order of sums changes.)
"""

from __future__ import annotations

import numpy as np

#: The residual norm below which the released code divides by this floor instead.
RESIDUAL_FLOOR = 1e-8
#: Eigenvalues below this fraction of the largest are set to zero (step 6).
ZERO_FRACTION = 1e-9


def pinv_cutoff(x: np.ndarray) -> np.ndarray:
    """Return ``1 / x`` where ``x > 10 n eps max|x|``, else 0 (the released ``diag_pinv``)."""
    cutoff = 10.0 * x.shape[-1] * np.finfo(x.dtype).eps * np.abs(x).max()
    out = np.zeros_like(x)
    keep = x > cutoff
    out[keep] = 1.0 / x[keep]
    return out


def collapse_threshold(damping: float, rank: int, dtype) -> float:
    """Return the eigenvalue above which the released map back sets it to zero (step 6).

    With one eigenvalue at (or near) zero among the ``rank + 1`` values, ``max(1 - gamma s)``
    is 1, so the cut-off is ``c = 10 (rank + 1) eps`` and ``sigma`` collapses once
    ``gamma / (gamma + sigma) <= c``, that is ``sigma >= gamma (1/c - 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.core._released import collapse_threshold
    >>> f"{collapse_threshold(1e-5, 4, np.float32):.3g}"
    '1.68'
    """
    c = 10.0 * (rank + 1) * float(np.finfo(dtype).eps)
    return damping * (1.0 / c - 1.0)


def inverse_weights(sigma: np.ndarray, damping: float, scale: float = 1.0) -> np.ndarray:
    """Return ``s' = pinv_c(gamma^2 + gamma scale sigma) scale sigma`` (the inverse's weights)."""
    decayed = scale * sigma
    return pinv_cutoff(damping**2 + damping * decayed) * decayed


def query(U: np.ndarray, sigma: np.ndarray, v: np.ndarray, damping: float, scale=1.0):
    """Return ``v / gamma - U (s' * U^T v)``: the released Woodbury product with the state."""
    weights = inverse_weights(sigma, damping, scale)
    return v / damping - U @ (weights * (U.T @ v))


def _small_matrix(projection, r, weights, c_sm, dtype):
    """Return ``K = K_L diag(weights, c_sm) K_L^T`` of step 4, in ``dtype``."""
    tau = projection.shape[0]
    left = np.zeros((tau + 1, tau + 1), dtype=dtype)
    left[:tau, :tau] = np.eye(tau, dtype=dtype)
    left[:tau, tau] = projection
    left[tau, tau] = r
    middle = np.zeros((tau + 1, tau + 1), dtype=dtype)
    middle[np.arange(tau), np.arange(tau)] = weights * 1.0
    middle[tau, tau] = c_sm
    return left @ middle @ left.T


def _clamped(s, damping):
    """Step 6, first half: ``s`` clamped at ``1 / gamma``."""
    return np.where(s > 1 / damping, 1 / damping, s).astype(s.dtype)


def _unzeroed(s, damping):
    """Step 6 before the zeroing: ``gamma^2 s pinv_c(1 - gamma s)`` of the clamped ``s``."""
    s = _clamped(s, damping)
    return (damping**2) * s * pinv_cutoff(1 - damping * s)


def _map_back(s, damping):
    """Step 6: from the inverse's eigenvalues ``s`` to the curvature's ``sigma``."""
    sigma = _unzeroed(s, damping)
    return np.where(sigma < ZERO_FRACTION * sigma.max(), 0.0, sigma).astype(s.dtype)


def released_update(
    U: np.ndarray, sigma: np.ndarray, g: np.ndarray, damping: float, beta, *, trace=False
):
    """Return the new ``(U, sigma)`` (``sigma`` ascending) after the seven released steps.

    ``U``, ``sigma`` and ``g`` share a float dtype; ``g`` is one factor of shape ``(d,)``.
    The caller validates; nothing is written in place. With ``trace``, a third value says what
    the step removed from the matrix (see :func:`removed_mass`).
    """
    a, b = beta, 1 - beta
    tau = U.shape[1]
    q = query(U, sigma, g, damping, scale=a)  # 1.
    c_sm = b / (1 + b * q @ g)  # 2.
    weights = inverse_weights(sigma, damping, a)
    p = q - U @ (U.T @ q)  # 3.
    r = np.sqrt(p.T @ p)
    floored = bool(r < RESIDUAL_FLOOR)
    r = np.where(r < RESIDUAL_FLOOR, RESIDUAL_FLOOR, r).astype(U.dtype)
    p = np.true_divide(p, r)
    K = _small_matrix(U.T @ q, r, weights, c_sm, U.dtype)  # 4.
    V, s, _ = np.linalg.svd(K)
    U_new = U @ V[:tau] + np.outer(p, V[tau])  # 5.
    sigma_new = _map_back(s, damping)  # 6.
    order = np.argsort(sigma_new, kind="stable")  # 7.
    if not trace:
        return U_new[:, order][:, 1:], sigma_new[order][1:]
    guarded = floored or bool(np.any((weights == 0) & (a * sigma > 0)))
    removed = None if guarded else removed_mass(s, damping, sigma_new[order[0]])
    return U_new[:, order][:, 1:], sigma_new[order][1:], removed


def removed_mass(s, damping, dropped):
    """Return the eigenvalues steps 6 and 7 removed, or None if step 6 collapsed one.

    ``s`` are the ``tau + 1`` eigenvalues of step 4 and ``dropped`` the entry step 7 dropped.
    Without a guard in steps 1-4 the released step is, in exact arithmetic, the inverse form's:
    the eigenvalues ``gamma^2 s / (1 - gamma s)`` of ``beta G + (1 - beta) g g^T`` in the basis
    ``[U p]``. Step 6 then zeroes those below ``1e-9`` of the largest (their values are known:
    removed) and collapses to zero those whose ``1 - gamma s`` falls under the pseudo-inverse's
    cut-off, or whose ``s`` exceeds ``1 / gamma`` (their size is not computed: None). Step 7
    removes ``dropped``.
    """
    if np.any(s > 1 / damping):
        return None
    clamped = _clamped(s, damping)
    if np.any((pinv_cutoff(1 - damping * clamped) == 0) & (clamped > 0)):
        return None
    pre = _unzeroed(s, damping).astype(np.float64)
    zeroed = (pre < ZERO_FRACTION * pre.max()) & (pre > 0)
    removed = np.concatenate((pre[zeroed], [float(dropped)]))
    # Values within the small problem's rounding (n eps max sigma) cannot be told from 0.
    noise = s.size * float(np.finfo(s.dtype).eps) * float(pre.max())
    return np.where(removed > noise, removed, 0.0)
