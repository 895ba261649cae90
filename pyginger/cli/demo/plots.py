"""The demo's plots: error of the damped inverse against ``tau``, and the loss curves."""

from __future__ import annotations

from pathlib import Path

from pyginger.cli.demo.report import BETA, DAMPING, inverse_sizes


def section_plots(args, error_rows, runs):
    """Print section 3: write the two PNG plots into ``args.out``; return their paths."""
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
    dim, steps, _ = inverse_sizes(args)
    plotting.plot_error_vs_rank(
        ranks,
        series,
        ylabel="relative Frobenius error of the damped inverse",
        title="Ginger vs the exact damped inverse\n"
        rf"$d$ = {dim}, $\beta$ = {BETA}, damping $\gamma$ = {DAMPING:g}, {steps} updates",
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
