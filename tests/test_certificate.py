"""Tests of the truncation certificate against the dense EMA GGN and the dense truncated replay."""

import json
import math
import zipfile

import numpy as np
import pytest

import pyginger
from pyginger import checkpoint, dense, diagnostics, optim
from pyginger.core import certificate

EPS = float(np.finfo(np.float64).eps)
D, TAU, BETA, GAMMA = 12, 3, 0.9, 0.1


def _stream(k, steps, seed=0):
    """Factors with a decaying spectrum, so the truncation drops mass of varied size."""
    rng = np.random.default_rng(seed)
    scales = np.linspace(2.0, 0.1, D)[:, None]
    return [(rng.standard_normal((D, k)) * scales)[:, 0 if k == 1 else slice(None)]
            for _ in range(steps)]  # fmt: skip


def _angle(a, b):
    # 2 atan2(|a^ - b^|, |a^ + b^|) keeps full accuracy near 0, where acos(cos) loses half.
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    return 2.0 * math.atan2(np.linalg.norm(a - b), np.linalg.norm(a + b))


# The dense P = (G + gamma I)^{-1} and P~ g carry relative errors of about cond * eps
# (cond <= 1 + tr(G) / gamma ~ 1e3 here), so a computed angle is good to ~1e-12.
ANGLE_TOL = 1e-10


def _tolerance(form, t, G, state):
    # Each update's eigenvalues carry an absolute error of about n eps ||K||_2 <= n eps tr(G)
    # (n = tau + k <= 6: 100 covers n and LAPACK's constant), accumulated over at most t steps;
    # the inverse form's map back multiplies it by sigma_1 / gamma (docs/mathematics.md).
    amplification = 1.0 if form == "curvature" else 1.0 + float(state.sigma[0]) / GAMMA
    return 100 * t * EPS * float(np.trace(G)) * amplification


@pytest.mark.parametrize(("form", "k"), [("curvature", 1), ("curvature", 3), ("inverse", 1),
                                         ("inverse", 3), ("reference", 1)])  # fmt: skip
def test_bounds_hold_and_trace_is_exact_at_every_step(form, k):
    factors = _stream(k, 40)
    state = pyginger.init(D, TAU, damping=GAMMA)
    rng = np.random.default_rng(1)
    truncated = 0
    for t in range(1, len(factors) + 1):
        state = pyginger.update(state, factors[t - 1], beta=BETA, form=form)
        G = dense.ema_ggn(factors[:t], BETA)
        G_state = (state.U * state.sigma) @ state.U.T
        E = G - G_state
        g = rng.standard_normal(D)
        cert = pyginger.truncation_bound(state, g)
        tol = _tolerance(form, t, G, state)
        spectral, frobenius = np.linalg.norm(E, 2), np.linalg.norm(E)
        assert np.isfinite(cert.trace)  # no guard fired in this well-damped stream
        assert abs(cert.trace - np.trace(E)) <= tol
        assert cert.spectral_lower - tol <= spectral <= cert.spectral + tol
        assert cert.frobenius_lower - tol <= frobenius <= cert.frobenius + tol
        assert cert.spectral <= cert.frobenius <= cert.trace
        P = dense.damped_inverse(G, GAMMA)
        P_state = pyginger.to_dense(state, inverse=True)
        assert np.linalg.norm(P_state - P, 2) <= cert.inverse + tol / GAMMA**2
        if cert.angle < math.pi:  # the bound says something: the true angle obeys it
            assert _angle(P_state @ g, P @ g) <= cert.angle + ANGLE_TOL
        truncated += cert.trace > tol
    assert truncated > 30  # the stream truncates: the bounds were tested on a nonzero gap


