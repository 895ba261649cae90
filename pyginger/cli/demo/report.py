"""The demo's printed report: aligned text tables, and sections 1 and 2 with their legends."""

from __future__ import annotations

from pyginger.cli.demo.experiments import inverse_error_table, training_comparison

__all__ = ["format_table"]


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


def _table(rows, columns) -> str:
    """Format ``rows`` with ``columns``: ``key -> (header, format spec)``, in display order."""
    headers = [header for header, _ in columns.values()]
    formats = {key: spec for key, (_, spec) in columns.items()}
    return format_table(rows, list(columns), headers, formats)


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


def inverse_sizes(args):
    """Return ``(dim, steps, ranks)`` of section 1."""
    dim, steps = (60, 120) if args.quick else (200, 400)
    ranks = (2, 8, 32) if args.quick else (2, 4, 8, 16, 32, 64)
    return dim, steps, tuple(r for r in ranks if r <= dim)


#: EMA factor and damping of section 1 (the defaults of :func:`inverse_error_table`).
BETA, DAMPING = 0.95, 1e-3


def section_inverse(args) -> list:
    """Print section 1 (Ginger against the exact damped inverse); return its rows."""
    dim, steps, ranks = inverse_sizes(args)
    print(
        f"[1] Ginger vs the exact damped inverse: d = {dim}, {steps} rank-one updates, "
        f"beta = {BETA}, damping = {DAMPING:g}, seed = {args.seed}",
        flush=True,
    )
    rows = inverse_error_table(dim, ranks, steps=steps, beta=BETA, damping=DAMPING, seed=args.seed)
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
    print(_table(rows, columns))
    print(_INVERSE_LEGEND.format(angle_table=_angle_table(rows)), flush=True)
    return rows


def section_training(args):
    """Print section 2 (an MLP trained with each optimizer); return the runs."""
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


#: Printed once under the table of the released numerics.
_REFERENCE_LEGEND = """\
The authors' released update (float32, pseudo-inverse cut-offs; pyginger.update with
form="reference") against the exact algorithm (form="curvature", float64) on the same stream, at
the damping of the authors' function (1e-8) and of their training configuration (1e-5).
  collapsed     released eigenvalues below gamma, of tau: a collapsed direction is
                preconditioned by 1/gamma, as if no curvature had been seen
  top sigma     largest eigenvalue kept: released / exact algorithm
  err(state)    ||C_released - C_exact||_F / ||C_exact||_F, C = U diag(sigma) U^T
  err(G^-1)     ||P - G_gamma^-1||_F / ||G_gamma^-1||_F: released / exact algorithm (both
                truncated to rank tau)
  step angle    largest angle in degrees to the exact damped Newton step over the 8
                gradients of section 1: released / exact algorithm
"""


def section_reference(args) -> list:
    """Print the section on the released numerics; return its rows."""
    from pyginger.cli.demo.released import reference_error_rows

    dim, steps, _ = inverse_sizes(args)
    rank = 8
    print(
        f"[1b] The released numerics vs the exact damped inverse: d = {dim}, {steps} rank-one "
        f"updates, tau = {rank}, beta = {BETA}",
        flush=True,
    )
    rows = reference_error_rows(dim, rank, steps=steps, beta=BETA, seed=args.seed)
    for r in rows:
        r["top"] = f"{r['top_reference']:.2e} / {r['top_curvature']:.2e}"
        r["err_inv"] = f"{r['err_reference']:.3g} / {r['err_curvature']:.3g}"
        r["angles"] = f"{r['angle_reference']:.1f} / {r['angle_curvature']:.1f}"
        r["collapsed_of"] = f"{r['collapsed']} of {r['rank']}"
    columns = {
        "damping": ("damping", "g"),
        "collapsed_of": ("collapsed", ""),
        "top": ("top sigma", ""),
        "err_state": ("err(state)", ".2e"),
        "err_inv": ("err(G^-1)", ""),
        "angles": ("step angle", ""),
    }
    print(_table(rows, columns))
    print(_REFERENCE_LEGEND, flush=True)
    return rows
