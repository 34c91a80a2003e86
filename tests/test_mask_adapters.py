"""Segmentation adapters (hitl_widgets.active.mask_adapters): PixelClassifier trains a scikit-learn
classifier on the painted pixels' features only and maps its classes to the canvas's; TorchSegmenter
trains a torch module from its initial weights on every fit, over the painted pixels only; both run
in TaskLoop's masks round and refuse bad input by name."""
from __future__ import annotations

import copy
import doctest

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from hitl_widgets.active import mask_adapters
from hitl_widgets.active.mask_adapters import PixelClassifier, pixel_features
from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import scene_masks
from hitl_widgets.store import AnnotationStore
from torch_seeding import assert_seeded_fit

CLASSES = ["background", "circle", "square", "triangle"]


@pytest.fixture(scope="module")
def shapes():
    images, scenes = make_scenes(50, seed=4)
    return images, scene_masks(images, scenes, CLASSES)


def strokes(mask, every=7):
    """A few painted pixels per image, as a quick annotator's strokes: every 7th pixel of the mask."""
    out = np.zeros_like(mask)
    out.flat[::every] = mask.flat[::every]
    return out


def test_the_doctests_pass():
    assert doctest.testmod(mask_adapters).failed == 0


def test_pixel_classifier_learns_from_the_painted_pixels_only(shapes):
    images, masks = shapes
    painted = [strokes(m) for m in masks[:6]]
    seg = PixelClassifier(LogisticRegression(max_iter=300), CLASSES, max_pixels=10**9).fit(list(images[:6]), painted)
    # the same fit, here: the features of the painted pixels and their labels, nothing else
    X = np.concatenate([pixel_features(im)[m.ravel() > 0] for im, m in zip(images[:6], painted)])
    y = np.concatenate([m.ravel()[m.ravel() > 0] for m in painted])
    ref = LogisticRegression(max_iter=300).fit(X, y)
    np.testing.assert_allclose(seg.model_.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    # max_pixels draws that many of the painted pixels (seeded), the same draw here
    few = PixelClassifier(LogisticRegression(max_iter=300), CLASSES, max_pixels=500, seed=3).fit(list(images[:6]), painted)
    keep = np.random.default_rng(3).choice(len(y), 500, replace=False)
    np.testing.assert_allclose(few.model_.coef_, LogisticRegression(max_iter=300).fit(X[keep], y[keep]).coef_, rtol=1e-6, atol=1e-9)
    maps = seg.predict_proba(list(images[10:12]))
    assert [m.shape for m in maps] == [(4, 64, 64)] * 2
    np.testing.assert_allclose(maps[0].sum(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(maps[0][:, 5, 7], ref.predict_proba(pixel_features(images[10]))[5 * 64 + 7])


def test_a_class_not_painted_yet_gets_zero_and_the_columns_follow_the_labels(shapes):
    images, masks = shapes
    only = [np.where(np.isin(m, [1, 3]), m, 0) for m in masks[:4]]  # background and square only
    maps = PixelClassifier(LogisticRegression(max_iter=300), CLASSES).fit(list(images[:4]), only).predict_proba([images[20]])[0]
    assert not maps[1].any() and not maps[3].any()  # circle and triangle: no painted pixel
    np.testing.assert_allclose(maps[0] + maps[2], 1.0, rtol=1e-6)
    truth = masks[20]
    bg = truth == 1
    assert (maps[0][bg] > 0.5).mean() > 0.9, "background pixels are background"


def test_one_painted_label_is_that_label_for_sure(shapes):
    # a first stroke of one class (scikit-learn refuses a one-class fit): that class everywhere
    images, masks = shapes
    first = [np.where(masks[0] == 2, 2, 0)]
    maps = PixelClassifier(LogisticRegression(), CLASSES).fit([images[0]], first).predict_proba([images[5]])[0]
    assert (maps[1] == 1.0).all() and not np.delete(maps, 1, axis=0).any()


def test_pixel_classifier_in_the_masks_round(shapes):
    images, masks = shapes
    loop = TaskLoop(PixelClassifier(LogisticRegression(max_iter=300), CLASSES, max_pixels=5000), images[:40], "masks",
                    CLASSES, batch_size=4, test=(images[40:], masks[40:]), store=AnnotationStore(":memory:"),
                    background=False, progress=False)
    history = loop.simulate([strokes(m) for m in masks[:40]], budget=8)
    assert history["n_labels"].tolist() == [4, 8] and np.isfinite(history["mIoU"]).all()
    open_ids = [i for i in loop.items.ids if i not in loop.annotations]
    scores = loop.task.score(loop.model.predict_proba([images[i] for i in open_ids]), "default")
    assert set(loop.batch) == {open_ids[i] for i in np.argsort(-scores, kind="stable")[:4]}


def test_bad_masks_and_images_are_named(shapes):
    images, masks = shapes
    seg = PixelClassifier(LogisticRegression(), CLASSES)
    with pytest.raises(RuntimeError, match="call fit first"):
        seg.predict_proba([images[0]])
    with pytest.raises(ValueError, match=r"image 1: its mask is \(32, 32\), the image \(64, 64\)"):
        seg.fit(list(images[:2]), [masks[0], masks[1][:32, :32]])
    with pytest.raises(ValueError, match=r"image 0: mask labels must be integers in 0 \.\. 4"):
        seg.fit([images[0]], [masks[0] + 3])
    with pytest.raises(ValueError, match="no painted pixel"):
        seg.fit([images[0]], [np.zeros_like(masks[0])])
    with pytest.raises(ValueError, match="2 images but 1 masks"):
        seg.fit(list(images[:2]), [masks[0]])
    with pytest.raises(TypeError, match="has no predict_proba"):
        PixelClassifier(object(), CLASSES)
    with pytest.raises(ValueError, match="image 1: int64 pixels have no known range"):
        seg.fit([images[0], images[1].astype(np.int64)], list(masks[:2]))
    with pytest.raises(ValueError, match=r"image 0: float pixels must lie in \[0, 1\] \(found \d+\.\.\d+\)"):
        seg.fit([images[0].astype(np.float64)], [masks[0]])


def test_pixels_are_scaled_by_their_type_never_by_their_values():
    # a dark uint8 image (every value <= 1) is still divided by 255, a uint16 one by 65535
    dark = np.zeros((4, 4, 3), dtype=np.uint8)
    dark[1, 1] = 1
    np.testing.assert_allclose(pixel_features(dark, sigmas=())[5], [1 / 255] * 3, rtol=1e-6)
    deep = (dark.astype(np.uint16) * 65535)
    np.testing.assert_allclose(pixel_features(deep, sigmas=())[5], [1.0] * 3)
    np.testing.assert_allclose(pixel_features(dark / 255.0, sigmas=()), pixel_features(dark, sigmas=()), rtol=1e-6)


def _net(torch):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 2, 3, padding=1))


def test_torch_segmenter_learns_foreground_from_strokes_and_restarts_at_every_fit(shapes):
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.mask_adapters import TorchSegmenter

    images, masks = shapes
    fg = [np.where(m > 1, 2, m) for m in masks]  # background 1, any shape 2
    module = _net(torch)
    fresh = copy.deepcopy(module)
    seg = TorchSegmenter(module, ["background", "shape"], steps=120, threads=1)
    seg.fit(list(images[:8]), [strokes(m) for m in fg[:8]])
    predicted = np.stack([p.argmax(axis=0) + 1 for p in seg.predict_proba(list(images[30:40]))])
    assert (predicted == np.stack(fg[30:40])).mean() > 0.95, "held-out pixels, foreground vs background"
    # a second fit starts from the initial weights: it equals a fit of a fresh copy on the same labels
    seg.fit(list(images[8:12]), [strokes(m) for m in fg[8:12]])
    again = TorchSegmenter(fresh, ["background", "shape"], steps=120, threads=1).fit(list(images[8:12]), [strokes(m) for m in fg[8:12]])
    np.testing.assert_allclose(seg.predict_proba([images[40]])[0], again.predict_proba([images[40]])[0], atol=1e-6)


def test_torch_segmenter_seeds_the_modules_dropout_and_leaves_the_session_alone(shapes):
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.mask_adapters import TorchSegmenter

    images, masks = shapes
    fg = [np.where(m > 1, 2, m) for m in masks]
    module = torch.nn.Sequential(*_net(torch)[:2], torch.nn.Dropout2d(0.5), _net(torch)[2])  # dropout: the global generator

    def fitted(seed):
        seg = TorchSegmenter(copy.deepcopy(module), ["background", "shape"], steps=10, seed=seed, threads=1)
        return seg.fit(list(images[:4]), [strokes(m) for m in fg[:4]]).predict_proba([images[40]])[0]

    assert_seeded_fit(fitted)

def test_torch_segmenter_refuses_a_module_of_the_wrong_shape(shapes):
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.mask_adapters import TorchSegmenter

    images, masks = shapes
    seg = TorchSegmenter(torch.nn.Conv2d(3, 3, 3, padding=1), ["background", "shape"], steps=2)
    with pytest.raises(ValueError, match=r"logits of shape \(1, 3, 64, 64\), expected \(B, classes, H, W\) = \(1, 2, 64, 64\)"):
        seg.fit([images[0]], [np.minimum(masks[0], 2)])
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        TorchSegmenter(lambda x: x, ["a"])
