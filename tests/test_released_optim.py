"""The released optimizers (optim.ginger_reference, optim.qng_reference): their steps, derived.

Each fact is derived in the test from the released formulas (pyginger.core._released, the
additive QNG map) and checked against an independent dense computation or against pyginger's
exact algorithm where no guard fires.
"""

import numpy as np
import pytest

from pyginger import optim
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.optim.preconditioners.released import additive_map

EPS32 = float(np.finfo(np.float32).eps)
EPS64 = float(np.finfo(np.float64).eps)


def _mc_run(opt, steps, seed=0):
    """Steps of ``opt`` on a small MLP with the authors' sqrt(batch) Monte-Carlo factor."""
    model = MLP([2, 6, 3], activation="tanh", loss="cross_entropy")
    X, y = datasets.spirals(40, classes=3, seed=seed)
    theta, rng = model.init(seed=seed), np.random.default_rng(seed)
    state = opt.init(theta)
    out = []
    for _ in range(steps):
        _, g = model.loss_and_grad(theta, X, y)
        f = model.ggn_factor(theta, X, kind="mc", rng=rng)
        new, state_new = opt.step(theta, g, state, f)
        out.append((theta, g, state, state_new, new))
        theta, state = new, state_new
    return model, out


@pytest.mark.parametrize("rho", [None, 1.0])
def test_a_collapsed_state_gives_the_clipped_momentum_over_damping(rho):
    # At gamma = 1e-8 every eigenvalue above 1.7e-3 collapses (tests/test_released.py); the
    # MLP's factors give eigenvalues ~1e-2, so after a few steps every sigma is at most
    # ~gamma^2 (what is left is rounding). Then s' = sigma / (gamma^2 + gamma sigma) <= ~1,
    # and the query u = mhat/gamma - U (s' * U^T mhat) differs from mhat/gamma by at most
    # max(s') |mhat| in the 2-norm (U's columns have norm <= 1 + rounding), plus the float32
    # rounding of mhat / gamma (eps32 |mhat| / gamma). Clipping is 1-Lipschitz, so
    # |step - lr clip(mhat/gamma)| <= lr (max s' + 2 eps32 / gamma) |mhat| (2: margin for U).
    gamma, lr = 1e-8, 1e-3
    model, out = _mc_run(optim.ginger_reference(lr, damping=gamma, rho=rho, blocks=None), 6)
    beta1, m = 0.9, 0.0
    for t, (theta, g, _, state_new, new) in enumerate(out, start=1):
        m = beta1 * m + (1 - beta1) * g
        mhat = m / (1 - beta1**t)
        (s,) = state_new.curvature
        if t >= 3:
            assert s.sigma.max() <= gamma * EPS32  # collapsed
            expected = -lr * (mhat / gamma if rho is None else np.clip(mhat / gamma, -rho, rho))
            s_max = float((s.sigma / (gamma**2 + gamma * s.sigma)).max())
            bound = lr * (2 * s_max + 2 * EPS32 / gamma) * np.linalg.norm(mhat)
            assert np.linalg.norm((new - theta) - expected) <= bound
    if rho is not None:  # and then it is eta * sign(mhat) wherever |mhat| > gamma, up to the
        big = np.abs(mhat) > gamma  # rounding of theta - step (eps64 |theta|) and back
        atol = 2 * EPS64 * np.abs(theta).max()
        np.testing.assert_allclose((new - theta)[big], -lr * np.sign(mhat[big]), rtol=0, atol=atol)


def _stream(d, steps, seed):
    rng = np.random.default_rng(seed)
    scales = np.linspace(1.0, 0.1, d)  # eigenvalues of the EMA of order 1e-2 .. 1
    return [(rng.standard_normal(d), scales * rng.standard_normal(d)) for _ in range(steps)]


