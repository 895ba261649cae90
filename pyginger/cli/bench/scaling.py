"""Scaling and overhead of the update: time ratios over ``d``; numba against NumPy at small d."""

from __future__ import annotations

import math

from pyginger.cli.bench._format import _fmt_time
from pyginger.cli.bench.update_solve import _lookup

__all__ = ["format_overhead", "format_scaling", "scaling_ratios"]


def scaling_ratios(rows, *, op="update", backend="numba"):
    """Return time ratios between consecutive dimensions, per rank: is the cost linear in ``d``.

    Parameters
    ----------
    rows : list of dict
        Rows from :func:`bench_update`.
    op, backend : str, optional
        Which measurements to compare.

    Returns
    -------
    list of dict
        Keys ``op``, ``backend``, ``rank``, ``dim_from``, ``dim_to``, ``dim_ratio``,
        ``time_ratio`` and ``per_10x`` (``time_ratio * 10 / dim_ratio``: the time ratio a tenfold
        ``d`` would give at the same slope; linear cost gives 10).

    Examples
    --------
    >>> rows = [{"op": "update", "backend": "numba", "rank": 4, "dim": d, "median_s": t,
    ...          "skipped": ""} for d, t in [(10, 1.0), (100, 9.5)]]
    >>> [round(r["per_10x"], 2) for r in scaling_ratios(rows)]
    [9.5]
    """
    out = []
    ranks = sorted({r["rank"] for r in rows if r["op"] == op and r["backend"] == backend})
    for rank in ranks:
        series = sorted(
            (r["dim"], r["median_s"])
            for r in rows
            if r["op"] == op
            and r["backend"] == backend
            and r["rank"] == rank
            and not r["skipped"]
            and math.isfinite(r["median_s"])
        )
        for (d0, t0), (d1, t1) in zip(series[:-1], series[1:], strict=True):
            ratio = t1 / t0
            out.append(
                {
                    "op": op,
                    "backend": backend,
                    "rank": rank,
                    "dim_from": d0,
                    "dim_to": d1,
                    "dim_ratio": d1 / d0,
                    "time_ratio": ratio,
                    "per_10x": ratio * 10 * d0 / d1,
                }
            )
    return out


def format_scaling(ratios, *, min_dim=1):
    """Format :func:`scaling_ratios` as a table (target: 8 to 12 per tenfold ``d``).

    Parameters
    ----------
    ratios : list of dict
        Output of :func:`scaling_ratios` (possibly several concatenated).
    min_dim : int, optional
        Pairs starting below this ``d`` are shown without a verdict (the command passes 1e5:
        below, fixed per-call costs and the cache, not ``d``, set the time).

    Returns
    -------
    str
        One line per consecutive pair of dimensions; "(outside 8-12)" marks the judged pairs that
        miss the target.

    Examples
    --------
    >>> print(format_scaling([]).split())
    ['op', 'backend', 'tau', 'd_from', 'd_to', 'x_d', 'x_time', 'per_10x_d']
    """
    lines = [
        f"{'op':>6} {'backend':>7} {'tau':>4} {'d_from':>9} {'d_to':>9} {'x_d':>5} {'x_time':>8} "
        f"{'per_10x_d':>10}"
    ]
    for r in ratios:
        judged = r["dim_from"] >= min_dim
        flag = "  (outside 8-12)" if judged and not 8 <= r["per_10x"] <= 12 else ""
        lines.append(
            f"{r['op']:>6} {r['backend']:>7} {r['rank']:>4} {r['dim_from']:>9} {r['dim_to']:>9} "
            f"{r['dim_ratio']:>5.0f} "
            f"{r['time_ratio']:>8.2f} {r['per_10x']:>10.2f}{flag}"
        )
    return "\n".join(lines)


def _no_slower(fast, slow):
    """Judge "numba no slower than numpy" from two interleaved measurements.

    Returns ``(median ratio, fastest-sample ratio, verdict)``, the verdict being ``"met"`` when
    the median ratio is <= 1, ``"NOT met"`` when the fastest samples agree that numba is slower,
    and ``"noise"`` when they disagree with the medians (load on the machine, not the kernel).
    """
    median = fast["median_s"] / slow["median_s"]
    best = fast.get("min_s", fast["median_s"]) / slow.get("min_s", slow["median_s"])
    if median <= 1.0:
        return median, best, "met"
    return median, best, ("NOT met" if best > 1.0 else "noise")


def format_overhead(rows, *, dim=1000):
    """Compare the two backends' update times at one small ``d`` (fixed per-call cost).

    Parameters
    ----------
    rows : list of dict
        Rows from :func:`bench_update`.
    dim : int, optional
        The dimension to look at.

    Returns
    -------
    str
        One line per rank: numba and numpy medians, their ratio, and "no slower", or
        "SLOWER (target: no slower than numpy)" when the fastest samples confirm the medians, or
        "slower median, not in the fastest samples: noise" when they do not.

    Examples
    --------
    >>> from pyginger.cli.bench import bench_update
    >>> rows = bench_update([100], [2], repeats=2, min_sample=0.0)
    >>> "numba/numpy" in format_overhead(rows, dim=100)
    True
    """
    lines = [f"{'d':>7} {'tau':>4} {'numba':>12} {'numpy':>12} {'numba/numpy':>12}"]
    for rank in sorted({r["rank"] for r in rows if r["dim"] == dim}):
        fast = _lookup(rows, op="update", backend="numba", dim=dim, rank=rank)
        slow = _lookup(rows, op="update", backend="numpy", dim=dim, rank=rank)
        if not fast or not slow or fast["skipped"]:
            continue
        ratio, best, verdict = _no_slower(fast, slow)
        verdict = {
            "met": "no slower",
            "NOT met": "SLOWER (target: no slower than numpy)",
            "noise": f"slower median, not in the fastest samples ({best:.2f}): noise",
        }[verdict]
        lines.append(
            f"{dim:>7} {rank:>4} {_fmt_time(fast['median_s']):>12} "
            f"{_fmt_time(slow['median_s']):>12} {ratio:>12.2f}  {verdict}"
        )
    if len(lines) == 1:
        lines.append(f"(no measurements at d = {dim})")
    return "\n".join(lines)
