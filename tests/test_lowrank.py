"""The Ginger core against exact dense references (docs/mathematics.md).

Tolerance reasoning used below. Every update is a backward-stable orthogonal transformation
plus a symmetric eigensolve, so one step perturbs the represented matrix by about
c * eps * ||G|| with c a small multiple of sqrt(tau + k). Errors in G_gamma^{-1} are then
amplified by its condition number kappa = (gamma + sigma_max) / gamma. The tests choose gamma and
the data so that kappa * eps stays far below the asserted bound. Where a state is compared with
its exact matrix, ``pyginger.testing.compare_state`` does it, and takes the backward error
(relative to ||G_gamma||) as its tolerance: it scales the checks of the inverse by kappa itself.
The streams and the state shared by several tests are named cases (``cases.GINGER_CASES``,
served by the fixtures of ``conftest.py``).
"""

import numpy as np
import pytest
import scipy.linalg
from cases import factors as make_factors
from cases import run
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.sparse.linalg import cg, eigsh

import pyginger
from pyginger import dense
from pyginger._backend import to_host
from pyginger.testing import assert_state_invariants, compare_state, subspace_distance

EPS64 = np.finfo(np.float64).eps
EPS32 = np.finfo(np.float32).eps


def _backend_for(xp, backend):
    if xp is not np and backend == "numba":
        pytest.skip("the Numba kernels take NumPy arrays only")
    return backend


# ---------------------------------------------------------------------------------------------
# Exactness while nothing is truncated
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["curvature", "inverse"])
def test_exact_while_total_rank_fits(xp, backend, form, exact_case):
    backend = _backend_for(xp, backend)
    case = exact_case
    state = case.run(xp, form=form, backend=backend)
    exact = dense.ema_ggn(case.factors(), case.beta)
    # The contract: exact to rounding while nothing is truncated. Each update is backward
    # stable, ~ sqrt(tau + k) eps = 3 eps relative to ||G_gamma||, and the <= 6 updates add up:
    # 50 eps (measured: 3.4 eps). The inverse form maps back through 1 / (1 - gamma s), which
    # costs eps * sigma / gamma relative per update (docs/mathematics.md), so count * eps *
    # ||G|| / gamma in all, times 10 for the constants (||G|| / gamma ~ 4e2 here; measured:
    # 1.3 eps ||G|| / gamma).
    rtol = 50 * EPS64
    if form == "inverse":
        rtol = 10 * case.count * EPS64 * np.linalg.norm(exact, 2) / case.damping
    compare_state(state, exact, rtol=rtol, backend=backend)
    assert_state_invariants(state, atol=100 * EPS64)


def test_first_update_from_identity_init_is_exact():
    # U_0 = first tau columns of I and sigma_0 = 0 represent G_{0,gamma} = gamma I exactly.
    state = pyginger.init(7, 3, damping=0.3)
    assert_allclose(pyginger.to_dense(state), 0.3 * np.eye(7), rtol=0, atol=0)
    f = np.arange(1.0, 8.0)
    state = pyginger.update(state, f, beta=0.25)
    # One rank-one update: a normalization of f and a 2 x 2 eigenproblem, each a few eps.
    compare_state(state, 0.75 * np.outer(f, f), rtol=50 * EPS64)


# ---------------------------------------------------------------------------------------------
# The truncated regime
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_stream():
    rng = np.random.default_rng(7)
    # Factors with a decaying spectrum of directions, like real curvature: a few dominant ones.
    d = 60
    scales = 1.0 / (1.0 + np.arange(d))
    return [scales * rng.standard_normal(d) for _ in range(300)]


def test_truncated_eigenvalues_match_dense_replay(xp, backend, long_stream):
    backend = _backend_for(xp, backend)
    tau, beta, gamma = 5, 0.95, 1e-3
    state = run(xp, long_stream, tau, damping=gamma, beta=beta, backend=backend)
    replay = dense.truncated_replay(long_stream, tau, beta)
    lam, V = scipy.linalg.eigh(replay)
    lam, V = lam[::-1][:tau], V[:, ::-1][:, :tau]
    sigma = to_host(state.sigma)
    # Each step's rounding, ~ eps * ||G||, decays with beta, so the accumulated error is about
    # eps * ||G|| / (1 - beta) = 20 eps ||G|| (times a small constant): 1e-12 is far above it.
    assert np.max(np.abs(sigma - lam)) <= 1e-12 * lam[0]
    # Subspaces agree up to eps / (relative eigengap); the gaps here are O(1) relative.
    gap = (lam[-1] - np.linalg.eigvalsh(replay)[::-1][tau]) / lam[0]
    assert subspace_distance(to_host(state.U), V) <= 1e-9 / gap
    assert_state_invariants(state, atol=1e-13)
    # The matrix: the same ~ 20 eps ||G|| of rounding as for the eigenvalues, which each
    # truncation passes on amplified by at most ~ 1 / gap (it keeps a subspace that moves by
    # eps / gap): 1e-12 / gap (measured: 22 eps, i.e. 5e-15).
    compare_state(state, replay, rtol=1e-12 / gap, backend=backend)


