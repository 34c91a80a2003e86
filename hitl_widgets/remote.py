"""Items from remote storage: fsspec URLs (``s3://``, ``gs://``, ``http(s)://``, ``memory://``, …).

``Items`` keeps a URL as it was given and fetches its bytes only when the item is shown (or
prefetched), through :class:`Fetcher`: at most ``concurrency`` requests at once, the bytes of the
most recent objects kept up to ``cache_bytes``. A glob (``s3://bucket/images/*.jpg``) is expanded
once, when ``Items`` is made (:func:`expand`): ``*``, ``?`` and ``[...]`` are glob characters, except
that in an ``http(s)://`` URL ``?`` starts the query (a presigned URL is no glob). A missing object
raises :class:`ObjectNotFound` (a ``ValueError``) naming the item and the URL when it is fetched, an
object that cannot be fetched (an unknown protocol, a refused request) a ``ValueError`` naming both;
nothing is checked up front, since a pool may hold millions.

fsspec (and aiohttp for HTTP) is the optional ``remote`` extra; ``import hitl_widgets`` never
imports it: this module imports it on first use. Credentials and options for a filesystem go in
``storage_options`` (e.g. ``{"anon": True}`` for a public S3 bucket), as fsspec takes them.
"""
from __future__ import annotations

import glob
import re
import threading
from collections import OrderedDict
from typing import Any

__all__ = ["is_url", "has_glob", "any_glob", "url_flags", "expand", "Fetcher", "ObjectNotFound", "read_bytes"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
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


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise ImportError('items from URLs need fsspec: pip install "hitl-widgets[remote]"') from None
    return fsspec


def expand(names: list[str], storage_options: dict | None = None) -> list[str]:
    """Each glob replaced by the sorted names it matches (URLs through fsspec, local paths by
    ``glob``); other names as they are. A glob that matches nothing is refused, naming it."""
    if not any_glob(names):  # no globs (the common case for long lists): the names as given
        return list(names)
    out: list[str] = []
    for name in names:
        if not has_glob(name):
            out.append(name)
            continue
        if is_url(name):  # fs.glob: get_fs_token_paths expands "*" only, not "?" or "[...]"
            fsspec = _fsspec()
            try:
                fs, path = fsspec.core.url_to_fs(name, **(storage_options or {}))
                paths = fs.glob(path)
            except ImportError:
                raise
            except Exception as exc:
                raise ValueError(f"cannot expand {name!r} ({type(exc).__name__}: {exc})") from exc
            found = sorted(fs.unstrip_protocol(p) if not is_url(p) else p for p in paths)
        else:
            found = sorted(glob.glob(name))
        if not found:
            raise ValueError(f"no files match {name!r}")
        out.extend(found)
    return out


def read_bytes(url: str, storage_options: dict | None = None) -> bytes:
    """The whole object at ``url`` (``FileNotFoundError`` when there is none)."""
    with _fsspec().open(url, "rb", **(storage_options or {})) as f:
        return f.read()


class Fetcher:
    """Fetch objects by URL with bounded concurrency and a bounded cache of their bytes (LRU).

    ``get(url, where)`` returns the bytes; ``where`` (e.g. "item 'cat-3'") names the item in errors.
    ``cached=False`` reads the object again (e.g. to hash what is there now) and caches what it read.
    An object larger than the whole cache is returned but not kept.
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
            with self._lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
                self.fetches += 1
            try:
                data = read_bytes(url, self.storage_options)
            except FileNotFoundError:
                raise ObjectNotFound(f"{where}: no object at {url} (missing or deleted)".lstrip(": ")) from None
            except ImportError:  # fsspec, or the protocol's package (s3fs, gcsfs, ...), is not installed
                raise
            except Exception as exc:  # an unknown protocol (fsspec's ValueError), a refused request, ...
                raise ValueError(f"{where}: cannot fetch {url} ({type(exc).__name__}: {exc})".lstrip(": ")) from exc
            finally:
                with self._lock:
                    self.active -= 1
        with self._lock:
            stale = self._cache.pop(url, None)  # read again (cached=False): the new bytes replace it
            self._size -= len(stale) if stale is not None else 0
            if len(data) <= self.cache_bytes:
                self._cache[url] = data
                self._size += len(data)
                while self._size > self.cache_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._size -= len(old)
        return data
