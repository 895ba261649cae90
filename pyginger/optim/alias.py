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
``"factor"``        a factor ``F``, shape ``(d,)`` or ``(d, k)``, ``F F^T``     ginger, ema_ggn,
                    the (or an unbiased estimate of the) GGN, e.g.            diag_ggn, qng
                    ``model.ggn_factor(...)``; ``None`` reuses the state's
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
"""

from __future__ import annotations

import inspect
import math
import numbers
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator, cg

from pyginger import _validation as _v
from pyginger import core

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

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
    "diag_ggn",
    "kfac",
    "kfac_factors",
    "qng",
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
]


# ---------------------------------------------------------------------------------------------
# The interface
# ---------------------------------------------------------------------------------------------


class Optimizer(NamedTuple):
    """A functional optimizer: ``init(theta) -> state`` and ``step(theta, grad, state, curvature)``.

    Attributes
    ----------
    name : str
        The constructor's name (``"ginger"``, ``"adam"``, ...).
    init : callable
        ``init(theta) -> state``: the initial state for parameters ``theta`` of shape ``(d,)``.
    step : callable
        ``step(theta, grad, state, curvature=None) -> (theta, state)``: one update; pure.
    needs : {None, "factor", "ggn", "ggn_operator", "kfac"}
        What ``curvature`` must be (see the module docstring).
    config : mapping
        The hyper-parameters, read-only; used by :mod:`pyginger.checkpoint` to check that a
        checkpoint belongs to this optimizer.
    """

    name: str
    init: Callable[..., Any]
    step: Callable[..., Any]
    needs: str | None
    config: types.MappingProxyType

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{self.name}({args})"


def _make(name, init, step, needs, config) -> Optimizer:
    return Optimizer(name, init, step, needs, types.MappingProxyType(dict(config)))


# ---------------------------------------------------------------------------------------------
# Argument checks (messages: "<function>: <argument> must <expected>, got <received>")
# ---------------------------------------------------------------------------------------------


def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_lr(func, lr):
    if callable(lr):
        return lr
    if not _is_real(lr):
        raise TypeError(
            f"{func}: lr must be a real number or a schedule (callable step -> float), "
            f"got {type(lr).__name__}"
        )
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"{func}: lr must be a finite number > 0, got {lr}")
    return lr


def _check_unit(func, name, value):
    """``0 <= value < 1`` (EMA and momentum factors)."""
    if not _is_real(value):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{func}: {name} must satisfy 0 <= {name} < 1, got {value}")
    return value


def _check_nonneg(func, name, value):
    if not _is_real(value):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{func}: {name} must be a finite number >= 0, got {value}")
    return value


def _check_rho(func, rho):
    if rho is None:
        return None
    return _v.check_positive_finite(func, "rho", rho)


def _check_theta(func, theta):
    """Return ``theta`` as a finite float32/float64 vector (a fresh array when converted)."""
    _v.refuse_non_real(func, "theta", theta)
    if isinstance(theta, np.ndarray) and theta.dtype.kind == "f":
        # float16 and longdouble would change precision, ">f8" is not what the kernels read:
        # refused rather than silently cast, like every array operand of the core.
        _v.check_float_dtype(func, "theta.dtype", theta.dtype)
    if isinstance(theta, np.ndarray) and theta.dtype in _v.FLOAT_DTYPES:
        arr = theta
    else:
        try:
            arr = np.asarray(theta, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: theta must be a real vector of shape (d,), got {type(theta).__name__}"
            ) from None
    if arr.ndim != 1 or arr.shape[0] < 1:
        raise ValueError(f"{func}: theta must have shape (d,) with d >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{func}: theta must contain only finite values (found NaN or inf)")
    return arr


def _check_vector(func, name, x, theta):
    """Return a gradient-like vector checked against the shape and dtype of ``theta``."""
    if isinstance(x, np.ndarray):
        if x.dtype != theta.dtype:
            if x.dtype.kind not in "fiu":
                raise TypeError(f"{func}: {name} must hold real numbers, got dtype {x.dtype}")
            if x.dtype.kind == "f":
                raise TypeError(
                    f"{func}: {name} must have dtype {theta.dtype} (the dtype of theta), got "
                    f"{x.dtype}; cast it explicitly, e.g. {name}.astype(theta.dtype)"
                )
            x = x.astype(theta.dtype)
    else:
        try:
            x = np.asarray(x, dtype=theta.dtype)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: {name} must be a real vector of shape {theta.shape}, got "
                f"{type(x).__name__}"
            ) from None
    if x.shape != theta.shape:
        raise ValueError(f"{func}: {name} must have shape {theta.shape} like theta, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{func}: {name} must contain only finite values (found NaN or inf)")
    return x


def _check_inverse_form_factor(func, F, damping):
    """Refuse a factor the inverse form cannot take: it forms ``F / damping`` and its Gram.

    Checked before any block is updated, so that with ``overwrite_state`` no block's ``U`` is
    rotated in place ahead of a block that fails. (The curvature form's products are bounded
    by ``|F|^2``, which :func:`_check_factor` has checked.)
    """
    with np.errstate(over="ignore"):  # |F / damping|^2 without a scaled copy of F
        squared = np.float64(np.vdot(F, F)) / damping / damping
    if not np.isfinite(squared):
        raise _v.CurvatureRangeError(
            f"{func}: curvature is too large for the inverse form at damping {damping:g} (the "
            "squared norm of curvature / damping overflows); no block was updated"
        )


def _cholesky(func, M, damping):
    """Cholesky factor of the damped curvature ``M``; a clear error where rounding breaks it.

    ``M = G + damping I`` is positive definite in exact arithmetic, but when ``G``'s entries are
    ``~1 / eps`` times the damping or more, rounding in ``G`` exceeds the damping and Cholesky
    fails: the damping no longer regularizes anything.
    """
    try:
        return scipy.linalg.cho_factor(M)
    except np.linalg.LinAlgError:
        scale = float(np.max(np.abs(M)))
        raise _v.CurvatureRangeError(
            f"{func}: the damped curvature is not numerically positive definite (entries up to "
            f"{scale:.3g} against damping {damping:.3g}); increase the damping or rescale"
        ) from None


def _check_factor(func, F, theta):
    """Return a curvature factor checked to be ``(d,)`` or ``(d, k)``, as a ``(d, k)`` array."""
    d = theta.shape[0]
    if isinstance(F, np.ndarray):
        if F.dtype != theta.dtype:
            if F.dtype.kind == "f":
                raise TypeError(
                    f"{func}: curvature must have dtype {theta.dtype} (the dtype of theta), "
                    f"got {F.dtype}; cast it explicitly"
                )
            if F.dtype.kind not in "iu":
                raise TypeError(f"{func}: curvature must hold real numbers, got dtype {F.dtype}")
            F = F.astype(theta.dtype)
    elif isinstance(F, (list, tuple)):
        try:
            F = np.asarray(F, dtype=theta.dtype)
        except (TypeError, ValueError):
            raise TypeError(f"{func}: curvature must be an array of real numbers") from None
    else:
        raise TypeError(
            f"{func}: curvature must be a factor array of shape ({d},) or ({d}, k) "
            f"(e.g. model.ggn_factor(theta, X, y)), got {type(F).__name__}"
        )
    if not (F.ndim in (1, 2) and F.shape[0] == d and (F.ndim == 1 or F.shape[1] >= 1)):
        raise ValueError(f"{func}: curvature must have shape ({d},) or ({d}, k), got {F.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        squared = float(np.vdot(F, F))  # one pass: NaN and inf propagate, and overflow shows
    if not math.isfinite(squared):
        if not np.all(np.isfinite(F)):
            raise ValueError(
                f"{func}: curvature must contain only finite values (found NaN or inf)"
            )
        raise _v.CurvatureRangeError(
            f"{func}: curvature is too large (its squared norm overflows, so would the curvature "
            "matrix); rescale the problem"
        )
    return F if F.ndim == 2 else F[:, None]


def _check_state(func, state, cls, theta):
    if not isinstance(state, cls):
        raise TypeError(
            f"{func}: state must be a {cls.__name__} (from the optimizer's init), "
            f"got {type(state).__name__}"
        )
    size = getattr(state, "size", None)
    if size is not None and size != theta.shape[0]:
        raise ValueError(
            f"{func}: state was made for d = {size} parameters, got theta of shape {theta.shape}"
        )


def _lr_at(func, lr, count):
    value = lr(count) if callable(lr) else lr
    if not _is_real(value) and not (isinstance(value, np.ndarray) and value.shape == ()):
        raise TypeError(
            f"{func}: the learning-rate schedule must return a real number, got "
            f"{type(value).__name__} at step {count}"
        )
    value = float(value)
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(
            f"{func}: the learning rate must be a finite number >= 0, got {value} at step {count}"
        )
    return value


def _describe_lr(lr):
    return lr if not callable(lr) else repr(lr)


def _check_blocks(func, blocks):
    """Normalise a block specification to a tuple of ``(start, stop)`` pairs, or ``None``."""
    if blocks is None:
        return None
    items = list(blocks.values()) if isinstance(blocks, dict) else blocks
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"{func}: blocks must be None, a dict of slices (e.g. model.blocks) or a sequence of "
            f"slices, got {type(blocks).__name__}"
        ) from None
    out = []
    for item in items:
        if isinstance(item, slice):
            start, stop, stride = item.start, item.stop, item.step
            if stride not in (None, 1):
                raise ValueError(f"{func}: blocks must be contiguous slices, got {item}")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            start, stop = item
        else:
            raise TypeError(f"{func}: blocks must hold slices or (start, stop) pairs, got {item!r}")
        start = 0 if start is None else start
        if not all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in (start, stop)
        ):
            raise TypeError(f"{func}: block bounds must be integers, got {item!r}")
        if not 0 <= start < stop:
            raise ValueError(f"{func}: every block must satisfy 0 <= start < stop, got {item!r}")
        out.append((int(start), int(stop)))
    if not out:
        raise ValueError(f"{func}: blocks must contain at least one block, got none")
    return tuple(sorted(out))


def _resolve_blocks(func, blocks, d):
    """Slices covering ``range(d)`` exactly once, in order."""
    if blocks is None:
        return (slice(0, d),)
    position = 0
    for start, stop in blocks:
        if start != position:
            problem = "overlap" if start < position else f"leave [{position}, {start}) uncovered"
            raise ValueError(
                f"{func}: blocks must partition range(d) = range({d}) without gaps or overlap; "
                f"they {problem}"
            )
        position = stop
    if position != d:
        raise ValueError(
            f"{func}: blocks must partition range(d) = range({d}); they end at {position}"
        )
    return tuple(slice(a, b) for a, b in blocks)


# ---------------------------------------------------------------------------------------------
# Shared pieces of the curvature-based methods: momentum, step size and clipping
# ---------------------------------------------------------------------------------------------


def _momentum(mu, grad, beta1, count):
    """Return the new EMA ``mu`` and its bias-corrected value ``mu / (1 - beta1^count)``."""
    mu = beta1 * mu + (1.0 - beta1) * grad
    return mu, mu / (1.0 - beta1**count)


def _apply_update(func, theta, u, lr, count, rho):
    u = np.asarray(u, dtype=theta.dtype)
    if rho is not None:
        u = np.clip(u, -rho, rho)
    return theta - _lr_at(func, lr, count) * u


def _debias(beta2, n_updates, debias):
    """Return the EMA weight ``1 - beta2^n`` (1 when not debiasing or before any update)."""
    if not debias or n_updates == 0:
        return 1.0
    return 1.0 - beta2**n_updates


# ---------------------------------------------------------------------------------------------
# sgd, adam
# ---------------------------------------------------------------------------------------------


class SGDState(NamedTuple):
    """State of :func:`sgd`: step count and momentum buffer."""

    count: int
    momentum: np.ndarray
    size: int


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
    func = "sgd"
    lr = _check_lr(func, lr)
    momentum = _check_unit(func, "momentum", momentum)
    nesterov = _v.check_bool(func, "nesterov", nesterov)

    def init(theta):
        theta = _check_theta("sgd.init", theta)
        return SGDState(count=0, momentum=np.zeros_like(theta), size=theta.shape[0])

    def step(theta, grad, state, curvature=None):
        where = "sgd.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, SGDState, theta)
        count = state.count + 1
        buf = momentum * state.momentum + grad
        u = grad + momentum * buf if nesterov else buf
        new_theta = theta - _lr_at(where, lr, count) * u
        return new_theta, SGDState(count=count, momentum=buf, size=state.size)

    config = {"lr": _describe_lr(lr), "momentum": momentum, "nesterov": nesterov}
    return _make("sgd", init, step, None, config)


class AdamState(NamedTuple):
    """State of :func:`adam`: step count, first and second moment EMAs."""

    count: int
    mu: np.ndarray
    nu: np.ndarray
    size: int


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
    func = "adam"
    lr = _check_lr(func, lr)
    beta1 = _check_unit(func, "beta1", beta1)
    beta2 = _check_unit(func, "beta2", beta2)
    eps = _v.check_positive_finite(func, "eps", eps)

    def init(theta):
        theta = _check_theta("adam.init", theta)
        zeros = np.zeros_like(theta)
        return AdamState(count=0, mu=zeros, nu=zeros.copy(), size=theta.shape[0])

    def step(theta, grad, state, curvature=None):
        where = "adam.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, AdamState, theta)
        count = state.count + 1
        mu, mhat = _momentum(state.mu, grad, beta1, count)
        nu = beta2 * state.nu + (1.0 - beta2) * (grad * grad)
        vhat = nu / (1.0 - beta2**count)
        new_theta = theta - _lr_at(where, lr, count) * (mhat / (np.sqrt(vhat) + eps))
        return new_theta, AdamState(count=count, mu=mu, nu=nu, size=state.size)

    config = {"lr": _describe_lr(lr), "beta1": beta1, "beta2": beta2, "eps": eps}
    return _make("adam", init, step, None, config)


# ---------------------------------------------------------------------------------------------
# gauss_newton
# ---------------------------------------------------------------------------------------------


class GaussNewtonState(NamedTuple):
    """State of :func:`gauss_newton`: step count and the last solver's info (0: converged)."""

    count: int
    solver_info: int
    size: int


