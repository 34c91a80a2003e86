"""A lazy, indexable view over data in memory, in files or in remote storage (images, texts or videos).

Nothing is copied or encoded up front: an item is encoded (PNG/JPEG bytes) only when a widget
asks for it, a few encodings are cached, and the next ones can be warmed in the background.

Example:
    >>> import numpy as np
    >>> items = Items(np.zeros((3, 8, 8), dtype=np.uint8))
    >>> len(items), items.ids[:2], items.kind(0)
    (3, [0, 1], 'image')
    >>> m = items.media(0)
    >>> m.mime, m.data[:4]
    ('image/png', b'\\x89PNG')
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageMode

from . import remote
from .coerce import check_number, check_pixel_stack, is_item_id, is_tensor, plain, refuse_unordered, to_numpy, unit_pixels

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
PASSTHROUGH_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
PNG_MAX_PIXELS = 512 * 512  # larger RGB images travel as JPEG
PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}  # modes Pillow writes as PNG (numeric modes: see _pil_pixels)
NUMERIC_MODES = {"F", "I", "I;16", "I;16L", "I;16B", "I;16N"}  # PIL modes read by the array rules, never clipped
MAX_ID_CHARS = 500  # an item id, JSON-encoded, must fit the store's item_id column (store.MAX_LENGTHS)


@dataclass(frozen=True)
class Media:
    """One encoded item: ``kind`` is "image", "text", "video" or "audio"; ``data`` is bytes (image; for an
    audio item, a WAV of its first 10 seconds; for a video,
    its first frame as JPEG, a poster: its frames come from ``Items.video``) or str (text)."""

    kind: str
    mime: str
    data: bytes | str
    width: int = 0
    height: int = 0


def _is_range(ids: Any) -> bool:
    """Whether ``ids`` are the plain ints 0..N-1, in order: a ``RangeIds``, a ``range(N)``, or a list
    of them (checked at C speed)."""
    if isinstance(ids, RangeIds):
        return len(ids) > 0
    if isinstance(ids, range):
        return len(ids) > 0 and ids.start == 0 and ids.step == 1
    if type(ids) is not list or not ids or not all(type(i) is int for i in ids):
        return False
    return ids[0] == 0 and ids[-1] == len(ids) - 1 and bool(np.array_equal(np.fromiter(ids, np.int64, len(ids)), np.arange(len(ids))))


def _ids_to_check(ids: list, types: set[type]) -> Iterable[int]:
    """The positions of the ids that need the per-id checks of ``Items._check_ids`` (each ~6 µs): all
    of them, unless they are plain strs and ints that pass in bulk (no NUL, valid unicode, checked on
    their concatenation at C speed); then only those long enough that their JSON might not fit."""
    if not types <= {str, int}:
        return range(len(ids))
    strs = ids if types == {str} else [i for i in ids if type(i) is str]
    ints = [] if types == {str} else ids if types == {int} else [i for i in ids if type(i) is int]
    printable = True  # every str id printable ASCII
    if strs:
        joined = "".join(strs)
        printable = joined.isascii() and joined.isprintable()
        if "\x00" in joined:
            return range(len(ids))
        try:
            joined.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return range(len(ids))
    if ints and max(abs(max(ints)), abs(min(ints))).bit_length() > 1500:  # below: at most 452 digits
        return range(len(ids))
    # a str's JSON: its quotes and at most 12 characters per character (a \uXXXX pair), 2 when it is
    # printable ASCII (\" and \\ are the only escapes)
    if types == {str}:
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        if printable:
            return np.flatnonzero(2 * lengths + 2 > MAX_ID_CHARS).tolist()
        maybe = np.flatnonzero(lengths > (MAX_ID_CHARS - 2) // 12).tolist()
    else:
        maybe = [k for k, i in enumerate(ids) if type(i) is str and len(i) > (MAX_ID_CHARS - 2) // 12]
    return [k for k in maybe if not (2 * len(ids[k]) + 2 <= MAX_ID_CHARS and ids[k].isascii() and ids[k].isprintable())]


class RangeIds(Sequence):
    """The ids 0..N-1 (``Items.ids`` when no other ids are given): a read-only list of them in
    everything but its cost. It holds no Python object per id, compares equal to the list
    ``[0, 1, ..., N-1]``, slices to a list and converts to a numpy array at C speed.

    Example:
        >>> ids = RangeIds(4)
        >>> ids == [0, 1, 2, 3], ids[1:3], 3 in ids, list(reversed(ids))
        (True, [1, 2], True, [3, 2, 1, 0])
    """

    __slots__ = ("_range",)

    def __init__(self, n: int):
        self._range = range(int(n))

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return list(self._range[key])
        return self._range[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._range)

    def __reversed__(self) -> Iterator[int]:
        return reversed(self._range)

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        start, stop, _ = slice(start, stop).indices(len(self._range))  # negative bounds as a list takes them
        at = self._range.index(value) if value in self._range else -1
        if at < start or at >= stop:
            raise ValueError(f"{value!r} is not among the ids")
        return at

    def count(self, value: Any) -> int:
        return int(value in self._range)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RangeIds):
            return self._range == other._range
        if isinstance(other, range):
            return self._range == other
        if isinstance(other, (list, tuple)):
            return len(other) == len(self._range) and list(self._range) == list(other)
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):  # e.g. a widget's order
            return len(other) == len(self._range) and all(a == b for a, b in zip(self._range, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compares by value, like the list it stands for

    def __add__(self, other: Any) -> list:
        return list(self._range) + list(other)

    def __radd__(self, other: Any) -> list:
        return list(other) + list(self._range)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.arange(len(self._range), dtype=dtype or np.int64)

    def __reduce__(self) -> tuple:
        return (RangeIds, (len(self._range),))

    def __repr__(self) -> str:
        """As the list of its ids (up to 1,000 of them); a longer one shows its ends and its length."""
        n = len(self._range)
        if n <= 1000:
            return repr(list(self._range))
        return f"[0, 1, 2, 3, 4, ..., {n - 1}]  ({n} ids)"


class _RangeIndex:
    """The position of each of the ids 0..N-1 (itself), as the dict {i: i} would answer it, without
    one entry per id: a number equal to an int in range (1, 1.0, True, np.int64(1)) is found, anything
    else is not."""

    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n

    def get(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, (int, np.integer)):
            i = int(key)
        elif isinstance(key, (float, np.floating)) and float(key).is_integer():
            i = int(key)
        else:
            return default
        return i if 0 <= i < self.n else default

    def __contains__(self, key: Any) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key: Any) -> int:
        i = self.get(key)
        if i is None:
            raise KeyError(key)
        return i

    def __len__(self) -> int:
        return self.n


class LazyRows(Sequence):
    """Items computed only when shown: subclass it with ``kind`` ("image" or "text"), ``__len__`` and
    ``__getitem__(n)`` (an image array or a text); ``Items`` keeps it as it is, listing nothing up front.

    Example:
        >>> class Squares(LazyRows):
        ...     kind = "text"
        ...     def __len__(self): return 10**9
        ...     def __getitem__(self, n): return f"{n} squared is {n * n}"
        >>> Items(Squares()).media(12).data
        '12 squared is 144'
    """

    kind = "image"


def _row_name(n: int) -> str:
    """How a binding error names row ``n`` of data whose ids are its positions."""
    return f"item {n}"


def _is_torch_dataset(data: Any) -> bool:
    mod = type(data).__module__
    return mod.startswith("torch") or any(c.__module__.startswith("torch.utils.data") for c in type(data).__mro__)


class Items:
    """Indexable binding over images, texts or videos in memory.

    Accepts a numpy array ``(N, H, W)`` or ``(N, H, W, 1|3|4)`` (uint8, or float in [0, 1]), a list
    of image file paths, a list of PIL images, a list of strings (texts), a pandas Series of any of
    these, or a torch ``Dataset`` whose items are CHW/HW tensors (or ``(tensor, target)`` tuples).
    A 3-D array whose last size is 1, 3 or 4 is refused: it reads as one ``(H, W, C)`` image as well
    as N grey images that narrow; pass ``[img]`` (or ``img[None]``) for one image, ``arr[..., None]``
    for N grey images.

    PIL images (and image files) of the numeric modes are read by the array rules, never clipped:
    ``F`` (float) must lie in [0, 1], ``I;16`` (uint16) is scaled by 1/65535, ``I`` (int32: no
    known range) is refused, naming the item; they are shown as 8-bit grey. A list of PIL images is
    checked when ``Items`` is made, an image file when it is read.

    Videos: a list (or Series) of video file paths (mp4, m4v, mov, webm, mkv, avi: recognised by their
    suffix with ``kind="auto"``) or of ``(T, H, W[, C])`` arrays (a list of 4-D arrays is recognised;
    ``(T, H, W)`` grey arrays need ``kind="video"``), or a mix of both. Each is checked when ``Items``
    is made (a file's header and packets are read through PyAV: a missing, corrupt, truncated or
    zero-frame video raises ``ValueError`` naming the item), its ``n_frames``, ``fps``, ``width``,
    ``height`` kept (``info``); its frames are read later through ``video(item_id)``, a
    ``VideoSource`` opened on first use (a few kept open).

    Remote images: URLs that fsspec opens (``s3://``, ``gs://``, ``http(s)://``, ``memory://``, …), in
    a list or as one string, and globs (``*``, ``?``, ``[...]``: ``"s3://bucket/cats/*.jpg"``, or a local
    ``"images/*.png"``; in an http(s) URL ``?`` starts the query, not a glob), expanded once here (files
    only; ``**`` spans folders). A glob of files that are not images, audio or videos is refused (their
    names would be the items). In a list holding URLs, only ``*`` and ``?`` make a glob; a list of
    local names is never globbed (a caption may hold ``?``): give a local glob alone, as one string.
    A name whose only glob characters are ``[...]`` is that very
    file or object (``img[2].png``, never its look-alike ``img2.png``), reported missing as any name is
    (a file when ``Items`` is made, an object when it is fetched). Nothing is fetched until an item is shown or prefetched: at most
    ``remote_options["concurrency"]`` requests at once (default 8), the most recent objects' bytes
    kept up to ``remote_options["cache_bytes"]`` (default 256 MiB); ``remote_options["storage_options"]``
    go to fsspec (credentials, ``anon``…). A missing object raises ``ValueError`` naming the item and
    its URL when it is fetched (see ``hitl_widgets.remote``; the ``remote`` extra). URLs are images
    when their path ends in an image suffix, ``?query`` and ``#fragment`` left out (a presigned
    ``https://host/cat.jpg?X-Amz-Signature=…`` is an image; ``kind="image"`` for others, e.g.
    ``https://host/img?id=3``).

    Audio: a list (or Series) of audio file paths (wav, flac, ogg, opus, mp3, m4a, aac: recognised by
    their suffix; the audio track of a video file with ``kind="audio"``) or of ``(samples, sample_rate)``
    pairs, ``samples`` being ``(n,)`` or ``(n, channels)`` (float in [-1, 1], int16, int32). Each is
    checked when ``Items`` is made (empty, NaN, a bad rate: ``ValueError`` naming the item); ``info``
    gives sample_rate, n_samples, n_channels, duration_s; ``audio(item_id)`` an ``AudioSource``.

    Args:
        data: the items.
        ids: item ids (unique ints or strs); default ``0..N-1`` (or the Series' index). Ids 0..N-1 are
            kept as a ``RangeIds`` (``items.ids``: equal to the list ``[0, ..., N-1]``, no Python
            object per id); other ids as a list.
        kind: "auto", "image", "text" (for lists of strings: paths vs texts), "video" or "audio".
        cache_size: how many encoded items to keep.
        image_format: "auto" (PNG up to 512×512, JPEG above), "png" or "jpeg".
        remote_options: for URLs: ``concurrency``, ``cache_bytes``, ``storage_options``.

    Example:
        >>> Items(["a cat on a mat", "two dogs"], ids=["t1", "t2"]).media("t2").data
        'two dogs'
    """

    def __init__(
        self,
        data: Any,
        ids: Sequence[Hashable] | None = None,
        kind: str = "auto",
        cache_size: int = 64,
        image_format: str = "auto",
        remote_options: dict | None = None,
    ):
        if kind not in ("auto", "image", "text", "video", "audio"):
            raise ValueError(f"kind must be 'auto', 'image', 'text', 'video' or 'audio', not {kind!r}")
        if image_format not in ("auto", "png", "jpeg"):
            raise ValueError(f"image_format must be 'auto', 'png' or 'jpeg', not {image_format!r}")
        self.image_format = image_format
        self._remote_options = dict(remote_options or {})
        self._source, self._kind, default_ids = self._bind(data, kind)
        self.ids: Sequence[Hashable] = self._check_ids(ids if ids is not None else default_ids, len(self._source))
        # ids 0..N-1 (the default for arrays and lists): positions are the ids, no dict of N entries
        self._index: dict[Hashable, int] | _RangeIndex = (
            _RangeIndex(len(self.ids)) if isinstance(self.ids, RangeIds) else dict(zip(self.ids, range(len(self.ids))))
        )
        self._cache: OrderedDict[Hashable, Media] = OrderedDict()
        self._cache_size = max(1, int(cache_size))
        self._rereads = 0  # objects read again (``_fetch(cached=False)``): an encoding begun before one is stale
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._open: OrderedDict[int, Any] = OrderedDict()  # position -> open VideoSource / AudioSource (a few)

    # ------------------------------------------------------------------ binding
    def _bind(self, data: Any, kind: str, row: Callable[[int], str] = _row_name):
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is a dependency
            pd = None
        if pd is not None and isinstance(data, pd.Series):
            index = data.index
            default = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
            ids = RangeIds(len(index)) if default else [plain(i) for i in index]
            # errors name a row by its id ("item 'dog' (row 1)"), as everything after binding does
            row = _row_name if default else (lambda n: f"item {ids[n]!r} (row {n})")
            source, k, _ = self._bind(list(data.values), kind, row)
            return source, k, ids
        if isinstance(data, LazyRows):
            if data.kind not in ("image", "text"):
                raise ValueError(f"a LazyRows' kind is 'image' or 'text', not {data.kind!r}")
            if len(data) == 0:
                raise ValueError("Items got an empty dataset")
            return data, data.kind, RangeIds(len(data))
        if isinstance(data, Items):
            self._timed_info, self._fetcher = data._timed_info, data._fetcher
            return data._source, data._kind, (data.ids if isinstance(data.ids, RangeIds) else list(data.ids))
        if isinstance(data, str) and (remote.is_url(data) or remote.has_glob(data)):  # one URL or glob: its objects
            pattern, data = data, remote.expand([data], self._remote_options.get("storage_options"))
            if (kind == "text" or (kind == "auto" and not _looks_like_audio(data) and not _looks_like_videos(data)
                                   and not any(name_suffix(x) in IMAGE_SUFFIXES for x in data))):
                raise ValueError(f"{remote.redact_urls(pattern)!r} names files that are not images, audio or videos "
                                 f"({remote.redact_urls(str(data[0]))[:80]}, …): their names would be the items. For text "
                                 "files pass their contents, e.g. [Path(p).read_text() for p in sorted(glob(...))]")
        if kind == "audio" or (kind == "auto" and _looks_like_audio(data)):
            return self._bind_timed(data, "audio"), "audio", RangeIds(len(data))
        if kind == "video" or (kind == "auto" and _looks_like_videos(data)):
            return self._bind_timed(data, "video"), "video", RangeIds(len(data))
        if isinstance(data, np.ndarray):
            return self._bind_array(data), "image", RangeIds(len(data))
        if _is_torch_dataset(data) and hasattr(data, "__getitem__") and hasattr(data, "__len__"):
            return _TorchSource(data), "image", RangeIds(len(data))
        if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise ValueError(f"Items needs a sequence of items (array, list, Series, Dataset), not {type(data).__name__}")
        if pd is not None and isinstance(data, pd.DataFrame):  # list(df) is its column names
            raise ValueError(f"Items got a DataFrame (columns {[str(c)[:30] for c in data.columns[:8]]}): pass the column of "
                             "the items, e.g. df['path'] or df['text'] (its index becomes the ids)")
        refuse_unordered(data, "the items")
        seq = list(data)
        if not seq:
            raise ValueError("Items got an empty dataset")
        types = set(map(type, seq))  # at C speed: a list may hold millions of paths
        if all(issubclass(t, Image.Image) for t in types):
            for n, im in enumerate(seq):
                if im.mode in ("F", "I"):  # F: its values are read; I: refused by its mode alone (I;16: any value)
                    _pil_pixels(im, row(n))
            return seq, "image", RangeIds(len(seq))
        if all(issubclass(t, np.ndarray) for t in types):
            for n, x in enumerate(seq):
                _check_image_array(x, row(n))
            return seq, "image", RangeIds(len(seq))
        if all(issubclass(t, (str, os.PathLike)) for t in types):
            pathlike = any(issubclass(t, os.PathLike) for t in types)
            return self._bind_strings(seq, kind, pathlike, row), ("text" if self._texts else "image"), RangeIds(len(seq))
        bad = next((n for n, x in enumerate(seq) if not isinstance(x, type(seq[0]))), None)
        if bad is None:  # all one type, but not one Items can show (bytes, numbers, dicts, ...)
            hint = (
                "; bytes? decode text with b.decode() or open an image with PIL.Image.open(io.BytesIO(b))"
                if isinstance(seq[0], (bytes, bytearray)) else ""
            )
            raise ValueError(
                f"{row(0)}: Items cannot show {type(seq[0]).__name__} items ({str(seq[0])[:40]!r}): give images "
                f"(arrays, PIL images, file paths) or texts (str){hint}"
            )
        missing = next((n for n, x in enumerate(seq) if x is None or (isinstance(x, float) and math.isnan(x))), None)
        if missing is not None:  # a gap in a column read from a table: say so, not "float mixed with str"
            raise ValueError(f"{row(missing)}: no value ({seq[missing]!r}): every item needs an image or a text "
                             "(drop the empty rows first, e.g. series.dropna())")
        raise ValueError(
            f"{row(bad)}: {type(seq[bad]).__name__} mixed with {type(seq[0]).__name__}; "
            "Items takes all images (arrays, PIL, paths) or all texts"
        )

    def _bind_array(self, arr: np.ndarray) -> np.ndarray:
        if arr.ndim == 3 and arr.shape[-1] in (1, 3, 4):  # before the squeeze: (N, H, W, 1) is explicit
            n, _, w = arr.shape
            raise ValueError(
                f"image array of shape {arr.shape} looks like one (H, W, C) image of {w} channel"
                f"{'s' if w > 1 else ''}, not {n} grey images {w} px wide: for one image pass [img] or "
                f"img[None]; for {n} grey (H, W) images {w} px wide pass arr[..., None] (N, H, W, 1)"
            )
        if arr.ndim == 4 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] not in (3, 4)):
            hint = "; for one (H, W) image pass [img] or img[None]" if arr.ndim == 2 else ""
            raise ValueError(
                f"image array must be (N, H, W) or (N, H, W, 1|3|4), got shape {arr.shape}{hint}"
            )
        if len(arr) == 0:
            raise ValueError("Items got an empty array")
        check_pixel_stack(arr, lambda n: f"item {n}")
        return arr

    def _bind_strings(self, seq: list, kind: str, pathlike: bool, row: Callable[[int], str] = _row_name) -> list:
        if kind == "text":
            self._texts = True
            return _check_texts([str(x) for x in seq], row)
        # plain strings, not Path objects: a Path costs ~300 bytes and a parse per item, which adds
        # up over 10^5-10^6 items; raw() hands out a Path when asked
        names = [os.fspath(x) for x in seq] if pathlike else seq  # seq: a list of our own
        urls = remote.url_flags(names)
        if any(urls) and remote.any_glob(names):
            names = _expand_patterns(names, self._remote_options.get("storage_options"))
            urls = remote.url_flags(names)
            if len(names) != len(seq):
                raise ValueError("a list with URL globs becomes a different number of items: pass ids= after expanding "
                                 "them yourself (hitl_widgets.remote.expand), or give the glob alone")
        if kind == "auto" and not pathlike and not any(name_suffix(x) in IMAGE_SUFFIXES for x in names):
            self._texts = True
            return _check_texts([str(x) for x in seq], row)
        self._texts = False
        if any(urls):  # fetched lazily: a missing object is reported when the item is shown
            self._fetcher = remote.Fetcher(**self._remote_options)
        if not all(urls):
            for n, name in enumerate(names):
                if not urls[n] and not os.path.isfile(name):
                    raise ValueError(f"{row(n)}: image file not found: {name}{_brackets_hint(name)}")
        return names

    _texts = False
    _timed_info: list[dict[str, Any]] = []
    _fetcher: remote.Fetcher | None = None  # set when some items are URLs

    def _bind_timed(self, data: Any, kind: str) -> list:
        """Check every video or recording where it enters (a video's header and packets; an audio file's
        header, or an array's samples) and keep its info."""
        what = "video file paths or of (T, H, W[, C]) arrays (one array per video, 25 fps; (frames, fps) for another rate)" if kind == "video" else \
            "audio file paths or of (samples, sample_rate) pairs"
        if isinstance(data, np.ndarray) or isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
            raise ValueError(f"{kind}s must be a list of {what}")
        seq = list(data)
        if not seq:
            raise ValueError("Items got an empty dataset")
        source: list = []
        infos: list[dict[str, Any]] = []
        for n, x in enumerate(seq):
            value = os.fspath(x) if isinstance(x, os.PathLike) else x
            try:
                with _open_timed(kind, value, _item_name(n, value), probe=True) as src:
                    infos.append(_timed_info(src))
            except FileNotFoundError as exc:
                raise ValueError(str(exc)) from None  # as a missing image file: ValueError
            source.append(value)
        self._timed_info = infos
        return source

    @staticmethod
    def _check_ids(ids: Sequence[Hashable], n: int) -> Sequence[Hashable]:
        if _is_range(ids):  # 0..N-1 as plain ints: valid and unique (the per-id checks cost ~6 µs an id)
            if len(ids) != n:
                raise ValueError(f"got {len(ids)} ids for {n} items")
            return ids if isinstance(ids, RangeIds) else RangeIds(n)  # not a Python int per id
        refuse_unordered(ids, "ids")  # a set's order changes from run to run: labels would follow other items
        ids = list(ids)
        types = set(map(type, ids))
        if not types <= {str, int}:  # plain() leaves exact strs and ints as they are
            ids = [plain(i) for i in ids]
        if len(ids) != n:
            raise ValueError(f"got {len(ids)} ids for {n} items")
        if _is_range(ids):  # 0..N-1 once plain (numpy ints, a RangeIndex): as above
            return RangeIds(n)
        for k in _ids_to_check(ids, types):
            i = ids[k]
            if not is_item_id(i):
                raise ValueError(f"id {k}: ids must be ints or strs, not {type(i).__name__} ({i!r})")
            if isinstance(i, str):
                if "\x00" in i:
                    raise ValueError(f"id {k} ({i[:40]!r}...): ids must not contain NUL characters")
                try:
                    i.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError(f"id {k} ({i[:40]!r}...) is not valid unicode (a lone surrogate)") from None
            size = len(json.dumps(i))  # as the store writes it (non-ASCII as \uXXXX escapes)
            if size > MAX_ID_CHARS:
                raise ValueError(
                    f"id {k} ({str(i)[:40]!r}...) is too long: {size} characters once JSON-encoded, the store "
                    f"keeps at most {MAX_ID_CHARS}: use shorter ids (e.g. a hash or row number)"
                )
        if len(set(ids)) != n:
            seen: set = set()
            for dup in ids:  # the first id seen twice
                if dup in seen:
                    break
                seen.add(dup)
            raise ValueError(f"ids must be unique; {dup!r} appears more than once")
        return ids

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item_id: Hashable) -> bool:
        return item_id in self._index

    def __repr__(self) -> str:
        return f"Items({len(self)} {self._kind}s, ids {self.ids[0]!r}..{self.ids[-1]!r})"

    def position(self, item_id: Hashable) -> int:
        """Index of ``item_id`` in the data."""
        try:
            return self._index[item_id]
        except (KeyError, TypeError):
            raise KeyError(f"unknown item id {item_id!r}") from None

    def kind(self, item_id: Hashable) -> str:
        """"image", "text", "video" or "audio"."""
        self.position(item_id)
        return self._kind

    @property
    def is_text(self) -> bool:
        return self._kind == "text"

    @property
    def is_video(self) -> bool:
        return self._kind == "video"

    @property
    def is_audio(self) -> bool:
        return self._kind == "audio"

    @property
    def kind_of_all(self) -> str:
        """What every item is: "image", "text", "video" or "audio"."""
        return self._kind

    def info(self, item_id: Hashable) -> dict[str, Any]:
        """``{"kind": ...}``; for a video also n_frames, fps (nominal), width, height and duration_s
        (read when ``Items`` was made: no file is opened)."""
        n = self.position(item_id)
        if self._kind in ("video", "audio"):
            return {"kind": self._kind, **self._timed_info[n]}
        return {"kind": self._kind}

    def video(self, item_id: Hashable) -> Any:
        """The item as a ``hitl_widgets.video.VideoSource`` (opened on first use; the 4 most recently used
        videos or recordings stay open)."""
        return self._source_of(item_id, "video")

    def audio(self, item_id: Hashable) -> Any:
        """The item as a ``hitl_widgets.audio.AudioSource`` (opened on first use, as ``video``)."""
        return self._source_of(item_id, "audio")

    def _source_of(self, item_id: Hashable, kind: str) -> Any:
        n = self.position(item_id)
        if self._kind != kind:
            what = {"image": "an image", "text": "text", "video": "a video", "audio": "audio"}
            raise ValueError(f"item {item_id!r} is {what[self._kind]}, not {what[kind]}")
        with self._lock:
            src = self._open.get(n)
            if src is not None:
                self._open.move_to_end(n)
                return src
        value = self._source[n]
        try:
            src = _open_timed(kind, value, _item_name(item_id, value))
        except FileNotFoundError as exc:  # deleted since Items was made
            raise ValueError(str(exc)) from None
        with self._lock:
            self._open[n] = src
            self._open.move_to_end(n)
            while len(self._open) > 4:
                self._open.popitem(last=False)  # not closed: another thread may still read it; GC closes it
        return src

    def raw(self, item_id: Hashable) -> Any:
        """The item as the user gave it (array, PIL image, text), or its file as a ``Path``."""
        value = self._source[self.position(item_id)]
        if isinstance(value, str) and self._kind in ("image", "video", "audio") and not remote.is_url(value):
            return Path(value)
        return value  # (a URL stays a str)

    def _fetch(self, item_id: Hashable, url: str, cached: bool = True) -> bytes:
        """The object at ``url`` (``cached=False``: read again, not from the cache, and the item's
        encoded media dropped, so that ``media`` shows what was read); ``ValueError`` naming the item
        (``remote.ObjectNotFound`` when there is no object)."""
        if self._fetcher is None:  # a LazyRows (or a source bound without URLs) gave a URL
            raise ValueError(f"{_item_name(item_id)}: {remote.redact_urls(url)[:80]!r} is a URL, which a LazyRows cannot "
                             "give (it gives an image array or a text): fetch it in __getitem__, or pass the URLs to Items")
        try:
            data = self._fetcher.get(url, f"item {item_id!r}", cached=cached)
        except remote.ObjectNotFound as exc:
            hint = _brackets_hint(url)
            if not hint:
                raise
            raise remote.ObjectNotFound(f"{exc}{hint}") from None
        if not cached:
            self._forget_media(item_id)
        return data

    def _forget_media(self, item_id: Hashable) -> None:
        """Drop the item's encoded media (its object was read again: its bytes may have changed); an
        encoding under way meanwhile is not cached either."""
        with self._lock:
            self._cache.pop(item_id, None)
            self._rereads += 1

    def image(self, item_id: Hashable) -> Image.Image:
        """The item as a PIL image (raises ValueError naming the item if it cannot be read). A numeric
        mode (F, I;16) comes as 8-bit grey ("L") read by the array rules; mode I is refused."""
        if self._kind != "image":
            raise ValueError(f"item {item_id!r} is {self._kind}, not an image")
        value = self.raw(item_id)
        try:
            if isinstance(value, Image.Image):
                return _pil_pixels(value, f"item {item_id!r}")
            if isinstance(value, str) and remote.is_url(value):
                with Image.open(io.BytesIO(self._fetch(item_id, value))) as im:
                    im.load()
                    return _pil_pixels(im, _item_name(item_id, value))
            if isinstance(value, Path):
                with Image.open(value) as im:
                    im.load()
                    return _pil_pixels(im, _item_name(item_id, value))
            return Image.fromarray(_to_uint8(_check_image_array(np.asarray(value), f"item {item_id!r}")))
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(f"item {item_id!r}: cannot read image ({exc})") from exc

    def media(self, item_id: Hashable) -> Media:
        """The item encoded for the browser (cached)."""
        with self._lock:
            hit = self._cache.get(item_id)
            if hit is not None:
                self._cache.move_to_end(item_id)
                return hit
            rereads = self._rereads
        media = self._encode(item_id)
        with self._lock:
            if self._rereads == rereads:  # no object read again meanwhile: what was encoded is current
                self._cache[item_id] = media
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return media

    def prefetch(self, item_ids: Iterable[Hashable]) -> None:
        """Encode these items in a background thread so that the next ``media`` call is a hit."""
        todo = [i for i in item_ids if i in self._index and i not in self._cache]
        if not todo or self._kind == "text":
            return
        if self._pool is None:  # remote objects: as many fetches at once as the fetcher allows
            workers = self._fetcher.concurrency if self._fetcher is not None else 1
            self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hitl-prefetch")
        for i in todo[: self._cache_size // 2]:
            self._pool.submit(self._warm, i)

    def _warm(self, item_id: Hashable) -> None:
        try:
            self.media(item_id)
        except Exception:  # reported when the item is really asked for
            pass

    def _encode(self, item_id: Hashable) -> Media:
        value = self.raw(item_id)
        if self._kind == "text":
            return Media("text", "text/plain", str(value))
        if self._kind == "audio":  # a preview: the first 10 seconds; the rest comes from audio()
            a = self.audio(item_id)
            return Media("audio", "audio/wav", a.wav_bytes(0, min(10.0, a.duration_s)))
        if self._kind == "video":  # a poster: the first frame; the frames themselves come from video()
            src = self.video(item_id)
            try:
                return Media("video", "image/jpeg", src.encoded_frame(0), src.width, src.height)
            except ValueError:
                raise
            except Exception as exc:
                raise ValueError(f"item {item_id!r}: cannot read the video's first frame ({exc})") from exc
        mime = PASSTHROUGH_MIME.get(name_suffix(os.fspath(value))) if isinstance(value, (str, Path)) else None
        if mime is not None and self.image_format == "auto":  # already encoded: send its own bytes
            return self._own_bytes(item_id, value, mime)
        im = self.image(item_id)
        buf = io.BytesIO()
        try:
            if im.mode not in PNG_MODES:  # CMYK, YCbCr, LAB, F, ...: PNG cannot hold them, the browser neither
                im = im.convert("RGBA" if im.mode in ("PA", "RGBa") else "RGB")
            fmt = self.image_format
            if fmt == "auto":
                fmt = "png" if im.width * im.height <= PNG_MAX_PIXELS or im.mode in ("RGBA", "LA", "P") else "jpeg"
            if fmt == "jpeg":
                im.convert("RGB").save(buf, format="JPEG", quality=90)
            else:
                im.save(buf, format="PNG", compress_level=1)
        except Exception as exc:
            raise ValueError(f"item {item_id!r}: cannot encode image ({exc})") from exc
        return Media("image", f"image/{fmt}", buf.getvalue(), im.width, im.height)

    def _own_bytes(self, item_id: Hashable, value: str | Path, mime: str) -> Media:
        """An image file's (``Path``) or object's (URL) own bytes, already encoded as ``mime``."""
        source = io.BytesIO(self._fetch(item_id, value)) if isinstance(value, str) else value  # a fetch's error names the item
        try:
            with Image.open(source) as im:
                w, h = im.size
                im.load()  # the whole image decodes: a truncated file is refused, not shown half grey
                mime = Image.MIME.get(im.format or "", mime)  # the bytes' own format (a JPEG named .png)
            data = source.getvalue() if isinstance(source, io.BytesIO) else source.read_bytes()
        except Exception as exc:
            raise ValueError(f"{_item_name(item_id)}: cannot read image {remote.redact_urls(str(value))} "
                             f"({remote.redact_urls(str(exc))})") from exc
        return Media("image", mime, data, w, h)


class _TorchSource:
    """Sequence adapter over a torch Dataset: CHW / HW tensors in [0, 1] or uint8 → HWC numpy."""

    def __init__(self, dataset: Any):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, n: int) -> np.ndarray:
        value = self.dataset[n]
        if isinstance(value, (tuple, list)):
            value = value[0]
        if isinstance(value, Image.Image):
            return np.asarray(value)
        tensor = is_tensor(value)
        arr = to_numpy(value)
        # a tensor is CHW (torch's convention, even when W is 3 or 4); an array is CHW only if it cannot be HWC
        if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and (tensor or arr.shape[-1] not in (1, 3, 4)):
            arr = np.moveaxis(arr, 0, -1)
        return arr


def _open_timed(kind: str, value: Any, where: str, probe: bool = False) -> Any:
    """A VideoSource or AudioSource over a path or array (an audio array comes as ``(samples, rate)``)."""
    if kind == "video":
        from .video import VideoSource

        fps = None
        if _is_frames_and_rate(value):  # (frames, fps), as audio's (samples, sample_rate)
            value, fps = value[0], check_number(f"{where}: fps", value[1], 0, math.inf, low_open=True, high_open=True)
        if not isinstance(value, (str, np.ndarray)):
            raise ValueError(f"{where}: a video must be a file path, a (T, H, W[, C]) array (25 fps) or a (frames, fps) "
                             f"pair, not {type(value).__name__}")
        return VideoSource(value, fps=fps, cache_size=0 if probe else 64, name=where)
    from .audio import AudioSource

    if isinstance(value, str):
        return AudioSource(value, name=where)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], np.ndarray):
        return AudioSource(value[0], sample_rate=value[1], name=where)
    raise ValueError(f"{where}: audio must be a file path or a (samples, sample_rate) pair, not {type(value).__name__}")


