"""Memory of one update: its extra bytes against ``|U|`` and ``d^2``, traced and resident."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import itertools
import math
import tracemalloc

import numpy as np

from pyginger.cli.bench._format import _fmt_bytes
from pyginger.cli.bench.timing import _api, warm_state

__all__ = ["format_memory", "update_memory"]

_BACKENDS = ("numba", "numpy")


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
