"""The package's shape: one job per module, short functions, arrows that only point down.

docs/architecture.md draws the layers; this file is what keeps the drawing true. Each rule is a
fact about the source text, read with :mod:`ast`, so the tests are exact: nothing here is timed
or sampled.
"""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pyginger"

#: Written by a program (``python -m pyginger.core._codegen``), not by hand.
GENERATED = {"pyginger.core._unrolled"}
MAX_MODULE_LINES = 600
MAX_FUNCTION_CODE_LINES = 60

#: The layers, bottom first. A module may import modules of its own layer (its subpackage) and
#: of layers below it, never above (``docs/architecture.md``).
LAYERS = [
    ("base", ["pyginger._backend", "pyginger._validation"]),
    ("core", ["pyginger.core"]),
    ("references", ["pyginger.dense", "pyginger.testing", "pyginger.nn"]),
    ("optimizers", ["pyginger.optim"]),
    ("checkpoints", ["pyginger.checkpoint"]),
    ("running", ["pyginger.run"]),
    (
        "analysis",
        ["pyginger.theory", "pyginger.diagnostics", "pyginger.plotting", "pyginger.exercises"],
    ),
    ("package", ["pyginger", "pyginger._compat"]),
    ("command line", ["pyginger.cli", "pyginger.__main__"]),
]


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
HAND_WRITTEN = sorted(set(MODULES) - GENERATED)


def _layer_of(module):
    best = None
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (rank, len(prefix))
    assert best is not None, f"{module} belongs to no layer of LAYERS"
    return best[0]


def _tree(module):
    return ast.parse(MODULES[module].read_text(), filename=str(MODULES[module]))


def _is_type_checking(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module):
    """Yield the pyginger modules ``module`` imports, anywhere in it but ``if TYPE_CHECKING``."""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    def visit(node):
        if isinstance(node, ast.If) and _is_type_checking(node):
            return
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "pyginger")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            if base.split(".")[0] == "pyginger":
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    yield sub if sub in MODULES else base
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from (m for m in visit(_tree(module)) if m != module)


def _code_lines(node, comment_or_blank):
    """Lines of ``node`` that hold code: no blank or comment-only line, no docstring."""
    lines = set(range(node.lineno, node.end_lineno + 1)) - comment_or_blank
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            lines -= set(range(body[0].lineno, body[0].end_lineno + 1))
    return len(lines)


@pytest.mark.parametrize("module", HAND_WRITTEN)
def test_every_module_states_its_job_in_its_first_line(module):
    doc = ast.get_docstring(_tree(module))
    assert doc and doc.splitlines()[0].strip(), f"{module}: no docstring"
    assert doc.splitlines()[0].rstrip().endswith((".", ":")), f"{module}: {doc.splitlines()[0]}"


@pytest.mark.parametrize("module", HAND_WRITTEN)
def test_hand_written_modules_are_short(module):
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_MODULE_LINES, f"{module} has {n} lines (at most {MAX_MODULE_LINES})"


@pytest.mark.parametrize("module", HAND_WRITTEN)
def test_functions_are_short(module):
    text = MODULES[module].read_text().splitlines()
    skip = {i + 1 for i, line in enumerate(text) if not line.strip() or line.lstrip()[0] == "#"}
    long = [
        f"{node.name} (line {node.lineno}): {n} lines of code"
        for node in ast.walk(_tree(module))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (n := _code_lines(node, skip)) > MAX_FUNCTION_CODE_LINES
    ]
    assert not long, f"{module}: " + "; ".join(long)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    rank = _layer_of(module)
    upward = [m for m in _imports(module) if _layer_of(m) > rank]
    assert not upward, f"{module} ({LAYERS[rank][0]}) imports " + ", ".join(
        f"{m} ({LAYERS[_layer_of(m)][0]})" for m in upward
    )


def test_the_import_graph_has_no_cycles():
    graph = {m: {i for i in _imports(m) if i in MODULES} for m in MODULES}
    for m in graph:  # importing a package's submodule runs the package's __init__ first
        graph[m] -= {p for p in graph[m] if m.startswith(p + ".")}
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(graph)))
    done, path = set(), []

    def visit(m):
        if m in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(m) :], m]))
        if m in done:
            return
        path.append(m)
        for n in sorted(graph[m]):
            visit(n)
        path.pop()
        done.add(m)

    for m in sorted(graph):
        visit(m)
