"""MaskTask.check (the masks task of TaskLoop: oracle, test and initial annotations) refuses a bool
mask naming the item: read as a label map, its True pixels would all be classes[0] and its False
ones unlabelled, whatever class it was drawn for (a silently wrong mIoU or training set)."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.active.tasks import MaskTask
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import ShapeSegmenter, scene_masks
from hitl_widgets.store import AnnotationStore

CLASSES = ["background", "circle", "square", "triangle"]
BOOL_MASK = r"a bool mask is not a label map .* e\.g\. mask\.astype\(np\.uint8\) \* k"


@pytest.fixture(scope="module")
def scenes():
    images, scenes = make_scenes(12, seed=3)
    return images, scene_masks(images, scenes, CLASSES)


def test_check_refuses_a_bool_mask_naming_the_item_and_keeps_label_maps():
    task = MaskTask(["bg", "car", "person"])
    car = np.zeros((4, 4), bool)
    car[1:3, 1:3] = True
    with pytest.raises(ValueError, match=r"^oracle, image 3: " + BOOL_MASK):
        task.check(car, "oracle, image 3")
    with pytest.raises(ValueError, match=r"^test item 0: " + BOOL_MASK):
        task.check(car.tolist(), "test item 0")  # a nested list of bools too
    labels = car.astype(np.uint8) * 2  # "car" is label 2
    assert task.check(labels, "item 0").tolist() == labels.tolist()


def test_a_task_loop_refuses_bool_test_and_initial_masks(scenes):
    images, masks = scenes
    as_bool = [m == CLASSES.index("circle") + 1 for m in masks]  # "the circles", as bool masks
    with pytest.raises(ValueError, match=r"^test item 0: " + BOOL_MASK):
        TaskLoop(ShapeSegmenter(CLASSES), images[:8], "masks", CLASSES, test=(images[8:], as_bool[8:]),
                 store=AnnotationStore(":memory:"), background=False, progress=False)
    with pytest.raises(ValueError, match=r"^initial, item 2: " + BOOL_MASK):
        TaskLoop(ShapeSegmenter(CLASSES), images[:8], "masks", CLASSES, initial={2: as_bool[2]},
                 store=AnnotationStore(":memory:"), background=False, progress=False)
    loop = TaskLoop(ShapeSegmenter(CLASSES), images[:8], "masks", CLASSES, batch_size=2, store=AnnotationStore(":memory:"),
                    background=False, progress=False)
    with pytest.raises(ValueError, match=r"^oracle, image \d+: " + BOOL_MASK):
        loop.simulate(as_bool[:8], budget=2)
    assert not loop.annotations  # nothing was stored
