"""Benchmarks of hitl-widgets against named peers, each a script printing medians and ratios.

``python -m benchmarks`` runs every ``benchmarks/*.py`` script one after another and writes
BENCHMARKS.md (machine details, then each script's output); see ``benchmarks/__main__.py``.
"""
