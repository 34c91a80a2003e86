"""Pure numpy metrics (no widget imports): agreement, confusion, detection (COCO-style AP), fairness, geometry (RLE, IoU), points (per-point IoU / mIoU, alpha), retrieval, temporal (video segments and tracks), speech recognition errors (asr), scene-graph triples (relations), ...

Each submodule lists its public functions in ``__all__``; they are re-exported here.
"""
from .agreement import *  # noqa: F401,F403
from .agreement import __all__ as _agreement_all
from .asr import *  # noqa: F401,F403
from .asr import __all__ as _asr_all
from .confusion import *  # noqa: F401,F403
from .confusion import __all__ as _confusion_all
from .coreference import *  # noqa: F401,F403
from .coreference import __all__ as _coreference_all
from .detection import *  # noqa: F401,F403
from .detection import __all__ as _detection_all
from .fairness import *  # noqa: F401,F403
from .fairness import __all__ as _fairness_all
from .geometry import *  # noqa: F401,F403
from .geometry import __all__ as _geometry_all
from .points import *  # noqa: F401,F403
from .points import __all__ as _points_all
from .reasoning import *  # noqa: F401,F403
from .reasoning import __all__ as _reasoning_all
from .relations import *  # noqa: F401,F403
from .relations import __all__ as _relations_all
from .retrieval import *  # noqa: F401,F403
from .retrieval import __all__ as _retrieval_all
from .temporal import *  # noqa: F401,F403
from .temporal import __all__ as _temporal_all

__all__ = [*_agreement_all, *_asr_all, *_confusion_all, *_coreference_all, *_detection_all, *_fairness_all, *_geometry_all, *_points_all, *_reasoning_all, *_relations_all, *_retrieval_all, *_temporal_all]
