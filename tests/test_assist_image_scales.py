"""assist.as_image reads every image on one 0-255 scale (by dtype or PIL mode), so ``tolerance``
means the same for an 8-bit, 16-bit, bool or palette image, and refuses what has no known range."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from hitl_widgets import assist

CLICK = [{"x": 0, "y": 0, "positive": True}]


def grey_halves() -> np.ndarray:
    """Two regions 10 grey levels apart (the default tolerance 32 joins them) and a bright block."""
    img = np.full((20, 20), 100, np.uint8)
    img[:, 10:] = 110
    img[5:15, 2:8] = 200
    return img


def reds() -> np.ndarray:
    """Two near-identical reds and a green block, RGB uint8."""
    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[:, :10] = (200, 30, 30)
    rgb[:, 10:] = (205, 30, 30)
    rgb[5:15, 2:8] = (20, 200, 20)
    return rgb


def flood(image) -> int:
    return int(assist.click_region(image, CLICK, method="flood").sum())


def test_uint16_array_and_pil_i16_read_as_their_8_bit_picture():
    img8 = grey_halves()
    wide = img8.astype(np.uint16) * 257  # 0..255 -> 0..65535, a 16-bit PNG / TIFF
    assert flood(img8) == 340
    assert flood(wide) == 340
    assert flood(Image.fromarray(wide)) == 340  # PIL mode I;16
    np.testing.assert_allclose(assist.as_image(wide), assist.as_image(img8), atol=1e-4)


def test_pil_float_mode_in_0_1_reads_like_items():
    img8 = grey_halves()
    im = Image.fromarray(img8.astype(np.float32) / 255)
    assert im.mode == "F" and flood(im) == 340
    with pytest.raises(ValueError, match="mode 'F'.*in \\[0, 1\\]"):
        assist.as_image(Image.fromarray(np.full((2, 2), 300.0, np.float32)))
    with pytest.raises(ValueError, match="mode 'I'.*no known range"):
        assist.as_image(Image.fromarray(img8.astype(np.int32)))


def test_bool_image_is_0_or_255():
    assert assist.as_image(np.array([[True, False]]))[..., 0].tolist() == [[255.0, 0.0]]
    assert assist.as_image(Image.fromarray(np.array([[True, False]])))[..., 0].tolist() == [[255.0, 0.0]]


def test_palette_image_reads_its_colours_not_its_indices():
    rgb = reds()
    pal = Image.fromarray(rgb).quantize(colors=3)
    assert pal.mode == "P"
    assert assist.as_image(pal).shape == (20, 20, 3)
    np.testing.assert_array_equal(assist.as_image(pal), assist.as_image(pal.convert("RGB")))
    assert flood(pal) == flood(rgb) == 340


@pytest.mark.parametrize("mode", ["CMYK", "YCbCr", "RGBA", "LA", "1"])
def test_other_pil_modes_are_converted(mode):
    im = Image.fromarray(reds()).convert(mode)
    base = "L" if mode in ("LA", "1") else "RGB"
    np.testing.assert_array_equal(assist.as_image(im), assist.as_image(im.convert(base)))


def test_two_channel_image_drops_alpha():
    grey = grey_halves()
    la = np.stack([grey, np.where(np.arange(20) < 10, 255, 0).astype(np.uint8)[None, :].repeat(20, 0)], axis=2)
    out = assist.as_image(la)
    assert out.shape == (20, 20, 1)
    assert flood(la) == flood(grey) == 340  # the alpha edge at column 10 does not split the region


@pytest.mark.parametrize("arr, message", [
    (np.full((2, 2), 100, np.int64), "int64 pixels have no known range"),
    (np.full((2, 2), 100, np.int32), "int32 pixels have no known range"),
    (np.full((2, 2), 100, np.uint32), "uint32 pixels have no known range"),
    (np.array([[-0.5, 0.5]]), "must lie in \\[0, 1\\] or \\[0, 255\\]"),
    (np.array([[10.0, 300.0]]), "must lie in \\[0, 1\\] or \\[0, 255\\]"),
    (np.array([[0.5, np.nan]]), "row 0, column 1.*NaN"),
])
def test_images_of_no_known_range_are_refused(arr, message):
    with pytest.raises(ValueError, match=message):
        assist.click_region(arr, [{"x": 0, "y": 0, "positive": True}], method="flood")


def test_float_images_keep_their_two_scales():
    img8 = grey_halves()
    np.testing.assert_array_equal(assist.as_image(img8 / 255.0 * 255.0), assist.as_image(img8))
    np.testing.assert_allclose(assist.as_image(img8 / 255.0), assist.as_image(img8))

