"""The command line: python -m pyginger demo | bench."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg

import pyginger
from pyginger import dense
from pyginger.__main__ import main
from pyginger.cli.demo import (
    build_parser,
    curvature_stream,
    direction_angles,
    inverse_error_table,
    missed_curvature,
)


def test_demo_quick_runs_end_to_end(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "pyginger", "demo", "--quick", "--out", str(tmp_path / "plots")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "[1] Ginger vs the exact damped inverse" in text
    assert "curvature" in text and "inverse" in text
    assert "[1b] The released numerics vs the exact damped inverse" in text
    # one row per damping: everything collapses at 1e-8, nothing at 1e-5 (test below)
    assert "\n  1e-08     8 of 8 " in text and "\n  1e-05     0 of 8 " in text
    assert "[2] Training an MLP" in text
    for name in ("sgd", "adam", "ginger", "ema_ggn", "gauss_newton"):
        assert f"\n{name} " in text, name
    assert "[3] Plots in" in text
    # Every column of table 1 is explained once in the legend under it; the principal angle has
    # its own explanation instead of a column.
    header = next(line for line in text.splitlines() if line.startswith("form "))
    for column in ("err(G^-1)", "best", "err(solve)", "step angle", "missed curv.", "us/update"):
        assert column in header, column
        assert f"\n  {column} " in text, column
    assert "max angle" not in header
    assert "max angle (rad)" in text and "residual / gap" in text and "Davis-Kahan" in text
    # Which loss is which: the progress display (stderr) shows the mini-batch loss.
    assert "progress (on stderr): the loss on the current mini-batch" in text
    assert "final loss, accuracy: on all 90 training points" in text
    assert "loss" in out.stderr
    for png in ("error_vs_rank.png", "loss_curves.png"):
        data = (tmp_path / "plots" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, png


def test_demo_rejects_bad_options(capsys):
    from pyginger.cli.demo import main as demo_main

    with pytest.raises(SystemExit):
        demo_main(["--steps", "0"])
    assert "--steps must be >= 1, got 0" in capsys.readouterr().err


def test_usage_and_unknown_command(capsys):
    assert main([]) == 2
    assert "usage: python -m pyginger" in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert main(["fly"]) == 2
    assert "unknown command 'fly'" in capsys.readouterr().err


def test_version(capsys):
    import pyginger

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"pyginger {pyginger.__version__}\n"
    out = subprocess.run(
        [sys.executable, "-m", "pyginger", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"pyginger {pyginger.__version__}\n"


def test_no_progress_help_says_what_it_hides():
    help_text = " ".join(build_parser().format_help().split())
    assert "--no-progress do not print the progress of each training run" in help_text
    assert "progress bars" not in help_text


# ---------------------------------------------------------------------------------------------
# The measures of table 1
# ---------------------------------------------------------------------------------------------


def _diag_problem():
    """G = diag(lam) with a near-tie between the 2nd and 3rd eigenvalues; its eigenvectors."""
    lam = np.array([5.0, 1.0, 0.999, 0.2, 0.0])
    return lam, np.diag(lam), np.eye(5)


def test_missed_curvature_is_zero_for_the_exact_eigenvectors():
    lam, G, V = _diag_problem()
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 5)))[0]
    # The same G in a rotated basis: the eigenvectors are Q's columns.
    assert missed_curvature(Q @ V[:, :2], Q @ G @ Q.T) < 1e-15
    assert missed_curvature(V, G) == 0.0


@pytest.mark.parametrize("theta", [0.1, np.pi / 4, np.pi / 2])
def test_missed_curvature_and_principal_angle_of_a_rotated_eigenvector(theta):
    # U = [u1, cos(theta) u2 + sin(theta) u3] spans the exact top-2 eigenspace turned by theta.
    # First principles: tr(U^T G U) = lam1 + cos^2 lam2 + sin^2 lam3, so the missed share is
    # (lam2 - lam3) sin^2(theta) / (lam1 + lam2), and the largest principal angle is theta.
    lam, G, V = _diag_problem()
    U = np.column_stack([V[:, 0], np.cos(theta) * V[:, 1] + np.sin(theta) * V[:, 2]])
    expected = (lam[1] - lam[2]) * np.sin(theta) ** 2 / (lam[0] + lam[1])
    assert missed_curvature(U, G) == pytest.approx(expected, rel=1e-9, abs=1e-16)
    angle = scipy.linalg.subspace_angles(U, V[:, :2]).max()
    assert angle == pytest.approx(theta, abs=1e-12)
    # The near-tie (lam2 - lam3 = 1e-3): a 90-degree angle misses 2e-4 of the curvature.
    assert missed_curvature(U, G) <= 1e-3 / 6 + 1e-15


def test_missed_curvature_rejects_bad_shapes():
    with pytest.raises(ValueError, match="missed_curvature: U must have shape"):
        missed_curvature(np.eye(3)[:, :2], np.eye(4))
    with pytest.raises(ValueError, match="missed_curvature: U must have shape"):
        missed_curvature(np.ones(3), np.eye(3))


def test_direction_angles_first_principles():
    a = np.array([[1.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    b = np.array([[3.0, -1.0, 0.0], [0.0, 0.0, 5.0]])
    np.testing.assert_allclose(direction_angles(a, b), [0.0, 180.0, 90.0], atol=1e-12)
    # A tiny angle is resolved (arccos of the cosine would give 0 below ~1e-8 radians).
    eps = 1e-10
    tiny = direction_angles(np.array([1.0, 0.0]), np.array([1.0, np.tan(eps)]))
    np.testing.assert_allclose(tiny, [np.degrees(eps)], rtol=1e-12)
    with pytest.raises(ValueError, match="direction_angles: A and B must have the same shape"):
        direction_angles(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="direction_angles: every column of A and B"):
        direction_angles(np.zeros(2), np.ones(2))


def test_step_angle_matches_a_dense_replay():
    # Ginger's state equals the dense replay of its truncation rule (dense.truncated_replay),
    # so its step angle, computed from scratch with dense matrices, must agree. Tolerance: the
    # two inverses agree to ~1e-12 relative, and a relative perturbation e of a vector turns it
    # by at most e radians, far below 1e-6 degrees.
    dim, steps, rank, beta, damping, seed = 30, 60, 4, 0.95, 1e-3, 3
    (row,) = [
        r
        for r in inverse_error_table(
            dim, (rank,), steps=steps, beta=beta, damping=damping, seed=seed
        )
        if r["form"] == "curvature"
    ]
    factors = curvature_stream(dim, steps, seed=seed)
    G = dense.ema_ggn(factors, beta)
    g = -G @ np.random.default_rng([seed, 2]).standard_normal((dim, 8))
    replay_step = dense.damped_inverse(dense.truncated_replay(factors, rank, beta), damping) @ g
    exact_step = dense.damped_inverse(G, damping) @ g
    assert row["step_angle"] == pytest.approx(
        direction_angles(replay_step, exact_step).max(), abs=1e-6
    )
    assert 0.0 <= row["missed_curvature"] <= 1.0


def test_full_rank_measures_are_exact():
    # tau = d: Ginger holds the exact EMA (no truncation), so the steps agree to rounding:
    # relative error <= cond(G_gamma) * eps ~ 1e3 * 2e-16 radians, far below 1e-8 degrees;
    # and no curvature is missed.
    rows = inverse_error_table(12, (12,), steps=20)
    for row in rows:
        assert row["step_angle"] < 1e-8 and row["best_step_angle"] < 1e-8
        assert row["missed_curvature"] < 1e-12


def test_principal_angle_follows_residual_over_gap_on_the_demo_problem():
    # The finding the demo's legend reports, on its default problem (d = 200, 400 updates):
    # at tau = 2 the gap lambda_2 - lambda_3 is large against Ginger's residual and the angle is
    # small; at tau = 16 the gap is smaller than the residual, the tau-th eigenvector turns
    # towards the next ones and the angle is large, while the missed curvature stays tiny.
    table = inverse_error_table(200, (2, 16), steps=400)
    rows = {r["rank"]: r for r in table if r["form"] == "curvature"}
    small, large = rows[2], rows[16]
    assert small["residual"] / small["gap"] < 0.1 and small["max_angle"] < 0.1
    assert large["residual"] / large["gap"] > 1.0 and large["max_angle"] > 0.3
    assert large["missed_curvature"] < 1e-3


def test_principal_angle_obeys_davis_kahan():
    # Davis-Kahan's sin(theta) theorem: G's eigenvalues off its top-tau eigenspace are
    # <= lambda_tau+1 and those of diag(sigma) are >= sigma_tau, so with
    # delta = sigma_tau - lambda_tau+1 > 0, sin(angle) <= ||G U - U diag(sigma)||_2 / delta.
    factors = curvature_stream(200, 400, seed=0)
    G = dense.ema_ggn(factors, 0.95)
    lam = np.sort(np.linalg.eigvalsh(G))[::-1]
    state = pyginger.init(200, 2)
    for f in factors:
        state = pyginger.update(state, f, beta=0.95)
    U, sigma = state.U, state.sigma
    delta = sigma[-1] - lam[2]
    assert delta > 0
    residual = np.linalg.norm(G @ U - U * sigma, 2)
    angle = scipy.linalg.subspace_angles(U, np.linalg.eigh(G)[1][:, -2:]).max()
    assert np.sin(angle) <= residual / delta


def test_demo_plot_styles_and_title(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from pyginger import plotting
    from pyginger.cli.demo import plots as demo_plots

    # Two equal series (the two update forms agree to rounding) must stay distinguishable.
    fig = plotting.plot_error_vs_rank([2, 4], {"a": [0.3, 0.1], "b": [0.3, 0.1], "c": [0.2, 0.1]})
    lines = fig.axes[0].get_lines()
    assert len({line.get_marker() for line in lines}) == 3
    assert len({str(line.get_linestyle()) for line in lines}) == 3
    assert len({line.get_markersize() for line in lines}) == 3

    titles = {}

    def capture(ranks, series, **kwargs):
        titles["error"] = kwargs["title"]
        return plotting_error(ranks, series, **kwargs)

    plotting_error = plotting.plot_error_vs_rank
    monkeypatch.setattr(plotting, "plot_error_vs_rank", capture)
    args = build_parser().parse_args(["--quick", "--out", str(tmp_path)])
    rows = [
        {"form": form, "rank": 2, "inverse_rel_fro": 0.5, "best_rank_rel_fro": 0.5}
        for form in ("curvature", "inverse")
    ]
    runs = {"sgd": {"eval_steps": np.arange(3), "eval_loss": np.array([1.0, 0.5, 0.2])}}
    demo_plots.section_plots(args, rows, runs)
    assert "$d$ = 60" in titles["error"] and r"$\beta$ = 0.95" in titles["error"]


def test_released_rows_follow_from_the_collapse_threshold():
    # Section 1b's stream starts from the initial state (sigma = 0), where an eigenvalue
    # collapses iff it exceeds the absolute threshold ~1e5 gamma
    # (pyginger.core._released.collapse_threshold: 9.3e-4 at gamma = 1e-8, 0.93 at 1e-5 for
    # tau = 8). The first factor gives (1 - beta) |x_1|^2: above the threshold at 1e-8, so the
    # state collapses at once, and every later factor meets a state of zeros (the same absolute
    # threshold again): all 8 collapsed. At 1e-5 it is below; by the time the top eigenvalue has
    # grown past 0.93 the other values of each step are nonzero, and the cut-off is then relative
    # to the smallest of them (tests/test_released.py): nothing collapses.
    from pyginger.cli.demo.experiments import curvature_stream
    from pyginger.cli.demo.released import reference_error_rows
    from pyginger.core import _released

    factors = curvature_stream(60, 120, seed=0)
    first = (1 - 0.95) * float(factors[0] @ factors[0])
    tiny, moderate = reference_error_rows(60, 8, steps=120, beta=0.95, seed=0)
    assert first > _released.collapse_threshold(1e-8, 8, np.float32) and tiny["collapsed"] == 8
    assert first < _released.collapse_threshold(1e-5, 8, np.float32)
    assert moderate["collapsed"] == 0
    # Collapsed: C_released ~ 0 (eigenvalues ~ gamma^2), so err(state) = 1 to ~1e-15, and the
    # preconditioner is I / gamma: the step is the gradient's direction, whose angle to the exact
    # damped Newton step is then that of g itself (float32 rounding moves the direction by
    # ~eps32 rad ~ 1e-5 degrees: 1e-4 degrees is a margin).
    assert tiny["err_state"] == pytest.approx(1.0, abs=1e-12)
    G = dense.ema_ggn(factors, 0.95)
    gradients = -G @ np.random.default_rng([0, 2]).standard_normal((60, 8))
    exact = dense.damped_inverse(G, 1e-8) @ gradients
    assert tiny["angle_reference"] == pytest.approx(
        float(np.max(direction_angles(gradients, exact))), abs=1e-4
    )
