"""Checks and choice lists of the running layer: data, optimizers, loop options, user callables.

``train``, ``minimize`` and ``curvature_for`` call these once, at the door; the objective adapters
and the loop in :mod:`pyginger.run` then trust what they are given. The only checks that run per
step are those of values a user's callable returns (``minimize``'s ``fun``, ``jac``), which no
entry can check in advance.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pyginger._validation.common import FACTOR_KINDS, refuse_non_real

#: What an optimizer may ask the loop for (``optimizer.needs``), and what each one is.
NEEDS = {
    None: "nothing (a first-order method)",
    "factor": "a (d,) or (d, k) factor F with F F^T the Gauss-Newton matrix (or an estimate)",
    "ggn": "a (d,) or (d, k) factor F with F F^T the Gauss-Newton matrix",
    "ggn_operator": "the Gauss-Newton matrix as a LinearOperator (or a factor F of it)",
    "kfac": "the Kronecker factors [(A_1, B_1), ...] of pyginger.optim.kfac_factors",
}
#: Values of ``train``'s ``progress``.
PROGRESS = (True, False, "text")


def check_needs(func: str, needs) -> None:
    """Refuse an optimizer that asks for a curvature no objective of this layer can give."""
    if needs not in NEEDS:
        raise ValueError(f"{func}: optimizer needs {needs!r}, which this loop cannot provide")


def check_factor_kind(func: str, factor_kind) -> str:
    """Return ``factor_kind`` if it is a kind of ``MLP.ggn_factor``."""
    if not isinstance(factor_kind, str) or factor_kind not in FACTOR_KINDS:
        raise ValueError(
            f"{func}: factor_kind must be 'mc' | 'exact' | 'empirical', got {factor_kind!r}"
        )
    return factor_kind


def check_progress(func: str, progress) -> None:
    """Refuse a ``progress`` that is not True, False (or None) or ``"text"``."""
    if not (progress is None or progress is True or progress is False or progress == "text"):
        raise ValueError(f"{func}: progress must be True, False or 'text', got {progress!r}")


def check_optimizer(func: str, optimizer, optimizer_type) -> None:
    """Refuse anything but an instance of ``optimizer_type`` (``pyginger.optim.Optimizer``)."""
    if not isinstance(optimizer, optimizer_type):
        raise TypeError(
            f"{func}: optimizer must be a pyginger.optim.Optimizer (e.g. optim.ginger()), "
            f"got {type(optimizer).__name__}"
        )
    check_needs(func, optimizer.needs)


def check_data(func: str, data) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)`` from a pair or an object with ``X`` and ``y``; X has one row per target."""
    if hasattr(data, "X") and hasattr(data, "y"):
        return data.X, data.y
    try:
        X, y = data
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: data must be a pair (X, y) (e.g. pyginger.nn.datasets.spirals()), "
            f"got {type(data).__name__}"
        ) from None
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape[:1] != X.shape[:1]:
        raise ValueError(
            f"{func}: data must be (X, y) with X of shape (n, n_in) and y with n rows, got "
            f"X {X.shape} and y {y.shape}"
        )
    return X, y


def check_model_inputs(func: str, model, theta: np.ndarray, X: np.ndarray, X_eval) -> None:
    """Refuse parameters or inputs that do not fit ``model`` (an MLP), naming ``func``."""
    if theta.shape != (model.num_params,):
        raise ValueError(
            f"{func}: theta must have shape ({model.num_params},) for this model, got {theta.shape}"
        )
    for name, inputs in (("data", X), ("eval_data", X_eval)):
        if inputs.ndim != 2 or inputs.shape[1] != model.sizes[0]:
            raise ValueError(
                f"{func}: {name} X must have shape (n, {model.sizes[0]}) for this model, got "
                f"{inputs.shape}"
            )


def check_generator(func: str, rng) -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{func}: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


def check_callable(func: str, name: str, value, what: str = "") -> None:
    """Refuse a ``value`` that is not callable (``what`` describes its signature)."""
    if not callable(value):
        raise TypeError(f"{func}: {name} must be callable{what}, got {type(value).__name__}")


def check_x0(func: str, x0) -> np.ndarray:
    """Return a float64 copy of ``x0``, a finite vector of shape ``(d,)`` with ``d >= 1``."""
    refuse_non_real(func, "x0", x0)
    try:
        x = np.atleast_1d(np.asarray(x0, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: x0 must be a real vector of shape (d,), got {type(x0).__name__}"
        ) from None
    if x.ndim != 1 or x.size < 1:
        raise ValueError(f"{func}: x0 must have shape (d,) with d >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: x0 must contain only finite values")
    return x.copy()


def _tolerance(func, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{func}: {name} must be a finite number >= 0, got {value}")
    return float(value)


def check_stopping(func: str, options: dict, tol, defaults: dict) -> tuple[int, float, float]:
    """Return ``(maxiter, gtol, norm)`` of ``minimize`` from its options, ``tol`` and defaults."""
    maxiter = options.get("maxiter", defaults["maxiter"])
    if isinstance(maxiter, bool) or not isinstance(maxiter, numbers.Integral):
        raise TypeError(f"{func}: options['maxiter'] must be an integer, got {maxiter!r}")
    if maxiter < 0:
        raise ValueError(f"{func}: options['maxiter'] must be >= 0, got {maxiter}")
    if tol is not None:
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
            raise TypeError(f"{func}: tol must be a real number, got {type(tol).__name__}")
        _tolerance(func, "tol", tol)
    gtol = options.get("gtol", defaults["gtol"] if tol is None else tol)
    gtol = _tolerance(func, "options['gtol']", gtol)
    norm = options.get("norm", defaults["norm"])
    if isinstance(norm, bool) or not isinstance(norm, numbers.Real):
        raise TypeError(f"{func}: options['norm'] must be a real number >= 1, got {norm!r}")
    if not norm >= 1:
        raise ValueError(f"{func}: options['norm'] must be >= 1 (e.g. 2, or numpy.inf), got {norm}")
    return int(maxiter), gtol, float(norm)


def checked_value(func: str, value) -> float:
    """Return a user function's value as a float; a real scalar (or size-1 array) is required."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or np.iscomplexobj(value):
        raise TypeError(f"{func}: fun must return a real scalar, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiu" or arr.size != 1:
        raise TypeError(
            f"{func}: fun must return a real scalar, got an array of shape {arr.shape} and "
            f"dtype {arr.dtype}"
        )
    return float(arr.reshape(()))


def check_factor_rows(func: str, factor: np.ndarray, dim: int) -> None:
    """Refuse a user factor that is not ``(d,)`` or ``(d, k)`` with ``d = x0.size``."""
    if factor.ndim not in (1, 2) or factor.shape[0] != dim:
        raise ValueError(
            f"{func}: factor(x) must return an array of shape ({dim},) or ({dim}, k) like x0, "
            f"got shape {factor.shape}"
        )


def checked_gradient(func: str, grad, shape: tuple[int, ...]) -> np.ndarray:
    """Return a user gradient as a float64 vector of ``shape`` (that of x0), refusing any other."""
    refuse_non_real(func, "gradient", grad)
    arr = np.asarray(grad, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{func}: the gradient must have shape {shape} like x0, got {arr.shape}")
    return arr
