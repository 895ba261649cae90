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

from pyginger import optim as _optim
from pyginger._validation import running as _vr
from pyginger.run import loop as _loop
from pyginger.run.objective import CallablesObjective

__all__ = ["minimize"]

#: Options of ``minimize`` itself; every other option goes to the optimizer's constructor.
_LOOP_OPTIONS = ("maxiter", "gtol", "norm", "seed")
#: ``gtol`` and ``norm`` as :func:`scipy.optimize.minimize` with ``method="BFGS"``: stop when the
#: largest gradient component (``norm=inf``) is at most 1e-5.
_DEFAULTS = {"maxiter": 1000, "gtol": 1e-5, "norm": math.inf}

STATUS_MESSAGES = {
    0: "Optimization terminated successfully: the gradient norm is at most gtol.",
    1: "Maximum number of iterations has been exceeded.",
    2: "Stopped: non-finite value; returning the last finite iterate.",
    99: "`callback` raised `StopIteration`.",
}


def _accepted_options(ctor):
    return [p for p in inspect.signature(ctor).parameters if p != "model"]


def _needs_network(ctor):
    """Tell whether a constructor takes the network (K-FAC's factors follow its layers)."""
    model = inspect.signature(ctor).parameters.get("model")
    return model is not None and model.default is inspect.Parameter.empty


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
    names = tuple(n for n, ctor in _optim.OPTIMIZERS.items() if not _needs_network(ctor))
    if not isinstance(method, str):
        raise TypeError(
            f"{func}: method must be a name ({' | '.join(names)}) or a "
            f"pyginger.optim.Optimizer, got {type(method).__name__}"
        )
    key = method.lower()
    if key in _optim.OPTIMIZERS and key not in names:
        raise ValueError(
            f"{func}: method {key!r} needs the network; pass method=pyginger.optim.{key}(model) "
            "and a factor=callable(x) that returns its curvature input (for K-FAC: "
            "lambda x: pyginger.optim.kfac_factors(model, x, X, ...))"
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


def _divergence_hint(optimizer, by_name):
    """Return the advice appended to the message when the iterates left the finite range."""
    lr = optimizer.config.get("lr")
    if lr is None:
        return ""
    now = f"now {lr:g}" if isinstance(lr, numbers.Real) else "now a schedule"
    where = "options['lr']" if by_name else f"lr of pyginger.optim.{optimizer.name}"
    return f" The iterates diverged: try a smaller learning rate ({where}, {now})."


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
    _check_callables(fun, jac, factor, callback, batches)
    if not isinstance(args, tuple):
        args = (args,)
    optimizer, loop_options = _build_optimizer(method, options)
    maxiter, gtol, norm = _vr.check_stopping(func, loop_options, tol, _DEFAULTS)
    objective = CallablesObjective(
        fun, jac, factor, args, batches, needs=optimizer.needs, name=optimizer.name
    )
    x = _vr.check_x0(func, x0)
    rng = np.random.default_rng(loop_options.get("seed")) if batches is not None else None

    def grad_norm(grad):
        with _loop.quiet():  # a huge finite gradient may overflow the 2-norm: recorded as inf
            return float(np.linalg.norm(grad, ord=norm))

    record = _loop.History("loss", "grad_norm")
    out = _loop.run(
        objective,
        optimizer,
        x,
        optimizer.init(x),
        rng,
        maxiter,
        lookahead=True,
        converged=lambda evaluation: grad_norm(evaluation.grad) <= gtol,
        on_step=_recorder(record, grad_norm, callback),
    )
    status, message = _status(out.stop, out.steps, optimizer, by_name=isinstance(method, str))
    start = out.start
    return OptimizeResult(
        x=out.theta,
        fun=out.last.value,
        jac=out.last.grad,
        nit=out.steps,
        **objective.counts,
        success=status == 0,
        status=status,
        message=message,
        history={
            "loss": np.asarray([start.value, *record.lists["loss"]]),
            "grad_norm": np.asarray([grad_norm(start.grad), *record.lists["grad_norm"]]),
        },
        method=optimizer.name,
        state=out.state,
    )


def _check_callables(fun, jac, factor, callback, batches):
    func = "minimize"
    _vr.check_callable(func, "fun", fun)
    if jac is None or jac is False:
        raise TypeError(
            f"{func}: jac must be a callable returning the gradient, or True when fun returns "
            "(value, gradient); got None (pyginger.minimize has no finite differences)"
        )
    if jac is not True:
        _vr.check_callable(func, "jac", jac, " or True")
    for name, value in (("factor", factor), ("callback", callback)):
        if value is not None:
            _vr.check_callable(func, name, value)
    if batches is not None:
        _vr.check_callable(func, "batches", batches, " (rng -> batch)")


def _recorder(record, grad_norm, callback):
    """Return the loop's ``on_step``: record the new iterate's value, then call the callback."""
    wants_result = callback is not None and _wants_result(callback)

    def on_step(step):
        x, value, grad = step.theta, step.next.value, step.next.grad
        record.append(loss=value, grad_norm=grad_norm(grad))
        if wants_result:
            callback(OptimizeResult(x=x.copy(), fun=value, jac=grad.copy(), nit=step.k))
        elif callback is not None:
            callback(x.copy())

    return on_step


#: Where a non-finite value was met, for each kind of :class:`pyginger.run.loop.Stop`.
_WHERE = {
    "curvature": " (factor at iteration {k})",
    "range": " (factor at iteration {k}: {detail})",
    "step": " (step at iteration {k})",
    "objective": " (objective or gradient at iteration {k})",
}


def _status(stop, nit, optimizer, by_name):
    """Return ``(status, message)`` for the way the run ended."""
    if stop is None:
        return 1, STATUS_MESSAGES[1]
    if stop.kind in ("converged", "callback"):
        status = 0 if stop.kind == "converged" else 99
        return status, STATUS_MESSAGES[status]
    note = (
        " (at x0)" if stop.step == 0 else _WHERE[stop.kind].format(k=stop.step, detail=stop.detail)
    )
    message = STATUS_MESSAGES[2].replace("value", "value" + note)
    if stop.step > 0 and (nit > 0 or "factor" not in note):
        # The run left x0 (or its first step did): a too-large step size is the usual cause.
        message += _divergence_hint(optimizer, by_name)
    return 2, message