def test_both_forms_agree_when_damping_is_not_tiny(long_stream):
    tau, beta = 5, 0.95
    for gamma in [1e-3, 1e-1]:
        a = run(np, long_stream, tau, damping=gamma, beta=beta, form="curvature")
        b = run(np, long_stream, tau, damping=gamma, beta=beta, form="inverse")
        # The inverse form's map back costs eps * sigma / gamma relative: <= 1e-16 * 1 / 1e-3.
        assert_allclose(b.sigma, a.sigma, rtol=1e-9, atol=1e-9 * a.sigma[0])
        assert subspace_distance(a.U, b.U) <= 1e-7


def test_small_damping_float32_curvature_form_stable_inverse_form_not():
    # docs/mathematics.md (the inverse form): at gamma = 1e-8 in float32 the inverse form's map
    # back divides by 1 - gamma s = gamma / (gamma + sigma) ~ 1e-8, below float32's eps ~ 1.2e-7,
    # so it loses every digit; the curvature form never divides by gamma.
    rng = np.random.default_rng(3)
    d, tau, gamma, beta = 40, 6, 1e-8, 0.9
    factors = make_factors(rng, d, 1, 5, dtype=np.float32)
    exact = np.sort(np.linalg.eigvalsh(dense.ema_ggn(factors, beta)))[::-1][:5]
    curv = run(np, factors, tau, damping=gamma, beta=beta, dtype=np.float32)
    inv = run(np, factors, tau, damping=gamma, beta=beta, form="inverse", dtype=np.float32)
    assert curv.sigma.dtype == np.float32 and inv.sigma.dtype == np.float32
    rel_curv = np.max(np.abs(curv.sigma[:5] - exact) / exact)
    rel_inv = np.max(np.abs(inv.sigma[:5] - exact) / exact)
    # ~1e-6: a few float32 ulps (eps32 = 1.2e-7) from storing U and sigma in float32.
    assert rel_curv <= 1e-6
    # "Visibly degrades": at least 1% wrong (measured: ~100%).
    assert rel_inv >= 1e-2


# ---------------------------------------------------------------------------------------------
# Applying the operator
# ---------------------------------------------------------------------------------------------


def test_every_way_of_applying_a_state_matches_its_matrix(xp, backend, small_state):
    # A truncated state: its own matrix gamma I + U diag(sigma) U^T is the reference. matvec,
    # solve (Woodbury), both dense forms, the operators, trace and logdet are each a few
    # backward-stable products with U (tau = 6, d = 25): ~ sqrt(d) eps relative, so 20 eps;
    # compare_state scales the inverse's bound by kappa = ||G_gamma|| / gamma itself.
    backend = _backend_for(xp, backend)
    state = small_state._replace(U=xp.asarray(small_state.U), sigma=xp.asarray(small_state.sigma))
    U, sigma = small_state.U, small_state.sigma
    compare_state(state, (U * sigma) @ U.T, rtol=20 * EPS64, backend=backend)


def test_linear_operator_works_with_cg_and_eigsh(small_state):
    G = pyginger.aslinearoperator(small_state, inverse=False)
    b = np.ones(25)
    x, info = cg(G, b, rtol=1e-12, maxiter=200)
    assert info == 0
    assert_allclose(pyginger.matvec(small_state, x), b, atol=1e-9)
    # Preconditioning cg on G with Ginger's own inverse: exact, so one iteration suffices.
    iters = []
    x, info = cg(
        G,
        b,
        M=pyginger.aslinearoperator(small_state),
        rtol=1e-10,
        callback=lambda xk: iters.append(1),
    )
    assert info == 0 and len(iters) <= 2
    top = eigsh(G, k=3, which="LA", return_eigenvectors=False)
    assert_allclose(np.sort(top)[::-1], small_state.damping + small_state.sigma[:3], rtol=1e-10)


