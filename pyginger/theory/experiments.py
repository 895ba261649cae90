r"""Convergence theory of Ginger-preconditioned SGD: constants, the bound, checks along a run.

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
:math:`B^2` or :math:`(1-\beta^t) B^2`; :func:`check_spectrum` checks the data-dependent
recursion :math:`\bar\lambda_t = \beta \bar\lambda_{t-1} + (1-\beta)\|F_t\|_2^2` along a run.

What is *not* covered (see ``docs/theory.md``): momentum on the gradient, elementwise clipping of
the update, and a factor computed from the same mini-batch as :math:`g_t` (then :math:`P_t`
depends on :math:`g_t`'s noise). :func:`preconditioned_sgd` implements exactly the covered
algorithm, plus ``factor_batch="same"`` to try the uncovered ordering.

Contents: the constants (:func:`curvature_bound`, :func:`spectrum_bounds`,
:func:`admissible_step_size`, :func:`bound`, :func:`tuned_step_size`); checks of a recorded run
and of the assumptions (:func:`check_bound`, :func:`check_spectrum`,
:func:`preconditioner_spectrum`, :func:`estimate_smoothness`, :func:`descent_smoothness`,
:func:`fit_rate`); and experiments (:func:`preconditioned_sgd`, :func:`bound_experiment`,
:func:`rate_experiment`, :func:`violation_experiment`) on the problems of
:mod:`pyginger.theory.problems`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeResult

from pyginger import _validation as _v
from pyginger import core
from pyginger.run import loop as _loop
from pyginger.run.objective import ProblemObjective
from pyginger.run.plain import PreconditionedSGD

__all__ = [
    # constants of the theorem
    "curvature_bound",
    "spectrum_bounds",
    "admissible_step_size",
    "bound",
    "tuned_step_size",
    # checks of a run and of the assumptions
    "BoundCheck",
    "check_bound",
    "SpectrumCheck",
    "check_spectrum",
    "preconditioner_spectrum",
    "estimate_smoothness",
    "descent_smoothness",
    "estimate_constants",
    "fit_rate",
    # experiments
    "preconditioned_sgd",
    "bound_experiment",
    "rate_experiment",
    "violation_experiment",
]

_EPS = float(np.finfo(np.float64).eps)
FACTOR_BATCH = ("independent", "same")


# ---------------------------------------------------------------------------------------------
# Argument checks (function, argument, expected, got)
# ---------------------------------------------------------------------------------------------


def _real(func, name, value, *, positive=False, allow_zero=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be finite, got {value}")
    if positive and not value > 0:
        raise ValueError(f"{func}: {name} must be > 0, got {value}")
    if not allow_zero and value == 0:
        raise ValueError(f"{func}: {name} must be nonzero, got {value}")
    if not positive and value < 0:
        raise ValueError(f"{func}: {name} must be >= 0, got {value}")
    return value


def _lam_pair(func, lam_min, lam_max):
    lam_min = _real(func, "lam_min", lam_min, positive=True)
    lam_max = _real(func, "lam_max", lam_max, positive=True)
    if lam_min > lam_max:
        raise ValueError(f"{func}: lam_min must be <= lam_max = {lam_max}, got {lam_min}")
    return lam_min, lam_max


def _horizons(func, T):
    arr = np.asarray(T)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(
            f"{func}: T must be a number or an array of numbers, got {type(T).__name__}"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr) & (arr >= 1)):
        raise ValueError(f"{func}: T must be finite and >= 1, got {T!r}")
    return arr


def _array(func, name, a, ndim=(1,)):
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: {name} must be an array of real numbers, got {type(a).__name__}"
        ) from None
    if arr.ndim not in ndim:
        dims = " or ".join(f"{n}-d" for n in ndim)
        raise ValueError(f"{func}: {name} must be {dims}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{func}: {name} must not be empty")
    return arr


# ---------------------------------------------------------------------------------------------
# The constants of the theorem
# ---------------------------------------------------------------------------------------------


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
    B = _real("curvature_bound", "factor_bound", factor_bound)
    if (beta is None) != (step is None):
        raise ValueError("curvature_bound: give both beta and step, or neither, got only one")
    if beta is None:
        return B * B
    beta = _v.check_beta("curvature_bound", beta)
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"curvature_bound: step must be an integer, got {type(step).__name__}")
    if step < 0:
        raise ValueError(f"curvature_bound: step must be >= 0, got {step}")
    return float((1.0 - beta ** int(step)) * B * B)


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
    gamma = _real("spectrum_bounds", "damping", damping, positive=True)
    lam_bar = _real("spectrum_bounds", "curvature_bound", curvature_bound)
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
    L = _real("admissible_step_size", "smoothness", smoothness, positive=True)
    lam_min, lam_max = _lam_pair("admissible_step_size", lam_min, lam_max)
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
    func = "bound"
    Ts = _horizons(func, T)
    L = _real(func, "smoothness", smoothness, positive=True)
    lam_min, lam_max = _lam_pair(func, lam_min, lam_max)
    eta = _real(func, "step_size", step_size, positive=True)
    s2 = _real(func, "variance", variance)
    gap = _real(func, "gap", gap)
    if not isinstance(tight, (bool, np.bool_)):
        raise TypeError(f"bound: tight must be a bool, got {type(tight).__name__}")
    if tight:
        c = lam_min - L * eta * lam_max**2 / 2.0
        if c <= 0:
            out = np.full(Ts.shape, np.inf)
        else:
            out = (gap / Ts + L * eta**2 * lam_max**2 * s2 / 2.0) / (eta * c)
    else:
        out = 2.0 * gap / (eta * lam_min * Ts) + L * eta * lam_max**2 * s2 / lam_min
    return float(out) if np.ndim(T) == 0 else out


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
    Ts = _horizons(func, T)
    if Ts.ndim != 0:
        raise ValueError(f"{func}: T must be a single horizon, got shape {Ts.shape}")
    L = _real(func, "smoothness", smoothness, positive=True)
    lam_min, lam_max = _lam_pair(func, lam_min, lam_max)
    s2 = _real(func, "variance", variance)
    gap = _real(func, "gap", gap)
    cap = admissible_step_size(L, lam_min, lam_max)
    if s2 == 0.0 or gap == 0.0:
        return cap
    return float(min(cap, math.sqrt(2.0 * gap / (L * lam_max**2 * s2 * float(Ts)))))


# ---------------------------------------------------------------------------------------------
# Checks of a recorded run
# ---------------------------------------------------------------------------------------------


class BoundCheck(NamedTuple):
    r"""A recorded run compared with the theorem, for every horizon :math:`T = 1..n`.

    Attributes
    ----------
    horizon : (n,) ndarray of int
        :math:`T = 1, \dots, n`.
    average : (n,) ndarray
        :math:`\frac1T\sum_{t<T}\|\nabla f(x_t)\|^2`, averaged over the replicates.
    minimum : (n,) ndarray
        :math:`\min_{t<T}\|\nabla f(x_t)\|^2`, averaged over the replicates.
    bound : (n,) ndarray
        :func:`bound` at each :math:`T`.
    ratio : (n,) ndarray
        ``average / bound``; the theorem says ``<= 1``.
    holds : (n,) ndarray of bool
        ``average <= bound``.
    standard_error : (n,) ndarray
        Standard error of ``average`` over the replicates (0 for one replicate).
    admissible : bool
        Whether the step size satisfies :math:`\eta \le \lambda_{\min}/(L\lambda_{\max}^2)`.
    first_violation : int or None
        Smallest :math:`T` where ``holds`` is False.
    """

    horizon: np.ndarray
    average: np.ndarray
    minimum: np.ndarray
    bound: np.ndarray
    ratio: np.ndarray
    holds: np.ndarray
    standard_error: np.ndarray
    admissible: bool
    first_violation: int | None

    @property
    def all_hold(self) -> bool:
        """True if the bound holds at every horizon."""
        return bool(np.all(self.holds))

    @property
    def max_ratio(self) -> float:
        """Largest ``average / bound`` over the horizons."""
        return float(np.max(self.ratio))


def check_bound(
    grad_sq_norms: ArrayLike,
    *,
    smoothness: float,
    lam_min: float,
    lam_max: float,
    step_size: float,
    variance: float,
    gap: float,
    tight: bool = False,
) -> BoundCheck:
    r"""Compare a recorded run with the theorem's bound at every horizon.

    For :math:`T = 1, \dots, n` computes :math:`\frac1T\sum_{t<T}\|\nabla f(x_t)\|^2` and
    :func:`bound` at :math:`T`. For stochastic runs pass several replicates: the theorem bounds
    the *expectation*, estimated by the replicate mean, with its standard error to judge how
    far a single seed may stray.

    Parameters
    ----------
    grad_sq_norms : (n,) or (R, n) array_like
        :math:`\|\nabla f(x_t)\|^2` for :math:`t = 0..n-1` (the exact gradient, not the
        stochastic one), one row per replicate.
    smoothness, lam_min, lam_max, step_size, variance, gap, tight
        As in :func:`bound`.

    Returns
    -------
    BoundCheck

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``grad_sq_norms`` is empty, not 1-d/2-d, negative or not finite, or a constant is out
        of range.

    Examples
    --------
    Gradient descent on :math:`f(x) = x^2/2` (:math:`L = 1`, :math:`P = I`, :math:`\eta = 1/2`)
    halves :math:`x` at every step:

    >>> import numpy as np
    >>> from pyginger.theory import check_bound
    >>> x = 0.5 ** np.arange(20)
    >>> chk = check_bound(x**2, smoothness=1.0, lam_min=1.0, lam_max=1.0, step_size=0.5,
    ...                   variance=0.0, gap=0.5)
    >>> chk.all_hold, chk.admissible, chk.first_violation
    (True, True, None)
    >>> round(chk.max_ratio, 3)  # mean of 4^-t over t < T is about (4/3)/T; bound 2/T
    0.667
    """
    func = "check_bound"
    g2 = _array(func, "grad_sq_norms", grad_sq_norms, ndim=(1, 2))
    if np.any(np.isnan(g2)) or np.any(g2 < 0):
        raise ValueError(
            f"{func}: grad_sq_norms must be >= 0 (squared norms), got a negative or NaN"
        )
    if g2.ndim == 1:
        g2 = g2[None]
    R, n = g2.shape
    T = np.arange(1, n + 1)
    rhs = bound(
        T,
        smoothness=smoothness,
        lam_min=lam_min,
        lam_max=lam_max,
        step_size=step_size,
        variance=variance,
        gap=gap,
        tight=tight,
    )
    running = np.cumsum(g2, axis=1) / T
    minimum = np.minimum.accumulate(g2, axis=1).mean(axis=0)
    average = running.mean(axis=0)
    if R > 1:
        se = running.std(axis=0, ddof=1) / math.sqrt(R)
    else:
        se = np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isinf(rhs), 0.0, average / rhs)
    holds = average <= rhs
    bad = np.flatnonzero(~holds)
    eta_max = admissible_step_size(smoothness, lam_min, lam_max)
    return BoundCheck(
        horizon=T,
        average=average,
        minimum=minimum,
        bound=np.asarray(rhs, dtype=np.float64),
        ratio=ratio,
        holds=holds,
        standard_error=se,
        # 4 ulps of slack: eta is often computed as exactly eta_max by another expression.
        admissible=bool(float(step_size) <= eta_max * (1.0 + 4 * _EPS)),
        first_violation=int(T[bad[0]]) if bad.size else None,
    )


def fit_rate(horizons: ArrayLike, values: ArrayLike) -> tuple[float, float]:
    r"""Fit :math:`\log v = a \log T + b` by least squares and return ``(a, b)``.

    The slope ``a`` is the empirical rate: about ``-0.5`` for :math:`O(1/\sqrt T)`, ``-1`` for
    :math:`O(1/T)`, and steeper for a locally linear (geometric) convergence.

    Parameters
    ----------
    horizons : (m,) array_like
        Horizons :math:`T > 0`, at least two distinct.
    values : (m,) array_like
        Positive values (e.g. :math:`\min_{t<T}\|\nabla f\|^2`).

    Returns
    -------
    slope, intercept : float

    Raises
    ------
    ValueError
        If the arrays differ in length, have fewer than two distinct horizons, or hold
        non-positive or non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory import fit_rate
    >>> T = np.array([10, 100, 1000])
    >>> slope, intercept = fit_rate(T, 3.0 / np.sqrt(T))
    >>> round(slope, 12), round(float(np.exp(intercept)), 12)
    (-0.5, 3.0)
    """
    func = "fit_rate"
    T = _array(func, "horizons", horizons)
    v = _array(func, "values", values)
    if T.shape != v.shape:
        raise ValueError(
            f"{func}: horizons and values must have the same length, got {T.shape} and {v.shape}"
        )
    if not (np.all(np.isfinite(T)) and np.all(T > 0)):
        raise ValueError(f"{func}: horizons must be finite and > 0, got {T}")
    if not (np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError(f"{func}: values must be finite and > 0 (a log-log fit), got {v}")
    if np.unique(T).size < 2:
        raise ValueError(f"{func}: horizons must hold at least two distinct values, got {T}")
    slope, intercept = np.polyfit(np.log(T), np.log(v), 1)
    return float(slope), float(intercept)


class SpectrumCheck(NamedTuple):
    r"""The spectrum of :math:`P_t` along a run against the theory.

    Attributes
    ----------
    sigma_max : (n,) ndarray
        Largest eigenvalue of Ginger's curvature :math:`\hat G_t` at each step.
    curvature_bound : (n,) ndarray
        :math:`\bar\lambda_t = \beta\bar\lambda_{t-1} + (1-\beta)\|F_t\|_2^2`,
        :math:`\bar\lambda_0 = 0`.
    lam_min : (n,) ndarray
        :math:`\lambda_{\min}(P_t) = 1/(\gamma + \sigma_{\max})`.
    lam_min_bound : (n,) ndarray
        :math:`1/(\gamma + \bar\lambda_t)`; the theory says ``lam_min >= lam_min_bound``.
    lam_max : float
        :math:`1/\gamma`, the largest eigenvalue of :math:`P_t` when ``rank < dim``.
    holds : (n,) ndarray of bool
        ``sigma_max <= curvature_bound`` up to the rounding tolerance.
    factor_bound_holds : (n,) ndarray of bool
        :math:`\|F_t\|_2 \le B` (all True when no :math:`B` was given).
    """

    sigma_max: np.ndarray
    curvature_bound: np.ndarray
    lam_min: np.ndarray
    lam_min_bound: np.ndarray
    lam_max: float
    holds: np.ndarray
    factor_bound_holds: np.ndarray

    @property
    def all_hold(self) -> bool:
        """True if both checks hold at every step."""
        return bool(np.all(self.holds) and np.all(self.factor_bound_holds))


def check_spectrum(
    sigma_max: ArrayLike,
    factor_norms: ArrayLike,
    *,
    damping: float,
    beta: float,
    factor_bound: float | None = None,
    rtol: float | None = None,
) -> SpectrumCheck:
    r"""Check the eigenvalues of :math:`P_t` along a run against the curvature bound.

    The cheap check uses only :math:`\sigma_{\max}` of the state (so :math:`\lambda_{\min}(P_t)
    = 1/(\gamma+\sigma_{\max})`) and the factors' spectral norms, and verifies
    :math:`\sigma_{\max}(\hat G_t) \le \bar\lambda_t` with the recursion
    :math:`\bar\lambda_t = \beta\bar\lambda_{t-1} + (1-\beta)\|F_t\|_2^2` (which is
    :math:`\le (1-\beta^t) B^2` when :math:`\|F_t\|_2 \le B`).

    Parameters
    ----------
    sigma_max : (n,) array_like
        Largest eigenvalue of the state after the update with :math:`F_t` (``state.sigma[0]``).
    factor_norms : (n,) array_like
        :math:`\|F_t\|_2` (largest singular value) of each factor, in order.
    damping : float
        :math:`\gamma > 0`.
    beta : float
        EMA factor in ``[0, 1)``.
    factor_bound : float, optional
        :math:`B`; if given, also checks :math:`\|F_t\|_2 \le B`.
    rtol : float, optional
        Relative rounding tolerance. Default :math:`10^3\epsilon/(1-\beta)`: each update computes
        the eigenvalues of a small PSD matrix with absolute error a small multiple of
        :math:`\epsilon\|K\| \le \epsilon\bar\lambda_t` (backward-stable ``eigh``; the multiple
        grows with the size :math:`\tau + k`, hence the generous :math:`10^3`), and these errors
        are damped by :math:`\beta` at every later step, so they add up to at most
        :math:`\epsilon\bar\lambda/(1-\beta)` times that multiple.

    Returns
    -------
    SpectrumCheck

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If the arrays differ in length, are negative or not finite, or a constant is out of
        range.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> from pyginger.theory import check_spectrum
    >>> rng = np.random.default_rng(0)
    >>> state, sig, norms = pyginger.init(6, 2, damping=0.1), [], []
    >>> for _ in range(10):
    ...     F = rng.standard_normal((6, 3))
    ...     state = pyginger.update(state, F, beta=0.9)
    ...     sig.append(state.sigma[0]); norms.append(np.linalg.norm(F, 2))
    >>> chk = check_spectrum(sig, norms, damping=0.1, beta=0.9)
    >>> # At t = 1 the bound is attained (one factor: sigma_max = (1 - beta) |F|^2), so compare
    >>> # with a rounding tolerance rather than exactly.
    >>> chk.all_hold, bool(np.all(chk.lam_min >= chk.lam_min_bound * (1 - 1e-12)))
    (True, True)
    """
    func = "check_spectrum"
    sig = _array(func, "sigma_max", sigma_max)
    norms = _array(func, "factor_norms", factor_norms)
    if sig.shape != norms.shape:
        raise ValueError(
            f"{func}: sigma_max and factor_norms must have the same length, got {sig.shape} "
            f"and {norms.shape}"
        )
    for name, a in (("sigma_max", sig), ("factor_norms", norms)):
        if not (np.all(np.isfinite(a)) and np.all(a >= 0)):
            raise ValueError(f"{func}: {name} must be finite and >= 0")
    gamma = _real(func, "damping", damping, positive=True)
    beta = _v.check_beta(func, beta)
    rtol = 1e3 * _EPS / (1.0 - beta) if rtol is None else _real(func, "rtol", rtol)
    lam_bar = np.empty_like(sig)
    acc = 0.0
    for t, nrm in enumerate(norms):
        acc = beta * acc + (1.0 - beta) * nrm * nrm
        lam_bar[t] = acc
    if factor_bound is None:
        fb_holds = np.ones(sig.shape, dtype=bool)
    else:
        B = _real(func, "factor_bound", factor_bound)
        fb_holds = norms <= B * (1.0 + rtol)
    return SpectrumCheck(
        sigma_max=sig,
        curvature_bound=lam_bar,
        lam_min=1.0 / (gamma + sig),
        lam_min_bound=1.0 / (gamma + lam_bar),
        lam_max=1.0 / gamma,
        holds=sig <= lam_bar * (1.0 + rtol),
        factor_bound_holds=fb_holds,
    )


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


def estimate_smoothness(
    grad: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    *,
    hvp: Callable[[np.ndarray, np.ndarray], ArrayLike] | None = None,
    eps: float | None = None,
    maxiter: int = 500,
    rtol: float = 1e-10,
    rng: int | np.random.Generator | None = None,
) -> OptimizeResult:
    r"""Estimate :math:`\|\nabla^2 f(x)\|_2` by power iteration on Hessian-vector products.

    Without ``hvp``, products come from central differences of the gradient,

    .. math:: \nabla^2 f(x) v \approx \frac{\nabla f(x + h v) - \nabla f(x - h v)}{2h},
              \qquad h = \epsilon_h (1 + \|x\|),\ \|v\| = 1,

    whose error is :math:`O(h^2)` (third derivatives) plus :math:`O(\epsilon\|\nabla f\|/h)`
    (rounding); :math:`\epsilon_h = \epsilon^{1/3} \approx 6\cdot10^{-6}` balances the two.

    Power iteration converges to the eigenvalue of largest *magnitude*, which is the local
    smoothness constant (negative curvature counts). For a symmetric matrix the iterates
    :math:`\|H v_k\|` increase monotonically to :math:`\|H\|_2`, so with exact products every
    iterate is a lower bound. A global :math:`L` is the supremum over all :math:`x`; this only
    measures one point (see :func:`descent_smoothness` for what a run actually needed).

    Parameters
    ----------
    grad : callable
        ``grad(x) -> (d,) ndarray``.
    x : (d,) array_like
        Point of evaluation.
    hvp : callable, optional
        ``hvp(x, v) -> (d,) ndarray``; exact products if available.
    eps : float, optional
        Relative difference step :math:`\epsilon_h`. Default :math:`\epsilon^{1/3}`.
    maxiter : int, optional
        Maximum number of products. Default 500.
    rtol : float, optional
        Stop when successive estimates differ by at most ``rtol`` relatively. Default 1e-10.
    rng : int or numpy.random.Generator, optional
        Seed of the starting vector.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``L`` (the estimate), ``x`` (the unit vector reached), ``rayleigh`` (the signed
        eigenvalue estimate :math:`v^\top H v`), ``nit``, ``success`` (converged within
        ``maxiter``), ``message``.

    Raises
    ------
    TypeError
        If ``grad``/``hvp`` is not callable or an option has the wrong type.
    ValueError
        If ``x`` is malformed or an option is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory import estimate_smoothness
    >>> H = np.diag([1.0, -3.0, 0.5])  # a saddle: |H|_2 = 3
    >>> res = estimate_smoothness(lambda x: H @ x, np.ones(3), rng=0)
    >>> res.success, round(res.L, 6), round(res.rayleigh, 6)
    (True, 3.0, -3.0)
    """
    func = "estimate_smoothness"
    if not callable(grad):
        raise TypeError(
            f"{func}: grad must be callable grad(x) -> (d,) array, got {type(grad).__name__}"
        )
    if hvp is not None and not callable(hvp):
        raise TypeError(
            f"{func}: hvp must be callable hvp(x, v) -> (d,) array, got {type(hvp).__name__}"
        )
    x = _array(func, "x", x)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: x must contain only finite values")
    maxiter = _v.check_positive_int(func, "maxiter", maxiter)
    rtol = _real(func, "rtol", rtol, positive=True)
    eps = _EPS ** (1.0 / 3.0) if eps is None else _real(func, "eps", eps, positive=True)
    h = eps * (1.0 + float(np.linalg.norm(x)))

    def product(v):
        if hvp is not None:
            return np.asarray(hvp(x, v), dtype=np.float64)
        return (np.asarray(grad(x + h * v)) - np.asarray(grad(x - h * v))) / (2.0 * h)

    v = np.random.default_rng(rng).standard_normal(x.size)
    v /= np.linalg.norm(v)
    est, converged, it = 0.0, False, 0
    w = product(v)
    for it in range(1, maxiter + 1):  # noqa: B007 - it is reported as nit
        new = float(np.linalg.norm(w))
        if new == 0.0:
            converged = True
            est = 0.0
            break
        if abs(new - est) <= rtol * new:
            est = new
            converged = True
            break
        est = new
        v = w / new
        w = product(v)
    rayleigh = float(v @ w)
    return OptimizeResult(
        L=est,
        x=v,
        rayleigh=rayleigh,
        nit=it,
        success=converged,
        message="converged"
        if converged
        else f"no convergence to rtol={rtol} in {maxiter} products",
    )


def descent_smoothness(
    values: ArrayLike,
    grads: ArrayLike,
    iterates: ArrayLike,
    *,
    return_error: bool = False,
    f_rtol: float | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Return, for each step, the smallest :math:`L` for which the descent lemma holds on it.

    .. math:: L_t = \frac{2\,(f(x_{t+1}) - f(x_t) - \nabla f(x_t)^\top \Delta_t)}{\|\Delta_t\|^2},
              \qquad \Delta_t = x_{t+1} - x_t .

    The proof of the theorem uses smoothness only through
    :math:`f(x_{t+1}) \le f(x_t) + \nabla f(x_t)^\top\Delta_t + \frac L2 \|\Delta_t\|^2` at the
    steps actually taken, so with exact gradients :math:`\max_t L_t \le L` certifies the bound
    for that run. For a quadratic :math:`L_t = \Delta_t^\top H \Delta_t/\|\Delta_t\|^2`
    exactly. Values are negative where :math:`f` is concave along the step; steps with
    :math:`\Delta_t = 0` give 0.

    Parameters
    ----------
    values : (n + 1,) array_like
        :math:`f(x_0), \dots, f(x_n)`.
    grads : (n, d) array_like
        :math:`\nabla f(x_0), \dots, \nabla f(x_{n-1})` (a row for :math:`x_n` is ignored).
    iterates : (n + 1, d) array_like
        :math:`x_0, \dots, x_n`.
    return_error : bool, optional
        Also return :math:`\delta_t`, a bound on the rounding error of each :math:`L_t`.
    f_rtol : float, optional
        Relative accuracy of the computed :math:`f` values, default :math:`64\epsilon` (a mean of
        ``n`` non-negative terms by pairwise summation is accurate to about
        :math:`\epsilon\log_2 n` relatively, plus the error of each term).

    Returns
    -------
    L : (n,) ndarray
    error : (n,) ndarray
        Only with ``return_error``:
        :math:`\delta_t = 2\,\big(f_{\rm rtol}(|f_t| + |f_{t+1}|)
        + d\,\epsilon\,\|\nabla f_t\|\|\Delta_t\|\big)/\|\Delta_t\|^2`.
        It blows up as the steps shrink: near convergence :math:`L_t` is rounding noise, and
        ``L - error`` is the value that a step *demonstrably* needs.

    Raises
    ------
    TypeError
        If ``f_rtol`` is not a real number.
    ValueError
        If the shapes are inconsistent.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory import descent_smoothness
    >>> H = np.diag([2.0, 0.5])
    >>> xs = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> fs = 0.5 * np.einsum("ij,jk,ik->i", xs, H, xs)
    >>> descent_smoothness(fs, xs @ H, xs)  # D = (-1, 1): (2 + 0.5) / 2
    array([1.25])
    """
    func = "descent_smoothness"
    f = _array(func, "values", values)
    X = _array(func, "iterates", iterates, ndim=(2,))
    G = _array(func, "grads", grads, ndim=(2,))
    f_rtol = 64 * _EPS if f_rtol is None else _real(func, "f_rtol", f_rtol)
    n = f.size - 1
    if n < 1 or X.shape[0] != n + 1 or G.shape[0] < n or G.shape[1] != X.shape[1]:
        raise ValueError(
            f"{func}: expected values (n+1,), grads (n, d) and iterates (n+1, d) with n >= 1, got "
            f"{f.shape}, {G.shape} and {X.shape}"
        )
    D = np.diff(X, axis=0)
    dd = np.sum(D * D, axis=1)
    num = 2.0 * (f[1:] - f[:-1] - np.sum(G[:n] * D, axis=1))
    ok = dd > 0
    safe = np.where(ok, dd, 1.0)
    L = np.where(ok, num / safe, 0.0)
    if not return_error:
        return L
    d = X.shape[1]
    gn = np.linalg.norm(G[:n], axis=1)
    err = 2.0 * (f_rtol * (np.abs(f[1:]) + np.abs(f[:-1])) + d * _EPS * gn * np.sqrt(dd)) / safe
    return L, np.where(ok, err, 0.0)


