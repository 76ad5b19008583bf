"""Sphinx configuration: PyData theme, numpydoc API pages, sphinx-gallery examples."""

import os
import sys

import sklearn_recae

sys.path.insert(0, os.path.abspath("figures"))  # the user guide's plot code

project = "sklearn-recae"
author = "sklearn-recae developers"
release = version = sklearn_recae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax served with the site (copied into _static/mathjax) instead of
    # sphinx.ext.mathjax's CDN default, so equations render offline.
    "sphinx-mathjax-offline",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
# The extension sets this too; stated here so tests/test_docs.py can check that
# the math renderer is local (a path under _static, not a URL).
mathjax_path = "mathjax/tex-chtml.js"
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

html_theme = "pydata_sphinx_theme"
html_title = "sklearn-recae"
html_theme_options = {"navigation_with_keys": False}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKLEARN_RECAE_DOCS_RUN_EXAMPLES", "True"),
    "download_all_examples": False,
    "remove_config_comments": True,
    # The computation-times page loads jQuery and DataTables from CDNs; without
    # it the site references no remote script (checked by .ci/run).
    "write_computation_times": False,
}

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
