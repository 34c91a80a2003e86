"""hitl_widgets.metrics.geometry against pycocotools (the reference) and by properties."""

from __future__ import annotations

import doctest
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hitl_widgets.metrics import (
    box_from_mask,
    box_iou,
    clip_box,
    geometry,
    mask_iou,
    mask_to_polygons,
    polygon_to_mask,
    rle_area,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
)

coco = pytest.importorskip("pycocotools.mask")
# pycocotools' decode warns under numpy 2 (its __array__ lacks `copy`): not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

SHAPES = [(1, 1), (1, 7), (7, 1), (2, 3), (3, 2), (13, 17), (64, 64), (101, 37), (240, 321)]


def coco_encode(m: np.ndarray) -> dict:
    return coco.encode(np.asfortranarray(np.asarray(m, dtype=np.uint8)))


def sample_masks(rng: np.random.Generator, shape: tuple[int, int]) -> list[np.ndarray]:
    h, w = shape
    out = [np.zeros(shape, bool), np.ones(shape, bool)]
    out += [rng.random(shape) < p for p in (0.05, 0.5, 0.95)]
    out.append((np.add.outer(np.arange(h), np.arange(w)) % 2).astype(bool))  # checkerboard
    blobs = np.zeros(shape, bool)
    for _ in range(3):
        r0, c0 = rng.integers(0, h), rng.integers(0, w)
        blobs[r0 : r0 + rng.integers(1, h + 1), c0 : c0 + rng.integers(1, w + 1)] = True
    out.append(blobs)
    one = np.zeros(shape, bool)
    one[0, 0] = True  # counts start with 0
    out.append(one)
    last = np.zeros(shape, bool)
    last[-1, -1] = True
    out.append(last)
    return out


# ------------------------------------------------------------------ RLE vs pycocotools


@pytest.mark.parametrize("shape", SHAPES)
def test_rle_matches_pycocotools(shape):
    rng = np.random.default_rng(sum(shape))
    for m in sample_masks(rng, shape):
        ref = coco_encode(m)
        for variant in (m, np.asfortranarray(m), m.astype(np.uint8), m.astype(np.uint8) * 255, m.astype(float)):
            ours = rle_encode(variant)
            assert ours["size"] == ref["size"] == list(shape)
            assert all(isinstance(c, int) for c in ours["counts"])
            # pycocotools turns our uncompressed counts into its own string: same runs
            assert coco.frPyObjects(ours, *shape)["counts"] == ref["counts"]
            assert rle_to_string(ours) == ref["counts"]
            assert rle_encode(variant, compress=True) == ref
        assert rle_from_string(ref["counts"], ref["size"]) == ours
        assert rle_from_string(ref["counts"].decode(), ref["size"]) == ours
        for rle in (ours, ref, {"size": ref["size"], "counts": ref["counts"].decode()}):
            got = rle_decode(rle)
            assert got.dtype == bool and got.shape == shape
            np.testing.assert_array_equal(got, m)
        np.testing.assert_array_equal(coco.decode(coco.frPyObjects(ours, *shape)), m)
        assert rle_area(ours) == rle_area(ref) == int(coco.area(ref)) == int(m.sum())


def test_rle_non_contiguous_views_and_big_masks():
    rng = np.random.default_rng(7)
    big = rng.random((1080, 1920)) < 0.5
    smooth = np.zeros((1080, 1920), bool)
    smooth[100:900, 300:1200] = True
    smooth[500:600, 1500:1910] = True
    for m in (big, smooth, big[::3, 1::5], smooth.T, big[:, :1], smooth[:1]):
        ref = coco_encode(m)
        assert rle_to_string(rle_encode(m)) == ref["counts"]
        np.testing.assert_array_equal(rle_decode(ref), m)
        np.testing.assert_array_equal(rle_decode(rle_encode(m)), m)


def test_rle_zero_size_like_pycocotools():
    for shape in [(0, 3), (3, 0), (0, 0)]:
        m = np.zeros(shape, bool)
        assert rle_encode(m) == {"size": list(shape), "counts": [0]}
        assert rle_encode(m, compress=True) == coco_encode(m)
        assert rle_decode(rle_encode(m)).shape == shape


