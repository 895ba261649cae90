"""Checks shared by every layer: scalars, choices, dtypes, arrays, Ginger states, random streams.

Every message names the function, the argument, what was expected and what was received, for
example ``update: factor must have shape (500,) or (500, k), got (400,)``. ``ValueError`` is raised
for bad values and shapes, ``TypeError`` for bad types. Checks run before any work, so a failed
call never leaves a half-updated state behind.
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

FORMS = ("curvature", "inverse", "reference")
BACKENDS = ("numba", "numpy")
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
#: The kinds of GGN factor a model gives (``MLP.ggn_factor``).
FACTOR_KINDS = ("exact", "mc", "empirical")


def check_dim(func: str, dim) -> int:
    """Return ``dim`` as an int after checking it is a positive integer."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{func}: dim must be an integer, got {type(dim).__name__}")
    if dim < 1:
        raise ValueError(f"{func}: dim must be >= 1, got {dim}")
    return int(dim)


def check_rank(func: str, rank, dim: int) -> int:
    """Return ``rank`` as an int after checking ``1 <= rank <= dim``."""
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"{func}: rank must be an integer, got {type(rank).__name__}")
    if not 1 <= rank <= dim:
        raise ValueError(f"{func}: rank must satisfy 1 <= rank <= dim = {dim}, got {rank}")
    return int(rank)


def check_positive_finite(func: str, name: str, value) -> float:
    """Return ``value`` as a float after checking it is a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{func}: {name} must be a finite number > 0, got {value}")
    return value


def check_beta(func: str, beta) -> float:
    """Return ``beta`` as a float after checking ``0 <= beta < 1``."""
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f"{func}: beta must be a real number, got {type(beta).__name__}")
    beta = float(beta)
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"{func}: beta must satisfy 0 <= beta < 1, got {beta}")
    return beta


def check_choice(func: str, name: str, value, choices) -> str:
    """Check that ``value`` is one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        expected = " | ".join(repr(c) for c in choices)
        raise ValueError(f"{func}: {name} must be {expected}, got {value!r}")
    return value


