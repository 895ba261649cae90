"""Matplotlib figures for the notebooks and the command line: loss curves and error against rank.

Matplotlib is optional: it is imported inside the functions, and only
:class:`matplotlib.figure.Figure` is used (never ``pyplot``), so nothing here depends on or
changes a global backend, and figures are garbage-collected like any object. Each function returns
the figure and, given ``path``, also writes it (PNG by default).
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["plot_loss_curves", "plot_error_vs_rank"]


#: Line styles, one per series in turn: a different marker, dash pattern and marker size each,
#: the first markers hollow and largest, so that series with equal values (e.g. the two update
#: forms of Ginger, which agree to rounding) stay visible on top of each other.
_STYLES = (
    {"marker": "o", "linestyle": "-", "markersize": 11, "markerfacecolor": "none"},
    {"marker": "s", "linestyle": "--", "markersize": 7},
    {"marker": "^", "linestyle": ":", "markersize": 5},
    {"marker": "D", "linestyle": "-.", "markersize": 4},
    {"marker": "v", "linestyle": (0, (5, 1, 1, 1, 1, 1)), "markersize": 4},
    {"marker": "x", "linestyle": (0, (1, 3)), "markersize": 5},
)


def _style(i, *, markers=True):
    """Return the keyword arguments of ``Axes.plot`` for the ``i``-th series."""
    style = dict(_STYLES[i % len(_STYLES)])
    if not markers:
        style = {"linestyle": style["linestyle"]}
    return style


def _figure_and_axes(func, ax, figsize):
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is an optional dependency
        raise ImportError(
            f"{func}: plotting needs matplotlib (pip install matplotlib, or pyginger[plot])"
        ) from None
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _save(fig, path):
    if path is not None:
        fig.savefig(os.fspath(path), dpi=120)


def _series(func, name, curve, key):
    """Return ``(x, y)`` for a history dict from :func:`pyginger.run.training.train` or an array."""
    if isinstance(curve, dict):
        if key not in curve or curve[key] is None:
            raise ValueError(f"{func}: history {name!r} has no {key!r} entry")
        y = np.asarray(curve[key], dtype=np.float64)
        if key.startswith("eval_") and "eval_steps" in curve:
            x = np.asarray(curve["eval_steps"], dtype=np.float64)
        else:
            x = np.arange(1, y.size + 1, dtype=np.float64)
    else:
        try:
            y = np.asarray(curve, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: each curve must be a history dict or a 1-D array of numbers, got "
                f"{type(curve).__name__} for {name!r}"
            ) from None
        x = np.arange(1, y.size + 1, dtype=np.float64)
    if y.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"{func}: curve {name!r} must be one-dimensional, got shape {y.shape}")
    return x, y


def plot_loss_curves(
    histories, *, key="loss", ax=None, logy=True, title=None, xlabel="step", ylabel=None, path=None
):
    """Plot one loss curve per optimizer, e.g. the histories of :func:`pyginger.run.training.train`.

    Each curve has its own colour and dash pattern, so overlapping curves stay distinguishable.

    Parameters
    ----------
    histories : dict
        ``{label: history}`` with each history a dict from ``train`` or a 1-D array of values
        (plotted against ``1, 2, ...``).
    key : str, optional
        Which entry of a history dict: ``"loss"`` (default; per-step mini-batch loss),
        ``"eval_loss"``/``"eval_accuracy"`` (against ``"eval_steps"``), ``"grad_norm"``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    logy : bool, optional
        Logarithmic y axis (default True; values <= 0 are not shown then).
    title, xlabel, ylabel : str, optional
        Labels; ``ylabel`` defaults to ``key``.
    path : str or os.PathLike, optional
        Also write the figure here (format from the suffix, e.g. ``.png``).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``histories`` is not a dict or a curve is not numeric.
    ValueError
        If ``histories`` is empty or a history lacks ``key``.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from pyginger.plotting import plot_loss_curves
    >>> curves = {"sgd": np.geomspace(1, 0.1, 50), "ginger": np.geomspace(1, 0.01, 50)}
    >>> fig = plot_loss_curves(curves)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['sgd', 'ginger']
    """
    func = "plot_loss_curves"
    if not isinstance(histories, dict):
        raise TypeError(
            f"{func}: histories must be a dict {{label: history}}, got {type(histories).__name__}"
        )
    if not histories:
        raise ValueError(f"{func}: histories must contain at least one curve, got none")
    series = {name: _series(func, name, curve, key) for name, curve in histories.items()}
    fig, ax = _figure_and_axes(func, ax, (6.0, 4.0))
    for i, (name, (x, y)) in enumerate(series.items()):
        # Long curves: no markers, only a distinct dash pattern per optimizer.
        ax.plot(x, y, label=str(name), linewidth=1.5, **_style(i, markers=False))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or key)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    _save(fig, path)
    return fig


def plot_error_vs_rank(
    ranks, errors, *, ax=None, logy=True, title=None, ylabel="relative error", path=None
):
    """Plot approximation errors against the rank ``tau``, one line per series.

    Each series has its own colour, marker, marker size and dash pattern (the first one with
    large hollow markers), so that series with equal values remain visible on top of each other.

    Parameters
    ----------
    ranks : (m,) array_like
        The ranks ``tau`` on the x axis.
    errors : dict
        ``{label: (m,) array_like}``, e.g. ``{"curvature form": [...], "inverse form": [...]}``
        with the errors of :func:`pyginger.dense.compare` for every rank.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes instead of a new figure.
    logy : bool, optional
        Logarithmic y axis. Default True.
    title, ylabel : str, optional
        Labels.
    path : str or os.PathLike, optional
        Also write the figure here.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``errors`` is not a dict.
    ValueError
        If ``errors`` is empty or a series does not have one value per rank.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> from pyginger.plotting import plot_error_vs_rank
    >>> fig = plot_error_vs_rank([1, 2, 4], {"curvature": [0.5, 0.2, 0.01]})
    >>> fig.axes[0].get_xlabel()
    'rank tau'
    """
    func = "plot_error_vs_rank"
    if not isinstance(errors, dict):
        raise TypeError(
            f"{func}: errors must be a dict {{label: values}}, got {type(errors).__name__}"
        )
    if not errors:
        raise ValueError(f"{func}: errors must contain at least one series, got none")
    x = np.asarray(ranks, dtype=np.float64).reshape(-1)
    series = {}
    for name, values in errors.items():
        y = np.asarray(values, dtype=np.float64).reshape(-1)
        if y.shape != x.shape:
            raise ValueError(
                f"{func}: series {name!r} must have one value per rank ({x.size}), got {y.size}"
            )
        series[name] = y
    fig, ax = _figure_and_axes(func, ax, (6.0, 4.0))
    for i, (name, y) in enumerate(series.items()):
        ax.plot(x, y, label=str(name), linewidth=1.5, zorder=2 + i, **_style(i))
    if logy:
        ax.set_yscale("log")
    ax.set_xscale("log", base=2)
    ax.set_xticks(x)
    ax.set_xticklabels([f"{int(r)}" if float(r).is_integer() else f"{r:g}" for r in x])
    ax.set_xlabel("rank tau")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    _save(fig, path)
    return fig
