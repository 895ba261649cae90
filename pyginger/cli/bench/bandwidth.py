"""What the machine can do: streaming bandwidth, DGEMM rate, and the thread pools behind them.

A Ginger update is memory-bound (it streams ``U`` through the processor once or twice), so its
speed is judged against the memory bandwidth of the machine it runs on, measured in the same run.
This module measures that yardstick with a STREAM-style triad ``a = b + s * c`` and the rate of
dense matrix products (for the rotation ``[U q] V``, which becomes compute-bound at large ``tau``),
and it controls the two thread pools that compete for the cores: Numba's
(``numba.set_num_threads``) and OpenBLAS's (NumPy and SciPy each ship their own copy).

Thread pools on small machines
------------------------------
After a multithreaded call, OpenBLAS's worker threads keep spinning for a while (up to about 0.1 s)
before they sleep; Numba's OpenMP pool spins too. On a 2-core machine a spinning pool steals the
core the other pool needs and one slow call can cost many times its usual time.
:func:`thread_limits` sets both pools for the duration of a block; the benchmark command uses it
to run the O(d tau) Ginger kernels with one BLAS thread (the small (tau+k)-sized BLAS/LAPACK calls
there gain nothing from threads) and the dense references with every core.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import time

import numpy as np
from numba import get_num_threads, njit, prange, set_num_threads

__all__ = [
    "available_memory",
    "blas_threads",
    "cache_size",
    "dgemm_rate",
    "thread_limits",
    "triad_bandwidth",
]


# --------------------------------------------------------------------------------------- machine


def cache_size() -> int:
    """Return the size in bytes of the largest CPU cache (32 MiB when it cannot be read).

    Returns
    -------
    int
        Bytes of the last-level cache, read from ``/sys`` (Linux) or ``sysconf``.

    Examples
    --------
    >>> cache_size() > 0
    True
    """
    sizes = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    with contextlib.suppress(OSError):
        for entry in os.listdir(base):
            with contextlib.suppress(OSError, ValueError), open(f"{base}/{entry}/size") as fh:
                text = fh.read().strip().upper()
                scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
                sizes.append(int(text.rstrip("KMG")) * scale)
    for name in ("SC_LEVEL3_CACHE_SIZE", "SC_LEVEL2_CACHE_SIZE"):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            sizes.append(int(os.sysconf(name)))
    best = max(sizes, default=0)
    return best if best > 0 else 32 << 20


def available_memory() -> int:
    """Return the memory in bytes that can be allocated without swapping (best effort).

    Returns
    -------
    int
        ``MemAvailable`` from ``/proc/meminfo`` on Linux, else free pages times the page size,
        else 4 GiB.

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(ValueError, OSError, AttributeError):
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    return 4 << 30  # pragma: no cover - platforms without either source


# ---------------------------------------------------------------------------------- thread pools


def _openblas_libraries():
    """Yield ``(path, get, set)`` for every OpenBLAS loaded in this process (Linux only).

    NumPy and SciPy wheels each bundle an OpenBLAS whose symbols carry a ``scipy_`` prefix and, for
    the 64-bit-integer build, a ``64_`` suffix; ``threadpoolctl`` does the same look-up.
    """
    paths = set()
    with contextlib.suppress(OSError), open("/proc/self/maps") as fh:
        for line in fh:
            path = line.split()[-1]
            if "openblas" in os.path.basename(path).lower():
                paths.add(path)
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover
            continue
        for prefix in ("openblas", "scipy_openblas"):
            for suffix in ("", "64_"):
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    getter.restype = ctypes.c_int
                    setter.argtypes = [ctypes.c_int]
                    yield path, getter, setter
                    break
            else:
                continue
            break


def blas_threads() -> dict:
    """Return the thread count of each loaded OpenBLAS, keyed by library file name.

    Returns
    -------
    dict
        ``{library name: threads}``; empty when no OpenBLAS is found (another BLAS, or not Linux).

    Examples
    --------
    >>> import numpy
    >>> all(n >= 1 for n in blas_threads().values())
    True
    """
    return {os.path.basename(path): int(get()) for path, get, _ in _openblas_libraries()}


