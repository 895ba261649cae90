"""pyginger.theory and its test problems: the convergence bound, its constants, its assumptions.

Every closed form is checked against finite differences or dense eigenvalues; every run-level
claim is either exact (deterministic runs: the bound holds pathwise) or statistical (seeded
replicates, with the margin expressed in standard errors).
"""

import importlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import pyginger
from pyginger import theory as th
from pyginger.theory.problems import LOSSES, MLPRegression, RobustRegression, _rho, _rho_p, _rho_pp

EPS = np.finfo(np.float64).eps


# ---------------------------------------------------------------------------------------------
# Fixtures: small problems, reused across tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cauchy():
    return RobustRegression.make(120, 6, loss="cauchy", scale=1.0, seed=0)


@pytest.fixture(scope="module")
def mlp():
    pytest.importorskip("pyginger.nn.mlp")
    return MLPRegression.make(32, sizes=(2, 6, 1), seed=0)


def test_old_names_and_every_module_are_reachable():
    import pyginger.theory.bounds as bounds
    from pyginger.theory import problems

    assert importlib.import_module("pyginger.problems") is problems  # the path of version 0.1
    assert problems.LOSSES is problems.ROBUST_LOSSES == ("cauchy", "geman-mcclure", "squared")
    assert problems.FACTOR_KINDS is problems.ROBUST_FACTOR_KINDS
    # The function pyginger.theory.bound does not hide the module that defines it.
    assert bounds.__name__ == "pyginger.theory.bounds" and th.bound is bounds.bound


# ---------------------------------------------------------------------------------------------
# The robust losses: derivatives and the closed-form extrema behind L, B and s^2
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("c", [0.5, 2.0])
def test_loss_derivatives_match_central_differences(loss, c):
    r = np.linspace(-5 * c, 5 * c, 41) + 0.01
    h = 1e-5 * c
    # Central differences: truncation h^2/6 |rho'''| (|rho'''| <= a few / c) plus rounding
    # eps |rho| / h; both are below 1e-8 for these h and |r| <= 5c.
    fd1 = (_rho(loss, r + h, c) - _rho(loss, r - h, c)) / (2 * h)
    fd2 = (_rho_p(loss, r + h, c) - _rho_p(loss, r - h, c)) / (2 * h)
    assert_allclose(_rho_p(loss, r, c), fd1, atol=1e-8 * max(1.0, c))
    assert_allclose(_rho_pp(loss, r, c), fd2, atol=1e-8)


@pytest.mark.parametrize(
    "loss, r_min, rho_pp_min, r_peak, rho_p_sup",
    [
        ("cauchy", math.sqrt(3.0), -1.0 / 8.0, 1.0, 0.5),
        ("geman-mcclure", 1.0, -1.0 / 4.0, 1.0 / math.sqrt(3.0), 3.0 * math.sqrt(3.0) / 16.0),
    ],
)
@pytest.mark.parametrize("c", [0.3, 1.0, 4.0])
def test_closed_form_extrema_of_the_robust_losses(loss, r_min, rho_pp_min, r_peak, rho_p_sup, c):
    prob = RobustRegression(np.eye(1), np.zeros(1), loss=loss, scale=c)
    assert prob.curvature_range == (rho_pp_min, 1.0)
    # The extremum is attained where the derivation says (to rounding: a few eps)...
    assert _rho_pp(loss, np.array([r_min * c]), c)[0] == pytest.approx(rho_pp_min, abs=8 * EPS)
    assert _rho_pp(loss, np.array([0.0]), c)[0] == 1.0
    assert _rho_p(loss, np.array([r_peak * c]), c)[0] == pytest.approx(rho_p_sup * c, rel=8 * EPS)
    # ...and nowhere on a fine grid is it exceeded (a grid can only under-estimate a sup).
    r = np.linspace(-20 * c, 20 * c, 200001)
    pp = _rho_pp(loss, r, c)
    assert pp.min() >= rho_pp_min - 8 * EPS and pp.max() <= 1.0 + 8 * EPS
    assert np.abs(_rho_p(loss, r, c)).max() <= rho_p_sup * c * (1 + 8 * EPS)


