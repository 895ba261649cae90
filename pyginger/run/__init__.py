"""Running an optimizer on an objective: training loops and the SciPy-style ``minimize``."""

from pyginger.run import minimizer, training
from pyginger.run.minimizer import minimize
from pyginger.run.training import compare, curvature_for, evaluate, summary_table, train

__all__ = [
    "minimize",
    "train",
    "compare",
    "evaluate",
    "summary_table",
    "curvature_for",
    "minimizer",
    "training",
]