@contextlib.contextmanager
def thread_limits(*, numba=None, blas=None):
    """Set Numba's and OpenBLAS's thread counts inside a ``with`` block, then restore them.

    Parameters
    ----------
    numba : int, optional
        Threads for Numba's parallel regions (at most ``numba.config.NUMBA_NUM_THREADS``, which
        is fixed when Numba starts); ``None`` leaves them as they are.
    blas : int, optional
        Threads for every OpenBLAS loaded in the process (NumPy's and SciPy's); ``None``
        leaves them.

    Yields
    ------
    dict
        The settings in force: ``{"numba": int, "blas": {library: threads}}``.

    Notes
    -----
    OpenBLAS is reached through ``ctypes`` (the same symbols ``threadpoolctl`` uses), so only
    OpenBLAS on Linux is controlled; with another BLAS, ``blas`` is ignored and the yielded dict
    shows an empty mapping.

    Examples
    --------
    >>> with thread_limits(numba=1, blas=1) as used:
    ...     print(used["numba"], set(used["blas"].values()) <= {1})
    1 True
    """
    libs = list(_openblas_libraries())
    old_numba = get_num_threads()
    old_blas = [(get(), setter) for _, get, setter in libs]
    try:
        if numba is not None:
            set_num_threads(int(numba))
        if blas is not None:
            for _, _, setter in libs:
                setter(int(blas))
        yield {"numba": get_num_threads(), "blas": blas_threads()}
    finally:
        set_num_threads(old_numba)
        for count, setter in old_blas:
            setter(int(count))


# ------------------------------------------------------------------------------------ the triad


@njit(cache=False)
def _triad_serial(a, b, c, s):  # pragma: no cover - compiled
    for i in range(a.size):
        a[i] = b[i] + s * c[i]


@njit(cache=False, parallel=True)
def _triad_parallel(a, b, c, s):  # pragma: no cover - compiled
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


def _triad_numpy(a, b, c, s):
    # Two passes (a = s*c, then a += b): NumPy has no fused triad without a temporary.
    np.multiply(c, s, out=a)
    np.add(a, b, out=a)


_TRIADS = {
    "numba-serial": _triad_serial,
    "numba-parallel": _triad_parallel,
    "numpy": _triad_numpy,
}


