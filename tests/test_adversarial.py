"""A standing adversarial sweep: bad input to every public entry gets a clear error, never a
crash from deep inside, a silently wrong result, a NaN, or a changed input.

Each case calls one public function with one argument replaced by an awkward value (wrong type,
dtype, shape or magnitude; a non-contiguous or read-only view; a malformed state) and is judged:

* ``clear error``: a ``ValueError`` or ``TypeError`` whose message starts with the function's
  name and names the argument;
* ``correct``: a value the function accepts and answers exactly as the dense reference does;

and anything else is a defect, counted by kind: ``unclear error`` (another exception, or a
message that does not say which function or argument), ``silent`` (a result that differs from
the reference, or a bad value accepted), ``nan`` (non-finite output from finite input) and
``mutated`` (an input or the caller's state changed). The counts per kind and category are
printed at the end of the test run; every defect count must be zero.
"""

from __future__ import annotations

import collections
import copy
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import pyginger
from pyginger import checkpoint, optim

D, TAU = 6, 2
COUNTS: collections.Counter = collections.Counter()  # (category, outcome) -> cases


class Case(NamedTuple):
    func: str  # the name an error message must start with
    arg: str  # the argument an error message must name
    category: str
    label: str
    call: Callable[[], Any]
    expect: Callable[[], Any] | None  # None: must be refused; else the reference result
    watched: tuple = ()  # inputs that must be left unchanged


def _state(dtype=np.float64):
    rng = np.random.default_rng(0)
    state = pyginger.init(D, TAU, damping=0.5, dtype=dtype)
    for _ in range(3):
        state = pyginger.update(state, rng.standard_normal(D).astype(dtype), beta=0.5)
    return state


