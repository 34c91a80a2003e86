"""BiasAudit: per-group and intersectional model metrics with bootstrap CIs, disparities, flags,
representation of each group in the labelled set, and drill-down from a group into its errors.

The numbers come from ``hitl_widgets.metrics.fairness`` (one ``np.bincount`` over group codes;
the bootstrap resamples per-group counts, not rows). Clicking a group (or ↑/↓ then Enter) opens
its errors in a ``ClassifyWidget`` (queue = the group's misclassified items, proposals = the
model's predictions); each relabel goes to the store and the audit recomputes with the stored
human label in place of ``y_true`` for that item. The drill-down stores with each relabel the row's
given label and the model's prediction (``given``, ``predicted``); a stored label whose ``given`` or
``predicted`` differs from its row's (the rows were reordered, or are other data under the same
``task``) is not applied, with a warning naming the items, and stays in the store.
"""
from __future__ import annotations

import json
import logging
import math
import os
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets
import numpy as np
import pandas as pd
import traitlets

from ..coerce import _shown as shown_repr
from ..coerce import plain, same, warn_user, whole_float_to_int
from ..items import Items
from ..metrics.fairness import (
    _NO_POSITIVE,
    FAIRNESS_METRICS,
    _cells,
    _labels,
    bootstrap_counts,
    canonical_metric,
    check_labels,
    disparity_table,
    group_codes,
    label_distribution,
    metrics_from_counts,
    ratio_to_overall,
    representation,
)
from ..static import StaticCard, section_card, with_static
from ..store import LABEL_KINDS, AnnotationStore
from ..widgets.base import STATIC, Committed, IntentError, IntentWidget, intent, static_file
from ._pairing import _in_order, _items_by_id, _pair_by_id

if TYPE_CHECKING:
    from ..widgets.classify import ClassifyWidget

log = logging.getLogger("hitl_widgets")

MAX_ROWS_SHOWN = 500  # groups sent to the browser (the DataFrames hold them all)

# which way is better for each metric: +1 higher, -1 lower, 0 neither (a selection rate only differs);
# the table marks a flagged group ▲/▼ (above/below overall) and "better"/"worse"/"differs" from this
BETTER = {"accuracy": 1, "precision": 1, "recall": 1, "fpr": -1, "fnr": -1, "selection_rate": 0, "disagreement": -1}


def direction(value: float | None, overall: float | None) -> int:
    """+1 when ``value`` is above ``overall``, -1 below, 0 equal or unknown.

    Example:
        >>> direction(0.7, 0.9), direction(0.95, 0.9), direction(None, 0.9)
        (-1, 1, 0)
    """
    if value is None or overall is None or value == overall:
        return 0
    return 1 if value > overall else -1


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _key_text(key: Any) -> list[str]:
    return [str(plain(k)) for k in key] if isinstance(key, tuple) else [str(plain(key))]


_VIEW_CLASS: type | None = None


def _view_class() -> type:
    """The anywidget view class, defined on first use (anywidget reads the built JS then)."""
    global _VIEW_CLASS
    if _VIEW_CLASS is None:
        static_file("bias.js")  # a clear error when the front-end was never built

        class BiasAuditView(IntentWidget):
            """The table of groups × metrics with flags; sends a validated ``drill`` intent."""

            _esm = STATIC / "bias.js"
            _css = STATIC / "bias.css"
            title = traitlets.Unicode("").tag(sync=True)
            table = traitlets.Dict().tag(sync=True)
            disparities: traitlets.List[Any] = traitlets.List().tag(sync=True)
            drilled = traitlets.Int(-1).tag(sync=True)  # row of the group whose errors are open
            autofocus = traitlets.Bool(True).tag(sync=True)

            def __init__(self, on_drill: Callable[[int], str], **kwargs: Any):
                static_file("bias.js")
                self._on_drill = on_drill
                super().__init__(**kwargs)

            @intent("drill")
            def _drill(self, content: dict) -> dict:
                row = content.get("row")
                n_rows = len(self.table.get("rows", []))
                if not isinstance(row, int) or isinstance(row, bool) or not 0 <= row < n_rows:
                    raise IntentError(f"unknown group row {str(row)[:40]!r}")
                try:
                    message = self._on_drill(row)
                except ValueError as exc:
                    raise IntentError(str(exc)) from None
                return self._ack(content, row=row, message=message)

        _VIEW_CLASS = BiasAuditView
    return _VIEW_CLASS


