r"""A small training loop for :class:`pyginger.nn.mlp.MLP` with any :mod:`pyginger.optim` optimizer.

:func:`train` draws mini-batches, computes the loss and gradient, asks the model for the curvature
the optimizer needs (``optimizer.needs``), steps, and records a history; a progress bar shows the
way (tqdm when it is installed, else a plain printed line every tenth of the run). All randomness
(mini-batches, Monte-Carlo factors) comes from one :class:`numpy.random.Generator`, returned in
the history, so a run saved with :func:`pyginger.checkpoint.save` and resumed continues
bit-for-bit as if it had not stopped.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator

from pyginger import _validation as _v
from pyginger import optim as _optim

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

__all__ = ["train", "compare", "summary_table", "evaluate", "curvature_for"]


def _check_data(func, data):
    if hasattr(data, "X") and hasattr(data, "y"):
        return data.X, data.y
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: data must be a pair (X, y) (e.g. pyginger.nn.datasets.spirals()), "
            f"got {type(data).__name__}"
        ) from None
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape[:1] != X.shape[:1]:
        raise ValueError(
            f"{func}: data must be (X, y) with X of shape (n, n_in) and y with n rows, got "
            f"X {X.shape} and y {y.shape}"
        )
    return X, y


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
    if not isinstance(factor_kind, str) or factor_kind not in _v.FACTOR_KINDS:
        raise ValueError(
            f"{func}: factor_kind must be 'mc' | 'exact' | 'empirical', got {factor_kind!r}"
        )
    needs = optimizer.needs
    if needs is None:
        return None
    if needs == "factor":
        rng_arg = rng if factor_kind == "mc" else None
        return model.ggn_factor(theta, X, y, kind=factor_kind, rng=rng_arg)
    if needs == "ggn_operator":
        d = model.num_params
        return LinearOperator(
            (d, d), matvec=lambda v: model.ggn_matvec(theta, X, v), dtype=np.float64
        )
    if needs == "ggn":
        return model.ggn_factor(theta, X, y, kind="exact")
    if needs == "kfac":
        rng_arg = rng if factor_kind == "mc" else None
        return _optim.kfac_factors(model, theta, X, y, kind=factor_kind, rng=rng_arg)
    raise ValueError(f"{func}: optimizer needs {needs!r}, which this loop cannot provide")


# ---------------------------------------------------------------------------------------------
# Progress display: tqdm when installed, else a line every tenth of the run
# ---------------------------------------------------------------------------------------------


class _NoBar:
    def update(self, loss):
        pass

    def close(self):
        pass


class _TextBar:
    """Print ``desc: step/total  loss`` each time another tenth of the run is done."""

    def __init__(self, total, desc, stream):
        self.total, self.desc, self.stream = total, desc, stream
        self.every = max(1, math.ceil(total / 10))
        self.done, self.next_report, self.start = 0, self.every, time.perf_counter()

    def update(self, loss):
        self.done += 1
        if self.done >= self.next_report or self.done == self.total:
            elapsed = time.perf_counter() - self.start
            print(
                f"{self.desc}: {self.done}/{self.total} steps  loss {loss:.4g}  ({elapsed:.1f} s)",
                file=self.stream,
                flush=True,
            )
            self.next_report += self.every

    def close(self):
        pass


class _TqdmBar:
    def __init__(self, tqdm, total, desc, stream):
        self.bar = tqdm(total=total, desc=desc, file=stream, leave=True, mininterval=0.2)

    def update(self, loss):
        self.bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        self.bar.update(1)

    def close(self):
        self.bar.close()


def _make_bar(progress, total, desc, stream):
    if progress is False or progress is None:
        return _NoBar()
    if progress is True:
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is optional
            return _TextBar(total, desc, stream)
        return _TqdmBar(tqdm, total, desc, stream)
    if progress == "text":
        return _TextBar(total, desc, stream)
    raise ValueError(f"train: progress must be True, False or 'text', got {progress!r}")


# ---------------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------------


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
    X, y = _check_data(func, data)
    steps = _v.check_positive_int(func, "steps", steps, 0)
    n = X.shape[0]
    if batch_size is not None:
        batch_size = _v.check_positive_int(func, "batch_size", batch_size, 1)
        if batch_size >= n:
            batch_size = None
    if not isinstance(factor_kind, str) or factor_kind not in _v.FACTOR_KINDS:
        raise ValueError(
            f"{func}: factor_kind must be 'mc' | 'exact' | 'empirical', got {factor_kind!r}"
        )
    if eval_every is None:
        eval_every = max(1, steps // 20)
    eval_every = _v.check_positive_int(func, "eval_every", eval_every, 1)
    X_eval, y_eval = (X, y) if eval_data is None else _check_data(func, eval_data)
    if not isinstance(optimizer, _optim.Optimizer):
        raise TypeError(
            f"{func}: optimizer must be a pyginger.optim.Optimizer (e.g. optim.ginger()), "
            f"got {type(optimizer).__name__}"
        )

    theta = model.init(seed) if theta is None else np.array(theta, dtype=np.float64)
    state = optimizer.init(theta) if state is None else state
    if rng is None:
        rng = np.random.default_rng([int(seed), 1])
    elif isinstance(rng, np.random.Generator):
        rng = _copy_generator(rng)
    else:
        raise TypeError(f"{func}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    bar = _make_bar(progress, steps, desc or optimizer.name, stream or sys.stderr)

    losses, grad_norms = [], []
    eval_steps, eval_losses, eval_accs = [], [], []

    def record_eval(k):
        loss, acc = evaluate(model, theta, X_eval, y_eval)
        eval_steps.append(k)
        eval_losses.append(loss)
        eval_accs.append(acc)

    record_eval(0)
    message, success, seconds, done = f"completed {steps} steps", True, 0.0, 0
    try:
        for k in range(1, steps + 1):
            start = time.perf_counter()
            if batch_size is None:
                Xb, yb = X, y
            else:
                idx = rng.choice(n, size=batch_size, replace=False)
                Xb, yb = X[idx], y[idx]
            # One seed per step for the curvature's randomness, drawn whether it is used or
            # not: every optimizer then sees the same sequence of mini-batches.
            factor_rng = np.random.default_rng(rng.integers(2**63))
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss, grad = model.loss_and_grad(theta, Xb, yb)
            if not (math.isfinite(loss) and np.all(np.isfinite(grad))):
                message, success = f"stopped at step {k}: non-finite loss or gradient", False
                break
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                curvature = curvature_for(
                    optimizer, model, theta, Xb, yb, factor_kind=factor_kind, rng=factor_rng
                )
            if isinstance(curvature, np.ndarray) and not np.all(np.isfinite(curvature)):
                message, success = f"stopped at step {k}: non-finite curvature factor", False
                break
            try:
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    new_theta, new_state = optimizer.step(theta, grad, state, curvature)
            except _v.CurvatureRangeError as exc:  # refused before the step changed anything
                message, success = f"stopped at step {k}: {exc}", False
                break
            if not np.all(np.isfinite(new_theta)):
                message = f"stopped at step {k}: the step produced non-finite values"
                success = False
                break
            theta, state = new_theta, new_state
            seconds += time.perf_counter() - start
            done = k
            losses.append(loss)
            grad_norms.append(float(np.linalg.norm(grad)))
            bar.update(loss)
            if k % eval_every == 0 and k != steps:
                record_eval(k)
            if callback is not None:
                try:
                    callback(
                        {
                            "step": k,
                            "loss": loss,
                            "grad_norm": grad_norms[-1],
                            "theta": theta.copy(),
                        }
                    )
                except StopIteration:
                    message = f"callback stopped the run after step {k}"
                    break
    finally:
        bar.close()
    if not eval_steps or eval_steps[-1] != done:
        record_eval(done)
    is_classifier = eval_accs[-1] is not None
    return {
        "optimizer": optimizer.name,
        "config": dict(optimizer.config),
        "steps": done,
        "loss": np.asarray(losses, dtype=np.float64),
        "grad_norm": np.asarray(grad_norms, dtype=np.float64),
        "eval_steps": np.asarray(eval_steps, dtype=np.int64),
        "eval_loss": np.asarray(eval_losses, dtype=np.float64),
        "eval_accuracy": np.asarray(eval_accs, dtype=np.float64) if is_classifier else None,
        "final_loss": eval_losses[-1],
        "final_accuracy": eval_accs[-1],
        "seconds": seconds,
        "seconds_per_step": seconds / done if done else float("nan"),
        "success": success,
        "message": message,
        "theta": theta,
        "state": state,
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
