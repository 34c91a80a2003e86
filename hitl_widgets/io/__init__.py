"""Import / export of annotations: COCO (``coco``), YOLO txt (``yolo``), point-cloud labels
(``pointcloud``: SemanticKITTI ``.label``, PLY); pandas is the hub.

Example:
    >>> import pandas as pd
    >>> from hitl_widgets.io import to_coco, from_coco
    >>> df = pd.DataFrame({"item": [0], "x": [1.0], "y": [2.0], "w": [3.0], "h": [4.0], "class": ["cat"]})
    >>> from_coco(to_coco(df, image_sizes={0: (10, 10)}))[["item", "x", "class"]].values.tolist()
    [[0, 1.0, 'cat']]
"""
from .coco import coco_results, from_coco, to_coco
from .pointcloud import read_label, read_ply, write_label, write_ply
from .yolo import from_yolo, to_yolo

__all__ = ["to_coco", "from_coco", "coco_results", "to_yolo", "from_yolo", "write_label", "read_label", "write_ply", "read_ply"]
