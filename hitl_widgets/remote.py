"""Items from remote storage: fsspec URLs (``s3://``, ``gs://``, ``http(s)://``, ``memory://``, …).

``Items`` keeps a URL as it was given and fetches its bytes only when the item is shown (or
prefetched), through :class:`Fetcher`: at most ``concurrency`` requests at once, the bytes of the
most recent objects kept up to ``cache_bytes``. A glob (``s3://bucket/images/*.jpg``) is expanded
once, when ``Items`` is made (:func:`expand`): ``*``, ``?`` and ``[...]`` are glob characters, except
that in an ``http(s)://`` URL ``?`` starts the query (a presigned URL is no glob); a name that exists
as it is written (``img[1].png``) is that object, never a glob. A missing object raises
:class:`ObjectNotFound` (a ``ValueError``) naming the item and the URL when it is fetched (an
``http(s)`` URL only on a 404 response), an object that cannot be fetched (an unknown protocol, a
refused connection or request) a ``ValueError`` naming both; nothing is checked up front, since a
pool may hold millions. Messages show an ``http(s)`` URL without its query, fragment and user info
(:func:`redact_urls`): a presigned URL's signature and credential never reach a message or a log.

fsspec (and aiohttp for HTTP) is the optional ``remote`` extra; ``import hitl_widgets`` never
imports it: this module imports it on first use. Credentials and options for a filesystem go in
``storage_options`` (e.g. ``{"anon": True}`` for a public S3 bucket), as fsspec takes them.
"""
from __future__ import annotations

import glob
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

