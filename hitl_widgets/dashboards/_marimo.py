"""The dashboards that are ipywidgets boxes (BiasAudit, AgreementDashboard) in marimo.

marimo renders anywidgets, not ipywidgets' own widgets such as ``VBox`` (``mo.ui.anywidget(box)``
fails: no ESM), but it calls an object's ``_display_`` first: the box's children — anywidgets
all — are shown stacked, each through ``mo.ui.anywidget``. marimo shows a cell's output once, so a
child added later (a drill-down opened from the view) appears only when the cell runs again.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def stacked(children: Sequence[Any]) -> Any:
    """``mo.vstack`` of ``mo.ui.anywidget(child)`` for each child (marimo is imported here only:
    this runs only when marimo displays the box)."""
    import marimo as mo

    return mo.vstack([mo.ui.anywidget(child) for child in children])