_GN_SOLVERS = ("auto", "dense", "cg")


def _as_matvec(func, curvature, theta):
    """Return ``(matvec, factor)``: exactly one of them is not None."""
    if isinstance(curvature, LinearOperator):
        d = theta.shape[0]
        if curvature.shape != (d, d):
            raise ValueError(
                f"{func}: curvature operator must have shape ({d}, {d}), got {curvature.shape}"
            )
        return (lambda v: np.asarray(curvature.matvec(v), dtype=theta.dtype).reshape(-1)), None
    if callable(curvature):
        return (lambda v: np.asarray(curvature(v), dtype=theta.dtype).reshape(-1)), None
    if curvature is None:
        raise ValueError(
            f"{func}: curvature is required: a factor F of shape ({theta.shape[0]}, k) with "
            "G = F F^T, a callable v -> G v or a LinearOperator; got None"
        )
    return None, _check_factor(func, curvature, theta)


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
    func = "gauss_newton"
    lr = _check_lr(func, lr)
    damping = _check_nonneg(func, "damping", damping)
    _v.check_choice(func, "solver", solver, _GN_SOLVERS)
    cg_rtol = _v.check_positive_finite(func, "cg_rtol", cg_rtol)
    if cg_maxiter is not None:
        cg_maxiter = _v.check_positive_int(func, "cg_maxiter", cg_maxiter)

    def init(theta):
        theta = _check_theta("gauss_newton.init", theta)
        return GaussNewtonState(count=0, solver_info=0, size=theta.shape[0])

    def _dense_solve(G, g):
        G = G + damping * np.eye(G.shape[0], dtype=G.dtype)
        try:
            cho = scipy.linalg.cho_factor(G)
            return scipy.linalg.cho_solve(cho, g), 0
        except np.linalg.LinAlgError:  # singular (damping 0): minimum-norm solution
            return np.linalg.lstsq(G, g, rcond=None)[0], 1

    def step(theta, grad, state, curvature=None):
        where = "gauss_newton.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, GaussNewtonState, theta)
        matvec, F = _as_matvec(where, curvature, theta)
        use = solver if solver != "auto" else ("dense" if F is not None else "cg")
        d = theta.shape[0]
        if use == "dense":
            G = (
                F @ F.T
                if F is not None
                else np.column_stack([matvec(e) for e in np.eye(d, dtype=theta.dtype)])
            )
            u, info = _dense_solve((G + G.T) / 2, grad)
        else:
            if F is not None:

                def op(v):
                    return F @ (F.T @ v) + damping * v
            else:

                def op(v):
                    return matvec(v) + damping * v

            A = LinearOperator((d, d), matvec=op, dtype=theta.dtype)
            u, info = cg(A, grad, rtol=cg_rtol, atol=0.0, maxiter=cg_maxiter)
        count = state.count + 1
        new_theta = theta - _lr_at(where, lr, count) * u
        return new_theta, GaussNewtonState(count=count, solver_info=int(info), size=state.size)

    config = {
        "lr": _describe_lr(lr),
        "damping": damping,
        "solver": solver,
        "cg_rtol": cg_rtol,
        "cg_maxiter": cg_maxiter,
    }
    # CG needs only products G v: the loop then passes an operator instead of forming a factor.
    needs = "ggn_operator" if solver == "cg" else "ggn"
    return _make("gauss_newton", init, step, needs, config)


