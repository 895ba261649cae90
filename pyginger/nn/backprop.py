r"""Backprop by hand: the affine layer's rules and the passes that chain them through the network.

The affine layer ``z = a W + b`` has a forward rule (F1), a forward-mode rule (J1) and
reverse-mode rules (B1, B1', first half of B2), side by side below; the equations are those of
:mod:`pyginger.nn.mlp`. The passes chain them over the layers, with the activation's rules
(F2, J2, B2) in between:

* :func:`forward` computes ``f`` and keeps the cache, the inputs ``a_{l-1}`` of every layer and
  the derivatives ``φ'(z_l)``; :func:`predict` is the same pass without the cache;
* :func:`forward_tangent` gives ``J v`` from the cache (forward mode);
* :func:`backward_sum` gives ``Jᵀ δ`` summed over the batch, :func:`backward_per_sample` the rows
  ``J_iᵀ δ_i`` (reverse mode).

Tangents and cotangents may carry leading axes ``...`` (several vectors at once); the layer
input ``a`` never does. Every product is one BLAS matmul. The passes take the per-layer
parameters ``[(W_1, b_1), ...]`` and the layout ``[(W slice, b slice, n_{l-1}, n_l), ...]`` of
the flat vector ``theta``, and trust them: they are the MLP's inner code, called after its
public methods have checked their arguments.

Examples
--------
A linear layer's gradient ``aᵀ δ`` against the per-sample outer products it sums:

>>> import numpy as np
>>> from pyginger.nn.backprop import dense_vjp, dense_vjp_per_sample
>>> rng = np.random.default_rng(0)
>>> a, W, delta = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2))
>>> gW, gb, _ = dense_vjp(a, W, delta, need_input=False)
>>> gWi, gbi, _ = dense_vjp_per_sample(a, W, delta, need_input=False)
>>> bool(np.allclose(gW, gWi.sum(axis=0)) and np.allclose(gb, gbi.sum(axis=0)))
True
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "dense_forward",
    "dense_jvp",
    "dense_vjp",
    "dense_vjp_per_sample",
    "predict",
    "forward",
    "forward_tangent",
    "backward_sum",
    "backward_per_sample",
]


# -- the affine layer z = a W + b ------------------------------------------------------------


def dense_forward(a, W, b):
    """(F1) z = a W + b, shapes (n, p) @ (p, k) + (k,) -> (n, k)."""
    z = a @ W
    z += b
    return z


def dense_jvp(a, da, W, dW, db):
    """(J1) dz = da W + a dW + db; ``da`` is None for the first layer (X does not move)."""
    dz = a @ dW  # (n, p) @ (..., p, k) -> (..., n, k)
    dz += db[..., None, :]
    if da is not None:
        dz += da @ W
    return dz


def dense_vjp(a, W, delta, need_input):
    """(B1) gW = aᵀ δ, gb = Σ_i δ_i summed over the batch; (B2, first half) δ Wᵀ if needed."""
    gW = a.T @ delta  # (p, n) @ (..., n, k) -> (..., p, k)
    gb = delta.sum(axis=-2)
    da = delta @ W.T if need_input else None
    return gW, gb, da


def dense_vjp_per_sample(a, W, delta, need_input):
    """(B1') per-sample gW_i = a_i ⊗ δ_i, gb_i = δ_i; (B2, first half) δ Wᵀ if needed."""
    gW = a[:, :, None] * delta[..., :, None, :]  # (..., n, p, k)
    gb = delta
    da = delta @ W.T if need_input else None
    return gW, gb, da


# -- the passes through the network ----------------------------------------------------------


def predict(params, X, phi):
    """Forward pass (F1, F2) without a cache: the outputs ``f = z_L``, shape (n, c)."""
    a = X
    for layer, (W, b) in enumerate(params):
        z = dense_forward(a, W, b)  # (F1)
        if layer == len(params) - 1:
            return z
        a = phi(z)  # (F2)


def forward(params, X, phi, dphi):
    """Forward pass keeping the cache: ``f`` and ``(inputs a_{l-1}, derivatives φ'(z_l))``."""
    inputs, derivs = [], []
    a = X
    for layer, (W, b) in enumerate(params):
        inputs.append(a)
        z = dense_forward(a, W, b)  # (F1) z_l = a_{l-1} W_l + b_l
        if layer == len(params) - 1:
            return z, (inputs, derivs)  # f = z_L
        a = phi(z)  # (F2) a_l = φ(z_l)
        derivs.append(dphi(z, a))  # φ'(z_l), needed by (J2) and (B2)


def forward_tangent(params, layout, cache, v):
    """Forward mode: ``J v`` for ``v`` of shape ``(d,)`` or ``(m, d)``, result (..., n, c)."""
    inputs, derivs = cache
    lead = v.shape[:-1]
    da = None  # da_0 = 0: the inputs do not depend on θ
    for layer, ((W, _b), (ws, bs, p, k)) in enumerate(zip(params, layout, strict=True)):
        dW = v[..., ws].reshape(*lead, p, k)
        db = v[..., bs]
        dz = dense_jvp(inputs[layer], da, W, dW, db)  # (J1)
        if layer == len(layout) - 1:
            return dz
        da = derivs[layer] * dz  # (J2) da_l = φ'(z_l) ⊙ dz_l


def backward_sum(params, layout, cache, delta, num_params):
    """Reverse mode: ``Jᵀ δ`` summed over the batch; ``delta`` (..., n, c) -> (..., d)."""
    inputs, derivs = cache
    lead = delta.shape[:-2]
    out = np.empty((*lead, num_params))
    for layer in range(len(layout) - 1, -1, -1):
        ws, bs, p, k = layout[layer]
        W, _b = params[layer]
        gW, gb, da = dense_vjp(inputs[layer], W, delta, need_input=layer > 0)  # (B1)
        out[..., ws] = gW.reshape(*lead, p * k)
        out[..., bs] = gb
        if layer > 0:
            delta = da * derivs[layer - 1]  # (B2) δ_{l-1} = (δ_l W_lᵀ) ⊙ φ'(z_{l-1})
    return out


def backward_per_sample(params, layout, cache, delta, num_params):
    """Reverse mode per sample: rows ``J_iᵀ δ_i``; ``delta`` (..., n, c) -> (..., n, d)."""
    inputs, derivs = cache
    lead = delta.shape[:-1]  # (..., n)
    out = np.empty((*lead, num_params))
    for layer in range(len(layout) - 1, -1, -1):
        ws, bs, p, k = layout[layer]
        W, _b = params[layer]
        # (B1') per-sample outer products
        gW, gb, da = dense_vjp_per_sample(inputs[layer], W, delta, need_input=layer > 0)
        out[..., ws] = gW.reshape(*lead, p * k)
        out[..., bs] = gb
        if layer > 0:
            delta = da * derivs[layer - 1]  # (B2)
    return out
