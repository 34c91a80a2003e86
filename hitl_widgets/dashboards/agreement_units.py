"""The units ``AgreementDashboard.for_triples`` / ``for_links`` / ``for_first_errors`` compare: each
relation annotation turned into one label per (unit, annotator), so the dashboard's metrics,
disagreement queue and adjudication work on it unchanged.

  * triples: a unit is a candidate (item, subject, object) pair (``metrics.triple_units``), its
    label the list of predicates the annotator gave the pair (["none"]: none);
  * links: a unit is a mention (item, start, end), its label the region it is linked to ("none":
    no visual referent);
  * first errors: a unit is a chain (item_id, model), its label "step k" (1-based) or "no error".

Each builder returns a ``Units``: the long labels, the classes, a description per unit (the
adjudicator's first notes), the unit table (unit id -> its keys) and how to read an adjudicated
label back.
"""
from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import is_missing, plain
from ..metrics.coreference import link_agreement_table
from ..metrics.geometry import box_iou
from ..metrics.reasoning import first_error_agreement, first_error_table
from ..metrics.relations import triple_agreement_table, triple_units

NONE = "none"
NO_ERROR = "no error"
_DRAWN = re.compile(r"d\d+")


@dataclass
class Units:
    labels: pd.DataFrame  # item, annotator, label (item = the unit id)
    classes: list
    descriptions: dict[Any, list[str]]
    units: pd.DataFrame  # item_id (the unit id) + the unit's keys
    decode: Callable[[Any], dict]  # adjudicated label -> the unit's answer columns
    pair_agreement: pd.DataFrame
    extra: list[dict] = field(default_factory=list)  # rows for ``overall``
    items: Any = None
    multi_label: bool = False


def _short(text: Any, n: int = 40) -> str:
    s = str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


# ---------------------------------------------------------------------------- triples

def _outline(img: np.ndarray, box: tuple[float, float, float, float], colour: tuple[int, int, int], width: int = 2) -> None:
    h, w = img.shape[:2]
    x0, y0 = int(math.floor(box[0])), int(math.floor(box[1]))
    x1, y1 = int(math.ceil(box[0] + box[2])) - 1, int(math.ceil(box[1] + box[3])) - 1
    x0, y0, x1, y1 = max(0, x0 - width), max(0, y0 - width), min(w - 1, x1 + width), min(h - 1, y1 + width)
    img[y0 : y0 + width, x0 : x1 + 1] = colour
    img[max(y1 - width + 1, 0) : y1 + 1, x0 : x1 + 1] = colour
    img[y0 : y1 + 1, x0 : x0 + width] = colour
    img[y0 : y1 + 1, max(x1 - width + 1, 0) : x1 + 1] = colour


SUBJECT_COLOUR, OBJECT_COLOUR = (0, 0, 0), (230, 0, 230)  # black, magenta


def triple_units_for_dashboard(triples: pd.DataFrame, objects: pd.DataFrame | None, images: Any, annotator: str,
                               predicates: list | None) -> Units:
    units = triple_units(triples, annotator, objects=objects)
    known: dict[tuple, tuple[str | None, tuple | None]] = {}
    if objects is not None:
        for r in objects.to_dict("records"):
            cls = r.get("class")
            box = tuple(float(r[c]) for c in ("x", "y", "w", "h")) if all(c in r for c in ("x", "y", "w", "h")) else None
            known[(plain(r["item"]), plain(r["object"]))] = (None if cls is None or is_missing(cls) else str(cls), box)

    def name(item: Hashable, obj: Hashable) -> str:
        cls = known.get((item, obj), (None, None))[0]
        return f"{cls} {obj}" if cls else str(obj)

    keys = units[["item", "subject", "object"]].drop_duplicates()
    ids = {k: f"{k[0]}: {k[1]} → {k[2]}" for k in keys.itertuples(index=False, name=None)}
    seen = sorted({p for ps in units["predicates"] for p in ps}, key=str)
    classes = list(predicates) if predicates is not None else seen
    unknown = [p for p in seen if p not in classes]
    if unknown:
        raise ValueError(f"predicate {unknown[0]!r} is not one of the predicates {classes[:20]}")
    if NONE in classes:
        raise ValueError(f"{NONE!r} cannot be a predicate: it is the label of a pair with no relation")
    labels = pd.DataFrame({
        "item": [ids[(i, s, o)] for i, s, o in zip(units["item"], units["subject"], units["object"])],
        "annotator": units[annotator].astype(str),
        "label": [list(p) or [NONE] for p in units["predicates"]],  # an explicit class: the adjudicator can pick it
    })
    descriptions = {
        uid: [f"item {k[0]}: is {name(k[0], k[1])} (subject{', black box' if images is not None else ''}) "
              f"related to {name(k[0], k[2])} (object{', magenta box' if images is not None else ''})? ({NONE}: no predicate)"]
        for k, uid in ids.items()
    }
    table = pd.DataFrame([(uid, *k) for k, uid in ids.items()], columns=["item_id", "item", "subject", "object"])
    items = None
    if images is not None:
        items = _pair_images(images, table, labels, known)
    pairs = triple_agreement_table(triples, annotator)
    extra = [{"metric": "triple F1 (mean over annotator pairs)", "estimate": float(pairs["f1"].mean()) if len(pairs) else math.nan,
              "low": math.nan, "high": math.nan}]
    return Units(labels, [*classes, NONE], descriptions, table, lambda v: {"predicates": [p for p in v if p != NONE]}, pairs, extra, items, True)


