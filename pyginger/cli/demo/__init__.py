"""``python -m pyginger demo``: Ginger against exact curvature and first-order methods.

1. :func:`inverse_error_table`: a stream of curvature samples from a linear least-squares
   problem, whose GGN factors are the input rows ``x_t`` (for the squared loss on a linear
   model, ``J = x^T`` and ``H = 1``), fed to Ginger for several ranks ``tau`` and both update
   forms, and compared with the exact EMA GGN and its damped inverse.
2. :func:`training_comparison`: an MLP trained on the built-in spirals task with sgd, adam,
   ginger, the dense EMA-GGN (Ginger with ``tau = d``) and damped Gauss-Newton, from the same
   start on the same mini-batches.
3. PNG plots of both (loss curves, error against ``tau``) in an output folder.

The experiments live in :mod:`pyginger.cli.demo.experiments`, the printed tables in
:mod:`~pyginger.cli.demo.report`, the plots in :mod:`~pyginger.cli.demo.plots` and the command
line in :mod:`~pyginger.cli.demo.command`; this package re-exports their public names.
"""

from __future__ import annotations

from pyginger.cli.demo.command import build_parser as build_parser
from pyginger.cli.demo.command import main
from pyginger.cli.demo.experiments import (
    curvature_stream,
    direction_angles,
    inverse_error_table,
    missed_curvature,
    training_comparison,
)
from pyginger.cli.demo.experiments import (
    demo_optimizers as demo_optimizers,
)
from pyginger.cli.demo.report import format_table

__all__ = [
    "curvature_stream",
    "missed_curvature",
    "direction_angles",
    "inverse_error_table",
    "training_comparison",
    "format_table",
    "main",
]
