"""One rule for a model's score (``coerce.probability``: classify, the box / polygon editors and the
segmenter word it each their own way), one pair of setting checks (``coerce.check_number`` /
``check_int``: fusion and video_analysis), and the bounded traits of widgets.base: a threshold set
after construction refuses ``True`` (traitlets.Float read it as 1.0), and ``display_height`` is an
int pixel count in ``DISPLAY_HEIGHTS`` (it was ``int(...)`` of anything: "300" parsed, 2.5 truncated,
True taken as 1, 0 and -5 kept)."""
from __future__ import annotations

import numpy as np
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets import coerce, video_analysis
from hitl_widgets import fusion as F
from hitl_widgets.demo.fusion import tiny_frame
from hitl_widgets.widgets import classify, segments, shape_list
from hitl_widgets.widgets.base import DISPLAY_HEIGHTS

IMAGES = np.zeros((2, 40, 60), np.uint8)
VIDEOS = [np.zeros((10, 16, 16), np.uint8)]

CHECKS = {  # the three callers of coerce.probability, each with its own words
    "classify": lambda v: classify.check_score(v, "item 0"),
    "shapes": lambda v: shape_list.proposal_score(v, "item 0"),
    "segments": lambda v: segments.check_score(v, "item 0"),
}


def bbox(**kw):
    return hw.BBoxAnnotator(IMAGES, ["a"], store=hw.AnnotationStore(":memory:", annotator="ann"), **kw)


def segmenter(**kw):
    return hw.TemporalSegmenter(VIDEOS, ["run"], store=hw.AnnotationStore(":memory:", annotator="ann"), **kw)


# --------------------------------------------------------------------------- 1: one rule for a score


@pytest.mark.parametrize("check", CHECKS, ids=str)
@pytest.mark.parametrize("value", [np.bool_(True), True, "0.5", float("nan"), np.float32("nan"), float("inf"),
                                   -0.1, 1.5, 7, 10**400, [0.5]], ids=repr)
def test_every_score_check_refuses_the_same_values_with_a_value_error(check, value):
    with pytest.raises(ValueError, match=r"^item 0: "):  # 10**400 was an OverflowError in classify
        CHECKS[check](value)


@pytest.mark.parametrize("check", CHECKS, ids=str)
@pytest.mark.parametrize("value, expected", [(0, 0.0), (1, 1.0), (np.int64(1), 1.0), (np.float32(0.25), 0.25), (0.5, 0.5)])
def test_every_score_check_takes_the_same_numbers_as_plain_floats(check, value, expected):
    score = CHECKS[check](value)
    assert score == expected and type(score) is float


def test_only_classify_reads_none_as_no_score():
    assert classify.check_score(None, "item 0") is None
    for check in ("shapes", "segments"):
        with pytest.raises(ValueError, match=r"item 0: score"):
            CHECKS[check](None)


def test_probability_words_a_refusal_with_the_callers_words():
    words = coerce.ScoreWords(outside="{what} {number} is too big")
    with pytest.raises(ValueError, match=r"^row 3: confidence 7 is too big$"):
        coerce.probability(7.0, "row 3", what="confidence", words=words)
    assert coerce.probability(None, "row 3", missing_ok=True) is None


def test_probabilities_checks_a_column_at_once_and_names_the_first_bad_value():
    assert coerce.probabilities(np.array([0, 1, 0.5]), str).tolist() == [0.0, 1.0, 0.5]
    with pytest.raises(ValueError, match=r"^2: score must be a probability in \[0, 1\], not 1.5"):
        coerce.probabilities(np.array([0.5, 0.5, 1.5, 9.0]), str)
    with pytest.raises(ValueError, match=r"^1: score must be a number in \[0, 1\], not '0.5' \(a str\)"):
        coerce.probabilities([0.5, "0.5"], str)  # a list is never stringified
    with pytest.raises(ValueError, match=r"scores must be one value each \(a 1-D column\)"):
        coerce.probabilities(np.full((2, 2), 0.5), str)


# --------------------------------------------------------------------------- 2: a threshold refuses True


def test_segmenter_threshold_set_to_true_is_refused_not_read_as_1():
    w = segmenter(threshold=0.25)
    with pytest.raises(traitlets.TraitError, match=r"threshold must be a number in \[0, 1\], not True"):
        w.threshold = True
    assert w.threshold == 0.25
    w.threshold = np.float32(0.5)
    assert w.threshold == 0.5 and type(w.threshold) is float


def test_bbox_threshold_set_to_true_is_still_refused():
    w = bbox()
    with pytest.raises(traitlets.TraitError, match=r"threshold must be a number in \[0, 1\], not True"):
        w.threshold = True
    assert w.threshold == 0.5


# --------------------------------------------------------------------------- 3: one pair of setting checks


def test_fusion_and_video_analysis_share_the_setting_checks():
    assert video_analysis.check_number is coerce.check_number and video_analysis.check_int is coerce.check_int
    with pytest.raises(ValueError, match=r"^min_score must be a number in \(0, 1\] \(0 would pair .*\), not '0.1'$"):
        F.check_thresholds("0.1")  # a str is shown as one (it read "not 0.1")
    with pytest.raises(ValueError, match=r"^low_overlap must be a number in \[0, 1\], not True$"):
        F.check_thresholds(0.1, True)
    with pytest.raises(ValueError, match=r"^min_points must be an int >= 1, not 2.5$"):
        hw.SensorFusionReview(tiny_frame(), store=hw.AnnotationStore(":memory:"), min_points=2.5)


def test_check_int_with_an_upper_bound():
    assert coerce.check_int("n", np.int64(5), 1, 5) == 5
    with pytest.raises(ValueError, match=r"^n must be an int in \[1, 5\], not 6$"):
        coerce.check_int("n", 6, 1, 5)


# --------------------------------------------------------------------------- 4: display_height


BAD_HEIGHTS = [0, -5, True, 1e9, 10**9, "300", float("nan"), 300.0, 2.5, None]


@pytest.mark.parametrize("make", [bbox, segmenter], ids=["bbox", "segmenter"])
@pytest.mark.parametrize("height", BAD_HEIGHTS, ids=repr)
def test_display_height_is_refused_in_the_constructor(make, height):
    low, high = DISPLAY_HEIGHTS
    with pytest.raises(ValueError, match=rf"^display_height must be an int in \[{low}, {high}\], not "):
        make(display_height=height)


@pytest.mark.parametrize("make", [bbox, segmenter], ids=["bbox", "segmenter"])
def test_display_height_set_later_is_refused_and_a_numpy_int_taken(make):
    w = make(display_height=np.int64(300))
    assert w.display_height == 300 and type(w.display_height) is int
    for height in BAD_HEIGHTS:
        with pytest.raises(traitlets.TraitError, match=r"display_height must be an int in"):
            w.display_height = height
    assert w.display_height == 300


def test_fusion_display_height_set_later_is_refused():
    w = hw.SensorFusionReview(tiny_frame(), store=hw.AnnotationStore(":memory:"))
    for height in (True, 0, 1e9, "300"):
        with pytest.raises(traitlets.TraitError, match=r"display_height must be an int in"):
            w.display_height = height
    assert w.display_height == 360