def _readonly(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


V = np.linspace(-1.0, 2.0, D)
BAD_OPERANDS = {  # category -> {label: value}; each must be refused as a factor or right side
    "wrong type": {
        "str": "abc",
        "None": None,
        "dict": {},
        "object": object(),
        "str list": ["a"] * D,
    },
    "dtype": {
        "bool": np.ones(D, bool),
        "complex": V + 1j,
        "object": np.array(list(V), dtype=object),
        "float16": V.astype(np.float16),
        "longdouble": V.astype(np.longdouble),
        "big-endian": V.astype(">f8"),
        "int": np.arange(D),
    },
    "shape": {
        "0-d": np.array(1.0),
        "empty": np.ones(0),
        "too short": np.ones(D - 1),
        "3-d": np.ones((D, 1, 1)),
    },
    "magnitude": {
        "nan": np.full(D, np.nan),
        "inf": np.full(D, np.inf),
        "-inf": np.full(D, -np.inf),
    },
}
GOOD_OPERANDS = {  # label -> value equal to V (or V as a column): must give the reference result
    "list": list(V),
    "non-contiguous": np.repeat(V, 2)[::2],
    "read-only": _readonly(V),
    "column": V[:, None],
    "huge": V * 1e150,
    "tiny": V * 1e-300,
}
BAD_STATES = {
    "None": None,
    "tuple": (np.eye(D, TAU), np.zeros(TAU), 0.5, 0),
    "negative sigma": {"sigma": np.array([1.0, -1.0])},
    "nan sigma": {"sigma": np.array([np.nan, 0.0])},
    "unsorted sigma": {"sigma": np.array([0.0, 1.0])},
    "sigma too short": {"sigma": np.array([1.0])},
    "sigma float32": {"sigma": np.array([1.0, 0.5], np.float32)},
    "U 1-d": {"U": np.ones(D)},
    "damping 0": {"damping": 0.0},
    "damping -1": {"damping": -1.0},
    "damping nan": {"damping": math.nan},
    "damping str": {"damping": "0.5"},
    "step -1": {"step": -1},
    "step 1.5": {"step": 1.5},
}


def _bad_state(change):
    if not isinstance(change, dict):
        return change
    return _state()._replace(**change)


def _core_cases():
    state = _state()
    P, G = pyginger.to_dense(state, inverse=True), pyginger.to_dense(state)
    yield from _operand_cases(state, P, G)
    for label, change in BAD_STATES.items():
        bad = _bad_state(change)
        for func, call in [
            ("update", lambda s=bad: pyginger.update(s, V)),
            ("solve", lambda s=bad: pyginger.solve(s, V)),
            ("matvec", lambda s=bad: pyginger.matvec(s, V)),
            ("to_dense", lambda s=bad: pyginger.to_dense(s)),
            ("orthogonality_error", lambda s=bad: pyginger.orthogonality_error(s)),
            ("reorthonormalize", lambda s=bad: pyginger.reorthonormalize(s)),
            ("aslinearoperator", lambda s=bad: pyginger.aslinearoperator(s)),
        ]:
            yield Case(func, "state", "malformed state", label, call, None)
    yield from _option_cases(state)


def _operand_cases(state, P, G):
    for category, values in BAD_OPERANDS.items():
        for label, value in values.items():
            for func, arg, call in [
                ("update", "factor", lambda x=value: pyginger.update(state, x)),
                ("solve", "v", lambda x=value: pyginger.solve(state, x)),
                ("matvec", "v", lambda x=value: pyginger.matvec(state, x)),
            ]:
                yield Case(func, arg, category, label, call, None, (value, state))
    op = pyginger.aslinearoperator(state)
    for label, value in GOOD_OPERANDS.items():
        want = np.asarray(value, dtype=np.float64)
        yield Case(
            "solve",
            "v",
            "valid operand",
            label,
            lambda x=value: pyginger.solve(state, x),
            lambda w=want: P @ w,
            (value, state),
        )
        yield Case(
            "matvec",
            "v",
            "valid operand",
            label,
            lambda x=value: pyginger.matvec(state, x),
            lambda w=want: G @ w,
            (value, state),
        )
        yield Case(
            "GingerOperator",
            "x",
            "valid operand",
            label,
            lambda x=value: op @ x,
            lambda w=want: P @ w,
            (value, state),
        )


def _option_cases(state):
    options = {
        "beta": [-0.1, 1.0, math.nan, "0.9", None, True, np.array([0.5])],
        "form": ["Curvature", None, 1],
        "backend": ["cuda", 1],
        "reorth_every": [0, -1, 2.5, "10", True],
        "overwrite_state": ["False", 1, None, np.array([True])],
    }
    for arg, values in options.items():
        for value in values:
            yield Case(
                "update",
                arg,
                "option",
                repr(value),
                lambda a=arg, x=value: pyginger.update(state, V, **{a: x}),
                None,
                (state,),
            )
    init_args = {
        "dim": [0, -1, 2.5, "3", True, 2**70],
        "rank": [0, D + 1, 1.5, None],
        "damping": [0.0, -1.0, math.nan, math.inf, "1", True, 1e-320],
        "dtype": ["flaot32", "float32 ", ">f8", np.float16, np.int64, "complex128"],
        "xp": ["numpy", 3],
    }
    for arg, values in init_args.items():
        for value in values:
            kwargs = {"dim": D, "rank": TAU, arg: value}
            yield Case(
                "init", arg, "option", repr(value), lambda k=kwargs: pyginger.init(**k), None
            )
    yield Case(
        "update",
        "damping",
        "magnitude",
        "inverse form at 1e-200",
        lambda: pyginger.update(pyginger.init(D, TAU, damping=1e-200), V, form="inverse"),
        None,
    )


def _optimizer_cases():
    theta = np.linspace(0.1, 0.6, D)
    bad_vectors = {
        **{k: v for k, v in BAD_OPERANDS["dtype"].items() if k != "int"},
        **BAD_OPERANDS["shape"],
        "nan": np.full(D, np.nan),
        "str": "abc",
    }
    for name in ("sgd", "adam", "gauss_newton", "ema_ggn", "ginger", "diag_ggn", "qng"):
        opt = optim.get_optimizer(name, lr=0.1)
        state = opt.init(theta)
        factor = np.ones(D) if opt.needs else None
        for label, value in bad_vectors.items():
            if label == "too short":  # a theta of any length is valid for init
                continue
            yield Case(
                f"{name}.init",
                "theta",
                "optimizer input",
                label,
                lambda o=opt, x=value: o.init(x),
                None,
                (value,),
            )
            yield Case(
                f"{name}.step",
                "grad",
                "optimizer input",
                label,
                lambda o=opt, s=state, x=value, f=factor: o.step(theta, x, s, f),
                None,
                (value, theta, state),
            )
            if opt.needs:
                yield Case(
                    f"{name}.step",
                    "curvature",
                    "optimizer input",
                    label,
                    lambda o=opt, s=state, x=value: o.step(theta, V, s, x),
                    None,
                    (value, theta, state),
                )
        if opt.needs:  # a factor whose products overflow: refused before any state changes
            yield Case(
                f"{name}.step",
                "curvature",
                "magnitude",
                "1e200",
                lambda o=opt, s=state: o.step(theta, V, s, np.ones(D) * 1e200),
                None,
                (theta, state),
            )
        else:  # a huge but finite gradient: a finite step
            yield Case(
                f"{name}.step",
                "grad",
                "magnitude",
                "1e200",
                lambda o=opt, s=state: o.step(theta, V * 1e200, s, None),
                _ACCEPT_FINITE,
                (theta, state),
            )


_ACCEPT_FINITE = object()  # the expected "result" of a call that must run: finite, any value


def _minimize_cases():
    def fun(x):
        return float(x @ x)

    def jac(x):
        return 2 * x

    bad = {
        "x0 complex": ("x0", dict(x0=np.ones(3) + 1j)),
        "x0 str": ("x0", dict(x0="ab")),
        "x0 2-d": ("x0", dict(x0=np.ones((2, 2)))),
        "x0 nan": ("x0", dict(x0=[np.nan, 0.0])),
        "fun array": ("fun", dict(fun=lambda x: x**2)),
        "fun str": ("fun", dict(fun=lambda x: "1.0")),
        "fun None": ("fun", dict(fun=None)),
        "jac=True scalar": ("fun", dict(jac=True)),
        "gradient (2, 2)": ("gradient", dict(jac=lambda x: np.ones((2, 2)))),
        "gradient complex": ("gradient", dict(jac=lambda x: x + 1j)),
        "method": ("method", dict(method="newton")),
        "option": ("option", dict(options={"learning_rate": 0.1})),
        "maxiter": ("maxiter", dict(options={"maxiter": -1})),
    }
    for label, (arg, change) in bad.items():
        kwargs = dict(dict(fun=fun, x0=np.ones(3), jac=jac, method="sgd"), **change)
        yield Case(
            "minimize",
            arg,
            "minimize input",
            label,
            lambda k=kwargs: pyginger.minimize(k.pop("fun"), k.pop("x0"), **k),
            None,
        )


def _checkpoint_cases(tmp_dir):
    opt = optim.sgd(0.1)
    state = opt.init(np.ones(D))
    for label, theta in {
        "complex": V * 1j,
        "str": np.array(["a"] * D),
        "object": np.array([None] * D),
    }.items():
        yield Case(
            "save",
            "theta",
            "checkpoint",
            label,
            lambda t=theta: checkpoint.save(tmp_dir / "c.npz", opt, state, theta=t),
            None,
            (theta,),
        )
    yield Case(
        "save",
        "optimizer",
        "checkpoint",
        "not an optimizer",
        lambda: checkpoint.save(tmp_dir / "c.npz", "sgd", state),
        None,
    )
    (tmp_dir / "junk.npz").write_bytes(b"not a zip file")
    yield Case(
        "load",
        str(tmp_dir / "junk.npz"),
        "checkpoint",
        "junk file",
        lambda: checkpoint.load(tmp_dir / "junk.npz", opt),
        None,
    )


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_snapshot(v) for v in value)
    return copy.copy(value)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    return True  # not an array: nothing the callee could have written to


