"""Benchmarks of the Ginger core: update and solve against the machine's own limits.

Every function returns a list of plain dicts (one per measurement) so that notebooks can tabulate
or plot them; :func:`~pyginger.cli.bench.main_bench` runs them all and prints the tables of
``python -m pyginger bench``.

Yardsticks: a rank-one update, pure or in place, is judged on
``B = 2 * itemsize * d * tau`` bytes (one read and one write of ``U``; ``16 d tau`` in float64,
the physical floor for a kernel that must produce a new ``U``), a one-vector solve on its own
traffic, ``itemsize * d * (2 tau + 3)`` bytes (two reads of ``U``, for ``U.T @ v`` and ``U @ w``,
two reads of ``v`` and one write of the result; at ``tau = 4`` the vectors are 27% of it, so a
yardstick of ``U`` alone would cap the solve near 70% whatever the kernel). Either is divided by
the median time and shown as a fraction of the streaming bandwidth measured in the same run by
:func:`~pyginger.cli.bench.bandwidth.triad_bandwidth`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import itertools
import math
import time
import tracemalloc

import numpy as np
import scipy.linalg

from pyginger.core import count_algorithms

__all__ = [
    "bench_update",
    "crossover_dim",
    "dense_crossover",
    "format_crossover",
    "format_memory",
    "format_overhead",
    "format_scaling",
    "format_update_table",
    "scaling_ratios",
    "update_memory",
    "warm_state",
]

_BACKENDS = ("numba", "numpy")
#: ``update_inplace`` is ``update(..., overwrite_state=True)``: the opt-in path with no new ``U``
#: per step (timed for the numba backend only, the one the optimizers use).
_OPS = ("update", "update_inplace", "solve")


def _api():
    """Return the ``pyginger`` package (imported late, so that this module imports standalone)."""
    import pyginger

    return pyginger


# ---------------------------------------------------------------------------------------- helpers


def warm_state(dim, rank, *, damping=1e-3, beta=0.99, dtype=np.float64, seed=0, chunk=None):
    """Return a state in the truncated regime: more than ``rank`` directions have been added.

    Parameters
    ----------
    dim, rank : int
        ``d`` and ``tau``.
    damping, beta : float, optional
        Passed to :func:`pyginger.init` and :func:`pyginger.update`.
    dtype : dtype, optional
        Storage dtype of ``U``.
    seed : int, optional
        Seed of the random factors.
    chunk : int, optional
        Columns per warm-up factor. ``ceil((rank + 1) / chunk)`` rank-``chunk`` updates add
        ``rank + 1`` or more directions, which costs far less at large ``d`` than ``rank + 1``
        rank-one updates and leaves ``sigma`` full and positive. The default is ``rank + 1``
        (one update) when a ``(d, rank + 1)`` factor takes at most 1/16 of the available memory,
        else as many columns as fit in that share (at least 8).

    Returns
    -------
    GingerState
        After the warm-up updates (default backend).

    Examples
    --------
    >>> state = warm_state(50, 4)
    >>> bool(state.sigma.min() > 0), state.U.shape
    (True, (50, 4))
    """
    from pyginger.cli.bench.bandwidth import available_memory

    pg = _api()
    rng = np.random.default_rng(seed)
    state = pg.init(dim, rank, damping=damping, dtype=dtype)
    if chunk is None:
        fit = available_memory() // 16 // (dim * np.dtype(dtype).itemsize)
        chunk = min(rank + 1, max(8, fit))
    k = max(1, min(int(chunk), dim))
    added = 0
    while added <= rank:
        factor = rng.standard_normal((dim, k)).astype(dtype, copy=False)
        state = pg.update(state, factor, beta=beta)
        added += k
    return state


def _fmt_time(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:7.2f} ms"
    return f"{seconds:7.3f} s "


def _fmt_bytes(nbytes):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(nbytes) >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes:.0f} B"


def _fmt_pct(fraction):
    if fraction is None or not math.isfinite(fraction):
        return "   -  "
    return f"{100 * fraction:5.1f}%"


def _calls_per_sample(seconds_per_call, min_sample):
    """Return how many calls one timing sample batches so that it lasts ``min_sample`` seconds."""
    if seconds_per_call <= 0:
        return 1000
    return int(min(10_000, max(1, math.ceil(min_sample / seconds_per_call))))


def _update_step(update, backend, beta, state, v):
    return update(state, v, beta=beta, backend=backend)


def _update_inplace_step(update, backend, beta, state, v):
    return update(state, v, beta=beta, backend=backend, overwrite_state=True)


def _solve_step(solve, backend, state, v):
    solve(state, v, backend=backend)
    return state


class _FactorPool:
    """Random vectors of length ``dim``: a fixed pool when small, fresh ones when large."""

    def __init__(self, rng, dim, dtype, count, max_bytes=64 << 20):
        self.rng, self.dim, self.dtype = rng, dim, dtype
        size = max(1, min(int(count), max_bytes // (dim * np.dtype(dtype).itemsize)))
        self.pool = [self._draw() for _ in range(size)]
        self.fresh = size < count  # then draw anew for each sample, outside the timer
        self.i = 0

    def _draw(self):
        return self.rng.standard_normal(self.dim).astype(self.dtype, copy=False)

    def take(self, n):
        if self.fresh and n == 1:
            return [self._draw()]
        out = [self.pool[(self.i + j) % len(self.pool)] for j in range(n)]
        self.i += n
        return out


def _time_chains(steps, state, pool, *, repeats, min_sample, budget):
    """Time ``state = step(state, v)`` for several steps, their samples interleaved.

    ``steps`` maps names to step functions; each runs its own chain from ``state`` (or from
    ``state[name]`` when ``state`` is a dict). Returns
    ``{name: (per-call times, calls per sample)}``. Each step first makes two untimed calls
    (compilation, then an estimate of its cost per call that sets how many calls a sample
    batches). Samples then alternate between the steps, in an order that flips every round, so
    that a burst of load from other processes hits all of them alike. Sampling stops early, after
    at least three rounds, once ``budget`` seconds are spent in all.
    """
    states, numbers = {}, {}
    for name, step in steps.items():
        st = step(state[name] if isinstance(state, dict) else state, pool.take(1)[0])
        v = pool.take(1)[0]
        start = time.perf_counter()
        states[name] = step(st, v)
        numbers[name] = _calls_per_sample(time.perf_counter() - start, min_sample)
    times = {name: [] for name in steps}
    order, spent = list(steps), 0.0
    for r in range(repeats):
        for name in order if r % 2 == 0 else order[::-1]:
            step, number = steps[name], numbers[name]
            vectors = pool.take(number)
            st = states[name]
            start = time.perf_counter()
            for v in vectors:
                st = step(st, v)
            elapsed = time.perf_counter() - start
            states[name] = st
            times[name].append(elapsed / number)
            spent += elapsed
        if spent > budget and r >= 2:
            break
    return {name: (times[name], numbers[name]) for name in steps}


def _time_chain(step, state, pool, *, repeats, min_sample, budget):
    """Time one chain ``state = step(state, v)``; return (per-call times, calls per sample)."""
    return _time_chains(
        {"step": step}, state, pool, repeats=repeats, min_sample=min_sample, budget=budget
    )["step"]


# ----------------------------------------------------------------------------- update and solve


def bench_update(
    dims,
    ranks,
    *,
    backends=_BACKENDS,
    ops=_OPS,
    repeats=5,
    dtype=np.float64,
    damping=1e-3,
    beta=0.99,
    bandwidth=None,
    memory_fraction=0.25,
    min_sample=0.005,
    budget=8.0,
    seed=0,
    progress=None,
):
    """Median time of a rank-one ``update`` and of a one-vector ``solve`` over sizes and ranks.

    Parameters
    ----------
    dims, ranks : sequence of int
        Dimensions ``d`` and ranks ``tau``; every pair with ``tau <= d`` is measured.
    backends : sequence of str, optional
        Kernel backends passed to :func:`pyginger.update` and :func:`pyginger.solve`.
    ops : sequence of str, optional
        Among ``"update"``, ``"update_inplace"`` (``update(..., overwrite_state=True)``, timed for
        the ``"numba"`` backend only, on its own copy of ``U``) and ``"solve"``.
    repeats : int, optional
        Timing samples per measurement (fewer, but at least three, when ``budget`` runs out).
        Each sample batches enough calls to last ``min_sample`` seconds and reports the mean per
        call; the median over samples is the figure.
    dtype : dtype, optional
        Storage dtype of ``U`` (float64 or float32).
    damping, beta : float, optional
        Passed to the core.
    bandwidth : float, optional
        Streaming bandwidth in GB/s; when given, each row gets ``fraction`` of it.
    memory_fraction : float, optional
        Skip a pair whose ``U`` would take more than this fraction of the available memory (an
        update holds ``U``, the new ``U`` and temporaries).
    min_sample, budget : float, optional
        Seconds per timing sample (lower bound) and per measurement (soft upper bound).
    seed : int, optional
        Seed of the random factors and vectors.
    progress : callable, optional
        Called with the list of rows of each ``(d, tau)`` pair as soon as it is measured.

    Returns
    -------
    list of dict
        One row per ``(op, d, tau, backend)`` with keys ``op``, ``dim``, ``rank``, ``backend``,
        ``dtype``, ``median_s``, ``min_s``, ``mean_s`` (includes the periodic
        re-orthonormalization when a sample spans one), ``samples``, ``calls_per_sample``,
        ``bytes`` (the op's yardstick, see the module's docstring), ``gbs``
        (``bytes / median_s / 1e9``), ``gflops`` (arithmetic rate: the
        update's ``2 d tau (tau + 3)`` flops, the solve's ``4 d tau``), ``fraction`` (of
        ``bandwidth``, NaN without it), ``algorithms`` (which update algorithms the core ran
        during the measurement, all its backends together, as counted by
        :func:`pyginger.core.count_algorithms`) and
        ``skipped`` (empty, or the reason the pair was not run).

    Raises
    ------
    ValueError
        If an op or backend is unknown (backends are checked by :func:`pyginger.update`).

    See Also
    --------
    pyginger.cli.bench.bandwidth.triad_bandwidth : the bandwidth to pass in.

    Notes
    -----
    The state is first brought into the truncated regime by :func:`warm_state` (more than ``tau``
    directions added), then each backend runs two untimed calls (so Numba's compilation is
    excluded) and the timed chain ``state = update(state, f)`` with fresh random ``f``.

    Examples
    --------
    >>> rows = bench_update([200], [4], repeats=2, min_sample=0.0, bandwidth=10.0)
    >>> sorted({(row["op"], row["backend"]) for row in rows})  # doctest: +NORMALIZE_WHITESPACE
    [('solve', 'numba'), ('solve', 'numpy'), ('update', 'numba'), ('update', 'numpy'),
     ('update_inplace', 'numba')]
    >>> all(row["median_s"] > 0 for row in rows)
    True
    >>> sorted({(row["op"], row["bytes"]) for row in rows})  # U once each way; U, v twice, out
    [('solve', 17600), ('update', 12800), ('update_inplace', 12800)]
    """
    from pyginger.cli.bench.bandwidth import available_memory

    pg = _api()
    bad = [op for op in ops if op not in _OPS]
    if bad:
        raise ValueError(f"bench_update: ops must be among {_OPS}, got {bad}")
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    rows = []
    for dim in dims:
        for rank in ranks:
            dim, rank = int(dim), int(rank)
            yardsticks = {
                "update": 2 * dtype.itemsize * dim * rank,
                "update_inplace": 2 * dtype.itemsize * dim * rank,
                # its own traffic: U twice, v twice (U^T v, then v / gamma - U w), the result once
                "solve": dtype.itemsize * dim * (2 * rank + 3),
            }
            base = {"dim": dim, "rank": rank, "dtype": dtype.name}
            skipped = ""
            u_bytes = dim * rank * dtype.itemsize
            if rank > dim:
                skipped = "rank > dim"
            elif u_bytes > memory_fraction * available_memory():
                skipped = (
                    f"U needs {_fmt_bytes(u_bytes)}, more than {memory_fraction:g} of the "
                    f"{_fmt_bytes(available_memory())} available"
                )
            batch = []
            if skipped:
                for op in ops:
                    for backend in backends if op != "update_inplace" else ["numba"]:
                        batch.append(
                            {
                                **base,
                                "bytes": yardsticks[op],
                                "op": op,
                                "backend": backend,
                                "median_s": math.nan,
                                "min_s": math.nan,
                                "mean_s": math.nan,
                                "samples": 0,
                                "calls_per_sample": 0,
                                "gbs": math.nan,
                                "gflops": math.nan,
                                "fraction": math.nan,
                                "algorithms": "",
                                "skipped": skipped,
                            }
                        )
            else:
                state0 = warm_state(dim, rank, damping=damping, beta=beta, dtype=dtype, seed=seed)
                for op in ops:
                    start = state0
                    if op == "update":
                        steps = {
                            backend: functools.partial(_update_step, pg.update, backend, beta)
                            for backend in backends
                        }
                    elif op == "update_inplace":
                        if "numba" not in backends:
                            continue
                        steps = {
                            "numba": functools.partial(
                                _update_inplace_step, pg.update, "numba", beta
                            )
                        }
                        start = state0._replace(U=state0.U.copy())  # its own U to overwrite
                    else:
                        steps = {
                            backend: functools.partial(_solve_step, pg.solve, backend)
                            for backend in backends
                        }
                    pool = _FactorPool(rng, dim, dtype, count=max(64, 4 * repeats))
                    with count_algorithms() as used:
                        timed = _time_chains(
                            steps,
                            start,
                            pool,
                            repeats=repeats,
                            min_sample=min_sample,
                            budget=budget * len(steps),
                        )
                    del pool, start
                    algorithms = ", ".join(f"{name} x{n}" for name, n in sorted(used.items()))
                    for backend, (times, number) in timed.items():
                        median = float(np.median(times))
                        gbs = yardsticks[op] / median / 1e9
                        # rank-one update: C = U^T f, p = f - U C (2 d tau each), rotation
                        # [U q] V (2 d tau (tau + 1)); solve: U^T v and U w (2 d tau each).
                        flops = (4 if op == "solve" else 2 * rank + 6) * dim * rank
                        batch.append(
                            {
                                **base,
                                "bytes": yardsticks[op],
                                "op": op,
                                "backend": backend,
                                "median_s": median,
                                "min_s": float(min(times)),
                                "mean_s": float(np.mean(times)),
                                "samples": len(times),
                                "calls_per_sample": number,
                                "gbs": gbs,
                                "gflops": flops / median / 1e9,
                                "fraction": gbs / bandwidth if bandwidth else math.nan,
                                "algorithms": algorithms,
                                "skipped": "",
                            }
                        )
                del state0
                gc.collect()
            rows.extend(batch)
            if progress is not None:
                progress(batch)
    return rows


def _lookup(rows, **keys):
    for row in rows:
        if all(row.get(k) == v for k, v in keys.items()):
            return row
    return None


#: The table's columns: (op, backend, title).
_COLUMNS = (
    ("update", "numba", "update numba"),
    ("update_inplace", "numba", "in place"),
    ("update", "numpy", "update numpy"),
    ("solve", "numba", "solve numba"),
    ("solve", "numpy", "solve numpy"),
)
_UPDATE_HEADER = (
    f"{'d':>9} {'tau':>4} | "
    + " | ".join(f"{title:>12} {'%bw':>6}" for _, _, title in _COLUMNS)
    + f" | {'numpy/numba':>11} {'GF/s':>6}"
)


def _update_line(rows):
    first = rows[0]
    head = f"{first['dim']:>9} {first['rank']:>4} | "
    if first["skipped"]:
        return head + f"skipped: {first['skipped']}"
    cells = []
    for op, backend, _ in _COLUMNS:
        row = _lookup(rows, op=op, backend=backend)
        if row is None:
            cells.append(f"{'-':>12} {'-':>6}")
        else:
            noisy = "*" if row["min_s"] < 0.7 * row["median_s"] else " "
            cells.append(f"{_fmt_time(row['median_s']):>12}{noisy}{_fmt_pct(row['fraction']):>6}")
    fast = _lookup(rows, op="update", backend="numba")
    slow = _lookup(rows, op="update", backend="numpy")
    ratio = slow["median_s"] / fast["median_s"] if fast and slow else math.nan
    gflops = fast["gflops"] if fast else math.nan
    from pyginger.cli.bench.bandwidth import cache_size

    itemsize = np.dtype(first["dtype"]).itemsize
    cached = "  U fits in cache" if first["dim"] * first["rank"] * itemsize <= cache_size() else ""
    return head + " | ".join(cells) + f" | {ratio:10.2f}x {gflops:6.1f}{cached}"


def format_update_table(rows, *, header=True):
    """Format :func:`bench_update` rows as a table, one line per ``(d, tau)``.

    Parameters
    ----------
    rows : list of dict
        Rows from :func:`bench_update` (any subset).
    header : bool, optional
        Whether to start with the column titles.

    Returns
    -------
    str
        The table; ``%bw`` is the fraction of the streaming bandwidth on each op's yardstick,
        ``numpy/numba`` the ratio of update times and ``GF/s`` the numba update's flop rate. A
        ``*`` after a time marks samples spread wide (fastest below 0.7 of the median); "U fits
        in cache" marks rows where ``U`` is no larger than the last-level cache, so that rates
        above the streaming bandwidth are possible.

    Examples
    --------
    >>> rows = bench_update([100], [2], repeats=2, min_sample=0.0)
    >>> print(format_update_table(rows).splitlines()[0].split()[:3])
    ['d', 'tau', '|']
    """
    lines = [_UPDATE_HEADER] if header else []
    pairs = []
    for row in rows:
        key = (row["dim"], row["rank"])
        if key not in pairs:
            pairs.append(key)
    for dim, rank in pairs:
        lines.append(_update_line([r for r in rows if (r["dim"], r["rank"]) == (dim, rank)]))
    return "\n".join(lines)


# -------------------------------------------------------------------------------------- scaling


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


# ------------------------------------------------------------------------------- dense crossover


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

        del F
        state = warm_state(dim, rank, damping=damping, beta=beta, seed=seed)

        def g_update(s, v):
            return pg.update(s, v, beta=beta)

        def g_solve(s, v):
            pg.solve(s, v)
            return s

        def g_step(s, v):
            s = pg.update(s, v, beta=beta)
            pg.solve(s, v)
            return s

        steps = {
            "dense_solve": dense_solve,
            "dense_step": dense_step,
            "ginger_update": g_update,
            "ginger_solve": g_solve,
            "ginger_step": g_step,
        }
        start = {name: G if name.startswith("dense") else state for name in steps}
        timed = _time_chains(
            steps, start, pool, repeats=repeats, min_sample=min_sample, budget=budget * len(steps)
        )
        del G, start
        t_solve, t_step = timed["dense_solve"][0], timed["dense_step"][0]
        t_up, t_so, t_gs = (timed[k][0] for k in ("ginger_update", "ginger_solve", "ginger_step"))
        row = {
            "dim": dim,
            "rank": rank,
            "dense_solve_s": float(np.median(t_solve)),
            "dense_step_s": float(np.median(t_step)),
            "ginger_update_s": float(np.median(t_up)),
            "ginger_solve_s": float(np.median(t_so)),
            "ginger_step_s": float(np.median(t_gs)),
        }
        row["ratio"] = row["dense_step_s"] / row["ginger_step_s"]
        rows.append(row)
        if progress is not None:
            progress(row)
    return rows


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


# --------------------------------------------------------------------------------------- memory


def _vm_kib(field):
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def _reset_peak_rss():
    """Reset the kernel's peak-RSS mark (Linux >= 4.0); return False where that is impossible."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap back, so reuse shows as growth
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return _vm_kib("VmHWM") is not None


