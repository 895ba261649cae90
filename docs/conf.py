"""Sphinx configuration for the pyginger documentation.

Build (CI runs exactly this, with warnings as errors)::

    pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Where things come from:

- API reference: generated at build time into ``docs/api/`` (git-ignored) from the ``__all__`` of
  every module listed in ``API_SECTIONS`` below that exists, rendered by autosummary + numpydoc
  from the docstrings. A module that exists but fails to import fails the build.
- Tutorials: the notebooks in ``../notebooks``, reached through the committed symlink
  ``docs/notebooks -> ../notebooks`` (one copy of each notebook) and rendered by myst-nb.
- Pages written by other parts of the project (``theory.md``, ``interop.md``, ``performance.md``)
  join the navigation when they exist (see ``OPTIONAL_PAGES``).

Offline: every script, stylesheet and font a built page loads is part of the built site, so the
pages (formulas included) render without a network, e.g. opened from ``docs/_build/html`` or
unpacked from an archive. Sphinx alone would load MathJax from a CDN; the
``sphinx-mathjax-offline`` extension (a PyPI package shipping MathJax 3) sets ``mathjax_path`` to
``_static/mathjax/tex-chtml.js`` and copies MathJax there at the end of every build, and
``nb_ipywidgets_js = {}`` keeps myst-nb from adding require.js and the widget manager from CDNs to
a page whose notebook holds widget state (the tutorials have no widgets). The pydata theme ships
its fonts and icons. ``tests/test_docs_offline.py`` builds a small site with these settings
and fails if a page loads anything remote (and, when ``docs/_build/html`` exists, checks it too).

Notebook execution (``nb_execution_mode``): ``"cache"`` by default. The notebooks are committed
without outputs, so rendering them with figures means running them; jupyter-cache keeps the
results in ``docs/_build/.jupyter_cache`` and re-runs a notebook only when its code changes, so a
local rebuild is cheap and a fresh CI build pays one run of each (well under a minute each; the
test suite runs them too, but in a separate job whose outputs are thrown away). Set
``PYGINGER_NB_EXECUTION=off`` to build quickly without outputs, or ``force`` to re-run all.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

import pyginger

HERE = Path(__file__).resolve().parent

# -- Project ------------------------------------------------------------------------------------

project = "pyginger"
author = "the pyginger developers"
copyright = "2024-2026, the pyginger developers"  # noqa: A001 - Sphinx's name
release = pyginger.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # serves MathJax from the built site: see "Offline" below
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]

# -- API reference: autosummary + numpydoc ------------------------------------------------------

autosummary_generate = True
autosummary_ignore_module_all = False  # a module's public API is its __all__
autosummary_imported_members = True  # pyginger re-exports the core from pyginger.core
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # types are written in the numpydoc Parameters sections
numpydoc_show_class_members = False  # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

#: The API reference, in reading order: (section title, [modules]). Missing modules are skipped
#: (they may not have landed yet). Re-exports are documented once, where users reach them:
#: ``pyginger`` re-exports all of ``pyginger.core`` and ``pyginger.minimize.minimize`` (the
#: name ``pyginger.minimize`` is that function), ``pyginger.cli.bench`` its ``bandwidth`` and
#: ``core``.
API_SECTIONS = [
    ("The Ginger state", ["pyginger"]),
    ("Exact references and checks", ["pyginger.dense", "pyginger.testing", "pyginger.diagnostics"]),
    ("Models, losses and data", ["pyginger.nn.mlp", "pyginger.nn.losses", "pyginger.nn.datasets"]),
    (
        "Optimizers and training",
        [
            "pyginger.optim",
            "pyginger.optim.transforms",
            "pyginger.optim.preconditioners",
            "pyginger.run.training",
            "pyginger.checkpoint",
        ],
    ),
    ("Convergence theory", ["pyginger.theory", "pyginger.theory.problems"]),
    ("Exercises", ["pyginger.exercises"]),
    (
        "Benchmarks, plots and the command line",
        ["pyginger.cli.bench", "pyginger.cli.bench.mlp", "pyginger.plotting", "pyginger.cli.demo"],
    ),
]


def _available(name: str) -> bool:
    """Whether the module exists (importing it is left to autosummary, which fails loudly)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _write_api_index() -> None:
    """Write ``api/index.rst``: one autosummary table per section, one page per module."""
    lines = [
        ".. This file is generated by docs/conf.py at every build; edit API_SECTIONS there.",
        "",
        "API reference",
        "=============",
        "",
        "Every public name (each module's ``__all__``), documented from its docstring. Functions",
        "are pure, arrays are NumPy unless a ``xp`` argument says otherwise, and each docstring's",
        "Examples section runs as a doctest in the test suite.",
        "",
    ]
    for title, modules in API_SECTIONS:
        present = [m for m in modules if _available(m)]
        if not present:
            continue
        lines += [title, "-" * len(title), "", ".. autosummary::", "   :toctree: .", ""]
        lines += [f"   {m}" for m in present]
        lines.append("")
    api = HERE / "api"
    api.mkdir(exist_ok=True)
    target = api / "index.rst"
    text = "\n".join(lines)
    if not target.exists() or target.read_text() != text:  # keep Sphinx's cache valid
        target.write_text(text)


_write_api_index()


def _skip_namedtuple_fields(app, what, name, obj, skip, options):
    """Skip NamedTuple field accessors: numpydoc already documents them under Attributes."""
    doc = getattr(obj, "__doc__", None) or ""
    return True if doc.startswith("Alias for field number") else None


# -- Pages owned by other parts of the project ---------------------------------------------------

#: Optional pages (file stems, placed after the mathematics page) that join the navigation when
#: they exist.
OPTIONAL_PAGES = ["theory", "interop", "performance"]


def _insert_optional_pages(app, docname, source):
    """Replace the marker line in index.md by the optional pages that exist."""
    if docname != "index":
        return
    present = [page for page in OPTIONAL_PAGES if (HERE / f"{page}.md").exists()]
    source[0] = source[0].replace("optional-pages-go-here\n", "".join(f"{p}\n" for p in present))


def _reread_index(app, env, added, changed, removed):
    """Re-read index.md at every build, so that an optional page that appeared joins its toctree."""
    return ["index"]


def setup(app):
    """Connect the hooks above."""
    app.connect("source-read", _insert_optional_pages)
    app.connect("env-get-outdated", _reread_index)
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)


# -- MyST and notebooks -------------------------------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("PYGINGER_NB_EXECUTION", "cache")
# Kernels inherit this: the notebooks' matrices are small, and idle OpenBLAS threads spinning on a
# busy 2-core machine slowed some notebooks 3-10x (tests/test_notebooks.py does the same).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
nb_execution_timeout = 300  # per cell; the notebooks take seconds, a loaded machine needs slack
nb_execution_raise_on_error = True  # an assert cell that fails must fail the build
nb_execution_show_tb = True
nb_merge_streams = True
# No CDN scripts for ipywidgets (see "Offline" above): myst-nb's default loads require.js and the
# widget manager from CDNs on any page whose notebook saved widget state.
nb_ipywidgets_js = {}

# -- HTML ---------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"pyginger {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "installation": [], "quickstart": []}
