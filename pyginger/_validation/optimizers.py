"""Checks and choice lists of the optimizers, run once when one is built and at init and step.

An optimizer checks its hyper-parameters when it is constructed, ``theta`` at ``init``, and at
``step`` the parameters, the gradient, the state and the curvature sample, before any work. The
transforms and preconditioners of :mod:`pyginger.optim` then trust what they are given. The only
value checked inside a step is a learning-rate schedule's output, which is new at every step.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
from scipy.sparse.linalg import LinearOperator

from pyginger._validation.common import (
    FLOAT_DTYPES,
    FORMS,
    CurvatureRangeError,
    check_bool,
    check_choice,
    check_float_dtype,
    check_positive_finite,
    check_positive_int,
    refuse_non_real,
)

#: Solvers of :func:`pyginger.optim.gauss_newton`.
GN_SOLVERS = ("auto", "dense", "cg")


def is_real(x) -> bool:
    """Whether ``x`` is a real Python or NumPy number (a bool is not)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


# ---------------------------------------------------------------------------------------------
# Hyper-parameters, checked when an optimizer is built
# ---------------------------------------------------------------------------------------------


def check_lr(func: str, lr):
    """Return a learning rate: a schedule (any callable) as is, or a finite float > 0."""
    if callable(lr):
        return lr
    if not is_real(lr):
        raise TypeError(
            f"{func}: lr must be a real number or a schedule (callable step -> float), "
            f"got {type(lr).__name__}"
        )
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"{func}: lr must be a finite number > 0, got {lr}")
    return lr


def check_unit(func: str, name: str, value) -> float:
    """Return ``value`` as a float after checking ``0 <= value < 1`` (EMA and momentum factors)."""
    if not is_real(value):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{func}: {name} must satisfy 0 <= {name} < 1, got {value}")
    return value


def check_nonneg(func: str, name: str, value) -> float:
    """Return ``value`` as a float after checking it is a finite number >= 0."""
    if not is_real(value):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{func}: {name} must be a finite number >= 0, got {value}")
    return value


def check_rho(func: str, rho) -> float | None:
    """Return the clipping bound: None or a finite float > 0."""
    if rho is None:
        return None
    return check_positive_finite(func, "rho", rho)


def check_integer(func: str, name: str, value, minimum: int) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be >= {minimum}, got {value}")
    return int(value)


def check_common(func: str, lr, beta1, beta2, damping, rho, debias) -> tuple:
    """Check the settings every curvature-based optimizer shares; return them normalised."""
    return (
        check_lr(func, lr),
        check_unit(func, "beta1", beta1),
        check_unit(func, "beta2", beta2),
        check_positive_finite(func, "damping", damping),
        check_rho(func, rho),
        check_bool(func, "debias", debias),
    )


def check_sgd(lr, momentum, nesterov) -> tuple:
    """Check the settings of :func:`pyginger.optim.sgd`."""
    func = "sgd"
    return (
        check_lr(func, lr),
        check_unit(func, "momentum", momentum),
        check_bool(func, "nesterov", nesterov),
    )


def check_adam(lr, beta1, beta2, eps) -> tuple:
    """Check the settings of :func:`pyginger.optim.adam`."""
    func = "adam"
    return (
        check_lr(func, lr),
        check_unit(func, "beta1", beta1),
        check_unit(func, "beta2", beta2),
        check_positive_finite(func, "eps", eps),
    )


def check_gauss_newton(lr, damping, solver, cg_rtol, cg_maxiter) -> tuple:
    """Check the settings of :func:`pyginger.optim.gauss_newton`."""
    func = "gauss_newton"
    lr = check_lr(func, lr)
    damping = check_nonneg(func, "damping", damping)
    check_choice(func, "solver", solver, GN_SOLVERS)
    cg_rtol = check_positive_finite(func, "cg_rtol", cg_rtol)
    if cg_maxiter is not None:
        cg_maxiter = check_positive_int(func, "cg_maxiter", cg_maxiter)
    return lr, damping, solver, cg_rtol, cg_maxiter


