"""The paper's low-rank baseline as a preconditioner: a window of rank-one inverse factors."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from pyginger.optim.base import Preconditioner

__all__ = ["QNGWindow", "QNG"]


class QNGWindow(NamedTuple):
    """State of :class:`QNG`: the last ``tau`` rank-one factors, newest first."""

    qs: np.ndarray
    coefs: np.ndarray
    scales: np.ndarray
    length: int


class QNG(Preconditioner):
    r"""The EMA GGN's inverse root :math:`L^{-1}` as the last ``tau`` rank-one factors.

    ``update`` adds a factor's columns one at a time (weights ``beta`` then 1); ``solve`` is
    :math:`L^{-\top} L^{-1} v`. See :func:`pyginger.optim.qng`.

    Parameters
    ----------
    rank, damping, beta
        As :func:`pyginger.optim.qng` (checked there).
    """

    state_type = QNGWindow

    def __init__(self, rank, damping, beta):
        self.tau, self.damping, self.beta = rank, damping, beta

    def init(self, theta):
        """Return an empty window."""
        d, tau = theta.shape[0], self.tau
        return QNGWindow(np.zeros((tau, d), theta.dtype), np.zeros(tau), np.ones(tau), 0)

    def _inv_factor(self, w, v):
        """:math:`L^{-1} v`: oldest factor first."""
        v = v / math.sqrt(self.damping)
        for i in range(w.length - 1, -1, -1):
            v = (v - float(w.coefs[i] * (w.qs[i] @ v)) * w.qs[i]) / math.sqrt(w.scales[i])
        return v

    def _inv_factor_t(self, w, v):
        """:math:`L^{-T} v`: newest factor first."""
        for i in range(w.length):
            v = (v - float(w.coefs[i] * (w.qs[i] @ v)) * w.qs[i]) / math.sqrt(w.scales[i])
        return v / math.sqrt(self.damping)

    def update(self, state, F):
        """Push the columns of ``F`` into the window, dropping the oldest past ``tau``."""
        w, b = state, 1.0 - self.beta
        for j in range(F.shape[1]):
            a = self.beta if j == 0 else 1.0
            q = self._inv_factor(w, F[:, j])
            dot = float(q @ q)
            k = (1.0 - math.sqrt(a / (a + b * dot))) / dot if dot > 0 else 0.0
            w = QNGWindow(
                np.concatenate([q[None, :], w.qs[:-1]]),
                np.concatenate([[k], w.coefs[:-1]]),
                np.concatenate([[a], w.scales[:-1]]),
                min(w.length + 1, self.tau),
            )
        return w

    def solve(self, state, v):
        """Return :math:`L^{-T} L^{-1} v`."""
        return self._inv_factor_t(state, self._inv_factor(state, v)), state
