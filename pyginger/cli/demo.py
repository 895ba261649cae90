"""``python -m pyginger demo``: Ginger against exact curvature and first-order methods.

1. :func:`inverse_error_table`: a stream of curvature samples from a linear least-squares
   problem, whose GGN factors are the input rows ``x_t`` (for the squared loss on a linear
   model, ``J = x^T`` and ``H = 1``), fed to Ginger for several ranks ``tau`` and both update
   forms, and compared with the exact EMA GGN and its damped inverse.
2. :func:`training_comparison`: an MLP trained on the built-in spirals task with sgd, adam,
   ginger, the dense EMA-GGN (Ginger with ``tau = d``) and damped Gauss-Newton, from the same
   start on the same mini-batches.
3. PNG plots of both (loss curves, error against ``tau``) in an output folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import pyginger
from pyginger import _validation as _v
from pyginger import dense

__all__ = [
    "curvature_stream",
    "missed_curvature",
    "direction_angles",
    "inverse_error_table",
    "training_comparison",
    "format_table",
    "main",
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


def format_table(rows, columns, headers=None, formats=None) -> str:
    """Format a list of dicts as an aligned text table.

    Parameters
    ----------
    rows : list of dict
    columns : sequence of str
        Keys to show, in order.
    headers : sequence of str, optional
        Column titles (default: the keys).
    formats : dict, optional
        ``key -> format spec`` (e.g. ``".2e"``).

    Returns
    -------
    str

    Examples
    --------
    >>> from pyginger.cli.demo import format_table
    >>> print(format_table([{"a": 1, "b": 0.5}], ["a", "b"], formats={"b": ".2f"}))
    a     b
    -  ----
    1  0.50
    """
    headers = list(headers or columns)
    formats = formats or {}
    cells = [[format(row[c], formats.get(c, "")) for c in columns] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    return "\n".join(lines)


#: Printed once under the table of section 1.
_INVERSE_LEGEND = """\
P: the inverse Ginger applies; G: the exact EMA GGN of the stream; G_gamma = G + gamma I, with
gamma the damping.
  err(G^-1)     ||P - G_gamma^-1||_F / ||G_gamma^-1||_F
  best          the column on its left for the best rank-tau truncation of the exact G (its
                top tau eigenpairs); for err(G^-1), no rank-tau approximation does better
  err(solve)    largest ||P v - G_gamma^-1 v|| / ||G_gamma^-1 v|| over 8 random Gaussian v
  step angle    angle in degrees between Ginger's step P g and the exact damped Newton step
                G_gamma^-1 g, for the gradient g of the least-squares loss at 0 with targets
                x^T theta* (largest over 8 random theta*)
  missed curv.  share of the exact top-tau curvature lambda_1 + ... + lambda_tau that span(U)
                misses: 1 - trace(U^T G U) / (lambda_1 + ... + lambda_tau); 0 = all captured
  us/update     median time of one rank-one update, microseconds

