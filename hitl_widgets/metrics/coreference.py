"""Agreement on mention-region links (coreference grounding): precision, recall and F1 between two
annotators, and the table over every pair (pure functions; no widget imports).

A link is (item, start, end, region, box): a mention (character span of the item's caption) and the
region it refers to (an id, or None: no visual referent), with the region's box (x, y, w, h) when
it has one. ``CoreferenceLinker.links`` has exactly these columns.

Two links match when they are on the same item and the same mention, and point to the same thing:
both "no visual referent", the same region id, or (regions drawn by each annotator, whose ids differ)
boxes with IoU >= ``iou_threshold``. Each annotator links a mention at most once, so matching is
one-to-one by mention: F1 = 2 * matches / (n_a + n_b); precision = matches / n_a and recall =
matches / n_b, taking ``b`` as the reference. ``mention_f1`` is the same count over the spans alone
(did both find the mention, whatever they linked it to).
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable
from typing import Any, NamedTuple

import pandas as pd

from ..coerce import is_missing, plain
from .geometry import box_iou

__all__ = ["LinkAgreement", "link_agreement", "link_agreement_table"]

_Link = tuple[Any, Any, Any]  # (region or None, box or None, original row)


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


def _links(links: Any, what: str) -> dict[tuple[Hashable, int, int], tuple[Any, Any]]:
    """(item, start, end) -> (region or None, box or None)."""
    if isinstance(links, pd.DataFrame):
        missing = {"item", "start", "end", "region"} - set(links.columns)
        if missing:
            raise ValueError(f"{what}: a links DataFrame needs columns item, start, end, region (and box); missing {sorted(missing)}")
        rows: Iterable = (
            (r["item"], r["start"], r["end"], r["region"], r.get("box")) for r in links.to_dict("records")
        )
    else:
        rows = (tuple(r) + (None,) * (5 - len(tuple(r))) for r in links)
    out: dict[tuple[Hashable, int, int], tuple[Any, Any]] = {}
    for n, (item, start, end, region, box) in enumerate(rows):
        key = (plain(item), int(start), int(end))
        if key in out:
            raise ValueError(f"{what}: mention {key} is linked twice (row {n}): one annotator links a mention once")
        region = None if region is None or is_missing(region) else plain(region)
        box = None if box is None or (not isinstance(box, (tuple, list)) and is_missing(box)) else tuple(float(v) for v in box)
        out[key] = (region, box)
    return out


def _links_match(a: tuple[Any, Any], b: tuple[Any, Any], iou_threshold: float) -> bool:
    (ra, ba), (rb, bb) = a, b
    if ra is None or rb is None:
        return ra is None and rb is None
    if ra == rb:
        return True
    return ba is not None and bb is not None and float(box_iou([ba], [bb])[0, 0]) >= iou_threshold


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
    la, lb = _links(a, "a"), _links(b, "b")
    common = la.keys() & lb.keys()
    n_match = sum(_links_match(la[k], lb[k], iou_threshold) for k in common)
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
    if annotator not in links.columns:
        raise ValueError(f"links needs a column {annotator!r}")
    names = sorted(links[annotator].dropna().unique().tolist(), key=str)
    rows = []
    for x, y in itertools.combinations(names, 2):
        la, lb = links[links[annotator] == x], links[links[annotator] == y]
        items = set(la["item"].map(plain)) & set(lb["item"].map(plain))
        la, lb = la[la["item"].map(plain).isin(items)], lb[lb["item"].map(plain).isin(items)]
        r = link_agreement(la, lb, iou_threshold)
        rows.append((x, y, len(items), r.n_a, r.n_b, r.n_match, r.f1, r.mention_f1))
    return pd.DataFrame(rows, columns=["annotator_a", "annotator_b", "n_items", "n_a", "n_b", "n_match", "f1", "mention_f1"])
