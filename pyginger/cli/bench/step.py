"""The optimizer step against its memory floor: Ginger's fused step, its chain, update + solve.

A step of :func:`pyginger.optim.ginger` (rank-one factor, ``overwrite_state=True``) must move at
least :func:`floor_bytes`: ``U`` read and written by the update and read by the solve
(``3 d tau`` entries), the gradient and the factor read, the momentum and the parameters read
and written (``6 d``). :func:`bench_step` times, in one interleaved run per ``(d, tau, dtype)``,
the step as :func:`~pyginger.optim.ginger` runs it (fused above a size), the same step through
its chain of transforms, and the update and solve alone; :func:`step_summary` derives the
figures the bench prints: the step as a fraction of the floor at the measured bandwidth, its
time over update + solve, float32 over float64, its fixed cost at small ``d`` over the update's,
and the log-log slope of its time in ``d``.
"""

from __future__ import annotations

import gc
import itertools
import math
import time

import numpy as np

from pyginger.cli.bench._format import _fmt_pct, _fmt_time
from pyginger.cli.bench.timing import _FactorPool, _time_chains, warm_state

__all__ = [
    "bench_step",
    "floor_bytes",
    "step_summary",
    "dtype_ratios",
    "format_step_table",
    "step_lines",
    "fixed_cost",
    "fixed_cost_lines",
]

#: The log-log slope of the step's time in ``d`` is fitted from this ``d`` up (below it the
#: fixed per-call cost dominates and ``U`` fits in cache).
SLOPE_FROM_DIM = 100_000

_NAMES = ("step", "chain", "update", "solve")


def floor_bytes(dim: int, rank: int, itemsize: int) -> int:
    """Return the bytes one step must move at least: ``itemsize * d * (3 tau + 6)``.

    Examples
    --------
    >>> floor_bytes(1000, 4, 8)  # U three times, g and F once, m and theta twice
    144000
    """
    return itemsize * dim * (3 * rank + 6)


def _chains(dim, rank, dtype, seed):
    """Return ``(steps, states)`` for :func:`_time_chains`: the four chains of one pair."""
    import pyginger as pg
    from pyginger import optim

    warm = warm_state(dim, rank, damping=1e-3, beta=0.99, dtype=dtype, seed=seed)
    rng = np.random.default_rng(seed + 1)
    theta = rng.standard_normal(dim).astype(dtype)
    grad = rng.standard_normal(dim).astype(dtype)
    opt = optim.ginger(lr=1e-4, rank=rank, damping=1e-3, beta2=0.99, overwrite_state=True)
    chain_step = opt.step.chain

    def fresh():  # every chain rotates its own copy of U in place
        return warm._replace(U=warm.U.copy())

    def opt_state():
        return theta, opt.init(theta)._replace(curvature=(fresh(),))

    steps = {
        "step": lambda st, f: opt.step(st[0], grad, st[1], f),
        "chain": lambda st, f: chain_step(st[0], grad, st[1], f),
        "update": lambda s, f: pg.update(s, f, beta=0.99, overwrite_state=True),
        "solve": lambda s, f: (pg.solve(s, f), s)[1],
    }
    states = {"step": opt_state(), "chain": opt_state(), "update": fresh(), "solve": fresh()}
    return steps, states


def bench_step(
    dims, ranks=(4, 16), *, dtypes=("float64", "float32"), repeats=7, min_sample=0.005,
    budget=6.0, bandwidth=float("nan"), seed=0,
):  # fmt: skip
    """Time Ginger's optimizer step, its chain, and update and solve alone, interleaved.

    Parameters
    ----------
    dims, ranks : sequence of int
        ``d`` and ``tau`` (pairs with ``tau > d`` are left out).
    dtypes : sequence of str, optional
        Storage dtypes.
    repeats, min_sample, budget : optional
        As :func:`pyginger.cli.bench.bench_update`: samples, the least time a sample lasts, and
        the seconds one pair may take before sampling stops (after three rounds).
    bandwidth : float, optional
        GB/s the floor fraction is computed at.
    seed : int, optional

    Returns
    -------
    list of dict
        Per ``(dtype, d, tau)``: ``{name}_s`` (best sample) and ``{name}_spread`` (median over
        best) for ``name`` in step, chain, update, solve; ``floor_bytes``, ``floor_gbs`` (the
        floor's bytes over the step's time), ``floor_fraction`` (floor time at ``bandwidth``
        over the step's) and ``vs_update_solve``.

    Examples
    --------
    >>> rows = bench_step([300], [4], dtypes=("float64",), repeats=2, min_sample=0.0)
    >>> sorted(rows[0])[:4], rows[0]["floor_bytes"]
    (['chain_s', 'chain_spread', 'dim', 'dtype'], 43200)
    """
    rows = []
    for dtype, dim, rank in itertools.product(dtypes, dims, ranks):
        if rank > dim:
            continue
        dt = np.dtype(dtype)
        steps, states = _chains(int(dim), int(rank), dt, seed)
        pool = _FactorPool(np.random.default_rng(seed + 2), dim, dt, count=max(64, 4 * repeats))
        timed = _time_chains(
            steps, states, pool, repeats=repeats, min_sample=min_sample, budget=budget
        )
        row = {"dtype": dt.name, "dim": int(dim), "rank": int(rank)}
        for name in _NAMES:
            times = timed[name][0]
            row[f"{name}_s"] = min(times)
            row[f"{name}_spread"] = float(np.median(times)) / min(times)
        row["floor_bytes"] = floor_bytes(dim, rank, dt.itemsize)
        row["floor_gbs"] = row["floor_bytes"] / row["step_s"] / 1e9
        row["floor_fraction"] = row["floor_gbs"] / bandwidth
        row["vs_update_solve"] = row["step_s"] / (row["update_s"] + row["solve_s"])
        rows.append(row)
        del steps, states, pool
        gc.collect()
    return rows


