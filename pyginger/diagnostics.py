r"""How far Ginger's state is from the exact curvature along a run: a dense "shadow" replay.

:func:`shadow_replay` feeds one stream of factors :math:`F_1, F_2, \dots` both to Ginger
(:func:`pyginger.update`) and to two dense ``d x d`` references kept alongside,

* the exact EMA :math:`G_t = \beta G_{t-1} + (1-\beta) F_t F_t^\top` (nothing dropped), and
* the dense replay of Ginger's own rule :math:`R_t = T_\tau(\beta R_{t-1} + (1-\beta) F_t F_t^\top)`
  (:func:`pyginger.dense.truncated_replay`, one step at a time),

and records, at every step, how the state :math:`\tilde G_t = U \operatorname{diag}(\sigma) U^\top`
compares with them. Everything is returned as plain arrays in a :class:`ShadowTrace`. The replay
runs through :func:`pyginger.run.loop.run`: the stream is its objective
(:class:`pyginger.run.objective.StreamObjective`), Ginger's update its step
(:class:`pyginger.run.plain.StateReplay`), the dense shadow its record.

Three facts organise the numbers (proved in ``docs/theory.md``):

1. **Ginger never over-estimates.** Truncation drops non-negative eigenvalues, so
   :math:`\tilde G_t \preceq G_t` (Loewner order) by induction; ``loewner_gap`` records
   :math:`\lambda_{\min}(G_t - \tilde G_t) \ge 0`. This is what bounds the spectrum of the
   preconditioner in the convergence theory.
2. **The missing mass is the decayed sum of the dropped mass.** With
   :math:`\text{drop}_t = \operatorname{tr}(\beta\tilde G_{t-1} + (1-\beta)F_tF_t^\top)
   - \operatorname{tr}\tilde G_t`
   (the sum of the discarded eigenvalues), :math:`\operatorname{tr}G_t - \operatorname{tr}\tilde G_t
   = \sum_{s \le t}\beta^{t-s}\,\text{drop}_s`.
3. **Ginger is not the best rank-:math:`\tau` approximation of** :math:`G_t` once something has
   been dropped: directions discarded earlier cannot come back. ``gap_best`` measures the
   distance to the Eckart-Young optimum :math:`[G_t]_\tau`, ``tail`` the optimum's own error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, DTypeLike

from pyginger import _validation as _v
from pyginger import core, dense
from pyginger.run import loop as _loop
from pyginger.run.objective import StreamObjective
from pyginger.run.plain import StateReplay

__all__ = ["ShadowTrace", "shadow_replay"]


class ShadowTrace(NamedTuple):
    r"""Per-step comparison of a Ginger state with the dense exact EMA (arrays of length ``T``).

    Norms are Frobenius unless said otherwise; "relative" divides by the exact quantity.

    Attributes
    ----------
    step : (T,) ndarray of int
        :math:`t = 1..T`.
    inverse_error : (T,) ndarray
        :math:`\|\hat P_t - P_t\|_F / \|P_t\|_F` with :math:`P_t = (G_t + \gamma I)^{-1}`.
    inverse_error_2 : (T,) ndarray
        The same in the spectral norm.
    direction_angle : (T,) ndarray
        Angle (radians) between :math:`P_t g_t` and :math:`\hat P_t g_t` for the step's vector
        :math:`g_t`.
    eigenvalue_error : (T,) ndarray
        :math:`\max_{i \le \tau} |\hat\sigma_i - \lambda_i(G_t)| / \lambda_1(G_t)`.
    eigenvalues_exact : (T, tau) ndarray
        Top-:math:`\tau` eigenvalues of :math:`G_t`, descending.
    eigenvalues_ginger : (T, tau) ndarray
        Ginger's :math:`\sigma`, descending.
    gap_best : (T,) ndarray
        :math:`\|\tilde G_t - [G_t]_\tau\|_F / \|G_t\|_F`: distance to the best rank-:math:`\tau`
        approximation (ill-defined only when :math:`\lambda_\tau = \lambda_{\tau+1}`).
    tail : (T,) ndarray
        :math:`\|G_t - [G_t]_\tau\|_F / \|G_t\|_F`: the smallest error any rank-:math:`\tau`
        state can have (Eckart-Young).
    ginger_error : (T,) ndarray
        :math:`\|\tilde G_t - G_t\|_F / \|G_t\|_F`, to compare with ``tail``.
    gap_replay : (T,) ndarray
        :math:`\|\tilde G_t - R_t\|_F / \|G_t\|_F` against the dense replay of the same
        truncation rule: rounding level unless eigenvalues tie at the cut.
    dropped_mass : (T,) ndarray
        :math:`\text{drop}_t = \beta\sum\hat\sigma_{t-1} + (1-\beta)\|F_t\|_F^2
        - \sum\hat\sigma_t`, from
        the states before and after (``O(tau)``); accurate to about :math:`\epsilon` times the
        trace, so smaller values (and tiny negatives) are rounding.
    missing_mass : (T,) ndarray
        :math:`\operatorname{tr}G_t - \operatorname{tr}\tilde G_t` from the dense matrix; equals
        :math:`\sum_s \beta^{t-s}\text{drop}_s`.
    loewner_gap : (T,) ndarray
        :math:`\lambda_{\min}(G_t - \tilde G_t)`; ``>= 0`` up to rounding.
    orthogonality : (T,) ndarray
        :func:`pyginger.orthogonality_error` of each state, :math:`\|U^\top U - I\|_F`.
    """

    step: np.ndarray
    inverse_error: np.ndarray
    inverse_error_2: np.ndarray
    direction_angle: np.ndarray
    eigenvalue_error: np.ndarray
    eigenvalues_exact: np.ndarray
    eigenvalues_ginger: np.ndarray
    gap_best: np.ndarray
    tail: np.ndarray
    ginger_error: np.ndarray
    gap_replay: np.ndarray
    dropped_mass: np.ndarray
    missing_mass: np.ndarray
    loewner_gap: np.ndarray
    orthogonality: np.ndarray


def _factor(func, F, d, dtype):
    arr = np.asarray(F)
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{func}: factors must be real arrays, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != d:
        raise ValueError(
            f"{func}: each factor must have shape ({d},) or ({d}, k), got {np.shape(F)}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{func}: factors must contain only finite values")
    return arr


def _angle(a, b):
    """Angle between two vectors, accurate for small angles (atan2 of sine and cosine)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0.0 or nb == 0.0:
        return 0.0 if na == nb else np.pi / 2
    a, b = a / na, b / nb
    cos = float(a @ b)
    return float(np.arctan2(np.linalg.norm(a - cos * b), cos))


