"""Small built-in problems for the MLP, the optimizers and the notebooks; no download needed.

Every generator is seeded and returns ``(X, y)`` NumPy arrays in the format
:class:`pyginger.nn.mlp.MLP` expects: ``X`` float64 of shape ``(n, n_in)``; ``y`` float64 of shape
``(n, n_out)`` for regression (mean-squared error) or int64 class labels of shape ``(n,)`` for
classification (cross-entropy).

========================  ==============  ======================  =====================
function                  task            X                       y
========================  ==============  ======================  =====================
:func:`regression`        regression      ``(n, 1)``              ``(n, 1)`` float64
:func:`teacher`           regression      ``(n, sizes[0])``       ``(n, sizes[-1])``
:func:`spirals`           classification  ``(n, 2)``              ``(n,)`` in [0, classes)
:func:`moons`             classification  ``(n, 2)``              ``(n,)`` in {0, 1}
:func:`digits`            classification  ``(m, 64)`` in [0, 1]   ``(m,)`` in [0, classes)
========================  ==============  ======================  =====================

:func:`digits` is the 8x8 handwritten-digit set (UCI ML, 1797 images) that scikit-learn ships in
its own package; it is available only when scikit-learn is installed, and pyginger does not
redistribute it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pyginger import _validation as _v
from pyginger._validation import network as _vn
from pyginger.nn.mlp import MLP

__all__ = ["regression", "teacher", "spirals", "moons", "digits"]


# ---------------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------------


def regression(
    n: int = 200, *, noise: float = 0.1, seed: int | np.random.Generator | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return a noisy 1-D regression problem ``y = sin(2x) + 0.3 x + noise · ε``, ``|x| < 3``.

    .. math::

        y_i = \sin(2 x_i) + 0.3\, x_i + \text{noise}\cdot\varepsilon_i,
        \qquad x_i \sim \mathcal U(-3, 3),\ \varepsilon_i \sim \mathcal N(0, 1).

    Parameters
    ----------
    n : int, default 200
        Number of samples.
    noise : float, default 0.1
        Standard deviation of the additive Gaussian noise (``0``: noiseless).
    seed : None, int or numpy.random.Generator, default 0
        Seed of the draw.

    Returns
    -------
    X : (n, 1) ndarray
        Inputs, float64.
    y : (n, 1) ndarray
        Targets, float64 (the shape :class:`pyginger.nn.mlp.MLP` with ``loss="mse"`` expects).

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``noise`` not a real number, or ``seed`` of a wrong type.
    ValueError
        If ``n < 1`` or ``noise`` is negative or not finite.

    See Also
    --------
    teacher : Targets from a random network (a zero-residual problem).

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.datasets import regression
    >>> X, y = regression(50, noise=0.0, seed=1)
    >>> X.shape, y.shape
    ((50, 1), (50, 1))
    >>> bool(np.allclose(y, np.sin(2 * X) + 0.3 * X))
    True
    """
    func = "regression"
    n = _v.check_positive_int(func, "n", n)
    noise = _vn.check_noise(func, noise)
    rng = _v.make_rng(func, seed)
    X = rng.uniform(-3.0, 3.0, size=(n, 1))
    y = np.sin(2.0 * X) + 0.3 * X + noise * rng.standard_normal((n, 1))
    return X, y