def test_operator_needs_numpy_state():
    import array_api_strict as xps

    state = pyginger.init(4, 2, xp=xps)
    with pytest.raises(TypeError, match="aslinearoperator: SciPy operators need a state of NumPy"):
        pyginger.aslinearoperator(state)


# ---------------------------------------------------------------------------------------------
# Numerical hygiene
# ---------------------------------------------------------------------------------------------


def test_factor_inside_span_gives_no_nan(backend):
    rng = np.random.default_rng(5)
    d, tau = 20, 4
    f = rng.standard_normal(d)
    state = pyginger.init(d, tau, damping=1e-3)
    state = pyginger.update(state, f, beta=0.5, backend=backend)
    state = pyginger.update(state, 3 * f, beta=0.5, backend=backend)  # residual exactly ~ 0
    u = state.U[:, 1]  # a direction inside span(U), orthogonal to f
    state = pyginger.update(state, u, beta=0.5, backend=backend)
    assert_state_invariants(state, atol=100 * EPS64)
    # Three backward-stable updates whose residuals vanish (no division by them): ~ 10 eps
    # relative to ||G_gamma||; 100 eps leaves room (measured: 0.8 eps).
    compare_state(state, dense.ema_ggn([f, 3 * f, u], 0.5), rtol=100 * EPS64, backend=backend)


def test_rank_deficient_block_factor(xp, backend):
    backend = _backend_for(xp, backend)
    rng = np.random.default_rng(6)
    d, tau = 15, 5
    F = rng.standard_normal((d, 4))
    F[:, 2] = F[:, 0] - 2 * F[:, 1]  # rank 3 with 4 columns
    F[:, 3] = 0.0
    state = run(xp, [F], tau, damping=1e-2, beta=0.3, backend=backend)
    assert_state_invariants(state, atol=100 * EPS64)
    # One backward-stable update whose residual basis drops the two null directions: a few eps
    # relative to ||G_gamma|| (the columns' Gram matrix is singular, so 100 eps leaves room).
    compare_state(state, 0.7 * F @ F.T, rtol=100 * EPS64, backend=backend)


