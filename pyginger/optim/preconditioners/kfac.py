"""K-FAC's preconditioner: per-layer Kronecker factors with factored Tikhonov damping."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.linalg

from pyginger._validation import optimizers as _vo
from pyginger.optim.base import Preconditioner
from pyginger.optim.preconditioners.ginger import debias_weight

__all__ = ["KFACCurvature", "KFAC"]


class KFACCurvature(NamedTuple):
    """State of :class:`KFAC`: per-layer EMAs of ``A_l`` and ``B_l``, number of updates."""

    A: tuple
    B: tuple
    n_updates: int


class KFAC(Preconditioner):
    r"""Per-layer :math:`(\bar A + \pi\sqrt\gamma I)^{-1} M (\bar B + \sqrt\gamma/\pi I)^{-1}`.

    The curvature sample is ``[(A_1, B_1), ...]`` from :func:`pyginger.nn.kfac.kfac_factors`;
    :math:`\bar A, \bar B` are its EMAs, divided by ``c = 1 - beta^n`` when ``debias``.

    Parameters
    ----------
    shapes : list of (int, int)
        ``(n_{l-1} + 1, n_l)`` per layer.
    damping, beta, debias
        As :func:`pyginger.optim.kfac` (checked there).
    """

    needs = "kfac"
    state_type = KFACCurvature

    def __init__(self, shapes, damping, beta, *, debias):
        self.shapes, self.damping, self.beta, self.debias = shapes, damping, beta, debias
        self.size = sum(p * k for p, k in shapes)

    def check_theta(self, where, theta):
        """Check that ``theta`` has the network's size."""
        if theta.shape[0] != self.size:
            sizes = [p - 1 for p, _ in self.shapes] + [self.shapes[-1][1]]
            raise ValueError(
                f"{where}: theta must have shape ({self.size},) for layer sizes {sizes}, "
                f"got {theta.shape}"
            )

    def check_curvature(self, where, curvature, theta):
        """Check the ``(A, B)`` pairs against the layers (None passes)."""
        return None if curvature is None else _vo.check_kfac_pairs(where, curvature, self.shapes)

    def init(self, theta):
        """Return zero factors for every layer."""
        A = tuple(np.zeros((p, p), dtype=theta.dtype) for p, _ in self.shapes)
        B = tuple(np.zeros((k, k), dtype=theta.dtype) for _, k in self.shapes)
        return KFACCurvature(A, B, 0)

    def update(self, state, pairs):
        """Add one sample of factors to the EMAs."""
        beta = self.beta
        A = tuple(beta * Ab + (1.0 - beta) * An for Ab, (An, _) in zip(state.A, pairs, strict=True))
        B = tuple(beta * Bb + (1.0 - beta) * Bn for Bb, (_, Bn) in zip(state.B, pairs, strict=True))
        return KFACCurvature(A, B, state.n_updates + 1)

    def solve(self, state, v):
        """Return the damped Kronecker solve, layer by layer."""
        c = debias_weight(self.beta, state.n_updates, self.debias)
        sqrt_gamma = math.sqrt(self.damping)
        u = np.empty_like(v)
        offset = 0
        for Ab, Bb, (p, k) in zip(state.A, state.B, self.shapes, strict=True):
            Ac, Bc = Ab / c, Bb / c
            ta, tb = np.trace(Ac) / p, np.trace(Bc) / k
            pi = math.sqrt(ta / tb) if ta > 0 and tb > 0 else 1.0
            M = v[offset : offset + p * k].reshape(p, k)
            Ad = Ac + (pi * sqrt_gamma) * np.eye(p)
            Bd = Bc + (sqrt_gamma / pi) * np.eye(k)
            left = scipy.linalg.solve(Ad, M, assume_a="pos")
            u[offset : offset + p * k] = scipy.linalg.solve(Bd, left.T, assume_a="pos").T.ravel()
            offset += p * k
        return u, state
