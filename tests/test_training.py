"""The training loop (history, progress display, stopping), the loop under it, and plotting."""

import io
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.sparse.linalg import LinearOperator

from pyginger import optim
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.run import loop
from pyginger.run.loop import Stop
from pyginger.run.objective import Batch, CallablesObjective, ModelObjective
from pyginger.run.training import curvature_for, evaluate, train

MODEL = MLP([2, 6, 3], activation="tanh", loss="cross_entropy")
DATA = datasets.spirals(60, classes=3, seed=0)


def test_history_contents():
    theta0 = MODEL.init(seed=4)
    copy = theta0.copy()
    hist = train(
        MODEL,
        optim.ginger(lr=0.1, rank=4, damping=0.03),
        DATA,
        25,
        batch_size=20,
        theta=theta0,
        eval_every=10,
        progress=False,
    )
    assert_array_equal(theta0, copy)  # not modified
    assert hist["optimizer"] == "ginger" and hist["config"]["rank"] == 4
    assert hist["steps"] == 25 and hist["success"] and hist["message"] == "completed 25 steps"
    assert hist["loss"].shape == hist["grad_norm"].shape == (25,)
    assert_array_equal(hist["eval_steps"], [0, 10, 20, 25])
    assert hist["eval_loss"].shape == hist["eval_accuracy"].shape == (4,)
    assert hist["final_loss"] == hist["eval_loss"][-1]
    loss, acc = evaluate(MODEL, hist["theta"], *DATA)
    assert (loss, acc) == (hist["final_loss"], hist["final_accuracy"])
    assert hist["state"].count == 25 and isinstance(hist["rng"], np.random.Generator)
    assert hist["seconds"] >= 0 and hist["seconds_per_step"] >= 0
    # Full batch: the first recorded loss is the loss at the start.
    full = train(MODEL, optim.sgd(lr=0.1), DATA, 3, theta=theta0, progress=False)
    assert full["loss"][0] == MODEL.loss(theta0, *DATA) == full["eval_loss"][0]


def test_zero_steps_and_eval_data():
    X, y = DATA
    hist = train(
        MODEL, optim.adam(), (X[:40], y[:40]), 0, eval_data=(X[40:], y[40:]), progress=False
    )
    assert hist["steps"] == 0 and hist["loss"].size == 0
    assert_array_equal(hist["eval_steps"], [0])
    assert hist["final_loss"] == MODEL.loss(MODEL.init(0), X[40:], y[40:])


def test_progress_text_and_tqdm(monkeypatch):
    stream = io.StringIO()
    train(MODEL, optim.sgd(lr=0.1), DATA, 20, progress="text", desc="sgd run", stream=stream)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("sgd run: 20/20 steps  loss ")
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    train(MODEL, optim.sgd(lr=0.1), DATA, 5, progress=True, stream=stream)
    assert "5/5" in stream.getvalue()
    # Without tqdm, progress=True falls back to printed lines.
    monkeypatch.setitem(sys.modules, "tqdm", None)
    stream = io.StringIO()
    train(MODEL, optim.sgd(lr=0.1), DATA, 5, progress=True, stream=stream)
    assert stream.getvalue().splitlines()[-1].startswith("sgd: 5/5 steps")
    stream = io.StringIO()
    train(MODEL, optim.sgd(lr=0.1), DATA, 5, progress=False, stream=stream)
    assert stream.getvalue() == ""


def test_non_finite_stop_keeps_last_finite_parameters():
    X, y = datasets.regression(30, seed=0)
    model = MLP([1, 4, 1], loss="mse")
    hist = train(model, optim.sgd(lr=1e200), (X, y), 10, progress=False)
    assert not hist["success"] and "non-finite" in hist["message"]
    assert hist["steps"] < 10 and np.all(np.isfinite(hist["theta"]))
    assert hist["loss"].size == hist["steps"]


