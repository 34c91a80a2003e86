"""Import / export of annotations: COCO (``coco``), YOLO txt (``yolo``), ActivityNet-style temporal
segments (``activitynet``), object tracks on video as MOT-challenge text (``mot``) and COCO-video
JSON (``coco_video``), subtitles and CTM of timed words (``subtitles``), point-cloud labels
(``pointcloud``: SemanticKITTI ``.label``, PLY), scene graphs in the Visual Genome layout (``visual_genome``); pandas is the hub.

Example:
    >>> import pandas as pd
    >>> from hitl_widgets.io import to_coco, from_coco
    >>> df = pd.DataFrame({"item": [0], "x": [1.0], "y": [2.0], "w": [3.0], "h": [4.0], "class": ["cat"]})
    >>> from_coco(to_coco(df, image_sizes={0: (10, 10)}))[["item", "x", "class"]].values.tolist()
    [[0, 1.0, 'cat']]
"""
from .activitynet import from_activitynet, to_activitynet
from .coco import coco_results, from_coco, from_coco_polygons, to_coco
from .coco_video import from_coco_video, to_coco_video
from .mot import from_mot, to_mot
from .pointcloud import read_label, read_ply, write_label, write_ply
from .subtitles import to_ctm, to_srt, to_webvtt
from .visual_genome import to_visual_genome
from .yolo import from_yolo, to_yolo

__all__ = ["to_coco", "from_coco", "from_coco_polygons", "coco_results", "to_yolo", "from_yolo", "to_activitynet", "from_activitynet", "to_mot",
           "from_mot", "to_coco_video", "from_coco_video", "to_srt", "to_webvtt", "to_ctm", "write_label", "read_label",
           "write_ply", "read_ply", "to_visual_genome"]
