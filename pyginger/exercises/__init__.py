r"""Exercises of the course, with checkers that test a reader's function against dense truth.

Each notebook ends with at least two exercises: the reader writes a small function (the
Sherman-Morrison update, the Woodbury solve, the secular function, the admissible step, ...)
and :func:`check` runs it on several inputs, awkward ones included, against an independent
dense reference (:mod:`pyginger.dense`, NumPy, SciPy), with tolerances argued from floating
point. A wrong answer gets a message naming the exercise, the failing input, what was wrong
(an exception, the shape, the size of the error against the one allowed) and, when it is a known
mistake, which. The reference solutions are in :mod:`pyginger.exercises.solutions` (shown,
collapsed, on the documentation's exercises page), the known mistakes in
:mod:`pyginger.exercises.mistakes`.

Examples
--------
>>> import numpy as np
>>> from pyginger import exercises
>>> def sherman_morrison(A_inv, u, v):
...     Au = A_inv @ u
...     return A_inv - np.outer(Au, v @ A_inv) / (1 + v @ Au)
>>> exercises.check("sherman_morrison", sherman_morrison).passed
sherman_morrison: correct on all 4 cases.
True
>>> def stub(A_inv, u, v):
...     raise NotImplementedError
>>> result = exercises.check("sherman_morrison", stub, raise_on_fail=False)
sherman_morrison (notebook 02): not solved yet: the function raises NotImplementedError.
>>> result.solved
False
"""

from __future__ import annotations

from collections.abc import Callable

from pyginger._validation import exercises as _ve
from pyginger.exercises import _curvature, _numerics, _optimization, mistakes, solutions
from pyginger.exercises._base import Case, CheckResult, Exercise, ExerciseFailed

__all__ = [
    "EXERCISES",
    "Exercise",
    "Case",
    "CheckResult",
    "ExerciseFailed",
    "check",
    "for_notebook",
    "solutions",
    "mistakes",
]

#: Every exercise by name, in the order of the course.
EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in sorted(
        _curvature.EXERCISES + _optimization.EXERCISES + _numerics.EXERCISES,
        key=lambda e: e.notebook,
    )
}


def check(
    exercise: str, func: Callable, *, raise_on_fail: bool = True, verbose: bool = True
) -> CheckResult:
    """Check a reader's solution of an exercise against dense truth.

    Parameters
    ----------
    exercise : str
        The exercise's name, a key of :data:`EXERCISES`.
    func : callable
        The reader's function, with the exercise's signature.
    raise_on_fail : bool, optional
        Raise :class:`ExerciseFailed` when a case fails (or the function is a stub). Default
        True; pass False in a notebook so that an unsolved exercise does not stop the run.
    verbose : bool, optional
        Print the outcome. Default True.

    Returns
    -------
    CheckResult
        ``passed``, ``solved`` (False for a stub) and the ``message``.

    Raises
    ------
    TypeError
        If ``exercise`` is not a string or ``func`` is not callable.
    ValueError
        If ``exercise`` names no exercise.
    ExerciseFailed
        If ``raise_on_fail`` and the function gives a wrong answer, raises, or is a stub.

    Examples
    --------
    >>> from pyginger import exercises
    >>> exercises.check("admissible_step", lambda L, lam_min, lam_max: 1 / (L * lam_max)).passed
    admissible_step: correct on all 3 cases.
    True
    """
    name = _ve.check_exercise_name("check", exercise, EXERCISES)
    func = _ve.check_callable("check", "func", func)
    return EXERCISES[name].check(func, raise_on_fail=raise_on_fail, verbose=verbose)


def for_notebook(notebook: int) -> list[Exercise]:
    """Return the exercises of one notebook, in order.

    Parameters
    ----------
    notebook : int
        Its number, 1 to 9.

    Returns
    -------
    list of Exercise

    Raises
    ------
    ValueError
        If no exercise belongs to that notebook.

    Examples
    --------
    >>> from pyginger import exercises
    >>> [e.name for e in exercises.for_notebook(2)]
    ['sherman_morrison', 'woodbury_solve', 'eig_update']
    """
    number = _ve.check_notebook("for_notebook", notebook, (e.notebook for e in EXERCISES.values()))
    return [e for e in EXERCISES.values() if e.notebook == number]
