"""Running an optimizer on an objective: one loop, its objectives, training and ``minimize``.

:mod:`~pyginger.run.objective` says what is optimized (a network with data, SciPy-style callables,
a test problem, a recorded stream), :mod:`~pyginger.run.loop` is the one loop every run goes
through, and :mod:`~pyginger.run.training` and :mod:`~pyginger.run.minimizer` are its front-ends.
"""

from pyginger.run import loop, minimizer, objective, training
from pyginger.run.minimizer import minimize
from pyginger.run.training import compare, curvature_for, evaluate, summary_table, train

__all__ = [
    "minimize",
    "train",
    "compare",
    "evaluate",
    "summary_table",
    "curvature_for",
    "loop",
    "objective",
    "minimizer",
    "training",
]
