"""Checks of the exercises layer: which exercise, and that the reader's answer is a function.

:func:`pyginger.exercises.check` calls these once, before running any case. Messages follow the
package's form ``<function>: <argument> must <expected>, got <received>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def check_exercise_name(func: str, name, names: Iterable[str]) -> str:
    """Return ``name`` after checking it names one of the exercises ``names``."""
    names = list(names)
    if not isinstance(name, str):
        raise TypeError(f"{func}: exercise must be a name (str), got {type(name).__name__}")
    if name not in names:
        raise ValueError(f"{func}: exercise must be one of {', '.join(names)}, got {name!r}")
    return name


def check_callable(func: str, name: str, value) -> Callable:
    """Return ``value`` after checking it can be called."""
    if not callable(value):
        raise TypeError(f"{func}: {name} must be a function, got {type(value).__name__}")
    return value


def check_notebook(func: str, notebook, notebooks: Iterable[int]) -> int:
    """Return the notebook number after checking an exercise belongs to it."""
    numbers = sorted(set(notebooks))
    if isinstance(notebook, bool) or not isinstance(notebook, int) or notebook not in numbers:
        raise ValueError(
            f"{func}: notebook must be one of {', '.join(map(str, numbers))}, got {notebook!r}"
        )
    return notebook
