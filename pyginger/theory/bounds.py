r"""The convergence bound of Ginger-preconditioned SGD: its constants, its right-hand side.

The theorem (derived in full in ``docs/theory.md``). Let :math:`f` be :math:`L`-smooth and bounded
below by :math:`f^*`, and run

.. math:: x_{t+1} = x_t - \eta P_t g_t, \qquad P_t = (\gamma I + \tilde G_t)^{-1},

where :math:`\tilde G_t = U_t \operatorname{diag}(\sigma_t) U_t^\top` is Ginger's truncated state
and :math:`g_t = \nabla f(x_t) + \xi_t` with :math:`E[\xi_t \mid \mathcal F_t] = 0`,
:math:`E[\|\xi_t\|^2 \mid \mathcal F_t] \le s^2`, and :math:`P_t` determined by
:math:`\mathcal F_t` (everything drawn before :math:`g_t`'s noise). If every factor obeys
:math:`\|F_t\|_2 \le B`, then

.. math::

    \lambda_{\min} I \preceq P_t \preceq \lambda_{\max} I, \qquad
    \lambda_{\min} = \frac{1}{\gamma + \bar\lambda}, \quad
    \lambda_{\max} = \frac1\gamma, \quad \bar\lambda = B^2,

and for :math:`\eta \le 1/(L \lambda_{\max})` (for Ginger :math:`\eta \le \gamma / L`), in the
norm of the preconditioner and in the Euclidean norm,

.. math::

    \frac1T \sum_{t=0}^{T-1} E\big[\nabla f(x_t)^\top P_t \nabla f(x_t)\big] \le
    \frac{2 (f(x_0) - f^*)}{\eta T} + L \eta \lambda_{\max}^2 s^2, \qquad
    \frac1T \sum_{t=0}^{T-1} E\|\nabla f(x_t)\|^2 \le
    \frac{2 (f(x_0) - f^*)}{\eta \lambda_{\min} T}
    + \frac{L \eta \lambda_{\max}^2 s^2}{\lambda_{\min}} .

The step condition comes from :math:`\|P\nabla f\|^2 \le \lambda_{\max}\,\nabla f^\top P\nabla f`
(:math:`P^2 \preceq \lambda_{\max} P` for symmetric :math:`0 \preceq P \preceq \lambda_{\max}I`).
An earlier proof used :math:`\|P\nabla f\|^2 \le \lambda_{\max}^2\|\nabla f\|^2` instead and
needed :math:`\eta \le \lambda_{\min}/(L\lambda_{\max}^2)`, smaller by the factor
:math:`\lambda_{\max}/\lambda_{\min} = 1 + \bar\lambda/\gamma`; it stays available as
``rule="conservative"`` of :func:`admissible_step_size`.

Why :math:`\bar\lambda = B^2` also covers the EMA and rank-:math:`k` factors: the exact EMA
:math:`G_t = \sum_{s \le t} \beta^{t-s} (1-\beta) F_s F_s^\top` has
:math:`\lambda_{\max}(G_t) \le \sum_s \beta^{t-s}(1-\beta) \|F_s\|_2^2 \le (1 - \beta^t) B^2`
(:math:`\lambda_{\max}` is subadditive on PSD matrices and :math:`\lambda_{\max}(F F^\top) =
\|F\|_2^2`, the largest singular value squared, :math:`\le \|F\|_F^2`); Ginger's truncation keeps
the top eigenpairs of a PSD matrix, so by induction :math:`\tilde G_t \preceq G_t` and
:math:`\sigma_{\max}(\tilde G_t) \le \lambda_{\max}(G_t)`. The bias-corrected
:math:`\hat G_t = \tilde G_t / (1-\beta^t)` of :func:`pyginger.optim.ginger` (``debias=True``)
obeys the same :math:`\sigma_{\max} \le B^2`. :func:`curvature_bound` returns
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
    BOUND_NORMS,
    STEP_RULES,
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
    Ginger's truncated state :math:`\tilde G_t \preceq G_t`.

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

    Every eigenvalue of :math:`P_t = (\gamma I + \tilde G_t)^{-1}` lies in this interval when
    :math:`0 \preceq \tilde G_t \preceq \bar\lambda I`. The upper end is attained whenever
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


def admissible_step_size(
    smoothness: float, lam_min: float, lam_max: float, *, rule: str = "sharp"
) -> float:
    r"""Return the theorem's largest step: :math:`1/(L\lambda_{\max})`, or the conservative one.

    ``rule="sharp"`` (default): :math:`\eta_{\max} = 1/(L\lambda_{\max})`, which makes the
    descent coefficient :math:`1 - L\eta\lambda_{\max}/2` of the proof at least :math:`1/2`
    (``docs/theory.md``, Lemma 2). With Ginger's :math:`\lambda_{\max} = 1/\gamma` it is
    :math:`\gamma / L`: "learning rate over damping at most :math:`1/L`".

    ``rule="conservative"``: :math:`\lambda_{\min}/(L\lambda_{\max}^2)`, the condition of the
    proof that bounds :math:`\|P\nabla f\|^2` by :math:`\lambda_{\max}^2\|\nabla f\|^2`; with
    Ginger's constants :math:`\gamma^2/(L(\gamma + \bar\lambda))`, smaller than the sharp step
    by the factor :math:`\lambda_{\max}/\lambda_{\min} = 1 + \bar\lambda/\gamma`. Both give the
    same right-hand side (:func:`bound`).

    Parameters
    ----------
    smoothness : float
        :math:`L > 0`.
    lam_min, lam_max : float
        Eigenvalue bounds of :math:`P_t`, ``0 < lam_min <= lam_max`` (``lam_min`` is checked but
        unused by the sharp rule).
    rule : {"sharp", "conservative"}, optional
        Which step-size condition. Default ``"sharp"``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If an argument is not a real number.
    ValueError
        If an argument is not finite and positive, ``lam_min > lam_max``, or ``rule`` is unknown.

    Examples
    --------
    >>> from pyginger.theory import admissible_step_size, spectrum_bounds
    >>> lam_min, lam_max = spectrum_bounds(1.0, 1.0)  # (1/2, 1)
    >>> admissible_step_size(2.0, lam_min, lam_max)  # 1 / (2 * 1)
    0.5
    >>> admissible_step_size(2.0, lam_min, lam_max, rule="conservative")  # 0.5 / (2 * 1)
    0.25
    """
    L = check_real("admissible_step_size", "smoothness", smoothness, positive=True)
    lam_min, lam_max = check_lam_pair("admissible_step_size", lam_min, lam_max)
    _v.check_choice("admissible_step_size", "rule", rule, STEP_RULES)
    return _admissible_step_size(L, lam_min, lam_max, rule)


def _admissible_step_size(L: float, lam_min: float, lam_max: float, rule: str = "sharp") -> float:
    if rule == "conservative":
        return lam_min / (L * lam_max * lam_max)
    return 1.0 / (L * lam_max)


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
    norm: str = "euclidean",
) -> float | np.ndarray:
    r"""Return the right-hand side of the theorem for horizon(s) ``T``.

    .. math::

        R(T) = \frac{2\Delta}{\eta \lambda_{\min} T}
             + \frac{L \eta \lambda_{\max}^2 s^2}{\lambda_{\min}}
        \quad\text{(euclidean)}, \qquad
        R_P(T) = \frac{2\Delta}{\eta T} + L \eta \lambda_{\max}^2 s^2
        \quad\text{(preconditioned)},

    with :math:`\Delta = f(x_0) - f^*`. :math:`R` bounds
    :math:`\frac1T \sum_{t<T} E\|\nabla f(x_t)\|^2` and :math:`R_P` bounds
    :math:`\frac1T \sum_{t<T} E[\nabla f(x_t)^\top P_t \nabla f(x_t)]` when
    :math:`\eta \le 1/(L\lambda_{\max})` (:func:`admissible_step_size`); :math:`R = R_P /
    \lambda_{\min}`. The formula itself is evaluated for any :math:`\eta > 0`; outside that range
    it is *not* a bound (see :func:`violation_experiment`).

    With ``tight=True`` the proof's last relaxation is skipped: with
    :math:`c = 1 - L\eta\lambda_{\max}/2`,
    :math:`R_P(T) = \big(\Delta/T + L\eta^2\lambda_{\max}^2 s^2/2\big) / (\eta c)` and
    :math:`R = R_P/\lambda_{\min}`, valid for :math:`\eta < 2/(L\lambda_{\max})` and ``inf``
    beyond (no guarantee). Inside the admissible range :math:`c \ge 1/2`, so it is never larger
    than the relaxed form.

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
    norm : {"euclidean", "preconditioned"}, optional
        Which average is bounded: of :math:`\|\nabla f(x_t)\|^2` (default) or of
        :math:`\nabla f(x_t)^\top P_t \nabla f(x_t)`.

    Returns
    -------
    float or ndarray
        Same shape as ``T``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range (see Parameters) or ``norm`` is unknown.

    See Also
    --------
    check_bound : compares a recorded run with this, for every ``T``.

    Examples
    --------
    >>> from pyginger.theory import bound
    >>> kw = dict(smoothness=1.0, lam_min=0.5, lam_max=1.0, step_size=0.5, variance=0.0, gap=1.0)
    >>> bound([1, 10], **kw)  # 2 / (0.5 * 0.5 * T)
    array([8. , 0.8])
    >>> bound([1, 10], norm="preconditioned", **kw)  # 2 / (0.5 * T)
    array([4. , 0.4])
    >>> round(float(bound(10, tight=True, **kw)), 12)  # 0.1 / (0.5 * (1 - 0.25)) / 0.5
    0.533333333333
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
    _v.check_choice("bound", "norm", norm, BOUND_NORMS)
    out = _bound(Ts, *constants, norm=norm)
    return float(out) if np.ndim(T) == 0 else out