def estimate_constants(
    problem: Any,
    x0: ArrayLike,
    *,
    batch_size: int | None = None,
    safety: float = 2.0,
    rng: int | np.random.Generator | None = 0,
) -> dict[str, float]:
    r"""Estimate the theorem's constants at ``x0`` for problems without closed forms.

    Returns ``safety`` times: the power-iteration :math:`\|\nabla^2 f(x_0)\|_2`
    (:func:`estimate_smoothness` on finite differences of the gradient), the largest
    single-sample factor norm :math:`\max_i \|F_i(x_0)\|_2` (any mini-batch factor is a
    mean of single-sample ones, :math:`F F^\top = \frac1k\sum_i F_i F_i^\top`, so its norm is
    at most this), and the exact mini-batch gradient variance at :math:`x_0`. These are
    *heuristics*: nothing guarantees they hold away from :math:`x_0`. Use them to choose a step
    size, then verify along the run (``max_descent_smoothness <= smoothness``,
    ``spectrum_holds``, ``max_variance <= variance`` in :func:`bound_experiment`'s result).

    Parameters
    ----------
    problem : object
        A problem of :mod:`pyginger.theory.problems`.
    x0 : (d,) array_like
    batch_size : int, optional
        Mini-batch size of the gradient (``None``: exact gradients, variance 0).
    safety : float, optional
        Multiplier ``>= 1``. Default 2.
    rng : int or numpy.random.Generator, optional
        Seed of the power iteration.

    Returns
    -------
    dict
        ``{"smoothness": L, "factor_bound": B, "variance": s2}``.

    Raises
    ------
    TypeError
        If ``safety`` is not a real number or ``batch_size`` not an integer.
    ValueError
        If ``safety < 1`` or ``batch_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> from pyginger.theory import estimate_constants
    >>> prob = RobustRegression.make(50, 4, loss="squared", seed=0)
    >>> est = estimate_constants(prob, np.zeros(4), safety=1.0)
    >>> round(est["smoothness"] / prob.smoothness, 6)  # least squares: the Hessian is constant
    1.0
    >>> bool(np.isclose(est["factor_bound"], prob.factor_bound))  # max_i |a_i|
    True
    """
    func = "estimate_constants"
    safety = _real(func, "safety", safety, positive=True)
    if safety < 1.0:
        raise ValueError(f"{func}: safety must be >= 1, got {safety}")
    if batch_size is not None:
        batch_size = _v.check_positive_int(func, "batch_size", batch_size)
    x0 = np.asarray(x0, dtype=np.float64)
    L = estimate_smoothness(problem.grad, x0, rng=rng).L
    B = max(
        float(np.linalg.norm(problem.factor(x0, np.array([i])), 2))
        for i in range(int(problem.num_samples))
    )
    s2 = 0.0 if batch_size is None else problem.gradient_variance(x0, batch_size)
    return {"smoothness": safety * L, "factor_bound": safety * B, "variance": safety * s2}


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
        (:math:`\|F_t\|_2`), ``variances`` (exact variance of :math:`g_t` at :math:`x_t`, 0 for
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
            "sigma_max", "lam_min", "lam_max", "factor_norms", "variances", "orthogonality"
        )
        self.factors, self.gradients = [], []

    def start(self, x):
        f, g = self.objective.exact(x)
        self.at.append(iterates=x.copy(), losses=f, grads=g, grad_sq_norms=float(g @ g))

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


