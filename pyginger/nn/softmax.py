r"""The softmax and its logarithm, row by row and stable for huge logits.

Both subtract the row maximum ``m = max_k f_k`` before exponentiating, so ``exp`` never
overflows and at least one term of every row's sum is one.
:class:`pyginger.nn.losses.CrossEntropyLoss` builds its value, gradient, Hessian and sampler on
them; :mod:`pyginger.nn.losses` re-exports both.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["log_softmax", "softmax"]


def log_softmax(f: ArrayLike) -> np.ndarray:
    r"""Return the row-wise log-softmax ``f - logsumexp(f)``, computed stably.

    .. math::

        \log p_j = f_j - m - \log \sum_k e^{f_k - m}, \qquad m = \max_k f_k .

    Parameters
    ----------
    f : (..., c) array_like
        Logits; the last axis holds the classes.

    Returns
    -------
    (..., c) ndarray
        Log-probabilities (float64); ``exp`` of each row sums to one.

    See Also
    --------
    softmax : The probabilities themselves.

    Examples
    --------
    Huge logits do not overflow:

    >>> import numpy as np
    >>> from pyginger.nn.losses import log_softmax
    >>> lp = log_softmax(np.array([[1000.0, 1000.0]]))
    >>> print(np.round(lp, 6))
    [[-0.693147 -0.693147]]
    """
    f = np.asarray(f, dtype=np.float64)
    m = f.max(axis=-1, keepdims=True)
    shifted = f - m
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(f: ArrayLike) -> np.ndarray:
    """Return the row-wise softmax probabilities ``p = exp(f) / sum(exp(f))``, computed stably.

    Parameters
    ----------
    f : (..., c) array_like
        Logits; the last axis holds the classes.

    Returns
    -------
    (..., c) ndarray
        Probabilities (float64), non-negative, each row summing to one.

    See Also
    --------
    log_softmax : The stable logarithm.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.losses import softmax
    >>> p = softmax(np.array([[0.0, np.log(3.0)], [-800.0, 800.0]]))
    >>> print(np.round(p, 6))
    [[0.25 0.75]
     [0.   1.  ]]
    """
    f = np.asarray(f, dtype=np.float64)
    e = np.exp(f - f.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
