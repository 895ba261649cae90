"""Optimizers of pyginger.optim on problems with known answers.

Tolerance reasoning. On a convex quadratic f = (x - x*)^T A (x - x*) / 2 every method here is a
linear iteration x_{k+1} - x* = M_k (x_k - x*), so the error decays geometrically and the runs are
long enough to reach ~1e-8 relative error; the asserted 1e-6 leaves a wide margin while still
failing for any wrong step. Exact identities (one Gauss-Newton step, Ginger with tau = d against
the dense EMA) are checked to a multiple of eps times the condition number of the damped matrix,
kappa = (sigma_max + gamma) / gamma, which each test keeps near 1e2.
"""

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.sparse.linalg import aslinearoperator

import pyginger
from pyginger import _validation as _v
from pyginger import optim
from pyginger._validation import optimizers as _vo_opt
from pyginger.nn.kfac import kfac_factors
from pyginger.nn.mlp import MLP
from pyginger.optim import transforms
from pyginger.optim.preconditioners import QNG, DenseGGN, DiagonalGGN, Ginger

EPS = np.finfo(np.float64).eps


def _quadratic(d=6, seed=0, lo=1.0, hi=20.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.geomspace(hi, lo, d)
    A = (Q * lam) @ Q.T
    A = (A + A.T) / 2
    x_star = rng.standard_normal(d)
    return A, x_star, np.linalg.cholesky(A)


# name -> (optimizer, steps, factor kind): "exact" passes the Cholesky factor L (L L^T = A),
# "mc" passes L z with z ~ N(0, I), an unbiased rank-one estimate (E[F F^T] = A).
QUADRATIC_CASES = {
    "sgd": (lambda: optim.sgd(lr=0.05), 600, None),
    "sgd_momentum": (lambda: optim.sgd(lr=0.03, momentum=0.8), 400, None),
    "sgd_nesterov": (lambda: optim.sgd(lr=0.03, momentum=0.8, nesterov=True), 400, None),
    "adam": (lambda: optim.adam(lr=optim.linear_warmup(0.05, 1, init_value=0.05)), 3000, None),
    "gauss_newton": (lambda: optim.gauss_newton(damping=1e-12), 3, "exact"),
    "gauss_newton_cg": (lambda: optim.gauss_newton(damping=1e-12, solver="cg"), 3, "exact"),
    "ema_ggn": (lambda: optim.ema_ggn(lr=0.5, damping=1e-3), 500, "exact"),
    "ginger_full_rank": (lambda: optim.ginger(lr=0.5, rank=6, damping=1e-3), 500, "exact"),
    "ginger_low_rank": (lambda: optim.ginger(lr=0.2, rank=3, damping=1.0), 300, "exact"),
    "ginger_mc": (lambda: optim.ginger(lr=0.2, rank=3, damping=1.0, beta2=0.9), 400, "mc"),
    "ginger_inverse_blocks": (
        lambda: optim.ginger(lr=0.2, rank=2, damping=1.0, form="inverse", blocks=[(0, 3), (3, 6)]),
        400,
        "exact",
    ),
    "diag_ggn": (lambda: optim.diag_ggn(lr=0.3, damping=1e-3), 400, "exact"),
    "qng": (lambda: optim.qng(lr=0.1, rank=6, beta2=0.99, damping=1.0), 400, "mc"),
}


@pytest.mark.parametrize("name", list(QUADRATIC_CASES))
def test_converges_on_convex_quadratic(name):
    make, steps, kind = QUADRATIC_CASES[name]
    A, x_star, L = _quadratic()
    opt = make()
    rng = np.random.default_rng(1)
    x = np.zeros_like(x_star)
    state = opt.init(x)
    for _ in range(steps):
        if kind == "exact":
            F = L
        elif kind == "mc":
            F = L @ rng.standard_normal(L.shape[1])
        else:
            F = None
        x, state = opt.step(x, A @ (x - x_star), state, F)
    assert np.linalg.norm(x - x_star) <= 1e-6 * np.linalg.norm(x_star), name


def test_kfac_converges_on_linear_least_squares():
    # MSE on a linear model is a convex quadratic with the least-squares minimiser; KFAC's
    # A (x) B equals its GGN, so with tiny damping the steps are exact Newton steps.
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    model = MLP([3, 2], loss="mse")
    opt = optim.kfac(model, lr=0.5, damping=1e-6)
    theta = model.init(seed=0)
    state = opt.init(theta)
    for _ in range(300):
        _, g = model.loss_and_grad(theta, X, Y)
        theta, state = opt.step(theta, g, state, optim.kfac_factors(model, theta, X, Y, rng=rng))
    Xt = np.hstack([X, np.ones((40, 1))])
    W = np.linalg.lstsq(Xt, Y, rcond=None)[0]  # rows: inputs then bias = the layout of theta
    assert_allclose(theta, W.ravel(), rtol=0, atol=1e-7)


def test_kfac_factors_exact_for_linear_model_and_single_sample():
    rng = np.random.default_rng(0)
    lin = MLP([3, 2], loss="cross_entropy")
    theta = lin.init(seed=1)
    X = rng.normal(size=(7, 3))
    ((A, B),) = optim.kfac_factors(lin, theta, X, kind="exact")
    # Cross-entropy: H depends on the sample, so only the single-sample case is exact ...
    x1 = X[:1]
    ((A1, B1),) = optim.kfac_factors(lin, theta, x1, kind="exact")
    assert_allclose(np.kron(A1, B1), lin.ggn(theta, x1), atol=1e-14)
    # ... and for several samples A is the input second moment.
    Xt = np.hstack([X, np.ones((7, 1))])
    assert_allclose(A, Xt.T @ Xt / 7, rtol=1e-14)
    # Deep network, one sample: every diagonal block of the GGN is exactly A_l (x) B_l, which
    # checks the layer inputs recovered through the public API.
    deep = MLP([3, 5, 4, 2], activation="softplus", loss="cross_entropy")
    theta = deep.init(seed=2)
    G = deep.ggn(theta, x1)
    factors = optim.kfac_factors(deep, theta, x1, kind="exact")
    for layer, (Al, Bl) in enumerate(factors, start=1):
        block = slice(deep.blocks[f"W{layer}"].start, deep.blocks[f"b{layer}"].stop)
        assert_allclose(np.kron(Al, Bl), G[block, block], atol=1e-13)


def test_kfac_factors_mc_and_empirical_shapes():
    model = MLP([2, 4, 3], loss="cross_entropy")
    theta = model.init(seed=0)
    X, y = np.ones((5, 2)), np.array([0, 1, 2, 0, 1])
    for kind in ("mc", "empirical"):
        pairs = optim.kfac_factors(model, theta, X, y, kind=kind, rng=np.random.default_rng(0))
        assert [(A.shape, B.shape) for A, B in pairs] == [((3, 3), (4, 4)), ((5, 5), (3, 3))]
    with pytest.raises(ValueError, match="kfac_factors: kind must be"):
        optim.kfac_factors(model, theta, X, kind="fisher")
    with pytest.raises(TypeError, match="kfac_factors: model must be a pyginger.nn.mlp.MLP"):
        optim.kfac_factors([2, 4, 3], theta, X)


# ---------------------------------------------------------------------------------------------
# Gauss-Newton: linear least squares in one step
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["dense", "cg", "auto"])
@pytest.mark.parametrize("curvature", ["factor", "operator", "callable"])
def test_gauss_newton_solves_linear_least_squares_in_one_step(solver, curvature):
    rng = np.random.default_rng(3)
    A, b = rng.standard_normal((30, 5)), rng.standard_normal(30)
    x0 = rng.standard_normal(5)
    grad = A.T @ (A @ x0 - b)
    curv = {
        "factor": A.T,
        "operator": aslinearoperator(A.T @ A),
        "callable": lambda v: A.T @ (A @ v),
    }[curvature]
    opt = optim.gauss_newton(damping=0.0, solver=solver, cg_rtol=1e-14)
    x1, state = opt.step(x0, grad, opt.init(x0), curv)
    x_ls = np.linalg.lstsq(A, b, rcond=None)[0]
    # cond(A^T A) is about 10 here: the solve is accurate to ~1e2 eps (CG to its 1e-14 rtol).
    assert_allclose(x1, x_ls, rtol=1e-11, atol=1e-12)
    assert state.count == 1 and state.solver_info == 0


