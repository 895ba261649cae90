r"""The hidden-layer activations: each ``φ`` next to its derivative ``φ'`` and its initialisation.

The forward rule ``a = φ(z)`` is equation (F2) of :mod:`pyginger.nn.mlp`; the derivative ``φ'(z)``
enters forward mode (J2) and backprop (B2). A derivative receives both ``z`` and ``a = φ(z)``
so that it can reuse whichever is cheaper (``tanh' = 1 − a²`` needs no second ``tanh``).

:data:`RULES` maps each name of :data:`ACTIVATIONS` to ``(φ, φ', scheme)``, where ``scheme``
names the weight initialisation that suits it: ``"glorot"`` (uniform) for the saturating
activations and the identity, ``"he"`` (normal) for relu and gelu
(:meth:`pyginger.nn.mlp.MLP.init`).

Examples
--------
>>> import numpy as np
>>> from pyginger.nn.activations import ACTIVATIONS, RULES
>>> tuple(RULES) == ACTIVATIONS
True
>>> phi, dphi, scheme = RULES["tanh"]
>>> z = np.array([0.0, 1.0])
>>> print(np.round(dphi(z, phi(z)), 6), scheme)
[1.       0.419974] glorot
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit, ndtr

from pyginger._validation.network import ACTIVATIONS

__all__ = ["ACTIVATIONS", "RULES"]


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


#: name -> (φ, φ', initialisation: "glorot" (uniform) or "he" (normal)), in the order of
#: :data:`ACTIVATIONS`.
RULES = {
    "tanh": (_tanh, _tanh_deriv, "glorot"),
    "relu": (_relu, _relu_deriv, "he"),
    "sigmoid": (_sigmoid, _sigmoid_deriv, "glorot"),
    "gelu": (_gelu, _gelu_deriv, "he"),
    "softplus": (_softplus, _softplus_deriv, "glorot"),
    "identity": (_identity, _identity_deriv, "glorot"),
}
