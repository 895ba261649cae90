r"""``minimize`` in the shape of :func:`scipy.optimize.minimize`, driving :mod:`pyginger.optim`.

SciPy's minimizers are deterministic line-search or trust-region methods; this one runs a fixed
step-size optimizer (Ginger by default) until the gradient is small (``gtol``, as SciPy's BFGS) or
for ``maxiter`` iterations, which also suits stochastic objectives: pass ``batches`` and every
iteration draws a fresh mini-batch. The result is a :class:`scipy.optimize.OptimizeResult`.
"""

from __future__ import annotations

import inspect
import math
import numbers

import numpy as np
from scipy.optimize import OptimizeResult

from pyginger import _validation as _v
from pyginger import optim as _optim

__all__ = ["minimize"]

#: Options of ``minimize`` itself; every other option goes to the optimizer's constructor.
_LOOP_OPTIONS = ("maxiter", "gtol", "norm", "seed")
_DEFAULT_MAXITER = 1000
#: As :func:`scipy.optimize.minimize` with ``method="BFGS"``: stop when the largest gradient
#: component (``norm=inf``) is at most 1e-5.
_DEFAULT_GTOL = 1e-5
_DEFAULT_NORM = math.inf

STATUS_MESSAGES = {
    0: "Optimization terminated successfully: the gradient norm is at most gtol.",
    1: "Maximum number of iterations has been exceeded.",
    2: "Stopped: non-finite value; returning the last finite iterate.",
    99: "`callback` raised `StopIteration`.",
}


