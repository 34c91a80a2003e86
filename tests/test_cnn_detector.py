"""The demo's torch CNN detector (hitl_widgets.demo.cnn_detector): BoxTask's interface, seeded, learns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch  # installed by the test setup: a missing torch fails here, never skips

from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.active.tasks import BoxTask
from hitl_widgets.demo.cnn_detector import CenterNetDetector
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import NAMED_CLASSES, scene_boxes
from hitl_widgets.metrics.detection import mean_average_precision
from hitl_widgets.store import AnnotationStore


@pytest.fixture(scope="module")
def shapes():
    images, scenes = make_scenes(100, seed=7)
    return images, scene_boxes(scenes, by="name")


@pytest.fixture(scope="module")
def trained(shapes):
    images, boxes = shapes
    return CenterNetDetector(NAMED_CLASSES, steps=150, seed=3).fit(images[:40], boxes[:40])


def _map(detector, images, boxes):
    return mean_average_precision([t.drop(columns="probs") for t in detector.predict(images)], boxes)


def test_predicts_boxtask_tables(shapes, trained):
    images, _ = shapes
    tables = trained.predict(images[60:70])
    assert len(tables) == 10
    task = BoxTask(NAMED_CLASSES)
    checked = task.predict(trained, list(images[60:70]))  # BoxTask's own checks of a model's output
    assert len(checked) == 10 and task.score(checked, "default").shape == (10,)
    n_boxes = 0
    for t in tables:
        assert list(t.columns) == ["x", "y", "w", "h", "class", "score", "probs"]
        assert len(t) <= trained.max_boxes and set(t["class"]) <= set(NAMED_CLASSES)
        assert (t["w"] > 0).all() and (t["h"] > 0).all() and (t["x"] >= 0).all() and (t["x"] + t["w"] <= 64 + 1e-9).all()
        assert t["score"].between(trained.threshold, 1).all() and t["score"].is_monotonic_decreasing
        for p, c in zip(t["probs"], t["class"]):
            assert p.shape == (12,) and np.isclose(p.sum(), 1) and (p >= 0).all()
            assert NAMED_CLASSES[int(np.argmax(p))] == c
        n_boxes += len(t)
    assert n_boxes >= 10  # every scene has 1-3 objects
    assert trained.heatmaps(images[:2]).shape == (2, 12, 16, 16)
    # another size, padded to the grid; one image alone
    small, _ = make_scenes(2, seed=1, size=50)
    assert trained.heatmaps(small).shape == (2, 12, 13, 13)
    assert len(trained.predict(small[0])) == 1


def test_learns_boxes_and_classes(shapes, trained):
    images, boxes = shapes
    untrained = CenterNetDetector(NAMED_CLASSES, steps=1, seed=3).fit(images[:40], boxes[:40])
    learnt, before = _map(trained, images[60:], boxes[60:]), _map(untrained, images[60:], boxes[60:])
    assert learnt > 0.6 and learnt > before + 0.4, (learnt, before)
    # the boxes found sit on the objects: the best-scored box of each held-out image overlaps a true one
    from hitl_widgets.metrics.geometry import box_iou

    tops = [(t.iloc[:1][["x", "y", "w", "h"]].to_numpy(float), b[["x", "y", "w", "h"]].to_numpy(float))
            for t, b in zip(trained.predict(images[60:]), boxes[60:]) if len(t)]
    assert np.mean([box_iou(p, b).max() >= 0.5 for p, b in tops]) > 0.8


def test_seeded(shapes):
    images, boxes = shapes
    a = CenterNetDetector(NAMED_CLASSES, steps=30, seed=1).fit(images[:20], boxes[:20])
    b = CenterNetDetector(NAMED_CLASSES, steps=30, seed=1).fit(images[:20], boxes[:20])
    c = CenterNetDetector(NAMED_CLASSES, steps=30, seed=2).fit(images[:20], boxes[:20])
    assert np.array_equal(a.heatmaps(images[20:30]), b.heatmaps(images[20:30]))
    pa, pb = a.predict(images[20:30]), b.predict(images[20:30])
    for ta, tb in zip(pa, pb):
        pd.testing.assert_frame_equal(ta.drop(columns="probs"), tb.drop(columns="probs"))
    assert not np.array_equal(a.heatmaps(images[20:30]), c.heatmaps(images[20:30]))
    assert a.loss_ == b.loss_ and np.isfinite(a.loss_)


def test_threads_restored(shapes):
    images, boxes = shapes
    before = torch.get_num_threads()
    CenterNetDetector(NAMED_CLASSES, steps=2, threads=1).fit(images[:4], boxes[:4]).predict(images[:2])
    assert torch.get_num_threads() == before


def test_bad_input_is_refused(shapes):
    images, boxes = shapes
    d = CenterNetDetector(NAMED_CLASSES, steps=2)
    with pytest.raises(RuntimeError, match="fit the CenterNetDetector on some labelled images first"):
        d.predict(images[:2])
    with pytest.raises(ValueError, match="fit: 3 images but 2 box tables"):
        d.fit(images[:3], boxes[:2])
    with pytest.raises(ValueError, match=r"image 0 must be \(H, W, 3\)"):
        d.fit(images[:2, :, :, 0], boxes[:2])
    with pytest.raises(ValueError, match="give images of one size"):
        d.fit([images[0], images[1][:32]], boxes[:2])
    with pytest.raises(ValueError, match="fit: no images"):
        d.fit([], [])
    bad = boxes[1].copy()
    bad.loc[0, "class"] = "purple hexagon"
    with pytest.raises(ValueError, match="image 1, box 0: class 'purple hexagon' is not one of"):
        d.fit(images[:2], [boxes[0], bad])
    with pytest.raises(ValueError, match=r"lacks the columns \['class'\]"):
        d.fit(images[:1], [boxes[0].drop(columns="class")])
    neg = boxes[0].copy()
    neg.loc[0, "w"] = -3
    with pytest.raises(ValueError, match="image 0, box 0: .*w, h > 0"):
        d.fit(images[:1], [neg])
    with pytest.raises(ValueError, match="must be a DataFrame"):
        d.fit(images[:1], [[(1, 2, 3, 4, "red circle")]])
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        CenterNetDetector(NAMED_CLASSES, steps=0)
    with pytest.raises(ValueError, match="width must be a multiple of 8"):
        CenterNetDetector(NAMED_CLASSES, width=12)
    with pytest.raises(ValueError, match="threshold must be in"):
        CenterNetDetector(NAMED_CLASSES, threshold=1.5)
    # an image without objects is a valid target: negatives only
    empty = pd.DataFrame(columns=["x", "y", "w", "h", "class"])
    assert len(d.fit(images[:2], [empty, boxes[1]]).predict(images[:3])) == 3


def test_runs_in_the_boxes_loop(shapes):
    images, boxes = shapes
    loop = TaskLoop(CenterNetDetector(NAMED_CLASSES, steps=20), images[:40], "boxes", NAMED_CLASSES, batch_size=5,
                    test=(images[60:80], boxes[60:80]), store=AnnotationStore(":memory:"), background=False, progress=False)
    history = loop.simulate(boxes[:40], budget=15)
    assert history["n_labels"].tolist() == [5, 10, 15] and history["mAP@0.5"].between(0, 1).all()


def test_docstring_example_and_import_without_torch():
    import doctest
    import subprocess
    import sys

    from hitl_widgets.demo import cnn_detector

    assert doctest.testmod(cnn_detector).failed == 0
    # the module imports with torch unavailable; only building a detector needs it
    code = ("import sys; sys.modules['torch'] = None\n"
            "from hitl_widgets.demo.cnn_detector import CenterNetDetector\n"
            "try:\n    CenterNetDetector(['a'])\nexcept ImportError:\n    print('needs torch')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "needs torch", out.stderr
