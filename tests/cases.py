"""Named cases shared by test modules: streams of curvature factors, each optimizer on the MLP."""

from typing import NamedTuple

import numpy as np

import pyginger
from pyginger import optim


def factors(rng, d, k, count, dtype=np.float64):
    """``count`` Gaussian factors of shape ``(d,)`` (``k == 1``) or ``(d, k)``."""
    shape = (d,) if k == 1 else (d, k)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(count)]


def run(xp, fs, rank, *, damping, beta, form="curvature", backend=None, dtype=None):
    """The state after updating a fresh one with every factor of ``fs``, in order."""
    state = pyginger.init(fs[0].shape[0], rank, damping=damping, dtype=dtype, xp=xp)
    for F in fs:
        state = pyginger.update(state, xp.asarray(F), beta=beta, form=form, backend=backend)
    return state


class GingerCase(NamedTuple):
    """A seeded stream of ``count`` factors of ``k`` columns, fed to a rank-``rank`` state."""

    dim: int
    rank: int
    k: int
    count: int
    damping: float
    beta: float
    seed: int

    @property
    def truncated(self):
        """Whether the stream adds more columns than the rank holds."""
        return self.k * self.count > self.rank

    def factors(self):
        return factors(np.random.default_rng(self.seed), self.dim, self.k, self.count)

    def run(self, xp=np, **options):
        return run(xp, self.factors(), self.rank, damping=self.damping, beta=self.beta, **options)


#: Streams for the core. The exact ones add at most ``rank`` columns in all, so nothing is
#: truncated and the state must be the dense EMA (``pyginger.dense.ema_ggn``) to rounding.
GINGER_CASES = {
    "rank_one_exact": GingerCase(dim=30, rank=6, k=1, count=6, damping=1e-2, beta=0.9, seed=1),
    "block_exact": GingerCase(dim=30, rank=6, k=3, count=2, damping=1e-2, beta=0.9, seed=1),
    "block_truncated": GingerCase(dim=25, rank=6, k=2, count=8, damping=0.05, beta=0.8, seed=11),
}
EXACT_GINGER_CASES = [name for name, case in GINGER_CASES.items() if not case.truncated]

#: Every optimizer, and the variants of note, made for a model (``MLP``) at settings that train
#: the small MLPs of the tests.
MLP_OPTIMIZERS = {
    "sgd": lambda model: optim.sgd(lr=0.1, momentum=0.9),
    "adam": lambda model: optim.adam(lr=0.01),
    "gauss_newton": lambda model: optim.gauss_newton(lr=0.5, damping=0.1),
    "gauss_newton_cg": lambda model: optim.gauss_newton(lr=0.5, damping=0.1, solver="cg"),
    "ema_ggn": lambda model: optim.ema_ggn(lr=0.1, damping=0.03),
    "ginger": lambda model: optim.ginger(lr=0.1, rank=4, damping=0.03),
    "ginger_inverse": lambda model: optim.ginger(lr=0.1, rank=4, damping=0.03, form="inverse"),
    "ginger_blocks": lambda model: optim.ginger(lr=0.1, rank=4, damping=0.03, blocks=model.blocks),
    "ginger_reference": lambda model: optim.ginger_reference(
        **{**optim.REFERENCE_CONFIG, "lr": 0.01}, blocks=model.blocks
    ),
    "qng_reference": lambda model: optim.qng_reference(0.01),
    "diag_ggn": lambda model: optim.diag_ggn(lr=0.1, damping=0.03),
    "kfac": lambda model: optim.kfac(model, lr=0.3, damping=0.01),
    "qng": lambda model: optim.qng(lr=0.05, rank=8),
}