# ---------------------------------------------------------------------------------------------
# ginger and its exact twin ema_ggn
# ---------------------------------------------------------------------------------------------


class GingerOptState(NamedTuple):
    """State of :func:`ginger`: count, momentum, one :class:`~pyginger.GingerState` per block."""

    count: int
    mu: np.ndarray
    curvature: tuple
    size: int


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


def _check_common(func, lr, beta1, beta2, damping, rho, debias):
    return (
        _check_lr(func, lr),
        _check_unit(func, "beta1", beta1),
        _check_unit(func, "beta2", beta2),
        _v.check_positive_finite(func, "damping", damping),
        _check_rho(func, rho),
        _v.check_bool(func, "debias", debias),
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
        large ``d``; ``python -m pyginger bench``). The optimizer state passed to ``step`` is
        then consumed: keep only the one ``step`` returns. Default ``False`` (pure steps).

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
    ginger_reference : the authors' reference settings.
    pyginger.update, pyginger.solve : the core it is built on.

    Notes
    -----
    Per step and block of size :math:`d_b`: one update, :math:`O(d_b\tau(\tau + k))` flops, and
    one solve, :math:`O(d_b\tau)`; memory :math:`d_b\tau` for ``U`` plus the momentum.

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
    func = "ginger"
    lr, beta1, beta2, damping, rho, debias = _check_common(
        func, lr, beta1, beta2, damping, rho, debias
    )
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"{func}: rank must be an integer, got {type(rank).__name__}")
    if rank < 1:
        raise ValueError(f"{func}: rank must be >= 1, got {rank}")
    rank = int(rank)
    _v.check_choice(func, "form", form, _v.FORMS)
    blocks = _check_blocks(func, blocks)
    if reorth_every is not None:
        reorth_every = _v.check_positive_int(func, "reorth_every", reorth_every)
    # How the state is stored, not what is computed: left out of the config (and checkpoints).
    overwrite_state = _v.check_bool(func, "overwrite_state", overwrite_state)

    def init(theta):
        where = "ginger.init"
        theta = _check_theta(where, theta)
        slices = _resolve_blocks(where, blocks, theta.shape[0])
        states = tuple(
            core.init(
                s.stop - s.start, min(rank, s.stop - s.start), damping=damping, dtype=theta.dtype
            )
            for s in slices
        )
        return GingerOptState(
            count=0, mu=np.zeros_like(theta), curvature=states, size=theta.shape[0]
        )

    def step(theta, grad, state, curvature=None):
        where = "ginger.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, GingerOptState, theta)
        slices = _resolve_blocks(where, blocks, theta.shape[0])
        states = state.curvature
        if curvature is not None:  # 1. curvature first
            F = _check_factor(where, curvature, theta)
            if form == "inverse":
                _check_inverse_form_factor(where, F, damping)
            states = tuple(
                core.update(
                    s,
                    np.ascontiguousarray(F[sl]),
                    beta=beta2,
                    form=form,
                    reorth_every=reorth_every,
                    overwrite_state=overwrite_state,
                )
                for s, sl in zip(states, slices, strict=True)
            )
        count = state.count + 1
        mu, mhat = _momentum(state.mu, grad, beta1, count)  # 2. bias-corrected momentum
        u = np.empty_like(theta)
        for s, sl in zip(states, slices, strict=True):  # 3. precondition: c (G + c gamma I)^{-1} m
            c = _debias(beta2, s.step, debias)
            scaled = s if c == 1.0 else s._replace(damping=damping * c)
            u[sl] = c * core.solve(scaled, np.ascontiguousarray(mhat[sl]))
        new_theta = _apply_update(where, theta, u, lr, count, rho)  # 4.
        return new_theta, GingerOptState(count=count, mu=mu, curvature=states, size=state.size)

    config = {
        "lr": _describe_lr(lr),
        "beta1": beta1,
        "beta2": beta2,
        "rank": rank,
        "damping": damping,
        "rho": rho,
        "debias": debias,
        "form": form,
        "blocks": None if blocks is None else [list(b) for b in blocks],
        "reorth_every": reorth_every,
    }
    return _make("ginger", init, step, "factor", config)


