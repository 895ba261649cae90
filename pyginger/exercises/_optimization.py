r"""Exercises of notebooks 04, 05 and 09: momentum, a preconditioned step, the theorem, Adam.

Every case's answer comes from an independent computation (the closed-form weights of a moving
average, :mod:`pyginger.dense`, the eigenvalues of a dense preconditioner, an angle built into
the input), never from the reference solution; tolerances are argued next to each case.
"""

from __future__ import annotations

import numpy as np

from pyginger import dense
from pyginger.exercises import solutions
from pyginger.exercises._base import Case, Exercise
from pyginger.exercises.mistakes import MISTAKES

EPS = float(np.finfo(np.float64).eps)


# -- 04 ---------------------------------------------------------------------------------------


def _momentum_cases():
    rng = np.random.default_rng(401)
    cases = []
    for label, T, beta1 in [
        ("a single gradient: m_hat_1 = g_1 exactly", 1, 0.9),
        ("T = 5, beta1 = 0.9", 5, 0.9),
        ("T = 3, beta1 = 0.999: the correction is a factor ~ 300", 3, 0.999),
        ("beta1 = 0: no averaging", 4, 0.0),
    ]:
        grads = rng.standard_normal((T, 3))
        weights = (1 - beta1) * beta1 ** np.arange(T - 1, -1, -1)  # g_t weighs (1-b) b^(T-t)
        m_hat = weights @ grads / weights.sum()  # sum of the weights = 1 - beta1^T
        # 1 - beta1^T loses eps / (1 - beta1^T) relative; the T-term sum adds T eps.
        cases.append(Case(label, (grads, beta1), m_hat, rtol=20 * T * EPS / (1 - beta1**T)))
    return cases


def _momentum_step_cases():
    rng = np.random.default_rng(402)
    cases = []
    d = 5
    for label, t, eigenvalues, gamma in [
        ("the first step (t = 1, m = 0)", 1, np.array([3.0, 1.0, 0.5, 0.2, 0.1]), 0.1),
        ("step t = 10 with momentum", 10, np.array([2.0, 1.0, 1.0, 0.5, 0.1]), 0.01),
        ("a singular curvature matrix, t = 3", 3, np.array([4.0, 1.0, 0.0, 0.0, 0.0]), 0.05),
    ]:
        Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
        G = (Q * eigenvalues) @ Q.T
        theta, grad = rng.standard_normal(d), rng.standard_normal(d)
        m = np.zeros(d) if t == 1 else rng.standard_normal(d)
        lr, beta1 = 0.1, 0.9
        m_new = beta1 * m + (1 - beta1) * grad
        u = dense.damped_inverse(G, gamma) @ (m_new / (1 - beta1**t))
        expected = (theta - lr * u, m_new)
        kappa = (eigenvalues.max() + gamma) / gamma
        # The solve is backward stable: c d kappa eps relative (lr u is added to theta).
        args = (theta, m, grad, t, G, gamma, lr, beta1)
        cases.append(Case(label, args, expected, rtol=20 * d * kappa * EPS / (1 - beta1**t)))
    return cases


# -- 05 ---------------------------------------------------------------------------------------


def _admissible_cases():
    cases = []
    for label, L, lam_min, lam_max in [
        ("Ginger with gamma = 0.1, lam_bar = 4: [1/4.1, 10]", 2.0, 1 / 4.1, 10.0),
        ("a well conditioned preconditioner", 0.5, 0.8, 1.25),
        ("large L, tiny lam_min", 1e4, 1e-6, 3.0),
    ]:
        # Three roundings (a product, a division): <= 3 eps relative.
        cases.append(Case(label, (L, lam_min, lam_max), 1.0 / (L * lam_max), rtol=4 * EPS))
    return cases


def _spectrum_cases():
    rng = np.random.default_rng(502)
    cases = []
    d = 6
    for label, gamma, lam_bar in [
        ("gamma = 1, lam_bar = 1", 1.0, 1.0),
        ("gamma = 1e-3, lam_bar = 10", 1e-3, 10.0),
        ("lam_bar = 0: no curvature at all", 0.5, 0.0),
    ]:
        # A G with 0 <= G <= lam_bar I that reaches both ends: the bounds are attained.
        eigenvalues = np.r_[0.0, rng.uniform(0, lam_bar, d - 2), lam_bar]
        Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
        lam = np.linalg.eigvalsh(dense.damped_inverse((Q * eigenvalues) @ Q.T, gamma))
        kappa = (gamma + lam_bar) / gamma
        # Eigenvalues of the dense inverse err by c d kappa eps relative to the largest (1/gamma).
        tol = 20 * d * kappa * EPS
        cases.append(Case(label, (gamma, lam_bar), (lam.min(), lam.max()), rtol=tol))
    return cases


