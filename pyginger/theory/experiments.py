r"""Experiments that test the convergence bound on a test problem: bound, rate and violation.

Each runs :func:`~pyginger.theory.algorithm.preconditioned_sgd` (the algorithm the theorem of
:mod:`pyginger.theory.bounds` covers) over horizons and seeds: :func:`bound_experiment` checks
the bound and each checkable assumption at every horizon, :func:`rate_experiment` measures the
empirical rate, and :func:`violation_experiment` steps past the admissible step size to see
where the bound fails. The problems are those of :mod:`pyginger.theory.problems`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeResult

from pyginger import _validation as _v
from pyginger._validation.theory import STEP_RULES
from pyginger._validation.theory import check_real as _real
from pyginger.theory.algorithm import preconditioned_sgd
from pyginger.theory.bounds import (
    admissible_step_size,
    bound,
    spectrum_bounds,
    tuned_step_size,
)
from pyginger.theory.checks import check_bound, check_spectrum, fit_rate

__all__ = [
    "bound_experiment",
    "rate_experiment",
    "violation_experiment",
]


# ---------------------------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------------------------


def _constants(
    func, problem, x0, smoothness, factor_bound, variance, batch_size, damping, rule="sharp"
):
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
    _v.check_choice(func, "rule", rule, STEP_RULES)
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
        "rule": rule,
        "admissible_step_size": admissible_step_size(L, lam_min, lam_max, rule=rule),
        "sharp_step_size": admissible_step_size(L, lam_min, lam_max),
        "conservative_step_size": admissible_step_size(L, lam_min, lam_max, rule="conservative"),
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


def _rate_stochastic(problem, x0, Ts, replicates, seed, kw, rule, options):
    """Fresh tuned runs per horizon: replicate means and standard errors of the min and mean."""
    out = {k: [] for k in ("minimum", "average", "etas", "min_se", "avg_se")}
    seeds = _replicate_seeds(seed, Ts.size * replicates)
    for i, T in enumerate(Ts):
        eta_T = tuned_step_size(int(T), rule=rule, **kw)
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
    rule: str = "sharp",
    seed: int = 0,
    **run_options: Any,
) -> OptimizeResult:
    r"""Run preconditioned SGD and check the theorem and each checkable assumption, for every ``T``.

    Constants come from the problem's closed forms unless given. The step size defaults to the
    admissible :math:`\eta_{\max}` of ``rule``. The theorem is checked in both of its forms:
    the Euclidean (``check``) and the preconditioned (``check_preconditioned``). Stochastic runs
    (``batch_size`` given) are repeated ``replicates`` times with independent seeds and the bound
    is compared with the replicate mean (the theorem bounds an expectation).

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
        Default: :func:`admissible_step_size` with ``rule``.
    smoothness, factor_bound, variance : float, optional
        Override :math:`L`, :math:`B`, :math:`s^2` (required where the problem has no closed
        form; ``variance`` defaults to the problem's bound, or 0 for exact gradients).
    rule : {"sharp", "conservative"}, optional
        The step-size condition (:func:`admissible_step_size`). Default ``"sharp"``.
    seed : int, optional
    **run_options
        Passed to :func:`preconditioned_sgd` (``factor_batch_size``, ``factor_batch``, ``form``).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``check`` (:class:`BoundCheck` of :math:`\|\nabla f(x_t)\|^2`),
        ``check_preconditioned`` (the same for :math:`\nabla f(x_t)^\top P_t\nabla f(x_t)`
        against the preconditioned form), ``constants`` (dict: ``smoothness``,
        ``factor_bound``, ``curvature_bound``, ``lam_min``, ``lam_max``, ``variance``, ``gap``,
        ``rule``, ``admissible_step_size`` (of ``rule``), ``sharp_step_size``,
        ``conservative_step_size``), ``step_size``, and the assumption checks over all replicates:
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
    c = _constants(func, problem, x0, smoothness, factor_bound, variance, batch_size, damping, rule)
    eta = _step_size(func, c, step_size)
    options = dict(rank=rank, damping=damping, beta=beta, batch_size=batch_size, **run_options)
    runs = _runs(
        problem, x0, _replicate_seeds(seed, replicates), steps=steps, step_size=eta, **options
    )
    n = min(r.nit for r in runs)
    g2 = np.array([r.grad_sq_norms[: max(n, 1)] for r in runs])
    kw = {k: c[k] for k in ("smoothness", "lam_min", "lam_max", "variance", "gap", "rule")}
    check = check_bound(g2, step_size=eta, **kw)
    # With no step taken no P_0 was formed: lam_max |grad|^2 is the largest it could have been.
    p2 = np.array([r.preconditioned_sq_norms[:n] for r in runs]) if n else g2 * c["lam_max"]
    check_p = check_bound(p2, step_size=eta, norm="preconditioned", **kw)
    ran = [r for r in runs if r.nit > 0]
    spec = [
        check_spectrum(
            r.sigma_max, r.factor_norms, damping=damping, beta=beta, factor_bound=c["factor_bound"]
        )
        for r in ran
    ]
    return OptimizeResult(
        check=check,
        check_preconditioned=check_p,
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
    rule: str = "sharp",
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
    problem, x0, rank, damping, beta, batch_size, smoothness, factor_bound, variance, rule, seed
        As in :func:`bound_experiment`; ``rule`` sets :math:`\eta_{\max}` and the cap of
        :func:`tuned_step_size`.
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
    c = _constants(func, problem, x0, smoothness, factor_bound, variance, batch_size, damping, rule)
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
        rates = _rate_stochastic(problem, x0, Ts, replicates, seed, kw, rule, options)
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
    rule: str = "sharp",
    seed: int = 0,
    **run_options: Any,
) -> OptimizeResult:
    r"""Run with steps :math:`\eta = \kappa\,\eta_{\max}` and report where the bound fails.

    Exact gradients, so the theorem's right-hand side is :math:`2\Delta/(\eta\lambda_{\min}T)`;
    it is evaluated with the step actually used even when :math:`\kappa > 1` puts it outside the
    theorem (then it is merely a formula). With the sharp :math:`\eta_{\max} = 1/(L\lambda_{\max})`
    it must hold for :math:`\kappa \le 1`, and the tight form (:func:`bound` with
    ``tight=True``, reported as ``all_hold_tight``) must hold for :math:`\kappa < 2`; beyond,
    the proof gives nothing and the bound may or may not hold.

    Parameters
    ----------
    problem, x0, rank, damping, beta, smoothness, factor_bound, rule, seed, **run_options
        As in :func:`bound_experiment`; :math:`\kappa` multiplies the ``rule``'s
        :math:`\eta_{\max}`.
    multipliers : sequence of float
        The :math:`\kappa > 0` to try.
    steps : int
        Horizon of each run.

    Returns
    -------
    scipy.optimize.OptimizeResult
        Arrays over ``multipliers``: ``step_sizes``, ``all_hold``, ``first_violation``
        (0 where none), ``all_hold_tight`` and ``first_violation_tight`` (the same for the
        tight form), ``max_ratio`` (largest average/bound), ``final_average``,
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
    c = _constants(func, problem, x0, smoothness, factor_bound, None, None, damping, rule)
    checks, tights, diverged, final_g2, max_L = [], [], [], [], []
    kw = {k: c[k] for k in ("smoothness", "lam_min", "lam_max", "gap", "rule")}
    options = dict(steps=steps, rank=rank, damping=damping, beta=beta, **run_options)
    for kappa in kappas:
        eta = float(kappa) * c["admissible_step_size"]
        (run,) = _runs(problem, x0, [seed], step_size=eta, **options)
        g2 = run.grad_sq_norms
        if not run.success:
            # Divergence: count the remaining steps as infinitely far from stationary.
            g2 = np.concatenate([g2, np.full(steps + 1 - g2.size, np.inf)])
        checks.append(check_bound(g2[:steps], step_size=eta, variance=0.0, **kw))
        tights.append(check_bound(g2[:steps], step_size=eta, variance=0.0, tight=True, **kw))
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
        all_hold_tight=np.array([ck.all_hold for ck in tights]),
        first_violation_tight=np.array([ck.first_violation or 0 for ck in tights]),
        max_ratio=np.array([ck.max_ratio for ck in checks]),
        final_average=np.array([ck.average[-1] for ck in checks]),
        final_grad_sq=np.array(final_g2),
        diverged=np.array(diverged),
        max_descent_smoothness=np.array(max_L),
        checks=checks,
        constants=c,
    )
