"""The convergence theory: the bound, checks of recorded runs, test problems and experiments."""

from pyginger.theory import problems
from pyginger.theory.experiments import *  # noqa: F403
from pyginger.theory.experiments import __all__ as _names

__all__ = [*_names, "problems"]
