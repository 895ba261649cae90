r"""The other curvature approximations as named optimizers: dense EMA GGN, diagonal, K-FAC, QNG.

Each is :func:`~pyginger.optim.alias.ginger`'s rule with another preconditioner of
:mod:`pyginger.optim.preconditioners`: the exact EMA (``ema_ggn``), its diagonal
(``diag_ggn``), Kronecker factors per layer (``kfac``) or a window of rank-one inverse factors
(``qng``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from pyginger._validation import optimizers as _vo
from pyginger.optim.alias import _COMMON_DOC, _blocks_config, _chain_preconditioned
from pyginger.optim.base import Optimizer, as_optimizer
from pyginger.optim.preconditioners import KFAC, QNG, DenseGGN, DiagonalGGN
from pyginger.optim.states import DiagGGNState, EMAGGNState, KFACState, QNGState

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

__all__ = ["ema_ggn", "diag_ggn", "kfac", "qng"]


def _common_config(lr, beta1, beta2, damping, rho, debias) -> dict:
    """Return the hyper-parameters every curvature EMA method records, in their usual order."""
    return {"lr": lr, "beta1": beta1, "beta2": beta2, "damping": damping, "rho": rho,
            "debias": debias}  # fmt: skip


def ema_ggn(
    lr: float | Callable[[int], float] = 0.1,
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    damping: float = 1e-1,
    rho: float | None = None,
    debias: bool = True,
    blocks: Mapping[str, slice] | Sequence[slice] | None = None,
) -> Optimizer:
    r"""Keep the EMA GGN dense and invert it exactly: Ginger with ``tau = d`` (no truncation).

    Same steps as :func:`ginger`, with the dense :math:`G \leftarrow \beta_2 G + (1-\beta_2) F
    F^\top` per block and a Cholesky solve of :math:`\hat G + \gamma I`. Comparing the two shows
    what truncation to rank ``tau`` costs.

    Parameters
    ----------
    {common}
    blocks : None, dict of slices or sequence of slices, optional
        One dense matrix per block (block-diagonal curvature); None (default): one for all.

    Returns
    -------
    Optimizer
        ``needs="factor"``; ``None`` keeps the current EMA.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range or the blocks are malformed.

    See Also
    --------
    ginger : the rank-``tau`` version.
    pyginger.dense.ema_ggn, pyginger.dense.damped_inverse : the same matrices, stand-alone.

    Notes
    -----
    :math:`O(d_b^2 k)` per update and :math:`O(d_b^3)` per solve, :math:`d_b^2` memory per
    block: for small models only.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger import optim
    >>> A = np.array([[4.0, 1.0], [1.0, 3.0]]); theta_star = np.array([1.0, 2.0])
    >>> opt = optim.ema_ggn(lr=1.0, beta1=0.0, damping=1e-8)
    >>> theta = np.zeros(2); state = opt.init(theta)
    >>> theta, state = opt.step(theta, A @ (theta - theta_star), state, np.linalg.cholesky(A))
    >>> bool(np.allclose(theta, theta_star))  # debiased EMA of one exact factor = Newton
    True
    """
    common = _vo.check_common("ema_ggn", lr, beta1, beta2, damping, rho, debias)
    lr, beta1, beta2, damping, rho, debias = common
    blocks = _vo.check_blocks("ema_ggn", blocks)
    p = DenseGGN(damping, beta2, debias=debias, blocks=blocks)
    config = {
        **_common_config(lr, beta1, beta2, damping, rho, debias),
        "blocks": _blocks_config(blocks),
    }
    chained = _chain_preconditioned(p, lr, beta1, rho)
    return as_optimizer("ema_ggn", chained, needs=p.needs, config=config, state_type=EMAGGNState)


ema_ggn.__doc__ = ema_ggn.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="0.1")
)


def diag_ggn(
    lr: float | Callable[[int], float] = 0.1,
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    damping: float = 1e-1,
    rho: float | None = None,
    debias: bool = True,
) -> Optimizer:
    r"""Precondition by the diagonal of the EMA GGN, with the damping and momentum of ginger.

    :math:`v \leftarrow \beta_2 v + (1-\beta_2) \sum_j F_{:,j}^2` and
    :math:`u = \hat m / (\hat v + \gamma)`. Unlike Adam there is no square root: this is a
    (diagonal) Newton-type step.

    Parameters
    ----------
    {common}

    Returns
    -------
    Optimizer
        ``needs="factor"``; ``None`` keeps the current diagonal.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger import optim
    >>> A = np.diag([100.0, 1.0]); theta_star = np.array([1.0, 1.0])
    >>> opt = optim.diag_ggn(lr=1.0, beta1=0.0, damping=1e-6)
    >>> theta = np.zeros(2); state = opt.init(theta)
    >>> theta, state = opt.step(theta, A @ (theta - theta_star), state, np.sqrt(A))
    >>> np.round(theta, 4)  # exact for a diagonal A
    array([1., 1.])
    """
    common = _vo.check_common("diag_ggn", lr, beta1, beta2, damping, rho, debias)
    lr, beta1, beta2, damping, rho, debias = common
    p = DiagonalGGN(damping, beta2, debias=debias)
    config = {
        **_common_config(lr, beta1, beta2, damping, rho, debias),
    }
    chained = _chain_preconditioned(p, lr, beta1, rho)
    return as_optimizer("diag_ggn", chained, needs=p.needs, config=config, state_type=DiagGGNState)


diag_ggn.__doc__ = diag_ggn.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="0.1")
)


def kfac(
    model: MLP | Sequence[int],
    lr: float | Callable[[int], float] = 0.1,
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    damping: float = 1e-2,
    rho: float | None = None,
    debias: bool = True,
) -> Optimizer:
    r"""K-FAC (Martens & Grosse, 2015) for :class:`~pyginger.nn.MLP`: Kronecker factors per layer.

    Layer ``l``'s GGN block is approximated by :math:`\bar A_l \otimes \bar B_l` (EMAs of the
    factors of :func:`kfac_factors`), damped by factored Tikhonov damping

    .. math:: (\bar A_l + \pi_l \sqrt\gamma\, I) \otimes (\bar B_l + \sqrt\gamma / \pi_l\, I),
              \qquad \pi_l = \sqrt{\frac{\operatorname{tr}\bar A_l / \dim \bar A_l}
              {\operatorname{tr}\bar B_l / \dim \bar B_l}},

    and the step for the layer's ``(n_{l-1}+1, n_l)`` gradient matrix :math:`M` is
    :math:`(\bar A_l + \pi_l\sqrt\gamma I)^{-1} M (\bar B_l + \sqrt\gamma/\pi_l I)^{-1}`.
    Momentum, learning rate, clipping and bias correction as in :func:`ginger`.

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP or sequence of int
        The network, or its layer sizes.
    {common}

    Returns
    -------
    Optimizer
        ``needs="kfac"``: ``curvature`` is ``kfac_factors(model, theta, X, ...)``; ``None``
        keeps the current factors.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range.

    See Also
    --------
    kfac_factors : the curvature input.

    Examples
    --------
    Linear regression (MSE on a linear model), where KFAC is exact:

    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger import optim
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    >>> model = MLP([3, 1], loss="mse")
    >>> opt = optim.kfac(model, lr=1.0, beta1=0.0, damping=1e-10)
    >>> theta = model.init(seed=0); state = opt.init(theta)
    >>> for _ in range(3):
    ...     _, g = model.loss_and_grad(theta, X, y)
    ...     factors = optim.kfac_factors(model, theta, X, kind="exact")
    ...     theta, state = opt.step(theta, g, state, factors)
    >>> Xt = np.hstack([X, np.ones((30, 1))])
    >>> bool(np.allclose(theta, np.linalg.lstsq(Xt, y, rcond=None)[0].ravel()))
    True
    """
    shapes = _vo.layer_shapes("kfac", model)
    common = _vo.check_common("kfac", lr, beta1, beta2, damping, rho, debias)
    lr, beta1, beta2, damping, rho, debias = common
    p = KFAC(shapes, damping, beta2, debias=debias)
    config = {
        "layers": [list(s) for s in shapes],
        **_common_config(lr, beta1, beta2, damping, rho, debias),
    }
    chained = _chain_preconditioned(p, lr, beta1, rho)
    return as_optimizer("kfac", chained, needs=p.needs, config=config, state_type=KFACState)


kfac.__doc__ = kfac.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="1e-2")
)


def qng(
    lr: float | Callable[[int], float] = 0.1,
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    rank: int = 4,
    damping: float = 1.0,
    rho: float | None = None,
) -> Optimizer:
    r"""Run the paper's low-rank baseline: the EMA GGN's inverse root as ``tau`` rank-one factors.

    Write :math:`G = L L^\top` with :math:`L_0 = \sqrt\gamma I`. The rank-one update
    :math:`G' = a G + b g g^\top` (:math:`a = \beta_2`, :math:`b = 1 - \beta_2`) gives
    :math:`L'^{-1} = a^{-1/2} (I - k\, q q^\top) L^{-1}` with :math:`q = L^{-1} g` and
    :math:`k = \big(1 - \sqrt{a / (a + b\|q\|^2)}\big) / \|q\|^2`, so
    :math:`G^{-1} v = L^{-\top} L^{-1} v` costs :math:`O(d\tau)` when only the last ``tau``
    factors are kept (the oldest is dropped; the later ``q`` were computed with it, so the window
    is an approximation). While at most ``tau`` rank-one updates have arrived the inverse is
    exact: :math:`(a^t \gamma I + \sum_s a^{t-s} b\, g_s g_s^\top)^{-1}`.

    Parameters
    ----------
    lr : float or callable, optional
        Learning rate or schedule. Default 0.1.
    beta1 : float, optional
        Momentum EMA factor, bias-corrected. Default 0.9.
    beta2 : float, optional
        Curvature EMA factor :math:`a` in ``(0, 1)``. Default 0.99.
    rank : int, optional
        Window length :math:`\tau \ge 1`. Default 4.
    damping : float, optional
        :math:`\gamma > 0`, the initial curvature :math:`\gamma I`. It decays with the EMA
        (unlike Ginger's damping, added fresh at each step). Default 1 (the reference code's
        identity).
    rho : float, optional
        Element-wise clipping of the preconditioned step. Default None.

    Returns
    -------
    Optimizer
        ``needs="factor"``; a ``(d, k)`` factor adds its columns one at a time (weights
        :math:`a` then 1), so only the last ``tau`` columns survive; ``None`` skips the update.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range (``beta2`` must be > 0 here).

    Notes
    -----
    Deviations from the authors' ``optimizers/qng.py``: the momentum is the bias-corrected EMA
    of :func:`ginger` (the reference sums ``mu = b1 mu + g``, i.e. a learning rate
    ``1/(1-b1)`` times larger, with no correction); the window is updated *before*
    preconditioning, as Ginger does (the reference preconditions with the old window); the
    initial scale :math:`\gamma` is a parameter (the reference fixes 1); the optional trust
    region of the reference is not implemented here. :func:`qng_reference` computes the released
    step, trust region included. Reference settings: lr 0.5, tau 64.

    Examples
    --------
    A quadratic with Monte-Carlo factors :math:`A^{1/2} z`, :math:`z \sim N(0, I)`
    (:math:`E[F F^\top] = A`):

    >>> import numpy as np
    >>> from pyginger import optim
    >>> A = np.diag([9.0, 4.0, 1.0]); theta_star = np.ones(3)
    >>> opt = optim.qng(lr=0.3, rank=3, beta1=0.0, beta2=0.9, damping=1.0)
    >>> theta = np.zeros(3); state = opt.init(theta); rng = np.random.default_rng(1)
    >>> for _ in range(100):
    ...     F = np.sqrt(A) @ rng.standard_normal(3)
    ...     theta, state = opt.step(theta, A @ (theta - theta_star), state, F)
    >>> bool(np.allclose(theta, theta_star)), state.length
    (True, 3)
    """
    lr, beta1, beta2, rank, damping, rho = _vo.check_qng(lr, beta1, beta2, rank, damping, rho)
    p = QNG(rank, damping, beta2)
    config = {
        "lr": lr,
        "beta1": beta1,
        "beta2": beta2,
        "rank": rank,
        "damping": damping,
        "rho": rho,
    }
    chained = _chain_preconditioned(p, lr, beta1, rho)
    return as_optimizer("qng", chained, needs=p.needs, config=config, state_type=QNGState)
