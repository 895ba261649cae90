"""Verdicts of the benchmark command: each performance target, the figure measured, met or not."""

from __future__ import annotations

import math

import numpy as np

from pyginger.cli.bench.crossover import crossover_dim
from pyginger.cli.bench.scaling import _no_slower

#: Linear scaling is judged on pairs of sizes from this ``d`` up: below it the fixed per-call
#: cost dominates and ``U`` fits in cache (see section 3 of the command).
SCALING_FROM_DIM = 100_000


def _verdict(ok, target):
    """Return ``"met (target ...)"`` or ``"NOT met (target ...)"``: a verdict names its target."""
    return f"{'met' if ok else 'NOT met'} (target {target})"


def _u_bytes(row):
    return row["dim"] * row["rank"] * np.dtype(row["dtype"]).itemsize


def _cache_note(rows, cache_bytes):
    """Say why a rate above 100% of the streaming bandwidth is possible, for rows that show one.

    The triad's arrays are made several times larger than the last-level cache, so the yardstick
    is the bandwidth of main memory; an update or solve whose ``U`` fits in that cache reads it
    from there, faster.
    """
    fast = [r for r in rows if not r["skipped"] and r["fraction"] > 1.0]
    if not fast:
        return []
    top = max(fast, key=lambda r: r["fraction"])
    cached = [r for r in fast if _u_bytes(r) <= cache_bytes]
    lines = [
        f"{len(fast)} measurement(s) above 100% of the bandwidth (up to "
        f"{100 * top['fraction']:.0f}%: {top['op']} {top['backend']}, d = {top['dim']}, "
        f"tau = {top['rank']})."
    ]
    if cached:
        largest = max(_u_bytes(r) for r in cached)
        lines.append(
            f"  in {len(cached)} of them U (d * tau * itemsize bytes, at most "
            f"{largest / 2**20:.1f} MiB) fits in the last-level cache ({cache_bytes >> 20} MiB):"
        )
        lines.append(
            "  U stays in the cache between calls, so these rates are cache bandwidth; the "
            "triad's arrays are larger than the cache and measure main memory."
        )
    if len(cached) < len(fast):
        lines.append(
            f"  in {len(fast) - len(cached)} of them U is larger than the cache: there the triad "
            "was probably slowed by other work (see the load average), which makes the yardstick "
            "low."
        )
    return lines


def _pick(rows, op, min_dim=1, max_rank=None, rank=None, backend="numba"):
    """Return the measured rows of one op and backend within the given sizes."""
    return [
        r
        for r in rows
        if r["op"] == op
        and r["backend"] == backend
        and r["dim"] >= min_dim
        and (max_rank is None or r["rank"] <= max_rank)
        and (rank is None or r["rank"] == rank)
        and not r["skipped"]
    ]


def _in_cache(picked, cache_bytes):
    """Return a note for verdicts taken where ``U`` fits in the cache (empty otherwise)."""
    if any(_u_bytes(r) <= cache_bytes for r in picked):
        return (
            f" [U fits in the {cache_bytes >> 20} MiB last-level cache at some of these "
            "sizes: cache, not memory bandwidth; larger --dims judge memory]"
        )
    return ""


def _bandwidth_lines(rows, cache_bytes):
    """Verdicts on the update, the update in place and the solve at ``d >= 1e6``."""
    lines = []
    big_updates = _pick(rows, "update", min_dim=1_000_000, max_rank=16)
    big_inplace = _pick(rows, "update_inplace", min_dim=1_000_000, max_rank=16)
    big_solves = _pick(rows, "solve", min_dim=1_000_000)
    if big_updates:
        worst = min(r["fraction"] for r in big_updates)
        lines.append(
            f"  update, tau <= 16: min {100 * worst:.1f}% -> {_verdict(worst >= 0.30, '>= 30%')}; "
            "its new U is fresh memory the OS zero-fills first (one more write of |U|)"
            + _in_cache(big_updates, cache_bytes)
        )
    else:
        lines.append("  update, tau <= 16: not measured in this run (needs --dims up to 1e6)")
    if big_inplace:
        worst = min(r["fraction"] for r in big_inplace)
        lines.append(
            f"  update in place, tau <= 16: min {100 * worst:.1f}% -> "
            f"{_verdict(worst >= 0.30, '>= 30%')}, {_verdict(worst >= 0.40, 'in place >= 40%')}"
            + _in_cache(big_inplace, cache_bytes)
        )
    if big_solves:
        worst = min(r["fraction"] for r in big_solves)
        lines.append(
            f"  solve, on its own traffic: min {100 * worst:.1f}% -> "
            f"{_verdict(worst >= 0.70, '>= 70%')}, {_verdict(worst >= 0.80, 'stretch >= 80%')}"
            + _in_cache(big_solves, cache_bytes)
        )
    else:
        lines.append("  solve: not measured in this run (needs --dims up to 1e6)")
    return lines


