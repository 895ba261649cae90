"""Ginger's optimizer step in two passes over ``U``: the generated kernels and the whole step.

The step's first pass adds the new momentum's sums to the update's projection, its second
rotates ``U`` and finishes the step from the same row read (:mod:`pyginger.optim._fused`). The
update's own sums and the rotation run the statements of the core's kernels, so they are
compared bit for bit; the element-wise work rounds as NumPy's expressions do (bit for bit); only
the solve's row is summed in another way (``U (A w) + f (B w)`` in float64 instead of the
rounded ``U_new`` times ``w``), so the parameters agree to a few roundings of the storage dtype.
"""

import numpy as np
import pytest

from pyginger import optim
from pyginger.core import _kernels_step as ks
from pyginger.optim import _fused

pytestmark = pytest.mark.skipif(_fused._kernels() is None, reason="needs Numba")

if _fused._kernels() is not None:
    from pyginger.core import _unrolled

DTYPES = [np.float64, np.float32]
RANKS = [1, 4, 5, 8, 9, 16]  # one set of sums and two, scalar and column rotations


def _arrays(d, tau, dtype, seed):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((d, tau)).astype(dtype)
    f = rng.standard_normal((d, 1)).astype(dtype)
    m, g, theta = (rng.standard_normal(d).astype(dtype) for _ in range(3))
    return rng, U, f, m, g, theta


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tau", RANKS)
def test_step_projection_adds_the_momentum_sums(dtype, tau):
    d = 1001  # odd: the two-set kernels take the last row alone
    _, U, f, m, g, _ = _arrays(d, tau, dtype, tau)
    b1, a1 = dtype(0.9), dtype(1 - 0.9)
    project_rows = _unrolled.STEP_KERNELS[tau][0]
    acc = np.zeros(2 * tau + 2)
    project_rows(U, f, m, g, b1, a1, 3, d, acc)
    want = np.zeros(tau + 1)
    _unrolled.PROJECT_KERNELS[tau](U, f, 3, d, want)
    np.testing.assert_array_equal(acc[: tau + 1], want)  # the update's sums, unchanged
    y = ks.ema_twin(m, g, 0.9)[3:].astype(np.float64)
    U64, f64 = U[3:].astype(np.float64), f[3:, 0].astype(np.float64)
    exact = np.r_[U64.T @ y, f64 @ y]
    # Two float64 sums of d products in another order: each within d eps64 of the sum of the
    # terms' magnitudes (the classical bound), far below any wrong term (of size 1).
    bound = d * np.finfo(np.float64).eps * np.r_[np.abs(U64).T @ np.abs(y), np.abs(f64) @ np.abs(y)]
    np.testing.assert_array_less(np.abs(acc[tau + 1 :] - exact), bound + 1e-300)


def _finish_reference(U_new, m_new, theta, w, alpha, c1, c, rho, lr):
    """The step's rest as the chain computes it, from the rounded new ``U``."""
    return ks.finish_step_twin(U_new, m_new, theta, w, alpha, c1, c, rho, lr)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tau", RANKS)