def test_a_curvature_out_of_range_stops_the_run_with_the_last_finite_parameters(monkeypatch):
    # The factor of step 3 is scaled to 1e200: the optimizer refuses it (CurvatureRangeError)
    # before changing anything, and train stops with the parameters after step 2.
    from pyginger.run import objective

    real, calls = objective.ModelObjective.curvature, []

    def huge_at_step_3(*args, **kwargs):
        calls.append(1)
        F = real(*args, **kwargs)
        return F * 1e200 if len(calls) == 3 else F

    monkeypatch.setattr(objective.ModelObjective, "curvature", huge_at_step_3)
    X, y = datasets.regression(30, seed=0)
    model = MLP([1, 4, 1], loss="mse")
    opt = optim.ginger(lr=0.1, rank=2)
    hist = train(model, opt, (X, y), 10, progress=False, seed=0)
    assert not hist["success"] and hist["steps"] == 2
    assert hist["message"].startswith("stopped at step 3: ginger.step: curvature is too large")
    monkeypatch.setattr(objective.ModelObjective, "curvature", real)
    two = train(model, opt, (X, y), 2, progress=False, seed=0)
    assert_array_equal(hist["theta"], two["theta"])


def test_callback_can_stop_the_run():
    seen = []

    def callback(info):
        seen.append(info["step"])
        if info["step"] == 4:
            raise StopIteration

    hist = train(MODEL, optim.sgd(lr=0.1), DATA, 10, callback=callback, progress=False)
    assert seen == [1, 2, 3, 4] and hist["steps"] == 4
    assert hist["message"] == "callback stopped the run after step 4"


def test_curvature_for_each_kind():
    theta = MODEL.init(seed=0)
    X, y = DATA
    rng = np.random.default_rng(0)
    assert curvature_for(optim.sgd(), MODEL, theta, X, y) is None
    assert curvature_for(optim.ginger(), MODEL, theta, X, y, rng=rng).shape == (39,)
    exact = curvature_for(optim.ginger(), MODEL, theta, X, y, factor_kind="exact")
    assert exact.shape == (39, 180)
    op = curvature_for(optim.gauss_newton(solver="cg"), MODEL, theta, X, y)
    assert isinstance(op, LinearOperator) and op.shape == (39, 39)
    v = np.arange(39.0)
    np.testing.assert_allclose(op @ v, exact @ (exact.T @ v), rtol=1e-12, atol=1e-14)
    pairs = curvature_for(optim.kfac(MODEL), MODEL, theta, X, y, rng=rng)
    assert [A.shape for A, _ in pairs] == [(3, 3), (7, 7)]
    with pytest.raises(ValueError, match="curvature_for: factor_kind must be"):
        curvature_for(optim.ginger(), MODEL, theta, X, y, factor_kind="fisher")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"data": [1, 2, 3]}, TypeError, r"train: data must be a pair \(X, y\)"),
        ({"data": (np.ones(3), np.ones(3))}, ValueError, r"train: data must be \(X, y\) with X"),
        ({"steps": -1}, ValueError, r"train: steps must be >= 0, got -1"),
        ({"steps": 2.0}, TypeError, r"train: steps must be an integer, got float"),
        ({"batch_size": 0}, ValueError, r"train: batch_size must be >= 1, got 0"),
        ({"eval_every": 0}, ValueError, r"train: eval_every must be >= 1"),
        ({"factor_kind": "gn"}, ValueError, r"train: factor_kind must be 'mc' \| 'exact'"),
        ({"progress": "bar"}, ValueError, r"train: progress must be True, False or 'text'"),
        ({"optimizer": "adam"}, TypeError, r"train: optimizer must be a pyginger.optim.Optimizer"),
        ({"rng": 3}, TypeError, r"train: rng must be a numpy.random.Generator, got int"),
        # Named at train's door, not by the MLP's methods deep inside the loop:
        ({"theta": np.zeros(5)}, ValueError, r"train: theta must have shape \(39,\) for this"),
        (
            {"data": (DATA[0][:, :1], DATA[1])},
            ValueError,
            r"train: data X must have shape \(n, 2\) for this model, got \(\d+, 1\)",
        ),
    ],
)
def test_train_bad_input(kwargs, error, match):
    call = {"optimizer": optim.sgd(), "data": DATA, "steps": 2, "progress": False}
    call.update(kwargs)
    with pytest.raises(error, match=match):
        train(MODEL, call.pop("optimizer"), call.pop("data"), call.pop("steps"), **call)


