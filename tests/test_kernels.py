"""Numba kernels against their pure twins, and the update's algorithms against each other.

Tolerances. Every kernel output entry is a sum of ``n`` products (``n = d`` for ``project``,
``tau`` or ``tau + r`` for ``axpy_lowrank`` and ``rotate``). A computed sum of ``n`` products
differs from the exact one by at most ``gamma_n * sum |a_i b_i|`` with
``gamma_n = n eps / (1 - n eps)`` (Higham, Accuracy and Stability, eq. 3.5), whatever the order of
summation. The kernel and its twin both obey that bound, so they differ by at most twice that;
:func:`_bound` returns ``2 (n + 2) eps * (|a| @ |b|)`` entrywise (the ``+ 2`` covers the final
rounding to the storage dtype and the ``alpha * x`` term). For float32 storage the twin computes
in float32 and rounds the small float64 matrices to float32 first, so ``eps`` is float32's; the
Numba kernels accumulate in float64, which only makes them more accurate.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pyginger
from pyginger.core import _codegen, _kernels, _tiles, _unrolled
from pyginger.core import _twins as _reference
from pyginger.core import rank_update as lowrank

DTYPES = [np.float64, np.float32]
# Row counts that are not multiples of the 2- and 4-row unrolling (nor of the four rows a vector
# register holds), one that fills several parallel blocks; ranks on both sides of every code path
# (generated rotations for r = 1 and tau <= 8 or in _codegen.COLUMN_RANKS, generated projections
# for k = 1 and tau <= 16 with two sets of sums up to 4, narrow < 12, wide).
DIMS = [1, 2, 3, 5, 7, 66, 1001]
RANKS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 64]


def _bound(n, dtype, absa, absb):
    eps = np.finfo(dtype).eps  # unit roundoff of the twin's arithmetic (the looser of the two)
    return 2 * (n + 2) * eps * (absa @ absb) + np.finfo(np.float64).tiny


def _data(rng, d, tau, k, dtype):
    U = rng.standard_normal((d, tau)).astype(dtype)
    X = rng.standard_normal((d, k)).astype(dtype)
    return U, X


@pytest.fixture(autouse=True)
def compiled(monkeypatch):
    """Run the compiled kernels even for the tiny arrays of these tests."""
    monkeypatch.setattr(_kernels, "COMPILED_MIN_BYTES", 0)


@pytest.fixture(params=["numpy", "serial", "parallel"])
def path(request, monkeypatch):
    """Run each kernel as its NumPy expression (small arrays), serially, and in parallel blocks.

    The parallel path runs even for tiny arrays.
    """
    if request.param == "numpy":
        monkeypatch.setattr(_kernels, "COMPILED_MIN_BYTES", 1 << 62)
    limit = 0 if request.param == "parallel" else 1 << 62
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_BYTES", limit)
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_FLOPS", limit)
    return request.param


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("k", [1, 3])
def test_project_matches_twin(path, dtype, d, k):
    rng = np.random.default_rng(d + k)
    for tau in [t for t in RANKS if t <= max(d, 1)]:
        U, X = _data(rng, d, tau, k, dtype)
        got = _kernels.project(U, X)
        want = _reference.project(U, X).astype(np.float64)
        assert got.shape == (tau, k) and got.dtype == np.float64
        bound = _bound(d, dtype, np.abs(U.T).astype(np.float64), np.abs(X).astype(np.float64))
        assert np.all(np.abs(got - want) <= bound), (tau, np.max(np.abs(got - want)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("k", [1, 2, 5])
def test_axpy_lowrank_matches_twin(path, dtype, d, k):
    rng = np.random.default_rng(10 * d + k)
    for tau in [t for t in RANKS if t <= max(d, 1)]:
        U, X = _data(rng, d, tau, k, dtype)
        M = rng.standard_normal((tau, k))
        got = _kernels.axpy_lowrank(0.75, X, U, M)
        want = _reference.axpy_lowrank(0.75, X, U, M.astype(dtype))
        assert got.shape == (d, k) and got.dtype == dtype
        absu = np.abs(np.hstack([U, X])).astype(np.float64)
        absm = np.vstack([np.abs(M), 0.75 * np.ones((1, k))]) if k == 1 else None
        if absm is None:
            absm = np.vstack([np.abs(M), np.zeros((k, k))])
            absm[tau:] = 0.75 * np.eye(k)
        bound = _bound(tau, dtype, absu, absm)
        assert np.all(np.abs(got - want) <= bound), (tau, np.max(np.abs(got - want)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("r", [0, 1, 3])
def test_rotate_matches_twin_and_runs_in_place(path, dtype, d, r):
    rng = np.random.default_rng(100 * d + r)
    for tau in [t for t in RANKS if t <= max(d, 1)]:
        U, Q = _data(rng, d, tau, r, dtype)
        A = rng.standard_normal((tau, tau))
        B = rng.standard_normal((r, tau))
        got = _kernels.rotate(U, A, Q, B)
        want = _reference.rotate(U, A.astype(dtype), Q, B.astype(dtype))
        assert got.shape == (d, tau) and got.dtype == dtype
        absuq = np.abs(np.hstack([U, Q])).astype(np.float64)
        bound = _bound(tau + r, dtype, absuq, np.abs(np.vstack([A, B])))
        assert np.all(np.abs(got - want) <= bound), (tau, np.max(np.abs(got - want)))
        # In place: each output row depends only on the same input row.
        V = U.copy()
        assert _kernels.rotate_into(V, A, Q, B, V) is V
        assert_array_equal(V, got)


def test_unrolled_kernels_are_what_codegen_writes():
    # The generated module is committed; it must not drift from its generator.
    assert _codegen.path().read_text() == _codegen.source()
    rotations = [*range(1, _codegen.MAX_RANK + 1), *_codegen.COLUMN_RANKS]
    assert sorted(_unrolled.KERNELS) == rotations
    assert sorted(_unrolled.PROJECT_KERNELS) == list(range(1, _codegen.MAX_PROJECT_RANK + 1))


def test_reference_rotate_into_in_place_matches(xp):
    rng = np.random.default_rng(3)
    U = xp.asarray(rng.standard_normal((9, 4)))
    Q = xp.asarray(rng.standard_normal((9, 2)))
    A = xp.asarray(rng.standard_normal((4, 4)))
    B = xp.asarray(rng.standard_normal((2, 4)))
    want = _reference.rotate(U, A, Q, B)
    V = xp.asarray(U, copy=True)
    assert _reference.rotate_into(V, A, Q, B, V) is V
    assert bool(xp.all(V == want))


def test_kernels_leave_inputs_untouched(path):
    rng = np.random.default_rng(4)
    U, X = _data(rng, 37, 6, 2, np.float64)
    A, B, M = rng.standard_normal((6, 6)), rng.standard_normal((2, 6)), rng.standard_normal((6, 2))
    copies = [a.copy() for a in (U, X, A, B, M)]
    _kernels.project(U, X)
    _kernels.axpy_lowrank(2.0, X, U, M)
    _kernels.rotate(U, A, X, B)
    for before, after in zip(copies, (U, X, A, B, M), strict=True):
        assert_array_equal(before, after)


# ---------------------------------------------------------------------------------------------
# The update's two algorithms and the in-place option
# ---------------------------------------------------------------------------------------------


def _warm(d, tau, dtype, backend, xp=np):
    rng = np.random.default_rng(5)
    state = pyginger.init(d, tau, damping=1e-2, dtype=dtype if xp is np else None, xp=xp)
    for _ in range(tau + 3):
        f = rng.standard_normal(d).astype(dtype)
        state = pyginger.update(state, xp.asarray(f), beta=0.9, backend=backend)
    return state


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("form", ["curvature", "inverse"])
def test_two_pass_and_three_pass_agree(backend, k, form, monkeypatch, algorithm_counts):
    # The two-pass update forms P^T P = F^T F - C^T C instead of P; with the residual holding at
    # least GRAM_MIN = 1/2 of |F|^2 that loses at most 1 bit, so both algorithms give the same
    # state to ~2 eps times the condition of the eigenproblem (well separated here): 1e3 eps.
    state = _warm(60, 5, np.float64, backend)
    # Orthonormal columns (scaled): the residual keeps most of every direction, so the two-pass
    # algorithm applies for k = 3 too (a Gaussian F's smallest singular value is often too small).
    F = 3.0 * np.linalg.qr(np.random.default_rng(6).standard_normal((60, k)))[0]
    before = dict(algorithm_counts)
    fast = pyginger.update(state, F, beta=0.9, form=form, backend=backend)
    assert algorithm_counts["two-pass"] == before.get("two-pass", 0) + 1
    monkeypatch.setattr(lowrank, "GRAM_MIN", np.inf)  # never safe: always three passes
    slow = pyginger.update(state, F, beta=0.9, form=form, backend=backend)
    assert algorithm_counts["two-pass"] == before.get("two-pass", 0) + 1
    eps = np.finfo(np.float64).eps
    scale = float(slow.sigma[0])
    # The inverse form maps back through 1 / (1 - gamma s), amplifying rounding by
    # (gamma + sigma) / gamma (docs/mathematics.md), whichever algorithm produced s.
    kappa = (state.damping + scale) / state.damping if form == "inverse" else 1.0
    atol = 1e3 * eps * scale * kappa
    np.testing.assert_allclose(fast.sigma, slow.sigma, rtol=0, atol=atol)
    Gf = (fast.U * fast.sigma) @ fast.U.T
    Gs = (slow.U * slow.sigma) @ slow.U.T
    np.testing.assert_allclose(Gf, Gs, rtol=0, atol=atol)
    assert pyginger.orthogonality_error(fast) < 100 * eps


def test_factor_inside_span_takes_three_pass_path(backend, algorithm_counts):
    state = _warm(40, 4, np.float64, backend)
    before = algorithm_counts["three-pass+reorth"]
    new = pyginger.update(state, state.U @ np.array([1.0, -2.0, 0.5, 3.0]), backend=backend)
    assert algorithm_counts["three-pass+reorth"] == before + 1
    assert np.all(np.isfinite(new.U)) and np.all(np.isfinite(new.sigma))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("form", ["curvature", "inverse"])
@pytest.mark.parametrize("k", [1, 2])
def test_overwrite_state_reuses_buffer_and_gives_identical_results(backend, dtype, form, k):
    state = _warm(50, 6, dtype, backend)
    F = np.random.default_rng(7).standard_normal((50, k)).astype(dtype)
    pure = pyginger.update(state, F, beta=0.8, form=form, backend=backend)
    mine = state._replace(U=state.U.copy(), sigma=state.sigma.copy())
    buffer = mine.U
    reused = pyginger.update(mine, F, beta=0.8, form=form, backend=backend, overwrite_state=True)
    assert reused.U is buffer  # written in place: no new d x tau array
    assert_array_equal(reused.U, pure.U)
    assert_array_equal(reused.sigma, pure.sigma)


def test_overwrite_state_runs_in_place_through_reorthonormalization(backend):
    # A long run in place: the periodic re-orthonormalization is in place too.
    rng = np.random.default_rng(8)
    pure = mine = _warm(30, 3, np.float64, backend)
    mine = mine._replace(U=mine.U.copy())
    buffer = mine.U
    for _ in range(12):
        f = rng.standard_normal(30)
        pure = pyginger.update(pure, f, beta=0.9, backend=backend, reorth_every=5)
        mine = pyginger.update(
            mine, f, beta=0.9, backend=backend, reorth_every=5, overwrite_state=True
        )
    assert mine.U is buffer
    assert_array_equal(mine.U, pure.U)
    assert_array_equal(mine.sigma, pure.sigma)


def test_default_update_is_pure_and_allocates(backend):
    state = _warm(30, 3, np.float64, backend)
    U0, s0 = state.U.copy(), state.sigma.copy()
    f = np.random.default_rng(9).standard_normal(30)
    f0 = f.copy()
    new = pyginger.update(state, f, backend=backend, reorth_every=1)
    assert not np.shares_memory(new.U, state.U)
    assert_array_equal(state.U, U0)
    assert_array_equal(state.sigma, s0)
    assert_array_equal(f, f0)


def test_overwrite_state_falls_back_when_buffer_is_read_only(backend):
    state = _warm(20, 2, np.float64, backend)
    U = state.U.copy()
    U.flags.writeable = False
    ro = state._replace(U=U)
    f = np.ones(20)
    new = pyginger.update(ro, f, backend=backend, overwrite_state=True)
    assert new.U is not U
    assert_array_equal(new.U, pyginger.update(state, f, backend=backend).U)


def test_overwrite_state_on_array_api_strict_matches_pure():
    xps = pytest.importorskip("array_api_strict")
    state = _warm(25, 3, np.float64, "numpy", xp=xps)
    f = xps.asarray(np.random.default_rng(10).standard_normal(25))
    pure = pyginger.update(state, f, beta=0.9)
    mine = state._replace(U=xps.asarray(state.U, copy=True))
    buffer = mine.U
    new = pyginger.update(mine, f, beta=0.9, overwrite_state=True)
    assert new.U is buffer
    assert bool(xps.all(new.U == pure.U))


@pytest.mark.parametrize("tile_rows", [None, 16])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cholesky_reorthonormalization_restores_orthonormality(
    monkeypatch, backend, dtype, algorithm_counts, tile_rows
):
    # tile_rows = 16: Householder QR by row tiles (core._tall_qr, from d = 32), as at large d.
    from pyginger.core import _tall_qr

    if tile_rows is not None:
        monkeypatch.setattr(_tall_qr, "TILE_ROWS", tile_rows)
    eps = np.finfo(dtype).eps
    state = _warm(80, 7, dtype, backend)
    rng = np.random.default_rng(11)
    drifted = state._replace(U=(state.U + 1e-4 * rng.standard_normal(state.U.shape)).astype(dtype))
    before = algorithm_counts["cholqr"]
    fixed = pyginger.reorthonormalize(drifted, backend=backend)
    assert algorithm_counts["cholqr"] == before + 1
    # Cholesky QR's orthogonality error is ~ eps cond(U)^2 with cond(U) ~ 1 here.
    assert pyginger.orthogonality_error(fixed) < 30 * eps
    # The represented matrix is unchanged (to the storage precision of U).
    G0 = (drifted.U.astype(np.float64) * drifted.sigma) @ drifted.U.T.astype(np.float64)
    G1 = (fixed.U.astype(np.float64) * fixed.sigma) @ fixed.U.T.astype(np.float64)
    np.testing.assert_allclose(G1, G0, rtol=0, atol=100 * eps * float(state.sigma[0]))
    # Far from orthonormal, Householder QR takes over.
    before = algorithm_counts["householder-qr"]
    far = state._replace(U=(3.0 * state.U).astype(dtype))
    fixed = pyginger.reorthonormalize(far, backend=backend)
    assert pyginger.orthogonality_error(fixed) < 30 * eps
    assert algorithm_counts["householder-qr"] == before + 1
    # ... and represents the same matrix, 9 U diag(sigma) U^T (R's signs drop out), to 9x the
    # tolerance above.
    U64 = state.U.astype(np.float64)
    G_far = 9 * (U64 * state.sigma) @ U64.T
    G1 = (fixed.U.astype(np.float64) * fixed.sigma) @ fixed.U.T.astype(np.float64)
    np.testing.assert_allclose(G1, G_far, rtol=0, atol=900 * eps * float(state.sigma[0]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", [1, 5, 2049, 4500])
@pytest.mark.parametrize("k", [1, 2, 4, 32])
def test_project_gram_matches_twin(path, dtype, d, k):
    # d = 2049 and 4500: row counts that leave remainders after the 4-row unrolling and blocks.
    # k >= 2 (float32: 4): row tiles through BLAS (_kernels._by_tiles), bounded like the loop
    # kernel.
    rng = np.random.default_rng(1000 * k + d)
    for tau in (1, 4, 5, 13, 16, 17):  # generated (two sets of sums, one), loop kernels
        U, X = _data(rng, d, tau, k, dtype)
        C, G = _kernels.project_gram(U, X)
        C_ref, G_ref = _reference.project_gram(U, X)
        assert C.dtype == G.dtype == np.float64 and C.shape == (tau, k) and G.shape == (k, k)
        absx = np.abs(X).astype(np.float64)
        assert np.all(np.abs(C - C_ref) <= _bound(d, dtype, np.abs(U.T).astype(np.float64), absx))
        assert np.all(np.abs(G - G_ref) <= _bound(d, dtype, absx.T, absx))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [2, 4, 5, 8, 16, 17, 40])
def test_projection_by_tiles_matches_twin_and_blas(path, monkeypatch, dtype, k):
    # Tiles of 11-213 rows (TILE_BYTES of 640 float64 rows' bytes over tau + k columns; 20 or
    # more where k <= 16): many tiles and a ragged last one, in each thread's block. The sums run
    # by tile, then in BLAS's order within a tile, in float64: a length-d sum in another order,
    # bounded as the loop kernel's (_bound: both errors are at most ~d eps |U|^T |X|). k <= 16
    # runs the compiled loop over tiles, k >= 17 the Python one (_tiles.COMPILED_MAX_COLUMNS).
    from pyginger.core import _tiles

    monkeypatch.setattr(_tiles, "TILE_BYTES", 8 * 640)
    monkeypatch.setattr(_tiles, "MIN_TILE_ROWS", 7)
    rng = np.random.default_rng(k)
    d = 1001
    for tau in (1, 4, 16):
        U, X = _data(rng, d, tau, k, dtype)
        assert _kernels._by_tiles(U, k) == (k >= (2 if dtype == np.float64 else 4))
        C, G = _kernels.project_gram(U, X)
        C_ref, G_ref = _reference.project_gram(U, X)
        absu, absx = np.abs(U.T).astype(np.float64), np.abs(X).astype(np.float64)
        assert C.dtype == G.dtype == np.float64 and C.shape == (tau, k) and G.shape == (k, k)
        assert np.all(np.abs(C - C_ref) <= _bound(d, dtype, absu, absx))
        assert np.all(np.abs(G - G_ref) <= _bound(d, dtype, absx.T, absx))
        exact = U.astype(np.float64).T @ X.astype(np.float64)  # float64: d eps64 from exact
        np.testing.assert_array_less(
            np.abs(_kernels.project(U, X) - exact), _bound(d, np.float64, absu, absx)
        )


@pytest.mark.parametrize("k", [4, 17])
def test_project_with_float32_operand_and_float64_u(path, k):
    # project() takes X in either dtype whatever U's: by tiles (compiled for k <= 16), each
    # widened to float64, bounded as above.
    rng = np.random.default_rng(40 + k)
    U = rng.standard_normal((1001, 5))
    X = rng.standard_normal((1001, k)).astype(np.float32)
    exact = U.T @ X.astype(np.float64)
    bound = _bound(1001, np.float64, np.abs(U.T), np.abs(X).astype(np.float64))
    np.testing.assert_array_less(np.abs(_kernels.project(U, X) - exact), bound)


def test_parallel_tiles_give_the_same_bits_every_call(monkeypatch):
    # Each thread's block adds into its own accumulator, summed after the join in block order:
    # the parallel projection is deterministic. Were the blocks to share one accumulator, a
    # lost update would show as a differing call (seen in 3 of 50 calls at this size).
    monkeypatch.setattr(_kernels, "PARALLEL_MIN_BYTES", 0)
    rng = np.random.default_rng(41)
    U, X = rng.standard_normal((200_000, 4)), rng.standard_normal((200_000, 8))
    first = _kernels.project_gram(U, X)
    for _ in range(20):
        again = _kernels.project_gram(U, X)
        assert np.array_equal(again[0], first[0]) and np.array_equal(again[1], first[1])
    nblocks = _kernels._blocks(U)
    if nblocks > 1:  # the blocks' sums, added as _tiled adds them
        size = -(-U.shape[0] // nblocks)
        parts = np.zeros((nblocks, 4, 8))
        for b in range(nblocks):
            lo, hi = b * size, min(U.shape[0], (b + 1) * size)
            _tiles.project_tiles(U, X, lo, hi, parts[b], np.zeros((8, 8)))
        assert np.array_equal(first[0], parts.sum(axis=0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 2, 7])
def test_column_norms_match_a_float64_reference(dtype, k):
    # The update's thresholds compare these norms: each is a length-d sum of squares in the
    # dtype of X, within d eps of the float64 norm (relative, for the square; half for the root).
    from pyginger.core import _dispatch

    X = np.random.default_rng(k).standard_normal((3000, k)).astype(dtype)
    got = _dispatch.column_norms(X, np)
    want = np.linalg.norm(X.astype(np.float64), axis=0)
    assert got.dtype == np.float64 and got.shape == (k,)
    np.testing.assert_allclose(got, want, rtol=3000 * float(np.finfo(dtype).eps), atol=0)


def test_kernels_accept_non_contiguous_inputs():
    # The driver passes C-contiguous arrays; the kernels still give the right answer otherwise
    # (through a contiguous copy), and refuse an output they could not write row by row.
    rng = np.random.default_rng(12)
    U = np.asfortranarray(rng.standard_normal((40, 5)))
    X = rng.standard_normal((40, 4))[:, ::2]
    A, B, M = rng.standard_normal((5, 5)), rng.standard_normal((2, 5)), rng.standard_normal((5, 2))
    np.testing.assert_allclose(_kernels.project(U, X), U.T @ X, rtol=1e-13)
    np.testing.assert_allclose(_kernels.project_gram(U, X)[1], X.T @ X, rtol=1e-13)
    np.testing.assert_allclose(_kernels.axpy_lowrank(2.0, X, U, M), 2 * X + U @ M, rtol=1e-13)
    np.testing.assert_allclose(_kernels.rotate(U, A, X, B), U @ A + X @ B, rtol=1e-13)
    out = np.empty((5, 40)).T
    with pytest.raises(ValueError, match="C-contiguous"):
        _kernels.rotate_into(U, A, X, B, out)


# ---------------------------------------------------------------------------------------------
# Compilation: the cache folder, the notice, and running without Numba
# ---------------------------------------------------------------------------------------------

_COMPILE_TWO_KERNELS = """
import numpy as np
from pyginger.core import _kernels
_kernels.COMPILED_MIN_BYTES = 0
_kernels.project(np.ones((5, 3)), np.ones((5, 1)))
_kernels.project(np.ones((5, 2)), np.ones((5, 1)))
"""


def _python(code, tmp_path, **env):
    """Run ``code`` in a fresh interpreter that imports this pyginger, with Numba's defaults."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    base["PYTHONPATH"] = str(pathlib.Path(pyginger.__file__).parents[1])
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def test_compilation_prints_one_notice_and_a_warm_cache_none(tmp_path):
    cache = tmp_path / "cache"
    cold = _python(_COMPILE_TWO_KERNELS, tmp_path, NUMBA_CACHE_DIR=str(cache))
    assert cold.stderr.count("pyginger: compiling Numba kernels") == 1, cold.stderr
    assert str(cache) in cold.stderr
    assert list(cache.glob("core_*/*.nbi"))  # NUMBA_CACHE_DIR is respected
    warm = _python(_COMPILE_TWO_KERNELS, tmp_path, NUMBA_CACHE_DIR=str(cache))
    assert warm.stderr == ""


