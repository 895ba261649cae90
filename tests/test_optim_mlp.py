"""The optimizers on the MLP: each takes the step its formula gives, and Ginger beats SGD.

Settings of the comparison (seeded, so the numbers are reproducible to the last bit on one
machine and to rounding elsewhere):

* data: ``datasets.spirals(200, classes=3, seed=0)``;
* model: ``MLP([2, 16, 16, 3], activation="tanh", loss="cross_entropy")`` (371 parameters),
  initialised with ``seed=0``;
* 200 steps, mini-batches of 50 drawn without replacement, one Monte-Carlo GGN factor per step;
* SGD with heavy-ball momentum 0.9 at its best learning rate in {0.1, 0.3, 0.5}
  (1.0 diverges);
* Ginger: ``lr=0.1, rank=8, damping=0.03`` and otherwise the defaults (beta1 0.9, beta2 0.99,
  curvature form, debiased EMA, one state).

Measured when this test was written (final full-data loss, seed 0): SGD 0.125 / 0.153 / 0.175
for the three learning rates, Ginger 0.035, so SGD's best is 3.6x Ginger's; the assertion asks
for less than half. Over seeds 0-4 the ratio was 3.6, 2.1, 4.4, 2.9, 3.0 (not asserted: seed 1
would sit right at the margin). Ginger's ``lr / damping`` of 3.3 is tuned for this task; the
package default (1) is safer and slower.
"""

import numpy as np
import pytest
import scipy.linalg
from cases import MLP_OPTIMIZERS

from pyginger import dense, optim
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.run.training import train

EPS64 = np.finfo(np.float64).eps
STEPS = 200
BATCH = 50


def test_ginger_reaches_lower_training_loss_than_sgd():
    data = datasets.spirals(200, classes=3, seed=0)
    model = MLP([2, 16, 16, 3], activation="tanh", loss="cross_entropy")
    runs = {}
    for lr in (0.1, 0.3, 0.5):
        runs[f"sgd lr={lr} momentum=0.9"] = train(
            model,
            optim.sgd(lr=lr, momentum=0.9),
            data,
            STEPS,
            batch_size=BATCH,
            seed=0,
            progress=False,
        )
    runs["ginger lr=0.1 rank=8 damping=0.03"] = train(
        model,
        optim.ginger(lr=0.1, rank=8, damping=0.03),
        data,
        STEPS,
        batch_size=BATCH,
        seed=0,
        progress=False,
    )
    print(f"\nspirals(200), MLP [2, 16, 16, 3], {STEPS} steps, batch {BATCH}, seed 0")
    print(f"{'optimizer':36s} {'final loss':>10s} {'accuracy':>9s}")
    for name, hist in runs.items():
        print(f"{name:36s} {hist['final_loss']:10.4f} {hist['final_accuracy']:9.3f}")
    best_sgd = min(h["final_loss"] for name, h in runs.items() if name.startswith("sgd"))
    ginger = runs["ginger lr=0.1 rank=8 damping=0.03"]
    assert all(h["success"] for h in runs.values())
    assert ginger["final_loss"] < 0.5 * best_sgd, (ginger["final_loss"], best_sgd)
    assert ginger["final_accuracy"] >= 0.95


CASES = MLP_OPTIMIZERS


@pytest.mark.parametrize("name", list(CASES))
def test_every_optimizer_runs_the_loop_on_monte_carlo_factors(name):
    # The loop end to end: mini-batches, one Monte-Carlo factor a step, 40 steps that stay
    # finite. What each step computes is checked against its formula below.
    X, y = datasets.spirals(60, classes=3, seed=1)
    model = MLP([2, 6, 3], activation="tanh", loss="cross_entropy")
    hist = train(model, CASES[name](model), (X, y), 40, batch_size=20, seed=0, progress=False)
    assert hist["success"] and hist["steps"] == 40 and hist["state"].count == 40
    assert hist["final_loss"] < hist["eval_loss"][0], (name, hist["eval_loss"])


# ---------------------------------------------------------------------------------------------
# Each optimizer takes the step its formula gives, computed densely from the exact curvature
# ---------------------------------------------------------------------------------------------


def _mhat(gs, beta1=0.9):
    """Bias-corrected momentum after the gradients ``gs``: their EMA over ``1 - beta1^n``."""
    n = len(gs)
    return sum(beta1 ** (n - 1 - s) * (1 - beta1) * g for s, g in enumerate(gs)) / (1 - beta1**n)


def _ema(ms, beta2=0.99):
    n = len(ms)
    return sum(beta2 ** (n - 1 - s) * (1 - beta2) * m for s, m in enumerate(ms))


def _heavy_ball(run, momentum=0.9):
    n = len(run["g"])
    return sum(momentum ** (n - 1 - s) * g for s, g in enumerate(run["g"]))


def _adam(run, beta2=0.999, eps=1e-8):
    vhat = _ema([g * g for g in run["g"]], beta2) / (1 - beta2 ** len(run["g"]))
    return _mhat(run["g"]) / (np.sqrt(vhat) + eps)


def _eye(run):
    return np.eye(run["g"][0].size)


def _debiased_ggn(run, beta2=0.99):
    return _ema(run["G"], beta2) / (1 - beta2 ** len(run["G"]))


def _ginger(run, blocks, rank, damping, debias=True):
    """Block-diagonal T / c + gamma I: T the truncated replay (dense), c = 1 - beta2^n."""
    d = run["g"][0].size
    c = 1 - 0.99 ** len(run["F"]) if debias else 1.0
    P = np.zeros((d, d))
    for sl in [slice(0, d)] if blocks is None else blocks.values():
        size = sl.stop - sl.start
        T = dense.truncated_replay([F[sl] for F in run["F"]], min(rank, size), 0.99)
        P[sl, sl] = T / c + damping * np.eye(size)
    return P