# ---------------------------------------------------------------------------------------------
# Plotting
# ---------------------------------------------------------------------------------------------


def test_plot_loss_curves_from_histories(tmp_path):
    pytest.importorskip("matplotlib")
    from pyginger.plotting import plot_loss_curves

    hists = {
        name: train(MODEL, opt, DATA, 8, progress=False, eval_every=4)
        for name, opt in {"sgd": optim.sgd(lr=0.1), "ginger": optim.ginger()}.items()
    }
    path = tmp_path / "loss.png"
    fig = plot_loss_curves(hists, key="eval_loss", title="spirals", path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["sgd", "ginger"]
    assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 4, 8])
    assert ax.get_yscale() == "log" and ax.get_title() == "spirals"
    # Drawing into existing axes returns their figure.
    fig2 = plot_loss_curves({"raw": [3.0, 2.0, 1.0]}, ax=ax, logy=False)
    assert fig2 is fig and len(ax.get_lines()) == 3
    with pytest.raises(ValueError, match="plot_loss_curves: histories must contain at least one"):
        plot_loss_curves({})
    with pytest.raises(TypeError, match="plot_loss_curves: histories must be a dict"):
        plot_loss_curves([1.0, 2.0])
    with pytest.raises(ValueError, match="history 'sgd' has no 'eval_accuracy_top5' entry"):
        plot_loss_curves(hists, key="eval_accuracy_top5")
    with pytest.raises(ValueError, match="curve 'bad' must be one-dimensional"):
        plot_loss_curves({"bad": np.ones((2, 2))})


def test_plot_error_vs_rank(tmp_path):
    pytest.importorskip("matplotlib")
    from pyginger.plotting import plot_error_vs_rank

    ranks = [2, 4, 8, 16]
    errors = {"curvature form": [0.5, 0.1, 0.01, 1e-4], "inverse form": [0.5, 0.1, 0.02, 1e-3]}
    fig = plot_error_vs_rank(ranks, errors, title="d = 200", path=tmp_path / "err.png")
    assert (tmp_path / "err.png").stat().st_size > 0
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "4", "8", "16"]
    assert ax.get_xlabel() == "rank tau" and len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match=r"series 'x' must have one value per rank \(4\), got 3"):
        plot_error_vs_rank(ranks, {"x": [1, 2, 3]})
    with pytest.raises(TypeError, match="plot_error_vs_rank: errors must be a dict"):
        plot_error_vs_rank(ranks, [1, 2, 3, 4])


def test_compare_uses_the_same_start_and_batches_for_every_optimizer():
    from pyginger.run.training import compare, summary_table

    opts = {"sgd": optim.sgd(lr=0.1), "ginger": optim.ginger(rank=4), "adam": optim.adam()}
    runs = compare(MODEL, opts, DATA, 6, batch_size=20, seed=3, progress=False)
    assert list(runs) == ["sgd", "ginger", "adam"]
    # Same initial loss, and the random stream ends in the same state: every run drew the
    # same mini-batches (and one curvature seed per step, used or not).
    assert len({h["eval_loss"][0] for h in runs.values()}) == 1
    states = [h["rng"].bit_generator.state for h in runs.values()]
    assert states[0] == states[1] == states[2]
    table = summary_table(runs).splitlines()
    assert table[0].split() == [
        "optimizer",
        "final",
        "loss",
        "accuracy",
        "steps",
        "seconds",
        "ms/step",
    ]
    assert [line.split()[0] for line in table[1:]] == ["sgd", "ginger", "adam"]
    with pytest.raises(TypeError, match=r"compare: optimizers\['x'\] must be a pyginger.optim"):
        compare(MODEL, {"x": "sgd"}, DATA, 1)
    with pytest.raises(ValueError, match="compare: optimizers must hold at least one"):
        compare(MODEL, {}, DATA, 1)
    with pytest.raises(TypeError, match="compare: optimizers must be a dict"):
        compare(MODEL, [optim.sgd()], DATA, 1)
    with pytest.raises(TypeError, match="summary_table: histories must be a dict"):
        summary_table([1])


