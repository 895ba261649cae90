r"""The one loop: evaluate, ask for curvature, step, check, record; every run goes through it.

:func:`run` drives any :mod:`pyginger.optim`-style optimizer (``init``, ``step``, ``needs``) on
any objective of :mod:`pyginger.run.objective`. :func:`pyginger.run.training.train`,
:func:`pyginger.run.minimizer.minimize`, :func:`pyginger.theory.preconditioned_sgd` and
:func:`pyginger.diagnostics.shadow_replay` differ in their objective and their record, not in
their loop.

**One rule for non-finite values.** NumPy's floating-point warnings are silenced inside the
objective and the step; instead every value, gradient, curvature array and new iterate is
checked, and the first non-finite one stops the run, which keeps the last accepted iterate and
says why (:class:`Stop`). A curvature the optimizer refuses
(:class:`pyginger._validation.CurvatureRangeError`) stops it the same way.

**One random-stream policy.** The loop is given one :class:`numpy.random.Generator` and never
draws from it itself: at each evaluation it asks the objective to ``draw`` the step's randomness
(the mini-batch, then any seed for a Monte-Carlo factor), before evaluating anything.

**One history format.** A :class:`History` holds one list per recorded quantity and returns
them as arrays; front-ends record from ``on_step``, which gets a :class:`Step` after every
accepted step. ``on_step`` may raise ``StopIteration`` to end the run (a user's callback).

**When is a step accepted?** Its gradient is that of the iterate it starts from, on the step's
batch. With ``lookahead`` (``minimize``), the new iterate is also evaluated, on the next batch,
and a non-finite value there rejects the step; that evaluation then serves the next step. An
``accept`` hook (the theory's exact objective) may reject a new iterate the same way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from pyginger._validation import CurvatureRangeError

__all__ = ["run", "Run", "Step", "Stop", "Evaluation", "History", "quiet"]


def quiet():
    """Silence NumPy's floating-point warnings: non-finite results are checked, and stop the run."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


class Evaluation(NamedTuple):
    """The value and gradient at an iterate, on the batch drawn for it."""

    batch: Any
    value: float
    grad: np.ndarray


class Stop(NamedTuple):
    """Why a run ended before its last step (or converged).

    Attributes
    ----------
    step : int
        The step that stopped the run (0: at the start).
    kind : str
        ``"objective"`` (a non-finite value or gradient), ``"curvature"`` (a non-finite
        curvature array), ``"range"`` (the optimizer refused the curvature), ``"step"`` (the
        step produced non-finite values), ``"rejected"`` (the ``accept`` hook refused the new
        iterate), ``"callback"`` (``on_step`` raised ``StopIteration``) or ``"converged"``.
    detail : str
        The refusal's message (``"range"``, ``"rejected"``), else empty.
    """

    step: int
    kind: str
    detail: str = ""


class Step(NamedTuple):
    """One accepted step, as ``on_step`` sees it.

    Attributes
    ----------
    k : int
        Its number, from 1.
    theta, state
        The new iterate and optimizer state.
    theta_before, state_before
        Those it started from.
    evaluation : Evaluation
        At ``theta_before``, on the step's batch: the gradient the step used.
    curvature
        The curvature sample the step used.
    next : Evaluation or None
        With ``lookahead``: at ``theta``, on the next batch.
    """

    k: int
    theta: np.ndarray
    state: Any
    theta_before: np.ndarray
    state_before: Any
    evaluation: Evaluation
    curvature: Any
    next: Evaluation | None


class Run(NamedTuple):
    """What :func:`run` returns: the last accepted iterate and how the run went.

    Attributes
    ----------
    theta, state
        The last accepted iterate and optimizer state.
    steps : int
        Accepted steps.
    stop : Stop or None
        None when all the steps were taken.
    seconds : float
        Time in the accepted steps (``on_step`` excluded).
    start : Evaluation or None
        With ``lookahead``: at the first iterate.
    last : Evaluation or None
        The last evaluation of an accepted iterate (with ``lookahead``), else the last made.
    """

    theta: np.ndarray
    state: Any
    steps: int
    stop: Stop | None
    seconds: float
    start: Evaluation | None
    last: Evaluation | None


class History:
    """Per-step records: one list per name, returned as float64 (or given dtype) arrays.

    Examples
    --------
    >>> from pyginger.run.loop import History
    >>> h = History("loss", "grad_norm")
    >>> h.append(loss=1.0, grad_norm=2.0); h.append(loss=0.5, grad_norm=1.0)
    >>> h.array("loss"), len(h)
    (array([1. , 0.5]), 2)
    """

    def __init__(self, *names: str) -> None:
        self.lists: dict[str, list] = {name: [] for name in names}

    def append(self, **values: Any) -> None:
        """Append one value to each named list."""
        for name, value in values.items():
            self.lists[name].append(value)

    def array(self, name: str, dtype: Any = np.float64) -> np.ndarray:
        """Return the list ``name`` as an array."""
        return np.asarray(self.lists[name], dtype=dtype)

    def __len__(self) -> int:
        return len(next(iter(self.lists.values()), []))


