"""display_height of the editors built on ImageEditor (PolygonAnnotator, SegmentationCanvas,
TrackAnnotator): an int pixel count in ``DISPLAY_HEIGHTS``, as BBoxAnnotator's. It was ``int(...)``
of anything in their constructors ("300" parsed, 2.5 truncated, True taken as 1, 0 and -5 kept)
and a plain ``traitlets.Int`` after (True, 0 and 10**9 taken)."""
from __future__ import annotations

import numpy as np
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets.widgets.base import DISPLAY_HEIGHTS
from hitl_widgets.widgets.polygons import PolygonAnnotator
from hitl_widgets.widgets.segmentation import SegmentationCanvas
from hitl_widgets.widgets.tracks import TrackAnnotator

IMAGES = np.zeros((2, 40, 60), np.uint8)
VIDEOS = [np.zeros((10, 16, 16), np.uint8)]
BAD_HEIGHTS = ["300", 2.5, 300.0, True, 0, -5, 31, 8193, 10**9, float("nan"), None]


def polygons(**kw):
    return PolygonAnnotator(IMAGES, store=hw.AnnotationStore(":memory:", annotator="a"), **kw)


def segmentation(**kw):
    return SegmentationCanvas(IMAGES, ["sky"], store=hw.AnnotationStore(":memory:", annotator="a"), **kw)


def tracks(**kw):
    return TrackAnnotator(VIDEOS, ["car"], store=hw.AnnotationStore(":memory:", annotator="a"), **kw)


MAKERS = pytest.mark.parametrize("make", [polygons, segmentation, tracks], ids=["polygons", "segmentation", "tracks"])


@MAKERS
@pytest.mark.parametrize("height", BAD_HEIGHTS, ids=repr)
def test_the_constructor_refuses_a_display_height_that_is_no_pixel_count(make, height):
    low, high = DISPLAY_HEIGHTS
    with pytest.raises(ValueError, match=rf"^display_height must be an int in \[{low}, {high}\], not "):
        make(display_height=height)


@MAKERS
@pytest.mark.parametrize("height", BAD_HEIGHTS, ids=repr)
def test_a_display_height_set_later_is_refused_and_the_old_one_kept(make, height):
    w = make(display_height=300)
    with pytest.raises(traitlets.TraitError, match=r"^display_height must be an int in \[32, 8192\], not "):
        w.display_height = height
    assert w.display_height == 300


@MAKERS
def test_numpy_ints_and_both_ends_are_taken(make):
    w = make(display_height=np.int64(DISPLAY_HEIGHTS[0]))
    assert w.display_height == DISPLAY_HEIGHTS[0] and type(w.display_height) is int
    w.display_height = np.int32(DISPLAY_HEIGHTS[1])
    assert w.display_height == DISPLAY_HEIGHTS[1] and type(w.display_height) is int


@MAKERS
def test_the_default_display_height_is_kept(make):
    assert make().display_height == (360 if make is tracks else 480)
