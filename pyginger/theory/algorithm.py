r"""The algorithm the theorem covers: SGD preconditioned by Ginger's :math:`P_t`, recorded.

:func:`preconditioned_sgd` runs :math:`x_{t+1} = x_t - \eta P_t g_t` with :math:`P_t` formed
before :math:`g_t`'s noise is drawn, through the one loop of :mod:`pyginger.run.loop`, and records
everything the checks of :mod:`pyginger.theory.checks` take; ``factor_batch="same"`` tries the
uncovered ordering (a factor from the gradient's own mini-batch). The experiments of
:mod:`pyginger.theory.experiments` are built on it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeResult

from pyginger import _validation as _v
from pyginger import core
from pyginger._validation.theory import FACTOR_BATCH
from pyginger._validation.theory import check_real as _real
from pyginger.run import loop as _loop
from pyginger.run.objective import ProblemObjective
from pyginger.run.plain import PreconditionedSGD
from pyginger.theory.bounds import (
    preconditioner_spectrum,
)
from pyginger.theory.checks import descent_smoothness

__all__ = ["preconditioned_sgd"]


# ---------------------------------------------------------------------------------------------
# Preconditioned SGD: the algorithm the theorem covers
# ---------------------------------------------------------------------------------------------


def preconditioned_sgd(
    problem: Any,
    x0: ArrayLike,
    *,
    steps: int,
    step_size: float,
    rank: int,
    damping: float = 1.0,
    beta: float = 0.9,
    batch_size: int | None = None,
    factor_batch_size: int | None = None,
    factor_batch: str = "independent",
    form: str = "curvature",
    record_stream: bool = False,
    seed: int | np.random.Generator | None = None,
) -> OptimizeResult:
    r"""Run :math:`x_{t+1} = x_t - \eta P_t g_t` (Ginger's :math:`P_t`) and record the run.

    At step :math:`t`: draw the gradient's mini-batch, then the factor's samples (both uniform
    with replacement); update the state with :math:`F_t = F(x_t)` (:func:`pyginger.update`), so
    :math:`P_t` is the inverse after this update; then step with :func:`pyginger.solve`. With
    ``factor_batch="independent"`` (default) the two draws are independent, so :math:`P_t` is
    independent of :math:`g_t`'s noise given the past: the theorem applies. ``"same"`` reuses the
    gradient's batch for the factor, as the authors' code does (a Monte-Carlo factor from the
    same images); :math:`P_t` then depends on that noise and the theorem as stated does not
    apply.

    The run goes through :func:`pyginger.run.loop.run`: a non-finite iterate or objective stops
    it (``success=False``), keeping the last finite iterate and its state.

    Parameters
    ----------
    problem : object
        A problem from :mod:`pyginger.theory.problems` (``value_and_grad``, ``batch_grad``,
        ``factor``, ``num_samples``, ``dim``; ``gradient_variance`` if ``batch_size`` is given).
    x0 : (d,) array_like
        Starting point.
    steps : int
        Number of steps :math:`T \ge 1`.
    step_size : float
        :math:`\eta > 0`.
    rank : int
        Ginger's rank :math:`\tau`.
    damping : float, optional
        :math:`\gamma > 0`. Default 1.
    beta : float, optional
        EMA factor. Default 0.9.
    batch_size : int, optional
        Gradient mini-batch size; ``None`` (default) uses the exact gradient.
    factor_batch_size : int, optional
        Samples per factor; ``None`` (default): ``batch_size``, or all samples if that is None.
    factor_batch : {"independent", "same"}, optional
        See above. ``"same"`` needs ``factor_batch_size`` None or equal to ``batch_size``.
    form : {"curvature", "inverse"}, optional
        Passed to :func:`pyginger.update`.
    record_stream : bool, optional
        Also return the factors and (stochastic) gradients used, for
        :func:`pyginger.diagnostics.shadow_replay`. Default False.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x``, ``fun``, ``nit``, ``success`` (iterates stayed finite), ``message``, and the
        records: ``losses`` (:math:`f(x_t)`, ``nit + 1``), ``grad_sq_norms``
        (:math:`\|\nabla f(x_t)\|^2` of the exact gradient, ``nit + 1``), ``iterates``
        (``(nit + 1, d)``), ``grads`` (exact gradients, ``(nit + 1, d)``), ``sigma_max``,
        ``lam_min``, ``lam_max`` (spectrum of each :math:`P_t`), ``factor_norms``
        (:math:`\|F_t\|_2`), ``preconditioned_sq_norms``
        (:math:`\nabla f(x_t)^\top P_t \nabla f(x_t)`, ``nit``, for the preconditioned form of
        :func:`check_bound`), ``variances`` (exact variance of :math:`g_t` at :math:`x_t`, 0 for
        exact gradients), ``descent_smoothness`` and ``descent_smoothness_error``
        (:func:`descent_smoothness` with its rounding bound),
        ``orthogonality`` (:func:`pyginger.orthogonality_error` of each state), ``state`` (the
        GingerState of the last accepted step), ``step_size``; with ``record_stream``,
        ``factors`` and ``gradients`` (lists).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If an argument is out of range or inconsistent.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> from pyginger.theory import preconditioned_sgd
    >>> prob = RobustRegression.make(100, 5, seed=0)
    >>> res = preconditioned_sgd(prob, np.zeros(5), steps=50, step_size=1.0, rank=2, seed=0)
    >>> res.success, res.nit, bool(res.grad_sq_norms[-1] < 1e-3 * res.grad_sq_norms[0])
    (True, 50, True)
    """
    func = "preconditioned_sgd"
    steps = _v.check_positive_int(func, "steps", steps)
    eta = _real(func, "step_size", step_size, positive=True)
    d = int(problem.dim)
    x = np.array(x0, dtype=np.float64)
    if x.shape != (d,) or not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: x0 must be a finite array of shape ({d},), got shape {x.shape}")
    rank = _v.check_rank(func, rank, d)
    beta = _v.check_beta(func, beta)
    _v.check_choice(func, "factor_batch", factor_batch, FACTOR_BATCH)
    if batch_size is not None:
        batch_size = _v.check_positive_int(func, "batch_size", batch_size)
    if factor_batch_size is not None:
        factor_batch_size = _v.check_positive_int(func, "factor_batch_size", factor_batch_size)
    if factor_batch == "same" and factor_batch_size not in (None, batch_size):
        raise ValueError(
            f"{func}: factor_batch='same' reuses the gradient batch, so factor_batch_size must be "
            f"None or batch_size={batch_size}, got {factor_batch_size}"
        )
    fb = factor_batch_size if factor_batch_size is not None else batch_size
    objective = ProblemObjective(
        problem, batch_size=batch_size, factor_batch_size=fb, same_batch=factor_batch == "same"
    )
    sgd = PreconditionedSGD(eta, rank=rank, damping=damping, beta=beta, form=form)
    record = _SGDRecord(problem, objective, batch_size, record_stream)
    record.start(x)
    out = _loop.run(
        objective,
        sgd,
        x,
        sgd.init(x),
        np.random.default_rng(seed),
        steps,
        accept=record.accept,
        on_step=record.step,
    )
    return record.result(out, eta)


class _SGDRecord:
    """What :func:`preconditioned_sgd` records at each accepted step, and its result."""

    #: The message for each way a run stops early (:class:`pyginger.run.loop.Stop`).
    MESSAGES = {
        "objective": "objective became non-finite at step {k}",
        "rejected": "objective became non-finite at step {k}",
        "step": "iterate became non-finite at step {k}",
        "curvature": "factor became non-finite at step {k}",
        "range": "step {k}: {detail}",
    }

    def __init__(self, problem, objective, batch_size, record_stream):
        self.problem, self.objective = problem, objective
        self.batch_size, self.record_stream = batch_size, record_stream
        self.at = _loop.History("iterates", "losses", "grads", "grad_sq_norms")
        self.steps = _loop.History(
            "sigma_max",
            "lam_min",
            "lam_max",
            "factor_norms",
            "variances",
            "orthogonality",
            "preconditioned_sq_norms",
        )
        self.factors, self.gradients = [], []

    def start(self, x):
        f, g = self.objective.exact(x)
        self.at.append(iterates=x.copy(), losses=f, grads=g, grad_sq_norms=float(g @ g))
        self.grad = g

    def accept(self, x):
        f, g = self.objective.exact(x)
        return None if math.isfinite(f) and np.all(np.isfinite(g)) else "objective"

    def step(self, step):
        state, F, idx = step.state, step.curvature, step.evaluation.batch[0]
        lo, hi = preconditioner_spectrum(state)
        variance = (
            0.0
            if idx is None
            else self.problem.gradient_variance(step.theta_before, self.batch_size)
        )
        self.steps.append(
            sigma_max=float(np.max(state.sigma)),
            lam_min=lo,
            lam_max=hi,
            factor_norms=float(np.linalg.norm(F, 2)),
            variances=variance,
            orthogonality=core.orthogonality_error(state),
            # The P-norm form of the theorem: the exact gradient at x_t in the metric of P_t.
            preconditioned_sq_norms=float(self.grad @ core.solve(state, self.grad)),
        )
        if self.record_stream:
            self.factors.append(F)
            self.gradients.append(step.evaluation.grad)
        self.start(step.theta)

    def result(self, out, eta):
        nit, stop = out.steps, out.stop
        iterates, values, grads = (self.at.array(k) for k in ("iterates", "losses", "grads"))
        if nit >= 1:
            L_eff, L_err = descent_smoothness(values, grads, iterates, return_error=True)
        else:
            L_eff, L_err = np.zeros(0), np.zeros(0)
        res = OptimizeResult(
            x=iterates[-1],
            fun=float(values[-1]),
            nit=nit,
            success=stop is None,
            message="completed all steps"
            if stop is None
            else self.MESSAGES[stop.kind].format(k=stop.step, detail=stop.detail),
            losses=values,
            grad_sq_norms=self.at.array("grad_sq_norms"),
            iterates=iterates,
            grads=grads,
            **{name: self.steps.array(name) for name in self.steps.lists},
            descent_smoothness=L_eff,
            descent_smoothness_error=L_err,
            state=out.state,
            step_size=eta,
        )
        if self.record_stream:
            res.factors, res.gradients = self.factors, self.gradients
        return res
