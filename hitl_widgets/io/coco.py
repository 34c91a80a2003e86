"""COCO export / import of boxes (and instance masks) as plain dicts, loadable by pycocotools.

``to_coco`` builds a COCO *dataset* (``images``, ``annotations``, ``categories``) from a
``BBoxAnnotator`` or a DataFrame shaped like ``w.boxes``; ``to_coco`` of a ``PolygonAnnotator`` (or a DataFrame shaped like ``w.polygons``) exports each polygon
as an instance: its ``segmentation`` the outer ring as a COCO polygon ``[[x0, y0, x1, y1, ...]]``
when it has no hole; COCO polygons cannot hold holes, so a polygon *with* holes is exported as a
compressed RLE of its mask (the outer ring rasterised as COCO does, the holes taken out), and its
rings are kept beside it in ``hitl_rings``. ``bbox`` is the extent of the outer ring's vertices,
``area`` the pixel count of the mask (as pycocotools computes it). ``coco_results`` turns model proposals
into COCO *results* (``image_id``, ``category_id``, ``bbox``, ``score``) against that dataset, for
``COCO.loadRes`` + ``COCOeval``; ``from_coco`` reads a dataset back into a DataFrame of boxes, and
``from_coco_polygons`` into a DataFrame of polygons with holes (``hitl_rings`` as written, else COCO
polygons, else the rings traced from an RLE mask), which ``PolygonAnnotator(..., proposals=df)``
takes as it is.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": ["a.png"], "x": [1.0], "y": [2.0], "w": [3.0], "h": [4.0], "class": ["cat"]})
    >>> ds = to_coco(df, image_sizes={"a.png": (10, 8)})
    >>> ds["images"][0]["file_name"], ds["annotations"][0]["bbox"], ds["categories"]
    ('a.png', [1.0, 2.0, 3.0, 4.0], [{'id': 1, 'name': 'cat', 'supercategory': ''}])
"""
from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from .._progress import progress_bar
from ..coerce import is_missing, plain
from ..metrics.geometry import rle_encode, rle_to_string

log = logging.getLogger("hitl_widgets")

BOX_FIELDS = ["item", "x", "y", "w", "h", "class"]


def _polygon_rows(df: pd.DataFrame, sizes: Mapping) -> pd.DataFrame:
    """Rows of polygons (``w.polygons``: item, class, rings, ...) as rows of boxes with a segmentation."""
    from ..metrics.geometry import rings_to_mask

    rows = []
    for rec in df.to_dict("records"):
        item = plain(rec["item"])
        if item not in sizes:
            raise ValueError(f"no image size for item {item!r}")
        rings = [np.asarray(r, np.float64).reshape(-1, 2) for r in rec["rings"]]
        if not rings or len(rings[0]) < 3 or not all(np.isfinite(r).all() for r in rings):
            raise ValueError(f"item {item!r}: a polygon needs an outer ring of at least 3 finite vertices")
        outer = rings[0]
        x0, y0 = outer.min(0)
        x1, y1 = outer.max(0)
        width, height = sizes[item]
        if len(rings) == 1:
            segmentation: Any = [outer.ravel().tolist()]
        else:
            segmentation = rle_encode(rings_to_mask(rings, int(height), int(width)))
        row = {k: rec.get(k) for k in ("item", "class", "source", "score", "iscrowd")}
        row.update(item=item, x=float(x0), y=float(y0), w=float(x1 - x0), h=float(y1 - y0), segmentation=segmentation)
        if len(rings) > 1:
            row["hitl_rings"] = [r.tolist() for r in rings]
        if rec.get("polygon_id") is not None:
            row["hitl_polygon_id"] = str(rec["polygon_id"])
        rows.append(row)
    return pd.DataFrame(rows, columns=[*BOX_FIELDS, "source", "score", "iscrowd", "segmentation", "hitl_rings", "hitl_polygon_id"])