def check_ginger(rank, form, blocks, reorth_every, overwrite_state) -> tuple:
    """Check the settings :func:`pyginger.optim.ginger` adds to :func:`check_common`'s."""
    func = "ginger"
    rank = check_integer(func, "rank", rank, 1)
    check_choice(func, "form", form, FORMS)
    blocks = check_blocks(func, blocks)
    if reorth_every is not None:
        reorth_every = check_positive_int(func, "reorth_every", reorth_every)
    return rank, form, blocks, reorth_every, check_bool(func, "overwrite_state", overwrite_state)


def check_qng(lr, beta1, beta2, rank, damping, rho) -> tuple:
    """Check the settings of :func:`pyginger.optim.qng` (``beta2`` divides: > 0)."""
    func = "qng"
    lr = check_lr(func, lr)
    beta1 = check_unit(func, "beta1", beta1)
    beta2 = check_unit(func, "beta2", beta2)
    if beta2 == 0.0:
        raise ValueError(f"{func}: beta2 must satisfy 0 < beta2 < 1 (it divides), got 0.0")
    damping = check_positive_finite(func, "damping", damping)
    rho = check_rho(func, rho)
    return lr, beta1, beta2, check_integer(func, "rank", rank, 1), damping, rho


def check_ginger_reference(lr, beta1, beta2, rank, damping, rho, blocks, warmup_steps) -> tuple:
    """Check the settings of :func:`pyginger.optim.ginger_reference`; return them normalised."""
    func = "ginger_reference"
    lr = check_lr(func, lr)
    warmup_steps = check_integer(func, "warmup_steps", warmup_steps, 0)
    if warmup_steps and callable(lr):
        raise ValueError(
            f"{func}: warmup_steps must be 0 when lr is a schedule (the warm-up is a schedule "
            f"of its own), got warmup_steps={warmup_steps}"
        )
    return (
        lr,
        check_unit(func, "beta1", beta1),
        check_unit(func, "beta2", beta2),
        check_integer(func, "rank", rank, 1),
        check_positive_finite(func, "damping", damping),
        check_rho(func, rho),
        check_blocks(func, blocks),
        warmup_steps,
    )


def check_qng_reference(lr, beta1, beta2, rank, trust_region) -> tuple:
    """Check the settings of :func:`pyginger.optim.qng_reference` (``beta2`` divides: > 0)."""
    func = "qng_reference"
    lr = check_lr(func, lr)
    beta1 = check_unit(func, "beta1", beta1)
    beta2 = check_unit(func, "beta2", beta2)
    if beta2 == 0.0:
        raise ValueError(f"{func}: beta2 must satisfy 0 < beta2 < 1 (it divides), got 0.0")
    rank = check_integer(func, "rank", rank, 1)
    if trust_region is not None:
        trust_region = check_positive_finite(func, "trust_region", trust_region)
    return lr, beta1, beta2, rank, trust_region


