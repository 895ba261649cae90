"""Tests of pyginger.nn.mlp: backprop, Jacobian products and the GGN against independent engines.

The independent engine is central finite differences in float64; the GGN is also checked against
its closed form for a linear model and against Jᵀ H J built from finite-difference Jacobians.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyginger.nn.losses import LOSSES, get_loss
from pyginger.nn.mlp import ACTIVATIONS, MLP

EPS = np.finfo(np.float64).eps

# Central differences: truncation error ~ h²/6 |f'''|, rounding error ~ eps |f| / h. With
# h = 1e-6 and values/derivatives of size O(1..10) (parameters ~ N(0, 0.5²), inputs ~ N(0, 1),
# at most 3 layers) that is ~1e-11 + ~2e-9; a tolerance of 1e-6 relative to the scale of the
# compared quantity keeps a margin of ~500x and still catches any wrong derivative (O(1) errors).
H_STEP = 1e-6
FD_RTOL = 1e-6

# (sizes, n): a linear model, batch size 1, a width-1 bottleneck with an odd batch, a deeper
# net with a single input and output. Cross-entropy needs at least two classes to be
# non-trivial, so those cases with n_out = 1 use MSE only (see _cases).
SHAPES = [
    ([3, 2], 4),
    ([4, 5, 3], 1),
    ([2, 3, 1, 4], 7),
    ([1, 6, 5, 2], 3),
    ([3, 4, 1], 5),
]


def _cases():
    for sizes, n in SHAPES:
        for loss in LOSSES:
            if loss == "cross_entropy" and sizes[-1] == 1:
                continue
            yield sizes, n, loss


CASES = list(_cases())
CASE_IDS = [f"{'-'.join(map(str, s))}_n{n}_{loss}" for s, n, loss in CASES]


def _problem(sizes, n, loss, activation, seed=0):
    """A model, random parameters (biases non-zero, activations off their linear regime)
    and data."""
    model = MLP(sizes, activation=activation, loss=loss)
    rng = np.random.default_rng(seed)
    theta = 0.5 * rng.standard_normal(model.num_params)
    X = rng.standard_normal((n, sizes[0]))
    if loss == "mse":
        y = rng.standard_normal((n, sizes[-1]))
    else:
        y = rng.integers(0, sizes[-1], size=n)
    return model, theta, X, y


def _fd_grad(fun, theta):
    g = np.empty_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = H_STEP
        g[j] = (fun(theta + e) - fun(theta - e)) / (2 * H_STEP)
    return g


def _fd_jacobian(model, theta, X):
    """(n, c, d) Jacobian of the outputs by central differences."""
    n, c = X.shape[0], model.n_out
    J = np.empty((n, c, model.num_params))
    for j in range(model.num_params):
        e = np.zeros_like(theta)
        e[j] = H_STEP
        J[:, :, j] = (model.predict(theta + e, X) - model.predict(theta - e, X)) / (2 * H_STEP)
    return J


def _scale(a):
    return max(1.0, float(np.abs(a).max()))


# ---------------------------------------------------------------------------------------------
# Architecture, layout, initialisation
# ---------------------------------------------------------------------------------------------


def test_layout_and_blocks():
    model = MLP([3, 4, 2])
    assert model.num_params == 3 * 4 + 4 + 4 * 2 + 2
    assert list(model.blocks) == ["W1", "b1", "W2", "b2"]
    stops = [s.stop for s in model.blocks.values()]
    starts = [s.start for s in model.blocks.values()]
    assert starts == [0, *stops[:-1]] and stops[-1] == model.num_params
    theta = np.arange(model.num_params, dtype=float)
    (W1, b1), (W2, b2) = model.unflatten(theta)
    assert W1.shape == (3, 4) and b1.shape == (4,) and W2.shape == (4, 2) and b2.shape == (2,)
    # C-order: W1[p, k] sits at offset p * n_1 + k
    assert W1[2, 1] == 2 * 4 + 1
    np.testing.assert_array_equal(W2.ravel(), theta[model.blocks["W2"]])
    np.testing.assert_array_equal(b2, theta[model.blocks["b2"]])
    # views: writing through unflatten writes theta
    W1[0, 0] = -1.0
    assert theta[0] == -1.0
    np.testing.assert_array_equal(model.flatten(model.unflatten(theta)), theta)
    assert model.n_in == 3 and model.n_out == 2 and model.sizes == (3, 4, 2)
    assert repr(model) == "MLP(sizes=[3, 4, 2], activation='tanh', loss='mse')"


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_init_seeded_scaled_and_zero_bias(activation):
    model = MLP([200, 300, 10], activation=activation)
    theta = model.init(seed=1)
    assert theta.dtype == np.float64 and theta.shape == (model.num_params,)
    np.testing.assert_array_equal(theta, model.init(seed=1))
    np.testing.assert_array_equal(theta, model.init(seed=np.random.default_rng(1)))
    assert not np.array_equal(theta, model.init(seed=2))
    for name in ("b1", "b2"):
        assert np.all(theta[model.blocks[name]] == 0.0)
    W1 = theta[model.blocks["W1"]]
    # Variances: Glorot uniform r²/3 = 2 / (fan_in + fan_out); He normal 2 / fan_in. With
    # 60000 draws the sample variance is within a few percent.
    expected = 2.0 / 200 if activation in ("relu", "gelu") else 2.0 / (200 + 300)
    assert W1.var() == pytest.approx(expected, rel=0.05)


def test_linear_model_predict_is_affine():
    model = MLP([3, 2])
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(model.num_params)
    X = rng.standard_normal((5, 3))
    ((W, b),) = model.unflatten(theta)
    np.testing.assert_allclose(model.predict(theta, X), X @ W + b, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_predict_matches_explicit_forward(activation):
    from scipy.special import expit, ndtr

    phi = {
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "sigmoid": expit,
        "gelu": lambda z: z * ndtr(z),
        "softplus": lambda z: np.log1p(np.exp(z)),
        "identity": lambda z: z,
    }[activation]
    model, theta, X, _ = _problem([3, 4, 5, 2], 6, "mse", activation)
    (W1, b1), (W2, b2), (W3, b3) = model.unflatten(theta)
    f = phi(phi(X @ W1 + b1) @ W2 + b2) @ W3 + b3
    np.testing.assert_allclose(model.predict(theta, X), f, rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# Gradients against finite differences: every loss x activation x shape
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes, n, loss", CASES, ids=CASE_IDS)
def test_loss_and_grad_matches_finite_differences(sizes, n, loss, activation):
    model, theta, X, y = _problem(sizes, n, loss, activation)
    value, grad = model.loss_and_grad(theta, X, y)
    assert value == model.loss(theta, X, y)
    assert grad.shape == (model.num_params,) and grad.dtype == np.float64
    fd = _fd_grad(lambda t: model.loss(t, X, y), theta)
    np.testing.assert_allclose(grad, fd, rtol=0, atol=FD_RTOL * _scale(fd))
    # per-sample gradients average to the gradient (B1' against B1)
    G = model.per_sample_grads(theta, X, y)
    assert G.shape == (n, model.num_params)
    np.testing.assert_allclose(G.mean(axis=0), grad, rtol=0, atol=1e-14 * _scale(G))


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_per_sample_grads_match_single_sample_gradients(activation):
    model, theta, X, y = _problem([3, 5, 4], 6, "cross_entropy", activation)
    G = model.per_sample_grads(theta, X, y)
    for i in range(6):
        _, g_i = model.loss_and_grad(theta, X[i : i + 1], y[i : i + 1])
        np.testing.assert_allclose(G[i], g_i, rtol=0, atol=1e-14 * _scale(g_i))


# ---------------------------------------------------------------------------------------------
# Jacobian products
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(
    "sizes, n", SHAPES, ids=[f"{'-'.join(map(str, s))}_n{n}" for s, n in SHAPES]
)
def test_jacobian_jvp_vjp_match_finite_differences(sizes, n, activation):
    model, theta, X, _ = _problem(sizes, n, "mse", activation, seed=1)
    J_fd = _fd_jacobian(model, theta, X)
    J = model.jacobian(theta, X)
    assert J.shape == (n, model.n_out, model.num_params)
    np.testing.assert_allclose(J, J_fd, rtol=0, atol=FD_RTOL * _scale(J_fd))
    rng = np.random.default_rng(2)
    v = rng.standard_normal(model.num_params)
    u = rng.standard_normal((n, model.n_out))
    # J from the per-sample backward pass (B1') is exact; jvp (J1, J2) and vjp (B1, B2) must
    # agree with it to rounding: O(d) terms of size O(|J| |v|).
    tol = 100 * EPS * model.num_params * _scale(J)
    np.testing.assert_allclose(model.jvp(theta, X, v), J @ v, rtol=0, atol=tol * _scale(v))
    np.testing.assert_allclose(
        model.vjp(theta, X, u), np.einsum("icd,ic->d", J, u), rtol=0, atol=tol * _scale(u) * n
    )


@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    n=st.integers(1, 6),
    activation=st.sampled_from(ACTIVATIONS),
    seed=st.integers(0, 2**16),
)
def test_jvp_vjp_adjoint(sizes, n, activation, seed):
    # <J v, u> = <v, Jᵀ u>: both sides are sums of O(n c d) products of O(1) numbers.
    model, theta, X, _ = _problem(sizes, n, "mse", activation, seed=seed)
    rng = np.random.default_rng(seed + 1)
    v = rng.standard_normal(model.num_params)
    u = rng.standard_normal((n, model.n_out))
    Jv, JTu = model.jvp(theta, X, v), model.vjp(theta, X, u)
    lhs, rhs = float(np.sum(Jv * u)), float(v @ JTu)
    scale = float(np.abs(Jv).sum() * np.abs(u).max() + np.abs(v).sum() * np.abs(JTu).max())
    assert abs(lhs - rhs) <= 1e3 * EPS * max(scale, 1.0)


def test_jvp_vjp_several_vectors_at_once():
    model, theta, X, _ = _problem([3, 4, 2], 5, "mse", "tanh")
    rng = np.random.default_rng(3)
    V = rng.standard_normal((model.num_params, 3))
    U = rng.standard_normal((5, 2, 4))
    JV = model.jvp(theta, X, V)
    assert JV.shape == (5, 2, 3)
    for j in range(3):
        np.testing.assert_allclose(JV[..., j], model.jvp(theta, X, V[:, j]), rtol=1e-13, atol=1e-14)
    JTU = model.vjp(theta, X, U)
    assert JTU.shape == (model.num_params, 4)
    for j in range(4):
        np.testing.assert_allclose(
            JTU[:, j], model.vjp(theta, X, U[..., j]), rtol=1e-13, atol=1e-14
        )


# ---------------------------------------------------------------------------------------------
# The GGN: matrix-free product, dense matrix, exact factor
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes, n, loss", CASES, ids=CASE_IDS)
def test_ggn_dense_matvec_and_exact_factor(sizes, n, loss, activation):
    model, theta, X, _ = _problem(sizes, n, loss, activation, seed=4)
    d, c = model.num_params, model.n_out
    G = model.ggn(theta, X)
    assert G.shape == (d, d)
    # symmetric (exactly, by construction) and PSD up to rounding of O(|G|) entries
    np.testing.assert_array_equal(G, G.T)
    assert np.linalg.eigvalsh(G).min() >= -100 * EPS * d * _scale(G)
    # exact factor: F Fᵀ = G, shape (d, n c)
    F = model.ggn_factor(theta, X, kind="exact")
    assert F.shape == (d, n * c) and F.dtype == np.float64
    np.testing.assert_allclose(F @ F.T, G, rtol=0, atol=100 * EPS * n * c * _scale(G))
    # the matrix-free product (forward mode, H, reverse mode) against the dense matrix, column
    # by column (v = I) and for several vectors at once
    tol = 100 * EPS * d * _scale(G)
    GI = model.ggn_matvec(theta, X, np.eye(d))
    np.testing.assert_allclose(GI, G, rtol=0, atol=tol)
    v = np.random.default_rng(5).standard_normal(d)
    np.testing.assert_allclose(model.ggn_matvec(theta, X, v), G @ v, rtol=0, atol=tol * _scale(v))
    # G = (1/n) Σ J_iᵀ H_i J_i from finite-difference Jacobians and the loss's Hessians
    J_fd = _fd_jacobian(model, theta, X)
    H = get_loss(loss).hessian(model.predict(theta, X))
    G_fd = np.einsum("iad,iab,ibe->de", J_fd, H, J_fd) / n
    np.testing.assert_allclose(G, G_fd, rtol=0, atol=FD_RTOL * 10 * _scale(G_fd))


@pytest.mark.parametrize("n_in, n_out, n", [(3, 1, 5), (2, 3, 4), (4, 2, 1)])
def test_mse_linear_model_ggn_is_xtx_over_n(n_in, n_out, n):
    # f = X W + b, ℓ = ½‖f − y‖² (H = I), mean over the batch: G = kron(X̃ᵀX̃ / n, I_c) with
    # X̃ = [X, 1], because theta's layer block is the row-major vec of [W; b].
    model = MLP([n_in, n_out], loss="mse")
    rng = np.random.default_rng(n_in + 10 * n_out)
    X = rng.standard_normal((n, n_in))
    theta = rng.standard_normal(model.num_params)  # the GGN of a linear model ignores theta
    Xt = np.hstack([X, np.ones((n, 1))])
    expected = np.kron(Xt.T @ Xt / n, np.eye(n_out))
    np.testing.assert_allclose(
        model.ggn(theta, X), expected, rtol=0, atol=50 * EPS * _scale(expected)
    )
    v = rng.standard_normal(model.num_params)
    np.testing.assert_allclose(model.ggn_matvec(theta, X, v), expected @ v, rtol=1e-13, atol=1e-13)


def test_ggn_equals_hessian_for_mse_linear_model():
    # For a linear model with MSE the loss is quadratic, so the GGN is the full Hessian:
    # check it against finite differences of the hand-written gradient.
    model = MLP([3, 2], loss="mse")
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    theta = rng.standard_normal(model.num_params)
    Hess = np.column_stack(
        [_fd_grad(lambda t, j=j: model.loss_and_grad(t, X, y)[1][j], theta) for j in range(8)]
    )
    np.testing.assert_allclose(model.ggn(theta, X), Hess, rtol=0, atol=1e-7)


def test_ggn_matvec_does_not_depend_on_targets_and_ggn_factor_checks_y():
    model, theta, X, y = _problem([3, 4, 3], 5, "cross_entropy", "tanh")
    F1 = model.ggn_factor(theta, X, kind="exact")
    F2 = model.ggn_factor(theta, X, y, kind="exact")
    np.testing.assert_array_equal(F1, F2)


def test_empirical_factor_is_per_sample_gradients():
    model, theta, X, y = _problem([3, 4, 3], 5, "cross_entropy", "softplus")
    F = model.ggn_factor(theta, X, y, kind="empirical")
    G = model.per_sample_grads(theta, X, y)
    assert F.shape == (model.num_params, 5)
    np.testing.assert_allclose(F * np.sqrt(5), G.T, rtol=1e-15, atol=1e-15)
    # F Fᵀ = (1/n) Σ g_i g_iᵀ, and it is not the GGN in general
    np.testing.assert_allclose(F @ F.T, G.T @ G / 5, rtol=1e-13, atol=1e-15)
    assert not np.allclose(F @ F.T, model.ggn(theta, X))


def test_batch_of_one_exact_factor_and_mc_vector():
    model, theta, X, _ = _problem([2, 3, 3], 1, "cross_entropy", "tanh")
    F = model.ggn_factor(theta, X)
    assert F.shape == (model.num_params, 3)
    v = model.ggn_factor(theta, X, kind="mc", rng=0)
    assert v.shape == (model.num_params,)
    # one sample, one draw: v = J_1ᵀ (p − e_ŷ)
    yhat = get_loss("cross_entropy").sample(model.predict(theta, X), rng=0)
    np.testing.assert_allclose(v, model.per_sample_grads(theta, X, yhat)[0], rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------------------------------------
# The Monte-Carlo factor: unbiased, converging at the rate 1/√m
# ---------------------------------------------------------------------------------------------


def _check_unbiased_mean(M, G):
    """M: (m, d, d) iid draws whose mean should be G; check every entry of the sample mean.

    The sample mean of m iid draws has standard error sd/√m (sd estimated from the draws, m in
    the thousands so the CLT applies); a 5-sigma band per entry fails with probability ~6e-7 per
    entry, ~3e-4 over the ≤ 500 distinct entries here. The draws are seeded, so the test is
    deterministic; a wrong scaling (e.g. 1/n instead of 1/√n) or a biased sampler is off by
    many sigmas.
    """
    m = M.shape[0]
    mean = M.mean(axis=0)
    sd = M.std(axis=0)
    assert np.all(np.abs(mean - G) <= 5 * sd / np.sqrt(m) + 1e-13 * _scale(G))


def _check_rate(V, G, m1, m2):
    """V: (R m2, d) iid vectors with E[v vᵀ] = G. Check E‖mean_m(v vᵀ) − G‖_F² = T / m.

    For an unbiased mean of m iid matrices M = v vᵀ, E‖mean_m − G‖_F² = T / m exactly, with
    T = Σ_ab Var(M_ab) (estimated from all draws). The draws are split into R replicates of m2;
    in each, the error of the mean of the first m1 and of all m2 draws is measured, and the
    squared errors are averaged over the R replicates. In the worst case (one dominant direction)
    a squared error at m ≥ 16 has relative sd ≈ 1.5, so the average over R = 128 replicates has
    relative sd ≈ 0.13: the bands [0.6, 1.5] are > 3 sigma wide. A bias b would add m2 ‖b‖² / T,
    and a rate slower than 1/m would make the m2 ratio blow up.
    """
    R, d = V.shape[0] // m2, V.shape[1]
    Vr = V[: R * m2].reshape(R, m2, d)
    N = V.shape[0]
    # Var(v_a v_b) = E[v_a² v_b²] − E[v_a v_b]², without storing the N outer products
    T = float(((V**2).T @ V**2 / N - (V.T @ V / N) ** 2).sum())
    for m in (m1, m2):
        means = np.einsum("rsd,rse->rde", Vr[:, :m], Vr[:, :m]) / m
        mse = float(((means - G) ** 2).sum(axis=(1, 2)).mean())
        assert 0.6 <= mse * m / T <= 1.5, (m, mse * m / T)


@pytest.mark.parametrize("loss", LOSSES)
def test_mc_factor_columns_are_unbiased_and_converge_at_rate(loss):
    model, theta, X, _ = _problem([3, 4, 3], 5, loss, "tanh", seed=6)
    G = model.ggn(theta, X)
    m = 128 * 256
    F = model.ggn_factor(theta, X, kind="mc", rng=7, samples=m)
    assert F.shape == (model.num_params, m)
    V = (F * np.sqrt(m)).T  # rows: independent batch vectors (1/√n) Σ_i g̃_i
    # F Fᵀ is the average of the m outer products
    np.testing.assert_allclose(F @ F.T, (V.T @ V) / m, rtol=1e-12, atol=1e-14)
    _check_unbiased_mean(V[:4000, :, None] * V[:4000, None, :], G)
    _check_rate(V, G, 16, 256)


@pytest.mark.parametrize("loss", LOSSES)
def test_mc_factor_per_sample_is_unbiased(loss):
    model, theta, X, _ = _problem([2, 3, 2], 4, loss, "sigmoid", seed=8)
    G = model.ggn(theta, X)
    m, n, d = 2000, 4, model.num_params
    F = model.ggn_factor(theta, X, kind="mc", rng=9, samples=m, per_sample=True)
    assert F.shape == (d, n * m)
    # columns s*n + i hold g̃_{i,s} / √(n m); draw s contributes M_s = (1/n) Σ_i g̃ g̃ᵀ
    g = (F * np.sqrt(n * m)).T.reshape(m, n, d)
    M = np.einsum("sid,sie->sde", g, g) / n
    _check_unbiased_mean(M, G)
    np.testing.assert_allclose(F @ F.T, M.mean(axis=0), rtol=1e-12, atol=1e-14)


def test_mc_single_vector_scaling_is_unbiased():
    # The default: one vector √n · (mean gradient at sampled targets), a fresh draw per seed.
    model, theta, X, _ = _problem([2, 3, 2], 6, "cross_entropy", "tanh", seed=10)
    G = model.ggn(theta, X)
    m = 1600
    V = np.stack([model.ggn_factor(theta, X, kind="mc", rng=s) for s in range(m)])
    _check_unbiased_mean(V[:, :, None] * V[:, None, :], G)
    # and it equals √n times the gradient of the mean loss at the sampled targets
    f = model.predict(theta, X)
    yhat = get_loss("cross_entropy").sample(f, rng=3)
    _, g = model.loss_and_grad(theta, X, yhat)
    np.testing.assert_allclose(V[3], np.sqrt(6) * g, rtol=1e-13, atol=1e-15)


def test_mc_factor_is_reproducible_with_seed():
    model, theta, X, _ = _problem([3, 4, 2], 5, "mse", "relu")
    a = model.ggn_factor(theta, X, kind="mc", rng=11, samples=3)
    b = model.ggn_factor(theta, X, kind="mc", rng=np.random.default_rng(11), samples=3)
    np.testing.assert_array_equal(a, b)
    assert model.ggn_factor(theta, X, kind="mc", rng=0, samples=1).shape == (model.num_params, 1)


# ---------------------------------------------------------------------------------------------
# Dtypes, purity
# ---------------------------------------------------------------------------------------------


def test_inputs_are_not_modified_and_dtypes_are_converted():
    model, theta, X, y = _problem([3, 4, 2], 5, "mse", "tanh")
    copies = [a.copy() for a in (theta, X, y)]
    v = np.ones(model.num_params)
    model.loss_and_grad(theta, X, y)
    model.ggn_matvec(theta, X, v)
    model.ggn_factor(theta, X, y, kind="empirical")
    for a, b in zip((theta, X, y), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(v, 1.0)
    # float32 and integer inputs are computed in float64
    out = model.predict(theta.astype(np.float32), X.astype(np.float32))
    assert out.dtype == np.float64
    assert model.predict(theta, np.ones((2, 3), dtype=int)).dtype == np.float64
    # lists work
    assert model.predict(list(theta), X.tolist()).shape == (5, 2)


@pytest.mark.parametrize(
    "call, checked",
    [
        (lambda m, t, X, y, v: m.loss_and_grad(t, X, y), ["theta", "X", "y"]),
        (lambda m, t, X, y, v: m.ggn_matvec(t, X, v), ["theta", "X", "v"]),
        (lambda m, t, X, y, v: m.ggn_factor(t, X, y, kind="empirical"), ["theta", "X", "y"]),
        (lambda m, t, X, y, v: m.ggn_factor(t, X, kind="mc", rng=0), ["theta", "X"]),
        (lambda m, t, X, y, v: m.jvp(t, X, v), ["theta", "X", "v"]),
        (lambda m, t, X, y, v: m.per_sample_grads(t, X, y), ["theta", "X", "y"]),
    ],
)
def test_each_array_is_checked_once_at_the_door(monkeypatch, call, checked):
    # Checks at the door: a public method checks each argument once, its inner code none again.
    import pyginger._validation.network as network

    seen = []
    real = network.as_real_array

    def counting(func, name, x, **kw):
        seen.append(name)
        return real(func, name, x, **kw)

    monkeypatch.setattr(network, "as_real_array", counting)
    model, theta, X, y = _problem([3, 4, 2], 5, "mse", "tanh")
    call(model, theta, X, y, np.ones(model.num_params))
    assert seen == checked


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(sizes=[3]), ValueError, r"MLP: sizes must have at least 2 entries"),
        (dict(sizes=[3, 0, 2]), ValueError, r"MLP: sizes must all be >= 1, got \[3, 0, 2\]"),
        (dict(sizes=[3, 2.0]), TypeError, r"MLP: sizes must hold integers, got float"),
        (dict(sizes=[3, True]), TypeError, r"MLP: sizes must hold integers, got bool"),
        (dict(sizes=5), TypeError, r"MLP: sizes must be a sequence of integers .* got int"),
        (dict(sizes="32"), TypeError, r"MLP: sizes must be a sequence of integers .* got str"),
        (
            dict(sizes=[3, 2], activation="swish"),
            ValueError,
            r"MLP: activation must be 'tanh' \| 'relu' .* got 'swish'",
        ),
        (
            dict(sizes=[3, 2], loss="hinge"),
            ValueError,
            r"MLP: loss must be 'mse' \| 'cross_entropy' or a pyginger.nn.losses.Loss, got 'hinge'",
        ),
    ],
)
def test_constructor_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        MLP(**kwargs)


@pytest.fixture
def ce_problem():
    return _problem([3, 4, 3], 5, "cross_entropy", "tanh")


def test_shape_mismatch_errors(ce_problem):
    model, theta, X, y = ce_problem
    with pytest.raises(
        ValueError,
        match=r"MLP.loss: X must have shape \(n, 3\) with n >= 1, "
        r"got \(5, 4\)",
    ):
        model.loss(theta, np.zeros((5, 4)), y)
    with pytest.raises(ValueError, match=r"MLP.predict: X must have shape \(n, 3\) .*got \(3,\)"):
        model.predict(theta, np.zeros(3))
    with pytest.raises(ValueError, match=r"MLP.predict: X must have shape \(n, 3\) .*got \(0, 3\)"):
        model.predict(theta, np.zeros((0, 3)))
    with pytest.raises(
        ValueError,
        match=r"MLP.loss_and_grad: theta must have shape \(31,\) "
        r"\(num_params of MLP\(.*\)\), got \(30,\)",
    ):
        model.loss_and_grad(theta[:-1], X, y)
    with pytest.raises(
        ValueError,
        match=r"MLP.loss: y must have shape \(5,\) \(one class label "
        r"per sample\), got \(4,\)",
    ):
        model.loss(theta, X, y[:4])
    mse = MLP([3, 2])
    t = mse.init()
    with pytest.raises(
        ValueError,
        match=r"MLP.loss: y must have shape \(5, 2\) \(MSE targets, "
        r"one row per sample\), got \(5, 3\)",
    ):
        mse.loss(t, X, np.zeros((5, 3)))
    with pytest.raises(
        ValueError,
        match=r"MLP.jvp: v must have shape \(31,\) or \(31, m\), "
        r"got \(30,\)",
    ):
        model.jvp(theta, X, np.zeros(30))
    with pytest.raises(ValueError, match=r"MLP.ggn_matvec: v must have shape \(31,\) or \(31, m\)"):
        model.ggn_matvec(theta, X, np.zeros((31, 0)))
    with pytest.raises(
        ValueError,
        match=r"MLP.vjp: u must have shape \(5, 3\) or \(5, 3, m\) to "
        r"match X and the 3 outputs, got \(4, 3\)",
    ):
        model.vjp(theta, X, np.zeros((4, 3)))


def test_targets_of_the_other_loss_get_a_hint():
    X = np.zeros((5, 2))
    labels = np.array([0, 1, 2, 1, 0])
    mse = MLP([2, 4, 3])  # the default loss is MSE
    for y in (labels, labels[:, None], list(labels)):
        with pytest.raises(
            ValueError,
            match=r"MLP.loss_and_grad: y holds one integer per sample \(shape \(5,( 1)?\)\), "
            r"but the loss is MSE, which needs real targets of shape \(5, 3\); for class labels "
            r'build the model with loss="cross_entropy" \(one output per class\)$',
        ):
            mse.loss_and_grad(mse.init(), X, y)
    # With a single output, integer regression targets are plausible too: both fixes named.
    single = MLP([2, 1])
    with pytest.raises(ValueError, match=r'loss="cross_entropy" .*, or y.reshape\(-1, 1\)'):
        single.loss(single.init(), X, labels)
    assert np.isfinite(single.loss(single.init(), X, labels[:, None]))  # (n, 1) ints: regression
    # Integer one-hot rows are valid MSE targets; float one-hot rows are not class labels.
    onehot = np.eye(3)[labels]
    assert np.isfinite(mse.loss(mse.init(), X, onehot.astype(int)))
    ce = MLP([2, 4, 3], loss="cross_entropy")
    with pytest.raises(
        TypeError,
        match=r"MLP.loss: y holds 3 reals per sample \(shape \(5, 3\)\), but the loss is "
        r"cross-entropy, .* for one-hot rows use y.argmax\(axis=1\)",
    ):
        ce.loss(ce.init(), X, onehot)
    assert ce.loss(ce.init(), X, onehot.argmax(axis=1)) == ce.loss(ce.init(), X, labels)
    # ggn_factor(kind="empirical") checks its targets the same way.
    with pytest.raises(ValueError, match=r"MLP.ggn_factor: y holds one integer per sample"):
        mse.ggn_factor(mse.init(), X, labels, kind="empirical")


def test_label_and_value_errors(ce_problem):
    model, theta, X, y = ce_problem
    with pytest.raises(
        ValueError,
        match=r"MLP.loss: y must hold class labels in \[0, 3\) "
        r"\(c = 3 outputs\), got values in \[0, 3\]",
    ):
        model.loss(theta, X, np.array([0, 1, 2, 3, 0]))
    with pytest.raises(
        ValueError,
        match=r"MLP.per_sample_grads: y must hold class labels .* "
        r"got values in \[-2, 2\]",
    ):
        model.per_sample_grads(theta, X, np.array([0, 1, 2, -2, 0]))
    with pytest.raises(
        TypeError,
        match=r"MLP.loss_and_grad: y must be an integer array of class "
        r"labels, got dtype float64",
    ):
        model.loss_and_grad(theta, X, y.astype(float))
    Xbad = X.copy()
    Xbad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"MLP.loss: X must be finite, got 1 non-finite entries"):
        model.loss(theta, Xbad, y)
    tbad = theta.copy()
    tbad[:2] = np.inf
    with pytest.raises(ValueError, match=r"MLP.ggn: theta must be finite, got 2 non-finite"):
        model.ggn(tbad, X)
    with pytest.raises(ValueError, match=r"MLP.ggn_matvec: v must be finite"):
        model.ggn_matvec(theta, X, np.full(31, np.nan))
    with pytest.raises(TypeError, match=r"MLP.predict: X must hold real numbers .* complex128"):
        model.predict(theta, X + 1j)
    with pytest.raises(
        TypeError,
        match=r"MLP.predict: theta must be a NumPy array of real "
        r"numbers, got dict",
    ):
        model.predict({}, X)


def test_ggn_factor_errors(ce_problem):
    model, theta, X, y = ce_problem
    with pytest.raises(
        ValueError,
        match=r"MLP.ggn_factor: kind must be 'exact' \| 'mc' \| "
        r"'empirical', got 'fisher'",
    ):
        model.ggn_factor(theta, X, y, kind="fisher")
    with pytest.raises(ValueError, match=r"MLP.ggn_factor: y is required for kind='empirical'"):
        model.ggn_factor(theta, X, kind="empirical")
    with pytest.raises(
        ValueError,
        match=r"MLP.ggn_factor: samples and per_sample only apply to "
        r"kind='mc', got kind='exact'",
    ):
        model.ggn_factor(theta, X, samples=3)
    with pytest.raises(ValueError, match=r"only apply to kind='mc', got kind='empirical'"):
        model.ggn_factor(theta, X, y, kind="empirical", per_sample=True)
    with pytest.raises(ValueError, match=r"MLP.ggn_factor: samples must be >= 1, got 0"):
        model.ggn_factor(theta, X, kind="mc", samples=0)
    with pytest.raises(TypeError, match=r"MLP.ggn_factor: samples must be an integer, got float"):
        model.ggn_factor(theta, X, kind="mc", samples=2.5)
    with pytest.raises(TypeError, match=r"MLP.ggn_factor: per_sample must be a bool, got str"):
        model.ggn_factor(theta, X, kind="mc", per_sample="yes")
    with pytest.raises(TypeError, match=r"MLP.ggn_factor: rng must be None, an integer seed or"):
        model.ggn_factor(theta, X, kind="mc", rng=1.5)
    with pytest.raises(ValueError, match=r"MLP.ggn_factor: y must hold class labels"):
        model.ggn_factor(theta, X, np.full(5, 7), kind="exact")


def test_flatten_unflatten_init_errors():
    model = MLP([3, 4, 2])
    with pytest.raises(ValueError, match=r"MLP.flatten: params must hold 2 \(W, b\) pairs, got 1"):
        model.flatten([(np.zeros((3, 4)), np.zeros(4))])
    with pytest.raises(ValueError, match=r"MLP.flatten: W2 must have shape \(4, 2\), got \(2, 4\)"):
        model.flatten([(np.zeros((3, 4)), np.zeros(4)), (np.zeros((2, 4)), np.zeros(2))])
    with pytest.raises(ValueError, match=r"MLP.flatten: b1 must have shape \(4,\), got \(3,\)"):
        model.flatten([(np.zeros((3, 4)), np.zeros(3)), (np.zeros((4, 2)), np.zeros(2))])
    with pytest.raises(TypeError, match=r"MLP.flatten: params\[0\] must be a \(W, b\) pair"):
        model.flatten([np.zeros(3), (np.zeros((4, 2)), np.zeros(2))])
    with pytest.raises(
        TypeError,
        match=r"MLP.flatten: params must be a sequence of \(W, b\) "
        r"pairs, got int",
    ):
        model.flatten(3)
    with pytest.raises(ValueError, match=r"MLP.unflatten: theta must have shape \(26,\)"):
        model.unflatten(np.zeros(5))
    with pytest.raises(TypeError, match=r"MLP.init: rng must be None, an integer seed or"):
        model.init(seed="zero")
