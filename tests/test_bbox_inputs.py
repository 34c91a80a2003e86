"""BBoxAnnotator's inputs from code (proposals, set_boxes, threshold, item ids of the getters): each is
checked where it enters and refused naming the item and box, never read as something else."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets.widgets.bbox import BBoxAnnotator

W, H = 80, 60
IMAGES = np.zeros((3, H, W), np.uint8)


def make(**kw):
    return BBoxAnnotator(IMAGES, ["cat", "dog"], store=hw.AnnotationStore(":memory:"), **kw)


def sent(w, item_id):
    """The proposals the view gets for an item: (id, class, score)."""
    return [(p["id"], p["class"], p["score"]) for p in w._item_info(item_id)["proposals"]]


def pid(w, x: float, item_id=0) -> str:
    """The id of the item's one proposal whose box starts at ``x``, looked up in ``w.proposals`` (a
    default id is a hash of the proposal's class and box, not its position)."""
    props = w.proposals
    (found,) = props[(props["item"] == item_id) & (props["x"] == x)]["proposal_id"]
    return found


# --------------------------------------------------------------------------- 1: item ids


@pytest.mark.parametrize("key, shown", [(True, "True"), (1.0, "1.0"), (np.float64(1.0), "1.0"), (np.bool_(True), "True")],
                         ids=repr)
def test_a_proposal_keyed_by_a_bool_or_a_float_is_refused_not_put_on_item_1(key, shown):
    with pytest.raises(ValueError, match=rf"proposal for unknown item id {shown}: item ids are ints or strs"):
        make(proposals={key: [(1, 1, 5, 5, "cat", 0.9)]})


def test_a_proposals_dataframe_row_with_a_bool_or_float_item_is_refused_naming_the_row():
    row = {"x": [1, 1], "y": [1, 1], "w": [5, 5], "h": [5, 5], "class": ["cat", "dog"], "score": [0.9, 0.8]}
    with pytest.raises(ValueError, match=r"proposals row 1: unknown item id True: item ids are ints or strs"):
        make(proposals=pd.DataFrame({"item": pd.Series([1, True], dtype=object), **row}))  # True would join item 1
    with pytest.raises(ValueError, match=r"proposals row 0: unknown item id 0.0"):
        make(proposals=pd.DataFrame({"item": [0.0, 1.0], **row}))


def test_numpy_int_item_ids_are_item_ids():
    w = make(proposals={np.int64(1): [(1, 1, 5, 5, "cat", 0.9)]})
    assert w.proposals["item"].tolist() == [1] and [type(k) for k in w._proposals] == [int]
    assert sent(w, 1) == [(pid(w, 1.0, item_id=1), "cat", 0.9)]


def test_the_getters_refuse_a_bool_or_float_item_id():
    w = make()
    w.set_boxes(1, [(1, 1, 5, 5, "cat")])
    for bad in (True, 1.0, np.float64(1.0)):
        with pytest.raises(KeyError, match="item ids are ints or strs"):
            w.boxes_of(bad)
        with pytest.raises(KeyError, match="item ids are ints or strs"):
            w.set_boxes(bad, [(1, 1, 5, 5, "cat")])
    assert len(w.boxes_of(np.int64(1))) == 1
    with pytest.raises(KeyError, match="unknown item id 7"):
        w.boxes_of(7)


# --------------------------------------------------------------------------- 2: missing scores, unknown keys


@pytest.mark.parametrize("proposal", [
    (1, 1, 5, 5, "cat", float("nan")),
    (1, 1, 5, 5, "cat", None),
    (1, 1, 5, 5, "cat", np.float32("nan")),
    {"x": 1, "y": 1, "w": 5, "h": 5, "class": "cat", "score": float("nan")},
    {"x": 1, "y": 1, "w": 5, "h": 5, "class": "cat", "score": pd.NA},
], ids=["nan", "None", "float32-nan", "dict-nan", "dict-NA"])
def test_a_given_score_that_is_missing_is_refused_naming_item_and_proposal(proposal):
    with pytest.raises(ValueError, match=r"item 0 proposal 1: score is missing"):
        make(proposals={0: [(1, 1, 5, 5, "dog", 0.99), proposal]})


