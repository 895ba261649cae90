"""The exercises: every checker accepts its reference solution and rejects plausible mistakes.

Each checker compares the reader's function with an independent dense reference; here it is run
on the reference solutions of ``pyginger.exercises.solutions`` (which must pass) and on the
wrong solutions of ``pyginger.exercises.mistakes`` (each must be rejected, with a message that
names the exercise and what was wrong). A few reference solutions are also checked against the
package's own implementation of the same formula, and ``docs/exercises.md`` against the catalog.
"""

import ast
import inspect
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

import pyginger
from pyginger import dense, exercises, optim
from pyginger.core import _released
from pyginger.exercises import EXERCISES, ExerciseFailed, _base, _render, solutions
from pyginger.exercises.mistakes import MISTAKES

ROOT = Path(__file__).resolve().parents[1]
EPS = np.finfo(np.float64).eps
PAIRS = [(name, desc) for name, e in EXERCISES.items() for desc, _ in e.mistakes]


@pytest.mark.parametrize("name", EXERCISES)
def test_the_reference_solution_passes(name, capsys):
    result = exercises.check(name, getattr(solutions, name))
    assert result.passed and result.solved
    assert capsys.readouterr().out.startswith(f"{name}: correct on all")


@pytest.mark.parametrize(("name", "description"), PAIRS, ids=[f"{n}-{i}" for n, i in PAIRS])
def test_a_plausible_mistake_is_rejected_and_named(name, description):
    wrong = dict(EXERCISES[name].mistakes)[description]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # e.g. arccos of 1 + eps: nan, reported
        with pytest.raises(ExerciseFailed) as info:
            exercises.check(name, wrong, verbose=False)
    message = str(info.value)
    assert message.startswith(f"{name} (notebook 0{EXERCISES[name].notebook})")
    assert "case " in message and "arguments: " in message  # which input failed
    assert description in message  # what was wrong


def _top_eigh(G, tau):
    w, V = scipy.linalg.eigh(G, subset_by_index=[len(G) - tau, len(G) - 1])
    return V[:, ::-1], w[::-1]


def _float32_threshold(gamma, tau, dtype):
    c = 10 * (tau + 1) * np.finfo(dtype).eps  # evaluated in the dtype itself
    return gamma * (1 / c - 1)


#: Other right answers (dense, other libraries, the other sign, lower precision): the
#: tolerances must accept them, or the checker would fail readers who are right.
ALTERNATIVES = {
    "damped_solve": lambda G, g, gamma: np.linalg.solve(G + gamma * np.eye(len(G)), g),
    "sherman_morrison": lambda A_inv, u, v: np.linalg.inv(np.linalg.inv(A_inv) + np.outer(u, v)),
    "woodbury_solve": lambda U, s, gamma, g: np.linalg.solve(
        gamma * np.eye(len(U)) + (U * s) @ U.T, g
    ),
    "best_rank": _top_eigh,
    "loglog_slope": lambda n, t: scipy.stats.linregress(np.log(n), np.log(t)).slope,
    "collapse_threshold": _float32_threshold,
    "eigenvector_from_root": lambda d, z, lam: -solutions.eigenvector_from_root(d, z, lam),
    "step_angle": lambda u, v: np.arccos(
        np.clip(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)), -1.0, 1.0)
    ),
}


@pytest.mark.parametrize("name", ALTERNATIVES)
def test_other_right_answers_pass(name):
    assert exercises.check(name, ALTERNATIVES[name], verbose=False).passed


def test_every_notebook_has_at_least_two_exercises_with_two_mistakes_each():
    for notebook in range(1, 10):
        assert len(exercises.for_notebook(notebook)) >= 2, notebook
    assert set(MISTAKES) == set(EXERCISES)
    for name, e in EXERCISES.items():
        assert len(e.mistakes) >= 2, name
        assert e.solution is getattr(solutions, name)
        assert len(e.cases()) >= 3, f"{name}: fewer than three cases"


