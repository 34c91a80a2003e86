"""Items from remote storage (hitl_widgets.remote): fsspec URLs and globs, fetched lazily with a
bounded cache and bounded concurrency, a missing object named by its item; on fsspec's memory
filesystem and on a local HTTP server started here."""
from __future__ import annotations

import functools
import http.server
import io
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from PIL import Image

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("aiohttp")

from hitl_widgets import Items  # noqa: E402
from hitl_widgets.remote import Fetcher  # noqa: E402


def _png(value: int, size: int = 6) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((size, size, 3), value, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def bucket():
    fs = fsspec.filesystem("memory")
    for i in range(5):
        fs.pipe(f"/bucket-{id(fs)}/cats/{i}.png", _png(10 * i))
    fs.pipe(f"/bucket-{id(fs)}/cats/notes.txt", b"not an image")
    yield f"memory://bucket-{id(fs)}"
    fs.rm(f"/bucket-{id(fs)}", recursive=True)


def test_memory_urls_are_fetched_lazily_and_cached(bucket):
    urls = [f"{bucket}/cats/{i}.png" for i in range(5)]
    items = Items(urls, ids=[f"cat{i}" for i in range(5)], remote_options={"cache_bytes": 10_000})
    assert items._fetcher.fetches == 0  # nothing fetched when Items is made
    m = items.media("cat3")
    assert m.mime == "image/png" and m.data == _png(30) and (m.width, m.height) == (6, 6)
    assert np.asarray(items.image("cat2"))[0, 0].tolist() == [20, 20, 20]
    assert items.raw("cat1") == urls[1]
    assert items._fetcher.fetches == 2
    items.image("cat2")
    assert items._fetcher.fetches == 2  # from the cache


def test_glob_expands_sorted_and_names_no_match(bucket):
    items = Items(f"{bucket}/cats/*.png")
    assert len(items) == 5
    assert [str(items.raw(i)).rsplit("/", 1)[1] for i in items.ids] == [f"{i}.png" for i in range(5)]
    assert np.asarray(items.image(4))[0, 0, 0] == 40
    with pytest.raises(ValueError, match=r"no files match .*dogs/\*\.png"):
        Items(f"{bucket}/dogs/*.png")


def test_a_list_may_mix_urls_local_paths_and_path_objects(bucket, tmp_path):
    from pathlib import Path

    from hitl_widgets.items import RangeIds

    for name, value in (("a.png", 70), ("b.png", 80)):
        (tmp_path / name).write_bytes(_png(value))
    items = Items([f"{bucket}/cats/1.png", str(tmp_path / "a.png"), tmp_path / "b.png"])
    assert isinstance(items.ids, RangeIds) and items.raw(0) == f"{bucket}/cats/1.png"
    assert isinstance(items.raw(2), Path) and items.raw(2) == tmp_path / "b.png"
    assert [int(np.asarray(items.image(i))[0, 0, 0]) for i in items.ids] == [10, 70, 80]
    assert items._fetcher.fetches == 1  # only the URL went through fsspec
    with pytest.raises(ValueError, match=r"item 1: image file not found: .*gone\.png"):
        Items([f"{bucket}/cats/0.png", str(tmp_path / "gone.png")])  # local paths are checked up front
    with pytest.raises(ValueError, match="a list with URL globs becomes a different number of items"):
        Items([f"{bucket}/cats/*.png", str(tmp_path / "a.png")])
    one = Items([f"{bucket}/cats/3*.png", str(tmp_path / "a.png")])  # a glob matching one object: the same length
    assert len(one) == 2 and one.raw(0).endswith("/cats/3.png") and np.asarray(one.image(0))[0, 0, 0] == 30


def test_missing_object_names_the_item(bucket):
    items = Items([f"{bucket}/cats/0.png", f"{bucket}/cats/gone.png"], ids=["ok", "lost"])
    items.media("ok")
    with pytest.raises(ValueError, match=r"item 'lost': no object at memory://.*/cats/gone\.png"):
        items.media("lost")
    with pytest.raises(ValueError, match=r"item 'lost'"):
        items.image("lost")


def test_cache_is_bounded_by_bytes(bucket):
    limit = len(_png(30)) + len(_png(40))  # room for the last two objects
    fetcher = Fetcher(cache_bytes=limit)
    for i in range(5):
        fetcher.get(f"{bucket}/cats/{i}.png", f"item {i}")
    assert fetcher.cached_bytes == limit and len(fetcher._cache) == 2
    fetcher.get(f"{bucket}/cats/4.png")
    assert fetcher.fetches == 5  # the most recent stayed
    fetcher.get(f"{bucket}/cats/0.png")
    assert fetcher.fetches == 6  # the oldest was dropped


class _SlowHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; each request takes 50 ms and is counted while in flight."""

    lock = threading.Lock()
    active = 0
    peak = 0

    def do_GET(self):
        cls = type(self)
        with cls.lock:
            cls.active += 1
            cls.peak = max(cls.peak, cls.active)
        try:
            time.sleep(0.05)
            super().do_GET()
        finally:
            with cls.lock:
                cls.active -= 1

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    for i in range(12):
        (tmp_path / f"{i}.png").write_bytes(_png(i * 20))
    handler = type("Handler", (_SlowHandler,), {"active": 0, "peak": 0, "lock": threading.Lock()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def test_http_items_with_bounded_concurrency(server):
    base, handler = server
    items = Items([f"{base}/{i}.png" for i in range(12)], remote_options={"concurrency": 3})
    assert handler.peak == 0  # lazily: no request yet
    assert np.asarray(items.image(5))[0, 0, 0] == 100
    handler.peak = 0
    items.prefetch(items.ids)  # 12 wanted, 11 not cached yet: fetched in the background, 3 at a time
    deadline = time.time() + 20
    while len(items._cache) < 11 and time.time() < deadline:
        time.sleep(0.02)
    assert items._fetcher.peak <= 3 and handler.peak <= 3
    assert handler.peak >= 2  # it did fetch concurrently
    assert items.media(11).data == _png(220)


def test_http_missing_object_names_the_item(server):
    base, _ = server
    items = Items([f"{base}/0.png", f"{base}/nope.png"], ids=["a", "b"])
    assert items.media("a").mime == "image/png"
    with pytest.raises(ValueError, match=r"item 'b': no object at http://127\.0\.0\.1:\d+/nope\.png"):
        items.media("b")


def test_import_hitl_widgets_does_not_import_fsspec():
    code = "import sys, hitl_widgets; from hitl_widgets import Items; Items(['a.txt']); print('fsspec' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_local_glob_string(tmp_path):
    for name in ("b.png", "a.png", "c.txt"):
        (tmp_path / name).write_bytes(_png(7) if name.endswith(".png") else b"x")
    items = Items(str(tmp_path / "*.png"))
    assert [items.raw(i).name for i in items.ids] == ["a.png", "b.png"]
    with pytest.raises(ValueError, match=r"no files match"):
        Items(str(tmp_path / "*.jpg"))


def test_url_globs_with_question_marks_and_brackets_expand(bucket):
    items = Items(f"{bucket}/cats/?.png")
    assert [items.raw(i).rsplit("/", 1)[1] for i in items.ids] == [f"{i}.png" for i in range(5)]
    items = Items(f"{bucket}/cats/[1-3].png")
    assert [items.raw(i).rsplit("/", 1)[1] for i in items.ids] == ["1.png", "2.png", "3.png"]
    assert np.asarray(items.image(2))[0, 0, 0] == 30
    with pytest.raises(ValueError, match=r"no files match .*dogs/\?\.png"):
        Items(f"{bucket}/dogs/?.png")


def test_presigned_urls_are_images_and_their_query_is_no_glob(server, monkeypatch):
    from hitl_widgets import remote

    base, _ = server
    urls = [f"{base}/{i}.png?X-Amz-Signature=abc{i}&X-Amz-Expires=60#frag" for i in range(3)]
    assert not remote.any_glob(urls) and remote.has_glob(f"{base}/*.png?sig=1") and remote.has_glob("s3://b/img?.png")
    monkeypatch.setattr(remote, "expand", lambda *a, **k: pytest.fail("a URL's query was taken for a glob"))
    items = Items(urls)
    assert items.kind_of_all == "image" and items.raw(1) == urls[1]
    m = items.media(1)
    assert m.mime == "image/png" and m.data == _png(20)
    assert Items([f"{base}/img?id=3"]).is_text  # no image suffix in its path: as before, kind="image" for those


def test_unknown_protocol_names_the_item_and_url():
    items = Items(["nosuch://b/a.png", "nosuch://b/c.png"], ids=["a", "b"])
    with pytest.raises(ValueError, match=r"item 'b': cannot fetch nosuch://b/c\.png \(.*Protocol not known: nosuch"):
        items.media("b")
    with pytest.raises(ValueError, match=r"cannot expand 'nosuch://b/\*\.png' \(.*Protocol not known"):
        Items("nosuch://b/*.png")


def test_fetch_uncached_reads_the_object_again(bucket):
    fetcher = Fetcher(cache_bytes=10_000)
    url = f"{bucket}/cats/0.png"
    assert fetcher.get(url) == _png(0)
    fsspec.filesystem("memory").pipe(url.split("://", 1)[1], _png(99, size=9))
    assert fetcher.get(url) == _png(0)  # from the cache
    assert fetcher.get(url, cached=False) == _png(99, size=9) == fetcher.get(url)  # read again, and cached
    assert fetcher.cached_bytes == len(_png(99, size=9)) and fetcher.fetches == 2


@pytest.mark.parametrize("url", ["https://h.example/a.wav", "https://h.example/a.wav?X-Amz-Signature=1",
                                 "https://h.example/a.mp4", "s3://bucket/a.mp4?versionId=2"])
def test_audio_and_video_urls_are_refused_not_bound_as_texts(url):
    """Audio and video are read from local files: a URL is refused naming the item, presigned or not
    (a presigned one was bound as a text item)."""
    with pytest.raises(ValueError, match=r"item 0 \(.*\): (audio|video) is read from local files, not URLs"):
        Items([url])


@pytest.mark.parametrize("suffix", ["png", "bmp"])  # sent as the object's own bytes / encoded here
def test_reading_an_object_again_refreshes_its_media(bucket, suffix):
    """A read of the object again (``cached=False``, as ``certificates.item_hash`` does) that finds new
    bytes is what the view shows next, not the media encoded from the old ones."""
    fs = fsspec.filesystem("memory")
    url = f"{bucket}/cats/changing.{suffix}"

    def put(value: int) -> None:
        buf = io.BytesIO()
        Image.fromarray(np.full((6, 6, 3), value, dtype=np.uint8)).save(buf, format=suffix.upper())
        fs.pipe(url.split("://", 1)[1], buf.getvalue())

    def shown(items: Items) -> int:
        return int(np.asarray(Image.open(io.BytesIO(items.media(0).data)))[0, 0, 0])

    put(10)
    items = Items([url])
    assert shown(items) == 10
    put(200)
    assert items._fetch(0, url, cached=False) == fs.cat(url.split("://", 1)[1])
    assert shown(items) == 200


def test_item_hash_of_a_changed_object_refreshes_its_media(bucket):
    from hitl_widgets.certificates import item_hash

    url = f"{bucket}/cats/0.png"
    items = Items([url])
    assert items.media(0).data == _png(0)
    fsspec.filesystem("memory").pipe(url.split("://", 1)[1], _png(99))
    item_hash(items, 0)  # reads the object again: what it hashed is what the view shows
    assert items.media(0).data == _png(99)


def test_an_encoding_begun_before_a_read_again_is_not_cached(bucket, monkeypatch):
    """A prefetch that encoded the old bytes while the object was read again returns them, but does
    not cache them over the new read."""
    url = f"{bucket}/cats/1.png"
    items = Items([url])
    encode = items._encode

    def encode_then_read_again(item_id):
        media = encode(item_id)  # the old bytes
        fsspec.filesystem("memory").pipe(url.split("://", 1)[1], _png(99))
        items._fetch(item_id, url, cached=False)
        return media

    monkeypatch.setattr(items, "_encode", encode_then_read_again)
    assert items.media(0).data == _png(10)
    monkeypatch.setattr(items, "_encode", encode)
    assert items.media(0).data == _png(99)


def test_globs_match_files_only_and_double_star_spans_folders_locally_as_remotely(bucket, tmp_path, monkeypatch):
    """A URL glob counted a folder as an item (fetching it said "no object"); a local "**" did not
    span folders (glob without recursive=True) while fsspec's did; a glob of text files gave their
    paths as the texts."""
    fs = fsspec.filesystem("memory")
    fs.pipe(bucket.replace("memory://", "/") + "/cats/sub/9.png", _png(90))
    assert len(Items(f"{bucket}/cats/*")) == 6  # 5 png + notes.txt, not the folder "sub"
    assert len(Items(f"{bucket}/cats/**/*.png")) == 6  # and 9.png down in sub/
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ss" / "sub").mkdir(parents=True)
    (tmp_path / "ss" / "a.png").write_bytes(_png(1))
    (tmp_path / "ss" / "sub" / "c.png").write_bytes(_png(2))
    assert [str(Items("ss/**/*.png").raw(i)) for i in range(2)] == ["ss/a.png", "ss/sub/c.png"]
    assert len(Items("ss/*")) == 1  # the file, not the folder
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"'notes/\*\.txt' names files that are not images, audio or videos"):
        Items("notes/*.txt")
    with pytest.raises(ValueError, match="names files that are not images"):
        Items("notes/*.txt", kind="text")


def test_a_lazy_rows_that_gives_a_url_is_told_why(bucket):
    """A LazyRows returning a URL failed with a bare AssertionError."""
    from hitl_widgets.items import LazyRows

    class Urls(LazyRows):
        def __len__(self):
            return 1

        def __getitem__(self, n):
            return f"{bucket}/cats/0.png"

    with pytest.raises(ValueError, match="item 0: .* is a URL, which a LazyRows cannot give"):
        Items(Urls()).media(0)
