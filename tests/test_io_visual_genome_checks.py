"""to_visual_genome: a repeated (item, object_id) and ``images`` that do not match the data's item
ids (``"0"`` for item ``0``, a repeat, a single str) are refused; they used to give a relation to the
wrong object, or an empty image, silently."""
from __future__ import annotations

import pandas as pd
import pytest

from hitl_widgets.io import to_visual_genome

OBJECTS = pd.DataFrame({"item": [0, 0], "object_id": ["a", "b"], "x": [1.0, 5.0], "y": [1.0, 1.0], "w": [2.0, 2.0],
                        "h": [2.0, 2.0], "class": ["cup", "table"]})
TRIPLES = pd.DataFrame({"item": [0], "subject": ["a"], "predicate": ["on"], "object": ["b"]})


def test_a_repeated_object_id_of_an_item_is_refused_naming_both_rows():
    objects = pd.concat([OBJECTS, OBJECTS.iloc[:1].assign(x=9.0, **{"class": "plate"})], ignore_index=True)
    with pytest.raises(ValueError, match=r"^objects rows 0 and 2: item 0 has the object_id 'a' twice"):
        to_visual_genome(objects, TRIPLES)


def test_one_object_id_in_two_items_is_two_objects():
    objects = pd.concat([OBJECTS, OBJECTS.assign(item=1)], ignore_index=True)
    vg = to_visual_genome(objects, TRIPLES)
    assert [len(g["objects"]) for g in vg] == [2, 2]


@pytest.mark.parametrize("images, problem", [
    (["0"], r"^item '0' \(a str\) in images and 0 \(an int\) in objects read alike but never match"),
    ([True], r"^item True \(a bool\) in images and 1 \(an int\) in objects"),
    ([0, 0], r"^images lists the item 0 twice$"),
    ("0", r"^images must be a list of item ids, not the single str '0'"),
])
def test_images_that_do_not_match_the_data_are_refused(images, problem):
    with pytest.raises(ValueError, match=problem):
        to_visual_genome(OBJECTS.assign(item=[0, 1]), TRIPLES.iloc[:0], images=images)


def test_items_that_look_alike_across_objects_and_triples_are_refused():
    with pytest.raises(ValueError, match=r"^item '0' \(a str\) in triples and 0 \(an int\) in objects"):
        to_visual_genome(OBJECTS, TRIPLES.assign(item="0"))


def test_an_image_without_annotations_is_exported_empty_and_others_left_out():
    vg = to_visual_genome(OBJECTS, TRIPLES, images=[5])  # a widget's unannotated image
    assert vg == [{"image_id": 5, "objects": [], "relationships": []}]