ginger.__doc__ = ginger.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="0.1")
)


#: The authors' reference settings (``MANGA-UOFA/Ginger``: ``configs/optimizer/ginger.yaml``
#: and ``configs/img-cls.yaml``): peak learning rate 2e-4 after a linear warmup from 1e-7 over
#: one epoch, beta1 0.9, beta2 0.99, tau 4, damping 1e-5, clipping rho 1, the paper's inverse
#: form, no curvature bias correction, one state per parameter tensor.
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


def ginger_reference(
    *,
    blocks: Mapping[str, slice] | Sequence[slice] | None = None,
    warmup_steps: int = 0,
    lr: float = REFERENCE_SETTINGS["lr"],
) -> Optimizer:
    r"""Return :func:`ginger` with the authors' reference settings (:data:`REFERENCE_SETTINGS`).

    Parameters
    ----------
    blocks : None, dict of slices or sequence of slices, optional
        The reference keeps one state per parameter tensor: pass ``model.blocks`` for that.
        Default None (one state).
    warmup_steps : int, optional
        Length of the linear warmup from 1e-7 to ``lr`` (the reference warms up over one
        epoch). Default 0 (constant ``lr``).
    lr : float, optional
        Peak learning rate. Default 2e-4.

    Returns
    -------
    Optimizer

    Raises
    ------
    TypeError, ValueError
        As :func:`ginger` and :func:`linear_warmup`.

    Notes
    -----
    The settings were tuned for ResNet training on CIFAR with batch 128; on the small problems
    of this package the tiny damping (1e-5) with clipping at 1 makes the step mostly
    :math:`\pm\eta` per entry outside the tracked subspace, i.e. sign-like.

    Examples
    --------
    >>> from pyginger import optim
    >>> opt = optim.ginger_reference(warmup_steps=10)
    >>> opt.config["damping"], opt.config["rank"], opt.config["form"], opt.config["rho"]
    (1e-05, 4, 'inverse', 1.0)
    """
    settings = dict(REFERENCE_SETTINGS)
    if not isinstance(warmup_steps, numbers.Integral) or isinstance(warmup_steps, bool):
        raise TypeError(
            f"ginger_reference: warmup_steps must be an integer, got {type(warmup_steps).__name__}"
        )
    if warmup_steps < 0:
        raise ValueError(f"ginger_reference: warmup_steps must be >= 0, got {warmup_steps}")
    lr = _check_lr("ginger_reference", lr)
    settings["lr"] = linear_warmup(lr, warmup_steps, init_value=1e-7) if warmup_steps else lr
    return ginger(blocks=blocks, **settings)