@pytest.mark.parametrize("loss", LOSSES)
def test_regression_gradient_hessian_and_hvp_match_finite_differences(loss):
    prob = RobustRegression.make(40, 5, loss=loss, seed=3)
    x = np.random.default_rng(1).standard_normal(5)
    f, g = prob.value_and_grad(x)
    assert f == prob.value(x)
    h = 1e-6
    E = np.eye(5)
    fd_g = np.array([(prob.value(x + h * e) - prob.value(x - h * e)) / (2 * h) for e in E])
    fd_H = np.array([(prob.grad(x + h * e) - prob.grad(x - h * e)) / (2 * h) for e in E])
    # Truncation ~ h^2 |f'''| ~ 1e-12; rounding ~ eps |f| / h ~ 1e-10 (|f| ~ 1 with outliers at
    # +-10 for least squares: |f| ~ 5, still < 1e-9).
    assert_allclose(g, fd_g, atol=1e-8)
    assert_allclose(prob.hessian(x), fd_H, atol=1e-8)
    v = np.arange(5.0)
    assert_allclose(prob.hvp(x, v), prob.hessian(x) @ v, rtol=1e-13, atol=1e-15)
    assert_allclose(prob.batch_grad(x, np.arange(40)), g, rtol=1e-13, atol=1e-16)
    assert_allclose(prob.per_sample_grads(x).mean(axis=0), g, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("loss", ["cauchy", "geman-mcclure"])
def test_smoothness_is_a_global_bound_attained_where_every_residual_vanishes(loss):
    prob = RobustRegression.make(60, 5, loss=loss, noise=0.0, outliers=0.0, seed=2)
    L = prob.smoothness
    rng = np.random.default_rng(0)
    # ||H(x)||_2 <= L everywhere: -|min rho''| M <= H <= M with M = A^T A / n. eigvalsh is
    # backward stable, so the computed norm is within ~d eps ||H|| of the true one.
    for _ in range(20):
        x = 3 * rng.standard_normal(5)
        assert np.max(np.abs(np.linalg.eigvalsh(prob.hessian(x)))) <= L * (1 + 64 * EPS)
    # With noiseless data x_star fits every sample: rho''(0) = 1 and H(x_star) = M, ||H|| = L.
    x_star, *_ = np.linalg.lstsq(prob.A, prob.y, rcond=None)
    assert np.max(np.abs(np.linalg.eigvalsh(prob.hessian(x_star)))) == pytest.approx(L, rel=1e-12)


def test_factor_bound_and_factor_expectations(cauchy):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(cauchy.dim)
    B = cauchy.factor_bound
    for kind in ("gauss-newton", "least-squares"):
        for k in (1, 3, 20):
            F = cauchy.factor(x, rng.integers(cauchy.num_samples, size=k), kind=kind)
            assert F.shape == (cauchy.dim, k)
            # ||F||_2^2 = lambda_max of a mean of w_i a_i a_i^T with w_i in [0, 1]: <= max |a_i|^2.
            assert np.linalg.norm(F, 2) <= B * (1 + 16 * EPS)
    # Full-data factors reproduce the matrices they stand for (rounding of a d x n product).
    F = cauchy.factor(x, kind="least-squares")
    assert_allclose(F @ F.T, cauchy.A.T @ cauchy.A / cauchy.num_samples, rtol=1e-13, atol=1e-15)
    F = cauchy.factor(x)
    r = cauchy.residuals(x)
    w = np.maximum(_rho_pp("cauchy", r, 1.0), 0.0)
    assert_allclose(
        F @ F.T, (cauchy.A.T * w) @ cauchy.A / cauchy.num_samples, rtol=1e-12, atol=1e-15
    )


def test_gradient_variance_is_exact_by_enumeration_and_below_the_bound():
    prob = RobustRegression.make(7, 3, loss="geman-mcclure", seed=4)
    x = np.array([0.3, -0.1, 0.7])
    g = prob.grad(x)
    Gi = prob.per_sample_grads(x)
    # b = 2 with replacement: all 49 ordered pairs are equally likely; enumerate the expectation.
    pairs = [(i, j) for i in range(7) for j in range(7)]
    exact = np.mean([np.sum((prob.batch_grad(x, np.array(p)) - g) ** 2) for p in pairs])
    assert prob.gradient_variance(x, 2) == pytest.approx(exact, rel=1e-12)
    assert prob.gradient_variance(x, 1) == pytest.approx(
        np.mean(np.sum((Gi - g) ** 2, 1)), rel=1e-12
    )
    for b in (1, 2, 5):
        assert prob.gradient_variance(x, b) <= prob.variance_bound(b)
    assert RobustRegression.make(7, 3, loss="squared").variance_bound(2) is None


def test_least_squares_lower_bound_is_the_minimum():
    prob = RobustRegression.make(30, 4, loss="squared", seed=0)
    x, *_ = np.linalg.lstsq(prob.A, prob.y, rcond=None)
    assert prob.lower_bound == prob.value(x)
    assert np.linalg.norm(prob.grad(x)) < 1e-12 * np.linalg.norm(prob.A.T @ prob.y)
    assert RobustRegression.make(30, 4).lower_bound == 0.0


def test_mlp_problem_wraps_the_model_consistently(mlp):
    x = mlp.init(1)
    f, g = mlp.value_and_grad(x)
    assert f == mlp.model.loss(x, mlp.X, mlp.y)
    assert_allclose(mlp.batch_grad(x, np.arange(mlp.num_samples)), g, rtol=1e-12, atol=1e-15)
    assert_allclose(mlp.per_sample_grads(x).mean(axis=0), g, rtol=1e-12, atol=1e-15)
    idx = np.array([0, 3, 3, 7])
    F = mlp.factor(x, idx)
    assert_allclose(F @ F.T, mlp.model.ggn(x, mlp.X[idx]), rtol=1e-12, atol=1e-14)
    G = mlp.per_sample_grads(x)
    assert mlp.gradient_variance(x, 3) == pytest.approx(
        np.mean(np.sum((G - g) ** 2, 1)) / 3, rel=1e-12
    )
    assert np.all(np.abs(mlp.X) <= 1) and np.all(np.abs(mlp.y) <= 1)
    assert mlp.smoothness is None and mlp.variance_bound(2) is None


# ---------------------------------------------------------------------------------------------
# The constants of the theorem
# ---------------------------------------------------------------------------------------------


def test_constants_closed_forms():
    assert th.curvature_bound(3.0) == 9.0
    assert th.curvature_bound(3.0, beta=0.9, step=0) == 0.0
    assert th.curvature_bound(3.0, beta=0.9, step=2) == pytest.approx(9 * (1 - 0.81), rel=1e-15)
    lam_min, lam_max = th.spectrum_bounds(0.5, 9.0)
    assert (lam_min, lam_max) == (1 / 9.5, 2.0)
    # Sharp rule: 1 / (L lam_max) = gamma / L; conservative: gamma^2 / (L (gamma + B^2)). Their
    # ratio is lam_max / lam_min = 1 + B^2 / gamma = 19 (a few roundings: rel 1e-15).
    sharp = th.admissible_step_size(2.0, lam_min, lam_max)
    conservative = th.admissible_step_size(2.0, lam_min, lam_max, rule="conservative")
    assert sharp == pytest.approx(0.5 / 2.0, rel=1e-15)
    assert conservative == pytest.approx(0.25 / (2 * 9.5), rel=1e-15)
    assert sharp / conservative == pytest.approx(19.0, rel=1e-14)


@given(
    ev=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6),
    lam_max=st.floats(0.1, 10.0),
    seed=st.integers(0, 2**16),
)
def test_p_squared_is_below_lam_max_times_p(ev, lam_max, seed):
    # The step of the sharpened proof: for symmetric 0 <= P <= lam_max I,
    # |P v|^2 = v^T P^2 v <= lam_max v^T P v, since lam_max P - P^2 = P^(1/2)(lam_max I - P)P^(1/2)
    # is PSD. Checked on random P with the given spectrum (rounding: a few eps of lam_max^2|v|^2).
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((len(ev), len(ev))))
    P = (Q * (lam_max * np.array(ev))) @ Q.T
    v = rng.standard_normal(len(ev))
    lhs, rhs = np.sum((P @ v) ** 2), lam_max * (v @ P @ v)
    assert lhs <= rhs + 16 * EPS * lam_max**2 * (v @ v)


