"""Type hints: every public function and method of the annotated modules has complete ones.

"Public" means a module's ``__all__`` and the public methods (and ``__init__``) of the classes in
it. Every hint must also evaluate: ``typing.get_type_hints`` resolves it, with the names that
modules import only for type checking supplied here.
"""

import importlib
import inspect
import typing

import pytest

import pyginger
from pyginger.core import GingerState
from pyginger.nn.mlp import MLP

#: The modules whose public API is fully annotated (``pyginger/py.typed`` marks the package).
ANNOTATED = [
    "pyginger._backend",
    "pyginger.checkpoint",
    "pyginger.nn.datasets",
    "pyginger.dense",
    "pyginger.diagnostics",
    "pyginger.nn.losses",
    "pyginger.core",
    "pyginger.nn.mlp",
    "pyginger.nn.jacobian",
    "pyginger.nn.ggn",
    "pyginger.nn.softmax",
    "pyginger.optim",
    "pyginger.theory.problems",
    "pyginger.theory.problems.mlp_regression",
    "pyginger.theory.problems.robust_regression",
    "pyginger.testing",
    "pyginger.theory",
    "pyginger.theory.algorithm",
    "pyginger.theory.bounds",
    "pyginger.theory.checks",
    "pyginger.theory.estimates",
    "pyginger.theory.experiments",
    "pyginger.run.training",
    "pyginger.exercises",
]

#: Names imported under ``typing.TYPE_CHECKING`` (to avoid import cycles or runtime imports).
TYPE_CHECKING_NAMES = {"GingerState": GingerState, "MLP": MLP}


def _public(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if getattr(obj, "__module__", None) != module.__name__:
            continue  # an import, or a constant
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, property):
                    member = member.fget
                elif isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member) and member.__qualname__.startswith(obj.__name__):
                    yield f"{name}.{attr}", member


def _cases():
    for module_name in ANNOTATED:
        module = importlib.import_module(module_name)
        for name, func in _public(module):
            yield pytest.param(func, id=f"{module_name.removeprefix('pyginger.')}.{name}")


@pytest.mark.parametrize("func", list(_cases()))
def test_public_function_is_annotated(func):
    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{func.__qualname__}: no type hint for {', '.join(missing)}"
    if func.__name__ != "__init__":
        assert sig.return_annotation is not inspect.Signature.empty, (
            f"{func.__qualname__}: no return type hint"
        )
    typing.get_type_hints(func, localns=TYPE_CHECKING_NAMES)  # every hint evaluates


def test_package_is_marked_typed():
    from importlib.resources import files

    assert (files(pyginger) / "py.typed").is_file()