def test_compressed_strings_with_large_and_negative_deltas():
    rng = np.random.default_rng(3)
    values = [1, 2, 15, 16, 17, 31, 32, 33, 511, 512, 513, 16383, 16384, 16385, 10**6, 2**30]
    for _ in range(300):
        counts = [int(rng.integers(0, 3))] + rng.choice(values, size=rng.integers(1, 40)).tolist()
        rle = {"size": [1, sum(counts)], "counts": counts}
        ref = coco.frPyObjects(rle, 1, sum(counts))["counts"]
        assert rle_to_string(rle) == ref
        assert rle_from_string(ref, rle["size"]) == rle
        assert rle_area(rle) == rle_area({"size": rle["size"], "counts": ref}) == sum(counts[1::2])


def test_rle_decode_accepts_arrays_and_json():
    m = np.array([[0, 1, 1], [1, 0, 0]], bool)
    rle = rle_encode(m)
    np.testing.assert_array_equal(rle_decode({**rle, "counts": np.array(rle["counts"])}), m)
    np.testing.assert_array_equal(rle_decode(json.loads(json.dumps(rle))), m)


def test_rle_rejects_bad_input():
    with pytest.raises(ValueError, match="sum"):
        rle_decode({"size": [2, 2], "counts": [1, 2]})
    with pytest.raises(ValueError, match="non-negative"):
        rle_decode({"size": [1, 2], "counts": [3, -1]})
    with pytest.raises(ValueError, match="sum"):
        rle_from_string(b"13", [3, 3])
    with pytest.raises(ValueError, match="COCO"):
        rle_decode({"size": [2, 2], "counts": b"1 3"})
    with pytest.raises(ValueError, match="truncated"):
        rle_decode({"size": [2, 2], "counts": b"1X"})  # "more" bit on the last char
    with pytest.raises(ValueError, match="2-D"):
        rle_encode(np.zeros((2, 2, 2)))


# ------------------------------------------------------------------ IoU vs pycocotools


def test_box_iou_matches_pycocotools():
    rng = np.random.default_rng(11)
    for _ in range(200):
        a = rng.uniform(-5, 30, (rng.integers(1, 8), 4))
        b = rng.uniform(-5, 30, (rng.integers(1, 8), 4))
        a[:, 2:], b[:, 2:] = np.abs(a[:, 2:]), np.abs(b[:, 2:])
        a[0, 2] = 0  # a zero-area box
        b[-1] = a[-1]  # identical boxes
        a = np.vstack([a, np.round(a)])  # integer boxes: touching edges
        ref = np.asarray(coco.iou(a, b, [0] * len(b)))
        got = box_iou(a, b)
        assert got.shape == (len(a), len(b))
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert box_iou([0, 0, 2, 2], [[1, 0, 2, 2]]).tolist() == [[1 / 3]]
    assert box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    with pytest.raises(ValueError):
        box_iou([[0, 0, 1]], [[0, 0, 1, 1]])


def test_mask_iou_matches_pycocotools():
    rng = np.random.default_rng(12)
    for _ in range(60):
        h, w = rng.integers(1, 40, 2)
        na, nb = rng.integers(1, 5, 2)
        A = rng.random((na, h, w)) < rng.random((na, 1, 1))
        B = rng.random((nb, h, w)) < rng.random((nb, 1, 1))
        A[0] = False  # empty vs anything: 0 (and empty vs empty: 0, as pycocotools)
        B[-1] = A[-1]
        ca, cb = [coco_encode(x) for x in A], [coco_encode(x) for x in B]
        ref = np.asarray(coco.iou(ca, cb, [0] * nb)).reshape(na, nb)
        ours_a, ours_b = [rle_encode(x) for x in A], [rle_encode(x) for x in B]
        for a, b in [(A, B), (ca, cb), (ours_a, ours_b), (list(A), cb), (A, ours_b)]:
            got = mask_iou(a, b)
            assert got.shape == (na, nb)
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    m = np.zeros((4, 4), bool)
    m[:2, :2] = True
    assert mask_iou(m, m).tolist() == [[1.0]]
    assert mask_iou(rle_encode(m), [rle_encode(~m)]).tolist() == [[0.0]]
    assert mask_iou(np.zeros((0, 4, 4), bool), m).shape == (0, 1)
    with pytest.raises(ValueError, match="different sizes"):
        mask_iou(m, np.zeros((3, 4), bool))
    with pytest.raises(ValueError, match="different sizes"):
        mask_iou([rle_encode(m)], [rle_encode(np.zeros((3, 4)))])