def _scalar_quadratic_run(L, lam, kappa, x0, noise, T):
    """Preconditioned SGD on f = L |x|^2 / 2 with P = lam I, eta = kappa / (L lam), noise rows."""
    eta = kappa / (L * lam)
    x, g2 = np.array(x0, dtype=np.float64), []
    for t in range(T):
        g2.append(L * L * (x @ x))
        x = x - eta * lam * (L * x + noise[t])
    return eta, np.array(g2)


def test_bound_is_attained_on_a_quadratic_with_a_scalar_preconditioner():
    # f = L |x|^2 / 2 with P_t = lam I: every inequality of the proof is an equality except
    # f(x_T) >= f^*, and at eta = 1/(L lam) (the sharp admissible step) x_1 = 0, so that one is
    # an equality too. Then (1/T) sum grad^T P grad = lam L^2 |x0|^2 / T = 2 Delta / (eta T):
    # the bound is attained at every T, in both forms (lam_min = lam_max = lam), so none of its
    # constants can be lowered. Rounding: a few operations, relative 1e-14.
    L, lam, x0, T = 3.0, 0.7, np.array([1.0, -2.0, 0.5]), 6
    eta, g2 = _scalar_quadratic_run(L, lam, 1.0, x0, np.zeros((T, 3)), T)
    assert eta == th.admissible_step_size(L, lam, lam)
    gap = L * (x0 @ x0) / 2
    kw = dict(smoothness=L, lam_min=lam, lam_max=lam, step_size=eta, variance=0.0, gap=gap)
    euclid = th.check_bound(g2, **kw)
    pnorm = th.check_bound(lam * g2, norm="preconditioned", **kw)
    assert_allclose(euclid.ratio, 1.0, rtol=1e-14)
    assert_allclose(pnorm.ratio, 1.0, rtol=1e-14)
    # The tight form is the same number here: c = 1 - L eta lam / 2 = 1/2.
    assert_allclose(th.check_bound(g2, tight=True, **kw).ratio, 1.0, rtol=1e-14)
    # Just below twice the sharp step the tight form still holds; just beyond, x_t = (1 - kappa)^t
    # x0 grows and the formula fails (the tight form is void there, so the relaxed one is shown):
    # the limit eta < 2 / (L lam_max) of the sharpened proof is exactly where failure can start.
    eta_k, g2k = _scalar_quadratic_run(L, lam, 1.99, x0, np.zeros((400, 3)), 400)
    assert th.check_bound(g2k, tight=True, **{**kw, "step_size": eta_k}).all_hold
    eta_k, g2k = _scalar_quadratic_run(L, lam, 2.01, x0, np.zeros((400, 3)), 400)
    assert not th.check_bound(g2k, **{**kw, "step_size": eta_k}).all_hold


def test_noise_term_is_attained_on_a_quadratic_with_a_scalar_preconditioner():
    # With noise xi_t = +-s e_j (mean 0, |xi|^2 = s^2 exactly) and eta = 1/(L lam),
    # x_{t+1} = -xi_t / L, so |grad f(x_t)|^2 = s^2 for t >= 1 whatever the signs: the mean is
    # (L^2|x0|^2 + (T-1) s^2) / T against the bound L^2|x0|^2/T + s^2 (Euclidean, lam_min =
    # lam_max): the ratio tends to 1, so the noise constant L eta lam_max^2 s^2 / lam_min is
    # attained too. Rounding: relative 1e-13.
    L, lam, s, T = 2.0, 0.5, 0.3, 50
    rng = np.random.default_rng(0)
    x0 = np.array([1.0, 1.0])
    noise = np.zeros((T, 2))
    noise[np.arange(T), rng.integers(0, 2, T)] = s * rng.choice([-1.0, 1.0], T)
    eta, g2 = _scalar_quadratic_run(L, lam, 1.0, x0, noise, T)
    gap = L * (x0 @ x0) / 2
    chk = th.check_bound(
        g2, smoothness=L, lam_min=lam, lam_max=lam, step_size=eta, variance=s * s, gap=gap
    )
    Ts = np.arange(1, T + 1)
    want = (L * L * (x0 @ x0) + (Ts - 1) * s * s) / (L * L * (x0 @ x0) + Ts * s * s)
    assert_allclose(chk.ratio, want, rtol=1e-13)
    assert chk.all_hold and chk.ratio[-1] > 0.99


