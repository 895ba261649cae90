"""Checkpoints: exact round trips, bit-for-bit resumed training, and clear errors for bad files."""

import json
import math
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pyginger
from pyginger import checkpoint, optim
from pyginger.nn import datasets
from pyginger.nn.mlp import MLP
from pyginger.optim.preconditioners import Ginger
from pyginger.run.training import train

MODEL = MLP([2, 8, 3], activation="tanh", loss="cross_entropy")
DATA = datasets.spirals(90, classes=3, seed=3)

OPTIMIZERS = {
    "sgd": lambda: optim.sgd(lr=0.1, momentum=0.9),
    "adam": lambda: optim.adam(lr=0.01),
    "gauss_newton": lambda: optim.gauss_newton(lr=0.5, damping=0.1),
    "ema_ggn": lambda: optim.ema_ggn(lr=0.1, damping=0.03),
    "ginger": lambda: optim.ginger(lr=0.1, rank=4, damping=0.03, reorth_every=3),
    "ginger_blocks_inverse": lambda: optim.ginger(
        lr=0.1, rank=3, damping=0.03, blocks=MODEL.blocks, form="inverse"
    ),
    "ginger_reference": lambda: optim.ginger_reference(
        **optim.REFERENCE_CONFIG, blocks=MODEL.blocks, warmup_steps=5
    ),
    "qng_reference": lambda: optim.qng_reference(0.05, trust_region=1e-3),
    "diag_ggn": lambda: optim.diag_ggn(lr=0.1, damping=0.03),
    "kfac": lambda: optim.kfac(MODEL, lr=0.2, damping=0.01),
    "qng": lambda: optim.qng(lr=0.05, rank=4),
}


def _assert_same_tree(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()  # bit for bit, NaN payloads and signed zeros included
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_same_tree(x, y)
    elif isinstance(a, float) and math.isnan(a):  # e.g. an unknown truncation certificate
        assert isinstance(b, float) and math.isnan(b)
    else:
        assert a == b


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_round_trip_is_exact(name, tmp_path):
    opt = OPTIMIZERS[name]()
    hist = train(MODEL, opt, DATA, 6, batch_size=30, seed=0, progress=False)
    path = checkpoint.save(
        tmp_path / "ckpt.npz",
        opt,
        hist["state"],
        theta=hist["theta"],
        rng=hist["rng"],
        metadata={"step": 6, "note": name},
    )
    loaded = checkpoint.load(path, OPTIMIZERS[name]())
    _assert_same_tree(loaded.state, hist["state"])
    assert_array_equal(loaded.theta, hist["theta"])
    assert loaded.metadata == {"step": 6, "note": name}
    assert loaded.rng.bit_generator.state == hist["rng"].bit_generator.state
    assert loaded.rng is not hist["rng"]


@pytest.mark.parametrize("name", ["ginger", "ginger_blocks_inverse", "kfac", "qng", "adam"])
def test_resumed_training_is_bit_for_bit(name, tmp_path):
    # 12 steps straight, against 5 steps, save, load into a fresh optimizer, 7 more steps.
    # Mini-batches and Monte-Carlo factors come from the saved generator, and the states hold
    # the step counts (learning-rate schedule, bias corrections, re-orthonormalization).
    straight = train(MODEL, OPTIMIZERS[name](), DATA, 12, batch_size=30, seed=1, progress=False)
    first = train(MODEL, OPTIMIZERS[name](), DATA, 5, batch_size=30, seed=1, progress=False)
    path = tmp_path / "half.npz"
    checkpoint.save(
        path, OPTIMIZERS[name](), first["state"], theta=first["theta"], rng=first["rng"]
    )
    opt = OPTIMIZERS[name]()
    ckpt = checkpoint.load(path, opt)
    second = train(
        MODEL,
        opt,
        DATA,
        7,
        batch_size=30,
        theta=ckpt.theta,
        state=ckpt.state,
        rng=ckpt.rng,
        progress=False,
    )
    assert second["theta"].tobytes() == straight["theta"].tobytes()
    assert_array_equal(np.concatenate([first["loss"], second["loss"]]), straight["loss"])
    _assert_same_tree(second["state"], straight["state"])


def test_train_does_not_advance_the_callers_generator():
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    train(MODEL, optim.ginger(), DATA, 3, batch_size=10, rng=rng, progress=False)
    assert rng.bit_generator.state == before


# ---------------------------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    opt = optim.ginger(rank=2, damping=0.5)
    theta = np.linspace(-1, 1, 5)
    theta, state = opt.step(theta, np.ones(5), opt.init(theta), np.arange(5.0))
    path = checkpoint.save(tmp_path / "good.npz", opt, state, theta=theta)
    return path, opt, state


def test_wrong_optimizer_or_hyper_parameters(saved):
    path, _, state = saved
    with pytest.raises(ValueError, match=r"load: .* written for optimizer 'ginger', not 'adam'"):
        checkpoint.load(path, optim.adam())
    with pytest.raises(
        ValueError,
        match=r"other ginger hyper-parameters \(damping: 0.5 in the "
        r"file, 0.1 now\); pass strict=False",
    ):
        checkpoint.load(path, optim.ginger(rank=2))
    loaded = checkpoint.load(path, optim.ginger(rank=2, damping=0.5, lr=0.5), strict=False)
    _assert_same_tree(loaded.state, state)
    # Another rank changes the state's shapes: refused even when not strict.
    with pytest.raises(
        ValueError,
        match=r"does not match what ginger\(.*\) uses \(state\.curvature"
        r"\[0\]\.U: array of shape \(5, 2\) and dtype float64 in "
        r"the file, array of shape \(5, 3\)",
    ):
        checkpoint.load(path, optim.ginger(rank=3, damping=0.5), strict=False)
    with pytest.raises(ValueError, match=r"load: the state in .* \(d = 5\) does not fit"):
        checkpoint.load(
            path, optim.ginger(rank=2, damping=0.5, blocks=[(0, 2), (2, 6)]), strict=False
        )
    with pytest.raises(TypeError, match="load: optimizer must be a pyginger.optim.Optimizer"):
        checkpoint.load(path, "ginger")


def test_corrupt_truncated_and_foreign_files(saved, tmp_path):
    path, opt, state = saved
    raw = path.read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"load: .* is not a readable pyginger checkpoint"):
        checkpoint.load(truncated, opt)
    # One flipped bit inside the stored U: the zip CRC catches it.
    U = state.curvature[0].U
    offset = raw.find(U.tobytes())
    assert offset > 0
    flipped = bytearray(raw)
    flipped[offset + 3] ^= 0x10
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"not a readable pyginger checkpoint \(corrupt"):
        checkpoint.load(corrupt, opt)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ValueError, match=r"not a readable pyginger checkpoint"):
        checkpoint.load(garbage, opt)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    with pytest.raises(ValueError, match=r"is an .npz file but not a pyginger checkpoint"):
        checkpoint.load(foreign, opt)
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match=r"holds a single array, not a pyginger checkpoint"):
        checkpoint.load(npy, opt)
    with pytest.raises(FileNotFoundError, match="load: no checkpoint at"):
        checkpoint.load(tmp_path / "missing.npz", opt)