@pytest.mark.slow
def test_orthogonality_stays_at_machine_precision_over_many_updates():
    # 2 * 10^4 rank-one updates (d = 500, tau = 16; 200 re-orthonormalizations): rounding adds
    # ~eps per update in a random direction, so the drift ||U^T U - I||_F grows at most like a
    # random walk, sqrt(2e4) eps ~ 140 eps (measured: 105 eps, and 94 eps even without
    # re-orthonormalization; 10^5 updates measured the same). 900 eps (2e-13) catches any
    # compounding, which would grow geometrically.
    rng = np.random.default_rng(0)
    d, tau = 500, 16
    state = pyginger.init(d, tau, damping=1e-3)
    factors = rng.standard_normal((1000, d))
    worst = 0.0
    for t in range(20_000):
        state = pyginger.update(state, factors[t % 1000] * (1 + 1e-3 * (t // 1000)), beta=0.99)
        if t % 997 == 0:
            worst = max(worst, pyginger.orthogonality_error(state))
    worst = max(worst, pyginger.orthogonality_error(state))
    assert worst < 2e-13
    assert_state_invariants(state, atol=1e-13)


@pytest.mark.parametrize(("d", "tau", "k"), [(7, 4, 1), (20, 16, 1), (20, 10, 3)])
def test_drift_does_not_compound_between_reorthonormalizations(d, tau, k):
    # With beta = 0 every update replaces the state by the span of [U, residual], and the
    # residual's factor |f|^2 / s^2 >= 1 multiplies U's drift each time (GRAM_MIN in
    # pyginger/core/rank_update.py): an update must not let that compound. 99 updates (the
    # re-orthonormalization comes at 100) each add rounding of ~sqrt(tau + k) eps; a random
    # walk of 99 such steps stays ~100 eps, so 1e3 eps leaves room while catching compounding
    # (it reached 1.8e9 eps for d = 7).
    worst = 0.0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        state = pyginger.init(d, tau, damping=0.5)
        for F in make_factors(rng, d, k, 99):
            state = pyginger.update(state, F, beta=0.0)
            worst = max(worst, pyginger.orthogonality_error(state))
    assert worst < 1e3 * EPS64


def test_reorthonormalize_keeps_the_matrix(small_state):
    rng = np.random.default_rng(2)
    noisy = small_state._replace(U=small_state.U + 1e-9 * rng.standard_normal(small_state.U.shape))
    fixed = pyginger.reorthonormalize(noisy)
    assert pyginger.orthogonality_error(fixed) < 100 * EPS64
    # The matrix U diag(sigma) U^T of the noisy U is kept: a QR and a tau x tau eigensolve,
    # backward stable, so a few eps relative to ||G_gamma||; 100 eps leaves room.
    compare_state(fixed, (noisy.U * noisy.sigma) @ noisy.U.T, rtol=100 * EPS64)


def test_backends_agree(small_state):
    rng = np.random.default_rng(4)
    for F in [rng.standard_normal(25), rng.standard_normal((25, 3))]:
        a = pyginger.update(small_state, F, beta=0.9, backend="numba")
        b = pyginger.update(small_state, F, beta=0.9, backend="numpy")
        # Same algorithm, different summation order: rounding-level differences only.
        assert_allclose(a.sigma, b.sigma, rtol=0, atol=100 * EPS64 * a.sigma[0])
        assert subspace_distance(a.U, b.U) < 1e-10
    for f in (pyginger.solve, pyginger.matvec):
        v = rng.standard_normal(25)
        assert_allclose(
            f(small_state, v, backend="numba"), f(small_state, v, backend="numpy"), rtol=1e-13
        )


# ---------------------------------------------------------------------------------------------
# Purity and dtypes
# ---------------------------------------------------------------------------------------------


def test_functions_are_pure(small_state, backend):
    U0, s0 = small_state.U.copy(), small_state.sigma.copy()
    F = np.random.default_rng(0).standard_normal((25, 2))
    F0 = F.copy()
    new = pyginger.update(small_state, F, backend=backend, form="inverse")
    pyginger.update(small_state, F, backend=backend)
    pyginger.solve(small_state, F, backend=backend)
    pyginger.matvec(small_state, F, backend=backend)
    pyginger.to_dense(small_state, inverse=True)
    assert np.array_equal(small_state.U, U0) and np.array_equal(small_state.sigma, s0)
    assert np.array_equal(F, F0)
    assert new.step == small_state.step + 1
    assert not np.shares_memory(new.U, small_state.U)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype, backend):
    state = pyginger.init(10, 3, dtype=dtype)
    f = np.ones(10, dtype=dtype)
    state = pyginger.update(state, f, backend=backend)
    assert state.U.dtype == dtype and state.sigma.dtype == dtype
    assert pyginger.solve(state, f, backend=backend).dtype == dtype
    assert pyginger.matvec(state, f, backend=backend).dtype == dtype
    assert pyginger.to_dense(state).dtype == dtype


def test_namespace_is_preserved():
    import array_api_strict as xps

    state = pyginger.init(6, 2, xp=xps, dtype=xps.float32)
    f = xps.ones(6, dtype=xps.float32)
    state = pyginger.update(state, f)
    for out in (state.U, state.sigma, pyginger.solve(state, f), pyginger.to_dense(state)):
        assert isinstance(out, type(f)) and out.dtype == xps.float32


def test_lists_are_accepted_and_converted():
    state = pyginger.init(3, 1, damping=1.0)
    state = pyginger.update(state, [1.0, 0.0, 0.0], beta=0.0)
    assert_allclose(pyginger.solve(state, [2.0, 1.0, 1.0]), [1.0, 1.0, 1.0])


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error naming the argument, and the state untouched
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dim": 0, "rank": 1}, ValueError, "init: dim must be >= 1, got 0"),
        ({"dim": 2.5, "rank": 1}, TypeError, "init: dim must be an integer"),
        ({"dim": 5, "rank": 0}, ValueError, r"init: rank must satisfy 1 <= rank <= dim = 5, got 0"),
        ({"dim": 5, "rank": 6}, ValueError, r"init: rank must satisfy 1 <= rank <= dim = 5, got 6"),
        ({"dim": 5, "rank": True}, TypeError, "init: rank must be an integer"),
        (
            {"dim": 5, "rank": 2, "damping": 0.0},
            ValueError,
            "init: damping must be a finite number > 0",
        ),
        ({"dim": 5, "rank": 2, "damping": -1.0}, ValueError, "init: damping must be a finite"),
        (
            {"dim": 5, "rank": 2, "damping": float("nan")},
            ValueError,
            "init: damping must be a finite",
        ),
        (
            {"dim": 5, "rank": 2, "damping": float("inf")},
            ValueError,
            "init: damping must be a finite",
        ),
        ({"dim": 5, "rank": 2, "damping": "1"}, TypeError, "init: damping must be a real number"),
        (
            {"dim": 5, "rank": 2, "dtype": np.int64},
            TypeError,
            "init: dtype must be float32 or float64",
        ),
        ({"dim": 5, "rank": 2, "dtype": np.float16}, TypeError, "init: dtype must be float32 or"),
        # Unparseable names once fell through to float64 (numpy.dtype("float64") == None).
        ({"dim": 5, "rank": 2, "dtype": "flaot32"}, TypeError, "init: dtype must be float32 or"),
        ({"dim": 5, "rank": 2, "dtype": "float32 "}, TypeError, "init: dtype must be float32 or"),
        ({"dim": 5, "rank": 2, "dtype": ">f8"}, TypeError, "init: dtype must be float32 or"),
        ({"dim": 5, "rank": 2, "xp": "numpy"}, TypeError, "init: xp must be an array namespace"),
        ({"dim": 2**70, "rank": 1}, ValueError, "init: U would hold dim \\* rank = "),
    ],
)
def test_init_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        pyginger.init(**kwargs)


