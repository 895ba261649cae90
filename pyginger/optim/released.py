r"""The authors' optimizers as released: Ginger's and QNG's steps with their own numerics.

:func:`ginger_reference` and :func:`qng_reference` compute what the authors' code computes
(float32 states, pseudo-inverse cut-offs, no curvature bias correction, the order of their
steps), so that their behaviour can be measured beside pyginger's :func:`~pyginger.optim.ginger`
and :func:`~pyginger.optim.qng`, which follow the paper's algebra. docs/reference.md lists every
difference and what it does.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence

from pyginger._validation import optimizers as _vo
from pyginger.optim.alias import _blocks_config, _chain_preconditioned
from pyginger.optim.base import Optimizer, Transform, as_optimizer, chain
from pyginger.optim.preconditioners.released import (
    ReleasedGinger,
    ReleasedQNG,
    trust_region_lr,
)
from pyginger.optim.schedules import linear_warmup
from pyginger.optim.states import GingerOptState, QNGReferenceState
from pyginger.optim.transforms import heavy_ball

__all__ = ["ginger_reference", "qng_reference", "REFERENCE_CONFIG"]

#: The authors' training configuration for Ginger (``MANGA-UOFA/Ginger``:
#: ``configs/optimizer/ginger.yaml`` and ``configs/img-cls.yaml``): peak learning rate 2e-4
#: (reached by a linear warm-up from 1e-7 over one epoch: pass ``warmup_steps``), tau 4,
#: damping 1e-5, clipping rho 1; beta1 and beta2 at the function's defaults 0.9 and 0.99. Use it
#: as ``ginger_reference(**REFERENCE_CONFIG, blocks=model.blocks, warmup_steps=steps_per_epoch)``.
REFERENCE_CONFIG = types.MappingProxyType(
    {"lr": 2e-4, "beta1": 0.9, "beta2": 0.99, "rank": 4, "damping": 1e-5, "rho": 1.0}
)


def ginger_reference(
    lr: float | Callable[[int], float] = REFERENCE_CONFIG["lr"],
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    rank: int = 4,
    damping: float = 1e-8,
    rho: float | None = None,
    blocks: Mapping[str, slice] | Sequence[slice] | None = None,
    warmup_steps: int = 0,
) -> Optimizer:
    r"""Ginger's optimizer step as its authors released it (float32, guarded, no debiasing).

    Per step, in this order:

    1. update every block's float32 state with that block's rows of the rank-one factor by the
       seven released steps (:func:`pyginger.update` with ``form="reference"``);
    2. :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`\hat m = m / (1-\beta_1^t)`;
       the curvature is *not* bias-corrected;
    3. :math:`u = \hat m/\gamma - U(s' \odot U^\top \hat m)` with the new state and
       :math:`s' = \operatorname{pinv}_c(\gamma^2 + \gamma\sigma)\,\sigma`
       (:func:`pyginger.core._released.query`, float32);
    4. :math:`\theta \leftarrow \theta - \eta_t \operatorname{clip}(u, -\rho, \rho)`.

    Parameters
    ----------
    lr : float or callable, optional
        Learning rate :math:`\eta`, or a schedule ``t -> eta``. Default 2e-4 (the authors'
        function requires it; the default is their configuration's peak value).
    beta1 : float, optional
        Momentum EMA factor in ``[0, 1)``, bias-corrected. Default 0.9.
    beta2 : float, optional
        Curvature EMA factor in ``[0, 1)``. Default 0.99.
    rank : int, optional
        :math:`\tau \ge 1`, capped at each block's size. Default 4.
    damping : float, optional
        :math:`\gamma > 0`. Default 1e-8 (the authors' function; their training uses 1e-5).
    rho : float, optional
        Element-wise clipping bound of the preconditioned step. Default None.
    blocks : None, dict of slices or sequence of slices, optional
        One state per block; the authors keep one per parameter tensor: ``model.blocks``.
        Default None (one state).
    warmup_steps : int, optional
        Linear warm-up of a float ``lr`` from 1e-7 over this many steps. Default 0.

    Returns
    -------
    Optimizer
        ``needs="factor"``: one factor vector of shape ``(d,)`` (the authors' is
        ``model.ggn_factor(theta, X, kind="mc", rng=rng)``, the batch-mean gradient at sampled
        labels times :math:`\sqrt n`); ``None`` skips step 1. Its state is a
        :class:`~pyginger.optim.GingerOptState` with float32 block states.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range, the blocks are malformed, ``warmup_steps > 0`` with a
        schedule, or (at ``step``) the factor has more than one column.

    See Also
    --------
    ginger : pyginger's Ginger (the paper's algebra, exact to rounding).
    REFERENCE_CONFIG : the authors' training configuration.
    pyginger.core._released : the seven steps of the update.

    Notes
    -----
    The guards change the result qualitatively: an eigenvalue :math:`\sigma` is set to zero
    once :math:`\sigma \gtrsim 1.7\cdot 10^5\gamma` (:func:`pyginger.core._released.
    collapse_threshold`), and a collapsed state is :math:`I/\gamma`, so the step is
    :math:`\eta\,\operatorname{clip}(\hat m/\gamma, -\rho, \rho)`: with :math:`\rho = 1` and a
    tiny :math:`\gamma`, :math:`\eta \operatorname{sign}(\hat m)` wherever
    :math:`|\hat m| > \gamma`. docs/reference.md measures it.

    Examples
    --------
    At the function's damping one factor of norm 1 collapses its block's state at once:

    >>> import numpy as np
    >>> from pyginger import optim
    >>> opt = optim.ginger_reference(1e-3, rho=1.0)
    >>> theta = np.zeros(6); state = opt.init(theta)
    >>> g = np.array([1.0, -2.0, 3e-9, 0.0, 4.0, -1.0])
    >>> theta, state = opt.step(theta, g, state, np.eye(6)[0])
    >>> state.curvature[0].sigma.max()
    np.float32(0.0)
    >>> print(np.round(theta / 1e-3, 6))  # -clip(mhat / 1e-8, -1, 1): -sign(mhat) mostly
    [-1.   1.  -0.3  0.  -1.   1. ]
    """
    checked = _vo.check_ginger_reference(lr, beta1, beta2, rank, damping, rho, blocks, warmup_steps)
    lr, beta1, beta2, rank, damping, rho, blocks, warmup_steps = checked
    if warmup_steps:
        lr = linear_warmup(lr, warmup_steps, init_value=1e-7)
    p = ReleasedGinger(rank, damping, beta2, blocks=blocks)
    config = {
        "lr": lr,
        "beta1": beta1,
        "beta2": beta2,
        "rank": rank,
        "damping": damping,
        "rho": rho,
        "blocks": _blocks_config(blocks),
    }
    chained = _chain_preconditioned(p, lr, beta1, rho)
    return as_optimizer(
        "ginger_reference", chained, needs=p.needs, config=config, state_type=GingerOptState
    )


def _released_qng_step(window: ReleasedQNG, lr, trust_region) -> Transform:
    """Precondition with the old window, push the new factor, scale by the (trusted) rate."""

    def update(m, state, step):
        u = window.solve(state, m).astype(step.theta.dtype)
        if step.curvature is not None:
            state = window.push(state, step.curvature[:, 0])
        eta = trust_region_lr(_vo.lr_at(step.where, lr, step.count), trust_region, m, u)
        return eta * u, state

    def check_curvature(where, curvature, theta):
        return None if curvature is None else _vo.check_rank_one_factor(where, curvature, theta)

    return Transform(window.init, update, window.state_type, None, check_curvature)


def qng_reference(
    lr: float | Callable[[int], float],
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    rank: int = 4,
    trust_region: float | None = None,
) -> Optimizer:
    r"""Run the paper's QNG baseline as released: an additive window and the old window's step.

    With :math:`a = \beta_2`, :math:`b = 1 - a` and the window of the last :math:`\tau`
    vectors :math:`q_i` (newest first, :math:`\ell \le \tau` of them), per step:

    1. :math:`m \leftarrow \beta_1 m + g` (a sum: no :math:`1-\beta_1`, no bias correction);
    2. :math:`u = R_{\mathrm{fwd}}(R_{\mathrm{rev}}(m))` with the *old* window, where
       :math:`R(u) = a^{-\ell/2}(u - \sum_{i<\ell} k_i (q_i^\top u)\, q_i)`,
       :math:`k_i = (1 - \sqrt{a/(a + b\, q_i^\top q_i)})/q_i^\top q_i`
       (:func:`pyginger.optim.preconditioners.released.additive_map`);
    3. the window takes :math:`q = R_{\mathrm{rev}}(f)` of the factor ``f`` in front (the
       oldest drops when full), :math:`\ell \leftarrow \min(\ell + 1, \tau)`;
    4. with a trust region :math:`\nu`, :math:`\eta \leftarrow \min(\eta, \sqrt{2\nu/m^\top u})`;
       :math:`\theta \leftarrow \theta - \eta u`.

    Parameters
    ----------
    lr : float or callable
        Learning rate :math:`\eta` or a schedule ``t -> eta``.
    beta1 : float, optional
        Momentum factor in ``[0, 1)`` of the sum. Default 0.9.
    beta2 : float, optional
        Curvature EMA factor :math:`a` in ``(0, 1)``. Default 0.99.
    rank : int, optional
        Window length :math:`\tau \ge 1`. Default 4.
    trust_region : float, optional
        :math:`\nu > 0`. Default None (no trust region).

    Returns
    -------
    Optimizer
        ``needs="factor"``: one factor vector of shape ``(d,)``; ``None`` leaves the window.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range (``beta2`` must be > 0), or (at ``step``) the factor has
        more than one column.

    See Also
    --------
    qng : the exact product of the rank-one factors, with pyginger's step order.

    Notes
    -----
    The additive :math:`R` equals the exact product
    :math:`\prod_i a^{-1/2}(I - k_i q_i q_i^\top)` when the :math:`q_i` are orthogonal;
    otherwise the two differ by the cross terms :math:`k_i k_j (q_i^\top q_j) q_i q_j^\top`.
    The window is float32, as released. A zero vector :math:`q` (a zero factor) gets
    :math:`k = 0` here, where the released code divides by zero.

    Examples
    --------
    With the first factor the window is empty and the step is :math:`\eta g`:

    >>> import numpy as np
    >>> from pyginger import optim
    >>> opt = optim.qng_reference(0.1)
    >>> theta = np.zeros(3); state = opt.init(theta)
    >>> theta, state = opt.step(theta, np.ones(3), state, np.array([1.0, 0.0, 0.0]))
    >>> theta, state.length
    (array([-0.1, -0.1, -0.1]), 1)
    """
    lr, beta1, beta2, rank, trust_region = _vo.check_qng_reference(
        lr, beta1, beta2, rank, trust_region
    )
    window = ReleasedQNG(rank, beta2)
    chained = chain(heavy_ball(beta1), _released_qng_step(window, lr, trust_region))
    config = {
        "lr": lr,
        "beta1": beta1,
        "beta2": beta2,
        "rank": rank,
        "trust_region": trust_region,
    }
    return as_optimizer(
        "qng_reference", chained, needs="factor", config=config, state_type=QNGReferenceState
    )