class BiasAudit(ipywidgets.VBox):
    """Audit a model's predictions across sensitive groups (and their intersections).

    Args:
        y_true: true labels, one per row. pandas ``y_true``, ``y_pred`` and ``groups`` are paired by
            item id when two or more are pandas objects and one carries ids (an index other than
            0..N-1): the same ids, none repeated, no look-alikes (``1`` and ``"1"``), rows in the first
            pandas input's order; never by position (``ConfusionDashboard``'s "Pairing by item id").
            A pandas input beside plain arrays pairs with them by position. The ids carried are the
            rows' item ids (``labelled``, the store, ``items`` without ids); ``items`` with their own
            ids are paired with them by id.
        y_pred: the model's predicted labels. Labels that mix kinds are refused (``coerce.check_label_kinds``:
            strs beside numbers or booleans, booleans beside numbers other than 0/1), also in a plain list.
        groups: DataFrame of one or more sensitive columns (a Series or 1-D array also works);
            several columns give intersectional groups (a MultiIndex).
        metrics: any of ``accuracy``, ``precision``, ``recall``, ``fpr``, ``fnr``,
            ``selection_rate`` (the last five for ``pos_label``, one-vs-rest).
        labelled: which rows are in the labelled set, for ``representation``: a bool mask (one
            entry per row) or item ids, each once (a 0/1 int column is refused: pass
            ``.astype(bool)``); default all rows.
        pool: the sensitive columns of the pool (e.g. the unlabelled data) to compare the labelled
            set against; default all rows of ``groups``.
        store: an ``AnnotationStore``: adds ``disagreement`` (share of annotators who differ from
            the item's majority, per group) and receives relabels from the drill-down; stored labels
            of ``task`` replace ``y_true`` for their items.
        items: the media of the rows (``Items`` or anything it accepts), for the drill-down; its
            ids are the rows' item ids (default ``0..N-1``, or the ids the pandas inputs carry).
        task: the store task of the relabels.
        pos_label: the positive class of precision, recall, fpr, fnr and selection_rate. Inferred
            only when unambiguous (0/1 labels → 1, booleans → True); any other labels (strings,
            {1, 2}, several classes) need it, and a ValueError says so. Accuracy alone needs none.
        pred_threshold: ``y_pred`` holds the positive class's probability or score (not labels):
            predicted positive when ``score >= pred_threshold``. Without it, probabilities in
            ``y_pred`` are refused (ValueError), as are NaN/None in either array.
        threshold: flag a group whose metric differs from overall by more than this.
        ratio_threshold: also flag a group whose min(group/overall, overall/group) is below this
            (e.g. 0.8, the four-fifths rule); None: off.
        min_group_size: groups with fewer rows are shown but never flagged, nor counted in the
            between-group disparities.
        n_boot, ci_level, seed: the bootstrap (stratified by group; resamples counts, so it costs
            the same for 1,000 or 1,000,000 rows). ``n_boot=0``: no bootstrap, the intervals are NaN
            (and no flag is ``significant``).

    Results (pandas): ``by_group`` (one row per group: ``n`` then one column per metric),
    ``intervals`` (columns (metric, "low"/"high")), ``overall``, ``overall_intervals``,
    ``disparities`` (one row per metric), ``flags`` (one row per flagged group and metric),
    ``representation``, ``label_distribution``, ``marginal(column)`` (one sensitive column alone).
    ``audit.drill(group)`` opens a group's errors in a ``ClassifyWidget``. The audit is a widget (a
    VBox): the table above the drill-down widget, built when first shown (``audit.view``).

    Example:
        >>> import numpy as np, pandas as pd
        >>> y = np.array([0, 1] * 50); p = y.copy(); p[:10] = 1 - p[:10]
        >>> g = pd.DataFrame({"site": ["a"] * 50 + ["b"] * 50})
        >>> audit = BiasAudit(y, p, g, metrics=("accuracy",), min_group_size=10, threshold=0.05)
        >>> audit.by_group["accuracy"].tolist()
        [0.8, 1.0]
        >>> audit.flags[["group", "metric"]].values.tolist()  # both 0.1 from overall (0.9)
        [['a', 'accuracy'], ['b', 'accuracy']]
    """

    children: tuple[Any, ...]  # the view, then the drill-down widget while one is open

    def __init__(
        self,
        y_true: Any,
        y_pred: Any,
        groups: Any,
        metrics: Sequence[str] = FAIRNESS_METRICS,
        labelled: Any = None,
        pool: Any = None,
        store: AnnotationStore | None = None,
        items: Any = None,
        *,
        task: str = "bias_audit",
        pos_label: Any = None,
        pred_threshold: float | None = None,
        threshold: float = 0.1,
        ratio_threshold: float | None = None,
        min_group_size: int = 30,
        n_boot: int = 1000,
        ci_level: float = 0.95,
        seed: int | None = 0,
        title: str = "Bias audit",
    ):
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.metrics = [canonical_metric(m) for m in metrics]
        if not self.metrics or len(set(self.metrics)) != len(self.metrics):
            raise ValueError(f"metrics must be a non-empty list without repeats, got {list(metrics)}")
        (y_true, y_pred, groups), ids = _pair_by_id(y_true=y_true, y_pred=y_pred, groups=groups)
        if items is not None and ids is not None:
            items, order = _items_by_id(items, ids, len(ids))
            if order is not None:  # rows put in the items' order of ids
                y_true, y_pred, groups = _in_order(order, y_true=y_true, y_pred=y_pred, groups=groups)
        y_true = _array(y_true, "y_true")
        y_pred = _array(y_pred, "y_pred")
        if len(y_true) != len(y_pred):
            raise ValueError(f"y_true has {len(y_true)} rows, y_pred {len(y_pred)}")
        self._need_pos = any(m != "accuracy" for m in self.metrics)
        self._y_true, self._y_pred, pos_label = check_labels(
            y_true, y_pred, pos_label, threshold=pred_threshold, need_pos_label=self._need_pos
        )
        self.groups = _frame(groups)
        if len(self.groups) != len(self._y_true):
            raise ValueError(f"groups has {len(self.groups)} rows for {len(self._y_true)} labels")
        if not 0 < ci_level < 1:
            raise ValueError(f"ci_level must be in (0, 1), not {ci_level}")
        if not (isinstance(threshold, (int, float)) and threshold >= 0):
            raise ValueError(f"threshold must be a number >= 0, not {threshold!r}")
        if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
            raise ValueError(f"n_boot must be an int >= 0 (0: no confidence intervals), not {n_boot!r}")
        self.pos_label = plain(pos_label)
        self.threshold = float(threshold)
        self.ratio_threshold = ratio_threshold
        self.min_group_size = int(min_group_size)
        self.n_boot, self.ci_level, self.seed = int(n_boot), float(ci_level), seed
        self.store = store
        self.task = task
        self.title = title
        self.items = None if items is None else (items if isinstance(items, Items) else Items(items))
        if self.items is not None and len(self.items) != len(self._y_true):
            raise ValueError(f"items has {len(self.items)} entries for {len(self._y_true)} rows")
        # the rows' item ids (a range when there are no items and no ids: no million-entry list)
        self.item_ids: Sequence[Hashable] = (
            list(self.items.ids) if self.items is not None
            else range(len(self._y_true)) if ids is None else _id_list(ids))
        self._labelled = _mask(labelled, self.item_ids, "labelled")
        self._pool = None if pool is None else _frame(pool)
        self.codes, self.index = group_codes(self.groups)
        self._view: Any = None
        self._warned: set[Hashable] = set()  # items whose stored labels were made on other rows, already named
        self.drill_widget: ClassifyWidget | None = None
        self._drill_row: int | None = None
        self.refresh()
        super().__init__()

    # ------------------------------------------------------------------ computing
    def _positions(self) -> Any:
        """item id -> row number (a dict, or a range-backed lookup when ids are 0..N-1)."""
        if isinstance(self.item_ids, range):
            return _RangePositions(len(self.item_ids))
        if not hasattr(self, "_position_map"):
            self._position_map = {i: n for n, i in enumerate(self.item_ids)}
        return self._position_map

    def _row_description(self, item_id: Hashable) -> dict:
        """What a relabel of the row was made on: its given label and the model's prediction (as the
        drill-down's classes)."""
        n = self._positions()[item_id]
        return {"given": _drill_class(self._y_true[n]), "predicted": _drill_class(self._y_pred[n])}

    def _same_row(self, item_id: Hashable, payload: dict) -> bool:
        """Whether a stored label was made on this row: its given label and prediction, when stored
        (a label stored without them, e.g. by an older version or another widget, is taken as it is)."""
        now = self._row_description(item_id)
        return all(same(payload[k], now[k]) for k in ("given", "predicted") if k in payload)

    def _stored_labels(self) -> pd.DataFrame:
        """The current label per item and annotator of ``task`` (item_id, annotator, label, event_id),
        of this audit's rows, without those made on other rows (named in a warning, once)."""
        assert self.store is not None
        current = self.store.current(self.task, kinds=LABEL_KINDS)
        position = self._positions()
        rows, elsewhere = [], []
        for item_id, annotator, payload, event_id in zip(current["item_id"], current["annotator"], current["payload"], current["event_id"]):
            if position.get(item_id) is None:
                continue
            if not self._same_row(item_id, payload):
                if item_id not in self._warned:
                    self._warned.add(item_id)
                    elsewhere.append(item_id)
                continue
            rows.append((item_id, annotator, payload.get("label"), int(event_id)))
        if elsewhere:
            warn_user(
                f"{len(elsewhere)} items have stored labels of task {self.task!r} made on other rows (their given label "
                f"or prediction differs: the rows were reordered, or are other data): item ids "
                f"{', '.join(shown_repr(i) for i in elsewhere[:5])}{' …' if len(elsewhere) > 5 else ''}. They stay in the "
                "store and are not applied: give the rows ids (a pandas index, or items with ids) to pair them")
        return pd.DataFrame(rows, columns=["item_id", "annotator", "label", "event_id"])

    @property
    def y_true(self) -> np.ndarray:
        """``y_true`` with every stored human label of ``task`` in place of the original (exactly:
        a longer str widens the array; 0/1 from the drill-down are booleans again for boolean
        labels, as are whole numbers for float labels; a label of another type is skipped, with a
        warning). Each item takes its latest label of any annotator; a label stored with another
        given label or prediction than the row's (made on another row) is left out, with a warning."""
        if self.store is None:
            return self._y_true
        labels = self._stored_labels()
        if labels.empty:
            return self._y_true
        latest = labels.sort_values("event_id").drop_duplicates("item_id", keep="last")
        position = self._positions()
        dtype = self._y_true.dtype
        changes = []
        for item_id, label in zip(latest["item_id"], latest["label"]):
            n = position.get(item_id)
            if n is not None:
                value = _fit_label(label, dtype)
                if value is _MISFIT:
                    log.warning("hitl_widgets: stored label %r does not fit y_true's dtype %s", label, dtype)
                else:
                    changes.append((n, value))
        if dtype.kind == "U":  # widen the fixed-width strs: "bird" must not become "bir"
            width = max([dtype.itemsize // 4] + [len(v) for _, v in changes])
            y = self._y_true.astype(f"<U{width}")
        else:
            y = self._y_true.copy()
        for n, value in changes:
            y[n] = value
        return y

    def to_html(self, path: str | os.PathLike | None = None, title: str | None = None) -> str:
        """A self-contained HTML report of the current state for a reviewer (figures embedded, every
        value escaped, no scripts): ``hitl_widgets.reports.audit_report`` with this BiasAudit alone;
        written to ``path`` when given."""
        from ..reports import to_html

        return to_html(self, path, title)

    def refresh(self) -> None:
        """Recompute everything (after relabels in the store); the view updates."""
        y_true = self.y_true
        n_groups = len(self.index)
        y_true, _, pos = check_labels(y_true, self._y_pred, self.pos_label, need_pos_label=self._need_pos)
        counts = _cells(y_true, self._y_pred, self.codes, n_groups, _NO_POSITIVE if pos is None else pos)
        values = metrics_from_counts(counts, self.metrics)
        overall_values = metrics_from_counts(counts.sum(axis=0), self.metrics)
        sizes = counts.sum(axis=1)
        by_group = pd.DataFrame({"n": sizes, **values}, index=self.index)
        overall = pd.Series({m: float(overall_values[m]) for m in self.metrics}, name="overall")

        alpha = (1 - self.ci_level) / 2
        qs = [100 * alpha, 100 * (1 - alpha)]
        intervals: dict[tuple[str, str], Any] = {}
        overall_ci: dict[str, tuple[float, float]] = {}
        eligible = sizes >= self.min_group_size
        diff_ci: dict[str, tuple[float, float]] = {}
        if self.n_boot == 0:  # no bootstrap: NaN intervals
            for m in self.metrics:
                intervals[(m, "low")] = intervals[(m, "high")] = np.full(n_groups, np.nan)
                overall_ci[m] = diff_ci[m] = (np.nan, np.nan)
        else:
            boot = bootstrap_counts(counts, self.n_boot, self.seed)  # (B, G, 8)
            boot_values = metrics_from_counts(boot, self.metrics)
            boot_overall = metrics_from_counts(boot.sum(axis=1), self.metrics)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices (empty denominators)
                for m in self.metrics:
                    lo, hi = np.nanpercentile(boot_values[m], qs, axis=0)
                    intervals[(m, "low")], intervals[(m, "high")] = lo, hi
                    overall_ci[m] = tuple(np.nanpercentile(boot_overall[m], qs))
                    sub = boot_values[m][:, eligible]
                    if sub.shape[1]:
                        spread = np.nanmax(sub, axis=1) - np.nanmin(sub, axis=1)
                        diff_ci[m] = tuple(np.nanpercentile(spread, qs))
                    else:
                        diff_ci[m] = (np.nan, np.nan)

        if self.store is not None:
            by_group["disagreement"] = self._disagreement(self.store, n_groups)
        self.by_group = by_group
        self.intervals = pd.DataFrame(intervals, index=self.index)
        self.intervals.columns = pd.MultiIndex.from_tuples(self.intervals.columns, names=["metric", "bound"])
        self.overall = overall
        self.overall_intervals = pd.DataFrame(overall_ci, index=["low", "high"]).T
        disp = disparity_table(by_group[self.metrics], overall, eligible)
        disp["difference_low"] = [diff_ci[m][0] for m in disp.index]
        disp["difference_high"] = [diff_ci[m][1] for m in disp.index]
        disp["flagged"] = disp["difference_to_overall"] > self.threshold
        if self.ratio_threshold is not None:
            disp["flagged"] |= disp["ratio_to_overall"] < self.ratio_threshold
        self.disparities = disp
        self.flags = self._flags(by_group, overall, eligible)
        self.label_distribution = label_distribution(y_true, self.groups, codes=self.codes, index=self.index)
        sample = self.groups[self._labelled] if self._labelled is not None else self.groups
        population = self._pool if self._pool is not None else self.groups
        self.representation = representation(sample, population) if (self._labelled is not None or self._pool is not None) else None
        self._y_true_now = y_true
        if self._view is not None:
            self._sync_view()

    def marginal(self, column: str) -> pd.DataFrame:
        """Metrics per value of one sensitive column alone (``by_group`` crosses all columns).

        Example:
            >>> a = BiasAudit([1, 0, 1, 1], [1, 0, 0, 1], pd.DataFrame({"s": list("xxyy"), "t": list("abab")}),
            ...               metrics=("accuracy",), n_boot=10)
            >>> a.marginal("s")["accuracy"].tolist()
            [1.0, 0.5]
        """
        if column not in self.groups.columns:
            raise ValueError(f"unknown sensitive column {column!r}: one of {list(self.groups.columns)}")
        from ..metrics.fairness import group_metrics

        return group_metrics(self._y_true_now, self._y_pred, self.groups[[column]], self.metrics, self.pos_label)

    def _flags(self, by_group: pd.DataFrame, overall: pd.Series, eligible: np.ndarray) -> pd.DataFrame:
        rows = []
        self._flagged_cells: set[tuple[int, str]] = set()
        for m in self.metrics:
            v = by_group[m].to_numpy(dtype=float)
            o = float(overall[m])
            diff = v - o
            ratio = ratio_to_overall(v, o)  # as disparities' ratio_to_overall: 0 for a metric of 0
            hit = np.abs(diff) > self.threshold
            if self.ratio_threshold is not None:
                hit |= ratio < self.ratio_threshold
            hit &= eligible & ~np.isnan(v)
            lo = self.intervals[(m, "low")].to_numpy()
            hi = self.intervals[(m, "high")].to_numpy()
            for k in np.flatnonzero(hit):
                self._flagged_cells.add((int(k), m))
                rows.append(
                    {
                        "group": self.index[k],
                        "metric": m,
                        "value": v[k],
                        "overall": o,
                        "difference": diff[k],
                        "ratio": ratio[k],
                        "n": int(by_group["n"].iloc[k]),
                        "ci_low": lo[k],
                        "ci_high": hi[k],
                        "significant": bool(lo[k] > o or hi[k] < o),  # False without an interval
                    }
                )
        columns = ["group", "metric", "value", "overall", "difference", "ratio", "n", "ci_low", "ci_high", "significant"]
        return pd.DataFrame(rows, columns=columns)

    def _disagreement(self, store: AnnotationStore, n_groups: int) -> np.ndarray:
        """Per group: mean over items with ≥ 2 annotators of the share that differ from the majority
        (labels made on other rows left out)."""
        labels = self._stored_labels()
        out = np.full(n_groups, np.nan)
        if labels.empty:
            return out
        position = self._positions()
        sums = np.zeros(n_groups)
        nums = np.zeros(n_groups)
        for item_id, grp in labels.groupby("item_id", sort=False):
            n = position.get(item_id)
            if n is None or len(grp) < 2:
                continue
            counts = pd.Series([json.dumps(v, sort_keys=True) for v in grp["label"]]).value_counts()
            g = self.codes[n]
            sums[g] += 1 - counts.iloc[0] / len(grp)
            nums[g] += 1
        np.divide(sums, nums, out=out, where=nums > 0)
        return out

    # ------------------------------------------------------------------ drill-down
    def _row_of(self, group: Any) -> int:
        """A group key (a tuple for intersections) or, when no group has that key, a row number."""
        try:
            loc = self.index.get_loc(group)
        except (KeyError, TypeError):
            if isinstance(group, (int, np.integer)) and not isinstance(group, bool) and 0 <= int(group) < len(self.index):
                return int(group)
            raise ValueError(f"unknown group {group!r}: one of {list(self.index)[:10]}") from None
        if not isinstance(loc, (int, np.integer)):
            raise ValueError(f"{group!r} names several groups: give the full key {list(self.index)[:3]}")
        return int(loc)

    def errors(self, group: Any) -> list[Hashable]:
        """Item ids of the group's rows where the model is wrong (current ``y_true``)."""
        row = self._row_of(group)
        wrong = (self.codes == row) & (self._y_true_now != self._y_pred)
        return [self.item_ids[int(n)] for n in np.flatnonzero(wrong)]

    def drill(self, group: Any, annotator: str | None = None):
        """Open the group's errors in a ``ClassifyWidget`` (proposals: the model's predictions).

        Relabels are stored under ``task`` and the audit refreshes after each one. Its classes are
        ints or strs: boolean labels are shown and stored as 0/1, float labels (whole numbers) as
        ints; ``y_true`` turns them back. Each relabel is stored with the row's given label and
        prediction (``given``, ``predicted``), so that it is not applied to another row later; the
        widget does not show a stored label made on another row.
        """
        if self.items is None:
            raise ValueError("drill-down needs items= (the media of the rows)")
        if self.store is None:
            raise ValueError("drill-down needs store= (where the relabels go)")
        row = self._row_of(group)
        ids = self.errors(row)
        if not ids:
            raise ValueError(f"group {_key_text(self.index[row])} has no errors to review")
        values = [_drill_class(v) for a in (self._y_true_now, self._y_pred) for v in np.unique(a).tolist()]
        classes = sorted(set(values), key=lambda v: (str(type(v)), v))
        position = self._positions()
        proposals = {i: _drill_class(self._y_pred[position[i]]) for i in ids}
        widget = _drill_widget_class()(
            self.items, classes=classes, store=self.store, task=self.task, proposals=proposals,
            queue=ids, annotator=annotator, title=f"errors of {' × '.join(_key_text(self.index[row]))} ({len(ids)})",
            describe=self._row_description, same_row=self._same_row,
        )
        widget.on_label(lambda _event: self.refresh())
        self.drill_widget = widget
        self._drill_row = row
        if self._view is not None:
            self._view.drilled = row
            self.children = (self._view, widget)
        return widget

    def _drill_from_view(self, row: int) -> str:
        widget = self.drill(row)
        return f"{len(widget.order)} errors of {' × '.join(_key_text(self.index[row]))} below"

    # ------------------------------------------------------------------ view
    @property
    def view(self) -> ipywidgets.VBox:
        """The audit itself, its table (an anywidget, built on first use) above the drill-down widget."""
        if self._view is None:
            self._view = _view_class()(on_drill=self._drill_from_view, title=self.title)
            self._sync_view()
            self.children = (self._view,)
        return self

    def _sync_view(self) -> None:
        by_group = self.by_group
        metrics = list(self.metrics) + (["disagreement"] if "disagreement" in by_group else [])
        flagged = self._flagged_cells
        overall = [_finite(self.overall[m]) if m in self.overall else None for m in metrics]
        rows = []
        for k in range(min(len(by_group), MAX_ROWS_SHOWN)):
            values = [_finite(by_group[m].iloc[k]) for m in metrics]
            rows.append(
                {
                    "key": _key_text(self.index[k]),
                    "n": int(by_group["n"].iloc[k]),
                    "values": values,
                    "direction": [direction(v, o) for v, o in zip(values, overall)],
                    "low": [_finite(self.intervals[(m, "low")].iloc[k]) if m in self.metrics else None for m in metrics],
                    "high": [_finite(self.intervals[(m, "high")].iloc[k]) if m in self.metrics else None for m in metrics],
                    "flagged": [(k, m) in flagged for m in metrics],
                    "small": bool(by_group["n"].iloc[k] < self.min_group_size),
                    "errors": int(((self.codes == k) & (self._y_true_now != self._y_pred)).sum()),
                }
            )
        self._view.table = {
            "columns": [str(c) for c in self.index.names],
            "metrics": metrics,
            "better": [BETTER.get(m, 0) for m in metrics],
            "rows": rows,
            "overall": overall,
            "threshold": self.threshold,
            "min_group_size": self.min_group_size,
            "n_groups": len(by_group),
            "can_drill": self.items is not None and self.store is not None,
        }
        self._view.disparities = [
            {
                "metric": m,
                "difference": _finite(r["difference"]),
                "ratio": _finite(r["ratio"]),
                "difference_to_overall": _finite(r["difference_to_overall"]),
                "worst": " × ".join(_key_text(r["worst_group"])) if r["worst_group"] is not None else "",
                "flagged": bool(r["flagged"]),
            }
            for m, r in self.disparities.iterrows()
        ]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        self.view  # noqa: B018 - builds the table on first display
        return with_static(super()._repr_mimebundle_(**kwargs), self)

    def _report_section(self, light: bool = False) -> tuple[str, str]:
        """This object's section of an audit report (``hitl_widgets.reports``)."""
        from ..reports import bias_section

        return bias_section(self, light)

    def _display_(self) -> Any:
        """In marimo: the table (and the drill-down widget open when the cell ran; one opened from
        the table later is shown by a cell showing ``audit.drill_widget``)."""
        from ._marimo import stacked

        return stacked(self.view.children)

    def _static_card(self) -> StaticCard:
        return section_card(self)

    def __repr__(self) -> str:
        return f"BiasAudit({len(self._y_true)} rows, {len(self.index)} groups, {len(self.flags)} flags)"


_DRILL_WIDGET: type | None = None


def _drill_widget_class() -> type:
    """The drill-down's ``ClassifyWidget``, defined on first use: it stores with each label the
    row's description (``describe(item_id)``: given label and prediction) and shows no stored label
    that ``same_row(item_id, payload)`` says was made on another row."""
    global _DRILL_WIDGET
    if _DRILL_WIDGET is None:
        from ..widgets.classify import ClassifyWidget

        class BiasDrillWidget(ClassifyWidget):
            """A ``ClassifyWidget`` over a group's errors whose labels say which row they were made on."""

            def __init__(self, *args: Any, describe: Callable[[Hashable], dict],
                         same_row: Callable[[Hashable, dict], bool], **kwargs: Any):
                self._describe, self._same_row = describe, same_row
                super().__init__(*args, **kwargs)

            def _commit(self, item_id: Hashable, kind: str, payload: dict, **kwargs: Any) -> Committed:
                if kind in LABEL_KINDS:
                    payload = {**payload, **self._describe(item_id)}
                return super()._commit(item_id, kind, payload, **kwargs)

            def _load(self) -> None:
                current = self.store.current(self.task, kinds=LABEL_KINDS, annotator=self.annotator)
                for item_id, payload in zip(current["item_id"], current["payload"]):
                    if item_id in self.items and self._same_row(item_id, payload):
                        self._current[item_id] = payload.get("label")

            def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
                if event is not None and event["kind"] in LABEL_KINDS and not self._same_row(key, event["payload"]):
                    event = None  # an undo back to a label made on another row: none
                super()._mirror(key, event, state)

        _DRILL_WIDGET = BiasDrillWidget
    return _DRILL_WIDGET


class _RangePositions:
    """``{i: i for i in range(n)}`` without building it."""

    def __init__(self, n: int):
        self.n = n

    def get(self, item_id: Any, default: Any = None) -> Any:
        if isinstance(item_id, int) and not isinstance(item_id, bool) and 0 <= item_id < self.n:
            return item_id
        return default

    def __getitem__(self, item_id: Any) -> int:
        value = self.get(item_id)
        if value is None:
            raise KeyError(item_id)
        return value


def _array(values: Any, name: str) -> np.ndarray:
    arr = _labels(values, name)  # 1-D, never stringified (["a", 1] is refused, not read as "a", "1")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty")
    return arr


def _id_list(ids: pd.Index) -> list:
    """The item ids of an index (numpy scalars as Python values); a repeated id is refused."""
    out = [plain(i) for i in ids]
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise ValueError(f"item id {plain(repeated[0])!r} appears twice in the index: one row per item")
    return out


def _frame(groups: Any) -> pd.DataFrame:
    if isinstance(groups, pd.DataFrame):
        return groups.reset_index(drop=True)
    if isinstance(groups, pd.Series):
        return groups.reset_index(drop=True).to_frame(groups.name if groups.name is not None else "group")
    arr = np.asarray(groups)
    if arr.ndim == 1:
        return pd.DataFrame({"group": arr})
    if arr.ndim == 2:
        return pd.DataFrame(arr, columns=[f"group_{k}" for k in range(arr.shape[1])])
    raise ValueError(f"groups must be a DataFrame, Series or 1-D/2-D array, not {arr.ndim}-D")


_MISFIT = object()  # _fit_label: the stored label does not fit y_true's dtype


def _fit_label(label: Any, dtype: np.dtype) -> Any:
    """A stored label as a value of ``y_true``'s dtype, or ``_MISFIT`` (never silently changed:
    no truncated str, no "5" for 5)."""
    label = plain(label)
    kind = dtype.kind
    if kind == "O":
        return label
    if kind == "U":
        return label if isinstance(label, str) else _MISFIT
    if isinstance(label, str) or not isinstance(label, (bool, int, float)):
        return _MISFIT
    if kind == "b":
        return bool(label) if label in (0, 1) else _MISFIT
    if kind in "iu":
        if isinstance(label, float) and not label.is_integer():
            return _MISFIT
        info = np.iinfo(dtype)
        return int(label) if info.min <= label <= info.max else _MISFIT
    if kind == "f":
        return float(label)
    return _MISFIT


def _drill_class(value: Any) -> Any:
    """A label as a ``ClassifyWidget`` class (an int or a str): booleans → 0/1, whole floats → ints."""
    value = plain(value)
    return int(value) if isinstance(value, bool) else whole_float_to_int(value)


def _mask(labelled: Any, item_ids: Sequence[Hashable], name: str) -> np.ndarray | None:
    if labelled is None:
        return None
    arr = np.asarray(labelled)
    if arr.dtype == object and len(arr) and all(isinstance(v, (bool, np.bool_)) for v in arr.tolist()):
        arr = arr.astype(bool)  # e.g. a pandas "boolean" Series
    if arr.dtype == bool:
        if arr.shape != (len(item_ids),):
            raise ValueError(f"{name} mask has shape {arr.shape}, expected ({len(item_ids)},)")
        return arr
    position = {i: n for n, i in enumerate(item_ids)}
    mask = np.zeros(len(item_ids), bool)
    for i in labelled:
        i = plain(i)
        if isinstance(i, bool) or i not in position:
            raise ValueError(f"{name}: unknown item id {i!r} (give a bool mask, one entry per row, or item ids)")
        if mask[position[i]]:
            raise ValueError(
                f"{name}: item id {i!r} occurs more than once: give each item id once, or a bool mask "
                f"with one entry per row (a 0/1 column: {name}.astype(bool))"
            )
        mask[position[i]] = True
    return mask