def _quiet():
    """Silence NumPy's floating-point warnings: non-finite results are checked, and stop the run."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def _accepted_options(ctor):
    return [p for p in inspect.signature(ctor).parameters if p != "model"]


def _build_optimizer(method, options):
    """Return ``(optimizer, loop_options)`` from ``method`` and the options dict."""
    func = "minimize"
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise TypeError(f"{func}: options must be a dict, got {type(options).__name__}")
    for key in options:
        if not isinstance(key, str):
            raise TypeError(f"{func}: option names must be strings, got {key!r}")
    loop = {k: options[k] for k in _LOOP_OPTIONS if k in options}
    rest = {k: v for k, v in options.items() if k not in _LOOP_OPTIONS}
    if isinstance(method, _optim.Optimizer):
        if rest:
            raise ValueError(
                f"{func}: with an Optimizer instance as method, options may only hold "
                f"{list(_LOOP_OPTIONS)} (set hyper-parameters when building it), "
                f"got {sorted(rest)}"
            )
        return method, loop
    names = tuple(n for n in _optim.OPTIMIZERS if n != "kfac")
    if not isinstance(method, str):
        raise TypeError(
            f"{func}: method must be a name ({' | '.join(names)}) or a "
            f"pyginger.optim.Optimizer, got {type(method).__name__}"
        )
    key = method.lower()
    if key == "kfac":
        raise ValueError(
            f"{func}: method 'kfac' needs the network; pass method=pyginger.optim.kfac(model) "
            "and factor=lambda x: pyginger.optim.kfac_factors(model, x, X, ...)"
        )
    if key not in names:
        raise ValueError(f"{func}: method must be {' | '.join(map(repr, names))}, got {method!r}")
    ctor = _optim.OPTIMIZERS[key]
    accepted = _accepted_options(ctor)
    unknown = sorted(set(rest) - set(accepted))
    if unknown:
        raise ValueError(
            f"{func}: unknown option(s) {unknown} for method {key!r}; accepted: "
            f"{list(_LOOP_OPTIONS) + accepted}"
        )
    return ctor(**rest), loop


def _check_loop_options(loop, tol):
    func = "minimize"
    maxiter = loop.get("maxiter", _DEFAULT_MAXITER)
    if isinstance(maxiter, bool) or not isinstance(maxiter, numbers.Integral):
        raise TypeError(f"{func}: options['maxiter'] must be an integer, got {maxiter!r}")
    if maxiter < 0:
        raise ValueError(f"{func}: options['maxiter'] must be >= 0, got {maxiter}")
    if tol is not None:
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real):
            raise TypeError(f"{func}: tol must be a real number, got {type(tol).__name__}")
        if not (math.isfinite(tol) and tol >= 0):
            raise ValueError(f"{func}: tol must be a finite number >= 0, got {tol}")
    gtol = loop.get("gtol", _DEFAULT_GTOL if tol is None else tol)
    if isinstance(gtol, bool) or not isinstance(gtol, numbers.Real):
        raise TypeError(f"{func}: options['gtol'] must be a real number, got {gtol!r}")
    if not (math.isfinite(gtol) and gtol >= 0):
        raise ValueError(f"{func}: options['gtol'] must be a finite number >= 0, got {gtol}")
    norm = loop.get("norm", _DEFAULT_NORM)
    if isinstance(norm, bool) or not isinstance(norm, numbers.Real):
        raise TypeError(f"{func}: options['norm'] must be a real number >= 1, got {norm!r}")
    if not norm >= 1:
        raise ValueError(f"{func}: options['norm'] must be >= 1 (e.g. 2, or numpy.inf), got {norm}")
    return int(maxiter), float(gtol), float(norm), loop.get("seed", None)


def _divergence_hint(optimizer, by_name):
    """Return the advice appended to the message when the iterates left the finite range."""
    lr = optimizer.config.get("lr")
    if lr is None:
        return ""
    now = f"now {lr:g}" if isinstance(lr, numbers.Real) else "now a schedule"
    where = "options['lr']" if by_name else f"lr of pyginger.optim.{optimizer.name}"
    return f" The iterates diverged: try a smaller learning rate ({where}, {now})."


def _checked_value(func, value):
    """Return ``fun``'s value as a float; a real scalar (or size-1 array) is required."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or np.iscomplexobj(value):
        raise TypeError(f"{func}: fun must return a real scalar, got {value!r}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiu" or arr.size != 1:
        raise TypeError(
            f"{func}: fun must return a real scalar, got an array of shape {arr.shape} and "
            f"dtype {arr.dtype}"
        )
    return float(arr.reshape(()))


def _checked_gradient(func, grad, shape):
    """Return the gradient as a float64 vector of ``shape`` (that of x0), refusing any other."""
    _v.refuse_non_real(func, "gradient", grad)
    arr = np.asarray(grad, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{func}: the gradient must have shape {shape} like x0, got {arr.shape}")
    return arr


def _check_x0(x0):
    _v.refuse_non_real("minimize", "x0", x0)
    try:
        x = np.atleast_1d(np.asarray(x0, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(
            f"minimize: x0 must be a real vector of shape (d,), got {type(x0).__name__}"
        ) from None
    if x.ndim != 1 or x.size < 1:
        raise ValueError(f"minimize: x0 must have shape (d,) with d >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("minimize: x0 must contain only finite values")
    return x.copy()


def _wants_result(callback):
    """SciPy's rule: a callback whose only parameter is ``intermediate_result`` gets the result."""
    try:
        params = list(inspect.signature(callback).parameters)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    return params == ["intermediate_result"]


def minimize(
    fun,
    x0,
    args=(),
    *,
    jac=None,
    factor=None,
    method="ginger",
    batches=None,
    tol=None,
    options=None,
    callback=None,
):
    r"""Minimize ``fun`` from ``x0`` with a :mod:`pyginger.optim` optimizer.

    Iteration ``k`` takes one optimizer step from :math:`x_k` with the gradient (and, for the
    curvature-based methods, the GGN factor) at :math:`x_k`, then evaluates the objective and
    gradient at :math:`x_{k+1}`. The run ends when the gradient norm is at most ``gtol``
    (``success=True``, ``status=0``; by default the largest gradient component is at most
    1e-5, as SciPy's BFGS), after ``maxiter`` iterations (``status=1``), at the first value
    that is not finite (``status=2``; the result holds the last finite iterate), or when the
    callback raises ``StopIteration`` (``status=99``).

    Parameters
    ----------
    fun : callable
        ``fun(x, *args) -> float`` (or ``fun(x, batch, *args)`` with ``batches``). With
        ``jac=True`` it returns ``(value, gradient)``.
    x0 : (d,) array_like
        Starting point (not modified).
    args : tuple, optional
        Extra arguments of ``fun``, ``jac`` and ``factor``.
    jac : callable or True
        ``jac(x, *args) -> (d,)`` gradient, or True when ``fun`` returns it. Required: there are
        no finite differences.
    factor : callable, optional
        ``factor(x, *args) -> F``, a ``(d,)`` or ``(d, k)`` array with :math:`F F^\top` the
        Gauss-Newton matrix (or an unbiased estimate). Required by every method except
        ``"sgd"`` and ``"adam"`` (ignored by them). For a least-squares objective
        :math:`\tfrac12\|r(x)\|^2` it is :math:`J_r(x)^\top`.
    method : str or pyginger.optim.Optimizer, optional
        ``"ginger"`` (default), ``"sgd"``, ``"adam"``, ``"gauss_newton"``, ``"ema_ggn"``,
        ``"diag_ggn"``, ``"qng"``, or any optimizer built by :mod:`pyginger.optim` (e.g.
        ``optim.kfac(model)``, with ``factor`` returning its curvature input).
    batches : callable, optional
        Stochastic mode: ``batches(rng) -> batch`` draws a mini-batch from the
        :class:`numpy.random.Generator` ``rng`` (seeded by ``options["seed"]``); ``fun``,
        ``jac`` and ``factor`` then receive it as their second argument. One batch per
        iteration, used for the step and for the reported values.
    tol : float, optional
        Gradient-norm tolerance; same as ``options["gtol"]`` (which wins if both are given).
    options : dict, optional
        ``maxiter`` (int, default 1000); ``gtol`` (float, default 1e-5) and ``norm`` (the order
        of the gradient norm compared with it, default ``numpy.inf``: the largest absolute
        component; 2 for the Euclidean norm), as in SciPy's BFGS; ``seed`` (for ``batches``).
        Any other key is a hyper-parameter of the method's constructor, e.g.
        ``{"lr": 0.5, "rank": 4, "damping": 1e-3}`` for Ginger (see :mod:`pyginger.optim`).
    callback : callable, optional
        Called after every iteration, as ``callback(intermediate_result)`` (an
        ``OptimizeResult`` with ``x``, ``fun``, ``jac``, ``nit``) if that is its only parameter's
        name, as SciPy does, else as ``callback(xk)``. Raising ``StopIteration`` ends the run
        (``status=99``).

    Returns
    -------
    scipy.optimize.OptimizeResult
        ``x`` (the last iterate, or the last finite one), ``fun``, ``jac``, ``nit``, ``nfev``,
        ``njev``, ``nfactor`` (factor evaluations), ``success``, ``status`` (0 gradient
        tolerance met, 1 ``maxiter`` reached, 2 non-finite value, 99 callback stop),
        ``message`` (for ``status=2`` after a step, with the advice to try a smaller learning
        rate), ``history`` (dict of arrays ``loss`` and ``grad_norm``, the latter in
        ``options["norm"]``, one entry per iterate from ``x0`` on), ``method`` and ``state``
        (the optimizer's final state).

    Raises
    ------
    TypeError
        If ``fun``/``jac``/``factor``/``callback``/``batches`` is not callable, ``method`` or
        ``options`` has the wrong type, or an option has the wrong type.
    ValueError
        If ``method`` or an option is unknown, an option's value is out of range, ``factor`` is
        missing for a curvature-based method, or ``x0`` is not a finite vector.

    See Also
    --------
    scipy.optimize.minimize : the interface this follows.
    pyginger.run.training.train : the loop for :class:`pyginger.nn.mlp.MLP` models.

    Notes
    -----
    Differences from SciPy: ``jac`` is required; ``tol`` means the gradient norm; the steps are
    not line-searched, so the learning rate (``options["lr"]``) matters: too large a rate makes
    the iterates grow until a value overflows, which stops the run (``status=2``) without
    NumPy's overflow warnings, raised neither by the steps nor by ``fun``, ``jac`` and
    ``factor`` (their non-finite results are what the run checks). In stochastic mode ``fun``
    and ``jac`` in the result are mini-batch values and ``success`` is rarely True.

    Examples
    --------
    Rosenbrock's function as the least-squares problem :math:`\|r(x)\|^2`,
    :math:`r = (10(x_2 - x_1^2),\, 1 - x_1)`, whose Gauss-Newton factor is
    :math:`\sqrt2\, J_r^\top`:

    >>> import numpy as np
    >>> from scipy.optimize import rosen, rosen_der
    >>> from pyginger.run.minimizer import minimize
    >>> def factor(x):
    ...     return np.sqrt(2) * np.array([[-20 * x[0], -1.0], [10.0, 0.0]])
    >>> res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, factor=factor, tol=1e-8,
    ...                options={"lr": 1.0, "beta1": 0.0, "beta2": 0.0, "rank": 2, "damping": 1e-3})
    >>> res.success, np.round(res.x, 6), res.nit < 50
    (True, array([1., 1.]), True)

    Gradient descent with its default learning rate (0.1) is far too fast for this problem:

    >>> res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="sgd")
    >>> res.status, res.nit
    (2, 4)
    >>> print(res.message)  # doctest: +NORMALIZE_WHITESPACE
    Stopped: non-finite value (objective or gradient at iteration 5); returning the last finite
    iterate. The iterates diverged: try a smaller learning rate (options['lr'], now 0.1).
    """
    func = "minimize"
    if not callable(fun):
        raise TypeError(f"{func}: fun must be callable, got {type(fun).__name__}")
    if jac is None or jac is False:
        raise TypeError(
            f"{func}: jac must be a callable returning the gradient, or True when fun returns "
            "(value, gradient); got None (pyginger.minimize has no finite differences)"
        )
    if jac is not True and not callable(jac):
        raise TypeError(f"{func}: jac must be callable or True, got {type(jac).__name__}")
    if factor is not None and not callable(factor):
        raise TypeError(f"{func}: factor must be callable, got {type(factor).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"{func}: callback must be callable, got {type(callback).__name__}")
    if batches is not None and not callable(batches):
        raise TypeError(
            f"{func}: batches must be callable (rng -> batch), got {type(batches).__name__}"
        )
    if not isinstance(args, tuple):
        args = (args,)
    optimizer, loop = _build_optimizer(method, options)
    maxiter, gtol, norm, seed = _check_loop_options(loop, tol)
    if optimizer.needs is not None and factor is None:
        raise ValueError(
            f"{func}: method {optimizer.name!r} needs factor=callable(x) returning a (d,) or "
            "(d, k) factor F with F F^T the Gauss-Newton matrix"
        )
    x = _check_x0(x0)
    rng = np.random.default_rng(seed) if batches is not None else None
    counts = {"nfev": 0, "njev": 0, "nfactor": 0}
    wants_result = callback is not None and _wants_result(callback)

    def extra(batch):
        return args if batches is None else (batch, *args)

    def evaluate(xk, batch):
        counts["nfev"] += 1
        with _quiet():
            if jac is True:
                out = fun(xk, *extra(batch))
                if not (isinstance(out, (tuple, list)) and len(out) == 2):
                    raise TypeError(
                        f"{func}: with jac=True, fun must return (value, gradient), got "
                        f"{type(out).__name__}"
                    )
                value, grad = out
            else:
                value = fun(xk, *extra(batch))
                counts["njev"] += 1
                grad = jac(xk, *extra(batch))
        value, grad = _checked_value(func, value), _checked_gradient(func, grad, xk.shape)
        if jac is True:
            counts["njev"] += 1
        return value, grad

    def finite(value, grad):
        return math.isfinite(value) and bool(np.all(np.isfinite(grad)))

    def grad_norm(grad):
        with _quiet():  # a huge finite gradient may overflow the 2-norm: recorded as inf
            return float(np.linalg.norm(grad, ord=norm))

    batch = batches(rng) if batches is not None else None
    f, g = evaluate(x, batch)
    losses, gnorms = [f], [grad_norm(g)]
    state = optimizer.init(x)
    nit, status, note = 0, 1, ""
    if not finite(f, g):
        status, note = 2, " (at x0)"
    elif gnorms[-1] <= gtol:
        status = 0
    else:
        for _ in range(maxiter):
            curvature = None
            if optimizer.needs is not None:
                counts["nfactor"] += 1
                with _quiet():
                    curvature = factor(x, *extra(batch))
                if isinstance(curvature, np.ndarray) or (
                    isinstance(curvature, (list, tuple)) and optimizer.needs != "kfac"
                ):
                    curvature = np.asarray(curvature, dtype=np.float64)
                    if not np.all(np.isfinite(curvature)):
                        status, note = 2, f" (factor at iteration {nit + 1})"
                        break
            try:
                with _quiet():
                    x_new, state_new = optimizer.step(x, g, state, curvature)
            except _v.CurvatureRangeError as exc:  # refused before the step changed anything
                status, note = 2, f" (factor at iteration {nit + 1}: {exc})"
                break
            if not np.all(np.isfinite(x_new)):
                status, note = 2, f" (step at iteration {nit + 1})"
                break
            if batches is not None:
                batch = batches(rng)
            f_new, g_new = evaluate(x_new, batch)
            if not finite(f_new, g_new):
                status, note = 2, f" (objective or gradient at iteration {nit + 1})"
                break
            x, f, g, state = x_new, f_new, g_new, state_new
            nit += 1
            losses.append(f)
            gnorms.append(grad_norm(g))
            if callback is not None:
                try:
                    if wants_result:
                        callback(OptimizeResult(x=x.copy(), fun=f, jac=g.copy(), nit=nit))
                    else:
                        callback(x.copy())
                except StopIteration:
                    status = 99
                    break
            if gnorms[-1] <= gtol:
                status = 0
                break
    message = STATUS_MESSAGES[status]
    if status == 2:
        message = message.replace("value", "value" + note)
        if note != " (at x0)" and (nit > 0 or "factor" not in note):
            # The run left x0 (or its first step did): a too-large step size is the usual cause.
            message += _divergence_hint(optimizer, by_name=isinstance(method, str))
    return OptimizeResult(
        x=x,
        fun=f,
        jac=g,
        nit=nit,
        nfev=counts["nfev"],
        njev=counts["njev"],
        nfactor=counts["nfactor"],
        success=status == 0,
        status=status,
        message=message,
        history={"loss": np.asarray(losses), "grad_norm": np.asarray(gnorms)},
        method=optimizer.name,
        state=state,
    )
