"""AgreementDashboard: inter-annotator agreement with CIs, a pairwise heatmap, per-annotator and
per-class agreement, and a disagreement queue that opens adjudication.

Numbers come from ``hitl_widgets.metrics.agreement`` (percent agreement, Fleiss' kappa,
Krippendorff's alpha with percentile bootstrap CIs over items; Cohen's kappa per pair; majority
vote and Dawid-Skene consensus). Adjudication is a ``ClassifyWidget`` over the disagreement queue
(most disputed first) showing every annotator's label as a note and the majority as its proposal;
its answers are stored under ``f"{task}/adjudicated"`` by annotator ``"adjudicator"``.

Relations: ``AgreementDashboard.for_triples`` (scene-graph triples: one unit per candidate (subject,
object) pair, its label the predicates given), ``for_links`` (mention-region links: one unit per
mention) and ``for_first_errors`` (reasoning chains: one unit per chain, its label the first error's
step) turn relation annotations into one label per (unit, annotator) (``agreement_units.py``), so the
same metrics, queue and adjudication apply; each adds its own agreement measures to ``overall`` and
``pair_agreement``, and ``adjudicated_units`` reads the adjudications back.

Protocol (browser → kernel): {"type": "adjudicate", "item_id": id | null} → ack {item_id, position}.
"""
from __future__ import annotations

import math
import os
from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations
from typing import Any

import ipywidgets
import numpy as np
import pandas as pd
import traitlets

from ..coerce import check_label_kinds, is_item_id, is_missing, label_array, plain, refuse_lookalikes, same_label
from ..items import Items
from ..metrics.agreement import (
    SET_LEVELS,
    SetLevel,
    _bools_as_ints,
    alpha_from_codes,
    bootstrap_ci,
    cohen_kappa,
    dawid_skene,
    fleiss_kappa,
    krippendorff_alpha,
    majority_vote,
    percent_agreement,
    set_distances,
)
from ..static import StaticCard, section_card, with_static
from ..store import AnnotationStore
from ..widgets.base import STATIC, IntentError, IntentWidget, intent, static_file

MAX_QUEUE_SHOWN = 500  # queue rows sent to the browser (``dash.queue`` holds them all)


