"""The QR of tall, thin arrays by row tiles (pyginger.core._tall_qr) against LAPACK's.

Tolerances: Householder QR of an ``m x n`` array has a column-wise backward error and a loss of
orthogonality of at most ``gamma_{mn} ~ c m n eps`` (Higham, *Accuracy and Stability of
Numerical Algorithms*, Thms 19.4 and 19.13); the tiles make two levels of it, tiles of
``TILE_ROWS`` rows and then the stacked ``(tiles k, k)`` factors, whose errors add. With
``c = 4`` that is the ``_bound`` below; a tile put in the wrong place, or a wrong block of the
second factor, gives errors of the size of ``P`` itself.
"""

import numpy as np
import pytest

from pyginger.core import _tall_qr

ROWS = 64  # tiles of 64 rows, so that small arrays take the tiled path


@pytest.fixture(autouse=True)
def small_tiles(monkeypatch):
    monkeypatch.setattr(_tall_qr, "TILE_ROWS", ROWS)


def _bound(d, k, dtype):
    tiles = d // ROWS
    return 4 * (ROWS * k + tiles * k * k) * float(np.finfo(dtype).eps)


def _check_qr(P, Q, R):
    d, k = P.shape
    assert Q.shape == (d, k) and R.shape == (k, k) and Q.dtype == R.dtype == P.dtype
    assert Q.flags.c_contiguous
    assert np.array_equal(R, np.triu(R))
    tol = _bound(d, k, P.dtype)
    P64, Q64, R64 = (a.astype(np.float64) for a in (P, Q, R))
    column_norms = np.linalg.norm(P64, axis=0)
    assert np.all(np.linalg.norm(Q64 @ R64 - P64, axis=0) <= tol * column_norms)
    assert np.max(np.abs(Q64.T @ Q64 - np.eye(k))) <= tol


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("d", "k"),
    [(128, 1), (1000, 5), (1000, 16), (ROWS * 5 + 3, 5), (ROWS * 3 + 20, 40)],
)
def test_tall_qr_factors_like_lapack(dtype, d, k):
    # (ROWS * 5 + 3, 5): a last tile of 3 < k rows joins the one before; (.., 40): tiles of
    # 64 and 84 rows, wider than half a tile.
    rng = np.random.default_rng(d + k)
    P = rng.standard_normal((d, k)).astype(dtype)
    Q, R = _tall_qr.tall_qr(P)
    _check_qr(P, Q, R)
    # For a full-rank P, R is unique up to the signs of its rows: the same as LAPACK's, to the
    # bound times the conditioning of P (a Gaussian d x k with d >> k: about 1 + 2 sqrt(k / d)).
    R_ref = np.linalg.qr(P.astype(np.float64), mode="r")
    signs = np.sign(np.diag(R)) * np.sign(np.diag(R_ref))
    cond = np.linalg.cond(P.astype(np.float64))
    scale = np.linalg.norm(P.astype(np.float64), axis=0)
    assert np.all(np.abs(signs[:, None] * R - R_ref) <= 4 * cond * _bound(d, k, dtype) * scale)


def test_tall_qr_of_a_rank_deficient_array():
    # Dependent columns (the three-pass update's case): still P = Q R with Q orthonormal.
    rng = np.random.default_rng(3)
    f, g = rng.standard_normal((2, 700))
    P = np.stack([f, f + 1e-12 * g, 2 * f, g], axis=1)
    Q, R = _tall_qr.tall_qr(P)
    _check_qr(P, Q, R)
    assert abs(R[2, 2]) <= _bound(700, 4, np.float64) * np.linalg.norm(f)  # 2 f: no new direction


def test_tall_qr_in_blocks_on_threads_equals_serial():
    # Each tile's QR and its block of Q are computed alike on any thread: the same bits.
    from pyginger.core import _kernels

    P = np.random.default_rng(4).standard_normal((2000, 6))
    Q1, R1 = _tall_qr.tall_qr(P)
    Q2, R2 = _tall_qr.tall_qr(P, _kernels._run, 2)
    assert np.array_equal(Q1, Q2) and np.array_equal(R1, R2)


def test_small_wide_and_empty_arrays_go_to_lapack(monkeypatch):
    calls = []
    monkeypatch.setattr(_tall_qr, "_qr", lambda A: calls.append(A.shape) or np.linalg.qr(A))
    rng = np.random.default_rng(5)
    P = rng.standard_normal((2 * ROWS - 1, 3))  # under two tiles
    _check_qr(P, *_tall_qr.tall_qr(P))
    P = rng.standard_normal((10 * ROWS, ROWS + 1))  # wider than a tile: its R would not fit
    _check_qr(P, *_tall_qr.tall_qr(P))
    Q, R = _tall_qr.tall_qr(np.zeros((10 * ROWS, 0)))  # no columns: LAPACK refuses k = 0
    assert Q.shape == (10 * ROWS, 0) and R.shape == (0, 0)
    monkeypatch.setattr(_tall_qr, "MAX_COLUMNS", 2)
    P = rng.standard_normal((10 * ROWS, 3))
    _check_qr(P, *_tall_qr.tall_qr(P))
    assert calls == []


def test_float32_tiles_are_factored_in_float64():
    # As numpy.linalg.qr factors float32: Q is orthonormal to the rounding of its entries to
    # float32 (about sqrt(k) eps32 / 2 per column pair), not to a float32 factorization's.
    P = np.random.default_rng(7).standard_normal((1000, 6)).astype(np.float32)
    Q, R = _tall_qr.tall_qr(P)
    assert Q.dtype == R.dtype == np.float32
    Q64 = Q.astype(np.float64)
    assert np.max(np.abs(Q64.T @ Q64 - np.eye(6))) <= 2 * np.sqrt(6) * np.finfo(np.float32).eps
