"""The ``python -m pyginger demo`` command: its options and the run of its sections."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from pyginger.cli.demo.plots import section_plots
from pyginger.cli.demo.report import section_inverse, section_reference, section_training

__all__ = ["build_parser", "main"]


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
    [1b] The released numerics vs the exact damped inverse: ...
    [2] Training an MLP ...
    [3] Plots in ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[2:] if argv is None else argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be >= 1, got {args.steps}")
    start = time.perf_counter()
    error_rows = section_inverse(args)
    section_reference(args)
    runs = section_training(args)
    section_plots(args, error_rows, runs)
    print(f"done in {time.perf_counter() - start:.1f} s", flush=True)
    return 0
