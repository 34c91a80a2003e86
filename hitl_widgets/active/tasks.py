"""What the active-learning loop needs to know about a task besides classification: which widget
shows a batch, how a model's output becomes proposals and scores, and how the model is fitted and
evaluated. ``TaskLoop`` drives any of them the same way.

The model interface each task asks for (duck-typed: any object with these methods):

* ``"boxes"`` (``BoxTask``, shown in ``BBoxAnnotator``): ``fit(images, targets)`` with one box table
  per image (DataFrame x, y, w, h, class: the form of ``BBoxAnnotator.boxes``); ``predict(images)``
  → one table per image with x, y, w, h, class, score and optionally probs (each box's class
  probabilities). Scores: ``"uncertainty"`` (box entropy summed over the image), ``"max"`` (the
  most uncertain box), ``"complexity"`` (``scene_complexity``), ``"default"`` (the mean of the
  uncertainty and complexity ranks: uncertain boxes in busy scenes first), ``"random"``.
  Evaluated by COCO-style mAP at IoU 0.5.
* ``"masks"`` (``MaskTask``, shown in ``SegmentationCanvas``, semantic): ``fit(images, masks)`` with
  label maps (0 unlabelled, ``k`` is ``classes[k - 1]``: the form of ``SegmentationCanvas.masks``);
  ``predict_proba(images)`` → one ``(len(classes), H, W)`` probability map per image. Scores:
  ``"entropy"`` (mean pixel entropy), ``"boundary"`` (entropy on predicted boundaries),
  ``"default"`` (the mean of the two ranks), ``"random"``. Evaluated by mean IoU over classes.

An image with nothing drawn or painted counts as not yet labelled; "retrain now" (the panel's
button, key r) trains on what there is.

Example:
    >>> BoxTask(["cat", "dog"]).strategies
    ('default', 'uncertainty', 'max', 'complexity', 'random')
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..coerce import normalise_classes, plain, to_numpy
from ..metrics.detection import box_columns, detection_table, mean_average_precision
from .task_scores import boundary_uncertainty, box_uncertainty, mean_pixel_entropy, scene_complexity

__all__ = ["LoopTask", "BoxTask", "MaskTask", "as_task"]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks scaled to [0, 1] (ties share their mean rank): comparable across scores of any scale."""
    return (rankdata(scores) - 1) / max(len(scores) - 1, 1)


class LoopTask:
    """The interface ``TaskLoop`` drives (see the module for the model each task expects)."""

    name = ""
    metric = ""
    strategies: tuple[str, ...] = ("default", "random")

    def __init__(self, classes: Sequence[Any]):
        self.classes = normalise_classes(classes)

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        raise NotImplementedError

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        """The labelled items' annotations in the form the model's ``fit`` takes."""
        raise NotImplementedError

    def record(self, widget: Any, item_id: Hashable, annotation: Any) -> None:
        """Store an oracle's annotation through the widget's own checks."""
        raise NotImplementedError

    def check(self, annotation: Any, where: str) -> Any:
        """An oracle's or a test set's annotation, checked (errors say ``where``)."""
        return annotation

    def fit(self, model: Any, images: list[np.ndarray], annotations: list[Any]) -> None:
        raise NotImplementedError

    def predict(self, model: Any, images: list[np.ndarray]) -> list[Any]:
        raise NotImplementedError

    def score(self, predictions: list[Any], strategy: str) -> np.ndarray:
        raise NotImplementedError

    def propose(self, widget: Any, item_ids: list[Hashable], predictions: list[Any]) -> None:
        raise NotImplementedError

    def evaluate(self, predictions: list[Any], truths: list[Any]) -> float:
        raise NotImplementedError

    def check_strategy(self, strategy: Any) -> Any:
        if callable(strategy):
            return strategy
        if strategy not in self.strategies:
            raise ValueError(f"strategy for {self.name} must be one of {list(self.strategies)} or a callable "
                             f"(predictions -> one score per image), not {strategy!r}")
        return strategy