def test_gauss_newton_singular_without_damping_takes_minimum_norm_step():
    A = np.array([[1.0, 1.0], [2.0, 2.0]])  # rank one
    b = np.array([1.0, 2.0])
    opt = optim.gauss_newton(damping=0.0)
    x1, state = opt.step(np.zeros(2), A.T @ (-b), opt.init(np.zeros(2)), A.T)
    assert_allclose(x1, np.linalg.pinv(A) @ b, atol=1e-12)
    assert state.solver_info == 1  # reported: the Cholesky factorization failed


def test_gauss_newton_requires_curvature():
    opt = optim.gauss_newton()
    with pytest.raises(ValueError, match="gauss_newton.step: curvature is required"):
        opt.step(np.zeros(3), np.ones(3), opt.init(np.zeros(3)))
    with pytest.raises(ValueError, match=r"curvature operator must have shape \(3, 3\)"):
        opt.step(np.zeros(3), np.ones(3), opt.init(np.zeros(3)), aslinearoperator(np.eye(4)))


# ---------------------------------------------------------------------------------------------
# Ginger: order of operations, and equality with the dense EMA when tau = d
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("debias", [True, False])
def test_ginger_first_two_steps_match_the_formula(debias):
    rng = np.random.default_rng(0)
    d, gamma, b1, b2, lr = 7, 0.1, 0.9, 0.95, 0.3
    F1, F2 = rng.standard_normal(d), rng.standard_normal((d, 2))
    g1, g2 = rng.standard_normal(d), rng.standard_normal(d)
    opt = optim.ginger(lr=lr, beta1=b1, beta2=b2, rank=d, damping=gamma, debias=debias)
    x0 = rng.standard_normal(d)
    x1, state = opt.step(x0, g1, opt.init(x0), F1)
    x2, state = opt.step(x1, g2, state, F2)
    # Curvature first (it includes this step's factor), then the bias-corrected momentum.
    G1 = (1 - b2) * np.outer(F1, F1)
    G2 = b2 * G1 + (1 - b2) * F2 @ F2.T
    c1, c2 = (1 - b2, 1 - b2**2) if debias else (1.0, 1.0)
    m1 = (1 - b1) * g1
    m2 = b1 * m1 + (1 - b1) * g2
    u1 = np.linalg.solve(G1 / c1 + gamma * np.eye(d), m1 / (1 - b1))
    u2 = np.linalg.solve(G2 / c2 + gamma * np.eye(d), m2 / (1 - b1**2))
    # kappa <= (|F|^2 / (1 - b2) + gamma) / gamma ~ 1e3: 1e-10 is ~1e3 kappa eps.
    assert_allclose(x1, x0 - lr * u1, rtol=1e-10)
    assert_allclose(x2, x1 - lr * u2, rtol=1e-10)
    assert state.count == 2 and state.curvature[0].step == 2