def _finite(evaluation):
    return math.isfinite(evaluation.value) and bool(np.all(np.isfinite(evaluation.grad)))


def _evaluate(objective, theta, rng):
    batch = objective.draw(rng)
    with quiet():
        value, grad = objective.value_and_grad(theta, batch)
    return Evaluation(batch, value, grad)


def _advance(objective, optimizer, theta, state, evaluation, k):
    """Return ``(stop, new_theta, new_state, curvature)``: one step from ``theta``."""
    with quiet():
        curvature = objective.curvature(optimizer.needs, theta, evaluation.batch)
    if isinstance(curvature, np.ndarray) and not np.all(np.isfinite(curvature)):
        return Stop(k, "curvature"), None, None, curvature
    try:
        with quiet():
            new_theta, new_state = optimizer.step(theta, evaluation.grad, state, curvature)
    except CurvatureRangeError as exc:  # refused before the step changed anything
        return Stop(k, "range", str(exc)), None, None, curvature
    if not np.all(np.isfinite(new_theta)):
        return Stop(k, "step"), None, None, curvature
    return None, new_theta, new_state, curvature


def run(
    objective: Any,
    optimizer: Any,
    theta: np.ndarray,
    state: Any,
    rng: np.random.Generator | None,
    steps: int,
    *,
    lookahead: bool = False,
    accept: Callable[[np.ndarray], str | None] | None = None,
    converged: Callable[[Evaluation], bool] | None = None,
    on_step: Callable[[Step], object] | None = None,
) -> Run:
    r"""Take up to ``steps`` steps of ``optimizer`` on ``objective`` from ``theta`` and ``state``.

    Arguments are trusted: the public entries check them.

    Parameters
    ----------
    objective : pyginger.run.objective.Objective
        ``draw``, ``value_and_grad``, ``curvature``.
    optimizer : pyginger.optim.Optimizer or alike
        ``needs`` and ``step(theta, grad, state, curvature) -> (theta, state)``.
    theta : (d,) ndarray
        The first iterate.
    state
        The optimizer's state at ``theta``.
    rng : numpy.random.Generator or None
        The run's random stream, passed to ``objective.draw``.
    steps : int
        At most this many steps.
    lookahead : bool, optional
        Evaluate each new iterate (and the first one) on a freshly drawn batch; a non-finite
        value rejects the step, a finite one is the next step's evaluation. Default False:
        each step evaluates its iterate when it starts.
    accept : callable, optional
        ``accept(new_theta) -> None`` to accept a new iterate, or a reason to reject it.
    converged : callable, optional
        ``converged(evaluation) -> bool``, asked (with ``lookahead``) at the first iterate and
        after every accepted step; True ends the run.
    on_step : callable, optional
        ``on_step(step)`` after every accepted step; ``StopIteration`` ends the run.

    Returns
    -------
    Run

    Examples
    --------
    Gradient descent on :math:`\tfrac12\|x\|^2` through the SciPy-style adapter:

    >>> import numpy as np
    >>> from pyginger import optim
    >>> from pyginger.run.loop import run
    >>> from pyginger.run.objective import CallablesObjective
    >>> objective = CallablesObjective(lambda x: 0.5 * x @ x, lambda x: x, None, (), None,
    ...                                needs=None, name="sgd")
    >>> opt = optim.sgd(lr=0.5)
    >>> out = run(objective, opt, np.ones(2), opt.init(np.ones(2)), None, 3, lookahead=True)
    >>> out.theta, out.steps, out.stop, out.last.value
    (array([0.125, 0.125]), 3, None, 0.015625)
    """
    evaluation = start = None
    if lookahead:
        evaluation = start = _evaluate(objective, theta, rng)
        if not _finite(evaluation):
            return Run(theta, state, 0, Stop(0, "objective"), 0.0, start, evaluation)
        if converged is not None and converged(evaluation):
            return Run(theta, state, 0, Stop(0, "converged"), 0.0, start, evaluation)
    seconds, done, stop = 0.0, 0, None
    for k in range(1, steps + 1):
        began = time.perf_counter()
        if evaluation is None:
            evaluation = _evaluate(objective, theta, rng)
            if not _finite(evaluation):
                stop = Stop(k, "objective")
                break
        stop, new_theta, new_state, curvature = _advance(
            objective, optimizer, theta, state, evaluation, k
        )
        if stop is not None:
            break
        following = _evaluate(objective, new_theta, rng) if lookahead else None
        if following is not None and not _finite(following):
            stop = Stop(k, "objective")
            break
        if accept is not None:
            with quiet():
                reason = accept(new_theta)
            if reason is not None:
                stop = Stop(k, "rejected", reason)
                break
        step = Step(k, new_theta, new_state, theta, state, evaluation, curvature, following)
        theta, state, evaluation, done = new_theta, new_state, following, k
        seconds += time.perf_counter() - began
        if on_step is not None:
            try:
                on_step(step)
            except StopIteration:
                stop = Stop(k, "callback")
                break
        if converged is not None and evaluation is not None and converged(evaluation):
            stop = Stop(k, "converged")
            break
    return Run(theta, state, done, stop, seconds, start, evaluation)
