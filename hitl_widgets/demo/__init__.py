"""Demo data generated offline (no downloads): synthetic scenes with exact ground truth.

Example:
    >>> from hitl_widgets.demo import make_scenes
    >>> images, scenes = make_scenes(2, seed=0)
    >>> images.shape
    (2, 64, 64, 3)
"""
from .scenes import (
    COLOURS,
    ERROR_CATEGORY,
    ERROR_KINDS,
    SHAPES,
    Caption,
    CaptionError,
    Scene,
    Shape,
    caption,
    make_scene,
    make_scenes,
    model_captions,
    render,
    retrieval_queries,
    vqa_pairs,
)

__all__ = [
    "COLOURS", "ERROR_CATEGORY", "ERROR_KINDS", "SHAPES", "Caption", "CaptionError", "Scene", "Shape",
    "caption", "make_scene", "make_scenes", "model_captions", "render", "retrieval_queries", "vqa_pairs",
]