def _slope(rows, dtype, rank, min_dim):
    """Least-squares slope of log(step time) against log(d), from ``min_dim`` up (NaN if < 2)."""
    pts = [(r["dim"], r["step_s"]) for r in rows if r["dtype"] == dtype and r["rank"] == rank]
    pts = [(math.log(d), math.log(t)) for d, t in pts if d >= min_dim]
    if len(pts) < 2:
        return float("nan")
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def step_summary(rows, *, min_dim=SLOPE_FROM_DIM, small_dim=1000):
    """Return the derived figures of :func:`bench_step` rows, one dict per ``(dtype, tau)``.

    Keys: ``dtype``, ``rank``, ``slope`` (log-log, from ``min_dim`` up; NaN with fewer than two
    sizes there), ``slope_from`` and ``fixed_ratio`` (step over update alone at ``small_dim``:
    the fixed cost; NaN if not measured).

    Examples
    --------
    >>> rows = [{"dtype": "float64", "dim": d, "rank": 4, "step_s": 1e-9 * d, "update_s": 5e-10 * d}
    ...         for d in (1000, 100_000, 1_000_000)]
    >>> s = step_summary(rows)[0]
    >>> round(s["slope"], 6), s["fixed_ratio"]
    (1.0, 2.0)
    """
    out = []
    for dtype, rank in sorted({(r["dtype"], r["rank"]) for r in rows}):
        small = [r for r in rows if (r["dtype"], r["rank"], r["dim"]) == (dtype, rank, small_dim)]
        fixed = small[0]["step_s"] / small[0]["update_s"] if small else float("nan")
        out.append(
            {"dtype": dtype, "rank": rank, "slope": _slope(rows, dtype, rank, min_dim),
             "slope_from": min_dim, "fixed_ratio": fixed}
        )  # fmt: skip
    return out


def dtype_ratios(rows):
    """Return ``{"dim", "rank", "ratio"}``: float32 step time over float64, where both ran."""
    by = {(r["dtype"], r["dim"], r["rank"]): r["step_s"] for r in rows}
    return [
        {"dim": d, "rank": k, "ratio": by[("float32", d, k)] / t}
        for (dt, d, k), t in sorted(by.items())
        if dt == "float64" and ("float32", d, k) in by
    ]


def format_step_table(rows):
    """Return the step table: times, the floor, the step's rate and fraction of it, the ratio.

    ``GB/s`` is the floor's bytes over the step's time: the step's own rate, which does not move
    with the yardstick (the triad of the run) as ``% floor`` does.

    Examples
    --------
    >>> rows = bench_step([300], [4], dtypes=("float64",), repeats=2, min_sample=0.0)
    >>> print(format_step_table(rows).splitlines()[0])  # doctest: +NORMALIZE_WHITESPACE
    dtype d tau step chain update solve floor GB/s % floor step/(upd+solve) spread
    """
    head = (
        f"{'dtype':>7} {'d':>8} {'tau':>4} {'step':>10} {'chain':>10} {'update':>10} "
        f"{'solve':>10} {'floor':>9} {'GB/s':>6} {'% floor':>7} {'step/(upd+solve)':>16} "
        f"{'spread':>6}"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['dtype']:>7} {r['dim']:>8} {r['rank']:>4} {_fmt_time(r['step_s']):>10} "
            f"{_fmt_time(r['chain_s']):>10} {_fmt_time(r['update_s']):>10} "
            f"{_fmt_time(r['solve_s']):>10} {r['floor_bytes'] / 2**20:>7.1f}Mi "
            f"{r['floor_gbs']:>6.1f} "
            f"{_fmt_pct(r['floor_fraction']):>7} {r['vs_update_solve']:>16.2f} "
            f"{r['step_spread']:>6.2f}"
        )
    return "\n".join(lines)