@pytest.mark.parametrize("form", ["curvature", "inverse"])
@pytest.mark.parametrize("blocks", [None, [(0, 2), (2, 5), (5, 8)]])
def test_ema_ggn_equals_ginger_with_full_rank(form, blocks):
    # Same EMA, same damping, same momentum: Ginger with tau = d truncates nothing, so the two
    # trajectories agree to rounding. With gamma = 0.1 and sigma_max ~ 10, kappa ~ 1e2, each
    # solve has relative error ~1e2 eps (inverse form: eps sigma / gamma, the same size), and
    # 30 steps of a contracting iteration do not amplify it beyond a small factor.
    A, x_star, L = _quadratic(d=8, seed=4, hi=10.0)
    rng = np.random.default_rng(5)
    factors = [L @ rng.standard_normal((8, 2)) / np.sqrt(2) for _ in range(30)]
    settings = dict(lr=0.3, beta1=0.9, beta2=0.9, damping=0.1, blocks=blocks, rho=0.5)
    dense_opt = optim.ema_ggn(**settings)
    ginger_opt = optim.ginger(rank=8, form=form, **settings)
    x_d = x_g = np.zeros(8)
    s_d, s_g = dense_opt.init(x_d), ginger_opt.init(x_g)
    for F in factors:
        x_d, s_d = dense_opt.step(x_d, A @ (x_d - x_star), s_d, F)
        x_g, s_g = ginger_opt.step(x_g, A @ (x_g - x_star), s_g, F)
        assert_allclose(x_g, x_d, rtol=0, atol=1e-11 * np.linalg.norm(x_star))
    for Gb, s in zip(s_d.G, s_g.curvature, strict=True):
        assert_allclose(pyginger.to_dense(s) - s.damping * np.eye(s.dim), Gb, atol=1e-12)