def triad_bandwidth(n=None, *, repeats=10, kernels=("numba-serial", "numba-parallel", "numpy")):
    """Measure the streaming memory bandwidth with a STREAM triad ``a = b + s * c``.

    Parameters
    ----------
    n : int, optional
        Length of each float64 array. The default makes each array at least four times the
        last-level cache (:func:`cache_size`) and at least 2**24 elements (128 MiB), so the
        three arrays cannot be cached.
    repeats : int, optional
        Timed repetitions per kernel, after one untimed call (which also compiles).
    kernels : sequence of str, optional
        Any of ``"numba-serial"`` (one thread), ``"numba-parallel"`` (``prange`` over
        ``numba.get_num_threads()`` threads) and ``"numpy"`` (``multiply`` then ``add`` in place).

    Returns
    -------
    list of dict
        One dict per kernel with keys ``kernel``, ``n``, ``threads``, ``bytes`` (``3 * 8 * n``),
        ``best_s``, ``median_s``, ``best_gbs`` and ``median_gbs`` (``bytes / time / 1e9``).

    Raises
    ------
    ValueError
        If ``n`` or ``repeats`` is smaller than 1 or a kernel name is unknown.

    See Also
    --------
    dgemm_rate : the compute yardstick.

    Notes
    -----
    Bytes are counted as STREAM counts them: ``3 * 8 * n`` (read ``b``, read ``c``, write ``a``),
    without the write-allocate read of ``a`` that a cache without streaming stores also performs
    (counting it gives ``4 * 8 * n``, i.e. figures one third higher). The NumPy version makes two
    passes (five array transfers) yet is credited with the same three, so it reads low; it shows
    what a chain of NumPy expressions reaches. The best rate over repetitions is reported as in
    STREAM; the median is kept too. The benchmark's yardstick is the best rate over all kernels.

    Examples
    --------
    >>> rows = triad_bandwidth(10_000, repeats=2, kernels=("numba-serial", "numpy"))
    >>> [row["kernel"] for row in rows]
    ['numba-serial', 'numpy']
    >>> all(row["best_gbs"] > 0 and row["bytes"] == 240_000 for row in rows)
    True
    """
    if n is None:
        n = max(4 * cache_size() // 8, 1 << 24)
    n, repeats = int(n), int(repeats)
    if n < 1:
        raise ValueError(f"triad_bandwidth: n must be >= 1, got {n}")
    if repeats < 1:
        raise ValueError(f"triad_bandwidth: repeats must be >= 1, got {repeats}")
    unknown = [k for k in kernels if k not in _TRIADS]
    if unknown:
        raise ValueError(f"triad_bandwidth: kernels must be among {sorted(_TRIADS)}, got {unknown}")
    rng = np.random.default_rng(0)
    b = rng.random(n)
    c = rng.random(n)
    a = np.zeros(n)  # touch every page before timing
    nbytes = 3 * 8 * n
    rows = []
    for name in kernels:
        kernel = _TRIADS[name]
        kernel(a, b, c, 3.0)  # compile / fault in
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            kernel(a, b, c, 3.0)
            times.append(time.perf_counter() - start)
        best, median = min(times), float(np.median(times))
        threads = get_num_threads() if name == "numba-parallel" else 1
        if name == "numpy":
            threads = 1  # NumPy's ufuncs are single-threaded
        rows.append(
            {
                "kernel": name,
                "n": n,
                "threads": threads,
                "bytes": nbytes,
                "best_s": best,
                "median_s": median,
                "best_gbs": nbytes / best / 1e9,
                "median_gbs": nbytes / median / 1e9,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------ DGEMM


def dgemm_rate(shapes=((2000, 2000, 2000), (200_000, 65, 64)), *, repeats=3, dtype=np.float64):
    """Measure the rate of ``numpy.matmul`` in GFLOP/s for products ``(m, k) @ (k, n)``.

    Parameters
    ----------
    shapes : sequence of (int, int, int), optional
        ``(m, k, n)`` triples. The default has a square product (the machine's peak) and the shape
        of Ginger's rotation ``[U q] V`` for ``tau = 64`` (tall and skinny, partly memory-bound).
    repeats : int, optional
        Timed repetitions per shape after one untimed call; the best is reported.
    dtype : dtype, optional
        ``float64`` (DGEMM) or ``float32`` (SGEMM).

    Returns
    -------
    list of dict
        One dict per shape with keys ``m``, ``k``, ``n``, ``flops`` (``2 m k n``), ``best_s``,
        ``gflops`` (best rate) and ``blas_threads``.

    Raises
    ------
    ValueError
        If a shape has a non-positive entry or ``repeats < 1``.

    Notes
    -----
    The rate uses whatever BLAS threads are set when it is called (see :func:`thread_limits`).

    Examples
    --------
    >>> rows = dgemm_rate([(64, 64, 64)], repeats=2)
    >>> rows[0]["flops"], rows[0]["gflops"] > 0
    (524288, True)
    """
    repeats = int(repeats)
    if repeats < 1:
        raise ValueError(f"dgemm_rate: repeats must be >= 1, got {repeats}")
    rng = np.random.default_rng(0)
    threads = max(blas_threads().values(), default=0)
    rows = []
    for shape in shapes:
        m, k, n = (int(s) for s in shape)
        if min(m, k, n) < 1:
            raise ValueError(f"dgemm_rate: shapes must be positive (m, k, n), got {shape}")
        A = rng.random((m, k)).astype(dtype)
        B = rng.random((k, n)).astype(dtype)
        out = np.empty((m, n), dtype=dtype)
        np.matmul(A, B, out=out)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(A, B, out=out)
            times.append(time.perf_counter() - start)
        best = min(times)
        flops = 2 * m * k * n
        rows.append(
            {
                "m": m,
                "k": k,
                "n": n,
                "flops": flops,
                "best_s": best,
                "gflops": flops / best / 1e9,
                "blas_threads": threads,
            }
        )
    return rows
