"""Small models of the synthetic shapes (``hitl_widgets.demo.scenes``) that train in milliseconds on CPU:
a detector and a segmenter, for the active-learning loop's demos and tests, with the ground truth
in the forms the annotation widgets give back.

Both find the shapes as connected regions of non-background pixels (the scenes' shapes never
touch) and class each region from a few features (mean colour, how much of its box it fills, how
its width grows from top to bottom) with a multinomial logistic regression fitted on the labelled
regions. What they learn is the class; where the objects are comes from the pixels. A region no
label covers is learnt as "no object" (a false alarm of the detector).

Example:
    >>> from hitl_widgets.demo.scenes import make_scenes
    >>> images, scenes = make_scenes(30, seed=0)
    >>> detector = ShapeDetector(SHAPE_CLASSES).fit(images[:20], scene_boxes(scenes[:20]))
    >>> list(detector.predict(images[20:21])[0].columns)
    ['x', 'y', 'w', 'h', 'class', 'score', 'probs']
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..active.box_adapters import RegionDetector, connected_regions, label_regions
from .scenes import BACKGROUND, COLOURS, Scene

SHAPE_CLASSES = ("circle", "square", "triangle")
#: the classes of ``scene_boxes(by="name")``
NAMED_CLASSES = tuple(f"{c} {s}" for c in COLOURS for s in SHAPE_CLASSES)


def scene_boxes(scenes: Sequence[Scene], by: str = "shape") -> list[pd.DataFrame]:
    """Each scene's objects as a box table (x, y, w, h, class), as ``BBoxAnnotator.boxes``: the class is
    the shape (``by="shape"``) or colour and shape, "red circle" (``by="name"``: 12 classes)."""
    if by not in ("shape", "name"):
        raise ValueError(f'by must be "shape" or "name", not {by!r}')
    out = []
    for s in scenes:
        rows = [(o.x - o.r, o.y - o.r, 2 * o.r, 2 * o.r, getattr(o, by)) for o in s.objects]
        out.append(pd.DataFrame(rows, columns=["x", "y", "w", "h", "class"]))
    return out


def scene_masks(images: np.ndarray, scenes: Sequence[Scene], classes: Sequence[str] = ("background", *SHAPE_CLASSES)) -> list[np.ndarray]:
    """Each scene's semantic label map in ``SegmentationCanvas.masks`` form: ``k`` is ``classes[k - 1]``
    (background pixels get the label of "background")."""
    out = []
    for img, s in zip(images, scenes):
        labels = np.full(img.shape[:2], classes.index("background") + 1, np.uint8)
        regions, _ = label_regions(img, BACKGROUND)
        for o in s.objects:
            at = regions[int(o.y), int(o.x)]
            if at:
                labels[regions == at] = classes.index(o.shape) + 1
        out.append(labels)
    return out


def _boxes_and_features(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The image's regions: boxes (x, y, w, h), their 7 features and the label map (region k is k)."""
    return connected_regions(BACKGROUND).regions(image)


def _region_classifier(classes: Sequence[Any]) -> RegionDetector:
    """The logistic regression both models class regions with."""
    from sklearn.linear_model import LogisticRegression

    return RegionDetector(LogisticRegression(max_iter=2000, C=10.0), classes, propose=connected_regions(BACKGROUND))


class ShapeDetector(RegionDetector):
    """Boxes around the shapes, classed by a logistic regression (see the module): a
    ``hitl_widgets.active.RegionDetector`` on the scenes' connected regions.

    ``fit(images, targets)``: ``targets`` one box table per image (x, y, w, h, class), as
    ``BBoxAnnotator.boxes`` gives them. ``predict(images)`` → one table per image with x, y, w, h,
    class, score (the class probability) and probs (the probabilities over the classes, for
    ``box_uncertainty``); regions it takes for "no object" are left out.
    """

    def __init__(self, classes: Sequence[Any]):
        if len(classes) < 1:
            raise ValueError("give at least one class")
        model = _region_classifier(classes)
        super().__init__(model.estimator, classes, propose=model.propose)


