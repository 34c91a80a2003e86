"""Items over image arrays and PIL images whose reading is ambiguous or easy to get wrong: one
(H, W, C) image given as a 3-D array (read as N grey images before: refused now), and PIL images or
files of the numeric modes F / I / I;16 (clipped to 0..255 by Pillow's convert before: read by the
array rules now, or refused naming the item)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from hitl_widgets.items import Items, Media, pil_array

rng = np.random.default_rng(7)


def pixels(media: Media) -> np.ndarray:
    with Image.open(io.BytesIO(media.data)) as im:
        return np.asarray(im)


def ramp(h: int = 16, w: int = 16) -> np.ndarray:
    """Floats 0..1 over h × w pixels (every value from black to white)."""
    return np.linspace(0, 1, h * w, dtype=np.float32).reshape(h, w)


# ---------------------------------------------------------------------------- one (H, W, C) array
@pytest.mark.parametrize("shape", [(64, 64, 3), (32, 48, 4), (28, 28, 1), (5, 7, 3)])
def test_one_hwc_image_as_a_3d_array_is_refused(shape):
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    with pytest.raises(ValueError, match=r"looks like one \(H, W, C\) image.*\[img\] or img\[None\].*arr\[\.\.\., None\]"):
        Items(img)
    with pytest.raises(ValueError, match=r"looks like one \(H, W, C\) image"):
        Items(img.astype(np.float32) / 255)  # whatever the dtype


@pytest.mark.parametrize("shape, mode", [((64, 64, 3), "RGB"), ((32, 48, 4), "RGBA")])
def test_one_hwc_image_passed_as_the_message_says(shape, mode):
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    for data in ([img], img[None]):
        items = Items(data)
        assert len(items) == 1
        m = items.media(0)
        assert (m.width, m.height) == (shape[1], shape[0])
        np.testing.assert_array_equal(pixels(m), img)


@pytest.mark.parametrize("width", [1, 3, 4])
def test_grey_images_that_narrow_pass_with_an_explicit_channel_axis(width):
    stack = rng.integers(0, 256, (6, 10, width), dtype=np.uint8)
    items = Items(stack[..., None])  # (N, H, W, 1): said, not guessed
    assert len(items) == 6
    for n in range(6):
        m = items.media(n)
        assert (m.width, m.height) == (width, 10)
        np.testing.assert_array_equal(pixels(m), stack[n])
    assert len(Items(list(stack))) == 6  # a list of (H, W) arrays: one image each, no doubt either


@pytest.mark.parametrize("shape", [(3, 8, 5), (64, 64, 64), (2, 4, 4, 3), (2, 4, 4, 4), (2, 3, 4, 1), (10, 28, 28)])
def test_grey_stacks_wider_than_four_and_4d_stacks_still_work(shape):
    arr = rng.integers(0, 256, shape, dtype=np.uint8)
    items = Items(arr)
    assert len(items) == shape[0]
    want = arr[-1][..., 0] if arr.ndim == 4 and shape[-1] == 1 else arr[-1]
    np.testing.assert_array_equal(pixels(items.media(shape[0] - 1)), want)


def test_one_hw_array_names_the_fix():
    with pytest.raises(ValueError, match=r"\(64, 64\).*one \(H, W\) image pass \[img\] or img\[None\]"):
        Items(np.zeros((64, 64), np.uint8))


def test_a_widget_refuses_one_hwc_image_too():
    import hitl_widgets as hw

    with pytest.raises(ValueError, match=r"looks like one \(H, W, C\) image"):
        hw.ClassifyWidget(np.zeros((64, 64, 3), np.uint8), classes=["a", "b"], store=hw.AnnotationStore(":memory:"))


# ---------------------------------------------------------------------------- PIL images: F, I, I;16
def test_pil_float_image_in_unit_range_is_scaled_not_clipped():
    f = ramp()
    items = Items([Image.fromarray(f)])
    want = np.round(f * 255).astype(np.uint8)
    np.testing.assert_array_equal(pixels(items.media(0)), want)  # was 0 / 1: black
    np.testing.assert_array_equal(np.asarray(items.image(0)), want)


def test_pil_float_image_as_the_same_array():
    f = ramp()
    np.testing.assert_array_equal(pixels(Items([Image.fromarray(f)]).media(0)), pixels(Items(f[None]).media(0)))


@pytest.mark.parametrize("bad, what", [(255.0, r"\[0, 1\].*0\.\.255"), (-0.5, r"\[0, 1\]"), (np.nan, "NaN"), (np.inf, "infinite")])
def test_pil_float_image_out_of_range_is_refused_naming_the_item(bad, what):
    f = ramp()
    if bad == 255.0:
        f = f * 255
    else:
        f[3, 3] = bad
    good = Image.fromarray(ramp())
    with pytest.raises(ValueError, match=rf"item 2 \(PIL image of mode 'F'\): .*{what}"):
        Items([good, good, Image.fromarray(f)])  # checked where it enters


def test_pil_int32_image_is_refused_naming_the_item():
    i32 = (ramp() * 65535).astype(np.int32)
    assert Image.fromarray(i32).mode == "I"
    with pytest.raises(ValueError, match=r"item 1: a PIL image of mode 'I' \(int32 pixels\) has no known range"):
        Items([Image.fromarray(np.zeros((4, 4), np.uint8)), Image.fromarray(i32)])
    with pytest.raises(ValueError, match=r"item 0: .*mode 'I'"):
        Items([Image.fromarray(np.zeros((4, 4), np.int32))])  # by its mode, whatever its values


@pytest.mark.parametrize("dtype", ["<u2", ">u2"])
def test_pil_uint16_image_is_scaled_by_65535(dtype):
    u16 = (ramp(32, 32) * 65535).round().astype(dtype)
    im = Image.fromarray(u16)
    assert im.mode in ("I;16", "I;16B")
    want = np.round(u16.astype(np.float64) / 257).astype(np.uint8)
    items = Items([im])
    np.testing.assert_array_equal(np.asarray(items.image(0)), want)  # what thumbnails and models read
    shown = pixels(items.media(0))  # as the browser shows it (a 16-bit PNG would be read / 257)
    shown = np.round(shown / 257.0).astype(np.uint8) if shown.dtype == np.uint16 else shown
    np.testing.assert_array_equal(shown, want)


@pytest.mark.parametrize("image_format", ["jpeg", "auto"])
def test_pil_uint16_image_sent_as_jpeg_is_not_clipped(image_format):
    side = 600 if image_format == "auto" else 32  # auto: over 512×512 goes as JPEG
    u16 = (ramp(side, side) * 65535).round().astype(np.uint16)
    m = Items([Image.fromarray(u16)], image_format=image_format).media(0)
    assert m.mime == "image/jpeg"
    got = pixels(m).astype(np.float64)
    got = got.mean(axis=-1) if got.ndim == 3 else got
    want = u16 / 257.0
    assert np.abs(got - want).mean() < 2  # was 255 almost everywhere
    assert got[-1, -1] > 250 and got[0, 0] < 5


# ---------------------------------------------------------------------------- image files
def test_float_tiff_in_unit_range_is_scaled(tmp_path):
    f = ramp()
    p = tmp_path / "f.tif"
    Image.fromarray(f).save(p)
    items = Items([p])
    np.testing.assert_array_equal(pixels(items.media(0)), np.round(f * 255).astype(np.uint8))


def test_float_tiff_out_of_range_is_refused_naming_the_item_and_file(tmp_path):
    p = tmp_path / "f255.tif"
    Image.fromarray(ramp() * 255).save(p)
    q = tmp_path / "ok.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(q)
    items = Items([q, p], ids=["ok", "scan"])  # files: read when shown
    assert items.media("ok").width == 4
    with pytest.raises(ValueError, match=r"item 'scan' \(.*f255\.tif\) \(PIL image of mode 'F'\): float pixels must lie in \[0, 1\]"):
        items.media("scan")
    with pytest.raises(ValueError, match=r"item 'scan'"):
        items.image("scan")


def test_int32_tiff_is_refused_naming_the_item(tmp_path):
    p = tmp_path / "i.tif"
    Image.fromarray((ramp() * 65535).astype(np.int32)).save(p)
    with pytest.raises(ValueError, match=r"item 0 \(.*i\.tif\): a PIL image of mode 'I'"):
        Items([p]).media(0)


def test_uint16_tiff_is_scaled(tmp_path):
    u16 = (ramp(20, 24) * 65535).round().astype(np.uint16)
    p = tmp_path / "u.tif"
    Image.fromarray(u16).save(p)
    want = np.round(u16 / 257.0).astype(np.uint8)
    for fmt in ("auto", "png"):
        np.testing.assert_array_equal(pixels(Items([p], image_format=fmt).media(0)), want)
    got = pixels(Items([p], image_format="jpeg").media(0)).astype(np.float64).mean(axis=-1)  # JPEG: RGB
    assert np.abs(got - want).mean() < 2


def test_16bit_png_file_still_travels_as_it_is(tmp_path):
    u16 = (ramp(20, 24) * 65535).round().astype(np.uint16)
    p = tmp_path / "u.png"
    Image.fromarray(u16).save(p)
    items = Items([p])
    m = items.media(0)
    assert m.mime == "image/png" and m.data == p.read_bytes()  # the browser reads 16-bit PNG itself
    np.testing.assert_array_equal(pixels(m), u16)
    np.testing.assert_array_equal(np.asarray(items.image(0)), np.round(u16 / 257.0).astype(np.uint8))
    np.testing.assert_array_equal(pixels(Items([p], image_format="png").media(0)), np.round(u16 / 257.0).astype(np.uint8))


def test_float_tiff_at_a_url_is_refused_naming_the_item_and_url():
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    buf = io.BytesIO()
    Image.fromarray(ramp() * 255).save(buf, format="TIFF")
    fs.pipe(f"/imgs-{id(fs)}/f.tif", buf.getvalue())
    url = f"memory://imgs-{id(fs)}/f.tif"
    try:
        with pytest.raises(ValueError, match=rf"item 0 \({url}\) \(PIL image of mode 'F'\): float pixels"):
            Items([url]).media(0)
    finally:
        fs.rm(f"/imgs-{id(fs)}", recursive=True)


@pytest.mark.parametrize(("mode", "plain", "with_alpha"), [
    ("1", (3, 4), (3, 4)), ("L", (3, 4), (3, 4)), ("LA", (3, 4), (3, 4, 4)), ("P", (3, 4, 3), (3, 4, 3)),
    ("PA", (3, 4, 3), (3, 4, 4)), ("RGBA", (3, 4, 3), (3, 4, 4)), ("CMYK", (3, 4, 3), (3, 4, 3)),
    ("I;16", (3, 4), (3, 4)), ("F", (3, 4), (3, 4)), ("LAB", (3, 4, 3), (3, 4, 3)),  # LAB's A is a colour
])
def test_pil_array_reads_each_mode_as_grey_rgb_or_rgba(mode, plain, with_alpha):
    im = Image.new(mode, (4, 3))
    assert pil_array(im).shape == plain and pil_array(im, keep_alpha=True).shape == with_alpha
    assert pil_array(im).dtype == np.uint8


def test_pil_array_names_where_for_a_mode_it_cannot_read():
    with pytest.raises(ValueError, match=r"item 7: a PIL image of mode 'I' \(int32 pixels\) has no known range"):
        pil_array(Image.new("I", (2, 2)), "item 7")
    with pytest.raises(ValueError, match=r"item 7: a PIL image of mode 'La' cannot be converted to 'L'"):
        pil_array(Image.new("La", (2, 2)), "item 7", keep_alpha=True)
