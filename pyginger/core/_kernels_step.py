r"""Numba kernels of the element-wise work of an optimizer step, fused with the solve's last pass.

An optimizer step of Ginger (momentum :math:`m`, bias correction :math:`c_1 = 1-\beta_1^t`, the
Woodbury solve :math:`u = \alpha \hat m + U (\text{coef} \odot U^\top \hat m)`, the debias
weight :math:`c`, clipping at :math:`\rho`, the learning rate :math:`\eta`) written as NumPy
expressions reads and writes a ``d``-vector per operation and allocates a temporary for each.
Two kernels do the same in two passes over the vectors (with the core's projection between them):

* :func:`ema_into` writes :math:`m \leftarrow \beta_1 m + (1-\beta_1) g` in one pass;
* :func:`finish_step` computes, row by row, :math:`\hat m_i = m_i / c_1`, the solve's row
  :math:`o_i = \alpha \hat m_i + U_{i,:} w` (``w`` the small float64 vector
  ``coef * U^T \hat m``), then :math:`u_i = \eta\,\operatorname{clip}(c\,o_i, -\rho, \rho)` and
  :math:`\theta_i - u_i`: one read of ``U``, ``m`` and :math:`\theta`, one write of the new
  :math:`\theta`.

Both round exactly where the NumPy expressions do: the scalars arrive in the storage dtype,
each element-wise operation is rounded to it (no fused multiply-add there: those loops are
compiled without ``fastmath``), and only the sum over the columns of ``U`` runs in float64 in
its own order (with fused multiply-adds, :func:`_row_sums`). So the element-wise results equal
their twins (:func:`ema_twin`, :func:`finish_step_twin`) bit for bit, and the solve's row to
the rounding of a length-``tau`` float64 sum.

The step's two-pass kernels (:mod:`pyginger.core._unrolled`, ``step_*``) do the same element-wise
work entry by entry with :func:`ema_element` and :func:`finish_element` (through
:func:`finish_rows`), so that they round as these kernels and their twins do.
``docs/performance.md`` ("The optimizer step") has the measurements behind the layout.
"""

from __future__ import annotations

import numpy as np

from pyginger import _backend
from pyginger._backend import jit

# Without Numba the module still imports (the twins are the step's NumPy path), and the kernels
# are plain Python.
uint64 = _backend.numba.uint64 if _backend.numba is not None else int

__all__ = [
    "ema_into",
    "finish_step",
    "ema_element",
    "finish_element",
    "finish_rows",
    "STEP_CHUNK",
    "ema_twin",
    "finish_step_twin",
]

# Release the GIL (row blocks run on threads); no fastmath, so that no multiply-add is fused
# and every element-wise operation rounds as NumPy's does. Said explicitly: a jitted function
# called from one compiled with fastmath (the generated step kernels) inherits the caller's
# flags unless it sets its own, and the dispatcher then reuses that contracted version.
_OPTS = {"nogil": True, "error_model": "numpy", "fastmath": False}


@jit(**_OPTS)
def ema_element(b1, m, a1, g):  # pragma: no cover - compiled
    """Return the momentum ``b1 m + a1 g`` of one entry, rounded as NumPy's expression is.

    Compiled without ``fastmath``: inlined into a kernel that has it (the generated step
    kernels), its multiplications and addition still round one by one, with no fused
    multiply-add.
    """
    return b1 * m + a1 * g


@jit(**_OPTS)
def finish_element(i, m, mo, g, theta, to, dot, p):  # pragma: no cover - compiled
    """Entry ``i`` of the step after the solve's sum ``dot = U_new[i] @ w`` (float64).

    Writes the momentum ``y = b1 m[i] + a1 g[i]`` into ``mo[i]`` and the new parameter into
    ``to[i]``: the solve's row ``alpha y / c1 + dot``, rounded to the storage dtype (through
    ``to[i]`` itself), times the debias weight ``c``, clipped at ``rho`` when ``clip``, times
    ``lr``, subtracted from ``theta[i]``. ``p = (b1, a1, alpha, c1, c, rho, clip, lr)``, all
    in the storage dtype but ``alpha`` (float64) and ``clip`` (bool). Each operation rounds
    as :func:`finish_step_twin`'s NumPy expressions do (no ``fastmath`` here either).
    """
    b1, a1, alpha, c1, c, rho, clip, lr = p
    y = ema_element(b1, m[i], a1, g[i])
    mo[i] = y
    to[i] = alpha * np.float64(y / c1) + dot
    u = c * to[i]
    if clip:
        u = min(max(u, -rho), rho)
    to[i] = theta[i] - lr * u


