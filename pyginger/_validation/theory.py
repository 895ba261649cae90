"""Checks and choice lists of the theory layer: the bound's constants, recorded runs, problems.

The public entries of :mod:`pyginger.theory` call these once, before any work; the formulas and
the problems' arithmetic behind them trust what they are given. Messages follow the package's
form ``<function>: <argument> must <expected>, got <received>``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from pyginger._validation.common import as_real_array

#: How :func:`pyginger.theory.preconditioned_sgd` draws the factor's samples.
FACTOR_BATCH = ("independent", "same")
#: Step-size conditions of :func:`pyginger.theory.admissible_step_size`: the sharp
#: :math:`1/(L\lambda_{\max})` (the default) or the conservative
#: :math:`\lambda_{\min}/(L\lambda_{\max}^2)` of the first proof.
STEP_RULES = ("sharp", "conservative")
#: Norms in which :func:`pyginger.theory.bound` states the theorem.
BOUND_NORMS = ("euclidean", "preconditioned")
#: Losses accepted by :class:`pyginger.theory.problems.RobustRegression`.
ROBUST_LOSSES = ("cauchy", "geman-mcclure", "squared")
#: Factor kinds accepted by :meth:`pyginger.theory.problems.RobustRegression.factor`.
ROBUST_FACTOR_KINDS = ("gauss-newton", "least-squares")


def check_real(func: str, name: str, value, *, positive: bool = False) -> float:
    """Return ``value`` as a finite float, ``>= 0`` (or ``> 0`` with ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be finite, got {value}")
    if positive and not value > 0:
        raise ValueError(f"{func}: {name} must be > 0, got {value}")
    if not positive and value < 0:
        raise ValueError(f"{func}: {name} must be >= 0, got {value}")
    return value


def check_lam_pair(func: str, lam_min, lam_max) -> tuple[float, float]:
    """Return the preconditioner's eigenvalue bounds, checked: ``0 < lam_min <= lam_max``."""
    lam_min = check_real(func, "lam_min", lam_min, positive=True)
    lam_max = check_real(func, "lam_max", lam_max, positive=True)
    if lam_min > lam_max:
        raise ValueError(f"{func}: lam_min must be <= lam_max = {lam_max}, got {lam_min}")
    return lam_min, lam_max


def check_horizons(func: str, T) -> np.ndarray:
    """Return the horizon(s) ``T`` as a float64 array after checking they are finite and >= 1."""
    arr = np.asarray(T)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(
            f"{func}: T must be a number or an array of numbers, got {type(T).__name__}"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr) & (arr >= 1)):
        raise ValueError(f"{func}: T must be finite and >= 1, got {T!r}")
    return arr


def check_bound_constants(
    func: str, *, smoothness, lam_min, lam_max, step_size, variance, gap, tight
) -> tuple[float, float, float, float, float, float, bool]:
    """Return ``(L, lam_min, lam_max, eta, s2, gap, tight)`` of the bound, checked."""
    L = check_real(func, "smoothness", smoothness, positive=True)
    lam_min, lam_max = check_lam_pair(func, lam_min, lam_max)
    eta = check_real(func, "step_size", step_size, positive=True)
    s2 = check_real(func, "variance", variance)
    gap = check_real(func, "gap", gap)
    if not isinstance(tight, (bool, np.bool_)):
        raise TypeError(f"{func}: tight must be a bool, got {type(tight).__name__}")
    return L, lam_min, lam_max, eta, s2, gap, bool(tight)


def as_float_array(func: str, name: str, a, ndim=(1,)) -> np.ndarray:
    """Return ``a`` as a non-empty float64 array with ``ndim`` in ``ndim`` (NaN and inf allowed)."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: {name} must be an array of real numbers, got {type(a).__name__}"
        ) from None
    if arr.ndim not in ndim:
        dims = " or ".join(f"{n}-d" for n in ndim)
        raise ValueError(f"{func}: {name} must be {dims}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{func}: {name} must not be empty")
    return arr


def check_finite_vector(func: str, name: str, a) -> np.ndarray:
    """Return ``a`` as a non-empty finite float64 vector."""
    arr = as_float_array(func, name, a)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{func}: {name} must contain only finite values")
    return arr


def check_callable(func: str, name: str, f, signature: str) -> None:
    """Raise a TypeError unless ``f`` is callable; ``signature`` says how it is called."""
    if not callable(f):
        raise TypeError(f"{func}: {name} must be callable {signature}, got {type(f).__name__}")


def check_safety(func: str, safety) -> float:
    """Return a safety multiplier as a float after checking it is finite and ``>= 1``."""
    safety = check_real(func, "safety", safety, positive=True)
    if safety < 1.0:
        raise ValueError(f"{func}: safety must be >= 1, got {safety}")
    return safety


def check_grad_sq_norms(func: str, a) -> np.ndarray:
    """Return squared gradient norms as a ``(replicates, steps)`` array after checking ``>= 0``."""
    g2 = as_float_array(func, "grad_sq_norms", a, ndim=(1, 2))
    if np.any(np.isnan(g2)) or np.any(g2 < 0):
        raise ValueError(
            f"{func}: grad_sq_norms must be >= 0 (squared norms), got a negative or NaN"
        )
    return g2[None] if g2.ndim == 1 else g2


def check_rate_data(func: str, horizons, values) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(horizons, values)`` for a log-log fit: equal lengths, positive, two distinct T."""
    T = as_float_array(func, "horizons", horizons)
    v = as_float_array(func, "values", values)
    if T.shape != v.shape:
        raise ValueError(
            f"{func}: horizons and values must have the same length, got {T.shape} and {v.shape}"
        )
    if not (np.all(np.isfinite(T)) and np.all(T > 0)):
        raise ValueError(f"{func}: horizons must be finite and > 0, got {T}")
    if not (np.all(np.isfinite(v)) and np.all(v > 0)):
        raise ValueError(f"{func}: values must be finite and > 0 (a log-log fit), got {v}")
    if np.unique(T).size < 2:
        raise ValueError(f"{func}: horizons must hold at least two distinct values, got {T}")
    return T, v


