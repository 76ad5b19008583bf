"""The documentation's configuration: math renders without a network.

Issue 14, item 9: sphinx.ext.mathjax loads MathJax from a CDN by default, so the
model pages' equations showed as raw LaTeX offline. The site now ships MathJax
(``sphinx-mathjax-offline`` copies it into ``_static/mathjax``). The built pages
are checked for remote scripts in ``.ci/run`` after ``make docs``; this test runs
before the docs are built, on ``docs/conf.py`` alone.
"""

import ast
import importlib
import os
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[1] / "docs" / "conf.py"


def _literal(node):
    """A node's literal value; a dict keeps its literal entries only."""
    if isinstance(node, ast.Dict):
        entries = {}
        for key, value in zip(node.keys, node.values, strict=True):
            try:
                entries[ast.literal_eval(key)] = ast.literal_eval(value)
            except ValueError:
                pass
        return entries
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _conf_values():
    """The literal top-level assignments of docs/conf.py, without running it."""
    return {
        target.id: _literal(node.value)
        for node in ast.parse(CONF.read_text()).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def test_math_renderer_is_served_with_the_site():
    conf = _conf_values()
    assert "sphinx.ext.mathjax" in conf["extensions"]
    assert "sphinx-mathjax-offline" in conf["extensions"]
    path = conf.get("mathjax_path")
    assert path, "docs/conf.py sets no mathjax_path (the default is a CDN URL)"
    assert "//" not in path and not os.path.isabs(path), path
    assert path.endswith(".js")


def test_gallery_writes_no_page_with_cdn_scripts():
    # sphinx-gallery's computation-times page loads jQuery from code.jquery.com.
    gallery = _conf_values()["sphinx_gallery_conf"]
    assert gallery.get("write_computation_times") is False


def test_configured_mathjax_file_is_shipped_by_the_extension():
    pytest.importorskip("sphinx")  # the docs extra, absent from the test set-up
    extension = importlib.import_module("sphinx-mathjax-offline")
    static = Path(extension.__file__).parent / "static"
    assert (static / _conf_values()["mathjax_path"]).is_file()
