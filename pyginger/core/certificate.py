r"""The truncation certificate: bounds on the gap between a Ginger state and the exact EMA.

An update forms :math:`M_t = \beta \tilde G_{t-1} + (1 - \beta) F_t F_t^\top` and keeps its
``tau`` largest eigenpairs, :math:`\tilde G_t = M_t - D_t`, where :math:`D_t \succeq 0` holds the
eigenvalues the truncation drops (at most ``k`` of them, known from the small eigenproblem). The
exact EMA obeys :math:`G_t = \beta G_{t-1} + (1 - \beta) F_t F_t^\top`, so the gap
:math:`E_t = G_t - \tilde G_t` obeys

.. math:: E_t = \beta E_{t-1} + D_t, \qquad E_0 = 0, \qquad
          E_t = \sum_{s \le t} \beta^{t-s} D_s \succeq 0,

which is Lemma 1 (:math:`0 \preceq \tilde G_t \preceq G_t`). With :math:`d_t = \|D_t\|_2` (the
largest dropped eigenvalue), :math:`f_t = \|D_t\|_F` and :math:`n_t = \operatorname{tr} D_t`,
five scalars are carried from step to step, in ``O(k)`` operations and without touching ``U``:

* the trace (nuclear norm, since :math:`E_t \succeq 0`), exactly:
  :math:`\operatorname{tr} E_t = \beta \operatorname{tr} E_{t-1} + n_t`;
* an upper bound on the spectral norm (triangle inequality):
  :math:`\delta_t = \beta \delta_{t-1} + d_t`;
* an upper bound on the Frobenius norm. Expanding the square,
  :math:`\|E_t\|_F^2 = \beta^2 \|E_{t-1}\|_F^2 + 2\beta \langle E_{t-1}, D_t\rangle + f_t^2`, and
  for two PSD matrices :math:`0 \le \langle E, D\rangle \le \min(\|E\|_2 \operatorname{tr} D,
  \|E\|_F \|D\|_F, \operatorname{tr} E\, \|D\|_2)`; so with
  :math:`c_t = \min(\delta_{t-1} n_t, \varphi_{t-1} f_t, \operatorname{tr} E_{t-1}\, d_t)`,
  :math:`\varphi_t = \min\big(\sqrt{\beta^2 \varphi_{t-1}^2 + 2 \beta c_t + f_t^2},\,
  \operatorname{tr} E_t\big)`. This is never looser than the triangle inequality
  :math:`\beta\varphi_{t-1} + f_t`, and strictly sharper when one eigenvalue is dropped and
  :math:`\delta_{t-1} < \varphi_{t-1}` (:math:`c_t = \delta_{t-1} f_t`). The spectral bound
  uses it too: :math:`\delta_t = \beta \min(\delta_{t-1},
  \varphi_{t-1}) + d_t`;
* lower bounds: :math:`E_t \succeq \beta E_{t-1}` and :math:`E_t \succeq D_t` give
  :math:`\ell_t = \max(\beta \ell_{t-1}, d_t) \le \|E_t\|_2`, and
  :math:`\langle E_{t-1}, D_t\rangle \ge 0` gives :math:`\psi_t^2 = \beta^2 \psi_{t-1}^2 + f_t^2
  \le \|E_t\|_F^2`. At read-out :math:`\|E\|_2 \ge \|E\|_F^2 / \operatorname{tr} E` adds
  :math:`\psi_t^2 / \operatorname{tr} E_t`.

The bounds are equalities while nothing has been dropped (all zero) and the spectral one is
attained when the gap has rank one.

For the preconditioners :math:`\tilde P = (\tilde G + \gamma I)^{-1}` and
:math:`P = (G + \gamma I)^{-1}`: with :math:`A = \tilde G + \gamma I` and
:math:`X = A^{-1/2} E A^{-1/2}`, :math:`\tilde P - P = A^{-1/2} X (I + X)^{-1} A^{-1/2} \succeq 0`
and :math:`\|X\|_2 \le \delta / \gamma`, so

.. math:: \|\tilde P - P\|_2 \le \frac{\delta}{\gamma (\gamma + \delta)} < \frac{\delta}{\gamma^2},

attained when the gap lies in the null space of :math:`\tilde G` (where every dropped part
starts). For a vector :math:`g`, :math:`\tilde u = \tilde P g` and :math:`u = P g`,
:math:`\|\tilde u - u\| \le \gamma^{-1/2} \frac{\delta}{\gamma + \delta}
\sqrt{g^\top \tilde u}`, and the angle between them obeys
:math:`\sin\angle(\tilde u, u) \le \|\tilde u - u\| / \|\tilde u\|`, an acute angle once that is
below 1.

What is certified is the state's own matrix against the EMA of the factors it was given, in
exact arithmetic: the update's rounding (``O(eps)`` relative for the curvature form; about
``eps sigma / gamma`` for the inverse form) comes on top. A clipped eigenvalue of the inverse
form's map back, and a guard of ``form="reference"`` that changes the matrix (see
:mod:`pyginger.core._released`), make the state no truncation of the EMA: the certificate is
then unknown (NaN) from that step on.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from pyginger import _backend
from pyginger import _validation as _v
from pyginger._backend import Array
from pyginger.core import woodbury as _woodbury
from pyginger.core.state import GingerState

__all__ = ["TruncationBound", "truncation_bound", "FIELDS"]

#: The fields of :class:`~pyginger.GingerState` that carry the certificate.
FIELDS = _v.CERTIFICATE_FIELDS

_UNKNOWN = dict.fromkeys(FIELDS, math.nan)


class TruncationBound(NamedTuple):
    r"""What the certificate says about :math:`E = G - \tilde G` (see :func:`truncation_bound`).

    Attributes
    ----------
    spectral : float
        Upper bound on :math:`\|E\|_2`.
    frobenius : float
        Upper bound on :math:`\|E\|_F`.
    trace : float
        :math:`\operatorname{tr} E = \|E\|_*`, exact to rounding.
    spectral_lower, frobenius_lower : float
        Lower bounds on :math:`\|E\|_2` and :math:`\|E\|_F`.
    inverse : float
        Upper bound on :math:`\|\tilde P - P\|_2`, :math:`P = (G + \gamma I)^{-1}`.
    angle : float
        Upper bound (radians) on the angle between :math:`\tilde P g` and :math:`P g` for the
        ``vector`` given (``pi`` when the bound says nothing); NaN without a vector.
    """

    spectral: float
    frobenius: float
    trace: float
    spectral_lower: float
    frobenius_lower: float
    inverse: float
    angle: float


def advance(state: GingerState, beta: float, dropped) -> dict:
    """Return the certificate fields after an update of ``state`` that dropped ``dropped``.

    ``dropped`` holds the eigenvalues the truncation removed (any order, rounding below zero
    allowed), or None when the update was no truncation (the certificate becomes unknown). Reads
    only the ``gap_*`` fields of ``state``: ``O(len(dropped))``, no pass over ``U``.
    """
    prev = [float(getattr(state, f)) for f in FIELDS]
    if dropped is None or any(math.isnan(x) for x in prev):
        return dict(_UNKNOWN)
    spectral, frobenius, trace, spectral_lo, frobenius_lo = prev
    values = [max(float(x), 0.0) for x in np.ravel(dropped)]  # eigenvalues of D_t >= 0
    d = max(values, default=0.0)
    n = math.fsum(values)
    f = math.sqrt(math.fsum(x * x for x in values))
    spectral = min(spectral, frobenius)
    cross = min(spectral * n, frobenius * f, trace * d)  # >= <E_{t-1}, D_t>
    new_trace = beta * trace + n
    new_frobenius = math.sqrt((beta * frobenius) ** 2 + 2.0 * beta * cross + f * f)
    return {  # Python floats, which checkpoints store exactly
        "gap_spectral": float(beta * spectral + d),
        "gap_frobenius": float(min(new_frobenius, new_trace)),
        "gap_trace": float(new_trace),
        "gap_spectral_lower": float(max(beta * spectral_lo, d)),
        "gap_frobenius_lower": float(math.sqrt((beta * frobenius_lo) ** 2 + f * f)),
    }


def truncation_bound(
    state: GingerState, vector: Array | None = None, *, scale: float = 1.0
) -> TruncationBound:
    r"""Return the certified bounds on the gap between the state and the exact EMA GGN.

    The gap is :math:`E = G - \tilde G \succeq 0` between the exact EMA :math:`G` of the factors
    given to :func:`pyginger.update` and the state's :math:`\tilde G = U
    \operatorname{diag}(\sigma) U^\top`; the bounds follow from the eigenvalues each update
    dropped (module :mod:`pyginger.core.certificate` derives them).

    Parameters
    ----------
    state : GingerState
    vector : (d,) array, optional
        A vector :math:`g` (e.g. the gradient) for the angle between :math:`\tilde P g` and
        :math:`P g`; same library and dtype as ``state.U``. Costs one :func:`pyginger.solve`.
    scale : float, optional
        Compare :math:`c \tilde G` with :math:`c G` instead (both damped by the state's
        :math:`\gamma`): ``scale = 1 / (1 - beta**state.step)`` for the bias-corrected EMA that
        ``optim.ginger(debias=True)`` preconditions with. Default 1.

    Returns
    -------
    TruncationBound
        ``spectral``, ``frobenius`` (upper bounds on :math:`\|E\|_2`, :math:`\|E\|_F`),
        ``trace`` (exact :math:`\operatorname{tr} E`), ``spectral_lower``,
        ``frobenius_lower``, ``inverse`` (:math:`\|\tilde P - P\|_2 \le \delta / (\gamma
        (\gamma + \delta))`) and ``angle``. All NaN when the certificate is unknown (a
        checkpoint from before it existed, a clipped inverse-form update or a guarded
        ``form="reference"`` update).

    Raises
    ------
    TypeError
        If ``state`` is not a GingerState or ``vector`` is not an array of its library and dtype.
    ValueError
        If ``vector`` has the wrong shape or is not finite, or ``scale`` is not finite and > 0.

    See Also
    --------
    pyginger.dense.ema_ggn : the exact :math:`G` the bounds refer to.
    pyginger.diagnostics.shadow_replay : the measured gap, where a dense matrix fits.

    Notes
    -----
    Without ``vector``: ``O(1)``, from the five ``gap_*`` fields of the state. The bounds hold in
    exact arithmetic; the update's own rounding comes on top: ``O(eps)`` relative for the
    curvature form, about ``eps sigma_1 / gamma`` for the inverse form, which at small damping
    (and in float32) can exceed the gap certified here.

    Examples
    --------
    >>> import numpy as np, pyginger
    >>> from pyginger.dense import ema_ggn
    >>> rng = np.random.default_rng(0)
    >>> F = rng.standard_normal((6, 20))
    >>> state = pyginger.init(20, 2, damping=0.1)
    >>> for f in F:
    ...     state = pyginger.update(state, f, beta=0.9)
    >>> cert = pyginger.truncation_bound(state)
    >>> gap = ema_ggn(F, beta=0.9) - (state.U * state.sigma) @ state.U.T
    >>> bool(cert.spectral_lower <= np.linalg.norm(gap, 2) <= cert.spectral)
    True
    >>> bool(abs(cert.trace - np.trace(gap)) < 1e-12)
    True
    """
    func = "truncation_bound"
    _v.check_state(func, state)
    scale = _v.check_positive_finite(func, "scale", scale)
    spectral, frobenius, trace, spectral_lo, frobenius_lo = (
        scale * float(getattr(state, f)) for f in FIELDS
    )
    if trace > 0.0:  # ||E||_2 >= ||E||_F^2 / tr E
        spectral_lo = max(spectral_lo, frobenius_lo**2 / trace)
    spectral = min(spectral, frobenius)
    gamma = state.damping
    inverse = spectral / (gamma * (gamma + spectral))
    angle = math.nan
    if vector is not None and not math.isnan(spectral):
        angle = _angle_bound(func, state, vector, spectral, scale)
    return TruncationBound(spectral, frobenius, trace, spectral_lo, frobenius_lo, inverse, angle)


def _angle_bound(func, state, vector, spectral, scale):
    """Bound the angle between ``P~ g`` and ``P g`` (module notes), in radians."""
    xp = _backend.array_namespace_of(state.U)
    g = _v.check_operand(func, "vector", vector, xp, state.dim, state.U.dtype, allow_2d=False)
    gamma = state.damping
    # (c G~ + gamma I)^{-1} g = (G~ + (gamma / c) I)^{-1} g / c
    scaled = state if scale == 1.0 else state._replace(damping=gamma / scale)
    u = _woodbury.solve(scaled, g) / scale
    g64 = np.asarray(_backend.to_host(g), dtype=np.float64)
    u64 = np.asarray(_backend.to_host(u), dtype=np.float64)
    u_norm = float(np.linalg.norm(u64))
    if u_norm == 0.0:
        return 0.0  # g = 0: both directions vanish
    gu = max(float(g64 @ u64), 0.0)
    ratio = spectral / (gamma + spectral) * math.sqrt(gu / gamma) / u_norm
    return math.asin(ratio) if ratio < 1.0 else math.pi
