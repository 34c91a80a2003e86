"""What the active-learning loop needs to know about a task: which widget shows a batch, how a
model's output becomes proposals and scores, and how the model is fitted and evaluated. ``TaskLoop``
drives any of them the same way.

The model interface each task asks for (duck-typed: any object with these methods):

* ``"classes"`` (``ClassTask`` in ``hitl_widgets.active.class_task``, shown in ``ClassifyWidget``):
  ``fit(X, labels)`` and ``predict_proba(X)`` → ``(N, C)``; a scikit-learn classifier or a torch
  ``nn.Module`` through ``as_adapter``. Scores: ``"margin"`` (also ``"default"``), ``"entropy"``,
  ``"least_confident"``, ``"random"``. Evaluated by accuracy.

* ``"boxes"`` (``BoxTask``, shown in ``BBoxAnnotator``): ``fit(images, targets)`` with one box table
  per image (DataFrame x, y, w, h, class: the form of ``BBoxAnnotator.boxes``); ``predict(images)``
  → one table per image with x, y, w, h, class, score and optionally probs (each box's class
  probabilities). Scores: ``"uncertainty"`` (box entropy summed over the image), ``"max"`` (the
  most uncertain box), ``"complexity"`` (``scene_complexity``), ``"hybrid"`` (the mean of the
  uncertainty and complexity ranks: uncertain boxes in busy scenes first), ``"random"``;
  ``"default"`` is ``"uncertainty"`` (see ``BoxTask``).
  Evaluated by COCO-style mAP at IoU 0.5.
* ``"masks"`` (``MaskTask``, shown in ``SegmentationCanvas``, semantic): ``fit(images, masks)`` with
  label maps (0 unlabelled, ``k`` is ``classes[k - 1]``: the form of ``SegmentationCanvas.masks``);
  ``predict_proba(images)`` → one ``(len(classes), H, W)`` probability map per image. Scores:
  ``"entropy"`` (mean pixel entropy), ``"boundary"`` (entropy on predicted boundaries),
  ``"default"`` (the mean of the two ranks; while a class has no labelled pixel yet, the batch is
  drawn at random instead: see ``MaskTask``), ``"random"``. Evaluated by mean IoU over classes.
* image–text pairs (``PairTask(gallery_images, k=10)``, shown in ``RetrievalVerifier``: each text
  of the pool with the ``k`` images the model ranks highest): ``fit(images, texts)`` on matched
  pairs, ``similarity(images, texts)`` → ``(len(texts), len(images))``. Strategies:
  ``"shown_margin"`` (also ``"default"``: the most uncertain of the texts whose match is likely among
  the ``k`` shown, see ``PairTask``), ``"shown_random"`` (random texts among those), ``"margin"`` (both
  directions), ``"random"``. Evaluated by recall@1.

Any task: a model may name what ``"default"`` means for it in an optional ``default_strategy``
attribute (one of the task's strategies, chosen for that model on tuning data); the demo
``DualEncoder`` names ``"shown_random"``. ``TaskLoop.strategy_used`` says which strategy runs.

An image with nothing drawn or painted counts as not yet labelled (a text, until its match is
marked relevant or every image shown is judged not relevant); "retrain now" (the panel's
button, key r) trains on what there is.

Example:
    >>> BoxTask(["cat", "dog"]).strategies
    ('default', 'uncertainty', 'mean', 'max', 'complexity', 'hybrid', 'stability', 'shift', 'random')
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import normalise_classes, plain, to_numpy
from ..metrics.detection import box_columns, detection_table, mean_average_precision
from ..metrics.geometry import clip_box
from .task_scores import (
    boundary_uncertainty,
    box_uncertainty,
    localisation_stability,
    mean_pixel_entropy,
    scene_complexity,
    shown_margin,
    shown_random,
    text_margin_uncertainty,
)

__all__ = ["LoopTask", "BoxTask", "MaskTask", "PairTask"]


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks scaled to [0, 1] (ties share their mean rank): comparable across scores of any scale."""
    ranks = pd.Series(np.asarray(scores, dtype=np.float64)).rank(method="average").to_numpy()
    return (ranks - 1) / max(len(scores) - 1, 1)


