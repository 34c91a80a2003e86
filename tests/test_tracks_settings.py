"""propagate_detections / interpolate settings through coerce.check_number / check_int: the same
refusals as before, and an error names the plain value (never numpy's spelling of it)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.tracks import interpolate, propagate_detections

DETECTIONS = pd.DataFrame({"frame": [0, 1], "x": [0.0, 1.0], "y": 0.0, "w": 10.0, "h": 10.0, "class": "car", "score": 0.9})


@pytest.mark.parametrize("kwargs, message", [
    ({"iou_threshold": np.float64(0.0)}, r"^iou_threshold must be a number in \(0, 1\], not 0\.0$"),
    ({"iou_threshold": "0.5"}, r"^iou_threshold must be a number in \(0, 1\], not '0\.5'$"),
    ({"max_gap": np.int64(-1)}, r"^max_gap must be an int >= 0, not -1$"),
    ({"max_gap": 1.0}, r"^max_gap must be an int >= 0, not 1\.0$"),
    ({"min_length": np.int64(0)}, r"^min_length must be an int >= 1, not 0$"),
    ({"min_length": True}, r"^min_length must be an int >= 1, not True$"),
])
def test_settings_are_refused_naming_the_plain_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        propagate_detections(DETECTIONS, **kwargs)


def test_numpy_settings_are_taken():
    out = propagate_detections(DETECTIONS, iou_threshold=np.float32(0.1), max_gap=np.int64(1), min_length=np.int64(2))
    assert out["track"].tolist() == [0, 0]
    keys = pd.DataFrame({"track": 0, "frame": [0, 3], "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0, "class": "a"})
    assert len(interpolate(keys, max_gap=np.int64(2))) == 4
    with pytest.raises(ValueError, match=r"^max_gap must be an int >= 0, not -1$"):
        interpolate(keys, max_gap=np.int64(-1))
