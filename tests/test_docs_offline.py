"""The documentation site works offline: no built page loads a script, stylesheet or font remotely.

Sphinx's default ``mathjax_path`` is a CDN, so a site built with it shows raw ``\\(\\hat m_t\\)``
LaTeX without a network; myst-nb likewise loads require.js from CDNs on pages with widget state.
``docs/conf.py`` serves MathJax from the built site (``sphinx-mathjax-offline``) and turns the
widget scripts off. Two checks:

- ``test_small_site_is_offline`` builds a two-page site (a MyST page and a notebook, both with
  formulas) with the settings of ``docs/conf.py`` and inspects every resource its pages load. It
  needs the ``docs`` extra and skips without Sphinx; it takes a few seconds.
- ``test_built_site_is_offline`` inspects the real site in ``docs/_build/html``, and skips when it
  has not been built (``python -m sphinx -W --keep-going -b html docs docs/_build/html``).

A resource is remote when its address has a scheme other than ``data:`` or starts with ``//``;
a local one must exist in the built site. Plain hyperlinks (``<a href>``, ``<link rel="next">``
and the like) load nothing and are not checked.
"""

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
BUILT = DOCS / "_build" / "html"

#: ``<link rel=...>`` values whose ``href`` the browser fetches (the others are hyperlinks).
LOADING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
    "import",
}
#: Tag attributes holding the address of something the page loads (``<link>`` is treated above).
LOADING_ATTRS = {
    "script": ("src",),
    "img": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "source": ("src",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "track": ("src",),
    "object": ("data",),
}
#: A ``url(...)`` or ``@import "..."`` in CSS.
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def is_remote(address):
    """Whether loading ``address`` needs the network (``data:`` URIs do not)."""
    address = address.strip()
    scheme = urlsplit(address).scheme.lower()
    return address.startswith("//") or (scheme not in ("", "data") and len(scheme) > 1)


class _Resources(HTMLParser):
    """Collect the addresses a page loads: tag attributes, inline styles and ``<style>`` blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & LOADING_RELS and attrs.get("href"):
                self.found.append((f"<link rel={attrs['rel']!r}>", attrs["href"]))
        for name in LOADING_ATTRS.get(tag, ()):
            if attrs.get(name):
                self.found.append((f"<{tag} {name}>", attrs[name]))
        if attrs.get("style"):
            self.found += [("style=", u) for u in _css_urls(attrs["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.found += [("<style>", u) for u in _css_urls(data)]


def _css_urls(text):
    return [a or b for a, b in CSS_URL.findall(text)]


def _local_target(base, address):
    """The file a relative ``address`` found in the file ``base`` points to."""
    path = unquote(urlsplit(address).path)
    return (base.parent / path).resolve() if path else base


def offline_problems(site):
    """Every remote or missing resource of the built site ``site``, as readable lines."""
    problems = []
    # Pages only: the theme copies Jinja templates (webpack-macros.html) into _static.
    pages = sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)
    assert pages, f"no HTML page under {site}"
    for page in pages:
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        for where, address in parser.found:
            name = page.relative_to(site)
            if is_remote(address):
                problems.append(f"{name}: {where} loads remote {address}")
            elif not address.startswith("data:") and not _local_target(page, address).exists():
                problems.append(f"{name}: {where} loads missing local {address}")
    # Stylesheets that fetch remote fonts or images (e.g. an @import of a web font service).
    for sheet in sorted(site.rglob("*.css")):
        for address in _css_urls(sheet.read_text(encoding="utf-8", errors="replace")):
            if is_remote(address):
                problems.append(f"{sheet.relative_to(site)}: CSS loads remote {address}")
    return problems


def mathjax_scripts(page):
    """The ``src`` of the MathJax scripts ``page`` loads."""
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return [a for where, a in parser.found if where == "<script src>" and "mathjax" in a.lower()]


def test_is_remote():
    assert is_remote("https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js")
    assert is_remote("//cdnjs.cloudflare.com/require.js")
    assert is_remote(" HTTP://example.org/a.css")
    assert not is_remote("_static/mathjax/tex-chtml.js")
    assert not is_remote("../_static/pygments.css?v=1")
    assert not is_remote("data:image/png;base64,AAAA")


def test_parser_finds_loaded_resources_only():
    parser = _Resources()
    parser.feed(
        '<a href="https://example.org">a link</a><link rel="next" href="https://example.org/n">'
        '<link rel="stylesheet" href="https://fonts.example/x.css">'
        '<script src="//cdn.example/r.js"></script><script>var x = "https://x";</script>'
        '<img src="https://i.example/p.png"><div style="background: url(https://b.example/b)">'
        "<style>@import 'https://s.example/s.css';</style>"
    )
    assert [a for _, a in parser.found] == [
        "https://fonts.example/x.css",
        "//cdn.example/r.js",
        "https://i.example/p.png",
        "https://b.example/b",
        "https://s.example/s.css",
    ]


# -- A small site with the project's settings --------------------------------------------------

#: Settings of docs/conf.py tied to its own pages or folder: replaced in the small site.
SITE_SPECIFIC = {"root_doc", "exclude_patterns", "html_sidebars", "API_SECTIONS", "OPTIONAL_PAGES"}
#: Settings holding paths relative to docs/: made absolute for the small site.
PATH_SETTINGS = {
    "templates_path",
    "html_static_path",
    "html_extra_path",
    "html_logo",
    "html_favicon",
}


def conf_settings():
    """The top-level settings of ``docs/conf.py`` with literal values, read without running it.

    Running it would import pyginger and write ``docs/api/``; the values that matter here
    (extensions, ``mathjax_path``, ``html_js_files``, ``nb_ipywidgets_js``, the theme) are
    literals. The full-site test below covers the rest.
    """
    settings = {}
    for node in ast.parse((DOCS / "conf.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        else:
            continue
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        try:
            literal = ast.literal_eval(value)
        except ValueError:
            continue
        settings.update(dict.fromkeys(names, literal))
    return settings


def _absolute(value):
    if isinstance(value, str):
        return value if is_remote(value) else str(DOCS / value)
    return [_absolute(v) for v in value]


def _small_site(src):
    settings = {k: v for k, v in conf_settings().items() if k not in SITE_SPECIFIC}
    for key in PATH_SETTINGS & settings.keys():
        settings[key] = _absolute(settings[key])
    settings.update(root_doc="index", exclude_patterns=["_build"], nb_execution_mode="off")
    assert "extensions" in settings, "docs/conf.py no longer sets extensions as a literal list"
    src.mkdir()
    src.joinpath("conf.py").write_text(
        "".join(f"{key} = {value!r}\n" for key, value in sorted(settings.items()))
    )
    src.joinpath("index.md").write_text(
        "# Offline\n\n"
        "Inline $\\hat m_t = \\beta \\hat m_{t-1}$ and displayed:\n\n"
        "$$\n(G + \\lambda I)^{-1} v\n$$\n\n"
        "\\begin{align}\nU_t &= Q_t R_t \\\\ d &\\gg \\tau\n\\end{align}\n\n"
        "```{toctree}\nnotebook\n```\n"
    )
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            # Saved widget state: myst-nb's default adds require.js and a widget manager from CDNs.
            "widgets": {
                "application/vnd.jupyter.widget-state+json": {
                    "version_major": 2,
                    "version_minor": 0,
                    "state": {"w": {"model_name": "IntSliderModel", "state": {"value": 1}}},
                }
            },
        },
        "cells": [
            {
                "cell_type": "markdown",
                "id": "m",
                "metadata": {},
                "source": ["# A notebook\n", "\n", "The damped matrix $G + \\lambda I$."],
            },
            {
                "cell_type": "code",
                "id": "c",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": ["1 + 1"],
            },
        ],
    }
    src.joinpath("notebook.ipynb").write_text(json.dumps(notebook))


def test_small_site_is_offline(tmp_path):
    pytest.importorskip("sphinx", reason="needs the docs extra: pip install '.[docs]'")
    if not (DOCS / "conf.py").is_file():  # a source distribution ships no docs/
        pytest.skip(f"no documentation sources in {DOCS}")
    from sphinx.cmd.build import build_main

    src, out = tmp_path / "src", tmp_path / "html"
    _small_site(src)
    # -W: a warning (an extension that fails to import, say) fails the build and this test.
    status = build_main(["-W", "--keep-going", "-q", "-b", "html", str(src), str(out)])
    assert status == 0, "the small site did not build: see the captured stderr"

    problems = offline_problems(out)
    assert not problems, "pages load remote or missing resources:\n" + "\n".join(problems)
    for page in ("index.html", "notebook.html"):  # both have formulas: MathJax must be served
        scripts = mathjax_scripts(out / page)
        assert scripts, f"{page} has formulas but loads no MathJax"
        assert all(_local_target(out / page, s).is_file() for s in scripts)


def test_built_site_is_offline():
    if not (BUILT / "index.html").exists():
        pytest.skip(f"the documentation is not built in {BUILT}")
    problems = offline_problems(BUILT)
    assert not problems, "built pages load remote or missing resources:\n" + "\n".join(problems)
    theory = BUILT / "theory.html"
    if theory.exists():
        assert mathjax_scripts(theory), "theory.html loads no MathJax"
