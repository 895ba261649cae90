r"""The convergence bound of Ginger-preconditioned SGD: its constants, its right-hand side.

The theorem (derived in full in ``docs/theory.md``). Let :math:`f` be :math:`L`-smooth and bounded
below by :math:`f^*`, and run

.. math:: x_{t+1} = x_t - \eta P_t g_t, \qquad P_t = (\gamma I + \hat G_t)^{-1},

where :math:`\hat G_t = U_t \operatorname{diag}(\sigma_t) U_t^\top` is Ginger's state and
:math:`g_t = \nabla f(x_t) + \xi_t` with :math:`E[\xi_t \mid \mathcal F_t] = 0`,
:math:`E[\|\xi_t\|^2 \mid \mathcal F_t] \le s^2`, and :math:`P_t` determined by
:math:`\mathcal F_t` (everything drawn before :math:`g_t`'s noise). If every factor obeys
:math:`\|F_t\|_2 \le B`, then

.. math::

    \lambda_{\min} I \preceq P_t \preceq \lambda_{\max} I, \qquad
    \lambda_{\min} = \frac{1}{\gamma + \bar\lambda}, \quad
    \lambda_{\max} = \frac1\gamma, \quad \bar\lambda = B^2,

and for :math:`\eta \le \lambda_{\min} / (L \lambda_{\max}^2)`,

.. math::

    \frac1T \sum_{t=0}^{T-1} E\|\nabla f(x_t)\|^2 \le
    \frac{2 (f(x_0) - f^*)}{\eta \lambda_{\min} T}
    + \frac{L \eta \lambda_{\max}^2 s^2}{\lambda_{\min}} .

Why :math:`\bar\lambda = B^2` also covers the EMA and rank-:math:`k` factors: the exact EMA
:math:`G_t = \sum_{s \le t} \beta^{t-s} (1-\beta) F_s F_s^\top` has
:math:`\lambda_{\max}(G_t) \le \sum_s \beta^{t-s}(1-\beta) \|F_s\|_2^2 \le (1 - \beta^t) B^2`
(:math:`\lambda_{\max}` is subadditive on PSD matrices and :math:`\lambda_{\max}(F F^\top) =
\|F\|_2^2`, the largest singular value squared, :math:`\le \|F\|_F^2`); Ginger's truncation keeps
the top eigenpairs of a PSD matrix, so by induction :math:`\hat G_t \preceq G_t` and
:math:`\sigma_{\max}(\hat G_t) \le \lambda_{\max}(G_t)`. :func:`curvature_bound` returns
:math:`B^2` or :math:`(1-\beta^t) B^2`; :func:`pyginger.theory.check_spectrum` checks the
data-dependent recursion :math:`\bar\lambda_t = \beta \bar\lambda_{t-1} + (1-\beta)\|F_t\|_2^2`
along a run.

What is *not* covered (see ``docs/theory.md``): momentum on the gradient, elementwise clipping of
the update, and a factor computed from the same mini-batch as :math:`g_t` (then :math:`P_t`
depends on :math:`g_t`'s noise). :func:`pyginger.theory.preconditioned_sgd` implements exactly
the covered algorithm, plus ``factor_batch="same"`` to try the uncovered ordering.

Contents: the constants (:func:`curvature_bound`, :func:`spectrum_bounds`,
:func:`admissible_step_size`, :func:`preconditioner_spectrum`), the right-hand side
(:func:`bound`) and the step that minimises it (:func:`tuned_step_size`). Checks of a recorded
run against these are in :mod:`pyginger.theory.checks`, estimates of the constants where no
closed form exists in :mod:`pyginger.theory.estimates`, and the experiments in
:mod:`pyginger.theory.experiments`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger import core
from pyginger._validation.theory import (
    check_bound_constants,
    check_horizons,
    check_lam_pair,
    check_real,
)

__all__ = [
    "curvature_bound",
    "spectrum_bounds",
    "admissible_step_size",
    "bound",
    "tuned_step_size",
    "preconditioner_spectrum",
]


def curvature_bound(
    factor_bound: float, *, beta: float | None = None, step: int | None = None
) -> float:
    r"""Return :math:`\bar\lambda`, a bound on the largest eigenvalue of Ginger's curvature.

    .. math:: \bar\lambda = B^2 \quad\text{or, after } t \text{ updates,}\quad
              \bar\lambda_t = (1 - \beta^t) B^2 ,

    where :math:`B \ge \|F_s\|_2` bounds the spectral norm (largest singular value) of every
    factor; for a rank-one factor this is its Euclidean norm, and :math:`\|F\|_F` is always a
    valid (looser) choice. Both bound :math:`\lambda_{\max}` of the exact EMA :math:`G_t` and of
    Ginger's truncated state :math:`\hat G_t \preceq G_t`.

    Parameters
    ----------
    factor_bound : float
        :math:`B \ge 0`.
    beta : float, optional
        EMA factor; with ``step``, returns the sharper :math:`(1-\beta^t) B^2`.
    step : int, optional
        Number of updates :math:`t \ge 0`.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``factor_bound < 0``, ``beta`` is outside ``[0, 1)``, ``step < 0``, or only one of
        ``beta``/``step`` is given.

    See Also
    --------
    spectrum_bounds : the eigenvalue interval of :math:`P_t` it implies.
    check_spectrum : the data-dependent version along a run.

    Examples
    --------
    >>> from pyginger.theory import curvature_bound
    >>> curvature_bound(2.0)
    4.0
    >>> round(curvature_bound(2.0, beta=0.5, step=2), 12)  # (1 - 0.25) * 4
    3.0
    """
    B = check_real("curvature_bound", "factor_bound", factor_bound)
    if (beta is None) != (step is None):
        raise ValueError("curvature_bound: give both beta and step, or neither, got only one")
    if beta is None:
        return B * B
    beta = _v.check_beta("curvature_bound", beta)
    step = _v.check_positive_int("curvature_bound", "step", step, minimum=0)
    return float((1.0 - beta**step) * B * B)


def spectrum_bounds(damping: float, curvature_bound: float) -> tuple[float, float]:
    r"""Return :math:`(\lambda_{\min}, \lambda_{\max}) = (1/(\gamma + \bar\lambda), 1/\gamma)`.

    Every eigenvalue of :math:`P_t = (\gamma I + \hat G_t)^{-1}` lies in this interval when
    :math:`0 \preceq \hat G_t \preceq \bar\lambda I`. The upper end is attained whenever
    ``rank < dim`` (a direction with no curvature).

    Parameters
    ----------
    damping : float
        :math:`\gamma > 0`.
    curvature_bound : float
        :math:`\bar\lambda \ge 0` (see :func:`curvature_bound`).

    Returns
    -------
    lam_min, lam_max : float

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If ``damping <= 0`` or ``curvature_bound < 0`` (or either is not finite).

    Examples
    --------
    >>> from pyginger.theory import spectrum_bounds
    >>> spectrum_bounds(0.5, 1.5)
    (0.5, 2.0)
    """
    gamma = check_real("spectrum_bounds", "damping", damping, positive=True)
    lam_bar = check_real("spectrum_bounds", "curvature_bound", curvature_bound)
    return 1.0 / (gamma + lam_bar), 1.0 / gamma


def admissible_step_size(smoothness: float, lam_min: float, lam_max: float) -> float:
    r"""Return the theorem's largest step, :math:`\eta_{\max} = \lambda_{\min}/(L\lambda_{\max}^2)`.

    It makes the descent coefficient :math:`\lambda_{\min} - L\eta\lambda_{\max}^2/2` at least
    :math:`\lambda_{\min}/2` (see ``docs/theory.md``). With Ginger's constants it is
    :math:`\gamma^2 / (L (\gamma + \bar\lambda))`: quadratic in the damping.

    Parameters
    ----------
    smoothness : float
        :math:`L > 0`.
    lam_min, lam_max : float
        Eigenvalue bounds of :math:`P_t`, ``0 < lam_min <= lam_max``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If an argument is not finite and positive, or ``lam_min > lam_max``.

    Examples
    --------
    >>> from pyginger.theory import admissible_step_size, spectrum_bounds
    >>> lam_min, lam_max = spectrum_bounds(1.0, 1.0)
    >>> admissible_step_size(2.0, lam_min, lam_max)  # 0.5 / (2 * 1)
    0.25
    """
    L = check_real("admissible_step_size", "smoothness", smoothness, positive=True)
    lam_min, lam_max = check_lam_pair("admissible_step_size", lam_min, lam_max)
    return _admissible_step_size(L, lam_min, lam_max)


def _admissible_step_size(L: float, lam_min: float, lam_max: float) -> float:
    return lam_min / (L * lam_max * lam_max)


def bound(
    T: ArrayLike,
    *,
    smoothness: float,
    lam_min: float,
    lam_max: float,
    step_size: float,
    variance: float,
    gap: float,
    tight: bool = False,
) -> float | np.ndarray:
    r"""Return the right-hand side of the theorem for horizon(s) ``T``.

    .. math::

        R(T) = \frac{2\Delta}{\eta \lambda_{\min} T}
             + \frac{L \eta \lambda_{\max}^2 s^2}{\lambda_{\min}},
        \qquad \Delta = f(x_0) - f^* .

    It bounds :math:`\frac1T \sum_{t<T} E\|\nabla f(x_t)\|^2` when
    :math:`\eta \le \lambda_{\min}/(L\lambda_{\max}^2)`. The formula itself is evaluated for any
    :math:`\eta > 0`; outside that range it is *not* a bound (see :func:`violation_experiment`).

    With ``tight=True`` the proof's last relaxation is skipped: with
    :math:`c = \lambda_{\min} - L\eta\lambda_{\max}^2/2`,
    :math:`R(T) = \big(\Delta/T + L\eta^2\lambda_{\max}^2 s^2/2\big) / (\eta c)`, valid for
    :math:`\eta < 2\lambda_{\min}/(L\lambda_{\max}^2)` and ``inf`` beyond (no guarantee).

    Parameters
    ----------
    T : int or array_like of int
        Horizon(s) :math:`T \ge 1`.
    smoothness : float
        :math:`L > 0`.
    lam_min, lam_max : float
        Eigenvalue bounds of :math:`P_t`.
    step_size : float
        :math:`\eta > 0`.
    variance : float
        :math:`s^2 \ge 0` (0 for exact gradients).
    gap : float
        :math:`\Delta \ge f(x_0) - f^*`, ``>= 0``.
    tight : bool, optional
        Use the unrelaxed form. Default False.

    Returns
    -------
    float or ndarray
        Same shape as ``T``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range (see Parameters).

    See Also
    --------
    check_bound : compares a recorded run with this, for every ``T``.

    Examples
    --------
    >>> from pyginger.theory import bound
    >>> kw = dict(smoothness=1.0, lam_min=0.5, lam_max=1.0, step_size=0.5, variance=0.0, gap=1.0)
    >>> bound([1, 10], **kw)
    array([8. , 0.8])
    >>> float(bound(10, smoothness=1.0, lam_min=0.5, lam_max=1.0, step_size=0.5, variance=0.0,
    ...             gap=1.0, tight=True))  # 0.1 / (0.5 * 0.25)
    0.8
    """
    Ts = check_horizons("bound", T)
    constants = check_bound_constants(
        "bound",
        smoothness=smoothness,
        lam_min=lam_min,
        lam_max=lam_max,
        step_size=step_size,
        variance=variance,
        gap=gap,
        tight=tight,
    )
    out = _bound(Ts, *constants)
    return float(out) if np.ndim(T) == 0 else out


def _bound(Ts, L, lam_min, lam_max, eta, s2, gap, tight) -> np.ndarray:
    """Return the right-hand side of :func:`bound` at float horizons ``Ts`` (checked constants)."""
    if tight:
        c = lam_min - L * eta * lam_max**2 / 2.0
        if c <= 0:
            out = np.full(Ts.shape, np.inf)
        else:
            out = (gap / Ts + L * eta**2 * lam_max**2 * s2 / 2.0) / (eta * c)
    else:
        out = 2.0 * gap / (eta * lam_min * Ts) + L * eta * lam_max**2 * s2 / lam_min
    return out


def tuned_step_size(
    T: int, *, smoothness: float, lam_min: float, lam_max: float, variance: float, gap: float
) -> float:
    r"""Return the step minimising :func:`bound` at horizon ``T``, capped at the admissible one.

    :math:`R(T) = a/\eta + b\eta` with :math:`a = 2\Delta/(\lambda_{\min}T)`,
    :math:`b = L\lambda_{\max}^2 s^2/\lambda_{\min}` is minimised by
    :math:`\eta_T = \sqrt{a/b} = \sqrt{2\Delta / (L \lambda_{\max}^2 s^2 T)}`, where
    :math:`R = 2\sqrt{ab} = \frac{2\lambda_{\max}}{\lambda_{\min}} \sqrt{2\Delta L s^2 / T}`:
    the :math:`O(1/\sqrt T)` rate. The result is :math:`\min(\eta_T, \eta_{\max})`
    (:func:`admissible_step_size`); with :math:`s^2 = 0` it is :math:`\eta_{\max}` and the rate is
    :math:`O(1/T)`.

    Parameters
    ----------
    T : int
        Horizon, ``>= 1``.
    smoothness, lam_min, lam_max, variance, gap : float
        As in :func:`bound`.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range.

    Examples
    --------
    >>> from pyginger.theory import tuned_step_size
    >>> kw = dict(smoothness=1.0, lam_min=0.5, lam_max=1.0, variance=1.0, gap=2.0)
    >>> tuned_step_size(100, **kw), tuned_step_size(400, **kw)  # sqrt(4 / T): 1/sqrt(T) scaling
    (0.2, 0.1)
    >>> tuned_step_size(1, **kw)  # capped at lam_min / (L lam_max^2)
    0.5
    """
    func = "tuned_step_size"
    Ts = check_horizons(func, T)
    if Ts.ndim != 0:
        raise ValueError(f"{func}: T must be a single horizon, got shape {Ts.shape}")
    L = check_real(func, "smoothness", smoothness, positive=True)
    lam_min, lam_max = check_lam_pair(func, lam_min, lam_max)
    s2 = check_real(func, "variance", variance)
    gap = check_real(func, "gap", gap)
    cap = _admissible_step_size(L, lam_min, lam_max)
    if s2 == 0.0 or gap == 0.0:
        return cap
    return float(min(cap, math.sqrt(2.0 * gap / (L * lam_max**2 * s2 * float(Ts)))))


def preconditioner_spectrum(state: core.GingerState) -> tuple[float, float]:
    r"""Return the extreme eigenvalues of :math:`P = (\gamma I + U \Sigma U^\top)^{-1}`, in O(tau).

    In ``O(tau)`` from ``sigma`` and ``damping``: :math:`1/(\gamma + \sigma_{\max})` and
    :math:`1/\gamma` when ``rank < dim`` (directions outside span(U) have no curvature),
    else :math:`1/(\gamma + \sigma_{\min})`. Assumes ``U`` orthonormal (see
    :func:`pyginger.orthogonality_error`).

    Parameters
    ----------
    state : GingerState

    Returns
    -------
    lam_min, lam_max : float

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> from pyginger.theory import preconditioner_spectrum
    >>> state = pyginger.update(pyginger.init(3, 1, damping=0.5), np.array([2.0, 0, 0]), beta=0.0)
    >>> preconditioner_spectrum(state)  # G = diag(4.5, 0.5, 0.5)
    (0.2222222222222222, 2.0)
    """
    _v.check_state("preconditioner_spectrum", state)
    sigma = np.asarray(state.sigma, dtype=np.float64)
    gamma = float(state.damping)
    lam_min = 1.0 / (gamma + float(sigma.max()))
    lam_max = 1.0 / gamma if state.rank < state.dim else 1.0 / (gamma + float(sigma.min()))
    return lam_min, lam_max
