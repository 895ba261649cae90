r"""The MLP's GGN: matrix-free products, the dense matrix, and its exact and sampled factors.

.. math::

    G = \frac1n \sum_{i=1}^n J_i^\top H_i J_i = F F^\top, \qquad
    F = \frac{1}{\sqrt n} \big[ J_1^\top S_1, \dots, J_n^\top S_n \big],

with ``H_i = S_i S_iᵀ`` the output-space Hessian of the loss (:mod:`pyginger.nn.losses`). The
functions here are methods of :class:`pyginger.nn.mlp.MLP` (the class binds them, so call them as
``model.ggn_matvec(theta, X, v)``); each checks its arguments once and then runs the passes of
:mod:`pyginger.nn.backprop`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger._validation import network as _vn

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

__all__ = ["ggn_matvec", "ggn", "ggn_factor"]


def ggn_matvec(self: MLP, theta: ArrayLike, X: ArrayLike, v: ArrayLike) -> np.ndarray:
    """Return ``G v = (1/n) Σ_i J_iᵀ H_i J_i v`` without forming ``J`` or ``G``.

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.
    v : (num_params,) or (num_params, m) array_like
        Vector(s) in parameter space.

    Returns
    -------
    (num_params,) or (num_params, m) ndarray
        ``G v``.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If a shape is wrong or a value is not finite.

    See Also
    --------
    ggn : The dense matrix.
    ggn_factor : Factors ``F`` with ``F Fᵀ = G`` (or unbiased for it).

    Notes
    -----
    ``G`` does not depend on the targets (for both losses ``H_i`` depends on ``f_i`` only).
    Three passes: forward (keeping the cache), forward mode ``dz = J v`` (J1, J2), the
    output-space product ``H dz / n``, reverse mode (B1, B2): ``n(5P − 2P_1)``
    multiply-adds for a single vector against ``nP`` for :meth:`predict` (``P``
    per-sample multiply-adds of a forward pass, ``P_1`` of its first layer, which saves one
    product in each mode; see :class:`MLP`).

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([3, 4, 3], activation="tanh", loss="cross_entropy")
    >>> theta = model.init(seed=0)
    >>> X = np.random.default_rng(0).normal(size=(6, 3))
    >>> v = np.arange(model.num_params, dtype=float)
    >>> bool(np.allclose(model.ggn_matvec(theta, X, v), model.ggn(theta, X) @ v))
    True
    """
    where = "MLP.ggn_matvec"
    theta = self._check_theta(where, theta)
    X = self._check_X(where, X)
    V = self._check_tangent(where, v)
    f, cache = self._forward(theta, X)
    Vt = V.T if V.ndim == 2 else V  # (m, d) or (d,)
    dz = self._forward_tangent(theta, cache, Vt)  # J v
    hu = self.loss_fn._hessian_matvec(f, dz)  # H J v
    hu /= X.shape[0]  # mean over the batch
    out = self._backward_sum(theta, cache, hu)  # Jᵀ H J v / n
    return out.T if V.ndim == 2 else out


def ggn(self: MLP, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
    """Return the dense GGN ``G = (1/n) Σ_i J_iᵀ H_i J_i``, shape ``(d, d)``.

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.

    Returns
    -------
    (num_params, num_params) ndarray
        Symmetric positive semi-definite, computed as ``F Fᵀ`` from the exact factor.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If a shape is wrong or a value is not finite.

    See Also
    --------
    ggn_matvec : The matrix-free product.
    ggn_factor : The factor it is built from.

    Examples
    --------
    For MSE on a linear model, ``G = kron(X̃ᵀX̃ / n, I)`` with ``X̃ = [X, 1]``:

    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([2, 1], loss="mse")
    >>> X = np.array([[1.0, 2.0], [3.0, 0.0]])
    >>> print(model.ggn(np.zeros(3), X))
    [[5. 1. 2.]
     [1. 2. 1.]
     [2. 1. 1.]]
    """
    where = "MLP.ggn"
    theta = self._check_theta(where, theta)
    X = self._check_X(where, X)
    F = self._exact_factor(theta, X)
    G = F @ F.T
    return 0.5 * (G + G.T)  # exactly symmetric


def ggn_factor(
    self: MLP,
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    kind: str = "exact",
    rng: int | np.random.Generator | None = None,
    samples: int | None = None,
    per_sample: bool = False,
) -> np.ndarray:
    r"""Return a factor ``F`` whose outer product ``F Fᵀ`` is (or estimates) the GGN.

    * ``kind="exact"``: ``F = (1/√n) [J_1ᵀ S_1, ..., J_nᵀ S_n]`` of shape ``(d, n c)`` with
      ``H_i = S_i S_iᵀ`` (:meth:`pyginger.nn.losses.Loss.hessian_factor`); ``F Fᵀ = G`` to
      rounding. Column ``i c + j`` belongs to sample ``i`` and output direction ``j``.
    * ``kind="mc"``: Monte-Carlo, unbiased, ``E[F Fᵀ] = G``. Targets ``ŷ_i`` are drawn from
      the model's own predictive distribution (MSE: ``ŷ_i ~ N(f_i, I)``; cross-entropy:
      ``ŷ_i ~ Categorical(softmax(f_i))``) and ``g̃_i = J_iᵀ ∇_f ℓ(f_i, ŷ_i)`` are the
      per-sample gradients at those targets; ``y`` is not used. By default one vector of
      shape ``(d,)`` is returned,

      .. math::

          F = \sqrt n \cdot \frac1n \sum_i \tilde g_i = \frac{1}{\sqrt n} \sum_i \tilde g_i,

      i.e. the gradient of the *mean* loss at the sampled targets times ``√n`` (the scaling
      of the authors' code). It is unbiased because ``E[g̃_i] = 0`` and the draws are
      independent, so the cross terms ``E[g̃_i g̃_jᵀ]``, ``i ≠ j``, vanish and
      ``E[F Fᵀ] = (1/n) Σ_i E[g̃_i g̃_iᵀ] = (1/n) Σ_i J_iᵀ H_i J_i = G``.
      ``samples=k`` draws ``k`` independent such vectors and returns them as the columns of a
      ``(d, k)`` array scaled by ``1/√k`` (so ``F Fᵀ`` is their average). ``per_sample=True``
      keeps the ``n k`` per-sample gradients as columns instead, ``F`` of shape ``(d, n k)``
      scaled by ``1/√(n k)``: same expectation, lower variance, more columns.
    * ``kind="empirical"``: the empirical Fisher from the true targets ``y``,
      ``F = (1/√n) [g_1, ..., g_n]`` of shape ``(d, n)`` with ``g_i = ∇_θ ℓ(f_i, y_i)``, so
      ``F Fᵀ = (1/n) Σ_i g_i g_iᵀ``. This is *not* the GGN in general (it is a biased
      curvature proxy); it is offered for comparison.

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.
    y : array_like, optional
        Targets (see :meth:`loss`); required for ``kind="empirical"``, checked if given,
        otherwise unused.
    kind : {"exact", "mc", "empirical"}, default "exact"
        Which factor.
    rng : None, int or numpy.random.Generator, optional
        Randomness for ``kind="mc"`` (``None``: fresh entropy).
    samples : int, optional
        ``kind="mc"`` only: number ``k`` of independent draws; the result then has a
        trailing axis even for ``k = 1``.
    per_sample : bool, default False
        ``kind="mc"`` only: return the per-sample gradients as columns.

    Returns
    -------
    ndarray
        The float64 factor ``F`` of shape ``(d, n c)`` (exact), ``(d,)``, ``(d, k)`` or
        ``(d, n k)`` (mc), ``(d, n)`` (empirical), ready for :func:`pyginger.update`.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``kind`` is unknown, ``y`` is missing for the empirical factor, ``samples`` or
        ``per_sample`` is given for another kind than ``"mc"``, or an array has a wrong
        shape, bad labels or non-finite values.

    See Also
    --------
    ggn : ``F Fᵀ`` for the exact factor.
    pyginger.nn.losses.Loss.sample : The predictive distribution.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([3, 4, 2], activation="tanh", loss="cross_entropy")
    >>> theta = model.init(seed=0)
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> F = model.ggn_factor(theta, X)
    >>> F.shape  # (d, n c)
    (26, 10)
    >>> bool(np.allclose(F @ F.T, model.ggn(theta, X), atol=1e-15))
    True
    >>> model.ggn_factor(theta, X, kind="mc", rng=0).shape
    (26,)
    >>> Fk = model.ggn_factor(theta, X, kind="mc", rng=0, samples=20000)
    >>> G = model.ggn(theta, X)
    >>> err = np.linalg.norm(Fk @ Fk.T - G) / np.linalg.norm(G)
    >>> bool(err < 0.05)
    True
    """
    where = "MLP.ggn_factor"
    samples = _vn.check_factor_options(where, kind, samples, per_sample, y)
    theta = self._check_theta(where, theta)
    X = self._check_X(where, X)
    if y is not None:
        y = self._check_targets(where, y, X.shape[0])
    if kind == "exact":
        return self._exact_factor(theta, X)
    gen = _v.make_rng(where, rng) if kind == "mc" else None
    n, d = X.shape[0], self.num_params
    f, cache = self._forward(theta, X)
    if kind == "empirical":
        G = self._backward_per_sample(theta, cache, self.loss_fn._grad(f, y))  # (n, d)
        return np.ascontiguousarray(G.T) / math.sqrt(n)
    # Monte-Carlo: gradients at targets drawn from the predictive distribution.
    yhat = self.loss_fn._sample(f, gen, samples)  # (n, ...) or (k, n, ...)
    delta = self.loss_fn._grad(f, yhat)  # (n, c) or (k, n, c)
    k = 1 if samples is None else samples
    if per_sample:
        G = self._backward_per_sample(theta, cache, delta).reshape(-1, d)  # (k n, d)
        return np.ascontiguousarray(G.T) / math.sqrt(n * k)
    g = self._backward_sum(theta, cache, delta)  # Σ_i g̃_i: (d,) or (k, d)
    if samples is None:
        return g / math.sqrt(n)
    return np.ascontiguousarray(g.T) / math.sqrt(n * k)


def _exact_factor(self: MLP, theta, X):
    """``F = (1/√n) [J_1ᵀ S_1, ..., J_nᵀ S_n]``, shape ``(d, n c)``, column ``i c + j``."""
    n, c = X.shape[0], self.n_out
    f, cache = self._forward(theta, X)
    S = self.loss_fn._hessian_factor(f)  # (n, c, c), H_i = S_i S_iᵀ
    # Cotangent for column j of every S_i on a leading axis j: (c, n, c).
    cols = self._backward_per_sample(theta, cache, S.transpose(2, 0, 1))  # (c, n, d)
    F = cols.transpose(1, 0, 2).reshape(n * c, self.num_params).T
    return np.ascontiguousarray(F) / math.sqrt(n)