def test_summary_table_regression_and_failed_run():
    from pyginger.run.training import summary_table

    X, y = datasets.regression(30, seed=0)
    model = MLP([1, 4, 1], loss="mse")
    runs = {
        "ok": train(model, optim.sgd(lr=0.1), (X, y), 3, progress=False),
        "diverged": train(model, optim.sgd(lr=1e200), (X, y), 3, progress=False),
    }
    ok, bad = summary_table(runs).splitlines()[1:]
    assert ok.split()[2] == "-"
    assert bad.endswith("(stopped at step 2: non-finite loss or gradient)")


# ---------------------------------------------------------------------------------------------
# The objective adapter and the loop under train, minimize and the theory
# ---------------------------------------------------------------------------------------------


def test_curvature_for_is_the_network_objective():
    theta, (X, y) = MODEL.init(seed=0), DATA
    for opt in (optim.ginger(), optim.gauss_newton(), optim.kfac(MODEL), optim.adam()):
        got = curvature_for(opt, MODEL, theta, X[:9], y[:9], rng=np.random.default_rng(1))
        batch = Batch(X[:9], y[:9], np.random.default_rng(1))
        want = ModelObjective(MODEL, X, y).curvature(opt.needs, theta, batch)
        if opt.needs == "kfac":
            for (A, B), (A2, B2) in zip(got, want, strict=True):
                assert_array_equal(A, A2)
                assert_array_equal(B, B2)
        else:
            assert_array_equal(got, want)


def _line(limit):
    """f(x) = -x on x < limit (infinite beyond), run by gradient descent with step 1."""
    return CallablesObjective(
        lambda x: -x[0] if x[0] < limit else np.inf,
        lambda x: -np.ones(1),
        None,
        (),
        None,
        needs=None,
        name="sgd",
    )


@pytest.mark.parametrize(
    "options, theta, steps, stop",
    [
        # Evaluated when a step starts: x = 3 is accepted, step 4 finds f(3) infinite.
        ({}, 3.0, 3, Stop(4, "objective")),
        # Evaluated before it is accepted: step 3 to x = 3 is rejected.
        ({"lookahead": True}, 2.0, 2, Stop(3, "objective")),
        (
            {"accept": lambda x: "too far" if x[0] > 1.5 else None},
            1.0,
            1,
            Stop(2, "rejected", "too far"),
        ),
    ],
)
def test_the_loop_keeps_the_last_accepted_iterate_and_says_why(options, theta, steps, stop):
    opt = optim.sgd(lr=1.0)
    out = loop.run(_line(2.5), opt, np.zeros(1), opt.init(np.zeros(1)), None, 10, **options)
    assert out.theta.tolist() == [theta] and out.steps == steps and out.stop == stop


def test_the_loop_stops_on_a_callback_and_on_convergence():
    opt = optim.sgd(lr=1.0)
    state = opt.init(np.zeros(1))
    seen = []

    def on_step(step):
        seen.append((step.k, step.theta_before[0], step.theta[0]))
        if step.k == 2:
            raise StopIteration

    out = loop.run(_line(10.0), opt, np.zeros(1), state, None, 5, on_step=on_step)
    assert seen == [(1, 0.0, 1.0), (2, 1.0, 2.0)] and out.stop == Stop(2, "callback")
    out = loop.run(
        _line(10.0),
        opt,
        np.zeros(1),
        state,
        None,
        5,
        lookahead=True,
        converged=lambda e: e.value <= -3,
    )
    assert out.steps == 3 and out.stop == Stop(3, "converged") and out.last.value == -3.0
