"""Optimizers: first-order baselines, exact and low-rank GGN preconditioning."""

from pyginger.optim.alias import *  # noqa: F403
from pyginger.optim.alias import __all__  # noqa: F401
