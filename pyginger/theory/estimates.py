r"""Estimates of the theorem's constants where no closed form exists: L, B and the variance.

:func:`estimate_smoothness` measures :math:`\|\nabla^2 f(x)\|_2` at one point by power iteration;
:func:`estimate_constants` turns such measurements at a starting point into the constants
:func:`pyginger.theory.bound_experiment` needs. Both are heuristics, to be verified along the run
(:func:`pyginger.theory.descent_smoothness`, :func:`pyginger.theory.check_spectrum`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeResult

from pyginger import _validation as _v
from pyginger._validation.theory import (
    check_callable,
    check_finite_vector,
    check_real,
    check_safety,
)

__all__ = ["estimate_smoothness", "estimate_constants"]

_EPS = float(np.finfo(np.float64).eps)


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
    check_callable(func, "grad", grad, "grad(x) -> (d,) array")
    if hvp is not None:
        check_callable(func, "hvp", hvp, "hvp(x, v) -> (d,) array")
    x = check_finite_vector(func, "x", x)
    maxiter = _v.check_positive_int(func, "maxiter", maxiter)
    rtol = check_real(func, "rtol", rtol, positive=True)
    eps = _EPS ** (1.0 / 3.0) if eps is None else check_real(func, "eps", eps, positive=True)
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
    safety = check_safety(func, safety)
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
