"""The widgets: one Python module here and one TypeScript module (js/src/widgets/) each.

Import them from ``hitl_widgets`` (e.g. ``hitl_widgets.ClassifyWidget``).
"""
