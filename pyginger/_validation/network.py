"""Checks and choice lists of the network layer: architectures, parameters, data and targets.

Used at the public entries of :mod:`pyginger.nn` (the MLP, the losses, the data sets); the code
behind those entries trusts what these checks return. Messages follow the package convention
``<function>: <argument> must <expected>, got <received>``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pyginger._validation.common import (
    FACTOR_KINDS,
    as_real_array,
    check_choice,
    check_positive_int,
)

#: Activation names accepted by ``pyginger.nn.mlp.MLP``.
ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu", "softplus", "identity")
#: Loss names accepted by ``pyginger.nn.losses.get_loss`` and ``MLP(loss=...)``.
LOSSES = ("mse", "cross_entropy")


# -- the architecture --------------------------------------------------------------------------


def check_sizes(func: str, sizes) -> tuple[int, ...]:
    """Return the layer widths ``[n_in, ..., n_out]`` as a tuple of ints, each checked >= 1."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(
            f"{func}: sizes must be a sequence of integers like [n_in, hidden, n_out], "
            f"got {type(sizes).__name__}"
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"{func}: sizes must have at least 2 entries [n_in, ..., n_out], got {sizes}"
        )
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{func}: sizes must hold integers, got {type(s).__name__}")
        if s < 1:
            raise ValueError(f"{func}: sizes must all be >= 1, got {sizes}")
    return tuple(int(s) for s in sizes)


def check_activation(func: str, activation) -> str:
    """Check that ``activation`` is one of :data:`ACTIVATIONS`."""
    return check_choice(func, "activation", activation, ACTIVATIONS)


def check_loss(func: str, loss, loss_type: type):
    """Check that ``loss`` is a name in :data:`LOSSES` or an instance of ``loss_type``."""
    if not isinstance(loss, loss_type) and (not isinstance(loss, str) or loss not in LOSSES):
        raise ValueError(
            f"{func}: loss must be 'mse' | 'cross_entropy' or a pyginger.nn.losses.Loss, "
            f"got {loss!r}"
        )
    return loss


def check_loss_name(func: str, loss) -> str:
    """Check that ``loss`` is a string in :data:`LOSSES` (a TypeError for other types)."""
    if not isinstance(loss, str):
        raise TypeError(
            f"{func}: loss must be one of {LOSSES} or a pyginger.nn.losses.Loss, "
            f"got {type(loss).__name__}"
        )
    if loss not in LOSSES:
        raise ValueError(f"{func}: loss must be 'mse' | 'cross_entropy', got {loss!r}")
    return loss


# -- parameters and data -----------------------------------------------------------------------


def check_theta(func: str, theta, model) -> np.ndarray:
    """Return ``theta`` as a finite float64 vector of length ``model.num_params``."""
    theta = as_real_array(func, "theta", theta)
    if theta.shape != (model.num_params,):
        raise ValueError(
            f"{func}: theta must have shape ({model.num_params},) (num_params of "
            f"{model!r}), got {theta.shape}"
        )
    return theta


def check_inputs(func: str, X, n_in: int) -> np.ndarray:
    """Return the inputs ``X`` as a finite float64 array of shape ``(n, n_in)``, ``n >= 1``."""
    X = as_real_array(func, "X", X)
    if X.ndim != 2 or X.shape[1] != n_in or X.shape[0] < 1:
        raise ValueError(f"{func}: X must have shape (n, {n_in}) with n >= 1, got {X.shape}")
    return X


