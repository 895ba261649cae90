"""The recipes of docs/interop.md: gradients from PyTorch and JAX, without copies where possible.

Each library part is skipped with its reason when the library is not installed.
"""

import numpy as np
import pytest

import pyginger
from pyginger import dense
from pyginger.testing import compare_state

EPS64 = np.finfo(np.float64).eps


def _address(a):
    return a.__array_interface__["data"][0]


# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed")


def test_torch_gradients_through_dlpack_share_memory(torch):
    torch.manual_seed(0)
    model = torch.nn.Linear(20, 1, dtype=torch.float64)
    params = list(model.parameters())
    d = sum(p.numel() for p in params)
    state = pyginger.init(d, 4, damping=1e-3)
    flat = torch.zeros(d, dtype=torch.float64)
    g = np.from_dlpack(flat)
    assert _address(g) == flat.data_ptr()  # a view, not a copy

    factors = []
    for _ in range(3):
        x, y = torch.randn(8, 20, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
        loss = torch.nn.functional.mse_loss(model(x), y)
        grads = torch.autograd.grad(loss, params)
        torch.cat([t.reshape(-1) for t in grads], out=flat)
        assert _address(g) == flat.data_ptr()
        factors.append(g.copy())
        state = pyginger.update(state, g, beta=0.95, overwrite_state=True)
        step = pyginger.solve(state, g)
        back = torch.from_numpy(step)
        assert back.data_ptr() == _address(step)  # and back without a copy

    # What came back through DLPack is the solve, bit for bit.
    np.testing.assert_array_equal(back.numpy(), pyginger.solve(state, g))
    # Three rank-one updates with rank 4: nothing truncated, so the state is the exact EMA, to
    # three backward-stable updates of ~ 3 eps each (relative to ||G_gamma||): 50 eps.
    compare_state(state, dense.ema_ggn(factors, 0.95), rtol=50 * EPS64)


def test_torch_tensors_that_require_grad_must_be_detached(torch):
    p = torch.ones(3, requires_grad=True)
    with pytest.raises((BufferError, RuntimeError), match="detach"):
        np.from_dlpack(p)
    view = np.from_dlpack(p.detach())
    assert _address(view) == p.data_ptr()


def test_torch_float32_needs_a_float32_state(torch):
    g = np.from_dlpack(torch.ones(6))  # float32
    with pytest.raises(TypeError, match="must have dtype float64.*got float32"):
        pyginger.update(pyginger.init(6, 2), g)
    state = pyginger.update(pyginger.init(6, 2, dtype=np.float32), g, beta=0.5)
    assert state.U.dtype == np.float32 and float(state.sigma[0]) == pytest.approx(3.0)


def test_torch_per_example_gradients_as_a_block_factor(torch):
    torch.manual_seed(1)
    w = torch.randn(7, dtype=torch.float64)
    xs = torch.randn(5, 7, dtype=torch.float64)

    def loss(w, x):
        return torch.sin(x @ w) ** 2

    per_example = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0))(w, xs)  # (k, d)
    k = per_example.shape[0]
    F = np.from_dlpack(per_example).T / k**0.5
    state = pyginger.update(pyginger.init(7, 5, damping=0.1), F, beta=0.0)
    # One backward-stable block update (k = 5 = tau): ~ sqrt(tau + k) eps = 3 eps relative to
    # ||G_gamma||, so 50 eps.
    compare_state(state, np.asarray(F @ F.T), rtol=50 * EPS64)


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
def test_torch_state_on_the_generic_path(torch, dtype_name):
    dtype = getattr(torch, dtype_name)
    rng = np.random.default_rng(2)
    fs = [rng.standard_normal(30).astype(dtype_name) for _ in range(6)]
    host = pyginger.init(30, 4, damping=1e-2, dtype=np.dtype(dtype_name))
    state = pyginger.init(30, 4, damping=1e-2, xp=torch, dtype=dtype)
    for f in fs:
        host = pyginger.update(host, f, beta=0.9)
        state = pyginger.update(state, torch.from_numpy(f), beta=0.9)
    step = pyginger.solve(state, torch.from_numpy(fs[0]))
    assert isinstance(step, torch.Tensor) and step.dtype == dtype
    assert isinstance(state.U, torch.Tensor) and state.U.dtype == dtype
    # Same algorithm, different summation order: agreement to a few eps(dtype) of sigma_max.
    tol = 1e3 * np.finfo(dtype_name).eps * float(host.sigma[0])
    np.testing.assert_allclose(state.sigma.numpy(), host.sigma, rtol=0, atol=tol)
    with pytest.raises(TypeError, match="numpy array but the state holds"):
        pyginger.update(state, fs[0])


# ---------------------------------------------------------------------------------------------
# JAX
# ---------------------------------------------------------------------------------------------


def test_jax_recipes():
    jax = pytest.importorskip("jax", reason="JAX is not installed")
    jnp = jax.numpy
    jax.config.update("jax_enable_x64", True)
    g = jax.grad(lambda w: jnp.sum(jnp.sin(w) ** 2))(jnp.arange(5.0))
    gn = np.from_dlpack(g)
    state = pyginger.update(pyginger.init(5, 2, damping=1e-2), gn, beta=0.9)
    step = jnp.asarray(pyginger.solve(state, gn))
    np.testing.assert_array_equal(np.asarray(step), pyginger.solve(state, gn))
    # One rank-one update: exact to a few eps relative to ||G_gamma||, so 50 eps.
    compare_state(state, dense.ema_ggn([np.asarray(g)], 0.9), rtol=50 * EPS64)

    jstate = pyginger.update(pyginger.init(5, 2, damping=1e-2, xp=jnp), g, beta=0.9)
    np.testing.assert_allclose(np.asarray(jstate.sigma), state.sigma, rtol=1e-12)
    # Immutable arrays: overwrite_state falls back to a new U.
    again = pyginger.update(jstate, g, beta=0.9, overwrite_state=True)
    assert again.U is not jstate.U
