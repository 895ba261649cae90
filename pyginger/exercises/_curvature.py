r"""Exercises of notebooks 01-03: the GGN, its damped solve, Sherman-Morrison, Woodbury, truncation.

Every case's answer comes from an independent dense computation (an explicit loop, an
eigendecomposition built by hand, :mod:`pyginger.dense`), never from the reference solution, and
every tolerance is argued next to it from the unit roundoff ``EPS`` and the problem's condition.
"""

from __future__ import annotations

import numpy as np

from pyginger import dense
from pyginger.exercises import solutions
from pyginger.exercises._base import Case, Exercise
from pyginger.exercises.mistakes import MISTAKES

EPS = float(np.finfo(np.float64).eps)


def _orthonormal(rng, d, k):
    return np.linalg.qr(rng.standard_normal((d, k)))[0]


def _psd(rng, eigenvalues):
    """Return a symmetric matrix with the given eigenvalues, and its eigenvectors (columns)."""
    Q = _orthonormal(rng, len(eigenvalues), len(eigenvalues))
    return (Q * eigenvalues) @ Q.T, Q


# -- 01 ---------------------------------------------------------------------------------------


def _ggn_cases():
    rng = np.random.default_rng(101)
    cases = []

    def add(label, n, c, d, hessian):
        J = rng.standard_normal((n, c, d))
        H = np.stack([hessian() for _ in range(n)])
        G = sum(J[i].T @ H[i] @ J[i] for i in range(n)) / n  # the definition, sample by sample
        # Each entry sums n c^2 products of PSD-weighted terms: error <= (n + c^2) eps |G|.
        cases.append(Case(label, (J, H), G, rtol=10 * (n + c * c) * EPS))

    def spd():
        A = rng.standard_normal((3, 3))
        return A @ A.T + 0.1 * np.eye(3)

    def softmax_hessian():
        p = np.exp(rng.standard_normal(4))
        p /= p.sum()
        return np.diag(p) - np.outer(p, p)  # singular: the constant direction has curvature 0

    add("n = 20 samples, c = 3 outputs, d = 5, a random SPD Hessian per sample", 20, 3, 5, spd)
    add("least squares: c = 1, H_i = 1", 30, 1, 4, lambda: np.ones((1, 1)))
    add("cross-entropy: H_i = diag(p) - p p^T, singular", 15, 4, 6, softmax_hessian)
    add("a single sample (n = 1)", 1, 3, 5, spd)
    return cases


def _damped_solve_cases():
    rng = np.random.default_rng(102)
    cases = []
    for label, eigenvalues, gamma in [
        ("well conditioned G, gamma = 0.5", rng.uniform(1, 3, 6), 0.5),
        ("rank 2 of d = 6 (G singular), gamma = 1e-3", np.r_[4.0, 1.0, np.zeros(4)], 1e-3),
        ("damping much larger than the curvature, gamma = 1e3", rng.uniform(0, 1, 5), 1e3),
    ]:
        G, _ = _psd(rng, eigenvalues)
        g = rng.standard_normal(len(eigenvalues))
        x = dense.damped_inverse(G, gamma) @ g
        kappa = (eigenvalues.max() + gamma) / gamma
        # A backward-stable solve: relative error <= c d kappa eps (the reference's as well).
        cases.append(Case(label, (G, g, gamma), x, rtol=20 * len(g) * kappa * EPS))
    return cases


# -- 02 ---------------------------------------------------------------------------------------


def _sherman_morrison_cases():
    rng = np.random.default_rng(201)
    cases = []

    def add(label, A, u, v):
        B = A + np.outer(u, v)
        kappa = np.linalg.cond(A) * np.linalg.cond(B)
        # A^{-1} is given with error ~ cond(A) eps and the update can amplify it by cond(B).
        tol = 20 * len(u) * kappa * EPS
        cases.append(Case(label, (np.linalg.inv(A), u, v), np.linalg.inv(B), rtol=tol))

    d = 6
    A = 3 * np.eye(d) + rng.standard_normal((d, d)) / np.sqrt(d)
    add(
        "non-symmetric A, u != v (the order of the outer product matters)",
        A,
        rng.standard_normal(d),
        rng.standard_normal(d),
    )
    f = rng.standard_normal(d)
    add("Ginger's case: A = gamma I, u = v = f (gamma = 0.1)", 0.1 * np.eye(d), f, f)
    u = rng.standard_normal(d)
    v = rng.standard_normal(d)
    A_inv_u = np.linalg.solve(A, u)
    v = v - (v @ A_inv_u + 0.95) / (A_inv_u @ A_inv_u) * A_inv_u  # 1 + v^T A^-1 u = 0.05
    add("a nearly singular update: 1 + v^T A^-1 u = 0.05", A, u, v)
    add("d = 1", np.array([[2.0]]), np.array([3.0]), np.array([-0.5]))
    return cases


