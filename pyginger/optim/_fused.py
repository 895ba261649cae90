r"""Ginger's optimizer step with its element-wise work fused into the kernels' passes (large d).

:func:`pyginger.optim.ginger` chains momentum, bias correction, the preconditioner, clipping and
the learning rate (:mod:`pyginger.optim.transforms`); run as NumPy expressions, each link reads
and writes ``d``-vectors and allocates temporaries, which at ``d = 10^6`` cost as much as the
update and the solve together. :func:`fused` gives the optimizer a step that computes the same
numbers in fewer passes over memory.

For a rank-one factor in the curvature form (the default), with a generated rotation for the
``tau`` in use (:data:`pyginger.core._unrolled.STEP_KERNELS`), the step makes two passes over
``U``, the least an update can make (:func:`_first_pass`, :func:`_second_pass`):

1. the update's projection ``[U^T f, f^T f]`` and, with it, ``[U^T y, f^T y]`` for the new
   momentum ``y`` (computed row by row, not yet written);
2. the small eigenproblem, then one pass that rotates ``U`` and, from the same rows, computes
   the solve's row (``U_new w = U (A w) + f (B w)``: no read of the new ``U``), the momentum,
   the debias weight, the clip, the learning rate and the new parameters.

Otherwise (a rank-``k`` factor, the inverse form, a step that re-orthonormalizes ``U``, a factor
nearly inside ``span(U)``) it makes four passes with the kernels of
:mod:`pyginger.core._kernels_step`: the update (as
:class:`~pyginger.optim.preconditioners.Ginger` calls it, without its door checks), the
momentum, the projection ``U^T m``, and one pass for the rest.

It is taken when the kernels would run compiled (``U`` of at least :data:`FUSED_MIN_BYTES`),
with one block and NumPy arrays; otherwise, and for any input the door checks would refuse, the
chain runs. The element-wise results round as the chain's do and the new ``U`` equals the
chain's; the solve's sums run in another order (to float64 rounding, plus in two passes the
rounding of ``U_new`` to the storage dtype, which the chain's solve reads and this one does not).
"""

from __future__ import annotations

import math

import numpy as np

from pyginger import _backend
from pyginger import _validation as _v
from pyginger._validation import core as _vc
from pyginger._validation import optimizers as _vo
from pyginger.core import _dispatch, rank_update, woodbury
from pyginger.optim.preconditioners.ginger import debias_weight
from pyginger.optim.states import GingerOptState

__all__ = ["fused", "FUSED_MIN_BYTES"]

#: Bytes of ``U`` from which the fused step is taken: the size from which the core's kernels
#: are compiled (below it they are NumPy expressions, and so is the chain).
FUSED_MIN_BYTES = 128 << 10


def _kernels():
    """Return ``(core kernels, step kernels)``, or None without Numba."""
    if _dispatch._kernels is None:  # pragma: no cover - without Numba
        return None
    from pyginger.core import _kernels_step

    return _dispatch._kernels, _kernels_step


def _eligible(theta, state) -> bool:
    """Whether the fused step applies (else the chain runs and its checks answer)."""
    if type(theta) is not np.ndarray or theta.ndim != 1 or type(state) is not GingerOptState:
        return False
    blocks = state.curvature
    if not isinstance(blocks, tuple) or len(blocks) != 1:
        return False
    U, mu = getattr(blocks[0], "U", None), state.mu
    if type(mu) is not np.ndarray or mu.shape != theta.shape or mu.dtype != theta.dtype:
        return False  # the kernels index the momentum unchecked: the chain answers instead
    return type(U) is np.ndarray and U.dtype == theta.dtype and U.shape[0] == theta.shape[0]


def _runner(kern, U):
    """Return ``run(task)``: ``task(lo, hi)`` over the row blocks a pass over ``U`` uses."""
    nblocks = kern._blocks(U)
    return lambda task: kern._run(nblocks, U.shape[0], lambda b, lo, hi: task(lo, hi))


def _compiled(s, mu_old, grad, theta, into, beta1, c1, alpha, coef, rest):
    """Momentum and the rest of the step with the compiled kernels; return ``(theta, mu)``."""
    kern, steps = _kernels()
    U = _dispatch.contiguous(s.U, np)
    run = _runner(kern, U)
    mu = mu_old if into else np.empty_like(mu_old)
    steps.ema_into(mu_old, grad, beta1, mu, run)
    with _dispatch.quiet_products():
        C = kern.project(U, mu[:, None])[:, 0] / c1  # U^T m / c1: a vector fewer than U^T m-hat
    _v.require_finite_product("solve", "v", C)  # as the chain's solve would
    return steps.finish_step(U, mu, theta, coef * C, alpha, c1, *rest, run), mu