def check_name(func: str, name) -> str:
    """Return ``name`` after checking it is a non-empty string."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"{func}: name must be a non-empty str, got {name!r}")
    return name


def check_config(func: str, config) -> dict:
    """Return ``config`` (None: empty) as a dict with string keys."""
    if config is None:
        return {}
    if not isinstance(config, Mapping) or not all(isinstance(k, str) for k in config):
        raise TypeError(f"{func}: config must be a mapping with str keys, got {config!r}")
    return dict(config)


def check_preconditioner(func: str, preconditioner) -> None:
    """Check that ``preconditioner`` has the methods of the preconditioner protocol."""
    missing = [
        name
        for name in ("init", "update", "solve", "check_theta", "check_curvature", "needs")
        if not hasattr(preconditioner, name)
    ]
    if missing or not isinstance(getattr(preconditioner, "state_type", None), type):
        raise TypeError(
            f"{func}: preconditioner must be a pyginger.optim.base.Preconditioner (init, update, "
            f"solve, checks, needs, state_type), got {type(preconditioner).__name__}"
        )


def check_blocks(func: str, blocks) -> tuple | None:
    """Normalise a block specification to a sorted tuple of ``(start, stop)`` pairs, or None."""
    if blocks is None:
        return None
    items = list(blocks.values()) if isinstance(blocks, dict) else blocks
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"{func}: blocks must be None, a dict of slices (e.g. model.blocks) or a sequence of "
            f"slices, got {type(blocks).__name__}"
        ) from None
    out = [_block_bounds(func, item) for item in items]
    if not out:
        raise ValueError(f"{func}: blocks must contain at least one block, got none")
    return tuple(sorted(out))


def _block_bounds(func, item):
    if isinstance(item, slice):
        start, stop, stride = item.start, item.stop, item.step
        if stride not in (None, 1):
            raise ValueError(f"{func}: blocks must be contiguous slices, got {item}")
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        start, stop = item
    else:
        raise TypeError(f"{func}: blocks must hold slices or (start, stop) pairs, got {item!r}")
    start = 0 if start is None else start
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in (start, stop)):
        raise TypeError(f"{func}: block bounds must be integers, got {item!r}")
    if not 0 <= start < stop:
        raise ValueError(f"{func}: every block must satisfy 0 <= start < stop, got {item!r}")
    return int(start), int(stop)


def check_partition(func: str, blocks, d: int) -> None:
    """Check that checked ``blocks`` (or None: one block) partition ``range(d)`` in order."""
    if blocks is None:
        return
    position = 0
    for start, stop in blocks:
        if start != position:
            problem = "overlap" if start < position else f"leave [{position}, {start}) uncovered"
            raise ValueError(
                f"{func}: blocks must partition range(d) = range({d}) without gaps or overlap; "
                f"they {problem}"
            )
        position = stop
    if position != d:
        raise ValueError(
            f"{func}: blocks must partition range(d) = range({d}); they end at {position}"
        )


def layer_shapes(func: str, model) -> list[tuple[int, int]]:
    """Return the ``(n_{l-1} + 1, n_l)`` weight-and-bias shapes of an MLP or its layer sizes."""
    sizes = getattr(model, "sizes", model)
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: model must be a pyginger.nn.mlp.MLP (or its list of layer sizes), "
            f"got {type(model).__name__}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"{func}: model sizes must be >= 1 and at least two, got {sizes}")
    return [(p + 1, k) for p, k in zip(sizes[:-1], sizes[1:], strict=True)]


# ---------------------------------------------------------------------------------------------
# The arguments of init and step
# ---------------------------------------------------------------------------------------------


def _all_finite(x: np.ndarray) -> bool:
    """Whether a float array has only finite entries, in one read without a temporary."""
    if x.size <= 4096:  # small: the boolean temporary costs less than the error state below
        return bool(np.isfinite(x).all())
    # A NaN or inf makes the sum NaN or inf; a finite sum proves all entries finite. A sum that
    # overflows from finite entries is rare: the exact test decides then.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(x, axis=None)
    return bool(np.isfinite(total)) or bool(np.all(np.isfinite(x)))


def check_theta(func: str, theta) -> np.ndarray:
    """Return ``theta`` as a finite float32/float64 vector (a fresh array when converted)."""
    refuse_non_real(func, "theta", theta)
    if isinstance(theta, np.ndarray) and theta.dtype.kind == "f":
        # float16 and longdouble would change precision, ">f8" is not what the kernels read:
        # refused rather than silently cast, like every array operand of the core.
        check_float_dtype(func, "theta.dtype", theta.dtype)
    if isinstance(theta, np.ndarray) and theta.dtype in FLOAT_DTYPES:
        arr = theta
    else:
        try:
            arr = np.asarray(theta, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: theta must be a real vector of shape (d,), got {type(theta).__name__}"
            ) from None
    if arr.ndim != 1 or arr.shape[0] < 1:
        raise ValueError(f"{func}: theta must have shape (d,) with d >= 1, got {arr.shape}")
    if not _all_finite(arr):
        raise ValueError(f"{func}: theta must contain only finite values (found NaN or inf)")
    return arr


def check_vector(func: str, name: str, x, theta: np.ndarray, *, finite=True) -> np.ndarray:
    """Return a gradient-like vector checked against the shape and dtype of ``theta``.

    ``finite=False`` leaves out the pass that checks its entries are finite (for a caller whose
    own first pass shows NaN and inf before it writes anything, and then checks again).
    """
    if isinstance(x, np.ndarray):
        if x.dtype != theta.dtype:
            if x.dtype.kind not in "fiu":
                raise TypeError(f"{func}: {name} must hold real numbers, got dtype {x.dtype}")
            if x.dtype.kind == "f":
                raise TypeError(
                    f"{func}: {name} must have dtype {theta.dtype} (the dtype of theta), got "
                    f"{x.dtype}; cast it explicitly, e.g. {name}.astype(theta.dtype)"
                )
            x = x.astype(theta.dtype)
    else:
        try:
            x = np.asarray(x, dtype=theta.dtype)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: {name} must be a real vector of shape {theta.shape}, got "
                f"{type(x).__name__}"
            ) from None
    if x.shape != theta.shape:
        raise ValueError(f"{func}: {name} must have shape {theta.shape} like theta, got {x.shape}")
    if finite and not _all_finite(x):
        raise ValueError(f"{func}: {name} must contain only finite values (found NaN or inf)")
    return x


def check_state(func: str, state, cls, theta: np.ndarray) -> None:
    """Check that ``state`` is a ``cls`` made for parameters of the shape of ``theta``."""
    if not isinstance(state, cls):
        raise TypeError(
            f"{func}: state must be a {cls.__name__} (from the optimizer's init), "
            f"got {type(state).__name__}"
        )
    size = getattr(state, "size", None)
    if size is not None and size != theta.shape[0]:
        raise ValueError(
            f"{func}: state was made for d = {size} parameters, got theta of shape {theta.shape}"
        )


def lr_at(func: str, lr, count: int) -> float:
    """Return the learning rate at the 1-based step ``count``, checking a schedule's value."""
    value = lr(count) if callable(lr) else lr
    if not is_real(value) and not (isinstance(value, np.ndarray) and value.shape == ()):
        raise TypeError(
            f"{func}: the learning-rate schedule must return a real number, got "
            f"{type(value).__name__} at step {count}"
        )
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"{func}: the learning rate must be a finite number >= 0, got {value} at step {count}"
        )
    return value