class EMAGGNState(NamedTuple):
    """State of :func:`ema_ggn`: step count, momentum, dense EMA per block, curvature updates."""

    count: int
    mu: np.ndarray
    G: tuple
    n_updates: int
    size: int


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
    func = "ema_ggn"
    lr, beta1, beta2, damping, rho, debias = _check_common(
        func, lr, beta1, beta2, damping, rho, debias
    )
    blocks = _check_blocks(func, blocks)

    def init(theta):
        where = "ema_ggn.init"
        theta = _check_theta(where, theta)
        slices = _resolve_blocks(where, blocks, theta.shape[0])
        G = tuple(np.zeros((s.stop - s.start,) * 2, dtype=theta.dtype) for s in slices)
        return EMAGGNState(count=0, mu=np.zeros_like(theta), G=G, n_updates=0, size=theta.shape[0])

    def step(theta, grad, state, curvature=None):
        where = "ema_ggn.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, EMAGGNState, theta)
        slices = _resolve_blocks(where, blocks, theta.shape[0])
        G, n_updates = state.G, state.n_updates
        if curvature is not None:
            F = _check_factor(where, curvature, theta)
            G = tuple(
                beta2 * Gb + (1.0 - beta2) * (F[sl] @ F[sl].T)
                for Gb, sl in zip(G, slices, strict=True)
            )
            n_updates += 1
        count = state.count + 1
        mu, mhat = _momentum(state.mu, grad, beta1, count)
        c = _debias(beta2, n_updates, debias)
        u = np.empty_like(theta)
        for Gb, sl in zip(G, slices, strict=True):
            M = (Gb + Gb.T) / 2 + (damping * c) * np.eye(Gb.shape[0], dtype=Gb.dtype)
            u[sl] = c * scipy.linalg.cho_solve(_cholesky(where, M, damping * c), mhat[sl])
        new_theta = _apply_update(where, theta, u, lr, count, rho)
        return new_theta, EMAGGNState(count=count, mu=mu, G=G, n_updates=n_updates, size=state.size)

    config = {
        "lr": _describe_lr(lr),
        "beta1": beta1,
        "beta2": beta2,
        "damping": damping,
        "rho": rho,
        "debias": debias,
        "blocks": None if blocks is None else [list(b) for b in blocks],
    }
    return _make("ema_ggn", init, step, "factor", config)


ema_ggn.__doc__ = ema_ggn.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="0.1")
)


# ---------------------------------------------------------------------------------------------
# diag_ggn
# ---------------------------------------------------------------------------------------------


class DiagGGNState(NamedTuple):
    """State of :func:`diag_ggn`: step count, momentum, diagonal EMA, curvature updates."""

    count: int
    mu: np.ndarray
    diag: np.ndarray
    n_updates: int
    size: int


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
    func = "diag_ggn"
    lr, beta1, beta2, damping, rho, debias = _check_common(
        func, lr, beta1, beta2, damping, rho, debias
    )

    def init(theta):
        theta = _check_theta("diag_ggn.init", theta)
        return DiagGGNState(
            count=0,
            mu=np.zeros_like(theta),
            diag=np.zeros_like(theta),
            n_updates=0,
            size=theta.shape[0],
        )

    def step(theta, grad, state, curvature=None):
        where = "diag_ggn.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, DiagGGNState, theta)
        diag, n_updates = state.diag, state.n_updates
        if curvature is not None:
            F = _check_factor(where, curvature, theta)
            diag = beta2 * diag + (1.0 - beta2) * np.einsum("ij,ij->i", F, F)
            n_updates += 1
        count = state.count + 1
        mu, mhat = _momentum(state.mu, grad, beta1, count)
        c = _debias(beta2, n_updates, debias)
        u = mhat / (diag / c + damping)
        new_theta = _apply_update(where, theta, u, lr, count, rho)
        return new_theta, DiagGGNState(
            count=count, mu=mu, diag=diag, n_updates=n_updates, size=state.size
        )

    config = {
        "lr": _describe_lr(lr),
        "beta1": beta1,
        "beta2": beta2,
        "damping": damping,
        "rho": rho,
        "debias": debias,
    }
    return _make("diag_ggn", init, step, "factor", config)


