"""Learning-rate schedules: callables ``t -> float`` of the 1-based step count."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pyginger import _validation as _v
from pyginger._validation import optimizers as _vo

__all__ = ["linear_warmup"]


class _LinearWarmup(NamedTuple):
    peak_value: float
    warmup_steps: int
    init_value: float

    def __call__(self, count):
        if self.warmup_steps == 0 or count >= self.warmup_steps:
            return self.peak_value
        frac = count / self.warmup_steps
        return self.init_value + (self.peak_value - self.init_value) * frac

    def __repr__(self) -> str:
        return (
            f"linear_warmup({self.peak_value!r}, {self.warmup_steps!r}, "
            f"init_value={self.init_value!r})"
        )


def linear_warmup(
    peak_value: float, warmup_steps: int, *, init_value: float = 1e-7
) -> Callable[[int], float]:
    r"""Return the schedule ``t -> init + (peak - init) min(t, T) / T`` (then constant ``peak``).

    The authors' reference warms up linearly from 1e-7 over one epoch (optax's
    ``warmup_exponential_decay_schedule`` with decay rate 1).

    Parameters
    ----------
    peak_value : float
        Learning rate after the warmup, > 0.
    warmup_steps : int
        Warmup length ``T >= 0`` (0: constant).
    init_value : float, optional
        Value at ``t = 0``, >= 0. Default 1e-7.

    Returns
    -------
    callable
        ``schedule(t) -> float`` for the 1-based step count ``t``; its ``repr`` names the
        settings (stored in checkpoints).

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If ``peak_value <= 0``, ``warmup_steps < 0`` or ``init_value < 0``.

    Examples
    --------
    >>> from pyginger.optim import linear_warmup
    >>> schedule = linear_warmup(1.0, 4, init_value=0.0)
    >>> [schedule(t) for t in range(1, 6)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """
    func = "linear_warmup"
    peak_value = _v.check_positive_finite(func, "peak_value", peak_value)
    warmup_steps = _vo.check_integer(func, "warmup_steps", warmup_steps, 0)
    init_value = _vo.check_nonneg(func, "init_value", init_value)
    return _LinearWarmup(peak_value, warmup_steps, init_value)