@given(
    L=st.floats(0.01, 100),
    gamma=st.floats(0.01, 10),
    lam_bar=st.floats(0, 100),
    s2=st.floats(0.001, 10),
    gap=st.floats(0.001, 100),
    T=st.integers(1, 10**6),
)
def test_tuned_step_size_minimises_the_bound(L, gamma, lam_bar, s2, gap, T):
    lam_min, lam_max = th.spectrum_bounds(gamma, lam_bar)
    kw = dict(smoothness=L, lam_min=lam_min, lam_max=lam_max, variance=s2, gap=gap)
    eta = th.tuned_step_size(T, **kw)
    cap = th.admissible_step_size(L, lam_min, lam_max)
    assert 0 < eta <= cap
    # The conservative cap is the sharp one times lam_min / lam_max.
    low = th.tuned_step_size(T, rule="conservative", **kw)
    assert low == pytest.approx(min(eta, cap * lam_min / lam_max), rel=1e-14)
    best = th.bound(T, step_size=eta, **kw)
    # R(eta) = a/eta + b eta is convex: no admissible step on a grid does better (up to the
    # rounding of the two terms, a few eps relatively).
    for e in np.linspace(cap / 50, cap, 50):
        assert best <= th.bound(T, step_size=float(e), **kw) * (1 + 8 * EPS)
    if eta < cap:  # interior optimum: R = (2 lam_max / lam_min) sqrt(2 gap L s2 / T)
        closed = 2 * lam_max / lam_min * math.sqrt(2 * gap * L * s2 / T)
        assert best == pytest.approx(closed, rel=1e-12)


def test_bound_decays_like_inverse_sqrt_T_with_tuned_steps_and_inverse_T_without_noise():
    kw = dict(smoothness=1.0, lam_min=0.5, lam_max=1.0, gap=1.0)
    T = np.array([100, 400, 1600, 6400])
    noisy = [
        th.bound(
            int(t), step_size=th.tuned_step_size(int(t), variance=1.0, **kw), variance=1.0, **kw
        )
        for t in T
    ]
    assert th.fit_rate(T, noisy)[0] == pytest.approx(-0.5, abs=1e-12)
    exact = th.bound(T, step_size=0.5, variance=0.0, **kw)
    assert th.fit_rate(T, exact)[0] == pytest.approx(-1.0, abs=1e-12)


@given(kappa=st.floats(0.01, 1.0), s2=st.floats(0, 5), T=st.integers(1, 1000))
def test_tight_form_is_never_worse_inside_the_theorem_and_void_beyond_twice(kappa, s2, T):
    kw = dict(smoothness=2.0, lam_min=0.25, lam_max=1.0, variance=s2, gap=3.0)
    eta_max = th.admissible_step_size(2.0, 0.25, 1.0)
    eta = kappa * eta_max
    for norm in ("euclidean", "preconditioned"):
        # c = 1 - L eta lam_max / 2 >= 1/2 when eta <= eta_max, so tight <= loose.
        tight = th.bound(T, step_size=eta, tight=True, norm=norm, **kw)
        assert tight <= th.bound(T, step_size=eta, norm=norm, **kw) * (1 + 4 * EPS)
        assert th.bound(T, step_size=2 * eta_max, tight=True, norm=norm, **kw) == math.inf
    # The two forms differ by exactly the factor lam_min (one division: rel 2 eps).
    euclid, pnorm = (
        th.bound(T, step_size=eta, norm=n, **kw) for n in ("euclidean", "preconditioned")
    )
    assert pnorm == pytest.approx(0.25 * euclid, rel=4 * EPS)


def test_bound_closed_forms_of_both_norms():
    # R_P = 2 gap / (eta T) + L eta lam_max^2 s^2 and R = R_P / lam_min, by hand:
    # 2*3/(0.4*5) + 2*0.4*4*0.5 = 3 + 1.6 = 4.6, and 4.6 / 0.2 = 23.
    kw = dict(smoothness=2.0, lam_min=0.2, lam_max=2.0, step_size=0.4, variance=0.5, gap=3.0)
    assert th.bound(5, norm="preconditioned", **kw) == pytest.approx(4.6, rel=1e-15)
    assert th.bound(5, **kw) == pytest.approx(23.0, rel=1e-15)
    # Tight: c = 1 - 2*0.4*2/2 = 0.2; (3/5 + 2*0.16*4*0.5/2) / (0.4*0.2) = (0.6+0.32)/0.08 = 11.5
    assert th.bound(5, tight=True, norm="preconditioned", **kw) == pytest.approx(11.5, rel=1e-14)


# ---------------------------------------------------------------------------------------------
# The spectral lemma: lam_min I <= P_t <= lam_max I for Ginger's actual state
# ---------------------------------------------------------------------------------------------


@given(
    seed=st.integers(0, 2**16),
    k=st.integers(1, 3),
    beta=st.floats(0, 0.99),
    gamma=st.floats(1e-3, 10),
    rank=st.integers(1, 5),
)
def test_ginger_spectrum_stays_in_the_theorems_interval(seed, k, beta, gamma, rank):
    rng = np.random.default_rng(seed)
    d, B = 6, 1.5
    state = pyginger.init(d, rank, damping=gamma)
    sig, norms = [], []
    for t in range(1, 13):
        F = rng.standard_normal((d, k))
        F *= B * rng.uniform(0.2, 1.0) / np.linalg.norm(F, 2)  # ||F||_2 <= B
        state = pyginger.update(state, F, beta=beta)
        sig.append(float(state.sigma[0]))
        norms.append(np.linalg.norm(F, 2))
        lo, hi = th.preconditioner_spectrum(state)
        # Dense reference: eigenvalues of the state's inverse; eigvalsh is accurate to
        # ~d eps ||P|| = d eps / gamma absolutely.
        ev = np.linalg.eigvalsh(pyginger.to_dense(state, inverse=True))
        assert lo == pytest.approx(ev[0], rel=1e-10, abs=64 * d * EPS / gamma)
        assert hi == pytest.approx(ev[-1], rel=1e-10, abs=64 * d * EPS / gamma)
        lam_min, lam_max = th.spectrum_bounds(gamma, th.curvature_bound(B, beta=beta, step=t))
        assert lo >= lam_min * (1 - 1e3 * EPS / (1 - beta)) and hi <= lam_max * (1 + 4 * EPS)
    chk = th.check_spectrum(sig, norms, damping=gamma, beta=beta, factor_bound=B)
    assert chk.all_hold
    assert np.all(chk.curvature_bound <= B * B * (1 + 16 * EPS))