class LoopTask:
    """The interface ``TaskLoop`` drives (see the module for the model each task expects)."""

    name = ""
    metric = ""
    strategies: tuple[str, ...] = ("default", "random")

    #: what "default" means when it is not the task's own score ("random": TaskLoop picks at random)
    default = "score"
    #: what a pool item is, in messages
    noun = "image"
    #: the strategies that pick a batch as a whole (``choose``), not by a score per item
    whole_batch: tuple[str, ...] = ()
    #: the share of each batch "default" draws at random while a class has no annotation yet (0: none)
    explores_unseen: float = 0.0
    #: a batch can be annotated only with the model's proposals on screen (pairs: the images to judge), so
    #: a first round that fails shows no random batch (there would be nothing to judge)
    needs_proposals = False

    def __init__(self, classes: Sequence[Any] | None):
        self.classes = normalise_classes(classes) if classes is not None else []

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        raise NotImplementedError

    def inputs(self, items: Any, ids: Sequence[Hashable]) -> list[Any]:
        """What the model takes for these pool items (images as arrays)."""
        return [np.asarray(items.image(i)) for i in ids]

    def test_inputs(self, data: Any) -> list[Any]:
        """The test set's inputs, from anything ``Items`` accepts."""
        from ..items import Items

        test_items = data if isinstance(data, Items) else Items(data)
        return self.inputs(test_items, test_items.ids)

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        """The labelled items' annotations in the form the model's ``fit`` takes."""
        raise NotImplementedError

    def record(self, widget: Any, item_id: Hashable, annotation: Any) -> None:
        """Store an oracle's annotation through the widget's own checks."""
        raise NotImplementedError

    def check(self, annotation: Any, where: str) -> Any:
        """An oracle's or a test set's annotation, checked (errors say ``where``)."""
        return annotation

    def undo(self, widget: Any, item_id: Hashable) -> None:
        """Take back what ``record`` stored for ``item_id`` (its newest event; nothing when it has none)."""
        from ..widgets.base import IntentError

        try:
            widget._undo(item_id)
        except IntentError:  # record stored nothing for it
            pass

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

    def choose(self, predictions: list[Any], k: int, strategy: Any) -> np.ndarray | None:
        """The next batch's positions in ``predictions`` for a strategy that picks a batch as a whole;
        None: the loop takes the top ``k`` of ``score``."""
        return None

    def unseen_classes(self, annotations: Sequence[Any]) -> list[Any]:
        """The classes no annotation shows yet (for ``explores_unseen``)."""
        return []

    def default_for(self, model: Any) -> str:
        """What ``"default"`` means with ``model``: the strategy it names in an optional
        ``default_strategy`` attribute (one of this task's strategies, chosen for that model on
        tuning data), else ``"default"`` (the task's own rule).

        Example:
            >>> class Tuned: default_strategy = "shown_random"
            >>> PairTask(["img a", "img b"], k=2).default_for(Tuned())
            'shown_random'
        """
        named = getattr(model, "default_strategy", None)
        if named is None:
            return "default"
        allowed = [s for s in self.strategies if s != "default"]
        if not isinstance(named, str) or named not in allowed:
            raise ValueError(f"{type(model).__name__}.default_strategy must be None or one of {allowed} for the "
                             f"{self.name or type(self).__name__} task, not {named!r}")
        return named

    def prepare(self, strategy: Any) -> None:
        """Told the strategy the rounds will use, before the first (``BoxTask``: "stability" makes
        ``predict`` also predict on flipped images)."""

    def check_strategy(self, strategy: Any) -> Any:
        if callable(strategy):
            return strategy
        if strategy not in self.strategies:
            raise ValueError(f"strategy for {self.name} must be one of {list(self.strategies)} or a callable "
                             f"(predictions -> one score per image), not {strategy!r}")
        return strategy


