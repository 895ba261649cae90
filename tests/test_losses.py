"""Tests of pyginger.nn.losses: values, gradients and Hessians against finite differences and
closed forms, the Hessian factors, the predictive samplers, and every error message."""

import numpy as np
import pytest

from pyginger.nn.losses import (
    LOSSES,
    CrossEntropyLoss,
    Loss,
    MSELoss,
    get_loss,
    log_softmax,
    softmax,
)

EPS = np.finfo(np.float64).eps

# Central differences with step h have truncation error ~ h²/6 |ℓ'''| and rounding error
# ~ eps |ℓ| / h. With h = 1e-6 and |ℓ|, |ℓ'''| = O(1..10) that is ~1e-12 + ~1e-9 at worst, so an
# absolute tolerance of 1e-7 leaves a margin of 100x while still catching any wrong formula
# (errors of a wrong derivative are O(1)).
H_STEP = 1e-6
FD_ATOL = 1e-7


def _targets(loss, n, c, rng):
    if loss.name == "mse":
        return rng.standard_normal((n, c))
    return rng.integers(0, c, size=n)


def _central_diff(func, x):
    """Jacobian of func (array -> array) at x by central differences, shape out.shape + x.shape."""
    x = np.array(x, dtype=float)
    out0 = np.asarray(func(x))
    J = np.empty(out0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = H_STEP
        J[(...,) + idx] = (np.asarray(func(x + e)) - np.asarray(func(x - e))) / (2 * H_STEP)
    return J


@pytest.fixture(params=LOSSES)
def loss(request):
    return get_loss(request.param)


@pytest.mark.parametrize("n, c", [(1, 1), (1, 3), (4, 2), (7, 5)])
def test_grad_matches_finite_differences(loss, n, c):
    rng = np.random.default_rng(n * 10 + c)
    f = 2.0 * rng.standard_normal((n, c))
    y = _targets(loss, n, c, rng)
    # ℓ_i depends on f_i only, so ∂(Σ_i ℓ_i)/∂f = the per-sample gradients.
    fd = _central_diff(lambda ff: loss.per_sample(ff, y).sum(), f)
    np.testing.assert_allclose(loss.grad(f, y), fd, rtol=0, atol=FD_ATOL)
    # value is the mean of per_sample
    assert loss.value(f, y) == pytest.approx(loss.per_sample(f, y).mean(), rel=1e-15)


@pytest.mark.parametrize("n, c", [(1, 1), (3, 4), (5, 2)])
def test_hessian_matches_finite_differences_of_grad(loss, n, c):
    rng = np.random.default_rng(100 + n * 10 + c)
    f = 1.5 * rng.standard_normal((n, c))
    y = _targets(loss, n, c, rng)
    H = loss.hessian(f)
    assert H.shape == (n, c, c)
    for i in range(n):
        fd = _central_diff(
            lambda fi, i=i: loss.grad(np.vstack([f[:i], fi, f[i + 1 :]]), y)[i], f[i : i + 1]
        )[:, 0, :]
        # Same argument as for the gradient, one derivative lower: |grad| = O(1).
        np.testing.assert_allclose(H[i], fd, rtol=0, atol=FD_ATOL)


@pytest.mark.parametrize("n, c", [(1, 1), (2, 3), (6, 10)])
def test_hessian_symmetric_psd_factor_and_matvec(loss, n, c):
    rng = np.random.default_rng(7 * n + c)
    f = 3.0 * rng.standard_normal((n, c))
    H = loss.hessian(f)
    S = loss.hessian_factor(f)
    u = rng.standard_normal((n, c))
    # All three come from closed forms of O(1) entries: agreement to a few ulps.
    tol = 20 * EPS
    np.testing.assert_allclose(H, np.swapaxes(H, 1, 2), rtol=0, atol=tol)
    assert np.linalg.eigvalsh(H).min() >= -tol
    np.testing.assert_allclose(S @ np.swapaxes(S, 1, 2), H, rtol=0, atol=tol)
    np.testing.assert_allclose(
        loss.hessian_matvec(f, u),
        np.einsum("nab,nb->na", H, u),
        rtol=0,
        atol=tol * np.abs(u).max() * c,
    )


def test_mse_closed_forms():
    loss = MSELoss()
    f = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 1.0]])
    y = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 1.0]])
    # ℓ = ½‖f − y‖²: per-sample ½·5, ½·1, ½·4; mean 10/6
    np.testing.assert_array_equal(loss.per_sample(f, y), [2.5, 0.5, 2.0])
    assert loss.value(f, y) == pytest.approx(5.0 / 3.0, rel=1e-15)
    np.testing.assert_array_equal(loss.grad(f, y), f - y)
    np.testing.assert_array_equal(loss.hessian(f), np.broadcast_to(np.eye(2), (3, 2, 2)))
    np.testing.assert_array_equal(loss.hessian_factor(f), np.broadcast_to(np.eye(2), (3, 2, 2)))


