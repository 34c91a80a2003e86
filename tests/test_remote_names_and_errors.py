"""remote.py: names that exist are never globbed; a stale read never replaces a fresher one in the
cache; an http(s) object is "missing" only on a 404; messages never show a URL's query."""
from __future__ import annotations

import http.server
import io
import socket
import threading
import traceback

import numpy as np
import pytest
from PIL import Image

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("aiohttp")

from hitl_widgets import Items, remote  # noqa: E402
from hitl_widgets.remote import Fetcher, ObjectNotFound  # noqa: E402

SECRET = "X-Amz-Credential=AKIAEXAMPLE%2F20250101&X-Amz-Signature=deadbeefsecret"


def _png(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (2, 2), color).save(buf, format="PNG")
    return buf.getvalue()


def _pixel(items: Items, item_id) -> list[int]:
    return np.asarray(items.image(item_id))[0, 0].tolist()


@pytest.fixture
def lookalikes():
    """A bucket holding ``img[1].png`` (red) and the name its glob matches, ``img1.png`` (blue)."""
    fs = fsspec.filesystem("memory")
    root = f"/lookalikes-{id(fs)}"
    fs.pipe(f"{root}/img[1].png", _png("red"))
    fs.pipe(f"{root}/img1.png", _png("blue"))
    fs.pipe(f"{root}/other.png", _png("green"))
    yield f"memory://{root.lstrip('/')}"
    fs.rm(root, recursive=True)


# --- 1. a name that exists is that object, never a glob -------------------------------------------

def test_an_existing_url_with_brackets_is_that_object_not_a_lookalike(lookalikes):
    named = [f"{lookalikes}/img[1].png", f"{lookalikes}/other.png"]
    assert remote.expand(named) == named
    items = Items(named)
    assert items.raw(0) == named[0] and _pixel(items, 0) == [255, 0, 0]
    one = Items(named[0])  # as one string too
    assert len(one) == 1 and one.raw(0) == named[0] and _pixel(one, 0) == [255, 0, 0]


def test_an_existing_url_with_brackets_and_no_lookalike_is_found(lookalikes):
    fsspec.filesystem("memory").rm(f"{lookalikes.split('://')[1]}/img1.png")
    items = Items(f"{lookalikes}/img[1].png")  # was refused: "no files match"
    assert len(items) == 1 and _pixel(items, 0) == [255, 0, 0]


def test_a_glob_over_names_with_brackets_keeps_each_name(lookalikes):
    items = Items(f"{lookalikes}/*.png")  # its matches were globbed again: img[1].png became img1.png
    names = [items.raw(i).rsplit("/", 1)[1] for i in items.ids]
    assert names == ["img1.png", "img[1].png", "other.png"]
    assert [_pixel(items, i) for i in items.ids] == [[0, 0, 255], [255, 0, 0], [0, 128, 0]]


def test_a_local_path_with_brackets_is_that_file(tmp_path):
    (tmp_path / "img[1].png").write_bytes(_png("red"))
    (tmp_path / "img1.png").write_bytes(_png("blue"))
    items = Items(str(tmp_path / "img[1].png"))
    assert [items.raw(i).name for i in items.ids] == ["img[1].png"] and _pixel(items, 0) == [255, 0, 0]
    assert remote.expand([str(tmp_path / "img[1].png")]) == [str(tmp_path / "img[1].png")]


def test_a_name_that_neither_exists_nor_matches_is_refused(tmp_path, lookalikes):
    with pytest.raises(ValueError, match=r"no files match .*img\[2\]\.png"):
        remote.expand([str(tmp_path / "img[2].png")])
    with pytest.raises(ValueError, match=r"no files match .*img\[2\]\.png"):
        remote.expand([f"{lookalikes}/img[2].png"])


# --- 2. a slow read of old bytes never replaces a newer read's in the cache -----------------------

class _Server:
    """A fake object store: ``read_bytes`` returns an object's bytes; the first read of ``slow``
    holds its bytes until ``release`` is set, and sets ``has_read`` once it has them."""

    def __init__(self, objects: dict[str, bytes], slow: str):
        self.objects = dict(objects)
        self.slow = slow
        self.has_read = threading.Event()
        self.release = threading.Event()

    def read_bytes(self, url: str, storage_options=None) -> bytes:
        data = self.objects[url]
        if url == self.slow and not self.has_read.is_set():
            self.has_read.set()
            assert self.release.wait(10), "the test never released the slow read"
        return data


