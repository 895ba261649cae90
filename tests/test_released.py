"""The released numerics (pyginger.core._released): the guards' facts, derived and pinned.

The seven steps follow the authors' code; here each guard's consequence is derived from first
principles and checked on both sides of where it fires. The exact algorithm of reference is the
curvature form of pyginger.update, in float64 (its error, ~1e-15 relative, is negligible next to
the float32 tolerances below).
"""

import numpy as np
import pytest

import pyginger
from pyginger.core import _released

EPS32 = float(np.finfo(np.float32).eps)
TAU, D, BETA = 4, 30, 0.99


def _one_update_from_init(sigma_target, damping, dtype=np.float32):
    """One released update of the initial state with a factor whose exact eigenvalue is given."""
    g = np.zeros(D, dtype=dtype)
    g[TAU + 2] = np.sqrt(sigma_target / (1 - BETA))  # outside span(U): a new direction
    U0, s0 = np.eye(D, TAU, dtype=dtype), np.zeros(TAU, dtype=dtype)
    return _released.released_update(U0, s0, g, damping, BETA)


@pytest.mark.parametrize("damping", [1e-8, 1e-5, 1e-2])
def test_an_eigenvalue_collapses_exactly_above_the_derived_threshold(damping):
    # From the initial state (sigma = 0) one factor g gives the inverse's eigenvalue
    # s = sigma / (gamma (gamma + sigma)) with sigma = (1 - beta) |g|^2, the other tau values
    # 0. The map back divides by 1 - gamma s = gamma / (gamma + sigma) unless that is at most
    # c = 10 (tau + 1) eps max(1 - gamma s) = 10 (tau + 1) eps (the zeros give 1): sigma
    # collapses to 0 iff sigma >= gamma (1/c - 1). Near the threshold 1 - gamma s ~ c is
    # computed from gamma s ~ 1 with an error of ~eps, relative ~eps/c = 1/(50) = 2%: a factor
    # of 2 on either side leaves no doubt.
    threshold = _released.collapse_threshold(damping, TAU, np.float32)
    below = 0.5 * threshold
    _, sigma = _one_update_from_init(below, damping)
    # Kept, with the accuracy the inverse route allows: relative eps (gamma + sigma) / gamma,
    # here ~ eps / (2c) ~ 1%, times a small constant for the few float32 operations: 5%.
    np.testing.assert_allclose(sigma.max(), below, rtol=0.05)
    _, sigma = _one_update_from_init(2.0 * threshold, damping)
    assert np.all(sigma == 0.0)  # collapsed: the preconditioner becomes I / gamma


def test_the_threshold_matches_the_reported_collapse_scales():
    # tau = 4, float32: c = 50 eps = 5.96e-6, so sigma collapses from ~1.7e5 gamma on.
    assert _released.collapse_threshold(1e-8, 4, np.float32) == pytest.approx(1.678e-3, rel=1e-3)
    assert _released.collapse_threshold(1e-5, 4, np.float32) == pytest.approx(1.678, rel=1e-3)
    assert _released.collapse_threshold(1e-2, 4, np.float32) == pytest.approx(1678, rel=1e-3)


def _exact(factors, damping):
    state = pyginger.init(D, TAU, damping=damping)
    for f in factors:
        state = pyginger.update(state, f.astype(np.float64), beta=BETA)
    return state


def _released_run(factors, damping, dtype):
    U, s = np.eye(D, TAU, dtype=dtype), np.zeros(TAU, dtype=dtype)
    for f in factors:
        U, s = _released.released_update(U, s, f.astype(dtype), damping, BETA)
    return U, s


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_agrees_with_the_exact_algorithm_where_no_guard_fires(dtype):
    # gamma = 1e-2 and eigenvalues 0.05-1: every cut-off stays far (1 - gamma s >= 1e-2 >> c,
    # gamma^2 >> c max(gamma^2 + gamma sigma), sigma >> 1e-9 max sigma, r >> 1e-8). Each update
    # then computes the exact matrix up to rounding amplified by the map back's
    # kappa = (gamma + sigma_max) / gamma: per update ~ (tau + 1) eps kappa relative, summed over
    # the updates. Bound: 10 (tau + 1) n eps kappa.
    rng = np.random.default_rng(0)
    factors = 0.1 * rng.standard_normal((12, D))
    damping = 1e-2
    exact = _exact(factors, damping)
    U, s = _released_run(factors, damping, dtype)
    kappa = (damping + exact.sigma[0]) / damping
    tol = 10 * (TAU + 1) * len(factors) * np.finfo(dtype).eps * kappa
    np.testing.assert_allclose(np.sort(s)[::-1], exact.sigma, rtol=tol)
    G_exact = pyginger.to_dense(exact) - damping * np.eye(D)
    G = (U.astype(np.float64) * s) @ U.T.astype(np.float64)
    np.testing.assert_allclose(G, G_exact, rtol=0, atol=tol * exact.sigma[0])