def _timed_info(src: Any) -> dict[str, Any]:
    from .video import VideoSource

    if isinstance(src, VideoSource):
        return {"n_frames": src.n_frames, "fps": src.fps, "width": src.width, "height": src.height,
                "duration_s": float(src.times[-1]) + 1.0 / src.fps}
    return {"sample_rate": src.sample_rate, "n_samples": src.n_samples, "n_channels": src.n_channels,
            "duration_s": src.duration_s}


def _item_name(item_id: Hashable, value: Any = None) -> str:
    """How a message names an item: ``item 'a'``, with its file or URL when ``value`` is one (an
    http(s) URL without its query, fragment and user info: ``remote.redact_urls``).

    Example: ``_item_name("a", "https://h/cat.jpg?X-Amz-Signature=f0")`` is ``"item 'a' (https://h/cat.jpg)"``.
    """
    if isinstance(value, (str, os.PathLike)):
        return f"item {item_id!r} ({remote.redact_urls(os.fspath(value))})"
    return f"item {item_id!r}"


def _is_pattern(name: str) -> bool:
    """Whether a name in a list is a glob: it holds ``*`` or ``?`` (``remote.has_glob``'s reading: in
    an http(s) URL ``?`` starts the query). ``[...]`` alone makes none: ``img[2].png`` is a name."""
    return remote.has_glob(name.replace("[", ""))


