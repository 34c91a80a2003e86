"""Scene graphs in the Visual Genome layout: one dict per image, its objects (boxes with names and
attributes) and its relationships (subject -> predicate -> object, by object id).

Object and relationship ids are ints numbered from 1 across the whole export (as Visual Genome's
are unique across the dataset); each object keeps the annotation's own id as ``name_id``.

Example:
    >>> import pandas as pd
    >>> objects = pd.DataFrame({"item": [0, 0], "object_id": ["a", "b"], "x": [1.0, 5.0], "y": [1.0, 1.0],
    ...                         "w": [2.0, 2.0], "h": [2.0, 2.0], "class": ["cup", "table"], "attributes": [["red"], []]})
    >>> triples = pd.DataFrame({"item": [0], "subject": ["a"], "predicate": ["on"], "object": ["b"]})
    >>> vg = to_visual_genome(objects, triples)
    >>> vg[0]["relationships"]
    [{'relationship_id': 1, 'predicate': 'on', 'subject_id': 1, 'object_id': 2}]
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from ..coerce import plain, refuse_lookalikes


def to_visual_genome(objects: pd.DataFrame, triples: pd.DataFrame, images: Sequence[Hashable] | None = None) -> list[dict]:
    """Visual Genome-style scene graphs.

    Args:
        objects: item, object_id, x, y, w, h, class and (optional) attributes: ``SceneGraphAnnotator.objects``.
        triples: item, subject, predicate, object (object ids of ``objects``): ``SceneGraphAnnotator.triples``.
        images: the item ids to export, in order (default: those of ``objects`` and ``triples``);
            objects and relations of other items are left out, and an item with none is exported
            as an empty image (a widget's unannotated image). A repeated id, and an id that reads
            like an item of the data but differs in type (``"0"`` for item ``0``), are refused.

    An object id repeated within an item (two rows with one (item, object_id)) is refused, naming
    both rows: a relation could not tell which of them it names.

    Returns:
        ``[{"image_id", "objects": [{"object_id", "x", "y", "w", "h", "names", "attributes",
        "name_id"}], "relationships": [{"relationship_id", "predicate", "subject_id", "object_id"}]}]``.
    """
    for frame, cols in ((objects, {"item", "object_id", "x", "y", "w", "h", "class"}), (triples, {"item", "subject", "predicate", "object"})):
        missing = cols - set(frame.columns)
        if missing:
            raise ValueError(f"to_visual_genome: missing columns {sorted(missing)}")
    _refuse_repeated_objects(objects)
    images = _export_order(objects, triples, images)
    out: list[dict] = []
    next_object, next_relation = 1, 1
    by_item_objects = {k: g for k, g in objects.groupby("item", sort=False)} if len(objects) else {}
    by_item_triples = {k: g for k, g in triples.groupby("item", sort=False)} if len(triples) else {}
    for image in images:
        ids: dict[Any, int] = {}
        objs = []
        group = by_item_objects.get(image)
        for rec in ([] if group is None else group.to_dict("records")):
            ids[rec["object_id"]] = next_object
            attrs = rec.get("attributes")
            objs.append({"object_id": next_object, "x": float(rec["x"]), "y": float(rec["y"]), "w": float(rec["w"]),
                         "h": float(rec["h"]), "names": [plain(rec["class"])],
                         "attributes": list(attrs) if isinstance(attrs, (list, tuple)) else [],
                         "name_id": plain(rec["object_id"])})
            next_object += 1
        rels = []
        group = by_item_triples.get(image)
        for rec in ([] if group is None else group.to_dict("records")):
            if rec["subject"] not in ids or rec["object"] not in ids:
                raise ValueError(f"item {image!r}: relation {rec['subject']} -> {rec['predicate']} -> {rec['object']} names an object not in objects")
            rels.append({"relationship_id": next_relation, "predicate": rec["predicate"], "subject_id": ids[rec["subject"]],
                         "object_id": ids[rec["object"]]})
            next_relation += 1
        out.append({"image_id": plain(image), "objects": objs, "relationships": rels})
    return out


def _refuse_repeated_objects(objects: pd.DataFrame) -> None:
    """Refuse two rows of ``objects`` with one (item, object_id), naming both rows (index labels)."""
    first: dict[tuple, Hashable] = {}
    for row, item, object_id in zip(objects.index, objects["item"].map(plain), objects["object_id"].map(plain)):
        seen = first.setdefault((item, object_id), row)
        if seen != row:
            raise ValueError(f"objects rows {seen!r} and {row!r}: item {item!r} has the object_id {object_id!r} twice "
                             "(a relation names its objects by id, so it could not tell them apart)")


def _export_order(objects: pd.DataFrame, triples: pd.DataFrame, images: Sequence[Hashable] | None) -> list:
    """The items to export, in order: ``images`` (plain), else the items of ``objects`` then ``triples``.
    Refused: ``images`` given as one str, a repeated entry, and item ids that read alike but differ in
    type across ``images``, ``objects`` and ``triples`` (``coerce.refuse_lookalikes``)."""
    if isinstance(images, (str, bytes)):
        raise ValueError(f"images must be a list of item ids, not the single {type(images).__name__} {images!r}: pass [{images!r}]")
    given = None if images is None else [plain(i) for i in images]
    pools = [("objects", objects["item"]), ("triples", triples["item"])]
    refuse_lookalikes("item", ([] if given is None else [("images", given)]) + pools)
    if given is None:
        return list(dict.fromkeys([plain(i) for i in objects["item"]] + [plain(i) for i in triples["item"]]))
    seen: set = set()
    for item in given:
        if item in seen:
            raise ValueError(f"images lists the item {item!r} twice")
        seen.add(item)
    return given