def _numpy(s, mu_old, grad, theta, beta1, c1, alpha, coef, rest):
    """Return ``(theta, mu)`` by NumPy, in the chain's very operations (equal bit for bit).

    The chain's operations less its repeats: ``m / c1`` is formed once for the projection and
    the solve's row, the clip runs in place on the step's own temporary, and the finiteness
    of ``U^T m-hat`` is read as Python floats (:func:`_finite_vector`).
    """
    from pyginger.core import _kernels_step as steps

    mu = steps.ema_twin(mu_old, grad, beta1)
    X = (mu / c1).astype(np.float64, copy=False)[:, None]  # bias correction, then the solve's
    U64 = s.U.astype(np.float64, copy=False)
    with _dispatch.quiet_products():
        C = U64.T @ X  # the solve's U^T m-hat
    if not _finite_vector(C):
        _v.require_finite_product("solve", "v", C)  # raises as the chain's solve would
    c, rho, lr = rest
    solved = (alpha * X + U64 @ (coef * C[:, 0])[:, None]).astype(theta.dtype, copy=False)
    u = c * solved[:, 0]  # the debias weight of the preconditioner
    if rho is not None:  # np.clip(u, -rho, rho), in place: max then min round nothing
        np.minimum(np.maximum(u, -rho, out=u), rho, out=u)
    u *= lr  # lr * u: multiplication commutes exactly
    return np.subtract(theta, u, out=u), mu


def _finite_vector(C) -> bool:
    """Whether the small float64 array ``C`` (``tau`` entries) is finite, as Python floats.

    For ``tau`` entries this is several times faster than ``np.all(np.isfinite(C))``.
    """
    return all(map(math.isfinite, C.ravel().tolist()))


def _two_pass_kernels(p, s):
    """Return the generated kernels of :func:`_first_pass` for a rank-one factor, or None.

    None where the two passes cannot run for the block state ``s``, whatever the factor.
    """
    if p.form != "curvature" or _kernels() is None:
        return None
    if s.U.nbytes < max(FUSED_MIN_BYTES, _dispatch._kernels.COMPILED_MIN_BYTES):
        return None  # the update's projection is NumPy's there: its sums would differ
    if p.reorth_every is not None and (s.step + 1) % p.reorth_every == 0:
        return None  # this update re-orthonormalizes the new U: the solve must read it
    from pyginger.core import _unrolled  # compiled kernels only: Numba is there

    return _unrolled.STEP_KERNELS.get(s.U.shape[1])


def _project_both(project_rows, U, F, state, grad, b1, a1):
    """Return the first pass's sums ``[U^T f, f^T f, U^T y, f^T y]`` (``y``: the new momentum)."""
    kern = _dispatch._kernels
    nblocks, tau = kern._blocks(U), U.shape[1]
    parts = np.zeros((nblocks, 2 * tau + 2))
    task = lambda b, lo, hi: project_rows(U, F, state.mu, grad, b1, a1, lo, hi, parts[b])  # noqa: E731
    kern._run(nblocks, U.shape[0], task)
    return parts.sum(axis=0)  # over the blocks in order, as the core's projection sums them


def _first_pass(kernels, p, s, state, F, grad, beta1):
    """Return ``(acc, plan)`` of the step's first pass, or None, having written nothing.

    ``acc`` holds the sums of :func:`_project_both`; ``plan`` is the two-pass update's
    ``(A, W, lam, dropped)``. None when the sums are not finite (NaN or inf in the gradient or
    the factor, whose entries the door left unchecked, or an overflow), when ``f^T f`` is beyond
    the storage dtype's range (the door refuses such a factor: it sums in that dtype), or when
    the update needs its three-pass algorithm (the factor nearly inside ``span(U)``).
    """
    project_rows = kernels[0]
    U = _dispatch.contiguous(s.U, np)
    tau, dt = U.shape[1], U.dtype
    b1, a1 = dt.type(beta1), dt.type(1.0 - beta1)  # as NumPy rounds them next to the vectors
    acc = _project_both(project_rows, U, F, state, grad, b1, a1)
    if not _finite_vector(acc) or not acc[tau] < 0.5 * float(np.finfo(dt).max):
        return None
    C, FtF = acc[:tau, None], acc[tau : tau + 1, None]
    sigma = _backend.to_host(s.sigma)  # in its dtype, as the update reads it
    plan = rank_update._two_pass_plan(C, FtF, (1.0 - p.beta) * np.eye(1), p.beta * sigma)
    return None if plan is None else (acc, plan)