@pytest.mark.skipif(sys.platform != "linux", reason="the user cache folder is XDG_CACHE_HOME")
def test_cache_lives_in_the_user_cache_folder_not_beside_the_source(tmp_path):
    source = pathlib.Path(_kernels.__file__).parent / "__pycache__"
    before = set(source.glob("*.nb[ic]"))
    _python(_COMPILE_TWO_KERNELS, tmp_path, XDG_CACHE_HOME=str(tmp_path))
    assert list(tmp_path.glob("numba/core_*/*.nbi"))
    assert set(source.glob("*.nb[ic]")) == before


def test_package_imports_and_runs_without_numba(tmp_path):
    code = """
import sys
sys.modules["numba"] = None  # import numba now raises ImportError
import numpy as np
import pyginger
from pyginger.core import rank_update as lowrank
state = pyginger.init(40, 30)
with pyginger.core.count_algorithms() as counts:
    for f in np.random.default_rng(0).standard_normal((35, 40)):
        state = pyginger.update(state, f, beta=0.9)  # tau + 1 >= 28: the secular solver, in Python
assert counts["secular-eig"] > 0 and lowrank._kernels is None
assert pyginger.orthogonality_error(state) < 1e-13
G = pyginger.to_dense(state)
v = np.arange(40.0)
assert np.allclose(G @ pyginger.solve(state, v), v)
try:
    pyginger.update(state, v, backend="numba")
except ValueError as e:
    assert "needs the package numba" in str(e)
else:
    raise AssertionError("backend='numba' without Numba")
"""
    _python(code, tmp_path)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_parallel_passes_work_after_fork(tmp_path):
    # The thread pool of the parent does not exist in a forked child: the child makes its own.
    code = """
import os
import numpy as np
from pyginger.core import _kernels
_kernels.COMPILED_MIN_BYTES = _kernels.PARALLEL_MIN_BYTES = 0
U, x = np.ones((1000, 3)), np.ones((1000, 1))
assert _kernels.project(U, x)[0, 0] == 1000.0
pid = os.fork()
if pid == 0:
    os._exit(0 if _kernels.project(U, x)[0, 0] == 1000.0 else 1)
assert os.waitpid(pid, 0)[1] == 0
"""
    _python(code, tmp_path, NUMBA_CACHE_DIR=str(tmp_path / "cache"), NUMBA_NUM_THREADS="2")