def _frame_and_sizes(source: Any, image_sizes: Mapping | None, classes: Sequence | None):
    """(DataFrame of boxes, {item: (w, h)}, classes, item order) from a widget or a DataFrame."""
    if hasattr(source, "polygons") and hasattr(source, "image_size") and hasattr(source, "items"):
        items = list(source.items.ids)
        sizes = dict(image_sizes or {})
        for i in items:
            if i not in sizes:
                sizes[i] = source.image_size(i)
        return _polygon_rows(source.polygons, sizes), sizes, list(classes if classes is not None else source.classes), items
    if isinstance(source, pd.DataFrame) and "rings" in source.columns:
        if image_sizes is None:
            raise ValueError("image_sizes={item: (width, height)} is needed with a DataFrame (COCO records image sizes)")
        sizes = {plain(k): (int(v[0]), int(v[1])) for k, v in image_sizes.items()}
        source = _polygon_rows(source, sizes)
    if hasattr(source, "boxes") and hasattr(source, "image_size") and hasattr(source, "items"):
        df = source.boxes
        items = list(source.items.ids)
        sizes = dict(image_sizes or {})
        for i in items:
            if i not in sizes:
                sizes[i] = source.image_size(i)
        return df, sizes, list(classes if classes is not None else source.classes), items
    if not isinstance(source, pd.DataFrame):
        raise TypeError(f"to_coco needs a BBoxAnnotator or a DataFrame of boxes, not {type(source).__name__}")
    missing = set(BOX_FIELDS) - set(source.columns)
    if missing:
        raise ValueError(f"the boxes DataFrame lacks columns {sorted(missing)} (needs {BOX_FIELDS})")
    if image_sizes is None:
        raise ValueError("image_sizes={item: (width, height)} is needed with a DataFrame (COCO records image sizes)")
    sizes = {plain(k): (int(v[0]), int(v[1])) for k, v in image_sizes.items()}
    unknown = [i for i in source["item"].map(plain).unique() if i not in sizes]
    if unknown:
        raise ValueError(f"no image size for item {unknown[0]!r}")
    items = list(sizes)
    if classes is None:
        seen = list(dict.fromkeys(plain(c) for c in source["class"]))
        try:
            classes = sorted(seen)
        except TypeError:
            classes = seen
    return source, sizes, list(classes), items


def exported_items(source: Any, items: list, images: str, function: str) -> list:
    """The items an export writes: ``images="all"`` every item (with a warning counting those a
    widget's annotator never saved anything for: they go out with no annotation, as an image
    reviewed as empty does) or ``"reviewed"`` only those (a widget's; a DataFrame cannot tell)."""
    if images not in ("all", "reviewed"):
        raise ValueError(f"images must be 'all' or 'reviewed', not {images!r}")
    reviewed = getattr(source, "_state", None)  # a widget's items with a saved state (boxes, polygons, even none)
    if not isinstance(reviewed, dict):
        if images == "reviewed":
            raise ValueError("images='reviewed' needs a widget (a DataFrame says nothing about which images were reviewed)")
        return items
    if images == "reviewed":
        return [i for i in items if i in reviewed]
    n_open = sum(i not in reviewed for i in items)
    if n_open:
        log.warning("%s: %d of %d images were never reviewed and are exported with no annotations, as images with no "
                    "object are (images='reviewed' leaves them out)", function, n_open, len(items))
    return items


def category_ids(classes: Sequence) -> dict[tuple[str, Any], int]:
    """Category ids 1..K by ``class_key`` of each class (so 1, 1.0, True and "1" stay apart).

    Refused: a repeated class, or two classes with the same name as text (COCO tools show a category
    by its name, and a class that is not a str is written as its text).

    Example:
        >>> category_ids(["cat", 7])
        {('str', 'cat'): 1, ('int', 7): 2}
    """
    cats = {class_key(c): k + 1 for k, c in enumerate(classes)}
    if len(cats) != len(classes):
        raise ValueError(f"classes must be unique: {list(classes)}")
    names = [str(c) for _, c in cats]
    if len(set(names)) != len(names):
        raise ValueError(f"two classes have the same name as text: {names}")
    return cats