def test_an_unknown_proposal_key_is_refused_listing_the_accepted_ones():
    p = {"x": 20, "y": 20, "w": 5, "h": 5, "class": "cat", "confidence": 0.01}
    with pytest.raises(ValueError, match=r"item 0 proposal 0: unknown key 'confidence': a proposal dict has the keys "
                                         r"x, y, w, h, class \(or label for class\), and optionally score and id"):
        make(proposals={0: [p]})


def test_an_unknown_proposals_dataframe_column_is_refused():
    df = pd.DataFrame({"item": [0], "x": [1], "y": [1], "w": [5], "h": [5], "class": ["cat"], "confidence": [0.01]})
    with pytest.raises(ValueError, match=r"unknown column 'confidence'"):
        make(proposals=df)


def test_a_proposal_without_a_score_leaves_it_out_and_is_always_shown():
    w = make(threshold=0.5, proposals={0: [(1, 1, 5, 5, "dog", 0.2), {"x": 20, "y": 20, "w": 5, "h": 5, "class": "cat"},
                                            (30, 30, 5, 5, "cat")]})
    assert sent(w, 0) == [(pid(w, 20.0), "cat", None), (pid(w, 30.0), "cat", None), (pid(w, 1.0), "dog", 0.2)]


def test_w_proposals_and_w_boxes_round_trip_as_proposals():
    w = make(proposals={0: [(1, 1, 5, 5, "dog", 0.2), {"x": 20, "y": 20, "w": 5, "h": 5, "class": "cat", "score": 0.9,
                                                        "id": "mine"}]})
    again = make(proposals=w.proposals)
    pd.testing.assert_frame_equal(again.proposals, w.proposals)
    dog = pid(w, 1.0)
    w._dispatch(w, {"type": "accept", "client": "c", "seq": 1, "item_id": 0, "proposal_ids": ["mine", dog]}, [])
    boxes = w.boxes  # every row a proposal: w.boxes (its other columns ignored) gives them back
    assert make(proposals=boxes).proposals[["item", "x", "class", "score", "proposal_id"]].values.tolist() == [
        [0, 20.0, "cat", 0.9, "mine"], [0, 1.0, "dog", 0.2, dog]]


# --------------------------------------------------------------------------- 3: scores are probabilities


@pytest.mark.parametrize("score, message", [
    (7.5, r"score must be a probability in \[0, 1\], not 7.5 \(logits\? apply a sigmoid/softmax\)"),
    (-3, r"score must be a probability in \[0, 1\], not -3 \(logits\?"),
    (math.inf, r"score must be a probability in \[0, 1\], not inf"),
    (True, r"score must be a number in \[0, 1\], not 'True' \(a bool\)"),
    ("0.9", r"score must be a number in \[0, 1\], not '0.9' \(a str\)"),
], ids=["7.5", "-3", "inf", "True", "str"])
def test_a_score_outside_0_1_or_not_a_number_is_refused(score, message):
    with pytest.raises(ValueError, match=rf"item 0 proposal 0: {message}"):
        make(proposals={0: [(1, 1, 5, 5, "cat", score)]})
    with pytest.raises(ValueError, match=rf"item 0 proposal 0 \(row 0\): {message}"):
        make(proposals=pd.DataFrame({"item": [0], "x": [1], "y": [1], "w": [5], "h": [5], "class": ["cat"],
                                     "score": pd.Series([score], dtype=object)}))


def test_scores_in_0_1_are_kept_numpy_too():
    from hitl_widgets.widgets.shape_list import proposal_score

    w = make(proposals={0: [(1, 1, 5, 5, "cat", np.float32(0.25)), (1, 1, 5, 5, "dog", 1), (1, 1, 5, 5, "cat", 0)]})
    assert w.proposals["score"].tolist() == [1.0, 0.25, 0.0]
    assert proposal_score(np.float64(0.5), "p") == 0.5


