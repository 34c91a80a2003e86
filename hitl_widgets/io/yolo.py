"""YOLO txt export / import: one ``<class index> <cx> <cy> <w> <h>`` line per box, normalised to
the image size (every value in [0, 1]), one text per image, plus the class names (``classes.txt``).

The class order is always given (``classes=``, a widget's classes, or the categories of a pandas
Categorical class column), never read off the boxes: two splits exported separately must number
their classes alike. A label file is named after its image file's stem (``"c.png"`` → ``c.txt``),
where YOLO tools look for it.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"item": [0], "x": [10.], "y": [20.], "w": [30.], "h": [40.], "class": ["b"]})
    >>> to_yolo(df, image_sizes={0: (100, 200)}, classes=["a", "b"])
    {0: '1 0.250000 0.200000 0.300000 0.200000\\n'}
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..coerce import plain, probability, refuse_lookalikes
from .coco import _frame_and_sizes, category_ids, class_key, exported_items

SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
# the image files YOLO tools (Ultralytics' IMG_FORMATS, and .gif) find labels for by their stem
IMAGE_SUFFIXES = frozenset({".bmp", ".dng", ".gif", ".heic", ".jpeg", ".jpg", ".mpo", ".pfm", ".png", ".tif", ".tiff", ".webp"})
UNIT_TOLERANCE = 1e-6  # a normalised value may pass 0 or 1 by this much (float rounding)
CLASSES_FILE = "classes.txt"
FIELDS = ("cx", "cy", "w", "h")


def to_yolo(
    source: Any,
    directory: str | os.PathLike | None = None,
    *,
    image_sizes: Mapping[Hashable, tuple[int, int]] | None = None,
    classes: Sequence | None = None,
    file_stems: Mapping[Hashable, str] | None = None,
    precision: int = 6,
    images: str = "all",
) -> dict[Hashable, str]:
    """YOLO label text per item (``{item: text}``); with ``directory``, also write the files.

    Args:
        source: a ``BBoxAnnotator`` or a DataFrame with columns item, x, y, w, h, class.
        directory: write ``<stem>.txt`` per item (items without boxes get an empty file, as
            YOLO expects) and ``classes.txt``.
        image_sizes: ``{item: (width, height)}`` (required with a DataFrame).
        classes: the class of each index, in order; give the same list to every split. Required with
            a DataFrame unless its class column is a pandas Categorical (then its categories, in
            order); a widget's classes by default. Class names are written as text: they must be
            unique as text, non-empty and on one line.
        file_stems: ``{item: file stem}``; default :func:`label_stem` (``"c.png"`` → ``c``, else
            ``str(item)`` with unsafe characters as ``_``). Two items with one label file are refused.
        precision: decimals of the normalised coordinates.
        images: with a widget, "all" (a label file per item; an empty one for an item nobody reviewed
            too, which a warning counts) or "reviewed" (only the items the annotator saved something
            for, even "no object").

    A box whose normalised centre or size falls outside [0, 1] (a centre off the image, a box larger
    than it) is refused naming the item: YOLO tools drop such a label file. Clip it to the image first.
    """
    df, sizes, classes, items = _frame_and_sizes(source, image_sizes, _explicit_classes(source, classes))
    items = exported_items(source, items, images, "to_yolo")
    index = {key: k - 1 for key, k in category_ids(_checked_names(classes)).items()}  # ids 1..K → indices 0..K-1
    lines: dict[Hashable, list[str]] = {i: [] for i in items}
    for rec in df.to_dict("records"):
        item, cls = plain(rec["item"]), plain(rec["class"])
        if class_key(cls) not in index:
            raise ValueError(f"class {cls!r} of item {item!r} is not one of {classes}")
        values = _normalised(item, tuple(float(rec[k]) for k in ("x", "y", "w", "h")), sizes[item])
        lines.setdefault(item, []).append(f"{index[class_key(cls)]} " + " ".join(f"{v:.{precision}f}" for v in values))
    texts = {i: "".join(line + "\n" for line in ls) for i, ls in lines.items()}
    if directory is not None:
        _write(Path(directory), texts, classes, _label_stems(list(texts), file_stems))
    return texts


def from_yolo(
    labels: Mapping[Hashable, str] | str | os.PathLike,
    *,
    image_sizes: Mapping[Hashable, tuple[int, int]],
    classes: Sequence | None = None,
    file_stems: Mapping[Hashable, str] | None = None,
) -> pd.DataFrame:
    """Boxes from YOLO texts (``{item: text}``) or a directory of label files.

    Columns: item, x, y, w, h (pixels), class, source ("yolo"), score (a 6th value when present,
    a probability in [0, 1], else NaN). Every value of a line must be normalised, in [0, 1]
    (pixel coordinates are refused, naming the item or file and the line).

    A directory's label files are matched to the items of ``image_sizes`` by the names ``to_yolo``
    gives them (:func:`label_stem`, or ``file_stems``), so items come back as given (``0``, ``"c.png"``);
    a file that no item names is refused. ``classes`` defaults to the directory's ``classes.txt``,
    one name per line: a text file holds no types, so its classes are strs (a class ``7`` comes
    back as ``"7"``; pass ``classes=`` to have the original values).
    """
    sizes = {plain(k): v for k, v in image_sizes.items()}
    if isinstance(labels, Mapping):
        texts = {plain(item): (f"item {plain(item)!r}", text) for item, text in labels.items()}
    else:
        folder = Path(labels)
        classes = _read_classes(folder) if classes is None else classes
        texts = _read_label_files(folder, _label_stems(list(sizes), file_stems))
    if classes is None:
        raise ValueError("from_yolo needs classes (the names of the class indices)")
    rows = []
    for item, (where, text) in texts.items():
        if item not in sizes:
            raise ValueError(f"no image size for item {item!r}")
        rows += [(item, *box, classes[k], "yolo", score) for k, box, score in _parse(text, where, sizes[item], len(classes))]
    return pd.DataFrame(rows, columns=["item", "x", "y", "w", "h", "class", "source", "score"])


def label_stem(item: Hashable) -> str:
    """The stem of an item's YOLO label file: an image file name's stem, where YOLO tools look for
    its labels (``"img/c.png"`` → ``"c"``); else ``str(item)`` with characters other than letters,
    digits and ``_.-`` as ``_``.

    Example:
        >>> label_stem("img/c.png"), label_stem("scan 1.JPG"), label_stem(7), label_stem("a b")
        ('c', 'scan 1', '7', 'a_b')
    """
    path = Path(str(item))
    if path.suffix.lower() in IMAGE_SUFFIXES and path.stem:
        return path.stem
    return SAFE_NAME.sub("_", str(item))


# --------------------------------------------------------------------------- export


def _explicit_classes(source: Any, classes: Sequence | None) -> Sequence | None:
    """The class order of an export: ``classes``, else a DataFrame's Categorical categories; a
    DataFrame with neither is refused (a widget, or a frame without a class column: None, checked later)."""
    if classes is not None or not isinstance(source, pd.DataFrame) or "class" not in source.columns:
        return classes
    column = source["class"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [plain(c) for c in column.cat.categories]
    raise ValueError(
        "to_yolo needs classes=[...], the class of each index in order: read off the boxes, the order "
        "would depend on the classes a split holds (a val split without 'bus' would number 'car' unlike "
        "train, and one data.yaml would swap them). Give every split the same classes=, or make the "
        "class column a pandas Categorical (its categories are the order)")


def _checked_names(classes: Sequence) -> list:
    """``classes`` (plain values), each name a non-empty single line of text (``classes.txt`` holds
    one per line; unique as text is checked by ``category_ids``)."""
    out = [plain(c) for c in classes]
    for k, c in enumerate(out):
        text = str(c)
        if text.splitlines() != [text]:
            raise ValueError(f"class {c!r} (index {k}): a class name must be non-empty text on one line (classes.txt holds one per line)")
    return out


def _normalised(item: Hashable, box: tuple[float, ...], size: tuple[int, int]) -> tuple[float, ...]:
    """A box (x, y, w, h in pixels) as YOLO's (cx, cy, w, h) over the image ``size``, each in [0, 1]
    (a value past an end by float rounding is put on it); anything else refused naming the item."""
    x, y, w, h = box
    if not all(math.isfinite(v) for v in box) or w <= 0 or h <= 0:
        raise ValueError(f"item {item!r}: box {box} must be finite with positive size")
    width, height = size
    values = ((x + w / 2) / width, (y + h / 2) / height, w / width, h / height)
    bad = _first_outside_unit(values)
    if bad is not None:
        raise ValueError(f"item {item!r}: box {box} on a {width}x{height} image has {FIELDS[bad]} = {values[bad]:g} "
                         "outside [0, 1] when normalised, which YOLO tools refuse: clip the box to the image")
    return tuple(min(max(v, 0.0), 1.0) for v in values)


def _first_outside_unit(values: Sequence[float]) -> int | None:
    """The position of the first value outside [0, 1] (past the float-rounding tolerance; NaN too), or None."""
    return next((k for k, v in enumerate(values) if not -UNIT_TOLERANCE <= v <= 1 + UNIT_TOLERANCE), None)


def _label_stems(items: list, file_stems: Mapping[Hashable, str] | None) -> dict[Hashable, str]:
    """``{item: label file stem}``: ``file_stems`` or :func:`label_stem`. Refused: ``file_stems`` keys
    that are no item (or look alike: ``"0"`` for item ``0``), a stem that is no plain file name or is
    ``classes``, and two items with one stem (``"a.png"`` and ``"a.jpg"``), naming both."""
    given = {plain(k): v for k, v in (file_stems or {}).items()}
    refuse_lookalikes("item", [("file_stems", list(given)), ("the items", items)])
    item_set = set(items)
    unknown = [k for k in given if k not in item_set]
    if unknown:
        raise ValueError(f"file_stems names {unknown[0]!r}, which is not one of the items")
    stems: dict[Hashable, str] = {}
    owner: dict[str, Hashable] = {}
    for item in items:
        stem = given.get(item, label_stem(item))
        if not isinstance(stem, str) or not stem or Path(stem).name != stem or stem in (".", ".."):
            raise ValueError(f"item {item!r}: label file stem {stem!r} must be a plain file name")
        if stem == Path(CLASSES_FILE).stem:
            raise ValueError(f"item {item!r}: its label file would be {CLASSES_FILE}, the class list: pass file_stems")
        if stem in owner:
            raise ValueError(f"items {owner[stem]!r} and {item!r} would share the label file {stem}.txt: "
                             "rename one image or pass file_stems={item: stem}")
        owner[stem], stems[item] = item, stem
    return stems


def _write(out: Path, texts: Mapping[Hashable, str], classes: Sequence, stems: Mapping[Hashable, str]) -> None:
    """Each item's text to ``<stem>.txt`` in ``out`` (made if need be), and ``classes.txt``."""
    out.mkdir(parents=True, exist_ok=True)
    for item, text in texts.items():
        (out / f"{stems[item]}.txt").write_text(text, encoding="utf-8")
    (out / CLASSES_FILE).write_text("".join(f"{c}\n" for c in classes), encoding="utf-8")


