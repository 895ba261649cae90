r"""Exercises of notebooks 06-08: slopes of timings, the released guards, the secular equation.

Every case's answer comes from an independent computation (a least-squares solve, SciPy's
Theil-Sen estimator, the released numerics of :mod:`pyginger.core`, determinants, a dense
eigensolver), never from the reference solution; tolerances are argued next to each case.
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from pyginger.core import _released
from pyginger.exercises import solutions
from pyginger.exercises._base import Case, Exercise, compare
from pyginger.exercises.mistakes import MISTAKES

EPS = float(np.finfo(np.float64).eps)


# -- 06 ---------------------------------------------------------------------------------------


def _timings(rng, sizes, slope, noise):
    return 3e-9 * sizes**slope * np.exp(noise * rng.standard_normal(len(sizes)))


def _slope_cases():
    rng = np.random.default_rng(601)
    cases = []
    for label, sizes, slope, noise in [
        ("an exact power law t = c n^3", np.geomspace(100, 3200, 6), 3.0, 0.0),
        ("noisy linear timings", np.geomspace(1e3, 1e6, 8), 1.0, 0.2),
        ("two points only", np.array([250.0, 2000.0]), 2.6, 0.0),
        ("integer sizes", np.array([10, 20, 40, 80, 160]), 2.0, 0.1),
    ]:
        times = _timings(rng, sizes.astype(float), slope, noise)
        A = np.column_stack([np.log(sizes), np.ones(len(sizes))])
        fit = np.linalg.lstsq(A, np.log(times), rcond=None)[0][0]  # an independent LS solve
        # Least squares on m points: relative error <= c m cond(A)^2 eps on the coefficients.
        tol = 20 * len(sizes) * np.linalg.cond(A) ** 2 * EPS
        cases.append(Case(label, (sizes, times), fit, rtol=tol))
    return cases


def _theil_sen_cases():
    rng = np.random.default_rng(602)
    cases = []
    for label, sizes, slope, noise, outlier in [
        ("noisy timings of a linear cost", np.geomspace(1e3, 1e6, 9), 1.0, 0.1, None),
        ("one disturbed size (100 times too slow)", np.geomspace(1e3, 1e5, 7), 1.0, 0.05, 3),
        ("noisy cubic timings", np.geomspace(200, 2000, 6), 3.0, 0.1, None),
    ]:
        times = _timings(rng, sizes, slope, noise)
        if outlier is not None:
            times[outlier] *= 100.0
        fit = scipy.stats.theilslopes(np.log(times), np.log(sizes))[0]
        # The median of difference quotients of logs (|log t| <= 30, spacing >= 0.4): each
        # quotient errs by <= 4 eps 30 / 0.4, about 1e-13, against slopes of order 1.
        cases.append(Case(label, (sizes, times), fit, rtol=1e-11))
    return cases


# -- 07 ---------------------------------------------------------------------------------------


def _pinv_cases():
    cases = []
    for label, x in [
        ("float64 with zeros and negative entries", np.array([3.0, 1.0, 0.0, -1e-3, 2e-15, 0.5])),
        (
            "float32: entries on both sides of the cut-off",
            np.array([1.0, 1e-6, 3e-5, 0.0, -2.0], dtype=np.float32),
        ),
        (
            "large scale: max|x| = 1e10, so 1e-5 is below the cut-off",
            np.array([1e10, 1e3, 1e-5, 5.0]),
        ),
        ("one entry", np.array([4.0])),
    ]:
        # 1/x is correctly rounded in x's dtype: one eps of that dtype, relative.
        tol = 2 * float(np.finfo(x.dtype).eps)
        cases.append(Case(label, (x,), _released.pinv_cutoff(x), rtol=tol))
    return cases


def _threshold_cases():
    cases = []
    for label, gamma, tau, dtype in [
        ("float32, tau = 4, gamma = 1e-5", 1e-5, 4, np.float32),
        ("float64, tau = 1, gamma = 1", 1.0, 1, np.float64),
        ("float32, tau = 32, gamma = 0.1", 0.1, 32, np.float32),
    ]:
        expected = _released.collapse_threshold(gamma, tau, dtype)
        # A few roundings, in float64 or in the dtype itself (either is a right answer).
        tol = 8 * float(np.finfo(dtype).eps)
        cases.append(Case(label, (gamma, tau, dtype), expected, rtol=tol))
    return cases


# -- 08 ---------------------------------------------------------------------------------------


def _secular_truth(lam, d, z, rho):
    """f(lam) = det(D + rho z z^T - lam I) / det(D - lam I) (the matrix determinant lemma)."""
    K = np.diag(d) + rho * np.outer(z, z)
    values, conds = [], []
    for x in np.atleast_1d(lam):
        top, bottom = K - x * np.eye(len(d)), np.diag(d - x)
        values.append(np.linalg.det(top) / np.linalg.det(bottom))
        conds.append(np.linalg.cond(top) + np.linalg.cond(bottom))
    values = np.array(values).reshape(np.shape(lam))
    return values, max(conds)


def _secular_cases():
    rng = np.random.default_rng(801)
    cases = []
    d = np.array([0.5, 1.0, 2.0, 3.5, 5.0])
    z = rng.standard_normal(5)
    between = (d[:-1] + d[1:]) / 2
    for label, lam, dd, rho in [
        ("midpoints between the poles, rho = 1", between, d, 1.0),
        ("one number above the largest pole", 7.0, d, 1.0),
        ("rho < 0, points below the smallest pole and between", np.r_[-1.0, between], d, -0.3),
        ("poles not sorted", np.array([0.75, 4.0]), d[[3, 0, 4, 1, 2]], 2.0),
    ]:
        zz = z if dd is d else z[[3, 0, 4, 1, 2]]
        values, cond = _secular_truth(lam, dd, zz, rho)
        # Determinants by LU: relative error ~ n cond eps each.
        cases.append(Case(label, (lam, dd, zz, rho), values, rtol=20 * len(d) * cond * EPS))
    return cases


def _eigenvector_cases():
    rng = np.random.default_rng(802)
    cases = []
    for label, d, rho, j in [
        ("the smallest eigenvalue, rho = 1", np.array([1.0, 2.0, 3.0, 4.5]), 1.0, 0),
        ("the largest, beyond the last pole", np.array([0.2, 1.0, 2.5, 3.0, 6.0]), 0.7, -1),
        ("rho < 0, an inner eigenvalue", np.array([1.0, 2.0, 4.0, 8.0]), -0.2, 2),
    ]:
        z = rng.uniform(0.5, 1.5, len(d)) * rng.choice([-1.0, 1.0], len(d))
        lam, V = np.linalg.eigh(np.diag(d) + rho * np.outer(z, z))
        scale = np.abs(lam).max()
        gap = min(np.min(np.abs(np.delete(lam, j) - lam[j])), np.min(np.abs(d - lam[j])))
        # lam[j] errs by c n eps scale; the vector then moves by that / (gap to the other
        # eigenvalues and to the poles), by Davis-Kahan and the formula's sensitivity.
        tol = 40 * len(d) * EPS * scale / gap
        cases.append(Case(label, (d, z, lam[j]), V[:, j], rtol=tol))
    return cases


def _judge_eigenvector(got, case):
    """Compare up to sign (an eigenvector has none): flip ``got`` to the reference's side."""
    got = np.asarray(got, dtype=float)
    if got.shape == case.expected.shape and np.all(np.isfinite(got)):
        norm = float(np.linalg.norm(got))
        if abs(norm - 1.0) > 10 * len(got) * EPS:
            return f"returned a vector of norm {norm:.6g}; expected a unit vector"
        got = got * (1.0 if got @ case.expected >= 0 else -1.0)
    return compare(got, case.expected, case.rtol, case.atol)


