"""Backends: which library an array belongs to, moving small matrices, and how Numba compiles.

The core works on the arrays it is given. NumPy arrays take the fast path (Numba kernels);
arrays of any other library that follows the Python array API standard (CuPy, ``array_api_strict``,
...) take the generic path written with array-API operations only. ``array_api_compat`` identifies
the namespace when it is installed; without it only NumPy arrays are accepted.

The small ``(tau + k)``-sized matrices of an update always live on the host in float64 NumPy:
they cost nothing next to the ``O(d tau)`` passes over ``U``, and float64 keeps float32 storage
of ``U`` accurate.

Numba is optional at import: without it :func:`jit` returns the plain Python function (the
secular solver's deflation loop then runs in Python) and :mod:`pyginger.core` uses the NumPy
twins of the kernels. With it, :func:`jit` compiles on first call and caches the machine code
on disk outside the source tree (:func:`cache_dir`), and the first compilation in a process
prints one line to ``stderr``, so that the wait is explained.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeAlias

import numpy as np

try:  # optional: the compiled kernels; without it the NumPy twins run
    import numba
    from numba.core import caching as _caching
    from numba.core import event as _event
    from numba.core.dispatcher import Dispatcher as _Dispatcher
except ImportError:  # pragma: no cover - exercised in a subprocess by tests/test_kernels.py
    numba = None

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


# ---------------------------------------------------------------------------------------------
# Compilation: the cache folder and the notice
# ---------------------------------------------------------------------------------------------

_Cache: Any = None  # Numba's function cache, located outside the source tree (below)

if numba is not None and hasattr(_caching, "FunctionCache"):  # Numba internals: checked, as a
    # newer Numba may move them; without them jit() falls back to Numba's own cache=True.

    class _CacheImpl(_caching.CompileResultCacheImpl):
        # Numba's own order is NUMBA_CACHE_DIR, then beside the source (__pycache__), then the
        # user-wide folder; pyginger skips the source tree, which is the user's checkout when run
        # from there, and keeps it only as the last resort (no writable home folder).
        _locator_classes = [
            _caching.UserProvidedCacheLocator,
            _caching.UserWideCacheLocator,
            _caching.InTreeCacheLocator,
        ]

    class _Cache(_caching.FunctionCache):  # type: ignore[no-redef]
        _impl_class = _CacheImpl


if numba is not None:

    class _CompileNotice(_event.Listener):
        """Print one line to ``stderr`` when a pyginger kernel first compiles in this process.

        Numba broadcasts ``"numba:compile"`` only when it compiles: a kernel loaded from the
        disk cache prints nothing.
        """

        shown = False

        def on_start(self, event):
            module = getattr(event.data["dispatcher"].py_func, "__module__", None) or ""
            if self.shown or module.split(".")[0] != "pyginger":
                return
            self.shown = True
            where = cache_dir() or "nowhere: no writable cache folder"
            print(
                f"pyginger: compiling Numba kernels for this shape and dtype (once; cached in "
                f"{where})...",
                file=sys.stderr,
                flush=True,
            )

        def on_end(self, event):
            pass

    _NOTICE = _CompileNotice()
    _event.register("numba:compile", _NOTICE)

_CACHE_DIR = None  # set by the first kernel that jit() caches


def cache_dir() -> str | None:
    """Return the folder where Numba caches pyginger's compiled kernels (None: not cached).

    It is ``$NUMBA_CACHE_DIR/core_<hash>`` when ``NUMBA_CACHE_DIR`` is set, else Numba's
    user-wide cache folder (``~/.cache/numba/core_<hash>`` on Linux), where ``<hash>``
    identifies the installed copy of pyginger. Deleting the folder only costs a recompilation.
    """
    return _CACHE_DIR


def jit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Return a decorator that compiles with ``numba.njit(**options)``, cached on disk.

    The cache lives in :func:`cache_dir`, not beside the source. Without Numba (or with
    ``NUMBA_DISABLE_JIT=1``) the decorator returns the function unchanged.
    """

    def decorate(func):
        global _CACHE_DIR
        if numba is None:  # pragma: no cover - without Numba
            return func
        if _Cache is None:  # pragma: no cover - a Numba without the caching internals used here
            return numba.njit(cache=True, **options)(func)
        dispatcher = numba.njit(**options)(func)
        if not isinstance(dispatcher, _Dispatcher):
            return dispatcher  # NUMBA_DISABLE_JIT=1: the Python function itself
        try:
            dispatcher._cache = _Cache(dispatcher.py_func)  # what cache=True does, elsewhere
        except (RuntimeError, AttributeError):  # pragma: no cover - no writable folder, or a
            # Numba whose dispatcher keeps its cache elsewhere: compile in every process
            return dispatcher
        _CACHE_DIR = _CACHE_DIR or dispatcher._cache.cache_path
        return dispatcher

    return decorate
