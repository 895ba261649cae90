r"""The named optimizers, each a few lines of composition: first-order, Gauss-Newton and Ginger.

Every curvature-based optimizer here is :func:`preconditioned`: the chain ``ema(beta1) ->
bias_correction(beta1) -> precondition(P) -> clip(rho) -> scale_by_learning_rate(lr)`` of
:mod:`pyginger.optim.transforms` with its own preconditioner ``P``
(:mod:`pyginger.optim.preconditioners`). :mod:`pyginger.optim.approximations` holds the other
curvature approximations (dense EMA, diagonal, K-FAC, QNG).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping, Sequence

from pyginger import core
from pyginger._validation import optimizers as _vo
from pyginger.optim import _fused
from pyginger.optim.base import Optimizer, Preconditioner, Transform, as_optimizer, chain
from pyginger.optim.preconditioners import GaussNewton, Ginger
from pyginger.optim.states import (
    AdamState,
    GaussNewtonState,
    GingerOptState,
    SGDState,
)
from pyginger.optim.transforms import (
    bias_correction,
    clip,
    ema,
    heavy_ball,
    precondition,
    scale_by_learning_rate,
    scale_by_second_moment,
)

__all__ = [
    "sgd",
    "adam",
    "gauss_newton",
    "ginger",
    "REFERENCE_SETTINGS",
    "preconditioned",
]


_COMMON_DOC = r"""lr : float or callable, optional
        Learning rate :math:`\eta > 0` or a schedule ``t -> eta`` called with the 1-based step
        count. Default {lr}.
    beta1 : float, optional
        Momentum EMA factor in ``[0, 1)``; the momentum is bias-corrected. Default 0.9.
    beta2 : float, optional
        Curvature EMA factor in ``[0, 1)``. Default {beta2}.
    damping : float, optional
        :math:`\gamma > 0`, added fresh at every step. Default {damping}.
    rho : float, optional
        Clip every entry of the preconditioned step to ``[-rho, rho]`` before scaling by the
        learning rate. Default None (no clipping).
    debias : bool, optional
        Divide the curvature EMA by :math:`1 - \beta_2^n` (``n`` curvature updates so far), as
        Adam does for its moments. Default True. False follows the paper (:math:`G_0 = 0`, no
        correction), which makes the first steps up to :math:`1/(1-\beta_2)` times too long."""


def _blocks_config(blocks):
    return None if blocks is None else [list(b) for b in blocks]


def _chain_preconditioned(preconditioner, lr, beta1, rho) -> Transform:
    """Momentum, bias correction, ``preconditioner``, clipping, learning rate (all checked)."""
    return chain(
        ema(beta1),
        bias_correction(beta1),
        precondition(preconditioner),
        clip(rho),
        scale_by_learning_rate(lr),
    )


def preconditioned(
    preconditioner: Preconditioner,
    *,
    lr: float | Callable[[int], float] = 0.1,
    beta1: float = 0.9,
    rho: float | None = None,
    name: str = "preconditioned",
    config: Mapping | None = None,
) -> Optimizer:
    r"""Build an optimizer from a preconditioner: the curvature-based methods' shared rule.

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad
              \theta_{t+1} = \theta_t - \eta_t \operatorname{clip}\big(C_t^{-1}
              m_t / (1-\beta_1^t), -\rho, \rho\big),

    where :math:`C_t` is ``preconditioner`` after the step's curvature sample.

    Parameters
    ----------
    preconditioner : pyginger.optim.base.Preconditioner
        Keeps :math:`C`; its ``needs`` becomes the optimizer's.
    lr : float or callable, optional
        Learning rate or schedule ``t -> float``. Default 0.1.
    beta1 : float, optional
        Momentum EMA factor in ``[0, 1)``, bias-corrected. Default 0.9.
    rho : float, optional
        Element-wise clipping of the preconditioned step. Default None.
    name : str, optional
        The optimizer's name (in errors and checkpoints). Default ``"preconditioned"``.
    config : mapping, optional
        The preconditioner's settings, recorded with ``lr``, ``beta1``, ``rho`` and the
        preconditioner's class name in ``Optimizer.config`` (which checkpoints compare).

    Returns
    -------
    Optimizer
        Its state is a :class:`~pyginger.optim.base.ChainState`.

    Raises
    ------
    TypeError
        If ``preconditioner`` lacks the protocol's methods, ``name`` is not a string,
        ``config`` not a mapping, or another argument has the wrong type.
    ValueError
        If a value is out of range.

    See Also
    --------
    pyginger.optim.base.Preconditioner : the protocol; docs/optimizers.md has a worked example.

    Examples
    --------
    The diagonal GGN through the generic builder takes the steps of :func:`diag_ggn`:

    >>> import numpy as np
    >>> from pyginger import optim
    >>> from pyginger.optim.preconditioners import DiagonalGGN
    >>> opt = optim.preconditioned(DiagonalGGN(damping=0.1), lr=0.1)
    >>> ref = optim.diag_ggn(lr=0.1, damping=0.1)
    >>> theta = np.ones(3); s, r = opt.init(theta), ref.init(theta)
    >>> a, s = opt.step(theta, theta, s, theta); b, r = ref.step(theta, theta, r, theta)
    >>> bool(np.array_equal(a, b))
    True
    """
    func = "preconditioned"
    _vo.check_preconditioner(func, preconditioner)
    name = _vo.check_name(func, name)
    extra = _vo.check_config(func, config)
    lr = _vo.check_lr(func, lr)
    beta1 = _vo.check_unit(func, "beta1", beta1)
    rho = _vo.check_rho(func, rho)
    kind = type(preconditioner).__qualname__
    config = {"lr": lr, "beta1": beta1, "rho": rho, "preconditioner": kind, **extra}
    chained = _chain_preconditioned(preconditioner, lr, beta1, rho)
    return as_optimizer(name, chained, needs=preconditioner.needs, config=config)


def sgd(
    lr: float | Callable[[int], float] = 0.1, *, momentum: float = 0.0, nesterov: bool = False
) -> Optimizer:
    r"""Stochastic gradient descent with optional (Nesterov) heavy-ball momentum.

    .. math:: b_t = \mu b_{t-1} + g_t, \qquad
              \theta_{t+1} = \theta_t - \eta_t\, (g_t + \mu b_t \text{ if Nesterov else } b_t).

    Parameters
    ----------
    lr : float or callable, optional
        Learning rate :math:`\eta > 0` or a schedule ``t -> eta`` (``t`` starts at 1). Default 0.1.
    momentum : float, optional
        :math:`0 \le \mu < 1`. Default 0 (plain gradient descent).
    nesterov : bool, optional
        Nesterov's variant. Default False.

    Returns
    -------
    Optimizer
        ``needs=None``: ``step(theta, grad, state)``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``lr`` is not > 0 or ``momentum`` is outside ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger import optim
    >>> opt = optim.sgd(lr=0.5, momentum=0.5)
    >>> theta = np.array([4.0, -2.0]); state = opt.init(theta)
    >>> for _ in range(60):
    ...     theta, state = opt.step(theta, theta - 1.0, state)  # f = |theta - 1|^2 / 2
    >>> np.round(theta, 8)
    array([1., 1.])
    """
    lr, momentum, nesterov = _vo.check_sgd(lr, momentum, nesterov)
    chained = chain(heavy_ball(momentum, nesterov), scale_by_learning_rate(lr))
    config = {"lr": lr, "momentum": momentum, "nesterov": nesterov}
    return as_optimizer("sgd", chained, needs=None, config=config, state_type=SGDState)


def adam(
    lr: float | Callable[[int], float] = 1e-3,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Optimizer:
    r"""Adam (Kingma & Ba, 2015) with bias correction.

    .. math:: \theta_{t+1} = \theta_t - \eta_t\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    with bias-corrected EMAs :math:`\hat m_t` of :math:`g_t` and :math:`\hat v_t` of
    :math:`g_t^2`.

    Parameters
    ----------
    lr : float or callable, optional
        Learning rate or schedule. Default 1e-3.
    beta1, beta2 : float, optional
        EMA factors in ``[0, 1)``. Defaults 0.9 and 0.999.
    eps : float, optional
        :math:`\epsilon > 0`. Default 1e-8.

    Returns
    -------
    Optimizer
        ``needs=None``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``lr`` or ``eps`` is not > 0, or a beta is outside ``[0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger import optim
    >>> opt = optim.adam(lr=0.1)
    >>> theta = np.array([3.0, -1.0]); state = opt.init(theta)
    >>> for _ in range(300):
    ...     theta, state = opt.step(theta, theta, state)
    >>> bool(np.abs(theta).max() < 1e-3)
    True
    """
    lr, beta1, beta2, eps = _vo.check_adam(lr, beta1, beta2, eps)
    chained = chain(
        ema(beta1),
        bias_correction(beta1),
        scale_by_second_moment(beta2, eps),
        scale_by_learning_rate(lr),
    )
    config = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}
    return as_optimizer("adam", chained, needs=None, config=config, state_type=AdamState)


def gauss_newton(
    lr: float | Callable[[int], float] = 1.0,
    *,
    damping: float = 1e-3,
    solver: str = "auto",
    cg_rtol: float = 1e-10,
    cg_maxiter: int | None = None,
) -> Optimizer:
    r"""Damped Gauss-Newton: solve with the current GGN, exactly (dense) or by conjugate gradients.

    .. math:: \theta_{t+1} = \theta_t - \eta_t\, (G(\theta_t) + \gamma I)^{-1} g_t

    No momentum and no EMA: the curvature passed to ``step`` is used as is. Meant for small
    ``d`` (the dense solve costs :math:`O(d^3)`) or as the exact reference the approximations
    are measured against.

    Parameters
    ----------
    lr : float or callable, optional
        Step size; 1 (default) is the full Gauss-Newton step.
    damping : float, optional
        :math:`\gamma \ge 0`. Default 1e-3. With 0 a singular GGN falls back to the
        minimum-norm least-squares solution (dense solver).
    solver : {"auto", "dense", "cg"}, optional
        ``"dense"``: Cholesky of :math:`G + \gamma I` (formed from the factor, or by ``d``
        products with the operator). ``"cg"``: :func:`scipy.sparse.linalg.cg` with products
        only. ``"auto"`` (default): dense for a factor array, CG for a callable or operator.
    cg_rtol : float, optional
        Relative residual tolerance of CG. Default 1e-10.
    cg_maxiter : int, optional
        Iteration limit of CG (SciPy's default ``10 d`` when None). The state records CG's
        ``info`` (0: converged).

    Returns
    -------
    Optimizer
        ``needs="ggn"`` (``"ggn_operator"`` for ``solver="cg"``): ``curvature`` is a factor
        ``F`` (``(d,)`` or ``(d, k)``, ``G = F F^T``), a callable ``v -> G v`` or a
        :class:`~scipy.sparse.linalg.LinearOperator`.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``lr`` or ``cg_rtol`` is not > 0, ``damping < 0``, or ``solver`` is unknown.

    Examples
    --------
    Linear least squares :math:`\tfrac12\|Ax - b\|^2` is solved in one step (GGN :math:`A^\top A`,
    factor :math:`A^\top`):

    >>> import numpy as np
    >>> from pyginger import optim
    >>> rng = np.random.default_rng(0)
    >>> A, b = rng.standard_normal((20, 4)), rng.standard_normal(20)
    >>> opt = optim.gauss_newton(damping=0.0)
    >>> x = np.zeros(4); state = opt.init(x)
    >>> x, state = opt.step(x, A.T @ (A @ x - b), state, A.T)
    >>> bool(np.allclose(x, np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-12))
    True
    """
    checked = _vo.check_gauss_newton(lr, damping, solver, cg_rtol, cg_maxiter)
    lr, damping, solver, cg_rtol, cg_maxiter = checked
    p = GaussNewton(damping, solver, cg_rtol, cg_maxiter)
    chained = chain(precondition(p), scale_by_learning_rate(lr))
    config = {
        "lr": lr,
        "damping": damping,
        "solver": solver,
        "cg_rtol": cg_rtol,
        "cg_maxiter": cg_maxiter,
    }
    return as_optimizer(
        "gauss_newton", chained, needs=p.needs, config=config, state_type=GaussNewtonState
    )


def ginger(
    lr: float | Callable[[int], float] = 0.1,
    *,
    beta1: float = 0.9,
    beta2: float = 0.99,
    rank: int = 8,
    damping: float = 1e-1,
    rho: float | None = None,
    debias: bool = True,
    form: str = "curvature",
    blocks: Mapping[str, slice] | Sequence[slice] | None = None,
    reorth_every: int | None = core.REORTH_EVERY,
    overwrite_state: bool = False,
) -> Optimizer:
    r"""Ginger (Hao, Cao & Mou, 2024): momentum preconditioned by a rank-``tau`` damped GGN inverse.

    Per step, in this order:

    1. update every block's :class:`~pyginger.GingerState` with its rows of the new factor,
       :math:`G \leftarrow \beta_2 G + (1-\beta_2) F F^\top` truncated to rank ``tau``
       (:func:`pyginger.update`);
    2. :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`\hat m = m / (1-\beta_1^t)`;
    3. :math:`u = (\hat G + \gamma I)^{-1} \hat m` by the Woodbury identity
       (:func:`pyginger.solve`), :math:`\hat G = G/(1-\beta_2^n)` if ``debias``;
    4. :math:`\theta \leftarrow \theta - \eta_t \operatorname{clip}(u, -\rho, \rho)`.

    Parameters
    ----------
    {common}
    rank : int, optional
        :math:`\tau \ge 1`, capped at each block's size. Default 8.
    form : {"curvature", "inverse"}, optional
        Update form of :func:`pyginger.update`: ``"curvature"`` (default, stable) or the paper's
        ``"inverse"``.
    blocks : None, dict of slices or sequence of slices, optional
        ``None`` (default): one state for the whole vector. Otherwise one state per block
        (block-diagonal curvature), e.g. ``model.blocks``; the blocks must partition
        ``range(d)``.
    reorth_every : int or None, optional
        Passed to :func:`pyginger.update`. Default 100.
    overwrite_state : bool, optional
        Passed to :func:`pyginger.update`: rotate each block's ``U`` in place instead of
        allocating a new one every step, so that a run holds ``|U| + O(d)`` memory instead of up
        to ``2 |U|``, and skips the operating system's zero-filling of the new ``U`` (faster at
        large ``d``; ``python -m pyginger bench``); with one block, from a ``U`` of 128 KiB, the
        momentum is updated in place too. The optimizer state passed to ``step`` is then
        consumed: keep only the one ``step`` returns. Default ``False`` (pure steps).

    Returns
    -------
    Optimizer
        ``needs="factor"``: ``curvature`` is a factor of shape ``(d,)`` or ``(d, k)`` (for an
        MLP, ``model.ggn_factor(theta, X, y, kind="mc", rng=rng)``); ``None`` skips step 1.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If a value is out of range, ``form`` is unknown, or the blocks are malformed.

    See Also
    --------
    ema_ggn : the same method with the dense EMA (Ginger with ``tau = d``).
    ginger_reference : the authors' released numerics.
    pyginger.update, pyginger.solve : the core it is built on.

    Notes
    -----
    Per step and block of size :math:`d_b`: one update, :math:`O(d_b\tau(\tau + k))` flops, and
    one solve, :math:`O(d_b\tau)`; memory :math:`d_b\tau` for ``U`` plus the momentum. With one
    block the steps 2-4 run fused (:mod:`pyginger.optim._fused`) from ``U`` of 128 KiB on: for a
    rank-one factor two passes over ``U`` in all (the least an update makes), otherwise four;
    every element-wise operation and the new ``U`` round as the chain's, and only the solve's
    float64 sums run in another order.

    Where this differs from the paper and the authors' reference code
    (``MANGA-UOFA/Ginger``, ``optimizers/ginger.py`` and ``img_cls.py``):

    * **Damping.** Default :math:`\gamma = 10^{-1}` here; the reference function defaults to
      ``1e-8`` and its experiment configuration uses ``1e-5``. Outside span(U) the step is
      :math:`\eta\hat m/\gamma`, plain momentum SGD with learning rate :math:`\eta/\gamma`,
      so with tiny damping the reference relies on clipping (``rho=1``) and a small warmed-up
      learning rate (peak ``2e-4``). Here ``lr / damping`` is 1 by default, which was stable
      on every built-in task; larger ratios train faster until they diverge (on ``spirals``
      ``lr=0.1, damping=0.03`` is better, on ``regression`` it diverges).
    * **Update form.** Default ``"curvature"`` (eigen-updates :math:`G` itself); the reference
      updates the inverse's low-rank part with Sherman-Morrison (``form="inverse"``), which
      loses about :math:`\epsilon\sigma/\gamma` relative accuracy (the inverse form of
      docs/mathematics.md).
    * **Curvature bias correction.** ``debias=True`` by default; the paper and reference do not
      correct the EMA (:math:`G_0 = 0`).
    * **Small residuals.** The reference floors the residual norm at ``1e-8`` before dividing,
      clamps the inverse-space eigenvalues at :math:`1/\gamma` and zeroes eigenvalues below
      ``1e-9`` times the largest; the core drops residual directions below rounding noise
      instead, and the curvature form needs no clamping.
    * **NaN handling.** The reference training loop silently replaces NaN entries of the update
      by 0. Here ``step`` refuses a non-finite gradient or factor (``ValueError``), and
      :func:`pyginger.minimize` / :func:`pyginger.run.training.train` stop with the last finite
      iterate and a message.
    * **Clipping.** Same rule (element-wise clip of the preconditioned step, before the
      learning rate); off by default, as in the reference function (its configuration sets 1).
    * **Blocks.** The reference keeps one state per parameter tensor; here the default is one
      state for the whole vector (``blocks=model.blocks`` gives the reference's layout). The
      reference allocates ``eye(size, tau)`` even for tensors smaller than ``tau``; here the
      rank is capped at the block size.
    * **Precision.** The reference stores ``sigma`` and solves the small eigenproblem in
      float32; here they are float64 (``U`` has the dtype of ``theta``).
    * **Not included:** weight decay (the reference's training script applies decoupled decay,
      0 by default).

    :func:`ginger_reference` computes the reference's step itself, with its float32 guards;
    docs/reference.md measures every difference listed here.

    Examples
    --------
    A convex quadratic :math:`\tfrac12 (\theta-\theta^*)^\top A (\theta-\theta^*)` with the exact
    factor :math:`A^{1/2}`:

    >>> import numpy as np
    >>> from pyginger import optim
    >>> A = np.diag([100.0, 10.0, 1.0]); theta_star = np.array([1.0, -2.0, 3.0])
    >>> opt = optim.ginger(lr=0.5, rank=2, damping=1.0, beta1=0.0)
    >>> theta = np.zeros(3); state = opt.init(theta)
    >>> for _ in range(100):
    ...     theta, state = opt.step(theta, A @ (theta - theta_star), state, np.sqrt(A))
    >>> bool(np.allclose(theta, theta_star))
    True
    >>> [s.rank for s in state.curvature]
    [2]
    """
    common = _vo.check_common("ginger", lr, beta1, beta2, damping, rho, debias)
    lr, beta1, beta2, damping, rho, debias = common
    rank, form, blocks, reorth_every, overwrite_state = _vo.check_ginger(
        rank, form, blocks, reorth_every, overwrite_state
    )
    p = Ginger(
        rank, damping, beta2, debias=debias, form=form, blocks=blocks,
        reorth_every=reorth_every, overwrite=overwrite_state,
    )  # fmt: skip
    config = {
        "lr": lr,
        "beta1": beta1,
        "beta2": beta2,
        "rank": rank,
        "damping": damping,
        "rho": rho,
        "debias": debias,
        "form": form,
        "blocks": _blocks_config(blocks),
        "reorth_every": reorth_every,
    }  # overwrite_state says how the state is stored, not what is computed: not in the config
    chained = _chain_preconditioned(p, lr, beta1, rho)
    opt = as_optimizer("ginger", chained, needs=p.needs, config=config, state_type=GingerOptState)
    return _fused.fused(opt, p, lr, beta1, rho)  # the same step, in fewer passes at large d


ginger.__doc__ = ginger.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="0.1")
)


#: The authors' training settings on pyginger's :func:`ginger` (``ginger(**REFERENCE_SETTINGS)``):
#: peak learning rate 2e-4, beta1 0.9, beta2 0.99, tau 4, damping 1e-5, clipping rho 1, the
#: paper's inverse form, no curvature bias correction. These are the authors' hyper-parameters
#: with the paper's algebra; :func:`pyginger.optim.ginger_reference` with
#: :data:`pyginger.optim.REFERENCE_CONFIG` adds the authors' released numerics.
REFERENCE_SETTINGS = types.MappingProxyType(
    {
        "lr": 2e-4,
        "beta1": 0.9,
        "beta2": 0.99,
        "rank": 4,
        "damping": 1e-5,
        "rho": 1.0,
        "debias": False,
        "form": "inverse",
    }
)