class BoxTask(LoopTask):
    """Detection: boxes drawn in ``BBoxAnnotator``, the model's boxes as proposals.

    ``"default"`` is ``"uncertainty"`` (box entropy summed over the image). The rule, the same for
    every task: the default is the strategy that reached random's final score with the fewest labels
    on tuning scenes that the benchmark never uses (``make_scenes(300, seed=150..152)``;
    ``benchmarks/task_label_efficiency.py`` runs seeds 100+). There, summed entropy needed 20 labels,
    random 35, and the uncertainty/complexity hybrid 30.

    Also ``"mean"`` (box entropy averaged over the image) and ``"stability"`` (localisation
    stability: 1 − the mean best IoU of each predicted box with the boxes predicted on the image
    flipped left–right, mapped back; an image with boxes on one side only scores 1): with it,
    ``predict`` runs the model on the flipped images too, twice the prediction cost. ``"shift"`` is
    the same under a small shift: the image moved ``shift_px`` (3) pixels right and down (the
    top and left edges repeated), the boxes predicted there moved back.
    """

    name = "boxes"
    metric = "mAP@0.5"
    strategies = ("default", "uncertainty", "mean", "max", "complexity", "hybrid", "stability", "shift", "random")
    flip = False  # predict on flipped images too (for "stability")
    shift = False  # predict on shifted images too (for "shift")
    #: how far "shift" moves the image, right and down, in pixels
    shift_px = 3

    def prepare(self, strategy: Any) -> None:
        self.flip = strategy == "stability"
        self.shift = strategy == "shift"

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
        tables = self._predict_tables(model, images)
        if self.flip:  # each table keeps the boxes predicted on its mirror image, mapped back
            mirrored = self._predict_tables(model, [np.ascontiguousarray(np.asarray(im)[:, ::-1]) for im in images])
            for table, back, im in zip(tables, mirrored, images):
                back = back[["x", "y", "w", "h"]].astype(float)
                back["x"] = np.asarray(im).shape[1] - back["x"] - back["w"]
                table.attrs["flipped_boxes"] = back.to_numpy()
        if self.shift:  # each table keeps the boxes predicted on its shifted image, moved back
            d = self.shift_px
            moved = self._predict_tables(model, [_shifted(np.asarray(im), d) for im in images])
            for table, back in zip(tables, moved):
                back = back[["x", "y", "w", "h"]].astype(float)
                back["x"] -= d
                back["y"] -= d
                table.attrs["shifted_boxes"] = back.to_numpy()
        return tables

    def _predict_tables(self, model: Any, images: list[np.ndarray]) -> list[pd.DataFrame]:
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
        if strategy in ("default", "uncertainty"):
            return box_uncertainty(scores, aggregate="sum")
        if strategy == "mean":
            return box_uncertainty(scores, aggregate="mean")
        if strategy in ("stability", "shift"):
            key = "flipped_boxes" if strategy == "stability" else "shifted_boxes"
            return localisation_stability([t[["x", "y", "w", "h"]].to_numpy(float) for t in predictions],
                                          [t.attrs[key] for t in predictions])
        if strategy == "max":
            return box_uncertainty(scores, aggregate="max")
        if strategy == "complexity":
            return scene_complexity(scores)
        # hybrid: uncertain boxes in busy scenes first
        return (_ranks(box_uncertainty(scores, aggregate="sum")) + _ranks(scene_complexity(scores))) / 2

    def propose(self, widget: Any, item_ids: list[Hashable], predictions: list[pd.DataFrame]) -> None:
        proposals = {}
        for item_id, table in zip(item_ids, predictions):
            # a detector's boxes may reach past the image (the widget refuses more than a pixel of that
            # from a user, to catch xyxy/xywh mix-ups): clipped to it here, as detectors' post-processing does
            width, height = widget.image_size(item_id)
            boxes = clip_box(table[["x", "y", "w", "h"]].to_numpy(float), width, height)
            rows = [(float(x), float(y), float(w), float(h), plain(c), min(max(float(s), 0.0), 1.0))
                    for (x, y, w, h), c, s in zip(boxes, table["class"], table["score"])]
            proposals[item_id] = [r for r in rows if r[4] in widget.classes and r[2] > 0 and r[3] > 0]
        widget.set_proposals(proposals)

    def evaluate(self, predictions: list[pd.DataFrame], truths: list[pd.DataFrame]) -> float:
        return mean_average_precision([p.drop(columns="probs", errors="ignore") for p in predictions], truths)


def _shifted(image: np.ndarray, d: int) -> np.ndarray:
    """``image`` moved ``d`` pixels right and down, its top rows and left columns repeated to fill.

    Example:
        >>> _shifted(np.arange(9).reshape(3, 3), 1).tolist()
        [[0, 0, 1], [0, 0, 1], [3, 3, 4]]
    """
    pad = ((d, 0), (d, 0)) + ((0, 0),) * (image.ndim - 2)
    return np.pad(image, pad, mode="edge")[: image.shape[0], : image.shape[1]]


