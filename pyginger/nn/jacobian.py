r"""The MLP's Jacobian products: ``J v``, ``Jᵀ u``, the dense ``J`` and the per-sample gradients.

``J`` stacks the ``(c, d)`` Jacobians ``J_i = ∂f_i/∂θ`` of the network outputs over the batch.
The functions here are methods of :class:`pyginger.nn.mlp.MLP` (the class binds them, so call
them as ``model.jvp(theta, X, v)``); each checks its arguments once and then runs the passes of
:mod:`pyginger.nn.backprop`: forward mode (J1, J2) for ``J v``, reverse mode (B1, B2) for
``Jᵀ u``, and the per-sample rule (B1') for the dense Jacobian and the per-sample gradients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

__all__ = ["jvp", "vjp", "jacobian", "per_sample_grads"]


def jvp(self: MLP, theta: ArrayLike, X: ArrayLike, v: ArrayLike) -> np.ndarray:
    """Return the Jacobian-vector product ``J v`` of the outputs, shape ``(n, n_out)``.

    ``(J v)_i = J_i v`` is the directional derivative of ``f_i`` along ``v``, computed in
    forward mode with (J1)/(J2).

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.
    v : (num_params,) or (num_params, m) array_like
        Tangent(s) in parameter space, in the layout of ``theta``.

    Returns
    -------
    (n, n_out) or (n, n_out, m) ndarray
        ``J v``; with ``m`` tangents the last axis runs over them.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If a shape is wrong or a value is not finite.

    See Also
    --------
    vjp : The adjoint product ``Jᵀ u``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([3, 4, 2], activation="gelu")
    >>> theta = model.init(seed=0)
    >>> rng = np.random.default_rng(0)
    >>> X, v, u = rng.normal(size=(5, 3)), rng.normal(size=26), rng.normal(size=(5, 2))
    >>> lhs = np.sum(model.jvp(theta, X, v) * u)  # <J v, u>
    >>> rhs = v @ model.vjp(theta, X, u)          # <v, Jᵀ u>
    >>> bool(abs(lhs - rhs) < 1e-12 * abs(lhs))
    True
    """
    where = "MLP.jvp"
    theta = self._check_theta(where, theta)
    X = self._check_X(where, X)
    V = self._check_tangent(where, v)
    _f, cache = self._forward(theta, X)
    dz = self._forward_tangent(theta, cache, V.T if V.ndim == 2 else V)
    return np.moveaxis(dz, 0, -1) if V.ndim == 2 else dz


def vjp(self: MLP, theta: ArrayLike, X: ArrayLike, u: ArrayLike) -> np.ndarray:
    """Return the vector-Jacobian product ``Jᵀ u = Σ_i J_iᵀ u_i``, shape ``(num_params,)``.

    Computed in reverse mode with (B1)/(B2). Nothing is divided by ``n``.

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.
    u : (n, n_out) or (n, n_out, m) array_like
        Output-space cotangent(s), one row per sample.

    Returns
    -------
    (num_params,) or (num_params, m) ndarray
        ``Jᵀ u`` in the layout of ``theta``.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If a shape is wrong or a value is not finite.

    See Also
    --------
    jvp : The product ``J v``.

    Examples
    --------
    For a linear model ``Jᵀ u`` stacks ``Xᵀ u`` and ``Σ_i u_i``:

    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([2, 1])
    >>> X, u = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0], [-1.0]])
    >>> print(model.vjp(np.zeros(3), X, u))
    [-2. -2.  0.]
    """
    where = "MLP.vjp"
    theta = self._check_theta(where, theta)
    X = self._check_X(where, X)
    U = self._check_cotangent(where, u, X.shape[0])
    _f, cache = self._forward(theta, X)
    if U.ndim == 3:
        return self._backward_sum(theta, cache, np.moveaxis(U, -1, 0)).T
    return self._backward_sum(theta, cache, U)


def jacobian(self: MLP, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
    """Return the dense Jacobian of the outputs, shape ``(n, n_out, num_params)``.

    ``jacobian(theta, X)[i]`` is ``J_i = ∂f_i/∂θ``. For small networks (stores ``n c d``
    numbers).

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.

    Returns
    -------
    (n, n_out, num_params) ndarray
        The per-sample Jacobians.

    Raises
    ------
    TypeError
        If an argument is not a real array.
    ValueError
        If a shape is wrong or a value is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([2, 1])
    >>> print(model.jacobian(np.zeros(3), np.array([[5.0, 7.0]])))
    [[[5. 7. 1.]]]
    """
    where = "MLP.jacobian"
    theta = self._check_theta(where, theta)
    X = self._check_X(where, X)
    n, c = X.shape[0], self.n_out
    _f, cache = self._forward(theta, X)
    # Cotangent e_j for every sample, stacked on a leading axis j: (c, n, c).
    eye = np.broadcast_to(np.eye(c)[:, None, :], (c, n, c))
    return self._backward_per_sample(theta, cache, eye).transpose(1, 0, 2)


def per_sample_grads(self: MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Return the per-sample gradients ``g_i = ∇_θ ℓ(f_i, y_i)`` as rows, shape ``(n, d)``.

    Not divided by ``n``: their mean over the rows is the gradient of :meth:`loss`.

    Parameters
    ----------
    theta : (num_params,) array_like
        Parameters.
    X : (n, n_in) array_like
        Inputs.
    y : array_like
        Targets (see :meth:`loss`).

    Returns
    -------
    (n, num_params) ndarray
        One gradient per sample, computed with the per-sample rule (B1').

    Raises
    ------
    TypeError
        If an argument has the wrong type or dtype.
    ValueError
        If shapes disagree, labels are out of range or a value is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([3, 4, 2], activation="sigmoid", loss="cross_entropy")
    >>> theta = model.init(seed=0)
    >>> X, y = np.random.default_rng(0).normal(size=(7, 3)), np.arange(7) % 2
    >>> G = model.per_sample_grads(theta, X, y)
    >>> G.shape
    (7, 26)
    >>> bool(np.allclose(G.mean(axis=0), model.loss_and_grad(theta, X, y)[1]))
    True
    """
    theta, X, y = self._check_data("MLP.per_sample_grads", theta, X, y)
    f, cache = self._forward(theta, X)
    return self._backward_per_sample(theta, cache, self.loss_fn._grad(f, y))
