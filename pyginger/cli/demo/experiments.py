"""The demo's experiments: Ginger against the exact damped inverse, and optimizers on spirals.

1. :func:`inverse_error_table`: a stream of curvature samples from a linear least-squares
   problem, whose GGN factors are the input rows ``x_t`` (for the squared loss on a linear
   model, ``J = x^T`` and ``H = 1``), fed to Ginger for several ranks ``tau`` and both update
   forms, and compared with the exact EMA GGN and its damped inverse
   (:func:`curvature_stream`, :func:`missed_curvature` and :func:`direction_angles` are its
   pieces).
2. :func:`training_comparison`: an MLP trained on the built-in spirals task with sgd, adam,
   ginger, the dense EMA-GGN (Ginger with ``tau = d``) and damped Gauss-Newton, from the same
   start on the same mini-batches.
"""

from __future__ import annotations

import time

import numpy as np

import pyginger
from pyginger import _validation as _v
from pyginger import dense

__all__ = [
    "curvature_stream",
    "missed_curvature",
    "direction_angles",
    "inverse_error_table",
    "demo_optimizers",
    "training_comparison",
]


def curvature_stream(dim=200, steps=400, *, decay=1.0, seed=0):
    r"""Return GGN factors of a built-in linear least-squares problem, one row at a time.

    Inputs ``x_t`` have independent Gaussian features with standard deviations
    ``(1 + i)^(-decay)``, ``i = 0..dim-1``, so the exact GGN :math:`E[x x^T]` has a decaying
    spectrum, like curvature in real networks. For the loss :math:`\frac12 (x^\top\theta - y)^2`
    the GGN factor of one sample is ``x`` itself.

    Parameters
    ----------
    dim : int, optional
    steps : int, optional
        Number of factors.
    decay : float, optional
        Power-law decay of the feature scales (0 gives isotropic features).
    seed : int, optional

    Returns
    -------
    (steps, dim) ndarray
        Row ``t`` is the factor of step ``t``.

    Raises
    ------
    ValueError
        If ``dim`` or ``steps`` is < 1 or ``decay`` is negative.

    Examples
    --------
    >>> from pyginger.cli.demo import curvature_stream
    >>> curvature_stream(dim=4, steps=3).shape
    (3, 4)
    """
    dim = _v.check_positive_int("curvature_stream", "dim", dim)
    steps = _v.check_positive_int("curvature_stream", "steps", steps)
    if not decay >= 0:
        raise ValueError(f"curvature_stream: decay must be >= 0, got {decay}")
    rng = np.random.default_rng(seed)
    scales = (1.0 + np.arange(dim)) ** (-float(decay))
    return rng.standard_normal((steps, dim)) * scales


def missed_curvature(U, G):
    r"""Return the share of the top-``tau`` curvature of ``G`` that ``span(U)`` misses.

    .. math:: 1 - \frac{\operatorname{tr}(U^\top G U)}{\lambda_1 + \dots + \lambda_\tau}

    with :math:`\lambda_1 \ge \lambda_2 \ge \dots` the eigenvalues of ``G``. By Ky Fan's maximum
    principle, :math:`\operatorname{tr}(U^\top G U) \le \lambda_1 + \dots + \lambda_\tau` for
    any ``U`` with ``tau`` orthonormal columns, with equality when ``span(U)`` is a top-``tau``
    eigenspace, so the value lies in ``[0, 1]`` and is 0 for the exact eigenvectors. Unlike the
    principal angles, it weighs each direction by its curvature: if
    :math:`\lambda_\tau = \lambda_{\tau+1}`, ``U`` may hold either eigenvector (the angle between
    the two choices is 90 degrees) and misses nothing.

    Parameters
    ----------
    U : (d, tau) array_like
        Orthonormal columns, e.g. a Ginger state's ``U``.
    G : (d, d) array_like
        Symmetric positive semi-definite matrix, e.g. from :func:`pyginger.dense.ema_ggn`.

    Returns
    -------
    float
        In ``[0, 1]`` up to rounding (0 when ``G``'s top ``tau`` eigenvalues are all 0).

    Raises
    ------
    ValueError
        If the shapes do not match or ``U`` has more columns than rows.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.cli.demo import missed_curvature
    >>> G = np.diag([4.0, 1.0, 0.0])
    >>> missed_curvature(np.eye(3)[:, :2], G)
    0.0
    >>> missed_curvature(np.eye(3)[:, [0, 2]], G)  # misses lambda_2 = 1 of 4 + 1
    0.2
    """
    U = np.asarray(U, dtype=np.float64)
    G = np.asarray(G, dtype=np.float64)
    if U.ndim != 2 or G.shape != (U.shape[0], U.shape[0]) or U.shape[1] > U.shape[0]:
        raise ValueError(
            f"missed_curvature: U must have shape (d, tau) with tau <= d and G shape (d, d), "
            f"got U {U.shape} and G {G.shape}"
        )
    top = np.sort(np.linalg.eigvalsh((G + G.T) / 2))[::-1][: U.shape[1]].sum()
    if top <= 0.0:
        return 0.0
    # Rounding gives about -1e-16 for an exact eigenbasis; Ky Fan's principle says >= 0.
    return max(0.0, float((top - np.trace(U.T @ G @ U)) / top))


