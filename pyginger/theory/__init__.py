"""The convergence theory: the bound, checks of recorded runs, test problems and experiments.

Submodules, bottom first: :mod:`~pyginger.theory.bounds` (the theorem's constants and right-hand
side), :mod:`~pyginger.theory.checks` (a recorded run against them),
:mod:`~pyginger.theory.estimates` (constants where no closed form exists),
:mod:`~pyginger.theory.problems` (test problems with known constants) and
:mod:`~pyginger.theory.experiments` (runs that test the bound). Every public name is reachable
here as ``pyginger.theory.<name>``.
"""

from pyginger.theory import problems
from pyginger.theory.algorithm import preconditioned_sgd
from pyginger.theory.bounds import (
    admissible_step_size,
    bound,
    curvature_bound,
    preconditioner_spectrum,
    spectrum_bounds,
    tuned_step_size,
)
from pyginger.theory.checks import (
    BoundCheck,
    SpectrumCheck,
    check_bound,
    check_spectrum,
    descent_smoothness,
    fit_rate,
)
from pyginger.theory.estimates import estimate_constants, estimate_smoothness
from pyginger.theory.experiments import bound_experiment, rate_experiment, violation_experiment

__all__ = [
    # constants of the theorem
    "curvature_bound",
    "spectrum_bounds",
    "admissible_step_size",
    "bound",
    "tuned_step_size",
    # checks of a run and of the assumptions
    "BoundCheck",
    "check_bound",
    "SpectrumCheck",
    "check_spectrum",
    "preconditioner_spectrum",
    "estimate_smoothness",
    "descent_smoothness",
    "estimate_constants",
    "fit_rate",
    # experiments
    "preconditioned_sgd",
    "bound_experiment",
    "rate_experiment",
    "violation_experiment",
    # test problems
    "problems",
]
