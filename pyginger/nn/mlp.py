r"""An autodiff-free multilayer perceptron with exact GGN products and curvature factors.

Everything is written by hand in NumPy so that a student can read it next to the equations, and so
that the generalized Gauss-Newton (GGN) matrix of a small network can be computed *exactly* to check
every approximation against.

.. rubric:: The network

For ``sizes = [n_0, n_1, ..., n_L]`` (``n_0`` inputs, ``n_L = c`` outputs) and a batch
``X`` of shape ``(n, n_0)`` (one sample per row) the forward pass is

.. math::

    a_0 = X, \qquad
    z_l = a_{l-1} W_l + b_l \quad (l = 1..L), \qquad
    a_l = \varphi(z_l) \quad (l < L), \qquad
    f = z_L ,                                                           \tag{F1, F2}

with ``W_l`` of shape ``(n_{l-1}, n_l)`` and ``b_l`` of shape ``(n_l,)`` (rows are samples, so the
matrix products are ``X @ W``, one BLAS call per layer). The output layer is linear; the loss
(:mod:`pyginger.nn.losses`) turns ``f`` into the objective, always the **mean** over the batch:
``L(θ) = (1/n) Σ_i ℓ(f_i, y_i)``. ``sizes = [n_0, c]`` is a linear model.

.. rubric:: Parameter layout

All parameters live in one flat float64 vector ``theta`` of length ``num_params``:

.. code-block:: text

    theta = [ W_1.ravel(), b_1, W_2.ravel(), b_2, ..., W_L.ravel(), b_L ]

with every ``W_l`` raveled in C (row-major) order, so ``W_l[p, k]`` sits at offset
``p * n_l + k`` of its block. Equivalently, the layer-``l`` part of ``theta`` is the row-major
vectorisation of the stacked ``(n_{l-1} + 1, n_l)`` matrix ``[W_l; b_l]``. ``MLP.blocks`` maps the
names ``"W1", "b1", ..., "WL", "bL"`` to slices of ``theta`` (for per-block curvature), and
:meth:`MLP.unflatten` returns views ``(W_l, b_l)``.

.. rubric:: Derivatives (the equations named in the code)

Write ``φ'_l = φ'(z_l)`` (elementwise) and let a tangent ``v = (dW_l, db_l)`` or an output
cotangent ``Δ = ∂(·)/∂f`` be given.

* Forward mode, ``J v`` (R-operator):
  ``dz_l = da_{l-1} W_l + a_{l-1} dW_l + db_l``  (J1),  ``da_l = φ'_l ⊙ dz_l``  (J2),
  ``da_0 = 0``, ``J v = dz_L``.
* Reverse mode, ``Jᵀ Δ`` (backprop): ``δ_L = Δ``,
  ``∂/∂W_l = a_{l-1}ᵀ δ_l``, ``∂/∂b_l = Σ_i δ_{l,i}``  (B1),
  ``δ_{l-1} = (δ_l W_lᵀ) ⊙ φ'_{l-1}``  (B2).
  For one sample the weight gradient is the outer product ``a_{l-1,i} ⊗ δ_{l,i}``  (B1').

.. rubric:: The GGN

With ``J_i`` the ``(c, d)`` Jacobian of ``f_i`` and ``H_i = S_i S_iᵀ`` the output-space Hessian of
``ℓ`` (:mod:`pyginger.nn.losses`),

.. math::

    G = \frac1n \sum_{i=1}^n J_i^\top H_i J_i = F F^\top, \qquad
    F = \frac{1}{\sqrt n} \big[ J_1^\top S_1, \dots, J_n^\top S_n \big] .

:meth:`MLP.ggn_matvec` computes ``G v`` as ``Jᵀ (H (J v)) / n`` (one forward, one forward-mode and
one reverse-mode pass, never forming ``J``); :meth:`MLP.ggn` and :meth:`MLP.ggn_factor` form the
dense matrix and its factors for small networks. For mean-squared error on a linear model
``f = X W + b`` the GGN is ``kron(X̃ᵀX̃ / n, I_c)`` with ``X̃ = [X, 1]``.

.. rubric:: Where the code lives

This module holds the class: the architecture, the parameter layout, the forward pass, the loss
and its gradient. The rest of the network layer is split by job, each file next to the equations
it implements:

* :mod:`pyginger.nn.activations`: ``φ`` and ``φ'`` (F2, J2, B2);
* :mod:`pyginger.nn.backprop`: the affine layer's rules (F1, J1, B1, B1', B2) and the passes that
  chain them;
* :mod:`pyginger.nn.jacobian`: the methods ``jvp``, ``vjp``, ``jacobian``, ``per_sample_grads``;
* :mod:`pyginger.nn.ggn`: the methods ``ggn_matvec``, ``ggn``, ``ggn_factor``;
* :mod:`pyginger.nn.losses`: ``ℓ``, its gradient and Hessian ``H_i = S_i S_iᵀ``;
* ``pyginger._validation.network``: the argument checks, run once at each public method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger._validation import network as _vn
from pyginger.nn import backprop
from pyginger.nn import ggn as _ggn
from pyginger.nn import jacobian as _jacobian
from pyginger.nn.activations import RULES
from pyginger.nn.losses import _LOSSES, Loss

__all__ = ["MLP", "ACTIVATIONS"]

#: Activation names accepted by :class:`MLP`.
ACTIVATIONS = _vn.ACTIVATIONS


class MLP:
    """Multilayer perceptron ``f = z_L``, ``z_l = a_{l-1} W_l + b_l``, ``a_l = φ(z_l)``.

    The model object only holds the architecture; parameters are a flat vector ``theta`` passed
    to every method (pure functions, θ first, vectorised over the batch, inputs never modified).

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_in, hidden..., n_out]``, at least two entries, each ``>= 1``.
        ``[n_in, n_out]`` is a linear model.
    activation : {"tanh", "relu", "sigmoid", "gelu", "softplus", "identity"}, default "tanh"
        Hidden-layer nonlinearity ``φ`` (the output layer is linear). ``"gelu"`` is the exact
        ``z Φ(z)``.
    loss : {"mse", "cross_entropy"} or pyginger.nn.losses.Loss, default "mse"
        Per-sample loss; the objective is its mean over the batch. MSE is
        ``½‖f − y‖²`` with targets of shape ``(n, n_out)``; cross-entropy takes integer labels of
        shape ``(n,)`` in ``[0, n_out)``.

    Attributes
    ----------
    sizes : tuple of int
        The layer widths.
    activation : str
        The activation's name.
    loss_fn : pyginger.nn.losses.Loss
        The loss object.
    num_params : int
        ``d = Σ_l (n_{l-1} + 1) n_l``, the length of ``theta``.
    blocks : dict of str to slice
        ``{"W1": slice, "b1": slice, ...}`` in layout order; ``theta[blocks["W2"]]`` is
        ``W_2.ravel()``.

    Raises
    ------
    TypeError
        If ``sizes`` is not a sequence of integers.
    ValueError
        If ``sizes`` has fewer than two entries or one below 1, or ``activation``/``loss`` is
        unknown.

    See Also
    --------
    pyginger.nn.losses : The losses and their output-space Hessians.

    Notes
    -----
    The layout of ``theta`` is ``[W_1.ravel(), b_1, ..., W_L.ravel(), b_L]`` with C-order
    ravels (see the module docstring). Costs for a batch of ``n``, with
    ``P = Σ_l n_{l-1} n_l`` multiply-adds per sample for one forward pass and ``P_1 = n_0 n_1``
    for the first layer: ``predict`` ``nP``; ``loss_and_grad`` ``n(3P − P_1)`` (backward: two
    products per layer, but the first layer needs no input gradient); ``ggn_matvec``
    ``n(5P − 2P_1)`` (forward mode and reverse mode each save one product in the first layer).
    For 784-256-256-10 (``P_1/P = 0.75``) that is 2.25x and 3.5x :meth:`predict`, plus
    elementwise work. The dense methods (``jacobian``, ``ggn``, ``ggn_factor``,
    ``per_sample_grads``) store ``n c d`` or ``n d`` numbers and are meant for small networks.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> model = MLP([3, 4, 2], activation="tanh", loss="mse")
    >>> model.num_params  # (3 + 1) * 4 + (4 + 1) * 2
    26
    >>> {name: (s.start, s.stop) for name, s in model.blocks.items()}
    {'W1': (0, 12), 'b1': (12, 16), 'W2': (16, 24), 'b2': (24, 26)}
    >>> theta = model.init(seed=0)
    >>> X = np.random.default_rng(1).standard_normal((5, 3))
    >>> model.predict(theta, X).shape
    (5, 2)
    """

    def __init__(
        self, sizes: Sequence[int], activation: str = "tanh", loss: str | Loss = "mse"
    ) -> None:
        where = "MLP"
        sizes = _vn.check_sizes(where, sizes)
        _vn.check_activation(where, activation)
        _vn.check_loss(where, loss, Loss)

        self.sizes = sizes
        self.activation = activation
        self.loss_fn = loss if isinstance(loss, Loss) else _LOSSES[loss]()
        self._phi, self._dphi, self._init_scheme = RULES[activation]

        # Layout: [W_1.ravel(), b_1, W_2.ravel(), b_2, ...].
        self._layers = []  # (W slice, b slice, n_{l-1}, n_l)
        self.blocks = {}
        offset = 0
        for layer, (p, k) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1):
            ws = slice(offset, offset + p * k)
            bs = slice(ws.stop, ws.stop + k)
            offset = bs.stop
            self._layers.append((ws, bs, p, k))
            self.blocks[f"W{layer}"] = ws
            self.blocks[f"b{layer}"] = bs
        self.num_params = offset

    def __repr__(self) -> str:
        return (
            f"MLP(sizes={list(self.sizes)}, activation={self.activation!r}, "
            f"loss={self.loss_fn.name!r})"
        )

    @property
    def n_in(self) -> int:
        """Number of inputs ``n_0``."""
        return self.sizes[0]

    @property
    def n_out(self) -> int:
        """Number of outputs ``c = n_L``."""
        return self.sizes[-1]

    # -- parameters ------------------------------------------------------------------------

    def init(self, seed: int | np.random.Generator | None = 0) -> np.ndarray:
        """Return freshly initialised parameters ``theta`` of shape ``(num_params,)``.

        Weights are drawn per layer with fan-in ``p`` and fan-out ``k``: Glorot uniform
        ``U(−r, r)``, ``r = sqrt(6 / (p + k))`` for tanh, sigmoid, softplus and identity;
        He normal ``N(0, 2 / p)`` for relu and gelu. Biases start at zero.

        Parameters
        ----------
        seed : None, int or numpy.random.Generator, default 0
            Seed of the draw (``None``: fresh entropy).

        Returns
        -------
        (num_params,) ndarray
            Parameters in the documented layout (float64).

        Raises
        ------
        TypeError
            If ``seed`` is not None, an int or a Generator.
        ValueError
            If ``seed`` is a negative integer.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.mlp import MLP
        >>> model = MLP([2, 8, 1], activation="relu")
        >>> theta = model.init(seed=3)
        >>> theta.shape, theta.dtype
        ((33,), dtype('float64'))
        >>> bool(np.all(theta[model.blocks["b1"]] == 0))
        True
        >>> bool(np.array_equal(theta, model.init(seed=3)))
        True
        """
        rng = _v.make_rng("MLP.init", seed)
        theta = np.zeros(self.num_params)
        for ws, _bs, p, k in self._layers:
            if self._init_scheme == "he":
                theta[ws] = rng.standard_normal(p * k) * math.sqrt(2.0 / p)
            else:
                r = math.sqrt(6.0 / (p + k))
                theta[ws] = rng.uniform(-r, r, size=p * k)
        return theta

    def unflatten(self, theta: ArrayLike) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return the per-layer parameters ``[(W_1, b_1), ..., (W_L, b_L)]`` as views of theta.

        Parameters
        ----------
        theta : (num_params,) array_like
            Flat parameters.

        Returns
        -------
        list of tuple of ndarray
            ``W_l`` of shape ``(n_{l-1}, n_l)`` and ``b_l`` of shape ``(n_l,)``; views when
            ``theta`` is a float64 ndarray, so writing to them writes to ``theta``.

        Raises
        ------
        TypeError, ValueError
            If ``theta`` is not a finite real vector of length ``num_params``.

        See Also
        --------
        flatten : The inverse.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.mlp import MLP
        >>> model = MLP([3, 2])
        >>> (W, b), = model.unflatten(np.arange(8.0))
        >>> print(W)
        [[0. 1.]
         [2. 3.]
         [4. 5.]]
        >>> print(b)
        [6. 7.]
        """
        theta = self._check_theta("MLP.unflatten", theta)
        return self._unflatten(theta)

    def flatten(self, params: Sequence[tuple[ArrayLike, ArrayLike]]) -> np.ndarray:
        """Return the flat vector ``theta`` for per-layer parameters ``[(W_1, b_1), ...]``.

        Parameters
        ----------
        params : sequence of (W, b) pairs
            ``W_l`` of shape ``(n_{l-1}, n_l)``, ``b_l`` of shape ``(n_l,)``.

        Returns
        -------
        (num_params,) ndarray
            Parameters in the documented layout (float64, a new array).

        Raises
        ------
        TypeError
            If ``params`` is not a sequence of pairs of real arrays.
        ValueError
            If the number of layers or a shape is wrong, or a value is not finite.

        See Also
        --------
        unflatten : The inverse.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.mlp import MLP
        >>> model = MLP([3, 4, 2])
        >>> theta = model.init(seed=0)
        >>> bool(np.array_equal(model.flatten(model.unflatten(theta)), theta))
        True
        """
        shapes = [(p, k) for _ws, _bs, p, k in self._layers]
        pairs = _vn.check_layer_params("MLP.flatten", params, shapes)
        theta = np.empty(self.num_params)
        for (W, b), (ws, bs, _p, _k) in zip(pairs, self._layers, strict=True):
            theta[ws] = W.ravel()
            theta[bs] = b
        return theta

    # -- forward pass and value ----------------------------------------------------------

    def predict(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
        """Return the network outputs ``f = z_L`` (regression outputs or logits), shape ``(n, c)``.

        Parameters
        ----------
        theta : (num_params,) array_like
            Parameters.
        X : (n, n_in) array_like
            Inputs, one sample per row (converted to float64).

        Returns
        -------
        (n, n_out) ndarray
            Outputs of the linear last layer (apply :func:`pyginger.nn.losses.softmax` for
            class probabilities).

        Raises
        ------
        TypeError
            If ``theta`` or ``X`` is not a real array.
        ValueError
            If a shape is wrong or a value is not finite.

        Examples
        --------
        A linear model is ``X W + b``:

        >>> import numpy as np
        >>> from pyginger.nn.mlp import MLP
        >>> model = MLP([2, 1])
        >>> print(model.predict(np.array([1.0, 2.0, 0.5]), np.array([[1.0, 1.0], [0.0, 2.0]])))
        [[3.5]
         [4.5]]
        """
        theta = self._check_theta("MLP.predict", theta)
        X = self._check_X("MLP.predict", X)
        return self._predict(theta, X)

    def _predict(self, theta, X):
        """Forward pass (F1, F2) without a cache."""
        return backprop.predict(self._unflatten(theta), X, self._phi)

    def loss(self, theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> float:
        """Return the mean loss ``L(θ) = (1/n) Σ_i ℓ(f_i, y_i)`` as a float.

        Parameters
        ----------
        theta : (num_params,) array_like
            Parameters.
        X : (n, n_in) array_like
            Inputs.
        y : array_like
            Targets: ``(n, n_out)`` reals for MSE, ``(n,)`` integer labels in ``[0, n_out)``
            for cross-entropy.

        Returns
        -------
        float
            The mean loss.

        Raises
        ------
        TypeError
            If an argument has the wrong type or dtype (e.g. float class labels).
        ValueError
            If shapes of ``theta``, ``X``, ``y`` disagree, labels are out of range or a value
            is not finite.

        Examples
        --------
        >>> import numpy as np
        >>> from pyginger.nn.mlp import MLP
        >>> model = MLP([3, 5, 4], loss="cross_entropy")
        >>> theta = np.zeros(model.num_params)  # uniform predictions
        >>> X, y = np.ones((2, 3)), np.array([0, 3])
        >>> round(model.loss(theta, X, y), 6)  # log 4
        1.386294
        """
        theta, X, y = self._check_data("MLP.loss", theta, X, y)
        f = self._predict(theta, X)
        return float(self.loss_fn._per_sample(f, y).mean())

    def loss_and_grad(
        self, theta: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> tuple[float, np.ndarray]:
        r"""Return the mean loss and its gradient with respect to ``theta`` (hand-written backprop).

        .. math::

            \nabla L = \frac1n \sum_i J_i^\top \nabla_f \ell(f_i, y_i)
                      = J^\top \Delta,\qquad \Delta_i = \nabla_f \ell(f_i, y_i) / n .

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
        loss : float
            The mean loss.
        grad : (num_params,) ndarray
            Its gradient, in the layout of ``theta``.

        Raises
        ------
        TypeError
            If an argument has the wrong type or dtype.
        ValueError
            If shapes disagree, labels are out of range or a value is not finite.

        See Also
        --------
        per_sample_grads : The ``n`` per-sample gradients whose mean this is.

        Notes
        -----
        One forward pass that keeps ``a_{l-1}`` and ``φ'(z_l)`` (the cache), then (B1)/(B2)
        from the last layer down: ``n(3P − P_1)`` multiply-adds against ``nP`` for
        :meth:`predict` (no input gradient is formed for the first layer; see :class:`MLP`).

        Examples
        --------
        The gradient agrees with a central difference:

        >>> import numpy as np
        >>> from pyginger.nn.mlp import MLP
        >>> model = MLP([2, 3, 1], activation="softplus")
        >>> theta = model.init(seed=0) + 0.1
        >>> X, y = np.array([[1.0, -2.0], [0.5, 0.3]]), np.array([[0.2], [-0.4]])
        >>> loss, grad = model.loss_and_grad(theta, X, y)
        >>> e = np.zeros_like(theta); e[4] = 1e-6
        >>> fd = (model.loss(theta + e, X, y) - model.loss(theta - e, X, y)) / 2e-6
        >>> bool(abs(fd - grad[4]) < 1e-8)
        True
        """
        theta, X, y = self._check_data("MLP.loss_and_grad", theta, X, y)
        f, cache = self._forward(theta, X)
        n = X.shape[0]
        loss = float(self.loss_fn._per_sample(f, y).mean())
        delta = self.loss_fn._grad(f, y)
        delta /= n  # gradient of the mean with respect to f
        return loss, self._backward_sum(theta, cache, delta)

    # -- Jacobian products (pyginger/nn/jacobian.py) -------------------------------------------
    # Methods written in their own modules are bound here, not inherited from mixins, so that
    # this class body lists the whole API and each method keeps its place in the reference.

    jvp = _jacobian.jvp
    vjp = _jacobian.vjp
    jacobian = _jacobian.jacobian
    per_sample_grads = _jacobian.per_sample_grads

    # -- curvature (pyginger/nn/ggn.py) ---------------------------------------------------------

    ggn_matvec = _ggn.ggn_matvec
    ggn = _ggn.ggn
    ggn_factor = _ggn.ggn_factor
    _exact_factor = _ggn._exact_factor

    # -- the passes (pyginger/nn/backprop.py), on checked float64 inputs -------------------------

    def _unflatten(self, theta):
        return [(theta[ws].reshape(p, k), theta[bs]) for ws, bs, p, k in self._layers]

    def _forward(self, theta, X):
        """Forward pass keeping the cache: inputs ``a_{l-1}`` of every layer and ``φ'(z_l)``."""
        return backprop.forward(self._unflatten(theta), X, self._phi, self._dphi)

    def _forward_tangent(self, theta, cache, v):
        """Forward mode: ``J v`` for ``v`` of shape ``(d,)`` or ``(m, d)``, result (..., n, c)."""
        return backprop.forward_tangent(self._unflatten(theta), self._layers, cache, v)

    def _backward_sum(self, theta, cache, delta):
        """Reverse mode: ``Jᵀ δ`` summed over the batch; ``delta`` (..., n, c) -> (..., d)."""
        params = self._unflatten(theta)
        return backprop.backward_sum(params, self._layers, cache, delta, self.num_params)

    def _backward_per_sample(self, theta, cache, delta):
        """Reverse mode per sample: rows ``J_iᵀ δ_i``; ``delta`` (..., n, c) -> (..., n, d)."""
        params = self._unflatten(theta)
        return backprop.backward_per_sample(params, self._layers, cache, delta, self.num_params)

    # -- argument checks (pyginger/_validation/network.py) --------------------------------------

    def _check_theta(self, where: str, theta) -> np.ndarray:
        return _vn.check_theta(where, theta, self)

    def _check_X(self, where: str, X) -> np.ndarray:
        return _vn.check_inputs(where, X, self.n_in)

    def _check_data(self, where: str, theta, X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        theta = self._check_theta(where, theta)
        X = self._check_X(where, X)
        y = self._check_targets(where, y, X.shape[0])
        return theta, X, y

    def _check_targets(self, where: str, y, n: int) -> np.ndarray:
        """Check ``y`` against the loss; hint at the other loss when the targets suit it."""
        _vn.check_target_kind(where, y, n, self.n_out, getattr(self.loss_fn, "name", None))
        return self.loss_fn._check_targets(where, y, n, self.n_out)

    def _check_tangent(self, where: str, v) -> np.ndarray:
        return _vn.check_tangent(where, v, self.num_params)

    def _check_cotangent(self, where: str, u, n: int) -> np.ndarray:
        return _vn.check_cotangent(where, u, n, self.n_out)