class BoxTask(LoopTask):
    """Detection: boxes drawn in ``BBoxAnnotator``, the model's boxes as proposals."""

    name = "boxes"
    metric = "mAP@0.5"
    strategies = ("default", "uncertainty", "max", "complexity", "random")

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        from ..widgets.bbox import BBoxAnnotator

        return BBoxAnnotator(items, self.classes, store=store, task=task, annotator=annotator, title="Draw the boxes of this batch")

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        out = {}
        for item_id in widget.items.ids:  # the widget's in-memory mirror of the store (no store read)
            boxes = widget.boxes_of(item_id)
            if boxes:
                out[item_id] = pd.DataFrame([(b["x"], b["y"], b["w"], b["h"], b["class"]) for b in boxes],
                                            columns=["x", "y", "w", "h", "class"])
        return out

    def check(self, annotation: Any, where: str) -> pd.DataFrame:
        try:
            table = detection_table(annotation, 0, scored=False)
        except ValueError as exc:
            raise ValueError(f"{where}: {str(exc).removeprefix('image 0: ')}") from None
        unknown = [c for c in table["class"] if c not in self.classes]
        if unknown:
            raise ValueError(f"{where}: class {unknown[0]!r} is not one of {self.classes[:20]}")
        return table

    def record(self, widget: Any, item_id: Hashable, annotation: Any) -> None:
        widget.set_boxes(item_id, annotation)

    def fit(self, model: Any, images: list[np.ndarray], annotations: list[Any]) -> None:
        model.fit(images, annotations)

    def predict(self, model: Any, images: list[np.ndarray]) -> list[pd.DataFrame]:
        out = model.predict(images)
        if len(out) != len(images):
            raise ValueError(f"the model's predict gave {len(out)} box tables for {len(images)} images")
        tables = []
        for n, raw in enumerate(out):
            box_columns(raw, n, scored=True)  # checked: finite boxes and scores
            table = raw if isinstance(raw, pd.DataFrame) else detection_table(raw, n, scored=True)
            tables.append(table)
        return tables

    @staticmethod
    def _box_scores(table: pd.DataFrame) -> Any:
        if "probs" in table.columns and len(table):
            return np.stack([np.asarray(to_numpy(p), float) for p in table["probs"]])
        return table["score"].to_numpy(float)

    def score(self, predictions: list[pd.DataFrame], strategy: str) -> np.ndarray:
        scores = [self._box_scores(t) for t in predictions]
        if strategy == "uncertainty":
            return box_uncertainty(scores, aggregate="sum")
        if strategy == "max":
            return box_uncertainty(scores, aggregate="max")
        if strategy == "complexity":
            return scene_complexity(scores)
        # default: uncertain boxes in busy scenes first
        return (_ranks(box_uncertainty(scores, aggregate="sum")) + _ranks(scene_complexity(scores))) / 2

    def propose(self, widget: Any, item_ids: list[Hashable], predictions: list[pd.DataFrame]) -> None:
        proposals = {}
        for item_id, table in zip(item_ids, predictions):
            rows = [(float(x), float(y), float(w), float(h), plain(c), min(max(float(s), 0.0), 1.0))
                    for x, y, w, h, c, s in zip(table["x"], table["y"], table["w"], table["h"], table["class"], table["score"])]
            proposals[item_id] = [r for r in rows if r[4] in widget.classes and r[2] > 0 and r[3] > 0]
        widget.set_proposals(proposals)

    def evaluate(self, predictions: list[pd.DataFrame], truths: list[pd.DataFrame]) -> float:
        return mean_average_precision([p.drop(columns="probs", errors="ignore") for p in predictions], truths)