# ---------------------------------------------------------------------------------------------
# Curvature samples, one check per kind of ``needs``
# ---------------------------------------------------------------------------------------------


def check_factor(
    func: str, F, theta: np.ndarray, *, inverse_damping=None, finite=True
) -> np.ndarray:
    """Return a curvature factor checked to be ``(d,)`` or ``(d, k)``, as a ``(d, k)`` array.

    With ``inverse_damping``, also refuse a factor Ginger's inverse form cannot take: it forms
    ``F / damping`` and its Gram, so ``|F|^2 / damping^2`` must be finite. (The curvature form's
    products are bounded by ``|F|^2``.) Checked before any block is updated, so that with
    ``overwrite_state`` no block's ``U`` is rotated in place ahead of a block that fails.
    ``finite=False`` checks the type, dtype and shape only (as :func:`check_vector`).
    """
    d = theta.shape[0]
    if isinstance(F, np.ndarray):
        if F.dtype != theta.dtype:
            if F.dtype.kind == "f":
                raise TypeError(
                    f"{func}: curvature must have dtype {theta.dtype} (the dtype of theta), "
                    f"got {F.dtype}; cast it explicitly"
                )
            if F.dtype.kind not in "iu":
                raise TypeError(f"{func}: curvature must hold real numbers, got dtype {F.dtype}")
            F = F.astype(theta.dtype)
    elif isinstance(F, (list, tuple)):
        try:
            F = np.asarray(F, dtype=theta.dtype)
        except (TypeError, ValueError):
            raise TypeError(f"{func}: curvature must be an array of real numbers") from None
    else:
        raise TypeError(
            f"{func}: curvature must be a factor array of shape ({d},) or ({d}, k) "
            f"(e.g. model.ggn_factor(theta, X, y)), got {type(F).__name__}"
        )
    if not (F.ndim in (1, 2) and F.shape[0] == d and (F.ndim == 1 or F.shape[1] >= 1)):
        raise ValueError(f"{func}: curvature must have shape ({d},) or ({d}, k), got {F.shape}")
    if not finite:
        return F if F.ndim == 2 else F[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        # One pass: NaN and inf propagate, and overflow shows. einsum, not vdot: BLAS's
        # threaded dot waits for a descheduled thread on a busy machine (~10x slower there).
        squared = float(np.einsum("ij,ij->", F, F) if F.ndim == 2 else np.einsum("i,i->", F, F))
    if not math.isfinite(squared):
        if not np.all(np.isfinite(F)):
            raise ValueError(
                f"{func}: curvature must contain only finite values (found NaN or inf)"
            )
        raise CurvatureRangeError(
            f"{func}: curvature is too large (its squared norm overflows, so would the curvature "
            "matrix); rescale the problem"
        )
    if inverse_damping is not None:
        with np.errstate(over="ignore"):  # |F / damping|^2 without a scaled copy of F
            scaled = np.float64(squared) / inverse_damping / inverse_damping
        if not np.isfinite(scaled):
            raise CurvatureRangeError(
                f"{func}: curvature is too large for the inverse form at damping "
                f"{inverse_damping:g} (the squared norm of curvature / damping overflows); no "
                "block was updated"
            )
    return F if F.ndim == 2 else F[:, None]


def check_rank_one_factor(func: str, F, theta: np.ndarray) -> np.ndarray:
    """Return a factor checked as by :func:`check_factor` and to be one vector, as ``(d, 1)``."""
    F = check_factor(func, F, theta)
    if F.shape[1] != 1:
        raise ValueError(
            f"{func}: curvature must be one factor of shape ({F.shape[0]},) or ({F.shape[0]}, 1) "
            "(the released update is rank-one; e.g. model.ggn_factor(theta, X, kind='mc')), "
            f"got shape {F.shape}"
        )
    return F


def check_ggn(func: str, curvature, theta: np.ndarray) -> tuple:
    """Return ``(matvec, factor)`` for a GGN given as a factor, callable or operator."""
    if isinstance(curvature, LinearOperator):
        d = theta.shape[0]
        if curvature.shape != (d, d):
            raise ValueError(
                f"{func}: curvature operator must have shape ({d}, {d}), got {curvature.shape}"
            )
        return (lambda v: np.asarray(curvature.matvec(v), dtype=theta.dtype).reshape(-1)), None
    if callable(curvature):
        return (lambda v: np.asarray(curvature(v), dtype=theta.dtype).reshape(-1)), None
    if curvature is None:
        raise ValueError(
            f"{func}: curvature is required: a factor F of shape ({theta.shape[0]}, k) with "
            "G = F F^T, a callable v -> G v or a LinearOperator; got None"
        )
    return None, check_factor(func, curvature, theta)


def check_kfac_pairs(func: str, curvature, shapes) -> list:
    """Return per-layer ``(A, B)`` float64 pairs checked against the layers' ``shapes``."""
    try:
        pairs = [tuple(pair) for pair in curvature]
    except TypeError:
        raise TypeError(
            f"{func}: curvature must be a list of (A, B) pairs from kfac_factors, "
            f"got {type(curvature).__name__}"
        ) from None
    if len(pairs) != len(shapes) or any(len(pair) != 2 for pair in pairs):
        raise ValueError(
            f"{func}: curvature must hold {len(shapes)} (A, B) pairs (one per layer), "
            f"got {len(pairs)} entries"
        )
    out = []
    for layer, ((A, B), (p, k)) in enumerate(zip(pairs, shapes, strict=True), start=1):
        A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
        if A.shape != (p, p) or B.shape != (k, k):
            raise ValueError(
                f"{func}: layer {layer} needs A of shape ({p}, {p}) and B of shape "
                f"({k}, {k}), got {A.shape} and {B.shape}"
            )
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
            raise ValueError(f"{func}: curvature of layer {layer} must be finite")
        out.append((A, B))
    return out
