r"""Training an MLP with any :mod:`pyginger.optim` optimizer, and comparing optimizers on it.

:func:`train` runs :func:`pyginger.run.loop.run` on the network's objective
(:class:`pyginger.run.objective.ModelObjective`: mini-batches, loss and gradient, the curvature
the optimizer needs) and records a history; a progress bar shows the way
(:mod:`pyginger.run.progress`: tqdm when it is installed, else a plain printed line every tenth
of the run). All randomness (mini-batches, Monte-Carlo factors) comes from one
:class:`numpy.random.Generator`, returned in the history, so a run saved with
:func:`pyginger.checkpoint.save` and resumed continues bit-for-bit as if it had not stopped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator

from pyginger import _validation as _v
from pyginger import optim as _optim
from pyginger._validation import running as _vr
from pyginger.run import loop as _loop
from pyginger.run.objective import Batch, ModelObjective
from pyginger.run.progress import make_bar

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

__all__ = ["train", "compare", "summary_table", "evaluate", "curvature_for"]


def evaluate(
    model: MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike
) -> tuple[float, float | None]:
    """Return the mean loss at ``theta`` on ``(X, y)``, and the accuracy for a classifier.

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
    theta : (d,) ndarray
    X : (n, n_in) ndarray
    y : ndarray
        Targets in the model's format.

    Returns
    -------
    loss : float
    accuracy : float or None
        Fraction of correct arg-max predictions for cross-entropy models, None otherwise.

    Raises
    ------
    TypeError, ValueError
        As ``model.loss``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger.run.training import evaluate
    >>> model = MLP([2, 3], loss="cross_entropy")
    >>> loss, acc = evaluate(model, np.zeros(9), np.ones((4, 2)), np.array([0, 1, 2, 0]))
    >>> round(loss, 6), acc  # uniform prediction: log 3, and arg-max picks class 0
    (1.098612, 0.5)
    """
    loss = model.loss(theta, X, y)
    if getattr(model.loss_fn, "name", None) != "cross_entropy":
        return float(loss), None
    pred = np.argmax(model.predict(theta, X), axis=1)
    return float(loss), float(np.mean(pred == np.asarray(y)))


def curvature_for(
    optimizer: _optim.Optimizer,
    model: MLP,
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    *,
    factor_kind: str = "mc",
    rng: np.random.Generator | None = None,
) -> np.ndarray | LinearOperator | list[tuple[np.ndarray, np.ndarray]] | None:
    """Return the curvature input ``optimizer.step`` needs, computed from ``model`` on a batch.

    Parameters
    ----------
    optimizer : pyginger.optim.Optimizer
    model : pyginger.nn.mlp.MLP
    theta : (d,) ndarray
    X, y : ndarray
        The mini-batch.
    factor_kind : {"mc", "exact", "empirical"}, optional
        Which GGN factor (``MLP.ggn_factor``) feeds ``"factor"`` and ``"kfac"`` optimizers.
        Default ``"mc"``: one Monte-Carlo vector per step, as in the paper.
    rng : numpy.random.Generator, optional
        Randomness of the Monte-Carlo factor.

    Returns
    -------
    None, ndarray, LinearOperator or list
        ``None`` for first-order methods; the factor for ``needs="factor"``; for
        ``gauss_newton`` the exact factor (dense solver) or a GGN
        :class:`~scipy.sparse.linalg.LinearOperator` (``solver="cg"``); the Kronecker factors
        for ``kfac``.

    Raises
    ------
    ValueError
        If ``factor_kind`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger import optim
    >>> from pyginger.run.training import curvature_for
    >>> model = MLP([2, 3, 2], loss="cross_entropy"); theta = model.init(seed=0)
    >>> X, y = np.ones((5, 2)), np.array([0, 1, 0, 1, 1])
    >>> curvature_for(optim.ginger(), model, theta, X, y, rng=np.random.default_rng(0)).shape
    (17,)
    >>> curvature_for(optim.adam(), model, theta, X, y) is None
    True
    """
    func = "curvature_for"
    _vr.check_factor_kind(func, factor_kind)
    _vr.check_needs(func, optimizer.needs)
    objective = ModelObjective(model, X, y, factor_kind=factor_kind)
    return objective.curvature(optimizer.needs, theta, Batch(X, y, rng))


def train(
    model: MLP,
    optimizer: _optim.Optimizer,
    data: tuple[ArrayLike, ArrayLike],
    steps: int,
    *,
    batch_size: int | None = None,
    factor_kind: str = "mc",
    seed: int = 0,
    theta: ArrayLike | None = None,
    state: tuple[Any, ...] | None = None,
    rng: np.random.Generator | None = None,
    eval_every: int | None = None,
    eval_data: tuple[ArrayLike, ArrayLike] | None = None,
    progress: bool | str = True,
    desc: str | None = None,
    stream: IO[str] | None = None,
    callback: Callable[[dict[str, Any]], object] | None = None,
) -> dict[str, Any]:
    r"""Train ``model`` with ``optimizer`` for ``steps`` steps and return the history.

    Each step: draw a mini-batch (without replacement; the full data when ``batch_size`` is
    None), compute the loss and gradient (``model.loss_and_grad``), the curvature the optimizer
    needs (:func:`curvature_for`), and take ``optimizer.step``. A non-finite loss, gradient,
    curvature or new iterate stops the run, keeping the last finite parameters.

    The generator ``rng`` draws, per step, the mini-batch and then one seed for the curvature's
    randomness (drawn even when unused), so runs with the same ``seed`` see the same sequence of
    mini-batches whatever the optimizer.

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
        The network.
    optimizer : pyginger.optim.Optimizer
        E.g. ``pyginger.optim.ginger(lr=0.2)``.
    data : (X, y) pair
        Training data, e.g. ``pyginger.nn.datasets.spirals()``.
    steps : int
        Number of steps, >= 0.
    batch_size : int, optional
        Mini-batch size; None (default) uses all the data every step.
    factor_kind : {"mc", "exact", "empirical"}, optional
        GGN factor for curvature-based optimizers. Default ``"mc"`` (one Monte-Carlo vector per
        step, the paper's choice).
    seed : int, optional
        Seed of the initial parameters (when ``theta`` is None) and of the random stream (when
        ``rng`` is None). Default 0.
    theta : (d,) ndarray, optional
        Starting parameters (not modified); default ``model.init(seed)``.
    state : optional
        Optimizer state to continue from (e.g. from :func:`pyginger.checkpoint.load`); default
        ``optimizer.init(theta)``.
    rng : numpy.random.Generator, optional
        The random stream to continue from; it is copied, never advanced in place. Default
        ``numpy.random.default_rng([seed, 1])``.
    eval_every : int, optional
        Evaluate the full-data loss (and accuracy) every this many steps, plus at the start and
        the end. Default: about 20 evaluations per run.
    eval_data : (X, y) pair, optional
        Data for the evaluations; default the training data.
    progress : {True, False, "text"}, optional
        Show progress: True (default) uses tqdm if installed, else printed lines; ``"text"``
        forces printed lines; False is silent.
    desc : str, optional
        Label of the progress display; default the optimizer's name.
    stream : file-like, optional
        Where progress goes; default ``sys.stderr``.
    callback : callable, optional
        ``callback(info)`` after every step with a dict ``step, loss, grad_norm, theta``;
        raising ``StopIteration`` ends the run.

    Returns
    -------
    dict
        ``"optimizer"`` (name), ``"config"``, ``"steps"`` (completed), ``"loss"`` and
        ``"grad_norm"`` (per step, on the mini-batch, before the step), ``"eval_steps"``,
        ``"eval_loss"``, ``"eval_accuracy"`` (None for regression), ``"final_loss"``,
        ``"final_accuracy"``, ``"seconds"`` (time in the steps, evaluations excluded),
        ``"seconds_per_step"``, ``"success"``, ``"message"``, and what a resume needs:
        ``"theta"``, ``"state"``, ``"rng"``.

    Raises
    ------
    TypeError
        If ``data`` is not an ``(X, y)`` pair or an integer argument is not an integer.
    ValueError
        If ``steps < 0``, ``batch_size``/``eval_every`` < 1, ``factor_kind`` or ``progress`` is
        unknown, or the data do not fit the model.

    See Also
    --------
    pyginger.checkpoint.save : store ``theta``, ``state`` and ``rng`` to resume later.
    pyginger.plotting.plot_loss_curves : plot several histories.

    Examples
    --------
    >>> from pyginger import datasets, optim
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger.run.training import train
    >>> model = MLP([2, 16, 3], activation="tanh", loss="cross_entropy")
    >>> hist = train(model, optim.ginger(rank=4), datasets.spirals(120), 30, progress=False)
    >>> hist["steps"], hist["success"], hist["loss"].shape
    (30, True, (30,))
    >>> bool(hist["final_loss"] < hist["eval_loss"][0])
    True
    """
    func = "train"
    X, y = _vr.check_data(func, data)
    steps = _v.check_positive_int(func, "steps", steps, 0)
    if batch_size is not None:
        batch_size = _v.check_positive_int(func, "batch_size", batch_size, 1)
        if batch_size >= X.shape[0]:
            batch_size = None
    _vr.check_factor_kind(func, factor_kind)
    if eval_every is None:
        eval_every = max(1, steps // 20)
    eval_every = _v.check_positive_int(func, "eval_every", eval_every, 1)
    eval_data = (X, y) if eval_data is None else _vr.check_data(func, eval_data)
    _vr.check_optimizer(func, optimizer, _optim.Optimizer)
    _vr.check_progress(func, progress)
    if rng is not None:
        _vr.check_generator(func, rng)

    theta = model.init(seed) if theta is None else np.array(theta, dtype=np.float64)
    _vr.check_model_inputs(func, model, theta, X, eval_data[0])
    state = optimizer.init(theta) if state is None else state
    rng = np.random.default_rng([int(seed), 1]) if rng is None else _copy_generator(rng)
    objective = ModelObjective(model, X, y, batch_size=batch_size, factor_kind=factor_kind)
    record = _Record(model, eval_data, steps, eval_every, callback)
    record.evaluate(0, theta)
    bar = make_bar(progress, steps, desc or optimizer.name, stream or sys.stderr)
    try:
        out = _loop.run(
            objective, optimizer, theta, state, rng, steps, on_step=lambda s: record.step(s, bar)
        )
    finally:
        bar.close()
    return record.history(optimizer, out, rng)


#: ``train``'s message for each way a run ends (:class:`pyginger.run.loop.Stop`).
_MESSAGES = {
    None: "completed {steps} steps",
    "objective": "stopped at step {k}: non-finite loss or gradient",
    "curvature": "stopped at step {k}: non-finite curvature factor",
    "range": "stopped at step {k}: {detail}",
    "step": "stopped at step {k}: the step produced non-finite values",
    "callback": "callback stopped the run after step {k}",
}


class _Record:
    """``train``'s record: per-step loss and gradient norm, evaluations, progress, callback."""

    def __init__(self, model, eval_data, steps, eval_every, callback):
        self.model, self.eval_data, self.steps = model, eval_data, steps
        self.eval_every, self.callback = eval_every, callback
        self.per_step = _loop.History("loss", "grad_norm")
        self.evals = _loop.History("step", "loss", "accuracy")

    def evaluate(self, k, theta):
        loss, acc = evaluate(self.model, theta, *self.eval_data)
        self.evals.append(step=k, loss=loss, accuracy=acc)

    def step(self, step, bar):
        k, loss = step.k, step.evaluation.value
        grad_norm = float(np.linalg.norm(step.evaluation.grad))
        self.per_step.append(loss=loss, grad_norm=grad_norm)
        bar.update(loss)
        if k % self.eval_every == 0 and k != self.steps:
            self.evaluate(k, step.theta)
        if self.callback is not None:
            info = {"step": k, "loss": loss, "grad_norm": grad_norm, "theta": step.theta.copy()}
            self.callback(info)

    def history(self, optimizer, out, rng):
        done, stop = out.steps, out.stop
        if self.evals.lists["step"][-1] != done:
            self.evaluate(done, out.theta)
        k, kind, detail = (0, None, "") if stop is None else stop
        accuracies = self.evals.lists["accuracy"]
        losses = self.evals.lists["loss"]
        return {
            "optimizer": optimizer.name,
            "config": dict(optimizer.config),
            "steps": done,
            "loss": self.per_step.array("loss"),
            "grad_norm": self.per_step.array("grad_norm"),
            "eval_steps": self.evals.array("step", np.int64),
            "eval_loss": self.evals.array("loss"),
            "eval_accuracy": None if accuracies[-1] is None else self.evals.array("accuracy"),
            "final_loss": losses[-1],
            "final_accuracy": accuracies[-1],
            "seconds": out.seconds,
            "seconds_per_step": out.seconds / done if done else float("nan"),
            "success": kind in (None, "callback"),
            "message": _MESSAGES[kind].format(steps=self.steps, k=k, detail=detail),
            "theta": out.theta,
            "state": out.state,
            "rng": rng,
        }


def _copy_generator(rng):
    bit_generator = type(rng.bit_generator)()
    bit_generator.state = rng.bit_generator.state
    return np.random.Generator(bit_generator)


def compare(
    model: MLP,
    optimizers: Mapping[str, _optim.Optimizer],
    data: tuple[ArrayLike, ArrayLike],
    steps: int,
    *,
    batch_size: int | None = None,
    factor_kind: str = "mc",
    seed: int = 0,
    eval_every: int | None = None,
    progress: bool | str = True,
    stream: IO[str] | None = None,
) -> dict[str, dict[str, Any]]:
    r"""Train ``model`` once per optimizer from the same start and on the same mini-batches.

    Every run starts from ``model.init(seed)`` with the random stream of ``seed`` (see
    :func:`train`), so the runs differ only by the optimizer.

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
        The network.
    optimizers : dict
        ``{label: Optimizer}``, e.g. ``{"sgd": optim.sgd(lr=0.3, momentum=0.9), ...}``.
    data : (X, y) pair
        Training data.
    steps : int
        Steps per run.
    batch_size, factor_kind, seed, eval_every, progress, stream
        As in :func:`train` (``progress`` labels each bar with the run's label).

    Returns
    -------
    dict
        ``{label: history}`` with the histories of :func:`train`, in the order given.

    Raises
    ------
    TypeError
        If ``optimizers`` is not a dict of Optimizers.
    ValueError
        If ``optimizers`` is empty, or as :func:`train`.

    See Also
    --------
    summary_table : a text table of the results.
    pyginger.plotting.plot_loss_curves : their loss curves.

    Examples
    --------
    >>> from pyginger import datasets, optim
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger.run.training import compare
    >>> model = MLP([2, 8, 3], loss="cross_entropy")
    >>> runs = compare(model, {"sgd": optim.sgd(lr=0.3), "ginger": optim.ginger(rank=4)},
    ...                datasets.spirals(60), 10, batch_size=20, progress=False)
    >>> list(runs), [h["steps"] for h in runs.values()]
    (['sgd', 'ginger'], [10, 10])
    """
    func = "compare"
    if not isinstance(optimizers, dict):
        raise TypeError(
            f"{func}: optimizers must be a dict {{label: Optimizer}}, got "
            f"{type(optimizers).__name__}"
        )
    if not optimizers:
        raise ValueError(f"{func}: optimizers must hold at least one optimizer, got none")
    for label, opt in optimizers.items():
        if not isinstance(opt, _optim.Optimizer):
            raise TypeError(
                f"{func}: optimizers[{label!r}] must be a pyginger.optim.Optimizer, got "
                f"{type(opt).__name__}"
            )
    theta = model.init(seed)
    return {
        str(label): train(
            model,
            opt,
            data,
            steps,
            batch_size=batch_size,
            factor_kind=factor_kind,
            seed=seed,
            theta=theta,
            eval_every=eval_every,
            progress=progress,
            desc=str(label),
            stream=stream,
        )
        for label, opt in optimizers.items()
    }


def summary_table(histories: Mapping[str, Mapping[str, Any]]) -> str:
    """Return a plain-text table of training runs: final loss, accuracy, steps and time.

    Parameters
    ----------
    histories : dict
        ``{label: history}`` from :func:`compare` or :func:`train`.

    Returns
    -------
    str
        One header line and one line per run: label, final full-data loss, accuracy (``-`` for
        regression), steps completed, seconds in the steps, milliseconds per step, and the stop
        message when a run did not complete.

    Raises
    ------
    TypeError
        If ``histories`` is not a dict of history dicts.

    Examples
    --------
    >>> from pyginger.run.training import summary_table
    >>> hist = {"final_loss": 0.25, "final_accuracy": 0.9, "steps": 100, "seconds": 0.5,
    ...         "seconds_per_step": 0.005, "success": True, "message": "completed 100 steps"}
    >>> print(summary_table({"ginger": hist}))
    optimizer  final loss  accuracy  steps  seconds  ms/step
    ginger         0.2500     0.900    100     0.50    5.000
    """
    func = "summary_table"
    if not isinstance(histories, dict) or not all(isinstance(h, dict) for h in histories.values()):
        raise TypeError(f"{func}: histories must be a dict {{label: history dict}}")
    width = max([len("optimizer")] + [len(str(k)) for k in histories])
    lines = [f"{'optimizer':{width}s}  final loss  accuracy  steps  seconds  ms/step"]
    for label, h in histories.items():
        acc = "-" if h["final_accuracy"] is None else f"{h['final_accuracy']:.3f}"
        line = (
            f"{str(label):{width}s}  {h['final_loss']:10.4f}  {acc:>8s}  {h['steps']:5d}  "
            f"{h['seconds']:7.2f}  {1e3 * h['seconds_per_step']:7.3f}"
        )
        if not h["success"]:
            line += f"  ({h['message']})"
        lines.append(line)
    return "\n".join(lines)
