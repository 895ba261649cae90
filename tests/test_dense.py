"""pyginger.dense: the exact references, checked against first principles."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import pyginger
from pyginger import dense
from pyginger.testing import compare_state

EPS64 = np.finfo(np.float64).eps


def test_ema_ggn_matches_the_closed_form_sum():
    rng = np.random.default_rng(0)
    factors = [rng.standard_normal((6, 2)) for _ in range(5)] + [rng.standard_normal(6)]
    beta = 0.7
    T = len(factors)
    expected = np.zeros((6, 6))
    for t, F in enumerate(factors, start=1):
        F = F.reshape(6, -1)
        expected += beta ** (T - t) * (1 - beta) * F @ F.T
    assert_allclose(dense.ema_ggn(factors, beta), expected, rtol=1e-14, atol=1e-14)


def test_damped_inverse_is_an_inverse():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((8, 3))
    G = A @ A.T
    inv = dense.damped_inverse(G, 0.1)
    # Cholesky is backward stable: residual ~ kappa * eps with kappa = (0.1 + ||G||) / 0.1.
    kappa = (0.1 + np.linalg.norm(G, 2)) / 0.1
    assert_allclose(inv @ (G + 0.1 * np.eye(8)), np.eye(8), atol=10 * kappa * EPS64)


def test_best_rank_truncation_is_eckart_young():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((10, 10))
    G = A @ A.T
    U, sigma = dense.best_rank_truncation(G, 3)
    lam = np.sort(np.linalg.eigvalsh(G))[::-1]
    assert_allclose(sigma, lam[:3], rtol=1e-12)
    assert_allclose(U.T @ U, np.eye(3), atol=1e-13)
    # Spectral error of the best rank-3 approximation is the 4th eigenvalue.
    err = np.linalg.norm(G - (U * sigma) @ U.T, 2)
    assert err == pytest.approx(lam[3], rel=1e-10)


def test_truncated_replay_equals_ema_while_rank_fits():
    rng = np.random.default_rng(3)
    factors = [rng.standard_normal(9) for _ in range(4)]
    assert_allclose(
        dense.truncated_replay(factors, 4, 0.5), dense.ema_ggn(factors, 0.5), atol=1e-13
    )
    trunc = dense.truncated_replay(factors, 2, 0.5)
    assert np.linalg.matrix_rank(trunc, tol=1e-10) == 2


def test_compare_reports_zero_error_for_an_exact_state_and_positive_otherwise():
    rng = np.random.default_rng(4)
    factors = [rng.standard_normal(12) for _ in range(3)]
    state = pyginger.init(12, 3, damping=0.1)
    for f in factors:
        state = pyginger.update(state, f, beta=0.8)
    G = dense.ema_ggn(factors, 0.8)
    # The state is exact (three rank-one updates, rank 3): the shared helper agrees, at three
    # backward-stable updates of ~ 3 eps each (relative to ||G_gamma||), so 50 eps.
    compare_state(state, G, rtol=50 * EPS64)
    m = dense.compare(state, G)
    assert set(m) == {
        "inverse_rel_fro",
        "spectral_rel",
        "eigenvalue_rel",
        "solve_rel",
        "principal_angles",
    }
    # Exact state: the errors are rounding, ~ eps * kappa with kappa = (||G|| + 0.1) / 0.1, about
    # 1e2 here (a few updates' eps, amplified by the inverse): 1e2 eps * kappa bounds them all.
    kappa = (np.linalg.norm(G, 2) + 0.1) / 0.1
    for key in ("inverse_rel_fro", "spectral_rel", "eigenvalue_rel", "solve_rel"):
        assert m[key] < 1e2 * kappa * EPS64, key
    # The subspace moves by ~ eps ||G|| / gap (Davis-Kahan), the gap being the smallest kept
    # eigenvalue (the next is 0), and SciPy's sine-based angles resolve that: 1e2 times it.
    lam = np.linalg.eigvalsh(G)[::-1]
    assert m["principal_angles"].shape == (3,)
    assert m["principal_angles"].max() < 1e2 * EPS64 * lam[0] / lam[2]
    # Truncated state: the errors are real and the first principal angle is non-trivial.
    more = factors + [rng.standard_normal(12) for _ in range(5)]
    for f in more[3:]:
        state = pyginger.update(state, f, beta=0.8)
    m2 = dense.compare(state, dense.ema_ggn(more, 0.8))
    assert m2["inverse_rel_fro"] > 1e-3 and m2["principal_angles"].max() > 1e-3


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: dense.ema_ggn([], 0.5), "ema_ggn: factors must contain at least one"),
        (
            lambda: dense.ema_ggn([np.ones(3), np.ones(4)], 0.5),
            r"each factor must have shape \(3,\)",
        ),
        (lambda: dense.ema_ggn([np.ones(3)], 1.5), "ema_ggn: beta must satisfy"),
        (lambda: dense.ema_ggn([np.array([1.0, np.nan])], 0.5), "finite"),
        (lambda: dense.damped_inverse(np.ones((2, 3)), 1.0), "damped_inverse: G must be a square"),
        (lambda: dense.damped_inverse(np.eye(2), 0.0), "damped_inverse: damping must be"),
        (lambda: dense.best_rank_truncation(np.eye(3), 4), "best_rank_truncation: rank must"),
        (lambda: dense.truncated_replay([np.ones(3)], 0, 0.5), "truncated_replay: rank must"),
        (
            lambda: dense.compare(pyginger.init(3, 1), np.eye(4)),
            r"compare: G must have shape \(3, 3\)",
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