def test_cross_entropy_matches_naive_formula_and_is_stable():
    loss = CrossEntropyLoss()
    rng = np.random.default_rng(0)
    f = rng.standard_normal((6, 4))
    y = rng.integers(0, 4, size=6)
    naive = np.log(np.exp(f).sum(axis=1)) - f[np.arange(6), y]
    np.testing.assert_allclose(loss.per_sample(f, y), naive, rtol=1e-14)
    p = np.exp(f) / np.exp(f).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loss.grad(f, y), p - np.eye(4)[y], rtol=0, atol=1e-15)
    # Huge logits: the naive formula overflows, the stable one is exact.
    big = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 1000.0]])
    lbl = np.array([1, 2])
    np.testing.assert_allclose(loss.per_sample(big, lbl), [1000.0, np.log(2.0)], rtol=1e-15)
    g = loss.grad(big, lbl)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [[1.0, -1.0, 0.0], [0.0, 0.5, -0.5]], atol=1e-15)
    assert np.all(np.isfinite(loss.hessian_factor(big)))


def test_softmax_and_log_softmax():
    rng = np.random.default_rng(1)
    f = 50 * rng.standard_normal((5, 7))
    p = softmax(f)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=4 * EPS)
    assert np.all(p >= 0)
    np.testing.assert_allclose(np.exp(log_softmax(f)), p, rtol=1e-13, atol=1e-300)
    # shift invariance
    np.testing.assert_allclose(log_softmax(f + 123.0), log_softmax(f), rtol=0, atol=1e-12)


def test_samples_have_zero_mean_gradient_and_hessian_covariance(loss):
    # For both losses, at targets drawn from the predictive distribution the output gradient has
    # mean 0 and covariance H: the identity that makes the Monte-Carlo GGN factor unbiased.
    # With k iid draws the sample mean of any entry has standard error sd/√k; the sample sd is
    # estimated from the draws. A 5-sigma band per entry fails with probability ~6e-7 per entry
    # (a few dozen entries here), and the test is seeded, so it is deterministic.
    n, c, k = 2, 3, 20000
    f = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.3]])
    rng = np.random.default_rng(42)
    f_rep = np.tile(f, (k, 1))  # (k n, c), sample i repeated k times
    ys = loss.sample(f_rep, rng)
    g = loss.grad(f_rep, ys).reshape(k, n, c)
    mean = g.mean(axis=0)
    se = g.std(axis=0) / np.sqrt(k)
    assert np.all(np.abs(mean) <= 5 * se + 1e-12)
    outer = g[:, :, :, None] * g[:, :, None, :]  # (k, n, c, c)
    cov = outer.mean(axis=0)
    se_cov = outer.std(axis=0) / np.sqrt(k)
    assert np.all(np.abs(cov - loss.hessian(f)) <= 5 * se_cov + 1e-12)


def test_sample_shapes_dtypes_and_seeding(loss):
    f = np.zeros((4, 3))
    one = loss.sample(f, rng=3)
    many = loss.sample(f, rng=3, size=5)
    if loss.name == "mse":
        assert one.shape == (4, 3) and one.dtype == np.float64
        assert many.shape == (5, 4, 3)
    else:
        assert one.shape == (4,) and one.dtype == np.int64
        assert many.shape == (5, 4)
        assert many.min() >= 0 and many.max() < 3
    np.testing.assert_array_equal(loss.sample(f, rng=3), one)
    np.testing.assert_array_equal(loss.sample(f, rng=np.random.default_rng(3)), one)


def test_cross_entropy_sampler_respects_probabilities():
    # Categorical(p) with p = (0.2, 0.5, 0.3): counts of 30000 draws lie within 5 sd of k p.
    p = np.array([0.2, 0.5, 0.3])
    k = 30000
    ys = CrossEntropyLoss().sample(np.log(p)[None, :], rng=1, size=k)[:, 0]
    counts = np.bincount(ys, minlength=3)
    assert np.all(np.abs(counts - k * p) <= 5 * np.sqrt(k * p * (1 - p)))
    # A certain class is always drawn.
    assert np.all(CrossEntropyLoss().sample(np.array([[0.0, 800.0]]), rng=0, size=100) == 1)


def test_get_loss_and_equality():
    assert isinstance(get_loss("mse"), MSELoss)
    assert isinstance(get_loss("cross_entropy"), CrossEntropyLoss)
    inst = CrossEntropyLoss()
    assert get_loss(inst) is inst
    assert MSELoss() == MSELoss() and MSELoss() != CrossEntropyLoss()
    assert len({MSELoss(), MSELoss()}) == 1
    assert repr(MSELoss()) == "MSELoss()"
    assert isinstance(inst, Loss)


