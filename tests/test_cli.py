"""The command line: python -m pyginger demo | bench."""

import subprocess
import sys

import pytest

from pyginger.__main__ import main


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
    assert "[2] Training an MLP" in text
    for name in ("sgd", "adam", "ginger", "ema_ggn", "gauss_newton"):
        assert f"\n{name} " in text, name
    assert "[3] Plots in" in text
    for png in ("error_vs_rank.png", "loss_curves.png"):
        data = (tmp_path / "plots" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, png


def test_demo_rejects_bad_options(capsys):
    from pyginger.demo import main as demo_main

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