def teacher(
    n: int = 256,
    sizes: Sequence[int] = (4, 16, 2),
    *,
    activation: str = "tanh",
    noise: float = 0.0,
    seed: int | np.random.Generator | None = 0,
    return_params: bool = False,
) -> tuple[np.ndarray, ...]:
    """Return regression data labelled by a random "teacher" network, ``y = f_θ*(X) + noise·ε``.

    The teacher is :class:`pyginger.nn.mlp.MLP` ``(sizes, activation, loss="mse")`` with
    parameters ``θ* = model.init(seed)`` plus standard-normal biases scaled by 0.1; inputs are
    standard normal. Without noise a student of the same architecture can reach zero loss, which
    makes the GGN equal the Hessian at the optimum.

    Parameters
    ----------
    n : int, default 256
        Number of samples.
    sizes : sequence of int, default (4, 16, 2)
        Teacher architecture ``[n_in, hidden..., n_out]``.
    activation : str, default "tanh"
        Teacher activation (see :class:`pyginger.nn.mlp.MLP`).
    noise : float, default 0.0
        Standard deviation of additive Gaussian noise on the targets.
    seed : None, int or numpy.random.Generator, default 0
        Seed for the teacher parameters, the inputs and the noise.
    return_params : bool, default False
        Also return the teacher parameters ``θ*``.

    Returns
    -------
    X : (n, sizes[0]) ndarray
        Inputs, float64.
    y : (n, sizes[-1]) ndarray
        Targets, float64.
    theta : (d,) ndarray
        The teacher parameters; only with ``return_params=True``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``n < 1``, ``noise < 0``, or ``sizes``/``activation`` is not a valid MLP.

    See Also
    --------
    regression : A 1-D problem that is easy to plot.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.datasets import teacher
    >>> from pyginger.nn.mlp import MLP
    >>> X, y, theta = teacher(10, sizes=(3, 5, 2), seed=0, return_params=True)
    >>> X.shape, y.shape, theta.shape
    ((10, 3), (10, 2), (32,))
    >>> MLP((3, 5, 2)).loss(theta, X, y)  # the teacher fits its own data exactly
    0.0
    """
    func = "teacher"
    n = _v.check_positive_int(func, "n", n)
    noise = _vn.check_noise(func, noise)
    rng = _v.make_rng(func, seed)
    model = MLP(sizes, activation=activation, loss="mse")
    theta = model.init(seed=rng)
    for name, block in model.blocks.items():
        if name.startswith("b"):
            theta[block] = 0.1 * rng.standard_normal(block.stop - block.start)
    X = rng.standard_normal((n, model.n_in))
    y = model._predict(theta, X)  # theta and X are made here: nothing to check
    if noise > 0:
        y = y + noise * rng.standard_normal(y.shape)
    return (X, y, theta) if return_params else (X, y)


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------


