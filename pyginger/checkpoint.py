r"""Save and load optimizer states (Ginger states included) to a single ``.npz`` file.

A checkpoint holds the optimizer's state, optionally the parameters ``theta``, the random
generator of the run and a small JSON-able ``metadata`` dict. Arrays are stored as they are
(same dtype, bit for bit) and Python numbers as JSON (``repr`` of a float round-trips exactly),
so a run resumed from a checkpoint continues exactly as the uninterrupted run would. No pickle is
used: loading a file cannot run code.

Loading checks that the file is a pyginger checkpoint, that it was written for an optimizer of
the same name and hyper-parameters, and that the state has the structure, shapes and dtypes the
optimizer's ``init`` produces; anything else raises a ``ValueError`` that says what differs.
A Ginger state keeps its truncation certificate (:func:`pyginger.truncation_bound`); a file
written before states carried one loads with the certificate unknown (NaN).

No list of state types is kept here, and no class is ever looked up by a name read from the
file: the saved state is rebuilt with the classes of the state ``optimizer.init`` returns, once
their names, fields, shapes and dtypes match the file's. A state composed of new transforms or a
new preconditioner is saved and loaded like the built-in ones.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile
import zipfile
from typing import Any, NamedTuple

import numpy as np

from pyginger import _validation as _v
from pyginger import core
from pyginger import optim as _optim

__all__ = ["save", "load", "Checkpoint", "FORMAT_VERSION"]

#: Version of the file layout; bumped when it changes incompatibly.
FORMAT_VERSION = 1
_META_KEY = "__pyginger_checkpoint__"


class Checkpoint(NamedTuple):
    """What :func:`load` returns.

    Attributes
    ----------
    state : NamedTuple
        The optimizer state.
    theta : ndarray or None
        The parameters, if saved.
    rng : numpy.random.Generator or None
        The random generator, in the saved state, if saved.
    metadata : dict
        The saved metadata (empty if none).
    """

    state: Any
    theta: Any
    rng: Any
    metadata: dict


# ---------------------------------------------------------------------------------------------
# Flattening a state tree into a JSON spec plus arrays, and back
# ---------------------------------------------------------------------------------------------


def _flatten(obj, arrays, where):
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        name = type(obj).__name__
        return {
            "t": "state",
            "cls": name,
            "fields": {f: _flatten(getattr(obj, f), arrays, f"{where}.{f}") for f in obj._fields},
        }
    if isinstance(obj, (tuple, list)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {
            "t": kind,
            "items": [_flatten(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)],
        }
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        arr = np.asarray(obj)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"save: {where} has dtype {arr.dtype}; only numeric arrays are saved")
        key = f"a{len(arrays)}"
        arrays[key] = arr
        return {
            "t": "array" if isinstance(obj, np.ndarray) else "scalar",
            "key": key,
            "shape": list(arr.shape),
            "dtype": arr.dtype.str,
        }
    if obj is None:
        return {"t": "none"}
    if isinstance(obj, bool):
        return {"t": "bool", "v": obj}
    if isinstance(obj, int):
        return {"t": "int", "v": obj}
    if isinstance(obj, float):
        return {"t": "float", "v": obj}
    if isinstance(obj, str):
        return {"t": "str", "v": obj}
    raise TypeError(f"save: cannot store {where} of type {type(obj).__name__}")


def _unflatten(spec, arrays, like, where):
    """Rebuild the tree ``spec`` describes, with the classes of ``like`` at the same places.

    ``like`` is the state the optimizer's ``init`` makes, whose structure :func:`_signature`
    has matched to the file's: no class is ever looked up by a name read from the file.
    """
    t = spec["t"]
    if t == "state":
        cls, fields = type(like), spec["fields"]
        return cls(
            **{f: _unflatten(fields[f], arrays, getattr(like, f), f"{where}.{f}") for f in fields}
        )
    if t in ("tuple", "list"):
        items = [
            _unflatten(s, arrays, item, f"{where}[{i}]")
            for i, (s, item) in enumerate(zip(spec["items"], like, strict=True))
        ]
        return tuple(items) if t == "tuple" else items
    if t in ("array", "scalar"):
        arr = arrays[spec["key"]]
        if list(arr.shape) != spec["shape"] or arr.dtype.str != spec["dtype"]:
            raise ValueError(f"load: {where} does not match its recorded shape and dtype")
        return arr if t == "array" else arr[()]
    if t == "none":
        return None
    if t in ("bool", "int", "float", "str"):
        return spec["v"]
    raise ValueError(f"load: {where} has unknown entry type {t!r}")


def _signature(spec):
    """Return the structure of a spec without its values: types, fields, shapes, dtypes."""
    t = spec["t"]
    if t == "state":
        return ("state", spec["cls"], tuple((f, _signature(s)) for f, s in spec["fields"].items()))
    if t in ("tuple", "list"):
        return (t, tuple(_signature(s) for s in spec["items"]))
    if t in ("array", "scalar"):
        return (t, tuple(spec["shape"]), spec["dtype"])
    if t in ("int", "float", "bool"):
        return ("number",)  # an int and a float may both hold a count or a damping
    return (t,)


def _first_difference(a, b, where="state"):
    if a == b:
        return None
    if a[0] != b[0] or len(a) != len(b):
        return f"{where}: {_describe(a)} in the file, {_describe(b)} expected"
    if a[0] == "state":
        if a[1] != b[1] or [f for f, _ in a[2]] != [f for f, _ in b[2]]:
            return f"{where}: {a[1]} in the file, {b[1]} expected"
        for (f, sa), (_, sb) in zip(a[2], b[2], strict=True):
            diff = _first_difference(sa, sb, f"{where}.{f}")
            if diff:
                return diff
    if a[0] in ("tuple", "list"):
        if len(a[1]) != len(b[1]):
            return f"{where}: {len(a[1])} entries in the file, {len(b[1])} expected"
        for i, (sa, sb) in enumerate(zip(a[1], b[1], strict=True)):
            diff = _first_difference(sa, sb, f"{where}[{i}]")
            if diff:
                return diff
    return f"{where}: {_describe(a)} in the file, {_describe(b)} expected"


def _describe(sig):
    if sig[0] in ("array", "scalar"):
        return f"{sig[0]} of shape {sig[1]} and dtype {np.dtype(sig[2]).name}"
    if sig[0] == "state":
        return sig[1]
    return sig[0]


# ---------------------------------------------------------------------------------------------
# Random generators
# ---------------------------------------------------------------------------------------------


def _rng_to_json(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"save: rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng.bit_generator.state


def _rng_from_json(state):
    name = state.get("bit_generator")
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise ValueError(f"load: unknown bit generator {name!r} in the checkpoint")
    bit_generator = getattr(np.random, name)()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _config_json(optimizer):
    return json.loads(json.dumps(dict(optimizer.config), default=repr))


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def save(
    path: str | os.PathLike[str],
    optimizer: _optim.Optimizer,
    state: tuple[Any, ...],
    *,
    theta: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
    metadata: dict[str, Any] | None = None,
) -> pathlib.Path:
    r"""Write ``state`` (and optionally ``theta``, ``rng``, ``metadata``) to one ``.npz`` file.

    The file is written to a temporary name and then renamed, so an interrupted save never
    leaves a half-written checkpoint under ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination, used as given (``".npz"`` is the customary suffix).
    optimizer : pyginger.optim.Optimizer
        The optimizer the state belongs to (its name and hyper-parameters are recorded).
    state : NamedTuple
        Its state, e.g. from ``optimizer.init`` or a training run.
    theta : (d,) ndarray, optional
        Parameters to store with it.
    rng : numpy.random.Generator, optional
        The run's random generator; its state is stored so sampling resumes identically.
    metadata : dict, optional
        JSON-serialisable extra information (e.g. ``{"step": 100}``).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``optimizer`` is not an Optimizer, the state holds something that cannot be stored,
        ``rng`` is not a Generator, or ``metadata`` is not JSON-serialisable.

    See Also
    --------
    load : the inverse.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from pyginger import optim, checkpoint
    >>> opt = optim.ginger(rank=2)
    >>> theta = np.arange(4.0); state = opt.init(theta)
    >>> theta, state = opt.step(theta, np.ones(4), state, np.ones(4))
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> _ = checkpoint.save(path, opt, state, theta=theta, metadata={"step": 1})
    >>> ckpt = checkpoint.load(path, opt)
    >>> bool(np.array_equal(ckpt.state.curvature[0].U, state.curvature[0].U)), ckpt.metadata
    (True, {'step': 1})
    """
    import pathlib

    if not isinstance(optimizer, _optim.Optimizer):
        raise TypeError(
            f"save: optimizer must be a pyginger.optim.Optimizer, got {type(optimizer).__name__}"
        )
    arrays: dict[str, np.ndarray] = {}
    spec = _flatten(state, arrays, "state")
    theta_key = None
    if theta is not None:
        _v.refuse_non_real("save", "theta", theta)  # load reads real floats only
        theta_key = "theta"
        arrays[theta_key] = np.array(theta, copy=True)
    meta = {
        "format_version": FORMAT_VERSION,
        "optimizer": optimizer.name,
        "config": _config_json(optimizer),
        "state": spec,
        "theta": theta_key,
        "rng": None if rng is None else _rng_to_json(rng),
        "metadata": {} if metadata is None else metadata,
    }
    try:
        text = json.dumps(meta)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"save: metadata must be JSON-serialisable ({exc})") from None
    arrays[_META_KEY] = np.array(text)
    path = pathlib.Path(os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load(
    path: str | os.PathLike[str], optimizer: _optim.Optimizer, *, strict: bool = True
) -> Checkpoint:
    r"""Read a checkpoint written by :func:`save` for ``optimizer``.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file.
    optimizer : pyginger.optim.Optimizer
        The optimizer to resume with; it must have the same name and (with ``strict``) the same
        hyper-parameters as the one saved, and its ``init`` must produce a state of the same
        structure, shapes and dtypes.
    strict : bool, optional
        Require equal hyper-parameters. Default True; False allows e.g. a new learning rate.

    Returns
    -------
    Checkpoint
        ``(state, theta, rng, metadata)``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable pyginger checkpoint (corrupt, truncated, another format
        or version), or it belongs to another optimizer, other hyper-parameters (``strict``), or
        a state of another structure, shape or dtype (or one that records no ``size``, so is no
        optimizer's state).
    TypeError
        If ``optimizer`` is not an Optimizer.

    See Also
    --------
    save : the inverse.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from pyginger import optim, checkpoint
    >>> path = os.path.join(tempfile.mkdtemp(), "adam.npz")
    >>> _ = checkpoint.save(path, optim.adam(), optim.adam().init(np.zeros(3)))
    >>> checkpoint.load(path, optim.sgd())
    Traceback (most recent call last):
    ...
    ValueError: load: ... was written for optimizer 'adam', not 'sgd'
    """
    if not isinstance(optimizer, _optim.Optimizer):
        raise TypeError(
            f"load: optimizer must be a pyginger.optim.Optimizer, got {type(optimizer).__name__}"
        )
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no checkpoint at {path!r}")
    meta, arrays = _read(path)
    try:
        _check_header(path, meta, optimizer, strict)
        theta = arrays[meta["theta"]] if meta.get("theta") else None
        state = _restore_state(path, meta["state"], arrays, theta, optimizer)
        rng = None if meta.get("rng") is None else _rng_from_json(meta["rng"])
        metadata = meta.get("metadata", {})
    except (KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        raise ValueError(
            f"load: {path!r} is not a readable pyginger checkpoint (malformed contents: "
            f"{type(exc).__name__}: {exc})"
        ) from None
    return Checkpoint(state=state, theta=theta, rng=rng, metadata=metadata)


def _read(path):
    """Return the metadata dict and the arrays of the checkpoint at ``path``."""
    try:
        # Open the file here so that it is closed even when NumPy fails on a damaged zip.
        with open(path, "rb") as fh:
            npz = np.load(fh, allow_pickle=False)
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise ValueError(f"load: {path!r} holds a single array, not a pyginger checkpoint")
            with npz:
                if _META_KEY not in npz.files:
                    raise ValueError(
                        f"load: {path!r} is an .npz file but not a pyginger checkpoint"
                    )
                meta = json.loads(str(npz[_META_KEY][()]))
                arrays = {k: npz[k] for k in npz.files if k != _META_KEY}
    except ValueError as exc:
        if str(exc).startswith("load:"):
            raise
        raise ValueError(f"load: {path!r} is not a readable pyginger checkpoint ({exc})") from None
    except (
        OSError,
        EOFError,
        KeyError,
        zipfile.BadZipFile,
        json.JSONDecodeError,
        RecursionError,
    ) as exc:
        raise ValueError(
            f"load: {path!r} is not a readable pyginger checkpoint (corrupt or truncated: "
            f"{type(exc).__name__}: {exc})"
        ) from None
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        version = meta.get("format_version") if isinstance(meta, dict) else None
        raise ValueError(
            f"load: {path!r} has checkpoint format version {version!r}; this pyginger reads "
            f"version {FORMAT_VERSION}"
        )
    return meta, arrays


def _check_header(path, meta, optimizer, strict):
    """Refuse a file written for another optimizer or (``strict``) other hyper-parameters."""
    name = meta["optimizer"]
    if name != optimizer.name:
        raise ValueError(
            f"load: {path!r} was written for optimizer {name!r}, not {optimizer.name!r}"
        )
    if not strict:
        return
    saved, current = meta["config"], _config_json(optimizer)
    diffs = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
    if diffs:
        detail = ", ".join(
            f"{k}: {saved.get(k)!r} in the file, {current.get(k)!r} now" for k in diffs
        )
        raise ValueError(
            f"load: {path!r} was written with other {name} hyper-parameters ({detail}); "
            "pass strict=False to load it anyway"
        )


def _restore_state(path, spec, arrays, theta, optimizer):
    """Rebuild the saved state after checking it has the structure ``optimizer.init`` makes."""
    fields = spec["fields"] if spec["t"] == "state" else {}
    size = fields["size"]["v"] if "size" in fields else None
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"load: the state in {path!r} is not an optimizer's state (no size)")
    like = theta if theta is not None else np.zeros(size, dtype=_state_dtype(fields, size))
    spec = _with_certificate(spec)
    try:
        template = optimizer.init(like)
    except ValueError as exc:
        raise ValueError(
            f"load: the state in {path!r} (d = {size}) does not fit {optimizer!r}: {exc}"
        ) from None
    diff = _first_difference(_signature(spec), _signature(_flatten(template, {}, "state")))
    if diff:
        raise ValueError(
            f"load: the state in {path!r} does not match what {optimizer!r} uses ({diff})"
        )
    state = _unflatten(spec, arrays, template, "state")
    # The released numerics keep U as the authors' code leaves it: not re-orthonormalized, with
    # zero columns in blocks no larger than the rank (docs/reference.md).
    _check_ginger_states(path, state, orthonormal=optimizer.name != "ginger_reference")
    return state


def _with_certificate(spec):
    """Return ``spec`` with an unknown (NaN) certificate in Ginger states saved without one.

    Files written before :class:`pyginger.GingerState` carried its truncation certificate hold
    only ``U, sigma, damping, step``; they load with the certificate marked unknown, since the
    mass their updates dropped was never recorded.
    """
    t = spec.get("t") if isinstance(spec, dict) else None
    if t == "state":
        fields = {f: _with_certificate(s) for f, s in spec["fields"].items()}
        if spec["cls"] == "GingerState" and list(fields) == ["U", "sigma", "damping", "step"]:
            fields.update({f: {"t": "float", "v": float("nan")} for f in _v.CERTIFICATE_FIELDS})
        return {**spec, "fields": fields}
    if t in ("tuple", "list"):
        return {**spec, "items": [_with_certificate(s) for s in spec["items"]]}
    return spec


def _ginger_states(obj):
    """Every :class:`pyginger.GingerState` inside a state tree of NamedTuples and tuples."""
    if isinstance(obj, core.GingerState):
        yield obj
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _ginger_states(item)


def _check_ginger_states(path, state, orthonormal=True):
    """Refuse Ginger states whose values no update could have produced (hand-edited files)."""
    for s in _ginger_states(state):
        try:
            _v.check_state("load", s)
        except ValueError as exc:
            raise ValueError(f"load: {path!r} holds an invalid Ginger state: {exc}") from None
        if not orthonormal:
            continue
        # An update keeps ||U^T U - I||_F near eps (re-orthonormalized every 100 steps); 1e4 eps
        # leaves room for float32 runs and still refuses a U that is not orthonormal at all.
        drift = core.orthogonality_error(s)
        tol = 1e4 * float(np.finfo(s.U.dtype).eps)
        if not drift <= tol:
            raise ValueError(
                f"load: {path!r} holds a Ginger state whose U is not orthonormal "
                f"(||U^T U - I||_F = {drift:.3g} > {tol:.3g})"
            )


def _state_dtype(fields, size):
    """Return the dtype of the state's parameter-sized momentum (float64 if it keeps none)."""
    for name in ("mu", "momentum"):
        spec = fields.get(name, {})
        if spec.get("t") == "array" and spec.get("shape") == [size]:
            return np.dtype(spec["dtype"])
    return np.float64
