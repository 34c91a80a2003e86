"""A small hand-made camera / LiDAR frame for ``SensorFusionReview`` (examples, tests; no ray
casting): a 100 x 100 image, a camera looking along the LiDAR's x axis, and three clusters 10 m ahead.

    cluster 1 (car) at y = 0      → pixels u, v in [45, 55]; camera box (44, 44, 56, 56) car: agree
    cluster 2 (pedestrian) y = 3  → u in [17, 23];           camera box (16, 40, 24, 60) car: class conflict
    cluster 3 (car) y = -3        → u in [77, 83];           no camera box: LiDAR only
    camera box (60, 10, 70, 20) car, no cluster: camera only
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

CLASSES = ("ground", "car", "pedestrian")
K = np.array([[100.0, 0.0, 50.0], [0.0, 100.0, 50.0], [0.0, 0.0, 1.0]])
T = np.array([[0.0, -1.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])


def tiny_frame(classes: Sequence[Any] = CLASSES, seed: int = 0) -> dict:
    """The frame as a dict (points, image, K, T_cam_lidar, camera_boxes, lidar_labels,
    lidar_instances, classes); ``classes``: three names for ground, car and pedestrian."""
    classes = list(classes)
    rng = np.random.default_rng(seed)
    parts, labels, instances = [], [], []
    for inst, (y, cls) in enumerate([(0.0, 1), (3.0, 2), (-3.0, 1)], start=1):
        p = np.stack([np.full(40, 10.0), y + rng.uniform(-0.3, 0.3, 40), rng.uniform(-0.5, 0.5, 40)], 1)
        parts.append(p)
        labels += [cls] * 40
        instances += [inst] * 40
    ground = np.stack([rng.uniform(3, 30, 200), rng.uniform(-10, 10, 200), np.full(200, -1.5)], 1)
    parts.append(ground)
    labels += [0] * 200
    instances += [0] * 200
    image = np.full((100, 100, 3), 90, np.uint8)
    image[44:56, 44:56] = (200, 40, 40)
    image[40:60, 16:24] = (200, 40, 40)
    image[10:20, 60:70] = (200, 40, 40)
    boxes = pd.DataFrame({"x0": [44.0, 16, 60], "y0": [44.0, 40, 10], "x1": [56.0, 24, 70], "y1": [56.0, 60, 20], "class": [classes[1]] * 3})
    return {"points": np.concatenate(parts).astype(np.float32), "image": image, "K": K, "T_cam_lidar": T, "camera_boxes": boxes,
            "lidar_labels": np.array(labels), "lidar_instances": np.array(instances), "classes": classes}
