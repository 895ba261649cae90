r"""pyginger: Ginger's linear-time inverse of the damped GGN matrix, with exact references.

Ginger keeps :math:`G_\gamma = \gamma I + U \operatorname{diag}(\sigma) U^\top` for the
exponential moving average of curvature samples :math:`F F^\top`, with ``U`` of size
``d x tau``, and applies its inverse in ``O(d tau)`` time (Hao, Cao & Mou, 2024).
"""

from pyginger import (
    _compat,  # noqa: F401  (old module paths keep working)
    checkpoint,
    core,
    dense,
    diagnostics,
    nn,
    optim,
    plotting,
    run,
    theory,
)
from pyginger.core import (
    GingerOperator,
    GingerState,
    TruncationBound,
    aslinearoperator,
    count_algorithms,
    init,
    matvec,
    orthogonality_error,
    reorthonormalize,
    solve,
    to_dense,
    truncation_bound,
    update,
)
from pyginger.nn import datasets, losses, mlp
from pyginger.run import training
from pyginger.run.minimizer import minimize
from pyginger.theory import problems

__version__ = "0.2.0.dev0"

__all__ = [
    # the Ginger state and its update
    "GingerState",
    "init",
    "update",
    # applying the preconditioner
    "solve",
    "matvec",
    "to_dense",
    "aslinearoperator",
    "GingerOperator",
    # numerical hygiene
    "orthogonality_error",
    "reorthonormalize",
    "count_algorithms",
    # the certified error bar of the truncation
    "truncation_bound",
    "TruncationBound",
    # the layers, as subpackages
    "core",
    "nn",
    "run",
    # exact references
    "dense",
    # models, losses and data
    "mlp",
    "losses",
    "datasets",
    # optimizers
    "optim",
    "minimize",
    "training",
    "checkpoint",
    "plotting",
    # theory and diagnostics
    "theory",
    "diagnostics",
    "problems",
    "__version__",
]
