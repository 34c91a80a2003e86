"""Geometry of annotations: COCO RLE, IoU of boxes and masks, polygon rasterisation (pure numpy).

Conventions (those of COCO):

- A mask is a ``(height, width)`` array, truthy = foreground.
- An RLE is ``{"size": [h, w], "counts": ...}`` over the mask flattened in *column-major*
  (Fortran) order; runs alternate background/foreground and the first run is background, so
  ``counts`` starts with ``0`` when pixel ``(0, 0)`` is set. ``counts`` is a list of ints
  (uncompressed, as :func:`rle_encode` returns) or COCO's compressed ``bytes``/``str``
  (as ``pycocotools.mask.encode`` returns; see :func:`rle_to_string`).
- A box is ``(x, y, w, h)`` in pixels, no ``+1``: its area is ``w * h``.
- A polygon is flat ``[x0, y0, x1, y1, ...]`` in image coordinates where pixel ``(row, col)``
  covers ``[col, col + 1) x [row, row + 1)``; a pixel is inside when its centre
  ``(col + 0.5, row + 0.5)`` is, as COCO computes it (see :func:`polygon_to_mask`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__: list[str] = [
    "as_bool_mask",
    "box_from_mask",
    "box_iou",
    "clip_box",
    "mask_iou",
    "mask_to_polygons",
    "mask_to_rings",
    "polygon_to_mask",
    "ring_area",
    "rings_to_mask",
    "rle_area",
    "rle_decode",
    "rle_encode",
    "rle_from_string",
    "rle_to_string",
]

RLE = dict[str, Any]
"""``{"size": [h, w], "counts": list[int] | bytes | str}`` (COCO run-length encoding)."""
Masks = ArrayLike | RLE | Sequence[ArrayLike | RLE]


# --------------------------------------------------------------------------- RLE


def as_bool_mask(mask: ArrayLike, what: str = "mask") -> NDArray[np.bool_]:
    """A 2-D bool mask from bool, integer (non-zero is foreground, e.g. 0/255 images) or float
    values; floats are accepted only when every value is 0 or 1.

    A float probability map (0.01, 0.3, ...) or NaN is refused with a ValueError naming the value,
    rather than every non-zero pixel silently becoming True: threshold it first (``prob >= 0.5``).
    """
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"{what} must be 2-D (height, width), got shape {m.shape}")
    return _bool_stack(m[None], what, one=True)[0]


def _as_mask(mask: ArrayLike) -> NDArray[np.bool_]:
    return as_bool_mask(mask)


def _mask_counts(m: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Run lengths (int64) of a 2-D bool mask in column-major order, first run background."""
    h, w = m.shape
    n = h * w
    if n == 0:
        return np.zeros(1, np.int64)
    if m.flags.f_contiguous and not m.flags.c_contiguous:
        flat = m.ravel(order="F")  # a view: no copy
        change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        first = bool(flat[0])
    else:
        # Vertical changes are cheap in C order; changes between the bottom of one column and
        # the top of the next ("seams") come separately.
        m = np.ascontiguousarray(m)
        vert = m[1:] != m[:-1]
        seam = m[0, 1:] != m[-1, :-1]
        k = int(np.count_nonzero(vert)) + int(np.count_nonzero(seam))
        if k * 16 < n:  # sparse (smooth masks): find in C order, then sort into F order
            r, c = np.divmod(np.flatnonzero(vert), w)
            change = np.concatenate([c * h + r + 1, (np.flatnonzero(seam) + 1) * h])
            change.sort()
        else:  # dense (noisy masks): one transposed copy, then a linear scan
            flat = m.ravel(order="F")
            change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        first = bool(m[0, 0])
    lead = 1 if first else 0
    edges = np.empty(change.size + 2 + lead, np.int64)
    edges[: 1 + lead] = 0
    edges[1 + lead : -1] = change
    edges[-1] = n
    return np.diff(edges)


def _rle_size(rle: RLE) -> tuple[int, int]:
    h, w = (int(v) for v in rle["size"])
    return h, w


def _rle_counts(rle: RLE) -> NDArray[np.int64]:
    """Uncompressed counts (int64) of an uncompressed or compressed RLE."""
    counts = rle["counts"]
    if isinstance(counts, (bytes, bytearray, str)):
        return _string_to_counts(counts)
    return np.asarray(counts, dtype=np.int64).reshape(-1)


