r"""Eigenpairs of a diagonal plus rank-one matrix through the secular equation (LAPACK ``dlaed9``).

A rank-one update's small eigenproblem is :math:`K = \operatorname{diag}(p) + \rho z z^\top` with
``rho > 0``, of size ``n = tau + 1``. A dense symmetric solver spends ``O(n^3)`` on it, although
every eigenvalue is a root of the secular equation

.. math:: 1 + \rho \sum_i \frac{z_i^2}{p_i - \lambda} = 0,

one in each interval between consecutive poles ``p_i``: ``O(n^2)`` for all of them. This module
does what LAPACK's divide-and-conquer does at each merge (``dlaed2`` + ``dlaed3``):

1. **Deflation** (``dlaed2``). A component with ``rho |z_i|`` below the tolerance leaves
   ``(p_i, e_i)`` an eigenpair to that tolerance; two poles closer than the tolerance (after a
   Givens rotation that moves ``z``'s weight onto one of them) leave the other one an eigenpair.
   What remains has distinct poles and nonzero ``z``, as the root finder requires.
2. **Roots and vectors** (``dlaed9``, reached through SciPy's ``cython_lapack``): ``dlaed4`` finds
   each root with the distances to the poles kept to full relative accuracy, then ``z`` is
   recomputed from the roots (Gu and Eisenstat's formula), so that the eigenvectors
   ``(p - lambda_j)^{-1} z`` come out orthogonal to working precision.

It is faster than LAPACK's dense solvers from :data:`MIN_SIZE` on, so :mod:`pyginger.core`
uses it for rank-one updates from there (figures: ``docs/performance.md``, "Design of the
kernels").
"""

from __future__ import annotations

import ctypes

import numpy as np

from pyginger._backend import jit

__all__ = ["top_eigh", "available", "MIN_SIZE"]

#: Smallest ``n`` from which :mod:`pyginger.core` solves with the secular equation (below, the
#: dense LAPACK solvers are as fast or faster).
MIN_SIZE = 28

_P = ctypes.c_void_p


def _lapack_function(name, nargs):
    """Return LAPACK's ``name`` from SciPy's ``cython_lapack`` as a ctypes function, or None."""
    try:
        import scipy.linalg.cython_lapack as cython_lapack

        capsule = cython_lapack.__pyx_capi__[name]
    except (ImportError, AttributeError, KeyError):  # pragma: no cover - depends on SciPy build
        return None
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    address = get_pointer(capsule, get_name(capsule))
    return ctypes.CFUNCTYPE(None, *([_P] * nargs))(address)


# DLAED9(K, KSTART, KSTOP, N, D, Q, LDQ, RHO, DLAMDA, W, S, LDS, INFO), Fortran calling convention:
# every argument by reference, 32-bit integers (SciPy's cython_lapack is LP64).
_dlaed9 = _lapack_function("dlaed9", 13)


def available() -> bool:
    """Return whether SciPy exposes ``dlaed9`` (it has since SciPy 0.16)."""
    return _dlaed9 is not None


def _roots_and_vectors(poles, z, rho):
    """Call ``dlaed9`` on distinct ascending ``poles``, unit ``z`` and ``rho > 0``.

    Returns the eigenvalues (ascending) and the eigenvectors as the columns of a ``(K, K)`` array.
    """
    K = poles.size
    lam = np.empty(K)
    work = np.empty((K, K), order="F")
    vectors = np.empty((K, K), order="F")
    poles = np.array(poles, dtype=np.float64)  # copies: dlaed9 writes to both
    w = np.array(z, dtype=np.float64)
    size, one, info = ctypes.c_int(K), ctypes.c_int(1), ctypes.c_int(0)
    _dlaed9(
        ctypes.byref(size), ctypes.byref(one), ctypes.byref(size), ctypes.byref(size),
        lam.ctypes.data, work.ctypes.data, ctypes.byref(size),
        ctypes.byref(ctypes.c_double(rho)), poles.ctypes.data, w.ctypes.data,
        vectors.ctypes.data, ctypes.byref(size), ctypes.byref(info),
    )  # fmt: skip
    if info.value != 0:  # pragma: no cover - dlaed4 did not converge
        return None
    return lam, vectors


