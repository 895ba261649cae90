"""Seeded runs of the core, every optimizer, the loops and the experiments reproduce the record.

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
from pyginger import optim
from pyginger.diagnostics import shadow_replay
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.run.training import train
from pyginger.theory import (
    bound_experiment,
    preconditioned_sgd,
    rate_experiment,
    violation_experiment,
)
from pyginger.theory.problems import MLPRegression, RobustRegression

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


def _train_runs():
    """The loop's own paths: full batch, exact factors, evaluations, callback stop, resume."""
    data = datasets.spirals(60, classes=3, seed=0)
    X, y = data
    model = MLP([2, 6, 3], activation="tanh", loss="cross_entropy")
    runs = {}

    def keep(key, hist):
        for field in ("theta", "loss", "grad_norm", "eval_steps", "eval_loss", "eval_accuracy"):
            if hist[field] is not None:  # no accuracy for a regression
                runs[f"train/{key}/{field}"] = np.asarray(hist[field])
        runs[f"train/{key}/steps"] = np.asarray(hist["steps"])

    ginger = lambda: optim.ginger(lr=0.1, rank=4, damping=0.03)  # noqa: E731
    keep("full_batch", train(model, ginger(), data, STEPS, seed=1, progress=False))
    for kind in ("exact", "empirical"):
        for name in ("ginger", "kfac"):
            opt = ginger() if name == "ginger" else optim.kfac(model, lr=0.3, damping=0.01)
            hist = train(model, opt, data, 6, batch_size=20, factor_kind=kind, progress=False)
            keep(f"{name}_{kind}", hist)
    hist = train(
        model,
        ginger(),
        (X[:40], y[:40]),
        STEPS,
        batch_size=16,
        eval_every=3,
        eval_data=(X[40:], y[40:]),
        seed=2,
        progress=False,
    )
    keep("eval_data", hist)

    def stop(info):
        if info["step"] == 5:
            raise StopIteration

    keep(
        "callback_stop",
        train(model, ginger(), data, STEPS, batch_size=20, callback=stop, progress=False),
    )
    first = train(model, ginger(), data, 5, batch_size=20, seed=3, progress=False)
    resumed = train(
        model,
        ginger(),
        data,
        7,
        batch_size=20,
        theta=first["theta"],
        state=first["state"],
        rng=first["rng"],
        progress=False,
    )
    keep("resumed", resumed)
    regression = MLP([2, 6, 1], activation="tanh", loss="mse")
    Xr = np.random.default_rng(0).standard_normal((40, 2))
    hist = train(
        regression,
        optim.sgd(lr=1e30),
        (Xr, np.sin(Xr[:, :1])),
        STEPS,
        batch_size=10,
        progress=False,
    )
    keep("diverged", hist)
    return runs


def _more_minimize_runs():
    """``minimize`` with mini-batches and callbacks, K-FAC through ``factor``, a divergence."""
    runs = {}
    rng = np.random.default_rng(5)
    A = rng.standard_normal((40, 3))
    b = A @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(40)

    def fun(x, idx):
        r = A[idx] @ x - b[idx]
        return 0.5 * np.mean(r**2), A[idx].T @ r / idx.size

    def factor(x, idx):
        return A[idx].T / np.sqrt(idx.size)

    seen = []
    res = pyginger.minimize(
        fun,
        np.zeros(3),
        jac=True,
        factor=factor,
        batches=lambda g: g.choice(40, 10),
        callback=lambda intermediate_result: seen.append(intermediate_result.fun),
        options={"maxiter": 15, "seed": 7, "lr": 0.5, "rank": 2},
    )
    runs["minimize/batches/x"], runs["minimize/batches/loss"] = res.x, res.history["loss"]
    runs["minimize/batches/callback"] = np.asarray(seen)
    for method in ("ema_ggn", "diag_ggn", "qng"):
        res = pyginger.minimize(
            lambda x, idx: fun(x, idx)[0],
            np.zeros(3),
            args=(np.arange(40),),
            jac=lambda x, idx: fun(x, idx)[1],
            factor=factor,
            method=method,
            options={"maxiter": 10, "lr": 0.3},
        )
        runs[f"minimize/{method}/x"], runs[f"minimize/{method}/loss"] = res.x, res.history["loss"]
    data = datasets.spirals(30, classes=3, seed=0)
    model = MLP([2, 4, 3], activation="tanh", loss="cross_entropy")
    res = pyginger.minimize(
        lambda x: model.loss_and_grad(x, *data),
        model.init(0),
        jac=True,
        factor=lambda x: optim.kfac_factors(model, x, *data, kind="exact"),
        method=optim.kfac(model, lr=0.3, damping=0.01),
        options={"maxiter": 8},
    )
    runs["minimize/kfac/x"], runs["minimize/kfac/loss"] = res.x, res.history["loss"]
    res = pyginger.minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="sgd")
    runs["minimize/diverged/x"] = res.x
    runs["minimize/diverged/nit"] = np.asarray([res.nit, res.status, res.nfev, res.njev])
    return runs