def _expand_patterns(names: list[str], storage_options: dict | None) -> list[str]:
    """The names of a list, each glob (``_is_pattern``) replaced by what it matches (``remote.expand``);
    a name whose only glob characters are ``[...]`` stays as written, never globbed to a look-alike."""
    return [match for name in names for match in (remote.expand([name], storage_options) if _is_pattern(name) else [name])]


def _brackets_hint(name: str) -> str:
    """For a missing name whose only glob characters are ``[...]``: why it was not globbed, and how
    to ask for a pattern; "" for any other name."""
    if not remote.has_glob(name) or _is_pattern(name):
        return ""
    return ("; in a list, [...] is part of a name, not a glob: for a pattern, give the glob alone as one string "
            "(or, in a list with URLs, use * or ?)")


_QUERY = re.compile(r"[?#]")


def name_suffix(name: str) -> str:
    """``name``'s suffix in lower case; a URL's that of its path, ``?query`` and ``#fragment`` left out
    (a presigned URL), unless only the whole name ends in an image suffix (a key may hold "?" or "#").

    Example: ``name_suffix("https://host/a.JPG?X-Amz-Signature=f0")`` is ``".jpg"``.
    """
    suffix = os.path.splitext(name)[1].lower()
    if "://" not in name or not remote.is_url(name):
        return suffix
    path = os.path.splitext(_QUERY.split(name, 1)[0])[1].lower()
    return path if path in IMAGE_SUFFIXES or suffix not in IMAGE_SUFFIXES else suffix