def test_cases_are_deterministic():
    for name, e in EXERCISES.items():
        first, second = e.cases(), e.cases()
        for a, b in zip(first, second, strict=True):
            assert a.label == b.label
            for x, y in zip(a.args, b.args, strict=True):
                if isinstance(x, np.ndarray):
                    np.testing.assert_array_equal(x, y, err_msg=name)


def test_a_stub_is_reported_without_stopping_a_notebook(capsys):
    def stub(A_inv, u, v):
        raise NotImplementedError("your code here")

    result = exercises.check("sherman_morrison", stub, raise_on_fail=False)
    assert not result.passed and not result.solved
    assert "not solved yet" in capsys.readouterr().out
    with pytest.raises(ExerciseFailed, match="not solved yet"):
        exercises.check("sherman_morrison", stub)


def test_messages_say_what_was_wrong():
    # A wrong shape (with a hint when a matrix is transposed).
    with pytest.raises(ExerciseFailed, match=r"returned shape \(4,\), expected \(5, 5\)"):
        exercises.check("ema_of_factors", lambda factors, beta: np.zeros(4))
    assert "(transposed?)" in _base.compare(np.zeros((2, 3)), np.zeros((3, 2)), 0.0, 0.0)
    # An exception of the reader's code, with the failing input.
    with pytest.raises(ExerciseFailed, match=r"raised ZeroDivisionError: .*\n  case 1 of 4"):
        exercises.check("bias_corrected_momentum", lambda grads, beta1: 1 / 0)
    # The size of the error against the allowed one, and a flipped sign.
    with pytest.raises(ExerciseFailed, match=r"allowed .* \(the sign is flipped\)"):
        exercises.check("damped_solve", lambda G, g, gamma: -solutions.damped_solve(G, g, gamma))
    # A wrong number of outputs.
    with pytest.raises(ExerciseFailed, match="expected a tuple of 2 outputs"):
        exercises.check("momentum_step", lambda *args: args[0])

    # Writing into an input (the case itself stays intact for the next check).
    def in_place(A_inv, u, v):
        A_inv -= np.outer(A_inv @ u, v @ A_inv) / (1.0 + v @ A_inv @ u)
        return A_inv

    with pytest.raises(ExerciseFailed, match="wrote into its argument 0"):
        exercises.check("sherman_morrison", in_place)
    # Non-numbers.
    with pytest.raises(ExerciseFailed, match="not a number or an array of numbers"):
        exercises.check("admissible_step", lambda L, lam_min, lam_max: "small")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="check: exercise must be one of ggn_from_jacobians, .*"):
        exercises.check("woodbury", solutions.woodbury_solve)
    with pytest.raises(TypeError, match="check: exercise must be a name \\(str\\), got int"):
        exercises.check(3, solutions.woodbury_solve)
    with pytest.raises(TypeError, match="check: func must be a function, got float"):
        exercises.check("woodbury_solve", 1.0)
    with pytest.raises(ValueError, match="for_notebook: notebook must be one of 1, 2, .*got 10"):
        exercises.for_notebook(10)


# -- the reference solutions against the package's own implementations ---------------------


def test_woodbury_solve_is_pyginger_solve():
    rng = np.random.default_rng(0)
    state = pyginger.update(pyginger.init(30, 4, damping=0.01), rng.standard_normal((30, 4)))
    g = rng.standard_normal(30)
    x = solutions.woodbury_solve(state.U, state.sigma, 0.01, g)
    # Both are the same O(d tau) formula, summed in other orders: a few d eps relative.
    np.testing.assert_allclose(x, pyginger.solve(state, g), rtol=100 * 30 * EPS)


def test_best_rank_is_dense_best_rank_truncation():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((8, 8))
    U, sigma = solutions.best_rank(A @ A.T, 3)
    U_ref, sigma_ref = dense.best_rank_truncation(A @ A.T, 3)
    np.testing.assert_allclose(sigma, sigma_ref, rtol=100 * 8 * EPS)
    np.testing.assert_allclose(U @ U.T, U_ref @ U_ref.T, atol=1e-10)  # gap >= 1: eps / gap


