"""Items: a lazy, indexable view over images or texts, encoded on demand."""
from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hitl_widgets.items import PNG_MAX_PIXELS, Items, Media

rng = np.random.default_rng(0)


def decode(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def pixels(media: Media) -> np.ndarray:
    return np.asarray(decode(media.data))


# ---------------------------------------------------------------------------- numpy arrays
@pytest.mark.parametrize(
    "shape, mode",
    [((3, 5, 7), "L"), ((3, 5, 7, 1), "L"), ((3, 5, 7, 3), "RGB"), ((3, 5, 7, 4), "RGBA")],
)
def test_uint8_arrays_encode_to_exact_png(shape, mode):
    arr = rng.integers(0, 256, size=shape, dtype=np.uint8)
    items = Items(arr)
    assert len(items) == 3
    assert items.ids == [0, 1, 2]
    assert items.kind(1) == "image" and not items.is_text
    for i in range(3):
        m = items.media(i)
        assert m.kind == "image" and m.mime == "image/png"
        assert m.data[:8] == b"\x89PNG\r\n\x1a\n"
        assert (m.width, m.height) == (7, 5)
        im = decode(m.data)
        assert im.format == "PNG" and im.mode == mode
        expected = arr[i][..., 0] if shape[-1:] == (1,) else arr[i]
        np.testing.assert_array_equal(np.asarray(im), expected)


@pytest.mark.parametrize("shape", [(2, 4, 6), (2, 4, 6, 1), (2, 4, 6, 3), (2, 4, 6, 4)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_arrays_in_unit_range(shape, dtype):
    arr = rng.random(size=shape).astype(dtype)
    arr[0].flat[0], arr[1].flat[-1] = 0.0, 1.0  # both ends of the range are allowed
    items = Items(arr)
    for i in range(2):
        got = pixels(items.media(i))
        expected = np.round(arr[i].astype(np.float64) * 255).astype(np.uint8)
        if shape[-1:] == (1,):
            expected = expected[..., 0]
        # float32 rounding may differ by one grey level at .5 boundaries
        assert got.shape == expected.shape
        assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert pixels(items.media(0)).flat[0] == 0
    assert pixels(items.media(1)).flat[-1] == 255


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 4, 2), (5, 4, 4, 5), (5, 4, 4, 3, 1), (0, 4, 4)])
def test_bad_array_shape_raises(shape):
    with pytest.raises(ValueError, match="shape|empty"):
        Items(np.zeros(shape, dtype=np.uint8))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16, np.bool_, np.complex64, object])
def test_bad_array_dtype_raises(dtype):
    with pytest.raises(ValueError, match="dtype"):
        Items(np.zeros((2, 4, 5), dtype=dtype))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_name_the_item(bad):
    arr = np.zeros((4, 3, 5), dtype=np.float32)
    arr[2, 1, 1] = bad
    with pytest.raises(ValueError, match=r"item 2\b.*(NaN|infinite)"):
        Items(arr)


@pytest.mark.parametrize("index, value", [(3, 1.5), (1, -0.01), (0, 255.0)])
def test_out_of_range_floats_name_the_item(index, value):
    arr = np.full((5, 3, 3, 3), 0.5)
    arr[index, 0, 0, 0] = value
    with pytest.raises(ValueError, match=rf"item {index}\b.*\[0, 1\]"):
        Items(arr)


def test_list_of_arrays_checks_each_item():
    good = np.zeros((4, 4), np.uint8)
    Items([good, np.ones((4, 4, 3), np.float32)])
    with pytest.raises(ValueError, match=r"item 1\b.*dtype"):
        Items([good, np.zeros((4, 4), np.int64)])
    with pytest.raises(ValueError, match=r"item 2\b.*shape"):
        Items([good, good, np.zeros((4,), np.uint8)])
    with pytest.raises(ValueError, match=r"item 1\b.*NaN"):
        Items([good, np.full((4, 4), np.nan)])
    with pytest.raises(ValueError, match=r"item 0\b.*\[0, 1\]"):
        Items([np.full((4, 4), 2.0), good])


def test_list_of_arrays_of_different_sizes():
    a = rng.integers(0, 256, (4, 6), dtype=np.uint8)
    b = rng.integers(0, 256, (9, 3, 3), dtype=np.uint8)
    items = Items([a, b], ids=["a", "b"])
    np.testing.assert_array_equal(pixels(items.media("a")), a)
    np.testing.assert_array_equal(pixels(items.media("b")), b)
    assert (items.media("b").width, items.media("b").height) == (3, 9)