def test_float32_state_is_certified_to_its_own_rounding():
    # The certificate is carried in float64; a float32 state's matrix carries ~ n eps32 tr(G) of
    # rounding per update (the sums over d are float64, the storage float32).
    factors = [f.astype(np.float32) for f in _stream(2, 30)]
    state = pyginger.init(D, TAU, damping=GAMMA, dtype=np.float32)
    for t in range(1, len(factors) + 1):
        state = pyginger.update(state, factors[t - 1], beta=BETA)
        G = dense.ema_ggn([f.astype(np.float64) for f in factors[:t]], BETA)
        U, sigma = state.U.astype(np.float64), state.sigma.astype(np.float64)
        E = G - (U * sigma) @ U.T
        cert = pyginger.truncation_bound(state)
        tol = 100 * t * float(np.finfo(np.float32).eps) * float(np.trace(G))
        assert abs(cert.trace - np.trace(E)) <= tol
        assert np.linalg.norm(E, 2) <= cert.spectral + tol
        assert np.linalg.norm(E) <= cert.frobenius + tol


def test_trace_matches_the_shadow_replay():
    factors = _stream(1, 25)
    trace, state = diagnostics.shadow_replay(factors, TAU, beta=BETA, damping=GAMMA)
    # missing_mass = tr(G) - sum(sigma), computed densely: the certified trace to rounding.
    tol = 100 * len(factors) * EPS * np.trace(dense.ema_ggn(factors, BETA))
    assert abs(pyginger.truncation_bound(state).trace - trace.missing_mass[-1]) <= tol
    assert trace.missing_mass[-1] > 1e3 * tol


def test_clipped_inverse_form_makes_the_certificate_unknown():
    # float32 at gamma = 1e-8: 1 - gamma s falls below eps32 and the map back clips it, so the
    # state is no truncation of the EMA any more (docs/mathematics.md, the two forms).
    rng = np.random.default_rng(0)
    state = pyginger.init(40, 6, damping=1e-8, dtype=np.float32)
    for f in rng.standard_normal((8, 40)).astype(np.float32):
        state = pyginger.update(state, f, beta=0.9, form="inverse")
    assert math.isnan(pyginger.truncation_bound(state).trace)


def test_state_is_the_dense_truncated_replay():
    # What is certified is the gap of the state's matrix, which is the dense truncation rule.
    factors = _stream(2, 30)
    state = pyginger.init(D, TAU, damping=GAMMA)
    for f in factors:
        state = pyginger.update(state, f, beta=BETA)
    replay = dense.truncated_replay(factors, TAU, BETA)
    gap = dense.ema_ggn(factors, BETA) - replay
    assert abs(pyginger.truncation_bound(state).trace - np.trace(gap)) < 1e-12 * np.trace(replay)


