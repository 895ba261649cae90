"""Progress display of a run: tqdm when it is installed, else a printed line every tenth of it.

:func:`make_bar` returns an object with ``update(loss)`` (one step done) and ``close()``; the
loop's front-ends (:func:`pyginger.run.training.train`) call it, the loop itself shows nothing.
"""

from __future__ import annotations

import math
import time
from typing import IO

__all__ = ["make_bar"]


class _NoBar:
    def update(self, loss):
        pass

    def close(self):
        pass


class _TextBar:
    """Print ``desc: step/total  loss`` each time another tenth of the run is done."""

    def __init__(self, total, desc, stream):
        self.total, self.desc, self.stream = total, desc, stream
        self.every = max(1, math.ceil(total / 10))
        self.done, self.next_report, self.start = 0, self.every, time.perf_counter()

    def update(self, loss):
        self.done += 1
        if self.done >= self.next_report or self.done == self.total:
            elapsed = time.perf_counter() - self.start
            print(
                f"{self.desc}: {self.done}/{self.total} steps  loss {loss:.4g}  ({elapsed:.1f} s)",
                file=self.stream,
                flush=True,
            )
            self.next_report += self.every

    def close(self):
        pass


class _TqdmBar:
    def __init__(self, tqdm, total, desc, stream):
        self.bar = tqdm(total=total, desc=desc, file=stream, leave=True, mininterval=0.2)

    def update(self, loss):
        self.bar.set_postfix(loss=f"{loss:.4g}", refresh=False)
        self.bar.update(1)

    def close(self):
        self.bar.close()


def make_bar(progress: bool | str | None, total: int, desc: str, stream: IO[str]):
    """Return a progress display for ``total`` steps (``progress`` checked at the door).

    Parameters
    ----------
    progress : {True, False, None, "text"}
        True: tqdm if installed, else printed lines; ``"text"``: printed lines; False or None:
        nothing.
    total : int
        Number of steps of the run.
    desc : str
        Label in front of each line.
    stream : file-like
        Where the display goes.

    Returns
    -------
    object
        With ``update(loss)`` after each step and ``close()`` at the end.

    Examples
    --------
    >>> import io
    >>> from pyginger.run.progress import make_bar
    >>> stream = io.StringIO()
    >>> bar = make_bar("text", 2, "demo", stream)
    >>> bar.update(0.5); bar.update(0.25); bar.close()
    >>> [line.split("  (")[0] for line in stream.getvalue().splitlines()]
    ['demo: 1/2 steps  loss 0.5', 'demo: 2/2 steps  loss 0.25']
    """
    if progress is False or progress is None:
        return _NoBar()
    if progress is True:
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is optional
            return _TextBar(total, desc, stream)
        return _TqdmBar(tqdm, total, desc, stream)
    return _TextBar(total, desc, stream)
