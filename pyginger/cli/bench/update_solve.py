"""Update and solve benchmarks: median times over ``d`` and ``tau`` and their table.

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

import functools
import gc
import itertools
import math

import numpy as np

from pyginger.cli.bench._format import _fmt_bytes, _fmt_pct, _fmt_time
from pyginger.cli.bench.bandwidth import available_memory, cache_size
from pyginger.cli.bench.timing import _api, _FactorPool, _time_chains, warm_state
from pyginger.core import count_algorithms

__all__ = ["bench_update", "format_update_table"]

_BACKENDS = ("numba", "numpy")
#: ``update_inplace`` is ``update(..., overwrite_state=True)``: the opt-in path with no new ``U``
#: per step (timed for the numba backend only, the one the optimizers use).
_OPS = ("update", "update_inplace", "solve")


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
    bad = [op for op in ops if op not in _OPS]
    if bad:
        raise ValueError(f"bench_update: ops must be among {_OPS}, got {bad}")
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    timing = {"repeats": repeats, "min_sample": min_sample, "budget": budget}
    timing["bandwidth"] = bandwidth
    rows = []
    for dim, rank in itertools.product(dims, ranks):
        dim, rank = int(dim), int(rank)
        yardsticks = _yardsticks(dim, rank, dtype.itemsize)
        base = {"dim": dim, "rank": rank, "dtype": dtype.name}
        reason = _skip_reason(dim, rank, dtype.itemsize, memory_fraction)
        if reason:
            batch = _skipped_rows(base, yardsticks, ops, backends, reason)
        else:
            batch = _time_pair(
                base,
                yardsticks,
                rng,
                ops=ops,
                backends=backends,
                dtype=dtype,
                damping=damping,
                beta=beta,
                seed=seed,
                timing=timing,
            )
        rows.extend(batch)
        if progress is not None:
            progress(batch)
    return rows


def _yardsticks(dim, rank, itemsize):
    """Bytes each op is judged on (see the module's docstring)."""
    return {
        "update": 2 * itemsize * dim * rank,
        "update_inplace": 2 * itemsize * dim * rank,
        # its own traffic: U twice, v twice (U^T v, then v / gamma - U w), the result once
        "solve": itemsize * dim * (2 * rank + 3),
    }


def _skip_reason(dim, rank, itemsize, memory_fraction):
    """Why a ``(d, tau)`` pair is not run (empty when it is)."""
    u_bytes = dim * rank * itemsize
    if rank > dim:
        return "rank > dim"
    if u_bytes > memory_fraction * available_memory():
        return (
            f"U needs {_fmt_bytes(u_bytes)}, more than {memory_fraction:g} of the "
            f"{_fmt_bytes(available_memory())} available"
        )
    return ""


def _skipped_rows(base, yardsticks, ops, backends, reason):
    """Rows of a pair that is not run: NaN figures and the reason."""
    return [
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
            "skipped": reason,
        }
        for op in ops
        for backend in (backends if op != "update_inplace" else ["numba"])
    ]


def _update_step(update, backend, beta, state, v):
    return update(state, v, beta=beta, backend=backend)


def _update_inplace_step(update, backend, beta, state, v):
    return update(state, v, beta=beta, backend=backend, overwrite_state=True)


def _solve_step(solve, backend, state, v):
    solve(state, v, backend=backend)
    return state


def _op_steps(pg, op, backends, beta, state0):
    """Return ``{backend: step}`` of one op and the state its chains start from.

    ``(None, None)`` when the op is not timed with these backends.
    """
    if op == "update":
        steps = {b: functools.partial(_update_step, pg.update, b, beta) for b in backends}
        return steps, state0
    if op == "update_inplace":
        if "numba" not in backends:
            return None, None
        steps = {"numba": functools.partial(_update_inplace_step, pg.update, "numba", beta)}
        return steps, state0._replace(U=state0.U.copy())  # its own U to overwrite
    return {b: functools.partial(_solve_step, pg.solve, b) for b in backends}, state0


def _measured_rows(base, op, nbytes, timed, algorithms, bandwidth):
    """Rows of one op from its timed chains ``{backend: (per-call times, calls per sample)}``."""
    dim, rank = base["dim"], base["rank"]
    # rank-one update: C = U^T f, p = f - U C (2 d tau each), rotation
    # [U q] V (2 d tau (tau + 1)); solve: U^T v and U w (2 d tau each).
    flops = (4 if op == "solve" else 2 * rank + 6) * dim * rank
    rows = []
    for backend, (times, number) in timed.items():
        median = float(np.median(times))
        gbs = nbytes / median / 1e9
        rows.append(
            {
                **base,
                "bytes": nbytes,
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
    return rows


def _time_pair(base, yardsticks, rng, *, ops, backends, dtype, damping, beta, seed, timing):
    """Time every op at one ``(d, tau)`` pair and return its rows.

    ``timing`` holds ``repeats``, ``min_sample``, ``budget`` and ``bandwidth``.
    """
    pg = _api()
    dim, rank = base["dim"], base["rank"]
    state0 = warm_state(dim, rank, damping=damping, beta=beta, dtype=dtype, seed=seed)
    batch = []
    for op in ops:
        steps, start = _op_steps(pg, op, backends, beta, state0)
        if steps is None:
            continue
        pool = _FactorPool(rng, dim, dtype, count=max(64, 4 * timing["repeats"]))
        with count_algorithms() as used:
            timed = _time_chains(
                steps,
                start,
                pool,
                repeats=timing["repeats"],
                min_sample=timing["min_sample"],
                budget=timing["budget"] * len(steps),
            )
        del pool, start
        algorithms = ", ".join(f"{name} x{n}" for name, n in sorted(used.items()))
        batch += _measured_rows(base, op, yardsticks[op], timed, algorithms, timing["bandwidth"])
    del state0
    gc.collect()
    return batch


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
