"""Agreement on mention-region links (coreference grounding): precision, recall and F1 between two
annotators, and the table over every pair (pure functions; no widget imports).

A link is (item, start, end, region, box): a mention (character span of the item's caption) and the
region it refers to (an id, or None: no visual referent), with the region's box (x, y, w, h) when
it has one. ``CoreferenceLinker.links`` has exactly these columns.

Two links match when they are on the same item and the same mention, and point to the same thing:
both "no visual referent", or, when both links have a box, boxes with IoU >= ``iou_threshold``
(whatever their ids: ``CoreferenceLinker`` names each annotator's drawn boxes "d1", "d2", ... so
two annotators' "d1" may be different regions), else (a box missing) the same region id. Each
annotator links a mention at most once, so matching is one-to-one by mention: F1 = 2 * matches /
(n_a + n_b); precision = matches / n_a and recall = matches / n_b, taking ``b`` as the reference.
``mention_f1`` is the same count over the spans alone (did both find the mention, whatever they
linked it to).

Bad input raises ``ValueError`` naming the row: a missing item, an offset that is missing or not a
whole number (``0.9`` is not character 0), an empty or negative span, a box that is not four finite
numbers with w, h >= 0, a mention linked twice; or naming two item or region ids that read alike
but never match (``1`` and ``"1"``, ``True`` and ``1``: ``coerce.refuse_lookalikes``).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Hashable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..coerce import is_missing, plain, refuse_lookalikes
from .geometry import box_iou

__all__ = ["LinkAgreement", "link_agreement", "link_agreement_table"]

_Key = tuple[Hashable, int, int]  # (item, start, end): a mention
_Link = tuple[Any, Any]  # (region or None, box (x, y, w, h) or None)


class LinkAgreement(NamedTuple):
    """Agreement between two sets of links (``b`` the reference)."""

    n_a: int
    n_b: int
    n_match: int  # same mention, same referent
    n_mention: int  # same mention, whatever the referent
    precision: float
    recall: float
    f1: float
    mention_f1: float


def _offsets(values: list, what: str, name: str) -> list[int]:
    if all(type(v) is int for v in values):  # the common case: a DataFrame of ints gives them
        return values
    out = []
    for n, value in enumerate(values):
        v = plain(value)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or is_missing(v) or not math.isfinite(v) or v != int(v):
            raise ValueError(f"{what}: row {n}: {name} {v!r} is not a character offset (a whole number)")
        out.append(int(v))
    return out


def _box_ok(value: Any) -> bool:
    try:
        box = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return box.shape == (4,) and bool(np.isfinite(box).all()) and bool((box[2:] >= 0).all())


def _boxes(values: list, what: str) -> list[tuple[float, ...] | None]:
    """Each box as (x, y, w, h) floats, or None (no box), checked: four finite numbers, w, h >= 0."""
    out: list[tuple[float, ...] | None] = [
        None if v is None or (not isinstance(v, (tuple, list, np.ndarray)) and is_missing(v)) else v for v in values]
    given = [n for n, v in enumerate(out) if v is not None]
    try:  # all at once; one by one only to name a bad one
        arr = np.array([out[n] for n in given], dtype=np.float64) if given else np.zeros((0, 4))
        if arr.shape != (len(given), 4):
            raise ValueError
        ok = np.isfinite(arr).all(axis=1) & (arr[:, 2:] >= 0).all(axis=1)
    except (TypeError, ValueError):
        ok = np.array([_box_ok(out[n]) for n in given], dtype=bool)
    if not ok.all():
        n = given[int(np.argmin(ok))]
        raise ValueError(f"{what}: row {n}: box {values[n]!r} is not (x, y, w, h): four finite numbers, w and h >= 0")
    for k, n in enumerate(given):
        out[n] = tuple(arr[k].tolist())
    return out


def _links(links: Any, what: str) -> list[tuple[_Key, _Link]]:
    """Each row as ((item, start, end), (region or None, box or None)), checked."""
    if isinstance(links, pd.DataFrame):
        missing = {"item", "start", "end", "region"} - set(links.columns)
        if missing:
            raise ValueError(f"{what}: a links DataFrame needs columns item, start, end, region (and box); missing {sorted(missing)}")
        cols = [links[c].tolist() if c in links.columns else [None] * len(links) for c in ("item", "start", "end", "region", "box")]
    else:
        rows = [tuple(r) for r in links]
        for n, r in enumerate(rows):
            if len(r) not in (4, 5):
                raise ValueError(f"{what}: row {n} is not (item, start, end, region[, box]): {r!r}")
        cols = [[r[k] if k < len(r) else None for r in rows] for k in range(5)]
    items = [plain(v) for v in cols[0]]
    for n, item in enumerate(items):
        if is_missing(item):
            raise ValueError(f"{what}: row {n} has no item")
    starts, ends = _offsets(cols[1], what, "start"), _offsets(cols[2], what, "end")
    for n, (item, start, end) in enumerate(zip(items, starts, ends)):
        if start < 0 or end <= start:
            raise ValueError(f"{what}: item {item!r}, row {n}: the mention [{start}, {end}) is empty or negative")
    regions = [None if r is None or is_missing(r) else plain(r) for r in cols[3]]
    return list(zip(zip(items, starts, ends), zip(regions, _boxes(cols[4], what))))


def _by_mention(rows: list[tuple[_Key, _Link]], what: str) -> dict[_Key, _Link]:
    out: dict[_Key, _Link] = {}
    for n, (key, link) in enumerate(rows):
        if key in out:
            raise ValueError(f"{what}: mention {key} is linked twice (row {n}): one annotator links a mention once")
        out[key] = link
    return out


def _n_match(la: dict[_Key, _Link], lb: dict[_Key, _Link], common: set[_Key], iou_threshold: float) -> int:
    """The mentions of ``common`` whose links point to the same thing (see the module)."""
    n, boxes_a, boxes_b = 0, [], []
    for key in common:
        (ra, ba), (rb, bb) = la[key], lb[key]
        if ra is None or rb is None:
            n += ra is None and rb is None
        elif ba is not None and bb is not None:  # boxes decide: two annotators' "d1" may be two regions
            boxes_a.append(ba)
            boxes_b.append(bb)
        else:
            n += ra == rb
    for k in range(0, len(boxes_a), 256):  # pairwise IoU, in blocks: the diagonal of each block's matrix
        n += int((np.diagonal(box_iou(boxes_a[k : k + 256], boxes_b[k : k + 256])) >= iou_threshold).sum())
    return n


def link_agreement(a: Any, b: Any, iou_threshold: float = 0.5) -> LinkAgreement:
    """Precision, recall and F1 of the links ``a`` against ``b`` (see the module's docstring).

    ``a`` / ``b``: DataFrames with columns item, start, end, region (and box), or iterables of
    ``(item, start, end, region[, box])``. F1 is NaN when neither has a link.

    Example:
        >>> a = [(0, 0, 5, "r1"), (0, 10, 12, "r1"), (0, 20, 25, None)]
        >>> b = [(0, 0, 5, "r1"), (0, 10, 12, "r2")]
        >>> link_agreement(a, b)
        LinkAgreement(n_a=3, n_b=2, n_match=1, n_mention=2, precision=0.3333333333333333, recall=0.5, f1=0.4, mention_f1=0.8)
    """
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be in (0, 1], got {iou_threshold}")
    rows_a, rows_b = _links(a, "a"), _links(b, "b")
    refuse_lookalikes("item", [("a", [k[0] for k, _ in rows_a]), ("b", [k[0] for k, _ in rows_b])])
    refuse_lookalikes("region", [("a", [v[0] for _, v in rows_a]), ("b", [v[0] for _, v in rows_b])])
    la, lb = _by_mention(rows_a, "a"), _by_mention(rows_b, "b")
    common = la.keys() & lb.keys()
    n_match = _n_match(la, lb, common, iou_threshold)
    n_a, n_b = len(la), len(lb)
    total = n_a + n_b
    return LinkAgreement(
        n_a, n_b, n_match, len(common),
        n_match / n_a if n_a else math.nan,
        n_match / n_b if n_b else math.nan,
        2 * n_match / total if total else math.nan,
        2 * len(common) / total if total else math.nan,
    )


def link_agreement_table(links: pd.DataFrame, iou_threshold: float = 0.5, annotator: str = "annotator") -> pd.DataFrame:
    """``link_agreement`` for every pair of annotators in ``links`` (a column ``annotator``), over
    the items both linked. Columns: annotator_a, annotator_b, n_items, n_a, n_b, n_match, f1,
    mention_f1, in the annotators' sorted order.

    Example:
        >>> df = pd.DataFrame({"item": [0, 0, 0], "start": [0, 0, 6], "end": [5, 5, 8],
        ...                    "region": ["r1", "r1", None], "annotator": ["ann", "bob", "bob"]})
        >>> link_agreement_table(df)[["annotator_a", "annotator_b", "n_match", "f1"]].values.tolist()
        [['ann', 'bob', 1, 0.6666666666666666]]
    """
    if not isinstance(links, pd.DataFrame):
        raise ValueError(f"links must be a DataFrame, not {type(links).__name__}")
    if annotator not in links.columns:
        raise ValueError(f"links needs a column {annotator!r}")
    no_one = links[annotator].map(is_missing).to_numpy(dtype=bool)
    if no_one.any():
        n = int(no_one.argmax())
        raise ValueError(f"links: row {n} (label {links.index[n]!r}) has no {annotator}")
    for column in (annotator, "item", "region"):
        if column in links.columns:
            refuse_lookalikes(column, [("links", links[column])])
    names = sorted(links[annotator].unique().tolist(), key=str)
    rows = []
    for x, y in itertools.combinations(names, 2):
        la, lb = links[links[annotator] == x], links[links[annotator] == y]
        items = set(la["item"].map(plain)) & set(lb["item"].map(plain))
        la, lb = la[la["item"].map(plain).isin(items)], lb[lb["item"].map(plain).isin(items)]
        r = link_agreement(la, lb, iou_threshold)
        rows.append((x, y, len(items), r.n_a, r.n_b, r.n_match, r.f1, r.mention_f1))
    return pd.DataFrame(rows, columns=["annotator_a", "annotator_b", "n_items", "n_a", "n_b", "n_match", "f1", "mention_f1"])
