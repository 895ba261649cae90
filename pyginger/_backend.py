"""Array-namespace dispatch: which library an array belongs to, and moving small matrices.

The core works on the arrays it is given. NumPy arrays take the fast path (Numba kernels);
arrays of any other library that follows the Python array API standard (CuPy, ``array_api_strict``,
...) take the generic path written with array-API operations only. ``array_api_compat`` identifies
the namespace when it is installed; without it only NumPy arrays are accepted.

The small ``(tau + k)``-sized matrices of an update always live on the host in float64 NumPy:
they cost nothing next to the ``O(d tau)`` passes over ``U``, and float64 keeps float32 storage
of ``U`` accurate.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, TypeAlias

import numpy as np

try:  # optional: only needed for arrays that are not NumPy's
    import array_api_compat
except ImportError:  # pragma: no cover - exercised only where array_api_compat is absent
    array_api_compat = None

#: Annotation for an array of NumPy or of any array-API library (CuPy, ``array_api_strict``, ...).
#: The standard defines no common array type, so this is ``typing.Any``.
Array: TypeAlias = Any


def is_array(x: object) -> bool:
    """Return True if ``x`` is an array object (NumPy, or any array-API library)."""
    if isinstance(x, np.ndarray):
        return True
    if array_api_compat is None:
        return False
    return bool(array_api_compat.is_array_api_obj(x)) and not isinstance(x, np.generic)


def array_namespace_of(*arrays: Array) -> ModuleType:
    """Return the namespace of ``arrays``: ``numpy`` itself for NumPy arrays, else array-API.

    Raises
    ------
    TypeError
        If the arrays belong to different libraries.
    """
    if all(isinstance(a, np.ndarray) for a in arrays):
        return np
    if array_api_compat is None:  # pragma: no cover
        raise TypeError(
            "arrays other than NumPy's need the optional package array-api-compat "
            "(pip install array-api-compat)"
        )
    if any(isinstance(a, np.ndarray) for a in arrays):
        raise TypeError("NumPy arrays and arrays of another library were mixed; convert first")
    return array_api_compat.array_namespace(*arrays)


def resolve_namespace(xp: ModuleType | None) -> ModuleType:
    """Map a user-given namespace (``None``, ``numpy``, ``cupy``, ...) to the one the core uses."""
    if xp is None or xp is np:
        return np
    if array_api_compat is None:  # pragma: no cover
        raise TypeError("init: xp other than NumPy needs the package array-api-compat")
    if getattr(xp, "__name__", "") in ("numpy", "array_api_compat.numpy"):
        return np
    if not callable(getattr(xp, "zeros", None)):
        raise TypeError(
            "init: xp must be an array namespace (a module such as numpy, cupy or "
            f"array_api_strict), got {type(xp).__name__} {xp!r}"
        )
    probe = xp.zeros(1)
    return array_namespace_of(probe)


def device_of(x: Array) -> Any:
    """Return the device of ``x`` (``"cpu"`` for NumPy)."""
    if isinstance(x, np.ndarray):
        return "cpu"
    return array_api_compat.device(x)


def to_host(x: Array) -> np.ndarray:
    """Copy ``x`` (a small matrix of any library, on any device) to a float64 NumPy array.

    NumPy arrays are converted without a copy when already float64. Device arrays go through
    their library's own transfer (CuPy's ``get``, else ``array_api_compat.to_device(x, "cpu")``);
    host arrays of other libraries through DLPack, which shares memory instead of copying.
    """
    if isinstance(x, np.ndarray):
        return x.astype(np.float64, copy=False)
    if array_api_compat is not None and array_api_compat.is_cupy_array(x):  # pragma: no cover
        return np.asarray(x.get(), dtype=np.float64)
    try:
        host = np.from_dlpack(x)
    except (BufferError, RuntimeError, TypeError, ValueError):  # on a device NumPy cannot read
        host = np.from_dlpack(array_api_compat.to_device(x, "cpu"))
    return np.asarray(host, dtype=np.float64)


def from_host(a: np.ndarray, like: Array) -> Array:
    """Copy the NumPy array ``a`` into the library, dtype and device of ``like``."""
    if isinstance(like, np.ndarray):
        return np.asarray(a, dtype=like.dtype)
    xp = array_namespace_of(like)
    out = xp.asarray(np.ascontiguousarray(a), device=device_of(like))
    return out if out.dtype == like.dtype else xp.astype(out, like.dtype)


def is_writeable(x: Array) -> bool:
    """Return True if ``x`` can be written in place (``x[...] = y``).

    NumPy arrays must also be C-contiguous, the layout the Numba kernels rotate in place.
    JAX arrays, read-only NumPy views and libraries without ``__setitem__`` return False.
    """
    if isinstance(x, np.ndarray):
        return bool(x.flags.writeable and x.flags.c_contiguous)
    if array_api_compat is None:  # pragma: no cover
        return False
    return bool(array_api_compat.is_writeable_array(x))
