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
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, ndtr

from pyginger import _validation as _v
from pyginger.nn.losses import LOSSES, Loss, get_loss

__all__ = ["MLP", "ACTIVATIONS"]

#: Activation names accepted by :class:`MLP`.
ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu", "softplus", "identity")


# ---------------------------------------------------------------------------------------------
# Activations: forward a = φ(z) (F2) next to its derivative φ'(z), used by (J2) and (B2).
# The derivative receives both z and a = φ(z) so it can reuse whichever is cheaper.
# ---------------------------------------------------------------------------------------------


def _tanh(z):
    return np.tanh(z)


def _tanh_deriv(z, a):
    return 1.0 - a * a  # tanh' = 1 − tanh²


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_deriv(z, a):
    return (z > 0.0).astype(np.float64)  # 1 for z > 0, else 0 (the value 0 is taken at z = 0)


def _sigmoid(z):
    return expit(z)


def _sigmoid_deriv(z, a):
    return a * (1.0 - a)  # σ' = σ (1 − σ)


def _gelu(z):
    return z * ndtr(z)  # exact GELU: z Φ(z), Φ the standard normal CDF


def _gelu_deriv(z, a):
    return ndtr(z) + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)  # Φ(z) + z ϕ(z)


def _softplus(z):
    return np.logaddexp(0.0, z)  # log(1 + e^z), stable for large |z|


def _softplus_deriv(z, a):
    return expit(z)  # softplus' = σ


def _identity(z):
    return z


def _identity_deriv(z, a):
    return np.ones_like(z)


# name -> (φ, φ', initialisation: "glorot" (uniform) or "he" (normal))
_ACT = {
    "tanh": (_tanh, _tanh_deriv, "glorot"),
    "relu": (_relu, _relu_deriv, "he"),
    "sigmoid": (_sigmoid, _sigmoid_deriv, "glorot"),
    "gelu": (_gelu, _gelu_deriv, "he"),
    "softplus": (_softplus, _softplus_deriv, "glorot"),
    "identity": (_identity, _identity_deriv, "glorot"),
}


# ---------------------------------------------------------------------------------------------
# The affine layer z = a W + b: forward (F1), forward-mode (J1) and reverse-mode (B1, B1', B2)
# rules side by side. Cotangents and tangents may carry leading axes "..." (several vectors at
# once); the layer input ``a`` never does. All products are BLAS matmuls.
# ---------------------------------------------------------------------------------------------


def _dense_forward(a, W, b):
    """(F1) z = a W + b, shapes (n, p) @ (p, k) + (k,) -> (n, k)."""
    z = a @ W
    z += b
    return z


def _dense_jvp(a, da, W, dW, db):
    """(J1) dz = da W + a dW + db; ``da`` is None for the first layer (X does not move)."""
    dz = a @ dW  # (n, p) @ (..., p, k) -> (..., n, k)
    dz += db[..., None, :]
    if da is not None:
        dz += da @ W
    return dz


def _dense_vjp(a, W, delta, need_input):
    """(B1) gW = aᵀ δ, gb = Σ_i δ_i summed over the batch; (B2, first half) δ Wᵀ if needed."""
    gW = a.T @ delta  # (p, n) @ (..., n, k) -> (..., p, k)
    gb = delta.sum(axis=-2)
    da = delta @ W.T if need_input else None
    return gW, gb, da