# ---------------------------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------------------------


def _constants(func, problem, x0, smoothness, factor_bound, variance, batch_size, damping):
    L = smoothness if smoothness is not None else problem.smoothness
    B = factor_bound if factor_bound is not None else problem.factor_bound
    if L is None or B is None:
        raise ValueError(
            f"{func}: {type(problem).__name__} has no closed-form smoothness/factor_bound; pass "
            "smoothness= and factor_bound= (e.g. from estimate_constants)"
        )
    if batch_size is None:
        s2 = 0.0 if variance is None else variance
    else:
        s2 = variance if variance is not None else problem.variance_bound(batch_size)
        if s2 is None:
            raise ValueError(
                f"{func}: {type(problem).__name__} has no closed-form variance bound for "
                f"batch_size={batch_size}; pass variance= (e.g. from estimate_constants)"
            )
    L = _real(func, "smoothness", L, positive=True)
    B = _real(func, "factor_bound", B)
    s2 = _real(func, "variance", s2)
    gamma = _real(func, "damping", damping, positive=True)
    lam_bar = B * B
    lam_min, lam_max = spectrum_bounds(gamma, lam_bar)
    gap = float(problem.value(np.asarray(x0, dtype=np.float64)) - problem.lower_bound)
    return {
        "smoothness": L,
        "factor_bound": B,
        "curvature_bound": lam_bar,
        "lam_min": lam_min,
        "lam_max": lam_max,
        "variance": s2,
        "gap": max(gap, 0.0),
        "admissible_step_size": admissible_step_size(L, lam_min, lam_max),
    }