def _second_pass(kernels, first, p, s, state, F, grad, theta, into, beta1, c1, rest):
    """Return ``(theta, mu, curvature state)``: the small problem's result applied in one pass.

    Raises before anything is written if the solve's projection is not finite (as the
    chain's solve would).
    """
    _, rows, rows_inplace = kernels
    (acc, (A, W, lam, dropped)), U = first, _dispatch.contiguous(s.U, np)
    tau, dt = U.shape[1], U.dtype
    out = U if (p.overwrite and U.flags.writeable) else np.empty_like(U)
    new = rank_update._advanced(s, out, np.maximum(lam, 0.0), dropped, p.beta)
    c, rho, lr = rest
    scaled = new if c == 1.0 else new._replace(damping=p.damping * c)  # as Ginger.solve does
    alpha, coef = woodbury._scale_and_weights(scaled, inverse=True)
    Um = (A.T @ acc[tau + 1 : 2 * tau + 1] + W.T @ acc[2 * tau + 1 :]) / c1  # U_new^T m-hat
    _v.require_finite_product("solve", "v", Um)  # as the chain's solve would
    w = coef * Um
    a = np.concatenate((A @ w, W @ w))  # U_new w = U (A w) + f (B w)
    mu = state.mu if into else np.empty_like(state.mu)
    to = np.empty_like(theta)
    clip = rho is not None
    b1, a1 = dt.type(beta1), dt.type(1.0 - beta1)
    params = (b1, a1, float(alpha), dt.type(c1), dt.type(c), dt.type(rho if clip else 0.0))
    params += (clip, dt.type(lr))  # see _kernels_step.finish_element
    A, W = np.ascontiguousarray(A), np.ascontiguousarray(W)
    vectors = (a, state.mu, mu, grad, theta, to, params)
    kern = _dispatch._kernels
    nblocks = kern._blocks(U, 2 * U.size * (tau + 1))
    if out is U:
        task = lambda b, lo, hi: rows_inplace(U, A, F, W, *vectors, lo, hi)  # noqa: E731
    else:
        task = lambda b, lo, hi: rows(U, A, F, W, out, *vectors, lo, hi)  # noqa: E731
    kern._run(nblocks, U.shape[0], task)
    return to, mu, new


def _aliasing(p, state, s, theta, grad):
    """Return ``(into, grad)``: whether the momentum is written in place, and a safe gradient.

    With ``overwrite_state`` the momentum and ``U`` are written in place; a gradient that shares
    memory with ``U`` is copied first, and parameters sharing the momentum's memory keep it
    from being written in place (each is read after those writes in the second pass).
    """
    into = p.overwrite and state.mu.flags.writeable and not np.may_share_memory(theta, state.mu)
    if p.overwrite and np.may_share_memory(grad, s.U):
        grad = grad.copy()
    return into, grad


def fused_update(
    p, lr, beta1, rho, theta, grad, state, factor, where, kern=None, *, kernels=None,
    check_finite=None,
):  # fmt: skip
    """Return ``(theta, state)`` after one Ginger step, for checked arguments (see module).

    ``factor`` is a checked ``(d, k)`` factor or None, and the curvature state has passed the
    core's checks (:func:`fused`'s door), so the update runs unchecked
    (:func:`pyginger.core.rank_update._update_checked_inputs`, with ``kern`` its kernels).
    With ``kernels`` (:func:`_two_pass_kernels`) the step tries the two passes first
    (:func:`_first_pass`, :func:`_second_pass`); the gradient's and the factor's entries are
    then unchecked, and ``check_finite()`` checks them (and returns the factor) before the
    four-pass path runs.
    """
    count = state.count + 1
    (s,) = state.curvature
    c1 = 1.0 - beta1**count
    into, grad = _aliasing(p, state, s, theta, grad)
    if kernels is not None:
        F = np.ascontiguousarray(factor)
        first = _first_pass(kernels, p, s, state, F, grad, beta1)
        if first is not None:  # the gradient and the factor are finite: the schedule may run
            rest = (debias_weight(p.beta, s.step + 1, p.debias), rho, _vo.lr_at(where, lr, count))
            args = (kernels, first, p, s, state, F, grad, theta, into, beta1, c1, rest)
            theta, mu, s = _second_pass(*args)
            return theta, GingerOptState(count, mu, (s,), state.size)
        factor = check_finite()  # raises as the chain's door would, or the four passes run
        if not _vo._all_finite(state.mu):  # the chain's solve would raise, after the update
            _v.require_finite_product("solve", "v", np.array([np.nan]))  # before any write here
    lr_t = _vo.lr_at(where, lr, count)  # before the curvature state is written
    if factor is not None:  # Ginger.update for one block, as it calls pyginger.update
        kern = _dispatch.kernels_for("update", None, np) if kern is None else kern
        settings = (p.beta, p.form, kern, np, p.reorth_every, p.overwrite)
        s = rank_update._update_checked_inputs(s, np.ascontiguousarray(factor), *settings)
    c = debias_weight(p.beta, s.step, p.debias)
    scaled = s if c == 1.0 else s._replace(damping=p.damping * c)  # as Ginger.solve does
    alpha, coef = woodbury._scale_and_weights(scaled, inverse=True)
    rest = (c, rho, lr_t)
    if s.U.nbytes >= FUSED_MIN_BYTES and _kernels() is not None:
        args = (s, state.mu, grad, theta, into, beta1, c1, alpha, coef, rest)
        theta, mu = _compiled(*args)
    else:
        theta, mu = _numpy(s, state.mu, grad, theta, beta1, c1, alpha, coef, rest)
    return theta, GingerOptState(count, mu, (s,), state.size)


