"""Detection adapters (hitl_widgets.active.box_adapters): RegionDetector classes each region proposal
by the true box it overlaps (or "no object") with any scikit-learn classifier; TorchCenterNet trains
a user's torch network with CenterNet's losses from its initial weights on every fit; both run in
TaskLoop's boxes round and refuse bad input by name."""
from __future__ import annotations

import copy
import doctest

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from hitl_widgets.active import box_adapters
from hitl_widgets.active.box_adapters import NO_OBJECT, RegionDetector, connected_regions
from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.demo.scenes import BACKGROUND, make_scenes
from hitl_widgets.demo.shape_models import NAMED_CLASSES, scene_boxes
from hitl_widgets.metrics.geometry import box_iou
from hitl_widgets.store import AnnotationStore


@pytest.fixture(scope="module")
def shapes():
    images, scenes = make_scenes(70, seed=6)
    return images, scene_boxes(scenes, by="name")


def test_the_doctests_pass():
    assert doctest.testmod(box_adapters).failed == 0


def test_each_proposal_learns_the_class_of_the_true_box_it_overlaps(shapes):
    images, boxes = shapes
    propose = connected_regions(BACKGROUND)
    detector = RegionDetector(LogisticRegression(max_iter=2000), NAMED_CLASSES, propose=propose).fit(images[:40], boxes[:40])
    X, y = [], []
    for image, truth in zip(images[:40], boxes[:40]):
        found, feats = propose(image)
        iou = box_iou(found, truth[["x", "y", "w", "h"]].to_numpy(float))
        for k in range(len(found)):
            best = int(np.argmax(iou[k]))
            X.append(feats[k])
            y.append(truth["class"].iloc[best] if iou[k, best] >= 0.5 else NO_OBJECT)
    ref = LogisticRegression(max_iter=2000).fit(np.array(X), y)
    np.testing.assert_allclose(detector.model_.coef_, ref.coef_, rtol=1e-6)
    tables = detector.predict(images[40:45])
    for image, table in zip(images[40:45], tables):
        found, feats = propose(image)
        p = ref.predict_proba(feats)
        kept = [k for k in range(len(found)) if ref.classes_[p[k].argmax()] != NO_OBJECT]
        assert table[["x", "y", "w", "h"]].to_numpy().tolist() == found[kept].tolist()
        assert table["class"].tolist() == [ref.classes_[p[k].argmax()] for k in kept]
        np.testing.assert_allclose(table["score"], [p[k].max() for k in kept])
        for probs in table["probs"]:
            assert probs.shape == (len(NAMED_CLASSES),) and probs.sum() == pytest.approx(1.0)


def test_region_detector_in_the_boxes_round_with_another_classifier(shapes):
    images, boxes = shapes
    detector = RegionDetector(RandomForestClassifier(n_estimators=20, random_state=0), NAMED_CLASSES,
                              propose=connected_regions(BACKGROUND))
    loop = TaskLoop(detector, images[:50], "boxes", NAMED_CLASSES, batch_size=5, test=(images[50:], boxes[50:]),
                    store=AnnotationStore(":memory:"), background=False, progress=False)
    history = loop.simulate(boxes[:50], budget=15)
    assert history["n_labels"].tolist() == [5, 10, 15] and np.isfinite(history["mAP@0.5"]).all()
    open_ids = [i for i in loop.items.ids if i not in loop.annotations]
    scores = loop.task.score(loop.task.predict(detector, [images[i] for i in open_ids]), "default")
    assert set(loop.batch) == {open_ids[i] for i in np.argsort(-scores, kind="stable")[:5]}


def test_a_fitted_region_detector_pickles_and_predicts_the_same(shapes):
    # (as it must to go to Dask workers, or to disk between sessions)
    import pickle

    images, boxes = shapes
    detector = RegionDetector(LogisticRegression(max_iter=2000), NAMED_CLASSES, propose=connected_regions(BACKGROUND))
    detector.fit(images[:20], boxes[:20])
    copy_ = pickle.loads(pickle.dumps(detector))
    for a, b in zip(detector.predict(images[20:25]), copy_.predict(images[20:25])):
        pd.testing.assert_frame_equal(a.drop(columns="probs"), b.drop(columns="probs"))
        assert len(a) > 0


