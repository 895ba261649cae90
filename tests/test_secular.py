"""The secular-equation eigensolver for diag(p) + rho z z^T against a dense symmetric solver.

Tolerances. Both solvers are backward stable: each computed eigenpair is exact for a matrix
within ``c n eps ||K||_2`` of ``K`` (LAPACK's error bounds for ``syevd`` and for the
divide-and-conquer merge that ``dlaed9`` performs, with deflation tolerance ``8 eps ||K||``).
So by Weyl's inequality the eigenvalues of the two solvers differ by at most ``2 c n eps ||K||``,
the residual ``||K v - lambda v||`` is of the same size, and the eigenvectors are orthonormal to
``c n eps``. ``c = 10`` leaves room for the constants without letting an O(sqrt(eps)) error pass.
"""

import numpy as np
import pytest

import pyginger
from pyginger.core import _secular
from pyginger.core import rank_update as lowrank

EPS = np.finfo(np.float64).eps

pytestmark = pytest.mark.skipif(not _secular.available(), reason="SciPy without dlaed9")


def _check(p, z, rho, tau):
    p, z = np.asarray(p, float), np.asarray(z, float)
    n = p.size
    K = np.diag(p) + rho * np.outer(z, z)
    lam, V = _secular.top_eigh(p, z, rho, tau)
    assert lam.shape == (tau,) and V.shape == (n, tau)
    assert np.all(np.diff(lam) <= 0), "eigenvalues must come in descending order"
    exact = np.linalg.eigvalsh(K)[::-1]
    norm = max(float(np.max(np.abs(exact))), np.finfo(float).tiny)
    bound = 10 * n * EPS
    want = exact[:tau]
    assert np.max(np.abs(lam - want)) <= bound * norm
    assert np.max(np.abs(V.T @ V - np.eye(tau))) <= bound
    assert np.max(np.abs(K @ V - V * lam)) <= bound * norm


def _poles(kind, n, rng):
    if kind == "random":
        return rng.random(n)
    if kind == "zero":  # the initial state: every pole 0, so everything but one deflates
        return np.zeros(n)
    if kind == "update":  # what an update builds: beta * sigma descending, then the new 0
        return np.r_[np.sort(rng.random(n - 1))[::-1], 0.0]
    if kind == "ties":  # repeated poles: deflation by rotation
        return np.round(3 * rng.random(n))
    if kind == "graded":  # poles over 15 orders of magnitude
        return rng.random(n) * 10.0 ** rng.integers(-12, 3, n)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["random", "zero", "update", "ties", "graded"])
@pytest.mark.parametrize("n", [1, 2, 3, 17, 33, 65])
def test_matches_dense_solver(kind, n):
    rng = np.random.default_rng(n)
    for trial in range(20):
        p = _poles(kind, n, rng)
        z = rng.standard_normal(n)
        if trial % 3 == 1:
            z[rng.random(n) < 0.3] = 0.0  # components that deflate exactly
        rho = [1.0, 1e-3, 1e-17, rng.random()][trial % 4]  # 1e-17: the update is below tol
        _check(p, z, rho, int(rng.integers(1, n + 1)))