_SGD_FIELDS = (
    "losses",
    "grad_sq_norms",
    "sigma_max",
    "lam_min",
    "lam_max",
    "factor_norms",
    "variances",
    "descent_smoothness",
    "orthogonality",
)


def _theory_runs():
    """``preconditioned_sgd`` in its configurations, and the experiments built on it."""
    prob = RobustRegression.make(60, 6, seed=0)
    x0 = np.zeros(6)
    runs = {}
    configs = {
        "exact": {},
        "independent": {"batch_size": 8, "factor_batch_size": 5},
        "same": {"batch_size": 8, "factor_batch": "same"},
        "inverse": {"batch_size": 8, "form": "inverse"},
    }
    for name, options in configs.items():
        options = {"step_size": 1.0, **options}
        res = preconditioned_sgd(prob, x0, steps=STEPS, rank=2, seed=4, **options)
        runs[f"theory/sgd/{name}/x"] = res.x
        runs[f"theory/sgd/{name}/nit"] = np.asarray(res.nit)
        for field in _SGD_FIELDS:
            runs[f"theory/sgd/{name}/{field}"] = np.asarray(res[field])
    squared = RobustRegression.make(60, 6, loss="squared", seed=0)
    with np.errstate(over="ignore", invalid="ignore"):  # the run overflows on purpose
        res = preconditioned_sgd(
            squared, x0, steps=STEPS, step_size=1e30, rank=2, batch_size=8, seed=0
        )
    runs["theory/sgd/diverged/x"] = res.x
    runs["theory/sgd/diverged/nit"] = np.asarray(res.nit)
    for field in _SGD_FIELDS:
        runs[f"theory/sgd/diverged/{field}"] = np.asarray(res[field])
    mlp = MLPRegression.make(24, sizes=(2, 4, 1), seed=0)
    res = preconditioned_sgd(
        mlp,
        mlp.init(0),
        steps=STEPS,
        step_size=0.5,
        rank=3,
        batch_size=6,
        seed=np.random.default_rng(9),
    )
    for field in ("x", *_SGD_FIELDS):
        runs[f"theory/sgd/mlp/{field}"] = np.asarray(res[field])
    res = bound_experiment(prob, x0, steps=8, rank=2, batch_size=4, replicates=2, seed=1)
    runs["theory/bound/average"] = res.check.average
    runs["theory/bound/x"] = np.array([r.x for r in res.runs])
    res = rate_experiment(prob, x0, horizons=[4, 8], rank=2, batch_size=4, replicates=2, seed=2)
    runs["theory/rate/minimum"], runs["theory/rate/average"] = res.minimum, res.average
    res = violation_experiment(prob, x0, multipliers=[1.0, 50.0], steps=8, rank=2)
    runs["theory/violation/max_ratio"] = res.max_ratio
    runs["theory/violation/final_grad_sq"] = res.final_grad_sq
    return runs


def _diagnostics_runs():
    """``shadow_replay`` of a recorded stream, and of seeded factors with default vectors."""
    prob = RobustRegression.make(60, 6, seed=0)
    res = preconditioned_sgd(
        prob, np.zeros(6), steps=8, step_size=1.0, rank=2, batch_size=8, record_stream=True, seed=4
    )
    rng = np.random.default_rng(11)
    streams = {
        "stream": ((res.factors, 2), {"vectors": res.gradients, "beta": 0.9}),
        "seeded": (
            ([rng.standard_normal((7, 2)) for _ in range(6)], 3),
            {"rng": 3, "form": "inverse", "damping": 0.1},
        ),
    }
    runs = {}
    for name, (args, options) in streams.items():
        trace, state = shadow_replay(*args, **options)
        for field in trace._fields:
            runs[f"diagnostics/{name}/{field}"] = np.asarray(getattr(trace, field))
        runs[f"diagnostics/{name}/U"], runs[f"diagnostics/{name}/sigma"] = state.U, state.sigma
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
    return {
        **_core_runs(),
        **_optimizer_runs(),
        **_minimize_runs(),
        **_more_minimize_runs(),
        **_train_runs(),
        **_theory_runs(),
        **_diagnostics_runs(),
    }


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


@pytest.mark.parametrize("group", ["core", "optim", "minimize", "train", "theory", "diagnostics"])
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