def test_ginger_low_rank_state_is_the_truncated_replay():
    rng = np.random.default_rng(2)
    factors = [rng.standard_normal(10) for _ in range(12)]
    opt = optim.ginger(rank=3, beta2=0.8)
    x = np.zeros(10)
    state = opt.init(x)
    for F in factors:
        x, state = opt.step(x, np.zeros(10), state, F)
    expected = pyginger.dense.truncated_replay(factors, 3, beta=0.8)
    s = state.curvature[0]
    assert_allclose((s.U * s.sigma) @ s.U.T, expected, atol=1e-12)


@pytest.mark.parametrize("form", ["curvature", "inverse"])
@pytest.mark.parametrize("k", [1, 3])
def test_ginger_overwrite_state_gives_the_same_run_in_one_buffer(form, k):
    # The in-place rotation computes each row exactly as the pure one does (the kernel tests
    # check bitwise equality), so the two runs must agree to the last bit; the in-place run
    # keeps rotating the U arrays that init allocated.
    rng = np.random.default_rng(5)
    d, blocks = 30, [slice(0, 12), slice(12, 30)]
    factors = [rng.standard_normal((d, k)) for _ in range(15)]
    grads = [rng.standard_normal(d) for _ in range(15)]
    runs = {}
    for overwrite in (False, True):
        opt = optim.ginger(rank=4, form=form, blocks=blocks, overwrite_state=overwrite)
        x = np.zeros(d)
        state = opt.init(x)
        buffers = [s.U for s in state.curvature]
        for g, F in zip(grads, factors, strict=True):
            x, state = opt.step(x, g, state, F)
        same = [s.U is b for s, b in zip(state.curvature, buffers, strict=True)]
        runs[overwrite] = (x, state, same)
    assert_array_equal(runs[True][0], runs[False][0])
    for pure, mine in zip(runs[False][1].curvature, runs[True][1].curvature, strict=True):
        assert_array_equal(mine.U, pure.U)
        assert_array_equal(mine.sigma, pure.sigma)
    assert runs[True][2] == [True, True] and runs[False][2] == [False, False]
    with pytest.raises(TypeError, match="ginger: overwrite_state must be True or False"):
        optim.ginger(overwrite_state="yes")


@pytest.mark.parametrize(("form", "scale"), [("curvature", 1e160), ("inverse", 1e153)])
def test_ginger_in_place_step_refused_in_a_late_block_changes_no_block(form, scale):
    # A finite factor whose products overflow only in the last block (F_b^T F_b ~ 1e320; in the
    # inverse form |F_b / damping|^2 ~ 1e312): the step must be refused before any block's U
    # is rotated in place, leaving every block as it was.
    rng = np.random.default_rng(6)
    d, blocks = 12, [slice(0, 4), slice(4, 8), slice(8, 12)]
    opt = optim.ginger(rank=2, form=form, blocks=blocks, overwrite_state=True, damping=1e-3)
    x = np.zeros(d)
    _, state = opt.step(x, rng.standard_normal(d), opt.init(x), rng.standard_normal(d))
    before = [(s.U.copy(), s.sigma.copy(), s.step) for s in state.curvature]
    F = rng.standard_normal(d)
    F[8:] *= scale
    with pytest.raises(_v.CurvatureRangeError, match=r"ginger.step: curvature is too large"):
        opt.step(x, rng.standard_normal(d), state, F)
    for s, (U, sigma, step) in zip(state.curvature, before, strict=True):
        assert_array_equal(s.U, U)
        assert_array_equal(s.sigma, sigma)
        assert s.step == step


