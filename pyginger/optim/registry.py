"""The named optimizers by name: :data:`OPTIMIZERS` and :func:`get_optimizer`."""

from __future__ import annotations

import inspect
import types
from typing import Any

from pyginger import _validation as _v
from pyginger.optim.alias import adam, gauss_newton, ginger, sgd
from pyginger.optim.approximations import diag_ggn, ema_ggn, kfac, qng
from pyginger.optim.base import Optimizer

__all__ = ["OPTIMIZERS", "get_optimizer"]

#: Constructors by name (``kfac`` takes the model as first argument).
OPTIMIZERS = types.MappingProxyType(
    {
        "sgd": sgd,
        "adam": adam,
        "gauss_newton": gauss_newton,
        "ema_ggn": ema_ggn,
        "ginger": ginger,
        "diag_ggn": diag_ggn,
        "kfac": kfac,
        "qng": qng,
    }
)


def get_optimizer(name: str, **options: Any) -> Optimizer:
    """Return the optimizer called ``name`` built with ``options``.

    Parameters
    ----------
    name : str
        One of :data:`OPTIMIZERS` (``"kfac"`` needs ``model=...``).
    **options
        Keyword arguments of the constructor.

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    TypeError
        If an option is not accepted by the constructor (message lists the accepted ones).

    Examples
    --------
    >>> from pyginger.optim import get_optimizer
    >>> get_optimizer("adam", lr=0.01).config["lr"]
    0.01
    """
    _v.check_choice("get_optimizer", "name", name, tuple(OPTIMIZERS))
    ctor = OPTIMIZERS[name]
    accepted = [p for p in inspect.signature(ctor).parameters]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(
            f"get_optimizer: {name} does not accept option(s) {unknown}; accepted: {accepted}"
        )
    return ctor(**options)