def update_memory(
    dim,
    rank,
    *,
    ks=(1, 8),
    backends=_BACKENDS,
    in_place=(False, True),
    dtype=np.float64,
    beta=0.99,
    seed=0,
):
    """Extra memory taken by one ``update``, against ``|U|`` and ``d^2`` bytes.

    Parameters
    ----------
    dim, rank : int
        ``d`` and ``tau``.
    ks : sequence of int, optional
        Factor widths ``k`` to try.
    backends : sequence of str, optional
        Backends passed to :func:`pyginger.update`.
    in_place : sequence of bool, optional
        Values of ``overwrite_state`` to try (``True`` runs on a private copy of ``U``).
    dtype : dtype, optional
        Storage dtype of ``U``.
    beta : float, optional
        EMA factor.
    seed : int, optional
        Seed of the random factors.

    Returns
    -------
    list of dict
        One row per ``(backend, in_place, k)`` with keys ``backend``, ``in_place``, ``k``,
        ``dim``, ``rank``,
        ``traced_peak_bytes`` (peak of allocations seen by :mod:`tracemalloc` during the call,
        above what was allocated before), ``rss_peak_bytes`` (rise of the process's peak resident
        memory during the call; NaN where it cannot be measured), ``u_bytes``, ``factor_bytes``
        (``d k itemsize``), ``d2_bytes`` (``d^2 itemsize``).

    Notes
    -----
    :mod:`tracemalloc` sees NumPy's allocations but not those made inside Numba kernels (Numba's
    runtime calls ``malloc`` directly), so for the Numba backend the traced peak misses the new
    ``U`` and the resident-memory figure is the one to read. That one is measured by resetting
    the peak-RSS mark (``/proc/self/clear_refs``) after ``malloc_trim``; it counts pages touched,
    so it is a lower bound when a block reuses memory that is still resident. The new state
    itself (``|U|``) is part of both figures for the pure update; in place, only ``O(d k)``
    temporaries should remain (the NumPy twin keeps one ``d x tau`` temporary).

    Examples
    --------
    >>> rows = update_memory(300, 4, ks=(1,), backends=("numpy",), in_place=(False,))
    >>> row = rows[0]
    >>> bool(row["traced_peak_bytes"] < row["d2_bytes"]), row["in_place"]
    (True, False)
    """
    pg = _api()
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    state = warm_state(dim, rank, beta=beta, dtype=dtype, seed=seed)
    rows = []
    for backend, overwrite, k in itertools.product(backends, in_place, ks):
        # A factor per call: in place, U moves with each call, and a factor already absorbed
        # would send the next call down the three-pass path (nearly in span(U)).
        factors = [rng.standard_normal((dim, k)).astype(dtype, copy=False) for _ in range(3)]
        if k == 1:
            factors = [f[:, 0].copy() for f in factors]
        # In place, every call overwrites U: give those calls their own copy of it.
        mine = state._replace(U=state.U.copy()) if overwrite else state
        options = {"beta": beta, "backend": backend, "overwrite_state": overwrite}
        pg.update(mine, factors[0], **options)  # compile outside the count
        gc.collect()
        rss_ok = _reset_peak_rss()
        rss_before = _vm_kib("VmRSS") if rss_ok else None
        new = pg.update(mine, factors[1], **options)
        rss_peak = _vm_kib("VmHWM") if rss_ok else None
        del new
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            new = pg.update(mine, factors[2], **options)
            traced = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        del new, mine, factors
        rows.append(
            {
                "backend": backend,
                "in_place": bool(overwrite),
                "k": k,
                "dim": dim,
                "rank": rank,
                "traced_peak_bytes": traced,
                "rss_peak_bytes": (
                    rss_peak - rss_before if rss_ok and rss_peak is not None else math.nan
                ),
                "u_bytes": dim * rank * dtype.itemsize,
                "factor_bytes": dim * k * dtype.itemsize,
                "d2_bytes": dim * dim * dtype.itemsize,
            }
        )
    return rows


