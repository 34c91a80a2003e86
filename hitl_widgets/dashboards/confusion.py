"""ConfusionDashboard: a model's confusion matrix with drill-down into each cell and relabel in place.

The heatmap shows counts or row-normalised shares (``n`` toggles); clicking a cell (or moving to it
with the arrow keys and pressing Enter) opens a virtualised gallery of the cell's items, fetched as
binary thumbnails through ``ItemsWidget``'s fetch. Relabelling an item (a class key, or its button)
stores one ``label`` event for ``task``; the matrix, per-class precision / recall / F1 and the
ranking of likely label errors (confident learning, the items cleanlab's
``filter_by="confident_learning"`` flags: ``cleanlab`` when installed, else
``hitl_widgets.metrics.confusion.find_label_issues``, which flags the same) update at once (above 200,000 items the
ranking is recomputed when next opened, so a relabel stays fast). Stored labels of ``task``
replace ``y_true`` for their items when the dashboard is built, so the corrections persist.
pandas labels and predictions both indexed (one by item id) are paired by id, never by position;
one beside an array pairs by position (``ConfusionDashboard``'s "Pairing by item id").

Protocol (browser → kernel, besides ``fetch``):
    {"type": "open_cell", "row": int, "col": int, "first": int}  → ack {ids, total, row, col}
    {"type": "open_issues", "first": int}                         → ack {ids, total}
        before the answer, unasked, the first ``first`` thumbnails: {"type": "thumbs", "items":
        [{id, width, height, channels, offset, ...}]} with one buffer of raw uint8 pixels for array
        items, else an "items" message (encoded media).
    {"type": "relabel", "item_id", "label"}         → ack {item_id, label, event_id, row, col}
                                                      (its label already: event_id None, unchanged)
"""
from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..coerce import _shown as shown_repr
from ..coerce import check_item_id, check_label_kinds, is_positions, label_array, normalise_classes, plain, same, warn_user
from ..items import Items, Media, RangeIds
from ..metrics.confusion import (
    Backend,
    RankBy,
    _classes_of,
    _refuse_missing,
    find_label_issues,
    label_codes,
    per_class_metrics,
)
from ..static import StaticCard, section_card
from ..store import LABEL_KINDS, AnnotationStore
from ..widgets.base import STATIC, Committed, IntentError, IntentWidget, ItemsWidget, intent, static_file
from ._pairing import _in_order, _items_by_id, _pair_by_id

MAX_CELL_IDS = 50_000  # ids sent to the browser for one cell (the gallery is virtualised)
MAX_ISSUES_SHOWN = 5_000
EAGER_ISSUES = 200_000  # above this many items the error ranking is recomputed on demand
MAX_PUSH = 160  # thumbnails sent with an opened cell, unasked (saves the view a round trip)


def _refuse_label_kinds(arr: np.ndarray, name: str) -> None:
    """Labels are ints or strs: say which value is neither (floats, bools, mixed objects)."""
    if arr.dtype.kind in "iuUS":
        return
    if arr.dtype.kind == "f":
        raise ValueError(
            f"{name} holds floats ({arr[0].item()!r} at row 0): labels are ints or strs "
            "(whole-number floats: convert with .astype(int); probabilities: pass the (N, C) array)"
        )
    for n, v in enumerate(arr.tolist()):
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise ValueError(f"{name} has the label {v!r} ({type(v).__name__}) at row {n}: labels are ints or strs")


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _class_columns(columns: pd.Index, classes: list | None, y_true: np.ndarray) -> tuple[list, np.ndarray]:
    """``(classes, order)`` for probabilities in a DataFrame whose columns name the classes (not just
    0..C-1): ``order`` puts the columns in the order of ``classes`` (the same classes, one kind with
    ``y_true``'s labels; else a ValueError naming them); without ``classes`` the columns are the
    classes, in their order.

    Example:
        >>> classes, order = _class_columns(pd.Index(["dog", "cat"]), ["cat", "dog"], np.array(["cat"]))
        >>> classes, order.tolist()
        (['cat', 'dog'], [1, 0])
    """
    name = "y_pred_or_proba's columns"
    hint = "give .to_numpy() to read the columns by position, in the order of classes"
    try:
        names = normalise_classes(list(columns))
    except ValueError as exc:
        raise ValueError(f"{name} name the classes unless they are 0..C-1: {exc} ({hint})") from None
    try:
        check_label_kinds(y_true=y_true, classes=classes, **{name: names})  # 1 and "1" would never match
    except ValueError as exc:  # e.g. read_csv's columns "0", "1" against int labels
        raise ValueError(f"{exc}; or {hint}") from None
    if classes is None:
        return names, np.arange(len(names))
    order = pd.Index(names, dtype=object).get_indexer(pd.Index(classes, dtype=object))
    missing = [c for c, k in zip(classes, order) if k < 0]
    extra = [c for c in names if c not in classes]
    if missing or extra:
        parts = ([f"no column for the classes {missing}"] if missing else []) + (
            [f"the columns {extra} are not in classes"] if extra else [])
        raise ValueError(f"{name} are read by class name: {'; '.join(parts)} ({hint})")
    return classes, order