def class_key(cls: Any) -> tuple[str, Any]:
    """A class as a dict key that keeps its type: ``1``, ``1.0``, ``True`` and ``"1"`` are four keys."""
    cls = plain(cls)
    return (type(cls).__name__, cls)


def category_entries(cats: Mapping[tuple[str, Any], int]) -> list[dict[str, Any]]:
    """COCO ``categories`` of ``category_ids``: a class that is not a str keeps its value in
    ``hitl_class`` (its ``name`` is its text), so reading the file back gives the class itself."""
    out = []
    for (_, c), k in cats.items():
        cat: dict[str, Any] = {"id": k, "name": str(c), "supercategory": ""}
        if not isinstance(c, str):
            cat["hitl_class"] = c
        out.append(cat)
    return out


def category_classes(categories: Sequence[Mapping]) -> dict[Any, Any]:
    """{category id: class} of a COCO ``categories`` list (``hitl_class`` when written, else the name)."""
    return {c["id"]: c.get("hitl_class", c.get("name")) for c in categories}


def _segmentation(value: Any, height: int, width: int, where: str) -> tuple[Any, float] | None:
    """COCO segmentation (JSON-able) and its area, from an RLE, a polygon list or a bool mask,
    checked against the image (a mask or RLE of its size, polygons of 3+ finite vertices)."""
    from ..metrics.geometry import polygon_to_mask, rle_counts

    if is_missing(value):
        return None
    if isinstance(value, np.ndarray) and value.ndim == 2:
        if value.shape != (height, width):
            raise ValueError(f"{where}: a mask of shape {value.shape} for a {width}x{height} image "
                             f"(a mask is (height, width) = ({height}, {width}))")
        value = rle_encode(value)
    if isinstance(value, dict) and "counts" in value:
        size = [int(v) for v in value.get("size", ())]
        if size != [height, width]:
            raise ValueError(f"{where}: RLE of size {size} for a {width}x{height} image (size is [height, width])")
        try:
            counts = rle_counts(value)  # checked once; the area and the string come from it
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{where}: not a valid RLE ({exc})") from None
        text = value["counts"]
        if isinstance(text, list):
            text = rle_to_string({"size": size, "counts": counts})
        if isinstance(text, bytes):
            text = text.decode("ascii")
        return {"size": size, "counts": text}, float(counts[1::2].sum())
    if isinstance(value, (list, tuple)):
        if not value or not all(isinstance(p, (list, tuple, np.ndarray)) for p in value):
            raise ValueError(f"{where}: a polygon segmentation is a list of polygons [[x0, y0, x1, y1, ...], ...]"
                             " (a flat list of coordinates needs its own brackets)")
        polys = [list(map(float, p)) for p in value]
        if not all(len(p) >= 6 and len(p) % 2 == 0 and all(map(math.isfinite, p)) for p in polys):
            raise ValueError(f"{where}: each polygon needs an even number of finite coordinates, at least 3 vertices")
        area = float(polygon_to_mask(polys, height, width).sum())
        return polys, area
    raise ValueError(f"{where}: segmentation must be an RLE dict, a list of polygons or a 2-D mask, not {type(value).__name__}")