diag_ggn.__doc__ = diag_ggn.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="0.1")
)


# ---------------------------------------------------------------------------------------------
# kfac
# ---------------------------------------------------------------------------------------------


class KFACState(NamedTuple):
    """State of :func:`kfac`: step count, momentum, per-layer EMAs of ``A_l`` and ``B_l``."""

    count: int
    mu: np.ndarray
    A: tuple
    B: tuple
    n_updates: int
    size: int


def _layer_shapes(func, model):
    sizes = getattr(model, "sizes", model)
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise TypeError(
            f"{func}: model must be a pyginger.nn.mlp.MLP (or its list of layer sizes), "
            f"got {type(model).__name__}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"{func}: model sizes must be >= 1 and at least two, got {sizes}")
    return [(p + 1, k) for p, k in zip(sizes[:-1], sizes[1:], strict=True)]


def kfac_factors(
    model: MLP,
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    kind: str = "mc",
    rng: int | np.random.Generator | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Return the Kronecker factors ``[(A_1, B_1), ..., (A_L, B_L)]`` of an MLP's GGN, per layer.

    In the MLP's layout the parameters of layer ``l`` are the row-major vectorisation of the
    stacked ``(n_{l-1} + 1, n_l)`` matrix ``[W_l; b_l]``, and the per-sample gradient for an
    output direction ``j`` is :math:`\tilde a_{i} \otimes \delta_{ij}` with
    :math:`\tilde a_i = [a_{l-1,i}, 1]`. KFAC replaces the exact block
    :math:`\frac1n \sum_i \tilde a_i \tilde a_i^\top \otimes \sum_j \delta_{ij}\delta_{ij}^\top`
    by the product of the averages,

    .. math:: G_l \approx A_l \otimes B_l, \qquad
              A_l = \frac1n \sum_i \tilde a_i \tilde a_i^\top, \qquad
              B_l = \frac1n \sum_{i,j} \delta_{ij} \delta_{ij}^\top .

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
        The network (public API only: ``sizes``, ``blocks``, ``activation``, ``predict``,
        ``ggn_factor``).
    theta : (d,) ndarray
        Parameters.
    X : (n, n_in) ndarray
        Inputs.
    y : array_like, optional
        Targets; required for ``kind="empirical"``.
    kind : {"exact", "mc", "empirical"}, optional
        Which output factors :math:`\delta` (see ``MLP.ggn_factor``): ``"exact"`` uses the
        output Hessian's factor (``n c`` directions), ``"mc"`` (default) one gradient per sample
        at a label drawn from the model, ``"empirical"`` the gradients at the true labels.
    rng : None, int or numpy.random.Generator, optional
        Randomness for ``kind="mc"``.

    Returns
    -------
    list of (A, B) pairs
        ``A_l`` of shape ``(n_{l-1}+1, n_{l-1}+1)`` and ``B_l`` of shape ``(n_l, n_l)``.

    Raises
    ------
    TypeError, ValueError
        As ``MLP.ggn_factor`` for bad data, and if ``kind`` is unknown.

    Notes
    -----
    The inputs :math:`a_{l-1}` of every layer come from ``predict`` of the network truncated
    after layer ``l-1`` with an identity output layer appended (``O(L^2)`` forward passes), and
    the :math:`\delta` from the bias rows of ``ggn_factor``'s per-sample factor. Both are exact;
    a method on the MLP returning its cached activations would save the repeated passes.
    For a linear model with MSE, :math:`A \otimes B` *is* the GGN.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger.optim import kfac_factors
    >>> model = MLP([3, 2], loss="mse")  # linear: KFAC is exact
    >>> theta = model.init(seed=0); X = np.random.default_rng(0).normal(size=(6, 3))
    >>> (A, B), = kfac_factors(model, theta, X, kind="exact")
    >>> bool(np.allclose(np.kron(A, B), model.ggn(theta, X)))
    True
    """
    from pyginger.nn.mlp import MLP

    func = "kfac_factors"
    if not isinstance(model, MLP):
        raise TypeError(f"{func}: model must be a pyginger.nn.mlp.MLP, got {type(model).__name__}")
    _v.check_choice(func, "kind", kind, ("exact", "mc", "empirical"))
    extra = {"per_sample": True} if kind == "mc" else {}
    F = model.ggn_factor(theta, X, y, kind=kind, rng=rng, **extra)
    theta = np.asarray(theta, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    sizes = model.sizes
    out = []
    a = X
    for layer in range(1, len(sizes)):
        if layer > 1:
            # a_{l-1}: the network up to layer l-1, followed by an identity layer.
            p = sizes[layer - 1]
            sub = MLP(list(sizes[:layer]) + [p], activation=model.activation, loss="mse")
            head = theta[: model.blocks[f"b{layer - 1}"].stop]
            a = sub.predict(np.concatenate([head, np.eye(p).ravel(), np.zeros(p)]), X)
        a_tilde = np.hstack([a, np.ones((n, 1))])
        A = a_tilde.T @ a_tilde / n
        Fb = F[model.blocks[f"b{layer}"]]
        out.append(((A + A.T) / 2, Fb @ Fb.T))
    return out


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
    func = "kfac"
    shapes = _layer_shapes(func, model)
    lr, beta1, beta2, damping, rho, debias = _check_common(
        func, lr, beta1, beta2, damping, rho, debias
    )
    d_model = sum(p * k for p, k in shapes)
    sqrt_gamma = math.sqrt(damping)

    def init(theta):
        where = "kfac.init"
        theta = _check_theta(where, theta)
        if theta.shape[0] != d_model:
            raise ValueError(
                f"{where}: theta must have shape ({d_model},) for layer sizes "
                f"{[p - 1 for p, _ in shapes] + [shapes[-1][1]]}, got {theta.shape}"
            )
        A = tuple(np.zeros((p, p), dtype=theta.dtype) for p, _ in shapes)
        B = tuple(np.zeros((k, k), dtype=theta.dtype) for _, k in shapes)
        return KFACState(
            count=0, mu=np.zeros_like(theta), A=A, B=B, n_updates=0, size=theta.shape[0]
        )

    def _check_kfac(where, curvature):
        try:
            pairs = [tuple(pair) for pair in curvature]
        except TypeError:
            raise TypeError(
                f"{where}: curvature must be a list of (A, B) pairs from kfac_factors, "
                f"got {type(curvature).__name__}"
            ) from None
        if len(pairs) != len(shapes) or any(len(pair) != 2 for pair in pairs):
            raise ValueError(
                f"{where}: curvature must hold {len(shapes)} (A, B) pairs (one per layer), "
                f"got {len(pairs)} entries"
            )
        out = []
        for layer, ((A, B), (p, k)) in enumerate(zip(pairs, shapes, strict=True), start=1):
            A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
            if A.shape != (p, p) or B.shape != (k, k):
                raise ValueError(
                    f"{where}: layer {layer} needs A of shape ({p}, {p}) and B of shape "
                    f"({k}, {k}), got {A.shape} and {B.shape}"
                )
            if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
                raise ValueError(f"{where}: curvature of layer {layer} must be finite")
            out.append((A, B))
        return out

    def step(theta, grad, state, curvature=None):
        where = "kfac.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, KFACState, theta)
        A, B, n_updates = state.A, state.B, state.n_updates
        if curvature is not None:
            pairs = _check_kfac(where, curvature)
            A = tuple(beta2 * Ab + (1.0 - beta2) * An for Ab, (An, _) in zip(A, pairs, strict=True))
            B = tuple(beta2 * Bb + (1.0 - beta2) * Bn for Bb, (_, Bn) in zip(B, pairs, strict=True))
            n_updates += 1
        count = state.count + 1
        mu, mhat = _momentum(state.mu, grad, beta1, count)
        c = _debias(beta2, n_updates, debias)
        u = np.empty_like(theta)
        offset = 0
        for Ab, Bb, (p, k) in zip(A, B, shapes, strict=True):
            Ac, Bc = Ab / c, Bb / c
            ta, tb = np.trace(Ac) / p, np.trace(Bc) / k
            pi = math.sqrt(ta / tb) if ta > 0 and tb > 0 else 1.0
            M = mhat[offset : offset + p * k].reshape(p, k)
            Ad = Ac + (pi * sqrt_gamma) * np.eye(p)
            Bd = Bc + (sqrt_gamma / pi) * np.eye(k)
            left = scipy.linalg.solve(Ad, M, assume_a="pos")
            u[offset : offset + p * k] = scipy.linalg.solve(Bd, left.T, assume_a="pos").T.ravel()
            offset += p * k
        new_theta = _apply_update(where, theta, u, lr, count, rho)
        return new_theta, KFACState(
            count=count, mu=mu, A=A, B=B, n_updates=n_updates, size=state.size
        )

    config = {
        "layers": [list(s) for s in shapes],
        "lr": _describe_lr(lr),
        "beta1": beta1,
        "beta2": beta2,
        "damping": damping,
        "rho": rho,
        "debias": debias,
    }
    return _make("kfac", init, step, "kfac", config)


kfac.__doc__ = kfac.__doc__.replace(
    "{common}", _COMMON_DOC.format(lr=0.1, beta2=0.99, damping="1e-2")
)


# ---------------------------------------------------------------------------------------------
# qng: the paper's low-rank baseline, a window of rank-one inverse factors
# ---------------------------------------------------------------------------------------------


class QNGState(NamedTuple):
    """State of :func:`qng`: the last ``tau`` rank-one factors, newest first.

    ``qs[i]`` is :math:`q_i`, ``coefs[i]`` :math:`k_i` and ``scales[i]`` the EMA weight
    :math:`a_i` of entry ``i``; only the first ``length`` entries are in use.
    """

    count: int
    mu: np.ndarray
    qs: np.ndarray
    coefs: np.ndarray
    scales: np.ndarray
    length: int
    size: int


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
    region of the reference is not implemented. Reference settings: lr 0.5, tau 64.

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
    func = "qng"
    lr = _check_lr(func, lr)
    beta1 = _check_unit(func, "beta1", beta1)
    beta2 = _check_unit(func, "beta2", beta2)
    if beta2 == 0.0:
        raise ValueError(f"{func}: beta2 must satisfy 0 < beta2 < 1 (it divides), got 0.0")
    damping = _v.check_positive_finite(func, "damping", damping)
    rho = _check_rho(func, rho)
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"{func}: rank must be an integer, got {type(rank).__name__}")
    if rank < 1:
        raise ValueError(f"{func}: rank must be >= 1, got {rank}")
    tau = int(rank)

    def init(theta):
        theta = _check_theta("qng.init", theta)
        d = theta.shape[0]
        return QNGState(
            count=0,
            mu=np.zeros_like(theta),
            qs=np.zeros((tau, d), theta.dtype),
            coefs=np.zeros(tau),
            scales=np.ones(tau),
            length=0,
            size=d,
        )

    def _inv_factor(qs, coefs, scales, length, v):
        """:math:`L^{-1} v`: oldest factor first."""
        v = v / math.sqrt(damping)
        for i in range(length - 1, -1, -1):
            v = (v - float(coefs[i] * (qs[i] @ v)) * qs[i]) / math.sqrt(scales[i])
        return v

    def _inv_factor_t(qs, coefs, scales, length, v):
        """:math:`L^{-T} v`: newest factor first."""
        for i in range(length):
            v = (v - float(coefs[i] * (qs[i] @ v)) * qs[i]) / math.sqrt(scales[i])
        return v / math.sqrt(damping)

    def step(theta, grad, state, curvature=None):
        where = "qng.step"
        theta = _check_theta(where, theta)
        grad = _check_vector(where, "grad", grad, theta)
        _check_state(where, state, QNGState, theta)
        qs, coefs, scales, length = state.qs, state.coefs, state.scales, state.length
        if curvature is not None:
            F = _check_factor(where, curvature, theta)
            b = 1.0 - beta2
            for j in range(F.shape[1]):
                a = beta2 if j == 0 else 1.0
                q = _inv_factor(qs, coefs, scales, length, F[:, j])
                dot = float(q @ q)
                k = (1.0 - math.sqrt(a / (a + b * dot))) / dot if dot > 0 else 0.0
                qs = np.concatenate([q[None, :], qs[:-1]])
                coefs = np.concatenate([[k], coefs[:-1]])
                scales = np.concatenate([[a], scales[:-1]])
                length = min(length + 1, tau)
        count = state.count + 1
        mu, mhat = _momentum(state.mu, grad, beta1, count)
        u = _inv_factor_t(qs, coefs, scales, length, _inv_factor(qs, coefs, scales, length, mhat))
        new_theta = _apply_update(where, theta, u, lr, count, rho)
        return new_theta, QNGState(
            count=count, mu=mu, qs=qs, coefs=coefs, scales=scales, length=length, size=state.size
        )

    config = {
        "lr": _describe_lr(lr),
        "beta1": beta1,
        "beta2": beta2,
        "rank": tau,
        "damping": damping,
        "rho": rho,
    }
    return _make("qng", init, step, "factor", config)


# ---------------------------------------------------------------------------------------------
# Schedules and lookup by name
# ---------------------------------------------------------------------------------------------


class _LinearWarmup(NamedTuple):
    peak_value: float
    warmup_steps: int
    init_value: float

    def __call__(self, count):
        if self.warmup_steps == 0 or count >= self.warmup_steps:
            return self.peak_value
        frac = count / self.warmup_steps
        return self.init_value + (self.peak_value - self.init_value) * frac

    def __repr__(self) -> str:
        return (
            f"linear_warmup({self.peak_value!r}, {self.warmup_steps!r}, "
            f"init_value={self.init_value!r})"
        )


def linear_warmup(
    peak_value: float, warmup_steps: int, *, init_value: float = 1e-7
) -> Callable[[int], float]:
    r"""Return the schedule ``t -> init + (peak - init) min(t, T) / T`` (then constant ``peak``).

    The authors' reference warms up linearly from 1e-7 over one epoch (optax's
    ``warmup_exponential_decay_schedule`` with decay rate 1).

    Parameters
    ----------
    peak_value : float
        Learning rate after the warmup, > 0.
    warmup_steps : int
        Warmup length ``T >= 0`` (0: constant).
    init_value : float, optional
        Value at ``t = 0``, >= 0. Default 1e-7.

    Returns
    -------
    callable
        ``schedule(t) -> float`` for the 1-based step count ``t``; its ``repr`` names the
        settings (stored in checkpoints).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``peak_value <= 0``, ``warmup_steps < 0`` or ``init_value < 0``.

    Examples
    --------
    >>> from pyginger.optim import linear_warmup
    >>> schedule = linear_warmup(1.0, 4, init_value=0.0)
    >>> [schedule(t) for t in range(1, 6)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """
    func = "linear_warmup"
    peak_value = _v.check_positive_finite(func, "peak_value", peak_value)
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, numbers.Integral):
        raise TypeError(
            f"{func}: warmup_steps must be an integer, got {type(warmup_steps).__name__}"
        )
    if warmup_steps < 0:
        raise ValueError(f"{func}: warmup_steps must be >= 0, got {warmup_steps}")
    init_value = _check_nonneg(func, "init_value", init_value)
    return _LinearWarmup(peak_value, int(warmup_steps), init_value)


#: Constructors by name (``kfac`` takes the model as first argument).
OPTIMIZERS = types.MappingProxyType(
    {
        "sgd": sgd,
        "adam": adam,
        "gauss_newton": gauss_newton,
        "ema_ggn": ema_ggn,
        "ginger": ginger,
        "diag_ggn": diag_ggn,
        "kfac": kfac,
        "qng": qng,
    }
)


def get_optimizer(name: str, **options: Any) -> Optimizer:
    """Return the optimizer called ``name`` built with ``options``.

    Parameters
    ----------
    name : str
        One of :data:`OPTIMIZERS` (``"kfac"`` needs ``model=...``).
    **options
        Keyword arguments of the constructor.

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        If ``name`` is unknown.
    TypeError
        If an option is not accepted by the constructor (message lists the accepted ones).

    Examples
    --------
    >>> from pyginger.optim import get_optimizer
    >>> get_optimizer("adam", lr=0.01).config["lr"]
    0.01
    """
    _v.check_choice("get_optimizer", "name", name, tuple(OPTIMIZERS))
    ctor = OPTIMIZERS[name]
    accepted = [p for p in inspect.signature(ctor).parameters]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(
            f"get_optimizer: {name} does not accept option(s) {unknown}; accepted: {accepted}"
        )
    return ctor(**options)
