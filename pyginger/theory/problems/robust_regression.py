r"""Linear regression with a robust loss: the rho functions, and a problem with known constants.

:class:`RobustRegression` is the test problem of :mod:`pyginger.theory.problems` whose constants
of the theorem (:math:`L`, :math:`B`, :math:`s^2`, a lower bound on :math:`f^*`) are all known in
closed form; it is built on the loss functions :math:`\rho` below, with their first two
derivatives and the extreme values those take.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger._validation.theory import (
    ROBUST_FACTOR_KINDS,
    ROBUST_LOSSES,
    check_point,
    check_regression_data,
    check_sample_indices,
    check_synthetic_noise,
)

__all__ = ["RobustRegression"]


# ---------------------------------------------------------------------------------------------
# The robust losses rho(r; c), with rho', rho'' and their closed-form extrema
# ---------------------------------------------------------------------------------------------
#
# Cauchy:         rho = c^2/2 log(1 + r^2/c^2)   rho' = c^2 r/(c^2 + r^2)
#                 rho'' = c^2 (c^2 - r^2)/(c^2 + r^2)^2
#   With u = r^2/c^2, rho'' = (1 - u)/(1 + u)^2, whose derivative (u - 3)/(1 + u)^3 vanishes at
#   u = 3: rho'' ranges over [-1/8, 1] (1 at r = 0). |rho'| = c^2 |r|/(c^2 + r^2) peaks at |r| = c
#   with value c/2.
# Geman-McClure:  rho = c^2/2 r^2/(c^2 + r^2)   rho' = c^4 r/(c^2 + r^2)^2
#                 rho'' = c^4 (c^2 - 3 r^2)/(c^2 + r^2)^3
#   rho'' = (1 - 3u)/(1 + u)^3 has derivative 6(u - 1)/(1 + u)^4: minimum -1/4 at u = 1, so
#   rho'' ranges over [-1/4, 1]. |rho'| peaks where c^2 + r^2 = 4 r^2, |r| = c/sqrt(3), with value
#   3 sqrt(3) c / 16.
# Squared:        rho = r^2/2, rho' = r, rho'' = 1 (|rho'| unbounded).
#
# In all three cases |rho''| <= 1, which is what gives L in closed form (see RobustRegression).

_RHO_PP_RANGE = {
    "cauchy": (-1.0 / 8.0, 1.0),
    "geman-mcclure": (-1.0 / 4.0, 1.0),
    "squared": (1.0, 1.0),
}


def _rho(loss, r, c):
    if loss == "cauchy":
        return 0.5 * c * c * np.log1p((r / c) ** 2)
    if loss == "geman-mcclure":
        return 0.5 * c * c * r * r / (c * c + r * r)
    return 0.5 * r * r


def _rho_p(loss, r, c):
    if loss == "cauchy":
        return c * c * r / (c * c + r * r)
    if loss == "geman-mcclure":
        return c**4 * r / (c * c + r * r) ** 2
    return r


def _rho_pp(loss, r, c):
    if loss == "cauchy":
        return c * c * (c * c - r * r) / (c * c + r * r) ** 2
    if loss == "geman-mcclure":
        return c**4 * (c * c - 3.0 * r * r) / (c * c + r * r) ** 3
    return np.ones_like(r)


def _rho_p_sup(loss, c):
    if loss == "cauchy":
        return c / 2.0
    if loss == "geman-mcclure":
        return 3.0 * math.sqrt(3.0) * c / 16.0
    return math.inf


# ---------------------------------------------------------------------------------------------
# Robust regression
# ---------------------------------------------------------------------------------------------


class RobustRegression:
    r"""Linear regression with a robust loss, :math:`f(x) = \frac1n \sum_i \rho(a_i^\top x - y_i)`.

    .. math::

        \rho_{\text{Cauchy}}(r) = \tfrac{c^2}{2} \log\!\big(1 + r^2/c^2\big), \qquad
        \rho_{\text{GM}}(r) = \tfrac{c^2}{2} \frac{r^2}{c^2 + r^2}, \qquad
        \rho_{\text{sq}}(r) = \tfrac12 r^2 .

    The first two are non-convex (:math:`\rho''` changes sign) and redescending.

    Known constants (derived in the module source and ``docs/theory.md``):

    * Smoothness. :math:`\nabla^2 f(x) = \frac1n A^\top \operatorname{diag}(\rho''(r)) A` and
      :math:`\rho'' \in [-1/8, 1]` (Cauchy), :math:`[-1/4, 1]` (Geman-McClure), :math:`\{1\}`
      (squared), so :math:`-\tfrac14 M \preceq \nabla^2 f(x) \preceq M` with
      :math:`M = A^\top A / n` and :math:`\|\nabla^2 f(x)\|_2 \le \|M\|_2`:

      .. math:: L = \|A\|_2^2 / n .

      It is the best global constant whenever some :math:`x` fits every sample
      (:math:`\rho''(0) = 1`), e.g. for noiseless data; otherwise an upper bound.
    * Factor bound. Every factor from :meth:`factor` is :math:`F = A_S^\top W^{1/2} / \sqrt k`
      with weights in :math:`[0, 1]`, so
      :math:`\|F\|_2^2 = \lambda_{\max}(\frac1k \sum w_i a_i a_i^\top) \le \max_i \|a_i\|^2`:
      :math:`B = \max_i \|a_i\|`.
    * Lower bound. :math:`\rho \ge 0`, so :math:`f^* \ge 0` (exact for least squares: the
      least-squares minimum).
    * Variance. With ``b`` indices drawn uniformly with replacement,
      :math:`E\|g - \nabla f\|^2
      = \frac1b\big(\frac1n\sum_i \|\rho'(r_i) a_i\|^2 - \|\nabla f\|^2\big)
      \le \frac{\psi^2 B^2}{b}` with :math:`\psi = \sup|\rho'| = c/2` (Cauchy),
      :math:`3\sqrt3\, c/16` (Geman-McClure); unbounded for least squares.

    Parameters
    ----------
    A : (n, d) array_like
        Design matrix, one sample per row.
    y : (n,) array_like
        Targets.
    loss : {"cauchy", "geman-mcclure", "squared"}, optional
        Default ``"cauchy"``.
    scale : float, optional
        The loss scale :math:`c > 0` (ignored for ``"squared"``). Default 1.

    Attributes
    ----------
    A, y : ndarray
        Copies of the data (float64).
    loss : str
    scale : float
    dim : int
        Number of parameters ``d``.
    num_samples : int
        Number of samples ``n``.

    Raises
    ------
    TypeError
        If ``A``/``y`` are not arrays of reals or ``scale`` is not a real number.
    ValueError
        If shapes disagree, values are not finite, ``loss`` is unknown or ``scale <= 0``.

    See Also
    --------
    RobustRegression.make : a seeded synthetic instance with outliers.
    pyginger.theory.preconditioned_sgd : runs Ginger-preconditioned SGD on it.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> prob = RobustRegression(np.eye(2), np.array([1.0, -1.0]), loss="cauchy", scale=1.0)
    >>> prob.smoothness, prob.factor_bound, prob.variance_bound(4)  # L = |A|^2/n, B, psi^2 B^2/b
    (0.5, 1.0, 0.0625)
    >>> round(prob.value(np.zeros(2)), 12)  # rho(1) = log(2)/2
    0.34657359028
    """

    def __init__(
        self, A: ArrayLike, y: ArrayLike, *, loss: str = "cauchy", scale: float = 1.0
    ) -> None:
        where = "RobustRegression"
        A, y = check_regression_data(where, A, y)
        _v.check_choice(where, "loss", loss, ROBUST_LOSSES)
        self.scale = _v.check_positive_finite(where, "scale", scale)
        self.A = A.copy()
        self.y = y.copy()
        self.loss = loss
        self.num_samples, self.dim = A.shape
        self._row_norms = np.linalg.norm(self.A, axis=1)
        self._L = float(np.linalg.norm(self.A, 2) ** 2 / self.num_samples)

    def __repr__(self) -> str:
        return (
            f"RobustRegression(n={self.num_samples}, d={self.dim}, loss={self.loss!r}, "
            f"scale={self.scale})"
        )

    @classmethod
    def make(
        cls,
        num_samples: int = 200,
        dim: int = 10,
        *,
        loss: str = "cauchy",
        scale: float = 1.0,
        noise: float = 0.1,
        outliers: float = 0.1,
        radius: float = 1.0,
        seed: int | np.random.Generator | None = 0,
    ) -> RobustRegression:
        r"""Return a seeded synthetic instance: bounded rows, Gaussian noise and gross outliers.

        Rows are Gaussian with covariance :math:`I/d`, rescaled where needed so that
        :math:`\|a_i\| \le` ``radius``. Targets are :math:`y = A x_\star + \text{noise}`, and a
        fraction ``outliers`` of them is replaced by :math:`\pm 10` (the robust loss ignores them,
        least squares does not).

        Parameters
        ----------
        num_samples, dim : int, optional
            ``n`` and ``d``. Defaults 200 and 10.
        loss : {"cauchy", "geman-mcclure", "squared"}, optional
        scale : float, optional
            Loss scale ``c``.
        noise : float, optional
            Standard deviation of the Gaussian noise, ``>= 0``. Default 0.1.
        outliers : float, optional
            Fraction of outliers in ``[0, 1]``. Default 0.1.
        radius : float, optional
            Bound on the row norms, ``> 0``. Default 1.
        seed : int or numpy.random.Generator, optional

        Returns
        -------
        RobustRegression

        Raises
        ------
        TypeError
            If a size is not an integer or a number is not real.
        ValueError
            If a size is below 1, ``noise < 0``, ``outliers`` is outside ``[0, 1]`` or
            ``radius <= 0``.

        Examples
        --------
        >>> from pyginger.theory.problems import RobustRegression
        >>> prob = RobustRegression.make(50, 4, seed=0)
        >>> prob.dim, prob.num_samples, round(prob.factor_bound, 12)  # rows clipped to norm 1
        (4, 50, 1.0)
        """
        where = "RobustRegression.make"
        n = _v.check_positive_int(where, "num_samples", num_samples)
        d = _v.check_positive_int(where, "dim", dim)
        radius = _v.check_positive_finite(where, "radius", radius)
        check_synthetic_noise(where, noise, outliers)
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((n, d)) / math.sqrt(d)
        norms = np.linalg.norm(A, axis=1)
        A *= np.minimum(1.0, radius / np.maximum(norms, np.finfo(np.float64).tiny))[:, None]
        x_star = rng.standard_normal(d)
        y = A @ x_star + noise * rng.standard_normal(n)
        bad = rng.random(n) < outliers
        y[bad] = 10.0 * rng.choice([-1.0, 1.0], size=int(bad.sum()))
        return cls(A, y, loss=loss, scale=scale)

    # -- constants ---------------------------------------------------------------------------

    @property
    def smoothness(self) -> float:
        r"""Global Lipschitz constant of :math:`\nabla f`: :math:`L = \|A\|_2^2 / n`."""
        return self._L

    @property
    def factor_bound(self) -> float:
        r""":math:`B = \max_i \|a_i\|`, a bound on :math:`\|F\|_2` for every :meth:`factor`."""
        return float(self._row_norms.max())

    @property
    def lower_bound(self) -> float:
        r"""A number :math:`\le f^*`: the least-squares minimum for ``"squared"``, else 0."""
        if self.loss == "squared":
            x, *_ = np.linalg.lstsq(self.A, self.y, rcond=None)
            return self.value(x)
        return 0.0

    def variance_bound(self, batch_size: int) -> float | None:
        r"""Return :math:`s^2 = \psi^2 B^2 / b`, a bound on the mini-batch gradient's variance.

        Parameters
        ----------
        batch_size : int
            ``b >= 1``.

        Returns
        -------
        float or None
            ``None`` for least squares, whose per-sample gradients are unbounded.

        Raises
        ------
        TypeError
            If ``batch_size`` is not an integer.
        ValueError
            If ``batch_size < 1``.
        """
        b = _v.check_positive_int("RobustRegression.variance_bound", "batch_size", batch_size)
        psi = _rho_p_sup(self.loss, self.scale)
        if not math.isfinite(psi):
            return None
        return float(psi**2 * self.factor_bound**2 / b)

    @property
    def curvature_range(self) -> tuple[float, float]:
        r"""The range :math:`[\min \rho'', \max \rho'']` (``(-1/8, 1)`` for Cauchy, ...)."""
        return _RHO_PP_RANGE[self.loss]

    # -- objective -----------------------------------------------------------------------------

    def residuals(self, x: ArrayLike) -> np.ndarray:
        """Return ``A x - y``."""
        return self.A @ check_point("RobustRegression.residuals", x, self.dim) - self.y

    def value(self, x: ArrayLike) -> float:
        """Return ``f(x)``.

        Parameters
        ----------
        x : (d,) array_like

        Returns
        -------
        float

        Raises
        ------
        ValueError
            If ``x`` has the wrong shape or non-finite entries.
        """
        r = self.A @ check_point("RobustRegression.value", x, self.dim) - self.y
        return float(np.mean(_rho(self.loss, r, self.scale)))

    def value_and_grad(self, x: ArrayLike) -> tuple[float, np.ndarray]:
        r"""Return ``f(x)`` and :math:`\nabla f(x) = \frac1n A^\top \rho'(r)`.

        Parameters
        ----------
        x : (d,) array_like

        Returns
        -------
        value : float
        grad : (d,) ndarray

        Raises
        ------
        ValueError
            If ``x`` has the wrong shape or non-finite entries.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.theory.problems import RobustRegression
        >>> prob = RobustRegression.make(30, 3, seed=1)
        >>> x = np.array([0.1, -0.2, 0.3]); e = np.array([1e-6, 0, 0])
        >>> fd = (prob.value(x + e) - prob.value(x - e)) / 2e-6
        >>> bool(abs(fd - prob.value_and_grad(x)[1][0]) < 1e-9)
        True
        """
        r = self.A @ check_point("RobustRegression.value_and_grad", x, self.dim) - self.y
        value = float(np.mean(_rho(self.loss, r, self.scale)))
        return value, self.A.T @ _rho_p(self.loss, r, self.scale) / self.num_samples

    def grad(self, x: ArrayLike) -> np.ndarray:
        r"""Return :math:`\nabla f(x)` (see :meth:`value_and_grad`)."""
        return self.value_and_grad(x)[1]

    def per_sample_grads(self, x: ArrayLike) -> np.ndarray:
        r"""Return the per-sample gradients :math:`\rho'(r_i) a_i` as rows, shape ``(n, d)``."""
        r = self.A @ check_point("RobustRegression.per_sample_grads", x, self.dim) - self.y
        return _rho_p(self.loss, r, self.scale)[:, None] * self.A

    def batch_grad(self, x: ArrayLike, idx: ArrayLike) -> np.ndarray:
        r"""Return the mini-batch gradient :math:`\frac1b \sum_{i \in S} \rho'(r_i) a_i`.

        Parameters
        ----------
        x : (d,) array_like
        idx : (b,) array of int
            Sample indices; repetitions count (sampling with replacement).

        Returns
        -------
        (d,) ndarray

        Raises
        ------
        ValueError
            If ``x`` or ``idx`` is malformed.
        """
        x = check_point("RobustRegression.batch_grad", x, self.dim)
        idx = check_sample_indices("RobustRegression.batch_grad", idx, self.num_samples)
        As = self.A[idx]
        return As.T @ _rho_p(self.loss, As @ x - self.y[idx], self.scale) / idx.size

    def gradient_variance(self, x: ArrayLike, batch_size: int) -> float:
        r"""Return the exact variance :math:`E\|g - \nabla f(x)\|^2` of the mini-batch gradient.

        With ``b`` indices uniform with replacement,
        :math:`\frac1b \big(\frac1n \sum_i \|g_i\|^2 - \|\nabla f\|^2\big)`.

        Parameters
        ----------
        x : (d,) array_like
        batch_size : int

        Returns
        -------
        float

        Raises
        ------
        ValueError
            If ``x`` is malformed or ``batch_size < 1``.
        TypeError
            If ``batch_size`` is not an integer.
        """
        b = _v.check_positive_int("RobustRegression.gradient_variance", "batch_size", batch_size)
        G = self.per_sample_grads(x)
        mean = G.mean(axis=0)
        return float(np.mean(np.sum((G - mean) ** 2, axis=1)) / b)

    def hessian(self, x: ArrayLike) -> np.ndarray:
        r"""Return the Hessian :math:`\frac1n A^\top \operatorname{diag}(\rho''(r)) A` (d x d)."""
        r = self.A @ check_point("RobustRegression.hessian", x, self.dim) - self.y
        return (self.A.T * _rho_pp(self.loss, r, self.scale)) @ self.A / self.num_samples

    def hvp(self, x: ArrayLike, v: ArrayLike) -> np.ndarray:
        r"""Return the Hessian-vector product :math:`\nabla^2 f(x) v` in ``O(n d)``."""
        r = self.A @ check_point("RobustRegression.hvp", x, self.dim) - self.y
        v = check_point("RobustRegression.hvp", v, self.dim, name="v")
        return self.A.T @ (_rho_pp(self.loss, r, self.scale) * (self.A @ v)) / self.num_samples

    def factor(
        self, x: ArrayLike, idx: ArrayLike | None = None, *, kind: str = "gauss-newton"
    ) -> np.ndarray:
        r"""Return a curvature factor :math:`F = A_S^\top \operatorname{diag}(\sqrt{w}) / \sqrt{k}`.

        Parameters
        ----------
        x : (d,) array_like
        idx : (k,) array of int, optional
            Samples in the factor (default: all ``n``).
        kind : {"gauss-newton", "least-squares"}, optional
            Weights :math:`w_i = \max(\rho''(r_i), 0)` (the curvature of each sample with its
            negative part dropped, so :math:`E[F F^\top]` is the positive part of the Hessian's
            sample weights) or :math:`w_i = 1` (the Gauss-Newton matrix of least squares,
            :math:`E[F F^\top] = A^\top A / n`). Default ``"gauss-newton"``.

        Returns
        -------
        (d, k) ndarray
            :math:`\|F\|_2 \le` :attr:`factor_bound` in both cases.

        Raises
        ------
        ValueError
            If ``x``/``idx`` is malformed or ``kind`` is unknown.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.theory.problems import RobustRegression
        >>> prob = RobustRegression.make(40, 5, seed=0)
        >>> F = prob.factor(np.zeros(5), kind="least-squares")
        >>> F.shape, bool(np.allclose(F @ F.T, prob.A.T @ prob.A / 40))
        ((5, 40), True)
        """
        where = "RobustRegression.factor"
        x = check_point(where, x, self.dim)
        idx = check_sample_indices(where, idx, self.num_samples)
        _v.check_choice(where, "kind", kind, ROBUST_FACTOR_KINDS)
        As = self.A[idx]
        if kind == "least-squares":
            w = np.ones(idx.size)
        else:
            w = np.maximum(_rho_pp(self.loss, As @ x - self.y[idx], self.scale), 0.0)
        return np.ascontiguousarray((As * np.sqrt(w / idx.size)[:, None]).T)