# ---------------------------------------------------------------------------- ids
def test_ids_default_and_given():
    arr = np.zeros((3, 2, 2), np.uint8)
    arr[1] = 200
    assert Items(arr).ids == [0, 1, 2]
    items = Items(arr, ids=["x", 10, "z"])
    assert items.ids == ["x", 10, "z"]
    assert items.position(10) == 1
    assert pixels(items.media(10))[0, 0] == 200
    assert 10 in items and "10" not in items and 1 not in items
    with pytest.raises(KeyError, match="unknown item id"):
        items.media(1)
    with pytest.raises(KeyError):
        items.position(["unhashable"])


def test_numpy_ids_become_python_scalars():
    items = Items(np.zeros((3, 2, 2), np.uint8), ids=np.array([5, 6, 7]))
    assert items.ids == [5, 6, 7]
    assert all(type(i) is int for i in items.ids)
    items = Items(["a", "b"], ids=np.array(["p", "q"]))
    assert all(type(i) is str for i in items.ids)


def test_duplicate_ids_raise():
    with pytest.raises(ValueError, match="unique.*'b'"):
        Items(["x", "y", "z"], ids=["a", "b", "b"])


@pytest.mark.parametrize("ids", [[0, 1], [0, 1, 2, 3], []])
def test_id_length_mismatch_raises(ids):
    with pytest.raises(ValueError, match=rf"{len(ids)} ids for 3 items"):
        Items(np.zeros((3, 2, 2), np.uint8), ids=ids)


@pytest.mark.parametrize("bad", [1.5, True, None, (1,)])
def test_bad_id_types_raise(bad):
    with pytest.raises(ValueError, match="id 1"):
        Items(["a", "b"], ids=[0, bad])


# ---------------------------------------------------------------------------- files
@pytest.fixture
def image_files(tmp_path):
    arrays = {
        "a.png": rng.integers(0, 256, (6, 8, 3), dtype=np.uint8),
        "b.jpg": rng.integers(0, 256, (10, 12, 3), dtype=np.uint8),
        "c.bmp": rng.integers(0, 256, (5, 4, 3), dtype=np.uint8),
        "d.png": rng.integers(0, 256, (7, 7), dtype=np.uint8),
    }
    paths = []
    for name, arr in arrays.items():
        p = tmp_path / name
        Image.fromarray(arr).save(p)
        paths.append(p)
    return paths, arrays


def test_paths_png_bytes_pass_through(image_files):
    paths, arrays = image_files
    items = Items([str(p) for p in paths])
    assert items.kind(0) == "image" and not items.is_text
    m = items.media(0)
    assert m.mime == "image/png"
    assert m.data == paths[0].read_bytes()  # the file's own bytes, not re-encoded
    assert (m.width, m.height) == (8, 6)
    np.testing.assert_array_equal(pixels(m), arrays["a.png"])
    assert items.media(3).data == paths[3].read_bytes()


def test_paths_jpeg_pass_through_and_bmp_reencoded(image_files):
    paths, arrays = image_files
    items = Items(paths)  # pathlib.Path objects
    jpg = items.media(1)
    assert jpg.mime == "image/jpeg" and jpg.data == paths[1].read_bytes()
    assert (jpg.width, jpg.height) == (12, 10)
    bmp = items.media(2)
    assert bmp.mime == "image/png" and bmp.data[:4] == b"\x89PNG"
    np.testing.assert_array_equal(pixels(bmp), arrays["c.bmp"])  # BMP is lossless


def test_forced_png_reencodes_files(image_files):
    paths, arrays = image_files
    items = Items(paths, image_format="png")
    m = items.media(0)
    assert m.mime == "image/png" and m.data != paths[0].read_bytes()
    np.testing.assert_array_equal(pixels(m), arrays["a.png"])
    assert items.media(1).mime == "image/png"


def test_missing_file_names_the_item(image_files, tmp_path):
    paths, _ = image_files
    missing = tmp_path / "nope.png"
    with pytest.raises(ValueError, match=r"item 2\b.*nope\.png"):
        Items([paths[0], paths[1], missing, paths[3]])


def test_file_deleted_or_corrupt_after_binding(image_files, tmp_path):
    paths, _ = image_files
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image at all")
    items = Items([paths[0], bad, paths[2]], ids=["ok", "bad", "gone"])
    with pytest.raises(ValueError, match="'bad'"):
        items.media("bad")
    paths[2].unlink()
    with pytest.raises(ValueError, match="'gone'"):
        items.media("gone")
    assert items.media("ok").data == paths[0].read_bytes()


