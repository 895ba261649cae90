r"""Reference solutions of the course's exercises: short NumPy, written as a reader would.

Each function solves the exercise of the same name in :data:`pyginger.exercises.EXERCISES`;
``docs/exercises.md`` shows them (collapsed) straight from this file, and the tests check every
one with its checker. They use plain NumPy and SciPy only, never the package, so that they show
the mathematics rather than an API. The checkers compare against independent dense references,
not against these functions.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = [
    "ggn_from_jacobians",
    "damped_solve",
    "sherman_morrison",
    "woodbury_solve",
    "eig_update",
    "best_rank",
    "ema_of_factors",
    "bias_corrected_momentum",
    "momentum_step",
    "admissible_step",
    "spectrum_bounds",
    "loglog_slope",
    "theil_sen_slope",
    "pinv_c",
    "collapse_threshold",
    "secular",
    "eigenvector_from_root",
    "adam_step",
    "step_angle",
]


# -- 01 The GGN and the cost of its dense inverse --------------------------------------------


def ggn_from_jacobians(J, H):
    """Return the GGN ``(1/n) sum_i J_i^T H_i J_i`` from J (n, c, d) and H (n, c, c)."""
    n = J.shape[0]
    # For each sample: (d, c) @ (c, c) @ (c, d); summed over samples by einsum.
    return np.einsum("nci,nck,nkj->ij", J, H, J) / n


def damped_solve(G, g, gamma):
    """Return ``x = (G + gamma I)^{-1} g`` by a Cholesky factorization, with no inverse."""
    A = G + gamma * np.eye(G.shape[0])  # damping adds gamma to the diagonal only
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), g)


# -- 02 Sherman-Morrison, Woodbury -----------------------------------------------------------


def sherman_morrison(A_inv, u, v):
    """Return ``(A + u v^T)^{-1}`` from ``A^{-1}`` in O(d^2)."""
    Au = A_inv @ u  # A^{-1} u
    vA = v @ A_inv  # v^T A^{-1}
    return A_inv - np.outer(Au, vA) / (1.0 + v @ Au)


def woodbury_solve(U, sigma, gamma, g):
    """Return ``(gamma I + U diag(sigma) U^T)^{-1} g`` for orthonormal ``U`` in O(d tau)."""
    # Along u_i the matrix has eigenvalue gamma + sigma_i, elsewhere gamma:
    # x = g / gamma + U ((1/(gamma + sigma) - 1/gamma) * U^T g).
    weights = sigma / (gamma * (gamma + sigma))  # = 1/gamma - 1/(gamma + sigma), no cancellation
    return g / gamma - U @ (weights * (U.T @ g))


def eig_update(U, sigma, f, beta):
    """Return ``(U_new, sigma_new)``: eigenpairs of beta U diag(sigma) U^T + (1 - beta) f f^T."""
    c = U.T @ f
    p = f - U @ c  # the part of f outside span(U) ...
    c2 = U.T @ p  # ... orthogonalized a second time: one pass leaves rounding / ||p|| in span(U)
    p, c = p - U @ c2, c + c2
    r = np.linalg.norm(p)
    tau = len(sigma)
    K = np.zeros((tau + 1, tau + 1))  # the matrix in the basis [U, p / r]
    K[:tau, :tau] = np.diag(beta * sigma)
    K += (1.0 - beta) * np.outer(np.r_[c, r], np.r_[c, r])
    lam, V = np.linalg.eigh(K)
    order = np.argsort(lam)[::-1]  # descending
    return np.column_stack([U, p / r]) @ V[:, order], lam[order]


# -- 03 Ginger against the dense inverse -----------------------------------------------------


def best_rank(G, tau):
    """Return ``(U, sigma)``: the ``tau`` largest eigenpairs of symmetric ``G``, descending."""
    lam, V = np.linalg.eigh(G)  # ascending order
    top = np.argsort(lam)[::-1][:tau]
    return V[:, top], lam[top]


def ema_of_factors(factors, beta):
    """Return ``G_T`` of ``G_t = beta G_{t-1} + (1 - beta) F_t F_t^T`` from ``G_0 = 0``."""
    d = factors[0].shape[0]
    G = np.zeros((d, d))
    for F in factors:
        F = F.reshape(d, -1)  # a vector is a d x 1 factor
        G = beta * G + (1.0 - beta) * (F @ F.T)
    return G


# -- 04 Training ------------------------------------------------------------------------------


def bias_corrected_momentum(grads, beta1):
    """Return ``m_T / (1 - beta1^T)`` for ``m_t = beta1 m_{t-1} + (1 - beta1) g_t``, ``m_0 = 0``."""
    m = np.zeros_like(grads[0])
    for g in grads:
        m = beta1 * m + (1.0 - beta1) * g
    T = len(grads)  # the steps are counted from 1: after T gradients the weights sum to 1 - beta1^T
    return m / (1.0 - beta1**T)


def momentum_step(theta, m, grad, t, G, gamma, lr, beta1):
    """Return ``(theta_new, m_new)`` of one preconditioned momentum step ``t >= 1``."""
    m_new = beta1 * m + (1.0 - beta1) * grad  # keep the raw EMA: it is the state
    m_hat = m_new / (1.0 - beta1**t)  # the bias-corrected value is only used for the step
    u = np.linalg.solve(G + gamma * np.eye(G.shape[0]), m_hat)
    return theta - lr * u, m_new


# -- 05 Convergence theory --------------------------------------------------------------------


def admissible_step(L, lam_min, lam_max):
    """Return the largest step of the sharpened theorem, ``1 / (L lam_max)``."""
    # P^2 <= lam_max P gives ||P g||^2 <= lam_max g^T P g; the descent lemma then needs
    # eta L lam_max / 2 <= 1/2. lam_min does not enter.
    return 1.0 / (L * lam_max)


def spectrum_bounds(gamma, lam_bar):
    """Return ``(lam_min, lam_max)`` of ``P = (gamma I + G)^{-1}`` for ``0 <= G <= lam_bar I``."""
    # The eigenvalues of G lie in [0, lam_bar], so those of P in [1/(gamma + lam_bar), 1/gamma].
    return 1.0 / (gamma + lam_bar), 1.0 / gamma


# -- 06 Linear against cubic ------------------------------------------------------------------


def loglog_slope(sizes, times):
    """Return the least-squares slope ``p`` of ``log t = p log n + c``."""
    slope, _intercept = np.polyfit(np.log(sizes), np.log(times), 1)  # highest power first
    return slope


def theil_sen_slope(sizes, times):
    """Return the median of the log-log slopes between all pairs of points (Theil-Sen)."""
    x, y = np.log(sizes), np.log(times)
    i, j = np.triu_indices(len(x), k=1)  # every pair once, never a point with itself
    return np.median((y[j] - y[i]) / (x[j] - x[i]))


# -- 07 Ginger as released --------------------------------------------------------------------


def pinv_c(x):
    """Return ``1/x_i`` where ``x_i > c = 10 n eps max|x|``, else 0 (eps of x's dtype)."""
    c = 10 * x.shape[-1] * np.finfo(x.dtype).eps * np.abs(x).max()
    out = np.zeros_like(x)
    keep = x > c  # negative entries and those below the cut-off are dropped
    out[keep] = 1 / x[keep]
    return out


def collapse_threshold(gamma, tau, dtype):
    """Return the ``sigma`` from which the released map back sets an eigenvalue to 0."""
    # 1 - gamma s = gamma / (gamma + sigma) is cut off by pinv_c over tau + 1 values whose
    # largest is 1, so below c = 10 (tau + 1) eps: sigma >= gamma (1/c - 1).
    c = 10 * (tau + 1) * float(np.finfo(dtype).eps)
    return gamma * (1 / c - 1)


# -- 08 The rank-one eigen-update -------------------------------------------------------------


def secular(lam, d, z, rho):
    """Return ``f(lam) = 1 + rho sum_i z_i^2 / (d_i - lam)`` (``lam`` a number or an array)."""
    lam = np.asarray(lam, dtype=float)
    return 1.0 + rho * np.sum(z**2 / (d - lam[..., None]), axis=-1)


def eigenvector_from_root(d, z, lam):
    """Return the unit eigenvector of ``diag(d) + rho z z^T`` for its eigenvalue ``lam``."""
    # (D + rho z z^T) v = lam v  <=>  (D - lam I) v = -rho (z^T v) z: v is parallel to
    # (D - lam I)^{-1} z, whatever rho.
    v = z / (d - lam)
    return v / np.linalg.norm(v)


# -- 09 Baselines -----------------------------------------------------------------------------


def adam_step(theta, m, v, grad, t, lr, beta1, beta2, eps):
    """Return ``(theta_new, m_new, v_new)`` of one Adam step (step number ``t >= 1``)."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v  # eps outside the square root


def step_angle(u, v):
    """Return the angle in radians, in ``[0, pi]``, between the directions ``u`` and ``v``."""
    a, b = u / np.linalg.norm(u), v / np.linalg.norm(v)
    # arccos(a.b) is inaccurate near 0 and pi (and fails if rounding makes |a.b| > 1);
    # the half-angle form is accurate everywhere.
    return 2.0 * np.arctan2(np.linalg.norm(a - b), np.linalg.norm(a + b))
