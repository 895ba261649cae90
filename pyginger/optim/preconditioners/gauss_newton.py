"""Damped Gauss-Newton as a preconditioner: the current GGN, solved densely or by CG."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, cg

from pyginger._validation import optimizers as _vo
from pyginger.optim.base import Preconditioner

__all__ = ["SolverInfo", "GaussNewton"]


class SolverInfo(NamedTuple):
    """State of :class:`GaussNewton`: the last solve's info (0: converged)."""

    solver_info: int


class _System(NamedTuple):
    """The GGN of this step, between ``update`` and ``solve`` (never kept)."""

    matvec: Any
    factor: Any


class GaussNewton(Preconditioner):
    r"""Solve with the current GGN: :math:`(G + \gamma I)^{-1} v`, no EMA.

    The curvature sample is a factor ``F`` (:math:`G = F F^\top`), a callable ``v -> G v`` or a
    :class:`~scipy.sparse.linalg.LinearOperator`, and is required at every step. ``update``
    holds it for the ``solve`` of the same step, which keeps only the solver's info.

    Parameters
    ----------
    damping, solver, cg_rtol, cg_maxiter
        As :func:`pyginger.optim.gauss_newton` (checked there).
    """

    state_type = SolverInfo

    def __init__(self, damping, solver, cg_rtol, cg_maxiter):
        self.damping, self.solver = damping, solver
        self.cg_rtol, self.cg_maxiter = cg_rtol, cg_maxiter
        # CG needs only products G v: the loop then passes an operator instead of a factor.
        self.needs = "ggn_operator" if solver == "cg" else "ggn"

    def check_curvature(self, where, curvature, theta):
        """Return ``(matvec, factor)``, one of them None; refuse a missing GGN."""
        return _System(*_vo.check_ggn(where, curvature, theta))

    def init(self, theta):
        """Return the info of no solve yet (0)."""
        return SolverInfo(0)

    def update(self, state, system):
        """Hold this step's GGN for :meth:`solve`."""
        return system

    def _dense_solve(self, G, g):
        G = G + self.damping * np.eye(G.shape[0], dtype=G.dtype)
        try:
            cho = scipy.linalg.cho_factor(G)
            return scipy.linalg.cho_solve(cho, g), 0
        except np.linalg.LinAlgError:  # singular (damping 0): minimum-norm solution
            return np.linalg.lstsq(G, g, rcond=None)[0], 1

    def solve(self, system, g):
        """Return ``(G + damping I)^{-1} g`` and the solver's info."""
        matvec, F = system
        use = self.solver if self.solver != "auto" else ("dense" if F is not None else "cg")
        d = g.shape[0]
        if use == "dense":
            G = (
                F @ F.T
                if F is not None
                else np.column_stack([matvec(e) for e in np.eye(d, dtype=g.dtype)])
            )
            u, info = self._dense_solve((G + G.T) / 2, g)
        else:
            damping = self.damping
            if F is not None:

                def op(v):
                    return F @ (F.T @ v) + damping * v
            else:

                def op(v):
                    return matvec(v) + damping * v

            A = LinearOperator((d, d), matvec=op, dtype=g.dtype)
            u, info = cg(A, g, rtol=self.cg_rtol, atol=0.0, maxiter=self.cg_maxiter)
        return u, SolverInfo(int(info))
