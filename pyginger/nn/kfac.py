r"""Kronecker factors of an MLP's GGN, layer by layer: the curvature sample K-FAC reads.

The network owns its layer structure (``sizes``, ``blocks``); this module reads it through the
MLP's public methods only. :func:`pyginger.optim.kfac` consumes the factors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pyginger import _validation as _v
from pyginger.nn.mlp import MLP

__all__ = ["kfac_factors"]


def kfac_factors(
    model: MLP,
    theta: ArrayLike,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    kind: str = "mc",
    rng: int | np.random.Generator | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    r"""Return the Kronecker factors ``[(A_1, B_1), ..., (A_L, B_L)]`` of an MLP's GGN, per layer.

    In the MLP's layout the parameters of layer ``l`` are the row-major vectorisation of the
    stacked ``(n_{l-1} + 1, n_l)`` matrix ``[W_l; b_l]``, and the per-sample gradient for an
    output direction ``j`` is :math:`\tilde a_{i} \otimes \delta_{ij}` with
    :math:`\tilde a_i = [a_{l-1,i}, 1]`. KFAC replaces the exact block
    :math:`\frac1n \sum_i \tilde a_i \tilde a_i^\top \otimes \sum_j \delta_{ij}\delta_{ij}^\top`
    by the product of the averages,

    .. math:: G_l \approx A_l \otimes B_l, \qquad
              A_l = \frac1n \sum_i \tilde a_i \tilde a_i^\top, \qquad
              B_l = \frac1n \sum_{i,j} \delta_{ij} \delta_{ij}^\top .

    Parameters
    ----------
    model : pyginger.nn.mlp.MLP
        The network (public API only: ``sizes``, ``blocks``, ``activation``, ``predict``,
        ``ggn_factor``).
    theta : (d,) ndarray
        Parameters.
    X : (n, n_in) ndarray
        Inputs.
    y : array_like, optional
        Targets; required for ``kind="empirical"``.
    kind : {"exact", "mc", "empirical"}, optional
        Which output factors :math:`\delta` (see ``MLP.ggn_factor``): ``"exact"`` uses the
        output Hessian's factor (``n c`` directions), ``"mc"`` (default) one gradient per sample
        at a label drawn from the model, ``"empirical"`` the gradients at the true labels.
    rng : None, int or numpy.random.Generator, optional
        Randomness for ``kind="mc"``.

    Returns
    -------
    list of (A, B) pairs
        ``A_l`` of shape ``(n_{l-1}+1, n_{l-1}+1)`` and ``B_l`` of shape ``(n_l, n_l)``.

    Raises
    ------
    TypeError, ValueError
        As ``MLP.ggn_factor`` for bad data, and if ``kind`` is unknown.

    Notes
    -----
    The inputs :math:`a_{l-1}` of every layer come from ``predict`` of the network truncated
    after layer ``l-1`` with an identity output layer appended (``O(L^2)`` forward passes), and
    the :math:`\delta` from the bias rows of ``ggn_factor``'s per-sample factor. Both are exact;
    a method on the MLP returning its cached activations would save the repeated passes.
    For a linear model with MSE, :math:`A \otimes B` *is* the GGN.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.nn.mlp import MLP
    >>> from pyginger.nn.kfac import kfac_factors
    >>> model = MLP([3, 2], loss="mse")  # linear: KFAC is exact
    >>> theta = model.init(seed=0); X = np.random.default_rng(0).normal(size=(6, 3))
    >>> (A, B), = kfac_factors(model, theta, X, kind="exact")
    >>> bool(np.allclose(np.kron(A, B), model.ggn(theta, X)))
    True
    """
    func = "kfac_factors"
    if not isinstance(model, MLP):
        raise TypeError(f"{func}: model must be a pyginger.nn.mlp.MLP, got {type(model).__name__}")
    _v.check_choice(func, "kind", kind, _v.FACTOR_KINDS)
    extra = {"per_sample": True} if kind == "mc" else {}
    F = model.ggn_factor(theta, X, y, kind=kind, rng=rng, **extra)
    theta = np.asarray(theta, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    sizes = model.sizes
    out = []
    a = X
    for layer in range(1, len(sizes)):
        if layer > 1:
            # a_{l-1}: the network up to layer l-1, followed by an identity layer.
            p = sizes[layer - 1]
            sub = MLP(list(sizes[:layer]) + [p], activation=model.activation, loss="mse")
            head = theta[: model.blocks[f"b{layer - 1}"].stop]
            a = sub.predict(np.concatenate([head, np.eye(p).ravel(), np.zeros(p)]), X)
        a_tilde = np.hstack([a, np.ones((n, 1))])
        A = a_tilde.T @ a_tilde / n
        Fb = F[model.blocks[f"b{layer}"]]
        out.append(((A + A.T) / 2, Fb @ Fb.T))
    return out
