"""Integration: exact GGN factors of a small network fed into the Ginger core.

While the total rank added is at most tau nothing is truncated, so the state must reproduce the
exact EMA of the GGN matrices from pyginger.dense, and its damped inverse, to rounding
(``pyginger.testing.compare_state``).
"""

import numpy as np
import pytest

import pyginger
from pyginger.nn.mlp import MLP
from pyginger.testing import compare_state

EPS64 = np.finfo(np.float64).eps


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
    # Exact to rounding. One backward-stable update: a few eps relative to ||G_gamma||, so
    # 50 eps (measured: 1.4 eps). The inverse form's map back adds ~eps sigma / gamma relative,
    # sigma / gamma <= ||G|| / gamma <= 400 here: 10 eps ||G|| / gamma (measured: 1.3 eps
    # ||G|| / gamma). compare_state scales the inverse's bound by kappa itself.
    exact = (1.0 - beta) * G
    rtol = 50 * EPS64
    if form == "inverse":
        rtol = 10 * EPS64 * np.linalg.norm(exact, 2) / damping
    compare_state(state, exact, rtol=rtol)


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
    # Three backward-stable curvature-form updates with tau + k = 24: ~ 5 eps relative to
    # ||G_gamma|| each, adding up to 15 eps; 100 eps leaves room (the inverse's bound is that
    # times kappa = (||G|| + gamma) / gamma ~ 1e3, which compare_state applies itself).
    compare_state(state, pyginger.dense.ema_ggn(factors, beta), rtol=100 * EPS64)
