r"""Checks of a recorded run against the theorem: the bound at every horizon, spectrum, rate.

A run records :math:`\|\nabla f(x_t)\|^2`, the largest eigenvalue of Ginger's curvature and the
factors' norms at each step; these functions compare such records with the constants of
:mod:`pyginger.theory.bounds` (:func:`check_bound`, :func:`check_spectrum`), fit the empirical
rate (:func:`fit_rate`), and measure the smoothness each step actually needed
(:func:`descent_smoothness`). :func:`pyginger.theory.preconditioned_sgd` records everything
they take.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger._validation.theory import (
    BOUND_NORMS,
    STEP_RULES,
    check_bound_constants,
    check_descent_records,
    check_grad_sq_norms,
    check_rate_data,
    check_real,
    check_spectrum_records,
)
from pyginger.theory.bounds import _admissible_step_size, _bound

__all__ = [
    "BoundCheck",
    "check_bound",
    "fit_rate",
    "SpectrumCheck",
    "check_spectrum",
    "descent_smoothness",
]

_EPS = float(np.finfo(np.float64).eps)


class BoundCheck(NamedTuple):
    r"""A recorded run compared with the theorem, for every horizon :math:`T = 1..n`.

    Attributes
    ----------
    horizon : (n,) ndarray of int
        :math:`T = 1, \dots, n`.
    average : (n,) ndarray
        :math:`\frac1T\sum_{t<T}\|\nabla f(x_t)\|^2` (or of
        :math:`\nabla f(x_t)^\top P_t\nabla f(x_t)` for ``norm="preconditioned"``), averaged over
        the replicates.
    minimum : (n,) ndarray
        The running minimum of the same records, averaged over the replicates.
    bound : (n,) ndarray
        :func:`bound` at each :math:`T`.
    ratio : (n,) ndarray
        ``average / bound``; the theorem says ``<= 1``.
    holds : (n,) ndarray of bool
        ``average <= bound``.
    standard_error : (n,) ndarray
        Standard error of ``average`` over the replicates (0 for one replicate).
    admissible : bool
        Whether the step size satisfies the condition of ``rule``: :math:`\eta \le
        1/(L\lambda_{\max})` (sharp) or :math:`\eta \le \lambda_{\min}/(L\lambda_{\max}^2)`
        (conservative).
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
    norm: str = "euclidean",
    rule: str = "sharp",
) -> BoundCheck:
    r"""Compare a recorded run with the theorem's bound at every horizon.

    For :math:`T = 1, \dots, n` computes :math:`\frac1T\sum_{t<T}\|\nabla f(x_t)\|^2` and
    :func:`bound` at :math:`T` (or, with ``norm="preconditioned"``, the same for the records
    :math:`\nabla f(x_t)^\top P_t \nabla f(x_t)`, which :func:`preconditioned_sgd` returns as
    ``preconditioned_sq_norms``). For stochastic runs pass several replicates: the theorem bounds
    the *expectation*, estimated by the replicate mean, with its standard error to judge how
    far a single seed may stray.

    Parameters
    ----------
    grad_sq_norms : (n,) or (R, n) array_like
        :math:`\|\nabla f(x_t)\|^2` for :math:`t = 0..n-1` (the exact gradient, not the
        stochastic one), one row per replicate; :math:`\nabla f(x_t)^\top P_t\nabla f(x_t)`
        with ``norm="preconditioned"``.
    smoothness, lam_min, lam_max, step_size, variance, gap, tight, norm
        As in :func:`bound`.
    rule : {"sharp", "conservative"}, optional
        The step-size condition ``admissible`` reports (:func:`admissible_step_size`).

    Returns
    -------
    BoundCheck

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``grad_sq_norms`` is empty, not 1-d/2-d, negative or not finite, a constant is out
        of range, or ``norm`` or ``rule`` is unknown.

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
    g2 = check_grad_sq_norms("check_bound", grad_sq_norms)
    constants = check_bound_constants(
        "check_bound",
        smoothness=smoothness,
        lam_min=lam_min,
        lam_max=lam_max,
        step_size=step_size,
        variance=variance,
        gap=gap,
        tight=tight,
    )
    _v.check_choice("check_bound", "norm", norm, BOUND_NORMS)
    _v.check_choice("check_bound", "rule", rule, STEP_RULES)
    L, lam_min, lam_max, eta = constants[:4]
    R, n = g2.shape
    T = np.arange(1, n + 1)
    rhs = _bound(T.astype(np.float64), *constants, norm=norm)
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
    eta_max = _admissible_step_size(L, lam_min, lam_max, rule)
    return BoundCheck(
        horizon=T,
        average=average,
        minimum=minimum,
        bound=np.asarray(rhs, dtype=np.float64),
        ratio=ratio,
        holds=holds,
        standard_error=se,
        # 4 ulps of slack: eta is often computed as exactly eta_max by another expression.
        admissible=bool(eta <= eta_max * (1.0 + 4 * _EPS)),
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
    T, v = check_rate_data("fit_rate", horizons, values)
    slope, intercept = np.polyfit(np.log(T), np.log(v), 1)
    return float(slope), float(intercept)


class SpectrumCheck(NamedTuple):
    r"""The spectrum of :math:`P_t` along a run against the theory.

    Attributes
    ----------
    sigma_max : (n,) ndarray
        Largest eigenvalue of Ginger's truncated state :math:`\tilde G_t` at each step.
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
    :math:`\sigma_{\max}(\tilde G_t) \le \bar\lambda_t` with the recursion
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
    sig, norms = check_spectrum_records(func, sigma_max, factor_norms)
    gamma = check_real(func, "damping", damping, positive=True)
    beta = _v.check_beta(func, beta)
    rtol = 1e3 * _EPS / (1.0 - beta) if rtol is None else check_real(func, "rtol", rtol)
    lam_bar = np.empty_like(sig)
    acc = 0.0
    for t, nrm in enumerate(norms):
        acc = beta * acc + (1.0 - beta) * nrm * nrm
        lam_bar[t] = acc
    if factor_bound is None:
        fb_holds = np.ones(sig.shape, dtype=bool)
    else:
        B = check_real(func, "factor_bound", factor_bound)
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
    f, G, X = check_descent_records(func, values, grads, iterates)
    f_rtol = 64 * _EPS if f_rtol is None else check_real(func, "f_rtol", f_rtol)
    n = f.size - 1
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