def _rotation_lines(rows, gemm):
    """Verdict on the update's flop rate at ``tau = 64`` against DGEMM of the rotation's shape."""
    wide = _pick(rows, "update", min_dim=1_000_000, rank=64)
    skinny = [g["gflops"] for g in gemm if g["k"] < 100 and g["blas_threads"] == 1]
    if not (wide and skinny):
        return []
    rate, ref = min(r["gflops"] for r in wide), max(skinny)
    return [
        f"  update, tau = 64: {rate:.1f} GFLOP/s for the whole update, {100 * rate / ref:.0f}% "
        f"of one-thread DGEMM of the rotation's shape ({ref:.1f}) -> "
        f"{_verdict(rate >= 0.6 * ref, '>= 60% in the rotation pass')} (the whole update is "
        "a lower bound for the pass)"
    ]


def _scaling_lines(ratios):
    """Verdict on linear scaling in ``d``, from :data:`SCALING_FROM_DIM` up."""
    upd = [
        r
        for r in ratios
        if r["op"] == "update" and r["backend"] == "numba" and r["dim_from"] >= SCALING_FROM_DIM
    ]
    if not upd:
        return [
            f"  linear scaling: not judged in this run (needs two sizes from d = "
            f"{SCALING_FROM_DIM:.0e} up)".replace("e+0", "e")
        ]
    lo, hi = min(r["per_10x"] for r in upd), max(r["per_10x"] for r in upd)
    return [
        f"  update time per 10x d, from d = {upd[0]['dim_from']} up: {lo:.1f} to {hi:.1f} -> "
        f"{_verdict(lo >= 8 and hi <= 12, '8-12, linear in d')}"
    ]


def _overhead_lines(rows):
    """Verdict on "numba no slower than numpy" at ``d = 1e3``."""
    pairs = {}
    for r in rows:
        if r["op"] == "update" and r["dim"] == 1000 and not r["skipped"]:
            pairs.setdefault(r["rank"], {})[r["backend"]] = r
    judged = [
        _no_slower(p["numba"], p["numpy"]) for p in pairs.values() if {"numba", "numpy"} <= set(p)
    ]
    if not judged:
        return []
    # A miss the fastest samples confirm outweighs a median that only load made slower.
    missed = [j for j in judged if j[2] == "NOT met"]
    noisy = [j for j in judged if j[2] == "noise"]
    median, best, kind = max(missed or noisy or judged)
    line = f"  update at d = 1e3, numba/numpy time: worst {median:.2f} -> "
    if kind == "noise":
        line += (
            f"undecided: the fastest samples give {best:.2f} (load on the machine; "
            "target <= 1, numba no slower)"
        )
    else:
        line += _verdict(kind == "met", "<= 1, numba no slower")
    return [line]


def _memory_lines(memory):
    """Peak memory of one update (``k = 1``) and its verdict for the numba kernels."""
    lines = ["Peak memory of one update, k = 1 (|U| is the state's own U):"] if memory else []
    for r in memory:
        if r["k"] == 1 and math.isfinite(r["rss_peak_bytes"]):
            ratio = r["rss_peak_bytes"] / r["u_bytes"]
            mode = "in place" if r.get("in_place") else "pure"
            figure = f"  {r['backend']}, {mode}: |U| + {ratio:.2f} |U|"
            if r["backend"] != "numba":
                # The NumPy twin is the readable reference, not the kernel the optimizers run.
                lines.append(figure + " (the NumPy reference, for comparison: no target)")
                continue
            # Overall peak = the state's own U + the update's extra; O(d) slack: a few vectors.
            ok = r["rss_peak_bytes"] <= r["u_bytes"] + 8 * r["factor_bytes"]
            lines.append(f"{figure} -> {_verdict(ok, '<= 2 |U| + O(d)')}")
    return lines


def _targets(rows, ratios, bandwidth, gemm, memory, dense, cache_bytes):
    """Lines that state each performance target, the figure measured and whether it is met."""
    lines = ["Speed, as % of the triad bandwidth (numba kernels; d >= 1e6 unless stated):"]
    lines += _bandwidth_lines(rows, cache_bytes)
    lines += _rotation_lines(rows, gemm)
    lines += _scaling_lines(ratios)
    lines += _overhead_lines(rows)
    if dense:
        where = crossover_dim(dense)
        lines.append(
            f"  dense step (EMA + Cholesky) slower than Ginger's step from d = "
            f"{where if where is not None else '(beyond the sizes measured)'} "
            "(expected near 100 on 2 cores)"
        )
    lines += _memory_lines(memory)
    lines.append(f"(bandwidth yardstick: {bandwidth:.1f} GB/s, best STREAM triad of this run)")
    return lines