@pytest.mark.parametrize("rho", [None, 0.5])
@pytest.mark.parametrize("in_place", [False, True])
def test_step_rows_rotate_and_finish(dtype, tau, rho, in_place):
    d = 5003  # more than two chunks of rows, the last one short
    rng, U, f, m, g, theta = _arrays(d, tau, dtype, 10 + tau)
    A = rng.standard_normal((tau, tau)) / np.sqrt(tau)
    B = rng.standard_normal((1, tau))
    w = rng.standard_normal(tau)
    a = np.r_[A @ w, B @ w]
    alpha, c1, c, lr = 2.0, 0.19, 0.7, 0.3
    clip = rho is not None
    p = (dtype(0.9), dtype(1 - 0.9), alpha, dtype(c1), dtype(c), dtype(rho or 0.0), clip, dtype(lr))
    rows_T, rows_inplace_T = _unrolled.KERNELS[tau]
    _, step_rows, step_rows_inplace = _unrolled.STEP_KERNELS[tau]
    U_want = np.empty_like(U)
    rows_T(U, A, f, B, U_want, 0, d)
    m_want = ks.ema_twin(m, g, 0.9)
    to = np.empty_like(theta)
    if in_place:  # U and m written in place
        U_got, m_got = U.copy(), m.copy()
        step_rows_inplace(U_got, A, f, B, a, m_got, m_got, g, theta, to, p, 0, d)
    else:
        U_got, m_got = np.empty_like(U), np.empty_like(m)
        step_rows(U, A, f, B, U_got, a, m, m_got, g, theta, to, p, 0, d)
    np.testing.assert_array_equal(U_got, U_want)
    np.testing.assert_array_equal(m_got, m_want)
    want = _finish_reference(U_want, m_want, theta, w, alpha, c1, c, rho, lr)
    # The solve's row here is U (A w) + f (B w) in float64; the chain's is the rounded U_new
    # times w: they differ by the rounding of U_new (eps |U_new| |w|) and the float64 order,
    # which can flip the row's rounding to the storage dtype by an ulp; the debias weight, clip,
    # learning rate and subtraction add their own roundings: a few ulps of |theta| + lr c |o|.
    eps = np.finfo(dtype).eps
    o = alpha * np.abs(m_want / c1) + np.abs(U_want.astype(np.float64)) @ np.abs(w)
    np.testing.assert_array_less(np.abs(to - want), 4 * eps * (np.abs(theta) + lr * c * o))
    if clip:  # the clip binds for some rows, and the kernel applies it
        assert np.any(np.isclose(np.abs(theta - to), lr * rho, rtol=1e-6, atol=0))


def _run(opt, d, dtype, steps, factors=None, seed=0):
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(d).astype(dtype)
    state = opt.init(theta)
    for t in range(steps):
        g = rng.standard_normal(d).astype(dtype)
        f = rng.standard_normal(d).astype(dtype) if factors is None else factors(t, state)
        theta, state = opt.step(theta, g, state, f)
    return theta, state


def _compare(monkeypatch, kwargs, d, dtype, steps, factors=None):
    """Run the step fused and as its chain; return how many steps took the two passes.

    ``U`` of at least 128 KiB: the core's compiled kernels run in the chain too.
    """
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 1 << 40)
    chain = _run(optim.ginger(**kwargs), d, dtype, steps, factors)
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 128 << 10)
    original, taken = _fused._first_pass, []
    monkeypatch.setattr(_fused, "_first_pass", lambda *a: taken.append(original(*a)) or taken[-1])
    fused = _run(optim.ginger(**kwargs), d, dtype, steps, factors)
    np.testing.assert_array_equal(fused[1].mu, chain[1].mu)
    for got, want in zip(fused[1].curvature[0], chain[1].curvature[0], strict=True):
        np.testing.assert_array_equal(got, want)  # U, sigma, damping, step, certificate
    # theta: each step's solve sums in another order (see the module), a few ulps of the
    # storage dtype per step, and the steps add up; a missing term changes theta by O(lr).
    eps = np.finfo(dtype).eps
    scale = np.max(np.abs(chain[0]))
    np.testing.assert_allclose(fused[0], chain[0], rtol=0, atol=8 * steps * eps * scale)
    return sum(t is not None for t in taken)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("tau", [4, 16])
@pytest.mark.parametrize("kwargs", [{}, {"rho": 0.05, "debias": False, "overwrite_state": True}])
def test_two_pass_step_matches_chain(monkeypatch, dtype, tau, kwargs):
    steps = 7
    kwargs = {"rank": tau, "lr": 0.05, **kwargs}
    assert _compare(monkeypatch, kwargs, 8200, dtype, steps) == steps


@pytest.mark.parametrize("case", ["tau without a generated rotation", "rank-2 factor"])
def test_four_pass_step_where_no_two_pass_kernel_applies(monkeypatch, case):
    tau, k = (12, 1) if case.startswith("tau") else (4, 2)

    def factors(t, state):
        f = np.random.default_rng(200 + t).standard_normal((state.curvature[0].U.shape[0], k))
        return f[:, 0] if k == 1 else f

    kwargs = {"rank": tau, "lr": 0.05, "overwrite_state": True}
    assert _compare(monkeypatch, kwargs, 8200, np.float64, 5, factors) == 0