def to_coco(
    source: Any,
    *,
    image_sizes: Mapping[Hashable, tuple[int, int]] | None = None,
    classes: Sequence | None = None,
    file_names: Mapping[Hashable, str] | None = None,
    path: str | os.PathLike | None = None,
    progress: bool = True,
    like: Mapping | str | os.PathLike | None = None,
    like_by: str = "item",
    images: str = "all",
) -> dict:
    """A COCO dataset dict of the boxes (one image entry per item, categories 1..K, images 1..N,
    unless ``like`` gives them).

    Args:
        source: a ``BBoxAnnotator`` (its current boxes, classes and image sizes), a
            ``PolygonAnnotator`` (its polygons: see the module docstring for holes), a DataFrame
            with columns item, x, y, w, h, class (optional: source, score, segmentation — an
            RLE dict, polygons, or a bool mask), or one with columns item, class, rings (as
            ``w.polygons``).
        image_sizes: ``{item: (width, height)}``; required with a DataFrame (every item listed
            becomes an image, boxed or not).
        classes: category order (ids 1..K); default: the widget's classes, or the sorted classes.
        file_names: ``{item: file name}``; default ``str(item)``.
        path: also write the JSON there: to a temporary file beside it, renamed over ``path`` once
            complete, so an interrupted export (``KeyboardInterrupt``) leaves ``path`` as it was.
        progress: show a progress bar over the annotations.
        like: a COCO dataset (a dict or a JSON file), usually the one the boxes were read from:
            its categories keep their ids (matched by class) and its images theirs (matched by
            item, read with ``like_by`` as ``from_coco``'s ``by``), so results and ground truth
            written against it still match (COCOeval pairs by id); classes and items it lacks get
            ids after its largest. Without it the ids are renumbered from 1.
        images: with a widget, "all" (every item an image; those nobody reviewed have no
            annotation, as a reviewed image with no object has, and a warning counts them) or
            "reviewed" (the items the annotator saved something for, even "no object").

    Each image keeps its item id in ``hitl_item``; each annotation keeps ``hitl_source`` (and
    ``score`` for accepted / adjusted proposals), so ``from_coco`` gives the boxes back (item, box,
    class, source, score, segmentation, iscrowd: not the annotator, nor the box and proposal ids).

    Example:
        >>> df = pd.DataFrame({"item": [0], "x": [0.], "y": [0.], "w": [2.], "h": [2.], "class": ["a"]})
        >>> to_coco(df, image_sizes={0: (4, 4)})["annotations"][0]["area"]
        4.0
    """
    df, sizes, classes, items = _frame_and_sizes(source, image_sizes, classes)
    items = exported_items(source, items, images, "to_coco")
    cats = category_ids(classes)
    image_ids = {item: n + 1 for n, item in enumerate(items)}
    if like is not None:
        cats, image_ids = _ids_like(_load(like), like_by, cats, items)
    file_names = dict(file_names or {})
    image_entries = [
        {"id": image_ids[i], "file_name": str(file_names.get(i, i)), "width": int(sizes[i][0]),
         "height": int(sizes[i][1]), "hitl_item": i}
        for i in items
    ]
    annotations: list[dict[str, Any]] = []
    records = df.to_dict("records")
    with progress_bar(len(records), "COCO export", progress, unit="box") as bar:
        for rec in records:
            annotations.append(_annotation(rec, len(annotations) + 1, cats, classes, image_ids, sizes))
            bar.update(1)
    dataset = {
        "info": {"description": "hitl-widgets export", "date_created": datetime.now(timezone.utc).isoformat()},
        "images": image_entries,
        "annotations": annotations,
        "categories": category_entries(cats),
    }
    if path is not None:
        _write_json_atomically(dataset, path)
    return dataset


def _ids_like(data: Mapping, by: str, cats: dict[tuple[str, Any], int], items: list) -> tuple[dict, dict]:
    """Category ids (by class key) and image ids (by item) taken from the dataset ``data`` where it
    has the class or the item, else numbered after its largest id."""
    known_cats: dict[tuple[str, Any], int] = {}
    for cat_id, cls in category_classes(data.get("categories", [])).items():
        if known_cats.setdefault(class_key(cls), cat_id) != cat_id:
            raise ValueError(f"like: categories {known_cats[class_key(cls)]!r} and {cat_id!r} are both the class {cls!r}")
    known_images = {_key(item): image_id for image_id, item in image_items(data.get("images", []), by).items()}

    def numbered(keys: list, known: dict) -> dict:
        taken = [v for v in known.values() if isinstance(v, int)]
        following = max(taken, default=0) + 1
        out = {}
        for key in keys:
            if key in known:
                out[key] = known[key]
            else:
                out[key], following = following, following + 1
        return out

    categories = numbered(list(cats), known_cats)
    by_key = numbered([_key(i) for i in items], known_images)
    return categories, {item: by_key[_key(item)] for item in items}