def format_memory(rows):
    """Format :func:`update_memory` rows: extra bytes per update in units of ``|U|`` and ``d^2``.

    Parameters
    ----------
    rows : list of dict
        Output of :func:`update_memory`.

    Returns
    -------
    str
        One line per ``(backend, in_place, k)``; "in place" is ``overwrite_state=True``.

    Examples
    --------
    >>> rows = [{"backend": "numpy", "in_place": False, "k": 1, "dim": 100, "rank": 4,
    ...          "traced_peak_bytes": 8000,
    ...          "rss_peak_bytes": float("nan"), "u_bytes": 3200, "factor_bytes": 800,
    ...          "d2_bytes": 80000}]
    >>> print(format_memory(rows).splitlines()[1].split()[:5])
    ['numpy', 'pure', '100', '4', '1']
    """
    lines = [
        f"{'backend':>7} {'update':>8} {'d':>8} {'tau':>4} {'k':>3} | {'traced peak':>11} "
        f"{'/|U|':>6} {'/d^2':>9} | {'RSS peak':>10} {'/|U|':>6} {'/d^2':>9} | "
        f"{'|U|':>10} {'d*k':>10}"
    ]
    for r in rows:
        rss = r["rss_peak_bytes"]
        rss_cells = (
            f"{_fmt_bytes(rss):>10} {rss / r['u_bytes']:>6.2f} {rss / r['d2_bytes']:>9.1e}"
            if math.isfinite(rss)
            else f"{'n/a':>10} {'-':>6} {'-':>9}"
        )
        lines.append(
            f"{r['backend']:>7} {'in place' if r.get('in_place') else 'pure':>8} "
            f"{r['dim']:>8} {r['rank']:>4} {r['k']:>3} | "
            f"{_fmt_bytes(r['traced_peak_bytes']):>11} "
            f"{r['traced_peak_bytes'] / r['u_bytes']:>6.2f} "
            f"{r['traced_peak_bytes'] / r['d2_bytes']:>9.1e} | {rss_cells} | "
            f"{_fmt_bytes(r['u_bytes']):>10} {_fmt_bytes(r['factor_bytes']):>10}"
        )
    return "\n".join(lines)
