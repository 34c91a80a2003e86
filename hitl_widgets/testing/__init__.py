"""Helpers to drive widgets in a real JupyterLab with headless Chromium (tests and benchmarks).

Needs the ``test`` extra (playwright, jupyterlab) and Debian's Chromium; nothing here is imported
by the widgets themselves.
"""
