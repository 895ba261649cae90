"""Ginger's fused optimizer step: its kernels against their NumPy twins, and against the chain.

The fused path is taken from a size of ``U`` (:data:`pyginger.optim._fused.FUSED_MIN_BYTES`);
the tests lower that threshold so that small shapes run it. The element-wise operations round
as the chain's NumPy expressions do (compared bit for bit); the solve's sums run in another
order in float64, so the parameters agree to a few roundings of the storage dtype (the tolerance
below says why).
"""

import numpy as np
import pytest

from pyginger import optim
from pyginger._validation import optimizers as _vo
from pyginger.core import _kernels_step as ks
from pyginger.optim import _fused

pytestmark = pytest.mark.skipif(_fused._kernels() is None, reason="needs Numba")

DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
def test_ema_kernel_equals_twin_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    m, g = (rng.standard_normal(1001).astype(dtype) for _ in range(2))
    out = ks.ema_into(m, g, 0.9, np.empty_like(m), lambda t: t(0, m.size))
    np.testing.assert_array_equal(out, ks.ema_twin(m, g, 0.9))
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rho", [None, 0.5])
@pytest.mark.parametrize("tau", [1, 4, 7])
def test_finish_kernel_matches_twin(dtype, rho, tau):
    rng = np.random.default_rng(tau)
    d = 1003  # not a multiple of 4: the kernel's last rows go one at a time
    U = rng.standard_normal((d, tau)).astype(dtype)
    m, theta = (rng.standard_normal(d).astype(dtype) for _ in range(2))
    w = rng.standard_normal(tau)
    args = (U, m, theta, w, 2.0, 0.19, 0.7, rho, 0.3)
    got = ks.finish_step(*args, lambda t: t(0, d))
    want = ks.finish_step_twin(*args)
    assert got.dtype == want.dtype == dtype
    # The only difference is the order of the float64 sum U[i] @ w (tau terms, error ~tau eps64
    # of |U[i]| |w|, far below the storage ulp), which can flip the rounding of the solve's row
    # to the storage dtype by one ulp; the debias weight, the clip, the learning rate and the
    # subtraction then carry at most that ulp (scaled by c lr < 1) plus their own roundings,
    # so the results agree to a few ulps of |theta| + |lr c o|.
    eps = np.finfo(dtype).eps
    o = 2.0 * np.abs(m / 0.19) + np.abs(U.astype(np.float64)) @ np.abs(w)
    np.testing.assert_array_less(np.abs(got - want), 4 * eps * (np.abs(theta) + 0.3 * 0.7 * o))
    if rho is not None:  # the clip binds for some rows, and the kernel applies it
        assert np.any(np.isclose(np.abs(theta - got), 0.3 * 0.5, rtol=1e-6, atol=0))


def _run(opt, d, dtype, steps, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(d).astype(dtype)
    state = opt.init(theta)
    for _ in range(steps):
        g, f = (rng.standard_normal(d).astype(dtype) for _ in range(2))
        theta, state = opt.step(theta, g, state, f)
    return theta, state


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"rho": 0.05, "debias": False},
        {"form": "inverse", "damping": 1.0, "lr": lambda t: 0.01 * t},
    ],
)
def test_fused_step_matches_chain(monkeypatch, dtype, kwargs):
    # U of 288 KiB (float64) or 144 KiB: the core's compiled kernels run, and the fused path
    # by default; the chain is forced by a threshold above it.
    d, tau, steps = 9000, 4, 6
    kwargs = {"rank": tau, "lr": 0.05, **kwargs}
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 1 << 40)
    chain = _run(optim.ginger(**kwargs), d, dtype, steps)
    taken = []
    original = _fused.fused_update
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 128 << 10)
    monkeypatch.setattr(
        _fused, "fused_update", lambda *a, **kw: taken.append(1) or original(*a, **kw)
    )
    fused = _run(optim.ginger(**kwargs), d, dtype, steps)
    assert len(taken) == steps
    # The momentum and the curvature state do not depend on the solve: equal bit for bit.
    np.testing.assert_array_equal(fused[1].mu, chain[1].mu)
    np.testing.assert_array_equal(fused[1].curvature[0].U, chain[1].curvature[0].U)
    assert fused[1].count == chain[1].count == steps
    # theta: each step's solve sums in another order (U^T m projected before the division by
    # 1 - beta1^t, the rows in another order), a few ulps of the storage dtype per step, and
    # the steps add up: 8 ulps of the largest |theta| per step is far below any change of
    # formula (a missing clip, debias or momentum changes theta by O(lr)).
    eps = np.finfo(dtype).eps
    scale = np.max(np.abs(chain[0]))
    np.testing.assert_allclose(fused[0], chain[0], rtol=0, atol=8 * steps * eps * scale)