def shadow_replay(
    factors: Iterable[ArrayLike],
    rank: int,
    *,
    beta: float = 0.99,
    damping: float = 1e-3,
    vectors: Iterable[ArrayLike] | None = None,
    form: str = "curvature",
    dtype: DTypeLike = np.float64,
    backend: str | None = None,
    reorth_every: int | None = core.REORTH_EVERY,
    rng: np.random.Generator | int | None = None,
) -> tuple[ShadowTrace, core.GingerState]:
    r"""Replay a stream of factors in Ginger and in a dense shadow, recording errors at every step.

    Parameters
    ----------
    factors : sequence of (d,) or (d, k) array_like
        The curvature factors, in order (e.g. the ``factors`` of
        ``pyginger.theory.preconditioned_sgd(..., record_stream=True)``).
    rank : int
        Ginger's rank :math:`\tau`, ``1 <= rank <= d``.
    beta : float, optional
        EMA factor. Default 0.99.
    damping : float, optional
        :math:`\gamma > 0`. Default 1e-3.
    vectors : sequence of (d,) array_like, optional
        The vector :math:`g_t` to precondition at each step (e.g. the run's gradients); one per
        factor. Default: seeded standard normal vectors.
    form : {"curvature", "inverse"}, optional
        Passed to :func:`pyginger.update`.
    dtype : {numpy.float64, numpy.float32}, optional
        Storage dtype of the Ginger state (the shadow is always float64). Default float64.
    backend : {None, "numba", "numpy"}, optional
        Passed to :func:`pyginger.update` and :func:`pyginger.solve`.
    reorth_every : int or None, optional
        Passed to :func:`pyginger.update`.
    rng : int or numpy.random.Generator, optional
        Seed of the default vectors.

    Returns
    -------
    trace : ShadowTrace
    state : GingerState
        The final Ginger state.

    Raises
    ------
    TypeError
        If a factor or vector is not a real array, or an option has the wrong type.
    ValueError
        If ``factors`` is empty, shapes disagree, values are not finite, or an option is out of
        range.

    See Also
    --------
    pyginger.dense.compare : the same metrics for one state.
    pyginger.dense.truncated_replay : the dense replay of the truncation rule.

    Notes
    -----
    Cost per step: an eigendecomposition and an inverse of a ``d x d`` matrix, ``O(d^3)``;
    meant for ``d`` up to a few hundred.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.diagnostics import shadow_replay
    >>> rng = np.random.default_rng(0)
    >>> factors = [rng.standard_normal(8) for _ in range(6)]
    >>> trace, state = shadow_replay(factors, 3, beta=0.9, damping=0.1)
    >>> bool(np.all(trace.inverse_error[:3] < 1e-13))  # exact until the rank exceeds tau = 3
    True
    >>> bool(np.all(trace.loewner_gap > -1e-13)), bool(np.all(trace.gap_replay < 1e-12))
    (True, True)
    >>> bool(np.allclose(trace.missing_mass[-1],
    ...                  sum(0.9 ** (5 - s) * m for s, m in enumerate(trace.dropped_mass))))
    True
    """
    func = "shadow_replay"
    Fs, Vs, rank, beta, gamma, dt = _check_stream(
        func, factors, vectors, rank, beta, damping, form, dtype
    )
    replay = StateReplay(
        rank,
        damping=gamma,
        beta=beta,
        form=form,
        dtype=dt,
        backend=backend,
        reorth_every=reorth_every,
    )
    shadow = _Shadow(Fs[0].shape[0], rank, beta, gamma)
    theta = np.zeros(Fs[0].shape[0])
    # The default vectors come from their own stream; given vectors draw nothing.
    stream = np.random.default_rng(rng) if vectors is None else None
    out = _loop.run(
        StreamObjective(Fs, Vs),
        replay,
        theta,
        replay.init(theta),
        stream,
        len(Fs),
        on_step=shadow.step,
    )
    return shadow.trace(), out.state