#: Rows per chunk of the generated step kernels for small ``tau`` (:mod:`pyginger.core._unrolled`):
#: a chunk of ``U`` (at most ``8 * STEP_CHUNK * tau`` bytes) stays in the second-level cache
#: between the loops that read it. 256 rows were slower (at ``tau = 4``, 6.5 against 4.8 ms
#: per 10^6 rows), 16384 no faster.
STEP_CHUNK = 2048


@jit(**_OPTS)
def _finish_rows_apart(m, mo, g, t, to, dots, p, lo, hi):  # pragma: no cover - compiled
    for i in range(uint64(lo), uint64(hi)):
        finish_element(i, m, mo, g, t, to, dots[i - uint64(lo)], p)


@jit(**_OPTS)
def _finish_rows_inplace(m, g, t, to, dots, p, lo, hi):  # pragma: no cover - compiled
    # One array for m and mo: LLVM's overlap check would send m is mo to its scalar loop.
    for i in range(uint64(lo), uint64(hi)):
        finish_element(i, m, m, g, t, to, dots[i - uint64(lo)], p)


@jit(**_OPTS)
def finish_rows(m, mo, g, t, to, dots, p, lo, hi):  # pragma: no cover - compiled
    """Apply :func:`finish_element` to rows ``lo:hi``, row ``i`` with the sum ``dots[i - lo]``."""
    if m.ctypes.data == mo.ctypes.data:
        _finish_rows_inplace(m, g, t, to, dots, p, lo, hi)
    else:
        _finish_rows_apart(m, mo, g, t, to, dots, p, lo, hi)


@jit(**_OPTS)
def _ema_rows(m, g, b1, a1, out, lo, hi):  # pragma: no cover - compiled
    # Unsigned indices: no negative-index wrap-around code, so LLVM vectorises the loop.
    for i in range(uint64(lo), uint64(hi)):
        out[i] = ema_element(b1, m[i], a1, g[i])


@jit(nogil=True, fastmath={"contract"}, error_model="numpy")
def _row_sums(Uf, w, tau, start, n, sums):  # pragma: no cover - compiled
    """``sums[r] = U[start + r] @ w`` (float64), four rows at a time, each in two FMA chains."""
    one, two, four = uint64(1), uint64(2), uint64(4)
    half = tau // two
    r = uint64(0)
    while r + four <= n:
        b0 = (start + r) * tau
        b1 = b0 + tau
        b2 = b1 + tau
        b3 = b2 + tau
        s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = 0.0
        for jh in range(half):
            j = two * jh
            a, b = w[j], w[j + one]
            s0 += np.float64(Uf[b0 + j]) * a
            s1 += np.float64(Uf[b1 + j]) * a
            s2 += np.float64(Uf[b2 + j]) * a
            s3 += np.float64(Uf[b3 + j]) * a
            t0 += np.float64(Uf[b0 + j + one]) * b
            t1 += np.float64(Uf[b1 + j + one]) * b
            t2 += np.float64(Uf[b2 + j + one]) * b
            t3 += np.float64(Uf[b3 + j + one]) * b
        if tau > two * half:
            j = tau - one
            a = w[j]
            s0 += np.float64(Uf[b0 + j]) * a
            s1 += np.float64(Uf[b1 + j]) * a
            s2 += np.float64(Uf[b2 + j]) * a
            s3 += np.float64(Uf[b3 + j]) * a
        sums[r] = s0 + t0
        sums[r + one] = s1 + t1
        sums[r + two] = s2 + t2
        sums[r + uint64(3)] = s3 + t3
        r += four
    while r < n:
        b0 = (start + r) * tau
        acc = 0.0
        for j in range(tau):
            acc += np.float64(Uf[b0 + j]) * w[j]
        sums[r] = acc
        r += one


