r"""The authors' released preconditioners: Ginger's guarded inverse form and QNG's additive window.

Both keep their state in float32, as the released code (JAX, default precision) does, and follow
its arithmetic step by step, so that :mod:`pyginger.optim.released` can measure what it does.

* :class:`ReleasedGinger`: one :class:`~pyginger.GingerState` per parameter tensor, updated by
  :func:`pyginger.update` with ``form="reference"`` (:mod:`pyginger.core._released`), and the
  step's Woodbury query :math:`u = \hat m/\gamma - U (s' \odot U^\top \hat m)` with the
  *new*, undecayed state and the released cut-off :math:`s' = \operatorname{pinv}_c(\gamma^2 +
  \gamma\sigma)\,\sigma`.
* :class:`ReleasedQNG`: the window of the last ``tau`` vectors :math:`q_i` (newest first) with
  :math:`\mathrm{dots}_i = q_i^\top q_i`; its map

  .. math:: R(u) = a^{-\ell/2}\Big(u - \sum_{i<\ell} \frac{1}{\mathrm{dots}_i}\Big(1 -
            \sqrt{\tfrac{a}{a + b\,\mathrm{dots}_i}}\Big) (q_i^\top u)\, q_i\Big)

  subtracts every term from the *original* ``u`` (the reverse pass sums oldest first, the
  forward pass newest first: the same matrix, rounded in another order). It equals the exact
  product of the rank-one factors :math:`\prod_i a^{-1/2}(I - k_i q_i q_i^\top)` only when the
  :math:`q_i` are orthogonal.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from pyginger import core
from pyginger._validation import optimizers as _vo
from pyginger.core import _released
from pyginger.optim.base import Preconditioner
from pyginger.optim.preconditioners.ginger import GingerCurvature, block_slices

__all__ = ["ReleasedGinger", "ReleasedQNG", "ReleasedQNGWindow", "additive_map"]

#: The released code's working precision.
DTYPE = np.float32


class ReleasedGinger(Preconditioner):
    r"""Ginger's preconditioner as released: float32 states, guarded update and query.

    Per block: :func:`pyginger.update` with ``form="reference"`` on a float32 state (the
    block's rows of the factor, cast to float32), and
    :func:`pyginger.core._released.query` of the block's rows of ``v`` with the new state
    (``scale=1``: not decayed). No curvature bias correction.

    Parameters
    ----------
    rank, damping, beta, blocks
        As ``rank, damping, beta2, blocks`` of :func:`pyginger.optim.ginger_reference`, which
        checks them; built directly, the values are trusted.
    """

    state_type = GingerCurvature

    def __init__(self, rank, damping, beta=0.99, *, blocks=None):
        self.rank, self.damping, self.beta, self.blocks = rank, damping, beta, blocks

    def check_theta(self, where, theta):
        """Check that the blocks partition ``theta``."""
        _vo.check_partition(where, self.blocks, theta.shape[0])

    def check_curvature(self, where, curvature, theta):
        """Check the factor: one vector (the released update is rank-one)."""
        if curvature is None:
            return None
        return _vo.check_rank_one_factor(where, curvature, theta)

    def init(self, theta):
        """Return one empty float32 state per block, rank capped at the block's size."""
        slices = block_slices(self.blocks, theta.shape[0])
        return GingerCurvature(
            tuple(
                core.init(
                    s.stop - s.start,
                    min(self.rank, s.stop - s.start),
                    damping=self.damping,
                    dtype=DTYPE,
                )
                for s in slices
            )
        )

    def update(self, state, F):
        """Update every block's state with its rows of the ``(d, 1)`` factor ``F``."""
        slices = block_slices(self.blocks, F.shape[0])
        f = F[:, 0].astype(DTYPE)
        return GingerCurvature(
            tuple(
                core.update(s, np.ascontiguousarray(f[sl]), beta=self.beta, form="reference")
                for s, sl in zip(state.curvature, slices, strict=True)
            )
        )

    def solve(self, state, v):
        """Return the released Woodbury query of ``v`` block by block, in float32."""
        slices = block_slices(self.blocks, v.shape[0])
        w = v.astype(DTYPE)
        u = np.empty_like(w)
        for s, sl in zip(state.curvature, slices, strict=True):
            u[sl] = _released.query(s.U, s.sigma, w[sl], np.float32(s.damping))
        return u, state


class ReleasedQNGWindow(NamedTuple):
    """State of :class:`ReleasedQNG`: the last ``tau`` vectors ``qs`` (newest first), ``dots``."""

    qs: np.ndarray
    dots: np.ndarray
    length: int


def _coefficients(dots, a, b):
    """``(1/dots)(1 - sqrt(a / (a + b dots)))``, 0 where ``dots`` is 0 (an all-zero ``q``)."""
    safe = np.where(dots > 0, dots, 1).astype(dots.dtype)
    c = (1 - np.sqrt(a / (a + b * safe))) / safe
    return np.where(dots > 0, c, 0).astype(dots.dtype)


def additive_map(qs, dots, length, u, beta, *, newest_first):
    r"""Return the released :math:`R(u)`: every term from the original ``u``, times ``a^(-l/2)``.

    Parameters
    ----------
    qs : (tau, d) ndarray
        The window, newest first; only the first ``length`` rows are used.
    dots : (tau,) ndarray
        :math:`q_i^\top q_i`.
    length : int
        :math:`\ell`.
    u : (d,) ndarray
    beta : float
        :math:`a`; :math:`b = 1 - a`.
    newest_first : bool
        The order of the sum: True for the forward pass, False for the reverse pass.

    Returns
    -------
    (d,) ndarray
        In the dtype of ``qs``.
    """
    dtype = qs.dtype
    a, b = dtype.type(beta), dtype.type(1 - beta)
    c = _coefficients(dots[:length], a, b)
    out = u.astype(dtype)
    order = range(length) if newest_first else range(length - 1, -1, -1)
    for i in order:
        out = out - c[i] * (qs[i] @ u) * qs[i]
    return (out * dtype.type(beta ** (-length / 2))).astype(dtype)


class ReleasedQNG:
    r"""The released QNG window: ``solve`` with the old window, then ``push`` the new factor.

    Not a :class:`~pyginger.optim.base.Preconditioner`: the released step preconditions with
    the window *before* the new factor enters it, the reverse of the protocol's order, so
    :func:`pyginger.optim.qng_reference` chains it through a transform of its own.

    Parameters
    ----------
    rank, beta
        ``tau`` and :math:`a` (checked by :func:`pyginger.optim.qng_reference`).
    """

    state_type = ReleasedQNGWindow

    def __init__(self, rank, beta):
        self.tau, self.beta = rank, beta

    def init(self, theta):
        """Return an empty float32 window."""
        return ReleasedQNGWindow(
            np.zeros((self.tau, theta.shape[0]), DTYPE), np.zeros(self.tau, DTYPE), 0
        )

    def solve(self, w, v):
        """Return ``R_forward(R_reverse(v))``."""
        inner = additive_map(w.qs, w.dots, w.length, v, self.beta, newest_first=False)
        return additive_map(w.qs, w.dots, w.length, inner, self.beta, newest_first=True)

    def push(self, w, f):
        """Return the window with ``q = R_reverse(f)`` in front (the oldest drops when full)."""
        q = additive_map(w.qs, w.dots, w.length, f, self.beta, newest_first=False)
        return ReleasedQNGWindow(
            np.concatenate([q[None, :], w.qs[:-1]]),
            np.concatenate([[q @ q], w.dots[:-1]]).astype(DTYPE),
            min(w.length + 1, self.tau),
        )


def trust_region_lr(lr, trust_region, m, u):
    r"""Return :math:`\min(\eta, \sqrt{2\nu / m^\top u})` (``lr`` when ``m^T u <= 0``)."""
    if trust_region is None:
        return lr
    mu = float(m @ u)
    return lr if mu <= 0 else min(lr, math.sqrt(2 * trust_region / mu))