def _woodbury_cases():
    rng = np.random.default_rng(202)
    cases = []

    def add(label, d, sigma, gamma, inside=False):
        Q = _orthonormal(rng, d, d)
        U = Q[:, : len(sigma)]
        g = U @ rng.standard_normal(len(sigma)) if inside else rng.standard_normal(d)
        full = np.r_[sigma, np.zeros(d - len(sigma))]
        x = Q @ ((Q.T @ g) / (gamma + full))  # the exact inverse, from its eigendecomposition
        # Backward-stable: relative error <= c d kappa eps with kappa = (gamma + max sigma)/gamma.
        kappa = (gamma + sigma.max()) / gamma
        cases.append(Case(label, (U, sigma, gamma, g), x, rtol=20 * d * kappa * EPS))

    add("d = 50, tau = 4, gamma = 1e-3", 50, np.array([5.0, 2.0, 0.3, 0.01]), 1e-3)
    add("some sigma_i = 0 (unused columns)", 40, np.array([1.0, 0.0, 0.0]), 0.1)
    add("sigma = 1e5 gamma: the correction nearly cancels g/gamma", 30, np.array([1e2, 3.0]), 1e-3)
    add("g inside span(U)", 20, np.array([2.0, 1.0, 0.5]), 0.01, inside=True)
    add("tau = 1", 10, np.array([4.0]), 1.0)
    return cases


def _eig_update_cases():
    rng = np.random.default_rng(203)
    cases = []

    def add(label, d, sigma, beta, f=None, U=None):
        U = _orthonormal(rng, d, len(sigma)) if U is None else U
        f = rng.standard_normal(d) if f is None else f
        target = beta * (U * sigma) @ U.T + (1 - beta) * np.outer(f, f)  # the dense truth
        lam = np.sort(np.linalg.eigvalsh(target))[::-1][: len(sigma) + 1]
        cases.append(Case(label, (U, sigma, f, beta), (target, lam), rtol=0.0))

    add("d = 30, tau = 4, beta = 0.9", 30, np.array([4.0, 2.0, 1.0, 0.5]), 0.9)
    add("a cold state: sigma = 0, U = columns of I", 10, np.zeros(3), 0.95, U=np.eye(10)[:, :3])
    U = _orthonormal(rng, 30, 3)
    outside = rng.standard_normal(30)
    outside -= U @ (U.T @ outside)
    near = U @ rng.standard_normal(3) + 1e-10 * outside / np.linalg.norm(outside)
    add(
        "f nearly inside span(U): ||f - U U^T f|| = 1e-10",
        30,
        np.array([3.0, 1.0, 0.2]),
        0.9,
        f=near,
        U=U,
    )
    add("beta = 0: only f remains", 8, np.array([2.0, 1.0]), 0.0)
    return cases


def _judge_eig_update(got, case):
    """Compare the matrix, the orthonormality and the eigenvalues (eigenvectors have no sign)."""
    target, lam = case.expected
    d, k = target.shape[0], len(lam)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"returned {type(got).__name__}; expected a tuple (U_new, sigma_new)"
    U, sigma = np.asarray(got[0], dtype=float), np.asarray(got[1], dtype=float)
    if U.shape != (d, k) or sigma.shape != (k,):
        return f"returned shapes {U.shape} and {sigma.shape}, expected {(d, k)} and {(k,)}"
    scale = np.linalg.norm(target, 2)
    # Two passes of Gram-Schmidt and a small eigensolver: orthonormal to c d eps, and the
    # eigenvalues and the reconstruction right to c d eps ||target||.
    tol = 100 * d * EPS
    if (problem := _close("U_new^T U_new", U.T @ U, np.eye(k), tol)) is not None:
        return problem + " (the columns of U_new must be orthonormal)"
    if (problem := _close("sigma_new (descending)", sigma, lam, tol * scale)) is not None:
        return problem
    return _close("U_new diag(sigma_new) U_new^T", (U * sigma) @ U.T, target, tol * scale)


# -- 03 ---------------------------------------------------------------------------------------