def _bound(Ts, L, lam_min, lam_max, eta, s2, gap, tight, norm="euclidean") -> np.ndarray:
    """Return the right-hand side of :func:`bound` at float horizons ``Ts`` (checked constants)."""
    if tight:
        c = 1.0 - L * eta * lam_max / 2.0
        if c <= 0:
            out = np.full(Ts.shape, np.inf)
        else:
            out = (gap / Ts + L * eta**2 * lam_max**2 * s2 / 2.0) / (eta * c)
    else:
        out = 2.0 * gap / (eta * Ts) + L * eta * lam_max**2 * s2
    # The Euclidean form: nabla^T P nabla >= lam_min |nabla|^2 turns R_P into R.
    return out / lam_min if norm == "euclidean" else out


def tuned_step_size(
    T: int,
    *,
    smoothness: float,
    lam_min: float,
    lam_max: float,
    variance: float,
    gap: float,
    rule: str = "sharp",
) -> float:
    r"""Return the step minimising :func:`bound` at horizon ``T``, capped at the admissible one.

    :math:`R_P(T) = a/\eta + b\eta` with :math:`a = 2\Delta/T`, :math:`b = L\lambda_{\max}^2 s^2`
    (and :math:`R = R_P/\lambda_{\min}`, minimised by the same step) is minimised by
    :math:`\eta_T = \sqrt{a/b} = \sqrt{2\Delta / (L \lambda_{\max}^2 s^2 T)}`, where
    :math:`R_P = 2\sqrt{ab} = 2\lambda_{\max}\sqrt{2\Delta L s^2 / T}` and
    :math:`R = \frac{2\lambda_{\max}}{\lambda_{\min}} \sqrt{2\Delta L s^2 / T}`: the
    :math:`O(1/\sqrt T)` rate. The result is :math:`\min(\eta_T, \eta_{\max})`
    (:func:`admissible_step_size` with ``rule``); with :math:`s^2 = 0` it is :math:`\eta_{\max}`
    and the rate is :math:`O(1/T)`.

    Parameters
    ----------
    T : int
        Horizon, ``>= 1``.
    smoothness, lam_min, lam_max, variance, gap : float
        As in :func:`bound`.
    rule : {"sharp", "conservative"}, optional
        The cap's step-size condition (:func:`admissible_step_size`). Default ``"sharp"``.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range, or ``rule`` is unknown.

    Examples
    --------
    >>> from pyginger.theory import tuned_step_size
    >>> kw = dict(smoothness=1.0, lam_min=0.5, lam_max=1.0, variance=1.0, gap=2.0)
    >>> tuned_step_size(100, **kw), tuned_step_size(400, **kw)  # sqrt(4 / T): 1/sqrt(T) scaling
    (0.2, 0.1)
    >>> tuned_step_size(1, **kw)  # capped at 1 / (L lam_max)
    1.0
    >>> tuned_step_size(1, rule="conservative", **kw)  # capped at lam_min / (L lam_max^2)
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
    _v.check_choice(func, "rule", rule, STEP_RULES)
    cap = _admissible_step_size(L, lam_min, lam_max, rule)
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
