"""The Ginger state: a rank-``tau`` eigendecomposition of the damped GGN, updated online.

Everything the paper is about, and nothing above it: the state and its invariants, the update,
and applying the preconditioner. The kernels, the generated small-``tau`` code, the secular
solver and the NumPy twins are private modules of this package.
"""

from pyginger.core._instrument import count_algorithms
from pyginger.core.rank_update import (
    REORTH_EVERY,
    GingerOperator,
    GingerState,
    aslinearoperator,
    init,
    matvec,
    orthogonality_error,
    reorthonormalize,
    solve,
    to_dense,
    update,
)

__all__ = [
    "GingerState",
    "init",
    "update",
    "solve",
    "matvec",
    "to_dense",
    "aslinearoperator",
    "GingerOperator",
    "orthogonality_error",
    "reorthonormalize",
    "REORTH_EVERY",
    "count_algorithms",
]
