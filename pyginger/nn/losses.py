r"""Losses on the network output, with their output-space Hessians, factors and samplers.

A loss compares the network output ``f_i`` of one sample (a vector of ``c`` numbers: regression
outputs or class logits) with its target ``y_i``. The model's objective is always the **mean** over
the batch,

.. math::

    L(\theta) = \frac{1}{n} \sum_{i=1}^{n} \ell(f_i(\theta), y_i),

and the generalized Gauss-Newton (GGN) matrix of that mean is

.. math::

    G = \frac{1}{n} \sum_{i=1}^{n} J_i^\top H_i J_i,
    \qquad H_i = \nabla^2_{f} \ell(f_i, y_i),

with ``J_i`` the ``(c, d)`` Jacobian of ``f_i`` with respect to the parameters. This module supplies
everything about ``ell`` that :mod:`pyginger.nn.mlp` needs: the value, the per-sample gradient
``∂ℓ/∂f_i``, the Hessian ``H_i`` (as a matrix, as a product, and as a symmetric factor
``H_i = S_i S_iᵀ``) and a sampler for the model's predictive distribution, which gives unbiased
Monte-Carlo estimates of ``G``.

.. rubric:: Conventions

*Mean-squared error* (:class:`MSELoss`, name ``"mse"``): targets are real, shape ``(n, c)``, and

.. math::

    \ell(f, y) = \tfrac12 \lVert f - y \rVert^2, \quad
    \nabla_f \ell = f - y, \quad H = I_c, \quad S = I_c .

The factor one half makes ``H`` the identity; the objective is therefore
``L = (1/n) Σ ½‖f_i − y_i‖²`` (half the usual "MSE" averaged over samples, summed over outputs).
The predictive distribution is ``y ~ N(f, I_c)``.

*Softmax cross-entropy* (:class:`CrossEntropyLoss`, name ``"cross_entropy"``): targets are integer
class labels of shape ``(n,)`` in ``[0, c)``, ``f`` are logits, ``p = softmax(f)`` and

.. math::

    \ell(f, y) = \log \sum_j e^{f_j} - f_y, \quad
    \nabla_f \ell = p - e_y, \quad H = \operatorname{diag}(p) - p p^\top, \quad
    S = \operatorname{diag}(\sqrt{p}) - p \sqrt{p}^\top .

``H`` does not depend on the label. The log-sum-exp is evaluated stably (the row maximum is
subtracted first). The predictive distribution is ``y ~ Categorical(p)``.

For both losses, the gradient at a target drawn from the predictive distribution has mean zero and
covariance ``H`` (the Fisher information of the output equals the Hessian); this is what makes the
Monte-Carlo GGN factor of :meth:`pyginger.nn.mlp.MLP.ggn_factor` unbiased.

Shapes: every method works on a batch, ``f`` of shape ``(n, c)``; per-sample quantities carry a
leading ``n`` axis, and nothing is divided by ``n`` except in :meth:`Loss.value` (the mean).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger._validation import network as _vn
from pyginger.nn.softmax import log_softmax, softmax

__all__ = [
    "Loss",
    "MSELoss",
    "CrossEntropyLoss",
    "get_loss",
    "LOSSES",
    "log_softmax",
    "softmax",
]

#: Names accepted by :func:`get_loss` and by ``pyginger.nn.mlp.MLP(loss=...)``.
LOSSES = _vn.LOSSES


# ---------------------------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------------------------


class Loss:
    """Base class of a per-sample loss ``ell(f, y)`` on network outputs ``f`` of shape ``(n, c)``.

    Subclasses implement the private, unchecked methods (``_per_sample``, ``_grad``,
    ``_hessian_matvec``, ``_hessian_factor``, ``_sample``, ``_check_targets``); the public methods
    check their arguments and then call them. :class:`pyginger.nn.mlp.MLP` calls the private ones
    directly after checking its own inputs once.

    Attributes
    ----------
    name : str
        ``"mse"`` or ``"cross_entropy"``.

    See Also
    --------
    MSELoss, CrossEntropyLoss, get_loss

    Examples
    --------
    >>> from pyginger.nn.losses import Loss, get_loss
    >>> isinstance(get_loss("mse"), Loss)
    True
    """

    name = "loss"

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    # -- public, checked ------------------------------------------------------------------------

    def value(self, f: ArrayLike, y: ArrayLike) -> float:
        """Return the mean loss ``(1/n) sum_i ell(f_i, y_i)`` as a Python float.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs (regression outputs or logits).
        y : array_like
            Targets: ``(n, c)`` reals for MSE, ``(n,)`` integer labels in ``[0, c)`` for
            cross-entropy.

        Returns
        -------
        float
            The mean loss.

        Raises
        ------
        TypeError
            If ``f`` or ``y`` has the wrong type or dtype.
        ValueError
            If shapes disagree, labels are out of range, or values are not finite.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.losses import MSELoss
        >>> MSELoss().value(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]]))
        2.5
        """
        where = f"{type(self).__name__}.value"
        f = _vn.check_outputs(where, f)
        y = self._check_targets(where, y, *f.shape)
        return float(self._per_sample(f, y).mean())

    def per_sample(self, f: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return the per-sample losses ``ell(f_i, y_i)``, shape ``(n,)``.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs.
        y : array_like
            Targets (see :meth:`value`).

        Returns
        -------
        (n,) ndarray
            One loss per sample; their mean is :meth:`value`.

        Raises
        ------
        TypeError
            If ``f`` or ``y`` has the wrong type or dtype.
        ValueError
            If shapes disagree, labels are out of range, or values are not finite.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.losses import CrossEntropyLoss
        >>> ell = CrossEntropyLoss().per_sample(np.zeros((2, 4)), np.array([0, 3]))
        >>> print(np.round(ell, 6))  # log 4 for uniform logits
        [1.386294 1.386294]
        """
        where = f"{type(self).__name__}.per_sample"
        f = _vn.check_outputs(where, f)
        y = self._check_targets(where, y, *f.shape)
        return self._per_sample(f, y)

    def grad(self, f: ArrayLike, y: ArrayLike) -> np.ndarray:
        """Return the per-sample gradients ``∂ell(f_i, y_i)/∂f_i``, shape ``(n, c)``.

        Not divided by ``n``: the gradient of the mean loss :meth:`value` with respect to ``f`` is
        ``grad(f, y) / n``.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs.
        y : array_like
            Targets (see :meth:`value`).

        Returns
        -------
        (n, c) ndarray
            Row ``i`` is the gradient of ``ell(f_i, y_i)``.

        Raises
        ------
        TypeError
            If ``f`` or ``y`` has the wrong type or dtype.
        ValueError
            If shapes disagree, labels are out of range, or values are not finite.

        Examples
        --------
        Cross-entropy gradients ``p - e_y`` sum to zero over the classes:

        >>> import numpy as np
        >>> from pyginger.nn.losses import CrossEntropyLoss
        >>> g = CrossEntropyLoss().grad(np.array([[0.5, -1.0, 2.0]]), np.array([2]))
        >>> print(np.round(g.sum(axis=1), 12))
        [0.]
        """
        where = f"{type(self).__name__}.grad"
        f = _vn.check_outputs(where, f)
        y = self._check_targets(where, y, *f.shape)
        return self._grad(f, y)

    def hessian(self, f: ArrayLike) -> np.ndarray:
        """Return the per-sample output-space Hessians ``H_i``, shape ``(n, c, c)``.

        The Hessian of both losses here does not depend on the target, so only ``f`` is needed.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs.

        Returns
        -------
        (n, c, c) ndarray
            Symmetric positive semi-definite matrices.

        Raises
        ------
        TypeError
            If ``f`` is not a real array.
        ValueError
            If ``f`` is not 2-D or not finite.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.losses import CrossEntropyLoss
        >>> H = CrossEntropyLoss().hessian(np.zeros((1, 2)))
        >>> print(H[0])
        [[ 0.25 -0.25]
         [-0.25  0.25]]
        """
        f = _vn.check_outputs(f"{type(self).__name__}.hessian", f)
        n, c = f.shape
        # H_i e_j for every unit vector e_j, stacked: column j of H_i.
        eye = np.broadcast_to(np.eye(c)[:, None, :], (c, n, c))
        return np.ascontiguousarray(self._hessian_matvec(f, eye).transpose(1, 2, 0))

    def hessian_matvec(self, f: ArrayLike, u: ArrayLike) -> np.ndarray:
        """Return the per-sample products ``H_i u_i``, shape ``(n, c)``.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs.
        u : (n, c) array_like
            One output-space vector per sample.

        Returns
        -------
        (n, c) ndarray
            Row ``i`` is ``H_i u_i``.

        Raises
        ------
        TypeError
            If ``f`` or ``u`` is not a real array.
        ValueError
            If the shapes differ or values are not finite.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.losses import MSELoss
        >>> print(MSELoss().hessian_matvec(np.zeros((1, 2)), np.array([[3.0, 4.0]])))
        [[3. 4.]]
        """
        where = f"{type(self).__name__}.hessian_matvec"
        f = _vn.check_outputs(where, f)
        u = _v.as_real_array(where, "u", u)
        _v.check_shape(where, "u", u, f.shape, f"{f.shape} (the shape of f)")
        return self._hessian_matvec(f, u)

    def hessian_factor(self, f: ArrayLike) -> np.ndarray:
        """Return per-sample symmetric factors ``S_i`` with ``S_i S_iᵀ = H_i``, shape ``(n, c, c)``.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs.

        Returns
        -------
        (n, c, c) ndarray
            ``S[i] @ S[i].T`` equals ``hessian(f)[i]`` to rounding.

        Raises
        ------
        TypeError
            If ``f`` is not a real array.
        ValueError
            If ``f`` is not 2-D or not finite.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.losses import CrossEntropyLoss
        >>> loss = CrossEntropyLoss()
        >>> f = np.array([[0.3, -1.2, 2.0]])
        >>> S = loss.hessian_factor(f)
        >>> bool(np.allclose(S[0] @ S[0].T, loss.hessian(f)[0], atol=1e-15))
        True
        """
        f = _vn.check_outputs(f"{type(self).__name__}.hessian_factor", f)
        return self._hessian_factor(f)

    def sample(
        self,
        f: ArrayLike,
        rng: int | np.random.Generator | None = None,
        *,
        size: int | None = None,
    ) -> np.ndarray:
        """Draw targets from the model's predictive distribution ``p(y | f)``.

        Parameters
        ----------
        f : (n, c) array_like
            Network outputs.
        rng : None, int or numpy.random.Generator, optional
            Source of randomness (``None``: fresh entropy).
        size : int, optional
            Number of independent draws ``k`` per sample. Without it one draw is returned.

        Returns
        -------
        ndarray
            Targets in the loss's target format: ``(n, c)`` reals (MSE) or ``(n,)`` int64 labels
            (cross-entropy); with ``size=k`` a leading axis of length ``k`` is added.

        Raises
        ------
        TypeError
            If ``f``, ``rng`` or ``size`` has the wrong type.
        ValueError
            If ``f`` is not a finite 2-D array or ``size < 1``.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.losses import CrossEntropyLoss
        >>> y = CrossEntropyLoss().sample(np.array([[0.0, 50.0, 0.0]]), rng=0, size=4)
        >>> print(y.shape, y.ravel())
        (4, 1) [1 1 1 1]
        """
        where = f"{type(self).__name__}.sample"
        f = _vn.check_outputs(where, f)
        gen = _v.make_rng(where, rng)
        if size is not None:
            size = _v.check_positive_int(where, "size", size)
        return self._sample(f, gen, size)

    # -- private, unchecked (float64 arrays of the right shapes) --------------------------------

    def _per_sample(self, f, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _grad(self, f, y):  # pragma: no cover - abstract
        raise NotImplementedError

    def _hessian_matvec(self, f, u):  # pragma: no cover - abstract
        raise NotImplementedError

    def _hessian_factor(self, f):  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample(self, f, rng, size):  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_targets(self, func, y, n, c):  # pragma: no cover - abstract
        raise NotImplementedError


class MSELoss(Loss):
    r"""Half squared error ``ell(f, y) = ½‖f − y‖²`` with real targets of shape ``(n, c)``.

    .. math::

        \nabla_f \ell = f - y, \qquad H = I_c, \qquad S = I_c,
        \qquad y \sim \mathcal N(f, I_c) \text{ (predictive distribution)} .

    With this convention the mean objective ``(1/n) Σ ½‖f_i − y_i‖²`` of a linear model
    ``f = X W + b`` has GGN ``X̃ᵀX̃ / n ⊗ I_c`` with ``X̃ = [X, 1]`` (see :mod:`pyginger.nn.mlp`).

    See Also
    --------
    CrossEntropyLoss, pyginger.nn.mlp.MLP

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.losses import MSELoss
    >>> loss = MSELoss()
    >>> f, y = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> loss.value(f, y)  # (½·4 + ½·1) / 2
    1.25
    >>> print(loss.grad(f, y))
    [[ 0.  2.]
     [ 0. -1.]]
    """

    name = "mse"

    def _check_targets(self, func, y, n, c):
        return _vn.check_real_targets(func, y, n, c)

    def _per_sample(self, f, y):
        r = f - y
        return 0.5 * np.einsum("ij,ij->i", r, r)  # ½‖f_i − y_i‖²

    def _grad(self, f, y):
        return f - y  # broadcasts over a leading sample axis of y

    def _hessian_matvec(self, f, u):
        return np.array(u, dtype=np.float64, copy=True)  # H = I

    def _hessian_factor(self, f):
        n, c = f.shape
        return np.tile(np.eye(c), (n, 1, 1))  # S = I

    def _sample(self, f, rng, size):
        shape = f.shape if size is None else (size, *f.shape)
        return f + rng.standard_normal(shape)  # y ~ N(f, I)


class CrossEntropyLoss(Loss):
    r"""Softmax cross-entropy ``ell(f, y) = logsumexp(f) − f_y`` on integer labels ``(n,)``.

    .. math::

        p = \operatorname{softmax}(f), \quad \nabla_f \ell = p - e_y, \quad
        H = \operatorname{diag}(p) - p p^\top, \quad
        S = \operatorname{diag}(\sqrt p) - p \sqrt p^{\top} .

    ``S Sᵀ = diag(p) − 2 p pᵀ + p (Σ_j p_j) pᵀ = H`` because the probabilities sum to one. ``H`` has
    rank at most ``c − 1`` (``H 1 = 0``); ``S`` is square, so factors built from it carry one
    redundant column per sample. The predictive distribution is ``Categorical(p)``.

    See Also
    --------
    MSELoss, softmax, log_softmax

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.losses import CrossEntropyLoss
    >>> loss = CrossEntropyLoss()
    >>> f = np.array([[2.0, 0.0, -1.0]])
    >>> round(loss.value(f, np.array([0])), 6)
    0.169846
    >>> H = loss.hessian(f)[0]
    >>> bool(np.abs(H @ np.ones(3)).max() < 1e-15)  # H 1 = 0
    True
    """

    name = "cross_entropy"

    def _check_targets(self, func, y, n, c):
        return _vn.check_label_targets(func, y, n, c)

    def _per_sample(self, f, y):
        lp = log_softmax(f)
        return -np.take_along_axis(lp, y[:, None], axis=1)[:, 0]  # −log p_y = lse(f) − f_y

    def _grad(self, f, y):
        # p − e_y; y may carry a leading axis of k draws, shape (k, n) -> result (k, n, c).
        onehot = np.arange(f.shape[1]) == y[..., None]
        return softmax(f) - onehot

    def _hessian_matvec(self, f, u):
        p = softmax(f)
        # H u = p ⊙ u − p (pᵀ u); u may carry leading axes.
        return p * u - p * np.sum(p * u, axis=-1, keepdims=True)

    def _hessian_factor(self, f):
        p = softmax(f)
        sq = np.sqrt(p)
        n, c = f.shape
        # S_ab = δ_ab √p_b − p_a √p_b
        return np.eye(c)[None] * sq[:, None, :] - p[:, :, None] * sq[:, None, :]

    def _sample(self, f, rng, size):
        p = softmax(f)
        shape = (f.shape[0],) if size is None else (size, f.shape[0])
        u = rng.random((*shape, 1))
        # Inverse-CDF sampling: the label is the number of cumulative probabilities below u.
        labels = np.count_nonzero(np.cumsum(p, axis=1) < u, axis=-1)
        return np.minimum(labels, f.shape[1] - 1).astype(np.int64)


_LOSSES = {"mse": MSELoss, "cross_entropy": CrossEntropyLoss}


def get_loss(loss: str | Loss) -> Loss:
    """Return the :class:`Loss` named ``loss`` (or ``loss`` itself if it already is one).

    Parameters
    ----------
    loss : {"mse", "cross_entropy"} or Loss
        Name of the loss, or an instance.

    Returns
    -------
    Loss
        A :class:`MSELoss` or :class:`CrossEntropyLoss` instance.

    Raises
    ------
    ValueError
        If ``loss`` is an unknown name.
    TypeError
        If ``loss`` is neither a string nor a :class:`Loss`.

    Examples
    --------
    >>> from pyginger.nn.losses import get_loss
    >>> get_loss("cross_entropy")
    CrossEntropyLoss()
    """
    if isinstance(loss, Loss):
        return loss
    _vn.check_loss_name("get_loss", loss)
    return _LOSSES[loss]()