# --------------------------------------------------------------------------- 4: boxes inside the image


@pytest.mark.parametrize("box, hint", [
    ((10, 10, 100, 50), "not corners x1, y1, x2, y2"),  # xyxy read as xywh: 30 px beyond the 80 px width
    ((-5, 2, 20, 10), "not corners"),
    ((10, 10, 70, 55), r"as corners \(x1, y1, x2, y2\) it would be the 60 x 45 box at \(10, 10\)"),
], ids=["x2-beyond", "negative-x", "corners"])
def test_a_proposal_reaching_beyond_the_image_is_refused_naming_item_and_box(box, hint):
    with pytest.raises(ValueError, match=rf"item 0 proposal 0: \(x, y, w, h\) = .* pixels outside the 80x60 image.*{hint}"):
        make(proposals={0: [(*box, "cat", 0.9)]})


def test_a_box_from_code_reaching_beyond_the_image_is_refused_naming_item_and_box():
    w = make()
    with pytest.raises(ValueError, match=r"item 0: box 1: \(x, y, w, h\) = \(70, 50, 100, 100\) reaches 90 pixels outside"):
        w.set_boxes(0, [(1, 1, 5, 5, "cat"), (70, 50, 100, 100, "cat")])
    assert w.boxes.empty  # nothing stored


def test_up_to_one_pixel_beyond_is_clipped_and_the_export_is_the_accepted_box():
    w = make(proposals={0: [(-0.5, 10, 20.5, 50.75, "cat", 0.9)]})  # y + h = 60.75: 0.75 px beyond
    assert w.proposals[["x", "y", "w", "h"]].values.tolist() == [[0.0, 10.0, 20.0, 50.0]]
    w._dispatch(w, {"type": "accept", "client": "c", "seq": 1, "item_id": 0, "proposal_ids": [pid(w, 0.0)]}, [])
    assert w.boxes[["x", "y", "w", "h"]].values.tolist() == w.proposals[["x", "y", "w", "h"]].values.tolist()
    w.set_boxes(1, [(60, 40, 21, 21, "dog")])
    assert [(b["x"], b["y"], b["w"], b["h"]) for b in w.boxes_of(1)] == [(60.0, 40.0, 20.0, 20.0)]


def test_the_browser_drag_is_still_clamped():
    w = make()
    w._dispatch(w, {"type": "add", "client": "c", "seq": 1, "item_id": 0,
                    "boxes": [{"id": "a", "x": 70, "y": 50, "w": 100, "h": 100, "class": "cat"}]}, [])
    assert [(b["x"], b["w"]) for b in w.boxes_of(0)] == [(70.0, 10.0)]


# --------------------------------------------------------------------------- 5: dict fields, over-long tuples


def test_a_proposal_id_of_the_user_is_kept_checked_and_auto_ids_skip_it():
    dog = (1, 1, 5, 5, "dog", 0.9)
    auto = pid(make(proposals={0: [dog]}), 1.0)  # the id the dog gets by default
    # the user gives that id to another proposal: the dog's default id skips it
    w = make(proposals={0: [{"id": "mybox", "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat", "score": 0.5},
                            dog, {"id": auto, "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat"}]})
    ids = w.proposals["proposal_id"].tolist()
    assert ids[1] == f"{auto}-1"
    assert sent(w, 0) == [(auto, "cat", None), (ids[1], "dog", 0.9), ("mybox", "cat", 0.5)]
    for bad in ("<img>", "", 3, None, "x" * 65):
        with pytest.raises(ValueError, match=r"item 0 proposal 0: id .* must be a str of 1 to 64"):
            make(proposals={0: [{"id": bad, "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat"}]})
    twice = {"id": "a", "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat"}
    with pytest.raises(ValueError, match=r"item 0 proposal 1: id 'a' is used by another proposal of the item"):
        make(proposals={0: [twice, dict(twice)]})
    assert make(proposals={0: [twice], 1: [dict(twice)]}).proposals["proposal_id"].tolist() == ["a", "a"]