def test_two_pass_step_leaves_what_it_cannot_do_to_the_four_passes(monkeypatch):
    # Every third factor lies inside span(U) (the three-pass update), every second step
    # re-orthonormalizes U (its solve must read the new U): the four-pass path takes those.
    def factors(t, state):
        rng = np.random.default_rng(100 + t)
        (s,) = state.curvature
        if t % 3 == 2:
            return s.U @ rng.standard_normal(s.U.shape[1])
        return rng.standard_normal(s.U.shape[0])

    kwargs = {"rank": 4, "lr": 0.05, "reorth_every": 2}
    taken = _compare(monkeypatch, kwargs, 8200, np.float64, 9, factors)
    assert taken == 3  # steps 1, 3 and 7 (step 5's factor is inside span(U))


def _one_step_in(monkeypatch):
    """Return ``(opt, rng, d, theta, state)`` one fused step into a run (compiled kernels)."""
    monkeypatch.setattr(_fused, "FUSED_MIN_BYTES", 0)
    opt = optim.ginger(rank=4, overwrite_state=True)
    rng = np.random.default_rng(5)
    d = 5000  # U of 156 KiB: compiled kernels
    theta = rng.standard_normal(d)
    theta, state = opt.step(theta, rng.standard_normal(d), opt.init(theta), np.ones(d))
    return opt, rng, d, theta, state


@pytest.mark.parametrize(
    "bad, message",
    [
        ("grad", r"ginger.step: grad must contain only finite values"),
        ("factor", r"ginger.step: curvature must contain only finite values"),
        ("huge", r"ginger.step: curvature is too large"),
    ],
)
def test_two_pass_step_refuses_bad_entries_and_writes_nothing(monkeypatch, bad, message):
    # The door leaves the entries of the gradient and the factor to the first pass, which shows
    # NaN, inf and overflow in its sums before anything is written; the door's own checks then
    # raise what the chain raises.
    opt, rng, d, theta, state = _one_step_in(monkeypatch)
    U, mu = state.curvature[0].U.copy(), state.mu.copy()
    grad, factor = rng.standard_normal(d), rng.standard_normal(d)
    if bad == "grad":
        grad[17] = np.nan
    elif bad == "factor":
        factor[4000] = -np.inf
    else:
        factor[:] = 1e200  # finite, but f^T f overflows
    with pytest.raises(ValueError, match=message):
        opt.step(theta, grad, state, factor)
    np.testing.assert_array_equal(state.curvature[0].U, U)
    np.testing.assert_array_equal(state.mu, mu)
    theta, state = opt.step(theta, rng.standard_normal(d), state, rng.standard_normal(d))
    assert state.count == 2 and np.all(np.isfinite(theta))


def test_two_pass_step_refuses_an_overflowing_factor_and_writes_nothing(monkeypatch):
    # Past the door (called directly), the four-pass update refuses it before writing.
    opt, rng, d, theta, state = _one_step_in(monkeypatch)
    U, mu = state.curvature[0].U.copy(), state.mu.copy()
    huge = np.full(d, 1e200)  # finite, but f^T f overflows
    with pytest.raises(ValueError, match=r"ginger.step: curvature is too large"):
        opt.step(theta, rng.standard_normal(d), state, huge)
    np.testing.assert_array_equal(state.curvature[0].U, U)
    np.testing.assert_array_equal(state.mu, mu)
    p = _fused_preconditioner(opt)
    with pytest.raises(ValueError, match=r"update: factor must contain only finite values"):
        _fused.fused_update(p, 1e-3, 0.9, None, theta, theta, state, huge[:, None], "step")
    np.testing.assert_array_equal(state.curvature[0].U, U)
    np.testing.assert_array_equal(state.mu, mu)


def _fused_preconditioner(opt):
    """The :class:`~pyginger.optim.preconditioners.Ginger` inside ``opt``'s fused step."""
    cells = [c.cell_contents for c in opt.step.__closure__]
    return next(c for c in cells if type(c).__name__ == "Ginger")


