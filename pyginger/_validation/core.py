"""Checks at the door of the Ginger core: the arguments of ``init``, ``update`` and the backends.

The checks every layer shares (states, operands, choices) are in
:mod:`pyginger._validation.common`; these are the ones only :mod:`pyginger.core` needs. Each
returns the checked value in the form the core uses, or raises ``ValueError``/``TypeError`` with
a message that names the function and the argument.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from pyginger import _backend
from pyginger._validation import common

__all__ = [
    "INVERSE_FORM_DAMPING",
    "check_backend",
    "check_init",
    "check_inverse_form_damping",
]

#: Damping range of the inverse form: it stores ``s = sigma / (gamma (gamma + sigma))`` and maps
#: back with ``gamma**2``, so ``gamma**2`` must be a normal float64 (1e-154 ... 1e154); beyond,
#: ``s`` or the map back underflows or overflows and the state would be silently wrong.
INVERSE_FORM_DAMPING = (1e-154, 1e154)


def check_init(dim, rank, damping, dtype, xp) -> tuple[int, int, float, ModuleType, Any]:
    """Check the arguments of :func:`pyginger.init`; return ``(dim, rank, damping, xp, dtype)``.

    ``xp`` comes back resolved (``numpy`` itself for ``None``) and ``dtype`` as a dtype of it.
    """
    dim = common.check_dim("init", dim)
    rank = common.check_rank("init", rank, dim)
    if dim * rank > np.iinfo(np.intp).max // 8:  # U's bytes must be addressable
        raise ValueError(f"init: U would hold dim * rank = {dim * rank} elements, too many")
    damping = common.check_positive_finite("init", "damping", damping)
    if damping < np.finfo(np.float64).tiny:  # subnormal: 1 / damping, the inverse's scale, is inf
        raise ValueError(f"init: damping must be at least 2.2e-308 (a normal float), got {damping}")
    xp = _backend.resolve_namespace(xp)
    if xp is np:
        dt = common.check_float_dtype("init", "dtype", np.float64 if dtype is None else dtype)
    else:
        dt = xp.float64 if dtype is None else dtype
        if dt not in (xp.float32, xp.float64):
            raise TypeError(f"init: dtype must be float32 or float64 of {xp.__name__}, got {dt!r}")
    return dim, rank, damping, xp, dt


def check_backend(func: str, backend, xp: ModuleType, numba_available: bool) -> str:
    """Check ``backend`` for arrays of ``xp`` and return the one to run (``None`` resolved).

    ``None`` means ``"numba"`` for NumPy arrays when Numba is installed, else ``"numpy"``.
    """
    if backend is None:
        backend = "numba" if (xp is np and numba_available) else "numpy"
    common.check_choice(func, "backend", backend, common.BACKENDS)
    if backend == "numba":
        if xp is not np:
            raise ValueError(
                f"{func}: backend 'numba' needs NumPy arrays, got arrays of {xp.__name__}; "
                "use backend='numpy' (the generic array-API path) or None"
            )
        if not numba_available:
            raise ValueError(f"{func}: backend 'numba' needs the package numba")
    return backend


def check_inverse_form_damping(func: str, gamma: float) -> None:
    """Refuse ``form='inverse'`` for a damping outside :data:`INVERSE_FORM_DAMPING`."""
    lo, hi = INVERSE_FORM_DAMPING
    if not lo <= gamma <= hi:
        raise ValueError(
            f"{func}: form='inverse' needs {lo:g} <= damping <= {hi:g} (it divides by "
            f"damping**2), got {gamma!r}; form='curvature' works at any damping"
        )
