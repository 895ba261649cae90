"""Timing machinery of the benchmarks: warm states, factor pools and interleaved timed chains.

A measurement times a chain ``state = step(state, v)``: each sample batches enough calls to last
a minimum time, and the samples of the steps being compared alternate, so that a burst of load
from other processes hits all of them alike.
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = ["warm_state"]


def _api():
    """Return the ``pyginger`` package (imported late, so that this module imports standalone)."""
    import pyginger

    return pyginger


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


def _calls_per_sample(seconds_per_call, min_sample):
    """Return how many calls one timing sample batches so that it lasts ``min_sample`` seconds."""
    if seconds_per_call <= 0:
        return 1000
    return int(min(10_000, max(1, math.ceil(min_sample / seconds_per_call))))


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