def _check_stream(func, factors, vectors, rank, beta, damping, form, dtype):
    """Return the checked ``(factors, vectors, rank, beta, damping, dtype)`` of a replay."""
    factors = list(factors)
    if not factors:
        raise ValueError(f"{func}: factors must contain at least one factor, got none")
    first = np.asarray(factors[0])
    if first.ndim not in (1, 2):
        raise ValueError(f"{func}: each factor must have shape (d,) or (d, k), got {first.shape}")
    d = int(first.shape[0])
    rank = _v.check_rank(func, rank, d)
    beta = _v.check_beta(func, beta)
    gamma = _v.check_positive_finite(func, "damping", damping)
    dt = _v.check_float_dtype(func, "dtype", dtype)
    _v.check_choice(func, "form", form, _v.FORMS)
    Fs = [_factor(func, F, d, dt) for F in factors]
    if vectors is None:
        return Fs, None, rank, beta, gamma, dt
    Vs = list(vectors)
    if len(Vs) != len(Fs):
        raise ValueError(
            f"{func}: vectors must hold one vector per factor ({len(Fs)}), got {len(Vs)}"
        )
    for i, v in enumerate(Vs):
        if np.ndim(v) != 1:
            raise ValueError(
                f"{func}: each vector must have shape ({d},), got {np.shape(v)} at {i}"
            )
    return Fs, [_factor(func, v, d, dt)[:, 0] for v in Vs], rank, beta, gamma, dt


class _Shadow:
    """The dense shadow of a replay: the exact EMA, the dense truncated replay, the metrics."""

    def __init__(self, d, rank, beta, gamma):
        self.rank, self.beta, self.gamma = rank, beta, gamma
        self.G, self.R = np.zeros((d, d)), np.zeros((d, d))
        self.record = _loop.History(*(k for k in ShadowTrace._fields if k != "step"))

    def step(self, step):
        """Advance the shadow with the step's factor and record the step's metrics."""
        rank, beta, gamma = self.rank, self.beta, self.gamma
        F, v, state = step.curvature, step.evaluation.grad, step.state
        FFt = F @ F.T
        sum_before = float(np.sum(np.asarray(step.state_before.sigma, dtype=np.float64)))
        G = self.G = beta * self.G + (1.0 - beta) * FFt
        Ur, sr = dense.best_rank_truncation(beta * self.R + (1.0 - beta) * FFt, rank)
        R = self.R = (Ur * sr) @ Ur.T

        U = np.asarray(state.U, dtype=np.float64)
        sigma = np.asarray(state.sigma, dtype=np.float64)
        Ghat = (U * sigma) @ U.T
        lam, V = scipy.linalg.eigh(G)
        lam, V = lam[::-1], V[:, ::-1]
        top = np.maximum(lam[:rank], 0.0)
        best = (V[:, :rank] * top) @ V[:, :rank].T
        g_norm = max(np.linalg.norm(G), np.finfo(np.float64).tiny)

        P = (V / (lam + gamma)) @ V.T  # exact (G + gamma I)^{-1} from the eigendecomposition
        P_hat = np.asarray(core.to_dense(state, inverse=True), dtype=np.float64)
        ginger = np.sort(sigma)[::-1]
        self.record.append(
            inverse_error=np.linalg.norm(P_hat - P) / np.linalg.norm(P),
            inverse_error_2=np.linalg.norm(P_hat - P, 2) / np.linalg.norm(P, 2),
            direction_angle=_angle(P @ v, step.theta),  # the replay's iterate is P_hat v
            eigenvalue_error=np.max(np.abs(ginger - top)) / max(top[0], np.finfo(np.float64).tiny),
            eigenvalues_exact=top,
            eigenvalues_ginger=ginger,
            gap_best=np.linalg.norm(Ghat - best) / g_norm,
            tail=np.sqrt(np.sum(lam[rank:] ** 2)) / g_norm,
            ginger_error=np.linalg.norm(Ghat - G) / g_norm,
            gap_replay=np.linalg.norm(Ghat - R) / g_norm,
            dropped_mass=beta * sum_before
            + (1.0 - beta) * float(np.sum(F * F))
            - float(np.sum(sigma)),
            missing_mass=float(np.trace(G)) - float(np.sum(sigma)),
            loewner_gap=float(np.linalg.eigvalsh(G - Ghat)[0]),
            orthogonality=core.orthogonality_error(state),
        )

    def trace(self):
        """Return the recorded metrics as a :class:`ShadowTrace`."""
        arrays = {name: self.record.array(name) for name in self.record.lists}
        return ShadowTrace(step=np.arange(1, len(self.record) + 1), **arrays)