def _standard_error(samples):
    samples = np.asarray(samples, dtype=np.float64)
    if samples.size < 2:
        return math.nan
    return float(np.std(samples, ddof=1) / math.sqrt(samples.size))


def _replicate_seeds(seed, replicates):
    return np.random.SeedSequence(seed).spawn(replicates)


def _runs(problem, x0, seeds, **options):
    """Return one :func:`preconditioned_sgd` run per seed (anything ``default_rng`` takes)."""
    return [
        preconditioned_sgd(problem, x0, seed=np.random.default_rng(seed), **options)
        for seed in seeds
    ]


def _step_size(func, constants, step_size):
    """Return ``step_size`` checked, or the admissible one when it is None."""
    if step_size is None:
        return constants["admissible_step_size"]
    return _real(func, "step_size", step_size, positive=True)


def _check_horizons(func, horizons):
    """Return the distinct horizons sorted, at least two, each ``>= 1``."""
    try:
        Ts = [int(t) for t in horizons]
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: horizons must be a sequence of integers, got {horizons!r}"
        ) from None
    if len(set(Ts)) < 2 or min(Ts) < 1:
        raise ValueError(
            f"{func}: horizons must hold at least two distinct integers >= 1, got {Ts}"
        )
    return np.array(sorted(set(Ts)))