class _Placeholders(Items):
    """Items ``0..N-1`` shown as the text "item n" when no media were given: built in O(1), so a
    dashboard over a million predictions does not build a million strings."""

    def __init__(self, n: int):  # noqa: D107 - deliberately not Items.__init__
        self._n = int(n)
        self.ids = RangeIds(self._n)  # in O(1)
        self._kind = "text"
        self.image_format = "auto"

    def __len__(self) -> int:
        return self._n

    def __contains__(self, item_id: Any) -> bool:
        return isinstance(item_id, int) and not isinstance(item_id, bool) and 0 <= item_id < self._n

    def __repr__(self) -> str:
        return f"placeholder items 0..{self._n - 1}"

    def position(self, item_id: Hashable) -> int:
        if not isinstance(item_id, int) or item_id not in self:
            raise KeyError(f"unknown item id {item_id!r}")
        return int(item_id)

    def raw(self, item_id: Hashable) -> Any:
        return f"item {self.position(item_id)}"

    def media(self, item_id: Hashable) -> Media:
        return Media("text", "text/plain", self.raw(item_id))

    def prefetch(self, item_ids: Any) -> None:
        return None


class ConfusionDashboard(ItemsWidget):
    """Confusion matrix of a model with drill-down, relabel in place and likely label errors.

    Keys (while the dashboard has focus): arrows move in the matrix, Enter opens the cell's
    gallery, ``n`` toggles counts / row shares, ``e`` opens the likely label errors; in the
    gallery arrows move, 1–9/0 relabel the selected item, Esc goes back to the matrix; ``?``.

    Args:
        y_true: the given labels, one per item: ints or strs, of one kind with ``y_pred`` and
            ``classes`` ("1" and 1 are refused: they would be two classes).
        y_pred_or_proba: predicted classes ``(N,)``, or probabilities ``(N, C)`` (columns in the
            order of ``classes``; a DataFrame's columns, unless just 0..C-1, name the classes and
            are read by name): these also rank the likely label errors.
        items: the media (``Items`` or anything it accepts), aligned with ``y_true``; default:
            placeholders "item n" with ids ``0..N-1`` (or ``y_true``'s ids: "Pairing by item id").
        classes: class names in display order (default: the sorted classes present, or for
            probabilities ``0..C-1``, or a DataFrame's columns when they name the classes).
        store: the ``AnnotationStore`` receiving relabels (default: ``hitl.db``).
        task: the store task of the relabels. rank_by: "self_confidence" or
            "normalized_margin". backend: "auto" (cleanlab when installed), "own", "cleanlab".

    Results (pandas): ``matrix_df`` (counts, index = true class, columns = predicted class),
    ``per_class`` (class, precision, recall, f1, support, predicted), ``label_issues`` (item_id,
    given, suggested, self_confidence, margin, rank), ``relabels`` (the stored labels of
    ``task`` by this dashboard's annotator: each annotator's relabels are their own). ``dash.open_cell(true_class, predicted_class)`` returns the cell's item ids.

    Pairing by item id: a pandas Series / DataFrame whose index is not just 0..N-1 carries item ids.
    When ``y_true`` and ``y_pred_or_proba`` are both pandas objects and one carries ids, they are
    paired by id (the same ids each once, no look-alikes such as 1 and "1"; else ``ValueError``); a
    pandas object with ids beside an array, list or tensor (``y_test`` beside ``model.predict(X_test)``)
    pairs by position, the array having no ids. The ids carried (``y_true``'s first) are the item ids: placeholders "item <id>" without
    ``items``; items without ids of their own take them; items with ids (an ``Items`` with ``ids=``, a
    Series) must have the same ids and are paired by id. Plain arrays and lists pair by position.

    Example:
        >>> import numpy as np
        >>> dash = ConfusionDashboard([0, 1, 1, 0], [0, 1, 0, 0], store=AnnotationStore(":memory:"))
        >>> dash.matrix
        [[2, 0], [1, 1]]
        >>> dash.relabel(2, 0)  # doctest: +ELLIPSIS
        {...}
        >>> dash.matrix
        [[3, 0], [0, 1]]
    """

    _esm = STATIC / "confusion.js"
    _css = STATIC / "confusion.css"
    classes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    matrix: traitlets.List[Any] = traitlets.List().tag(sync=True)  # counts, rows = true class
    normalize = traitlets.Bool(False).tag(sync=True)
    _view_writable = IntentWidget._view_writable | {"normalize"}  # the view's own settings
    class_metrics: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [{class, precision, recall, f1, support}]
    accuracy = traitlets.Float(0.0).tag(sync=True)
    n_items = traitlets.Int(0).tag(sync=True)
    cell: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [row, col] of the open cell, [] when none
    n_issues = traitlets.Int(0).tag(sync=True)
    has_proba = traitlets.Bool(False).tag(sync=True)
    n_relabelled = traitlets.Int(0).tag(sync=True)
    thumb_size = traitlets.Int(72).tag(sync=True)

    def __init__(
        self,
        y_true: Any,
        y_pred_or_proba: Any,
        items: Any = None,
        classes: Sequence[Any] | None = None,
        store: AnnotationStore | None = None,
        *,
        task: str = "confusion",
        annotator: str | None = None,
        rank_by: RankBy = "self_confidence",
        backend: Backend = "auto",
        title: str = "Confusion matrix",
        thumb_size: int = 72,
    ):
        static_file("confusion.js")
        (y_true, y_pred_or_proba), ids = _pair_by_id(y_true=y_true, y_pred_or_proba=y_pred_or_proba)
        if ids is not None:
            items, order = _items_by_id(items, ids, len(y_true))
            if order is not None:  # the labels in the order of the items' ids
                y_true, y_pred_or_proba = _in_order(order, y_true=y_true, y_pred_or_proba=y_pred_or_proba)
        y = label_array(y_true)  # never stringified: ["a", 1] stays "a" and 1 (refused below), not "a" and "1"
        out = label_array(y_pred_or_proba)
        if y.ndim != 1:
            raise ValueError(f"y_true must be 1-D, got shape {y.shape}")
        if len(out) != len(y):
            raise ValueError(f"y_pred_or_proba has {len(out)} rows for {len(y)} labels")
        if len(y) == 0:
            raise ValueError("ConfusionDashboard needs at least one prediction")
        _refuse_missing(y, "y_true")
        if classes is not None:
            classes = normalise_classes(classes)
        if (isinstance(y_pred_or_proba, pd.DataFrame) and y_pred_or_proba.shape[1] == 1
                and not (classes and y_pred_or_proba.columns[0] in classes)):  # one class's column: said below
            raise ValueError(
                f"y_pred_or_proba is a DataFrame of one column ({y_pred_or_proba.columns[0]!r}): pass predicted "
                "classes as that column (a Series) or a 1-D array, probabilities as (N, C) with C >= 2")
        if isinstance(y_pred_or_proba, pd.DataFrame) and not is_positions(y_pred_or_proba.columns):
            classes, order = _class_columns(y_pred_or_proba.columns, classes, y)
            out = out[:, order]
        given_classes = classes
        proba = None
        if out.ndim == 2:
            if not np.issubdtype(out.dtype, np.number) or not np.isfinite(out).all():
                raise ValueError("probabilities must be finite numbers")
            proba = out.astype(float, copy=False)
            outside = (proba < 0).any(axis=1) | (proba > 1).any(axis=1)
            sums = proba.sum(axis=1)
            off = np.abs(sums - 1.0) > 1e-3
            if outside.any() or off.any():
                n = int(np.argmax(outside | off))
                raise ValueError(
                    f"row {n}: probabilities must lie in [0, 1] and sum to 1, got {proba[n].tolist()[:10]} "
                    f"(sum {sums[n]:.4g}; logits or scores? apply a softmax first)"
                )
            if classes is None:
                classes = list(range(proba.shape[1]))
            if proba.shape[1] != len(classes):
                raise ValueError(f"probabilities have {proba.shape[1]} columns for {len(classes)} classes")
        elif out.ndim != 1:
            raise ValueError(f"y_pred_or_proba must be (N,) classes or (N, C) probabilities, got shape {out.shape}")
        else:
            _refuse_missing(out, "y_pred")
        if classes is None:
            _refuse_label_kinds(y, "y_true")
            _refuse_label_kinds(out, "y_pred")
        # "1" and 1 would be two classes (a 4x4 matrix for 2 classes, accuracy 0): refuse the mix
        check_label_kinds(y_true=y, y_pred=out if proba is None else None, classes=given_classes)
        if classes is None:
            classes = _classes_of(y, out)
        if given_classes is None:  # given ones were normalised above
            classes = normalise_classes(classes)
        true_codes = label_codes(y, classes)
        pred_codes = np.argmax(proba, axis=1) if proba is not None else label_codes(out, classes)
        if items is None:
            items = _Placeholders(len(y))
        items = items if isinstance(items, Items) else Items(items)
        if len(items) != len(y):
            raise ValueError(f"items has {len(items)} entries for {len(y)} labels")
        if rank_by not in ("self_confidence", "normalized_margin"):
            raise ValueError(f"rank_by must be 'self_confidence' or 'normalized_margin', not {rank_by!r}")
        if backend not in ("auto", "own", "cleanlab"):
            raise ValueError(f"backend must be 'auto', 'own' or 'cleanlab', not {backend!r}")
        self._classes = classes
        self._given = true_codes.copy()  # the labels as given (before any relabel)
        self._true = true_codes.astype(np.intp, copy=True)
        self._pred = np.asarray(pred_codes, dtype=np.intp)
        self._proba = proba
        self._rank_by = rank_by
        self._backend = backend
        self._relabelled: set[Hashable] = set()
        self._gallery: dict[Hashable, int] = {}  # the open gallery's first ids -> position (prefetch)
        self._gallery_ids: list = []
        super().__init__(
            items, store=store, task=task, annotator=annotator,
            classes=classes, title=title, has_proba=proba is not None, thumb_size=int(thumb_size),
            n_items=len(y),
        )
        self._recompute()

    def _load(self) -> None:
        """This annotator's relabels (another's are theirs: ``store.labels(task)`` has them all). A
        relabel stored for another row — its given label or prediction is not this row's: the data
        were reordered, or are other data under the same ``task`` — is left out, with a warning."""
        current = self.store.current(self.task, kinds=LABEL_KINDS, annotator=self.annotator)
        elsewhere = []
        for row in current.sort_values("event_id").itertuples():
            if row.item_id in self.items:
                code = self._class_code(row.payload.get("label"))
                if code is None:
                    continue
                if not self._same_row(row.item_id, row.payload):
                    elsewhere.append(row.item_id)
                    continue
                self._true[self.items.position(row.item_id)] = code
                self._relabelled.add(row.item_id)
        if elsewhere:
            warn_user(f"{len(elsewhere)} stored relabels of task {self.task!r} were made on other rows (their given "
                          f"label or prediction differs: the data were reordered, or are other data): item ids "
                          f"{', '.join(shown_repr(i) for i in elsewhere[:5])}{' …' if len(elsewhere) > 5 else ''}. They stay in "
                          "the store and are not applied: give the items ids (a Series index) to pair them")

    def _same_row(self, item_id: Hashable, payload: dict) -> bool:
        """Whether a relabel's payload was made on this row: its prediction, and the label given
        (stored since this check; a relabel stored before it is checked by its prediction alone)."""
        n = self.items.position(item_id)
        if "predicted" in payload and not same(payload["predicted"], self._classes[int(self._pred[n])]):
            return False
        return "given" not in payload or same(payload["given"], self._classes[int(self._given[n])])

    # ------------------------------------------------------------------ results
    def to_html(self, path: str | os.PathLike | None = None, title: str | None = None) -> str:
        """A self-contained HTML report of the current state for a reviewer (figures embedded, every
        value escaped, no scripts): ``hitl_widgets.reports.audit_report`` with this ConfusionDashboard alone;
        written to ``path`` when given."""
        from ..reports import to_html

        return to_html(self, path, title)

    def _report_section(self, light: bool = False) -> tuple[str, str]:
        """This object's section of an audit report (``hitl_widgets.reports``)."""
        from ..reports import confusion_section

        return confusion_section(self, light)

    def _static_card(self) -> StaticCard | None:
        return section_card(self)

    @property
    def matrix_df(self) -> pd.DataFrame:
        """Counts: index = true class, columns = predicted class."""
        return pd.DataFrame(self._counts, index=pd.Index(self._classes, name="true"), columns=pd.Index(self._classes, name="predicted"))

    @property
    def per_class(self) -> pd.DataFrame:
        """class, precision, recall, f1, support, predicted (NaN where undefined)."""
        return per_class_metrics(self._counts, self._classes)

    @property
    def label_issues(self) -> pd.DataFrame:
        """Likely label errors, most likely first: item_id, given, suggested, self_confidence,
        margin, rank (empty without probabilities); ``attrs["backend"]`` names the ranker."""
        issues = self._current_issues()
        if issues is None:
            return pd.DataFrame(columns=["item_id", "given", "suggested", "self_confidence", "margin", "rank"])
        df = issues.copy()
        ids = self.items.ids
        df.insert(0, "item_id", [ids[p] for p in df.pop("position")])
        df["given"] = [self._classes[k] for k in df["given"]]
        df["suggested"] = [self._classes[k] for k in df["suggested"]]
        return df

    @property
    def relabels(self) -> pd.DataFrame:
        """This annotator's stored labels of ``task``: item_id, annotator, label, event_id, created_at."""
        return self.store.labels(self.task, annotator=self.annotator)

    @property
    def y_true(self) -> np.ndarray:
        """The current labels (given, with every relabel applied), as class values."""
        return np.asarray(self._classes, dtype=object)[self._true]

    def cell_items(self, true_class: Any, predicted_class: Any) -> list:
        """Item ids in the cell (given ``true_class``, predicted ``predicted_class``); with
        probabilities, the least self-confident first."""
        true_class, predicted_class = plain(true_class), plain(predicted_class)
        r, c = self._class_code(true_class), self._class_code(predicted_class)
        if r is None or c is None:
            raise ValueError(f"unknown class {true_class if r is None else predicted_class!r}")
        return self._cell_ids(r, c)

    def open_cell(self, true_class: Any, predicted_class: Any) -> list:
        """Open the cell's gallery in the view (as a click would); returns its item ids."""
        ids = self.cell_items(true_class, predicted_class)
        r, c = self._class_code(true_class), self._class_code(predicted_class)
        self._show(ids, [r, c])
        self.send({"type": "show", "ids": ids[:MAX_CELL_IDS], "total": len(ids), "row": r, "col": c})
        return ids

    def relabel(self, item_id: Hashable, label: Any) -> dict:
        """Store ``label`` as the item's true class (one ``label`` event); everything updates.

        Returns ``{"item_id", "label", "event_id", "row", "col"}`` (the item's new cell). The item's
        current label again changes nothing: no event, not counted as relabelled
        (``{"event_id": None, "unchanged": True, ...}``).
        Raises ``ValueError`` for an unknown item or class (numpy scalars are taken as their values).
        """
        item_id = check_item_id(item_id, self.items, error=IntentError)
        done = self._relabel(item_id, label)
        if done is None:
            return {"item_id": item_id, "event_id": None, "unchanged": True, **self._item_state(item_id)}
        return {"item_id": item_id, "event_id": done.event_id, **self._item_state(item_id)}

    def _relabel(self, item_id: Hashable, label: Any) -> Committed | None:
        """Store the new label; None (nothing stored, nothing counted as relabelled) when the item
        already has it."""
        label = plain(label)
        code = self._class_code(label)
        if code is None:
            if isinstance(label, (str, int, float)):  # "1" for the class 1: say so
                try:
                    check_label_kinds(label=[label], classes=self._classes)
                except ValueError as exc:
                    raise IntentError(f"unknown class {str(label)[:60]!r}: {exc}") from None
            raise IntentError(f"unknown class {str(label)[:60]!r}")
        n = self.items.position(item_id)
        if code == int(self._true[n]):
            return None
        payload = {
            "label": self._classes[code],
            "previous": self._classes[int(self._true[n])],
            "predicted": self._classes[int(self._pred[n])],
            "given": self._classes[int(self._given[n])],
            "source": "confusion_dashboard",
        }
        return self._commit(item_id, "label", payload)

    # ------------------------------------------------------------------ computing
    def _class_code(self, value: Any) -> int | None:
        value = plain(value)
        for k, c in enumerate(self._classes):
            if same(c, value):
                return k
        return None

    def _recompute(self) -> None:
        n = len(self._classes)
        self._counts = np.bincount(self._true * n + self._pred, minlength=n * n).reshape(n, n)
        metrics = per_class_metrics(self._counts, self._classes)
        self.class_metrics = [
            {"class": c, "precision": _finite(p), "recall": _finite(r), "f1": _finite(f), "support": int(s)}
            for c, p, r, f, s in zip(self._classes, metrics["precision"], metrics["recall"], metrics["f1"], metrics["support"])
        ]
        self.matrix = self._counts.tolist()
        self.accuracy = float(np.trace(self._counts) / max(1, self._counts.sum()))
        self.n_relabelled = len(self._relabelled)
        self._issues: pd.DataFrame | None = None
        self._issues_stale = self._proba is not None
        if self._proba is not None and (len(self._true) <= EAGER_ISSUES or not hasattr(self, "_issues_once")):
            self._current_issues()
            self._issues_once = True
        elif self._proba is None:
            self.n_issues = 0

    def _current_issues(self) -> pd.DataFrame | None:
        """The label-error ranking for the current labels (recomputed when a relabel made it stale)."""
        if self._proba is None:
            return None
        if self._issues is None or self._issues_stale:
            self._issues = find_label_issues(self._true, self._proba, rank_by=self._rank_by, backend=self._backend)
            self._issues_stale = False
            self.n_issues = len(self._issues)
        return self._issues

    def _cell_ids(self, r: int, c: int) -> list:
        rows = np.flatnonzero((self._true == r) & (self._pred == c))
        if self._proba is not None and len(rows):
            rows = rows[np.argsort(self._proba[rows, r], kind="stable")]
        ids = self.items.ids
        return [ids[p] for p in rows]

    def _show(self, ids: list, cell: list) -> None:
        self._gallery_ids = ids[:2000]  # the kernel prefetches along the open gallery
        self._gallery = {item_id: n for n, item_id in enumerate(self._gallery_ids)}
        self.cell = cell

    # ------------------------------------------------------------------ hooks
    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is not None:  # a relabel (the dashboard has no undo)
            code = self._class_code(event["payload"]["label"])
            if code is not None:  # always: _relabel records one of the classes
                self._true[self.items.position(key)] = code
            self._relabelled.add(key)

    def _label(self, key: Hashable) -> Any:
        return self._classes[int(self._true[self.items.position(key)])]

    def _recount_item(self, item_id: Hashable) -> None:
        self._recompute()

    def _item_state(self, item_id: Any) -> dict:
        n = self.items.position(item_id)
        return {"label": self._label(item_id), "row": int(self._true[n]), "col": int(self._pred[n])}

    def _prefetch_after(self, item_id: Hashable, count: int = 8) -> None:
        start = self._gallery.get(item_id)
        if start is not None:
            self.items.prefetch(self._gallery_ids[start + 1 : start + 1 + count])

    def _item_info(self, item_id: Hashable) -> dict:
        n = self.items.position(item_id)
        info: dict[str, Any] = {
            "label": self._classes[int(self._true[n])],
            "pred": self._classes[int(self._pred[n])],
            "relabelled": item_id in self._relabelled,
        }
        if self._proba is not None:
            info["score"] = float(self._proba[n, self._true[n]])
        return info

    # ------------------------------------------------------------------ intents
    def _index(self, content: dict, key: str) -> int:
        value = content.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(self._classes):
            raise IntentError(f"{key} must be a class index in 0..{len(self._classes) - 1}, got {str(value)[:40]!r}")
        return value

    def _first(self, content: dict) -> int:
        first = content.get("first", 0)
        if not isinstance(first, int) or isinstance(first, bool) or not 0 <= first <= MAX_PUSH:
            raise IntentError(f"first must be an int in 0..{MAX_PUSH}, got {str(first)[:40]!r}")
        return first

    @intent("open_cell")
    def _on_open_cell(self, content: dict) -> dict:
        r, c = self._index(content, "row"), self._index(content, "col")
        first = self._first(content)
        ids = self._cell_ids(r, c)
        self._push(ids[:first])  # before the answer: the view decodes while the ack travels
        reply = self._ack(content, row=r, col=c, ids=ids[:MAX_CELL_IDS], total=len(ids))
        self._show(ids, [r, c])
        return reply

    @intent("open_issues")
    def _on_open_issues(self, content: dict) -> dict:
        if self._proba is None:
            raise IntentError("no probabilities were given: the label-error ranking needs y_pred_or_proba as (N, C)")
        first = self._first(content)
        ids = self.label_issues["item_id"].tolist()
        self._push(ids[:first])
        reply = self._ack(content, ids=ids[:MAX_ISSUES_SHOWN], total=len(ids))
        self._show(ids, [])
        return reply

    def _push(self, ids: list) -> None:
        """Send the first thumbnails of a gallery without waiting to be asked."""
        if not ids:
            return
        source = getattr(self.items, "_source", None)
        if not isinstance(source, np.ndarray):  # paths, PIL images, texts: encoded media
            for k in range(0, len(ids), 64):
                self._on_fetch({"ids": ids[k : k + 64]})
            return
        positions = np.fromiter((self.items.position(i) for i in ids), dtype=np.intp, count=len(ids))
        batch = source[positions]
        step = max(1, -(-max(batch.shape[1], batch.shape[2]) // max(8, self.thumb_size)))
        batch = batch[:, ::step, ::step]
        if batch.dtype != np.uint8:
            batch = (batch * 255 + 0.5).astype(np.uint8)
        channels = 1 if batch.ndim == 3 else int(batch.shape[3])
        height, width = int(batch.shape[1]), int(batch.shape[2])
        size = height * width * channels
        infos = [
            {"id": item_id, "kind": "image", "width": width, "height": height, "channels": channels,
             "offset": k * size, **self._item_info(item_id)}
            for k, item_id in enumerate(ids)
        ]
        self.send({"type": "thumbs", "items": infos}, buffers=[np.ascontiguousarray(batch).tobytes()])

    @intent("relabel")
    def _on_relabel(self, content: dict) -> dict:
        item_id = self._item_id(content)
        done = self._relabel(item_id, content.get("label"))
        if done is None:  # its label already: acknowledged, nothing stored
            return self._ack(content, item_id=item_id, event_id=None, unchanged=True, **self._item_state(item_id), matrix=self.matrix)
        return self._answer(content, done, matrix=self.matrix)
