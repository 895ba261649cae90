r"""The exercises as the documentation's page and as notebook cells, written from the catalog.

``docs/exercises.md`` is :func:`markdown_page` (``tests/test_exercises.py`` fails when the two
differ), so the page's statements are the checkers' and its solutions are shown from
:mod:`pyginger.exercises.solutions` itself. Write the page again after changing an exercise::

    python -m pyginger.exercises._render docs/exercises.md

:func:`notebook_cells` gives the cells that end a notebook: per exercise, the statement, a stub
to fill in and a cell that checks it without stopping the notebook while it is unsolved.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from pathlib import Path
from typing import Any

from pyginger.exercises import EXERCISES, Exercise, solutions

#: Notebook titles as the page lists them.
NOTEBOOK_TITLES = {
    1: "The GGN and the cost of its dense inverse",
    2: "Sherman-Morrison, Woodbury and the incremental eigendecomposition",
    3: "Ginger against the dense inverse",
    4: "Training an MLP",
    5: "The convergence theorem",
    6: "Linear against cubic",
    7: "Ginger as released",
    8: "The rank-one eigen-update",
    9: "Baselines",
}

_INTRO = """\
# Exercises

Every notebook ends with exercises: you write a small function, and
{func}`pyginger.exercises.check` runs it on several inputs, awkward ones included, against an
independent dense reference (`pyginger.dense`, NumPy, SciPy), with tolerances argued from
floating point. When an answer is wrong the message says on which input, what was wrong (an
exception, the shape, the size of the error against the one allowed) and, for a known mistake,
which one. Try it outside the notebooks too:

```python
from pyginger import exercises

def sherman_morrison(A_inv, u, v):
    ...  # your code

exercises.check("sherman_morrison", sherman_morrison)
```

The solutions below are the reference solutions of `pyginger/exercises/solutions.py`, shown from
that file; the test suite checks each of them, and checks that each checker rejects the
plausible mistakes of `pyginger/exercises/mistakes.py`.
"""


def _wrap(text: str) -> str:
    """Wrap each paragraph at 100 columns, never inside a word or a formula."""
    # Never inside a formula: a line must not start with a "- " or "+ " of one (Markdown lists).
    glue = "\x00"
    parts = text.split("$")
    parts[1::2] = [p.replace(" ", glue) for p in parts[1::2]]
    fill = [
        textwrap.fill(p, 100, break_long_words=False, break_on_hyphens=False)
        for p in "$".join(parts).split("\n\n")
    ]
    return "\n\n".join(fill).replace(glue, " ")


def _number(exercise: Exercise) -> str:
    same = [e.name for e in EXERCISES.values() if e.notebook == exercise.notebook]
    return f"{exercise.notebook}.{same.index(exercise.name) + 1}"


def _section(exercise: Exercise) -> list[str]:
    return [
        f"### Exercise {_number(exercise)}: {exercise.title}",
        "",
        _wrap(exercise.statement),
        "",
        _wrap(f"Write `{exercise.signature}`. *Hint:* {exercise.hint}"),
        "",
        "<details>",
        "<summary>Solution</summary>",
        "",
        "```{literalinclude} ../pyginger/exercises/solutions.py",
        ":language: python",
        f":pyobject: {exercise.name}",
        "```",
        "",
        "</details>",
        "",
    ]


def markdown_page() -> str:
    """Return the text of ``docs/exercises.md``."""
    lines = [_INTRO]
    for notebook, title in NOTEBOOK_TITLES.items():
        lines += [f"## Notebook {notebook:02d}: {title}", ""]
        for exercise in EXERCISES.values():
            if exercise.notebook == notebook:
                lines += _section(exercise)
    return "\n".join(lines).rstrip() + "\n"


def _cell(kind: str, cell_id: str, source: str) -> dict[str, Any]:
    lines = source.splitlines(keepends=True)  # stored as nbformat writes it: a list of lines
    cell: dict[str, Any] = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": lines}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _stub(exercise: Exercise) -> str:
    func = getattr(solutions, exercise.name)
    summary = (inspect.getdoc(func) or exercise.title).splitlines()[0]
    return (
        f"def {exercise.name}{inspect.signature(func)}:\n"
        f'    """{summary}"""\n'
        f'    raise NotImplementedError("your code here")'
    )


def notebook_cells(notebook: int) -> list[dict]:
    """Return the nbformat 4 cells of one notebook's exercises (three per exercise)."""
    cells = [
        _cell(
            "markdown",
            f"{notebook:02d}-exercises",
            "## Exercises\n\n"
            + _wrap(
                "Fill in each function and run the cell after it, which checks it against dense "
                "linear algebra and says what is wrong (an unsolved exercise only prints so). "
                "The solutions are on the documentation's *Exercises* page and in "
                "`pyginger.exercises.solutions`."
            ),
        )
    ]
    for exercise in EXERCISES.values():
        if exercise.notebook != notebook:
            continue
        tag = f"{notebook:02d}-ex{_number(exercise).split('.')[1]}"
        cells.append(
            _cell(
                "markdown",
                f"{tag}-statement",
                f"### Exercise {_number(exercise)}: {exercise.title}\n\n"
                + _wrap(f"{exercise.statement}\n\n*Hint:* {exercise.hint}"),
            )
        )
        cells.append(_cell("code", f"{tag}-stub", _stub(exercise)))
        check = (
            "from pyginger import exercises\n\n"
            f'exercises.check("{exercise.name}", {exercise.name}, raise_on_fail=False)\n'
            "# The reference solution passes the same checks:\n"
            f"reference = exercises.solutions.{exercise.name}\n"
            f'assert exercises.check("{exercise.name}", reference, verbose=False).passed'
        )
        cells.append(_cell("code", f"{tag}-check", check))
    return cells


if __name__ == "__main__":  # pragma: no cover - the command that writes the page
    Path(sys.argv[1]).write_text(markdown_page())