def test_region_detector_refuses_bad_input_by_name(shapes):
    images, boxes = shapes
    propose = connected_regions(BACKGROUND)
    detector = RegionDetector(LogisticRegression(), NAMED_CLASSES, propose=propose)
    with pytest.raises(RuntimeError, match="call fit first"):
        detector.predict(images[:1])
    with pytest.raises(ValueError, match=r"fit: the box table of image 1 lacks the columns \['class'\]"):
        detector.fit(images[:2], [boxes[0], boxes[1].drop(columns="class")])
    wrong = boxes[1].assign(**{"class": "pink hexagon"})
    with pytest.raises(ValueError, match="fit: image 1, box 0: class 'pink hexagon' is not one of"):
        detector.fit(images[:2], [boxes[0], wrong])
    broken = RegionDetector(LogisticRegression(), NAMED_CLASSES, propose=lambda im: (np.array([[0, 0, np.nan, 2]]), np.ones((1, 3))))
    with pytest.raises(ValueError, match="image 0: propose gave NaN or infinite boxes or features"):
        broken.fit(images[:1], boxes[:1])
    with pytest.raises(ValueError, match="2 images but 1 box tables"):
        detector.fit(images[:2], boxes[:1])
    with pytest.raises(ValueError, match="fit_rows: class 'pink hexagon' is not one of"):
        detector.fit_rows(np.ones((2, 7)), [NAMED_CLASSES[0], "pink hexagon"])
    # every labelled proposal of one class: no classifier, that class for sure on every proposal
    one = detector.fit_rows(np.ones((3, 7)), [NAMED_CLASSES[1]] * 3)
    assert one.model_ is None
    table = one.predict(images[:1])[0]
    assert len(table) == len(propose(images[0])[0]) > 0
    assert table["class"].eq(NAMED_CLASSES[1]).all() and table["score"].eq(1.0).all()


def test_region_detector_with_numbered_classes_predicts_as_with_named_ones(shapes):
    # numbered classes sit beside the "no object" text: the classifier learns codes, never mixed types
    images, boxes = shapes
    numbered = [b.assign(**{"class": [NAMED_CLASSES.index(c) for c in b["class"]]}) for b in boxes[:30]]
    propose = connected_regions(BACKGROUND)
    by_name = RegionDetector(LogisticRegression(max_iter=2000), NAMED_CLASSES, propose=propose).fit(images[:30], boxes[:30])
    by_number = RegionDetector(LogisticRegression(max_iter=2000), list(range(len(NAMED_CLASSES))), propose=propose)
    by_number.fit(images[:30], numbered)
    for named, counted in zip(by_name.predict(images[30:40]), by_number.predict(images[30:40])):
        assert counted["class"].tolist() == [NAMED_CLASSES.index(c) for c in named["class"]]
        np.testing.assert_allclose(counted["score"], named["score"], rtol=1e-6)


def _centernet_net(torch, n_classes):
    """A user's network: stride 4, the heatmap logits first (biased to CenterNet's 10% prior), then w, h, dx, dy."""
    nn = torch.nn
    torch.manual_seed(1)
    head = nn.Conv2d(32, n_classes + 4, 1)
    head.bias.data[:n_classes] = -2.19
    head.bias.data[n_classes:] = 0.0
    return nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.GroupNorm(4, 16), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.GroupNorm(4, 32),
                         nn.ReLU(), nn.Conv2d(32, 32, 3, 1, 2, dilation=2), nn.GroupNorm(4, 32), nn.ReLU(), head)


def test_torch_centernet_trains_a_users_network_and_restarts_at_every_fit(shapes):
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.box_adapters import TorchCenterNet
    from hitl_widgets.metrics import mean_average_precision

    images, boxes = shapes
    net = _centernet_net(torch, len(NAMED_CLASSES))
    fresh = copy.deepcopy(net)
    detector = TorchCenterNet(net, NAMED_CLASSES, steps=150, flip=True, threads=1)
    untrained = detector.fit(images[:40], boxes[:40]).loss_
    tables = detector.predict(images[40:60])
    assert all(list(t.columns) == ["x", "y", "w", "h", "class", "score", "probs"] for t in tables)
    assert mean_average_precision([t.drop(columns="probs") for t in tables], boxes[40:60]) > 0.3
    assert np.isfinite(untrained)
    # a second fit starts from the initial weights: it equals a fit of a fresh copy on the same boxes
    detector.fit(images[:20], boxes[:20])
    again = TorchCenterNet(fresh, NAMED_CLASSES, steps=150, flip=True, threads=1).fit(images[:20], boxes[:20])
    np.testing.assert_allclose(detector.heatmaps(images[60:62]), again.heatmaps(images[60:62]), atol=1e-6)


def test_torch_centernet_refuses_a_network_of_the_wrong_shape(shapes):
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.box_adapters import TorchCenterNet

    images, boxes = shapes
    detector = TorchCenterNet(_centernet_net(torch, 3), NAMED_CLASSES, steps=2)
    with pytest.raises(ValueError, match=r"the network gave shape \(\d+, 7, 16, 16\), expected \(B, classes \+ 4, H / stride, W / stride\)"):
        detector.fit(images[:4], boxes[:4])
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        TorchCenterNet(lambda x: x, NAMED_CLASSES)
    # uint8 images with one of floats 0..255: that image is named (not the stack numpy would upcast)
    mixed = [images[0], images[1].astype(np.float64), images[2]]
    with pytest.raises(ValueError, match=r"fit: image 1: float pixels must lie in \[0, 1\]"):
        TorchCenterNet(_centernet_net(torch, 12), NAMED_CLASSES, steps=2).fit(mixed, boxes[:3])
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        TorchCenterNet(_centernet_net(torch, 12), NAMED_CLASSES, steps=0)
    empty = pd.DataFrame({"x": [], "y": [], "w": [], "h": [], "class": []})
    assert TorchCenterNet(_centernet_net(torch, 12), NAMED_CLASSES, steps=3).fit(images[:2], [empty, empty]).predict(images[:1])