class ShapeSegmenter:
    """Per-pixel class probabilities: background pixels are ``background`` (the class named so), a
    region's pixels share its classifier's probabilities (see the module).

    ``fit(images, masks)``: label maps as ``SegmentationCanvas.masks`` (0 unlabelled, ``k`` is
    ``classes[k - 1]``); a region takes the most common label painted on it. ``predict_proba(images)``
    → one ``(len(classes), H, W)`` array per image.
    """

    def __init__(self, classes: Sequence[Any] = ("background", *SHAPE_CLASSES)):
        if "background" not in classes:
            raise ValueError('the classes must include "background"')
        self.classes = list(classes)
        self._regions = _region_classifier(self.classes)

    def fit(self, images: Sequence[np.ndarray], masks: Sequence[np.ndarray]) -> ShapeSegmenter:
        X, y = [], []
        for img, mask in zip(images, masks):
            _, feats, labels = _boxes_and_features(img)
            mask = np.asarray(mask)
            for k in range(1, len(feats) + 1):
                painted = mask[(labels == k) & (mask > 0)]
                if painted.size:
                    X.append(feats[k - 1])
                    y.append(self.classes[int(np.bincount(painted).argmax()) - 1])
        self._regions.fit_rows(np.array(X).reshape(-1, 7), y)
        return self

    def predict_proba(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        out = []
        bg = self.classes.index("background")
        for img in images:
            _, feats, labels = _boxes_and_features(img)
            C = len(self.classes)
            maps = np.zeros((C, *labels.shape))
            maps[bg] = 1.0
            if len(feats):
                p = self._regions.proba(feats)
                p = p[:, :C] + np.eye(C)[bg] * p[:, C:].sum(axis=1, keepdims=True)  # "no object" is background
                for k in range(1, len(feats) + 1):
                    maps[:, labels == k] = p[k - 1][:, None]
            out.append(maps)
        return out


__all__ = ["NAMED_CLASSES", "SHAPE_CLASSES", "ShapeDetector", "ShapeSegmenter", "ShapeTextMatcher", "scene_boxes", "scene_masks"]


def _colour_shape_vector(image: np.ndarray) -> np.ndarray:
    """An image as 12 counts: its regions by nearest colour and by how much of their box they fill
    (under 0.65: a triangle's half, under 0.9: a circle's pi/4, else a square's whole box)."""
    names = list(COLOURS)
    palette = np.array([COLOURS[c] for c in names], float) / 255.0
    _, feats, _ = _boxes_and_features(image)
    out = np.zeros((len(names), 3))
    for f in feats:
        shape = 0 if f[3] < 0.65 else 1 if f[3] < 0.9 else 2
        out[int(np.argmin(((palette - f[:3]) ** 2).sum(axis=1))), shape] += 1
    return out.ravel()


class ShapeTextMatcher:
    """A small image–text matcher for the synthetic scenes' captions: a ridge regression from each
    image's colour × shape counts (fixed features) to the counts of its caption's number words and colour-shape word pairs ('red square'),
    and the cosine similarity of the prediction with each text's counts. It needs some matched pairs to start (``fit``); more pairs refine it.

    ``fit(images, texts)``: matched pairs (image ``i`` goes with text ``i``). ``similarity(images,
    texts)`` → ``(len(texts), len(images))``.

    Example:
        >>> from hitl_widgets.demo.scenes import make_scenes
        >>> images, scenes = make_scenes(40, seed=0, n_objects=(2, 4))
        >>> texts = [s.description() for s in scenes]
        >>> m = ShapeTextMatcher().fit(images[:20], texts[:20])
        >>> m.similarity(images[20:23], texts[20:22]).shape
        (2, 3)
    """

    def __init__(self, alpha: float = 1.0):
        self.alpha = float(alpha)
        self._vectorizer: Any = None
        self._ridge: Any = None

    def fit(self, images: Sequence[np.ndarray], texts: Sequence[str]) -> ShapeTextMatcher:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import Ridge

        from .scenes import NUMBERS, SHAPES

        if len(images) != len(texts) or not len(texts):
            raise ValueError(f"fit takes matched pairs: {len(images)} images and {len(texts)} texts")
        pairs = [f"{c} {s}" for c in COLOURS for s in (*SHAPES, *(f"{s}s" for s in SHAPES))]
        self._vectorizer = CountVectorizer(vocabulary=sorted({*NUMBERS, *pairs}), ngram_range=(1, 2))
        X = np.stack([_colour_shape_vector(im) for im in images])
        self._ridge = Ridge(alpha=self.alpha).fit(X, self._vectorizer.transform(texts).toarray())
        return self

    def similarity(self, images: Sequence[np.ndarray], texts: Sequence[str]) -> np.ndarray:
        if self._ridge is None:
            raise RuntimeError("fit the matcher on some matched pairs first")
        predicted = self._ridge.predict(np.stack([_colour_shape_vector(im) for im in images]))
        words = self._vectorizer.transform(list(texts)).toarray().astype(np.float64)
        predicted /= np.maximum(np.linalg.norm(predicted, axis=1, keepdims=True), 1e-12)
        words /= np.maximum(np.linalg.norm(words, axis=1, keepdims=True), 1e-12)
        return words @ predicted.T
