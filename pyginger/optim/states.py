"""The states of the named optimizers: flat NamedTuples of a step count, the chain's fields, a size.

Each is what :func:`pyginger.optim.base.as_optimizer` packs a chain's states into: ``count``
first, then the fields of every transform's state in the order of the chain, then ``size``
(the number of parameters). :mod:`pyginger.checkpoint` stores them field by field.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "SGDState",
    "AdamState",
    "GaussNewtonState",
    "GingerOptState",
    "EMAGGNState",
    "DiagGGNState",
    "KFACState",
    "QNGState",
    "QNGReferenceState",
]


class SGDState(NamedTuple):
    """State of :func:`.sgd`: step count and momentum buffer."""

    count: int
    momentum: np.ndarray
    size: int


class AdamState(NamedTuple):
    """State of :func:`.adam`: step count, first and second moment EMAs."""

    count: int
    mu: np.ndarray
    nu: np.ndarray
    size: int


class GaussNewtonState(NamedTuple):
    """State of :func:`.gauss_newton`: step count, last solver's info (0: converged)."""

    count: int
    solver_info: int
    size: int


class GingerOptState(NamedTuple):
    """State of :func:`.ginger`: count, momentum, a :class:`~pyginger.GingerState` per block."""

    count: int
    mu: np.ndarray
    curvature: tuple
    size: int


class EMAGGNState(NamedTuple):
    """State of :func:`.ema_ggn`: count, momentum, dense EMA per block, curvature updates."""

    count: int
    mu: np.ndarray
    G: tuple
    n_updates: int
    size: int


class DiagGGNState(NamedTuple):
    """State of :func:`.diag_ggn`: count, momentum, diagonal EMA, curvature updates."""

    count: int
    mu: np.ndarray
    diag: np.ndarray
    n_updates: int
    size: int


class KFACState(NamedTuple):
    """State of :func:`.kfac`: count, momentum, per-layer EMAs of ``A_l``, ``B_l``, updates."""

    count: int
    mu: np.ndarray
    A: tuple
    B: tuple
    n_updates: int
    size: int


class QNGState(NamedTuple):
    """State of :func:`.qng`: the last ``tau`` rank-one factors, newest first.

    ``qs[i]`` is :math:`q_i`, ``coefs[i]`` :math:`k_i` and ``scales[i]`` the EMA weight
    :math:`a_i` of entry ``i``; only the first ``length`` entries are in use.
    """

    count: int
    mu: np.ndarray
    qs: np.ndarray
    coefs: np.ndarray
    scales: np.ndarray
    length: int
    size: int


class QNGReferenceState(NamedTuple):
    """State of :func:`.qng_reference`: count, momentum sum, the float32 window, its length."""

    count: int
    momentum: np.ndarray
    qs: np.ndarray
    dots: np.ndarray
    length: int
    size: int