def _kfac(run, damping):
    """Per layer (A + pi sqrt(gamma) I) kron (B + sqrt(gamma) / pi I), A and B debiased EMAs."""
    c = 1 - 0.99 ** len(run["K"])
    layers = []
    for layer in range(len(run["K"][0])):
        A = _ema([K[layer][0] for K in run["K"]]) / c
        B = _ema([K[layer][1] for K in run["K"]]) / c
        pi, r = np.sqrt((np.trace(A) / len(A)) / (np.trace(B) / len(B))), np.sqrt(damping)
        layers.append(np.kron(A + pi * r * np.eye(len(A)), B + r / pi * np.eye(len(B))))
    return scipy.linalg.block_diag(*layers)  # theta holds each layer's [W_l; b_l] row by row


#: For each case of cases.MLP_OPTIMIZERS: (lr, P or None, direction d) such that the step is
#: theta - lr * P^{-1} d. The released optimizers (ginger_reference, qng_reference) take one
#: factor vector, not these exact rank-2 factors: tests/test_released_optim.py checks their steps.
REFERENCES = {
    "sgd": lambda m, run: (0.1, None, _heavy_ball(run)),
    "adam": lambda m, run: (0.01, None, _adam(run)),
    "gauss_newton": lambda m, run: (0.5, run["G"][-1] + 0.1 * _eye(run), run["g"][-1]),
    "gauss_newton_cg": lambda m, run: (0.5, run["G"][-1] + 0.1 * _eye(run), run["g"][-1]),
    "ema_ggn": lambda m, run: (0.1, _debiased_ggn(run) + 0.03 * _eye(run), _mhat(run["g"])),
    "ginger": lambda m, run: (0.1, _ginger(run, None, 4, 0.03), _mhat(run["g"])),
    "ginger_inverse": lambda m, run: (0.1, _ginger(run, None, 4, 0.03), _mhat(run["g"])),
    "ginger_blocks": lambda m, run: (0.1, _ginger(run, m.blocks, 4, 0.03), _mhat(run["g"])),
    "diag_ggn": lambda m, run: (
        0.1,
        np.diag(np.diag(_debiased_ggn(run)) + 0.03),
        _mhat(run["g"]),
    ),
    "kfac": lambda m, run: (0.3, _kfac(run, 0.01), _mhat(run["g"])),
    # Exact while the window (8) holds every rank-one update (2 a step here): no debiasing, and
    # the damping (1) decays with the EMA.
    "qng": lambda m, run: (
        0.05,
        0.99 ** len(run["F"]) * _eye(run) + _ema([F @ F.T for F in run["F"]]),
        _mhat(run["g"]),
    ),
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_every_optimizer_takes_the_step_its_formula_gives(name):
    # Full batch and exact GGN factors (two samples, one output: rank 2 a step, so Ginger's
    # rank 4 truncates at the third step and QNG's window of 8 still holds everything). Each
    # step starts from the optimizer's own iterate, so rounding does not compound across steps.
    model = MLP([1, 5, 1], activation="tanh", loss="mse")
    X, y = datasets.regression(2, seed=3)
    opt = CASES[name](model)
    theta, state = model.init(seed=0), None
    run = {"g": [], "G": [], "F": [], "K": []}
    for _ in range(3):
        run["g"].append(model.loss_and_grad(theta, X, y)[1])
        run["G"].append(model.ggn(theta, X))
        run["F"].append(model.ggn_factor(theta, X, y, kind="exact"))
        run["K"].append(optim.kfac_factors(model, theta, X, y, kind="exact"))
        hist = train(
            model, opt, (X, y), 1, factor_kind="exact", theta=theta, state=state, progress=False
        )
        lr, P, direction = REFERENCES[name](model, run)
        u = direction if P is None else np.linalg.solve(P, direction)
        # Both sides form P (the optimizer from the factor F F^T, the reference from J^T H J)
        # and solve with it backward stably: relative error c eps kappa(P) each, c a small
        # constant; QNG's window applies up to 12 rank-one corrections of ~ eps each. So
        # 50 eps kappa (measured: <= 0.8 eps kappa, and 6 eps for QNG at kappa ~ 1). The inverse
        # form knows sigma only to eps sigma / gamma relative, ~ eps kappa, which the solve
        # amplifies by kappa again: kappa^2 there. CG stops at a relative residual of 1e-10,
        # i.e. at a relative error of up to 1e-10 kappa. The bound is relative to the step.
        kappa = 1.0 if P is None else np.linalg.cond(P)
        bound = 50 * EPS64 * kappa
        if name == "ginger_inverse":
            bound *= kappa
        if name == "gauss_newton_cg":
            bound += 1e-10 * kappa
        scale = lr * np.linalg.norm(u)
        err = np.linalg.norm(hist["theta"] - (theta - lr * u))
        assert err <= bound * scale, (name, err / scale, bound)
        theta, state = hist["theta"], hist["state"]


def test_regression_task_with_ginger():
    X, y = datasets.regression(100, seed=0)
    model = MLP([1, 16, 1], activation="tanh", loss="mse")
    hist = train(
        model,
        optim.ginger(lr=0.1, rank=4, damping=0.1),
        (X, y),
        100,
        batch_size=32,
        seed=0,
        progress=False,
    )
    assert hist["final_accuracy"] is None and hist["eval_accuracy"] is None
    assert hist["final_loss"] < 0.5 * hist["eval_loss"][0]
    assert np.all(np.isfinite(hist["loss"]))
