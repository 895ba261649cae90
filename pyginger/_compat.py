"""Old module paths of version 0.1 (``pyginger.lowrank``, ``pyginger.mlp``, ...), kept importable.

Version 0.2 moves the modules into subpackages by layer. An import of an old path loads the new
module and registers it under the old name too, so ``from pyginger.mlp import MLP`` and
``import pyginger.benchmarks`` keep working. New code should use the new paths (CHANGELOG.md).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old dotted path -> new dotted path
MOVED = {
    "pyginger.lowrank": "pyginger.core",
    "pyginger.mlp": "pyginger.nn.mlp",
    "pyginger.losses": "pyginger.nn.losses",
    "pyginger.datasets": "pyginger.nn.datasets",
    "pyginger.training": "pyginger.run.training",
    "pyginger.problems": "pyginger.theory.problems",
    "pyginger.demo": "pyginger.cli.demo",
    "pyginger.benchmarks": "pyginger.cli.bench",
    "pyginger.benchmarks.bandwidth": "pyginger.cli.bench.bandwidth",
    "pyginger.benchmarks.core": "pyginger.cli.bench.core",
    "pyginger.benchmarks.mlp": "pyginger.cli.bench.mlp",
}


class _AliasLoader(importlib.abc.Loader):
    """Give the already-imported new module for an old name."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.identity = {k: getattr(module, k) for k in ("__name__", "__spec__", "__loader__")}
        return module

    def exec_module(self, module):
        """Nothing to run; undo the import system's renaming of the shared module."""
        for key, value in self.identity.items():
            setattr(module, key, value)


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Find old module paths and answer with their new modules."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "pyginger.minimize":
            raise ModuleNotFoundError(
                "pyginger.minimize is the function (`from pyginger import minimize`); its module "
                "is pyginger.run.minimizer",
                name=fullname,
            )
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(MOVED[fullname]))


if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _AliasFinder())
