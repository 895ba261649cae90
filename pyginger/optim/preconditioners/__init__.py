"""Preconditioners of the optimizers, one small class each, all of one protocol."""

from pyginger.optim.preconditioners.dense import (
    DenseCurvature,
    DenseGGN,
    DiagonalCurvature,
    DiagonalGGN,
)
from pyginger.optim.preconditioners.gauss_newton import GaussNewton, SolverInfo
from pyginger.optim.preconditioners.ginger import Ginger, GingerCurvature
from pyginger.optim.preconditioners.kfac import KFAC, KFACCurvature
from pyginger.optim.preconditioners.qng import QNG, QNGWindow
from pyginger.optim.preconditioners.released import (
    ReleasedGinger,
    ReleasedQNG,
    ReleasedQNGWindow,
)

__all__ = [
    "Ginger",
    "GingerCurvature",
    "DenseGGN",
    "DenseCurvature",
    "DiagonalGGN",
    "DiagonalCurvature",
    "KFAC",
    "KFACCurvature",
    "QNG",
    "QNGWindow",
    "ReleasedGinger",
    "ReleasedQNG",
    "ReleasedQNGWindow",
    "GaussNewton",
    "SolverInfo",
]