class MaskTask(LoopTask):
    """Semantic segmentation: masks painted in ``SegmentationCanvas``, the model's most likely mask per
    class as proposals.

    The ``"default"`` strategy explores while a class has no labelled pixel yet: the whole batch is
    drawn at random from the open images; after that it is the top of the mean rank of pixel entropy
    and boundary uncertainty. A model that has never seen a class gives it no probability, so its
    pixels look certain (as some seen class) and no uncertainty score can find them. Chosen on
    tuning scenes (``make_scenes(200, seed=400..405)``, ``ShapeSegmenter``, batches of 2): without it
    the default stalled at mIoU 0.821 from 6 to 16 labels (a class never found) while random images
    reached 0.998; half of each batch at random reached 0.914 at 6 labels and 1.0 at 14; the whole
    batch, 0.986 at 6 and 1.0 at 8. A class the pool does not hold keeps the default random (pass
    ``"entropy"`` or ``"boundary"`` to score every pick); ``TaskLoop.unseen`` and the panel say
    when it explores.
    """

    name = "masks"
    metric = "mIoU"
    strategies = ("default", "entropy", "boundary", "random")

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        from ..widgets.segmentation import SegmentationCanvas

        return SegmentationCanvas(items, self.classes, store=store, task=task, annotator=annotator, title="Paint the masks of this batch")

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        return dict(widget.masks)

    def check(self, annotation: Any, where: str) -> np.ndarray:
        """An integer ``(H, W)`` label map (0 unlabelled, ``k`` is ``classes[k - 1]``), checked. A bool
        mask is refused: read as labels, its True pixels would all be ``classes[0]`` and its False ones
        unlabelled, whatever class it was drawn for (as ``SegmentationCanvas.set_mask`` refuses it).

        Example:
            >>> MaskTask(["bg", "car"]).check(np.array([[0, 2], [1, 1]]), "item 0").tolist()
            [[0, 2], [1, 1]]
        """
        arr = np.asarray(to_numpy(annotation))
        if arr.dtype == np.bool_:
            raise ValueError(f"{where}: a bool mask is not a label map (which class would its True pixels be? read as "
                             "labels they would all be classes[0]): give integers, 0 unlabelled and k for classes[k - 1], "
                             "e.g. mask.astype(np.uint8) * k")
        if arr.ndim != 2 or arr.dtype.kind not in "iu":
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

    explores_unseen = 1.0

    def unseen_classes(self, annotations: Sequence[Any]) -> list[Any]:
        seen: set[int] = set()
        for mask in annotations:
            seen.update(int(v) for v in np.unique(np.asarray(mask)) if v > 0)
        return [c for k, c in enumerate(self.classes, start=1) if k not in seen]

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