def test_raw_and_image_accessors(image_files):
    paths, arrays = image_files
    items = Items(paths)
    assert items.raw(0) == paths[0]
    im = items.image(3)
    assert isinstance(im, Image.Image)
    np.testing.assert_array_equal(np.asarray(im), arrays["d.png"])


# ---------------------------------------------------------------------------- PIL / texts
def test_list_of_pil_images():
    arrs = [rng.integers(0, 256, (5, 6, 3), dtype=np.uint8), rng.integers(0, 256, (3, 3), dtype=np.uint8)]
    pil = [Image.fromarray(a) for a in arrs] + [Image.fromarray(rng.integers(0, 256, (4, 4, 4), dtype=np.uint8))]
    items = Items(pil, ids=["rgb", "grey", "rgba"])
    assert items.raw("rgb") is pil[0]
    np.testing.assert_array_equal(pixels(items.media("rgb")), arrs[0])
    np.testing.assert_array_equal(pixels(items.media("grey")), arrs[1])
    assert decode(items.media("rgba").data).mode == "RGBA"


@pytest.mark.parametrize("mode", ["CMYK", "YCbCr", "HSV", "LAB"])  # numeric modes (F, I, I;16): test_items_images.py
def test_pil_modes_png_cannot_hold_are_converted(mode):
    im = Image.new(mode, (5, 4))
    m = Items([im]).media(0)
    assert m.mime == "image/png" and (m.width, m.height) == (5, 4)
    assert decode(m.data).mode in ("RGB", "RGBA")


def test_cmyk_pixels_survive_conversion():
    rgb = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    cmyk = Image.fromarray(rgb).convert("CMYK")
    got = pixels(Items([cmyk]).media(0))
    np.testing.assert_array_equal(got, np.asarray(cmyk.convert("RGB")))


def test_list_of_strings_is_texts():
    items = Items(["a cat on a mat", "two dogs", "ünïcödé 🐱"], ids=["t1", "t2", "t3"])
    assert items.is_text and items.kind("t1") == "text"
    m = items.media("t2")
    assert m == Media("text", "text/plain", "two dogs")
    assert items.media("t3").data == "ünïcödé 🐱"
    with pytest.raises(ValueError, match="text"):
        items.image("t1")


def test_strings_that_look_like_images_are_paths_unless_kind_text(tmp_path):
    with pytest.raises(ValueError, match=r"item 0\b.*not found"):
        Items(["missing.png", "other.jpg"])
    items = Items(["missing.png", "other.jpg"], kind="text")
    assert items.is_text and items.media(0).data == "missing.png"


def test_kind_image_forces_paths(tmp_path):
    p = tmp_path / "pic"  # no suffix
    Image.fromarray(np.full((3, 3), 9, np.uint8)).save(p, format="PNG")
    assert Items([str(p)]).is_text  # auto: a string without an image suffix is a text
    assert not Items([p]).is_text  # ... but a Path is a path
    items = Items([str(p)], kind="image")
    assert not items.is_text
    assert pixels(items.media(0))[0, 0] == 9


@pytest.mark.parametrize("bad", ["just a string", b"bytes", 42, None, []])
def test_not_a_sequence_or_empty_raises(bad):
    with pytest.raises(ValueError):
        Items(bad)


def test_mixed_items_raise_naming_the_item():
    with pytest.raises(ValueError, match=r"item 1\b"):
        Items(["text", np.zeros((2, 2), np.uint8)])


@pytest.mark.parametrize("kwargs", [{"kind": "video"}, {"image_format": "gif"}])
def test_bad_options_raise(kwargs):
    with pytest.raises(ValueError):
        Items(["a"], **kwargs)


# ---------------------------------------------------------------------------- pandas / Items / torch
def test_series_of_texts_takes_ids_from_index():
    s = pd.Series(["first", "second", "third"], index=["r1", "r2", "r3"])
    items = Items(s)
    assert items.ids == ["r1", "r2", "r3"] and items.is_text
    assert items.media("r2").data == "second"


def test_series_with_int_index_of_arrays():
    arrs = [rng.integers(0, 256, (3, 3), dtype=np.uint8) for _ in range(3)]
    s = pd.Series(arrs, index=pd.Index([10, 20, 30], dtype="int64"))
    items = Items(s)
    assert items.ids == [10, 20, 30] and all(type(i) is int for i in items.ids)
    np.testing.assert_array_equal(pixels(items.media(20)), arrs[1])