def rle_encode(mask: ArrayLike, *, compress: bool = False) -> RLE:
    """COCO RLE of a 2-D mask (bool; integers: non-zero is foreground; floats only 0/1 — a
    probability map or NaN is refused, see ``as_bool_mask``): counts as a list of ints (pycocotools' values), or with
    ``compress=True`` as COCO's compressed ``bytes`` (equal to ``pycocotools.mask.encode``).

    >>> rle_encode([[0, 1], [1, 1]])
    {'size': [2, 2], 'counts': [1, 3]}
    >>> rle_encode([[1, 0, 0]])
    {'size': [1, 3], 'counts': [0, 1, 2]}
    >>> rle_encode([[0, 1], [1, 1]], compress=True)
    {'size': [2, 2], 'counts': b'13'}
    """
    m = _as_mask(mask)
    c = _mask_counts(m)
    return {
        "size": [int(m.shape[0]), int(m.shape[1])],
        "counts": _counts_to_string(c) if compress else c.tolist(),
    }


def _check_counts(counts: NDArray[np.int64], h: int, w: int) -> None:
    if counts.size and counts.min() < 0:
        raise ValueError("RLE counts must be non-negative")
    if int(counts.sum()) != h * w:
        raise ValueError(f"RLE counts sum to {int(counts.sum())}, expected h*w = {h * w}")


def _valid_counts(rle: RLE, what: str | None = None) -> tuple[NDArray[np.int64], int, int]:
    """``(counts, h, w)`` of an RLE, its counts checked (non-negative, summing to ``h * w``) without
    decoding; ``what`` names the RLE in the error."""
    h, w = _rle_size(rle)
    counts = _rle_counts(rle)
    try:
        _check_counts(counts, h, w)
    except ValueError as e:
        if what is None:
            raise
        raise ValueError(f"{what}: {e} (size {[h, w]})") from None
    return counts, h, w


def _counts_to_mask(counts: NDArray[np.int64], h: int, w: int) -> NDArray[np.bool_]:
    """The mask of counts already checked (``_valid_counts``)."""
    n = h * w
    if counts.size <= 64:  # few runs: fill slices
        flat = np.zeros(n, np.bool_)
        ends = np.cumsum(counts)
        for s, e in zip(ends[0:-1:2].tolist(), ends[1::2].tolist()):
            flat[s:e] = True
    elif counts.size * 64 > n and counts[1:].min() > 0 and sys.byteorder == "little":
        flat = _parity_fill(np.cumsum(counts[:-1]), n)  # many short runs (noisy masks)
    else:
        flat = np.repeat(np.arange(counts.size, dtype=np.uint8) & 1, counts).view(np.bool_)
    return flat.reshape(w, h).T  # Fortran-ordered (h, w) view: no copy