def test_adam_step_follows_optim_adam():
    rng = np.random.default_rng(2)
    opt = optim.adam(lr=0.05, beta1=0.9, beta2=0.99, eps=1e-8)
    theta = theta_ref = rng.standard_normal(5)
    m = v = np.zeros(5)
    state = opt.init(theta_ref)
    for t in range(1, 6):
        grad = np.sin(3 * theta) + theta  # any gradient field: both see the same gradients
        theta, m, v = solutions.adam_step(theta, m, v, grad, t, 0.05, 0.9, 0.99, 1e-8)
        theta_ref, state = opt.step(theta_ref, np.sin(3 * theta_ref) + theta_ref, state)
        # The same arithmetic in another order: a few eps per step, over 5 steps.
        np.testing.assert_allclose(theta, theta_ref, rtol=1e-13)


def test_collapse_threshold_is_where_the_released_map_back_collapses():
    gamma, tau = 1e-5, 4
    sigma_c = solutions.collapse_threshold(gamma, tau, np.float32)
    for factor, collapses in [(0.9, False), (1.1, True)]:
        sigma = factor * sigma_c
        s = np.zeros(tau + 1, dtype=np.float32)
        s[-1] = sigma / (gamma * (gamma + sigma))  # the inverse's eigenvalue; one value near 0
        back = _released._map_back(s, gamma)
        assert (back[-1] == 0) == collapses, factor


def test_pinv_cases_keep_off_the_cut_off():
    # The checker's inputs have no entry within 10% of the cut-off, where rounding could decide.
    for case in EXERCISES["pinv_c"].cases():
        (x,) = case.args
        cut = 10 * x.size * np.finfo(x.dtype).eps * np.abs(x).max()
        assert np.all(np.abs(np.abs(x) - cut) > 0.1 * cut), case.label


def test_solutions_use_numpy_and_scipy_only():
    tree = ast.parse(inspect.getsource(solutions))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= {"numpy", "scipy.linalg", "__future__"}, imported


# -- the documentation and the notebook cells ------------------------------------------------


def test_the_docs_page_is_written_from_the_catalog():
    path = ROOT / "docs" / "exercises.md"
    if not path.exists():
        pytest.skip("docs/ is not part of the source distribution")
    page = path.read_text()
    assert page == _render.markdown_page(), (
        "docs/exercises.md is stale: python -m pyginger.exercises._render docs/exercises.md"
    )
    for name in EXERCISES:
        assert f":pyobject: {name}\n" in page


@pytest.mark.parametrize("notebook", range(1, 10))
def test_notebook_cells_run_with_stubs_and_with_solutions(notebook, capsys):
    nbformat = pytest.importorskip("nbformat")
    cells = _render.notebook_cells(notebook)
    nb = nbformat.v4.new_notebook(cells=[nbformat.from_dict(c) for c in cells])
    nbformat.validate(nb)
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    namespace = {}
    for source in code:  # as committed: stubs, so the checks print "not solved yet"
        exec(source, namespace)  # noqa: S102 - the cells the notebook will run
    assert capsys.readouterr().out.count("not solved yet") == len(code) // 2
    for source in code[1::2]:  # and with the reference solutions filled in
        namespace.update(vars(solutions))
        exec(source, namespace)  # noqa: S102
    assert "not solved yet" not in capsys.readouterr().out


def test_notebooks_end_with_their_exercise_cells():
    nbformat = pytest.importorskip("nbformat")
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        ids = [c.get("id") for c in cells]
        number = int(path.name[:2])
        if f"{number:02d}-exercises" not in ids:
            continue  # its exercises are not inserted yet
        found.append(number)
        want = _render.notebook_cells(number)
        got = cells[ids.index(f"{number:02d}-exercises") :]
        assert [(c["id"], c["cell_type"], "".join(c["source"])) for c in want] == [
            (c.id, c.cell_type, c.source) for c in got
        ], f"{path.name}: its exercise cells differ from pyginger.exercises._render"
    assert found == list(range(1, 10))  # every notebook of the course has its exercises
