"""Command line: ``python -m pyginger demo | bench | --version``."""

from __future__ import annotations

import os
import sys

USAGE = """usage: python -m pyginger COMMAND [options]

commands:
  demo    Ginger against exact dense curvature on built-in problems (python -m pyginger demo -h)
  bench   speed of update/solve against the machine's memory bandwidth (python -m pyginger bench -h)

options:
  -h, --help   show this message
  --version    print the version of pyginger
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``python -m pyginger COMMAND``; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        from pyginger import __version__

        print(f"pyginger {__version__}")
        return 0
    command, rest = argv[0], argv[1:]
    if command == "demo":
        from pyginger.cli.demo import main as demo_main

        return demo_main(rest)
    if command == "bench":
        from pyginger.cli.bench import main_bench

        return main_bench(rest)
    print(f"python -m pyginger: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


def _single_threaded_blas_for_demo() -> None:
    """Re-run the demo with one BLAS thread unless the user chose a thread count.

    The demo's problems are small: OpenBLAS's thread pool then costs more than it saves, and on
    a busy machine its spinning threads slow small dense solves many times over, which would
    make the seconds-per-step column misleading (docs/performance.md, "Thread settings of the
    benchmark command"). The variable must be set before NumPy loads OpenBLAS, and ``python -m
    pyginger`` imports NumPy (through the package) before this module runs, hence the
    re-execution.
    """
    if sys.argv[1:2] == ["demo"] and "OPENBLAS_NUM_THREADS" not in os.environ:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        os.execve(sys.executable, [sys.executable, "-m", "pyginger", *sys.argv[1:]], env)


if __name__ == "__main__":
    _single_threaded_blas_for_demo()
    sys.exit(main())