def check_layer_params(func: str, params, shapes) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return per-layer ``(W, b)`` as float64 arrays after checking them against ``shapes``.

    ``shapes`` lists ``(n_{l-1}, n_l)`` per layer.
    """
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{func}: params must be a sequence of (W, b) pairs, got {type(params).__name__}"
        ) from None
    if len(params) != len(shapes):
        raise ValueError(f"{func}: params must hold {len(shapes)} (W, b) pairs, got {len(params)}")
    out = []
    for layer, (pair, (p, k)) in enumerate(zip(params, shapes, strict=True), start=1):
        try:
            W, b = pair
        except (TypeError, ValueError):
            raise TypeError(f"{func}: params[{layer - 1}] must be a (W, b) pair") from None
        W = as_real_array(func, f"W{layer}", W)
        b = as_real_array(func, f"b{layer}", b)
        if W.shape != (p, k):
            raise ValueError(f"{func}: W{layer} must have shape ({p}, {k}), got {W.shape}")
        if b.shape != (k,):
            raise ValueError(f"{func}: b{layer} must have shape ({k},), got {b.shape}")
        out.append((W, b))
    return out


def check_tangent(func: str, v, d: int) -> np.ndarray:
    """Return parameter-space tangents ``v`` of shape ``(d,)`` or ``(d, m)`` as float64."""
    v = as_real_array(func, "v", v)
    if not (v.ndim in (1, 2) and v.shape[0] == d and (v.ndim == 1 or v.shape[1] >= 1)):
        raise ValueError(f"{func}: v must have shape ({d},) or ({d}, m), got {v.shape}")
    return v


def check_cotangent(func: str, u, n: int, c: int) -> np.ndarray:
    """Return output-space cotangents ``u`` of shape ``(n, c)`` or ``(n, c, m)`` as float64."""
    u = as_real_array(func, "u", u)
    if not (u.ndim in (2, 3) and u.shape[:2] == (n, c) and (u.ndim == 2 or u.shape[2] >= 1)):
        raise ValueError(
            f"{func}: u must have shape ({n}, {c}) or ({n}, {c}, m) to match X and the "
            f"{c} outputs, got {u.shape}"
        )
    return u


def check_factor_options(func: str, kind, samples, per_sample, y) -> int | None:
    """Check the options of ``MLP.ggn_factor`` against its ``kind``; return ``samples``."""
    check_choice(func, "kind", kind, FACTOR_KINDS)
    if kind != "mc" and (samples is not None or per_sample):
        raise ValueError(
            f"{func}: samples and per_sample only apply to kind='mc', got kind={kind!r}"
        )
    if not isinstance(per_sample, (bool, np.bool_)):
        raise TypeError(f"{func}: per_sample must be a bool, got {type(per_sample).__name__}")
    if samples is not None:
        samples = check_positive_int(func, "samples", samples)
    if kind == "empirical" and y is None:
        raise ValueError(f"{func}: y is required for kind='empirical' (the true targets)")
    return samples


# -- network outputs and targets ---------------------------------------------------------------


def check_outputs(func: str, f) -> np.ndarray:
    """Check network outputs ``f``: a finite real array of shape ``(n, c)``, ``n, c >= 1``."""
    f = as_real_array(func, "f", f, ndim=2)
    if f.shape[0] < 1 or f.shape[1] < 1:
        raise ValueError(f"{func}: f must have shape (n, c) with n, c >= 1, got {f.shape}")
    return f


def check_target_kind(func: str, y, n: int, c: int, loss: str | None) -> None:
    """Refuse targets that suit the other loss, saying which loss they suit.

    Class labels given to an MSE model and one-hot or real rows given to a cross-entropy model
    are the usual mix-ups; the loss's own check (:func:`check_real_targets`,
    :func:`check_label_targets`) follows.
    """
    if not isinstance(y, (np.ndarray, list, tuple)):
        return  # the loss's own check refuses it
    arr = np.asarray(y)
    is_int = arr.dtype != np.bool_ and np.issubdtype(arr.dtype, np.integer)
    is_float = np.issubdtype(arr.dtype, np.floating)
    if loss == "mse" and is_int and arr.shape in ((n,), (n, 1)) and arr.shape != (n, c):
        # One integer per sample: class labels, while MSE wants one real per output.
        other = ", or y.reshape(-1, 1) for integer regression targets" if c == 1 else ""
        raise ValueError(
            f"{func}: y holds one integer per sample (shape {arr.shape}), but the loss is "
            f"MSE, which needs real targets of shape ({n}, {c}); for class labels build the "
            f'model with loss="cross_entropy" (one output per class){other}'
        )
    if loss == "cross_entropy" and is_float and c > 1 and arr.shape == (n, c):
        raise TypeError(
            f"{func}: y holds {c} reals per sample (shape {arr.shape}), but the loss is "
            f"cross-entropy, which needs integer class labels of shape ({n},): for one-hot "
            f'rows use y.argmax(axis=1); for real targets build the model with loss="mse"'
        )


def check_real_targets(func: str, y, n: int, c: int) -> np.ndarray:
    """Return regression targets ``y`` as a finite float64 array of shape ``(n, c)``."""
    y = as_real_array(func, "y", y)
    if y.shape != (n, c):
        hint = " (use y.reshape(-1, 1) for a single output)" if y.shape == (n,) else ""
        raise ValueError(
            f"{func}: y must have shape ({n}, {c}) (MSE targets, one row per sample), "
            f"got {y.shape}{hint}"
        )
    return y


def check_label_targets(func: str, y, n: int, c: int) -> np.ndarray:
    """Return class labels ``y`` as an intp array of shape ``(n,)`` with values in ``[0, c)``."""
    if isinstance(y, (list, tuple)):
        y = np.asarray(y)
    if not isinstance(y, np.ndarray):
        raise TypeError(
            f"{func}: y must be an integer array of class labels of shape ({n},), "
            f"got {type(y).__name__}"
        )
    if y.dtype == np.bool_ or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            f"{func}: y must be an integer array of class labels, got dtype {y.dtype} "
            "(convert with y.astype(int))"
        )
    if y.shape != (n,):
        raise ValueError(
            f"{func}: y must have shape ({n},) (one class label per sample), got {y.shape}"
        )
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or hi >= c:
        raise ValueError(
            f"{func}: y must hold class labels in [0, {c}) (c = {c} outputs), "
            f"got values in [{lo}, {hi}]"
        )
    return y.astype(np.intp, copy=False)


# -- data sets ---------------------------------------------------------------------------------


def check_noise(func: str, noise) -> float:
    """Return ``noise`` as a float after checking it is a finite real number >= 0."""
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real):
        raise TypeError(f"{func}: noise must be a real number, got {type(noise).__name__}")
    noise = float(noise)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"{func}: noise must be a finite number >= 0, got {noise}")
    return noise
