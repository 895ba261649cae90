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

from pyginger._validation.theory import ROBUST_FACTOR_KINDS as _ROBUST_FACTOR_KINDS
from pyginger._validation.theory import ROBUST_LOSSES as _ROBUST_LOSSES
from pyginger.theory.problems.mlp_regression import MLPRegression
from pyginger.theory.problems.robust_regression import (
    RobustRegression,
    _rho,  # noqa: F401  (rho and its derivatives stay reachable at their old path)
    _rho_p,  # noqa: F401
    _rho_pp,  # noqa: F401
)

__all__ = ["RobustRegression", "MLPRegression", "ROBUST_LOSSES", "LOSSES"]

# The choice lists live with the other checks in pyginger._validation.theory; they are
# assigned here, not only imported, so that the documentation shows the comments below.

#: Losses accepted by :class:`RobustRegression` (``loss=``).
ROBUST_LOSSES = _ROBUST_LOSSES

#: The former name of :data:`ROBUST_LOSSES`, kept so that old code runs. Not to be confused with
#: :data:`pyginger.nn.losses.LOSSES`, the losses of the MLP.
LOSSES = ROBUST_LOSSES

#: Factor kinds accepted by :meth:`RobustRegression.factor` (``kind=``).
ROBUST_FACTOR_KINDS = _ROBUST_FACTOR_KINDS

#: The former name of :data:`ROBUST_FACTOR_KINDS`. Not to be confused with the MLP's factor
#: kinds (``MLP.ggn_factor``).
FACTOR_KINDS = ROBUST_FACTOR_KINDS