def _best_rank_cases():
    rng = np.random.default_rng(301)
    cases = []
    for label, eigenvalues, tau in [
        ("d = 8, tau = 3, distinct eigenvalues", np.geomspace(10, 0.01, 8), 3),
        ("rank 3 of d = 7 (zero eigenvalues), tau = 2", np.r_[5.0, 2.0, 1.0, np.zeros(4)], 2),
        ("tau = 1", np.array([1.0, 3.0, 2.0, 0.5]), 1),
        ("tau = d: nothing is dropped", np.array([3.0, 1.0, 2.0]), 3),
    ]:
        G, Q = _psd(rng, eigenvalues)
        order = np.argsort(eigenvalues)[::-1][:tau]
        expected = (Q[:, order], eigenvalues[order])
        cases.append(Case(label, (G, tau), expected, rtol=0.0))
    return cases


def _judge_best_rank(got, case):
    """Eigenvectors are defined up to sign: compare eigenvalues and the projector U U^T."""
    U_want, sigma_want = case.expected
    G, tau = case.args
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"returned {type(got).__name__}; expected a tuple (U, sigma)"
    U, sigma = np.asarray(got[0], dtype=float), np.asarray(got[1], dtype=float)
    if U.shape != U_want.shape or sigma.shape != sigma_want.shape:
        want = f"{U_want.shape} and {sigma_want.shape}"
        return f"returned shapes {U.shape} and {sigma.shape}, expected {want}"
    scale = np.linalg.norm(G, 2)
    d = G.shape[0]
    # Eigenvalues: a backward-stable eigensolver errs by <= c d eps ||G||.
    if (problem := _close("sigma", sigma, sigma_want, 20 * d * EPS * scale)) is not None:
        return problem
    # Eigenvectors: the projector onto the top tau moves by <= error / gap (Davis-Kahan).
    lam = np.sort(np.linalg.eigvalsh(G))[::-1]
    gap = lam[tau - 1] - lam[tau] if tau < d else scale
    tol = 20 * d * EPS * scale / gap
    if (problem := _close("U^T U", U.T @ U, np.eye(tau), 20 * d * EPS)) is not None:
        return problem + " (the columns of U must be orthonormal)"
    return _close("the projector U U^T", U @ U.T, U_want @ U_want.T, tol)


def _close(what, got, want, allowed):
    err = float(np.linalg.norm(got - want))
    if not np.isfinite(err) or err > allowed:
        return f"{what} is off by {err:.3g}; allowed {allowed:.3g}"
    return None


def _ema_cases():
    rng = np.random.default_rng(302)
    cases = []
    for label, shapes, beta in [
        ("ten vectors of d = 5, beta = 0.9", [(5,)] * 10, 0.9),
        ("(d, k) factors: d = 6, k = 3, beta = 0.95", [(6, 3)] * 4, 0.95),
        ("beta = 0: only the last factor counts", [(4,)] * 3, 0.0),
        ("a single factor", [(3, 2)], 0.8),
    ]:
        factors = [rng.standard_normal(s) for s in shapes]
        # A sum of T k PSD terms, each rounded: error <= c T k eps |G|.
        k = shapes[0][1] if len(shapes[0]) == 2 else 1
        tol = 20 * len(shapes) * k * EPS
        cases.append(Case(label, (factors, beta), dense.ema_ggn(factors, beta), rtol=tol))
    return cases