#: Rows per chunk of :func:`_finish_rows`: the sums of a chunk, then its element-wise work.
CHUNK = 256


@jit(**_OPTS)
def _finish_rows(U, m, theta, w, alpha, c1, c, rho, clip, lr, out, lo, hi):  # pragma: no cover
    """Rows ``lo:hi`` of :func:`finish_step`, ``CHUNK`` rows at a time.

    Per chunk, the float64 sums ``U[i] @ w`` first, then the element-wise work in loops of
    their own, which LLVM vectorizes (the division by ``c1`` above all: scalar, it would cost
    more than the memory traffic). Unsigned indices: no wrap-around checks in the loops.
    """
    tau = uint64(U.shape[1])
    Uf = U.ravel()
    sums = np.empty(CHUNK)
    solved = np.empty(CHUNK, dtype=out.dtype)  # the solve's rows, rounded to the storage dtype
    start = uint64(lo)
    h = uint64(hi)
    while start < h:
        n = min(uint64(CHUNK), h - start)
        _row_sums(Uf, w, tau, start, n, sums)
        for r in range(n):
            solved[r] = alpha * np.float64(m[start + r] / c1) + sums[r]
        if clip:
            for r in range(n):
                u = min(max(c * solved[r], -rho), rho)
                out[start + r] = theta[start + r] - lr * u
        else:
            for r in range(n):
                out[start + r] = theta[start + r] - lr * (c * solved[r])
        start += n


def _scalar(x, dtype):
    """Return ``x`` in ``dtype``: what NumPy makes of a Python float next to such an array."""
    return dtype.type(x)


def ema_into(m, g, beta1, out, run):
    """Write ``beta1 * m + (1 - beta1) * g`` into ``out`` (may be ``m``) and return ``out``.

    ``run(task)`` calls ``task(lo, hi)`` over row blocks (one block for small ``d``).
    """
    b1, a1 = _scalar(beta1, m.dtype), _scalar(1.0 - beta1, m.dtype)
    run(lambda lo, hi: _ema_rows(m, g, b1, a1, out, lo, hi))
    return out


def finish_step(U, m, theta, w, alpha, c1, c, rho, lr, run):
    """Return the new ``theta``: ``theta - lr * clip(c * (alpha m/c1 + U w), -rho, rho)``.

    ``U`` (d, tau) and the vectors share one dtype; ``w`` (tau,) and ``alpha`` are float64;
    ``c1``, ``c``, ``rho`` (None: no clipping) and ``lr`` are Python floats.
    """
    dt = theta.dtype
    out = np.empty_like(theta)
    clip = rho is not None
    r = _scalar(rho if clip else 0.0, dt)
    args = (_scalar(c1, dt), _scalar(c, dt), r, clip, _scalar(lr, dt))
    w = np.ascontiguousarray(w, dtype=np.float64)
    alpha = float(alpha)
    run(lambda lo, hi: _finish_rows(U, m, theta, w, alpha, *args, out, lo, hi))
    return out


# ------------------------------------------------------------------------------ NumPy twins


def ema_twin(m, g, beta1):
    """Return ``beta1 * m + (1 - beta1) * g``: the expression of :func:`pyginger.optim.ema`."""
    return beta1 * m + (1.0 - beta1) * g


def finish_step_twin(U, m, theta, w, alpha, c1, c, rho, lr):
    """NumPy twin of :func:`finish_step`, in the order of the optimizer's chain of transforms."""
    mhat = m / c1  # bias correction
    X = mhat.astype(np.float64, copy=False)[:, None]
    U64 = U.astype(np.float64, copy=False)
    solved = (alpha * X + U64 @ w[:, None]).astype(theta.dtype, copy=False)[:, 0]
    u = c * solved  # the debias weight of the preconditioner
    if rho is not None:
        u = np.clip(u, -rho, rho)
    return theta - lr * u