def _chain_and_fused(kwargs, theta, grad, state_of, factor):
    """Run one step as the chain and fused (two passes where they apply); return both outcomes."""
    out = {}
    for name in ("chain", "fused"):
        opt = optim.ginger(**kwargs)
        step = opt.step.chain if name == "chain" else opt.step
        try:
            out[name] = step(theta, grad, state_of(opt), factor)
        except (TypeError, ValueError, ZeroDivisionError) as err:
            out[name] = err
    return out


D = 8200  # U of 256 KiB at tau = 4: compiled kernels, two passes


@pytest.mark.parametrize(
    "case", ["factor shape", "factor dtype", "schedule below 0", "schedule raises", "block"]
)
def test_two_pass_door_reports_what_the_chain_reports_first(case):
    # With a NaN gradient and a second fault, the chain's first check (the gradient's entries)
    # answers, although the two-pass door defers that check; a schedule is not called.
    rng = np.random.default_rng(0)
    theta, f = rng.standard_normal(D), rng.standard_normal(D)
    grad = rng.standard_normal(D)
    grad[5] = np.nan
    kwargs, state_of = {"rank": 4}, (lambda opt: opt.init(theta))
    if case == "factor shape":
        f = f[:-1]
    elif case == "factor dtype":
        f = f.astype(np.float32)
    elif case == "schedule below 0":
        kwargs["lr"] = lambda t: -1.0
    elif case == "schedule raises":
        kwargs["lr"] = lambda t: 1 / 0
    else:
        bad = lambda s: s._replace(curvature=(s.curvature[0]._replace(step=-1),))  # noqa: E731
        state_of = lambda opt: bad(opt.init(theta))  # noqa: E731
    got = _chain_and_fused(kwargs, theta, grad, state_of, f)
    assert isinstance(got["chain"], ValueError) and "grad must contain only finite" in str(
        got["chain"]
    )
    assert type(got["fused"]) is type(got["chain"]) and str(got["fused"]) == str(got["chain"])


def test_two_pass_refuses_a_float32_factor_whose_squared_norm_overflows_float32():
    # f^T f = 1.6e41 overflows float32, where the door sums; the first pass sums in float64 and
    # must leave the decision to the door (before, a state with sigma = inf came out).
    rng = np.random.default_rng(1)
    theta = rng.standard_normal(D).astype(np.float32)
    f = np.full(D, 4e18, dtype=np.float32)
    kwargs = {"rank": 4, "overwrite_state": True}
    opt = optim.ginger(**kwargs)
    state = opt.init(theta)
    U = state.curvature[0].U.copy()
    got = _chain_and_fused(kwargs, theta, theta, lambda o: state, f)
    assert "curvature is too large" in str(got["chain"])
    assert type(got["fused"]) is type(got["chain"]) and str(got["fused"]) == str(got["chain"])
    np.testing.assert_array_equal(state.curvature[0].U, U)


@pytest.mark.parametrize("overwrite", [False, True])
def test_two_pass_step_with_a_read_only_momentum(overwrite):
    rng = np.random.default_rng(2)
    theta, g, f = (rng.standard_normal(D) for _ in range(3))
    kwargs = {"rank": 4, "overwrite_state": overwrite}

    def state_of(opt):
        state = opt.init(theta)
        state.mu.flags.writeable = False  # e.g. a state loaded read-only
        return state

    got = _chain_and_fused(kwargs, theta, g, state_of, f)
    np.testing.assert_array_equal(got["fused"][1].mu, got["chain"][1].mu)
    np.testing.assert_array_equal(got["fused"][1].curvature[0].U, got["chain"][1].curvature[0].U)


@pytest.mark.parametrize("tau", [4, 16])  # a chunked second pass, and the column template
def test_two_pass_step_with_a_factor_that_is_the_momentum(tau):
    # With overwrite_state the momentum is written in place; a factor sharing its memory must
    # be read before that (the rotation reads it first).
    rng = np.random.default_rng(3)
    theta, g = rng.standard_normal(D), rng.standard_normal(D)
    kwargs = {"rank": tau, "overwrite_state": True}
    results = {}
    for name in ("chain", "fused"):
        opt = optim.ginger(**kwargs)
        state = opt.init(theta)
        theta1, state = opt.step(theta, g, state, rng.standard_normal(D))  # mu != 0
        step = opt.step.chain if name == "chain" else opt.step
        results[name] = step(theta1, g, state, state.mu)
        rng = np.random.default_rng(3)
        theta, g = rng.standard_normal(D), rng.standard_normal(D)
    np.testing.assert_array_equal(
        results["fused"][1].curvature[0].U, results["chain"][1].curvature[0].U
    )