def test_series_of_paths(image_files):
    paths, arrays = image_files
    items = Items(pd.Series([str(p) for p in paths[:2]], index=["a", "b"]))
    assert items.media("a").data == paths[0].read_bytes()


def test_series_given_ids_override_index():
    items = Items(pd.Series(["x", "y"], index=[5, 6]), ids=["p", "q"])
    assert items.ids == ["p", "q"]
    assert items.media("q").data == "y"


def test_items_of_items_shares_the_binding():
    base = Items(["x", "y"], ids=["a", "b"])
    again = Items(base)
    assert again.ids == ["a", "b"] and again.media("b").data == "y"


def test_torch_dataset():
    torch = pytest.importorskip("torch")
    from torch.utils.data import Dataset, TensorDataset

    chw = torch.rand(3, 3, 5, 4)
    targets = torch.tensor([0, 1, 2])
    ds = TensorDataset(chw, targets)  # items are (tensor, target) tuples
    items = Items(ds)
    assert items.ids == [0, 1, 2] and items.kind(0) == "image"
    got = pixels(items.media(1))
    expected = np.round(chw[1].permute(1, 2, 0).numpy().astype(np.float64) * 255).astype(np.uint8)
    assert got.shape == (5, 4, 3)
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1

    class Grey(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, n):
            return torch.full((1, 3, 3), 40 * (n + 1), dtype=torch.uint8)

    g = Items(Grey(), ids=["a", "b"])
    assert (pixels(g.media("b")) == 80).all()