def test_other_version_and_malformed_metadata(saved, tmp_path):
    path, opt, _ = saved
    with np.load(path) as npz:
        contents = {k: npz[k] for k in npz.files}
    meta = str(contents["__pyginger_checkpoint__"][()])
    newer = tmp_path / "newer.npz"
    np.savez(
        newer,
        **dict(
            contents,
            __pyginger_checkpoint__=np.array(
                meta.replace('"format_version": 1', '"format_version": 99')
            ),
        ),
    )
    with pytest.raises(
        ValueError,
        match=r"checkpoint format version 99; this pyginger reads "
        r"version 1",
    ):
        checkpoint.load(newer, opt)
    broken = tmp_path / "broken.npz"
    np.savez(broken, **dict(contents, __pyginger_checkpoint__=np.array(meta[:-10])))
    with pytest.raises(ValueError, match=r"not a readable pyginger checkpoint"):
        checkpoint.load(broken, opt)
    missing_array = tmp_path / "missing_array.npz"
    np.savez(missing_array, **{k: v for k, v in contents.items() if k != "a0"})
    with pytest.raises(ValueError, match=r"malformed contents: KeyError"):
        checkpoint.load(missing_array, opt)
    with zipfile.ZipFile(path) as zf:
        assert all(not name.endswith(".pkl") for name in zf.namelist())


def test_save_rejects_what_it_cannot_store(tmp_path):
    opt = optim.sgd()
    state = opt.init(np.zeros(2))
    with pytest.raises(TypeError, match="save: metadata must be JSON-serialisable"):
        checkpoint.save(tmp_path / "x.npz", opt, state, metadata={"f": object()})
    with pytest.raises(TypeError, match="save: rng must be a numpy.random.Generator"):
        checkpoint.save(tmp_path / "x.npz", opt, state, rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match="save: cannot store state.momentum of type dict"):
        checkpoint.save(tmp_path / "x.npz", opt, state._replace(momentum={}))
    with pytest.raises(TypeError, match="save: optimizer must be a pyginger.optim.Optimizer"):
        checkpoint.save(tmp_path / "x.npz", "sgd", state)
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


@pytest.mark.parametrize("theta", [np.ones(4) * 1j, np.array(["a"] * 4), np.array([None] * 4)])
def test_save_refuses_theta_that_load_could_never_read(theta, tmp_path):
    opt = optim.sgd(0.1)
    state = opt.init(np.ones(4))
    with pytest.raises(TypeError, match="save: theta must"):
        checkpoint.save(tmp_path / "c.npz", opt, state, theta=theta)
    assert not (tmp_path / "c.npz").exists()


