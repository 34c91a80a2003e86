"""Automatic checks on a new data source, each a pure function returning a DataFrame of findings.

A bad item never stops a check: a file that does not open is a finding of ``file_problems`` and is
left out of the others. Items come as a list of paths, arrays or PIL images (``load_images``), with
ids (default ``0..n-1``); ``existing`` is the dataset the new source joins.

* ``file_problems`` — missing, empty, unreadable or truncated files (item, problem, detail).
* ``exact_duplicates`` — the same content (SHA-256 of the file's bytes, or of an array's dtype, shape
  and bytes), inside the source and against ``existing`` (item, duplicate_of, where).
* ``near_duplicates`` — a 64-bit difference hash within ``max_hamming`` bits (default 2: on low-detail
  images, such as upscaled 8x8 digits, different images come within 3 bits), or embeddings at cosine
  similarity >= ``min_cosine`` (item, match, where, hamming, cosine); exact duplicates are not repeated.
* ``outliers`` — the mean distance to the k nearest existing items above the ``quantile`` of the
  existing items' own leave-one-out distances (item, knn_distance, threshold, nearest).
* ``schema_violations`` — labels outside the classes, images of the wrong channels, smaller than a
  minimum size, or of another shape than a fixed one (item, field, value, problem).
* ``metadata_anomalies`` — size or aspect ratio far from the existing data's (robust z-score over 4:
  more than 4 median absolute deviations), other channels than most, an EXIF orientation that rotates
  the image (item, field, value, problem).

Embeddings: ``embed_images`` is the default offline feature (a 16x16 grey thumbnail, centred, with each
channel's mean and spread, L2-normalised): enough for near duplicates and gross outliers, not for
semantic ones (give your own, e.g. a CNN's penultimate layer). Nearest neighbours are exact (chunked
matrix products), which stays practical to about 10^5 x 10^6 on one machine.

Example:
    >>> import numpy as np
    >>> a = np.zeros((8, 8), np.uint8)
    >>> exact_duplicates([a, a.copy()]).to_dict("records")
    [{'item': 1, 'duplicate_of': 0, 'where': 'new'}]
"""
from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageFile

from .coerce import plain, same_label
from .items import pil_array

__all__ = ["Loaded", "load_images", "file_problems", "content_hash", "exact_duplicates", "difference_hash",
           "embed_images", "near_duplicates", "outliers", "schema_violations", "metadata_anomalies"]

_CHUNK = 4096


@dataclass
class Loaded:
    """Images loaded for checking: ``images[id]`` (RGB or grey uint8 arrays), ``errors[id]`` for the
    ones that did not load, and ``meta`` (item, width, height, channels, mode, orientation, bytes)."""

    ids: list[Hashable]
    images: dict[Hashable, np.ndarray] = field(default_factory=dict)
    errors: dict[Hashable, tuple[str, str]] = field(default_factory=dict)
    sources: dict[Hashable, Any] = field(default_factory=dict)
    meta: pd.DataFrame = field(default_factory=pd.DataFrame)


def _ids(data: Sequence[Any], ids: Sequence[Hashable] | None) -> list[Hashable]:
    out: list[Hashable] = list(range(len(data))) if ids is None else list(ids)
    if len(out) != len(data):
        raise ValueError(f"got {len(out)} ids for {len(data)} items")
    if len(set(out)) != len(out):
        raise ValueError("ids must be unique")
    return out