# -- 09 ---------------------------------------------------------------------------------------


def _adam_cases():
    rng = np.random.default_rng(901)
    cases = []
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    for label, t, scale in [
        ("the first step (t = 1): the corrections divide by 0.1 and 0.001", 1, 1.0),
        ("late step (t = 1000): the corrections have nearly vanished", 1000, 1.0),
        ("tiny gradients (1e-9): eps matters", 5, 1e-9),
    ]:
        theta, grad = rng.standard_normal(4), scale * rng.standard_normal(4)
        m = np.zeros(4) if t == 1 else scale * rng.standard_normal(4)
        v = np.zeros(4) if t == 1 else (scale * rng.standard_normal(4)) ** 2
        m_new = beta1 * m + (1 - beta1) * grad
        v_new = beta2 * v + (1 - beta2) * grad * grad
        m_hat, v_hat = m_new / (1 - beta1**t), v_new / (1 - beta2**t)
        step = np.array([mh / (vh**0.5 + eps) for mh, vh in zip(m_hat, v_hat, strict=True)])
        expected = (theta - lr * step, m_new, v_new)
        # 1 - beta2^t loses eps / (1 - beta2^t) relative; a handful of roundings besides.
        tol = 20 * EPS / (1 - beta2**t)
        cases.append(Case(label, (theta, m, v, grad, t, lr, beta1, beta2, eps), expected, tol))
    return cases


def _angle_cases():
    rng = np.random.default_rng(902)
    d = 10

    def pair(angle, su, sv):
        Q = np.linalg.qr(rng.standard_normal((d, 2)))[0]
        return su * Q[:, 0], sv * (np.cos(angle) * Q[:, 0] + np.sin(angle) * Q[:, 1])

    u0 = np.random.default_rng(3).standard_normal(d)  # its cosine with 3 u0 rounds to above 1
    inputs = [
        ("angle 1 rad", *pair(1.0, 1.0, 1.0), 1.0),
        ("parallel: v = 3 u (rounding pushes the cosine above 1)", u0, 3 * u0, 0.0),
        ("opposite: v = -2 u", u0, -2 * u0, np.pi),
        ("a tiny angle, 1e-6 rad", *pair(1e-6, 1.0, 1.0), 1e-6),
        ("very different lengths (1e-3 and 1e3), angle 2 rad", *pair(2.0, 1e-3, 1e3), 2.0),
    ]
    # Near 0 and pi the angle is ill-determined by a cosine with rounding error d eps: arccos
    # of it errs by sqrt(2 d eps). Allow that, with a factor 4 (the half-angle form errs by eps).
    atol = 4 * np.sqrt(d * EPS)
    return [Case(label, (u, v), angle, rtol=4 * EPS, atol=atol) for label, u, v, angle in inputs]