def judge(case: Case) -> str:
    """Run ``case`` and return its outcome (see the module docstring)."""
    before = [_snapshot(x) for x in case.watched]
    try:
        result = case.call()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        named = message.startswith(case.func) and case.arg in message
        outcome = "clear error" if named and case.expect is None else "unclear error"
        if case.expect is not None:
            outcome = "silent"  # a valid input refused
    except Exception:  # noqa: BLE001 - any other exception is what this sweep looks for
        outcome = "unclear error"
    else:
        outcome = _judge_result(case, result)
    if not all(_same(b, x) for b, x in zip(before, case.watched, strict=True)):
        outcome = "mutated"
    return outcome


def _judge_result(case, result):
    if case.expect is None:
        return "silent"  # a bad value accepted
    arrays = result if isinstance(result, tuple) else (result,)
    if not all(
        np.all(np.isfinite(np.asarray(a, dtype=np.float64)))
        for a in arrays
        if isinstance(a, np.ndarray)
    ):
        return "nan"
    if case.expect is _ACCEPT_FINITE:
        return "correct"
    want = np.asarray(case.expect(), dtype=np.float64)
    got = np.asarray(result, dtype=np.float64).reshape(want.shape)
    # Woodbury against a dense solve of a 6 x 6 system with kappa = (gamma + sigma_1) / gamma
    # ~ 10: rounding-level agreement, relative to the result's size.
    scale = float(np.max(np.abs(want))) or 1.0
    return "correct" if np.max(np.abs(got - want)) <= 1e-12 * scale else "silent"