@pytest.mark.parametrize(
    ("factor", "kwargs", "error", "match"),
    [
        (
            np.ones(4),
            {},
            ValueError,
            r"update: factor must have shape \(5,\) or \(5, k\), got \(4,\)",
        ),
        (
            np.ones((5, 0)),
            {},
            ValueError,
            r"update: factor must have shape \(5,\) or \(5, k\), got \(5, 0\)",
        ),
        (np.ones((5, 2, 1)), {}, ValueError, r"got \(5, 2, 1\)"),
        (
            np.ones(5, dtype=np.float32),
            {},
            TypeError,
            "update: factor must have dtype float64 .* got float32",
        ),
        (np.ones(5, dtype=np.int64), {}, TypeError, "update: factor must have dtype float64"),
        (
            np.array([1, np.nan, 0, 0, 0.0]),
            {},
            ValueError,
            "update: factor must contain only finite",
        ),
        (
            np.array([1, np.inf, 0, 0, 0.0]),
            {},
            ValueError,
            "update: factor must contain only finite",
        ),
        ("abc", {}, TypeError, r"update: factor must be an array of shape \(5,\)"),
        (
            np.ones(5),
            {"beta": 1.0},
            ValueError,
            r"update: beta must satisfy 0 <= beta < 1, got 1.0",
        ),
        (np.ones(5), {"beta": -0.1}, ValueError, r"update: beta must satisfy 0 <= beta < 1"),
        (np.ones(5), {"beta": None}, TypeError, "update: beta must be a real number"),
        (
            np.ones(5),
            {"form": "sherman"},
            ValueError,
            "update: form must be 'curvature' | 'inverse' | 'reference', got 'sherman'",
        ),
        (
            np.ones(5),
            {"backend": "torch"},
            ValueError,
            "update: backend must be 'numba' | 'numpy', got 'torch'",
        ),
        (np.ones(5), {"reorth_every": 0}, ValueError, "update: reorth_every must be >= 1"),
    ],
)
def test_update_rejects_bad_input_and_leaves_state_intact(factor, kwargs, error, match):
    state = pyginger.init(5, 2)
    state = pyginger.update(state, np.arange(5.0))
    U0, s0 = state.U.copy(), state.sigma.copy()
    with pytest.raises(error, match=match):
        pyginger.update(state, factor, **kwargs)
    assert np.array_equal(state.U, U0) and np.array_equal(state.sigma, s0) and state.step == 1


@pytest.mark.parametrize("func", [pyginger.solve, pyginger.matvec])
def test_solve_and_matvec_reject_bad_input(func):
    name = func.__name__
    state = pyginger.init(5, 2)
    with pytest.raises(
        ValueError, match=rf"{name}: v must have shape \(5,\) or \(5, k\), got \(6,\)"
    ):
        func(state, np.ones(6))
    with pytest.raises(TypeError, match=f"{name}: v must have dtype float64"):
        func(state, np.ones(5, dtype=np.float32))
    with pytest.raises(ValueError, match=f"{name}: v must contain only finite"):
        func(state, np.full(5, np.nan))
    with pytest.raises(ValueError, match=f"{name}: backend must be"):
        func(state, np.ones(5), backend="cuda")
    with pytest.raises(TypeError, match=f"{name}: state must be a GingerState"):
        func((1, 2), np.ones(5))


def test_mixed_array_libraries_are_refused():
    import array_api_strict as xps

    state = pyginger.init(5, 2, xp=xps)
    with pytest.raises(TypeError, match="update: factor is a numpy array but the state holds"):
        pyginger.update(state, np.ones(5))
    with pytest.raises(ValueError, match="update: backend 'numba' needs NumPy arrays"):
        pyginger.update(state, xps.ones(5), backend="numba")
    np_state = pyginger.init(5, 2)
    with pytest.raises(TypeError, match="solve: v is a array_api_strict array but the state holds"):
        pyginger.solve(np_state, xps.ones(5))