def test_check_spectrum_flags_a_state_above_the_curvature_bound():
    chk = th.check_spectrum([0.5, 1.2], [1.0, 1.0], damping=1.0, beta=0.0, factor_bound=0.9)
    assert chk.holds.tolist() == [True, False]
    assert chk.factor_bound_holds.tolist() == [False, False]
    assert not chk.all_hold
    assert_allclose(chk.lam_min, [1 / 1.5, 1 / 2.2])


# ---------------------------------------------------------------------------------------------
# Assumption checks: L by power iteration, L along the steps actually taken
# ---------------------------------------------------------------------------------------------


def test_estimate_smoothness_matches_dense_eigenvalues_with_exact_and_fd_products(cauchy):
    x = np.random.default_rng(2).standard_normal(cauchy.dim)
    H = cauchy.hessian(x)
    ref = np.max(np.abs(np.linalg.eigvalsh(H)))
    exact = th.estimate_smoothness(cauchy.grad, x, hvp=cauchy.hvp, rng=0, rtol=1e-13)
    assert exact.success
    # Power iteration: each ||H v_k|| is a lower bound and converges to ||H||_2; rtol=1e-13 on
    # successive estimates leaves an error of the same order times 1/(1 - (lam2/lam1)^2).
    assert exact.L <= ref * (1 + 16 * EPS)
    assert exact.L == pytest.approx(ref, rel=1e-9)
    fd = th.estimate_smoothness(cauchy.grad, x, rng=0, rtol=1e-13, maxiter=2000)
    # Finite-difference products err by ~h^2 |f'''| + eps |g| / h ~ 1e-10 relative.
    assert fd.L == pytest.approx(ref, rel=1e-7)
    assert fd.L <= cauchy.smoothness * (1 + 1e-7)
    short = th.estimate_smoothness(cauchy.grad, x, hvp=cauchy.hvp, maxiter=1, rng=0)
    assert not short.success and short.L <= ref * (1 + 16 * EPS)


def test_descent_smoothness_is_exact_on_a_quadratic_and_its_error_bound_covers_tiny_steps():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    H = A @ A.T
    X = rng.standard_normal((8, 5))
    f = 0.5 * np.einsum("ij,jk,ik->i", X, H, X)
    D = np.diff(X, axis=0)
    expected = np.einsum("ij,jk,ik->i", D, H, D) / np.sum(D * D, axis=1)
    L, err = th.descent_smoothness(f, X @ H, X, return_error=True)
    assert_allclose(L, expected, rtol=1e-10)
    assert np.all(np.abs(L - expected) <= err)
    # Steps of size 1e-9: the cancellation in f leaves rounding noise, which the bound covers.
    Xs = X[0] + 1e-9 * rng.standard_normal((8, 5))
    fs = 0.5 * np.einsum("ij,jk,ik->i", Xs, H, Xs)
    Ls, errs = th.descent_smoothness(fs, Xs @ H, Xs, return_error=True)
    Ds = np.diff(Xs, axis=0)
    exact_s = np.einsum("ij,jk,ik->i", Ds, H, Ds) / np.sum(Ds * Ds, axis=1)
    assert np.all(np.abs(Ls - exact_s) <= errs)


