r"""The demo's section on the authors' released numerics against the exact damped inverse.

:func:`reference_error_rows` feeds the stream of section 1 (:func:`~pyginger.cli.demo.
experiments.curvature_stream`) to a float32 state updated with ``form="reference"`` and to the
exact algorithm (``form="curvature"``, float64) at the same damping, and compares both with the
exact damped inverse :math:`(G + \gamma I)^{-1}`.
"""

from __future__ import annotations

import numpy as np

import pyginger
from pyginger import dense
from pyginger.cli.demo.experiments import curvature_stream, direction_angles
from pyginger.core import _released

__all__ = ["reference_error_rows"]


def _state_inverse(U, sigma, damping):
    """Return the inverse of ``gamma I + U diag(sigma) U^T`` in float64 (U may drift)."""
    U = U.astype(np.float64)
    M = damping * np.eye(U.shape[0]) + (U * sigma.astype(np.float64)) @ U.T
    return np.linalg.inv(M)


def _state_error(ref, cur):
    """Return ``||C_r - C_c||_F / ||C_c||_F`` for the curvature parts ``U diag(sigma) U^T``."""
    U = ref.U.astype(np.float64)
    C_ref = (U * ref.sigma.astype(np.float64)) @ U.T
    C_cur = (cur.U * cur.sigma) @ cur.U.T
    return float(np.linalg.norm(C_ref - C_cur) / np.linalg.norm(C_cur))


def reference_error_rows(dim=200, rank=8, *, steps=400, beta=0.95, dampings=(1e-8, 1e-5), seed=0):
    r"""Compare the released update with the exact algorithm and the exact damped inverse.

    Parameters
    ----------
    dim, rank, steps, beta, seed
        As :func:`~pyginger.cli.demo.inverse_error_table` (one rank).
    dampings : sequence of float, optional
        One row per damping :math:`\gamma`. Default ``(1e-8, 1e-5)``: the authors' function's
        default and their training configuration's value.

    Returns
    -------
    list of dict
        Per damping: ``damping``, ``rank``; ``err_reference`` and ``err_curvature``,
        :math:`\|P - G_\gamma^{-1}\|_F / \|G_\gamma^{-1}\|_F` for the released float32 state
        and for the exact algorithm's state; ``angle_reference`` (the released Woodbury query
        of the gradient, :func:`pyginger.core._released.query`) and ``angle_curvature``
        (:func:`pyginger.solve`): the largest angle in degrees to the exact damped Newton step
        over 8 gradients; ``collapsed``: how many of the ``rank`` released eigenvalues are
        below :math:`\gamma`; ``top_reference``, ``top_curvature``: the largest eigenvalue
        of each state; ``err_state``: :math:`\|C_r - C_c\|_F / \|C_c\|_F` for the two
        states' curvature parts :math:`C = U \operatorname{diag}(\sigma) U^\top` (what the
        guards change).

    Examples
    --------
    >>> from pyginger.cli.demo.released import reference_error_rows
    >>> rows = reference_error_rows(dim=20, rank=4, steps=30)
    >>> [(r["damping"], r["collapsed"]) for r in rows]
    [(1e-08, 4), (1e-05, 0)]
    """
    factors = curvature_stream(dim, steps, seed=seed)
    G = dense.ema_ggn(factors, beta)
    gradients = -G @ np.random.default_rng([seed, 2]).standard_normal((dim, 8))
    rows = []
    for damping in dampings:
        exact_inv = dense.damped_inverse(G, damping)
        exact_steps = exact_inv @ gradients
        ref = pyginger.init(dim, rank, damping=damping, dtype=np.float32)
        cur = pyginger.init(dim, rank, damping=damping)
        for f in factors:
            ref = pyginger.update(ref, f.astype(np.float32), beta=beta, form="reference")
            cur = pyginger.update(cur, f, beta=beta)
        norm = np.linalg.norm(exact_inv)
        ref_inv = _state_inverse(ref.U, ref.sigma, damping)
        ref_steps = np.stack(
            [_released.query(ref.U, ref.sigma, g.astype(np.float32), damping) for g in gradients.T],
            axis=1,
        ).astype(np.float64)
        rows.append(
            {
                "damping": float(damping),
                "rank": int(rank),
                "err_reference": float(np.linalg.norm(ref_inv - exact_inv) / norm),
                "err_curvature": float(
                    np.linalg.norm(_state_inverse(cur.U, cur.sigma, damping) - exact_inv) / norm
                ),
                "angle_reference": float(np.max(direction_angles(ref_steps, exact_steps))),
                "angle_curvature": float(
                    np.max(direction_angles(pyginger.solve(cur, gradients), exact_steps))
                ),
                "collapsed": int(np.sum(ref.sigma < damping)),
                "top_reference": float(ref.sigma.max()),
                "top_curvature": float(cur.sigma.max()),
                "err_state": _state_error(ref, cur),
            }
        )
    return rows