def _mlp_cases():
    from pyginger.nn.mlp import MLP

    model = MLP([2, 4, 3], loss="cross_entropy")
    theta = model.init(seed=0)
    X, y = np.linspace(-1, 1, 10).reshape(5, 2), np.array([0, 1, 2, 0, 1])
    bad = {
        "X": {
            "complex": X + 1j,
            "nan": X * np.nan,
            "1-d": X[0],
            "wide": np.ones((5, 3)),
            "str": "x",
        },
        "y": {
            "float": y + 0.5,
            "out of range": y + 5,
            "short": y[:3],
            "2-d": y[:, None],
            "bool": y > 0,
        },
        "theta": {"short": theta[:-1], "complex": theta + 1j, "nan": theta * np.nan},
    }
    for arg, values in bad.items():
        for label, value in values.items():
            args = {"theta": theta, "X": X, "y": y, arg: value}
            for func in ("loss_and_grad", "ggn_factor"):
                yield Case(
                    f"MLP.{func}",
                    arg,
                    "model input",
                    label,
                    lambda f=func, a=args: getattr(model, f)(a["theta"], a["X"], a["y"]),
                    None,
                    (value,),
                )
    loss, grad = model.loss_and_grad(theta, X, y)
    for label, value in {
        "big-endian X": X.astype(">f8"),
        "non-contiguous X": np.asfortranarray(X),
        "read-only X": _readonly(X),
        "int64 y as list": list(y),
    }.items():
        args = {"X": value} if label.endswith("X") else {"y": np.asarray(value)}
        Xa, ya = args.get("X", X), args.get("y", y)
        yield Case(
            "MLP.loss_and_grad",
            "X",
            "valid operand",
            label,
            lambda Xa=Xa, ya=ya: model.loss_and_grad(theta, Xa, ya)[1],
            lambda: grad,
            (value,),
        )


def _all_cases(tmp_dir):
    yield from _mlp_cases()
    yield from _core_cases()
    yield from _optimizer_cases()
    yield from _minimize_cases()
    yield from _checkpoint_cases(tmp_dir)


DEFECTS = ("unclear error", "silent", "nan", "mutated")


def test_adversarial_sweep(tmp_path, capsys):
    failures = []
    with np.errstate(all="ignore"):  # what NumPy would warn of is judged from the results
        for case in _all_cases(tmp_path):
            outcome = judge(case)
            COUNTS[(case.category, outcome)] += 1
            if outcome in DEFECTS:
                failures.append(
                    f"{outcome}: {case.func}({case.arg}) <- {case.category} {case.label}"
                )
    with capsys.disabled():
        print("\n" + summary_table(COUNTS))
    assert sum(COUNTS.values()) > 400  # the sweep ran in full
    assert not failures, "\n".join(failures)


def summary_table(counts) -> str:
    """Cases per category (rows) and outcome (columns), like the adversarial report's table."""
    outcomes = ("clear error", "correct", *DEFECTS)
    categories = sorted({c for c, _ in counts})
    width = max(len(c) for c in categories)
    lines = [f"{'adversarial sweep':{width}s}  " + "  ".join(f"{o:>13s}" for o in outcomes)]
    for c in categories:
        lines.append(f"{c:{width}s}  " + "  ".join(f"{counts[(c, o)]:13d}" for o in outcomes))
    totals = [sum(counts[(c, o)] for c in categories) for o in outcomes]
    lines.append(f"{'total':{width}s}  " + "  ".join(f"{t:13d}" for t in totals))
    return "\n".join(lines)