def test_ginger_options_clip_schedule_reuse_blocks():
    rng = np.random.default_rng(0)
    d = 9
    calls = []

    def schedule(t):
        calls.append(t)
        return 0.5 / t

    opt = optim.ginger(
        lr=schedule, rank=2, damping=1e-4, rho=0.01, blocks={"a": slice(0, 4), "b": slice(4, 9)}
    )
    x = rng.standard_normal(d)
    state = opt.init(x)
    assert [(s.dim, s.rank) for s in state.curvature] == [(4, 2), (5, 2)]
    for t in range(1, 4):
        x_new, state = opt.step(x, rng.standard_normal(d), state, rng.standard_normal(d))
        # Clipped at rho = 0.01 before the learning rate 0.5 / t (plus the rounding of x - step).
        assert np.max(np.abs(x_new - x)) <= 0.01 * 0.5 / t + 4 * EPS * np.max(np.abs(x))
        x = x_new
    assert calls == [1, 2, 3]
    # curvature=None keeps the curvature state and only moves the momentum.
    x_new, state2 = opt.step(x, np.ones(d), state, None)
    assert all(a is b for a, b in zip(state2.curvature, state.curvature, strict=True))
    assert state2.count == 4
    # A rank above the block size is capped.
    small = optim.ginger(rank=50).init(np.zeros(3))
    assert small.curvature[0].rank == 3


@pytest.mark.parametrize(
    "name", ["sgd", "adam", "ginger", "ema_ggn", "diag_ggn", "qng", "gauss_newton"]
)
def test_step_is_pure_and_keeps_float32(name):
    rng = np.random.default_rng(0)
    opt = optim.get_optimizer(name)
    x = rng.standard_normal(5).astype(np.float32)
    g = rng.standard_normal(5).astype(np.float32)
    F = rng.standard_normal((5, 2)).astype(np.float32)
    state = opt.init(x)
    x1, state = opt.step(x, g, state, F if opt.needs else None)
    copies = [a.copy() for a in (x1, g, F)]
    state_arrays = [a.copy() for a in _arrays(state)]
    x2, state2 = opt.step(x1, g, state, F if opt.needs else None)
    for a, b in zip((x1, g, F), copies, strict=True):
        assert_array_equal(a, b)
    for a, b in zip(_arrays(state), state_arrays, strict=True):
        assert_array_equal(a, b)
    assert x2.dtype == np.float32 and state2.count == 2


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, tuple):
        return [a for item in obj for a in _arrays(item)]
    return []


def test_qng_is_exact_while_the_window_holds_every_update():
    rng = np.random.default_rng(0)
    d, a, gamma = 6, 0.8, 0.3
    opt = optim.qng(lr=1.0, beta1=0.0, beta2=a, rank=10, damping=gamma)
    x = np.zeros(d)
    state = opt.init(x)
    G = gamma * np.eye(d)
    for t in range(5):
        F = rng.standard_normal((d, 2)) if t == 2 else rng.standard_normal(d)
        g = rng.standard_normal(d)
        x_new, state = opt.step(x, g, state, F)
        if F.ndim == 1:
            G = a * G + (1 - a) * np.outer(F, F)
        else:  # columns one at a time: weights a, then 1
            G = a * G + (1 - a) * F @ F.T
        # kappa(G) stays below ~1e2: 1e-12 is a wide margin over kappa eps.
        assert_allclose(x - x_new, np.linalg.solve(G, g), rtol=1e-12)
        x = x_new
    assert state.length == 6


