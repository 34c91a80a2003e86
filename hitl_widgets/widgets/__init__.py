"""The widgets: one Python class (here) and one TypeScript module (js/src/widgets/) each."""
from .base import ReviewWidget
from .classify import ClassifyWidget

__all__ = ["ClassifyWidget", "ReviewWidget"]
