"""Packaging metadata: one version, an SPDX license, and a source tree that ships what it needs.

Cheap checks of the files only; building the distributions is left to the release procedure.
"""

import importlib.metadata
import re
from pathlib import Path

import pytest

import pyginger

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_defined_once():
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|rc\d+)?", pyginger.__version__)
    try:
        installed = importlib.metadata.version("pyginger")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        pytest.skip("pyginger is not installed")
    assert installed == pyginger.__version__


def test_pyproject_metadata():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "BSD-3-Clause"  # an SPDX expression, not the deprecated table
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    for name in project["license-files"]:
        assert (ROOT / name).is_file(), name
    assert "version" not in project and "version" in project["dynamic"]  # from __version__


def test_changelog_has_an_entry_for_this_release():
    release = re.match(r"\d+\.\d+\.\d+", pyginger.__version__).group()  # without .devN, rcN
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[?{re.escape(release)}\]?(\s|$)", text, flags=re.M), release


def test_extras_install_scikit_learn_for_digits():
    # pyginger.datasets.digits reads scikit-learn's bundled data; the tests (test_datasets) and
    # the notebooks that use it (09_baselines) run in CI from these extras, so they must bring it.
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for extra in ("test", "notebooks", "docs"):
        requirements = project["optional-dependencies"][extra]
        assert any(re.match(r"scikit-learn\b", r) for r in requirements), extra