@pytest.mark.parametrize("cached", [False, True])
def test_a_slow_old_read_does_not_replace_a_newer_one_in_the_cache(monkeypatch, cached):
    url = "memory://b/x.png"
    server = _Server({url: b"OLD"}, slow=url)
    monkeypatch.setattr(remote, "read_bytes", server.read_bytes)
    fetcher = Fetcher()
    results: list[bytes] = []
    view = threading.Thread(target=lambda: results.append(fetcher.get(url, "item 0")))
    view.start()  # the view's read: it has OLD, and is slow to finish
    assert server.has_read.wait(10)
    server.objects[url] = b"NEW"  # the object is replaced
    assert fetcher.get(url, "item 0", cached=cached) == b"NEW"  # a later read (a re-read to hash it)
    server.release.set()
    view.join(10)
    assert results == [b"OLD"]  # the slow read returns what it read...
    assert fetcher.get(url, "item 0") == b"NEW"  # ...but the cache keeps the newer read's bytes
    assert fetcher.fetches == 2 and fetcher._latest_read == {}
    assert fetcher.cached_bytes == len(b"NEW")


def test_a_failed_read_caches_nothing_and_leaves_no_bookkeeping(monkeypatch):
    def refuse(url, storage_options=None):
        raise PermissionError("denied")

    monkeypatch.setattr(remote, "read_bytes", refuse)
    fetcher = Fetcher()
    with pytest.raises(ValueError, match=r"item 3: cannot fetch memory://b/x\.png \(PermissionError: denied\)"):
        fetcher.get("memory://b/x.png", "item 3")
    assert fetcher._latest_read == {} and fetcher.cached_bytes == 0 and fetcher.active == 0


# --- 3. http(s): missing only on a 404; no query string in any message -----------------------------

def _raise(exc: BaseException, cause: BaseException | None = None):
    def read(url, storage_options=None):
        raise exc from cause
    return read


class _Response(Exception):
    """Like aiohttp's ClientResponseError: an HTTP error with a status."""

    def __init__(self, status: int, url: str):
        super().__init__(f"{status}, message='x', url='{url}'")
        self.status = status


@pytest.mark.parametrize(("error", "cause", "missing"), [
    (FileNotFoundError("u"), None, True),  # fsspec's own report of a 404 response
    (FileNotFoundError("u"), _Response(404, "u"), True),  # HEAD / GET failed with 404
    (_Response(404, "u"), None, True),  # a ranged read after the object went
    (FileNotFoundError("u"), ConnectionRefusedError(111, "Connect call failed"), False),
    (FileNotFoundError("u"), _Response(403, "u"), False),  # an expired presigned URL
    (FileNotFoundError("u"), TimeoutError("timed out"), False),
])
def test_an_http_object_is_missing_only_on_a_404(monkeypatch, error, cause, missing):
    monkeypatch.setattr(remote, "read_bytes", _raise(error, cause))
    with pytest.raises(ValueError) as info:
        Fetcher().get("https://h.example/b/cat.jpg", "item 'cat-3'")
    assert isinstance(info.value, ObjectNotFound) == missing
    if not missing:
        assert str(info.value).startswith("item 'cat-3': cannot fetch https://h.example/b/cat.jpg (")
        assert type(cause).__name__ in str(info.value)


def test_a_missing_object_elsewhere_is_any_file_not_found(monkeypatch):
    monkeypatch.setattr(remote, "read_bytes", _raise(FileNotFoundError("x"), OSError("y")))
    with pytest.raises(ObjectNotFound, match=r"item 1: no object at s3://b/a\?\.png \(missing or deleted\)"):
        Fetcher().get("s3://b/a?.png", "item 1")


def test_redact_urls_leaves_out_http_queries_fragments_and_user_info():
    text = (f"GET https://user:pw@h.example/b/cat.jpg?{SECRET}#top failed; url=URL('http://h/x.png?sig=1') "
            "and s3://b/a?.png, memory://b/c#d.png stay")
    assert remote.redact_urls(text) == ("GET https://h.example/b/cat.jpg failed; url=URL('http://h/x.png') "
                                        "and s3://b/a?.png, memory://b/c#d.png stay")
    assert remote.redact_urls("HTTPS://h/a.png?x=1") == "HTTPS://h/a.png"


def _handler(png: bytes) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        """/ok.png: an image; /forbidden.png: 403 (an expired signature); anything else: 404."""

        def _respond(self, body: bool) -> None:
            path = self.path.split("?", 1)[0]
            status = {"/ok.png": 200, "/forbidden.png": 403}.get(path, 404)
            data = png if status == 200 else b"no"
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def do_GET(self):
            self._respond(True)

        def do_HEAD(self):
            self._respond(False)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def http_base():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(_png("red")))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _error_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))  # what a log of it would show