def test_mask_iou_arrays_follow_as_bool_mask():
    """A float stack is held to as_bool_mask's rule (only 0/1; no probability map, no NaN), as a list is."""
    hard = np.array([[0, 1], [0, 0]], bool)
    prob = np.array([[0.1, 0.9], [0.0, 0.2]])
    with pytest.raises(ValueError, match=r"^a\[0\] holds 0.1 at \(0, 0\).*probability map"):
        mask_iou(prob[None], hard[None])
    with pytest.raises(ValueError, match=r"^a holds 0.1 at \(0, 0\)"):
        mask_iou(prob, hard)
    nan = np.zeros((2, 2, 2))
    nan[1, 1, 0] = np.nan
    with pytest.raises(ValueError, match=r"^b\[1\] holds nan at \(1, 0\)"):
        mask_iou(hard[None], nan)
    with pytest.raises(ValueError, match=r"^b\[0\] holds 0.1"):  # the same rule for a list, naming the mask
        mask_iou([hard], [prob])
    with pytest.raises(ValueError, match="must be bool, integers or floats 0/1"):
        mask_iou(np.array([[["a", "b"], ["c", "d"]]]), hard)
    # 0/1 floats, 0/255 integers and bool agree
    for m in (hard.astype(float), hard.astype(np.uint8) * 255, hard.astype(np.int64), hard):
        assert mask_iou(m[None], hard[None]).tolist() == [[1.0]]
    # a bool stack is used as it is: no copy
    A = np.zeros((2, 3, 3), bool)
    assert geometry._stack(A) is A


@pytest.mark.parametrize("bad, what", [
    ({"size": [2, 2], "counts": [0, 9]}, "sum to 9"),  # more pixels than the mask has
    ({"size": [2, 2], "counts": [0, 2]}, "sum to 2"),  # fewer
    ({"size": [2, 2], "counts": [5, -1]}, "non-negative"),
    ({"size": [2, 2], "counts": b"09"}, "sum to 9"),  # compressed
])
def test_invalid_rle_counts_are_refused(bad, what):
    full = {"size": [2, 2], "counts": [0, 4]}
    with pytest.raises(ValueError, match=what):
        rle_area(bad)
    with pytest.raises(ValueError, match=rf"^a\[1\]: RLE counts .*{what}"):
        mask_iou([full, bad], [full])  # the run-by-run path: which RLE is named
    with pytest.raises(ValueError, match=rf"^b: RLE counts .*{what}"):
        mask_iou([full], bad)
    with pytest.raises(ValueError, match=rf"^b\[0\]: RLE counts .*{what}"):
        mask_iou(np.ones((1, 2, 2), bool), [bad])  # the decoding path
    assert rle_area(full) == 4 and mask_iou([full], full).tolist() == [[1.0]]


