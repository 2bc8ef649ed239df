"""pytest collection under docs/: the Markdown pages' doctests, not the site's machinery.

``--doctest-modules`` would import the Sphinx configuration and its extension, and run
each gallery script at collection; the gallery runs in the documentation build instead,
and the notebook under ``examples/`` with ``pytest --nbmake docs/examples``.
"""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "_ext/*", "gallery/*.py", "auto_examples/*", "api/*"]