def _tampered(saved, tmp_path, *, arrays=None, ginger_fields=None, meta_text=None):
    """The saved file with some arrays replaced and the Ginger state's scalars edited."""
    path, _, _ = saved
    with np.load(path) as npz:
        contents = {k: npz[k] for k in npz.files}
    meta = json.loads(str(contents["__pyginger_checkpoint__"][()]))
    fields = meta["state"]["fields"]["curvature"]["items"][0]["fields"]
    for name, value in (ginger_fields or {}).items():
        fields[name]["v"] = value
    text = meta_text if meta_text is not None else json.dumps(meta)
    contents.update(arrays or {}, __pyginger_checkpoint__=np.array(text))
    out = tmp_path / "tampered.npz"
    np.savez(out, **contents)
    return out


@pytest.mark.parametrize(
    ("arrays", "fields", "match"),
    [
        ({"a2": np.array([-1.0, 0.0])}, {}, "sigma must be finite, >= 0 and sorted"),
        ({"a2": np.array([np.nan, 0.0])}, {}, "sigma must be finite, >= 0 and sorted"),
        ({"a2": np.array([0.0, 1.0])}, {}, "sigma must be finite, >= 0 and sorted"),
        ({"a1": 2.0 * np.eye(5, 2)}, {}, r"U is not orthonormal \(\|\|U\^T U - I\|\|_F = 4.24"),
        ({}, {"damping": -0.5}, "damping must be finite and > 0"),
        ({}, {"damping": 0.0}, "damping must be finite and > 0"),
        ({}, {"step": -3}, r"step must be an integer >= 0"),
    ],
)
def test_load_refuses_ginger_states_no_update_could_produce(saved, tmp_path, arrays, fields, match):
    # Each of these once loaded silently and failed later with a misleading error (division by
    # zero, "Eigenvalues did not converge", broadcasting or index errors).
    _, opt, _ = saved
    bad = _tampered(saved, tmp_path, arrays=arrays, ginger_fields=fields)
    with pytest.raises(ValueError, match="load: .* holds .*" + match):
        checkpoint.load(bad, opt)


def test_load_refuses_deeply_nested_metadata(saved, tmp_path):
    path, opt, _ = saved
    with np.load(path) as npz:
        meta = json.loads(str(npz["__pyginger_checkpoint__"][()]))
    text = json.dumps(meta)[:-1] + ', "metadata": ' + "[" * 100_000 + "]" * 100_000 + "}"
    bad = _tampered(saved, tmp_path, meta_text=text)
    with pytest.raises(ValueError, match="not a readable pyginger checkpoint"):
        checkpoint.load(bad, opt)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"sigma": np.array([1.0, 2.0])}, "sigma must be finite, >= 0 and sorted"),
        ({"sigma": np.array([1.0])}, r"state.U must be \(d, tau\) and state.sigma \(tau,\)"),
        ({"damping": 0.0}, "state.damping must be finite and > 0"),
        ({"step": -1}, r"state.step must be an integer >= 0"),
        ({"sigma": np.array([1.0, 0.5], dtype=np.float32)}, "must share a float32/float64"),
    ],
)
def test_hand_made_states_are_checked_at_every_entry(change, match):
    state = pyginger.init(5, 2)._replace(**change)
    for call in (
        lambda: pyginger.update(state, np.ones(5)),
        lambda: pyginger.solve(state, np.ones(5)),
        lambda: pyginger.to_dense(state),
    ):
        with pytest.raises(ValueError, match=match):
            call()


def test_load_refuses_a_malformed_generator_state(tmp_path):
    opt = optim.sgd(0.1)
    state = opt.init(np.ones(3))
    path = checkpoint.save(tmp_path / "r.npz", opt, state, rng=np.random.default_rng(0))
    with np.load(path) as npz:
        contents = {k: npz[k] for k in npz.files}
    meta = json.loads(str(contents["__pyginger_checkpoint__"][()]))
    meta["rng"]["state"]["state"] = -1  # NumPy raises OverflowError for a negative integer
    contents["__pyginger_checkpoint__"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "bad.npz", **contents)
    with pytest.raises(ValueError, match="not a readable pyginger checkpoint"):
        checkpoint.load(tmp_path / "bad.npz", opt)


def test_a_composed_optimizer_round_trips_without_any_registry(tmp_path):
    # The state classes (ChainState, the transforms' and the preconditioner's states, the
    # GingerStates inside) are rebuilt from what the optimizer's own init returns.
    def make(rank=3):
        return optim.preconditioned(Ginger(rank, 0.03, blocks=((0, 24), (24, 51))), lr=0.1)

    opt = make()
    hist = train(MODEL, opt, DATA, 4, batch_size=30, seed=0, progress=False)
    path = checkpoint.save(tmp_path / "chain.npz", opt, hist["state"], theta=hist["theta"])
    loaded = checkpoint.load(path, make())
    _assert_same_tree(loaded.state, hist["state"])
    assert isinstance(loaded.state, optim.ChainState)
    with pytest.raises(ValueError, match=r"does not match what preconditioned\(.*\) uses"):
        checkpoint.load(path, make(rank=2))
    with pytest.raises(ValueError, match="written for optimizer 'preconditioned', not 'ginger'"):
        checkpoint.load(path, optim.ginger())
