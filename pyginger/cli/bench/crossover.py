"""Dense crossover: one step of exact dense damped inversion against one Ginger step, over ``d``."""

from __future__ import annotations

import numpy as np
import scipy.linalg

from pyginger.cli.bench._format import _fmt_time
from pyginger.cli.bench.timing import _api, _FactorPool, _time_chains, warm_state

__all__ = ["crossover_dim", "dense_crossover", "format_crossover"]


def dense_crossover(
    dims=(50, 100, 200, 500, 1000, 2000, 4000),
    *,
    rank=16,
    repeats=5,
    damping=1e-3,
    beta=0.99,
    min_sample=0.005,
    budget=5.0,
    seed=0,
    progress=None,
):
    """Time one step of exact dense damped inversion against one Ginger step, over ``d``.

    The dense step keeps the full ``G``: ``G <- beta G + (1 - beta) f f^T`` (O(d^2)), then solves
    ``(G + gamma I) x = v`` by Cholesky (``scipy.linalg.cho_factor`` and ``cho_solve``, O(d^3)).
    The Ginger step is ``update`` with ``f`` and ``solve`` with ``v`` at rank ``rank``.

    Parameters
    ----------
    dims : sequence of int, optional
        Dimensions ``d`` (each at least ``rank``).
    rank : int, optional
        Ginger's ``tau``.
    repeats : int, optional
        Timing samples (median reported).
    damping, beta : float, optional
        ``gamma`` and ``beta`` for both methods.
    min_sample, budget : float, optional
        Seconds per sample (lower bound) and per measurement (soft upper bound).
    seed : int, optional
        Seed of the random data.
    progress : callable, optional
        Called with each row as soon as it is measured.

    Returns
    -------
    list of dict
        One row per ``d`` with keys ``dim``, ``rank``, ``dense_solve_s`` (copy, damping,
        ``cho_factor``, ``cho_solve``), ``dense_step_s`` (the EMA update plus the solve),
        ``ginger_update_s``, ``ginger_solve_s``, ``ginger_step_s`` and ``ratio``
        (``dense_step_s / ginger_step_s``).

    See Also
    --------
    crossover_dim : the smallest ``d`` from which the dense step stays slower.
    pyginger.dense : the exact references.

    Notes
    -----
    The dense figures use whatever BLAS threads are in force; the benchmark command gives them
    every core. Input checks are disabled (``check_finite=False``) so that the dense side is timed
    at its best.

    Examples
    --------
    >>> rows = dense_crossover([20, 40], rank=4, repeats=2, min_sample=0.0)
    >>> [row["dim"] for row in rows], all(row["ratio"] > 0 for row in rows)
    ([20, 40], True)
    """
    pg = _api()
    rng = np.random.default_rng(seed)
    rows = []
    for dim in dims:
        dim = int(dim)
        pool = _FactorPool(rng, dim, np.float64, count=max(64, 4 * repeats))
        # A dense G with the spectrum of a running EMA: beta-weighted sum of outer products.
        F = rng.standard_normal((dim, min(dim, 64))) * np.sqrt((1 - beta) / min(dim, 64))
        G = F @ F.T
        del F
        state = warm_state(dim, rank, damping=damping, beta=beta, seed=seed)
        steps = {**_dense_steps(damping, beta), **_ginger_steps(pg, beta)}
        start = {name: G if name.startswith("dense") else state for name in steps}
        timed = _time_chains(
            steps, start, pool, repeats=repeats, min_sample=min_sample, budget=budget * len(steps)
        )
        del G, start
        row = {"dim": dim, "rank": rank}
        for name in steps:
            row[f"{name}_s"] = float(np.median(timed[name][0]))
        row["ratio"] = row["dense_step_s"] / row["ginger_step_s"]
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


def _dense_steps(damping, beta):
    """Return the dense chains: solve alone, and the EMA update of ``G`` then the solve."""

    def dense_solve(G, v):
        H = G.copy()
        H.flat[:: H.shape[0] + 1] += damping
        factor = scipy.linalg.cho_factor(H, lower=True, overwrite_a=True, check_finite=False)
        scipy.linalg.cho_solve(factor, v, check_finite=False)
        return G

    def dense_step(G, v):
        G *= beta
        G += (1 - beta) * np.outer(v, v)
        return dense_solve(G, v)

    return {"dense_solve": dense_solve, "dense_step": dense_step}


def _ginger_steps(pg, beta):
    """Return Ginger's chains: update alone, solve alone, and the update then the solve."""

    def g_update(s, v):
        return pg.update(s, v, beta=beta)

    def g_solve(s, v):
        pg.solve(s, v)
        return s

    def g_step(s, v):
        s = pg.update(s, v, beta=beta)
        pg.solve(s, v)
        return s

    return {"ginger_update": g_update, "ginger_solve": g_solve, "ginger_step": g_step}


def crossover_dim(rows, *, key="dense_step_s"):
    """Return the smallest ``d`` from which the dense time stays above Ginger's step.

    Parameters
    ----------
    rows : list of dict
        Rows from :func:`dense_crossover`.
    key : str, optional
        ``"dense_step_s"`` (EMA update plus solve) or ``"dense_solve_s"`` (solve only).

    Returns
    -------
    int or None
        ``None`` when the dense step is not slower at the largest ``d``.

    Examples
    --------
    >>> rows = [{"dim": d, "dense_step_s": t, "ginger_step_s": 1.0}
    ...         for d, t in [(10, 0.5), (20, 2.0), (40, 8.0)]]
    >>> crossover_dim(rows)
    20
    """
    found = None
    for row in sorted(rows, key=lambda r: r["dim"], reverse=True):
        if row[key] > row["ginger_step_s"]:
            found = row["dim"]
        else:
            break
    return found


def format_crossover(rows):
    """Format :func:`dense_crossover` rows with the crossover dimensions.

    Parameters
    ----------
    rows : list of dict
        Output of :func:`dense_crossover`.

    Returns
    -------
    str
        The table and one line per crossover definition.

    Examples
    --------
    >>> rows = [{"dim": 10, "rank": 4, "dense_solve_s": 1e-5, "dense_step_s": 2e-5,
    ...          "ginger_update_s": 3e-5, "ginger_solve_s": 1e-5, "ginger_step_s": 4e-5,
    ...          "ratio": 0.5}]
    >>> print(format_crossover(rows).splitlines()[-1])
    dense step (EMA + solve) slower than Ginger from d = (not within the sizes measured)
    """
    lines = [
        f"{'d':>6} {'tau':>4} | {'dense solve':>12} {'dense step':>12} | {'ginger upd':>12} "
        f"{'ginger solve':>12} {'ginger step':>12} | {'dense/ginger':>12}"
    ]
    for r in rows:
        lines.append(
            f"{r['dim']:>6} {r['rank']:>4} | {_fmt_time(r['dense_solve_s']):>12} "
            f"{_fmt_time(r['dense_step_s']):>12} | {_fmt_time(r['ginger_update_s']):>12} "
            f"{_fmt_time(r['ginger_solve_s']):>12} {_fmt_time(r['ginger_step_s']):>12} | "
            f"{r['ratio']:>11.2f}x"
        )
    for key, label in (
        ("dense_solve_s", "dense solve alone"),
        ("dense_step_s", "dense step (EMA + solve)"),
    ):
        dim = crossover_dim(rows, key=key)
        where = f"{dim}" if dim is not None else "(not within the sizes measured)"
        lines.append(f"{label} slower than Ginger from d = {where}")
    return "\n".join(lines)