def _finite(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _missing_label(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _multi_label(df: pd.DataFrame) -> bool:
    """True when the labels are sets (lists, tuples, sets); a mix of sets and single labels is refused."""
    is_set = [isinstance(v, (list, tuple, set, frozenset, np.ndarray)) for v in df["label"]]
    if any(is_set) and not all(is_set):
        k = is_set.index(not is_set[0])
        row = df.iloc[k]
        raise ValueError(
            f"item {plain(row['item_id'])!r}, annotator {row['annotator']!r}: label {row['label']!r} mixes single "
            "labels with label sets (lists): a multi-label task needs every label as a list"
        )
    return bool(is_set) and all(is_set)


def _label_set(value: Any, item_id: Any, annotator: Any) -> tuple:
    """A label set as a sorted tuple of plain values (hashable; duplicates refused)."""
    values = [plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise ValueError(f"item {plain(item_id)!r}, annotator {annotator!r}: class {v!r} in a label set must be an int or str")
    if len(set(values)) != len(values):
        raise ValueError(f"item {plain(item_id)!r}, annotator {annotator!r}: a class appears twice in {values!r}")
    return tuple(sorted(values, key=lambda v: (isinstance(v, str), v)))


def _latest(df: pd.DataFrame, time_cols: list, where: str) -> pd.DataFrame:
    """One label per (item, annotator): the latest by ``time_cols``; duplicates without a time, or
    tied at the latest time, are refused naming the item and annotator."""
    missing = {"item_id", "annotator", "label"} - set(df.columns)
    if missing:
        raise ValueError(f"{where} needs columns item (or item_id), annotator, label; missing {sorted(missing)}")
    keys = ["item_id", "annotator"]
    df = df.reset_index(drop=True)
    keyed = df.assign(item_id=[(type(plain(i)).__name__, plain(i)) for i in df["item_id"]])
    dup = keyed.duplicated(keys, keep=False)
    if not dup.any():
        return df[["item_id", "annotator", "label"]]
    first = keyed[dup].iloc[0]
    who = f"item {first['item_id'][1]!r}, annotator {first['annotator']!r}"
    if not time_cols:
        raise ValueError(
            f"{where} has {int((keyed[dup][keys] == first[keys]).all(axis=1).sum())} labels for {who}: "
            "give one label per (item, annotator), or a 'time' column (the latest label wins)"
        )
    if keyed[time_cols[0]].isna().any():
        raise ValueError(f"{where}: column {time_cols[0]!r} has missing times: the latest label cannot be told")
    order = keyed.sort_values(time_cols, kind="stable")
    last = order.drop_duplicates(keys, keep="last")
    tie = order.duplicated(keys + [time_cols[0]], keep=False) & order.index.isin(last.index)
    if tie.any() and len(time_cols) == 1:
        row = order[tie].iloc[0]
        raise ValueError(
            f"{where}: item {row['item_id'][1]!r}, annotator {row['annotator']!r} has two labels at the same "
            f"latest time {plain(row[time_cols[0]])!r}: which one counts cannot be told"
        )
    return df.loc[last.index, ["item_id", "annotator", "label"]].sort_index()


class AgreementView(IntentWidget):
    """The dashboard's front-end: tables, the pairwise heatmap and the disagreement queue."""

    _esm = STATIC / "agreement.js"
    _css = STATIC / "agreement.css"
    title = traitlets.Unicode("").tag(sync=True)
    overall: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [{metric, estimate, low, high}]
    annotators: traitlets.List[Any] = traitlets.List().tag(sync=True)
    pairwise: traitlets.List[Any] = traitlets.List().tag(sync=True)  # R x R kappa (None = undefined)
    pair_counts: traitlets.List[Any] = traitlets.List().tag(sync=True)  # R x R items labelled by both
    per_annotator: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [{annotator, n, agreement, accuracy, flagged}]
    per_class: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [{class, agreement, n}]
    queue: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [{item_id, disagreement, labels, adjudicated}]
    n_queue = traitlets.Int(0).tag(sync=True)
    n_items = traitlets.Int(0).tag(sync=True)
    adjudicating = traitlets.Bool(False).tag(sync=True)
    autofocus = traitlets.Bool(True).tag(sync=True)

    def __init__(self, on_adjudicate: Any, **kwargs: Any):
        static_file("agreement.js")
        super().__init__(**kwargs)
        self._on_adjudicate_cb = on_adjudicate

    @intent("adjudicate")
    def _on_adjudicate(self, content: dict) -> dict:
        item_id = content.get("item_id")
        if item_id is not None and not is_item_id(item_id):
            raise IntentError(f"unknown item id {str(item_id)[:60]!r}")
        position = self._on_adjudicate_cb(item_id)
        return self._ack(content, item_id=item_id, position=position)


class AgreementDashboard(ipywidgets.VBox):
    """Inter-annotator agreement of a labelling task, with adjudication of the disagreements.

    Args:
        source: an ``AnnotationStore`` (its current labels of ``task``) or a DataFrame with
            columns item (or item_id), annotator, label. One label per (item, annotator): a
            DataFrame with several is refused unless it has a ``time`` (or ``created_at``) column,
            and then the latest by time wins (a tie at the latest time is refused); from a store
            the latest event wins (by created_at, then event id).
            Multi-label tasks (each label a list or set of classes) are compared by set: percent
            agreement, Fleiss' kappa, Cohen's kappa and the majority consensus count equal sets
            as agreeing, Krippendorff's alpha uses ``set_distance`` between sets (partial
            overlap is partial agreement), per-class agreement is per class within the sets.
        task: the store task (required with a store; names the adjudication task otherwise).
        classes: the classes (default: the sorted labels seen). Labels and classes that mix kinds are
            refused (``coerce.check_label_kinds``: "1" is not the class 1); booleans beside 0/1 labels
            are those numbers (True is the class 1).
        items: the items' media for adjudication (``Items`` or anything it accepts, whose ids
            are the item ids); default: the item ids shown as text.
        store: where adjudications go (default: ``source`` when it is a store, else in memory).
        consensus: "majority" or "dawid_skene" (the consensus annotators are compared with).
        n_boot, level, seed: the bootstrap of the overall metrics.
        flag_below: an annotator whose agreement with the consensus (on the items others labelled
            too) is this much below the median of the others is flagged.
        set_distance: for multi-label tasks, alpha's distance between label sets: "jaccard"
            (1 - |A ∩ B| / |A ∪ B|, the default) or "masi" (Passonneau's MASI).
        descriptions: a text (or lines) per item saying what it is, shown first in the
            adjudicator's notes, as the text item when no ``items`` are given, and in the queue.

    Results (pandas): ``overall`` (metric, estimate, low, high), ``pairwise`` (Cohen's kappa,
    annotators x annotators), ``per_annotator`` (annotator, n, agreement, accuracy (Dawid-Skene),
    flagged: ``agreement`` with the consensus over the ``n`` items the annotator labelled that at
    least one other annotator labelled too; an item labelled alone is left out, its consensus being
    that annotator's own label; NaN with none), ``per_class`` (class, agreement (specific agreement), n), ``queue`` (item_id,
    disagreement, n_labels, labels, description, adjudicated), ``adjudicated`` (item_id, label, ...). The
    dashboard is a widget (a VBox): its view (``dash.view``) above the adjudication widget
    (``dash.adjudicator``); ``dash.adjudicate(item_id)`` opens it.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
        ...                    "label": ["x", "x", "y", "x", "y", "y"]})
        >>> dash = AgreementDashboard(df, task="toy", n_boot=50)
        >>> dash.queue["item_id"].tolist()
        [2]
    """

    def __init__(
        self,
        source: AnnotationStore | pd.DataFrame,
        task: str | None = None,
        classes: Sequence[Any] | None = None,
        items: Any = None,
        store: AnnotationStore | None = None,
        *,
        consensus: str = "majority",
        n_boot: int = 500,
        level: float = 0.95,
        seed: int | None = 0,
        flag_below: float = 0.15,
        title: str = "Annotator agreement",
        set_distance: SetLevel = "jaccard",
        descriptions: Mapping[Hashable, str | Sequence[str]] | None = None,
    ):
        self.kind = "labels"
        self.units: pd.DataFrame | None = None
        self.pair_agreement: pd.DataFrame | None = None
        self._decode: Any = None
        if consensus not in ("majority", "dawid_skene"):
            raise ValueError(f"consensus must be 'majority' or 'dawid_skene', not {consensus!r}")
        if set_distance not in SET_LEVELS:
            raise ValueError(f"set_distance must be one of {SET_LEVELS}, not {set_distance!r}")
        self.set_distance = set_distance
        if isinstance(source, AnnotationStore):
            if not task:
                raise ValueError("task is required when source is an AnnotationStore")
            labels = source.labels(task)
            df = _latest(labels, ["created_at", "event_id"], "the store")
            store = store if store is not None else source
        elif isinstance(source, pd.DataFrame):
            cols = {"item" if "item" in source.columns else "item_id", "annotator", "label"}
            missing = cols - set(source.columns)
            if missing:
                raise ValueError(f"the DataFrame needs columns item (or item_id), annotator, label; missing {sorted(missing)}")
            renamed = source.rename(columns={"item": "item_id"})
            time_col = next((c for c in ("time", "created_at") if c in renamed.columns), None)
            df = _latest(renamed, [time_col] if time_col else [], "the DataFrame")
            task = task or "agreement"
        else:
            raise ValueError(f"source must be an AnnotationStore or a DataFrame, not {type(source).__name__}")
        df = df[[not _missing_label(v) for v in df["label"]]]
        if df.empty:
            raise ValueError("no labels to compare")
        for column in ("annotator", "item_id"):  # annotators 1 and "1" would be merged into one
            refuse_lookalikes(column, [(f"the {column} column", df[column])])
        self.multi_label = _multi_label(df)
        self.task = task
        self.store = store if store is not None else AnnotationStore(":memory:")
        self.adjudication_task = f"{task}/adjudicated"
        self.n_boot, self.level, self.seed, self.flag_below = int(n_boot), float(level), seed, float(flag_below)
        self.consensus_method = consensus
        self.title = title
        self.labels_long = df.reset_index(drop=True)
        if self.multi_label:  # each label a set: canonical sorted lists of plain values
            df = df.assign(label=[_label_set(v, i, a) for v, i, a in zip(df["label"], df["item_id"], df["annotator"])])
            seen = sorted({c for v in df["label"] for c in v}, key=lambda v: (isinstance(v, str), v))
            check_label_kinds(**{"the multi-label column": seen, "classes": classes})  # "1" is not the class 1
        else:  # "1" is not the class 1; True is 1 beside 0/1 labels
            if {"bool", "number"} <= check_label_kinds(**{"the label column": df["label"], "classes": classes}):
                df = df.assign(label=_bools_as_ints(label_array(df["label"])))
                classes = None if classes is None else list(_bools_as_ints(label_array(classes)))
            seen = sorted(df["label"].map(plain).unique(), key=lambda v: (isinstance(v, str), v))
        self.classes = [plain(c) for c in (classes if classes is not None else seen)]
        # items x annotators (None = missing); built by hand so list labels survive
        self.item_ids = [plain(i) for i in pd.unique(df["item_id"])]
        try:
            self.item_ids = sorted(self.item_ids, key=lambda v: (isinstance(v, str), v))
        except TypeError:
            pass
        self.annotators = sorted({str(a) for a in df["annotator"]})
        row_of = {i: n for n, i in enumerate(self.item_ids)}
        col_of = {a: n for n, a in enumerate(self.annotators)}
        arr = np.full((len(self.item_ids), len(self.annotators)), None, dtype=object)
        for i, a, v in zip(df["item_id"], df["annotator"], df["label"]):
            arr[row_of[plain(i)], col_of[str(a)]] = v
        self.wide = pd.DataFrame(arr, index=pd.Index(self.item_ids, name="item_id"),
                                 columns=pd.Index(self.annotators, name="annotator"))  # None = missing
        self._arr = arr
        self.descriptions: dict[Hashable, list[str]] = {}
        for key, text in (descriptions or {}).items():
            key = plain(key)
            if key not in row_of:
                raise ValueError(f"descriptions: item {key!r} has no label")
            self.descriptions[key] = [text] if isinstance(text, str) else [str(t) for t in text]
        if items is None:
            items = Items(["\n".join(self.descriptions.get(i, [])) or f"item {i}" for i in self.item_ids], ids=self.item_ids, kind="text")
        self.items = items if isinstance(items, Items) else Items(items)
        unknown = [i for i in self.item_ids if i not in self.items]
        if unknown:
            raise ValueError(f"labelled item {unknown[0]!r} is not in items")
        self._compute()
        self.view = AgreementView(self._open_adjudication, title=title)
        self.adjudicator = self._make_adjudicator()
        if self.adjudicator is not None:
            self.adjudicator.layout.display = "none"
        self._sync_view()
        super().__init__([self.view, self.adjudicator] if self.adjudicator is not None else [self.view])

    # ------------------------------------------------------------------ computing
    def _bootstrap(self, fn: Any, data: Any, axis: int = 0) -> dict:
        try:
            ci = bootstrap_ci(fn, data, n=self.n_boot, level=self.level, seed=self.seed, axis=axis)
            return {"estimate": ci.estimate, "low": ci.low, "high": ci.high}
        except ValueError:
            try:
                return {"estimate": float(fn(data)), "low": np.nan, "high": np.nan}
            except ValueError:
                return {"estimate": np.nan, "low": np.nan, "high": np.nan}

    def _compute(self) -> None:
        arr = self._arr
        n_items, n_raters = arr.shape
        codes = np.full(arr.shape, np.nan)
        # the categories compared: the classes, or (multi-label) the distinct label sets
        if self.multi_label:
            class_set = set(self.classes)
            for (i, r), v in np.ndenumerate(arr):
                if v is not None and not set(v) <= class_set:
                    bad = next(c for c in v if c not in class_set)
                    raise ValueError(f"item {self.item_ids[i]!r}, annotator {self.annotators[r]!r}: label {bad!r} is not one of the classes {self.classes[:20]}")
            found = {tuple(v) for v in arr.ravel() if v is not None}
            self._categories = sorted(found, key=lambda t: (len(t), [self.classes.index(c) for c in t]))
            index = {c: k for k, c in enumerate(self._categories)}
        else:
            self._categories = list(self.classes)
            index = {c: k for k, c in enumerate(self.classes)}
        for (i, r), v in np.ndenumerate(arr):
            if v is not None:
                k = index.get(tuple(v) if self.multi_label else plain(v))
                if k is None or not (self.multi_label or same_label(self._categories[k], plain(v))):
                    raise ValueError(f"item {self.item_ids[i]!r}, annotator {self.annotators[r]!r}: label {plain(v)!r} is not one of the classes {self.classes[:20]}")
                codes[i, r] = k
        self._codes = codes
        n_cat = len(self._categories)
        if self.multi_label:
            delta = set_distances([frozenset(c) for c in self._categories], self.set_distance)
            int_codes = np.where(np.isnan(codes), -1, codes).astype(np.intp).T

            def alpha(c: np.ndarray) -> float:
                return alpha_from_codes(c, delta)

            alpha_row = {"metric": f"Krippendorff's alpha ({self.set_distance} distance)", **self._bootstrap(alpha, int_codes, axis=1)}
        else:
            alpha_row = {"metric": "Krippendorff's alpha", **self._bootstrap(krippendorff_alpha, codes.T, axis=1)}
        rows = [
            {"metric": "percent agreement", **self._bootstrap(percent_agreement, codes)},
            {"metric": "Fleiss' kappa", **self._bootstrap(fleiss_kappa, codes)},
            alpha_row,
        ]
        self.overall = pd.DataFrame(rows, columns=["metric", "estimate", "low", "high"])
        # pairwise Cohen's kappa over the items both labelled
        kappa = np.full((n_raters, n_raters), np.nan)
        both = np.zeros((n_raters, n_raters), dtype=int)
        present = ~np.isnan(codes)
        for a in range(n_raters):
            both[a, a] = int(present[:, a].sum())
            kappa[a, a] = 1.0 if both[a, a] else np.nan
        for a, b in combinations(range(n_raters), 2):
            m = present[:, a] & present[:, b]
            both[a, b] = both[b, a] = int(m.sum())
            if m.sum() >= 2:
                try:
                    kappa[a, b] = kappa[b, a] = cohen_kappa(codes[m, a], codes[m, b], labels=list(range(n_cat)))
                except (ValueError, ZeroDivisionError):
                    pass
        self.pairwise = pd.DataFrame(kappa, index=self.annotators, columns=self.annotators)
        self.pair_counts = both
        # consensus and per-annotator agreement with it
        labelled = present.any(axis=1)
        vote = np.full(n_items, np.nan)
        vote[labelled] = majority_vote(codes[labelled])
        ds = dawid_skene(codes, classes=list(range(n_cat)))
        consensus = ds.labels.astype(float) if self.consensus_method == "dawid_skene" else vote
        self._consensus = consensus
        per = []
        shared = present.sum(axis=1) >= 2  # an item labelled alone has its annotator's label as consensus
        for r, name in enumerate(self.annotators):
            m = present[:, r] & shared
            agree = float(np.mean(codes[m, r] == consensus[m])) if m.any() else np.nan
            per.append({"annotator": name, "n": int(m.sum()), "agreement": agree, "accuracy": float(ds.annotator_accuracy[r])})
        per_df = pd.DataFrame(per, columns=["annotator", "n", "agreement", "accuracy"])
        flagged = []
        for r in range(n_raters):
            others = per_df["agreement"].drop(index=r).dropna()
            flagged.append(bool(len(others) and per_df["agreement"][r] < others.median() - self.flag_below))
        per_df["flagged"] = flagged
        self.per_annotator = per_df
        # per-class specific agreement: sum n_ik (n_ik - 1) / sum n_ik (n_i - 1), where n_ik is
        # the number of the item's raters who gave class k (multi-label: whose set holds k)
        counts = np.stack([(codes == k).sum(axis=1) for k in range(n_cat)], axis=1)  # items x categories
        n_i = counts.sum(axis=1, keepdims=True)
        if self.multi_label:
            holds = np.array([[c in cat for cat in self._categories] for c in self.classes], dtype=np.int64)  # classes x categories
            class_counts = counts @ holds.T  # items x classes
        else:
            class_counts = counts
        num = (class_counts * (class_counts - 1)).sum(axis=0)
        den = (class_counts * (n_i - 1)).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            spec = np.where(den > 0, num / den, np.nan)
        self.per_class = pd.DataFrame({"class": self.classes, "agreement": spec, "n": class_counts.sum(axis=0)})
        # disagreement per item: share of disagreeing rater pairs
        pairs = n_i[:, 0] * (n_i[:, 0] - 1)
        agree_pairs = (counts * (counts - 1)).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            dis = np.where(pairs > 0, 1 - agree_pairs / pairs, 0.0)
        self._disagreement = dis
        order = np.lexsort((np.arange(n_items), -dis))
        order = order[dis[order] > 0]
        adjudicated = self._adjudicated_map()
        self.queue = pd.DataFrame({
            "item_id": pd.Series([self.item_ids[i] for i in order], dtype=object),
            "disagreement": dis[order],
            "n_labels": n_i[order, 0],
            "labels": [self._labels_of(i) for i in order],
            "description": pd.Series([" ".join(self.descriptions.get(self.item_ids[i], [])) or None for i in order], dtype=object),
            "adjudicated": pd.Series([adjudicated.get(self.item_ids[i]) for i in order], dtype=object),
        })

    def _category_label(self, k: int) -> Any:
        """The label of category ``k``: a class, or (multi-label) a list of classes."""
        return list(self._categories[k]) if self.multi_label else self._categories[k]

    def _labels_of(self, i: int) -> dict:
        return {a: (list(v) if self.multi_label else plain(v)) for a, v in zip(self.annotators, self._arr[i]) if v is not None}

    def _adjudicated_map(self) -> dict:
        df = self.store.labels(self.adjudication_task)
        return dict(zip(df["item_id"], df["label"])) if len(df) else {}

    def to_html(self, path: str | os.PathLike | None = None, title: str | None = None) -> str:
        """A self-contained HTML report of the current state for a reviewer (figures embedded, every
        value escaped, no scripts): ``hitl_widgets.reports.audit_report`` with this AgreementDashboard alone;
        written to ``path`` when given."""
        from ..reports import to_html

        return to_html(self, path, title)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_static(super()._repr_mimebundle_(**kwargs), self)

    def _report_section(self, light: bool = False) -> tuple[str, str]:
        """This object's section of an audit report (``hitl_widgets.reports``)."""
        from ..reports import agreement_section

        return agreement_section(self, light)

    def _display_(self) -> Any:
        """In marimo: the view above the adjudication widget (shown from the start: marimo
        ignores the layout that hides it until an item is adjudicated)."""
        from ._marimo import stacked

        return stacked(self.children)

    def _static_card(self) -> StaticCard:
        return section_card(self)

    @property
    def adjudicated(self) -> pd.DataFrame:
        """The adjudicated labels: item_id, annotator, label, event_id, created_at."""
        return self.store.labels(self.adjudication_task)

    @property
    def consensus(self) -> pd.Series:
        """The consensus label per item (majority vote or Dawid-Skene), adjudications applied."""
        values = [None if np.isnan(c) else self._category_label(int(c)) for c in self._consensus]
        s = pd.Series(values, index=pd.Index(self.item_ids, name="item_id"), name="label", dtype=object)
        for item_id, label in self._adjudicated_map().items():
            if item_id in s.index:
                s[item_id] = label
        return s

    # ------------------------------------------------------------------ adjudication
    def _make_adjudicator(self) -> Any:
        if self.queue.empty:
            return None
        from ..widgets.classify import ClassifyWidget

        ids = self.queue["item_id"].tolist()
        def shown(v: Any) -> Any:  # a label set as the view shows it
            return (", ".join(map(str, v)) or "(none)") if self.multi_label else v

        notes = {i: [*self.descriptions.get(i, []), *(f"{a}: {shown(v)}" for a, v in labels.items())]
                 for i, labels in zip(ids, self.queue["labels"])}
        proposals = {}
        pos = {i: n for n, i in enumerate(self.item_ids)}
        for i in ids:
            c = self._consensus[pos[i]]
            if not np.isnan(c):
                proposals[i] = self._category_label(int(c))
        widget = ClassifyWidget(
            self.items, classes=self.classes, store=self.store, task=self.adjudication_task,
            proposals=proposals, queue=ids, annotator="adjudicator", notes=notes, multi_label=self.multi_label,
            title="Adjudication: most disputed first (notes: every annotator's label; proposal: the consensus)",
            proposal_label="consensus",  # the proposal is the annotators' consensus, not a model's
        )
        widget.autofocus = False
        widget.on_label(lambda _event: self._after_adjudication())
        return widget

    def _after_adjudication(self) -> None:
        adjudicated = self._adjudicated_map()
        self.queue["adjudicated"] = pd.Series([adjudicated.get(i) for i in self.queue["item_id"]], index=self.queue.index, dtype=object)
        self._sync_view()

    def _open_adjudication(self, item_id: Hashable | None) -> int:
        if self.adjudicator is None:
            raise IntentError("no disagreements to adjudicate")
        order = self.adjudicator.order
        if item_id is None:
            position = self.adjudicator._first_open()
        else:
            matches = [n for n, i in enumerate(order) if type(i) is type(item_id) and i == item_id]
            if not matches:
                raise IntentError(f"item {str(item_id)[:60]!r} is not in the disagreement queue")
            position = matches[0]
        self.adjudicator.layout.display = None
        self.adjudicator.position = position
        self.view.adjudicating = True
        return position

    def adjudicate(self, item_id: Hashable | None = None) -> Any:
        """Open adjudication (at ``item_id``, or the first open item); returns the ClassifyWidget."""
        try:
            self._open_adjudication(None if item_id is None else plain(item_id))
        except IntentError as exc:
            raise ValueError(str(exc)) from None
        return self.adjudicator

    # ------------------------------------------------------------------ relations
    @classmethod
    def _of_units(cls, units: Any, kind: str, task: str, kwargs: dict) -> AgreementDashboard:
        for name in ("classes", "descriptions"):
            if name in kwargs:
                raise ValueError(f"{name} is set by {kind}: leave it out")
        if units.items is not None and kwargs.get("items") is None:
            kwargs["items"] = units.items
        dash = cls(units.labels, task=task, classes=units.classes, descriptions=units.descriptions, **kwargs)
        dash.kind, dash.units, dash.pair_agreement, dash._decode = kind, units.units, units.pair_agreement, units.decode
        extra = list(units.extra)
        if kind == "triples":  # the dashboard's alpha gives partial credit to overlapping sets; this one none
            extra.insert(0, {"metric": "Krippendorff's alpha (nominal: the same predicates)",
                             **dash._bootstrap(krippendorff_alpha, dash._codes.T, axis=1)})
        dash.overall = pd.concat([dash.overall, pd.DataFrame(extra, columns=dash.overall.columns)], ignore_index=True)
        dash._sync_view()
        return dash

    @classmethod
    def for_triples(cls, triples: pd.DataFrame, objects: pd.DataFrame | None = None, images: Any = None, *,
                    annotator: str = "annotator", task: str = "triples", predicates: Sequence[str] | None = None,
                    **kwargs: Any) -> AgreementDashboard:
        """Agreement on scene-graph triples (columns item, subject, predicate, object and
        ``annotator``), adjudicated pair by pair.

        Each candidate (item, subject, object) pair is one unit (``metrics.triple_units``: with
        ``objects`` (item, object[, class, x, y, w, h]) every ordered pair of the item's objects, else
        every pair some annotator related; object ids are shared by the annotators), its label the
        list of predicates the annotator gave it (``["none"]``: none; "none" is a class, so the
        adjudicator can pick it). Unit ids read ``"3: o1 → o2"``. The
        metrics are the dashboard's multi-label ones (alpha with ``set_distance``), plus alpha with
        the sets compared whole (nominal) and the mean triple F1 over annotator pairs
        (``pair_agreement`` = ``metrics.triple_agreement_table``). The adjudicator picks the pair's
        predicates, or "none" ("none" picked with predicates counts as those predicates); with ``images`` (``images[item]``: (H, W, 3) uint8) each
        disputed pair shows its item's image with the subject's box in black and the object's in
        magenta (needs boxes in ``objects``). ``predicates``: the classes offered (default: those
        given; "none" is refused as a predicate). Other keyword arguments go to ``AgreementDashboard``.
        ``adjudicated_units`` reads the adjudications back (item, subject, object, predicates: a list,
        empty for none).

        Example:
            >>> df = pd.DataFrame({"item": 0, "subject": "o1", "object": "o2", "annotator": ["ann", "bob"],
            ...                    "predicate": ["left of", "above"]})
            >>> dash = AgreementDashboard.for_triples(df, n_boot=20)
            >>> dash.queue[["item_id", "labels"]].values.tolist()
            [['0: o1 → o2', {'ann': ['left of'], 'bob': ['above']}]]
            >>> dash.adjudicate().record_label("0: o1 → o2", ["left of"]) > 0
            True
            >>> dash.adjudicated_units[["item", "subject", "object", "predicates"]].values.tolist()
            [[0, 'o1', 'o2', ['left of']]]
        """
        from .agreement_units import triple_units_for_dashboard

        units = triple_units_for_dashboard(triples, objects, images, annotator, None if predicates is None else list(predicates))
        kwargs.setdefault("title", "Agreement on relation triples")
        return cls._of_units(units, "triples", task, kwargs)

    @classmethod
    def for_links(cls, links: pd.DataFrame, *, annotator: str = "annotator", task: str = "links", iou_threshold: float = 0.5,
                  **kwargs: Any) -> AgreementDashboard:
        """Agreement on mention-region links (``CoreferenceLinker.all_links()``: columns item, start,
        end, region (None: no visual referent), ``annotator``, and optionally text, box).

        Each mention (item, start, end) is one unit, its label the region linked ("none": no visual
        referent); an annotator who did not link a mention has no label for it. Regions are compared
        as ``metrics.link_agreement`` does: on an item, two referents are the same region when their
        boxes have IoU >= ``iou_threshold`` (regions each annotator drew, "d1", ...), or the same id
        where a box is missing; such a group takes a given region's id (else its smallest). Unit ids
        read ``'3: “the circle” [10, 20)'``. Adds the mean link F1 over annotator pairs
        (``pair_agreement`` = ``metrics.link_agreement_table``). ``adjudicated_units``: item, start,
        end, region.
        """
        from .agreement_units import link_units_for_dashboard

        units = link_units_for_dashboard(links, annotator, iou_threshold)
        kwargs.setdefault("title", "Agreement on mention-region links")
        return cls._of_units(units, "links", task, kwargs)

    @classmethod
    def for_first_errors(cls, steps: pd.DataFrame, *, task: str = "first_errors", **kwargs: Any) -> AgreementDashboard:
        """Agreement on where each reasoning chain's first error is (``ReasoningChainReview.steps``
        of every annotator, concatenated: item_id, model, step, verdict, reviewed, annotator[, text]).

        Each chain (item_id, model) that every annotator reviewed is one unit
        (``metrics.first_error_table``), its label "step k" (1-based) or "no error". Unit ids read
        ``"3 / model_a"``; the adjudicator's notes list the chain's steps. Adds
        ``metrics.first_error_agreement``'s exact and within-one-step agreement with bootstrap CIs;
        ``pair_agreement`` has both per annotator pair. ``adjudicated_units``: item, model,
        first_error (0-based step, or None).
        """
        from .agreement_units import first_error_units_for_dashboard

        units = first_error_units_for_dashboard(steps, int(kwargs.get("n_boot", 500)), float(kwargs.get("level", 0.95)),
                                                kwargs.get("seed", 0))
        kwargs.setdefault("title", "Agreement on first-error positions")
        return cls._of_units(units, "first_errors", task, kwargs)

    @property
    def adjudicated_units(self) -> pd.DataFrame:
        """The adjudications of a ``for_triples`` / ``for_links`` / ``for_first_errors`` dashboard,
        one row per adjudicated unit: item_id (the unit id), the unit's keys, label, and the answer
        read back (triples: predicates; links: region; first errors: first_error)."""
        if self.units is None:
            raise ValueError("adjudicated_units is for dashboards made by for_triples, for_links or for_first_errors")
        adj = self._adjudicated_map()
        rows = []
        for unit in self.units.to_dict("records"):
            if unit["item_id"] in adj:
                label = adj[unit["item_id"]]
                rows.append({**unit, "label": label, **self._decode(label)})
        answer = {"triples": ["predicates"], "links": ["region"], "first_errors": ["first_error"]}[self.kind]
        df = pd.DataFrame(rows, columns=[*self.units.columns, "label", *answer])
        for c in ("label", *answer):  # None stays None (no region, no error), never NaN
            df[c] = pd.Series([r.get(c) for r in rows], index=df.index, dtype=object)
        return df

    # ------------------------------------------------------------------ view
    def _sync_view(self) -> None:
        v = self.view
        v.overall = [{k: (_finite(r[k]) if k != "metric" else r[k]) for k in r} for r in self.overall.to_dict("records")]
        v.annotators = self.annotators
        v.pairwise = [[_finite(x) for x in row] for row in self.pairwise.to_numpy()]
        v.pair_counts = self.pair_counts.tolist()
        v.per_annotator = [
            {"annotator": r["annotator"], "n": int(r["n"]), "agreement": _finite(r["agreement"]),
             "accuracy": _finite(r["accuracy"]), "flagged": bool(r["flagged"])}
            for r in self.per_annotator.to_dict("records")
        ]
        v.per_class = [{"class": c, "agreement": _finite(a), "n": int(n)} for c, a, n in self.per_class.itertuples(index=False)]
        head = self.queue.head(MAX_QUEUE_SHOWN)
        v.queue = [
            {"item_id": i, "disagreement": float(d), "labels": [f"{a}: {lab}" for a, lab in labels.items()],
             "pairs": [[a, lab] for a, lab in labels.items()],  # the view isolates each one (right-to-left text)
             "adjudicated": None if is_missing(adj) else plain(adj)}
            for i, d, labels, adj in zip(head["item_id"], head["disagreement"], head["labels"], head["adjudicated"])
        ]
        v.n_queue = len(self.queue)
        v.n_items = len(self.item_ids)
