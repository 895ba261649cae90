"""The Ginger state: a rank-``tau`` eigendecomposition of the damped GGN, updated online.

Everything the paper is about, and nothing above it: the state and its invariants
(:mod:`~pyginger.core.state`), the update (:mod:`~pyginger.core.rank_update`), and applying the
preconditioner (:mod:`~pyginger.core.woodbury`), with the certified bound on what truncation
lost (:mod:`~pyginger.core.certificate`). The kernel selection, the kernels, the generated
small-``tau`` code, the secular solver and the NumPy twins are private modules of this package.
"""

from pyginger.core._instrument import count_algorithms
from pyginger.core.certificate import TruncationBound, truncation_bound
from pyginger.core.rank_update import REORTH_EVERY, update
from pyginger.core.state import GingerState, init, orthogonality_error, reorthonormalize
from pyginger.core.woodbury import GingerOperator, aslinearoperator, matvec, solve, to_dense

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
    "truncation_bound",
    "TruncationBound",
    "REORTH_EVERY",
    "count_algorithms",
]


def __getattr__(name: str):
    """Point users of a removed 0.1 name to its replacement."""
    if name == "ALGORITHM_COUNTS":
        raise AttributeError(
            "pyginger.core has no ALGORITHM_COUNTS (version 0.1's process-wide counter): count "
            "inside a block, `with pyginger.core.count_algorithms() as counts: ...`"
        )
    raise AttributeError(f"module 'pyginger.core' has no attribute {name!r}")