# ---------------------------------------------------------------------------- format choice
def test_jpeg_for_large_rgb():
    side = int(np.sqrt(PNG_MAX_PIXELS)) + 1
    arr = np.zeros((2, side, side, 3), np.uint8)
    arr[:, : side // 2] = [200, 30, 60]
    items = Items(arr)
    m = items.media(0)
    assert m.mime == "image/jpeg" and m.data[:2] == b"\xff\xd8"
    im = decode(m.data)
    assert im.format == "JPEG" and im.size == (side, side) == (m.width, m.height)
    # lossy, but close: the colour of a flat region survives
    assert np.abs(np.asarray(im)[10, 10].astype(int) - [200, 30, 60]).max() <= 8


def test_small_rgb_and_large_rgba_stay_png():
    side = int(np.sqrt(PNG_MAX_PIXELS))
    assert Items(np.zeros((1, side, side, 3), np.uint8)).media(0).mime == "image/png"  # at the limit
    big_rgba = np.zeros((1, side + 10, side + 10, 4), np.uint8)
    big_rgba[0, 0, 0] = [1, 2, 3, 4]
    m = Items(big_rgba).media(0)
    assert m.mime == "image/png"  # alpha would be lost in JPEG
    assert tuple(pixels(m)[0, 0]) == (1, 2, 3, 4)


def test_forced_formats():
    arr = rng.integers(0, 256, (1, 8, 8, 4), dtype=np.uint8)
    m = Items(arr, image_format="jpeg").media(0)
    assert m.mime == "image/jpeg" and decode(m.data).mode == "RGB"
    side = int(np.sqrt(PNG_MAX_PIXELS)) + 50
    big = rng.integers(0, 256, (1, side, side, 3), dtype=np.uint8)
    m = Items(big, image_format="png").media(0)
    assert m.mime == "image/png"
    np.testing.assert_array_equal(pixels(m), big[0])


# ---------------------------------------------------------------------------- cache / prefetch
def test_cache_hit_returns_same_object_and_skips_encoding(monkeypatch):
    items = Items(rng.integers(0, 256, (4, 6, 6), dtype=np.uint8))
    first = items.media(1)
    assert items.media(1) is first
    monkeypatch.setattr(items, "_encode", lambda i: pytest.fail("re-encoded a cached item"))
    assert items.media(1) is first


def test_cache_evicts_least_recently_used():
    items = Items(rng.integers(0, 256, (5, 4, 6), dtype=np.uint8), cache_size=2)
    a = items.media(0)
    items.media(1)
    assert items.media(0) is a  # 0 is now the most recent
    items.media(2)  # evicts 1, keeps 0
    assert items.media(0) is a
    b2 = items.media(1)
    assert items.media(1) is b2
    assert items.media(2) is not None


def test_prefetch_warms_the_cache(monkeypatch):
    items = Items(rng.integers(0, 256, (20, 16, 16, 3), dtype=np.uint8), cache_size=16)
    encoded = []
    real = items._encode
    monkeypatch.setattr(items, "_encode", lambda i: encoded.append(i) or real(i))
    items.prefetch([3, 4, 5, "unknown", 999])
    deadline = time.monotonic() + 10
    while not all(i in items._cache for i in (3, 4, 5)):
        assert time.monotonic() < deadline, "prefetch did not warm the cache within 10 s"
        time.sleep(0.005)
    assert sorted(encoded) == [3, 4, 5]
    # a warm item is served from the cache: no encoding on the calling thread
    monkeypatch.setattr(items, "_encode", lambda i: pytest.fail(f"item {i} was not prefetched"))
    for i in (3, 4, 5):
        np.testing.assert_array_equal(pixels(items.media(i)), items.raw(i))
    assert 6 not in items._cache


def test_prefetch_of_a_broken_item_is_silent_then_reported(tmp_path):
    p = tmp_path / "x.png"
    Image.fromarray(np.zeros((2, 2), np.uint8)).save(p)
    items = Items([p])
    p.write_bytes(b"garbage")
    items.prefetch([0])
    items._pool.shutdown(wait=True)  # let the background attempt finish
    assert 0 not in items._cache
    with pytest.raises(ValueError, match="item 0"):
        items.media(0)


def test_repr():
    assert repr(Items(["a", "b"], ids=["x", "y"])) == "Items(2 texts, ids 'x'..'y')"


def test_a_long_list_of_image_paths_costs_little_memory_and_raw_still_gives_a_path(tmp_path):
    import gc
    import os
    import tracemalloc

    first = tmp_path / "img0.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(first)
    paths = [str(first)] + [str(tmp_path / f"img{n}.png") for n in range(1, 20_000)]
    for p in paths[1:]:
        os.link(first, p)  # 20,000 real files, one inode
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        items = Items(paths)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # ids, their index and the list itself: about 100 bytes an item (a Path object each was ~400)
    assert grown < 20_000 * 150, grown
    assert isinstance(items.raw(19_999), Path) and items.raw(19_999) == Path(paths[-1])
    assert items.media(19_999).mime == "image/png"


def test_a_dataframe_and_unordered_ids_are_refused():
    """Items(df) made items of the column names; ids given as a set paired with other items in the
    next session (a str's hash, so the set's order, changes from run to run); one str was its
    characters."""
    df = pd.DataFrame({"path": ["a.png", "b.png", "c.png"], "label": [0, 1, 0]})
    with pytest.raises(ValueError, match=r"Items got a DataFrame \(columns \['path', 'label'\]\): pass the column"):
        Items(df)
    texts = ["x", "y", "z"]
    with pytest.raises(ValueError, match="ids is a set, which has no order"):
        Items(texts, ids={"cat", "dog", "eel"})
    with pytest.raises(ValueError, match=r"ids is a dict \(a mapping\)"):
        Items(texts, ids={"cat": 0, "dog": 1, "eel": 2})
    with pytest.raises(ValueError, match="ids is one str"):
        Items(texts, ids="abc")
    with pytest.raises(ValueError, match="the items is a set|the items are in order"):
        Items({"x", "y"})
    assert Items(texts, ids=["cat", "dog", "eel"]).raw("dog") == "y"


def test_a_truncated_image_file_is_refused_and_its_own_format_is_sent(tmp_path):
    """With image_format="auto" a file's bytes were sent after reading the header only: a truncated
    JPEG showed half grey, and a JPEG named .png went out as image/png."""
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, format="JPEG")
    (tmp_path / "half.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    (tmp_path / "really_jpeg.png").write_bytes(buf.getvalue())
    items = Items([str(tmp_path / "half.jpg"), str(tmp_path / "really_jpeg.png")])
    with pytest.raises(ValueError, match="item 0: cannot read image .* truncated"):
        items.media(0)
    assert items.media(1).mime == "image/jpeg"


def test_errors_name_a_series_item_by_its_id_and_a_gap_as_a_gap():
    """Errors for a Series named the row ("item 1"), not the id the user knows ("dog"); a None in a
    column was reported as "float mixed with str"."""
    with pytest.raises(ValueError, match=r"item 'dog' \(row 1\): no value .*dropna"):
        Items(pd.Series(["a cat", None], index=["cat", "dog"]))
    with pytest.raises(ValueError, match=r"item 1: no value"):
        Items(["a cat", None])
    with pytest.raises(ValueError, match=r"item 'cat' \(row 0\): image file not found: /nope/a.png"):
        Items(pd.Series(["/nope/a.png", "/nope/b.png"], index=["cat", "dog"]))
    with pytest.raises(ValueError, match=r"^item 0: image file not found"):
        Items(pd.Series(["/nope/a.png"]))  # a default index: positions are the ids
