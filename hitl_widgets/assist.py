"""Assisted segmentation: a region from a few clicks, and superpixels to paint whole.

Pure functions on an image (numpy ``(H, W)`` or ``(H, W, C)``, or a PIL image), read on a 0-255 scale
by ``as_image`` (by dtype or PIL mode; an image of no known range is refused), used by
``SegmentationCanvas(assist=...)`` and usable alone:

- ``click_region(image, clicks, method=...)`` — the region that positive clicks point at and
  negative clicks exclude, by a classical method, all offline:
  ``"flood"`` (colour tolerance: the pixels connected to a positive click whose colour is within
  ``tolerance`` of the clicked colour, less those whose colour is nearer a negative click's; numpy
  and scipy only), ``"watershed"`` (marker watershed on the Sobel gradient: positive clicks are the object's
  markers, negative clicks and the image border the background's) or ``"random_walker"``
  (skimage's random walker with the same markers). The last two need scikit-image (the ``assist``
  extra: ``pip install hitl-widgets[assist]``).
- ``superpixels(image, n_segments=...)`` — SLIC superpixels (``skimage.segmentation.slic``) as an
  int32 label map, for a brush that paints whole superpixels.
- ``check_clicks`` / ``check_mask`` — the validation the widget applies to clicks from the browser
  and to the mask a user's own model (``assist=callable(image, clicks) -> mask``) returns.

A click is a dict ``{"x": column, "y": row, "positive": bool}`` in image pixels.

Example:
    >>> import numpy as np
    >>> img = np.zeros((20, 20), np.uint8); img[5:15, 5:15] = 200
    >>> m = click_region(img, [{"x": 9, "y": 9, "positive": True}], method="flood")
    >>> int(m.sum()), bool(m[5, 5]), bool(m[4, 4])
    (100, True, False)
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

from .coerce import unit_pixels
from .items import pil_array

METHODS = ("watershed", "flood", "random_walker")
MAX_CLICKS = 64
DEFAULT_TOLERANCE = 32.0  # flood: colour distance (0-255 scale, Euclidean over channels)
MARKER_RADIUS = 2  # watershed / random walker: a click marks a disc of this radius (pixels)


def _need_skimage(what: str) -> Any:
    try:
        import skimage.filters  # noqa: F401
        import skimage.segmentation  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{what} needs scikit-image: pip install 'hitl-widgets[assist]' "
            "(or use method='flood', which needs only numpy and scipy)"
        ) from exc
    import skimage

    return skimage


def as_image(image: Any, where: str = "image") -> NDArray[np.float64]:
    """The image as float64 ``(H, W, C)`` on a 0-255 scale, read by its type, alpha dropped.

    A PIL image is converted by its mode: palette, bilevel, CMYK... to RGB or grey, and numeric modes
    (I;16, F) read as ``Items`` reads them. An array is scaled by its dtype: uint8 as it is, uint16 by
    255/65535, bool by 255; floats in [0, 1] by 255, floats in [0, 255] as they are. A 2- or
    4-channel image loses its last (alpha) channel. Other integer types (no known range) and
    negative, NaN or infinite values raise ``ValueError`` naming ``where``.

    Example:
        >>> as_image(np.array([[0, 65535]], np.uint16))[..., 0].tolist()
        [[0.0, 255.0]]
    """
    if isinstance(image, Image.Image):
        image = pil_array(image, where)
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[0] < 1 or arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"{where} must be (H, W) or (H, W, C), got shape {np.shape(image)}")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{where} must hold numbers, not {arr.dtype}")
    out = _on_255_scale(arr, where)
    return out[:, :, :-1] if arr.shape[2] in (2, 4) else out


def _on_255_scale(arr: NDArray[Any], where: str) -> NDArray[np.float64]:
    """Pixels as float64 on a 0-255 scale, by their dtype (``coerce.unit_pixels``' rules), except that
    floats may be on either scale: [0, 1] is scaled up, [0, 255] kept; anything else refused."""
    if arr.dtype == np.uint8:
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        return unit_pixels(arr, where).astype(np.float64) * 255.0
    if not np.isfinite(arr).all():
        row, col, _ = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{where}: pixel (row {row}, column {col}) is NaN or infinite")
    low, high = float(arr.min()), float(arr.max())
    if low < 0 or high > 255:
        raise ValueError(f"{where}: float pixels must lie in [0, 1] or [0, 255] (found {low:.4g}..{high:.4g}); "
                         "rescale them or pass uint8")
    return arr.astype(np.float64) * (255.0 if high <= 1.0 else 1.0)


def check_clicks(clicks: Any, shape: tuple[int, int], where: str = "clicks") -> list[dict]:
    """Validated clicks ``[{"x": int, "y": int, "positive": bool}, ...]`` inside an image of
    ``shape`` (H, W): 1 to ``MAX_CLICKS`` of them, at least one positive; coordinates are finite
    numbers (rounded down to the pixel). Raises ValueError naming ``where`` and the bad click."""
    h, w = shape
    if isinstance(clicks, (str, bytes, dict)) or not isinstance(clicks, Sequence) or not 1 <= len(clicks) <= MAX_CLICKS:
        raise ValueError(f"{where}: expected a list of 1 to {MAX_CLICKS} clicks {{x, y, positive}}")
    out = []
    for n, c in enumerate(clicks):
        if not isinstance(c, dict):
            raise ValueError(f"{where}: click {n} must be an object {{x, y, positive}}")
        x, y, positive = c.get("x"), c.get("y"), c.get("positive")
        for name, v in (("x", x), ("y", y)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{where}: click {n}: {name} must be a finite number, not {str(v)[:40]!r}")
        if not isinstance(positive, bool):
            raise ValueError(f"{where}: click {n}: positive must be true or false, not {str(positive)[:40]!r}")
        assert isinstance(x, (int, float)) and isinstance(y, (int, float))
        if not (0 <= x < w and 0 <= y < h):
            raise ValueError(f"{where}: click {n} at ({x:g}, {y:g}) is outside the {w}x{h} image")
        out.append({"x": int(x), "y": int(y), "positive": positive})
    if not any(c["positive"] for c in out):
        raise ValueError(f"{where}: needs at least one positive click")
    return out


def check_mask(mask: Any, shape: tuple[int, int], where: str = "mask") -> NDArray[np.bool_]:
    """A model's mask as bool ``(H, W)`` of the image's ``shape``: bool, integers (non-zero is the
    region) or floats that are all 0 or 1. Raises ValueError naming ``where`` otherwise."""
    if mask is None:
        raise ValueError(f"{where}: returned None, not an (H, W) mask")
    try:
        arr = np.asarray(mask)
    except Exception as exc:
        raise ValueError(f"{where}: not an array ({type(mask).__name__}): {exc}") from exc
    if arr.shape != tuple(shape):
        raise ValueError(f"{where}: mask shape {arr.shape} != image {tuple(shape)}")
    if arr.dtype == np.bool_:
        return arr.copy()
    if arr.dtype.kind in "iu":
        return arr != 0
    if arr.dtype.kind == "f" and np.isin(arr, (0.0, 1.0)).all():
        return arr == 1.0
    raise ValueError(f"{where}: mask must be bool, integers or floats 0/1, not {arr.dtype}"
                     + (" with other values (threshold it first)" if arr.dtype.kind == "f" else ""))


def gradient(image: Any) -> NDArray[np.float64]:
    """The Sobel gradient magnitude of ``as_image(image)``, the largest over channels (needs scikit-image)."""
    return _sobel(as_image(image))


def _sobel(img: NDArray[np.float64]) -> NDArray[np.float64]:
    """``gradient`` of an image already read by ``as_image`` (not scaled a second time)."""
    skimage = _need_skimage("the watershed")
    return np.max([skimage.filters.sobel(img[:, :, k]) for k in range(img.shape[2])], axis=0)


def _markers(shape: tuple[int, int], clicks: list[dict], border: bool) -> NDArray[np.int32]:
    """1 at positive clicks, 2 at negative clicks (and on the image border when ``border``), as
    discs of MARKER_RADIUS; 0 elsewhere (a positive click wins where both are)."""
    h, w = shape
    markers = np.zeros(shape, np.int32)
    if border:
        markers[0, :] = markers[-1, :] = markers[:, 0] = markers[:, -1] = 2
    r = MARKER_RADIUS
    for positive in (False, True):
        for c in clicks:
            if c["positive"] != positive:
                continue
            y0, y1, x0, x1 = max(0, c["y"] - r), min(h, c["y"] + r + 1), max(0, c["x"] - r), min(w, c["x"] + r + 1)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            disc = (yy - c["y"]) ** 2 + (xx - c["x"]) ** 2 <= r * r
            markers[y0:y1, x0:x1][disc] = 1 if positive else 2
            markers[c["y"], c["x"]] = 1 if positive else 2
    return markers


def _flood_one(img: NDArray[np.float64], x: int, y: int, tolerance: float) -> NDArray[np.bool_]:
    """The pixels 4-connected to (x, y) whose colour is within ``tolerance`` of its colour."""
    close = np.sqrt(((img - img[y, x]) ** 2).sum(axis=2)) <= tolerance
    labels, _ = ndimage.label(close)
    return labels == labels[y, x]


def _flood(img: NDArray[np.float64], clicks: list[dict], tolerance: float) -> NDArray[np.bool_]:
    """Union of the positive clicks' floods; with negative clicks, a pixel of it stays when its
    colour is nearer a positive click's colour than every negative click's (on a tie: when it is
    nearer a positive click in the image), and only the parts connected to a positive click stay."""
    pos = [c for c in clicks if c["positive"]]
    neg = [c for c in clicks if not c["positive"]]
    region = np.zeros(img.shape[:2], bool)
    for c in pos:
        region |= _flood_one(img, c["x"], c["y"], tolerance)
    if not neg or not region.any():
        return region
    ys, xs = np.nonzero(region)
    pix = img[ys, xs]

    def nearest(group: list[dict]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        colour = np.min([np.sqrt(((pix - img[c["y"], c["x"]]) ** 2).sum(axis=1)) for c in group], axis=0)
        place = np.min([np.hypot(xs - c["x"], ys - c["y"]) for c in group], axis=0)
        return colour, place

    pc, pp = nearest(pos)
    nc, npl = nearest(neg)
    keep = (pc < nc - 1e-9) | ((np.abs(pc - nc) <= 1e-9) & (pp < npl))
    region[ys[~keep], xs[~keep]] = False
    for c in neg:  # a negative click's own pixel is never in the region
        region[c["y"], c["x"]] = False
    labels, _ = ndimage.label(region)
    seeds = {int(labels[c["y"], c["x"]]) for c in pos} - {0}
    return np.isin(labels, list(seeds))


def click_region(
    image: Any,
    clicks: Any,
    method: str = "watershed",
    tolerance: float | None = None,
    grad: NDArray[np.float64] | None = None,
) -> NDArray[np.bool_]:
    """The region (bool ``(H, W)``) the clicks point at.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` numbers (or a PIL image), read by ``as_image``.
        clicks: ``[{"x", "y", "positive"}, ...]`` in image pixels (``check_clicks``).
        method: "watershed" (on the Sobel gradient; markers: positive clicks vs negative clicks and
            the image border), "flood" (colour tolerance; numpy/scipy only) or "random_walker".
        tolerance: flood only: the largest colour distance (0-255 scale) from the clicked pixel
            (default 32).
        grad: watershed only: the image's ``gradient(image)``, when the caller keeps it between clicks.

    Example:
        >>> from hitl_widgets.demo.scenes import Scene, Shape, render
        >>> img = render(Scene((Shape("circle", "red", 32, 32, 12),), 64))
        >>> m = click_region(img, [{"x": 32, "y": 32, "positive": True}])
        >>> 440 < int(m.sum()) < 470  # the disc of radius 12: 452 px
        True
    """
    img = as_image(image)
    h, w = img.shape[:2]
    cl = check_clicks(clicks, (h, w))
    if method == "flood":
        tol = DEFAULT_TOLERANCE if tolerance is None else float(tolerance)
        if not math.isfinite(tol) or tol < 0:
            raise ValueError(f"tolerance must be a finite number >= 0, not {tolerance!r}")
        return _flood(img, cl, tol)
    if method == "watershed":
        skimage = _need_skimage("method='watershed'")
        g = _sobel(img) if grad is None else np.asarray(grad)
        if g.shape != (h, w):
            raise ValueError(f"grad shape {g.shape} != image ({h}, {w})")
        return np.asarray(skimage.segmentation.watershed(g, _markers((h, w), cl, border=True)) == 1)
    if method == "random_walker":
        skimage = _need_skimage("method='random_walker'")
        data = img / 255.0
        with warnings.catch_warnings():  # "probability range outside [0, 1]" within its tolerance: the labels are right
            warnings.simplefilter("ignore", UserWarning)
            labels = skimage.segmentation.random_walker(data, _markers((h, w), cl, border=True), beta=130, mode="cg_j", channel_axis=-1)
        return np.asarray(labels == 1)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


def superpixels(image: Any, n_segments: int = 300, compactness: float = 20.0, sigma: float = 0.5) -> NDArray[np.int32]:
    """SLIC superpixels (``skimage.segmentation.slic``): an int32 ``(H, W)`` label map, labels
    0..n-1 (about ``n_segments`` of them).

    ``compactness`` is for a colour image (CIELAB distances); a grey image uses a hundredth of it
    (its values are 0..1). ``sigma``: the Gaussian smoothing before, which keeps noise from breaking
    superpixels up. (The defaults were picked on benchmarks/assisted_segmentation.py's images.)

    Example:
        >>> import numpy as np
        >>> labels = superpixels(np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8), 16)
        >>> labels.shape, labels.dtype, int(labels.min())
        ((40, 40), dtype('int32'), 0)
    """
    if isinstance(n_segments, bool) or not isinstance(n_segments, int) or not 1 <= n_segments <= 65535:
        raise ValueError(f"n_segments must be an int from 1 to 65535, not {n_segments!r}")
    skimage = _need_skimage("superpixels")
    img = as_image(image)
    if img.shape[2] == 3:
        labels = skimage.segmentation.slic(img / 255.0, n_segments=n_segments, compactness=compactness, sigma=sigma,
                                           start_label=0, channel_axis=-1)
    else:
        labels = skimage.segmentation.slic(img[:, :, 0] / 255.0, n_segments=n_segments, compactness=compactness / 100.0,
                                           sigma=sigma, start_label=0, channel_axis=None)
    # relabel 0..n-1 with no gaps
    _, inverse = np.unique(labels, return_inverse=True)
    return inverse.reshape(labels.shape).astype(np.int32)
