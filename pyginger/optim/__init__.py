r"""Optimizers behind one small functional interface: first-order baselines, exact and low-rank GGN.

Every optimizer is an :class:`Optimizer`, a named tuple of two pure functions and a description::

    opt = pyginger.optim.ginger(lr=0.1, rank=8, damping=0.1)
    state = opt.init(theta)                                   # -> state (a NamedTuple)
    theta, state = opt.step(theta, grad, state, curvature)    # -> new theta, new state

``step`` never writes to its inputs; it returns a new parameter vector and a new state. What
``curvature`` must be is given by ``opt.needs``:

==================  ========================================================  ==================
``needs``           ``curvature``                                             optimizers
==================  ========================================================  ==================
``None``            ignored (pass nothing)                                    sgd, adam
``"factor"``        a factor ``F``, shape ``(d,)`` or ``(d, k)``, ``F F^T``   ginger, ema_ggn,
                    the (or an unbiased estimate of the) GGN, e.g.            diag_ggn, qng;
                    ``model.ggn_factor(...)``; ``None`` reuses the state's    ``(d,)`` only:
                                                                              ginger_reference,
                                                                              qng_reference
``"ggn"``           the GGN itself: a factor array ``F`` (``G = F F^T``),     gauss_newton
                    a callable ``v -> G v`` or a ``LinearOperator``
``"ggn_operator"``  the same; a loop passes products ``v -> G v``             gauss_newton
                    (no factor is formed)                                     (``solver="cg"``)
``"kfac"``          per-layer Kronecker factors ``[(A_1, B_1), ...]``         kfac
                    from :func:`kfac_factors`; ``None`` reuses the state's
==================  ========================================================  ==================

The curvature-based methods share one update rule. With momentum
:math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t` (bias-corrected :math:`\hat m_t = m_t /
(1-\beta_1^t)`), the curvature EMA :math:`G_t = \beta_2 G_{t-1} + (1-\beta_2) F_t F_t^\top`
(:math:`G_0 = 0`) and damping :math:`\gamma`,

.. math:: u_t = \big(\hat G_t + \gamma I\big)^{-1} \hat m_t, \qquad
          \theta_{t+1} = \theta_t - \eta_t \operatorname{clip}(u_t, -\rho, \rho),

where :math:`\hat G_t = G_t / (1 - \beta_2^t)` when ``debias=True`` (the default) and
:math:`\hat G_t = G_t` otherwise (the paper). The methods differ only in how
:math:`(\hat G_t + \gamma I)^{-1}` is kept: exactly (``ema_ggn``), by Ginger's rank-``tau``
eigendecomposition (``ginger``), by its diagonal (``diag_ggn``), by Kronecker factors per layer
(``kfac``), or by a window of rank-one inverse factors (``qng``). ``gauss_newton`` solves with the
current GGN directly, without momentum or EMA.

The learning rate :math:`\eta_t` is a float or a schedule ``t -> float`` called with the
1-based step count (see :func:`linear_warmup`).

How they are built: each named optimizer chains small pure transforms
(:mod:`~pyginger.optim.transforms`: momentum, bias correction, precondition, clip, learning rate)
with one preconditioner (:mod:`~pyginger.optim.preconditioners`), and
:func:`~pyginger.optim.base.as_optimizer` wraps the chain into an :class:`Optimizer` that checks
its arguments once, at the door of ``init`` and ``step``. A new preconditioner is one small class
(:class:`Preconditioner`) passed to :func:`preconditioned`; see
``docs/optimizers.md``.
"""

from pyginger.nn.kfac import kfac_factors
from pyginger.optim.alias import (
    REFERENCE_SETTINGS,
    adam,
    gauss_newton,
    ginger,
    preconditioned,
    sgd,
)
from pyginger.optim.approximations import diag_ggn, ema_ggn, kfac, qng
from pyginger.optim.base import (
    ChainState,
    Optimizer,
    Preconditioner,
    Step,
    Transform,
    as_optimizer,
    chain,
)
from pyginger.optim.registry import OPTIMIZERS, get_optimizer
from pyginger.optim.released import REFERENCE_CONFIG, ginger_reference, qng_reference
from pyginger.optim.schedules import linear_warmup
from pyginger.optim.states import (
    AdamState,
    DiagGGNState,
    EMAGGNState,
    GaussNewtonState,
    GingerOptState,
    KFACState,
    QNGReferenceState,
    QNGState,
    SGDState,
)

__all__ = [
    # the interface
    "Optimizer",
    "OPTIMIZERS",
    "get_optimizer",
    # first-order baselines
    "sgd",
    "adam",
    # curvature-based
    "gauss_newton",
    "ema_ggn",
    "ginger",
    "ginger_reference",
    "REFERENCE_SETTINGS",
    "REFERENCE_CONFIG",
    "diag_ggn",
    "kfac",
    "kfac_factors",
    "qng",
    "qng_reference",
    # learning-rate schedules
    "linear_warmup",
    # states
    "SGDState",
    "AdamState",
    "GaussNewtonState",
    "GingerOptState",
    "EMAGGNState",
    "DiagGGNState",
    "KFACState",
    "QNGState",
    "QNGReferenceState",
    # composing new optimizers
    "preconditioned",
    "Preconditioner",
    "chain",
    "as_optimizer",
    "Transform",
    "Step",
    "ChainState",
]