def check_positive_int(func: str, name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum`` (default 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be >= {minimum}, got {value}")
    return int(value)


class CurvatureRangeError(ValueError):
    """A curvature sample outside what an optimizer step can handle in floating point.

    Raised before the step changes anything, when a product of the factor would overflow or the
    damped curvature is not numerically positive definite. The run loops (``minimize``,
    ``training.train``) stop on it with the last finite iterate, as on any non-finite value.
    """


def check_bool(func: str, name: str, value) -> bool:
    """Return ``value`` as a bool after checking it is ``True`` or ``False`` (not 1, "no", ...)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {name} must be True or False, got {type(value).__name__}")
    return bool(value)


def refuse_non_real(func: str, name: str, x) -> None:
    """Raise a TypeError if ``x`` holds complex, boolean, string or object values.

    NumPy would cast complex to float with only a ComplexWarning, dropping the imaginary part,
    and would turn ``"1.0"`` or booleans into numbers: all silently wrong for parameters.
    """
    kind = np.asarray(x).dtype.kind if not hasattr(x, "dtype") else np.dtype(x.dtype).kind
    if kind == "c":
        raise TypeError(
            f"{func}: {name} must be real, got complex values; pass {name}.real if the "
            "imaginary part is zero"
        )
    if kind not in "fiu":
        raise TypeError(f"{func}: {name} must hold real numbers, got dtype {np.asarray(x).dtype}")


def check_float_dtype(func: str, name: str, dtype) -> np.dtype:
    """Return ``numpy.dtype(dtype)`` after checking it is native float32 or float64."""

    # The message is formatted only when raised: a dtype's repr costs microseconds per step.
    def message():
        return f"{func}: {name} must be float32 or float64 (e.g. numpy.float32), got {dtype!r}"

    if dtype is None:  # numpy.dtype(None) is float64: callers pass their default explicitly
        raise TypeError(message())
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):  # "flaot32", "float32 ", another library's dtype object
        raise TypeError(message()) from None
    # A byte-swapped ">f8" is refused too (it compares unequal to float64): kernels read native
    # floats.
    if not (dt.isnative and dt in FLOAT_DTYPES):
        raise TypeError(message())
    return dt


def check_state(func: str, state, name: str = "state") -> None:
    """Check that ``state`` is a :class:`pyginger.GingerState` with values it can represent.

    ``name`` is how messages call it (e.g. ``"state.curvature[0]"`` inside an optimizer state).

    Cheap checks, ``O(tau)``: shapes and dtypes of ``U`` and ``sigma``, a normal positive
    damping, a count ``>= 0``, ``sigma`` finite, ``>= 0`` and sorted in descending order, and
    the truncation certificate's numbers ``>= 0`` (or NaN: unknown).
    (Orthonormality of ``U`` costs a pass over it and is checked where a state is loaded.)
    """
    fields = ("U", "sigma", "damping", "step", *CERTIFICATE_FIELDS)
    if not all(hasattr(state, f) for f in fields):
        raise TypeError(
            f"{func}: {name} must be a GingerState (from pyginger.init), got {type(state).__name__}"
        )
    from pyginger._backend import to_host

    U, sigma = state.U, state.sigma
    if getattr(U, "ndim", None) != 2 or getattr(sigma, "shape", None) != (U.shape[1],):
        raise ValueError(
            f"{func}: {name}.U must be (d, tau) and {name}.sigma (tau,), got shapes "
            f"{getattr(U, 'shape', None)} and {getattr(sigma, 'shape', None)}"
        )
    if sigma.dtype != U.dtype or not _is_float32_or_64(U):
        raise ValueError(
            f"{func}: {name}.U and {name}.sigma must share a float32/float64 dtype, got "
            f"{_dtype_name(U.dtype)} and {_dtype_name(sigma.dtype)}"
        )
    damping, step = state.damping, state.step
    # type() is float / int first: the numbers ABCs cost a microsecond per check per step.
    if not (
        (type(damping) is float or isinstance(damping, numbers.Real))
        and _TINY <= damping < math.inf
    ):
        raise ValueError(f"{func}: {name}.damping must be finite and > 0, got {damping!r}")
    integral = type(step) is int or (
        not isinstance(step, bool) and isinstance(step, numbers.Integral)
    )
    if not integral or step < 0:
        raise ValueError(f"{func}: {name}.step must be an integer >= 0, got {step!r}")
    # Sorted descending with a last entry >= 0 means every entry is >= 0; NaN fails a comparison.
    # Python floats: for tau values this is several times faster than NumPy reductions.
    s = to_host(sigma).tolist()
    if not (math.isfinite(s[0]) and s[-1] >= 0 and all(a >= b for a, b in itertools.pairwise(s))):
        raise ValueError(
            f"{func}: {name}.sigma must be finite, >= 0 and sorted in descending order, got {s}"
        )
    for field in CERTIFICATE_FIELDS:
        x = getattr(state, field)
        # NaN (unknown) passes "x < 0"; inf is a true, if empty, upper bound.
        real = type(x) is float or (not isinstance(x, bool) and isinstance(x, numbers.Real))
        if not real or x < 0:
            raise ValueError(f"{func}: {name}.{field} must be a real number >= 0 or NaN, got {x!r}")


#: The fields of a Ginger state that carry its truncation certificate (pyginger.core.certificate).
CERTIFICATE_FIELDS = (
    "gap_spectral",
    "gap_frobenius",
    "gap_trace",
    "gap_spectral_lower",
    "gap_frobenius_lower",
)


_TINY = float(np.finfo(np.float64).tiny)


def _is_float32_or_64(x) -> bool:
    if isinstance(x, np.ndarray):
        return x.dtype in FLOAT_DTYPES
    return str(x.dtype).split(".")[-1] in ("float32", "float64")  # other array libraries


def check_operand(
    func: str, name: str, x, xp, dim: int, dtype, *, allow_2d: bool = True, finite: bool = True
):
    """Check a factor or right-hand side against the state and return it as an array of ``xp``.

    ``x`` must have shape ``(dim,)`` or ``(dim, k)`` and the state's floating dtype; lists and
    tuples are converted to that dtype. Arrays of another floating dtype are refused rather than
    silently cast, so float32 and float64 are never mixed. ``finite=False`` skips the check for
    NaN and inf, a full pass over ``x``: for callers that check a product of ``x`` instead
    (:func:`require_finite_product`).
    """
    from pyginger._backend import array_namespace_of, is_array

    if is_array(x):
        x_xp = array_namespace_of(x)
        if x_xp is not xp:
            raise TypeError(
                f"{func}: {name} is a {_lib_name(x_xp)} array but the state holds "
                f"{_lib_name(xp)} arrays; convert it first (arrays of different libraries "
                "are never mixed)"
            )
    elif isinstance(x, (list, tuple)) or isinstance(x, numbers.Real):
        try:
            x = xp.asarray(x, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{func}: {name} must be an array of real numbers ({exc})") from None
    else:
        raise TypeError(
            f"{func}: {name} must be an array of shape ({dim},) or ({dim}, k), "
            f"got {type(x).__name__}"
        )
    if x.dtype != dtype:
        raise TypeError(
            f"{func}: {name} must have dtype {_dtype_name(dtype)} (the state's dtype), got "
            f"{_dtype_name(x.dtype)}; cast it explicitly, e.g. {name}.astype(...)"
        )
    shape = tuple(x.shape)
    ok = (len(shape) == 1 and shape[0] == dim) or (
        allow_2d and len(shape) == 2 and shape[0] == dim and shape[1] >= 1
    )
    if not ok:
        expected = f"({dim},) or ({dim}, k)" if allow_2d else f"({dim},)"
        raise ValueError(f"{func}: {name} must have shape {expected}, got {shape}")
    if finite and not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{func}: {name} must contain only finite values (found NaN or inf)")
    return x


def require_finite_product(func: str, name: str, product) -> None:
    """Raise ``ValueError`` unless the small host array ``product`` (e.g. ``U.T @ x``) is finite.

    Checking the product that the first pass over ``x`` computes anyway saves the pass that
    :func:`check_operand` would make. Under IEEE arithmetic a NaN or inf anywhere in ``x`` makes
    every entry of ``U.T @ x`` NaN or inf (``0 * inf`` is NaN), so nothing escapes; a finite ``x``
    whose products overflow is refused as well, which is right, since the update or solve would
    produce inf from it.
    """
    if not np.all(np.isfinite(product)):
        raise ValueError(
            f"{func}: {name} must contain only finite values (found NaN or inf, or entries so "
            "large that their products overflow)"
        )


# Checks for plain NumPy data (models, losses, datasets).


def as_real_array(func: str, name: str, x, *, ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a float64 ndarray after checking it is real, numeric and finite."""
    if isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (list, tuple, numbers.Real)):
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{func}: {name} must be an array of real numbers ({exc})") from None
    else:
        raise TypeError(
            f"{func}: {name} must be a NumPy array of real numbers, got {type(x).__name__}"
        )
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    ):
        raise TypeError(
            f"{func}: {name} must hold real numbers (integer or floating dtype), "
            f"got dtype {arr.dtype}"
        )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{func}: {name} must be a {ndim}-D array, got shape {arr.shape}")
    arr = np.asarray(arr, dtype=np.float64)
    check_finite(func, name, arr)
    return arr