def test_reference_preset_and_schedule():
    # Today's keyword arguments keep working; the settings are the authors' function's defaults.
    opt = optim.ginger_reference(warmup_steps=4, blocks=[(0, 2), (2, 4)])
    assert dict(opt.config) == {
        "lr": "linear_warmup(0.0002, 4, init_value=1e-07)",
        "beta1": 0.9,
        "beta2": 0.99,
        "rank": 4,
        "damping": 1e-08,
        "rho": None,
        "blocks": [[0, 2], [2, 4]],
    }
    trained = optim.ginger_reference(**optim.REFERENCE_CONFIG, warmup_steps=4)
    assert (trained.config["damping"], trained.config["rho"]) == (1e-5, 1.0)
    # the paper's algebra at the authors' settings, as before
    settings = optim.ginger(**optim.REFERENCE_SETTINGS).config
    assert (settings["form"], settings["debias"], settings["damping"]) == ("inverse", False, 1e-5)
    schedule = optim.linear_warmup(2e-4, 4)
    assert schedule(4) == schedule(100) == 2e-4
    assert schedule(1) == pytest.approx(1e-7 + (2e-4 - 1e-7) / 4)
    state = opt.init(np.zeros(4))
    assert [s.rank for s in state.curvature] == [2, 2]  # capped at the block size


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: optim.sgd(lr=0), ValueError, r"sgd: lr must be a finite number > 0, got 0.0"),
        (lambda: optim.sgd(lr="fast"), TypeError, r"sgd: lr must be a real number or a schedule"),
        (lambda: optim.sgd(momentum=1.0), ValueError, r"sgd: momentum must satisfy 0 <= "),
        (lambda: optim.sgd(nesterov=1), TypeError, r"sgd: nesterov must be True or False"),
        (lambda: optim.adam(eps=-1), ValueError, r"adam: eps must be a finite number > 0"),
        (lambda: optim.adam(beta2=1.5), ValueError, r"adam: beta2 must satisfy 0 <= beta2 < 1"),
        (
            lambda: optim.gauss_newton(damping=-1),
            ValueError,
            r"gauss_newton: damping must be a finite number >= 0, got -1.0",
        ),
        (
            lambda: optim.gauss_newton(solver="lu"),
            ValueError,
            r"gauss_newton: solver must be 'auto' \| 'dense' \| 'cg', got 'lu'",
        ),
        (lambda: optim.ginger(rank=0), ValueError, r"ginger: rank must be >= 1, got 0"),
        (lambda: optim.ginger(rank=2.0), TypeError, r"ginger: rank must be an integer, got float"),
        (lambda: optim.ginger(damping=0), ValueError, r"ginger: damping must be a finite"),
        (lambda: optim.ginger(rho=-1), ValueError, r"ginger: rho must be a finite number > 0"),
        (
            lambda: optim.ginger(form="qr"),
            ValueError,
            r"ginger: form must be 'curvature' \| 'inverse' \| 'reference'",
        ),
        (lambda: optim.ginger(debias="yes"), TypeError, r"ginger: debias must be True or False"),
        (lambda: optim.ginger(blocks=3), TypeError, r"ginger: blocks must be None, a dict"),
        (lambda: optim.ginger(blocks=[slice(0, 4, 2)]), ValueError, r"must be contiguous slices"),
        (lambda: optim.ginger(blocks=[(3, 1)]), ValueError, r"0 <= start < stop"),
        (lambda: optim.ema_ggn(beta1=-0.1), ValueError, r"ema_ggn: beta1 must satisfy 0 <= "),
        (lambda: optim.diag_ggn(lr=float("nan")), ValueError, r"diag_ggn: lr must be a finite"),
        (lambda: optim.qng(beta2=0.0), ValueError, r"qng: beta2 must satisfy 0 < beta2 < 1"),
        (lambda: optim.kfac("model"), TypeError, r"kfac: model must be a pyginger.nn.mlp.MLP"),
        (lambda: optim.linear_warmup(1.0, -1), ValueError, r"linear_warmup: warmup_steps must be"),
        (lambda: optim.get_optimizer("lbfgs"), ValueError, r"get_optimizer: name must be"),
        (
            lambda: optim.get_optimizer("adam", rank=3),
            TypeError,
            r"get_optimizer: adam does not accept option\(s\) \['rank'\]",
        ),
        (
            lambda: optim.ginger_reference(warmup_steps=-2),
            ValueError,
            r"ginger_reference: warmup_steps must be >= 0",
        ),
    ],
)
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_step_errors():
    opt = optim.ginger(rank=2)
    x = np.zeros(4)
    state = opt.init(x)
    with pytest.raises(ValueError, match=r"ginger.step: grad must have shape \(4,\) like theta"):
        opt.step(x, np.ones(3), state, np.ones(4))
    with pytest.raises(ValueError, match=r"ginger.step: curvature must have shape \(4,\) or"):
        opt.step(x, np.ones(4), state, np.ones(5))
    with pytest.raises(ValueError, match="ginger.step: curvature must contain only finite values"):
        opt.step(x, np.ones(4), state, np.array([1.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="ginger.step: grad must contain only finite values"):
        opt.step(x, np.array([np.inf, 0, 0, 0]), state, np.ones(4))
    with pytest.raises(TypeError, match=r"ginger.step: grad must have dtype float64 .*float32"):
        opt.step(x, np.ones(4, dtype=np.float32), state, np.ones(4))
    with pytest.raises(TypeError, match="ginger.step: curvature must be a factor array"):
        opt.step(x, np.ones(4), state, "F")
    with pytest.raises(TypeError, match="ginger.step: state must be a GingerOptState"):
        opt.step(x, np.ones(4), optim.adam().init(x), np.ones(4))
    with pytest.raises(ValueError, match=r"ginger.step: state was made for d = 4 parameters"):
        opt.step(np.zeros(5), np.ones(5), state, np.ones(5))
    with pytest.raises(ValueError, match=r"ginger.init: theta must have shape \(d,\)"):
        opt.init(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="ginger.init: blocks must partition range"):
        optim.ginger(blocks=[(0, 2), (3, 4)]).init(x)
    with pytest.raises(ValueError, match="they overlap"):
        optim.ginger(blocks=[(0, 3), (2, 4)]).init(x)
    with pytest.raises(ValueError, match="they end at 3"):
        optim.ginger(blocks=[(0, 3)]).init(x)
    bad_schedule = optim.sgd(lr=lambda t: -1.0)
    with pytest.raises(ValueError, match="sgd.step: the learning rate must be a finite number"):
        bad_schedule.step(x, np.ones(4), bad_schedule.init(x))
    kf = optim.kfac([2, 3])
    with pytest.raises(ValueError, match=r"kfac.init: theta must have shape \(9,\)"):
        kf.init(np.zeros(4))
    with pytest.raises(ValueError, match=r"kfac.step: curvature must hold 1 \(A, B\) pairs"):
        kf.step(np.zeros(9), np.ones(9), kf.init(np.zeros(9)), [])
    with pytest.raises(ValueError, match=r"layer 1 needs A of shape \(3, 3\)"):
        kf.step(np.zeros(9), np.ones(9), kf.init(np.zeros(9)), [(np.eye(2), np.eye(3))])


def test_optimizer_repr_and_registry():
    assert repr(optim.sgd(lr=0.5)) == "sgd(lr=0.5, momentum=0.0, nesterov=False)"
    assert set(optim.OPTIMIZERS) == {
        "sgd",
        "adam",
        "gauss_newton",
        "ema_ggn",
        "ginger",
        "diag_ggn",
        "kfac",
        "qng",
    }
    for name, ctor in optim.OPTIMIZERS.items():
        opt = ctor(MLP([2, 2])) if name == "kfac" else ctor()
        assert opt.name == name and opt.needs in (None, "factor", "ggn", "kfac")
        with pytest.raises(TypeError):
            opt.config["lr"] = 1.0  # read-only


@pytest.mark.parametrize("name", ["sgd", "adam", "ginger", "ema_ggn", "diag_ggn", "qng"])
@pytest.mark.parametrize("theta", [np.ones(3) + 1j, np.array(["1", "2", "3"]), [True] * 3])
def test_theta_must_be_real(name, theta):
    # NumPy casts complex to float with only a ComplexWarning (the imaginary part is lost) and
    # strings or booleans to numbers: refused, with the argument named.
    opt = optim.get_optimizer(name, lr=0.1)
    with pytest.raises(TypeError, match=r"\.init: theta must"):
        opt.init(theta)


@pytest.mark.parametrize("name", ["gauss_newton", "ema_ggn", "ginger", "diag_ggn", "qng"])
@pytest.mark.parametrize("scale", [1e150, 1e200])
def test_curvature_out_of_range_is_one_clear_error(name, scale):
    # Factors of 1e150-1e200 once gave a raw LinAlgError (ema_ggn), SciPy's "must not contain
    # infs" (gauss_newton), NaN theta (qng) or a silent zero step (diag_ggn). Now a step either
    # returns finite values or raises CurvatureRangeError, which the run loops stop on; at 1e200
    # the factor's squared norm (and so every curvature matrix) overflows.
    rng = np.random.default_rng(3)
    opt = optim.get_optimizer(name, lr=0.1)
    theta = np.zeros(6)
    state = opt.init(theta)
    F = rng.standard_normal((6, 2)) * scale
    try:
        new_theta, _ = opt.step(theta, rng.standard_normal(6), state, F)
    except _v.CurvatureRangeError as exc:
        assert str(exc).startswith(f"{name}.step: ")
    else:
        assert scale < 1e200 and np.all(np.isfinite(new_theta))


# ---------------------------------------------------------------------------------------------
# Composition: the named optimizers are chains, and a new preconditioner is one small class
# ---------------------------------------------------------------------------------------------

DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "optimizers.md"


def _docs_example():
    """The fenced block after the marker in docs/optimizers.md, as it is shown."""
    text = DOCS_PAGE.read_text()
    after = text.split("<!-- example: new preconditioner -->", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_documented_new_preconditioner_runs_as_shown():
    code = _docs_example()
    assert len(code.splitlines()) <= 30
    namespace = {}
    exec(compile(code, str(DOCS_PAGE), "exec"), namespace)  # the example asserts its own result
    state = namespace["state"]
    assert isinstance(state, optim.ChainState) and state.count == 1
    assert namespace["opt"].config["preconditioner"] == "GingerThenDiagonal"


@pytest.mark.parametrize(
    "named, precond",
    [
        (
            lambda: optim.ginger(lr=0.1, rank=2, damping=0.3, blocks=[(0, 2), (2, 5)], rho=0.5),
            lambda: Ginger(2, 0.3, 0.99, blocks=((0, 2), (2, 5))),
        ),
        (lambda: optim.ema_ggn(lr=0.1, damping=0.3, rho=0.5), lambda: DenseGGN(0.3)),
        (lambda: optim.diag_ggn(lr=0.1, damping=0.3, rho=0.5), lambda: DiagonalGGN(0.3)),
        (lambda: optim.qng(lr=0.1, rank=2, rho=0.5), lambda: QNG(2, 1.0, 0.99)),
    ],
)
def test_named_optimizers_are_the_generic_chain_bit_for_bit(named, precond):
    # The same transforms in the same order: every number agrees exactly, only the state's
    # type differs (a flat named state against the generic ChainState).
    opt = named()
    generic = optim.preconditioned(precond(), lr=0.1, beta1=0.9, rho=0.5)
    rng = np.random.default_rng(0)
    a = b = rng.standard_normal(5)
    sa, sb = opt.init(a), generic.init(b)
    for _ in range(6):
        g, F = rng.standard_normal(5), rng.standard_normal((5, 2))
        a, sa = opt.step(a, g, sa, F)
        b, sb = generic.step(b, g, sb, F)
        assert a.tobytes() == b.tobytes()
    assert sb.count == sa.count == 6 and sb.size == sa.size == 5


def test_kfac_factors_live_with_the_network():
    assert optim.kfac_factors is kfac_factors


def test_composition_errors():
    with pytest.raises(TypeError, match="preconditioned: preconditioner must be a pyginger"):
        optim.preconditioned(object())
    with pytest.raises(TypeError, match="preconditioned: name must be a non-empty str"):
        optim.preconditioned(DiagonalGGN(0.1), name="")
    with pytest.raises(TypeError, match="preconditioned: config must be a mapping"):
        optim.preconditioned(DiagonalGGN(0.1), config=[1])
    with pytest.raises(ValueError, match="preconditioned: beta1 must satisfy"):
        optim.preconditioned(DiagonalGGN(0.1), beta1=1.0)
    chained = optim.chain(transforms.heavy_ball(0.5), transforms.scale_by_learning_rate(0.1))
    with pytest.raises(TypeError, match="as_optimizer: state_type must have the fields"):
        optim.as_optimizer("x", chained, needs=None, config={}, state_type=optim.AdamState)
    opt = optim.as_optimizer("x", chained, needs=None, config={})
    with pytest.raises(TypeError, match="x.step: state must be a ChainState"):
        opt.step(np.zeros(2), np.ones(2), optim.sgd().init(np.zeros(2)))


@pytest.mark.parametrize("form", ["curvature", "inverse"])
def test_a_step_checks_its_factor_once(form, monkeypatch):
    # Checks at the door: the factor is read by one check per step (the inverse form's range
    # test included), and the transforms and preconditioner behind it trust the result.
    calls = []
    check = _vo_opt.check_factor
    monkeypatch.setattr(_vo_opt, "check_factor", lambda *a, **k: calls.append(1) or check(*a, **k))
    opt = optim.ginger(rank=2, form=form, blocks=[(0, 2), (2, 4)])
    theta = np.zeros(4)
    state = opt.init(theta)
    for _ in range(3):
        theta, state = opt.step(theta, np.ones(4), state, np.ones((4, 2)))
    assert len(calls) == 3