def _open(value: Any) -> tuple[np.ndarray, dict]:
    """One item as an array and its metadata; raises (caught by load_images) when it cannot be read."""
    if isinstance(value, (str, os.PathLike, bytes)):  # bytes: an encoded file's (a fetched object's)
        if isinstance(value, bytes):
            source: Any = io.BytesIO(value)
            size = len(value)
        else:
            source = Path(value)
            if not source.exists():
                raise FileNotFoundError("missing")
            size = source.stat().st_size
        if size == 0:
            raise EOFError("empty file")
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        with Image.open(source) as im:
            im.load()  # raises on a truncated file
            orientation = int(im.getexif().get(0x0112, 1))
            return pil_array(im, keep_alpha=True), {"mode": im.mode, "orientation": orientation, "bytes": size}
    if isinstance(value, Image.Image):
        return pil_array(value, keep_alpha=True), {"mode": value.mode, "orientation": int(value.getexif().get(0x0112, 1)), "bytes": 0}
    arr = np.asarray(value)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3, 4)) or 0 in arr.shape:
        raise ValueError(f"not an image array: shape {arr.shape}")
    if arr.dtype != np.uint8:
        if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
            raise ValueError(f"pixels must be uint8, or float in [0, 1] (got {arr.dtype})")
        arr = np.round(arr * 255).astype(np.uint8)
    return arr, {"mode": "array", "orientation": 1, "bytes": int(arr.nbytes)}


def _by_value(classes: Sequence[Any]) -> dict[Any, list]:
    """The classes (plain values) grouped by value as a dict finds them (``1``, ``1.0`` and ``True``
    in one group): the candidates ``_is_class`` tells apart."""
    groups: dict[Any, list] = {}
    for c in map(plain, classes):
        groups.setdefault(c, []).append(c)
    return groups


def _is_class(label: Any, classes: dict[Any, list]) -> bool:
    """Whether ``label`` is one of ``classes`` (``_by_value``'s) as labels match
    (``coerce.same_label``: ``1.0`` is the class ``1``; ``True`` and ``"1"`` are not)."""
    v = plain(label)
    return any(same_label(v, c) for c in classes.get(v, ()))


def load_images(data: Sequence[Any] | Loaded, ids: Sequence[Hashable] | None = None) -> Loaded:
    """Load every item, recording why the ones that fail did (never raises for a bad item)."""
    if isinstance(data, Loaded):
        return data
    loaded = Loaded(_ids(data, ids))
    rows = []
    for item, value in zip(loaded.ids, data):
        loaded.sources[item] = value
        try:
            arr, meta = _open(value)
        except FileNotFoundError:
            loaded.errors[item] = ("missing", f"no file {value}")
            continue
        except EOFError as exc:
            loaded.errors[item] = ("empty", str(exc))
            continue
        except Exception as exc:  # PIL raises many kinds for a corrupt or truncated file
            truncated = "truncated" in str(exc).lower()
            loaded.errors[item] = ("truncated" if truncated else "unreadable", f"{type(exc).__name__}: {exc}")
            continue
        loaded.images[item] = arr
        rows.append({"item": item, "width": arr.shape[1], "height": arr.shape[0],
                     "channels": 1 if arr.ndim == 2 else arr.shape[2], **meta})
    loaded.meta = pd.DataFrame(rows, columns=["item", "width", "height", "channels", "mode", "orientation", "bytes"])
    return loaded


