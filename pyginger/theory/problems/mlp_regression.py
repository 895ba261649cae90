r"""A tanh MLP with mean-squared error on bounded data, as a test problem of the theory.

:class:`MLPRegression` wraps :class:`pyginger.nn.mlp.MLP` in the finite-sum interface of
:mod:`pyginger.theory.problems`. Unlike :class:`~pyginger.theory.problems.RobustRegression` it
has no closed-form smoothness or factor bound, so the theory's checks of it are *a posteriori*.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger._validation.theory import check_mlp_data, check_sample_indices
from pyginger.nn.mlp import MLP

__all__ = ["MLPRegression"]


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
        self.model = MLP(sizes, activation="tanh", loss="mse")
        X, y = check_mlp_data("MLPRegression", X, y, self.model.n_in, self.model.n_out)
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
        _v.check_positive_int("MLPRegression.variance_bound", "batch_size", batch_size)
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
        idx = check_sample_indices("MLPRegression.batch_grad", idx, self.num_samples)
        return self.model.loss_and_grad(x, self.X[idx], self.y[idx])[1]

    def gradient_variance(self, x: ArrayLike, batch_size: int) -> float:
        """Return the exact mini-batch gradient variance at ``x`` (sampling with replacement)."""
        b = _v.check_positive_int("MLPRegression.gradient_variance", "batch_size", batch_size)
        G = self.per_sample_grads(x)
        return float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)) / b)

    def factor(self, x: ArrayLike, idx: ArrayLike | None = None) -> np.ndarray:
        r"""Return the exact GGN factor of the samples ``idx``: ``F Fᵀ`` is their mean GGN.

        Uses :meth:`pyginger.nn.mlp.MLP.ggn_factor` with ``kind="exact"``, shape ``(d, k c)``.
        """
        idx = check_sample_indices("MLPRegression.factor", idx, self.num_samples)
        return self.model.ggn_factor(x, self.X[idx], kind="exact")