def _pair_images(images: Any, table: pd.DataFrame, labels: pd.DataFrame, known: dict) -> Any:
    """One image per unit: the item's image, with the subject's box outlined in black and the object's
    in magenta for the disputed units (the others share the item's image undrawn)."""
    from PIL import Image

    from ..items import Items

    arr = images
    disputed = {u for u, g in labels.groupby("item") if len({tuple(v) for v in g["label"]}) > 1}
    plain_images: dict[Hashable, Any] = {}
    out = []
    for uid, item, s, o in table.itertuples(index=False, name=None):
        try:
            img = np.asarray(arr[item])
        except (IndexError, KeyError, TypeError):
            raise ValueError(f"item {item!r} has no image in images") from None
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"item {item!r}: the image must be (H, W, 3) uint8, got {img.shape} {img.dtype}")
        if uid in disputed:
            drawn = img.copy()
            for obj, colour in ((s, SUBJECT_COLOUR), (o, OBJECT_COLOUR)):
                box = known.get((item, obj), (None, None))[1]
                if box is None:
                    raise ValueError(f"item {item!r}: object {obj!r} needs a box (objects with x, y, w, h) to be drawn")
                _outline(drawn, box, colour)
            out.append(Image.fromarray(drawn))
        else:
            if item not in plain_images:
                plain_images[item] = Image.fromarray(img)
            out.append(plain_images[item])
    return Items(out, ids=table["item_id"].tolist())


# ---------------------------------------------------------------------------- links

def _referents(links: pd.DataFrame, iou_threshold: float) -> list[Any]:
    """The region each link points to, made comparable across annotators: per item, two referents
    are the same when their boxes overlap with IoU >= ``iou_threshold``, or they have the same id and
    one has no box; each group is named by its id that is not a drawn one ("d1", ...) first, else its
    smallest id ("#2", "#3" added when two groups would share a name)."""
    has_box = "box" in links.columns
    out: list[Any] = [None] * len(links)
    for _, g in links.groupby(links["item"].map(plain), sort=False):
        refs: dict[tuple, list[int]] = {}
        for n, (region, box) in zip(g.index, zip(g["region"], g["box"] if has_box else [None] * len(g))):
            if region is None or is_missing(region):
                continue
            b = None if box is None or (not isinstance(box, (tuple, list, np.ndarray)) and is_missing(box)) else tuple(float(v) for v in box)
            refs.setdefault((plain(region), b), []).append(n)
        keys = list(refs)

        def same(a: int, b: int, keys: list[tuple] = keys) -> bool:
            (ra, ba), (rb, bb) = keys[a], keys[b]
            if ba is not None and bb is not None:
                return float(box_iou([ba], [bb])[0, 0]) >= iou_threshold
            return bool(ra == rb)

        groups = _components(len(keys), same)
        taken: dict[str, int] = {}
        for members in groups:
            ids = sorted({str(keys[k][0]) for k in members})
            given = [i for i in ids if not _DRAWN.fullmatch(i)]
            base = (given or ids)[0]
            taken[base] = taken.get(base, 0) + 1
            label = base if taken[base] == 1 else f"{base} #{taken[base]}"
            for k in members:
                for n in refs[keys[k]]:
                    out[n] = label  # links has a 0..N-1 index
    return out


def _components(n: int, same: Callable[[int, int], bool]) -> list[list[int]]:
    """The connected components of ``0..n-1`` under ``same`` (union-find), in order of first member."""
    parent = list(range(n))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in itertools.combinations(range(n), 2):
        if same(a, b):
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for k in range(n):
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


