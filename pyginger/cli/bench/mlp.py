"""Cost of the MLP's backward pass and GGN product relative to its forward pass.

The target: on a 784-256-256-10 network with a batch of 256, ``loss_and_grad`` should
cost at most 3x ``predict`` and ``ggn_matvec`` at most 4x. The counts of multiply-adds predict about
2.3x and 3.5x (see :class:`pyginger.nn.mlp.MLP`, Notes); elementwise work and memory traffic add the
rest. Timings are wall-clock medians, so they depend on the machine and on its load.
"""

from __future__ import annotations

import time

import numpy as np

from pyginger.nn.mlp import MLP

__all__ = ["mlp_cost_ratios", "format_mlp_ratios"]


def mlp_cost_ratios(
    sizes=(784, 256, 256, 10),
    batch=256,
    repeats=21,
    seed=0,
    *,
    activation="tanh",
    loss="cross_entropy",
):
    """Time ``predict``, ``loss_and_grad`` and ``ggn_matvec`` of an MLP and return their ratios.

    Each of the three calls is timed ``repeats`` times, interleaved (one of each per round, so a
    change in machine load hits all three alike), after one warm-up call each; the median is
    reported.

    Parameters
    ----------
    sizes : sequence of int, default (784, 256, 256, 10)
        Layer widths of the :class:`pyginger.nn.mlp.MLP`.
    batch : int, default 256
        Number of samples ``n``.
    repeats : int, default 21
        Timed calls per method (the median is taken).
    seed : int, default 0
        Seed for the parameters, inputs, labels and direction ``v``.
    activation : str, default "tanh"
        Hidden activation.
    loss : {"mse", "cross_entropy"}, default "cross_entropy"
        The loss (labels are drawn uniformly for cross-entropy, targets from N(0, 1) for MSE).

    Returns
    -------
    dict
        ``sizes``, ``batch``, ``repeats``, ``activation``, ``loss``, ``num_params``;
        median seconds ``predict_s``, ``loss_and_grad_s``, ``ggn_matvec_s``; and the ratios
        ``loss_and_grad_ratio = loss_and_grad_s / predict_s`` and
        ``ggn_matvec_ratio = ggn_matvec_s / predict_s``.

    Raises
    ------
    ValueError
        If ``batch`` or ``repeats`` is smaller than 1, or ``sizes`` is not a valid MLP.

    See Also
    --------
    format_mlp_ratios : A printable summary.

    Notes
    -----
    Multiply-add counts predict ratios of 2.25 and 3.5 on 784-256-256-10 (see
    :class:`pyginger.nn.mlp.MLP`). Wall-clock ratios drift when other processes compete for the
    cores, most with a multi-threaded BLAS whose threads wait for each other; run with
    ``OPENBLAS_NUM_THREADS=1`` (or ``OMP_NUM_THREADS=1``) for a stable comparison on a busy
    machine.

    Examples
    --------
    >>> from pyginger.cli.bench.mlp import mlp_cost_ratios
    >>> result = mlp_cost_ratios(sizes=(8, 4, 3), batch=5, repeats=3)
    >>> result["num_params"], result["batch"]
    (51, 5)
    >>> bool(result["loss_and_grad_ratio"] > 0 and result["ggn_matvec_ratio"] > 0)
    True
    """
    for name, value in (("batch", batch), ("repeats", repeats)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"mlp_cost_ratios: {name} must be an integer >= 1, got {value!r}")
    model = MLP(sizes, activation=activation, loss=loss)
    rng = np.random.default_rng(seed)
    theta = model.init(seed=rng)
    X = rng.standard_normal((batch, model.n_in))
    if model.loss_fn.name == "cross_entropy":
        y = rng.integers(0, model.n_out, size=batch)
    else:
        y = rng.standard_normal((batch, model.n_out))
    v = rng.standard_normal(model.num_params)

    calls = {
        "predict": lambda: model.predict(theta, X),
        "loss_and_grad": lambda: model.loss_and_grad(theta, X, y),
        "ggn_matvec": lambda: model.ggn_matvec(theta, X, v),
    }
    times = {name: [] for name in calls}
    for call in calls.values():  # warm-up: first-touch allocations, BLAS thread start
        call()
    for _ in range(int(repeats)):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    med = {name: float(np.median(t)) for name, t in times.items()}
    return {
        "sizes": tuple(model.sizes),
        "batch": int(batch),
        "repeats": int(repeats),
        "activation": model.activation,
        "loss": model.loss_fn.name,
        "num_params": model.num_params,
        "predict_s": med["predict"],
        "loss_and_grad_s": med["loss_and_grad"],
        "ggn_matvec_s": med["ggn_matvec"],
        "loss_and_grad_ratio": med["loss_and_grad"] / med["predict"],
        "ggn_matvec_ratio": med["ggn_matvec"] / med["predict"],
    }


def format_mlp_ratios(result):
    """Return a short table of the timings and ratios from :func:`mlp_cost_ratios`.

    Parameters
    ----------
    result : dict
        The dictionary returned by :func:`mlp_cost_ratios`.

    Returns
    -------
    str
        Several lines: the network, then one line per method with its median time and its
        ratio to ``predict`` next to the target (3x for ``loss_and_grad``, 4x for
        ``ggn_matvec``).

    Raises
    ------
    KeyError
        If ``result`` lacks one of the keys written by :func:`mlp_cost_ratios`.

    Examples
    --------
    >>> from pyginger.cli.bench.mlp import format_mlp_ratios
    >>> result = {"sizes": (784, 256, 256, 10), "batch": 256, "repeats": 21,
    ...           "activation": "tanh", "loss": "cross_entropy", "num_params": 269322,
    ...           "predict_s": 0.002, "loss_and_grad_s": 0.005, "ggn_matvec_s": 0.007,
    ...           "loss_and_grad_ratio": 2.5, "ggn_matvec_ratio": 3.5}
    >>> print(format_mlp_ratios(result))
    MLP 784-256-256-10 (tanh, cross_entropy), d = 269322, batch 256, median of 21
      predict           2.000 ms   1.00x
      loss_and_grad     5.000 ms   2.50x  -> met (target <= 3x)
      ggn_matvec        7.000 ms   3.50x  -> met (target <= 4x)
    """
    sizes = "-".join(str(s) for s in result["sizes"])
    lines = [
        f"MLP {sizes} ({result['activation']}, {result['loss']}), d = {result['num_params']}, "
        f"batch {result['batch']}, median of {result['repeats']}",
        f"  {'predict':<16}{1e3 * result['predict_s']:>7.3f} ms   1.00x",
    ]
    for name, target in (("loss_and_grad", 3.0), ("ggn_matvec", 4.0)):
        ratio = result[f"{name}_ratio"]
        verdict = "met" if ratio <= target else "NOT met"
        lines.append(
            f"  {name:<16}{1e3 * result[f'{name}_s']:>7.3f} ms   {ratio:.2f}x  "
            f"-> {verdict} (target <= {target:g}x)"
        )
    return "\n".join(lines)