Not in the table: the largest principal angle between span(U) and the exact top-tau
eigenvectors (curvature form).
{angle_table}
residual = ||G U - U diag(sigma)||_2 says how far Ginger's pairs are from eigenpairs of G;
gap = lambda_tau - lambda_tau+1 of the exact G. Davis-Kahan bounds sin(angle) by about
residual / gap. Here, as tau grows, the gaps shrink faster than the residual: once the ratio
nears 1, the tau-th eigenvector turns towards the next ones, a large angle at almost no cost
in curvature (missed curv.). The angle says little about the preconditioner; the step angle
does.
"""


def _angle_table(rows) -> str:
    """Return the three-line table (tau, max angle, residual / gap) under section 1."""
    rows = [r for r in rows if r["form"] == "curvature"]
    lines = {
        "tau": [f"{r['rank']:d}" for r in rows],
        "max angle (rad)": [f"{r['max_angle']:.2f}" for r in rows],
        "residual / gap": [
            f"{r['residual'] / r['gap']:.2f}" if r["gap"] > 0 else "inf" for r in rows
        ],
    }
    width = max(len(c) for cells in lines.values() for c in cells)
    return "\n".join(
        f"  {name:16s}" + "".join(f"  {c:>{width}s}" for c in cells)
        for name, cells in lines.items()
    )


def _inverse_sizes(args):
    """Return ``(dim, steps, ranks)`` of section 1."""
    dim, steps = (60, 120) if args.quick else (200, 400)
    ranks = (2, 8, 32) if args.quick else (2, 4, 8, 16, 32, 64)
    return dim, steps, tuple(r for r in ranks if r <= dim)


#: EMA factor and damping of section 1 (the defaults of :func:`inverse_error_table`).
_BETA, _DAMPING = 0.95, 1e-3


def _section_inverse(args) -> list:
    dim, steps, ranks = _inverse_sizes(args)
    print(
        f"[1] Ginger vs the exact damped inverse: d = {dim}, {steps} rank-one updates, "
        f"beta = {_BETA}, damping = {_DAMPING:g}, seed = {args.seed}",
        flush=True,
    )
    rows = inverse_error_table(
        dim, ranks, steps=steps, beta=_BETA, damping=_DAMPING, seed=args.seed
    )
    columns = {
        "form": ("form", ""),
        "rank": ("tau", ""),
        "inverse_rel_fro": ("err(G^-1)", ".2e"),
        "best_rank_rel_fro": ("best", ".2e"),
        "solve_rel": ("err(solve)", ".2e"),
        "step_angle": ("step angle", ".2f"),
        "best_step_angle": ("best", ".2f"),
        "missed_curvature": ("missed curv.", ".1e"),
        "us_per_update": ("us/update", ".1f"),
    }
    print(
        format_table(
            rows,
            list(columns),
            [header for header, _ in columns.values()],
            {key: spec for key, (_, spec) in columns.items()},
        )
    )
    print(_INVERSE_LEGEND.format(angle_table=_angle_table(rows)), flush=True)
    return rows


def _section_training(args):
    from pyginger.run import training

    steps = args.steps if args.steps is not None else (40 if args.quick else 300)
    n, hidden = (90, (8,)) if args.quick else (300, (16, 16))
    print(
        f"[2] Training an MLP {[2, *hidden, 3]} (tanh, cross-entropy) on spirals (n = {n}, "
        f"3 classes): {steps} steps, batch 50, seed = {args.seed}",
        flush=True,
    )
    if not args.no_progress:
        print(
            "    progress (on stderr): the loss on the current mini-batch of 50 points",
            flush=True,
        )
    runs = training_comparison(
        steps, n=n, hidden=hidden, seed=args.seed, progress=not args.no_progress
    )
    print(training.summary_table(runs))
    print(
        f"final loss, accuracy: on all {n} training points after the last step (the progress\n"
        "display shows the loss on one mini-batch, which varies from batch to batch).\n"
        "ema_ggn is Ginger with tau = d (dense, exact EMA); gauss_newton solves with the exact "
        "mini-batch GGN.\n",
        flush=True,
    )
    return runs


def _section_plots(args, error_rows, runs):
    print(f"[3] Plots in {args.out}/", flush=True)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("    skipped: matplotlib is not installed (pip install 'pyginger[plot]')")
        return []
    from pyginger import plotting

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ranks = sorted({r["rank"] for r in error_rows})
    series = {}
    forms = [("curvature", "Ginger, curvature form"), ("inverse", "Ginger, inverse form")]
    for key, label in forms:
        series[label] = [r["inverse_rel_fro"] for r in error_rows if r["form"] == key]
    series[r"best rank-$\tau$ truncation of the exact G"] = [
        r["best_rank_rel_fro"] for r in error_rows if r["form"] == "curvature"
    ]
    paths = [out / "error_vs_rank.png", out / "loss_curves.png"]
    dim, steps, _ = _inverse_sizes(args)
    plotting.plot_error_vs_rank(
        ranks,
        series,
        ylabel="relative Frobenius error of the damped inverse",
        title="Ginger vs the exact damped inverse\n"
        rf"$d$ = {dim}, $\beta$ = {_BETA}, damping $\gamma$ = {_DAMPING:g}, {steps} updates",
        path=paths[0],
    )
    plotting.plot_loss_curves(
        runs,
        key="eval_loss",
        ylabel="training loss (full data)",
        title="MLP on spirals",
        path=paths[1],
    )
    for p in paths:
        print(f"    wrote {p}")
    return paths


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m pyginger demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m pyginger demo",
        description="Ginger against exact dense curvature on built-in problems.",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="training steps per optimizer (default 300; 40 with --quick)",
    )
    parser.add_argument(
        "--out", default="pyginger-demo", help="folder for the PNG plots (default ./pyginger-demo)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for tests")
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="do not print the progress of each training run (lines on stderr, or tqdm bars "
        "when tqdm is installed)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments after ``demo`` (default: ``sys.argv[2:]``).

    Returns
    -------
    int
        0 on success.

    Examples
    --------
    >>> from pyginger.cli.demo import main
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:  # doctest: +ELLIPSIS
    ...     main(["--quick", "--no-progress", "--steps", "3", "--out", out])
    [1] Ginger vs the exact damped inverse: ...
    [2] Training an MLP ...
    [3] Plots in ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[2:] if argv is None else argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be >= 1, got {args.steps}")
    start = time.perf_counter()
    error_rows = _section_inverse(args)
    runs = _section_training(args)
    _section_plots(args, error_rows, runs)
    print(f"done in {time.perf_counter() - start:.1f} s", flush=True)
    return 0