def _rate_exact(func, problem, x0, Ts, eta, seed, options):
    """One exact-gradient run of ``max(Ts)`` steps: the min and mean of its first ``T``."""
    (run,) = _runs(problem, x0, [seed], steps=int(Ts[-1]), step_size=eta, **options)
    g2 = run.grad_sq_norms
    if run.nit < Ts[-1]:
        raise ValueError(f"{func}: the run stopped early ({run.message})")
    minimum = np.array([g2[:T].min() for T in Ts])
    average = np.array([g2[:T].mean() for T in Ts])
    zeros = np.zeros(Ts.shape)
    return minimum, average, np.full(Ts.shape, eta), zeros, zeros


def _rate_stochastic(problem, x0, Ts, replicates, seed, kw, options):
    """Fresh tuned runs per horizon: replicate means and standard errors of the min and mean."""
    out = {k: [] for k in ("minimum", "average", "etas", "min_se", "avg_se")}
    seeds = _replicate_seeds(seed, Ts.size * replicates)
    for i, T in enumerate(Ts):
        eta_T = tuned_step_size(int(T), **kw)
        mine = seeds[i * replicates : (i + 1) * replicates]
        runs = _runs(problem, x0, mine, steps=int(T), step_size=eta_T, **options)
        mins = [run.grad_sq_norms[:T].min() for run in runs]
        avgs = [run.grad_sq_norms[:T].mean() for run in runs]
        out["minimum"].append(np.mean(mins))
        out["average"].append(np.mean(avgs))
        out["etas"].append(eta_T)
        out["min_se"].append(_standard_error(mins))
        out["avg_se"].append(_standard_error(avgs))
    return tuple(np.array(out[k]) for k in ("minimum", "average", "etas", "min_se", "avg_se"))


