"""YOLO txt export / import: one ``<class index> <cx> <cy> <w> <h>`` line per box, normalised to
the image size, one text per image, plus the class names (``classes.txt``).

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

from ..coerce import plain
from .coco import _frame_and_sizes

SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def to_yolo(
    source: Any,
    directory: str | os.PathLike | None = None,
    *,
    image_sizes: Mapping[Hashable, tuple[int, int]] | None = None,
    classes: Sequence | None = None,
    file_stems: Mapping[Hashable, str] | None = None,
    precision: int = 6,
) -> dict[Hashable, str]:
    """YOLO label text per item (``{item: text}``); with ``directory``, also write the files.

    Args:
        source: a ``BBoxAnnotator`` or a DataFrame with columns item, x, y, w, h, class.
        directory: write ``<stem>.txt`` per item (items without boxes get an empty file, as
            YOLO expects) and ``classes.txt``.
        image_sizes: ``{item: (width, height)}`` (required with a DataFrame).
        classes: class order = the class indices (default: the widget's, or sorted).
        file_stems: ``{item: file stem}``; default ``str(item)`` with unsafe characters as ``_``.
        precision: decimals of the normalised coordinates.
    """
    df, sizes, classes, items = _frame_and_sizes(source, image_sizes, classes)
    index = {plain(c): k for k, c in enumerate(classes)}
    lines: dict[Hashable, list[str]] = {i: [] for i in items}
    for rec in df.to_dict("records"):
        item, cls = plain(rec["item"]), plain(rec["class"])
        if cls not in index:
            raise ValueError(f"class {cls!r} of item {item!r} is not one of {classes}")
        width, height = sizes[item]
        x, y, w, h = (float(rec[k]) for k in ("x", "y", "w", "h"))
        if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
            raise ValueError(f"item {item!r}: box {(x, y, w, h)} must be finite with positive size")
        values = ((x + w / 2) / width, (y + h / 2) / height, w / width, h / height)
        lines.setdefault(item, []).append(f"{index[cls]} " + " ".join(f"{v:.{precision}f}" for v in values))
    texts = {i: "".join(line + "\n" for line in ls) for i, ls in lines.items()}
    if directory is not None:
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        stems = dict(file_stems or {})
        used: set[str] = set()
        for item, text in texts.items():
            stem = stems.get(item, SAFE_NAME.sub("_", str(item)))
            if stem in used:
                raise ValueError(f"two items map to the file {stem}.txt: pass file_stems")
            used.add(stem)
            (out / f"{stem}.txt").write_text(text)
        (out / "classes.txt").write_text("".join(f"{c}\n" for c in classes))
    return texts


def from_yolo(
    labels: Mapping[Hashable, str] | str | os.PathLike,
    *,
    image_sizes: Mapping[Hashable, tuple[int, int]],
    classes: Sequence | None = None,
) -> pd.DataFrame:
    """Boxes from YOLO texts (``{item: text}``) or a directory of ``<item>.txt`` files.

    Columns: item, x, y, w, h (pixels), class, source ("yolo"), score (a 6th value when present,
    else NaN). ``classes`` defaults to the directory's ``classes.txt``.
    """
    if not isinstance(labels, Mapping):
        folder = Path(labels)
        if classes is None and (folder / "classes.txt").is_file():
            classes = [c for c in (folder / "classes.txt").read_text().splitlines() if c]
        labels = {p.stem: p.read_text() for p in sorted(folder.glob("*.txt")) if p.name != "classes.txt"}
        sizes: dict[Hashable, tuple[int, int]] = {str(k): v for k, v in image_sizes.items()}
    else:
        sizes = dict(image_sizes)
    if classes is None:
        raise ValueError("from_yolo needs classes (the names of the class indices)")
    rows = []
    for item, text in labels.items():
        if item not in sizes:
            raise ValueError(f"no image size for item {item!r}")
        width, height = sizes[item]
        for n, line in enumerate(text.splitlines()):
            parts = line.split()
            if not parts:
                continue
            if len(parts) not in (5, 6):
                raise ValueError(f"item {item!r} line {n + 1}: expected 5 or 6 values, got {len(parts)}")
            k = int(parts[0])
            if not 0 <= k < len(classes):
                raise ValueError(f"item {item!r} line {n + 1}: class index {k} outside 0..{len(classes) - 1}")
            cx, cy, w, h = (float(v) for v in parts[1:5])
            score = float(parts[5]) if len(parts) == 6 else math.nan
            rows.append((item, (cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height, classes[k], "yolo", score))
    return pd.DataFrame(rows, columns=["item", "x", "y", "w", "h", "class", "source", "score"])