def test_mask_iou_large_masks_exact():
    rng = np.random.default_rng(13)
    A = rng.random((3, 1080, 1920)) < 0.5
    A[1] = True
    ref = np.asarray(coco.iou([coco_encode(x) for x in A], [coco_encode(x) for x in A], [0] * 3))
    np.testing.assert_allclose(mask_iou(A, A), ref, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ polygons


def coco_polygon(polygons: list[np.ndarray], h: int, w: int) -> np.ndarray:
    rles = coco.frPyObjects([np.asarray(p, float).ravel().tolist() for p in polygons], h, w)
    return coco.decode(coco.merge(rles)).astype(bool)


def random_polygons(rng: np.random.Generator, n: int):
    for i in range(n):
        h, w = (int(v) for v in rng.integers(5, 120, 2))
        k = int(rng.integers(3, 16))
        kind = i % 6
        if kind == 0:  # self-intersecting, partly outside the image
            p = rng.uniform(-10, [w + 10, h + 10], (k, 2))
        elif kind in (1, 2):  # star-shaped, concave; kind 2 tiny (a few pixels)
            ang = np.sort(rng.random(k) * 2 * np.pi)
            scale = rng.uniform(0.3, 3) if kind == 2 else min(h, w) / 2
            rad = rng.uniform(0.1, 1, k) * scale
            c = rng.uniform(0, [w, h])
            p = np.column_stack([c[0] + rad * np.cos(ang), c[1] + rad * np.sin(ang)])
        elif kind == 3:  # integer vertices: edges through pixel corners
            p = rng.integers(0, [w + 1, h + 1], (k, 2)).astype(float)
        elif kind == 4:  # half-integer vertices: edges through pixel centres
            p = np.round(rng.uniform(0, [w, h], (k, 2)) * 2) / 2
        else:  # an L-shape (concave, axis-aligned) and a second polygon: their union
            x0, y0 = rng.uniform(0, [w / 2, h / 2])
            x1, y1 = rng.uniform([x0 + 1, y0 + 1], [w, h])
            xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
            L = np.array([[x0, y0], [xm, y0], [xm, ym], [x1, ym], [x1, y1], [x0, y1]])
            yield [L, rng.uniform(0, [w, h], (5, 2))], h, w
            continue
        yield [p], h, w


def test_polygon_to_mask_agrees_with_pycocotools():
    rng = np.random.default_rng(21)
    wrong = total = 0
    for polys, h, w in random_polygons(rng, 900):
        ref = coco_polygon(polys, h, w)
        arg = polys[0].ravel().tolist() if len(polys) == 1 else [p.ravel() for p in polys]
        got = polygon_to_mask(arg, h, w)
        assert got.shape == (h, w) and got.dtype == bool
        bad = int((got != ref).sum())
        assert bad <= 0.01 * ref.sum() + 1, (polys, h, w)  # 1 px slack for float rounding
        wrong, total = wrong + bad, total + int(ref.sum())
    assert wrong < 0.01 * total  # in fact 0 here: same convention as pycocotools


def test_polygon_to_mask_examples():
    square = [1, 1, 3, 1, 3, 3, 1, 3]
    expected = np.zeros((4, 5), bool)
    expected[1:3, 1:3] = True
    np.testing.assert_array_equal(polygon_to_mask(square, 4, 5), expected)
    np.testing.assert_array_equal(polygon_to_mask(np.reshape(square, (4, 2)), 4, 5), expected)
    assert not polygon_to_mask([0, 0, 3, 3], 4, 4).any()  # < 3 vertices: nothing
    assert not polygon_to_mask([], 4, 4).any()
    assert not polygon_to_mask([10, 10, 20, 10, 20, 20], 4, 4).any()  # outside


def test_mask_to_polygons_round_trip():
    pytest.importorskip("skimage")
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(31)
    for _ in range(25):
        m = ndimage.gaussian_filter(rng.random((40, 50)), rng.uniform(0.5, 3)) > 0.5
        polys = mask_to_polygons(m)
        assert all(p.ndim == 1 and p.size % 2 == 0 and p.size >= 6 for p in polys)
        filled = ndimage.binary_fill_holes(m, structure=np.ones((3, 3)))  # holes are dropped
        np.testing.assert_array_equal(polygon_to_mask(polys, 40, 50), filled)
        np.testing.assert_array_equal(coco_polygon(polys, 40, 50) if polys else 0 * m, filled)
    ring = np.zeros((20, 20), bool)
    ring[2:18, 2:18] = True
    ring[6:14, 6:14] = False
    (outer,) = mask_to_polygons(ring)  # the hole is not a polygon
    assert outer.reshape(-1, 2).min(0).tolist() == [2.0, 2.0]
    disk = np.hypot(*np.mgrid[-30:31, -30:31]) < 25
    (fine,), (coarse,) = mask_to_polygons(disk), mask_to_polygons(disk, tolerance=1.0)
    assert coarse.size < fine.size / 3
    assert (polygon_to_mask(coarse, 61, 61) != disk).sum() < 0.05 * disk.sum()
    assert mask_to_polygons(np.zeros((5, 5))) == []


# ------------------------------------------------------------------ boxes


def test_box_from_mask_matches_pycocotools():
    rng = np.random.default_rng(41)
    for shape in SHAPES:
        for m in sample_masks(rng, shape):
            ref = coco.toBbox(coco_encode(m))
            np.testing.assert_array_equal(box_from_mask(m), ref)
            np.testing.assert_array_equal(box_from_mask(rle_encode(m)), ref)
    stack = np.zeros((2, 4, 5), bool)
    stack[1, 1:3, 2] = True
    assert box_from_mask(stack).tolist() == [[0, 0, 0, 0], [2, 1, 1, 2]]


def test_clip_box():
    assert clip_box([-2, 1, 5, 20], 10, 8).tolist() == [0, 1, 3, 7]
    boxes = np.array([[1, 1, 2, 2], [8, 7, 5, 5], [20, 20, 3, 3], [-9, -9, 3, 3]], float)
    assert clip_box(boxes, 10, 8).tolist() == [
        [1, 1, 2, 2],
        [8, 7, 2, 1],
        [10, 8, 0, 0],
        [0, 0, 0, 0],
    ]


# ------------------------------------------------------------------ properties


masks_st = arrays(
    bool,
    st.tuples(st.integers(1, 24), st.integers(1, 24)),
    elements=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(masks_st, st.booleans())
def test_property_round_trip(m, fortran):
    m = np.asfortranarray(m) if fortran else m
    rle = rle_encode(m)
    counts = rle["counts"]
    assert sum(counts) == m.size and all(c > 0 for c in counts[1:])
    assert (counts[0] == 0) == bool(m[0, 0])
    np.testing.assert_array_equal(rle_decode(rle), m)
    s = rle_to_string(rle)
    assert rle_from_string(s, rle["size"]) == rle
    assert rle_encode(m, compress=True) == {"size": rle["size"], "counts": s}
    np.testing.assert_array_equal(rle_decode({"size": rle["size"], "counts": s}), m)
    assert rle_area(rle) == int(m.sum())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 2**31 - 1), min_size=1, max_size=30), st.booleans())