def _may_take_two_passes(p, state):
    """Return the kernels of the two passes for this state if a rank-one factor comes, or None.

    None, not an error, for a malformed state: the door's checks then report it, in their order.
    """
    mu = getattr(state, "mu", None)
    if not (isinstance(mu, np.ndarray) and mu.flags.writeable):
        return None  # a read-only momentum: the generated kernels' in-place branch writes it
    try:
        return _two_pass_kernels(p, state.curvature[0])
    except (TypeError, ValueError, AttributeError):  # e.g. a step count that is no number
        return None


def _door_rest(where, p, state, curvature, theta, finite):
    """Check the optimizer state, the factor (entries only when ``finite``), then its block.

    In the chain's order: the block's state is checked by the update and the solve, after the
    factor's entries; so when those were left unchecked they are checked before a fault of the
    block is reported.
    """
    _vo.check_state(where, state, GingerOptState, theta)
    raw, block = curvature, state.curvature[0]
    if finite or curvature is None:
        curvature = p.check_curvature(where, curvature, theta)
    else:
        curvature = _vo.check_factor(where, curvature, theta, finite=False)
    try:
        _v.check_state(where, block, name="state.curvature[0]")  # as the update and solve would
        if curvature is not None and p.form == "inverse":
            _vc.check_inverse_form_damping(where, block.damping)
    except (TypeError, ValueError):
        if not finite and raw is not None:
            p.check_curvature(where, raw, theta)
        raise
    return curvature


def fused(optimizer, preconditioner, lr, beta1, rho):
    """Return ``optimizer`` with a step that takes the fused path when it applies.

    ``optimizer`` is :func:`pyginger.optim.ginger`'s chain and ``preconditioner`` its
    :class:`~pyginger.optim.preconditioners.Ginger`; ``lr``, ``beta1`` and ``rho`` are its
    checked settings. The door checks are the chain's, made once: the update and the solve
    inside the step check nothing again.
    """
    chain_step, p = optimizer.step, preconditioner
    where = f"{optimizer.name}.step"
    kern = _dispatch.kernels_for("update", None, np)

    def step(theta, grad, state, curvature=None):
        if p.blocks is not None or not _eligible(theta, state):
            return chain_step(theta, grad, state, curvature)
        theta = _vo.check_theta(where, theta)
        # Where the two passes may run, the entries of the gradient and the factor are left to
        # their first pass (see _first_pass), and checked here only if it does not run.
        candidate = _may_take_two_passes(p, state)
        maybe = candidate is not None
        grad = _vo.check_vector(where, "grad", grad, theta, finite=not maybe)
        try:
            curvature = _door_rest(where, p, state, curvature, theta, finite=not maybe)
        except (TypeError, ValueError):
            if maybe:  # the chain checks the gradient's entries first: its error comes first
                _vo.check_vector(where, "grad", grad, theta)
            raise
        raw = curvature

        def check_finite():  # the rest of the door's checks, as the chain makes them
            _vo.check_vector(where, "grad", grad, theta)
            return p.check_curvature(where, raw, theta)

        rank_one = curvature is not None and curvature.shape[1] == 1
        kernels = candidate if rank_one else None
        if maybe and kernels is None:
            curvature = check_finite()
        args = (p, lr, beta1, rho, theta, grad, state, curvature, where, kern)
        return fused_update(*args, kernels=kernels, check_finite=check_finite)

    step.__doc__ = chain_step.__doc__
    step.chain = chain_step  # the unfused step, for the benchmark's comparison
    return optimizer._replace(step=step)
