"""Integration: exact GGN factors of a small network fed into the Ginger core.

While the total rank added is at most tau nothing is truncated, so the state must reproduce the
damped inverse of the exact EMA of the GGN matrices from pyginger.dense to rounding.
"""

import numpy as np
import pytest

import pyginger
from pyginger.nn.mlp import MLP


def _relative_error(A, B):
    return float(np.linalg.norm(A - B) / np.linalg.norm(B))


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("beta", [0.0, 0.9])
@pytest.mark.parametrize("form", ["curvature", "inverse"])
def test_one_exact_factor_gives_damped_ggn_inverse(loss, beta, form):
    model = MLP([3, 4, 2], activation="tanh", loss=loss)
    rng = np.random.default_rng(0)
    theta = 0.7 * rng.standard_normal(model.num_params)
    X = rng.standard_normal((3, 3))
    F = model.ggn_factor(theta, X, kind="exact")  # (26, 6): rank <= 6
    G = model.ggn(theta, X)
    damping = 1e-2
    state = pyginger.init(model.num_params, F.shape[1], damping=damping)
    state = pyginger.update(state, F, beta=beta, form=form)
    expected = pyginger.dense.damped_inverse((1.0 - beta) * G, damping)
    got = pyginger.to_dense(state, inverse=True)
    # Exact to rounding. Here |G| <= 4 and γ = 1e-2, so the damped matrix has condition number
    # κ <= 400 and both the state and the dense reference are accurate to ~eps·κ ~ 1e-13 (the
    # inverse form's extra loss, ~eps·σ/γ, is of the same size); measured: ~1e-15.
    assert _relative_error(got, expected) < 1e-12
    assert _relative_error(got, np.linalg.inv((1.0 - beta) * G + damping * np.eye(26))) < 1e-12


def test_several_batches_with_total_rank_at_most_tau_match_dense_ema():
    # Three mini-batches of 2 samples, cross-entropy with 3 classes: 3 x 6 = 18 columns <= tau.
    model = MLP([4, 3, 3], activation="gelu", loss="cross_entropy")
    rng = np.random.default_rng(1)
    theta = model.init(seed=2)
    factors = []
    for _ in range(3):
        X = rng.standard_normal((2, 4))
        theta = theta + 0.05 * rng.standard_normal(model.num_params)  # the network moves
        factors.append(model.ggn_factor(theta, X, kind="exact"))
    beta, damping = 0.95, 1e-3
    state = pyginger.init(model.num_params, 18, damping=damping)
    for F in factors:
        state = pyginger.update(state, F, beta=beta)
    G_ema = pyginger.dense.ema_ggn(factors, beta)
    expected = pyginger.dense.damped_inverse(G_ema, damping)
    # κ <= (|G| + γ)/γ ~ 1e3 at γ = 1e-3: relative error ~ eps·κ·(a few updates) ~ 1e-12.
    assert _relative_error(pyginger.to_dense(state, inverse=True), expected) < 1e-11
    # and the matrix itself (no inversion): G_ema + γ I
    expected_G = G_ema + damping * np.eye(model.num_params)
    assert _relative_error(pyginger.to_dense(state), expected_G) < 1e-12