def test_state_type_is_checked():
    with pytest.raises(TypeError, match="update: state must be a GingerState"):
        pyginger.update("state", np.ones(3))
    with pytest.raises(TypeError, match="to_dense: state must be a GingerState"):
        pyginger.to_dense(None)
    with pytest.raises(TypeError, match="orthogonality_error: state must be a GingerState"):
        pyginger.orthogonality_error(3)


# ---------------------------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------------------------


@given(
    d=st.integers(1, 24),
    tau_frac=st.floats(0.0, 1.0),
    k=st.integers(1, 3),
    beta=st.floats(0.0, 0.999),
    log_gamma=st.floats(-3.0, 1.0),
    dtype=st.sampled_from([np.float32, np.float64]),
    form=st.sampled_from(["curvature", "inverse"]),
    seed=st.integers(0, 2**16),
)
def test_property_exact_until_truncation(d, tau_frac, k, beta, log_gamma, dtype, form, seed):
    tau = 1 + int(tau_frac * (d - 1))
    gamma = 10.0**log_gamma
    rng = np.random.default_rng(seed)
    count = max(1, tau // k)
    factors = [rng.standard_normal((d, k)).astype(dtype) for _ in range(count)]
    state = run(np, factors, tau, damping=gamma, beta=beta, form=form, dtype=dtype)
    eps = np.finfo(dtype).eps
    assert_state_invariants(state, atol=200 * eps)
    G = dense.ema_ggn(factors, beta)
    exact = np.sort(np.linalg.eigvalsh(G))[::-1][:tau]
    scale = exact[0] + gamma  # ||G_gamma||_2
    # The curvature form is backward stable: ~ eps * ||G_gamma|| per update. The inverse form
    # forms and diagonalizes a (tau + k)-sized matrix with entries up to 1 / gamma, so gamma s is
    # known to ~ (tau + k) eps (times a small constant: the k x k inverse in Woodbury, the
    # products, the eigensolver); its map back divides by 1 - gamma s = gamma / (gamma + sigma),
    # which turns that into relative error (tau + k) eps kappa, kappa = (gamma + sigma) / gamma,
    # once per update (kappa reaches 5e4 here, for gamma = 1e-3). Measured over 3000-example
    # sweeps: up to 60 eps kappa sigma for one update with tau + k = 3 (the k x k inverse has
    # condition ~kappa), i.e. 20 (tau + k); the constant 100 leaves a factor 5.
    kappa = scale / gamma
    slack = 100 * (tau + k) * count * kappa if form == "inverse" else 100
    if k * count <= tau:
        # Nothing truncated: the damped matrix is reproduced to that accuracy, and so is every
        # way of applying it (compare_state: the inverse to that times kappa).
        compare_state(state, G, rtol=slack * eps)
    # Always: the kept eigenvalues never exceed the exact ones (truncation only drops mass).
    assert np.all(state.sigma.astype(np.float64) <= exact + max(slack, 1e4) * eps * scale)


@given(
    d=st.integers(2, 20),
    m=st.integers(1, 3),
    seed=st.integers(0, 2**16),
    log_gamma=st.floats(-2.0, 1.0),
)
def test_property_solve_inverts_matvec(d, m, seed, log_gamma):
    rng = np.random.default_rng(seed)
    tau = max(1, d // 3)
    state = run(np, make_factors(rng, d, 2, 3), tau, damping=10.0**log_gamma, beta=0.5)
    v = rng.standard_normal((d, m))
    back = pyginger.matvec(state, pyginger.solve(state, v))
    kappa = (state.damping + state.sigma[0]) / state.damping
    assert_allclose(back, v, rtol=0, atol=20 * kappa * EPS64 * np.abs(v).max())


# NaN and inf are caught from the small product of the first pass (U^T F, F^T F) rather than by a
# pass of their own: check that nothing slips through, on every path that reads a factor or a
# right-hand side, and that a refused in-place update leaves the caller's U untouched.
_BAD_VALUES = [np.nan, np.inf, -np.inf]


@pytest.mark.parametrize("bad", _BAD_VALUES)
@pytest.mark.parametrize("form", ["curvature", "inverse"])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("warm", [False, True])
def test_update_catches_any_non_finite_entry(bad, form, backend, k, warm):
    rng = np.random.default_rng(0)
    d, tau = 40, 4
    state = pyginger.init(d, tau, damping=0.1)  # fresh: U = I[:, :tau], zero below row tau
    if warm:
        for _ in range(6):
            state = pyginger.update(state, rng.standard_normal(d))
    state = state._replace(U=state.U.copy())
    U0, s0 = state.U.copy(), state.sigma.copy()
    for row in (0, 17, d - 1):  # first, middle and last row: every block of the kernels
        F = rng.standard_normal((d, k)) if k > 1 else rng.standard_normal(d)
        F[row] = bad  # k > 1: the whole row, i.e. one entry in every column
        if k > 1:
            F[row, 1:] = rng.standard_normal(k - 1)  # one bad entry in one column only
        with pytest.raises(ValueError, match="update: factor must contain only finite"):
            pyginger.update(state, F, form=form, backend=backend, overwrite_state=True)
        assert np.array_equal(state.U, U0) and np.array_equal(state.sigma, s0)


@pytest.mark.parametrize("bad", _BAD_VALUES)
@pytest.mark.parametrize("func", [pyginger.solve, pyginger.matvec])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("warm", [False, True])
def test_solve_and_matvec_catch_any_non_finite_entry(bad, func, backend, warm):
    rng = np.random.default_rng(1)
    d = 40
    state = pyginger.init(d, 3, damping=0.1)
    if warm:
        for _ in range(5):
            state = pyginger.update(state, rng.standard_normal(d))
    for shape in [(d,), (d, 2)]:
        v = rng.standard_normal(shape)
        if v.ndim == 1:
            v[d // 2] = bad  # a row where the fresh state's U is zero: 0 * bad = NaN
        else:
            v[d // 2, 0] = bad  # one entry, in the first column only
        with pytest.raises(ValueError, match=f"{func.__name__}: v must contain only finite"):
            func(state, v, backend=backend)


def test_update_refuses_a_factor_whose_square_overflows():
    # Finite, but its Gram matrix is inf: the update could only produce inf from it.
    state = pyginger.init(5, 2)
    with pytest.raises(ValueError, match="so large that their products overflow"):
        pyginger.update(state, np.full(5, 1e200))


@pytest.mark.parametrize("tile_rows", [None, 8])
@pytest.mark.parametrize(("d", "tau", "k", "seed"), [(20, 4, 2, 0), (30, 11, 3, 1), (6, 5, 2, 2)])
def test_nearly_dependent_factor_columns_keep_u_orthonormal(
    monkeypatch, d, tau, k, seed, tile_rows
):
    # Columns f, f + 1e-12 g, ...: each column is large, but one direction of the residual is
    # ~1e-12 |f| and carries the residual's rounding error (~eps |f|, in span(U) too) amplified
    # by 1e12 unless it is re-orthogonalized. The result must stay orthonormal to working
    # precision (tens of eps for these sizes) and represent beta G + (1 - beta) F F^T exactly
    # while nothing is truncated (d = 6, tau = 5: the residual is at most one-dimensional).
    # tile_rows = 8: the residual's QR by row tiles (core._tall_qr, from d = 16), as at large d.
    from pyginger.core import _tall_qr

    if tile_rows is not None:
        monkeypatch.setattr(_tall_qr, "TILE_ROWS", tile_rows)
    rng = np.random.default_rng(seed)
    state = pyginger.init(d, tau, damping=1.0)
    for f in make_factors(rng, d, 1, 3):  # a state with some curvature first
        state = pyginger.update(state, f, beta=0.5)
    f, g = rng.standard_normal((2, d))
    F = np.stack([f + 1e-12 * j * g for j in range(k)], axis=1)
    new = pyginger.update(state, F, beta=0.0)
    assert pyginger.orthogonality_error(new) < 100 * EPS64
    # beta = 0: the new curvature is F F^T, of rank 2 up to 1e-12; its top eigenvalue is kept.
    top = np.linalg.eigvalsh(F @ F.T)[-1]
    assert new.sigma[0] == pytest.approx(top, rel=1e3 * EPS64)


@pytest.mark.parametrize("flag", ["False", "no", 1, 0, None, np.array([True])])
def test_overwrite_state_must_be_a_bool(flag):
    state = pyginger.init(5, 2)
    U0 = state.U.copy()
    with pytest.raises(TypeError, match="update: overwrite_state must be True or False"):
        pyginger.update(state, np.ones(5), overwrite_state=flag)
    assert np.array_equal(state.U, U0)


def test_byte_swapped_operand_is_named_as_such():
    state = pyginger.init(5, 2)
    with pytest.raises(TypeError, match=r"got float64 with non-native byte order \('>f8'\)"):
        pyginger.update(state, np.ones(5, dtype=">f8"))


@pytest.mark.parametrize("gamma", [1e-200, 1e-300, 1e300])
def test_extreme_damping_solves_exactly_or_is_refused(gamma):
    # gamma (gamma + sigma) underflowed to 0 for gamma < ~1e-162, so sigma = 0 gave 0 / 0 = NaN:
    # the initial state's inverse must be I / gamma, to the two roundings of v * (1 / gamma).
    state = pyginger.init(5, 2, damping=gamma)
    v = np.arange(1.0, 6.0)
    assert_allclose(pyginger.solve(state, v), v / gamma, rtol=2 * EPS64, atol=0)
    assert_allclose(pyginger.to_dense(state, inverse=True), np.eye(5) / gamma, rtol=2 * EPS64)
    # With curvature: G_gamma^{-1} is I / gamma off span(U) and 1 / (gamma + sigma) on it; a
    # vector orthogonal to U comes back divided by gamma, to rounding (Woodbury's two terms
    # cancel on it exactly in exact arithmetic: its U^T v is ~eps |v|, times 1 / gamma).
    state = pyginger.update(state, np.array([1.0, 2.0, 0.0, 0.0, 0.0]), beta=0.5)
    w = np.array([2.0, -1.0, 3.0, 0.0, 1.0])  # orthogonal to the factor, so to span(U)
    assert_allclose(pyginger.solve(state, w), w / gamma, rtol=0, atol=10 * EPS64 * 4 / gamma)
    # The inverse form stores gamma**2-scaled values: refused where gamma**2 is not normal.
    with pytest.raises(ValueError, match="update: form='inverse' needs 1e-154 <= damping"):
        pyginger.update(state, np.ones(5), form="inverse")


def test_subnormal_damping_is_refused():
    with pytest.raises(ValueError, match="init: damping must be at least 2.2e-308"):
        pyginger.init(5, 2, damping=1e-320)


def test_operator_applies_to_complex_vectors_exactly():
    # G_gamma^{-1} is real, so it maps a + ib to G^{-1} a + i G^{-1} b; a cast to float would
    # drop b (once it returned zeros for a purely imaginary vector).
    rng = np.random.default_rng(7)
    state = run(np, make_factors(rng, 6, 1, 3), 2, damping=0.5, beta=0.5)
    op = pyginger.aslinearoperator(state)
    z = rng.standard_normal(6) + 1j * rng.standard_normal(6)
    P = pyginger.to_dense(state, inverse=True)
    # The same real products as for a real vector: ~eps * ||P|| * ||z|| (kappa = 1 + sigma/gamma).
    assert_allclose(op.matvec(z), P @ z, rtol=0, atol=1e3 * EPS64 * np.linalg.norm(P, 2))
    assert_allclose(op @ (1j * z.real), 1j * (P @ z.real), rtol=0, atol=1e-12)
    with pytest.raises(TypeError, match="GingerOperator: x must hold real numbers"):
        op.matvec(np.array(["a"] * 6))


@given(
    d=st.integers(8, 40),
    tau_frac=st.floats(0.1, 0.9),
    k=st.integers(2, 4),
    log_eps=st.floats(-14.0, -2.0),
    beta=st.sampled_from([0.0, 0.5, 0.99]),
    seed=st.integers(0, 2**16),
)
def test_property_orthonormal_after_nearly_dependent_columns(d, tau_frac, k, log_eps, beta, seed):
    # F = [f, f + e g_1, ...] with e from 1e-14 to 1e-2: the residual has directions of every
    # size down to rounding. Each update is orthogonal transformations plus Gram-Schmidt twice,
    # so each of the tau^2 entries of U^T U - I carries ~eps, a Frobenius norm ~tau eps, and four
    # updates add like a random walk: 10 (tau + k) eps (it reached 1e12 eps before the fix).
    rng = np.random.default_rng(seed)
    tau = max(1, int(tau_frac * d))
    state = pyginger.init(d, tau, damping=1.0)
    for _ in range(4):
        f = rng.standard_normal((d, 1))
        F = f + 10.0**log_eps * np.hstack([np.zeros((d, 1)), rng.standard_normal((d, k - 1))])
        state = pyginger.update(state, F, beta=beta)
    assert pyginger.orthogonality_error(state) <= 10 * (tau + k) * EPS64
