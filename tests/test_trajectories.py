"""Seeded runs of the core, every optimizer and ``minimize`` reproduce the recorded numbers.

A fingerprint of behaviour for refactoring: any change to the order of arithmetic anywhere on
these paths changes some bits, so a restructuring that means to change nothing proves it here.
The recorded numbers live in ``tests/data/trajectories.npz`` with the library versions they were
made with. Where NumPy, SciPy and Numba are those versions (and the machine is x86-64 or the same
kind), the runs must agree to the last bit. Elsewhere a BLAS or LAPACK build may sum in another
order: each run is then compared to a relative 1e-8 of its scale, which leaves the ~1e-16
rounding differences room to grow by 10^8 over the few steps recorded, and still catches any
change of algorithm (a Ginger state through the matrix it represents, since the signs of
eigenvectors are LAPACK's choice).

To record again, after a change that is meant to alter the numbers (say why in the commit)::

    PYGINGER_RECORD_TRAJECTORIES=1 python -m pytest tests/test_trajectories.py
"""

import json
import os
import platform
from pathlib import Path

import numpy as np
import pytest
from cases import MLP_OPTIMIZERS
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import rosen, rosen_der

import pyginger
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.run.training import train

RECORD = Path(__file__).parent / "data" / "trajectories.npz"
STEPS = 12

OPTIMIZERS = MLP_OPTIMIZERS


def _optimizer_runs():
    data = datasets.spirals(60, classes=3, seed=0)
    model = MLP([2, 6, 3], activation="tanh", loss="cross_entropy")
    runs = {}
    for name, make in OPTIMIZERS.items():
        hist = train(model, make(model), data, STEPS, batch_size=20, seed=0, progress=False)
        runs[f"optim/{name}/theta"] = hist["theta"]
        runs[f"optim/{name}/loss"] = hist["loss"]
    return runs


def _core_runs():
    runs = {}
    for backend in ("numba", "numpy"):
        for form in ("curvature", "inverse"):
            for k in (1, 3):
                rng = np.random.default_rng(k)
                state = pyginger.init(30, 4, damping=0.1)
                for _ in range(STEPS):  # past the rank (truncation) and two re-orthonormalizations
                    F = rng.standard_normal((30, k)).squeeze()
                    state = pyginger.update(
                        state, F, beta=0.8, form=form, backend=backend, reorth_every=5
                    )
                key = f"core/{backend}/{form}/k{k}"
                runs[f"{key}/U"], runs[f"{key}/sigma"] = state.U, state.sigma
                v = rng.standard_normal(30)
                runs[f"{key}/solve"] = pyginger.solve(state, v, backend=backend)
                runs[f"{key}/matvec"] = pyginger.matvec(state, v, backend=backend)
    return runs


def _minimize_runs():
    runs = {}
    for method, options in [("sgd", {"lr": 1e-3}), ("adam", {"lr": 0.05})]:
        res = pyginger.minimize(rosen, [-1.0, 1.5], jac=rosen_der, method=method, options=options)
        runs[f"minimize/{method}/x"] = res.x
        runs[f"minimize/{method}/loss"] = res.history["loss"]
    t = np.linspace(0, 1, 20)
    y = 2.0 * np.exp(-1.5 * t)

    def residual(x):
        return x[0] * np.exp(x[1] * t) - y

    def jacobian(x):
        e = np.exp(x[1] * t)
        return np.stack([e, x[0] * t * e], axis=1)

    for method, options in [
        ("ginger", {"lr": 0.5, "rank": 1, "damping": 1e-2}),
        ("gauss_newton", {}),
    ]:
        res = pyginger.minimize(
            lambda x: 0.5 * np.mean(residual(x) ** 2),
            [1.0, 0.0],
            jac=lambda x: jacobian(x).T @ residual(x) / t.size,
            factor=lambda x: jacobian(x).T / np.sqrt(t.size),
            method=method,
            options=dict(options, maxiter=40),
        )
        runs[f"minimize/{method}/x"] = res.x
        runs[f"minimize/{method}/loss"] = res.history["loss"]
    return runs


def _environment():
    import numba
    import scipy

    return {
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "machine": platform.machine(),
    }


@pytest.fixture(scope="module")
def runs():
    return {**_core_runs(), **_optimizer_runs(), **_minimize_runs()}


@pytest.fixture(scope="module")
def recorded(runs):
    if os.environ.get("PYGINGER_RECORD_TRAJECTORIES"):
        RECORD.parent.mkdir(exist_ok=True)
        np.savez(RECORD, __environment__=np.array(json.dumps(_environment())), **runs)
    with np.load(RECORD) as npz:
        env = json.loads(str(npz["__environment__"][()]))
        return env, {k: npz[k] for k in npz.files if k != "__environment__"}


def test_every_run_is_recorded(runs, recorded):
    _, saved = recorded
    assert sorted(saved) == sorted(runs)


@pytest.mark.parametrize("group", ["core", "optim", "minimize"])
def test_runs_match_the_record(runs, recorded, group):
    env, saved = recorded
    exact = env == _environment()
    for key, got in runs.items():
        if not key.startswith(group + "/"):
            continue
        want = saved[key]
        assert got.shape == want.shape, key
        if exact:
            assert_array_equal(got, want, err_msg=key)
            continue
        if key.endswith("/U"):  # eigenvector signs may differ between LAPACK builds: compare
            sigma = key[: -len("U")] + "sigma"  # the represented matrix U diag(sigma) U^T
            got, want = (got * runs[sigma]) @ got.T, (want * saved[sigma]) @ want.T
        scale = max(float(np.max(np.abs(want))), np.finfo(np.float64).tiny)
        assert_allclose(got, want, rtol=0, atol=1e-8 * scale, err_msg=key)
