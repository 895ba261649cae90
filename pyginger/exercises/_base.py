r"""The exercise structure and its checker: run a reader's function on cases, say what is wrong.

An :class:`Exercise` holds its statement, the signature the reader implements and a list of
:class:`Case` s, each an input with the answer of an independent dense reference and the error
that floating point allows on it. :meth:`Exercise.check` calls the reader's function on every
case and stops at the first that fails, with a message saying which input, what was wrong (an
exception, a shape, non-finite values, the size of the error against the allowed one) and, when
the answer is that of a known mistake, which mistake.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Case", "CheckResult", "Exercise", "ExerciseFailed"]


class ExerciseFailed(AssertionError):
    """Raised by :meth:`Exercise.check` when the function is wrong (or not written yet)."""


class Case(NamedTuple):
    """One input of an exercise, its dense answer and the error allowed on it.

    Attributes
    ----------
    label : str
        What is awkward about the input, for the message.
    args : tuple
        Positional arguments of the reader's function.
    expected : Any
        The answer (an array, a number, or a tuple of them), from a dense reference.
    rtol : float
        Allowed error relative to the answer's norm, argued from floating point where the
        case is built.
    atol : float
        Allowed absolute error on top of ``rtol * norm`` (for answers at or near zero).
    """

    label: str
    args: tuple
    expected: Any
    rtol: float
    atol: float = 0.0


class CheckResult(NamedTuple):
    """What :meth:`Exercise.check` found.

    Attributes
    ----------
    name : str
        The exercise.
    passed : bool
        Whether every case was answered within its tolerance.
    solved : bool
        False while the function only raises ``NotImplementedError`` (a stub).
    message : str
        The first failure, or a line saying how many cases passed.
    """

    name: str
    passed: bool
    solved: bool
    message: str


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        items = ", ".join(map(_describe, value[:3])) + (", ..." if len(value) > 3 else "")
        return f"{type(value).__name__} of {len(value)}: [{items}]"
    if isinstance(value, (type, np.dtype)):
        return f"dtype {np.dtype(value)}"
    return repr(value)


def compare(got: Any, want: Any, rtol: float, atol: float) -> str | None:
    """Return what is wrong with ``got`` against ``want`` (None if within ``rtol``, ``atol``)."""
    if isinstance(want, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"returned {_describe(got)}; expected a tuple of {len(want)} outputs"
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            if (problem := compare(g, w, rtol, atol)) is not None:
                return f"output {k} (counting from 0): {problem}"
        return None
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"returned {_describe(got)}, which is not a number or an array of numbers"
    w = np.asarray(want, dtype=np.float64)
    if g.shape != w.shape:
        hint = " (transposed?)" if g.ndim == 2 and g.shape == w.shape[::-1] else ""
        return f"returned shape {g.shape}, expected {w.shape}{hint}"
    if not np.all(np.isfinite(g)):
        bad = np.count_nonzero(~np.isfinite(g))
        return f"returned non-finite values (nan or inf) in {bad} of {g.size} entries"
    err, size = float(np.linalg.norm(g - w)), float(np.linalg.norm(w))
    allowed = rtol * size + atol
    if err <= allowed:
        return None
    sign = " (the sign is flipped)" if np.linalg.norm(g + w) <= allowed else ""
    return (
        f"error ||got - expected|| = {err:.3g} with ||expected|| = {size:.3g}; allowed "
        f"{allowed:.3g} (relative {rtol:.1e}{f' + absolute {atol:.1e}' if atol else ''}){sign}"
    )


def _changed_argument(after: tuple, before: tuple) -> int | None:
    """Return the position of the first array argument the call changed, or None."""
    for k, (a, b) in enumerate(zip(after, before, strict=True)):
        items = zip(a, b, strict=True) if isinstance(b, list) else [(a, b)]
        for x, y in items:
            if isinstance(y, np.ndarray) and not np.array_equal(x, y, equal_nan=True):
                return k
    return None


def _matches(got: Any, theirs: Any, rtol: float, atol: float) -> bool:
    """Whether ``got`` is the answer ``theirs`` of a known mistake (nan where it has nan)."""
    if isinstance(theirs, tuple):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(theirs)
            and all(_matches(g, t, rtol, atol) for g, t in zip(got, theirs, strict=True))
        )
    try:
        g, t = np.asarray(got, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if g.shape != t.shape or not np.array_equal(np.isfinite(g), np.isfinite(t)):
        return False
    finite = np.isfinite(t)
    return bool(np.linalg.norm(g[finite] - t[finite]) <= rtol * np.linalg.norm(t[finite]) + atol)


@dataclass(frozen=True)
class Exercise:
    """An exercise of the course: what to write, and a checker against dense truth.

    Attributes
    ----------
    name : str
        Also the name of the reference solution in :mod:`pyginger.exercises.solutions`.
    notebook : int
        The notebook it belongs to (1 to 9).
    title : str
        One line.
    statement : str
        What the function computes (Markdown with ``$...$`` formulas).
    signature : str
        ``name(arg, ...) -> result``, with shapes.
    hint : str
        A nudge for a reader who is stuck.
    cases : callable
        ``cases() -> list[Case]``, built fresh (and deterministically) at each check.
    solution : callable
        The reference solution.
    mistakes : tuple of (str, callable)
        Known wrong solutions, recognised in the messages.
    judge : callable or None
        ``judge(got, case) -> str | None`` where a plain comparison does not fit (e.g.
        eigenvectors, defined up to sign); None compares with :func:`compare`.
    """

    name: str
    notebook: int
    title: str
    statement: str
    signature: str
    hint: str
    cases: Callable[[], Sequence[Case]] = field(repr=False)
    solution: Callable = field(repr=False)
    mistakes: tuple = field(default=(), repr=False)
    judge: Callable[[Any, Case], str | None] | None = field(default=None, repr=False)

    def _judge(self, got: Any, case: Case) -> str | None:
        if self.judge is not None:
            return self.judge(got, case)
        return compare(got, case.expected, case.rtol, case.atol)

    def _diagnose(self, func: Callable, case: Case) -> tuple[bool, str | None]:
        """Return (finished, problem) for one case: finished is False for a stub."""
        args = copy.deepcopy(case.args)  # the case stays intact for the mistakes below
        try:
            got = func(*args)
        except NotImplementedError:
            return False, "not solved yet: the function raises NotImplementedError"
        except Exception as exc:  # noqa: BLE001 - any error of the reader's code is reported
            return True, f"raised {type(exc).__name__}: {exc}"
        if (changed := _changed_argument(args, case.args)) is not None:
            return True, f"wrote into its argument {changed} (inputs must be left unchanged)"
        problem = self._judge(got, case)
        if problem is None:
            return True, None
        for description, wrong in self.mistakes:
            try:
                with warnings.catch_warnings():  # our mistakes' warnings are not the reader's
                    warnings.simplefilter("ignore")
                    theirs = wrong(*case.args)
            except Exception:  # noqa: BLE001, S112 - a mistake that crashes here explains nothing
                continue
            if _matches(got, theirs, max(case.rtol, 1e-10), case.atol):
                return True, f"{problem}. This is the answer one gets when one {description}"
        return True, problem

    def check(
        self, func: Callable, *, raise_on_fail: bool = True, verbose: bool = True
    ) -> CheckResult:
        """Check ``func`` on every case; say what is wrong on the first that fails.

        Parameters
        ----------
        func : callable
            The reader's function, with the exercise's signature.
        raise_on_fail : bool, optional
            Raise :class:`ExerciseFailed` on a wrong answer (and on a stub). Default True; a
            notebook passes False, so that an unsolved exercise does not stop the run.
        verbose : bool, optional
            Print the outcome. Default True.

        Returns
        -------
        CheckResult

        Raises
        ------
        ExerciseFailed
            If ``raise_on_fail`` and a case fails.
        """
        cases = list(self.cases())
        for index, case in enumerate(cases, start=1):
            solved, problem = self._diagnose(func, case)
            if problem is None:
                continue
            names = inspect.signature(self.solution).parameters
            where = ", ".join(
                f"{n} = {_describe(a)}" for n, a in zip(names, case.args, strict=True)
            )
            message = (
                f"{self.name} (notebook {self.notebook:02d}): {problem}.\n"
                f"  case {index} of {len(cases)}: {case.label}\n  arguments: {where}"
            )
            if not solved:
                message = f"{self.name} (notebook {self.notebook:02d}): {problem}."
            if raise_on_fail:
                raise ExerciseFailed(message)
            if verbose:
                print(message)
            return CheckResult(self.name, False, solved, message)
        message = f"{self.name}: correct on all {len(cases)} cases."
        if verbose:
            print(message)
        return CheckResult(self.name, True, True, message)