def test_two_pass_door_checks_the_factor_before_the_block_as_the_chain():
    rng = np.random.default_rng(4)
    theta = rng.standard_normal(D)
    bad = lambda s: s._replace(curvature=(s.curvature[0]._replace(damping=-1.0),))  # noqa: E731
    for factor in (np.ones((D - 1, 1)), np.full(D, np.nan)):
        got = _chain_and_fused({"rank": 4}, theta, theta, lambda o: bad(o.init(theta)), factor)
        assert "curvature must" in str(got["chain"])
        assert type(got["fused"]) is type(got["chain"]) and str(got["fused"]) == str(got["chain"])


@pytest.mark.parametrize("mu", ["short", "int64", "list"])
def test_a_malformed_momentum_is_left_to_the_chain(mu):
    # The generated kernels index the momentum without bounds checks: such states never reach
    # them, and the chain answers (an error, or its own result) as it does unfused.
    rng = np.random.default_rng(5)
    theta, g, f = (rng.standard_normal(D) for _ in range(3))
    make = {
        "short": lambda s: s._replace(mu=np.zeros(D - 1)),
        "int64": lambda s: s._replace(mu=np.zeros(D, dtype=np.int64)),
        "list": lambda s: s._replace(mu=[0.0] * D),
    }[mu]
    got = _chain_and_fused({"rank": 4}, theta, g, lambda o: make(o.init(theta)), f)
    if isinstance(got["chain"], Exception):
        assert type(got["fused"]) is type(got["chain"]) and str(got["fused"]) == str(got["chain"])
    else:
        np.testing.assert_array_equal(got["fused"][0], got["chain"][0])
        np.testing.assert_array_equal(got["fused"][1].mu, got["chain"][1].mu)


def test_a_non_finite_momentum_raises_the_solve_error_before_any_write():
    rng = np.random.default_rng(6)
    theta, g, f = (rng.standard_normal(D) for _ in range(3))
    opt = optim.ginger(rank=4, overwrite_state=True)
    theta, state = opt.step(theta, g, opt.init(theta), f)
    state.mu[7] = np.inf
    U, mu = state.curvature[0].U.copy(), state.mu.copy()
    with pytest.raises(ValueError, match=r"solve: v must contain only finite values"):
        opt.step(theta, g, state, rng.standard_normal(D))
    np.testing.assert_array_equal(state.curvature[0].U, U)
    np.testing.assert_array_equal(state.mu, mu)


@pytest.mark.parametrize("tau", [4, 16])
@pytest.mark.parametrize("alias", ["grad is a column of U", "theta is the momentum"])
def test_two_pass_step_with_arguments_sharing_the_state_memory(tau, alias):
    # With overwrite_state, U and the momentum are written in place; arguments that share
    # their memory are read as the chain reads them (before those writes).
    results = {}
    for name in ("chain", "fused"):
        rng = np.random.default_rng(7)
        opt = optim.ginger(rank=tau, overwrite_state=True)
        theta = rng.standard_normal(D)
        theta, state = opt.step(
            theta, rng.standard_normal(D), opt.init(theta), rng.standard_normal(D)
        )
        grad = state.curvature[0].U[:, 0] if alias.startswith("grad") else rng.standard_normal(D)
        if alias.startswith("theta"):
            theta = state.mu
        step = opt.step.chain if name == "chain" else opt.step
        new_theta, new = step(theta, grad, state, rng.standard_normal(D))
        results[name] = (new_theta.copy(), new.mu.copy(), new.curvature[0].U.copy())
    (t_f, m_f, U_f), (t_c, m_c, U_c) = results["fused"], results["chain"]
    np.testing.assert_array_equal(m_f, m_c)
    np.testing.assert_array_equal(U_f, U_c)
    np.testing.assert_allclose(t_f, t_c, rtol=0, atol=16 * np.finfo(np.float64).eps)