def _write_json_atomically(data: Any, path: str | os.PathLike) -> None:
    """JSON to a temporary file in ``path``'s folder, then renamed over ``path`` (removed if interrupted).

    The file gets the mode of the ``path`` it replaces, else that of a file opened normally: the
    temporary file is created with mode 0o666, which the kernel narrows by the umask (and the folder's
    default ACL) when it is created (``mkstemp`` would give 0o600; reading the umask means setting it,
    which is not thread-safe)."""
    import secrets
    import stat

    folder = os.path.dirname(os.path.abspath(path))
    while True:
        tmp = os.path.join(folder, f".coco-{secrets.token_hex(8)}.json.part")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass  # a new file: keeps the mode it was created with
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _annotation(rec: dict, ann_id: int, cats: dict, classes: Any, image_ids: dict, sizes: Any) -> dict[str, Any]:
    """One COCO annotation of a box row (checked: a known class, a finite box of positive size)."""
    item = plain(rec["item"])
    cls = plain(rec["class"])
    if class_key(cls) not in cats:
        raise ValueError(f"class {cls!r} of item {item!r} is not one of {classes}")
    bbox = [float(rec[k]) for k in ("x", "y", "w", "h")]
    if not all(math.isfinite(v) for v in bbox) or bbox[2] <= 0 or bbox[3] <= 0:
        raise ValueError(f"item {item!r}: box {bbox} must be finite with positive size")
    width, height = sizes[item]
    ann: dict[str, Any] = {
        "id": ann_id, "image_id": image_ids[item], "category_id": cats[class_key(cls)],
        "bbox": bbox, "area": bbox[2] * bbox[3], "iscrowd": _crowd(rec.get("iscrowd", 0), f"item {item!r}"),
    }
    seg = _segmentation(rec.get("segmentation"), height, width, f"item {item!r}") if "segmentation" in rec else None
    if seg is not None:
        ann["segmentation"], ann["area"] = seg
    if rec.get("source") is not None and not (isinstance(rec.get("source"), float)):
        ann["hitl_source"] = str(rec["source"])
    score: Any = rec.get("score")
    if not is_missing(score):
        ann["score"] = float(score)
    for key in ("hitl_polygon_id", "hitl_rings"):
        if isinstance(rec.get(key), (str, list)):
            ann[key] = rec[key]
    return ann


def coco_results(proposals: Any, dataset: Mapping) -> list[dict]:
    """Model detections as COCO results against ``dataset`` (for ``COCO.loadRes`` / ``COCOeval``).

    Args:
        proposals: a DataFrame with columns item, x, y, w, h, class, score (``w.proposals``), or
            a ``BBoxAnnotator`` (its proposals).
        dataset: the dict ``to_coco`` returned (maps items to image ids, classes to categories).

    Example:
        >>> df = pd.DataFrame({"item": [0], "x": [0.], "y": [0.], "w": [2.], "h": [2.], "class": ["a"], "score": [.9]})
        >>> coco_results(df, to_coco(df, image_sizes={0: (4, 4)}))
        [{'image_id': 1, 'category_id': 1, 'bbox': [0.0, 0.0, 2.0, 2.0], 'score': 0.9}]
    """
    if hasattr(proposals, "proposals") and not isinstance(proposals, pd.DataFrame):
        proposals = proposals.proposals
    image_ids = {_key(item): image_id for image_id, item in image_items(dataset["images"]).items()}
    cats = {class_key(c): k for k, c in category_classes(dataset["categories"]).items()}
    by_name = {c["name"]: c["id"] for c in dataset["categories"] if "hitl_class" not in c}  # another tool's file
    out = []
    for rec in proposals.to_dict("records"):
        item, cls = plain(rec["item"]), plain(rec["class"])
        if _key(item) not in image_ids:
            raise ValueError(f"item {item!r} is not an image of the dataset")
        category = cats.get(class_key(cls), by_name.get(str(cls)))
        if category is None:
            raise ValueError(f"class {cls!r} is not a category of the dataset")
        score = rec.get("score")
        out.append({
            "image_id": image_ids[_key(item)], "category_id": category,
            "bbox": [float(rec[k]) for k in ("x", "y", "w", "h")],
            "score": 1.0 if is_missing(score) else float(score),
        })
    return out