def test_http_404_403_and_refused_connection_against_a_server(http_base, closed_port):
    fetcher = Fetcher()
    assert fetcher.get(f"{http_base}/ok.png?{SECRET}") == _png("red")
    with pytest.raises(ObjectNotFound) as missing:
        fetcher.get(f"{http_base}/gone.png?{SECRET}", "item 'a'")
    assert str(missing.value) == f"item 'a': no object at {http_base}/gone.png (missing or deleted)"
    with pytest.raises(ValueError) as forbidden:
        fetcher.get(f"{http_base}/forbidden.png?{SECRET}", "item 'b'")
    assert not isinstance(forbidden.value, ObjectNotFound) and "403" in str(forbidden.value)
    assert str(forbidden.value).startswith(f"item 'b': cannot fetch {http_base}/forbidden.png (")
    refused_url = f"http://127.0.0.1:{closed_port}/bucket/cat.jpg?{SECRET}#frag"
    with pytest.raises(ValueError) as refused:
        fetcher.get(refused_url, "item 'cat-3'")
    assert not isinstance(refused.value, ObjectNotFound)
    assert str(refused.value).startswith(f"item 'cat-3': cannot fetch http://127.0.0.1:{closed_port}/bucket/cat.jpg (")
    assert "Cannot connect" in str(refused.value)
    for error in (missing.value, forbidden.value, refused.value):
        text = _error_text(error)
        assert "deadbeefsecret" not in text and "AKIAEXAMPLE" not in text and "#frag" not in text


def test_expand_messages_leave_out_the_query(closed_port):
    with pytest.raises(ValueError, match=r"cannot expand 'http://127\.0\.0\.1:\d+/b/\*\.png' \(") as info:
        remote.expand([f"http://127.0.0.1:{closed_port}/b/*.png?{SECRET}"])
    assert "deadbeefsecret" not in _error_text(info.value)


def test_items_messages_about_an_unreadable_url_image_leave_its_signature_out():
    """Items' own messages (an object that is not an image) show the URL without its query."""

    class NotAnImage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "12")
            self.end_headers()
            self.wfile.write(b"not an image")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotAnImage)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        items = Items([f"{base}/cat.png?{SECRET}"])
        with pytest.raises(ValueError) as bad:
            items.media(0)
        assert f"{base}/cat.png" in str(bad.value) and "Signature" not in _error_text(bad.value)
    finally:
        httpd.shutdown()
        httpd.server_close()


# --- 5. in a list, [...] alone is part of a name, never a glob ----------------------------------

BRACKETS_HINT = r"in a list, \[\.\.\.\] is part of a name, not a glob"


def _without_brackets_name(lookalikes: str) -> str:
    """Remove ``img[1].png``: its glob still matches the look-alike ``img1.png``."""
    fsspec.filesystem("memory").rm_file(f"{lookalikes.split('://')[1]}/img[1].png")  # rm would glob it
    return f"{lookalikes}/img[1].png"


def test_a_missing_url_with_brackets_in_a_list_is_missing_not_its_lookalike(lookalikes):
    missing = _without_brackets_name(lookalikes)
    items = Items([missing, f"{lookalikes}/other.png"])  # was bound to img1.png, silently
    assert items.raw(0) == missing
    with pytest.raises(ObjectNotFound, match=rf"item 0: no object at .*/img\[1\]\.png .*; {BRACKETS_HINT}"):
        items.media(0)
    assert _pixel(items, 1) == [0, 128, 0]


def test_a_missing_local_path_with_brackets_in_a_list_is_missing_not_its_lookalike(tmp_path, lookalikes):
    (tmp_path / "img1.png").write_bytes(_png("blue"))
    with pytest.raises(ValueError, match=rf"item 1: image file not found: .*img\[1\]\.png; {BRACKETS_HINT}"):
        Items([f"{lookalikes}/other.png", str(tmp_path / "img[1].png")])  # was bound to img1.png
    with pytest.raises(ValueError, match=rf"item 0: image file not found: .*img\[1\]\.png; {BRACKETS_HINT}"):
        Items([str(tmp_path / "img[1].png")])


def test_star_and_question_mark_in_a_list_still_glob(lookalikes):
    missing = _without_brackets_name(lookalikes)
    for pattern in ("img?.png", "img*.png", "img[0-9]*.png"):
        items = Items([f"{lookalikes}/{pattern}", f"{lookalikes}/other.png"])
        assert items.raw(0).endswith("/img1.png") and _pixel(items, 0) == [0, 0, 255]
    one = Items(missing)  # alone, as one string, [...] is a glob
    assert one.raw(0).endswith("/img1.png")