def test_property_string_round_trip(counts, lead_zero):
    counts = [0, *counts] if lead_zero else counts
    s = rle_to_string({"size": [1, sum(counts)], "counts": counts})
    assert set(s) <= set(range(48, 48 + 64))
    assert rle_from_string(s, [1, sum(counts)])["counts"] == counts


def test_doctests():
    assert doctest.testmod(geometry, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_rle_to_string_refuses_counts_that_do_not_cover_the_mask():
    from hitl_widgets.metrics.geometry import rle_to_string

    assert rle_to_string({"size": [2, 2], "counts": [1, 3]}) == b"13"
    with pytest.raises(ValueError, match=r"RLE counts sum to 9, expected h\*w = 4"):
        rle_to_string({"size": [2, 2], "counts": [0, 9]})
    with pytest.raises(ValueError, match="non-negative"):
        rle_to_string({"size": [2, 2], "counts": [5, -1]})


def test_polygon_to_mask_reads_a_list_of_k_by_2_polygons_as_several_polygons():
    """A list of (K, 2) polygons (or a (P, K, 2) array) was read as one polygon through all their
    vertices: 29 pixels where the union, and pycocotools, give 25."""
    from pycocotools import mask as coco_mask

    a = np.array([[0, 0], [4, 0], [4, 4], [0, 4]], float)
    b = np.array([[6, 6], [6, 9], [9, 9], [9, 6]], float)  # the other winding
    coco = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects([a.ravel().tolist(), b.ravel().tolist()], 10, 10))).astype(bool)
    for polygons in ([a, b], [a.tolist(), b.tolist()], np.stack([a, b]), [a.ravel().tolist(), b.ravel().tolist()]):
        assert np.array_equal(polygon_to_mask(polygons, 10, 10), coco)
    assert np.array_equal(polygon_to_mask(a, 10, 10), polygon_to_mask(a.ravel(), 10, 10))  # one (K, 2) polygon
    with pytest.raises(ValueError, match=r"polygon 1 has an odd number of coordinates \(7\)"):
        polygon_to_mask([a.ravel().tolist(), [0, 0, 5, 0, 5, 5, 1]], 10, 10)