@pytest.mark.parametrize("form", ["curvature", "inverse", "reference"])
def test_bound_is_zero_while_nothing_is_truncated(form):
    k = 1 if form == "reference" else 2
    state = pyginger.init(D, 2 * TAU, damping=GAMMA)
    for f in _stream(k, 2 * TAU // k):  # total rank 2 tau / k * k = tau: nothing dropped
        state = pyginger.update(state, f, beta=BETA, form=form)
        assert [getattr(state, name) for name in certificate.FIELDS] == [0.0] * 5
    cert = pyginger.truncation_bound(state, np.ones(D))
    assert cert.inverse == 0.0 and cert.angle == 0.0


def test_beta_zero_makes_the_bounds_equalities():
    # beta = 0: E_t = D_t, whose eigenvalues the update knows, and D_t lies in the null space of
    # the new state, so ||P~ - P||_2 = delta / (gamma (gamma + delta)) exactly (module notes).
    state = pyginger.init(D, TAU, damping=GAMMA)
    for f in _stream(4, 3):
        state = pyginger.update(state, f, beta=0.0)
        E = f @ f.T - (state.U * state.sigma) @ state.U.T
        cert = pyginger.truncation_bound(state)
        tol = 100 * EPS * np.trace(f @ f.T)
        assert abs(cert.spectral - np.linalg.norm(E, 2)) <= tol
        assert abs(cert.spectral_lower - np.linalg.norm(E, 2)) <= tol
        assert abs(cert.frobenius - np.linalg.norm(E)) <= tol
        assert abs(cert.frobenius_lower - np.linalg.norm(E)) <= tol
        P = dense.damped_inverse(f @ f.T, GAMMA)
        gap = np.linalg.norm(pyginger.to_dense(state, inverse=True) - P, 2)
        assert abs(cert.inverse - gap) <= tol / GAMMA**2


def test_scale_certifies_the_debiased_preconditioner():
    # optim.ginger(debias=True) solves with (G~ / c + gamma I), c = 1 - beta^t; scale = 1 / c.
    factors = _stream(1, 8)
    opt = optim.ginger(rank=TAU, damping=GAMMA, beta2=BETA, debias=True)
    theta = np.zeros(D)
    opt_state = opt.init(theta)
    g = np.random.default_rng(3).standard_normal(D)
    for f in factors:
        theta, opt_state = opt.step(theta, g, opt_state, f)
    (state,) = opt_state.curvature
    c = 1.0 - BETA**state.step
    cert = pyginger.truncation_bound(state, g, scale=1.0 / c)
    G_hat, G_state = dense.ema_ggn(factors, BETA) / c, (state.U * state.sigma) @ state.U.T / c
    tol = 100 * len(factors) * EPS * np.trace(G_hat)
    assert np.linalg.norm(G_hat - G_state, 2) <= cert.spectral + tol
    assert abs(np.trace(G_hat - G_state) - cert.trace) <= tol
    P, P_state = dense.damped_inverse(G_hat, GAMMA), dense.damped_inverse(G_state, GAMMA)
    assert np.linalg.norm(P_state - P, 2) <= cert.inverse + tol / GAMMA**2
    assert cert.angle < math.pi and _angle(P_state @ g, P @ g) <= cert.angle + ANGLE_TOL
    unscaled = pyginger.truncation_bound(state)
    assert cert.trace == pytest.approx(unscaled.trace / c, rel=4 * EPS)


def test_reorthonormalize_and_debias_keep_the_certificate():
    state = pyginger.init(D, TAU, damping=GAMMA)
    for f in _stream(1, 10):
        state = pyginger.update(state, f, beta=BETA)
    assert state.gap_trace > 0
    same = pyginger.reorthonormalize(state)
    assert [getattr(same, f) for f in certificate.FIELDS] == [
        getattr(state, f) for f in certificate.FIELDS
    ]


class _Untouchable:
    """Stands for U and sigma: any use of it fails, so code that runs never read them."""

    def __getattr__(self, name):
        raise AssertionError(f"the certificate read U or sigma ({name})")

    def __array__(self, *args, **kwargs):
        raise AssertionError("the certificate read U or sigma")


def test_advance_costs_O_k_and_never_reads_U():
    # The update's only certificate code is certificate.advance(state, beta, dropped), given the
    # dropped eigenvalues of the small problem: it reads the five gap_* numbers and nothing else.
    state = pyginger.GingerState(_Untouchable(), _Untouchable(), GAMMA, 3, 1.0, 2.0, 4.0, 0.5, 1.0)
    new = certificate.advance(state, 0.5, np.array([3.0, 1.0]))
    assert new["gap_trace"] == 0.5 * 4.0 + 4.0  # exact trace recursion
    assert new["gap_spectral"] == 0.5 * 1.0 + 3.0  # beta min(delta, phi) + d
    assert new["gap_spectral_lower"] == max(0.5 * 0.5, 3.0)
    # <E, D> <= min(1 * 4, 2 * sqrt(10), 4 * 3) = 4
    assert new["gap_frobenius"] == pytest.approx(math.sqrt(1.0 + 2 * 0.5 * 4.0 + 10.0), rel=EPS)


def test_unknown_certificate_stays_unknown():
    state = pyginger.init(D, TAU)._replace(**dict.fromkeys(certificate.FIELDS, math.nan))
    state = pyginger.update(state, np.ones(D))
    assert all(math.isnan(x) for x in pyginger.truncation_bound(state, np.ones(D)))


def test_reference_guard_makes_the_certificate_unknown():
    # float32, gamma = 1e-5, tau = 4: the released map back collapses eigenvalues above
    # gamma (1 / c - 1) = 1.68 (core._released.collapse_threshold); these factors give ~ 10.
    state = pyginger.init(D, 4, damping=1e-5, dtype=np.float32)
    for f in _stream(1, 3):
        state = pyginger.update(state, (10 * f).astype(np.float32), form="reference", beta=0.9)
    assert math.isnan(pyginger.truncation_bound(state).spectral)


def test_checkpoint_keeps_the_certificate(tmp_path):
    opt = optim.ginger(rank=TAU, damping=GAMMA, beta2=BETA)
    theta, state = np.zeros(D), opt.init(np.zeros(D))
    factors = _stream(1, 12)
    for f in factors[:8]:
        theta, state = opt.step(theta, f, state, f)
    path = checkpoint.save(tmp_path / "run.npz", opt, state, theta=theta)
    loaded = checkpoint.load(path, opt)
    (before,), (after,) = state.curvature, loaded.state.curvature
    assert before.gap_trace > 0
    assert [getattr(after, f) for f in certificate.FIELDS] == [
        getattr(before, f) for f in certificate.FIELDS
    ]
    resumed = loaded.state
    for f in factors[8:]:  # the resumed run continues the certificate bit for bit
        theta, state = opt.step(theta, f, state, f)
        loaded_theta, resumed = opt.step(loaded.theta, f, resumed, f)
        loaded = loaded._replace(theta=loaded_theta)
    assert resumed.curvature[0].gap_trace == state.curvature[0].gap_trace


def test_checkpoint_without_certificate_loads_it_unknown(tmp_path):
    # A file from before the certificate: the same layout with the five gap_* fields absent.
    opt = optim.ginger(rank=TAU, damping=GAMMA)
    theta = np.zeros(D)
    theta, state = opt.step(theta, np.ones(D), opt.init(theta), np.ones(D))
    path = checkpoint.save(tmp_path / "new.npz", opt, state, theta=theta)
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays["__pyginger_checkpoint__"][()]))
    ginger = meta["state"]["fields"]["curvature"]["items"][0]
    for f in certificate.FIELDS:
        del ginger["fields"][f]
    arrays["__pyginger_checkpoint__"] = np.array(json.dumps(meta))
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    assert zipfile.is_zipfile(old)
    (loaded,) = checkpoint.load(old, opt).state.curvature
    assert np.array_equal(loaded.U, state.curvature[0].U)
    assert all(math.isnan(x) for x in pyginger.truncation_bound(loaded)[:5])


def test_bad_input_is_refused():
    state = pyginger.init(D, TAU)
    with pytest.raises(TypeError, match="truncation_bound: state must be a GingerState"):
        pyginger.truncation_bound("state")
    with pytest.raises(ValueError, match="truncation_bound: scale must"):
        pyginger.truncation_bound(state, scale=0.0)
    with pytest.raises(ValueError, match=rf"truncation_bound: vector must have shape \({D},\)"):
        pyginger.truncation_bound(state, np.ones((D, 2)))
    with pytest.raises(ValueError, match="truncation_bound: vector must contain only finite"):
        pyginger.truncation_bound(state, np.full(D, np.nan))
    with pytest.raises(ValueError, match="update: state.gap_trace must be a real number >= 0"):
        pyginger.update(state._replace(gap_trace=-1.0), np.ones(D))
    with pytest.raises(ValueError, match="state.gap_spectral must be a real number >= 0"):
        pyginger.solve(state._replace(gap_spectral="0"), np.ones(D))
