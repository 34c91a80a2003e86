"""Scene-graph metrics: recall@K and precision of predicted relation triples, agreement between two
annotators' triples, the table over every pair, and Krippendorff's alpha on triples (pure numpy /
pandas / scipy; no widget imports).

A triple is a row ``(item, subject, predicate, object)`` of a DataFrame: ``subject`` and ``object``
are object ids of the item (e.g. "o1"), ``predicate`` a string ("left of"). Two triples match when
they are on the same item with the same predicate and

  * the same subject and object ids (the default: both sides name the same objects), or
  * — when each side drew its own boxes (give both sides' ``objects``: item, object, class, x, y,
    w, h) — subjects of the same class whose boxes have IoU >= ``iou_threshold``, and likewise the
    objects. Matching is then one-to-one per item (the most matched pairs, ties broken by the summed
    IoU; ``scipy.optimize.linear_sum_assignment``), so one triple never counts twice.

Ids, predicates and classes compare by value: item ``1`` of an int column is ``1.0`` of a float one.
Values that read alike but are of other types never match (``True`` is not ``1``, ``"1"`` is not
``1``), so a column holding both — in one table or across the two compared, e.g. one side read from
a CSV — is refused naming the two values (:func:`hitl_widgets.coerce.refuse_lookalikes`), not counted as a miss.

Bad input raises ``ValueError`` naming the item: a missing column, a missing subject / predicate /
object, a triple relating an object to itself or stated twice by one side, a missing or infinite
score, an object id the side's ``objects`` lack, a NaN or negative box, no triples at all, values
that read alike but differ in type.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..coerce import is_missing, plain, refuse_lookalikes, same_label
from .agreement import SET_LEVELS, alpha_from_codes, set_distances
from .geometry import box_iou

__all__ = [
    "TripleAgreement",
    "triple_agreement",
    "triple_agreement_table",
    "triple_alpha",
    "triple_precision",
    "triple_recall_at_k",
    "triple_units",
]

TRIPLE_COLUMNS = ["item", "subject", "predicate", "object"]
OBJECT_COLUMNS = ["item", "object", "class", "x", "y", "w", "h"]
_Objects = dict[tuple[Hashable, Hashable], tuple[Any, np.ndarray]]  # (item, object) -> (class, box)


def _columns(df: Any, needed: list[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame with columns {', '.join(needed)}, not {type(df).__name__}")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs columns {', '.join(needed)}; missing {missing}")


def _triples(df: Any, what: str, score: bool = False, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """The triples of ``df`` checked and as plain values (item, subject, predicate, object[, score])."""
    _columns(df, [*TRIPLE_COLUMNS, *(["score"] if score else []), *extra], what)
    if df.empty:
        raise ValueError(f"{what} has no triples")
    cols = [*TRIPLE_COLUMNS, *(["score"] if score else []), *extra]
    out = df[cols].reset_index(drop=True).copy()
    for c in (*TRIPLE_COLUMNS, *extra):
        out[c] = pd.Series([plain(v) for v in out[c]], dtype=object)
    _refuse_triple_lookalikes([(what, out)], ids=True, extra=extra)  # before the checks below compare them
    for n, row in enumerate(out.itertuples(index=False)):
        item = row[0]
        if is_missing(item):
            raise ValueError(f"{what}: row {n} has no item")
        for c, v in [*zip(cols[1:4], row[1:4]), *zip(extra, row[len(cols) - len(extra):])]:
            if is_missing(v):  # a missing annotator never equals itself: its triples would drop out of every pair
                raise ValueError(f"{what}: item {item!r}, row {n}: the {c} is missing")
        if row[1] == row[3]:
            raise ValueError(f"{what}: item {item!r}: triple ({row[1]!r}, {row[2]!r}, {row[3]!r}) relates an object to itself")
        if score:
            s = plain(row[4])
            if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s):
                raise ValueError(f"{what}: item {item!r}: triple ({row[1]!r}, {row[2]!r}, {row[3]!r}) has score {s!r}: scores must be finite numbers")
    keys = [*TRIPLE_COLUMNS, *extra]
    dup = out.duplicated(keys)
    if dup.any():
        r = out[dup].iloc[0]
        who = f", annotator {r[extra[0]]!r}" if extra else ""
        raise ValueError(f"{what}: item {r['item']!r}{who} states triple ({r['subject']!r}, {r['predicate']!r}, {r['object']!r}) twice")
    if score:
        out["score"] = out["score"].astype(float)
    return out


def _refuse_triple_lookalikes(tables: Sequence[tuple[str, pd.DataFrame]], ids: bool, extra: tuple[str, ...] = ()) -> None:
    """``refuse_lookalikes`` on the columns of triples compared across ``tables``: item, predicate,
    the object ids (subject and object, one id space) when ``ids``, and ``extra``."""
    refuse_lookalikes("item", [(n, t["item"]) for n, t in tables])
    refuse_lookalikes("predicate", [(n, t["predicate"]) for n, t in tables])
    if ids:
        refuse_lookalikes("object id", [(n, t[c]) for n, t in tables for c in ("subject", "object")])
    for c in extra:
        refuse_lookalikes(c, [(n, t[c]) for n, t in tables])


def _objects(df: Any, what: str, extra: tuple[str, ...] = ()) -> dict[Any, _Objects]:
    """(extra key or None) -> {(item, object): (class, (x, y, w, h))}, checked."""
    _columns(df, [*OBJECT_COLUMNS, *extra], what)
    for c in ("item", "object", "class", *extra):
        refuse_lookalikes(c if c != "object" else "object id", [(what, df[c])])
    out: dict[Any, _Objects] = {}
    for r in df.to_dict("records"):
        item, obj = plain(r["item"]), plain(r["object"])
        key = plain(r[extra[0]]) if extra else None
        try:
            box = np.array([float(r[c]) for c in ("x", "y", "w", "h")])
        except (TypeError, ValueError):
            box = np.full(4, np.nan)
        if not np.isfinite(box).all() or (box[2:] < 0).any():
            raise ValueError(f"{what}: item {item!r}, object {obj!r}: box {[r[c] for c in ('x', 'y', 'w', 'h')]} needs finite x, y and w, h >= 0")
        if is_missing(r["class"]):
            raise ValueError(f"{what}: item {item!r}, object {obj!r} has no class")
        mine = out.setdefault(key, {})
        if (item, obj) in mine:
            raise ValueError(f"{what}: item {item!r} has object {obj!r} twice")
        mine[(item, obj)] = (plain(r["class"]), box)
    return out


def _both(objects: Any, reference_objects: Any) -> bool:
    if (objects is None) != (reference_objects is None):
        raise ValueError("give the objects of both sides (matching by boxes) or of neither (matching by object ids)")
    return objects is not None


def _check_known(t: pd.DataFrame, objs: _Objects, what: str) -> None:
    for item, s, o in zip(t["item"], t["subject"], t["object"]):
        for obj in (s, o):
            if (item, obj) not in objs:
                raise ValueError(f"{what}: item {item!r}: object {obj!r} is not among its objects")


def _count_matches(a: pd.DataFrame, b: pd.DataFrame, objs_a: _Objects | None, objs_b: _Objects | None,
                   iou_threshold: float) -> dict[Hashable, int]:
    """Per item of ``a`` or ``b``: the number of one-to-one matched triples."""
    counts: dict[Hashable, int] = {}
    if objs_a is None or objs_b is None:
        keys_b = set(b[TRIPLE_COLUMNS].itertuples(index=False, name=None))
        for t in a[TRIPLE_COLUMNS].itertuples(index=False, name=None):
            if t in keys_b:
                counts[t[0]] = counts.get(t[0], 0) + 1
        return counts
    groups_b = {k: g for k, g in b.groupby(["item", "predicate"], sort=False)}
    for key, ga in a.groupby(["item", "predicate"], sort=False):
        gb = groups_b.get(key)
        if gb is None:
            continue
        item = key[0]

        def side(g: pd.DataFrame, objs: _Objects, col: str, item: Hashable = item) -> tuple[list, np.ndarray]:
            found = [objs[(item, v)] for v in g[col]]
            return [c for c, _ in found], np.array([box for _, box in found]).reshape(-1, 4)

        (cs_a, bs_a), (cs_b, bs_b) = side(ga, objs_a, "subject"), side(gb, objs_b, "subject")
        (co_a, bo_a), (co_b, bo_b) = side(ga, objs_a, "object"), side(gb, objs_b, "object")
        iou_s, iou_o = box_iou(bs_a, bs_b), box_iou(bo_a, bo_b)
        same = np.array([[same_label(x, y) for y in cs_b] for x in cs_a]).reshape(len(ga), len(gb))
        same &= np.array([[same_label(x, y) for y in co_b] for x in co_a]).reshape(len(ga), len(gb))
        allowed = same & (iou_s >= iou_threshold) & (iou_o >= iou_threshold)
        if not allowed.any():
            continue
        bonus = (iou_s + iou_o) / 2 / (min(allowed.shape) + 1.0)  # summed < 1: never trades away a match
        rows, cols = linear_sum_assignment(np.where(allowed, 1.0 + bonus, 0.0), maximize=True)
        counts[item] = counts.get(item, 0) + int(allowed[rows, cols].sum())
    return counts


def _prepare(predicted: Any, reference: Any, objects: Any, reference_objects: Any, iou_threshold: float,
             score: bool, names: tuple[str, str] = ("predicted", "reference")) -> tuple[pd.DataFrame, pd.DataFrame, _Objects | None, _Objects | None]:
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in (0, 1], got {iou_threshold}")
    by_box = _both(objects, reference_objects)
    p = _triples(predicted, names[0], score=score)
    r = _triples(reference, names[1])
    # ids are compared across the sides only when matching by ids; with boxes, each side's ids name its own objects
    _refuse_triple_lookalikes([(names[0], p), (names[1], r)], ids=not by_box)
    objs_p = objs_r = None
    if by_box:
        what_p = f"{names[0]} objects" if names[0] != "predicted" else "objects"
        what_r = f"{names[1]} objects" if names[1] != "reference" else "reference_objects"
        objs_p, objs_r = _objects(objects, what_p).get(None, {}), _objects(reference_objects, what_r).get(None, {})
        refuse_lookalikes("item", [(names[0], p["item"]), (names[1], r["item"]), (what_p, objects["item"]),
                                   (what_r, reference_objects["item"])])
        refuse_lookalikes("class", [(what_p, objects["class"]), (what_r, reference_objects["class"])])
        for t, what, objs, what_o in ((p, names[0], objects, what_p), (r, names[1], reference_objects, what_r)):
            refuse_lookalikes("object id", [(what, t["subject"]), (what, t["object"]), (what_o, objs["object"])])
        _check_known(p, objs_p, names[0])
        _check_known(r, objs_r, names[1])
    return p, r, objs_p, objs_r


def _top_k(p: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """Per item, the ``k`` highest scored triples (ties: the earlier row first)."""
    if k is None:
        return p
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    order = p.assign(_row=np.arange(len(p))).sort_values(["score", "_row"], ascending=[False, True], kind="stable")
    return order.groupby("item", sort=False).head(int(k)).drop(columns="_row")


def triple_recall_at_k(predicted: pd.DataFrame, reference: pd.DataFrame, k: int, *, objects: pd.DataFrame | None = None,
                       reference_objects: pd.DataFrame | None = None, iou_threshold: float = 0.5,
                       per_item: bool = False) -> float | pd.Series:
    """Recall@K of scene-graph triples: for each item with reference triples, the share of them
    matched by the item's ``k`` highest-scored predicted triples (ties: the earlier row first); then
    the mean over those items (``per_item=True``: the Series of per-item recalls, indexed by item).

    ``predicted``: item, subject, predicate, object, score; ``reference``: item, subject, predicate,
    object. Matching by object ids, or by boxes when ``objects`` (the predicted side's) and
    ``reference_objects`` are given (see the module). An item with reference triples and no
    prediction has recall 0; predictions on items without reference triples do not count here.

    Example:
        >>> ref = pd.DataFrame({"item": 0, "subject": ["o1", "o2"], "predicate": ["left of", "right of"],
        ...                     "object": ["o2", "o1"]})
        >>> pred = pd.DataFrame({"item": 0, "subject": ["o1", "o1", "o2"], "predicate": ["above", "left of", "right of"],
        ...                      "object": ["o2", "o2", "o1"], "score": [0.9, 0.8, 0.1]})
        >>> triple_recall_at_k(pred, ref, k=2), triple_recall_at_k(pred, ref, k=3)
        (0.5, 1.0)
    """
    p, r, objs_p, objs_r = _prepare(predicted, reference, objects, reference_objects, iou_threshold, score=True)
    top = _top_k(p, k)
    matched = _count_matches(top, r, objs_p, objs_r, iou_threshold)
    n_ref = r.groupby("item", sort=False).size()
    recall = pd.Series([matched.get(i, 0) / n for i, n in n_ref.items()], index=n_ref.index, name="recall", dtype=float)
    return recall if per_item else float(recall.mean())


def triple_precision(predicted: pd.DataFrame, reference: pd.DataFrame, k: int | None = None, *,
                     objects: pd.DataFrame | None = None, reference_objects: pd.DataFrame | None = None,
                     iou_threshold: float = 0.5) -> float:
    """Precision of predicted triples: matched / predicted, pooled over all items (with ``k``: over
    each item's ``k`` highest-scored triples, which then needs a ``score`` column). A predicted
    triple on an item without reference triples is unmatched. Matching as in the module.

    Example:
        >>> ref = pd.DataFrame({"item": [0, 1], "subject": "o1", "predicate": "above", "object": "o2"})
        >>> pred = pd.DataFrame({"item": [0, 0, 1], "subject": "o1", "predicate": ["above", "below", "above"],
        ...                      "object": "o2", "score": [0.3, 0.9, 0.5]})
        >>> triple_precision(pred, ref), triple_precision(pred, ref, k=1)
        (0.6666666666666666, 0.5)
    """
    p, r, objs_p, objs_r = _prepare(predicted, reference, objects, reference_objects, iou_threshold, score=k is not None)
    top = _top_k(p, k)
    return sum(_count_matches(top, r, objs_p, objs_r, iou_threshold).values()) / len(top)


class TripleAgreement(NamedTuple):
    """Agreement of triples ``a`` against ``b`` (the reference): precision = n_match / n_a,
    recall = n_match / n_b, F1 = 2 n_match / (n_a + n_b)."""

    n_a: int
    n_b: int
    n_match: int
    precision: float
    recall: float
    f1: float


def triple_agreement(a: pd.DataFrame, b: pd.DataFrame, iou_threshold: float = 0.5, *,
                     objects_a: pd.DataFrame | None = None, objects_b: pd.DataFrame | None = None) -> TripleAgreement:
    """F1, precision and recall between two annotators' triples (one-to-one matching, see the
    module): by object ids, or by boxes when both ``objects_a`` and ``objects_b`` are given. Every
    item of either side counts (``triple_agreement_table`` keeps the items both annotated).

    Example:
        >>> a = pd.DataFrame({"item": 0, "subject": ["o1", "o1"], "predicate": ["left of", "above"], "object": "o2"})
        >>> b = pd.DataFrame({"item": 0, "subject": ["o1"], "predicate": ["left of"], "object": "o2"})
        >>> triple_agreement(a, b)
        TripleAgreement(n_a=2, n_b=1, n_match=1, precision=0.5, recall=1.0, f1=0.6666666666666666)
    """
    ta, tb, oa, ob = _prepare(a, b, objects_a, objects_b, iou_threshold, score=False, names=("a", "b"))
    n = sum(_count_matches(ta, tb, oa, ob, iou_threshold).values())
    return TripleAgreement(len(ta), len(tb), n, n / len(ta), n / len(tb), 2 * n / (len(ta) + len(tb)))


def triple_agreement_table(triples: pd.DataFrame, annotator: str = "annotator", *, objects: pd.DataFrame | None = None,
                           iou_threshold: float = 0.5) -> pd.DataFrame:
    """``triple_agreement`` for every pair of annotators (column ``annotator``), over the items both
    annotated (have at least one triple on). With ``objects`` holding an ``annotator`` column, each
    annotator's own objects are matched by boxes; with ``objects`` without one, both use the same.
    Columns: annotator_a, annotator_b, n_items, n_a, n_b, n_match, precision, recall, f1 (annotators
    in sorted order; a pair with no item in common has n_items 0 and NaN ratios).

    Example:
        >>> df = pd.DataFrame({"item": 0, "subject": "o1", "predicate": ["left of", "left of", "above"],
        ...                    "object": "o2", "annotator": ["ann", "bob", "bob"]})
        >>> triple_agreement_table(df)[["annotator_a", "annotator_b", "n_match", "f1"]].values.tolist()
        [['ann', 'bob', 1, 0.6666666666666666]]
    """
    t = _triples(triples, "triples", extra=(annotator,))
    per_annotator = objects is not None and annotator in objects.columns
    objs: dict[Any, _Objects] | None = None
    if objects is not None:
        objs = _objects(objects, "objects", extra=(annotator,) if per_annotator else ())
        _refuse_object_lookalikes(t, objects, annotator if per_annotator else None)
    names = sorted(t[annotator].unique().tolist(), key=str)
    rows = []
    for x, y in itertools.combinations(names, 2):
        ta, tb = t[t[annotator] == x], t[t[annotator] == y]
        items = set(ta["item"]) & set(tb["item"])
        if not items:
            rows.append((x, y, 0, 0, 0, 0, math.nan, math.nan, math.nan))
            continue
        ta, tb = ta[ta["item"].isin(items)], tb[tb["item"].isin(items)]
        oa = ob = None
        if objs is not None:
            oa, ob = (objs.get(x, {}), objs.get(y, {})) if per_annotator else (objs.get(None, {}), objs.get(None, {}))
            _check_known(ta, oa, f"annotator {x!r}")
            _check_known(tb, ob, f"annotator {y!r}")
        n = sum(_count_matches(ta, tb, oa, ob, iou_threshold).values())
        rows.append((x, y, len(items), len(ta), len(tb), n, n / len(ta), n / len(tb), 2 * n / (len(ta) + len(tb))))
    return pd.DataFrame(rows, columns=["annotator_a", "annotator_b", "n_items", "n_a", "n_b", "n_match", "precision", "recall", "f1"])


def _refuse_object_lookalikes(t: pd.DataFrame, objects: pd.DataFrame, annotator: str | None) -> None:
    """``refuse_lookalikes`` between the triples ``t`` and the ``objects`` they name."""
    refuse_lookalikes("item", [("triples", t["item"]), ("objects", objects["item"])])
    refuse_lookalikes("object id", [("triples", t["subject"]), ("triples", t["object"]), ("objects", objects["object"])])
    if annotator is not None:
        refuse_lookalikes(annotator, [("triples", t[annotator]), ("objects", objects[annotator])])


def _sort_key(v: Any) -> tuple[str, str]:
    return (type(v).__name__, str(v))


def triple_units(triples: pd.DataFrame, annotator: str = "annotator", *, objects: pd.DataFrame | None = None) -> pd.DataFrame:
    """The units of agreement on triples: one row per candidate (item, subject, object) pair and
    annotator who annotated the item, with the predicates that annotator gave the pair (a sorted
    tuple; empty: "none").

    Candidate pairs: every ordered pair of two different objects of the item in ``objects`` (item,
    object; ids shared by all annotators) when given, else every pair some annotator related. An
    annotator annotated an item when they gave at least one triple on it; on the items they did not
    annotate they have no row (missing, not "none"). Columns: item, subject, object, annotator,
    predicates.

    Example:
        >>> df = pd.DataFrame({"item": 0, "subject": "o1", "predicate": ["left of", "above", "left of"],
        ...                    "object": "o2", "annotator": ["ann", "ann", "bob"]})
        >>> triple_units(df).values.tolist()
        [[0, 'o1', 'o2', 'ann', ('above', 'left of')], [0, 'o1', 'o2', 'bob', ('left of',)]]
    """
    t = _triples(triples, "triples", extra=(annotator,))
    given: dict[tuple, list] = {}
    for item, s, p, o, a in t[[*TRIPLE_COLUMNS, annotator]].itertuples(index=False, name=None):
        given.setdefault((item, s, o, a), []).append(p)
    rated: dict[Hashable, list] = {}
    for item, a in t[["item", annotator]].drop_duplicates().itertuples(index=False, name=None):
        rated.setdefault(item, []).append(a)
    if objects is not None:
        _columns(objects, ["item", "object"], "objects")
        if annotator in objects.columns:
            raise ValueError(f"objects has an {annotator!r} column: the units need object ids shared by the annotators "
                             "(annotators' own boxes are compared by triple_agreement_table)")
        _refuse_object_lookalikes(t, objects, None)
        ids: dict[Hashable, list] = {}
        for item, obj in zip(objects["item"], objects["object"]):
            mine = ids.setdefault(plain(item), [])
            if plain(obj) in mine:  # each unit would be counted twice
                raise ValueError(f"objects: item {plain(item)!r} has object {plain(obj)!r} twice")
            mine.append(plain(obj))
        for item, s, o in t[["item", "subject", "object"]].itertuples(index=False, name=None):
            for obj in (s, o):
                if obj not in ids.get(item, []):
                    raise ValueError(f"triples: item {item!r}: object {obj!r} is not among its objects")
        pairs = {item: [(s, o) for s in ids[item] for o in ids[item] if s != o] for item in rated}
    else:
        pairs = {}
        for item, s, o in t[["item", "subject", "object"]].drop_duplicates().itertuples(index=False, name=None):
            pairs.setdefault(item, []).append((s, o))
    rows = []
    for item in sorted(rated, key=_sort_key):
        for s, o in sorted(pairs[item], key=lambda so: (_sort_key(so[0]), _sort_key(so[1]))):
            for a in sorted(rated[item], key=str):
                rows.append((item, s, o, a, tuple(sorted(given.get((item, s, o, a), []), key=str))))
    return pd.DataFrame(rows, columns=["item", "subject", "object", annotator, "predicates"])


def triple_alpha(triples: pd.DataFrame, annotator: str = "annotator", *, objects: pd.DataFrame | None = None,
                 level: Literal["nominal", "jaccard", "masi"] = "nominal") -> float:
    """Krippendorff's alpha on triples: each candidate (item, subject, object) pair is a unit
    (``triple_units``), each annotator's value the predicate they gave it, or "none". An annotator
    who gave a pair several predicates gives it that set; ``level`` "nominal" counts two values as
    agreeing only when equal (the set as one category), "jaccard" / "masi" give partial credit for
    overlapping sets (``metrics.set_distance``; "none" is the empty set). Computed by
    ``metrics.alpha_from_codes`` over the coincidence matrix. Raises ``ValueError`` when no unit has
    two annotators, or every value is the same.

    Example:
        >>> df = pd.DataFrame({"item": [0, 0, 1, 1, 2], "subject": "o1", "object": "o2",
        ...                    "predicate": ["left of", "left of", "above", "below", "above"],
        ...                    "annotator": ["ann", "bob", "ann", "bob", "ann"]})
        >>> triple_alpha(df)  # 1 - (n - 1) D_o / D_e = 1 - 3 * 2 / (4**2 - 2**2 - 1 - 1); item 2: one annotator
        0.4
    """
    if level not in ("nominal", *SET_LEVELS):
        raise ValueError(f"level must be 'nominal', 'jaccard' or 'masi', not {level!r}")
    units = triple_units(triples, annotator, objects=objects)
    keys = list(dict.fromkeys(zip(units["item"], units["subject"], units["object"])))
    col = {k: n for n, k in enumerate(keys)}
    names = sorted(units[annotator].unique().tolist(), key=str)
    row = {a: n for n, a in enumerate(names)}
    values = [frozenset(p) for p in units["predicates"]]
    categories = sorted(set(values), key=lambda s: (len(s), sorted(s, key=str)))
    code = {c: n for n, c in enumerate(categories)}
    codes = np.full((len(names), len(keys)), -1, dtype=np.intp)
    for (item, s, o, a), v in zip(units[["item", "subject", "object", annotator]].itertuples(index=False, name=None), values):
        codes[row[a], col[(item, s, o)]] = code[v]
    if level == "nominal":
        delta = 1.0 - np.eye(len(categories))
    else:
        delta = set_distances(categories, level)
    return alpha_from_codes(codes, delta)
