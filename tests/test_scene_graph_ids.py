"""SceneGraphAnnotator: object ids compare by value (``1`` of an int column is ``1.0`` of a float one),
ids of one item that read alike but differ in type (``1`` and ``"1"``, ``True`` and ``1``) are refused
naming the item, and an empty score cell of a relation proposals DataFrame is no score (as in the
other annotators' proposal DataFrames)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.scene_graph import SceneGraphAnnotator

IMAGES = np.zeros((2, 40, 60), np.uint8)
CLASSES = ["cup", "table"]
PREDICATES = ["on", "near"]


def objects(ids, items=(0, 0)):
    return pd.DataFrame({"item": list(items), "object_id": list(ids), "x": [1, 20], "y": [1, 1], "w": [10, 10],
                         "h": [10, 10], "class": ["cup", "table"]})


def relations(subjects, objects_, scores=(0.9,), items=(0,)):
    return pd.DataFrame({"item": list(items), "subject": list(subjects), "predicate": "on", "object": list(objects_),
                         "score": list(scores)})


def make(**kw):
    return SceneGraphAnnotator(IMAGES, CLASSES, PREDICATES, store=hw.AnnotationStore(":memory:"), **kw)


@pytest.mark.parametrize("kw, message", [
    # a relation naming subject "1" of objects whose id is the int 1 (one side read from a CSV)
    ({"objects": objects([1, 2]), "proposals": relations(["1"], [2])},
     r"item 0: object id '1' \(a str\) in proposals and 1 \(an int\) in objects read alike"),
    ({"objects": objects([1, 2]), "proposals": relations([1], ["2.0"])},
     r"item 0: object id '2.0' \(a str\) in proposals and 2 \(an int\) in objects read alike"),
    # a bool id beside the int 1 (True == 1): not the same object, never a match
    ({"objects": objects([1, 2]), "object_proposals": objects([True, "m"]).assign(score=0.5)},
     r"item 0: object id True \(a bool\) in object_proposals and 1 \(an int\) in objects read alike"),
    ({"objects": objects([True, "b"]), "proposals": relations(["True"], ["b"])},
     r"item 0: object id 'True' \(a str\) in proposals and True \(a bool\) in objects read alike"),
    # within the given objects of one item: two objects, not one object twice
    ({"objects": objects([1, "1"])}, r"item 0: object id '1' \(a str\) in objects and 1 \(an int\) in objects read alike"),
])
def test_lookalike_object_ids_are_refused_naming_the_item(kw, message):
    with pytest.raises(ValueError, match=message):
        make(**kw)


def test_object_ids_compare_by_value():
    # a float id column (e.g. one with a gap once) against an int one: 1.0 is the object 1
    w = make(objects=objects([1.0, 2.0]), proposals=relations([np.int64(1)], [2]))
    assert w.objects["object_id"].tolist() == ["1", "2"]
    assert w.proposals[["subject", "object"]].values.tolist() == [["1", "2"]]
    w.accept(0, "p0")
    assert w.triples[["subject", "predicate", "object", "source"]].values.tolist() == [["1", "on", "2", "model"]]


def test_lookalike_ids_of_different_items_never_meet():
    w = make(objects=objects([1, "1"], items=(0, 1)))
    assert w.objects[["item", "object_id"]].values.tolist() == [[0, "1"], [1, "1"]]


def test_an_int_id_from_code_is_not_shown_as_the_str_id():
    w = make(objects=objects(["1", "2"]))
    with pytest.raises(ValueError, match=r"item 0: subject 1 is not a box"):
        w.relate(0, 1, "on", "2")


def test_an_empty_score_cell_of_a_relations_frame_is_no_score():
    props = relations(["a", "b"], ["b", "a"], scores=[0.9, np.nan], items=(0, 0))
    w = make(objects=objects(["a", "b"]), proposals=props)
    listed = w.proposals
    assert listed["subject"].tolist() == ["b", "a"]  # without a score first, as in the other annotators
    assert math.isnan(listed["score"].iloc[0]) and listed["score"].iloc[1] == 0.9
    assert w._proposals[0][0]["score"] is None
    nullable = props.astype({"score": "Float64"})
    nullable.loc[1, "score"] = pd.NA
    assert make(objects=objects(["a", "b"]), proposals=nullable)._proposals[0][0]["score"] is None
    w.accept(0, listed["proposal_id"].iloc[0])
    assert math.isnan(w.triples["score"].iloc[0]) and w.triples["source"].iloc[0] == "model"


@pytest.mark.parametrize("score, message", [
    (math.inf, r"item 0 proposal a -> on -> b: score must be a finite number"),
    (1.5, r"item 0 proposal a -> on -> b: score 1.5 is not a probability"),
    ("0.5", r"item 0 proposal a -> on -> b: score must be a finite number"),
])
def test_a_bad_score_cell_is_still_refused(score, message):
    props = relations(["a"], ["b"]).astype({"score": object})
    props.loc[0, "score"] = score
    with pytest.raises(ValueError, match=message):
        make(objects=objects(["a", "b"]), proposals=props)


def test_a_proposed_box_with_an_empty_score_cell_is_refused():
    boxes = objects(["m1", "m2"]).assign(score=[0.5, np.nan])
    with pytest.raises(ValueError, match=r"item 0 proposed box 'm2': score must be a finite number, not an empty cell"):
        make(object_proposals=boxes)


def test_a_predicate_that_is_no_str_is_refused():
    with pytest.raises(ValueError, match=r"item 0 proposal a -> 1 -> b: unknown predicate 1 \(predicates"):
        SceneGraphAnnotator(IMAGES, CLASSES, ["1", "on"], store=hw.AnnotationStore(":memory:"), objects=objects(["a", "b"]),
                            proposals=relations(["a"], ["b"]).assign(predicate=[1]))
