"""Ginger's preconditioner: a rank-``tau`` damped GGN inverse, one state or one per block."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from pyginger import core
from pyginger._validation import optimizers as _vo
from pyginger.optim.base import Preconditioner

__all__ = ["GingerCurvature", "Ginger", "block_slices", "debias_weight"]


def block_slices(blocks, d: int) -> tuple[slice, ...]:
    """Slices of checked ``blocks`` (``(start, stop)`` pairs), or one slice for None."""
    if blocks is None:
        return (slice(0, d),)
    return tuple(slice(a, b) for a, b in blocks)


def debias_weight(beta: float, n_updates: int, debias: bool) -> float:
    """Return the EMA weight ``1 - beta^n`` (1 when not debiasing or before any update)."""
    if not debias or n_updates == 0:
        return 1.0
    return 1.0 - beta**n_updates


class GingerCurvature(NamedTuple):
    """State of :class:`Ginger`: one :class:`~pyginger.GingerState` per block."""

    curvature: tuple


class Ginger(Preconditioner):
    r"""The EMA GGN kept by Ginger's rank-``tau`` update, solved by the Woodbury identity.

    Per block, :func:`pyginger.update` with the block's rows of the factor (EMA factor
    ``beta``), and ``c (G + c \gamma I)^{-1} v`` by :func:`pyginger.solve`, with
    ``c = 1 - beta^n`` after ``n`` updates when ``debias`` (else 1): the solve with the
    debiased :math:`G / c`.

    Parameters
    ----------
    rank, damping, beta, debias, form, blocks, reorth_every, overwrite
        As ``rank, damping, beta2, debias, form, blocks, reorth_every, overwrite_state`` of
        :func:`pyginger.optim.ginger`, which checks them (``blocks`` as sorted ``(start, stop)``
        pairs, or None); built directly, the values are trusted.
    """

    state_type = GingerCurvature

    def __init__(
        self,
        rank,
        damping,
        beta=0.99,
        *,
        debias=True,
        form="curvature",
        blocks=None,
        reorth_every=core.REORTH_EVERY,
        overwrite=False,
    ):
        self.rank, self.damping, self.beta, self.debias = rank, damping, beta, debias
        self.form, self.blocks, self.reorth_every = form, blocks, reorth_every
        self.overwrite = overwrite

    def check_theta(self, where, theta):
        """Check that the blocks partition ``theta``."""
        _vo.check_partition(where, self.blocks, theta.shape[0])

    def check_curvature(self, where, curvature, theta):
        """Check the factor, and (inverse form) that ``F / damping`` stays in range."""
        if curvature is None:
            return None
        inverse_damping = self.damping if self.form == "inverse" else None
        return _vo.check_factor(where, curvature, theta, inverse_damping=inverse_damping)

    def init(self, theta):
        """Return one empty Ginger state per block, rank capped at the block's size."""
        slices = block_slices(self.blocks, theta.shape[0])
        return GingerCurvature(
            tuple(
                core.init(
                    s.stop - s.start,
                    min(self.rank, s.stop - s.start),
                    damping=self.damping,
                    dtype=theta.dtype,
                )
                for s in slices
            )
        )

    def update(self, state, F):
        """Update every block's state with its rows of ``F``."""
        slices = block_slices(self.blocks, F.shape[0])
        return GingerCurvature(
            tuple(
                core.update(
                    s,
                    np.ascontiguousarray(F[sl]),
                    beta=self.beta,
                    form=self.form,
                    reorth_every=self.reorth_every,
                    overwrite_state=self.overwrite,
                )
                for s, sl in zip(state.curvature, slices, strict=True)
            )
        )

    def solve(self, state, v):
        """Return ``c (G + c gamma I)^{-1} v`` block by block."""
        slices = block_slices(self.blocks, v.shape[0])
        u = np.empty_like(v)
        for s, sl in zip(state.curvature, slices, strict=True):
            c = debias_weight(self.beta, s.step, self.debias)
            scaled = s if c == 1.0 else s._replace(damping=self.damping * c)
            u[sl] = c * core.solve(scaled, np.ascontiguousarray(v[sl]))
        return u, state