def test_the_residual_floor_keeps_a_factor_inside_the_span_finite_and_exact():
    # g in span(U) exactly: p = q - U U^T q = 0 and r = 0; without the floor p / r is NaN.
    # With r = 1e-8 the new column is 0 / 1e-8 = 0, and K = c w w^T (w = [U^T q; r]) has rank
    # one: one eigenvalue c |w|^2 (the exact one) and tau zeros. Their eigenvectors complete w;
    # one of them is ~e_{tau+1}, whose column U V[:tau] + p V[tau] is ~0 (p = 0). So the state
    # stays finite and exact, but U may keep a (near) zero column with sigma = 0: U is then not
    # orthonormal (where the core drops such a direction and keeps U orthonormal).
    damping = 1e-2
    U0, s0 = np.eye(D, TAU, dtype=np.float32), np.zeros(TAU, dtype=np.float32)
    g = np.zeros(D, dtype=np.float32)
    g[:TAU] = [3.0, 2.0, 1.0, 0.5]  # inside span(U0)
    U, s = _released.released_update(U0, s0, g, damping, BETA)
    assert np.all(np.isfinite(U)) and np.all(np.isfinite(s))
    exact = _exact([g], damping)
    G = (U.astype(np.float64) * s) @ U.T.astype(np.float64)
    G_exact = pyginger.to_dense(exact) - damping * np.eye(D)
    # float32 rounding amplified by the map back's kappa = 1 + sigma / gamma.
    kappa = 1 + exact.sigma[0] / damping
    np.testing.assert_allclose(G, G_exact, rtol=0, atol=100 * EPS32 * kappa * exact.sigma[0])
    live = s > 0
    assert live.sum() == 1  # rank one: the only eigenvalue the factor gives
    norms = np.linalg.norm(U, axis=0)
    np.testing.assert_allclose(norms[live], 1.0, atol=10 * EPS32)
    short = norms < 0.5  # the columns the floor left (near) zero: all carry sigma = 0
    assert not np.any(short & live)


def test_pinv_cutoff_is_relative_to_the_largest_entry():
    x = np.array([1.0, 1e-3, 1e-7], dtype=np.float32)  # cutoff 10 * 3 * eps * 1 = 3.6e-6
    expected = np.array([1 / x[0], 1 / x[1], 0.0], dtype=np.float32)
    np.testing.assert_array_equal(_released.pinv_cutoff(x), expected)


@pytest.mark.parametrize("damping", [1e-5, 1e-2])
def test_the_collapse_is_relative_to_the_smallest_of_the_step_once_the_state_is_full(damping):
    # The map back's cut-off is c = 10 (tau + 1) eps max_j (1 - gamma s_j), and
    # 1 - gamma s_j = gamma / (gamma + sigma_j) is largest for the smallest sigma_min of the
    # tau + 1 values of the step. From the initial state sigma_min = 0 (the absolute threshold
    # above); once tau + 1 directions carry curvature, sigma collapses iff
    # (gamma + sigma_min) / (gamma + sigma) <= 10 (tau + 1) eps, a ratio of about 1.7e5 with
    # tau = 4 in float32, whatever gamma. So an eigenvalue far above the absolute threshold is
    # kept when the others are not much smaller. Four moderate directions, then a fifth factor
    # at 0.5x and 2x the derived limit. Near the limit 1 - gamma s ~ 10 (tau + 1) eps
    # max_j(1 - gamma s_j) is computed from gamma s ~ 1 with an absolute error ~eps: below
    # gamma / (gamma + sigma) ~ eps it rounds to nothing whatever the cut-off (sigma >~ gamma /
    # eps always collapses). sigma_min = 10 gamma keeps the limit, ~1.8e6 gamma, under that
    # floor (8.4e6 gamma), and at 0.5x the limit 1 - gamma s ~ 9 eps: kept, up to ~10%.
    moderate = 10 * damping
    U, s = np.eye(D, TAU, dtype=np.float32), np.zeros(TAU, dtype=np.float32)
    for i in range(TAU):
        g = np.zeros(D, dtype=np.float32)
        g[TAU + i] = np.sqrt(moderate / (1 - BETA))
        U, s = _released.released_update(U, s, g, damping, BETA)
    assert np.all(s > 0.9 * BETA**TAU * moderate)  # full: no zero left among the values
    sigma_min = float(s.min()) * BETA  # decayed at the next update
    limit = (damping + sigma_min) / (10 * (TAU + 1) * EPS32) - damping
    assert limit > 10 * _released.collapse_threshold(damping, TAU, np.float32)
    assert limit < damping / EPS32
    for ratio, collapses in ((0.5, False), (2.0, True)):
        g = np.zeros(D, dtype=np.float32)
        g[2 * TAU + 1] = np.sqrt(ratio * limit / (1 - BETA))
        _, s_new = _released.released_update(U, s, g, damping, BETA)
        assert (s_new.max() < 0.5 * ratio * limit) == collapses, (ratio, s_new)
