r"""What the loop optimizes: one objective protocol and its adapters (network, callables, problems).

An objective answers three questions for :func:`pyginger.run.loop.run`:

``draw(rng) -> batch``
    The step's randomness, drawn from the run's one generator before anything is evaluated: the
    mini-batch first, then whatever else the step needs (a seed for a Monte-Carlo factor).
``value_and_grad(theta, batch) -> (value, gradient)``
    The value and gradient at ``theta`` on ``batch``; the gradient is what the step uses.
``curvature(needs, theta, batch)``
    A curvature sample of the kind the optimizer asks for (``optimizer.needs``): ``None``,
    ``"factor"`` (a ``(d,)`` or ``(d, k)`` factor :math:`F`, :math:`FF^\top \approx G`), ``"ggn"``
    (the exact factor), ``"ggn_operator"`` (:math:`G` as a
    :class:`~scipy.sparse.linalg.LinearOperator`) or ``"kfac"`` (Kronecker factors).

Adapters: :class:`ModelObjective` (a :class:`pyginger.nn.mlp.MLP` with data),
:class:`CallablesObjective` (SciPy-style ``fun``, ``jac``, ``factor``), :class:`ProblemObjective`
(the test problems of :mod:`pyginger.theory.problems`, read through their methods only) and
:class:`StreamObjective` (a recorded stream of factors and vectors). Inputs are checked at the
public entries (:mod:`pyginger._validation.running`); the adapters trust them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
from scipy.sparse.linalg import LinearOperator

from pyginger import optim as _optim
from pyginger._validation import running as _vr

if TYPE_CHECKING:
    from pyginger.nn.mlp import MLP

__all__ = [
    "Objective",
    "Batch",
    "ModelObjective",
    "CallablesObjective",
    "ProblemObjective",
    "StreamObjective",
]


class Objective(Protocol):
    """The protocol of everything the loop can run on (see the module's docstring)."""

    def draw(self, rng: np.random.Generator | None) -> Any:
        """Return the step's batch, drawing its randomness from ``rng``."""

    def value_and_grad(self, theta: np.ndarray, batch: Any) -> tuple[float, np.ndarray]:
        """Return the value and the gradient at ``theta`` on ``batch``."""

    def curvature(self, needs: str | None, theta: np.ndarray, batch: Any) -> Any:
        """Return the curvature sample of kind ``needs`` at ``theta`` on ``batch``."""


class Batch(NamedTuple):
    """A network's mini-batch: inputs, targets, and the generator of its Monte-Carlo factor."""

    X: np.ndarray
    y: np.ndarray
    rng: np.random.Generator | None


class ModelObjective:
    """The mean loss of a :class:`pyginger.nn.mlp.MLP` on data ``(X, y)``, by mini-batches.

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
    X, y : ndarray
        The data, checked (:func:`pyginger._validation.running.check_data`).
    batch_size : int, optional
        Rows drawn per step without replacement; None uses all the data every step.
    factor_kind : {"mc", "exact", "empirical"}, optional
        Which ``MLP.ggn_factor`` feeds ``"factor"`` and ``"kfac"`` optimizers. Default ``"mc"``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger.run.objective import ModelObjective
    >>> model = MLP([2, 3, 2], loss="cross_entropy"); theta = model.init(seed=0)
    >>> objective = ModelObjective(model, np.ones((5, 2)), np.array([0, 1, 0, 1, 1]), batch_size=3)
    >>> batch = objective.draw(np.random.default_rng(0))
    >>> batch.X.shape, objective.curvature("factor", theta, batch).shape
    ((3, 2), (17,))
    """

    def __init__(
        self,
        model: MLP,
        X: np.ndarray,
        y: np.ndarray,
        *,
        batch_size: int | None = None,
        factor_kind: str = "mc",
    ) -> None:
        self.model, self.X, self.y = model, X, y
        self.batch_size, self.factor_kind = batch_size, factor_kind

    def draw(self, rng: np.random.Generator) -> Batch:
        """Draw the rows (when mini-batched), then one seed for the curvature's randomness.

        The seed is drawn whether the optimizer uses it or not, so every optimizer sees the same
        sequence of mini-batches from the same generator.
        """
        if self.batch_size is None:
            X, y = self.X, self.y
        else:
            idx = rng.choice(self.X.shape[0], size=self.batch_size, replace=False)
            X, y = self.X[idx], self.y[idx]
        return Batch(X, y, np.random.default_rng(rng.integers(2**63)))

    def value_and_grad(self, theta: np.ndarray, batch: Batch) -> tuple[float, np.ndarray]:
        """Return ``model.loss_and_grad`` on the batch."""
        return self.model.loss_and_grad(theta, batch.X, batch.y)

    def curvature(self, needs: str | None, theta: np.ndarray, batch: Batch) -> Any:
        """Return the curvature sample of kind ``needs`` on the batch (see the module)."""
        model, kind = self.model, self.factor_kind
        rng = batch.rng if kind == "mc" else None
        if needs is None:
            return None
        if needs == "factor":
            return model.ggn_factor(theta, batch.X, batch.y, kind=kind, rng=rng)
        if needs == "ggn_operator":
            d, X = model.num_params, batch.X
            return LinearOperator(
                (d, d), matvec=lambda v: model.ggn_matvec(theta, X, v), dtype=np.float64
            )
        if needs == "ggn":
            return model.ggn_factor(theta, batch.X, batch.y, kind="exact")
        return _optim.kfac_factors(model, theta, batch.X, batch.y, kind=kind, rng=rng)


class CallablesObjective:
    """SciPy-style callables: ``fun(x, *args)``, ``jac`` (or ``jac=True``), ``factor(x, *args)``.

    With ``batches``, ``batches(rng)`` draws each step's mini-batch, passed to the callables as
    their second argument. The adapter counts the calls (``counts``: ``nfev``, ``njev``,
    ``nfactor``) and checks each value and gradient they return: nothing checks a user's
    function in advance.

    Parameters
    ----------
    fun, jac, factor, args, batches
        As in :func:`pyginger.run.minimizer.minimize`.
    needs : {None, "factor", "ggn", "ggn_operator", "kfac"}
        What the optimizer will ask for.
    name : str
        The optimizer's name, for the error message.
    func : str, optional
        The public entry, for messages. Default ``"minimize"``.

    Raises
    ------
    ValueError
        If the optimizer needs a curvature and ``factor`` is None: callables give no curvature
        but through ``factor``.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.run.objective import CallablesObjective
    >>> objective = CallablesObjective(lambda x: x @ x, lambda x: 2 * x, None, (), None,
    ...                                needs=None, name="sgd")
    >>> objective.value_and_grad(np.ones(2), None), objective.counts["nfev"]
    ((2.0, array([2., 2.])), 1)
    >>> CallablesObjective(lambda x: x @ x, True, None, (), None, needs="kfac", name="kfac")
    Traceback (most recent call last):
    ...
    ValueError: minimize: method 'kfac' needs factor=callable(x) returning the Kronecker factors ...
    """

    def __init__(self, fun, jac, factor, args, batches, *, needs, name, func="minimize") -> None:
        if needs is not None and factor is None:
            raise ValueError(
                f"{func}: method {name!r} needs factor=callable(x) returning "
                f"{_vr.NEEDS.get(needs, 'its curvature input')}"
            )
        self.fun, self.jac, self.factor, self.args, self.batches = fun, jac, factor, args, batches
        self.func = func
        self.counts = {"nfev": 0, "njev": 0, "nfactor": 0}

    def _extra(self, batch):
        return self.args if self.batches is None else (batch, *self.args)

    def draw(self, rng: np.random.Generator | None) -> Any:
        """Return ``batches(rng)``, or None for a deterministic objective."""
        return None if self.batches is None else self.batches(rng)

    def value_and_grad(self, x: np.ndarray, batch: Any) -> tuple[float, np.ndarray]:
        """Call ``fun`` (and ``jac``), and return the checked value and gradient."""
        func, extra = self.func, self._extra(batch)
        self.counts["nfev"] += 1
        if self.jac is True:
            out = self.fun(x, *extra)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(
                    f"{func}: with jac=True, fun must return (value, gradient), got "
                    f"{type(out).__name__}"
                )
            value, grad = out
        else:
            value = self.fun(x, *extra)
            self.counts["njev"] += 1
            grad = self.jac(x, *extra)
        value, grad = _vr.checked_value(func, value), _vr.checked_gradient(func, grad, x.shape)
        if self.jac is True:
            self.counts["njev"] += 1
        return value, grad

    def curvature(self, needs: str | None, x: np.ndarray, batch: Any) -> Any:
        """Return ``factor``'s output: arrays as float64, Kronecker factors as they come."""
        if needs is None:
            return None
        self.counts["nfactor"] += 1
        curvature = self.factor(x, *self._extra(batch))
        if isinstance(curvature, np.ndarray) or (
            isinstance(curvature, (list, tuple)) and needs != "kfac"
        ):
            curvature = np.asarray(curvature, dtype=np.float64)
            _vr.check_factor_rows(self.func, curvature, x.shape[0])
        return curvature


class ProblemObjective:
    r"""A test problem of :mod:`pyginger.theory.problems`, with the gradient and factor batches.

    The problem is read through its methods only (``value_and_grad``, ``batch_grad``,
    ``factor``, ``num_samples``). The value is always the exact :math:`f(x)`; the gradient is
    exact or a mini-batch mean; the factor has its own samples, drawn after the gradient's, or
    reuses them (``same_batch``). Samples are drawn uniformly with replacement.

    Parameters
    ----------
    problem : object
        E.g. :class:`pyginger.theory.problems.RobustRegression`.
    batch_size : int, optional
        Gradient samples per step; None: the exact gradient.
    factor_batch_size : int, optional
        Factor samples per step; None: all samples.
    same_batch : bool, optional
        Use the gradient's samples for the factor. Default False.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.theory.problems import RobustRegression
    >>> from pyginger.run.objective import ProblemObjective
    >>> objective = ProblemObjective(RobustRegression.make(20, 3, seed=0), batch_size=4)
    >>> idx, fidx = objective.draw(np.random.default_rng(0))
    >>> idx.shape, fidx is None, objective.curvature("factor", np.zeros(3), (idx, fidx)).shape
    ((4,), True, (3, 20))
    """

    def __init__(self, problem, *, batch_size=None, factor_batch_size=None, same_batch=False):
        self.problem, self.n = problem, int(problem.num_samples)
        self.batch_size, self.factor_batch_size = batch_size, factor_batch_size
        self.same_batch = same_batch
        self._at, self._exact = None, None

    def draw(self, rng: np.random.Generator) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Return ``(idx, fidx)``: the gradient's samples, then the factor's (None: all)."""
        n, b, fb = self.n, self.batch_size, self.factor_batch_size
        idx = rng.integers(n, size=b) if b is not None else None
        if self.same_batch:
            return idx, idx
        return idx, (rng.integers(n, size=fb) if fb is not None else None)

    def exact(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Return the exact value and gradient at ``x`` (kept for the last ``x`` asked)."""
        if x is not self._at:
            self._at, self._exact = x, self.problem.value_and_grad(x)
        return self._exact

    def value_and_grad(self, x: np.ndarray, batch) -> tuple[float, np.ndarray]:
        """Return :math:`f(x)` and the gradient: exact, or the mean over the batch's samples."""
        value, grad = self.exact(x)
        idx = batch[0]
        return value, (grad if idx is None else self.problem.batch_grad(x, idx))

    def curvature(self, needs: str | None, x: np.ndarray, batch) -> np.ndarray:
        """Return the problem's factor on the factor's samples."""
        return self.problem.factor(x, batch[1])


class StreamObjective:
    """A recorded stream: step ``t`` gets factor ``t`` as its curvature and vector ``t``.

    There is no function: the value is 0 and the "gradient" is the step's vector, drawn from the
    run's generator (standard normal) when no vectors are given.

    Parameters
    ----------
    factors : list of (d, k) ndarray
    vectors : list of (d,) ndarray, optional
        One per factor.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.run.objective import StreamObjective
    >>> stream = StreamObjective([np.ones((3, 1)), np.zeros((3, 1))])
    >>> rng = np.random.default_rng(0)
    >>> [(float(F.sum()), v.shape) for F, v in (stream.draw(rng), stream.draw(rng))]
    [(3.0, (3,)), (0.0, (3,))]
    """

    def __init__(self, factors, vectors=None) -> None:
        self.factors, self.vectors, self._t = factors, vectors, 0

    def draw(self, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
        """Return the next ``(factor, vector)``."""
        F, t = self.factors[self._t], self._t
        self._t += 1
        v = rng.standard_normal(F.shape[0]) if self.vectors is None else self.vectors[t]
        return F, v

    def value_and_grad(self, theta: np.ndarray, batch) -> tuple[float, np.ndarray]:
        """Return ``(0.0, vector)``."""
        return 0.0, batch[1]

    def curvature(self, needs: str | None, theta: np.ndarray, batch) -> np.ndarray:
        """Return the factor."""
        return batch[0]