def _key(v: Any) -> str:
    return json.dumps(plain(v))


def image_items(images: Sequence[Mapping], by: str = "item") -> dict[Any, Hashable]:
    """COCO image id -> the item the image stands for: ``by="item"`` its ``hitl_item`` (written by
    ``to_coco``), else its file name, else its id; ``"file_name"`` its file name (else its id);
    ``"id"`` its id. Two images that would be one item (frames of two videos both named
    ``000001.jpg``), or two images with one id, are refused naming both: their boxes would be merged
    under one item, and a model's detections sent to the wrong image.

    Example:
        >>> image_items([{"id": 1, "file_name": "a.jpg"}, {"id": 2, "file_name": "b.jpg"}])
        {1: 'a.jpg', 2: 'b.jpg'}
    """
    if by not in ("item", "file_name", "id"):
        raise ValueError(f"by must be 'item', 'file_name' or 'id', got {by!r}")
    out: dict[Any, Hashable] = {}
    owner: dict[str, Any] = {}  # item key -> the image id that has it
    for img in images:
        image_id = img["id"]
        if image_id in out:
            raise ValueError(f"two images have the id {image_id!r}")
        item = (img.get("hitl_item", img.get("file_name", image_id)) if by == "item"
                else img.get("file_name", image_id) if by == "file_name" else image_id)
        key = _key(item)
        if key in owner:
            raise ValueError(f"images {owner[key]!r} and {image_id!r} are both the item {item!r} (by={by!r}): their boxes "
                             "would be merged; read them by='id', or give the images distinct file names")
        owner[key], out[image_id] = image_id, item
    return out


def from_coco(dataset: Mapping | str | os.PathLike, by: str = "item") -> pd.DataFrame:
    """Boxes of a COCO dataset (a dict or a JSON file) as a DataFrame.

    Columns: item (``hitl_item`` if the file came from ``to_coco``, else the file name; ``by="file_name"``
    or ``"id"`` for those: see ``image_items``, which refuses two images that would be one item), x, y, w,
    h, class (``hitl_class`` if written, else the category name), source (``hitl_source`` or
    "coco"), score (NaN when absent), segmentation (the COCO segmentation or None), iscrowd (0,
    or 1 for a crowd region, which COCO evaluation ignores; ``to_coco`` writes it back),
    image_width, image_height.

    Example:
        >>> ds = {"images": [{"id": 3, "file_name": "x.jpg", "width": 5, "height": 5}],
        ...       "annotations": [{"id": 1, "image_id": 3, "category_id": 7, "bbox": [1, 1, 2, 2]}],
        ...       "categories": [{"id": 7, "name": "dog"}]}
        >>> from_coco(ds)[["item", "w", "class", "source"]].values.tolist()
        [['x.jpg', 2.0, 'dog', 'coco']]
    """
    if isinstance(dataset, Mapping):
        data = dataset
    else:
        with open(dataset, encoding="utf-8") as f:
            data = json.load(f)
    items = image_items(data.get("images", []), by)
    images = {img["id"]: img for img in data.get("images", [])}
    cats = category_classes(data.get("categories", []))
    rows = []
    for ann in data.get("annotations", []):
        img = images.get(ann["image_id"])
        if img is None:
            raise ValueError(f"annotation {ann.get('id')} names unknown image {ann['image_id']}")
        if ann["category_id"] not in cats:
            raise ValueError(f"annotation {ann.get('id')} names unknown category {ann['category_id']}")
        x, y, w, h = (float(v) for v in ann["bbox"])
        rows.append((
            items[img["id"]], x, y, w, h, cats[ann["category_id"]],
            ann.get("hitl_source", "coco"), float(ann["score"]) if "score" in ann else np.nan,
            ann.get("segmentation"), _ann_crowd(ann), img.get("width"), img.get("height"),
        ))
    return pd.DataFrame(rows, columns=["item", "x", "y", "w", "h", "class", "source", "score", "segmentation", "iscrowd",
                                       "image_width", "image_height"])