def _deflate(p, z, rho):
    """Sort the poles and deflate (``dlaed2``).

    Returns the sort order, the (rotated) poles ``d`` in ascending order, the unit vector ``w``,
    ``r = rho |z|^2``, the rotations so far as the columns of ``V`` (sorted basis) and the indices
    that are not deflated, ordered by their pole.
    """
    n = p.size
    order = np.argsort(p, kind="mergesort")
    d = p[order]
    V = np.eye(n)
    z_norm = float(np.sqrt(z @ z))
    r = rho * z_norm * z_norm
    if not r > 0.0:
        return order, d, z[order], r, V, np.zeros(0, dtype=np.int64)
    w = z[order] / z_norm
    tol = 8.0 * np.finfo(np.float64).eps * max(abs(d[0]), abs(d[n - 1]), r)
    kept = _deflation_sweep(d, w, r, tol, V)
    kept = kept[np.argsort(d[kept], kind="mergesort")]  # rotations moved d by at most tol
    return order, d, w, r, V, kept


@jit(error_model="numpy")
def _deflation_sweep(d, w, r, tol, V):  # pragma: no cover - compiled
    """Deflate in place the sorted poles ``d``, the unit ``w`` and the rotations ``V``.

    Compiled, since it runs entry by entry (without Numba it runs as Python). Returns the indices
    that are not deflated, in the order of the sweep.
    """
    n = d.size
    kept = np.empty(n, dtype=np.int64)
    nkept = 0
    last = -1  # the last undeflated index, not yet known to be kept
    for j in range(n):
        if r * abs(w[j]) <= tol:
            continue  # deflated: (d[j], e_j) is an eigenpair to tol
        if last < 0:
            last = j
            continue
        # A Givens rotation of (last, j) that moves w[last] onto w[j]: if the poles are close
        # enough that the off-diagonal entry it creates is below tol, `last` deflates.
        t = np.hypot(w[last], w[j])
        c, s = w[j] / t, -w[last] / t
        if abs((d[j] - d[last]) * c * s) <= tol:
            d[last], d[j] = d[last] * c * c + d[j] * s * s, d[last] * s * s + d[j] * c * c
            w[last], w[j] = 0.0, t
            for i in range(n):
                a, b = V[i, last], V[i, j]
                V[i, last], V[i, j] = c * a + s * b, c * b - s * a
        else:
            kept[nkept] = last
            nkept += 1
        last = j
    if last >= 0:
        kept[nkept] = last
        nkept += 1
    return kept[:nkept]


def top_eigh(p, z, rho, tau, *, rest=False):
    r"""Return the ``tau`` largest eigenpairs of :math:`\operatorname{diag}(p) + \rho z z^\top`.

    Parameters
    ----------
    p : (n,) array_like of float
        The diagonal, in any order.
    z : (n,) array_like of float
    rho : float
        ``rho >= 0``.
    tau : int
        Number of eigenpairs wanted, ``1 <= tau <= n``.
    rest : bool, optional
        Also return the other ``n - tau`` eigenvalues (those a truncation drops).

    Returns
    -------
    lam : (tau,) ndarray
        The eigenvalues, descending.
    V : (n, tau) ndarray
        Orthonormal eigenvectors, column ``j`` for ``lam[j]``.
    others : (n - tau,) ndarray
        Only with ``rest``: the remaining eigenvalues, descending.

    Raises
    ------
    numpy.linalg.LinAlgError
        If LAPACK's root finder did not converge (not seen in practice).

    Notes
    -----
    The tolerance for deflation is ``8 eps max(max|p|, rho |z|^2)``, LAPACK's (``dlaed2``): the
    eigenvalues are then accurate to a few ``eps`` times the largest, as a dense solver's are.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.core import _secular
    >>> lam, V = _secular.top_eigh([3.0, 1.0, 0.0], [1.0, 1.0, 1.0], 0.5, 2)
    >>> K = np.diag([3.0, 1.0, 0.0]) + 0.5 * np.ones((3, 3))
    >>> bool(np.allclose(lam, np.linalg.eigvalsh(K)[::-1][:2]))
    True
    >>> bool(np.allclose(K @ V, V * lam))
    True
    """
    p = np.ascontiguousarray(p, dtype=np.float64)
    z = np.ascontiguousarray(z, dtype=np.float64)
    order, d, w, r, V, kept = _deflate(p, z, float(rho))
    lam = d.copy()
    if kept.size:
        wk = w[kept]
        wk_norm = float(np.linalg.norm(wk))  # 1 up to the deflated components (<= tol / r)
        result = _roots_and_vectors(d[kept], wk / wk_norm, r * wk_norm**2)
        if result is None:  # pragma: no cover
            raise np.linalg.LinAlgError("secular equation: dlaed4 did not converge")
        lam[kept] = result[0]
        V[:, kept] = V[:, kept] @ result[1]
    ranked = np.argsort(lam, kind="stable")[::-1]
    top = ranked[:tau]
    vectors = np.empty((p.size, tau))
    vectors[order] = V[:, top]  # back to the caller's order of p
    if rest:
        return lam[top], vectors, lam[ranked[tau:]]
    return lam[top], vectors