def bound_experiment(
    problem: Any,
    x0: ArrayLike,
    *,
    steps: int,
    rank: int,
    damping: float = 1.0,
    beta: float = 0.9,
    batch_size: int | None = None,
    replicates: int = 1,
    step_size: float | None = None,
    smoothness: float | None = None,
    factor_bound: float | None = None,
    variance: float | None = None,
    seed: int = 0,
    **run_options: Any,
) -> OptimizeResult:
    r"""Run preconditioned SGD and check the theorem and each checkable assumption, for every ``T``.

    Constants come from the problem's closed forms unless given. The step size defaults to the
    admissible :math:`\eta_{\max}`. Stochastic runs (``batch_size`` given) are repeated
    ``replicates`` times with independent seeds and the bound is compared with the replicate
    mean (the theorem bounds an expectation).

    Parameters
    ----------
    problem : object
        A problem from :mod:`pyginger.theory.problems`.
    x0 : (d,) array_like
    steps : int
        Horizon :math:`n`; the bound is checked at every :math:`T \le n`.
    rank, damping, beta, batch_size
        As in :func:`preconditioned_sgd`.
    replicates : int, optional
        Independent runs. Default 1.
    step_size : float, optional
        Default: :func:`admissible_step_size`.
    smoothness, factor_bound, variance : float, optional
        Override :math:`L`, :math:`B`, :math:`s^2` (required where the problem has no closed
        form; ``variance`` defaults to the problem's bound, or 0 for exact gradients).
    seed : int, optional
    **run_options
        Passed to :func:`preconditioned_sgd` (``factor_batch_size``, ``factor_batch``, ``form``).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``check`` (:class:`BoundCheck`), ``constants`` (dict: ``smoothness``, ``factor_bound``,
        ``curvature_bound``, ``lam_min``, ``lam_max``, ``variance``, ``gap``,
        ``admissible_step_size``), ``step_size``, and the assumption checks over all replicates:
        ``spectrum_holds`` (:func:`check_spectrum` with :math:`B`), ``min_lam_min``
        (smallest :math:`\lambda_{\min}(P_t)` seen, to compare with ``constants["lam_min"]``),
        ``max_descent_smoothness`` (largest :math:`L_t - \delta_t` of
        :func:`descent_smoothness`: the most any step demonstrably needed beyond rounding;
        :math:`\le L` is what the proof uses), ``max_variance`` (largest exact variance at the
        iterates; :math:`\le s^2` assumed), ``max_orthogonality``, ``success`` (all runs finite),
        ``runs`` (the :func:`preconditioned_sgd` results).

    Raises
    ------
    ValueError
        If constants are missing for a problem without closed forms, or an argument is out of
        range.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> from pyginger.theory import bound_experiment
    >>> prob = RobustRegression.make(100, 5, seed=0)
    >>> res = bound_experiment(prob, np.zeros(5), steps=40, rank=2)
    >>> res.check.all_hold, res.spectrum_holds, bool(res.max_descent_smoothness <= prob.smoothness)
    (True, True, True)
    """
    func = "bound_experiment"
    replicates = _v.check_positive_int(func, "replicates", replicates)
    c = _constants(func, problem, x0, smoothness, factor_bound, variance, batch_size, damping)
    eta = _step_size(func, c, step_size)
    options = dict(rank=rank, damping=damping, beta=beta, batch_size=batch_size, **run_options)
    runs = _runs(
        problem, x0, _replicate_seeds(seed, replicates), steps=steps, step_size=eta, **options
    )
    n = min(r.nit for r in runs)
    g2 = np.array([r.grad_sq_norms[: max(n, 1)] for r in runs])
    check = check_bound(
        g2,
        smoothness=c["smoothness"],
        lam_min=c["lam_min"],
        lam_max=c["lam_max"],
        step_size=eta,
        variance=c["variance"],
        gap=c["gap"],
    )
    ran = [r for r in runs if r.nit > 0]
    spec = [
        check_spectrum(
            r.sigma_max, r.factor_norms, damping=damping, beta=beta, factor_bound=c["factor_bound"]
        )
        for r in ran
    ]
    return OptimizeResult(
        check=check,
        constants=c,
        step_size=eta,
        spectrum_holds=all(s.all_hold for s in spec),
        min_lam_min=float(min(np.min(r.lam_min) for r in ran)),
        max_descent_smoothness=float(
            max(np.max(r.descent_smoothness - r.descent_smoothness_error) for r in ran)
        ),
        max_variance=float(max(np.max(r.variances) for r in ran)),
        max_orthogonality=float(max(np.max(r.orthogonality) for r in ran)),
        success=all(r.success for r in runs),
        runs=runs,
    )