def _looks_like_audio(data: Any) -> bool:
    """A list of paths that all end in an audio suffix, or of (array, rate) pairs (``kind="auto"``)."""
    if isinstance(data, (str, bytes, np.ndarray)) or not isinstance(data, (list, tuple)) or not data:
        return False
    from .audio import AUDIO_SUFFIXES

    if isinstance(data[0], (str, os.PathLike)):  # one pass that stops at the first item that is not one
        return all(isinstance(x, (str, os.PathLike)) and name_suffix(os.fspath(x)) in AUDIO_SUFFIXES for x in data)
    return all(isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], np.ndarray) for x in data)


def _is_frames_and_rate(value: Any) -> bool:
    """A video array with its frame rate: ``(frames, fps)``, a tuple of an array and a number."""
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], np.ndarray)
            and isinstance(value[1], (int, float, np.integer, np.floating)) and not isinstance(value[1], (bool, np.bool_)))


def _looks_like_videos(data: Any) -> bool:
    """A list of paths that all end in a video suffix, or of 4-D arrays or ``(4-D array, fps)`` pairs
    (``kind="auto"``)."""
    if isinstance(data, (str, bytes, np.ndarray)) or not isinstance(data, (list, tuple)) or not data:
        return False
    from .video import VIDEO_SUFFIXES

    if isinstance(data[0], (str, os.PathLike)):  # one pass that stops at the first item that is not one
        return all(isinstance(x, (str, os.PathLike)) and name_suffix(os.fspath(x)) in VIDEO_SUFFIXES for x in data)
    return all((isinstance(x, np.ndarray) and x.ndim == 4) or (_is_frames_and_rate(x) and x[0].ndim == 4) for x in data)


