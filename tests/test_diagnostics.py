"""pyginger.diagnostics: the dense shadow replay, checked against independent dense computations.

Tolerances: the shadow is float64; quantities compared "to rounding" differ by the error of a
d x d eigendecomposition or inverse, a small multiple of eps * ||G|| (eigenvalues, traces) or of
eps * cond(G + gamma I) (inverses). The constants below (64 to 1000) cover the multiple with a
margin and are far below any truncation effect (1e-3 and up in these streams).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import pyginger
from pyginger import dense
from pyginger import theory as th
from pyginger.diagnostics import ShadowTrace, shadow_replay
from pyginger.theory.problems import RobustRegression

EPS = np.finfo(np.float64).eps
EPS32 = float(np.finfo(np.float32).eps)


def _stream(seed, d, T, k=1, decay=0.0):
    """Gaussian factors; with decay > 0 the coordinates have decreasing scales (a spectrum gap)."""
    rng = np.random.default_rng(seed)
    scales = np.exp(-decay * np.arange(d))[:, None]
    return [(scales * rng.standard_normal((d, k))).squeeze() for _ in range(T)]


def test_exact_while_the_total_rank_fits():
    d, tau, gamma = 8, 4, 0.1
    factors = _stream(0, d, tau)  # tau rank-one factors: nothing is dropped
    trace, _ = shadow_replay(factors, tau, beta=0.8, damping=gamma, rng=0)
    G = dense.ema_ggn(factors, 0.8)
    cond = (gamma + np.linalg.norm(G, 2)) / gamma
    assert np.all(trace.inverse_error <= 1e3 * cond * EPS)
    assert np.all(trace.direction_angle <= 1e3 * cond * EPS)
    for name in ("eigenvalue_error", "gap_best", "gap_replay", "ginger_error", "tail"):
        assert np.all(getattr(trace, name) <= 1e3 * EPS), name
    # No mass dropped and none missing: both are traces of size ~||G||_F compared to 0.
    assert np.all(np.abs(trace.dropped_mass) <= 1e3 * EPS * np.trace(G))
    assert np.all(np.abs(trace.missing_mass) <= 1e3 * EPS * np.trace(G))
    assert trace.step.tolist() == [1, 2, 3, 4]
    assert isinstance(trace, ShadowTrace) and trace.eigenvalues_exact.shape == (4, tau)


@given(
    seed=st.integers(0, 2**16),
    k=st.integers(1, 3),
    beta=st.floats(0.0, 0.95),
    rank=st.integers(1, 5),
    decay=st.floats(0.0, 0.5),
)
def test_invariants_with_truncation(seed, k, beta, rank, decay):
    d, T = 7, 10
    factors = _stream(seed, d, T, k, decay)
    trace, _ = shadow_replay(factors, rank, beta=beta, damping=0.5, rng=seed)
    Fs = [np.reshape(F, (d, -1)) for F in factors]
    scale = max(np.trace(dense.ema_ggn(Fs[: t + 1], beta)) for t in range(T))
    tol = 1e3 * EPS * scale
    # 1. Ginger never over-estimates: G_t - Ghat_t is PSD (to rounding), hence (Weyl) every
    #    kept eigenvalue is at most the corresponding exact one.
    assert np.all(trace.loewner_gap >= -tol)
    assert np.all(trace.eigenvalues_ginger <= trace.eigenvalues_exact + tol)
    # 2. tr G_t - tr Ghat_t = sum_s beta^(t-s) drop_s.
    acc = 0.0
    for t in range(T):
        acc = beta * acc + trace.dropped_mass[t]
        assert trace.missing_mass[t] == pytest.approx(acc, abs=T * tol)
    # 3. The dropped mass equals the discarded eigenvalues of beta Ghat_{t-1} + (1-beta) F F^T,
    #    computed here from the dense replay of the same rule (an independent computation).
    R = np.zeros((d, d))
    for t, F in enumerate(Fs):
        M = beta * R + (1 - beta) * F @ F.T
        lam = np.sort(np.linalg.eigvalsh(M))[::-1]
        assert trace.dropped_mass[t] == pytest.approx(np.sum(lam[rank:]), abs=tol)
        U, s = dense.best_rank_truncation(M, rank)
        R = (U * s) @ U.T
    # 4. Eckart-Young: no rank-tau matrix is closer to G_t than its best truncation.
    assert np.all(trace.ginger_error >= trace.tail - 1e3 * EPS)
    assert np.all(trace.gap_best >= 0)
    # 5. U stays orthonormal to rounding (the agreement with the dense replay of the same rule
    #    needs a spectral gap at the cut and is tested separately below).
    assert np.all(trace.orthogonality <= 1e3 * EPS)


def test_follows_the_dense_replay_of_its_rule_when_the_spectrum_has_gaps():
    factors = _stream(3, 10, 40, k=2, decay=0.4)
    trace, state = shadow_replay(factors, 3, beta=0.9, damping=1.0, rng=0)
    # Coordinates scaled by exp(-0.4 i): the kept and dropped eigenvalues are separated, so the
    # Davis-Kahan amplification 1 / gap stays moderate and the replay agrees to ~1e-13.
    assert np.all(trace.gap_replay <= 1e-11)
    assert_allclose(
        pyginger.to_dense(state) - np.eye(10), dense.truncated_replay(factors, 3, 0.9), atol=1e-11
    )
    # Truncation happened (rank 2 per step > tau = 3 after two steps) and is visible:
    assert trace.dropped_mass[5:].min() > 1e-6 and trace.tail[-1] > 1e-3
    assert trace.gap_best[-1] > 1e-6  # not the Eckart-Young optimum of the exact EMA


def test_matches_dense_compare_and_an_independent_angle():
    rng = np.random.default_rng(7)
    factors = [rng.standard_normal((6, 2)) for _ in range(5)]
    v = rng.standard_normal(6)
    trace, state = shadow_replay(factors, 2, beta=0.7, damping=0.2, vectors=[v] * 5)
    G = dense.ema_ggn(factors, 0.7)
    metrics = dense.compare(state, G)
    cond = (0.2 + np.linalg.norm(G, 2)) / 0.2
    # Two inverses of the same matrix (Cholesky vs eigendecomposition): each is accurate to
    # ~cond * eps, so the relative errors they report agree to that.
    assert trace.inverse_error[-1] == pytest.approx(
        metrics["inverse_rel_fro"], abs=1e3 * cond * EPS
    )
    exact = dense.damped_inverse(G, 0.2) @ v
    approx = pyginger.solve(state, v)
    cos = exact @ approx / (np.linalg.norm(exact) * np.linalg.norm(approx))
    angle = np.arccos(np.clip(cos, -1, 1))
    assert angle > 1e-2  # a truncated state: the directions really differ
    # arccos near a 1e-1 angle loses little: its condition number is 1/sin(angle) ~ 10.
    assert trace.direction_angle[-1] == pytest.approx(angle, rel=1e-9)


def test_replaying_a_recorded_run_reproduces_its_state():
    prob = RobustRegression.make(80, 6, seed=0)
    run = th.preconditioned_sgd(
        prob,
        np.zeros(6),
        steps=25,
        step_size=1.0,
        rank=2,
        beta=0.9,
        damping=0.5,
        batch_size=3,
        record_stream=True,
        seed=1,
    )
    trace, state = shadow_replay(run.factors, 2, beta=0.9, damping=0.5, vectors=run.gradients)
    # Same factors, same update calls: bitwise the same state.
    assert_array_equal(state.U, run.state.U)
    assert_array_equal(state.sigma, run.state.sigma)
    assert_allclose(trace.orthogonality, run.orthogonality, rtol=0, atol=0)
    assert trace.inverse_error.shape == (25,)


@pytest.mark.parametrize("form", ["curvature", "inverse"])
def test_float32_state_against_the_float64_shadow(form):
    factors = _stream(2, 12, 20, k=1, decay=0.3)
    trace, state = shadow_replay(factors, 4, beta=0.9, damping=0.1, dtype=np.float32, form=form)
    assert state.U.dtype == np.float32
    # float32 storage: orthonormality and the agreement with the float64 replay are at the
    # float32 rounding level (eps32 = 1.2e-7 times modest factors: sigma/gamma <= ~20 here for
    # the inverse form's map back, cf. docs/mathematics.md, the inverse form).
    assert np.all(trace.orthogonality <= 64 * EPS32)
    assert np.all(trace.gap_replay <= 1e3 * EPS32)
    assert np.all(trace.gap_replay[5:] > 1e-3 * EPS32)  # and not better than float32 can be


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (
            dict(factors=[]),
            ValueError,
            r"shadow_replay: factors must contain at least one factor, got none",
        ),
        (
            dict(factors=[np.ones(3), np.ones(4)]),
            ValueError,
            r"shadow_replay: each factor must have shape \(3,\) or \(3, k\), got \(4,\)",
        ),
        (
            dict(factors=[np.array([1.0, np.nan, 0.0])]),
            ValueError,
            r"shadow_replay: factors must contain only finite values",
        ),
        (
            dict(factors=[np.array(["a", "b"])]),
            TypeError,
            r"shadow_replay: factors must be real arrays, got dtype <U1",
        ),
        (
            dict(factors=[np.ones(3)], rank=4),
            ValueError,
            r"shadow_replay: rank must satisfy 1 <= rank <= dim = 3, got 4",
        ),
        (
            dict(factors=[np.ones(3)], beta=1.0),
            ValueError,
            r"shadow_replay: beta must satisfy 0 <= beta < 1, got 1.0",
        ),
        (
            dict(factors=[np.ones(3)], damping=0.0),
            ValueError,
            r"shadow_replay: damping must be a finite number > 0, got 0.0",
        ),
        (
            dict(factors=[np.ones(3)], dtype=np.int64),
            TypeError,
            r"shadow_replay: dtype must be float32 or float64",
        ),
        (
            dict(factors=[np.ones(3)], vectors=[]),
            ValueError,
            r"shadow_replay: vectors must hold one vector per factor \(1\), got 0",
        ),
        (
            dict(factors=[np.ones(3)], vectors=[np.ones((3, 1))]),
            ValueError,
            r"shadow_replay: each vector must have shape \(3,\), got \(3, 1\) at 0",
        ),
        (
            dict(factors=[np.ones(3)], form="dense"),
            ValueError,
            r"shadow_replay: form must be 'curvature' \| 'inverse' \| 'reference', got 'dense'",
        ),
    ],
)
def test_bad_input_messages(kwargs, exc, match):
    kwargs = {"rank": 1, **kwargs}
    factors = kwargs.pop("factors")
    rank = kwargs.pop("rank")
    with pytest.raises(exc, match=match):
        shadow_replay(factors, rank, **kwargs)