def file_problems(data: Sequence[Any] | Loaded, ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Missing, empty, unreadable and truncated items (item, problem, detail)."""
    loaded = load_images(data, ids)
    rows = [{"item": i, "problem": p, "detail": d} for i, (p, d) in loaded.errors.items()]
    return pd.DataFrame(rows, columns=["item", "problem", "detail"])


def content_hash(value: Any) -> str:
    """SHA-256 of a file's bytes (or of encoded ``bytes``, the same), or of an array's dtype, shape and
    bytes (PIL: of its pixels)."""
    h = hashlib.sha256()
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, (str, os.PathLike)):
        with open(value, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    arr = np.ascontiguousarray(np.asarray(value))
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()


def _hashes(loaded: Loaded) -> dict[Hashable, str]:
    return {i: content_hash(loaded.sources[i]) for i in loaded.ids if i in loaded.images}


def exact_duplicates(new: Sequence[Any] | Loaded, existing: Sequence[Any] | Loaded | None = None, *,
                     ids: Sequence[Hashable] | None = None, existing_ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Items of ``new`` whose content equals an existing item's, or an earlier new item's."""
    lnew = load_images(new, ids)
    seen: dict[str, tuple[Hashable, str]] = {}
    if existing is not None:
        for i, h in _hashes(load_images(existing, existing_ids)).items():
            seen.setdefault(h, (i, "existing"))
    rows = []
    for i, h in _hashes(lnew).items():
        if h in seen:
            rows.append({"item": i, "duplicate_of": seen[h][0], "where": seen[h][1]})
        else:
            seen[h] = (i, "new")
    return pd.DataFrame(rows, columns=["item", "duplicate_of", "where"])


def _grey(arr: np.ndarray) -> Image.Image:
    im = Image.fromarray(arr)
    return im.convert("L")


def difference_hash(arr: np.ndarray) -> int:
    """64-bit difference hash: a 9x8 grey thumbnail, one bit per pixel brighter than its right neighbour."""
    small = np.asarray(_grey(arr).resize((9, 8), Image.Resampling.BOX), dtype=np.int16)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return int(np.packbits(bits).view(">u8")[0])


def embed_images(data: Sequence[Any] | Loaded, ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """The default embedding (see the module), one row per readable item, indexed by item id."""
    loaded = load_images(data, ids)
    rows, index = [], []
    for i in loaded.ids:
        arr = loaded.images.get(i)
        if arr is None:
            continue
        thumb = np.asarray(_grey(arr).resize((16, 16), Image.Resampling.BOX), dtype=np.float64).ravel() / 255.0
        thumb -= thumb.mean()
        rgb = arr[..., :3] if arr.ndim == 3 and arr.shape[2] >= 3 else np.repeat(arr.reshape(arr.shape[0], arr.shape[1], -1)[..., :1], 3, axis=2)
        flat = rgb.reshape(-1, 3) / 255.0
        v = np.concatenate([thumb, flat.mean(axis=0), flat.std(axis=0)])
        norm = np.linalg.norm(v)
        rows.append(v / norm if norm else v)
        index.append(i)
    return pd.DataFrame(np.array(rows) if rows else np.zeros((0, 262)), index=pd.Index(index, name="item"))


def _unit(e: pd.DataFrame | np.ndarray) -> np.ndarray:
    x = np.asarray(e, dtype=np.float64)
    if x.ndim != 2 or not np.isfinite(x).all():
        raise ValueError("embeddings must be a finite (items, dims) table")
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, n, out=np.zeros_like(x), where=n > 0)


def _nearest(a: np.ndarray, b: np.ndarray, k: int, exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest rows of ``b`` (Euclidean) for every row of ``a``, chunked: (indices, distances)."""
    k = min(k, len(b) - (1 if exclude_self else 0))
    idx = np.zeros((len(a), k), dtype=np.int64)
    dist = np.zeros((len(a), k))
    b2 = (b ** 2).sum(axis=1)
    for s in range(0, len(a), _CHUNK):
        q = a[s:s + _CHUNK]
        d2 = np.maximum((q ** 2).sum(axis=1)[:, None] + b2[None, :] - 2 * q @ b.T, 0.0)
        if exclude_self:
            d2[np.arange(len(q)), np.arange(s, s + len(q))] = np.inf
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        pd2 = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(pd2, axis=1)
        idx[s:s + len(q)] = np.take_along_axis(part, order, axis=1)
        dist[s:s + len(q)] = np.sqrt(np.take_along_axis(pd2, order, axis=1))
    return idx, dist


def near_duplicates(new: Sequence[Any] | Loaded, existing: Sequence[Any] | Loaded | None = None, *,
                    embeddings: pd.DataFrame | None = None, existing_embeddings: pd.DataFrame | None = None,
                    max_hamming: int = 2, min_cosine: float = 0.97,
                    ids: Sequence[Hashable] | None = None, existing_ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Pairs that look alike (see the module); one row per new item, its closest match."""
    lnew = load_images(new, ids)
    lold = load_images(existing, existing_ids) if existing is not None else None
    en = embeddings if embeddings is not None else embed_images(lnew)
    eo = existing_embeddings if existing_embeddings is not None else (embed_images(lold) if lold is not None else None)
    exact = exact_duplicates(lnew, lold)
    pool_ids = list(en.index) + (list(eo.index) if eo is not None else [])
    n_new = len(en)
    new_pos = {i: b for b, i in enumerate(en.index)}
    old_pos = {i: n_new + b for b, i in enumerate(eo.index)} if eo is not None else {}
    exact_at = {r.item: (new_pos if r.where == "new" else old_pos).get(r.duplicate_of) for r in exact.itertuples()}
    pool = _unit(np.vstack([en.to_numpy(), eo.to_numpy()]) if eo is not None else en.to_numpy())
    sides = [(en.index, lnew.images)] + ([(eo.index, lold.images)] if eo is not None and lold is not None else
                                         [(eo.index, {})] if eo is not None else [])
    arrays = [side.get(i) for index, side in sides for i in index]  # by position: ids may repeat across sides
    known = np.array([a is not None for a in arrays])
    hashes = np.array([difference_hash(a) if a is not None else 0 for a in arrays], dtype=np.uint64)
    rows = []
    step = max(1, (1 << 24) // max(1, len(pool_ids)))  # rows per chunk: about 128 MB of similarities
    for s in range(0, n_new, step):
        a = np.arange(s, min(n_new, s + step))
        cos = pool[a] @ pool.T
        ham = np.bitwise_count(hashes[a, None] ^ hashes[None, :]).astype(np.int64)
        ham[~(known[a, None] & known[None, :])] = 64
        col = np.arange(len(pool_ids))
        allowed = (col[None, :] >= n_new) | (col[None, :] < a[:, None])  # existing items, and earlier new ones
        for r, item in enumerate(en.index[a]):
            if exact_at.get(item) is not None:  # an exact duplicate is reported there, not again here
                allowed[r, exact_at[item]] = False
        hit = allowed & ((ham <= max_hamming) | (cos >= min_cosine))
        masked = np.where(hit, cos, -np.inf)
        best = masked.argmax(axis=1)
        for row in np.flatnonzero(hit.any(axis=1)):
            r, b = int(row), int(best[row])
            rows.append({"item": en.index[a[r]], "match": pool_ids[b], "where": "new" if b < n_new else "existing",
                         "hamming": int(ham[r, b]), "cosine": float(cos[r, b])})
    return pd.DataFrame(rows, columns=["item", "match", "where", "hamming", "cosine"])


def outliers(embeddings: pd.DataFrame, existing_embeddings: pd.DataFrame, *, k: int = 5, quantile: float = 0.99) -> pd.DataFrame:
    """New items farther from their k nearest existing items than ``quantile`` of the existing items
    are from theirs (leave-one-out); every new item gets a row, ``outlier`` says which pass."""
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), not {quantile!r}")
    if len(existing_embeddings) <= k:
        raise ValueError(f"need more than k={k} existing items to set a threshold, got {len(existing_embeddings)}")
    old = _unit(existing_embeddings)
    new = _unit(embeddings)
    _, own = _nearest(old, old, k, exclude_self=True)
    threshold = float(np.quantile(own.mean(axis=1), quantile))
    idx, dist = _nearest(new, old, k)
    old_ids = list(existing_embeddings.index)
    score = dist.mean(axis=1)
    return pd.DataFrame({"item": list(embeddings.index), "knn_distance": score, "threshold": threshold,
                         "outlier": score > threshold,
                         "nearest": [[old_ids[j] for j in row] for row in idx]})


def schema_violations(data: Sequence[Any] | Loaded, schema: dict, labels: Sequence[Any] | None = None,
                      ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Findings against ``schema``: ``classes`` (labels must be among them, as ``coerce.same_label``
    matches labels: ``True`` and ``"1"`` are not the class ``1``, ``1.0`` and ``Decimal(1)`` are),
    ``channels`` (1, 3 or 4), ``min_size`` ((width, height)), ``shape`` ((height, width) every image must have)."""
    unknown = set(schema) - {"classes", "channels", "min_size", "shape"}
    if unknown:
        raise ValueError(f"unknown schema keys {sorted(unknown)}; known: classes, channels, min_size, shape")
    loaded = load_images(data, ids)
    rows = []
    if labels is not None:
        if len(labels) != len(loaded.ids):
            raise ValueError(f"got {len(labels)} labels for {len(loaded.ids)} items")
        if "classes" in schema:
            classes = _by_value(schema["classes"])
            rows += [{"item": i, "field": "label", "value": lab, "problem": "not one of the classes"}
                     for i, lab in zip(loaded.ids, labels) if not _is_class(lab, classes)]
    for m in loaded.meta.itertuples(index=False):
        if "channels" in schema and m.channels != schema["channels"]:
            rows.append({"item": m.item, "field": "channels", "value": m.channels, "problem": f"expected {schema['channels']}"})
        if "min_size" in schema and (m.width < schema["min_size"][0] or m.height < schema["min_size"][1]):
            rows.append({"item": m.item, "field": "size", "value": f"{m.width}x{m.height}",
                         "problem": f"smaller than {schema['min_size'][0]}x{schema['min_size'][1]}"})
        if "shape" in schema and (m.height, m.width) != tuple(schema["shape"]):
            rows.append({"item": m.item, "field": "shape", "value": f"{m.height}x{m.width}",
                         "problem": f"expected {schema['shape'][0]}x{schema['shape'][1]} (height x width)"})
    return pd.DataFrame(rows, columns=["item", "field", "value", "problem"])


def _robust_z(log_values: np.ndarray, log_reference: np.ndarray, unit_if_identical: float) -> np.ndarray:
    """Robust z-scores of logs (of areas, aspect ratios) against the reference's: (x - median) / (1.4826 MAD);
    with identical references (MAD 0), ``unit_if_identical`` in log space is one unit. (It was 5% of the
    median log: for square images, whose log aspect is 0, a 1e-9 unit made a 64x65 image an outlier
    while a 4x larger one was not.)"""
    med = np.median(log_reference)
    mad = np.median(np.abs(log_reference - med)) * 1.4826
    return (log_values - med) / (mad if mad > 0 else unit_if_identical)


def metadata_anomalies(new: Sequence[Any] | Loaded, existing: Sequence[Any] | Loaded | None = None, *,
                       max_z: float = 4.0, ids: Sequence[Hashable] | None = None,
                       existing_ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Size, aspect, channels and orientation findings against ``existing`` (or the new items themselves)."""
    mnew = load_images(new, ids).meta
    mref = load_images(existing, existing_ids).meta if existing is not None else mnew
    if mref.empty or mnew.empty:
        return pd.DataFrame(columns=["item", "field", "value", "problem"])
    rows = []
    # references all of one size: with max_z 4, an area 1.8x (or 1 / 1.8) theirs is flagged, an aspect ratio 22% off
    area_z = _robust_z(np.log(mnew.width * mnew.height), np.log(mref.width * mref.height), 0.15)
    aspect_z = _robust_z(np.log(mnew.width / mnew.height), np.log(mref.width / mref.height), 0.05)
    common = int(mref.channels.mode().iloc[0])
    for m, az, rz in zip(mnew.itertuples(index=False), area_z, aspect_z):
        if abs(az) > max_z:
            rows.append({"item": m.item, "field": "size", "value": f"{m.width}x{m.height}",
                         "problem": f"{'larger' if az > 0 else 'smaller'} than the reference data (robust z {az:.1f})"})
        if abs(rz) > max_z:
            rows.append({"item": m.item, "field": "aspect", "value": round(m.width / m.height, 3),
                         "problem": f"aspect ratio unlike the reference data (robust z {rz:.1f})"})
        if m.channels != common:
            rows.append({"item": m.item, "field": "channels", "value": m.channels, "problem": f"most items have {common}"})
        if m.orientation not in (0, 1):
            rows.append({"item": m.item, "field": "orientation", "value": m.orientation,
                         "problem": "EXIF orientation rotates or flips the image when shown"})
    return pd.DataFrame(rows, columns=["item", "field", "value", "problem"])