class MaskTask(LoopTask):
    """Semantic segmentation: masks painted in ``SegmentationCanvas``, the model's most likely mask per
    class as proposals."""

    name = "masks"
    metric = "mIoU"
    strategies = ("default", "entropy", "boundary", "random")

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        from ..widgets.segmentation import SegmentationCanvas

        return SegmentationCanvas(items, self.classes, store=store, task=task, annotator=annotator, title="Paint the masks of this batch")

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        return dict(widget.masks)

    def check(self, annotation: Any, where: str) -> np.ndarray:
        arr = np.asarray(to_numpy(annotation))
        if arr.ndim != 2 or arr.dtype.kind not in "iub":
            raise ValueError(f"{where}: a mask must be an integer (H, W) label map, got {arr.dtype} {arr.shape}")
        if arr.size and (arr.min() < 0 or arr.max() > len(self.classes)):
            raise ValueError(f"{where}: labels must be in 0 .. {len(self.classes)} (0: unlabelled; k: classes[k - 1])")
        return arr

    def record(self, widget: Any, item_id: Hashable, annotation: Any) -> None:
        widget.set_mask(item_id, annotation)

    def fit(self, model: Any, images: list[np.ndarray], annotations: list[Any]) -> None:
        model.fit(images, annotations)

    def predict(self, model: Any, images: list[np.ndarray]) -> list[np.ndarray]:
        out = list(model.predict_proba(images))
        if len(out) != len(images):
            raise ValueError(f"the model's predict_proba gave {len(out)} maps for {len(images)} images")
        maps = []
        for n, (m, img) in enumerate(zip(out, images)):
            p = np.asarray(to_numpy(m), dtype=np.float64)
            if p.shape != (len(self.classes), *np.asarray(img).shape[:2]):
                raise ValueError(f"image {n}: predict_proba gave shape {p.shape}, expected {(len(self.classes), *np.asarray(img).shape[:2])}")
            if not np.isfinite(p).all():
                raise ValueError(f"image {n}: predict_proba gave NaN or infinite probabilities")
            maps.append(p)
        return maps

    def score(self, predictions: list[np.ndarray], strategy: str) -> np.ndarray:
        if strategy == "entropy":
            return mean_pixel_entropy(predictions)
        if strategy == "boundary":
            return boundary_uncertainty(predictions)
        return (_ranks(mean_pixel_entropy(predictions)) + _ranks(boundary_uncertainty(predictions))) / 2

    def propose(self, widget: Any, item_ids: list[Hashable], predictions: list[np.ndarray]) -> None:
        proposals: dict[Hashable, list[dict]] = {}
        for item_id, p in zip(item_ids, predictions):
            best = p.argmax(axis=0)
            proposals[item_id] = [
                {"mask": best == k, "class": c, "score": float(p[k][best == k].mean())}
                for k, c in enumerate(self.classes) if (best == k).any()
            ]
        widget.set_proposals(proposals)

    def evaluate(self, predictions: list[np.ndarray], truths: list[np.ndarray]) -> float:
        inter = np.zeros(len(self.classes))
        union = np.zeros(len(self.classes))
        for p, t in zip(predictions, truths):
            pred = p.argmax(axis=0) + 1
            known = t > 0
            for k in range(1, len(self.classes) + 1):
                a, b = (pred == k) & known, t == k
                inter[k - 1] += (a & b).sum()
                union[k - 1] += (a | b).sum()
        present = union > 0
        return float((inter[present] / union[present]).mean()) if present.any() else float("nan")


_TASKS = {"boxes": BoxTask, "masks": MaskTask}


def as_task(task: Any, classes: Sequence[Any]) -> LoopTask:
    """A ``LoopTask`` from its name ("boxes", "masks") or a ``LoopTask`` itself."""
    if isinstance(task, LoopTask):
        return task
    if task not in _TASKS:
        raise ValueError(f"task must be one of {sorted(_TASKS)} or a LoopTask, not {task!r} "
                         "(classes: use ActiveLearningLoop)")
    return _TASKS[task](classes)
