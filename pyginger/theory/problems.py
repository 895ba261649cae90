r"""Test problems whose constants are known, for checking the convergence theory numerically.

Every problem is a finite sum :math:`f(x) = \frac1n \sum_{i=1}^n f_i(x)` and exposes the same
small interface, which :mod:`pyginger.theory` relies on:

* ``dim``, ``num_samples``;
* ``value(x)``, ``value_and_grad(x)`` (the full objective), ``batch_grad(x, idx)`` (the mean of
  the per-sample gradients over the indices ``idx``, repetitions allowed), ``per_sample_grads(x)``;
* ``factor(x, idx)``: a curvature factor :math:`F` of shape ``(d, k)`` for :func:`pyginger.update`;
* the constants of the theorem (``None`` where no closed form exists): ``smoothness`` (a global
  Lipschitz constant :math:`L` of :math:`\nabla f`), ``factor_bound`` (:math:`B` with
  :math:`\|F\|_2 \le B` for every factor the problem can return), ``lower_bound`` (a number
  :math:`\le f^*`) and ``variance_bound(batch_size)`` (:math:`s^2` with
  :math:`E\|g - \nabla f\|^2 \le s^2` for the mini-batch gradient);
* ``gradient_variance(x, batch_size)``: the exact variance of the mini-batch gradient at ``x``
  (indices drawn uniformly *with replacement*, which makes the formula exact).

Problems
--------
:class:`RobustRegression`
    A linear model with a smooth redescending loss (Cauchy or Geman-McClure), non-convex, with
    :math:`L`, :math:`B` and :math:`s^2` in closed form; ``loss="squared"`` gives least squares
    (convex, :math:`f^*` exact).
:class:`MLPRegression`
    A ``tanh`` MLP (:class:`pyginger.nn.mlp.MLP`, mean-squared error) on bounded data. Its
    :math:`L` has no useful closed form: it is estimated, see
    :func:`pyginger.theory.estimate_smoothness` and :func:`pyginger.theory.descent_smoothness`.

The closed forms are derived in ``docs/theory.md`` (section "Test problems") and in the class
docstrings; the tests check each against finite differences or dense eigenvalues.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v

__all__ = ["RobustRegression", "MLPRegression", "LOSSES"]

#: Losses accepted by :class:`RobustRegression`.
LOSSES = ("cauchy", "geman-mcclure", "squared")

#: Factor kinds accepted by :meth:`RobustRegression.factor`.
FACTOR_KINDS = ("gauss-newton", "least-squares")


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
# Small argument checks (messages: function, argument, expected, got)
# ---------------------------------------------------------------------------------------------


def _check_x(func, x, dim):
    arr = _v.as_real_array(func, "x", x, ndim=1)
    if arr.shape != (dim,):
        raise ValueError(f"{func}: x must have shape ({dim},), got {arr.shape}")
    return arr


def _check_idx(func, idx, n):
    if idx is None:
        return np.arange(n)
    arr = np.asarray(idx)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{func}: idx must be a non-empty 1-d array of integer sample indices, got "
            f"shape {arr.shape} and dtype {arr.dtype}"
        )
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(
            f"{func}: idx must lie in [0, {n}), got values in [{arr.min()}, {arr.max()}]"
        )
    return arr


def _check_batch_size(func, batch_size):
    return _v.check_positive_int(func, "batch_size", batch_size)


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
        A = _v.as_real_array(where, "A", A, ndim=2)
        y = _v.as_real_array(where, "y", y, ndim=1)
        if y.shape != (A.shape[0],):
            raise ValueError(
                f"{where}: y must have shape ({A.shape[0]},) to match A, got {y.shape}"
            )
        if A.shape[0] < 1 or A.shape[1] < 1:
            raise ValueError(f"{where}: A must have at least one row and one column, got {A.shape}")
        _v.check_choice(where, "loss", loss, LOSSES)
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
        for name, val in (("noise", noise), ("outliers", outliers)):
            if isinstance(val, bool) or not isinstance(val, numbers.Real):
                raise TypeError(f"{where}: {name} must be a real number, got {type(val).__name__}")
        if not (math.isfinite(noise) and noise >= 0):
            raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise}")
        if not 0.0 <= outliers <= 1.0:
            raise ValueError(f"{where}: outliers must lie in [0, 1], got {outliers}")
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
        b = _check_batch_size("RobustRegression.variance_bound", batch_size)
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
        return self.A @ _check_x("RobustRegression.residuals", x, self.dim) - self.y

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
        r = self.A @ _check_x("RobustRegression.value", x, self.dim) - self.y
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
        r = self.A @ _check_x("RobustRegression.value_and_grad", x, self.dim) - self.y
        value = float(np.mean(_rho(self.loss, r, self.scale)))
        return value, self.A.T @ _rho_p(self.loss, r, self.scale) / self.num_samples

    def grad(self, x: ArrayLike) -> np.ndarray:
        r"""Return :math:`\nabla f(x)` (see :meth:`value_and_grad`)."""
        return self.value_and_grad(x)[1]

    def per_sample_grads(self, x: ArrayLike) -> np.ndarray:
        r"""Return the per-sample gradients :math:`\rho'(r_i) a_i` as rows, shape ``(n, d)``."""
        r = self.A @ _check_x("RobustRegression.per_sample_grads", x, self.dim) - self.y
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
        x = _check_x("RobustRegression.batch_grad", x, self.dim)
        idx = _check_idx("RobustRegression.batch_grad", idx, self.num_samples)
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
        b = _check_batch_size("RobustRegression.gradient_variance", batch_size)
        G = self.per_sample_grads(x)
        mean = G.mean(axis=0)
        return float(np.mean(np.sum((G - mean) ** 2, axis=1)) / b)

    def hessian(self, x: ArrayLike) -> np.ndarray:
        r"""Return the Hessian :math:`\frac1n A^\top \operatorname{diag}(\rho''(r)) A` (d x d)."""
        r = self.A @ _check_x("RobustRegression.hessian", x, self.dim) - self.y
        return (self.A.T * _rho_pp(self.loss, r, self.scale)) @ self.A / self.num_samples

    def hvp(self, x: ArrayLike, v: ArrayLike) -> np.ndarray:
        r"""Return the Hessian-vector product :math:`\nabla^2 f(x) v` in ``O(n d)``."""
        r = self.A @ _check_x("RobustRegression.hvp", x, self.dim) - self.y
        v = _v.as_real_array("RobustRegression.hvp", "v", v, ndim=1)
        if v.shape != (self.dim,):
            raise ValueError(
                f"RobustRegression.hvp: v must have shape ({self.dim},), got {v.shape}"
            )
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
        x = _check_x(where, x, self.dim)
        idx = _check_idx(where, idx, self.num_samples)
        _v.check_choice(where, "kind", kind, FACTOR_KINDS)
        As = self.A[idx]
        if kind == "least-squares":
            w = np.ones(idx.size)
        else:
            w = np.maximum(_rho_pp(self.loss, As @ x - self.y[idx], self.scale), 0.0)
        return np.ascontiguousarray((As * np.sqrt(w / idx.size)[:, None]).T)


# ---------------------------------------------------------------------------------------------
# tanh MLP on bounded data
# ---------------------------------------------------------------------------------------------


class MLPRegression:
    r"""A ``tanh`` MLP with mean-squared error on bounded data, as a finite-sum problem.

    Wraps :class:`pyginger.nn.mlp.MLP`:
    :math:`f(\theta) = \frac1n \sum_i \tfrac12\|f_\theta(x_i) - y_i\|^2`
    with inputs in :math:`[-1, 1]^{n_0}` and targets in :math:`[-1, 1]^c`.

    Constants: ``lower_bound = 0`` (the loss is non-negative). ``smoothness``,
    ``factor_bound`` and ``variance_bound`` are ``None``: a tanh network's Hessian and
    Jacobians grow with the weights, so no global constant exists on all of
    :math:`\mathbb R^d`. :mod:`pyginger.theory` then uses constants measured along the run
    (power iteration, :func:`pyginger.theory.descent_smoothness`, the largest recorded factor
    norm and gradient variance), which makes the check *a posteriori*: see ``docs/theory.md``.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_in, hidden..., n_out]``.
    X : (n, n_in) array_like
        Inputs (bounded data: the generator :meth:`make` draws them in ``[-1, 1]``).
    y : (n, n_out) array_like
        Targets.

    Attributes
    ----------
    model : pyginger.nn.mlp.MLP
    X, y : ndarray
    dim, num_samples : int

    Raises
    ------
    TypeError, ValueError
        As :class:`pyginger.nn.mlp.MLP` and for malformed data.

    Examples
    --------
    >>> from pyginger.theory.problems import MLPRegression
    >>> prob = MLPRegression.make(32, sizes=(2, 6, 1), seed=0)
    >>> prob.dim, prob.smoothness is None, prob.lower_bound
    (25, True, 0.0)
    """

    smoothness = None
    factor_bound = None
    lower_bound = 0.0

    def __init__(self, sizes: Sequence[int], X: ArrayLike, y: ArrayLike) -> None:
        from pyginger.nn.mlp import MLP

        where = "MLPRegression"
        self.model = MLP(sizes, activation="tanh", loss="mse")
        X = _v.as_real_array(where, "X", X, ndim=2)
        y = _v.as_real_array(where, "y", y, ndim=2)
        if X.shape[1] != self.model.n_in or y.shape != (X.shape[0], self.model.n_out):
            raise ValueError(
                f"{where}: X must have shape (n, {self.model.n_in}) and y shape "
                f"(n, {self.model.n_out}), got {X.shape} and {y.shape}"
            )
        self.X, self.y = X.copy(), y.copy()
        self.num_samples = X.shape[0]
        self.dim = self.model.num_params

    def __repr__(self) -> str:
        return f"MLPRegression(sizes={list(self.model.sizes)}, n={self.num_samples})"

    @classmethod
    def make(
        cls,
        num_samples: int = 64,
        *,
        sizes: Sequence[int] = (2, 8, 1),
        seed: int | np.random.Generator | None = 0,
    ) -> MLPRegression:
        r"""Return a seeded instance: inputs in :math:`[-1,1]^{n_0}`, targets in :math:`[-1, 1]`.

        :math:`x \sim U[-1,1]^{n_0}`, :math:`y = \sin(\pi x_1)\cos(x_2)`.

        Every output column gets the same target (a smooth bounded function of the first two
        inputs; with one input, :math:`\sin(\pi x_1)`).

        Parameters
        ----------
        num_samples : int, optional
        sizes : sequence of int, optional
        seed : int or numpy.random.Generator, optional

        Returns
        -------
        MLPRegression

        Raises
        ------
        TypeError, ValueError
            For a malformed size.
        """
        n = _v.check_positive_int("MLPRegression.make", "num_samples", num_samples)
        rng = np.random.default_rng(seed)
        sizes = tuple(sizes)
        X = rng.uniform(-1.0, 1.0, size=(n, sizes[0]))
        t = np.sin(np.pi * X[:, 0])
        if sizes[0] > 1:
            t = t * np.cos(X[:, 1])
        y = np.repeat(t[:, None], sizes[-1], axis=1)
        return cls(sizes, X, y)

    def init(self, seed: int | np.random.Generator | None = 0) -> np.ndarray:
        """Return initial parameters (:meth:`pyginger.nn.mlp.MLP.init`)."""
        return self.model.init(seed)

    def variance_bound(self, batch_size: int) -> None:
        """Return None: no closed-form variance bound (measure :meth:`gradient_variance`)."""
        _check_batch_size("MLPRegression.variance_bound", batch_size)
        return None

    def value(self, x: ArrayLike) -> float:
        """Return the mean loss at parameters ``x``."""
        return self.model.loss(x, self.X, self.y)

    def value_and_grad(self, x: ArrayLike) -> tuple[float, np.ndarray]:
        """Return the mean loss and its gradient (hand-written backprop)."""
        return self.model.loss_and_grad(x, self.X, self.y)

    def grad(self, x: ArrayLike) -> np.ndarray:
        """Return the gradient of the mean loss."""
        return self.value_and_grad(x)[1]

    def per_sample_grads(self, x: ArrayLike) -> np.ndarray:
        """Return per-sample gradients as rows, ``(n, d)``."""
        return self.model.per_sample_grads(x, self.X, self.y)

    def batch_grad(self, x: ArrayLike, idx: ArrayLike) -> np.ndarray:
        """Return the mean gradient over the samples ``idx`` (repetitions count)."""
        idx = _check_idx("MLPRegression.batch_grad", idx, self.num_samples)
        return self.model.loss_and_grad(x, self.X[idx], self.y[idx])[1]

    def gradient_variance(self, x: ArrayLike, batch_size: int) -> float:
        """Return the exact mini-batch gradient variance at ``x`` (sampling with replacement)."""
        b = _check_batch_size("MLPRegression.gradient_variance", batch_size)
        G = self.per_sample_grads(x)
        return float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / b)

    def factor(self, x: ArrayLike, idx: ArrayLike | None = None) -> np.ndarray:
        r"""Return the exact GGN factor of the samples ``idx``: ``F Fᵀ`` is their mean GGN.

        Uses :meth:`pyginger.nn.mlp.MLP.ggn_factor` with ``kind="exact"``, shape ``(d, k c)``.
        """
        idx = _check_idx("MLPRegression.factor", idx, self.num_samples)
        return self.model.ggn_factor(x, self.X[idx], kind="exact")