def direction_angles(A, B):
    """Return the angles in degrees between matching columns of ``A`` and ``B``.

    Parameters
    ----------
    A, B : (d,) or (d, m) array_like
        Nonzero vectors, e.g. two preconditioned gradients.

    Returns
    -------
    (m,) ndarray
        Angles in ``[0, 180]`` degrees.

    Raises
    ------
    ValueError
        If the shapes differ or a column is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.cli.demo import direction_angles
    >>> direction_angles(np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    array([45.])
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.shape != B.shape:
        raise ValueError(
            f"direction_angles: A and B must have the same shape, got {A.shape} and {B.shape}"
        )
    A, B = A.reshape(A.shape[0], -1), B.reshape(B.shape[0], -1)
    norm_a, norm_b = np.linalg.norm(A, axis=0), np.linalg.norm(B, axis=0)
    if not (np.all(norm_a > 0) and np.all(norm_b > 0)):
        raise ValueError("direction_angles: every column of A and B must be nonzero")
    A, B = A / norm_a, B / norm_b
    # 2 atan(|a - b| / |a + b|) for unit a, b: accurate for tiny angles, where arccos of the
    # cosine cannot resolve less than about 1e-8 radians.
    angles = 2.0 * np.arctan2(np.linalg.norm(A - B, axis=0), np.linalg.norm(A + B, axis=0))
    return np.degrees(angles)


def inverse_error_table(
    dim=200, ranks=(2, 4, 8, 16, 32), *, steps=400, beta=0.95, damping=1e-3, seed=0
):
    r"""Compare Ginger with the exact damped inverse for several ranks and both update forms.

    The exact curvature is the EMA GGN ``G`` of the whole stream (:func:`pyginger.dense.ema_ggn`)
    and :math:`G_\gamma = G + \gamma I`; ``P`` is the inverse a Ginger state applies. The
    gradients are those of the quadratic :math:`\frac12 (\theta - \theta_*)^\top G (\theta -
    \theta_*)` at :math:`\theta = 0`, i.e. :math:`g = -G\theta_*`: the EMA-weighted
    least-squares loss of the stream with targets :math:`x_t^\top \theta_*`, for 8 seeded
    Gaussian :math:`\theta_*`.

    Parameters
    ----------
    dim : int, optional
    ranks : sequence of int, optional
    steps : int, optional
        Number of rank-one updates.
    beta : float, optional
    damping : float, optional
    seed : int, optional

    Returns
    -------
    list of dict
        One row per (form, rank):

        - ``form``, ``rank``;
        - ``inverse_rel_fro``: :math:`\|P - G_\gamma^{-1}\|_F / \|G_\gamma^{-1}\|_F`;
        - ``best_rank_rel_fro``: the same for the best rank-``tau`` truncation of ``G``, the
          least any rank-``tau`` approximation can reach;
        - ``solve_rel``: largest relative error :math:`\|Pv - G_\gamma^{-1}v\| /
          \|G_\gamma^{-1}v\|` over 8 seeded Gaussian vectors ``v``;
        - ``step_angle``: largest angle (degrees) between Ginger's step ``P g`` and the exact
          damped Newton step :math:`G_\gamma^{-1} g` over the 8 gradients;
          ``best_step_angle``: the same for the best rank-``tau`` truncation;
        - ``missed_curvature``: :func:`missed_curvature` of Ginger's ``U``;
        - ``max_angle``: largest principal angle (radians) between ``span(U)`` and the exact
          top-``tau`` eigenvectors; ``gap``: :math:`\lambda_\tau - \lambda_{\tau+1}` of ``G``
          (:math:`\lambda_{d+1} = 0`); ``residual``: :math:`\|G U - U
          \operatorname{diag}(\sigma)\|_2`, how far Ginger's pairs are from eigenpairs of
          ``G``. The Davis-Kahan theorem bounds :math:`\sin` of the angle by about
          ``residual / gap``: where the gap is not large against the residual, the ``tau``-th
          eigenvector turns towards the next ones and the angle is large even when
          ``missed_curvature`` is tiny, so it says little about the preconditioner;
        - ``us_per_update``: median microseconds per update.

    Raises
    ------
    ValueError
        If an argument is out of range (see :func:`pyginger.init` and :func:`pyginger.update`).

    Examples
    --------
    >>> from pyginger.cli.demo import inverse_error_table
    >>> rows = inverse_error_table(dim=20, ranks=(20,), steps=30)
    >>> [(r["form"], r["rank"], r["inverse_rel_fro"] < 1e-10) for r in rows]
    [('curvature', 20, True), ('inverse', 20, True)]
    """
    factors = curvature_stream(dim, steps, seed=seed)
    G = dense.ema_ggn(factors, beta)
    exact_inv = dense.damped_inverse(G, damping)
    lam = np.sort(np.linalg.eigvalsh(G))[::-1]
    gradients = -G @ np.random.default_rng([seed, 2]).standard_normal((dim, 8))
    exact_steps = exact_inv @ gradients
    rows = []
    for form in ("curvature", "inverse"):
        for rank in ranks:
            state = pyginger.init(dim, rank, damping=damping)
            times = np.empty(steps)
            for t, f in enumerate(factors):
                start = time.perf_counter()
                state = pyginger.update(state, f, beta=beta, form=form)
                times[t] = time.perf_counter() - start
            metrics = dense.compare(state, G, rng=seed)
            U, sigma = dense.best_rank_truncation(G, rank)
            best_inv = dense.damped_inverse((U * sigma) @ U.T, damping)
            best_err = np.linalg.norm(best_inv - exact_inv) / np.linalg.norm(exact_inv)
            next_lam = lam[rank] if rank < dim else 0.0
            residual = np.linalg.norm(G @ state.U - state.U * state.sigma, 2)
            rows.append(
                {
                    "form": form,
                    "rank": int(rank),
                    "inverse_rel_fro": metrics["inverse_rel_fro"],
                    "best_rank_rel_fro": float(best_err),
                    "solve_rel": metrics["solve_rel"],
                    "step_angle": float(
                        np.max(direction_angles(pyginger.solve(state, gradients), exact_steps))
                    ),
                    "best_step_angle": float(
                        np.max(direction_angles(best_inv @ gradients, exact_steps))
                    ),
                    "missed_curvature": missed_curvature(state.U, G),
                    "max_angle": float(np.max(metrics["principal_angles"])),
                    "gap": float(lam[rank - 1] - next_lam),
                    "residual": float(residual),
                    # The first updates include JIT compilation on a cold cache: use the median.
                    "us_per_update": float(np.median(times) * 1e6),
                }
            )
    return rows


def demo_optimizers(model):
    """Return the optimizers the demo compares, with settings tuned once on the spirals task.

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
        Unused by these optimizers; kept so that model-specific ones (K-FAC) can be added.

    Returns
    -------
    dict
        ``{label: Optimizer}``.

    Examples
    --------
    >>> from pyginger.cli.demo import demo_optimizers
    >>> list(demo_optimizers(None))
    ['sgd', 'adam', 'ginger', 'ema_ggn', 'gauss_newton']
    """
    from pyginger import optim

    return {
        "sgd": optim.sgd(lr=0.3, momentum=0.9),
        "adam": optim.adam(lr=0.01),
        "ginger": optim.ginger(lr=0.1, rank=8, damping=0.03),
        "ema_ggn": optim.ema_ggn(lr=0.1, damping=0.03),
        "gauss_newton": optim.gauss_newton(lr=0.3, damping=0.1),
    }


def training_comparison(steps=300, *, n=300, hidden=(16, 16), batch_size=50, seed=0, progress=True):
    """Train an MLP on the built-in spirals task with each demo optimizer.

    Parameters
    ----------
    steps : int, optional
        Optimizer steps per run.
    n : int, optional
        Number of training points (3 classes).
    hidden : sequence of int, optional
        Hidden layer widths (tanh).
    batch_size : int, optional
    seed : int, optional
        Seed of the data, the initial parameters and the mini-batch stream.
    progress : bool, optional
        Show the progress of each run on stderr (the loss on the current mini-batch): a tqdm bar
        when tqdm is installed, else a printed line every tenth of the run.

    Returns
    -------
    dict
        ``{label: history}`` as returned by :func:`pyginger.run.training.compare`.

    Raises
    ------
    ValueError
        If an argument is out of range (see :func:`pyginger.run.training.train`).

    Examples
    --------
    >>> from pyginger.cli.demo import training_comparison
    >>> runs = training_comparison(steps=5, n=60, hidden=(4,), batch_size=20, progress=False)
    >>> sorted(runs) == sorted(["sgd", "adam", "ginger", "ema_ggn", "gauss_newton"])
    True
    """
    from pyginger.nn import datasets
    from pyginger.nn.mlp import MLP
    from pyginger.run import training

    data = datasets.spirals(n, classes=3, seed=seed)
    model = MLP([2, *hidden, 3], activation="tanh", loss="cross_entropy")
    return training.compare(
        model,
        demo_optimizers(model),
        data,
        steps,
        batch_size=batch_size,
        seed=seed,
        eval_every=max(1, steps // 60),
        progress=progress,
    )