EXERCISES = (
    Exercise(
        name="bias_corrected_momentum",
        notebook=4,
        title="Bias-corrected momentum",
        statement=(
            "Given the gradients $g_1, \\dots, g_T$ (rows of `grads`, shape `(T, d)`), return "
            "$\\hat m_T = m_T / (1 - \\beta_1^T)$ for $m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t$, "
            "$m_0 = 0$."
        ),
        signature="bias_corrected_momentum(grads, beta1) -> (d,) array",
        hint="The weights of $g_1, \\dots, g_T$ in $m_T$ sum to $1 - \\beta_1^T$. Try $T = 1$.",
        cases=_momentum_cases,
        solution=solutions.bias_corrected_momentum,
        mistakes=MISTAKES["bias_corrected_momentum"],
    ),
    Exercise(
        name="momentum_step",
        notebook=4,
        title="One preconditioned momentum step",
        statement=(
            "One step $t \\ge 1$ of the curvature optimizers: $m_t = \\beta_1 m_{t-1} + "
            "(1-\\beta_1) g_t$, $\\hat m_t = m_t / (1 - \\beta_1^t)$, "
            "$\\theta_t = \\theta_{t-1} - \\eta\\, (G + \\gamma I)^{-1} \\hat m_t$. Return "
            "`(theta_new, m_new)`, where `m_new` is the state for the next step."
        ),
        signature="momentum_step(theta, m, grad, t, G, gamma, lr, beta1) -> (theta_new, m_new)",
        hint="Which of $m_t$ and $\\hat m_t$ does the next step need?",
        cases=_momentum_step_cases,
        solution=solutions.momentum_step,
        mistakes=MISTAKES["momentum_step"],
    ),
    Exercise(
        name="admissible_step",
        notebook=5,
        title="The admissible step size of the sharpened theorem",
        statement=(
            "For an $L$-smooth objective and a preconditioner with spectrum in "
            "$[\\lambda_{\\min}, \\lambda_{\\max}]$, the bound "
            "$\\|P\\nabla f\\|^2 \\le \\lambda_{\\max} \\nabla f^\\top P \\nabla f$ turns the "
            "descent lemma into decrease for every $\\eta \\le \\eta_{\\max}$. Return "
            "$\\eta_{\\max}$."
        ),
        signature="admissible_step(L, lam_min, lam_max) -> float",
        hint=(
            "Insert the bound into $f(x - \\eta P g) \\le f(x) - \\eta g^\\top P g + "
            "\\frac{L\\eta^2}{2}\\|Pg\\|^2$ and ask for at least half of the first-order decrease."
        ),
        cases=_admissible_cases,
        solution=solutions.admissible_step,
        mistakes=MISTAKES["admissible_step"],
    ),
    Exercise(
        name="spectrum_bounds",
        notebook=5,
        title="The spectrum of Ginger's preconditioner",
        statement=(
            "If $0 \\preceq \\hat G \\preceq \\bar\\lambda I$, every eigenvalue of "
            "$P = (\\gamma I + \\hat G)^{-1}$ lies in $[\\lambda_{\\min}, \\lambda_{\\max}]$. "
            "Return `(lam_min, lam_max)`, the tightest such interval."
        ),
        signature="spectrum_bounds(gamma, lam_bar) -> (float, float)",
        hint="The map $\\lambda \\mapsto 1/(\\gamma + \\lambda)$ is decreasing.",
        cases=_spectrum_cases,
        solution=solutions.spectrum_bounds,
        mistakes=MISTAKES["spectrum_bounds"],
    ),
    Exercise(
        name="adam_step",
        notebook=9,
        title="One Adam step",
        statement=(
            "One step $t \\ge 1$ of Adam: $m_t = \\beta_1 m_{t-1} + (1-\\beta_1) g_t$, "
            "$v_t = \\beta_2 v_{t-1} + (1-\\beta_2) g_t^2$, $\\hat m_t = m_t/(1-\\beta_1^t)$, "
            "$\\hat v_t = v_t/(1-\\beta_2^t)$, "
            "$\\theta_t = \\theta_{t-1} - \\eta\\, \\hat m_t / (\\sqrt{\\hat v_t} + \\epsilon)$ "
            "(element-wise). Return `(theta_new, m_new, v_new)`."
        ),
        signature="adam_step(theta, m, v, grad, t, lr, beta1, beta2, eps) -> (theta, m, v)",
        hint="Keep the raw moving averages as the state; correct only what the step uses.",
        cases=_adam_cases,
        solution=solutions.adam_step,
        mistakes=MISTAKES["adam_step"],
    ),
    Exercise(
        name="step_angle",
        notebook=9,
        title="The angle between two step directions",
        statement=(
            "Return the angle in radians, in $[0, \\pi]$, between two nonzero vectors `u` and "
            "`v`: how far a preconditioner's step points from the exact one. It must be "
            "accurate (and finite) also for parallel and opposite vectors."
        ),
        signature="step_angle(u, v) -> float",
        hint=(
            "Rounding can push $u^\\top v / (\\|u\\|\\|v\\|)$ just above 1. For unit $a, b$: "
            "$\\theta = 2 \\arctan(\\|a - b\\| / \\|a + b\\|)$."
        ),
        cases=_angle_cases,
        solution=solutions.step_angle,
        mistakes=MISTAKES["step_angle"],
    ),
)