def _parity_fill(starts: NDArray[np.int64], n: int) -> NDArray[np.bool_]:
    """Bool array of length n, True where an odd number of (distinct) ``starts`` are <= p:
    a prefix xor done 8 bytes at a time (in-word by shifts, across words by a short scan)."""
    marks = np.zeros(-(-n // 8) * 8, np.uint8)
    marks[starts] = 1
    y = marks.view(np.uint64)  # little-endian: byte k of a word is bits 8k..8k+7
    y ^= y << 8
    y ^= y << 16
    y ^= y << 32  # byte k = xor of bytes 0..k of its word
    carry = np.bitwise_xor.accumulate((y >> 56).astype(np.uint8))  # xor of whole words
    y[1:] ^= carry[:-1].astype(np.uint64) * np.uint64(0x0101010101010101)
    return marks[:n].view(np.bool_)


def rle_decode(rle: RLE) -> NDArray[np.bool_]:
    """Bool ``(h, w)`` mask of an RLE (uncompressed counts or COCO's compressed string).

    The result is Fortran-ordered (a transposed view), like pycocotools' ``decode``.

    >>> rle_decode({"size": [2, 2], "counts": [1, 3]}).astype(int).tolist()
    [[0, 1], [1, 1]]
    >>> rle_decode({"size": [2, 2], "counts": b"13"}).astype(int).tolist()
    [[0, 1], [1, 1]]
    """
    return _counts_to_mask(*_valid_counts(rle))


def _string_to_counts(s: bytes | bytearray | str) -> NDArray[np.int64]:
    """Decode COCO's compressed counts: each value is written low bits first in 5-bit chunks
    (char = chunk + 48; bit 0x20 = "more chunks follow"; bit 0x10 of the last chunk = sign),
    and each count after the third as its difference from the count two places back."""
    if isinstance(s, str):
        text = s
        try:
            s = text.encode("ascii")
        except UnicodeEncodeError:
            bad = next(ch for ch in text if ord(ch) > 127)
            raise ValueError(f"not a COCO compressed RLE string: it holds the non-ASCII character {bad!r}") from None
    raw = np.frombuffer(bytes(s), np.uint8)
    if raw.size == 0:
        return np.zeros(0, np.int64)
    if raw.min() < 48 or raw.max() > 48 + 63:
        raise ValueError("not a COCO compressed RLE string")
    more = np.flatnonzero(raw >= 48 + 0x20)  # chunks with the "more" bit: rare
    if more.size and more[-1] == raw.size - 1:
        raise ValueError("truncated COCO compressed RLE string")
    top = raw if more.size == 0 else np.delete(raw, more)  # last chunk of each value
    x = ((top - 48) ^ 0x10).view(np.int8) - np.int8(0x10)  # 5-bit sign extension
    counts = np.empty(top.size, np.int64)
    if more.size:  # values with lower chunks: top * 32**n_lower + lower chunks
        x = x.astype(np.int64)
        val = more - np.arange(more.size)  # index of the value each "more" chunk belongs to
        first = np.flatnonzero(np.diff(val, prepend=-1))
        nlow = np.diff(first, append=more.size)
        j = np.arange(more.size) - np.repeat(first, nlow)  # chunk index within its value
        low = np.add.reduceat((raw[more].astype(np.int64) - 48 - 0x20) << (5 * j), first)
        v = val[first]
        x[v] = (x[v] << (5 * nlow)) + low
    counts[0] = x[0]  # count i = delta i + count i-2, for i >= 3 (so 0, 1, 2 stored as is)
    for k in (1, 2):  # (a strided cumsum is several times slower than copy + cumsum)
        counts[k::2] = np.cumsum(np.ascontiguousarray(x[k::2]), dtype=np.int64)
    return counts


def _counts_to_string(counts: NDArray[np.int64]) -> bytes:
    x = counts.astype(np.int64, copy=True)
    x[3:] -= counts[1:-2]
    out = ((x & 0x1F) + 48).astype(np.uint8)  # lowest (often only) chunk of each value
    big = np.flatnonzero((x < -16) | (x > 15))  # values needing more than one chunk
    if big.size:
        xb, nb = x[big], np.full(big.size, 2, np.int64)
        lim = 16
        while True:  # chunks needed: smallest n with -16 * 32**(n-1) <= x < 16 * 32**(n-1)
            lim <<= 5
            more = (xb < -lim) | (xb >= lim)
            if not more.any():
                break
            nb += more
        out[big] += 0x20
        rest = nb - 1
        e = np.repeat(np.arange(big.size), rest)  # chunks 1 .. n-1 of each big value
        j = np.arange(e.size) - np.repeat(np.cumsum(rest) - rest, rest) + 1
        chunk = ((xb[e] >> (5 * j)) & 0x1F) + 48 + np.where(j < rest[e], 0x20, 0)
        out = np.insert(out, big[e] + 1, chunk.astype(np.uint8))
    return out.tobytes()


def rle_to_string(rle: RLE) -> bytes:
    """COCO's compressed counts string of an RLE (byte-identical to pycocotools' ``counts``).

    Invalid counts (negative, or not summing to ``h * w``) raise ``ValueError``.

    >>> rle_to_string({"size": [2, 2], "counts": [1, 3]})
    b'13'
    """
    return _counts_to_string(_valid_counts(rle)[0])


def rle_from_string(counts: bytes | str, size: Sequence[int]) -> RLE:
    """Uncompressed RLE from COCO's compressed counts string and the mask ``size`` ``[h, w]``.

    >>> rle_from_string(b"13", [2, 2])
    {'size': [2, 2], 'counts': [1, 3]}
    """
    h, w = (int(v) for v in size)
    c = _string_to_counts(counts)
    _check_counts(c, h, w)
    return {"size": [h, w], "counts": c.tolist()}


def rle_counts(rle: RLE) -> NDArray[np.int64]:
    """The uncompressed counts of a valid RLE (non-negative, covering every pixel), else
    ``ValueError``; nothing is decoded.

    >>> rle_counts({"size": [2, 2], "counts": b"13"}).tolist()
    [1, 3]
    """
    return _valid_counts(rle)[0]


def rle_area(rle: RLE) -> int:
    """Foreground pixel count of an RLE (uncompressed or compressed).

    Invalid counts (negative, or not summing to ``h * w``) raise ``ValueError``, as in ``rle_decode``.

    >>> rle_area({"size": [2, 2], "counts": [1, 3]})
    3
    """
    return int(_valid_counts(rle)[0][1::2].sum())


# --------------------------------------------------------------------------- IoU


def _as_boxes(boxes: ArrayLike, what: str = "boxes") -> NDArray[np.float64]:
    try:
        b = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers (x, y, w, h)") from None
    if b.size == 0:
        return b.reshape(0, 4)
    b = b.reshape(-1, 4) if b.ndim == 1 else b
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"{what} must be (N, 4) as (x, y, w, h), got shape {b.shape}")
    if not np.isfinite(b).all():
        raise ValueError(f"{what}: box {int(np.argmax(~np.isfinite(b).all(axis=1)))} has a NaN or infinite coordinate")
    if (b[:, 2:] < 0).any():
        k = int(np.argmax((b[:, 2:] < 0).any(axis=1)))
        raise ValueError(f"{what}: box {k} has a negative width or height {b[k, 2:].tolist()}")
    return b


def box_iou(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """IoU matrix ``(len(a), len(b))`` of ``(x, y, w, h)`` boxes (COCO, no ``+1``).

    Disjoint or empty boxes give 0, as in ``pycocotools.mask.iou`` with ``iscrowd`` all zero.
    NaN or infinite coordinates and negative widths or heights are refused (ValueError).

    >>> box_iou([[0, 0, 2, 2]], [[1, 0, 2, 2], [5, 5, 1, 1]]).round(3).tolist()
    [[0.333, 0.0]]
    """
    A, B = _as_boxes(a, "a"), _as_boxes(b, "b")
    ax, ay, aw, ah = (A[:, i, None] for i in range(4))
    bx, by, bw, bh = (B[None, :, i] for i in range(4))
    iw = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    ih = np.minimum(ay + ah, by + bh) - np.maximum(ay, by)
    hit = (iw > 0) & (ih > 0)
    inter = np.where(hit, iw * ih, 0.0)
    union = aw * ah + bw * bh - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=hit)


def _is_rle(x: object) -> bool:
    return isinstance(x, dict) and "counts" in x and "size" in x


def _mask_items(x: Masks) -> list[Any]:
    if _is_rle(x):
        return [x]
    if isinstance(x, np.ndarray):
        return [x] if x.ndim == 2 else list(x)
    return list(x)  # type: ignore[arg-type]  # _is_rle is no TypeGuard: a dict RLE returned above


def _fg_intervals(counts: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    ends = np.cumsum(counts)
    return ends[0:-1:2], ends[1::2]  # foreground runs [start, end) in flat F order


def _fg_before(x: NDArray[np.int64], s: NDArray[np.int64], e: NDArray[np.int64]) -> NDArray[Any]:
    """Foreground pixels before flat index ``x``, given the foreground runs ``[s, e)``."""
    n = e - s
    k = np.maximum(np.searchsorted(s, x, side="right") - 1, 0)  # last run starting <= x
    return (np.cumsum(n) - n)[k] + np.clip(x - s[k], 0, n[k])  # (x before run 0: 0 + 0)


def _rle_inter(a: list[NDArray[np.int64]], b: list[NDArray[np.int64]]) -> NDArray[np.float64]:
    """Pairwise intersections from runs, without decoding: a's foreground inside b's run
    ``[t, u)`` is ``fg_a(u) - fg_a(t)``, summed over b's runs."""
    runs = [_fg_intervals(c) for c in b]
    t, u = np.concatenate([r[0] for r in runs]), np.concatenate([r[1] for r in runs])
    owner = np.repeat(np.arange(len(b)), [r[0].size for r in runs])
    out = np.zeros((len(a), len(b)))
    for i, c in enumerate(a):
        s, e = _fg_intervals(c)
        if s.size:
            inside = _fg_before(u, s, e) - _fg_before(t, s, e)
            out[i] = np.bincount(owner, weights=inside, minlength=len(b))
    return out


def _mask_names(x: Masks, what: str, n: int) -> list[str]:
    """Names for error messages: ``what`` for one mask, ``what[k]`` for the masks of a stack or list."""
    one = _is_rle(x) or (isinstance(x, np.ndarray) and x.ndim == 2)
    return [what] if one and n == 1 else [f"{what}[{k}]" for k in range(n)]


def _bool_stack(m: NDArray[Any], what: str, one: bool = False) -> NDArray[np.bool_]:
    """``as_bool_mask``'s rule on a ``(N, H, W)`` array, vectorised: bool as it is (no copy),
    integers non-zero, floats only 0/1 (else ``ValueError`` naming the mask ``what[k]``, or
    ``what`` when ``one``, and the pixel)."""
    if m.dtype == np.bool_:
        return m
    if m.dtype.kind in "iu":
        return m != 0
    if m.dtype.kind != "f":
        raise ValueError(f"{what} must be bool, integers or floats 0/1, not {m.dtype}")
    bad = (m != 0) & (m != 1)  # NaN too
    if bad.any():
        k, r, c = np.unravel_index(int(np.argmax(bad)), m.shape)
        raise ValueError(
            f"{what if one else f'{what}[{k}]'} holds {m[k, r, c].item()!r} at ({r}, {c}): a float mask must hold only 0 and 1 "
            "(a probability map? threshold it first, e.g. mask >= 0.5)"
        )
    return m != 0


def _stack(x: Masks, what: str = "masks") -> NDArray[np.bool_]:
    if isinstance(x, np.ndarray) and x.ndim in (2, 3):
        return _bool_stack(x[None] if x.ndim == 2 else x, what, one=x.ndim == 2)
    items = _mask_items(x)
    names = _mask_names(x, what, len(items))
    ms = [
        _counts_to_mask(*_valid_counts(i, name)) if _is_rle(i) else as_bool_mask(i, name)
        for i, name in zip(items, names)
    ]
    return np.stack(ms) if ms else np.zeros((0, 0, 0), np.bool_)


def mask_iou(a: Masks, b: Masks) -> NDArray[np.float64]:
    """IoU matrix ``(len(a), len(b))`` of masks: ``(N, H, W)`` arrays, one 2-D mask, or RLEs.

    Two empty masks give 0, as in ``pycocotools.mask.iou`` with ``iscrowd`` all zero. Lists of
    RLEs are compared run by run, without decoding. Masks follow ``as_bool_mask`` (bool; integers:
    non-zero; floats only 0/1 — a probability map or NaN is refused) and RLE counts must be valid
    (``rle_counts``); a ``ValueError`` names the mask (``a[2]``, ``b``).

    >>> m = np.zeros((1, 4, 4), bool); m[0, :2, :2] = True
    >>> n = np.zeros((1, 4, 4), bool); n[0, :2, :] = True
    >>> mask_iou(m, n).tolist()
    [[0.5]]
    """
    ia, ib = _mask_items(a), _mask_items(b)
    if ia and ib and all(map(_is_rle, ia)) and all(map(_is_rle, ib)):
        sizes = {_rle_size(x) for x in ia + ib}
        if len(sizes) > 1:
            raise ValueError(f"masks of different sizes: {sorted(sizes)}")
        ca = [_valid_counts(x, n)[0] for x, n in zip(ia, _mask_names(a, "a", len(ia)))]
        cb = [_valid_counts(x, n)[0] for x, n in zip(ib, _mask_names(b, "b", len(ib)))]
        inter = _rle_inter(ca, cb)
        area_a = np.array([c[1::2].sum() for c in ca], np.float64)
        area_b = np.array([c[1::2].sum() for c in cb], np.float64)
    else:
        A, B = _stack(a, "a"), _stack(b, "b")
        if A.shape[0] and B.shape[0] and A.shape[1:] != B.shape[1:]:
            raise ValueError(f"masks of different sizes: {A.shape[1:]} and {B.shape[1:]}")
        A = A.reshape(A.shape[0], int(np.prod(A.shape[1:])))
        B = B.reshape(B.shape[0], int(np.prod(B.shape[1:])))
        area_a, area_b = A.sum(1, dtype=np.float64), B.sum(1, dtype=np.float64)
        inter = np.zeros((A.shape[0], B.shape[0]))
        if A.shape[0] and B.shape[0]:
            step = 1 << 22  # pixel blocks: bounded memory, and float32 sums (<= 2**24) exact
            for p in range(0, A.shape[1], step):
                blk = slice(p, p + step)
                inter += A[:, blk].astype(np.float32) @ B[:, blk].astype(np.float32).T
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


# --------------------------------------------------------------------------- polygons & boxes


def _polygons(polygon: ArrayLike | Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
    """The ``(K, 2)`` vertices of each polygon: one polygon (flat, or ``(K, 2)``), or several (a list
    of flat or ``(K, 2)`` polygons, or a ``(P, K, 2)`` array), never merged into one."""
    if isinstance(polygon, np.ndarray):
        several = list(polygon) if polygon.ndim == 3 else [polygon]
    else:
        items = list(polygon)  # type: ignore[arg-type]  # ArrayLike admits scalars; one fails here with list's TypeError
        first = np.ndim(items[0]) if items else 0
        several = items if first == 2 or (first == 1 and np.size(items[0]) != 2) else [items]
    out = []
    for k, p in enumerate(several):
        flat = np.asarray(p, np.float64).ravel()
        if flat.size % 2:
            raise ValueError(f"polygon {k} has an odd number of coordinates ({flat.size}): give x0, y0, x1, y1, … or (K, 2) vertices")
        out.append(flat.reshape(-1, 2))
    return out


def _boundary_toggles(p: NDArray[np.float64], height: int) -> tuple[NDArray[np.int64], ...]:
    """(column, row) where the inside/outside parity flips down each pixel column, COCO-style:
    vertices snap to a 1/5-pixel grid, edges are traced point by point on that grid (one point
    per step along the longer axis, the other coordinate rounded from the lower endpoint), and
    a flip is kept where the trace crosses a pixel column's centre."""
    q = np.trunc(5.0 * np.vstack([p, p[:1]]) + 0.5).astype(np.int64)  # closed, on the 1/5 grid
    xs, ys, xe, ye = q[:-1, 0], q[:-1, 1], q[1:, 0], q[1:, 1]
    dx, dy = np.abs(xe - xs), np.abs(ye - ys)
    shallow = dx >= dy  # step along x, else along y
    flip = np.where(shallow, xs > xe, ys > ye)  # parametrise from the lower end ...
    x0, y0 = np.where(flip, xe, xs), np.where(flip, ye, ys)
    x1, y1 = np.where(flip, xs, xe), np.where(flip, ys, ye)
    steps = np.where(shallow, dx, dy)
    slope = np.where(shallow, y1 - y0, x1 - x0) / np.maximum(steps, 1)
    n = steps + 1
    e = np.repeat(np.arange(len(n)), n)
    d = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    t = np.where(flip[e], steps[e] - d, d)  # ... but walk in the polygon's own direction
    along = np.trunc(slope[e] * t + np.where(shallow, y0, x0)[e] + 0.5).astype(np.int64)
    u = np.where(shallow[e], x0[e] + t, along)
    v = np.where(shallow[e], along, y0[e] + t)
    j = np.flatnonzero(u[1:] != u[:-1])
    um, vm = np.minimum(u[j], u[j + 1]), np.minimum(v[j], v[j + 1])
    keep = um % 5 == 2  # the step from x = col + 0.4 to col + 0.6 crosses the centre
    col = (um[keep] - 2) // 5
    row = np.ceil(np.clip((vm[keep] + 0.5) / 5.0 - 0.5, 0, height)).astype(np.int64)
    return col, row


def polygon_to_mask(
    polygon: ArrayLike | Sequence[ArrayLike], height: int, width: int
) -> NDArray[np.bool_]:
    """Rasterise a polygon (flat ``[x0, y0, x1, y1, ...]`` or ``(K, 2)``) into a bool mask.

    Follows COCO's rasteriser (pycocotools' ``frPyObjects`` + ``decode``, own vectorised code):
    vertices snap to a 1/5-pixel grid and a pixel is set when its centre
    ``(col + 0.5, row + 0.5)`` is inside, the edge's height being sampled on that grid near
    the column centre (even-odd rule). A list of flat polygons (a COCO ``segmentation``), of
    ``(K, 2)`` polygons, or a ``(P, K, 2)`` array gives their union; polygons of fewer than 3
    vertices are ignored.

    >>> polygon_to_mask([0, 0, 3, 0, 3, 2, 0, 2], 3, 4).astype(int).tolist()
    [[1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]
    """
    for name, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"polygon_to_mask: {name} must be a non-negative int, not {value!r}")
    n = height * width
    out = np.zeros(n, np.bool_)
    polygons = _polygons(polygon)
    for k, p in enumerate(polygons):
        if not np.isfinite(p).all():
            raise ValueError(f"polygon {k} has a NaN or infinite vertex coordinate")
    for p in polygons:
        if len(p) < 3:
            continue
        col, row = _boundary_toggles(p, height)
        ok = (col >= 0) & (col < width)
        flips = np.bincount(col[ok] * height + row[ok], minlength=n + 1)[:n]
        out |= (np.cumsum(flips) & 1).astype(np.bool_)  # column-major parity
    return out.reshape(width, height).T


def mask_to_polygons(mask: ArrayLike, tolerance: float = 0.0) -> list[NDArray[np.float64]]:
    """Outer boundaries of a mask as flat ``[x0, y0, ...]`` polygons (COCO ``segmentation``).

    Uses ``skimage.measure.find_contours`` (foreground 4-connected); holes are dropped, as
    COCO polygons cannot express them (use an RLE). ``tolerance > 0`` simplifies
    (Douglas-Peucker). ``polygon_to_mask`` of the result gives back the mask (without holes).

    >>> m = np.zeros((4, 4), bool); m[1:3, 1:3] = True
    >>> [p.reshape(-1, 2).min(0).tolist() for p in mask_to_polygons(m)]
    [[1.0, 1.0]]
    """
    from skimage.measure import approximate_polygon, find_contours

    m = np.pad(_as_mask(mask), 1).astype(np.float64)
    out = []
    for c in find_contours(m, 0.5, positive_orientation="high"):
        if tolerance > 0:
            c = approximate_polygon(c, tolerance)
        c = c[:-1]  # closed: the last point repeats the first
        x, y = c[:, 1] - 0.5, c[:, 0] - 0.5  # padded index -> image coordinates
        signed = np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))
        if len(c) >= 3 and signed < 0:  # holes wind the other way
            out.append(np.column_stack([x, y]).ravel())
    return out