# --------------------------------------------------------------------------- import


def _read_classes(folder: Path) -> list[str] | None:
    """The class names of ``folder/classes.txt`` (one per line; trailing blank lines ignored), None
    without the file; a blank line among them is refused (it would shift every index after it)."""
    path = folder / CLASSES_FILE
    if not path.is_file():
        return None
    names = path.read_text(encoding="utf-8").splitlines()
    while names and not names[-1].strip():
        names.pop()
    blank = next((n for n, name in enumerate(names) if not name.strip()), None)
    if blank is not None:
        raise ValueError(f"{path} line {blank + 1}: a blank class name (each line names the class of its index)")
    return names


def _read_label_files(folder: Path, stems: Mapping[Hashable, str]) -> dict[Hashable, tuple[str, str]]:
    """``{item: (file name, text)}`` of ``folder``'s label files, each matched to the item whose
    label stem it has; a file no item has is refused."""
    items = {stem: item for item, stem in stems.items()}
    out: dict[Hashable, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.txt")):
        if path.name == CLASSES_FILE:
            continue
        if path.stem not in items:
            raise ValueError(f"{path}: no item of image_sizes has this label file (an image 'c.png' has c.txt; "
                             "pass the sizes of every labelled image, or file_stems)")
        out[items[path.stem]] = (str(path), path.read_text(encoding="utf-8"))
    return out


def _parse(text: str, where: str, size: tuple[int, int], n_classes: int) -> list[tuple[int, tuple[float, ...], float]]:
    """``(class index, (x, y, w, h) in pixels, score or NaN)`` of each line of a label text (blank
    lines skipped), each line checked by :func:`_parse_line` naming ``where`` (the item or file)."""
    width, height = size
    out: list[tuple[int, tuple[float, ...], float]] = []
    for n, line in enumerate(text.splitlines()):
        parts = line.split()
        if parts:
            k, (cx, cy, w, h), score = _parse_line(parts, f"{where} line {n + 1}", n_classes)
            out.append((k, ((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height), score))
    return out


def _parse_line(parts: list[str], at: str, n_classes: int) -> tuple[int, list[float], float]:
    """``(class index, [cx, cy, w, h], score or NaN)`` of one line's values ``k cx cy w h [score]``:
    an index in 0..n_classes-1, values in [0, 1], a score a probability; else refused naming ``at``."""
    if len(parts) not in (5, 6):
        raise ValueError(f"{at}: expected 5 or 6 values, got {len(parts)}")
    k = _number(parts[0], at, "class index", int)
    if not 0 <= k < n_classes:
        raise ValueError(f"{at}: class index {k} outside 0..{n_classes - 1}")
    values = [_number(v, at, name, float) for v, name in zip(parts[1:5], FIELDS)]
    bad = _first_outside_unit(values)
    if bad is not None:
        raise ValueError(f"{at}: {FIELDS[bad]} = {parts[1 + bad]} is outside [0, 1]: YOLO values are "
                         "normalised by the image size (pixel coordinates? divide by the width or height)")
    score = probability(_number(parts[5], at, "score", float), at) if len(parts) == 6 else math.nan
    return k, values, score


def _number(text: str, at: str, name: str, kind: type) -> Any:
    """``kind(text)`` (int or float), else a ValueError naming ``at`` and ``name``."""
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{at}: {name} must be {'an int' if kind is int else 'a number'}, not {text[:40]!r}") from None
