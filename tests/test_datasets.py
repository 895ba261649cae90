"""Tests of pyginger.nn.datasets: shapes, dtypes, seeding, the documented geometry, and errors."""

import sys

import numpy as np
import pytest

from pyginger.nn import datasets
from pyginger.nn.mlp import MLP

GENERATORS = {
    "regression": datasets.regression,
    "teacher": datasets.teacher,
    "spirals": datasets.spirals,
    "moons": datasets.moons,
}


@pytest.mark.parametrize("name", GENERATORS)
def test_seeded_and_different_seeds_differ(name):
    gen = GENERATORS[name]
    X1, y1 = gen(n=31, seed=5)
    X2, y2 = gen(n=31, seed=5)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = gen(n=31, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X3)
    X4, _ = gen(n=31, seed=6)
    assert not np.array_equal(X1, X4)
    assert X1.dtype == np.float64 and np.all(np.isfinite(X1))
    assert X1.shape[0] == y1.shape[0] == 31


def test_regression_shapes_and_formula():
    X, y = datasets.regression(n=40, noise=0.0, seed=0)
    assert X.shape == (40, 1) and y.shape == (40, 1) and y.dtype == np.float64
    assert np.all(np.abs(X) <= 3)
    np.testing.assert_allclose(y, np.sin(2 * X) + 0.3 * X, rtol=0, atol=1e-15)
    # the noise has the requested standard deviation (2000 draws: sd within ~5 %)
    Xn, yn = datasets.regression(n=2000, noise=0.5, seed=1)
    assert np.std(yn - np.sin(2 * Xn) - 0.3 * Xn) == pytest.approx(0.5, rel=0.08)
    # usable directly with an MSE MLP
    model = MLP([1, 8, 1])
    assert np.isfinite(model.loss(model.init(), X, y))


def test_teacher_is_fit_exactly_by_its_own_parameters():
    X, y, theta = datasets.teacher(
        n=20, sizes=(3, 6, 2), activation="relu", seed=3, return_params=True
    )
    model = MLP([3, 6, 2], activation="relu")
    assert X.shape == (20, 3) and y.shape == (20, 2) and theta.shape == (model.num_params,)
    assert model.loss(theta, X, y) == 0.0
    assert np.any(theta[model.blocks["b1"]] != 0)  # biases are not all zero
    _, y_noisy = datasets.teacher(n=20, sizes=(3, 6, 2), activation="relu", noise=0.1, seed=3)
    assert 0 < np.abs(y_noisy - y).max() < 1.0


@pytest.mark.parametrize("n, classes", [(300, 3), (7, 2), (11, 5)])
def test_spirals_balanced_labels_in_unit_disc(n, classes):
    X, y = datasets.spirals(n=n, classes=classes, seed=0)
    assert X.shape == (n, 2) and y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=classes)
    assert counts.sum() == n and counts.max() - counts.min() <= 1 and y.max() == classes - 1
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0)
    # shuffled: the labels are not sorted
    if n > 10:
        assert np.any(np.diff(y) < 0)


def test_spirals_are_not_linearly_separable():
    # A least-squares linear classifier on the raw coordinates does poorly on 3 spirals.
    X, y = datasets.spirals(n=600, classes=3, noise=0.0, seed=0)
    Xt = np.hstack([X, np.ones((600, 1))])
    W, *_ = np.linalg.lstsq(Xt, np.eye(3)[y], rcond=None)
    accuracy = np.mean(np.argmax(Xt @ W, axis=1) == y)
    assert accuracy < 0.75


def test_moons_geometry():
    X, y = datasets.moons(n=9, noise=0.0, seed=0)
    assert X.shape == (9, 2) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [5, 4]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1.0, X[y == 1, 1] - 0.5), 1.0, rtol=1e-15)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)


def test_digits_with_scikit_learn():
    pytest.importorskip("sklearn")
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(y).tolist()) == set(range(10))
    X2, y2 = datasets.digits(classes=3)
    assert X2.shape[1] == 64 and set(np.unique(y2).tolist()) == {0, 1, 2}


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    # Simulate a missing scikit-learn: a None entry in sys.modules makes the import fail.
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"digits: needs scikit-learn.*pip install scikit-learn"):
        datasets.digits()


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: datasets.regression(n=0), ValueError, r"regression: n must be >= 1, got 0"),
        (
            lambda: datasets.regression(n=2.0),
            TypeError,
            r"regression: n must be an integer, got float",
        ),
        (
            lambda: datasets.regression(noise=-1),
            ValueError,
            r"regression: noise must be a finite number >= 0, got -1.0",
        ),
        (
            lambda: datasets.regression(noise=np.nan),
            ValueError,
            r"regression: noise must be a finite",
        ),
        (
            lambda: datasets.regression(noise="x"),
            TypeError,
            r"regression: noise must be a real number",
        ),
        (
            lambda: datasets.regression(seed="a"),
            TypeError,
            r"regression: rng must be None, an integer",
        ),
        (
            lambda: datasets.spirals(n=2, classes=3),
            ValueError,
            r"spirals: n must be >= classes = 3, got 2",
        ),
        (lambda: datasets.spirals(classes=1), ValueError, r"spirals: classes must be >= 2, got 1"),
        (
            lambda: datasets.moons(n=1),
            ValueError,
            r"moons: n must be >= 2 \(one sample per class\)",
        ),
        (lambda: datasets.teacher(sizes=(3,)), ValueError, r"MLP: sizes must have at least 2"),
        (lambda: datasets.teacher(n=-3), ValueError, r"teacher: n must be >= 1, got -3"),
        (
            lambda: datasets.digits(classes=11),
            ValueError,
            r"digits: classes must satisfy 2 <= classes <= 10, got 11",
        ),
        (lambda: datasets.digits(classes=1), ValueError, r"digits: classes must satisfy"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