def _class_counts(n, classes):
    """Split n samples over the classes as evenly as possible (the first get one more)."""
    return [n // classes + (k < n % classes) for k in range(classes)]


def spirals(
    n: int = 300,
    classes: int = 3,
    *,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return interleaved spiral arms in the plane, one per class (not linearly separable).

    Point ``i`` of class ``k`` has radius ``r = t`` and angle
    ``2πk / classes + 4t + noise · ε`` with ``t ~ U(0, 1)``, ``ε ~ N(0, 1)``:
    ``x = (r sin(angle), r cos(angle))``. The samples are shuffled.

    Parameters
    ----------
    n : int, default 300
        Total number of samples (split as evenly as possible over the classes).
    classes : int, default 3
        Number of arms / classes, ``>= 2``.
    noise : float, default 0.2
        Standard deviation of the angular noise, in radians.
    seed : None, int or numpy.random.Generator, default 0
        Seed of the draw.

    Returns
    -------
    X : (n, 2) ndarray
        Points, float64, inside the unit disc.
    y : (n,) ndarray
        Class labels, int64, in ``[0, classes)``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``classes < 2``, ``n < classes`` or ``noise < 0``.

    See Also
    --------
    moons : Two classes, two half circles.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.datasets import spirals
    >>> X, y = spirals(10, classes=3, seed=0)
    >>> X.shape, y.shape, y.dtype
    ((10, 2), (10,), dtype('int64'))
    >>> np.bincount(y).tolist()
    [4, 3, 3]
    >>> bool(np.all(np.hypot(X[:, 0], X[:, 1]) <= 1))
    True
    """
    func = "spirals"
    n = _v.check_positive_int(func, "n", n)
    classes = _v.check_positive_int(func, "classes", classes)
    if classes < 2:
        raise ValueError(f"{func}: classes must be >= 2, got {classes}")
    if n < classes:
        raise ValueError(f"{func}: n must be >= classes = {classes}, got {n}")
    noise = _vn.check_noise(func, noise)
    rng = _v.make_rng(func, seed)
    y = np.repeat(np.arange(classes, dtype=np.int64), _class_counts(n, classes))
    t = rng.uniform(0.0, 1.0, size=n)
    angle = 2.0 * np.pi * y / classes + 4.0 * t + noise * rng.standard_normal(n)
    X = np.column_stack([t * np.sin(angle), t * np.cos(angle)])
    perm = rng.permutation(n)
    return X[perm], y[perm]


def moons(
    n: int = 200, *, noise: float = 0.1, seed: int | np.random.Generator | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return two interleaving half circles in the plane (not linearly separable), labels 0/1.

    Class 0: ``(cos s, sin s)``; class 1: ``(1 − cos s, 0.5 − sin s)``, with ``s ~ U(0, π)``;
    Gaussian noise of standard deviation ``noise`` is added to both coordinates. The samples are
    shuffled.

    Parameters
    ----------
    n : int, default 200
        Total number of samples (``ceil(n/2)`` in class 0), ``>= 2``.
    noise : float, default 0.1
        Standard deviation of the additive Gaussian noise.
    seed : None, int or numpy.random.Generator, default 0
        Seed of the draw.

    Returns
    -------
    X : (n, 2) ndarray
        Points, float64.
    y : (n,) ndarray
        Class labels, int64, in ``{0, 1}``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``n < 2`` or ``noise < 0``.

    See Also
    --------
    spirals : More classes, harder.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.datasets import moons
    >>> X, y = moons(7, noise=0.0, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((7, 2), [4, 3])
    >>> bool(np.allclose(np.hypot(*X[y == 0].T), 1.0))  # class 0 lies on the unit circle
    True
    """
    func = "moons"
    n = _v.check_positive_int(func, "n", n)
    if n < 2:
        raise ValueError(f"{func}: n must be >= 2 (one sample per class), got {n}")
    noise = _vn.check_noise(func, noise)
    rng = _v.make_rng(func, seed)
    y = np.repeat(np.arange(2, dtype=np.int64), _class_counts(n, 2))
    s = rng.uniform(0.0, np.pi, size=n)
    X = np.where(
        (y == 0)[:, None],
        np.column_stack([np.cos(s), np.sin(s)]),
        np.column_stack([1.0 - np.cos(s), 0.5 - np.sin(s)]),
    )
    X = X + noise * rng.standard_normal((n, 2))
    perm = rng.permutation(n)
    return X[perm], y[perm]


def digits(classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Return the 8x8 handwritten digits (UCI ML) that scikit-learn ships, scaled to [0, 1].

    1797 grey-scale images of the digits 0-9 with 17 intensity levels (0..16), flattened to 64
    pixels and divided by 16. The data come from the scikit-learn installation (it bundles the
    file); pyginger neither ships nor downloads them.

    Parameters
    ----------
    classes : int, default 10
        Keep only the digits ``0 .. classes-1`` (``2 <= classes <= 10``), for smaller problems.

    Returns
    -------
    X : (m, 64) ndarray
        Pixel intensities in ``[0, 1]``, float64; ``m = 1797`` for all ten classes.
    y : (m,) ndarray
        Digit labels, int64, in ``[0, classes)``.

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install scikit-learn``).
    TypeError
        If ``classes`` is not an integer.
    ValueError
        If ``classes`` is outside ``[2, 10]``.

    Examples
    --------
    With scikit-learn installed this loads the images; without it the error says what to do:

    >>> from pyginger.nn.datasets import digits
    >>> try:
    ...     X, y = digits(classes=2)
    ...     ok = X.shape[1] == 64 and set(y.tolist()) == {0, 1} and 0 <= X.min() <= X.max() <= 1
    ... except ImportError as exc:
    ...     ok = "pip install scikit-learn" in str(exc)
    >>> bool(ok)
    True
    """
    func = "digits"
    classes = _v.check_positive_int(func, "classes", classes)
    if not 2 <= classes <= 10:
        raise ValueError(f"{func}: classes must satisfy 2 <= classes <= 10, got {classes}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "digits: needs scikit-learn, which ships this data set; install it with "
            "`pip install scikit-learn` (or use spirals/moons/regression, which need nothing)"
        ) from exc
    data = load_digits(n_class=classes)
    X = np.asarray(data.data, dtype=np.float64) / 16.0
    y = np.asarray(data.target, dtype=np.int64)
    return X, y