def check_spectrum_records(func: str, sigma_max, factor_norms) -> tuple[np.ndarray, np.ndarray]:
    """Return a run's ``sigma_max`` and ``factor_norms``: equal lengths, finite and ``>= 0``."""
    sig = as_float_array(func, "sigma_max", sigma_max)
    norms = as_float_array(func, "factor_norms", factor_norms)
    if sig.shape != norms.shape:
        raise ValueError(
            f"{func}: sigma_max and factor_norms must have the same length, got {sig.shape} "
            f"and {norms.shape}"
        )
    for name, a in (("sigma_max", sig), ("factor_norms", norms)):
        if not (np.all(np.isfinite(a)) and np.all(a >= 0)):
            raise ValueError(f"{func}: {name} must be finite and >= 0")
    return sig, norms


def check_descent_records(func: str, values, grads, iterates):
    """Return a run's ``(values, grads, iterates)``: shapes ``(n+1,)``, ``(n, d)``, ``(n+1, d)``."""
    f = as_float_array(func, "values", values)
    X = as_float_array(func, "iterates", iterates, ndim=(2,))
    G = as_float_array(func, "grads", grads, ndim=(2,))
    n = f.size - 1
    if n < 1 or X.shape[0] != n + 1 or G.shape[0] < n or G.shape[1] != X.shape[1]:
        raise ValueError(
            f"{func}: expected values (n+1,), grads (n, d) and iterates (n+1, d) with n >= 1, got "
            f"{f.shape}, {G.shape} and {X.shape}"
        )
    return f, G, X


def check_point(func: str, x, dim: int, *, name: str = "x") -> np.ndarray:
    """Return a problem's parameters ``x`` as a finite float64 array of shape ``(dim,)``."""
    arr = as_real_array(func, name, x, ndim=1)
    if arr.shape != (dim,):
        raise ValueError(f"{func}: {name} must have shape ({dim},), got {arr.shape}")
    return arr


def check_sample_indices(func: str, idx, n: int) -> np.ndarray:
    """Return sample indices ``idx`` (``None``: all ``n``) after checking they lie in ``[0, n)``."""
    if idx is None:
        return np.arange(n)
    arr = np.asarray(idx)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{func}: idx must be a non-empty 1-d array of integer sample indices, got "
            f"shape {arr.shape} and dtype {arr.dtype}"
        )
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(
            f"{func}: idx must lie in [0, {n}), got values in [{arr.min()}, {arr.max()}]"
        )
    return arr


def check_regression_data(func: str, A, y) -> tuple[np.ndarray, np.ndarray]:
    """Return a design matrix ``A`` (n, d) and targets ``y`` (n,), real and finite, as float64."""
    A = as_real_array(func, "A", A, ndim=2)
    y = as_real_array(func, "y", y, ndim=1)
    if y.shape != (A.shape[0],):
        raise ValueError(f"{func}: y must have shape ({A.shape[0]},) to match A, got {y.shape}")
    if A.shape[0] < 1 or A.shape[1] < 1:
        raise ValueError(f"{func}: A must have at least one row and one column, got {A.shape}")
    return A, y


def check_synthetic_noise(func: str, noise, outliers) -> None:
    """Check the noise level (a standard deviation, ``>= 0``) and outlier fraction (in [0, 1])."""
    for name, val in (("noise", noise), ("outliers", outliers)):
        if isinstance(val, bool) or not isinstance(val, numbers.Real):
            raise TypeError(f"{func}: {name} must be a real number, got {type(val).__name__}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"{func}: noise must be a finite number >= 0, got {noise}")
    if not 0.0 <= outliers <= 1.0:
        raise ValueError(f"{func}: outliers must lie in [0, 1], got {outliers}")


def check_mlp_data(func: str, X, y, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Return an MLP problem's inputs ``X`` (n, n_in) and targets ``y`` (n, n_out) as float64."""
    X = as_real_array(func, "X", X, ndim=2)
    y = as_real_array(func, "y", y, ndim=2)
    if X.shape[1] != n_in or y.shape != (X.shape[0], n_out):
        raise ValueError(
            f"{func}: X must have shape (n, {n_in}) and y shape (n, {n_out}), got {X.shape} and "
            f"{y.shape}"
        )
    return X, y