def _dense_vjp_per_sample(a, W, delta, need_input):
    """(B1') per-sample gW_i = a_i ⊗ δ_i, gb_i = δ_i; (B2, first half) δ Wᵀ if needed."""
    gW = a[:, :, None] * delta[..., :, None, :]  # (..., n, p, k)
    gb = delta
    da = delta @ W.T if need_input else None
    return gW, gb, da


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


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
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(
                f"{where}: sizes must be a sequence of integers like [n_in, hidden, n_out], "
                f"got {type(sizes).__name__}"
            )
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(
                f"{where}: sizes must have at least 2 entries [n_in, ..., n_out], got {sizes}"
            )
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral):
                raise TypeError(f"{where}: sizes must hold integers, got {type(s).__name__}")
            if s < 1:
                raise ValueError(f"{where}: sizes must all be >= 1, got {sizes}")
        if not isinstance(activation, str) or activation not in _ACT:
            choices = " | ".join(repr(a) for a in ACTIVATIONS)
            raise ValueError(f"{where}: activation must be {choices}, got {activation!r}")
        if not isinstance(loss, Loss) and (not isinstance(loss, str) or loss not in LOSSES):
            raise ValueError(
                f"{where}: loss must be 'mse' | 'cross_entropy' or a pyginger.nn.losses.Loss, "
                f"got {loss!r}"
            )
        loss_fn = get_loss(loss)

        self.sizes = tuple(int(s) for s in sizes)
        self.activation = activation
        self.loss_fn = loss_fn
        self._phi, self._dphi, self._init_scheme = _ACT[activation]

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
        where = "MLP.flatten"
        try:
            params = list(params)
        except TypeError:
            raise TypeError(
                f"{where}: params must be a sequence of (W, b) pairs, got {type(params).__name__}"
            ) from None
        if len(params) != len(self._layers):
            raise ValueError(
                f"{where}: params must hold {len(self._layers)} (W, b) pairs, got {len(params)}"
            )
        theta = np.empty(self.num_params)
        pairs = zip(params, self._layers, strict=True)
        for layer, (pair, (ws, bs, p, k)) in enumerate(pairs, start=1):
            try:
                W, b = pair
            except (TypeError, ValueError):
                raise TypeError(f"{where}: params[{layer - 1}] must be a (W, b) pair") from None
            W = _v.as_real_array(where, f"W{layer}", W)
            b = _v.as_real_array(where, f"b{layer}", b)
            if W.shape != (p, k):
                raise ValueError(f"{where}: W{layer} must have shape ({p}, {k}), got {W.shape}")
            if b.shape != (k,):
                raise ValueError(f"{where}: b{layer} must have shape ({k},), got {b.shape}")
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
        a = X
        params = self._unflatten(theta)
        for layer, (W, b) in enumerate(params):
            z = _dense_forward(a, W, b)  # (F1)
            if layer == len(params) - 1:
                return z
            a = self._phi(z)  # (F2)

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

    # -- Jacobian products ----------------------------------------------------------------

    def jvp(self, theta: ArrayLike, X: ArrayLike, v: ArrayLike) -> np.ndarray:
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

    def vjp(self, theta: ArrayLike, X: ArrayLike, u: ArrayLike) -> np.ndarray:
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

    def jacobian(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
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

    # -- curvature ------------------------------------------------------------------------

    def ggn_matvec(self, theta: ArrayLike, X: ArrayLike, v: ArrayLike) -> np.ndarray:
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

    def ggn(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
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
        self,
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
        if not isinstance(kind, str) or kind not in _v.FACTOR_KINDS:
            raise ValueError(f"{where}: kind must be 'exact' | 'mc' | 'empirical', got {kind!r}")
        if kind != "mc" and (samples is not None or per_sample):
            raise ValueError(
                f"{where}: samples and per_sample only apply to kind='mc', got kind={kind!r}"
            )
        if not isinstance(per_sample, (bool, np.bool_)):
            raise TypeError(f"{where}: per_sample must be a bool, got {type(per_sample).__name__}")
        if samples is not None:
            samples = _v.check_positive_int(where, "samples", samples)
        if kind == "empirical" and y is None:
            raise ValueError(f"{where}: y is required for kind='empirical' (the true targets)")
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

    def per_sample_grads(self, theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> np.ndarray:
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

    # -- private drivers (checked float64 inputs) -------------------------------------------

    def _unflatten(self, theta):
        return [(theta[ws].reshape(p, k), theta[bs]) for ws, bs, p, k in self._layers]

    def _forward(self, theta, X):
        """Forward pass keeping the cache: inputs ``a_{l-1}`` of every layer and ``φ'(z_l)``."""
        inputs, derivs = [], []
        a = X
        params = self._unflatten(theta)
        for layer, (W, b) in enumerate(params):
            inputs.append(a)
            z = _dense_forward(a, W, b)  # (F1) z_l = a_{l-1} W_l + b_l
            if layer == len(params) - 1:
                return z, (inputs, derivs)  # f = z_L
            a = self._phi(z)  # (F2) a_l = φ(z_l)
            derivs.append(self._dphi(z, a))  # φ'(z_l), needed by (J2) and (B2)

    def _forward_tangent(self, theta, cache, v):
        """Forward mode: ``J v`` for ``v`` of shape ``(d,)`` or ``(m, d)``, result (..., n, c)."""
        inputs, derivs = cache
        lead = v.shape[:-1]
        da = None  # da_0 = 0: the inputs do not depend on θ
        params = self._unflatten(theta)
        for layer, ((W, _b), (ws, bs, p, k)) in enumerate(zip(params, self._layers, strict=True)):
            dW = v[..., ws].reshape(*lead, p, k)
            db = v[..., bs]
            dz = _dense_jvp(inputs[layer], da, W, dW, db)  # (J1)
            if layer == len(self._layers) - 1:
                return dz
            da = derivs[layer] * dz  # (J2) da_l = φ'(z_l) ⊙ dz_l

    def _backward_sum(self, theta, cache, delta):
        """Reverse mode: ``Jᵀ δ`` summed over the batch; ``delta`` (..., n, c) -> (..., d)."""
        inputs, derivs = cache
        lead = delta.shape[:-2]
        out = np.empty((*lead, self.num_params))
        params = self._unflatten(theta)
        for layer in range(len(self._layers) - 1, -1, -1):
            ws, bs, p, k = self._layers[layer]
            W, _b = params[layer]
            gW, gb, da = _dense_vjp(inputs[layer], W, delta, need_input=layer > 0)  # (B1)
            out[..., ws] = gW.reshape(*lead, p * k)
            out[..., bs] = gb
            if layer > 0:
                delta = da * derivs[layer - 1]  # (B2) δ_{l-1} = (δ_l W_lᵀ) ⊙ φ'(z_{l-1})
        return out

    def _backward_per_sample(self, theta, cache, delta):
        """Reverse mode per sample: rows ``J_iᵀ δ_i``; ``delta`` (..., n, c) -> (..., n, d)."""
        inputs, derivs = cache
        lead = delta.shape[:-1]  # (..., n)
        out = np.empty((*lead, self.num_params))
        params = self._unflatten(theta)
        for layer in range(len(self._layers) - 1, -1, -1):
            ws, bs, p, k = self._layers[layer]
            W, _b = params[layer]
            # (B1') per-sample outer products
            gW, gb, da = _dense_vjp_per_sample(inputs[layer], W, delta, need_input=layer > 0)
            out[..., ws] = gW.reshape(*lead, p * k)
            out[..., bs] = gb
            if layer > 0:
                delta = da * derivs[layer - 1]  # (B2)
        return out

    def _exact_factor(self, theta, X):
        """``F = (1/√n) [J_1ᵀ S_1, ..., J_nᵀ S_n]``, shape ``(d, n c)``, column ``i c + j``."""
        n, c = X.shape[0], self.n_out
        f, cache = self._forward(theta, X)
        S = self.loss_fn._hessian_factor(f)  # (n, c, c), H_i = S_i S_iᵀ
        # Cotangent for column j of every S_i on a leading axis j: (c, n, c).
        cols = self._backward_per_sample(theta, cache, S.transpose(2, 0, 1))  # (c, n, d)
        F = cols.transpose(1, 0, 2).reshape(n * c, self.num_params).T
        return np.ascontiguousarray(F) / math.sqrt(n)

    # -- argument checks --------------------------------------------------------------------

    def _check_theta(self, where, theta):
        theta = _v.as_real_array(where, "theta", theta)
        if theta.shape != (self.num_params,):
            raise ValueError(
                f"{where}: theta must have shape ({self.num_params},) (num_params of "
                f"{self!r}), got {theta.shape}"
            )
        return theta

    def _check_X(self, where, X):
        X = _v.as_real_array(where, "X", X)
        if X.ndim != 2 or X.shape[1] != self.n_in or X.shape[0] < 1:
            raise ValueError(
                f"{where}: X must have shape (n, {self.n_in}) with n >= 1, got {X.shape}"
            )
        return X

    def _check_data(self, where, theta, X, y):
        theta = self._check_theta(where, theta)
        X = self._check_X(where, X)
        y = self._check_targets(where, y, X.shape[0])
        return theta, X, y

    def _check_targets(self, where, y, n):
        """Check ``y`` against the loss; hint at the other loss when the targets suit it."""
        c, loss = self.n_out, getattr(self.loss_fn, "name", None)
        arr = np.asarray(y) if isinstance(y, (np.ndarray, list, tuple)) else None
        is_int = arr is not None and arr.dtype != np.bool_ and np.issubdtype(arr.dtype, np.integer)
        is_float = arr is not None and np.issubdtype(arr.dtype, np.floating)
        if loss == "mse" and is_int and arr.shape in ((n,), (n, 1)) and arr.shape != (n, c):
            # One integer per sample: class labels, while MSE wants one real per output.
            other = ", or y.reshape(-1, 1) for integer regression targets" if c == 1 else ""
            raise ValueError(
                f"{where}: y holds one integer per sample (shape {arr.shape}), but the loss is "
                f"MSE, which needs real targets of shape ({n}, {c}); for class labels build the "
                f'model with loss="cross_entropy" (one output per class){other}'
            )
        if loss == "cross_entropy" and is_float and c > 1 and arr.shape == (n, c):
            raise TypeError(
                f"{where}: y holds {c} reals per sample (shape {arr.shape}), but the loss is "
                f"cross-entropy, which needs integer class labels of shape ({n},): for one-hot "
                f'rows use y.argmax(axis=1); for real targets build the model with loss="mse"'
            )
        return self.loss_fn._check_targets(where, y, n, c)

    def _check_tangent(self, where, v):
        v = _v.as_real_array(where, "v", v)
        d = self.num_params
        if not (v.ndim in (1, 2) and v.shape[0] == d and (v.ndim == 1 or v.shape[1] >= 1)):
            raise ValueError(f"{where}: v must have shape ({d},) or ({d}, m), got {v.shape}")
        return v

    def _check_cotangent(self, where, u, n):
        u = _v.as_real_array(where, "u", u)
        c = self.n_out
        if not (u.ndim in (2, 3) and u.shape[:2] == (n, c) and (u.ndim == 2 or u.shape[2] >= 1)):
            raise ValueError(
                f"{where}: u must have shape ({n}, {c}) or ({n}, {c}, m) to match X and the "
                f"{c} outputs, got {u.shape}"
            )
        return u
