"""Opt-in count of which update algorithm and small eigensolver ran: off unless asked for.

The update's code calls :func:`record` at each choice it makes ("two-pass", "secular-eig", ...).
Outside :func:`count_algorithms` that call does nothing, so :func:`pyginger.update` stays a pure
function of its inputs; inside, every open counter gets the tally. Benchmarks and tests use it to
show which path a shape took.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Iterator

#: The counters of the ``count_algorithms`` blocks now open (innermost last).
_OPEN: list[collections.Counter] = []


@contextlib.contextmanager
def count_algorithms() -> Iterator[collections.Counter]:
    """Count, inside a ``with`` block, how often each update algorithm and eigensolver ran.

    Yields
    ------
    collections.Counter
        Filled while the block runs, with keys ``"two-pass"``, ``"three-pass"``,
        ``"three-pass+reorth"``, ``"residual-reorth"`` (the update's algorithm), ``"cholqr"``,
        ``"householder-qr"`` (re-orthonormalization), ``"secular-eig"`` and ``"dense-eig"``
        (how the small eigenproblem was solved).

    Examples
    --------
    >>> import numpy as np
    >>> import pyginger
    >>> state = pyginger.init(50, 4, damping=0.1)
    >>> with pyginger.core.count_algorithms() as counts:
    ...     state = pyginger.update(state, np.ones(50), beta=0.9)
    >>> sum(counts.values()) > 0
    True
    """
    counts: collections.Counter = collections.Counter()
    _OPEN.append(counts)
    try:
        yield counts
    finally:
        _OPEN.remove(counts)


def record(name: str) -> None:
    """Add one to ``name`` in every open :func:`count_algorithms` block (nothing when none)."""
    for counts in _OPEN:
        counts[name] += 1