def link_units_for_dashboard(links: pd.DataFrame, annotator: str, iou_threshold: float) -> Units:
    if not isinstance(links, pd.DataFrame):
        raise ValueError(f"links must be a DataFrame, not {type(links).__name__}")
    need = ["item", "start", "end", "region", annotator]
    missing = [c for c in need if c not in links.columns]
    if missing:
        raise ValueError(f"links needs columns {', '.join(need)}; missing {missing}")
    if links.empty:
        raise ValueError("links has no links")
    df = links.reset_index(drop=True)
    for n, r in enumerate(df[["item", "start", "end", annotator]].itertuples(index=False, name=None)):
        item = plain(r[0])
        if is_missing(r[3]):
            raise ValueError(f"links: item {item!r}, row {n} has no annotator")
        for v, what in ((r[1], "start"), (r[2], "end")):
            if isinstance(plain(v), bool) or not isinstance(plain(v), (int, float)) or is_missing(v) or float(v) != int(v):
                raise ValueError(f"links: item {item!r}, row {n}: {what} {plain(v)!r} is not a character offset")
        if int(r[2]) <= int(r[1]):
            raise ValueError(f"links: item {item!r}, row {n}: the mention [{int(r[1])}, {int(r[2])}) is empty")
    keyed = df.assign(_item=df["item"].map(plain), _start=df["start"].astype(int), _end=df["end"].astype(int))
    dup = keyed.duplicated(["_item", "_start", "_end", annotator])
    if dup.any():
        r = keyed[dup].iloc[0]
        raise ValueError(f"links: item {plain(r['_item'])!r}, annotator {plain(r[annotator])!r} links the mention [{r['_start']}, {r['_end']}) twice")
    referents = _referents(df, iou_threshold)
    has_text = "text" in df.columns
    ids, descriptions, rows = {}, {}, []
    for n, r in keyed.iterrows():
        key = (plain(r["_item"]), int(r["_start"]), int(r["_end"]))
        if key not in ids:
            text = f"“{_short(r['text'])}” " if has_text and not is_missing(r["text"]) else ""
            ids[key] = f"{key[0]}: {text}[{key[1]}, {key[2]})"
            descriptions[ids[key]] = [f"item {key[0]}: what does the mention {text}at characters [{key[1]}, {key[2]}) refer to? "
                                      f"(a region, or {NONE}: no visual referent)"]
        rows.append((ids[key], str(r[annotator]), NONE if referents[n] is None else referents[n]))
    labels = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    regions = sorted({v for v in labels["label"] if v != NONE}, key=str)
    table = pd.DataFrame([(uid, *k) for k, uid in ids.items()], columns=["item_id", "item", "start", "end"])
    pairs = link_agreement_table(df, iou_threshold=iou_threshold, annotator=annotator)
    extra = [{"metric": "link F1 (mean over annotator pairs)", "estimate": float(pairs["f1"].mean()) if len(pairs) else math.nan,
              "low": math.nan, "high": math.nan}]
    return Units(labels, [*regions, NONE], descriptions, table, lambda v: {"region": None if v == NONE else v}, pairs, extra)


# ---------------------------------------------------------------------------- first errors

def first_error_units_for_dashboard(steps: pd.DataFrame, n_boot: int, level: float, seed: int | None) -> Units:
    if not isinstance(steps, pd.DataFrame):
        raise ValueError(f"steps must be a DataFrame, not {type(steps).__name__}")
    if steps.empty:
        raise ValueError("steps has no steps")
    table = first_error_table(steps)  # checks the columns
    if table.empty:
        raise ValueError("no chain was reviewed by every annotator: nothing to compare")
    annotators = [str(a) for a in table.columns]
    if len(annotators) < 2:
        raise ValueError(f"first errors need two or more annotators, got {annotators}")
    texts: dict[tuple, dict[int, str]] = {}
    if "text" in steps.columns:
        for item_id, model, step, text in steps[["item_id", "model", "step", "text"]].itertuples(index=False, name=None):
            texts.setdefault((plain(item_id), plain(model)), {})[int(step)] = "" if is_missing(text) else str(text)
    n_steps = int(steps["step"].max()) + 1
    rows, descriptions, units = [], {}, []
    for (item_id, model), positions in zip(table.index, table.to_numpy(dtype=object)):
        key = (plain(item_id), plain(model))
        uid = f"{key[0]} / {key[1]}"
        units.append((uid, *key))
        lines = [f"item {key[0]}, model {key[1]}: which step is the chain's first error?"]
        lines += [f"step {k + 1}: {_short(t, 80)}" for k, t in sorted(texts.get(key, {}).items())]
        descriptions[uid] = lines
        for a, p in zip(annotators, positions):
            rows.append((uid, a, NO_ERROR if p is None or is_missing(p) else f"step {int(p) + 1}"))
    labels = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    pairs = []
    for x, y in itertools.combinations(range(len(annotators)), 2):
        r = first_error_agreement(table.iloc[:, [x, y]], n_boot=0)
        pairs.append((annotators[x], annotators[y], r.n_chains, r.exact, r.within_one))
    pair_df = pd.DataFrame(pairs, columns=["annotator_a", "annotator_b", "n_chains", "exact", "within_one"])
    whole = first_error_agreement(table, n_boot=n_boot, level=level, seed=seed)
    extra = [
        {"metric": "first error: same step", "estimate": whole.exact,
         "low": whole.exact_ci.low if whole.exact_ci else math.nan, "high": whole.exact_ci.high if whole.exact_ci else math.nan},
        {"metric": "first error: within one step", "estimate": whole.within_one,
         "low": whole.within_one_ci.low if whole.within_one_ci else math.nan,
         "high": whole.within_one_ci.high if whole.within_one_ci else math.nan},
    ]
    unit_df = pd.DataFrame(units, columns=["item_id", "item", "model"])
    classes = [NO_ERROR, *(f"step {k + 1}" for k in range(n_steps))]

    def decode(v: Any) -> dict:
        return {"first_error": None if v == NO_ERROR else int(str(v).split()[1]) - 1}

    return Units(labels, classes, descriptions, unit_df, decode, pair_df, extra)