def test_zero_update_returns_the_diagonal():
    lam, V = _secular.top_eigh([1.0, 3.0, 2.0], [0.0, 0.0, 0.0], 0.5, 3)
    np.testing.assert_array_equal(lam, [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(np.abs(V), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    lam, _ = _secular.top_eigh([1.0, 3.0], [1.0, 1.0], 0.0, 2)
    np.testing.assert_array_equal(lam, [3.0, 1.0])


@pytest.mark.parametrize("r", [0, 1])
def test_small_problem_of_lowrank_matches_dense(monkeypatch, r):
    # lowrank's (tau + r)-sized problem diag(weights, 0) + m [c; s][c; s]^T through both solvers.
    # Eigenvectors: by Davis-Kahan, a perturbation of size delta = c n eps ||K|| turns each one by
    # at most delta / gap, the gap to the nearest other eigenvalue (computed here densely).
    rng = np.random.default_rng(7 + r)
    tau = 40
    for _ in range(10):
        C, R = rng.standard_normal((tau, 1)), rng.standard_normal((r, 1))
        weights, middle = np.sort(rng.random(tau))[::-1], np.array([[rng.random()]])
        fast = lowrank._small_problem(C, R, middle, weights, tau)
        with monkeypatch.context() as m:
            m.setattr(_secular, "MIN_SIZE", 10**9)
            dense = lowrank._small_problem(C, R, middle, weights, tau)
        CR = np.concatenate((C, R))
        all_lam = np.linalg.eigvalsh(np.diag(np.r_[weights, np.zeros(r)]) + middle * CR @ CR.T)
        delta = 10 * (tau + r) * EPS * np.max(np.abs(all_lam))
        np.testing.assert_allclose(fast[0], dense[0], rtol=0, atol=2 * delta)
        gaps = np.array([np.min(np.abs(np.delete(all_lam, i) - lam)) for i, lam in
                         enumerate(all_lam)])[::-1][:tau]  # fmt: skip
        cosines = np.abs(np.sum(fast[1] * dense[1], axis=0))
        assert np.all(1 - cosines <= (2 * delta / gaps) ** 2 + 10 * tau * EPS)


@pytest.mark.parametrize("form", ["curvature", "inverse"])
def test_update_takes_the_secular_solver_and_agrees(monkeypatch, form, algorithm_counts):
    # Ten truncated updates at tau = 40 (tau + 1 >= MIN_SIZE) through the secular solver and
    # through the dense one. Each step's eigenvalues agree to ~n eps sigma_max (above); over ten
    # steps with beta < 1 the differences add, 100 tau eps covers them. The inverse form maps
    # back through 1 / (1 - gamma s), which amplifies errors by up to sigma_max / gamma.
    rng = np.random.default_rng(5)
    d, tau, gamma = 300, 40, 0.1
    state = pyginger.init(d, tau, damping=gamma)
    factors = rng.standard_normal((60, d)) * np.linspace(2.0, 0.1, d)
    for f in factors[:50]:
        state = pyginger.update(state, f, beta=0.95, form=form)
    counts = algorithm_counts
    before = counts["secular-eig"], counts["dense-eig"]
    fast = state
    for f in factors[50:]:
        fast = pyginger.update(fast, f, beta=0.95, form=form)
    assert (counts["secular-eig"], counts["dense-eig"]) == (before[0] + 10, before[1])
    monkeypatch.setattr(_secular, "MIN_SIZE", 10**9)
    dense = state
    for f in factors[50:]:
        dense = pyginger.update(dense, f, beta=0.95, form=form)
    assert (counts["secular-eig"], counts["dense-eig"]) == (before[0] + 10, before[1] + 10)
    scale = float(dense.sigma[0])
    amplification = 1.0 if form == "curvature" else 1.0 + scale / gamma
    atol = 100 * tau * EPS * scale * amplification
    np.testing.assert_allclose(fast.sigma, dense.sigma, rtol=0, atol=atol)
    assert pyginger.orthogonality_error(fast) <= 100 * tau * EPS


def test_update_falls_back_to_the_dense_solver(monkeypatch, algorithm_counts):
    # Should LAPACK's root finder fail, the update still answers, through the dense solver.
    def fail(*args, **kwargs):
        raise np.linalg.LinAlgError("dlaed4 did not converge")

    rng = np.random.default_rng(2)
    state = pyginger.init(60, 30, damping=0.1)
    for _ in range(3):
        state = pyginger.update(state, rng.standard_normal(60))
    f = rng.standard_normal(60)
    want = pyginger.update(state, f)
    monkeypatch.setattr(_secular, "top_eigh", fail)
    before = algorithm_counts["dense-eig"]
    got = pyginger.update(state, f)
    assert algorithm_counts["dense-eig"] == before + 1
    # Exact regime (rank 4 <= tau): both solvers agree with the matrix to rounding.
    np.testing.assert_allclose(got.sigma, want.sigma, rtol=0, atol=100 * 31 * EPS * want.sigma[0])
