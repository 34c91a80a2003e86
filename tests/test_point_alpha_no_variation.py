"""point_alpha on degenerate data, against the ``krippendorff`` package on the same data: NaN where the
pairable labels show no variation (alpha 0/0, as krippendorff answers), ValueError where no point has
two labels (krippendorff raises too), the same number elsewhere."""
from __future__ import annotations

import math
import warnings

import krippendorff
import numpy as np
import pytest

from hitl_widgets.metrics import alpha_from_codes, point_alpha


def reference(labels, n_classes):
    """krippendorff.alpha (nominal) of annotators x points labels, -1 as missing, over the classes 0..n-1."""
    data = np.asarray(labels, dtype=float)
    data[data < 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # its 0 / 0
        return krippendorff.alpha(data, level_of_measurement="nominal", value_domain=list(range(n_classes)))


@pytest.mark.parametrize("labels", [
    [[0, 0, 1], [0, 0, -1]],  # the only 1 has no second label: the pairable labels are all 0
    [[2, 2, 2, 2], [2, 2, -1, 2], [-1, 2, 2, 2]],  # every annotator gave every point class 2
    [[1, 1], [1, 1]],
])
def test_no_variation_is_nan_as_krippendorff(labels):
    assert math.isnan(reference(labels, 3))
    assert math.isnan(point_alpha(labels, n_classes=3))
    assert math.isnan(point_alpha(labels))  # n_classes read off the labels


@pytest.mark.parametrize("labels", [[[0, 1, 2]], [[0, -1, 1], [-1, 2, -1]], [[-1, -1], [-1, -1]]])
def test_no_point_with_two_labels_raises_as_krippendorff(labels):
    with pytest.raises(ValueError):
        reference(labels, 3)
    with pytest.raises(ValueError, match="needs a unit with two or more values"):
        point_alpha(labels, n_classes=3)


@pytest.mark.parametrize("labels", [[[0, 0, 1, 1, 2], [0, 0, 1, 2, 2]], [[0, 1, -1, 1], [0, 1, 1, -1], [1, 1, 1, 0]]])
def test_the_same_number_as_krippendorff_elsewhere(labels):
    assert point_alpha(labels, n_classes=3) == pytest.approx(reference(labels, 3))


def test_the_shared_alpha_still_raises_by_default():
    with pytest.raises(ValueError, match="every pairable value is the same"):
        alpha_from_codes([[0, 0], [0, 0]], 1 - np.eye(2))
    assert math.isnan(alpha_from_codes([[0, 0], [0, 0]], 1 - np.eye(2), no_variation="nan"))
