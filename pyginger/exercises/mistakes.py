r"""Plausible wrong solutions of the exercises, each with what it got wrong.

A checker that fails a reader's answer tries these on the failing input: when one of them gives
the reader's answer, the message names the mistake. The tests run every checker on every one of
them, and each must be rejected. :data:`MISTAKES` maps an exercise's name to its mistakes, as
``(description, function)`` pairs.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MISTAKES"]


def _ggn_without_mean(J, H):
    return np.einsum("nci,nck,nkj->ij", J, H, J)


def _ggn_without_hessian(J, H):
    return np.einsum("nci,ncj->ij", J, J) / J.shape[0]


def _solve_without_damping(G, g, gamma):
    return np.linalg.solve(G, g)


def _solve_damping_everywhere(G, g, gamma):
    return np.linalg.solve(G + gamma, g)


def _sm_plus_sign(A_inv, u, v):
    Au, vA = A_inv @ u, v @ A_inv
    return A_inv + np.outer(Au, vA) / (1.0 + v @ Au)


def _sm_swapped(A_inv, u, v):
    Av, uA = A_inv @ v, u @ A_inv
    return A_inv - np.outer(Av, uA) / (1.0 + v @ A_inv @ u)


def _woodbury_plain_weights(U, sigma, gamma, g):
    return g / gamma - U @ (1.0 / (gamma + sigma) * (U.T @ g))


def _woodbury_no_identity(U, sigma, gamma, g):
    return U @ ((U.T @ g) / (gamma + sigma))


def _eig_update_one_pass(U, sigma, f, beta):
    c = U.T @ f
    p = f - U @ c
    r = np.linalg.norm(p)
    K = np.diag(np.r_[beta * sigma, 0.0]) + (1.0 - beta) * np.outer(np.r_[c, r], np.r_[c, r])
    lam, V = np.linalg.eigh(K)
    return np.column_stack([U, p / r]) @ V[:, ::-1], lam[::-1]


def _eig_update_undecayed(U, sigma, f, beta):
    c = U.T @ f
    p = f - U @ c
    c2 = U.T @ p
    p, c = p - U @ c2, c + c2
    r = np.linalg.norm(p)
    K = np.diag(np.r_[sigma, 0.0]) + (1.0 - beta) * np.outer(np.r_[c, r], np.r_[c, r])
    lam, V = np.linalg.eigh(K)
    return np.column_stack([U, p / r]) @ V[:, ::-1], lam[::-1]


def _smallest_pairs(G, tau):
    lam, V = np.linalg.eigh(G)
    return V[:, :tau], lam[:tau]


def _unsorted_pairs(G, tau):
    lam, V = np.linalg.eigh(G)
    return V[:, -tau:], lam[-tau:]


def _ema_swapped(factors, beta):
    d = factors[0].shape[0]
    G = np.zeros((d, d))
    for F in factors:
        F = F.reshape(d, -1)
        G = (1.0 - beta) * G + beta * (F @ F.T)
    return G


def _ema_outer_of_vectors_only(factors, beta):
    d = factors[0].shape[0]
    G = np.zeros((d, d))
    for F in factors:
        G = beta * G + (1.0 - beta) * np.outer(F.reshape(d, -1)[:, 0], F.reshape(d, -1)[:, 0])
    return G


def _momentum_off_by_one(grads, beta1):
    m = np.zeros_like(grads[0])
    for g in grads:
        m = beta1 * m + (1.0 - beta1) * g
    return m / (1.0 - beta1 ** (len(grads) + 1))


def _momentum_uncorrected(grads, beta1):
    m = np.zeros_like(grads[0])
    for g in grads:
        m = beta1 * m + (1.0 - beta1) * g
    return m


def _step_stores_corrected(theta, m, grad, t, G, gamma, lr, beta1):
    m_hat = (beta1 * m + (1.0 - beta1) * grad) / (1.0 - beta1**t)
    u = np.linalg.solve(G + gamma * np.eye(G.shape[0]), m_hat)
    return theta - lr * u, m_hat


def _step_without_correction(theta, m, grad, t, G, gamma, lr, beta1):
    m_new = beta1 * m + (1.0 - beta1) * grad
    u = np.linalg.solve(G + gamma * np.eye(G.shape[0]), m_new)
    return theta - lr * u, m_new


def _step_plus(theta, m, grad, t, G, gamma, lr, beta1):
    m_new = beta1 * m + (1.0 - beta1) * grad
    u = np.linalg.solve(G + gamma * np.eye(G.shape[0]), m_new / (1.0 - beta1**t))
    return theta + lr * u, m_new


def _conservative_step(L, lam_min, lam_max):
    return lam_min / (L * lam_max**2)


def _step_with_lam_min(L, lam_min, lam_max):
    return 1.0 / (L * lam_min)


def _bounds_swapped(gamma, lam_bar):
    return 1.0 / gamma, 1.0 / (gamma + lam_bar)


def _bounds_of_the_curvature(gamma, lam_bar):
    return gamma, gamma + lam_bar


def _slope_is_intercept(sizes, times):
    return np.polyfit(np.log(sizes), np.log(times), 1)[1]


def _slope_mixed_logs(sizes, times):
    return np.polyfit(np.log(sizes), np.log10(times), 1)[0]


def _theil_sen_mean(sizes, times):
    x, y = np.log(sizes), np.log(times)
    i, j = np.triu_indices(len(x), k=1)
    return np.mean((y[j] - y[i]) / (x[j] - x[i]))


def _theil_sen_consecutive(sizes, times):
    x, y = np.log(sizes), np.log(times)
    return np.median(np.diff(y) / np.diff(x))


def _pinv_absolute_cutoff(x):
    c = 10 * x.shape[-1] * np.finfo(x.dtype).eps
    out = np.zeros_like(x)
    out[x > c] = 1 / x[x > c]
    return out


def _pinv_abs(x):
    c = 10 * x.shape[-1] * np.finfo(x.dtype).eps * np.abs(x).max()
    keep = np.abs(x) > c
    out = np.zeros_like(x)
    out[keep] = 1 / x[keep]
    return out


def _threshold_tau(gamma, tau, dtype):
    c = 10 * tau * np.finfo(dtype).eps
    return gamma * (1 / c - 1)


def _threshold_float64_eps(gamma, tau, dtype):
    c = 10 * (tau + 1) * np.finfo(np.float64).eps
    return gamma * (1 / c - 1)


def _secular_flipped(lam, d, z, rho):
    lam = np.asarray(lam, dtype=float)
    return 1.0 + rho * np.sum(z**2 / (lam[..., None] - d), axis=-1)


def _secular_without_square(lam, d, z, rho):
    lam = np.asarray(lam, dtype=float)
    return 1.0 + rho * np.sum(z / (d - lam[..., None]), axis=-1)


def _eigenvector_unnormalized(d, z, lam):
    return z / (d - lam)


def _eigenvector_product(d, z, lam):
    v = (d - lam) * z
    return v / np.linalg.norm(v)


def _adam_eps_inside(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v


def _adam_uncorrected(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def _angle_unclipped(u, v):
    return np.arccos(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def _angle_in_degrees(u, v):
    cos = np.clip(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)), -1.0, 1.0)
    return np.degrees(np.arccos(cos))


#: Exercise name -> ((what went wrong, the wrong function), ...).
MISTAKES = {
    "ggn_from_jacobians": (
        ("summed J_i^T H_i J_i over the samples without dividing by n", _ggn_without_mean),
        ("left out the loss Hessian H_i (J_i^T J_i)", _ggn_without_hessian),
    ),
    "damped_solve": (
        ("left out the damping (solved with G alone)", _solve_without_damping),
        ("added gamma to every entry of G, not only to its diagonal", _solve_damping_everywhere),
    ),
    "sherman_morrison": (
        ("added the correction term instead of subtracting it", _sm_plus_sign),
        ("swapped u and v in the correction (A^-1 v u^T A^-1)", _sm_swapped),
    ),
    "woodbury_solve": (
        (
            "used the weights 1/(gamma + sigma) instead of sigma/(gamma (gamma + sigma))",
            _woodbury_plain_weights,
        ),
        ("dropped the g/gamma term (solved only inside span(U))", _woodbury_no_identity),
    ),
    "eig_update": (
        (
            "orthogonalized f against U once only: when f lies nearly in span(U), q is not "
            "orthogonal to U",
            _eig_update_one_pass,
        ),
        ("did not decay the old eigenvalues by beta", _eig_update_undecayed),
    ),
    "best_rank": (
        ("kept the smallest eigenpairs (numpy.linalg.eigh sorts ascending)", _smallest_pairs),
        ("returned the largest eigenpairs in ascending order", _unsorted_pairs),
    ),
    "ema_of_factors": (
        ("swapped the weights: (1 - beta) G + beta F F^T", _ema_swapped),
        ("used only the first column of a (d, k) factor", _ema_outer_of_vectors_only),
    ),
    "bias_corrected_momentum": (
        ("divided by 1 - beta1^(T+1): the steps are counted from 1, not 0", _momentum_off_by_one),
        ("returned m_T without the bias correction", _momentum_uncorrected),
    ),
    "momentum_step": (
        ("stored the bias-corrected m_hat as the new momentum state", _step_stores_corrected),
        (
            "stepped with m_t instead of the bias-corrected m_t / (1 - beta1^t)",
            _step_without_correction,
        ),
        ("stepped uphill: theta + lr u", _step_plus),
    ),
    "admissible_step": (
        (
            "returned the conservative step lam_min / (L lam_max^2) of the older proof",
            _conservative_step,
        ),
        ("used lam_min in place of lam_max", _step_with_lam_min),
    ),
    "spectrum_bounds": (
        ("returned (lam_max, lam_min): the order is (lam_min, lam_max)", _bounds_swapped),
        ("returned the bounds of gamma I + G, not of its inverse", _bounds_of_the_curvature),
    ),
    "loglog_slope": (
        (
            "returned the intercept: numpy.polyfit lists the highest power first",
            _slope_is_intercept,
        ),
        ("took log10 of the times but the natural log of the sizes", _slope_mixed_logs),
    ),
    "theil_sen_slope": (
        ("took the mean of the pairwise slopes instead of their median", _theil_sen_mean),
        ("used only consecutive pairs of points", _theil_sen_consecutive),
    ),
    "pinv_c": (
        ("used the cut-off 10 n eps without the scale max|x|", _pinv_absolute_cutoff),
        ("compared |x| with the cut-off, so negative entries were inverted", _pinv_abs),
    ),
    "collapse_threshold": (
        ("counted tau values instead of the tau + 1 of the enlarged problem", _threshold_tau),
        ("used float64's eps whatever the dtype", _threshold_float64_eps),
    ),
    "secular": (
        (
            "wrote lam - d_i in the denominators (the sign of every term is flipped)",
            _secular_flipped,
        ),
        ("used z_i instead of z_i^2", _secular_without_square),
    ),
    "eigenvector_from_root": (
        ("did not normalize the vector", _eigenvector_unnormalized),
        ("multiplied by (d_i - lam) instead of dividing", _eigenvector_product),
    ),
    "adam_step": (
        ("put eps inside the square root", _adam_eps_inside),
        ("left out the bias corrections", _adam_uncorrected),
    ),
    "step_angle": (
        ("used arccos without clipping the cosine to [-1, 1]", _angle_unclipped),
        ("returned degrees, not radians", _angle_in_degrees),
    ),
}
