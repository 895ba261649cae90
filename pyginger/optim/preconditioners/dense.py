"""The exact EMA GGN (dense, per block) and its diagonal, as preconditioners."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.linalg

from pyginger._validation import CurvatureRangeError
from pyginger._validation import optimizers as _vo
from pyginger.optim.base import Preconditioner
from pyginger.optim.preconditioners.ginger import block_slices, debias_weight

__all__ = ["DenseCurvature", "DenseGGN", "DiagonalCurvature", "DiagonalGGN"]


class DenseCurvature(NamedTuple):
    """State of :class:`DenseGGN`: the EMA matrix per block and the number of updates."""

    G: tuple
    n_updates: int


class DiagonalCurvature(NamedTuple):
    """State of :class:`DiagonalGGN`: the EMA of the GGN's diagonal and the number of updates."""

    diag: np.ndarray
    n_updates: int


def _cholesky(M, damping):
    """Cholesky factor of the damped curvature ``M``; a clear error where rounding breaks it.

    ``M = G + damping I`` is positive definite in exact arithmetic, but when ``G``'s entries are
    ``~1 / eps`` times the damping or more, rounding in ``G`` exceeds the damping and Cholesky
    fails: the damping no longer regularizes anything.
    """
    try:
        return scipy.linalg.cho_factor(M)
    except np.linalg.LinAlgError:
        scale = float(np.max(np.abs(M)))
        raise CurvatureRangeError(
            f"the damped curvature is not numerically positive definite (entries up to "
            f"{scale:.3g} against damping {damping:.3g}); increase the damping or rescale"
        ) from None


class DenseGGN(Preconditioner):
    r"""The dense EMA :math:`G \leftarrow \beta G + (1-\beta) F F^\top` per block, solved exactly.

    ``solve`` returns ``c (sym(G) + c \gamma I)^{-1} v`` by Cholesky, ``c = 1 - beta^n`` when
    ``debias`` (else 1). Ginger with ``tau = d``, without truncation.

    Parameters
    ----------
    damping, beta, debias, blocks
        As ``damping, beta2, debias, blocks`` of :func:`pyginger.optim.ema_ggn`, which checks
        them; built directly, the values are trusted.
    """

    state_type = DenseCurvature

    def __init__(self, damping, beta=0.99, *, debias=True, blocks=None):
        self.damping, self.beta, self.debias, self.blocks = damping, beta, debias, blocks

    def check_theta(self, where, theta):
        """Check that the blocks partition ``theta``."""
        _vo.check_partition(where, self.blocks, theta.shape[0])

    def init(self, theta):
        """Return a zero matrix per block."""
        slices = block_slices(self.blocks, theta.shape[0])
        G = tuple(np.zeros((s.stop - s.start,) * 2, dtype=theta.dtype) for s in slices)
        return DenseCurvature(G, 0)

    def update(self, state, F):
        """Add the factor's outer product to each block's EMA."""
        slices = block_slices(self.blocks, F.shape[0])
        beta = self.beta
        G = tuple(
            beta * Gb + (1.0 - beta) * (F[sl] @ F[sl].T)
            for Gb, sl in zip(state.G, slices, strict=True)
        )
        return DenseCurvature(G, state.n_updates + 1)

    def solve(self, state, v):
        """Return ``c (sym(G) + c gamma I)^{-1} v`` per block."""
        c = debias_weight(self.beta, state.n_updates, self.debias)
        u = np.empty_like(v)
        for Gb, sl in zip(state.G, block_slices(self.blocks, v.shape[0]), strict=True):
            M = (Gb + Gb.T) / 2 + (self.damping * c) * np.eye(Gb.shape[0], dtype=Gb.dtype)
            u[sl] = c * scipy.linalg.cho_solve(_cholesky(M, self.damping * c), v[sl])
        return u, state


class DiagonalGGN(Preconditioner):
    r"""The EMA of the GGN's diagonal, :math:`v \leftarrow \beta v + (1-\beta)\sum_j F_{:,j}^2`.

    ``solve`` returns :math:`u / (v / c + \gamma)`, ``c = 1 - beta^n`` when ``debias``.

    Parameters
    ----------
    damping, beta, debias
        As ``damping, beta2, debias`` of :func:`pyginger.optim.diag_ggn`, which checks them;
        built directly, the values are trusted.
    """

    state_type = DiagonalCurvature

    def __init__(self, damping, beta=0.99, *, debias=True):
        self.damping, self.beta, self.debias = damping, beta, debias

    def init(self, theta):
        """Return a zero diagonal."""
        return DiagonalCurvature(np.zeros_like(theta), 0)

    def update(self, state, F):
        """Add the squared row norms of ``F`` to the EMA."""
        diag = self.beta * state.diag + (1.0 - self.beta) * np.einsum("ij,ij->i", F, F)
        return DiagonalCurvature(diag, state.n_updates + 1)

    def solve(self, state, v):
        """Return ``v / (diag / c + damping)``."""
        c = debias_weight(self.beta, state.n_updates, self.debias)
        return v / (state.diag / c + self.damping), state