def rate_experiment(
    problem: Any,
    x0: ArrayLike,
    *,
    horizons: Sequence[int],
    rank: int,
    damping: float = 1.0,
    beta: float = 0.9,
    batch_size: int | None = None,
    replicates: int = 1,
    step_size: float | None = None,
    smoothness: float | None = None,
    factor_bound: float | None = None,
    variance: float | None = None,
    seed: int = 0,
    **run_options: Any,
) -> OptimizeResult:
    r"""Measure the empirical rate: log-log slopes of :math:`\min_{t<T}\|\nabla f\|^2` and the mean.

    * Exact gradients (``batch_size=None``): one run of ``max(horizons)`` steps with a fixed
      step (default :math:`\eta_{\max}`); the bound is :math:`O(1/T)`.
    * Mini-batch gradients: for each horizon :math:`T`, ``replicates`` fresh runs of :math:`T`
      steps with :math:`\eta_T` from :func:`tuned_step_size` (:math:`\propto 1/\sqrt T` once
      below the cap); the bound is :math:`O(1/\sqrt T)`.

    Parameters
    ----------
    problem, x0, rank, damping, beta, batch_size, smoothness, factor_bound, variance, seed
        As in :func:`bound_experiment`.
    horizons : sequence of int
        At least two distinct horizons ``>= 1``.
    replicates : int, optional
        Runs per horizon (stochastic case). Default 1.
    step_size : float, optional
        Exact-gradient case only: the fixed step (default :math:`\eta_{\max}`).
    **run_options
        Passed to :func:`preconditioned_sgd`.

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``horizons``, ``step_sizes`` (per horizon), ``minimum`` and ``average`` (replicate means
        of :math:`\min_{t<T}\|\nabla f(x_t)\|^2` and :math:`\frac1T\sum_{t<T}\|\nabla f(x_t)\|^2`),
        ``bound`` (:func:`bound` at each horizon with its step size), ``holds``
        (``average <= bound``), the fitted log-log slopes ``slope_minimum``,
        ``slope_average``, ``slope_bound`` (from :func:`fit_rate`), the replicate standard
        errors ``minimum_se``, ``average_se`` (``nan`` for one replicate, 0 for exact
        gradients) and the slopes' standard errors ``slope_minimum_se``, ``slope_average_se``
        (linear error propagation through the least-squares fit), and ``constants``.

    Raises
    ------
    ValueError
        If ``horizons`` has fewer than two distinct values, constants are missing, or a
        recorded value is not positive (then no log-log fit exists).
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> from pyginger.theory import rate_experiment
    >>> prob = RobustRegression.make(100, 5, seed=0)
    >>> res = rate_experiment(prob, np.zeros(5), horizons=[20, 40, 80], rank=2, batch_size=4,
    ...                       seed=0)
    >>> res.step_sizes.round(3)  # below the cap eta_T = sqrt(2 gap / (L lam_max^2 s^2 T))
    array([2.005, 1.418, 1.003])
    >>> round(res.slope_bound, 6), bool(res.holds.all())  # the tuned bound decays like 1/sqrt(T)
    (-0.5, True)
    """
    func = "rate_experiment"
    Ts = _check_horizons(func, horizons)
    replicates = _v.check_positive_int(func, "replicates", replicates)
    c = _constants(func, problem, x0, smoothness, factor_bound, variance, batch_size, damping)
    kw = {k: c[k] for k in ("smoothness", "lam_min", "lam_max", "variance", "gap")}
    options = dict(rank=rank, damping=damping, beta=beta, **run_options)
    if batch_size is None:
        eta = _step_size(func, c, step_size)
        rates = _rate_exact(func, problem, x0, Ts, eta, seed, options)
    else:
        if step_size is not None:
            raise ValueError(
                f"{func}: step_size applies to exact gradients only; mini-batch runs use "
                "tuned_step_size"
            )
        options["batch_size"] = batch_size
        rates = _rate_stochastic(problem, x0, Ts, replicates, seed, kw, options)
    minimum, average, etas, min_se, avg_se = rates
    rhs = np.array([bound(int(T), step_size=float(e), **kw) for T, e in zip(Ts, etas, strict=True)])
    # Standard error of a fitted slope by linear propagation: the slope is sum_i w_i log v_i with
    # w_i = (log T_i - mean) / sum (log T - mean)^2, and log v_i has standard error se_i / v_i.
    logT = np.log(Ts)
    w = (logT - logT.mean()) / np.sum((logT - logT.mean()) ** 2)
    return OptimizeResult(
        horizons=Ts,
        step_sizes=etas,
        minimum=minimum,
        average=average,
        bound=rhs,
        holds=average <= rhs,
        slope_minimum=fit_rate(Ts, minimum)[0],
        slope_average=fit_rate(Ts, average)[0],
        slope_bound=fit_rate(Ts, rhs)[0],
        minimum_se=min_se,
        average_se=avg_se,
        slope_minimum_se=float(np.sqrt(np.sum((w * min_se / minimum) ** 2))),
        slope_average_se=float(np.sqrt(np.sum((w * avg_se / average) ** 2))),
        constants=c,
    )


