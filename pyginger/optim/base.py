r"""The optimizer interface: pure transforms, their ``chain``, preconditioners and one builder.

An optimizer is built from small pure pieces, in the manner of optax:

* a :class:`Transform` turns an update vector into another one (``update(u, state, step) ->
  (u, state)``) and keeps a :class:`~typing.NamedTuple` state made by ``init(theta)``;
* :func:`chain` runs transforms one after the other; the first receives the gradient;
* a :class:`Preconditioner` keeps a curvature approximation: ``init(theta)``, ``update(state,
  curvature)`` with a new curvature sample, ``solve(state, v)`` for the preconditioned vector;
  :func:`pyginger.optim.transforms.precondition` makes it a transform;
* :func:`as_optimizer` wraps a chain into the public :class:`Optimizer`, whose ``step`` checks
  its arguments once, at the door, runs the chain and returns ``theta - u``.

Every transform sees the same :class:`Step`: the parameters, the raw gradient, the (checked)
curvature sample and the 1-based step count, which the optimizer's state keeps once for all.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from pyginger._validation import optimizers as _vo

__all__ = [
    "Optimizer",
    "Transform",
    "Step",
    "Preconditioner",
    "ChainState",
    "chain",
    "as_optimizer",
]


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
        What ``curvature`` must be (see :mod:`pyginger.optim`).
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


class Step(NamedTuple):
    """What every transform of a step sees besides the update vector and its own state.

    Attributes
    ----------
    theta : (d,) ndarray
        The parameters before the step.
    grad : (d,) ndarray
        The raw gradient (the first transform's input).
    curvature : object
        The curvature sample, as checked by the optimizer (None: no new sample).
    count : int
        The 1-based number of this step.
    where : str
        ``"<optimizer>.step"``, for error messages.
    """

    theta: np.ndarray
    grad: np.ndarray
    curvature: Any
    count: int
    where: str


class Transform(NamedTuple):
    """A pure transformation of update vectors with a state of its own.

    Attributes
    ----------
    init : callable
        ``init(theta) -> state``, a ``state_type``.
    update : callable
        ``update(u, state, step) -> (u, state)`` for a :class:`Step` ``step``; pure.
    state_type : type
        The NamedTuple class of the state (``tuple`` for a :func:`chain`).
    check_theta : callable or None
        ``check_theta(where, theta)``: what ``init`` requires of ``theta`` beyond a finite
        vector (e.g. a size), checked at the door of ``init``.
    check_curvature : callable or None
        ``check_curvature(where, curvature, theta) -> curvature``: checks the curvature sample
        at the door of ``step`` and returns it in the form ``update`` reads.
    parts : tuple of Transform
        The transforms of a :func:`chain`; empty otherwise.
    """

    init: Callable[..., Any]
    update: Callable[..., Any]
    state_type: type
    check_theta: Callable[..., Any] | None = None
    check_curvature: Callable[..., Any] | None = None
    parts: tuple = ()


class Preconditioner:
    r"""A curvature approximation :math:`C`: kept from samples, and solved with.

    Subclasses set :attr:`needs` and :attr:`state_type` and define :meth:`init`,
    :meth:`update` and :meth:`solve`; :func:`pyginger.optim.transforms.precondition` turns one
    into a transform. The default checks accept a factor ``F`` of shape ``(d,)`` or ``(d, k)``
    (:math:`F F^\top` the curvature sample), passed on as a ``(d, k)`` array.

    Attributes
    ----------
    needs : str
        What the curvature sample is (see :mod:`pyginger.optim`); default ``"factor"``.
    state_type : type
        The NamedTuple class :meth:`init` returns.
    """

    needs = "factor"
    state_type: type = tuple

    def check_theta(self, where: str, theta: np.ndarray) -> None:
        """Check what :meth:`init` requires of a finite vector ``theta`` (nothing by default)."""

    def check_curvature(self, where: str, curvature, theta: np.ndarray):
        """Return the curvature sample checked, as :meth:`update` reads it (None passes)."""
        return None if curvature is None else _vo.check_factor(where, curvature, theta)

    def init(self, theta: np.ndarray):
        """Return the state for parameters like ``theta`` (no curvature seen yet)."""
        raise NotImplementedError

    def update(self, state, curvature):
        """Return the state after one curvature sample (checked by :meth:`check_curvature`)."""
        raise NotImplementedError

    def solve(self, state, v: np.ndarray) -> tuple[np.ndarray, Any]:
        r"""Return ``(C^{-1} v, state)``; the state is returned unchanged but for diagnostics."""
        raise NotImplementedError


class ChainState(NamedTuple):
    """State of an optimizer made by :func:`as_optimizer` without a state type of its own.

    Attributes
    ----------
    count : int
        Steps taken.
    inner : tuple
        The chain's states, one per transform.
    size : int
        The number ``d`` of parameters.
    """

    count: int
    inner: tuple
    size: int


def chain(*transforms: Transform) -> Transform:
    """Compose transforms: each receives the update vector the previous one returns.

    Parameters
    ----------
    *transforms : Transform
        In the order they apply; the first receives the gradient.

    Returns
    -------
    Transform
        Its state is the tuple of the transforms' states; its checks are theirs, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.optim import base, transforms
    >>> t = base.chain(transforms.ema(0.5), transforms.scale_by_learning_rate(0.1))
    >>> theta = np.zeros(2); state = t.init(theta)
    >>> step = base.Step(theta, np.ones(2), None, 1, "example")
    >>> u, state = t.update(np.ones(2), state, step)
    >>> u, state[0].mu
    (array([0.05, 0.05]), array([0.5, 0.5]))
    """
    parts = tuple(transforms)

    def init(theta):
        return tuple(t.init(theta) for t in parts)

    def update(u, states, step):
        new = []
        for t, s in zip(parts, states, strict=True):
            u, s = t.update(u, s, step)
            new.append(s)
        return u, tuple(new)

    def check_theta(where, theta):
        for t in parts:
            if t.check_theta is not None:
                t.check_theta(where, theta)

    def check_curvature(where, curvature, theta):
        for t in parts:
            if t.check_curvature is not None:
                curvature = t.check_curvature(where, curvature, theta)
        return curvature

    return Transform(init, update, tuple, check_theta, check_curvature, parts)


def _packing(transform, state_type):
    """Return ``(pack, unpack)`` between a chain's tuple of states and a flat ``state_type``."""
    if state_type is None:
        return (lambda count, inner, size: ChainState(count, inner, size)), (lambda s: s.inner)
    types_ = [t.state_type for t in transform.parts]
    fields = ("count", *(f for cls in types_ for f in cls._fields), "size")
    if tuple(state_type._fields) != fields:
        raise TypeError(
            f"as_optimizer: state_type must have the fields {fields}, got {state_type._fields}"
        )

    def pack(count, inner, size):
        return state_type(count, *(value for s in inner for value in s), size)

    def unpack(state):
        out, start = [], 1
        for cls in types_:
            out.append(cls(*state[start : start + len(cls._fields)]))
            start += len(cls._fields)
        return tuple(out)

    return pack, unpack


def as_optimizer(
    name: str,
    transform: Transform,
    *,
    needs: str | None,
    config: dict,
    state_type: type | None = None,
) -> Optimizer:
    """Build the :class:`Optimizer` that runs ``transform`` and steps ``theta - u``.

    Parameters
    ----------
    name : str
        The optimizer's name; its errors start with ``"<name>.init:"`` or ``"<name>.step:"``.
    transform : Transform
        Usually a :func:`chain`; it receives the gradient and returns the step ``u``.
    needs : {None, "factor", "ggn", "ggn_operator", "kfac"}
        What ``curvature`` must be.
    config : dict
        The hyper-parameters (stored read-only, a callable such as a schedule by its ``repr``;
        compared by :mod:`pyginger.checkpoint`).
    state_type : NamedTuple class, optional
        A flat state ``(count, <the fields of every transform's state, in order>, size)``
        (``transform`` must then be a chain). Default: :class:`ChainState`.

    Returns
    -------
    Optimizer

    Raises
    ------
    TypeError
        If ``state_type`` does not have the fields of the chain's states.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.optim import base, transforms
    >>> opt = base.as_optimizer(
    ...     "heavy_ball", base.chain(transforms.heavy_ball(0.5),
    ...                              transforms.scale_by_learning_rate(0.1)),
    ...     needs=None, config={"lr": 0.1})
    >>> theta = np.ones(2); state = opt.init(theta)
    >>> theta, state = opt.step(theta, theta, state)
    >>> theta, state.count
    (array([0.9, 0.9]), 1)
    """
    pack, unpack = _packing(transform, state_type)
    kind = ChainState if state_type is None else state_type

    def init(theta):
        """Return the initial state for parameters ``theta`` of shape ``(d,)``."""
        where = f"{name}.init"
        theta = _vo.check_theta(where, theta)
        if transform.check_theta is not None:
            transform.check_theta(where, theta)
        return pack(0, transform.init(theta), theta.shape[0])

    def step(theta, grad, state, curvature=None):
        """Return ``(new_theta, new_state)`` after one step; ``curvature`` as ``needs`` says.

        ``curvature=None`` skips the curvature update (the estimate in ``state`` is used as
        it is) for the methods that keep one. The inputs are not written to (unless the
        optimizer was built with ``overwrite_state=True``).
        """
        where = f"{name}.step"
        theta = _vo.check_theta(where, theta)
        grad = _vo.check_vector(where, "grad", grad, theta)
        _vo.check_state(where, state, kind, theta)
        if transform.check_curvature is not None:
            curvature = transform.check_curvature(where, curvature, theta)
        count = state.count + 1
        u, inner = transform.update(grad, unpack(state), Step(theta, grad, curvature, count, where))
        return theta - u, pack(count, inner, state.size)

    # A schedule is stored by its repr: the config stays JSON-able for checkpoints.
    described = {k: repr(v) if callable(v) else v for k, v in config.items()}
    return Optimizer(name, init, step, needs, types.MappingProxyType(described))