@pytest.mark.parametrize("blocks", [None, [(0, 7), (7, 20)]])
def test_agrees_with_ginger_where_no_guard_fires(blocks):
    # gamma = 0.1 and eigenvalues <= ~1: the collapse threshold 1.7e5 gamma is far away, the
    # residuals are O(1) (random factors in d = 20 > tau), so no guard fires and the released
    # steps compute ginger's algebra (curvature form, no debiasing) in float32. The inverse route
    # knows sigma to relative eps32 (gamma + sigma) / gamma per update; the solve then has
    # relative error ~ eps32 kappa, kappa = (gamma + sigma_max) / gamma, and the truncation keeps
    # the same top-tau subspace (gaps between kept and dropped eigenvalues are O(1e-2), far above
    # the rounding). Over t updates the errors add up to at most ~ t kappa eps32 (measured:
    # 2.5e-7, about 2 eps32, against a bound of 6e-6 at t = 15).
    lr, gamma, d = 0.1, 0.1, 20
    ref = optim.ginger_reference(lr, damping=gamma, rank=4, blocks=blocks)
    exact = optim.ginger(lr, damping=gamma, rank=4, blocks=blocks, debias=False)
    theta = np.zeros(d)
    s_ref, s_exact = ref.init(theta), exact.init(theta)
    for t, (g, f) in enumerate(_stream(d, 15, seed=1), start=1):
        a, s_ref = ref.step(theta, g, s_ref, f)
        b, s_exact = exact.step(theta, g, s_exact, f)
        kappa = (gamma + max(float(s.sigma.max()) for s in s_exact.curvature)) / gamma
        assert np.linalg.norm(a - b) <= t * kappa * EPS32 * np.linalg.norm(b - theta)
    for r, e in zip(s_ref.curvature, s_exact.curvature, strict=True):
        assert r.sigma.dtype == np.float32
        np.testing.assert_allclose(r.sigma, e.sigma, rtol=15 * kappa * EPS32)  # the same, per sigma
    # and the guard that did not fire would have: the eigenvalues are far below the threshold
    assert max(float(s.sigma.max()) for s in s_exact.curvature) < 1e-3 * 1.7e5 * gamma


def test_reference_config_trains_like_the_authors_configuration():
    opt = optim.ginger_reference(**optim.REFERENCE_CONFIG, warmup_steps=3)
    assert opt.config["lr"] == "linear_warmup(0.0002, 3, init_value=1e-07)"
    _, out = _mc_run(opt, 4)
    # rho = 1 bounds every coordinate of the step by the learning rate of that step (measured
    # as (theta - step) - theta: up to eps64 |theta| of rounding)
    lrs = [optim.linear_warmup(2e-4, 3)(t) for t in range(1, 5)]
    for (theta, _, _, _, new), eta in zip(out, lrs, strict=True):
        assert np.abs(new - theta).max() <= eta + 2 * EPS64 * np.abs(theta).max()


def _exact_product(qs, length, beta, u, newest_first):
    """a^(-l/2) prod_i (I - k_i q_i q_i^T) u, the rank-one factors applied one after another."""
    a, b = beta, 1 - beta
    v = np.array(u, dtype=float)
    order = range(length) if newest_first else range(length - 1, -1, -1)
    for i in order:
        dot = qs[i] @ qs[i]
        k = (1 - np.sqrt(a / (a + b * dot))) / dot
        v = v - k * (qs[i] @ v) * qs[i]
    return v * beta ** (-length / 2)


def test_the_additive_map_is_the_exact_product_for_orthogonal_vectors():
    # For q_i^T q_j = 0 (i != j) the cross terms of the product vanish: both are
    # a^(-l/2) (u - sum_i k_i (q_i^T u) q_i). float64 window: the algebra alone, to rounding.
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((10, 4)))
    qs = (Q * np.array([3.0, 1.0, 0.5, 2.0])).T
    dots = np.einsum("ij,ij->i", qs, qs)
    u = rng.standard_normal(10)
    for newest_first in (True, False):
        got = additive_map(qs, dots, 4, u, 0.9, newest_first=newest_first)
        want = _exact_product(qs, 4, 0.9, u, newest_first)
        np.testing.assert_allclose(got, want, rtol=0, atol=20 * EPS64 * np.linalg.norm(want))