def _crowd(crowd: Any, where: str) -> int:
    """An ``iscrowd`` value as 0 or 1 (missing: 0); a bool or any other value is a ValueError naming ``where``."""
    if is_missing(crowd):
        return 0
    if isinstance(crowd, (bool, np.bool_)) or plain(crowd) not in (0, 1):
        raise ValueError(f"{where}: iscrowd must be 0 or 1, not {crowd!r}")
    return int(crowd)


def _ann_crowd(ann: Mapping) -> int:
    """A COCO annotation's ``iscrowd``, checked (see ``_crowd``)."""
    return _crowd(ann.get("iscrowd", 0), f"annotation {ann.get('id')!r}")


POLYGON_IMPORT_COLUMNS = ["item", "polygon_id", "class", "rings", "n_vertices", "n_holes", "score", "source",
                          "annotation_id", "iscrowd", "image_width", "image_height"]


def _load(dataset: Mapping | str | os.PathLike) -> Mapping:
    if isinstance(dataset, Mapping):
        return dataset
    with open(dataset, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, Mapping):
        raise ValueError(f"{os.fspath(dataset)!r} is not a COCO dataset (a JSON object)")
    return data


def _ring_sets(ann: Mapping, width: Any, height: Any, tolerance: float) -> list[list[list[list[float]]]]:
    """The polygons (each a list of rings, the outer first) of one COCO annotation."""
    from ..metrics.geometry import mask_to_rings, rle_decode

    where = f"annotation {ann.get('id')!r}"
    rings = ann.get("hitl_rings")
    seg = ann.get("segmentation")
    if isinstance(rings, list) and rings and _rings_still_match(rings, seg, width, height):
        sets = [[np.asarray(r, np.float64).reshape(-1, 2) for r in rings]]
    elif isinstance(seg, Mapping) and "counts" in seg:
        size = [int(v) for v in seg.get("size", ())]
        if len(size) != 2 or (height is not None and width is not None and size != [int(height), int(width)]):
            raise ValueError(f"{where}: RLE of size {size} for a {width}x{height} image (size is [height, width])")
        mask = rle_decode(dict(seg))
        sets = [list(piece) for piece in mask_to_rings(mask, tolerance=tolerance)]
        if not sets:
            raise ValueError(f"{where}: the RLE mask is empty")
    elif isinstance(seg, list) and seg:
        sets = [[np.asarray(p, np.float64).reshape(-1, 2)] for p in seg]
    elif "bbox" in ann:
        x, y, w, h = (float(v) for v in ann["bbox"])
        sets = [[np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])]]
    else:
        raise ValueError(f"{where}: no segmentation, hitl_rings or bbox")
    out = []
    for rs in sets:
        if not all(len(r) >= 3 and np.isfinite(r).all() for r in rs):
            raise ValueError(f"{where}: every ring needs at least 3 finite vertices")
        out.append([r.tolist() for r in rs])
    return out


def _rings_still_match(rings: list, seg: Any, width: Any, height: Any) -> bool:
    """Whether ``hitl_rings`` (the exact vertices ``to_coco`` writes beside a polygon's mask) still
    give the annotation's segmentation: a tool that edited the segmentation and kept the extra key
    would otherwise have its edit dropped for the old rings. True without a segmentation to compare."""
    from ..metrics.geometry import polygon_to_mask, rings_to_mask, rle_decode

    try:
        if isinstance(seg, Mapping) and "counts" in seg:
            mask = rle_decode(dict(seg))
        elif isinstance(seg, list) and seg and width is not None and height is not None:
            mask = polygon_to_mask([list(map(float, p)) for p in seg], int(height), int(width))
        else:
            return True
        drawn = rings_to_mask([np.asarray(r, np.float64).reshape(-1, 2) for r in rings], *mask.shape)
    except (ValueError, TypeError):  # a malformed segmentation or rings: the rings' own checks say why
        return True
    return bool(np.array_equal(drawn, mask))