class PairTask(LoopTask):
    """Image–text alignment: the pool is texts (captions, queries), each to be matched with an image of
    ``gallery``. A batch is shown in a ``RetrievalVerifier``: each text with the ``k`` images the model
    ranks highest; the human marks the matching one relevant (a text whose shown images are all
    judged not relevant counts as labelled with no match). The model's interface:
    ``fit(images, texts)`` on matched pairs (image ``i`` goes with text ``i``) and
    ``similarity(images, texts)`` → ``(len(texts), len(images))``. Strategies:

    * ``"shown_margin"`` (also ``"default"``): of the ``candidates * batch_size`` texts whose best
      similarity is highest, the most uncertain by ``"margin"`` (``task_scores.shown_margin``). A
      label is of use only when the text's match is among the ``k`` images shown: a text judged "no
      match" trains nothing. Uncertain texts are the ones whose match is least often shown, and a
      high best similarity is the sign that it is (ROC AUC 0.85 for "the match is among the 6
      shown" on the demo matcher, where the softmax mass of the top 6 scored 0.55), so the batch is
      the uncertain texts among those likely to find their pair. ``candidates=5`` is
      ``HybridStrategy``'s shortlist (2, 3 and 8 did no better on the tuning scenes below).
    * ``"margin"``: 1 − the smaller margin of the text's best match, both directions (its best image
      against its second best, and that image's similarity with this text against the other open
      texts'; ``task_scores.text_margin_uncertainty``).
    * ``"shown_random"``: ``batch_size`` texts drawn at random from the same shortlist
      (``task_scores.shown_random``, with ``seed``). With the torch ``DualEncoder``
      (``hitl_widgets.demo.dual_encoder``), trained from the labelled pairs alone, the default fell
      behind random texts (tuning scenes below, 24 seeds 254..277, 60 labels: recall@1 0.409 against
      0.495, −0.086 ± 0.034): its shortlist's margin pick found no more pairs than random texts,
      because with that model a text's best similarity tells less about whether its match is shown
      (ROC AUC 0.60 from the 10 first pairs; the ridge matcher's 0.76) and a confident text is more
      often found, so the most uncertain ones are found less; and the 10 most confident texts found
      more pairs (37 of 50 against random's 31, seeds 266..277) without beating random (−0.004 ±
      0.037 at 60, 24 seeds), presumably because confident pairs teach the model what it knows. A random draw from the
      shortlist (24 seeds) was ahead of random texts at every budget there (+0.008 / +0.026 / +0.023 / +0.043
      / +0.021 at 20 / 30 / 40 / 50 / 60 labels, standard errors 0.016–0.036; 34 of 50 found),
      so ``DualEncoder.default_strategy`` names it: with that model, ``"default"`` is ``"shown_random"``
      (``LoopTask.default_for``).
    * ``"random"``.

    The default was chosen, by the rule of ``BoxTask``, on tuning scenes the benchmark never uses
    (``make_scenes(240, seed=250..265, n_objects=(2, 4))``, the benchmark's protocol:
    ``benchmarks/task_label_efficiency.py`` runs seeds 200+): with ``ShapeTextMatcher``, 10 initial
    pairs, batches of 10, ``k=6``, recall@1 at 20/30/40/50/60 labels was ahead of random texts by
    +0.019/+0.025/+0.032/+0.020/+0.044 (16 seeds, standard errors 0.008–0.015), 43 of 50 labels
    found their pair (random: 33), and it reached random's final recall@1 (0.420) with 50 labels.
    Plain margin fell behind random at every budget (seeds 250..255; 13 of 50 found); covering
    the texts (k-center greedy over the similarity rows, or over the captions' words) and hybrids of
    coverage then margin were not ahead of it. With ``k=10`` and batches of 8 (seeds 270..279) it
    was behind random after its first batch (−0.027 ± 0.026), even after the second (−0.001) and
    ahead from the third on (+0.02 to +0.03). Evaluated by recall@1: the top image is the text's
    own. An oracle's annotation is the matching image's id in ``gallery``.

    Example:
        >>> PairTask(["img a", "img b"], k=2).metric
        'recall@1'
    """

    name = "pairs"
    metric = "recall@1"
    strategies = ("default", "shown_margin", "shown_random", "margin", "random")
    default = "shown_margin"
    whole_batch = ("default", "shown_margin", "shown_random")
    noun = "text"
    needs_proposals = True

    def __init__(self, gallery: Any, k: int = 10, classes: Sequence[Any] | None = None, candidates: int = 5,
                 seed: int | None = 0):
        from ..items import Items

        super().__init__(None)
        self.gallery = gallery if isinstance(gallery, Items) else Items(gallery)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive int, not {k!r}")
        self.k = int(min(k, len(self.gallery)))
        if isinstance(candidates, bool) or not isinstance(candidates, (int, np.integer)) or candidates < 1:
            raise ValueError(f"candidates must be a positive int, not {candidates!r}")
        self.candidates = int(candidates)
        self.rng = np.random.default_rng(seed)  # "shown_random"'s draws
        self._gallery_inputs: list[Any] | None = None

    def _images(self) -> list[Any]:
        if self._gallery_inputs is None:
            self._gallery_inputs = LoopTask.inputs(self, self.gallery, self.gallery.ids)
        return self._gallery_inputs

    def inputs(self, items: Any, ids: Sequence[Hashable]) -> list[Any]:
        return [str(items.raw(i)) for i in ids]

    def test_inputs(self, data: Any) -> list[Any]:
        return [str(t) for t in data]

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        from ..widgets.retrieval import RetrievalVerifier

        # the lists judged before (a restarted kernel): rebuilt from the stored judgements' ranks
        shown: dict[Hashable, dict[Hashable, tuple[int, Any]]] = {}
        for p in store.current(task, kinds=("judge",), annotator=annotator)["payload"]:
            q, r = p.get("query_id"), p.get("item_id")
            if q in items and r in self.gallery:
                shown.setdefault(q, {})[r] = (p.get("rank") or 0, p.get("score"))
        results = {q: [(r, s) for r, (_, s) in sorted(rows.items(), key=lambda kv: kv[1][0])] for q, rows in shown.items()}
        return RetrievalVerifier(items, results, self.gallery, store=store, task=task, k=self.k, annotator=annotator,
                                 title="Mark the image that matches each text")

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        out: dict[Hashable, Any] = {}
        judged: dict[Hashable, dict[Hashable, str]] = {}
        for (q, r), j in widget._current.items():  # the widget's mirror of the store
            judged.setdefault(q, {})[r] = j
        for q, marks in judged.items():
            relevant = [r for r, _ in widget.results[q] if marks.get(r) == "relevant"]
            if relevant:
                out[q] = relevant[0]
            elif widget._complete(q) and all(j == "not_relevant" for j in marks.values()):
                out[q] = None  # no match among the images shown
        return out

    def check(self, annotation: Any, where: str) -> Any:
        annotation = plain(annotation)
        if annotation is None:
            return None
        if isinstance(annotation, bool) or annotation not in self.gallery:
            raise ValueError(f"{where}: {annotation!r} is not an image id of the gallery")
        return self.gallery.ids[self.gallery.position(annotation)]  # the gallery's own id: 29, not 29.0

    def record(self, widget: Any, item_id: Hashable, annotation: Any) -> None:
        shown = [r for r, _ in widget.results[item_id][: widget.k]]
        if annotation in shown:
            widget.judge(item_id, annotation, "relevant")
        else:  # what a person sees: no match among the images shown
            for r in shown:
                widget.judge(item_id, r, "not_relevant")

    def undo(self, widget: Any, item_id: Hashable) -> None:
        """Take back every judgement of the text (``record`` stores one per image it judges)."""
        from ..widgets.retrieval import pair_key

        for q, r in [pair for pair in widget._current if pair[0] == item_id]:
            widget._undo(q, key=pair_key(q, r), result_id=r)

    def fit(self, model: Any, texts: list[Any], annotations: list[Any]) -> None:
        pairs = [(self.gallery.position(a), t) for t, a in zip(texts, annotations) if a is not None]
        if not pairs:
            raise ValueError("no matched pair yet: mark the matching image of some texts (or give initial= pairs)")
        images = self._images()
        model.fit([images[i] for i, _ in pairs], [t for _, t in pairs])

    def predict(self, model: Any, texts: list[Any]) -> list[np.ndarray]:
        sim = np.asarray(to_numpy(model.similarity(self._images(), texts)), dtype=np.float64)
        if sim.shape != (len(texts), len(self.gallery)):
            raise ValueError(f"the model's similarity gave shape {sim.shape}, expected (texts, images) = {(len(texts), len(self.gallery))}")
        if not np.isfinite(sim).all():
            raise ValueError("the model's similarity has NaN or infinite values")
        return list(sim)

    def score(self, predictions: list[np.ndarray], strategy: str) -> np.ndarray:
        if strategy != "margin":
            raise ValueError(f"{strategy!r} picks a batch, not one score per text: see PairTask.choose")
        return text_margin_uncertainty(np.stack(predictions))

    def choose(self, predictions: list[np.ndarray], k: int, strategy: Any) -> np.ndarray | None:
        if strategy in ("default", "shown_margin"):
            return shown_margin(np.stack(predictions), k, candidates=self.candidates)
        if strategy == "shown_random":
            return shown_random(np.stack(predictions), k, candidates=self.candidates, rng=self.rng)
        return None

    def propose(self, widget: Any, item_ids: list[Hashable], predictions: list[np.ndarray]) -> None:
        results = {}
        for q, row in zip(item_ids, predictions):
            top = np.argsort(-row, kind="stable")[: self.k]
            results[q] = [(self.gallery.ids[int(i)], float(row[i])) for i in top]
        widget.set_results(results)

    def evaluate(self, predictions: list[np.ndarray], truths: list[Any]) -> float:
        hits = [self.gallery.ids[int(np.argmax(row))] == t for row, t in zip(predictions, truths) if t is not None]
        return float(np.mean(hits)) if hits else float("nan")
