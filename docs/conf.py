"""Sphinx configuration for the placebo_unittest documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``.
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import placebo_unittest

project = "placebo_unittest"
author = "placebo_unittest developers"
copyright = "placebo_unittest developers"
version = placebo_unittest.__version__
release = placebo_unittest.__version__

extensions = ["sphinx.ext.autodoc"]

root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build"]
templates_path = []

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {}

pygments_style = "sphinx"
html_theme = "alabaster"
html_static_path = []
html_title = f"placebo_unittest {release}"