def violation_experiment(
    problem: Any,
    x0: ArrayLike,
    *,
    multipliers: Sequence[float],
    steps: int,
    rank: int,
    damping: float = 1.0,
    beta: float = 0.9,
    smoothness: float | None = None,
    factor_bound: float | None = None,
    seed: int = 0,
    **run_options: Any,
) -> OptimizeResult:
    r"""Run with steps :math:`\eta = \kappa\,\eta_{\max}` and report where the bound fails.

    Exact gradients, so the theorem's right-hand side is :math:`2\Delta/(\eta\lambda_{\min}T)`;
    it is evaluated with the step actually used even when :math:`\kappa > 1` puts it outside the
    theorem (then it is merely a formula). For :math:`\kappa \le 1` it must hold; for
    :math:`\kappa > 1` it may or may not: :math:`\eta_{\max}` is sufficient, not necessary.
    The tight form (:func:`bound` with ``tight=True``) still guarantees something up to
    :math:`\kappa < 2`.

    Parameters
    ----------
    problem, x0, rank, damping, beta, smoothness, factor_bound, seed, **run_options
        As in :func:`bound_experiment`.
    multipliers : sequence of float
        The :math:`\kappa > 0` to try.
    steps : int
        Horizon of each run.

    Returns
    -------
    scipy.optimize.OptimizeResult
        Arrays over ``multipliers``: ``step_sizes``, ``all_hold``, ``first_violation``
        (0 where none), ``max_ratio`` (largest average/bound), ``final_average``,
        ``final_grad_sq`` (:math:`\|\nabla f(x_T)\|^2`), ``diverged`` (run stopped on
        non-finite values), ``max_descent_smoothness``; plus ``checks`` (the
        :class:`BoundCheck` of every run) and ``constants``.

    Raises
    ------
    ValueError
        If a multiplier is not positive, or constants are missing.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> from pyginger.theory import violation_experiment
    >>> prob = RobustRegression.make(100, 5, seed=0)
    >>> res = violation_experiment(prob, np.zeros(5), multipliers=[1.0], steps=30, rank=2)
    >>> res.all_hold.tolist()  # kappa = 1 is inside the theorem
    [True]
    """
    func = "violation_experiment"
    kappas = np.asarray(multipliers, dtype=np.float64).reshape(-1)
    if kappas.size == 0 or not np.all(np.isfinite(kappas) & (kappas > 0)):
        raise ValueError(
            f"{func}: multipliers must be a non-empty sequence of numbers > 0, got {multipliers!r}"
        )
    c = _constants(func, problem, x0, smoothness, factor_bound, None, None, damping)
    checks, diverged, final_g2, max_L = [], [], [], []
    options = dict(steps=steps, rank=rank, damping=damping, beta=beta, **run_options)
    for kappa in kappas:
        eta = float(kappa) * c["admissible_step_size"]
        (run,) = _runs(problem, x0, [seed], step_size=eta, **options)
        g2 = run.grad_sq_norms
        if not run.success:
            # Divergence: count the remaining steps as infinitely far from stationary.
            g2 = np.concatenate([g2, np.full(steps + 1 - g2.size, np.inf)])
        checks.append(
            check_bound(
                g2[:steps],
                smoothness=c["smoothness"],
                lam_min=c["lam_min"],
                lam_max=c["lam_max"],
                step_size=eta,
                variance=0.0,
                gap=c["gap"],
            )
        )
        diverged.append(not run.success)
        final_g2.append(float(g2[steps]))
        max_L.append(
            float(np.max(run.descent_smoothness - run.descent_smoothness_error))
            if run.nit
            else math.nan
        )
    return OptimizeResult(
        multipliers=kappas,
        step_sizes=kappas * c["admissible_step_size"],
        all_hold=np.array([ck.all_hold for ck in checks]),
        first_violation=np.array([ck.first_violation or 0 for ck in checks]),
        max_ratio=np.array([ck.max_ratio for ck in checks]),
        final_average=np.array([ck.average[-1] for ck in checks]),
        final_grad_sq=np.array(final_g2),
        diverged=np.array(diverged),
        max_descent_smoothness=np.array(max_L),
        checks=checks,
        constants=c,
    )
