"""pyginger.minimize: SciPy-shaped results, stopping rules, errors, and real problems."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import OptimizeResult, least_squares, rosen, rosen_der

from pyginger import optim
from pyginger.run.minimizer import minimize

GINGER_NEWTON = {"lr": 1.0, "beta1": 0.0, "beta2": 0.0, "rank": 2, "damping": 1e-3}


def rosen_factor(x):
    """Gauss-Newton factor of rosen = |r|^2, r = (10 (x2 - x1^2), 1 - x1): sqrt(2) J^T."""
    return np.sqrt(2.0) * np.array([[-20.0 * x[0], -1.0], [10.0, 0.0]])


def quadratic(d=4):
    A = np.diag(np.arange(1.0, d + 1))
    x_star = np.linspace(-1.0, 1.0, d)

    def fun(x):
        return 0.5 * (x - x_star) @ A @ (x - x_star)

    def jac(x):
        return A @ (x - x_star)

    return fun, jac, np.sqrt(A), x_star


# ---------------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------------


def test_result_is_a_valid_optimize_result():
    fun, jac, L, x_star = quadratic()
    x0 = np.zeros(4)
    res = minimize(
        fun,
        x0,
        jac=jac,
        factor=lambda x: L,
        tol=1e-10,
        options={"lr": 0.5, "rank": 4, "damping": 1e-3},
    )
    assert isinstance(res, OptimizeResult)
    assert res.success and res.status == 0 and "successfully" in res.message
    assert_allclose(res.x, x_star, atol=1e-9)
    assert res.fun == fun(res.x)
    assert_allclose(res.jac, jac(res.x))
    assert res.nit >= 1 and res.nfev == res.nit + 1 and res.njev == res.nfev
    assert res.nfactor == res.nit
    assert res.method == "ginger" and res.state.count == res.nit
    assert res.history["loss"].shape == res.history["grad_norm"].shape == (res.nit + 1,)
    assert res.history["loss"][0] == fun(x0) and res.history["loss"][-1] == res.fun
    assert res.history["grad_norm"][-1] <= 1e-10 < res.history["grad_norm"][-2]
    assert_array_equal(x0, np.zeros(4))  # not modified


def test_jac_true_and_list_x0_and_args():
    def fun(x, shift):
        return 0.5 * np.sum((x - shift) ** 2), x - shift

    res = minimize(
        fun,
        [3.0, -1.0],
        args=(np.array([1.0, 2.0]),),
        jac=True,
        method="adam",
        options={"lr": 0.1, "maxiter": 3000},
    )
    assert res.success, res.message
    # The gradient is x - shift, so the default gtol (1e-5 on its largest component) bounds
    # the error componentwise.
    assert np.max(np.abs(res.x - [1.0, 2.0])) <= 1e-5
    assert res.nfev == res.njev == res.nit + 1 and res.nfactor == 0


def test_maxiter_and_tol_are_honoured():
    fun, jac, L, _ = quadratic()
    for maxiter in (0, 1, 7):
        res = minimize(fun, np.zeros(4), jac=jac, method="sgd", options={"maxiter": maxiter})
        assert res.nit == maxiter and res.status == 1 and not res.success
        assert res.message == "Maximum number of iterations has been exceeded."
        assert res.history["loss"].size == maxiter + 1
    loose = minimize(fun, np.zeros(4), jac=jac, method="sgd", tol=1e-2)
    tight = minimize(fun, np.zeros(4), jac=jac, method="sgd", tol=1e-8)
    assert loose.success and tight.success and loose.nit < tight.nit
    # The default norm is the largest absolute component, as SciPy's BFGS.
    assert np.max(np.abs(loose.jac)) <= 1e-2 < loose.history["grad_norm"][-2]
    # options["gtol"] wins over tol
    res = minimize(fun, np.zeros(4), jac=jac, method="sgd", tol=1e-8, options={"gtol": 1e-2})
    assert res.nit == loose.nit
    # Already optimal: no iteration.
    _, _, _, x_star = quadratic()
    res = minimize(fun, x_star, jac=jac, method="ginger", factor=lambda x: L)
    assert res.success and res.nit == 0 and res.nfactor == 0


def test_callback_new_and_old_style_and_stop():
    fun, jac, L, _ = quadratic()
    seen = []

    def new_style(intermediate_result):
        seen.append((intermediate_result.nit, intermediate_result.fun))

    res = minimize(
        fun, np.zeros(4), jac=jac, method="sgd", callback=new_style, options={"maxiter": 5}
    )
    assert [k for k, _ in seen] == [1, 2, 3, 4, 5]
    assert [f for _, f in seen] == list(res.history["loss"][1:])

    # Old style: callback(xk) with a copy of the iterate. A callback that overwrites what it is
    # given (here xk, and the new style's x and jac) leaves the run bit for bit as without it.
    xs = []

    def spoil_old(xk):
        xs.append(xk.copy())
        xk[:] = 99.0

    def spoil_new(intermediate_result):
        intermediate_result.x[:] = 99.0
        intermediate_result.jac[:] = 99.0

    plain = minimize(fun, np.zeros(4), jac=jac, method="sgd", options={"maxiter": 3})
    for spoil in (spoil_old, spoil_new):
        spoiled = minimize(
            fun, np.zeros(4), jac=jac, method="sgd", callback=spoil, options={"maxiter": 3}
        )
        assert_array_equal(spoiled.x, plain.x)
        assert_array_equal(spoiled.jac, plain.jac)
        assert_array_equal(spoiled.history["loss"], plain.history["loss"])
    assert len(xs) == 3 and all(isinstance(x, np.ndarray) for x in xs)
    assert_array_equal(xs[-1], plain.x)  # the last call saw the final iterate

    def stop_after_two(intermediate_result):
        if intermediate_result.nit == 2:
            raise StopIteration

    res = minimize(fun, np.zeros(4), jac=jac, method="sgd", callback=stop_after_two)
    assert res.nit == 2 and res.status == 99 and not res.success
    assert res.message == "`callback` raised `StopIteration`."


# ---------------------------------------------------------------------------------------------
# Non-finite values
# ---------------------------------------------------------------------------------------------


def test_non_finite_loss_stops_with_last_finite_iterate():
    # Finite for x < 2, inf beyond. SGD with lr 1.5 maps x to -2x: 1, -2, 4 -> stops at -2.
    def fun(x):
        return float(x[0] ** 2) if x[0] < 2 else np.inf

    def jac(x):
        return np.array([2.0 * x[0]])

    res = minimize(fun, [1.0], jac=jac, method="sgd", options={"lr": 1.5})
    assert not res.success and res.status == 2
    assert res.message == (
        "Stopped: non-finite value (objective or gradient at iteration 2); returning the last "
        "finite iterate. The iterates diverged: try a smaller learning rate (options['lr'], "
        "now 1.5)."
    )
    assert res.nit == 1 and res.x[0] == -2.0 and res.fun == 4.0
    assert_array_equal(res.history["loss"], [1.0, 4.0])


def test_non_finite_gradient_and_factor_stop():
    fun, jac, L, _ = quadratic()
    calls = {"n": 0}

    def bad_jac(x):
        calls["n"] += 1
        g = jac(x)
        return g if calls["n"] < 4 else g * np.nan

    res = minimize(fun, np.zeros(4), jac=bad_jac, method="adam")
    assert res.status == 2 and res.nit == 2 and np.all(np.isfinite(res.jac))
    assert "try a smaller learning rate (options['lr'], now 0.001)" in res.message

    def bad_factor(x):
        return np.full_like(L, np.inf)

    res = minimize(fun, np.zeros(4), jac=jac, factor=bad_factor)
    assert res.status == 2 and res.nit == 0 and "factor" in res.message
    assert_array_equal(res.x, np.zeros(4))
    # Bad values at x0 are not the learning rate's fault: no advice about it.
    assert "learning rate" not in res.message

    res = minimize(lambda x: np.nan, np.zeros(2), jac=lambda x: np.zeros(2), method="sgd")
    assert res.status == 2 and "at x0" in res.message and not res.success
    assert "learning rate" not in res.message


def test_divergence_stops_at_the_first_overflow_without_warnings():
    # Gradient descent with the default lr 0.1 on Rosenbrock from (-1.2, 1): the gradient
    # there is ~(-216, -88), so x jumps to ~(20, 10) and then grows doubly exponentially
    # (x1 <- x1 - 0.1 * 400 x1^3): rosen overflows at the 5th evaluation after x0.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning may escape (pytest does the same)
        res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method="sgd")
    assert res.status == 2 and not res.success and res.nit == 4
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun) and np.all(np.isfinite(res.jac))
    assert res.fun == rosen(res.x) and res.history["loss"].size == 5
    assert res.message == (
        "Stopped: non-finite value (objective or gradient at iteration 5); returning the last "
        "finite iterate. The iterates diverged: try a smaller learning rate (options['lr'], "
        "now 0.1)."
    )
    # The advice works: lr = 1e-3 is below 2 / 1002, 2 over the largest Hessian eigenvalue at
    # the minimum, and gradient descent then converges (slowly, along the curved valley).
    res = minimize(
        rosen, [-1.2, 1.0], jac=rosen_der, method="sgd", options={"lr": 1e-3, "maxiter": 40_000}
    )
    assert res.success, res.message


def test_divergence_advice_for_an_optimizer_instance():
    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, method=optim.sgd(lr=0.5))
    assert res.status == 2
    assert res.message.endswith("try a smaller learning rate (lr of pyginger.optim.sgd, now 0.5).")


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"options": {"learning_rate": 0.1}},
            ValueError,
            r"minimize: unknown option\(s\) \['learning_rate'\] for method 'ginger'; accepted:",
        ),
        ({"options": {"maxiter": -1}}, ValueError, r"options\['maxiter'\] must be >= 0, got -1"),
        ({"options": {"maxiter": 2.5}}, TypeError, r"options\['maxiter'\] must be an integer"),
        ({"options": {"gtol": -1.0}}, ValueError, r"options\['gtol'\] must be a finite number"),
        ({"options": [("lr", 1)]}, TypeError, r"minimize: options must be a dict, got list"),
        ({"options": {"lr": -1.0}}, ValueError, r"ginger: lr must be a finite number > 0"),
        ({"options": {"rank": "4"}}, TypeError, r"ginger: rank must be an integer, got str"),
        ({"tol": "small"}, TypeError, r"minimize: tol must be a real number, got str"),
        ({"tol": -1e-3}, ValueError, r"minimize: tol must be a finite number >= 0"),
        ({"method": "bfgs"}, ValueError, r"minimize: method must be 'sgd' \| 'adam'"),
        ({"method": 3}, TypeError, r"minimize: method must be a name"),
        ({"method": "kfac"}, ValueError, r"minimize: method 'kfac' needs the network"),
        (
            {"method": optim.adam(), "options": {"lr": 0.1}},
            ValueError,
            r"with an Optimizer instance as method, options may only hold",
        ),
        ({"factor": None}, ValueError, r"minimize: method 'ginger' needs factor=callable"),
        ({"jac": None}, TypeError, r"minimize: jac must be a callable returning the gradient"),
        ({"jac": "2-point"}, TypeError, r"minimize: jac must be callable or True, got str"),
        ({"factor": np.eye(2)}, TypeError, r"minimize: factor must be callable, got ndarray"),
        ({"callback": 1}, TypeError, r"minimize: callback must be callable"),
        ({"batches": [1, 2]}, TypeError, r"minimize: batches must be callable"),
        ({"x0": np.zeros((2, 2))}, ValueError, r"minimize: x0 must have shape \(d,\)"),
        ({"x0": [np.nan, 0.0]}, ValueError, r"minimize: x0 must contain only finite values"),
        ({"x0": "ab"}, TypeError, r"minimize: x0 must hold real numbers"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs, error, match):
    call = {"jac": rosen_der, "factor": rosen_factor, "x0": [-1.2, 1.0]}
    call.update(kwargs)
    x0 = call.pop("x0")
    with pytest.raises(error, match=match):
        minimize(rosen, x0, **call)


def test_gradient_of_wrong_shape_is_reported():
    with pytest.raises(ValueError, match=r"minimize: the gradient must have shape \(2,\)"):
        minimize(rosen, [0.0, 0.0], jac=lambda x: np.zeros(3), method="sgd")
    with pytest.raises(TypeError, match="minimize: fun must be callable"):
        minimize(None, [0.0], jac=True)


@pytest.mark.parametrize(
    ("fun", "jac", "error", "match"),
    [
        (lambda x: x**2, lambda x: 2 * x, TypeError, r"fun must return a real scalar, got an arr"),
        (lambda x: "1.0", lambda x: 2 * x, TypeError, "fun must return a real scalar, got '1.0'"),
        (lambda x: 1 + 1j, lambda x: 2 * x, TypeError, "fun must return a real scalar"),
        (lambda x: float(x @ x), True, TypeError, r"with jac=True, fun must return \(value, g"),
        (
            lambda x: float(x @ x),
            lambda x: np.ones((2, 2)),
            ValueError,
            r"the gradient must have shape \(4,\)",
        ),
        (lambda x: float(x @ x), lambda x: 2 * x + 1j, TypeError, "gradient must be real"),
    ],
)
def test_bad_values_from_fun_and_jac_are_refused(fun, jac, error, match):
    # Each of these was once accepted silently (a flattened (2, 2) gradient, the string "1.0")
    # or failed deep inside with NumPy's reshape or Python's unpacking error.
    with pytest.raises(error, match="minimize: " + match):
        minimize(fun, np.ones(4), jac=jac, method="sgd")


def test_a_factor_of_the_wrong_size_is_named_at_minimize():
    with pytest.raises(ValueError, match=r"minimize: factor\(x\) must return an array of shape"):
        minimize(
            lambda x: float(x @ x), np.ones(3), jac=lambda x: 2 * x, method="ginger",
            factor=lambda x: np.ones(4),
        )  # fmt: skip


@pytest.mark.parametrize("x0", [np.ones(3) + 1j, np.array(["1.0", "2"]), np.array([True])])
def test_x0_must_be_real(x0):
    with pytest.raises(TypeError, match="minimize: x0 must"):
        minimize(lambda x: float(x @ x), x0, jac=lambda x: 2 * x, method="sgd")


def test_gradient_norm_option():
    fun, jac, _, _ = quadratic()
    for norm in (2, np.inf, 1):
        res = minimize(fun, np.zeros(4), jac=jac, method="sgd", options={"norm": norm})
        assert res.success and res.status == 0
        assert res.message == (
            "Optimization terminated successfully: the gradient norm is at most gtol."
        )
        # The recorded norms are the ones compared with gtol (default 1e-5): the run stops at
        # the first iterate that meets it.
        assert res.history["grad_norm"][-1] == np.linalg.norm(res.jac, ord=norm)
        assert res.history["grad_norm"][-1] <= 1e-5 < res.history["grad_norm"][-2]
    with pytest.raises(ValueError, match=r"minimize: options\['norm'\] must be >= 1"):
        minimize(fun, np.zeros(4), jac=jac, method="sgd", options={"norm": 0.5})
    with pytest.raises(TypeError, match=r"minimize: options\['norm'\] must be a real number"):
        minimize(fun, np.zeros(4), jac=jac, method="sgd", options={"norm": "inf"})


# ---------------------------------------------------------------------------------------------
# Real problems: Rosenbrock, nonlinear least squares, stochastic mini-batches
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, options",
    [
        ("ginger", GINGER_NEWTON),
        ("ginger", dict(GINGER_NEWTON, form="inverse")),
        ("ema_ggn", {"lr": 1.0, "beta1": 0.0, "beta2": 0.0, "damping": 1e-3}),
        ("gauss_newton", {"damping": 1e-3}),
        ("adam", {"lr": 0.02, "maxiter": 6000}),
    ],
)
def test_rosenbrock(method, options):
    res = minimize(
        rosen,
        [-1.2, 1.0],
        jac=rosen_der,
        factor=rosen_factor,
        method=method,
        tol=1e-6,
        options=options,
    )
    assert res.success, res.message
    # At the minimum the Hessian has eigenvalues ~0.4 and ~1000: |grad| <= 1e-6 puts x within
    # ~1e-6 / 0.4 of (1, 1).
    assert_allclose(res.x, [1.0, 1.0], atol=1e-5)
    assert res.fun < 1e-10


def test_rosenbrock_with_default_options_succeeds():
    res = minimize(rosen, [-1.2, 1.0], jac=rosen_der, factor=rosen_factor)
    assert res.success and res.status == 0, res.message
    assert res.method == "ginger" and res.nit < 1000
    # Stopped by the default gtol: the largest gradient component is at most 1e-5.
    assert np.max(np.abs(res.jac)) <= 1e-5
    # Near (1, 1) the Hessian's smallest eigenvalue is ~0.4, so |x - 1| <~ |grad|_2 / 0.4
    # <= sqrt(2) 1e-5 / 0.4 ~ 3.5e-5, and f ~ x^T H x / 2 is below 1e-9.
    assert_allclose(res.x, [1.0, 1.0], atol=5e-5)
    assert res.fun < 1e-9


def _exponential_fit(seed=0, m=40):
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, m)
    y = 2.0 * np.exp(-1.5 * t) + 0.01 * rng.standard_normal(m)

    def residual(x, idx=slice(None)):
        return x[0] * np.exp(x[1] * t[idx]) - y[idx]

    def jacobian(x, idx=slice(None)):
        e = np.exp(x[1] * t[idx])
        return np.column_stack([e, x[0] * t[idx] * e])

    return t, y, residual, jacobian


def test_nonlinear_least_squares_with_jacobian_factor():
    t, y, residual, jacobian = _exponential_fit()
    m = t.size

    def fun(x):  # mean of half squared residuals: GGN = J^T J / m, factor J^T / sqrt(m)
        return 0.5 * np.mean(residual(x) ** 2)

    def jac(x):
        return jacobian(x).T @ residual(x) / m

    def factor(x):
        return jacobian(x).T / np.sqrt(m)

    reference = least_squares(residual, [1.0, 0.0], xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    for method, options in [
        ("ginger", dict(GINGER_NEWTON, damping=1e-6)),
        ("ginger", {"lr": 0.5, "rank": 1, "damping": 1e-2}),
        ("gauss_newton", {"damping": 1e-8}),
    ]:
        res = minimize(
            fun, [1.0, 0.0], jac=jac, factor=factor, method=method, tol=1e-10, options=options
        )
        assert res.success, (method, res.message)
        # |grad| <= 1e-10 and the GGN's smallest eigenvalue ~1e-2 bound the error by ~1e-8.
        assert_allclose(res.x, reference, atol=1e-7)


def test_stochastic_minibatches_are_seeded_and_converge():
    t, y, residual, jacobian = _exponential_fit(m=200)
    batch_size = 20

    def batches(rng):
        return rng.choice(t.size, size=batch_size, replace=False)

    def fun(x, idx):
        return 0.5 * np.mean(residual(x, idx) ** 2)

    def jac(x, idx):
        return jacobian(x, idx).T @ residual(x, idx) / batch_size

    def factor(x, idx):
        return jacobian(x, idx).T / np.sqrt(batch_size)

    options = {"lr": 0.2, "rank": 2, "damping": 1e-2, "maxiter": 400, "seed": 7, "gtol": 0.0}
    res = minimize(fun, [1.0, 0.0], jac=jac, factor=factor, batches=batches, options=options)
    again = minimize(fun, [1.0, 0.0], jac=jac, factor=factor, batches=batches, options=options)
    assert_array_equal(res.x, again.x)  # same seed, same mini-batches, same result
    assert res.status == 1 and res.nit == 400 and res.nfactor == 400
    full = least_squares(residual, [1.0, 0.0]).x
    # Mini-batch noise with lr 0.2 and momentum 0.9 leaves a small error around the minimiser;
    # the residual noise is 0.01, so parameters are determined to ~1e-2 at this batch size.
    assert_allclose(res.x, full, atol=2e-2)
    other = minimize(
        fun, [1.0, 0.0], jac=jac, factor=factor, batches=batches, options=dict(options, seed=8)
    )
    assert not np.array_equal(res.x, other.x)


def test_optimizer_instance_and_kfac_through_minimize():
    from pyginger.nn.mlp import MLP

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    model = MLP([3, 1], loss="mse")
    res = minimize(
        lambda th: model.loss_and_grad(th, X, Y),
        model.init(seed=0),
        jac=True,
        factor=lambda th: optim.kfac_factors(model, th, X, kind="exact"),
        method=optim.kfac(model, lr=1.0, beta1=0.0, damping=1e-10),
        tol=1e-10,
    )
    assert res.success and res.nit <= 3 and res.method == "kfac"
    Xt = np.hstack([X, np.ones((30, 1))])
    assert_allclose(res.x, np.linalg.lstsq(Xt, Y, rcond=None)[0].ravel(), atol=1e-9)


def test_a_factor_out_of_range_stops_the_run_with_the_last_finite_iterate():
    # The factor jumps to 1e200 at the fourth iteration: minimize must return what it had after
    # three (success False, status 2), not raise.
    A = np.diag([1.0, 2.0, 3.0])
    seen = []

    def factor(x):
        seen.append(x.copy())
        return np.linalg.cholesky(A) * (1e200 if len(seen) == 4 else 1.0)

    res = minimize(
        lambda x: 0.5 * x @ A @ x,
        np.ones(3),
        jac=lambda x: A @ x,
        factor=factor,
        method="ema_ggn",
        options={"lr": 0.1, "maxiter": 10},
    )
    assert not res.success and res.status == 2 and res.nit == 3
    assert_array_equal(res.x, seen[3])  # the iterate the fourth factor was asked at
    assert "factor at iteration 4" in res.message and "too large" in res.message


def test_an_optimizer_needing_kronecker_factors_needs_a_factor_callable():
    from pyginger.nn.mlp import MLP

    model = MLP([3, 1], loss="mse")
    with pytest.raises(ValueError, match=r"minimize: method 'kfac' needs factor=callable\(x\) "):
        minimize(
            lambda th: (0.0, np.zeros_like(th)), model.init(0), jac=True, method=optim.kfac(model)
        )
