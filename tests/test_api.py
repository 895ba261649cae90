"""The public API: every exported name importable and documented (numpydoc sections)."""

import importlib
import inspect

import pytest

import pyginger


def _public_callables():
    for name in pyginger.__all__:
        obj = getattr(pyginger, name)
        if inspect.ismodule(obj):
            for sub in getattr(obj, "__all__", []):
                member = getattr(obj, sub)
                if inspect.isfunction(member) or inspect.isclass(member):
                    yield f"{name}.{sub}", member
        elif callable(obj):
            yield name, obj


def test_all_names_are_importable():
    for name in pyginger.__all__:
        assert hasattr(pyginger, name), name
    assert isinstance(pyginger.__version__, str)


@pytest.mark.parametrize(("name", "obj"), list(_public_callables()), ids=lambda x: str(x)[:40])
def test_public_callables_are_documented(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    if inspect.isfunction(obj):
        assert "Examples" in doc, f"{name} has no Examples section"
        assert "Returns" in doc or "Yields" in doc or "None" in doc, f"{name}: no Returns section"
        if "raise " in inspect.getsource(obj) or "_v.check" in inspect.getsource(obj):
            assert "Raises" in doc, f"{name} raises but documents no Raises section"


def test_submodules_import_without_optional_dependencies():
    for mod in (
        "pyginger.core",
        "pyginger.dense",
        "pyginger.testing",
        "pyginger.core._twins",
        "pyginger.plotting",
        "pyginger.cli.demo",
    ):
        importlib.import_module(mod)
