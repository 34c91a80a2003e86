"""Active learning: query strategies, model adapters and the query → label → retrain round.

Pure Python (numpy, scikit-learn); torch is optional and imported only by :class:`TorchAdapter`.

Example:
    >>> import numpy as np
    >>> from hitl_widgets.active import margin, select
    >>> select(margin(np.array([[0.9, 0.1], [0.55, 0.45]])), 1).tolist()
    [1]
"""
from .adapters import CallableAdapter, ModelAdapter, SklearnAdapter, TorchAdapter, as_adapter
from .box_adapters import RegionDetector, TorchCenterNet, connected_regions
from .class_task import ClassTask
from .distributed import PoolScoringError, score_pool
from .mask_adapters import PixelClassifier, TorchSegmenter
from .pair_adapters import FeatureMatcher, TorchDualEncoder  # dask is imported only when a pool is scored on it
from .simulate import HISTORY_COLUMNS, ActiveSession, query, simulate
from .strategies import (
    CoreSetStrategy,
    DefaultStrategy,
    HybridStrategy,
    RandomStrategy,
    ScoreStrategy,
    StratifiedStrategy,
    bald,
    core_set,
    density_weighted,
    entropy,
    get_strategy,
    least_confident,
    margin,
    select,
    select_stratified,
    stratified_quota,
)
from .task_loop import TaskLoop, as_task
from .task_scores import (
    alignment_uncertainty,
    boundary_uncertainty,
    box_uncertainty,
    localisation_stability,
    mean_pixel_entropy,
    scene_complexity,
    shown_margin,
    shown_random,
    text_margin_uncertainty,
)
from .tasks import BoxTask, LoopTask, MaskTask, PairTask

__all__ = [
    "ActiveSession",
    "BoxTask",
    "ClassTask",
    "FeatureMatcher",
    "PixelClassifier",
    "RegionDetector",
    "TorchCenterNet",
    "connected_regions",
    "TorchDualEncoder",
    "TorchSegmenter",
    "LoopTask",
    "MaskTask",
    "PairTask",
    "TaskLoop",
    "as_task",
    "CallableAdapter",
    "CoreSetStrategy",
    "DefaultStrategy",
    "HISTORY_COLUMNS",
    "HybridStrategy",
    "PoolScoringError",
    "ModelAdapter",
    "RandomStrategy",
    "ScoreStrategy",
    "SklearnAdapter",
    "StratifiedStrategy",
    "TorchAdapter",
    "alignment_uncertainty",
    "as_adapter",
    "boundary_uncertainty",
    "box_uncertainty",
    "bald",
    "core_set",
    "density_weighted",
    "entropy",
    "get_strategy",
    "least_confident",
    "localisation_stability",
    "margin",
    "mean_pixel_entropy",
    "query",
    "scene_complexity",
    "score_pool",
    "select",
    "select_stratified",
    "shown_margin",
    "shown_random",
    "simulate",
    "stratified_quota",
    "text_margin_uncertainty",
]