def step_lines(rows, *, min_dim=SLOPE_FROM_DIM, big_dim=1_000_000):
    """Return the printed figures and verdicts below the step table (see :func:`step_summary`).

    Examples
    --------
    >>> rows = bench_step([300], [4], dtypes=("float64",), repeats=2, min_sample=0.0)
    >>> any(line.startswith("slope") for line in step_lines(rows, min_dim=100))
    True
    """
    lines = []
    for s in step_summary(rows, min_dim=min_dim):
        lines.append(
            f"slope of log(step time) in log(d) from d = {s['slope_from']}, {s['dtype']}, "
            f"tau = {s['rank']}: {s['slope']:.2f} (target 1.00 +- 0.05); fixed cost at "
            f"d = 1000: step / update = {s['fixed_ratio']:.2f} (target <= 1.5)"
        )
    for r in dtype_ratios(rows):
        verdict = "  (target <= 0.6)" if r["dim"] >= big_dim else ""
        lines.append(
            f"float32 / float64 step time, d = {r['dim']}, tau = {r['rank']}: "
            f"{r['ratio']:.2f}{verdict}"
        )
    big = [r for r in rows if r["dim"] >= big_dim]
    if big:
        worst = min(big, key=lambda r: r["floor_fraction"])
        slowest = max(big, key=lambda r: r["vs_update_solve"])
        lines.append(
            f"d >= {big_dim}: lowest % of floor {_fmt_pct(worst['floor_fraction'])} "
            f"({worst['dtype']}, d = {worst['dim']}, tau = {worst['rank']}; target >= 60%); "
            f"largest step / (update + solve) {slowest['vs_update_solve']:.2f} "
            f"({slowest['dtype']}, d = {slowest['dim']}, tau = {slowest['rank']}; target <= 1.3)"
        )
    return lines


def fixed_cost(
    dim=1000, ranks=(4, 16), *, dtypes=("float64", "float32"), rounds=10, calls=200, seed=0
):  # fmt: skip
    """Time the step, its chain and the update alone at small ``d`` in CPU time, interleaved.

    CPU time (``time.process_time``) leaves out the time the process waits for a core, so on a
    shared machine it is steadier than the wall clock; run it with one Numba and one OpenBLAS
    thread. Each sample is ``calls`` consecutive calls; the best of ``rounds`` is kept.

    Returns
    -------
    list of dict
        Per ``(dtype, tau)``: ``dim``, ``{step,chain,update}_s`` (seconds per call), ``ratio``
        (step over update: the fixed cost, target at most 1.5) and ``chain_ratio``.

    Examples
    --------
    >>> row = fixed_cost(300, (4,), dtypes=("float64",), rounds=2, calls=3)[0]
    >>> sorted(row)
    ['chain_ratio', 'chain_s', 'dim', 'dtype', 'rank', 'ratio', 'step_s', 'update_s']
    """
    rows = []
    for dtype, rank in itertools.product(dtypes, ranks):
        dt = np.dtype(dtype)
        steps, states = _chains(int(dim), int(rank), dt, seed)
        rng = np.random.default_rng(seed + 2)
        factors = [rng.standard_normal(dim).astype(dt) for _ in range(16)]
        best = {name: float("inf") for name in ("step", "chain", "update")}
        for r in range(rounds + 1):  # round 0 warms up (compiles) and is not kept
            for name in best if r % 2 == 0 else list(best)[::-1]:
                step, st = steps[name], states[name]
                start = time.process_time()
                for i in range(calls):
                    st = step(st, factors[i % 16])
                elapsed = (time.process_time() - start) / calls
                states[name] = st
                best[name] = min(best[name], elapsed) if r else best[name]
        row = {"dtype": dt.name, "dim": int(dim), "rank": int(rank)}
        row.update({f"{name}_s": t for name, t in best.items()})
        row["ratio"] = best["step"] / best["update"]
        row["chain_ratio"] = best["chain"] / best["update"]
        rows.append(row)
    return rows


def fixed_cost_lines(rows):
    """Return one printed line per :func:`fixed_cost` row.

    Examples
    --------
    >>> row = {"dtype": "float64", "dim": 1000, "rank": 4, "step_s": 1.4e-4, "chain_s": 2e-4,
    ...        "update_s": 1e-4, "ratio": 1.4, "chain_ratio": 2.0}
    >>> print(fixed_cost_lines([row])[0].split("; ")[1])
    step / update = 1.40 (target <= 1.5), chain / update = 2.00
    """
    return [
        f"fixed cost, CPU time, {r['dtype']}, d = {r['dim']}, tau = {r['rank']}: step "
        f"{_fmt_time(r['step_s']).strip()}, chain {_fmt_time(r['chain_s']).strip()}, update "
        f"{_fmt_time(r['update_s']).strip()}; step / update = {r['ratio']:.2f} (target <= 1.5), "
        f"chain / update = {r['chain_ratio']:.2f}"
        for r in rows
    ]
