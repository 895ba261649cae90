r"""Two plain Ginger steps for the analysis layer: preconditioned SGD, and a state-only replay.

Both speak the optimizer interface of the loop (``name``, ``config``, ``needs``, ``init``,
``step``) without the transforms of :mod:`pyginger.optim` (no momentum, bias correction or
clipping), so that :func:`pyginger.theory.preconditioned_sgd` runs exactly the algorithm of the
theorem and :func:`pyginger.diagnostics.shadow_replay` exactly Ginger's update, both through
:func:`pyginger.run.loop.run`.
"""

from __future__ import annotations

import numpy as np

from pyginger import core

__all__ = ["PreconditionedSGD", "StateReplay"]


class PreconditionedSGD:
    r"""Step :math:`x_{t+1} = x_t - \eta P_t g_t`, with Ginger's inverse after the update.

    Parameters
    ----------
    step_size : float
        :math:`\eta > 0`.
    rank : int
    damping : float
    beta : float
    form : {"curvature", "inverse"}
        Passed to :func:`pyginger.update`.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.run.plain import PreconditionedSGD
    >>> sgd = PreconditionedSGD(0.5, rank=1, damping=1.0, beta=0.0)
    >>> x, state = sgd.step(np.ones(2), np.ones(2), sgd.init(np.ones(2)), np.array([1.0, 0.0]))
    >>> x  # P = diag(1/2, 1)
    array([0.75, 0.5 ])
    """

    name = "preconditioned_sgd"
    needs = "factor"

    def __init__(self, step_size, *, rank, damping, beta, form="curvature") -> None:
        self.step_size, self.rank, self.damping, self.beta, self.form = (
            step_size,
            rank,
            damping,
            beta,
            form,
        )
        self.config = {"step_size": step_size, "rank": rank, "damping": damping, "beta": beta}

    def init(self, theta: np.ndarray) -> core.GingerState:
        """Return the empty state of dimension ``theta.size``."""
        return core.init(theta.size, self.rank, damping=self.damping)

    def step(self, theta, grad, state, factor) -> tuple[np.ndarray, core.GingerState]:
        """Update the state with ``factor``, then step along its solve of ``grad``."""
        state = core.update(state, factor, beta=self.beta, form=self.form)
        return theta - self.step_size * core.solve(state, grad), state


class StateReplay:
    r"""Only Ginger's update: the "iterate" of step :math:`t` is :math:`\hat P_t v_t`.

    The state, stored in ``dtype``, gets each factor; the loop's gradient is the step's vector
    :math:`v_t`, and the returned iterate its preconditioned direction (float64), so the loop's
    check of the new iterate checks the solve.

    Parameters
    ----------
    rank : int
    damping, beta : float
    form : {"curvature", "inverse"}
    dtype : numpy.dtype
    backend : {None, "numba", "numpy"}
    reorth_every : int or None
        Passed to :func:`pyginger.update`.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.run.plain import StateReplay
    >>> replay = StateReplay(1, damping=1.0, beta=0.0, dtype=np.float64)
    >>> direction, state = replay.step(None, np.ones(2), replay.init(np.zeros(2)),
    ...                                np.array([[1.0], [0.0]]))
    >>> direction, state.sigma
    (array([0.5, 1. ]), array([1.]))
    """

    name = "ginger"
    needs = "factor"

    def __init__(
        self,
        rank,
        *,
        damping,
        beta,
        form="curvature",
        dtype=np.float64,
        backend=None,
        reorth_every=core.REORTH_EVERY,
    ) -> None:
        self.rank, self.damping, self.beta, self.form = rank, damping, beta, form
        self.dtype, self.backend, self.reorth_every = dtype, backend, reorth_every
        self.config = {"rank": rank, "damping": damping, "beta": beta, "form": form}

    def init(self, theta: np.ndarray) -> core.GingerState:
        """Return the empty state of dimension ``theta.size``."""
        return core.init(theta.size, self.rank, damping=self.damping, dtype=self.dtype)

    def step(self, theta, vector, state, factor) -> tuple[np.ndarray, core.GingerState]:
        """Update the state with ``factor`` and return ``(solve(state, vector), state)``."""
        dt, backend = self.dtype, self.backend
        state = core.update(
            state,
            factor.astype(dt),
            beta=self.beta,
            form=self.form,
            backend=backend,
            reorth_every=self.reorth_every,
        )
        direction = core.solve(state, vector.astype(dt), backend=backend)
        return np.asarray(direction, dtype=np.float64), state
