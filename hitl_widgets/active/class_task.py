"""Classification as a ``TaskLoop`` task: the batch shown in ``ClassifyWidget``, the model's most
likely class as each item's proposal, the curve in accuracy.

With it, ``TaskLoop`` drives every annotation widget through one interface (``LoopTask``):
``ClassifyWidget`` ("classes"), ``BBoxAnnotator`` ("boxes"), ``SegmentationCanvas`` ("masks") and
``RetrievalVerifier`` (``PairTask``), each with per-group quotas (``groups=``).
``ActiveLearningLoop`` remains the loop for classes with more: the hybrid default (diversity
phases over the whole pool), Monte-Carlo strategies and pool scoring on Dask.

The model is anything :func:`~hitl_widgets.active.as_adapter` wraps: a scikit-learn classifier,
a torch ``nn.Module`` (its outputs are the classes, in order) or an object with ``fit(X, y)`` and
``predict_proba(X)``. It sees ``features`` (one row per pool item), or without them each image's
pixels flattened and scaled to [0, 1] (texts as they are: a text pipeline).

Example:
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hitl_widgets.active import TaskLoop
    >>> from hitl_widgets.store import AnnotationStore
    >>> X, y = load_digits(return_X_y=True)
    >>> loop = TaskLoop(LogisticRegression(max_iter=300), X[:200].reshape(-1, 8, 8) / 16, ClassTask(range(10), features=X[:200]),
    ...                 test=(X[200:400], y[200:400]), batch_size=10, store=AnnotationStore(":memory:"), background=False, progress=False)
    >>> loop.simulate(y[:200], budget=30)["n_labels"].tolist()
    [10, 20, 30]
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from ..coerce import plain, same
from .adapters import _is_torch_module, as_adapter
from .pool import take_rows
from .simulate import _rows_checked
from .strategies import entropy, least_confident, margin
from .tasks import LoopTask

__all__ = ["ClassTask"]

_SCORES = {"default": margin, "margin": margin, "entropy": entropy, "least_confident": least_confident}


class ClassTask(LoopTask):
    """Classes picked in ``ClassifyWidget`` (keys 1–9, Enter accepts the model's proposal).

    Args:
        classes: the classes, in the order of the widget's keys.
        features: what the model sees, one row per pool item (array, DataFrame, tensor); default:
            each image's pixels, flattened, in [0, 1] (a text pool: its texts). ``test`` then
            gives the test set's features, not its images.

    ``"default"`` is ``"margin"``: ``TaskLoop`` scores the open items only, and margin is what the
    hybrid default of ``ActiveLearningLoop`` must not lose to. Also ``"entropy"``,
    ``"least_confident"`` and ``"random"``. Evaluated by accuracy.
    """

    name = "classes"
    metric = "accuracy"
    noun = "item"
    strategies = ("default", "margin", "entropy", "least_confident", "random")

    def __init__(self, classes: Sequence[Any], features: Any = None):
        super().__init__(list(classes) if classes is not None else None)
        if not self.classes:
            raise ValueError("ClassTask needs classes=")
        self.features = features
        self._wrapped: tuple[Any, Any] | None = None  # (the model, its adapter)

    def make_widget(self, items: Any, store: Any, task: str, annotator: str | None) -> Any:
        from ..widgets.classify import ClassifyWidget

        if self.features is not None and len(self.features) != len(items):
            raise ValueError(f"features has {len(self.features)} rows but the pool has {len(items)} items")
        return ClassifyWidget(items, self.classes, store=store, task=task, annotator=annotator, title="Label this batch")

    def inputs(self, items: Any, ids: Sequence[Hashable]) -> Any:
        if self.features is not None:
            return take_rows(self.features, np.fromiter((items.position(i) for i in ids), np.int64, len(ids)))
        return _pixels_or_texts(items, ids)

    def test_inputs(self, data: Any) -> Any:
        if self.features is not None:  # the test set's features, as the pool's
            return data
        from ..items import Items

        test_items = data if isinstance(data, Items) else Items(data)
        return _pixels_or_texts(test_items, test_items.ids)

    def annotations(self, widget: Any) -> dict[Hashable, Any]:
        return widget.current_labels

    def check(self, annotation: Any, where: str) -> Any:
        label = plain(annotation)
        for c in self.classes:
            if same(c, label):
                return c
        raise ValueError(f"{where}: label {str(label)[:60]!r} is not one of the classes {self.classes[:20]}")

    def record(self, widget: Any, item_id: Hashable, annotation: Any) -> None:
        widget.record_label(item_id, annotation, source="oracle")

    def adapter(self, model: Any) -> Any:
        """The model's adapter (made once per model)."""
        if self._wrapped is None or self._wrapped[0] is not model:
            kwargs = {"classes": list(self.classes)} if _is_torch_module(model) else {}
            self._wrapped = (model, as_adapter(model, **kwargs))
        return self._wrapped[1]

    def fit(self, model: Any, images: Any, annotations: list[Any]) -> None:
        self.adapter(model).fit(images, np.asarray(annotations))

    def predict(self, model: Any, images: Any) -> list[np.ndarray]:
        """One probability row per item, its columns in the order of ``classes`` (a class the model
        has not seen yet: 0)."""
        adapter = self.adapter(model)
        proba = _rows_checked(adapter.predict_proba(images), len(images))
        out = np.zeros((proba.shape[0], len(self.classes)))
        for j, c in enumerate(adapter.classes_):
            k = next((k for k, known in enumerate(self.classes) if same(known, plain(c))), None)
            if k is None:
                raise ValueError(f"the model predicts class {plain(c)!r}, which is not one of the classes {self.classes[:20]}")
            out[:, k] = proba[:, j]
        return list(out)

    def score(self, predictions: list[np.ndarray], strategy: str) -> np.ndarray:
        return np.asarray(_SCORES[strategy](np.stack(predictions)), dtype=np.float64)

    def propose(self, widget: Any, item_ids: list[Hashable], predictions: list[np.ndarray]) -> None:
        widget.set_proposals({i: (self.classes[int(np.argmax(p))], float(np.max(p))) for i, p in zip(item_ids, predictions)})

    def evaluate(self, predictions: list[np.ndarray], truths: list[Any]) -> float:
        hits = [same(self.classes[int(np.argmax(p))], t) for p, t in zip(predictions, truths)]
        return float(np.mean(hits)) if hits else float("nan")


def _pixels_or_texts(items: Any, ids: Sequence[Hashable]) -> Any:
    """Each image's pixels flattened in [0, 1] (one row per item); a text pool's texts."""
    if items.kind_of_all == "text":
        return [items.raw(i) for i in ids]
    rows = [np.asarray(items.image(i), dtype=np.float64) / 255.0 for i in ids]
    for i, row in zip(ids, rows):
        if row.shape != rows[0].shape:
            raise ValueError(f"item {i!r} has shape {row.shape} but item {ids[0]!r} {rows[0].shape}: give images "
                             "of one size and channel count, or features=")
    return np.stack([row.ravel() for row in rows])