def check_finite(func: str, name: str, arr: np.ndarray) -> None:
    """Raise ValueError if ``arr`` contains NaN or infinity."""
    if not np.isfinite(arr).all():
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{func}: {name} must be finite, got {bad} non-finite entries (nan or inf)"
        )


def check_shape(func: str, name: str, arr: np.ndarray, shape: tuple, expected: str) -> None:
    """Raise ValueError unless ``arr.shape == shape``; ``expected`` is how the shape is shown."""
    if arr.shape != shape:
        raise ValueError(f"{func}: {name} must have shape {expected}, got {arr.shape}")


def make_rng(func: str, rng) -> np.random.Generator:
    """Turn ``rng`` (None, int seed or Generator) into a ``numpy.random.Generator``."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{func}: rng must be a non-negative integer seed, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{func}: rng must be None, an integer seed or a numpy.random.Generator, "
        f"got {type(rng).__name__}"
    )


def _dtype_name(dtype) -> str:
    name = getattr(dtype, "name", None)
    if not isinstance(name, str):
        return str(dtype)
    if isinstance(dtype, np.dtype) and not dtype.isnative:  # ">f8" is not float64 to the kernels
        return f"{name} with non-native byte order ({dtype.str!r})"
    return name


def _lib_name(xp) -> str:
    name = getattr(xp, "__name__", str(xp))
    return name.split(".")[0] if name.startswith(("numpy", "cupy")) else name