def _check_texts(texts: list[str], row: Callable[[int], str] = _row_name) -> list[str]:
    """Texts must be valid unicode: a lone surrogate cannot travel to the browser or the store."""
    for n, text in enumerate(texts):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"{row(n)}: text is not valid unicode (a lone surrogate {text[exc.start]!r} at character "
                f"{exc.start}); fix it, e.g. text.encode('utf-8', 'replace').decode()"
            ) from None
    return texts


def _check_image_array(arr: np.ndarray, where: str) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise ValueError(f"{where}: image must be (H, W) or (H, W, 1|3|4), got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return arr
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{where}: dtype must be uint8 or float in [0, 1], got {arr.dtype}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{where}: NaN or infinite pixel values")
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{where}: float pixels must lie in [0, 1] (found {arr.min():.3g}..{arr.max():.3g})")
    return arr


def _pil_pixels(im: Image.Image, where: str) -> Image.Image:
    """``im`` as it is, unless its mode is numeric (F, I, I;16...): then its pixels as an array, read
    by the array rules (``coerce.unit_pixels``: float in [0, 1], uint16 / 65535) and returned as 8-bit
    grey; mode I (int32, no known range) is refused. ``ValueError`` naming ``where``; never clipped."""
    if im.mode not in NUMERIC_MODES:
        return im
    if im.mode == "I":  # refused by its mode: int32 has no known range, whatever the values
        raise ValueError(
            f"{where}: a PIL image of mode 'I' (int32 pixels) has no known range: convert it to uint8 "
            "(0..255, mode 'L'), uint16 (0..65535, mode 'I;16') or floats in [0, 1] (mode 'F')"
        )
    unit = unit_pixels(np.asarray(im), f"{where} (PIL image of mode {im.mode!r})")
    return Image.fromarray(_to_uint8(unit))


def pil_array(image: Image.Image, where: str = "image", keep_alpha: bool = False) -> np.ndarray:
    """A PIL image's pixels as uint8: grey modes (1, L, LA, and the numeric modes, read by
    ``_pil_pixels``: I;16 / 65535, F in [0, 1], mode I refused) as ``(H, W)``, the others (P, RGBA,
    CMYK, YCbCr, LAB...) as RGB ``(H, W, 3)``; with ``keep_alpha``, a mode with an alpha band (LA, PA,
    RGBA; not LAB, whose ``A`` is a colour) as RGBA ``(H, W, 4)``. Never clipped; ``ValueError``
    naming ``where`` for mode I or a mode Pillow cannot convert.

    Example:
        >>> im = Image.new("LA", (3, 2))
        >>> pil_array(im).shape, pil_array(im, keep_alpha=True).shape
        ((2, 3), (2, 3, 4))
    """
    im = _pil_pixels(image, where)
    target = _array_mode(im.mode, keep_alpha)
    if im.mode != target:
        try:
            im = im.convert(target)
        except ValueError as exc:
            raise ValueError(f"{where}: a PIL image of mode {im.mode!r} cannot be converted to {target!r}: "
                             f"convert it first ({exc})") from exc
    return np.asarray(im)


def _array_mode(mode: str, keep_alpha: bool) -> str:
    """The mode ``pil_array`` reads ``mode`` in: RGBA (an ``A`` band kept), L (grey) or RGB."""
    if keep_alpha and ImageMode.getmode(mode).bands[-1] == "A":  # LAB's "A" is a colour band
        return "RGBA"
    return "L" if ImageMode.getmode(mode).basemode == "L" else "RGB"


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    return np.round(arr * 255).astype(np.uint8)
