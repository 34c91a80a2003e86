"""hitl-widgets: Jupyter widgets for human-in-the-loop review of multimodal ML data.

The public API lives here; widgets and dashboards are imported on first use, so
``import hitl_widgets`` stays light.

Example:
    >>> import numpy as np, hitl_widgets as hw
    >>> store = hw.AnnotationStore(":memory:")
    >>> w = hw.ClassifyWidget(np.zeros((4, 8, 8), np.uint8), classes=["a", "b"], store=store)
    >>> w.labels.empty
    True
"""
from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__
from .items import Items
from .store import AnnotationStore

# public name -> module that defines it (imported lazily by __getattr__)
_LAZY = {
    "ClassifyWidget": "hitl_widgets.widgets.classify",
    "BBoxAnnotator": "hitl_widgets.widgets.bbox",
    "SegmentationCanvas": "hitl_widgets.widgets.segmentation",
    "PolygonAnnotator": "hitl_widgets.widgets.polygons",
    "RetrievalVerifier": "hitl_widgets.widgets.retrieval",
    "HallucinationFlagger": "hitl_widgets.widgets.hallucination",
    "CoreferenceLinker": "hitl_widgets.widgets.coreference",
    "SceneGraphAnnotator": "hitl_widgets.widgets.scene_graph",
    "VQAReview": "hitl_widgets.widgets.vqa",
    "YesNoReview": "hitl_widgets.widgets.yesno",
    "PointCloudAnnotator": "hitl_widgets.widgets.pointcloud",
    "SensorFusionReview": "hitl_widgets.widgets.fusion",
    "TemporalSegmenter": "hitl_widgets.widgets.segmenter",
    "TrackAnnotator": "hitl_widgets.widgets.tracks",
    "TranscriptReview": "hitl_widgets.widgets.transcript",
    "AVAlignReview": "hitl_widgets.widgets.av_align",
    "ReasoningChainReview": "hitl_widgets.widgets.reasoning",
    "ActiveLearningLoop": "hitl_widgets.active.loop",
    "TaskLoop": "hitl_widgets.active.task_loop",
    "AgreementDashboard": "hitl_widgets.dashboards.agreement",
    "ConfusionDashboard": "hitl_widgets.dashboards.confusion",
    "BiasAudit": "hitl_widgets.dashboards.bias",
    "QualityGate": "hitl_widgets.gates",
    "IngestionReview": "hitl_widgets.widgets.ingestion",
    "certify": "hitl_widgets.certificates",
    "verify": "hitl_widgets.certificates",
    "sign_log": "hitl_widgets.certificates",
    "verify_log": "hitl_widgets.certificates",
    "generate_key": "hitl_widgets.signing",
    "audit_report": "hitl_widgets.reports",
}

__all__ = ["AnnotationStore", "Items", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hitl_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