def ring_area(ring: ArrayLike) -> float:
    """Area enclosed by one ring (``(K, 2)`` vertices or flat ``[x0, y0, ...]``), shoelace formula,
    always >= 0.

    >>> ring_area([[0, 0], [4, 0], [4, 3], [0, 3]])
    12.0
    """
    p = np.asarray(ring, np.float64).reshape(-1, 2)
    if len(p) < 3:
        return 0.0
    x, y = p[:, 0], p[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def rings_to_mask(rings: Sequence[ArrayLike], height: int, width: int) -> NDArray[np.bool_]:
    """The mask of one polygon with holes: ``rings[0]`` is the outer ring, the others are holes
    (each ``(K, 2)`` or flat). Every ring is rasterised as COCO does (:func:`polygon_to_mask`), and
    a pixel is set when it is inside the outer ring and inside no hole.

    >>> outer = [[0, 0], [6, 0], [6, 6], [0, 6]]
    >>> hole = [[2, 2], [4, 2], [4, 4], [2, 4]]
    >>> int(rings_to_mask([outer, hole], 6, 6).sum())
    32
    """
    rings = list(rings)
    if not rings:
        return np.zeros((height, width), np.bool_)
    out = polygon_to_mask(np.asarray(rings[0], np.float64).reshape(-1, 2), height, width)
    for hole in rings[1:]:
        out &= ~polygon_to_mask(np.asarray(hole, np.float64).reshape(-1, 2), height, width)
    return out


def mask_to_rings(mask: ArrayLike, tolerance: float = 0.0, min_area: float = 0.0) -> list[list[NDArray[np.float64]]]:
    """A mask as polygons with holes, one per 4-connected piece of foreground: each a list of
    ``(K, 2)`` rings, the outer ring first, then its holes (background enclosed by the piece).

    Uses ``skimage.measure.find_contours`` on each piece; ``tolerance > 0`` simplifies each ring
    (Douglas-Peucker, ``skimage.measure.approximate_polygon``); rings with fewer than 3 vertices
    or an area below ``min_area`` are dropped (a piece whose outer ring is dropped is dropped).
    :func:`rings_to_mask` of a piece without simplification gives the piece back.

    >>> m = np.zeros((8, 8), bool); m[1:7, 1:7] = True; m[3:5, 3:5] = False
    >>> [len(r) for r in mask_to_rings(m, tolerance=0.5)[0]]
    [4, 4]
    """
    from scipy import ndimage
    from skimage.measure import approximate_polygon, find_contours

    m = _as_mask(mask)
    labels, n = ndimage.label(m)  # 4-connected, as find_contours traces foreground
    out: list[list[NDArray[np.float64]]] = []
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        piece = np.pad(labels[sl] == k, 1).astype(np.float64)
        oy, ox = sl[0].start - 1, sl[1].start - 1
        outer: NDArray[np.float64] | None = None
        holes = []
        for c in find_contours(piece, 0.5, positive_orientation="high"):
            if tolerance > 0:
                c = approximate_polygon(c, tolerance)
            c = c[:-1]  # closed: the last point repeats the first
            if len(c) < 3:
                continue
            ring = np.column_stack([c[:, 1] + ox + 0.5, c[:, 0] + oy + 0.5])
            x, y = ring[:, 0], ring[:, 1]
            signed = np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))
            if abs(signed) / 2.0 < max(min_area, 1e-9):
                continue
            if signed < 0:  # the outer boundary winds this way, holes the other
                outer = ring if outer is None or ring_area(ring) > ring_area(outer) else outer
            else:
                holes.append(ring)
        if outer is not None:
            out.append([outer, *holes])
    return out