def test_estimate_constants_on_least_squares(cauchy):
    prob = RobustRegression.make(50, 4, loss="squared", seed=0)
    est = th.estimate_constants(prob, np.zeros(4), batch_size=3, safety=1.0)
    assert est["smoothness"] == pytest.approx(prob.smoothness, rel=1e-7)  # FD products
    assert est["factor_bound"] == pytest.approx(prob.factor_bound, rel=1e-14)
    assert est["variance"] == pytest.approx(prob.gradient_variance(np.zeros(4), 3), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# The bound along real runs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["cauchy", "geman-mcclure"])
@pytest.mark.parametrize("damping, beta, rank", [(1.0, 0.9, 3), (0.3, 0.5, 1), (3.0, 0.99, 6)])
def test_bound_holds_for_every_T_with_exact_gradients(loss, damping, beta, rank):
    prob = RobustRegression.make(120, 6, loss=loss, seed=1)
    res = th.bound_experiment(
        prob,
        np.zeros(6),
        steps=80,
        rank=rank,
        damping=damping,
        beta=beta,
        factor_batch_size=5,
        seed=0,
    )
    c = res.constants
    assert res.success and res.check.admissible
    # Deterministic gradients: the proof is pathwise, so the bound must hold at every T (the
    # ratio is far below 1, rounding cannot matter).
    assert res.check.all_hold
    # ...and each assumption it uses holds along the run:
    assert res.spectrum_holds
    assert res.min_lam_min >= c["lam_min"] * (1 - 1e-12)
    assert res.max_descent_smoothness <= c["smoothness"]
    # The key step of the proof, per step: f(x_{t+1}) <= f(x_t) - (eta lam_min / 2) |grad|^2,
    # up to the rounding of f (64 eps |f|).
    run = res.runs[0]
    f, g2 = run.losses, run.grad_sq_norms
    decrease = res.step_size * c["lam_min"] / 2 * g2[:-1]
    assert np.all(f[1:] <= f[:-1] - decrease + 64 * EPS * np.abs(f[:-1]))


def test_bound_holds_in_expectation_with_minibatch_gradients(cauchy):
    R = 8
    res = th.bound_experiment(
        cauchy, np.zeros(cauchy.dim), steps=150, rank=3, batch_size=2, replicates=R, seed=0
    )
    chk, c = res.check, res.constants
    assert res.success and res.check.admissible and res.spectrum_holds
    # The variance assumption: the exact variance at every iterate is below s^2 = psi^2 B^2 / b.
    assert res.max_variance <= c["variance"]
    # The theorem bounds E[(1/T) sum |grad|^2]; the replicate mean estimates it. Statistical
    # margin: at every T the bound exceeds the mean by many standard errors, so the conclusion
    # does not depend on the seed (a violation would need a > 20-sigma fluctuation).
    assert chk.all_hold
    # T = 1 is deterministic (every replicate starts at x0: standard error 0 up to rounding).
    z = (chk.bound[1:] - chk.average[1:]) / chk.standard_error[1:]
    assert np.all(z > 20)


def test_bound_with_a_posteriori_constants_on_the_tanh_mlp(mlp):
    x0 = mlp.init(0)
    est = th.estimate_constants(mlp, x0, safety=2.0)
    res = th.bound_experiment(mlp, x0, steps=60, rank=4, damping=1.0, **est)
    # Nothing guarantees the estimated L and B globally; the run is certified only if every
    # step used stayed within them. These checks are what make the conclusion valid.
    assert res.max_descent_smoothness <= est["smoothness"]
    assert res.spectrum_holds  # includes |F_t|_2 <= B at every step
    assert res.check.all_hold
    assert res.runs[0].losses[-1] < res.runs[0].losses[0]


def test_empirical_rates(cauchy):
    x0 = np.zeros(cauchy.dim)
    # Exact gradients: once sum_t |grad|^2 has converged, the average is S / T exactly, slope -1
    # to the rounding of S (relative 1e-15); the minimum decays geometrically (locally strongly
    # convex), i.e. much faster than the worst-case O(1/T).
    det = th.rate_experiment(cauchy, x0, horizons=[200, 400, 800], rank=3, factor_batch_size=4)
    assert det.slope_average == pytest.approx(-1.0, abs=1e-9)
    assert det.slope_bound == pytest.approx(-1.0, abs=1e-12)
    assert det.holds.all()
    early = th.rate_experiment(cauchy, x0, horizons=[4, 8, 16, 32], rank=3, factor_batch_size=4)
    assert early.slope_minimum < -2
    # Mini-batch gradients with eta_T from tuned_step_size: the bound is O(1/sqrt(T)).
    sto = th.rate_experiment(
        cauchy,
        x0,
        horizons=[32, 64, 128, 256],
        rank=3,
        batch_size=2,
        factor_batch_size=2,
        replicates=4,
        seed=1,
    )
    assert np.all(np.diff(sto.step_sizes) < 0)  # below the cap: eta_T ~ 1/sqrt(T)
    assert sto.slope_bound == pytest.approx(-0.5, abs=1e-12)
    assert sto.holds.all()
    # The theorem says "no slower than 1/sqrt(T)": the fitted slope must not be significantly
    # above -1/2. Its standard error comes from the spread of the replicates (propagated through
    # the fit); four standard errors of slack make a false alarm a < 1e-4 event under a normal
    # approximation, and the second assert keeps the test from passing vacuously on noise.
    assert sto.slope_average <= -0.5 + 4 * sto.slope_average_se
    assert sto.slope_average_se < 0.15


def test_violating_the_step_size_condition_can_break_the_bound(cauchy):
    x0 = np.zeros(cauchy.dim)
    res = th.violation_experiment(
        cauchy, x0, multipliers=[0.5, 1.0, 1.9, 32.0], steps=120, rank=3, factor_batch_size=4
    )
    assert res.all_hold[:2].all()  # inside the theorem: must hold
    # kappa = 32: the step overshoots in the well-curved directions, the iterates oscillate
    # without diverging (the redescending loss flattens), |grad|^2 stays away from 0, and the
    # O(1/T) formula is overtaken: the "bound" fails, early and by a wide margin.
    assert not res.all_hold[3]
    assert 0 < res.first_violation[3] < 20
    assert res.max_ratio[3] > 10
    assert not res.diverged[3] and res.final_grad_sq[3] > 1e-4
    # kappa = 1.9 is outside the relaxed condition but inside the tight form (kappa < 2): still
    # a bound, and the relaxed condition is not claimed.
    assert not res.checks[2].admissible and res.all_hold_tight[:3].all()


@pytest.mark.parametrize("rule", ["sharp", "conservative"])
@pytest.mark.parametrize("batch_size", [None, 2])
def test_bound_holds_in_both_norms_at_either_admissible_step(cauchy, rule, batch_size):
    R = 1 if batch_size is None else 6
    res = th.bound_experiment(
        cauchy,
        np.zeros(cauchy.dim),
        steps=100,
        rank=3,
        batch_size=batch_size,
        replicates=R,
        rule=rule,
        factor_batch_size=3,
        seed=2,
    )
    c = res.constants
    assert res.step_size == c[f"{rule}_step_size"] and res.check.admissible
    assert c["sharp_step_size"] == pytest.approx(
        c["conservative_step_size"] * c["lam_max"] / c["lam_min"], rel=1e-14
    )
    # Exact gradients: pathwise, must hold. Mini-batches: replicate means, margin below.
    for chk in (res.check, res.check_preconditioned):
        assert chk.all_hold
        if R > 1:
            assert np.all((chk.bound[1:] - chk.average[1:]) / chk.standard_error[1:] > 10)
    # The P-norm records are grad^T P_t grad, between lam_min and lam_max times |grad|^2.
    run = res.runs[0]
    g2, p2 = run.grad_sq_norms[:-1], run.preconditioned_sq_norms
    assert np.all(p2 >= c["lam_min"] * g2 * (1 - 1e-12))
    assert np.all(p2 <= c["lam_max"] * g2 * (1 + 1e-12))
    if batch_size is None:
        # Lemma 2 per step, sharp form: f(x_{t+1}) <= f(x_t) - (eta / 2) grad^T P_t grad, up to
        # the rounding of f (64 eps |f|).
        f = run.losses
        assert np.all(f[1:] <= f[:-1] - res.step_size / 2 * p2 + 64 * EPS * np.abs(f[:-1]))


def test_same_batch_ordering_runs_and_records_stream(cauchy):
    run = th.preconditioned_sgd(
        cauchy,
        np.zeros(cauchy.dim),
        steps=10,
        step_size=1.0,
        rank=2,
        batch_size=3,
        factor_batch="same",
        record_stream=True,
        seed=0,
    )
    assert run.success and len(run.factors) == 10 and run.factors[0].shape == (cauchy.dim, 3)
    # "same": the factor uses the gradient's samples, so it is a function of that batch.
    with pytest.raises(ValueError, match="factor_batch='same'"):
        th.preconditioned_sgd(
            cauchy,
            np.zeros(cauchy.dim),
            steps=2,
            step_size=1.0,
            rank=2,
            batch_size=3,
            factor_batch_size=2,
            factor_batch="same",
        )


# ---------------------------------------------------------------------------------------------
# check_bound and fit_rate on hand-computed cases
# ---------------------------------------------------------------------------------------------


def test_check_bound_hand_computed():
    g2 = np.array([[4.0, 2.0, 0.0], [2.0, 2.0, 3.0]])
    chk = th.check_bound(
        g2, smoothness=1.0, lam_min=1.0, lam_max=1.0, step_size=1.0, variance=0.0, gap=2.0
    )  # bound 4/T
    assert_allclose(chk.average, [3.0, 2.5, 13 / 6])
    assert_allclose(chk.minimum, [3.0, 2.0, 1.0])
    assert_allclose(chk.bound, [4.0, 2.0, 4 / 3])
    assert chk.holds.tolist() == [True, False, False] and chk.first_violation == 2
    running = np.array([[4.0, 3.0, 2.0], [2.0, 2.0, 7 / 3]])
    assert_allclose(chk.standard_error, running.std(axis=0, ddof=1) / np.sqrt(2))
    assert chk.admissible  # eta = 1 / (L lam_max) = 1
    assert not th.check_bound(
        [1.0], smoothness=1.0, lam_min=1.0, lam_max=1.0, step_size=1.01, variance=0.0, gap=1.0
    ).admissible


def test_fit_rate_recovers_power_laws():
    T = np.array([3.0, 30.0, 300.0])
    slope, intercept = th.fit_rate(T, 7.0 * T**-1.3)
    assert slope == pytest.approx(-1.3, abs=1e-12) and intercept == pytest.approx(
        math.log(7), abs=1e-11
    )


# ---------------------------------------------------------------------------------------------
# Bad input: every function names itself, the argument, what it expected and what it got
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: th.curvature_bound(-1.0),
            ValueError,
            r"curvature_bound: factor_bound must be >= 0, got -1",
        ),
        (
            lambda: th.curvature_bound("2"),
            TypeError,
            r"curvature_bound: factor_bound must be a real number, got str",
        ),
        (
            lambda: th.curvature_bound(1.0, beta=0.5),
            ValueError,
            r"curvature_bound: give both beta and step",
        ),
        (
            lambda: th.curvature_bound(1.0, beta=0.5, step=-1),
            ValueError,
            r"step must be >= 0, got -1",
        ),
        (
            lambda: th.spectrum_bounds(0.0, 1.0),
            ValueError,
            r"spectrum_bounds: damping must be > 0, got 0.0",
        ),
        (
            lambda: th.admissible_step_size(1.0, 2.0, 1.0),
            ValueError,
            r"admissible_step_size: lam_min must be <= lam_max = 1.0, got 2.0",
        ),
        (
            lambda: th.admissible_step_size(1.0, 1.0, 1.0, rule="loose"),
            ValueError,
            r"admissible_step_size: rule must be 'sharp' \| 'conservative', got 'loose'",
        ),
        (
            lambda: th.bound(
                1, smoothness=1, lam_min=1, lam_max=1, step_size=1, variance=0, gap=1, norm="P"
            ),
            ValueError,
            r"bound: norm must be 'euclidean' \| 'preconditioned', got 'P'",
        ),
        (
            lambda: th.tuned_step_size(
                1, smoothness=1, lam_min=1, lam_max=1, variance=1, gap=1, rule=None
            ),
            ValueError,
            r"tuned_step_size: rule must be 'sharp' \| 'conservative', got None",
        ),
        (
            lambda: th.bound(0, smoothness=1, lam_min=1, lam_max=1, step_size=1, variance=0, gap=1),
            ValueError,
            r"bound: T must be finite and >= 1",
        ),
        (
            lambda: th.bound(
                1, smoothness=1, lam_min=1, lam_max=1, step_size=1, variance=-1, gap=1
            ),
            ValueError,
            r"bound: variance must be >= 0, got -1",
        ),
        (
            lambda: th.bound(
                1, smoothness=1, lam_min=1, lam_max=1, step_size=1, variance=0, gap=1, tight=1
            ),
            TypeError,
            r"bound: tight must be a bool, got int",
        ),
        (
            lambda: th.check_bound(
                [1.0], smoothness=0, lam_min=1, lam_max=1, step_size=1, variance=0, gap=1
            ),
            ValueError,
            r"^check_bound: smoothness must be > 0, got 0.0",
        ),
        (
            lambda: th.tuned_step_size(
                [1, 2], smoothness=1, lam_min=1, lam_max=1, variance=1, gap=1
            ),
            ValueError,
            r"tuned_step_size: T must be a single horizon",
        ),
        (
            lambda: th.check_bound(
                [-1.0], smoothness=1, lam_min=1, lam_max=1, step_size=1, variance=0, gap=1
            ),
            ValueError,
            r"check_bound: grad_sq_norms must be >= 0",
        ),
        (
            lambda: th.check_bound(
                np.ones((1, 1, 1)),
                smoothness=1,
                lam_min=1,
                lam_max=1,
                step_size=1,
                variance=0,
                gap=1,
            ),
            ValueError,
            r"check_bound: grad_sq_norms must be 1-d or 2-d, got shape \(1, 1, 1\)",
        ),
        (
            lambda: th.fit_rate([1, 2], [1.0, 0.0]),
            ValueError,
            r"fit_rate: values must be finite and > 0",
        ),
        (
            lambda: th.fit_rate([1, 1], [1.0, 2.0]),
            ValueError,
            r"fit_rate: horizons must hold at least two distinct",
        ),
        (
            lambda: th.fit_rate([1, 2, 3], [1.0, 2.0]),
            ValueError,
            r"fit_rate: horizons and values must have the same length",
        ),
        (
            lambda: th.check_spectrum([1.0], [1.0, 2.0], damping=1, beta=0.5),
            ValueError,
            r"check_spectrum: sigma_max and factor_norms must have the same length",
        ),
        (
            lambda: th.check_spectrum([1.0], [1.0], damping=1, beta=1.0),
            ValueError,
            r"check_spectrum: beta must satisfy 0 <= beta < 1, got 1.0",
        ),
        (
            lambda: th.preconditioner_spectrum("state"),
            TypeError,
            r"preconditioner_spectrum: state must be a GingerState",
        ),
        (
            lambda: th.estimate_smoothness(3, np.ones(2)),
            TypeError,
            r"estimate_smoothness: grad must be callable",
        ),
        (
            lambda: th.estimate_smoothness(lambda x: x, np.ones(2), maxiter=0),
            ValueError,
            r"estimate_smoothness: maxiter must be >= 1, got 0",
        ),
        (
            lambda: th.descent_smoothness([1.0, 2.0], np.ones((1, 2)), np.ones((3, 2))),
            ValueError,
            r"descent_smoothness: expected values \(n\+1,\)",
        ),
        (
            lambda: th.estimate_constants(None, np.ones(2), safety=0.5),
            ValueError,
            r"estimate_constants: safety must be >= 1, got 0.5",
        ),
        (
            lambda: th.violation_experiment(None, np.ones(2), multipliers=[0.0], steps=1, rank=1),
            ValueError,
            r"violation_experiment: multipliers must be a non-empty sequence of numbers > 0",
        ),
    ],
)
def test_bad_input_messages(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_bad_input_messages_that_need_a_problem(cauchy, mlp):
    x0 = np.zeros(cauchy.dim)
    with pytest.raises(
        ValueError,
        match=r"preconditioned_sgd: x0 must be a finite array of shape \(6,\), got shape \(5,\)",
    ):
        th.preconditioned_sgd(cauchy, np.zeros(5), steps=1, step_size=1.0, rank=1)
    with pytest.raises(
        ValueError,
        match=r"preconditioned_sgd: factor_batch must be 'independent' \| 'same', got 'other'",
    ):
        th.preconditioned_sgd(cauchy, x0, steps=1, step_size=1.0, rank=1, factor_batch="other")
    with pytest.raises(
        ValueError, match=r"preconditioned_sgd: rank must satisfy 1 <= rank <= dim = 6, got 7"
    ):
        th.preconditioned_sgd(cauchy, x0, steps=1, step_size=1.0, rank=7)
    with pytest.raises(
        ValueError,
        match=r"bound_experiment: MLPRegression has no closed-form smoothness/factor_bound",
    ):
        th.bound_experiment(mlp, mlp.init(0), steps=1, rank=1)
    with pytest.raises(
        ValueError, match=r"rate_experiment: horizons must hold at least two distinct"
    ):
        th.rate_experiment(cauchy, x0, horizons=[5, 5], rank=1)
    with pytest.raises(
        ValueError, match=r"rate_experiment: step_size applies to exact gradients only"
    ):
        th.rate_experiment(cauchy, x0, horizons=[5, 6], rank=1, batch_size=2, step_size=1.0)
    prob = RobustRegression.make(10, 2, loss="squared")
    with pytest.raises(
        ValueError,
        match=r"bound_experiment: RobustRegression has no closed-form variance bound for "
        r"batch_size=2",
    ):
        th.bound_experiment(prob, np.zeros(2), steps=1, rank=1, batch_size=2)
    with pytest.raises(
        ValueError,
        match=r"RobustRegression: loss must be 'cauchy' \| 'geman-mcclure' \| 'squared', "
        r"got 'huber'",
    ):
        RobustRegression(np.eye(2), np.zeros(2), loss="huber")
    with pytest.raises(
        ValueError, match=r"RobustRegression: y must have shape \(2,\) to match A, got \(3,\)"
    ):
        RobustRegression(np.eye(2), np.zeros(3))
    with pytest.raises(
        ValueError, match=r"RobustRegression.batch_grad: idx must lie in \[0, 120\)"
    ):
        cauchy.batch_grad(x0, np.array([0, 120]))
    with pytest.raises(
        ValueError,
        match=r"RobustRegression.factor: kind must be 'gauss-newton' \| 'least-squares', "
        r"got 'fisher'",
    ):
        cauchy.factor(x0, kind="fisher")
    with pytest.raises(
        ValueError, match=r"RobustRegression.make: outliers must lie in \[0, 1\], got 2"
    ):
        RobustRegression.make(10, 2, outliers=2)