def test_fused_step_keeps_the_door_checks(monkeypatch):
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 0)
    opt = optim.ginger(rank=2)
    theta = np.ones(50)
    state = opt.init(theta)
    with pytest.raises(ValueError, match=r"ginger.step: grad must contain only finite"):
        opt.step(theta, np.full(50, np.nan), state, np.ones(50))
    with pytest.raises(TypeError, match=r"ginger.step: curvature must have dtype float64"):
        opt.step(theta, np.ones(50), state, np.ones(50, np.float32))
    with pytest.raises(ValueError, match=r"ginger.step: state was made for d = 50"):
        opt.step(np.ones(40), np.ones(40), state, np.ones(40))


def test_fused_step_in_place_reuses_the_momentum(monkeypatch):
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 0)
    rng = np.random.default_rng(1)
    for overwrite in (False, True):
        opt = optim.ginger(rank=2, overwrite_state=overwrite)
        theta = rng.standard_normal(40)
        state = opt.init(theta)
        mu = state.mu
        theta, new = opt.step(theta, rng.standard_normal(40), state, rng.standard_normal(40))
        assert (new.mu is mu) == overwrite
        assert not overwrite or not np.all(mu == 0)


def _run_chain(opt, d, dtype, steps, seed=0):
    unfused = opt._replace(step=opt.step.chain)
    return _run(unfused, d, dtype, steps, seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kwargs", [{}, {"rho": 0.05, "debias": False}, {"form": "inverse", "damping": 1.0}]
)
def test_small_fused_step_equals_chain_bit_for_bit(dtype, kwargs):
    # Below the threshold the fused step runs the chain's NumPy operations in the chain's order.
    opt = optim.ginger(rank=3, lr=0.05, **kwargs)
    fused, chain = _run(opt, 60, dtype, 8), _run_chain(opt, 60, dtype, 8)
    np.testing.assert_array_equal(fused[0], chain[0])
    np.testing.assert_array_equal(fused[1].mu, chain[1].mu)
    np.testing.assert_array_equal(fused[1].curvature[0].U, chain[1].curvature[0].U)


def test_blocks_run_the_chain(monkeypatch):
    taken = []
    monkeypatch.setattr(_fused, "fused_update", lambda *a, **kw: taken.append(1))
    theta = np.ones(60)
    opt = optim.ginger(rank=2, blocks=[slice(0, 30), slice(30, 60)])
    opt.step(theta, theta, opt.init(theta), theta)
    assert taken == []


def test_finite_check_survives_an_overflowing_sum():
    # Finite entries whose sum overflows: the fast test fails, the exact one accepts them.
    big = np.full(5000, np.finfo(np.float64).max)  # above the size of the direct test
    assert _vo._all_finite(big)
    assert not _vo._all_finite(np.r_[np.ones(5000), np.inf, -np.inf])
    assert not _vo._all_finite(np.r_[np.ones(5000), np.nan])
    assert not _vo._all_finite(np.array([1.0, np.nan]))


@pytest.mark.parametrize("threshold", [0, 1 << 40])  # the compiled path and the NumPy one
def test_fused_step_checks_the_curvature_state_once_at_its_door(monkeypatch, threshold):
    # The update inside the step runs unchecked, so the step's door checks the block's state.
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", threshold)
    opt = optim.ginger(rank=2)
    theta = np.ones(50)
    state = opt.init(theta)
    (block,) = state.curvature
    bad = state._replace(curvature=(block._replace(sigma=np.array([1.0, 2.0])),))
    for factor in (np.ones(50), None):
        message = r"ginger.step: state.curvature\[0\].sigma must be finite, >= 0"
        with pytest.raises(ValueError, match=message):
            opt.step(theta, np.ones(50), bad, factor)
    inverse = optim.ginger(rank=2, form="inverse", damping=1.0)
    tiny = state._replace(curvature=(block._replace(damping=1e-300),))
    with pytest.raises(ValueError, match=r"ginger.step: .*damping"):
        inverse.step(theta, np.ones(50), tiny, np.ones(50))


def test_unchecked_update_equals_update_bit_for_bit():
    from pyginger import core
    from pyginger.core import _dispatch, rank_update

    rng = np.random.default_rng(3)
    state = core.init(40, 3, damping=1e-2)
    kern = _dispatch.kernels_for("update", None, np)
    for step in range(5):
        F = rng.standard_normal((40, 1 + step % 2))
        want = core.update(state, F, beta=0.9, reorth_every=2)
        got = rank_update._update_checked_inputs(state, F, 0.9, "curvature", kern, np, 2, False)
        np.testing.assert_array_equal(got.U, want.U)
        np.testing.assert_array_equal(got.sigma, want.sigma)
        assert got.step == want.step and got.gap_trace == want.gap_trace
        state = want
