"""The optimizers on the MLP: every one runs through the training loop, and Ginger beats SGD.

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
from cases import MLP_OPTIMIZERS

from pyginger import optim
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.run.training import train

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
@pytest.mark.parametrize("factor_kind", ["mc", "exact"])
def test_every_optimizer_trains_the_mlp(name, factor_kind):
    X, y = datasets.spirals(60, classes=3, seed=1)
    model = MLP([2, 6, 3], activation="tanh", loss="cross_entropy")
    opt = CASES[name](model)
    hist = train(
        model, opt, (X, y), 40, batch_size=20, factor_kind=factor_kind, seed=0, progress=False
    )
    assert hist["success"] and hist["steps"] == 40
    assert hist["final_loss"] < hist["eval_loss"][0], (name, hist["eval_loss"])
    assert hist["state"].count == 40


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