def from_coco_polygons(
    dataset: Mapping | str | os.PathLike, *, by: str = "item", tolerance: float = 0.0,
) -> pd.DataFrame:
    """Polygons (with holes) of a COCO dataset (a dict or a JSON file) as a DataFrame, one row per
    polygon, in the shape ``PolygonAnnotator`` takes as ``proposals`` (and ``set_polygons`` as rows).

    Each annotation gives its rings from, in this order: ``hitl_rings`` (written by ``to_coco`` for
    a polygon with holes: the exact vertices), while they still give its segmentation's mask (a tool
    that edited the segmentation and kept the key: the segmentation wins); a COCO polygon segmentation (each part its own
    polygon, no holes); an RLE (compressed or not: its mask traced into polygons with holes, one per
    4-connected piece, by ``metrics.mask_to_rings`` — without simplification, ``tolerance=0``,
    the rings rasterised as COCO does give the mask back exactly); else the ``bbox`` as a rectangle.

    Args:
        dataset: the COCO dict, or the path of its JSON file.
        by: what names an image in the ``item`` column: ``"item"`` (``hitl_item`` when the file
            came from ``to_coco``, else the file name, as ``from_coco``), ``"file_name"`` or ``"id"``.
        tolerance: Douglas-Peucker simplification (px) of the rings traced from an RLE.

    Columns: item, polygon_id (``hitl_polygon_id`` if written, else ``coco<annotation id>`` and
    ``-<part>`` for the second part on), class (``hitl_class`` if written, else the category
    name), rings (a list of rings of ``[x, y]``, the outer first), n_vertices, n_holes, score (NaN
    when absent), source (``hitl_source`` or "coco"), annotation_id, iscrowd (as ``from_coco``),
    image_width, image_height.

    Example:
        >>> ds = {"images": [{"id": 3, "file_name": "x.jpg", "width": 8, "height": 8}],
        ...       "annotations": [{"id": 1, "image_id": 3, "category_id": 7, "bbox": [1, 1, 4, 4],
        ...                        "segmentation": [[1, 1, 5, 1, 5, 5]]}],
        ...       "categories": [{"id": 7, "name": "dog"}]}
        >>> from_coco_polygons(ds)[["item", "class", "rings"]].values.tolist()
        [['x.jpg', 'dog', [[[1.0, 1.0], [5.0, 1.0], [5.0, 5.0]]]]]
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")
    data = _load(dataset)
    items = image_items(data.get("images", []), by)
    images = {img["id"]: img for img in data.get("images", [])}
    cats = category_classes(data.get("categories", []))
    rows = []
    for ann in data.get("annotations", []):
        img = images.get(ann.get("image_id"))
        if img is None:
            raise ValueError(f"annotation {ann.get('id')!r} names unknown image {ann.get('image_id')!r}")
        if ann.get("category_id") not in cats:
            raise ValueError(f"annotation {ann.get('id')!r} names unknown category {ann.get('category_id')!r}")
        item = items[img["id"]]
        score = float(ann["score"]) if ann.get("score") is not None else np.nan
        for part, rings in enumerate(_ring_sets(ann, img.get("width"), img.get("height"), float(tolerance))):
            pid = ann.get("hitl_polygon_id") if part == 0 and isinstance(ann.get("hitl_polygon_id"), str) else None
            if pid is None:
                pid = f"coco{ann.get('id')}" + (f"-{part}" if part else "")
            rows.append((item, pid, cats[ann["category_id"]], rings, sum(len(r) for r in rings), len(rings) - 1, score,
                         ann.get("hitl_source", "coco"), ann.get("id"), _ann_crowd(ann), img.get("width"), img.get("height")))
    df = pd.DataFrame(rows, columns=POLYGON_IMPORT_COLUMNS)
    return df.astype({"score": float, "n_vertices": int, "n_holes": int})