EXERCISES = (
    Exercise(
        name="ggn_from_jacobians",
        notebook=1,
        title="The GGN from the Jacobians and the loss Hessians",
        statement=(
            "Given the Jacobians $J_i$ of the model's outputs (an array `J` of shape `(n, c, d)`) "
            "and the Hessians $H_i$ of the loss with respect to the outputs (`H`, shape "
            "`(n, c, c)`), return the generalized Gauss-Newton matrix "
            "$G = \\frac1n \\sum_i J_i^\\top H_i J_i$, shape `(d, d)`."
        ),
        signature="ggn_from_jacobians(J, H) -> (d, d) array",
        hint="`numpy.einsum` can do the whole sum at once; a loop over the samples is fine too.",
        cases=_ggn_cases,
        solution=solutions.ggn_from_jacobians,
        mistakes=MISTAKES["ggn_from_jacobians"],
    ),
    Exercise(
        name="damped_solve",
        notebook=1,
        title="The damped solve by a Cholesky factorization",
        statement=(
            "Return $x = (G + \\gamma I)^{-1} g$ for a symmetric positive semi-definite `G` "
            "(shape `(d, d)`), a vector `g` and a damping $\\gamma > 0$, through a Cholesky "
            "factorization and without forming the inverse."
        ),
        signature="damped_solve(G, g, gamma) -> (d,) array",
        hint="`scipy.linalg.cho_factor` and `scipy.linalg.cho_solve`. Where does gamma go?",
        cases=_damped_solve_cases,
        solution=solutions.damped_solve,
        mistakes=MISTAKES["damped_solve"],
    ),
    Exercise(
        name="sherman_morrison",
        notebook=2,
        title="The Sherman-Morrison update of an inverse",
        statement=(
            "Given $A^{-1}$ (shape `(d, d)`, not necessarily symmetric) and vectors `u`, `v`, "
            "return $(A + u v^\\top)^{-1}$ in $O(d^2)$: "
            "$A^{-1} - \\dfrac{A^{-1} u\\, v^\\top A^{-1}}{1 + v^\\top A^{-1} u}$."
        ),
        signature="sherman_morrison(A_inv, u, v) -> (d, d) array",
        hint="Compute $A^{-1}u$ and $v^\\top A^{-1}$ once each; `numpy.outer` makes the rest.",
        cases=_sherman_morrison_cases,
        solution=solutions.sherman_morrison,
        mistakes=MISTAKES["sherman_morrison"],
    ),
    Exercise(
        name="woodbury_solve",
        notebook=2,
        title="The Woodbury solve with Ginger's state",
        statement=(
            "For `U` of shape `(d, tau)` with orthonormal columns, `sigma >= 0` (shape `(tau,)`) "
            "and $\\gamma > 0$, return $(\\gamma I + U \\operatorname{diag}(\\sigma) U^\\top)^{-1} "
            "g$ in $O(d\\tau)$, without any $d \\times d$ matrix."
        ),
        signature="woodbury_solve(U, sigma, gamma, g) -> (d,) array",
        hint=(
            "Along a column $u_i$ the matrix has the eigenvalue $\\gamma + \\sigma_i$, "
            "orthogonally to all columns the eigenvalue $\\gamma$."
        ),
        cases=_woodbury_cases,
        solution=solutions.woodbury_solve,
        mistakes=MISTAKES["woodbury_solve"],
    ),
    Exercise(
        name="eig_update",
        notebook=2,
        title="The incremental eigendecomposition",
        statement=(
            "Given orthonormal `U` (shape `(d, tau)`), `sigma` (shape `(tau,)`), a factor `f` "
            "with a part outside span(`U`), and $\\beta$, return `(U_new, sigma_new)` with "
            "`U_new` orthonormal of shape `(d, tau + 1)` and `sigma_new` descending, such that "
            "$U_{new} \\operatorname{diag}(\\sigma_{new}) U_{new}^\\top = \\beta U "
            "\\operatorname{diag}(\\sigma) U^\\top + (1 - \\beta) f f^\\top$ (nothing is "
            "truncated yet). Work in the basis $[U\\ q]$, $q = p/\\|p\\|$, $p = f - U U^\\top "
            "f$: there the matrix is $(\\tau+1) \\times (\\tau+1)$."
        ),
        signature="eig_update(U, sigma, f, beta) -> ((d, tau + 1) array, (tau + 1,) array)",
        hint=(
            "When $f$ lies nearly inside span($U$), $p$ is a small difference and its rounding "
            "error is not small relative to it: orthogonalize $p$ against $U$ a second time."
        ),
        cases=_eig_update_cases,
        solution=solutions.eig_update,
        mistakes=MISTAKES["eig_update"],
        judge=_judge_eig_update,
    ),
    Exercise(
        name="best_rank",
        notebook=3,
        title="The best rank-tau truncation",
        statement=(
            "Return `(U, sigma)`, the $\\tau$ largest eigenvalues of a symmetric positive "
            "semi-definite `G` in descending order and orthonormal eigenvectors for them "
            "(columns of `U`, shape `(d, tau)`): by Eckart-Young, "
            "$U \\operatorname{diag}(\\sigma) U^\\top$ is the best rank-$\\tau$ approximation."
        ),
        signature="best_rank(G, tau) -> ((d, tau) array, (tau,) array)",
        hint="`numpy.linalg.eigh` returns the eigenvalues in ascending order.",
        cases=_best_rank_cases,
        solution=solutions.best_rank,
        mistakes=MISTAKES["best_rank"],
        judge=_judge_best_rank,
    ),
    Exercise(
        name="ema_of_factors",
        notebook=3,
        title="The moving average of curvature factors",
        statement=(
            "Return $G_T$ of $G_t = \\beta G_{t-1} + (1-\\beta) F_t F_t^\\top$, $G_0 = 0$, for a "
            "list of factors, each of shape `(d,)` (a vector) or `(d, k)`."
        ),
        signature="ema_of_factors(factors, beta) -> (d, d) array",
        hint="A vector of shape `(d,)` is a `(d, 1)` factor: `F.reshape(d, -1)`.",
        cases=_ema_cases,
        solution=solutions.ema_of_factors,
        mistakes=MISTAKES["ema_of_factors"],
    ),
)
