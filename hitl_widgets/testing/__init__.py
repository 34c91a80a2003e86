"""Helpers to drive widgets in a real host with headless Chromium (tests and benchmarks):
JupyterLab and Notebook 7 (``jupyterlab``), marimo (``marimo``), both on one process starter
(``server``).

Needs the ``test`` extra (playwright, jupyterlab, notebook, marimo) and Debian's Chromium; nothing
here is imported by the widgets themselves.
"""
