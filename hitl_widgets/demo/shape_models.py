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
from scipy import ndimage

from .scenes import BACKGROUND, COLOURS, Scene

SHAPE_CLASSES = ("circle", "square", "triangle")
#: the classes of ``scene_boxes(by="name")``
NAMED_CLASSES = tuple(f"{c} {s}" for c in COLOURS for s in SHAPE_CLASSES)
_NONE = "__no_object__"


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
        regions, _ = _regions(img)
        for o in s.objects:
            at = regions[int(o.y), int(o.x)]
            if at:
                labels[regions == at] = classes.index(o.shape) + 1
        out.append(labels)
    return out


def _regions(image: np.ndarray) -> tuple[np.ndarray, list[tuple[slice, slice]]]:
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {img.shape}")
    foreground = np.abs(img.astype(np.int16) - np.array(BACKGROUND, np.int16)).max(axis=2) > 30
    labels, _ = ndimage.label(foreground)
    return labels, list(ndimage.find_objects(labels))


def _features(image: np.ndarray, labels: np.ndarray, k: int, where: tuple[slice, slice]) -> np.ndarray:
    region = labels[where] == k
    h, w = region.shape
    colour = image[where][region].mean(axis=0) / 255.0
    rows = region.sum(axis=1)
    top, bottom = rows[: max(1, h // 3)].mean() / w, rows[-max(1, h // 3):].mean() / w
    return np.array([*colour, region.mean(), top, bottom, bottom - top])


def _boxes_and_features(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels, slices = _regions(image)
    boxes, feats = [], []
    for k, where in enumerate(slices, start=1):
        if where is None:
            continue
        ys, xs = where
        boxes.append((xs.start, ys.start, xs.stop - xs.start, ys.stop - ys.start))
        feats.append(_features(image, labels, k, where))
    return np.array(boxes, float).reshape(-1, 4), np.array(feats).reshape(-1, 7), labels


class _RegionClassifier:
    def __init__(self, classes: Sequence[Any]):
        if len(classes) < 1:
            raise ValueError("give at least one class")
        self.classes = list(classes)
        self._model: Any = None
        self._only: Any = None

    @property
    def fitted(self) -> bool:
        return self._model is not None or self._only is not None

    def _fit(self, X: np.ndarray, y: list[Any]) -> None:
        from sklearn.linear_model import LogisticRegression

        if not len(y):
            raise ValueError("nothing to learn from: no labelled region")
        if len(set(y)) == 1:
            self._model, self._only = None, y[0]
            return
        self._model = LogisticRegression(max_iter=2000, C=10.0).fit(X, y)
        self._only = None

    def _proba(self, X: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        """Probabilities over ``classes + [no object]`` for each row of X."""
        names = [*self.classes, _NONE]
        out = np.zeros((len(X), len(names)))
        if not self.fitted:
            raise RuntimeError("fit the model first")
        if self._model is None:
            out[:, names.index(self._only)] = 1.0
            return out, names
        p = self._model.predict_proba(X)
        for j, c in enumerate(self._model.classes_):
            out[:, names.index(c)] = p[:, j]
        return out, names


class ShapeDetector(_RegionClassifier):
    """Boxes around the shapes, classed by a logistic regression (see the module).

    ``fit(images, targets)``: ``targets`` one box table per image (x, y, w, h, class), as
    ``BBoxAnnotator.boxes`` gives them. ``predict(images)`` → one table per image with x, y, w, h,
    class, score (the class probability) and probs (the probabilities over the classes, for
    ``box_uncertainty``); regions it takes for "no object" are left out.
    """

    def fit(self, images: Sequence[np.ndarray], targets: Sequence[pd.DataFrame]) -> ShapeDetector:
        from ..metrics.geometry import box_iou

        X, y = [], []
        for img, t in zip(images, targets):
            boxes, feats, _ = _boxes_and_features(img)
            truth = t[["x", "y", "w", "h"]].to_numpy(float) if len(t) else np.zeros((0, 4))
            iou = box_iou(boxes, truth)
            for k in range(len(boxes)):
                best = int(np.argmax(iou[k])) if truth.size else -1
                X.append(feats[k])
                y.append(t["class"].iloc[best] if best >= 0 and iou[k, best] >= 0.5 else _NONE)
        self._fit(np.array(X).reshape(-1, 7), y)
        return self

    def predict(self, images: Sequence[np.ndarray]) -> list[pd.DataFrame]:
        out = []
        for img in images:
            boxes, feats, _ = _boxes_and_features(img)
            p, names = self._proba(feats) if len(feats) else (np.zeros((0, len(self.classes) + 1)), [*self.classes, _NONE])
            best = p.argmax(axis=1) if len(p) else np.zeros(0, int)
            keep = [k for k in range(len(boxes)) if names[best[k]] != _NONE]
            probs = [p[k, : len(self.classes)] / max(p[k, : len(self.classes)].sum(), 1e-12) for k in keep]
            out.append(pd.DataFrame({
                "x": boxes[keep, 0] if keep else [], "y": boxes[keep, 1] if keep else [],
                "w": boxes[keep, 2] if keep else [], "h": boxes[keep, 3] if keep else [],
                "class": [names[best[k]] for k in keep], "score": [float(p[k, best[k]]) for k in keep],
                "probs": probs,
            }))
        return out


class ShapeSegmenter(_RegionClassifier):
    """Per-pixel class probabilities: background pixels are ``background`` (the class named so), a
    region's pixels share its classifier's probabilities (see the module).

    ``fit(images, masks)``: label maps as ``SegmentationCanvas.masks`` (0 unlabelled, ``k`` is
    ``classes[k - 1]``); a region takes the most common label painted on it. ``predict_proba(images)``
    → one ``(len(classes), H, W)`` array per image.
    """

    def __init__(self, classes: Sequence[Any] = ("background", *SHAPE_CLASSES)):
        if "background" not in classes:
            raise ValueError('the classes must include "background"')
        super().__init__(classes)

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
        self._fit(np.array(X).reshape(-1, 7), y)
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
                p, _ = self._proba(feats)
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
