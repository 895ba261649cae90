r"""The small transforms optimizers are chained from: momentum, preconditioning, clip, step size.

Each function returns a :class:`~pyginger.optim.base.Transform` whose state is a NamedTuple of
its own (an empty one when it keeps nothing). The curvature-based optimizers chain

.. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t \;(\texttt{ema}), \quad
          \hat m_t = m_t / (1-\beta_1^t) \;(\texttt{bias\_correction}), \quad
          u_t = C_t^{-1} \hat m_t \;(\texttt{precondition}),

then ``clip`` and ``scale_by_learning_rate``; the optimizer steps :math:`\theta - u`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from pyginger._validation import CurvatureRangeError
from pyginger._validation import optimizers as _vo
from pyginger.optim.base import Preconditioner, Transform

__all__ = [
    "EmptyState",
    "MomentumState",
    "HeavyBallState",
    "SecondMomentState",
    "ema",
    "bias_correction",
    "heavy_ball",
    "scale_by_second_moment",
    "precondition",
    "clip",
    "scale_by_learning_rate",
]


class EmptyState(NamedTuple):
    """State of a transform that keeps nothing."""


class MomentumState(NamedTuple):
    """State of :func:`ema`: the moving average ``mu``."""

    mu: np.ndarray


class HeavyBallState(NamedTuple):
    """State of :func:`heavy_ball`: the momentum buffer."""

    momentum: np.ndarray


class SecondMomentState(NamedTuple):
    """State of :func:`scale_by_second_moment`: the moving average ``nu`` of squared gradients."""

    nu: np.ndarray


def _stateless(update: Callable) -> Transform:
    return Transform(lambda theta: EmptyState(), update, EmptyState)


def ema(beta: float) -> Transform:
    r"""Return the moving average :math:`m \leftarrow \beta m + (1-\beta) u` (from :math:`m_0 = 0`).

    Parameters
    ----------
    beta : float
        Factor in ``[0, 1)``, checked by the caller.

    Returns
    -------
    Transform
        State :class:`MomentumState`; the output is :math:`m` (see :func:`bias_correction`).
    """

    def update(u, state, step):
        mu = beta * state.mu + (1.0 - beta) * u
        return mu, MomentumState(mu)

    return Transform(lambda theta: MomentumState(np.zeros_like(theta)), update, MomentumState)


def bias_correction(beta: float) -> Transform:
    r"""Return :math:`u / (1 - \beta^t)` at step :math:`t`: the unbiased value of an EMA from 0.

    Parameters
    ----------
    beta : float
        The factor of the :func:`ema` before it.

    Returns
    -------
    Transform
        Stateless.
    """
    return _stateless(lambda u, state, step: (u / (1.0 - beta**step.count), state))


def heavy_ball(momentum: float, nesterov: bool = False) -> Transform:
    r"""Return heavy-ball momentum :math:`b \leftarrow \mu b + u`, output :math:`b` or Nesterov's.

    Parameters
    ----------
    momentum : float
        :math:`\mu` in ``[0, 1)``, checked by the caller.
    nesterov : bool, optional
        Output :math:`u + \mu b` instead of :math:`b`. Default False.

    Returns
    -------
    Transform
        State :class:`HeavyBallState`.
    """

    def update(u, state, step):
        buf = momentum * state.momentum + u
        return (u + momentum * buf if nesterov else buf), HeavyBallState(buf)

    return Transform(lambda theta: HeavyBallState(np.zeros_like(theta)), update, HeavyBallState)


def scale_by_second_moment(beta: float, eps: float) -> Transform:
    r"""Return Adam's scaling :math:`u / (\sqrt{\hat v} + \epsilon)`, :math:`\hat v` the EMA of g².

    Parameters
    ----------
    beta : float
        EMA factor of the squared raw gradient, bias-corrected.
    eps : float
        :math:`\epsilon > 0`.

    Returns
    -------
    Transform
        State :class:`SecondMomentState`.
    """

    def update(u, state, step):
        g = step.grad
        nu = beta * state.nu + (1.0 - beta) * (g * g)
        vhat = nu / (1.0 - beta**step.count)
        return u / (np.sqrt(vhat) + eps), SecondMomentState(nu)

    return Transform(
        lambda theta: SecondMomentState(np.zeros_like(theta)), update, SecondMomentState
    )


def precondition(preconditioner: Preconditioner) -> Transform:
    r"""Return :math:`u \mapsto C^{-1} u` for a :class:`~pyginger.optim.base.Preconditioner` C.

    A new curvature sample (the step's ``curvature``, unless None) updates :math:`C` first. A
    :class:`~pyginger._validation.CurvatureRangeError` from the preconditioner's arithmetic is
    raised again with the step's name in front.

    Parameters
    ----------
    preconditioner : Preconditioner

    Returns
    -------
    Transform
        Its state is the preconditioner's; its checks are the preconditioner's.
    """
    p = preconditioner

    def update(u, state, step):
        if step.curvature is not None:
            state = p.update(state, step.curvature)
        try:
            u, state = p.solve(state, u)
        except CurvatureRangeError as exc:
            raise CurvatureRangeError(f"{step.where}: {exc}") from None
        return np.asarray(u, dtype=step.theta.dtype), state

    return Transform(p.init, update, p.state_type, p.check_theta, p.check_curvature)


def clip(rho: float | None) -> Transform:
    """Return the element-wise clip to ``[-rho, rho]`` (the identity for None).

    Parameters
    ----------
    rho : float or None
        Bound > 0, checked by the caller.

    Returns
    -------
    Transform
        Stateless.
    """
    if rho is None:
        return _stateless(lambda u, state, step: (u, state))
    return _stateless(lambda u, state, step: (np.clip(u, -rho, rho), state))


def scale_by_learning_rate(lr: float | Callable[[int], float]) -> Transform:
    """Return ``lr_t * u``, with ``lr_t`` the learning rate or the schedule's value at step t.

    Parameters
    ----------
    lr : float or callable
        A float > 0 or a schedule ``t -> float`` (its value is checked at every step).

    Returns
    -------
    Transform
        Stateless.
    """
    return _stateless(lambda u, state, step: (_vo.lr_at(step.where, lr, step.count) * u, state))