EXERCISES = (
    Exercise(
        name="loglog_slope",
        notebook=6,
        title="The slope of timings on a log-log plot",
        statement=(
            "Given problem sizes $n_k$ and times $t_k$, return the least-squares slope $p$ of "
            "$\\log t = p \\log n + c$: the measured exponent of the cost."
        ),
        signature="loglog_slope(sizes, times) -> float",
        hint="`numpy.polyfit(x, y, 1)` returns `[slope, intercept]`.",
        cases=_slope_cases,
        solution=solutions.loglog_slope,
        mistakes=MISTAKES["loglog_slope"],
    ),
    Exercise(
        name="theil_sen_slope",
        notebook=6,
        title="A slope that one disturbed timing cannot drag",
        statement=(
            "Return the Theil-Sen slope of the same log-log data: the median of the slopes "
            "$(\\log t_j - \\log t_i)/(\\log n_j - \\log n_i)$ over all pairs $i < j$."
        ),
        signature="theil_sen_slope(sizes, times) -> float",
        hint="`numpy.triu_indices(m, k=1)` lists every pair once.",
        cases=_theil_sen_cases,
        solution=solutions.theil_sen_slope,
        mistakes=MISTAKES["theil_sen_slope"],
    ),
    Exercise(
        name="pinv_c",
        notebook=7,
        title="The released cut-off pseudo-inverse",
        statement=(
            "Return $\\operatorname{pinv}_c(x)$: $1/x_i$ where $x_i > c$, else 0, with "
            "$c = 10\\, n\\, \\epsilon \\max_j |x_j|$, $n$ the length of $x$ and $\\epsilon$ the "
            "machine epsilon of $x$'s dtype."
        ),
        signature="pinv_c(x) -> array like x",
        hint="`numpy.finfo(x.dtype).eps`; a boolean mask selects the entries to invert.",
        cases=_pinv_cases,
        solution=solutions.pinv_c,
        mistakes=MISTAKES["pinv_c"],
    ),
    Exercise(
        name="collapse_threshold",
        notebook=7,
        title="Where the released map back loses an eigenvalue",
        statement=(
            "The released code maps back "
            "$\\sigma = \\gamma^2 s \\operatorname{pinv}_c(1 - \\gamma s)$ "
            "over the $\\tau + 1$ values of the enlarged problem, and exactly "
            "$1 - \\gamma s = \\gamma/(\\gamma + \\sigma)$. With one of those values near 0 (so "
            "$\\max |1 - \\gamma s| = 1$), return the $\\sigma$ from which the eigenvalue is set "
            "to zero."
        ),
        signature="collapse_threshold(gamma, tau, dtype) -> float",
        hint="Solve $\\gamma / (\\gamma + \\sigma) = c$ with $c = 10 (\\tau + 1) \\epsilon$.",
        cases=_threshold_cases,
        solution=solutions.collapse_threshold,
        mistakes=MISTAKES["collapse_threshold"],
    ),
    Exercise(
        name="secular",
        notebook=8,
        title="The secular function",
        statement=(
            "The eigenvalues of $\\operatorname{diag}(d) + \\rho z z^\\top$ are the roots of "
            "$f(\\lambda) = 1 + \\rho \\sum_i z_i^2/(d_i - \\lambda)$. Return $f(\\lambda)$, for "
            "`lam` a number or an array (the result has `lam`'s shape)."
        ),
        signature="secular(lam, d, z, rho) -> float or array shaped like lam",
        hint="Broadcast: `d - lam[..., None]` has one row per value of `lam`.",
        cases=_secular_cases,
        solution=solutions.secular,
        mistakes=MISTAKES["secular"],
    ),
    Exercise(
        name="eigenvector_from_root",
        notebook=8,
        title="An eigenvector from a root of the secular equation",
        statement=(
            "For a root $\\lambda$ of the secular equation (an eigenvalue of "
            "$\\operatorname{diag}(d) + \\rho z z^\\top$, not equal to any $d_i$), return the "
            "unit eigenvector $(D - \\lambda I)^{-1} z / \\|(D - \\lambda I)^{-1} z\\|$. (Its "
            "sign is free: the checker accepts either.)"
        ),
        signature="eigenvector_from_root(d, z, lam) -> (n,) array",
        hint=(
            "Write $(D + \\rho z z^\\top) v = \\lambda v$ as "
            "$(D - \\lambda I) v = -\\rho (z^\\top v) z$."
        ),
        cases=_eigenvector_cases,
        solution=solutions.eigenvector_from_root,
        mistakes=MISTAKES["eigenvector_from_root"],
        judge=_judge_eigenvector,
    ),
)
