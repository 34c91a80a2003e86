"""Items from remote storage: fsspec URLs (``s3://``, ``gs://``, ``http(s)://``, ``memory://``, …).

``Items`` keeps a URL as it was given and fetches its bytes only when the item is shown (or
prefetched), through :class:`Fetcher`: at most ``concurrency`` requests at once, the bytes of the
most recent objects kept up to ``cache_bytes``. A glob (``s3://bucket/images/*.jpg``) is expanded
once, when ``Items`` is made (:func:`expand`). A missing object raises ``ValueError`` naming the item
and the URL when it is fetched; nothing is checked up front, since a pool may hold millions.

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

__all__ = ["is_url", "has_glob", "any_glob", "url_flags", "expand", "Fetcher", "read_bytes"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
#: defaults of a Fetcher (Items(remote_options={...}) overrides them)
CONCURRENCY = 8
CACHE_BYTES = 256 << 20


def is_url(value: Any) -> bool:
    """Whether ``value`` is a string with a protocol (``s3://…``, ``https://…``, ``memory://…``)."""
    return isinstance(value, str) and bool(_URL.match(value))


_GLOB = re.compile(r"[*?\[]")


def has_glob(value: str) -> bool:
    return _GLOB.search(value) is not None


def any_glob(names: list[str]) -> bool:
    """Whether some name holds a glob (``*``, ``?``, ``[``), at C speed."""
    return any(map(_GLOB.search, names))


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
        if is_url(name):
            fs, _, paths = _fsspec().core.get_fs_token_paths(name, storage_options=storage_options or {})
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

    def get(self, url: str, where: str = "") -> bytes:
        with self._lock:
            data = self._cache.get(url)
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
                raise ValueError(f"{where}: no object at {url} (missing or deleted)".lstrip(": ")) from None
            except (ImportError, ValueError):
                raise
            except Exception as exc:
                raise ValueError(f"{where}: cannot fetch {url} ({type(exc).__name__}: {exc})".lstrip(": ")) from exc
            finally:
                with self._lock:
                    self.active -= 1
        if len(data) <= self.cache_bytes:
            with self._lock:
                if url not in self._cache:
                    self._cache[url] = data
                    self._size += len(data)
                while self._size > self.cache_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._size -= len(old)
        return data