def box_from_mask(mask: ArrayLike | RLE) -> NDArray[np.float64]:
    """Tight ``(x, y, w, h)`` box of a mask or RLE (``[0, 0, 0, 0]`` if empty); a
    ``(N, H, W)`` stack gives ``(N, 4)``. Same as ``pycocotools.mask.toBbox``.

    >>> m = np.zeros((4, 5), bool); m[1:3, 2] = True
    >>> box_from_mask(m).tolist()
    [2.0, 1.0, 1.0, 2.0]
    """
    m = rle_decode(mask) if _is_rle(mask) else np.asarray(mask)  # type: ignore[arg-type]  # _is_rle is no TypeGuard
    if m.ndim == 3:
        return np.array([box_from_mask(x) for x in m]).reshape(-1, 4)
    m = _as_mask(m)
    cols, rows = np.flatnonzero(m.any(0)), np.flatnonzero(m.any(1))
    if cols.size == 0:
        return np.zeros(4)
    return np.array([cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1], float)


def clip_box(box: ArrayLike, width: float, height: float) -> NDArray[np.float64]:
    """Clip ``(x, y, w, h)`` box(es) to the image ``[0, width] x [0, height]``; same shape.

    >>> clip_box([-2, 1, 5, 20], width=10, height=8).tolist()
    [0.0, 1.0, 3.0, 7.0]
    """
    b = np.asarray(box, dtype=np.float64)
    x0 = np.clip(b[..., 0], 0, width)
    y0 = np.clip(b[..., 1], 0, height)
    x1 = np.clip(b[..., 0] + b[..., 2], 0, width)
    y1 = np.clip(b[..., 1] + b[..., 3], 0, height)
    return np.stack([x0, y0, np.maximum(x1 - x0, 0), np.maximum(y1 - y0, 0)], axis=-1)