def test_inputs_not_modified(loss):
    rng = np.random.default_rng(5)
    f = rng.standard_normal((3, 4))
    y = _targets(loss, 3, 4, rng)
    u = rng.standard_normal((3, 4))
    f0, y0, u0 = f.copy(), y.copy(), u.copy()
    loss.value(f, y), loss.grad(f, y), loss.hessian_matvec(f, u), loss.hessian_factor(f)
    loss.sample(f, rng=0)
    np.testing.assert_array_equal(f, f0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(u, u0)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_get_loss_errors():
    with pytest.raises(ValueError, match=r"get_loss: loss must be 'mse' \| 'cross_entropy', got"):
        get_loss("l1")
    with pytest.raises(TypeError, match=r"get_loss: loss must be one of .* got int"):
        get_loss(3)


@pytest.mark.parametrize(
    "f, exc, match",
    [
        (np.zeros(3), ValueError, r"MSELoss.value: f must be a 2-D array, got shape \(3,\)"),
        (np.zeros((0, 2)), ValueError, r"MSELoss.value: f must have shape \(n, c\) with n, c"),
        (np.array([[1.0, np.nan]]), ValueError, r"MSELoss.value: f must be finite, got 1 non-"),
        (np.array([[1 + 1j]]), TypeError, r"MSELoss.value: f must hold real numbers .* complex128"),
        (
            np.array([[True]]),
            TypeError,
            r"MSELoss.value: f must hold real numbers .* got dtype bool",
        ),
        ("abc", TypeError, r"MSELoss.value: f must be a NumPy array of real numbers, got str"),
    ],
)
def test_output_errors(f, exc, match):
    with pytest.raises(exc, match=match):
        MSELoss().value(f, np.zeros((1, 1)))


def test_mse_target_errors():
    loss = MSELoss()
    f = np.zeros((5, 2))
    with pytest.raises(
        ValueError, match=r"MSELoss.grad: y must have shape \(5, 2\) .*, got \(4, 2"
    ):
        loss.grad(f, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"y must have shape \(5, 1\) .*got \(5,\) \(use y.resh"):
        loss.value(np.zeros((5, 1)), np.zeros(5))
    with pytest.raises(ValueError, match=r"MSELoss.per_sample: y must be finite"):
        loss.per_sample(f, np.full((5, 2), np.inf))


def test_cross_entropy_target_errors():
    loss = CrossEntropyLoss()
    f = np.zeros((4, 3))
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss.value: y must hold class labels in "
        r"\[0, 3\) \(c = 3 outputs\), got values in \[0, 3\]",
    ):
        loss.value(f, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"got values in \[-1, 2\]"):
        loss.grad(f, np.array([0, -1, 2, 2]))
    with pytest.raises(
        TypeError,
        match=r"CrossEntropyLoss.value: y must be an integer array of "
        r"class labels, got dtype float64 \(convert with",
    ):
        loss.value(f, np.array([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(TypeError, match=r"got dtype bool"):
        loss.value(f, np.array([True, False, True, True]))
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss.value: y must have shape \(4,\) "
        r"\(one class label per sample\), got \(4, 1\)",
    ):
        loss.value(f, np.zeros((4, 1), dtype=int))
    with pytest.raises(TypeError, match=r"y must be an integer array .* got str"):
        loss.value(f, "0123")
    # lists are accepted
    assert loss.value(f, [0, 1, 2, 0]) == pytest.approx(np.log(3.0))


def test_matvec_and_sampler_errors():
    loss = CrossEntropyLoss()
    f = np.zeros((2, 3))
    with pytest.raises(
        ValueError,
        match=r"CrossEntropyLoss.hessian_matvec: u must have shape "
        r"\(2, 3\) \(the shape of f\), got \(3, 2\)",
    ):
        loss.hessian_matvec(f, np.zeros((3, 2)))
    with pytest.raises(
        TypeError,
        match=r"CrossEntropyLoss.sample: rng must be None, an integer "
        r"seed or a numpy.random.Generator, got str",
    ):
        loss.sample(f, rng="seed")
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.sample: rng must be a non-negative"):
        loss.sample(f, rng=-1)
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.sample: size must be >= 1, got 0"):
        loss.sample(f, rng=0, size=0)
    with pytest.raises(TypeError, match=r"CrossEntropyLoss.sample: size must be an integer, got f"):
        loss.sample(f, rng=0, size=2.0)
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.hessian: f must be finite"):
        loss.hessian(np.array([[np.inf, 0.0]]))
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.hessian_factor: f must be a 2-D"):
        loss.hessian_factor(np.zeros((1, 2, 3)))