__all__ = ["is_url", "has_glob", "any_glob", "url_flags", "expand", "redact_urls", "Fetcher", "ObjectNotFound",
           "read_bytes"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_HTTP = re.compile(r"(?i)https?://")
# an http(s) URL in a text: the scheme, user info ("user:pw@", left out), host and path (kept), then
# "?query" / "#fragment" (left out) up to a space, a quote or an angle bracket
_HTTP_IN_TEXT = re.compile(r"(?i)(https?://)(?:[^\s/?#@'\"<>]*@)?([^\s?#'\"<>]*)(?:[?#][^\s'\"<>]*)?")
#: defaults of a Fetcher (Items(remote_options={...}) overrides them)
CONCURRENCY = 8
CACHE_BYTES = 256 << 20


def is_url(value: Any) -> bool:
    """Whether ``value`` is a string with a protocol (``s3://…``, ``https://…``, ``memory://…``)."""
    return isinstance(value, str) and bool(_URL.match(value))


# a glob: "*", "?" or "[" anywhere; in an http(s) URL "*" or "[" in its path (after the host, which
# may be an IPv6 "[::1]", and before "?query" / "#fragment": "?" starts the query there)
_GLOB = re.compile(r"(?i:https?://)[^/?#]*/[^?#*\[]*[*\[]|(?!(?i:https?://))[^*?\[]*[*?\[]")


class ObjectNotFound(ValueError):
    """No object at a URL (missing or deleted): a ``ValueError`` naming the item and the URL."""


def has_glob(value: str) -> bool:
    """Whether ``value`` holds a glob (``*``, ``?``, ``[``; in an http(s) URL, ``?`` starts the query)."""
    return _GLOB.match(value) is not None


def any_glob(names: list[str]) -> bool:
    """Whether some name holds a glob (as ``has_glob``), at C speed."""
    return any(map(_GLOB.match, names))


def url_flags(names: list[str]) -> list[bool]:
    """``is_url`` of each name, at C speed (a pool may hold millions of names)."""
    return [m is not None for m in map(_URL.match, names)]


def redact_urls(text: str) -> str:
    """``text`` with every ``http(s)`` URL in it cut to its scheme, host and path: the query, the
    fragment and user info (where presigned URLs carry signatures and credentials) left out. Other
    URLs stay whole (in ``s3://b/a?.png`` the ``?`` is part of the object's name).

    >>> redact_urls("no object at https://h/b/cat.jpg?X-Amz-Signature=ab12#top")
    'no object at https://h/b/cat.jpg'
    """
    return _HTTP_IN_TEXT.sub(r"\1\2", text)


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise ImportError('items from URLs need fsspec: pip install "hitl-widgets[remote]"') from None
    return fsspec


def expand(names: list[str], storage_options: dict | None = None) -> list[str]:
    """Each glob replaced by the sorted names it matches (URLs through fsspec, local paths by
    ``glob``); other names as they are. A name that exists as it is written is kept, not globbed
    (``img[1].png`` is that object, not ``img1.png``). A glob that matches nothing is refused, naming it.

    >>> expand(["images/*.png", "s3://b/a.png"])  # doctest: +SKIP
    ['images/x.png', 'images/y.png', 's3://b/a.png']
    """
    if not any_glob(names):  # no globs (the common case for long lists): the names as given
        return list(names)
    out: list[str] = []
    for name in names:
        out.extend(_glob_matches(name, storage_options) if has_glob(name) else [name])
    return out


def _glob_matches(name: str, storage_options: dict | None) -> list[str]:
    """``[name]`` where an object has that very name, else the sorted names its glob matches (not none)."""
    if is_url(name):
        found = _url_glob_matches(name, storage_options)
    else:
        # files only (a folder is no item), and "**" spans folders as fsspec's does for URLs
        found = [name] if os.path.isfile(name) else sorted(p for p in glob.glob(name, recursive=True) if os.path.isfile(p))
    if not found:
        raise ValueError(f"no files match {redact_urls(name)!r}")
    return found


def _url_glob_matches(name: str, storage_options: dict | None) -> list[str]:
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(name, **(storage_options or {}))
        if fs.isfile(path):  # fs.glob: get_fs_token_paths expands "*" only, not "?" or "[...]"
            return [name]
        paths = [p for p, info in fs.glob(path, detail=True).items() if info.get("type") != "directory"]  # files only
    except ImportError:
        raise
    except Exception as exc:
        raise ValueError(f"cannot expand {redact_urls(name)!r} ({_describe(exc)})") from _cause_to_chain(name, exc)
    return sorted(p if is_url(p) else fs.unstrip_protocol(p) for p in paths)


def _errors_in_chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the errors it was raised from (``__cause__``, else ``__context__``), outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _describe(exc: BaseException) -> str:
    """``Type: message`` of the error behind ``exc`` (what fsspec wrapped in a ``FileNotFoundError``,
    e.g. a refused connection), its URLs redacted."""
    inner = next((e for e in _errors_in_chain(exc) if not isinstance(e, FileNotFoundError)), exc)
    return f"{type(inner).__name__}: {redact_urls(str(inner))}"


def _cause_to_chain(url: str, exc: BaseException) -> BaseException | None:
    """The cause to chain to an error about ``url``: none for an http(s) URL, whose original errors
    print the whole URL (its signature) in a traceback; the message names the cause instead."""
    return None if _HTTP.match(url) else exc


def _is_http_404(exc: BaseException) -> bool:
    """Whether an http(s) read failed on a 404 response. fsspec's HTTP backend raises
    ``FileNotFoundError`` for a 404 (bare, or from aiohttp's error with ``status`` 404) and for a
    failed connection too (from aiohttp's connection error, which has no status): only the first is
    a missing object."""
    chain = list(_errors_in_chain(exc))
    return any(getattr(e, "status", None) == 404 for e in chain) or all(
        isinstance(e, FileNotFoundError) for e in chain
    )


def _is_missing_object(url: str, exc: BaseException) -> bool:
    if _HTTP.match(url):
        return _is_http_404(exc)
    return isinstance(exc, FileNotFoundError)


def read_bytes(url: str, storage_options: dict | None = None) -> bytes:
    """The whole object at ``url`` (``FileNotFoundError`` when there is none)."""
    with _fsspec().open(url, "rb", **(storage_options or {})) as f:
        return f.read()


class Fetcher:
    """Fetch objects by URL with bounded concurrency and a bounded cache of their bytes (LRU).

    ``get(url, where)`` returns the bytes; ``where`` (e.g. "item 'cat-3'") names the item in errors.
    ``cached=False`` reads the object again (e.g. to hash what is there now) and caches what it read.
    A read's bytes are cached only if no later read of the same URL began while it ran, so a slow
    read of an object's old bytes never replaces a newer read's. An object larger than the whole
    cache is returned but not kept.
    """

    def __init__(self, concurrency: int = CONCURRENCY, cache_bytes: int = CACHE_BYTES, storage_options: dict | None = None):
        if int(concurrency) < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.concurrency = int(concurrency)
        self.cache_bytes = max(0, int(cache_bytes))
        self.storage_options = dict(storage_options or {})
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._reads_begun = 0
        self._latest_read: dict[str, int] = {}  # URL -> the number of its latest read, while one runs
        self.active = 0  # requests in flight now
        self.peak = 0  # the most in flight at once so far
        self.fetches = 0  # objects read so far (cache misses)

    @property
    def cached_bytes(self) -> int:
        return self._size

    def get(self, url: str, where: str = "", cached: bool = True) -> bytes:
        with self._lock:
            data = self._cache.get(url) if cached else None
            if data is not None:
                self._cache.move_to_end(url)
                return data
        with self._slots:
            read = self._begin_read(url)
            try:
                data = self._read(url, where)
            except BaseException:
                self._end_read(url, read, None)
                raise
            self._end_read(url, read, data)
        return data

    def _begin_read(self, url: str) -> int:
        """Count a read of ``url`` as begun; its number (a later read of the URL gets a larger one)."""
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.fetches += 1
            self._reads_begun += 1
            self._latest_read[url] = self._reads_begun
            return self._reads_begun

    def _end_read(self, url: str, read: int, data: bytes | None) -> None:
        """Cache ``data`` (None: the read failed) if read number ``read`` is still the URL's latest."""
        with self._lock:
            self.active -= 1
            if self._latest_read.get(url) != read:  # a later read began: its bytes are the newer ones
                return
            del self._latest_read[url]
            if data is not None:
                self._store(url, data)

    def _read(self, url: str, where: str) -> bytes:
        prefix = f"{where}: " if where else ""
        try:
            return read_bytes(url, self.storage_options)
        except ImportError:  # fsspec, or the protocol's package (s3fs, gcsfs, ...), is not installed
            raise
        except Exception as exc:  # a missing object; an unknown protocol, a refused connection, ...
            if _is_missing_object(url, exc):
                raise ObjectNotFound(f"{prefix}no object at {redact_urls(url)} (missing or deleted)") from None
            raise ValueError(f"{prefix}cannot fetch {redact_urls(url)} ({_describe(exc)})") from _cause_to_chain(url, exc)

    def _store(self, url: str, data: bytes) -> None:
        """Cache ``data`` as the bytes of ``url`` (in place of older ones), the oldest dropped past the limit."""
        stale = self._cache.pop(url, None)
        self._size -= len(stale) if stale is not None else 0
        if len(data) <= self.cache_bytes:
            self._cache[url] = data
            self._size += len(data)
            while self._size > self.cache_bytes:
                _, old = self._cache.popitem(last=False)
                self._size -= len(old)
