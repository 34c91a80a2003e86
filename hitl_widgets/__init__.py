"""hitl-widgets: Jupyter widgets for human-in-the-loop review of multimodal ML data.

Example:
    >>> import numpy as np, hitl_widgets as hw
    >>> store = hw.AnnotationStore(":memory:")
    >>> w = hw.ClassifyWidget(np.zeros((4, 8, 8), np.uint8), classes=["a", "b"], store=store)
    >>> w.labels.empty
    True
"""
from ._version import __version__
from .items import Items
from .store import AnnotationStore
from .widgets import ClassifyWidget

__all__ = ["AnnotationStore", "ClassifyWidget", "Items", "__version__"]