def test_class_and_label_together_are_refused():
    with pytest.raises(ValueError, match=r"item 0 proposal 0: both class 'cat' and label 'dog': give one"):
        make(proposals={0: [{"x": 1, "y": 1, "w": 5, "h": 5, "class": "cat", "label": "dog"}]})
    assert make(proposals={0: [{"x": 1, "y": 1, "w": 5, "h": 5, "label": "dog"}]}).proposals["class"].tolist() == ["dog"]


@pytest.mark.parametrize("boxes, message", [
    ([(1, 1, 5, 5, "cat", 0.3)], r"item 0: box 0: expected \(x, y, w, h, class\) .* got 6 values \(a box from code is a human box, with no score\)"),
    ([(1, 1, 5, 5)], r"item 0: box 0: expected \(x, y, w, h, class\) .* got 4 values"),
    ([{"x": 1, "y": 1, "w": 5, "h": 5, "class": "cat", "score": 0.3}], r"item 0: box 0: unknown key 'score'"),
    ([{"x": 1, "y": 1, "w": 5, "class": "cat"}], r"item 0: box 0: missing \['h'\]"),
    (pd.DataFrame({"x": [1], "y": [1], "w": [5], "h": [5], "class": ["cat"], "score": [0.3]}), r"drop the other columns \['score'\]"),
    ({"x": 1}, r"boxes must be a DataFrame or a list"),
], ids=["6-tuple", "4-tuple", "dict-score", "dict-missing", "frame-score", "dict"])
def test_set_boxes_refuses_a_score_or_a_wrong_shape(boxes, message):
    w = make()
    with pytest.raises(ValueError, match=message):
        w.set_boxes(0, boxes)
    assert w.boxes.empty


# --------------------------------------------------------------------------- 6: threshold


@pytest.mark.parametrize("value", [1.5, -0.2, "0.3", float("nan"), True, None], ids=repr)
def test_a_threshold_outside_0_1_or_not_a_number_is_refused_in_the_constructor(value):
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\]"):
        make(threshold=value)


@pytest.mark.parametrize("value", [2.0, -0.01, float("nan"), True, "0.3"], ids=repr)
def test_a_threshold_outside_0_1_or_not_a_number_is_refused_when_set(value):
    w = make(threshold=0.4)
    with pytest.raises(traitlets.TraitError):
        w.threshold = value
    assert w.threshold == 0.4


def test_a_threshold_in_0_1_is_taken_numpy_too():
    w = make(threshold=np.float32(0.25))
    assert w.threshold == 0.25
    w.threshold = np.float64(0.0)
    assert w.threshold == 0.0 and type(w.threshold) is float
    w.threshold = 1
    assert w.threshold == 1.0


# --------------------------------------------------------------------------- 7: coordinates


def test_numpy_coordinates_are_numbers_everywhere():
    w = make(proposals={0: [(np.float32(1), np.int64(1), np.float64(5), np.int32(5), "cat", 0.9)]})
    assert w.proposals[["x", "y", "w", "h"]].values.tolist() == [[1.0, 1.0, 5.0, 5.0]]
    w.set_boxes(0, [(np.float32(1), np.int64(1), np.float64(5.5), np.uint8(5), "cat")])
    w.set_boxes(1, pd.DataFrame({"x": np.array([1.0], np.float32), "y": [1], "w": [5], "h": [5], "class": ["dog"]}))
    assert [(b["x"], b["w"]) for b in w.boxes_of(0)] == [(1.0, 5.5)] and type(w.boxes_of(0)[0]["x"]) is float


@pytest.mark.parametrize("bad", ["3", True, np.bool_(False), None, [1]], ids=repr)
def test_a_str_or_bool_coordinate_is_refused_everywhere(bad):
    with pytest.raises(ValueError, match=r"item 0 proposal 0: x must be a number, not"):
        make(proposals={0: [(bad, 1, 5, 5, "cat", 0.9)]})
    with pytest.raises(ValueError, match=r"item 0: box 0: y must be a number, not"):
        make().set_boxes(0, [(1, bad, 5, 5, "cat")])