def test_the_additive_map_misses_the_cross_term_otherwise():
    # Two vectors, reverse pass (oldest q_1 first): the product is
    # a^-1 (I - k_0 q_0 q_0^T)(I - k_1 q_1 q_1^T) u
    #   = additive + a^-1 k_0 k_1 (q_0^T q_1)(q_1^T u) q_0.
    rng = np.random.default_rng(1)
    qs, u, a = rng.standard_normal((2, 6)), rng.standard_normal(6), 0.5
    dots = np.einsum("ij,ij->i", qs, qs)
    k = (1 - np.sqrt(a / (a + (1 - a) * dots))) / dots
    additive = additive_map(qs, dots, 2, u, a, newest_first=False)
    gap = _exact_product(qs, 2, a, u, newest_first=False) - additive
    cross = k[0] * k[1] * (qs[0] @ qs[1]) * (qs[1] @ u) * qs[0] / a
    np.testing.assert_allclose(gap, cross, rtol=1e-10, atol=100 * EPS64 * np.linalg.norm(additive))
    assert np.linalg.norm(gap) > 1e-3 * np.linalg.norm(additive)  # a real gap, measured


def test_qng_reference_steps_with_the_old_window_and_the_exact_inverse_for_orthogonal_factors():
    # Factors c_s e_s: each new q = R_rev(f) = a^(-l/2) c_s e_s is orthogonal to the window, so
    # the additive map is the exact product and R_fwd R_rev = G^-1 with
    # G_l = a^l I + sum_{s<=l} a^(l-s) b f_s f_s^T (QNG starts from the identity). Step t uses
    # the window of the t - 1 earlier factors and the momentum sum m_t = beta1 m_{t-1} + g_t.
    # float32 window: relative error ~ a few eps32 per term; 1e-5 is a wide margin.
    d, a, lr, beta1 = 5, 0.9, 0.1, 0.9
    opt = optim.qng_reference(lr, beta1=beta1, beta2=a, rank=4)
    rng = np.random.default_rng(2)
    theta, state, m, G = np.zeros(d), None, np.zeros(d), np.eye(d)
    state = opt.init(theta)
    for t in range(4):
        g, f = rng.standard_normal(d), (t + 1.0) * np.eye(d)[t]
        m = beta1 * m + g
        new, state = opt.step(theta, g, state, f)
        want = lr * np.linalg.solve(G, m)
        np.testing.assert_allclose(theta - new, want, rtol=1e-5, atol=1e-6 * np.linalg.norm(want))
        G = a * G + (1 - a) * np.outer(f, f)  # enters the window after the step
        theta = new
    assert state.length == 4 and state.qs.dtype == np.float32


def test_qng_reference_trust_region_bounds_the_step():
    # First step: empty window, u = m = g, so eta = min(lr, sqrt(2 nu / |g|^2)) and the step has
    # length sqrt(2 nu) once that is below lr |g|.
    opt = optim.qng_reference(1.0, trust_region=1e-4)
    theta, g = np.zeros(3), np.array([3.0, 0.0, 4.0])
    new, _ = opt.step(theta, g, opt.init(theta), g)
    assert np.linalg.norm(new) == pytest.approx(np.sqrt(2e-4), rel=1e-12)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: optim.ginger_reference(damping=0.0), ValueError, r"ginger_reference: damping"),
        (lambda: optim.ginger_reference(rank=0), ValueError, r"ginger_reference: rank must be"),
        (
            lambda: optim.ginger_reference(optim.linear_warmup(1.0, 3), warmup_steps=2),
            ValueError,
            r"ginger_reference: warmup_steps must be 0 when lr is a schedule",
        ),
        (lambda: optim.qng_reference(0.1, beta2=0.0), ValueError, r"qng_reference: beta2"),
        (
            lambda: optim.qng_reference(0.1, trust_region=-1.0),
            ValueError,
            r"qng_reference: trust_region",
        ),
    ],
)
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("make", [optim.ginger_reference, optim.qng_reference])
def test_a_rank_two_factor_is_refused(make):
    opt = make(0.1)
    theta = np.zeros(4)
    with pytest.raises(ValueError, match=rf"{make.__name__}.step: curvature must be one factor"):
        opt.step(theta, theta, opt.init(theta), np.ones((4, 2)))
