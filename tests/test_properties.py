"""Property-based tests (hypothesis): Items, store round trips, agreement metrics, geometry, RLE.

Each property holds for every input hypothesis generates; a counterexample is shrunk and printed.
The store round trip runs on SQLite and on PostgreSQL (one store per backend, reused by the
examples: each example writes under its own task name).
"""
from __future__ import annotations

import io
import json
import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from hitl_widgets.items import Items
from hitl_widgets.metrics.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement
from hitl_widgets.metrics.geometry import (
    box_iou,
    mask_iou,
    rle_area,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
)
from hitl_widgets.store import MAX_LENGTHS, AnnotationStore
from store_backends import BACKENDS, backend_location

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------------------- strategies
# text a store keeps on every backend: any unicode except NUL and lone surrogates (refused, see
# test_store.py::test_text_the_backends_disagree_on_is_refused_everywhere)
store_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=60)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
payloads = st.dictionaries(st.text(max_size=12), json_values, max_size=6)
item_ids = st.integers(-(2**62), 2**62) | store_text


# ---------------------------------------------------------------------------- store round trips
@pytest.fixture(scope="module", params=BACKENDS)
def shared_store(request, tmp_path_factory):
    with backend_location(request.param, tmp_path_factory.mktemp("props")) as location:
        store = AnnotationStore(location, annotator="prop")
        yield store
        store.engine.dispose()


@SETTINGS
@given(payload=payloads, item_id=item_ids, annotator=store_text, kind=st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s and s != "undo"))
def test_store_round_trips_any_json_and_unicode(shared_store, payload, item_id, annotator, kind):
    assume(all(0xD800 > ord(c) or ord(c) > 0xDFFF for c in kind + json.dumps(payload, ensure_ascii=False)))
    task = f"prop-{uuid.uuid4().hex}"
    eid = shared_store.record(task, item_id, payload, kind=kind, annotator=annotator)
    ev = shared_store.events(task)
    assert len(ev) == 1
    row = ev.iloc[0]
    assert row["event_id"] == eid
    assert row["payload"] == payload and json.dumps(row["payload"]) == json.dumps(payload)  # floats bit-exact
    got_id = ev["item_id"].tolist()[0]  # tolist: Python objects (iloc would give numpy.int64)
    assert got_id == item_id and type(got_id) is type(item_id)
    assert row["annotator"] == annotator and row["kind"] == kind and row["task"] == task
    cur = shared_store.current(task)
    assert cur["payload"].tolist() == [payload]
    if kind == "label":
        assert shared_store.labels(task)["label"].tolist() == [payload.get("label")]


@SETTINGS
@given(task=store_text, ids=st.lists(item_ids, min_size=1, max_size=8, unique_by=lambda v: (type(v), v)))
def test_store_current_state_is_the_latest_per_item(shared_store, task, ids):
    task = f"{task}-{uuid.uuid4().hex[:8]}"[-MAX_LENGTHS["task"]:]
    for round_ in range(2):
        for n, item_id in enumerate(ids):
            shared_store.record(task, item_id, {"label": [round_, n]})
    lab = shared_store.labels(task)
    assert len(lab) == len(ids)
    got = {(type(i), i): lab_ for i, lab_ in zip(lab["item_id"], lab["label"])}
    assert got == {(type(i), i): [1, n] for n, i in enumerate(ids)}
    assert task in shared_store.tasks()


# ---------------------------------------------------------------------------- Items
@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.text(max_size=40), min_size=1, max_size=12), data=st.data())
def test_items_from_texts_with_any_ids(texts, data):
    ids = data.draw(st.lists(item_ids, min_size=len(texts), max_size=len(texts), unique_by=lambda v: (type(v), v)))
    items = Items(texts, ids=ids, kind="text")
    assert len(items) == len(texts) and items.ids == ids
    for n, (item_id, text) in enumerate(zip(ids, texts)):
        assert item_id in items and items.position(item_id) == n
        assert items.media(item_id).data == text
    other = 7 if 7 not in ids else "never-an-id-\u2603"
    assume(other not in ids)
    assert other not in items


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(st.text(max_size=5), min_size=2, max_size=6), data=st.data())
def test_items_refuse_duplicate_ids(texts, data):
    ids = data.draw(st.lists(st.integers(0, 3), min_size=len(texts), max_size=len(texts)))
    assume(len(set(ids)) < len(ids))
    with pytest.raises(ValueError):
        Items(texts, ids=ids, kind="text")


@settings(max_examples=30, deadline=None)
@given(arr=arrays(np.uint8, st.tuples(st.integers(1, 4), st.integers(1, 24), st.integers(1, 24), st.just(1))))
def test_items_encode_uint8_images_losslessly(arr):
    """Grey stacks as (N, H, W, 1): an (N, H, W) stack as narrow as 1, 3 or 4 px is refused as ambiguous."""
    items = Items(arr)
    assert len(items) == arr.shape[0] and items.ids == list(range(arr.shape[0]))
    for i in range(arr.shape[0]):
        media = items.media(i)
        assert (media.width, media.height) == (arr.shape[2], arr.shape[1])
        decoded = np.asarray(Image.open(io.BytesIO(media.data)))
        np.testing.assert_array_equal(decoded, arr[i, ..., 0])  # PNG: not one pixel changes


# ---------------------------------------------------------------------------- agreement metrics
def labels_pair(max_n: int = 30):
    return st.integers(2, max_n).flatmap(
        lambda n: st.tuples(st.lists(st.integers(0, 4), min_size=n, max_size=n), st.lists(st.integers(0, 4), min_size=n, max_size=n))
    )


def ratings(min_raters: int = 2):
    return st.tuples(st.integers(2, 20), st.integers(min_raters, 5)).flatmap(
        lambda s: st.lists(st.lists(st.integers(0, 3), min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0])
    )


def defined(fn, *args, **kwargs):
    """The metric's value, or None where it is documented as undefined (ValueError)."""
    try:
        return fn(*args, **kwargs)
    except ValueError:
        return None


relabel = st.permutations(range(5)).map(lambda p: {k: chr(ord("a") + v) * (v + 1) for k, v in enumerate(p)})


@settings(max_examples=80, deadline=None)
@given(pair=labels_pair(), mapping=relabel)
def test_cohen_kappa_symmetric_bounded_and_label_blind(pair, mapping):
    a, b = pair
    k = defined(cohen_kappa, a, b)
    assume(k is not None)
    assert k == pytest.approx(cohen_kappa(b, a), abs=1e-12)  # symmetry
    assert -1.0 - 1e-12 <= k <= 1.0 + 1e-12  # bounds
    assert k == pytest.approx(cohen_kappa([mapping[x] for x in a], [mapping[x] for x in b]), abs=1e-12)
    if a == b:
        assert k == pytest.approx(1.0)
    perm = np.random.default_rng(len(a)).permutation(len(a))  # item order does not matter
    assert k == pytest.approx(cohen_kappa([a[i] for i in perm], [b[i] for i in perm]), abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(pair=labels_pair())
def test_weighted_kappa_symmetric_and_bounded(pair):
    a, b = pair
    for weights in ("linear", "quadratic"):
        k = defined(cohen_kappa, a, b, weights=weights)
        if k is None:
            continue
        assert k == pytest.approx(cohen_kappa(b, a, weights=weights), abs=1e-12)
        assert k <= 1.0 + 1e-12


@settings(max_examples=80, deadline=None)
@given(data=ratings(), mapping=relabel, seed=st.integers(0, 2**16))
def test_fleiss_percent_alpha_invariances_and_bounds(data, mapping, seed):
    arr = np.array(data)
    rng = np.random.default_rng(seed)
    shuffled = arr[rng.permutation(arr.shape[0])][:, rng.permutation(arr.shape[1])]  # items, raters
    renamed = np.vectorize(mapping.get, otypes=[object])(arr)

    p = percent_agreement(arr)
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(percent_agreement(shuffled)) == pytest.approx(percent_agreement(renamed))
    if (arr == arr[:, :1]).all():
        assert p == 1.0

    f = defined(fleiss_kappa, arr)
    if f is not None:
        assert f <= 1.0 + 1e-12
        assert f == pytest.approx(fleiss_kappa(shuffled), abs=1e-9)
        assert f == pytest.approx(fleiss_kappa(renamed), abs=1e-9)

    alpha = defined(krippendorff_alpha, arr.T, level="nominal")  # raters x units
    if alpha is not None:
        assert alpha <= 1.0 + 1e-12
        assert alpha == pytest.approx(krippendorff_alpha(shuffled.T, level="nominal"), abs=1e-9)
        assert alpha == pytest.approx(krippendorff_alpha(renamed.T, level="nominal"), abs=1e-9)
        if (arr == arr[:, :1]).all():
            assert alpha == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(pair=labels_pair(20))
def test_two_rater_fleiss_is_percent_agreement_shifted(pair):
    """Two raters: percent agreement is the share of equal pairs; kappas stay <= 1."""
    a, b = pair
    arr = np.array([a, b]).T
    assert percent_agreement(arr) == pytest.approx(np.mean(np.array(a) == np.array(b)))


# ---------------------------------------------------------------------------- geometry and RLE
quarters = st.integers(0, 400).map(lambda v: v / 4)  # exact in binary: no rounding noise in the properties
boxes = arrays(np.float64, st.tuples(st.integers(1, 6), st.just(4)), elements=quarters)


@settings(max_examples=80, deadline=None)
@given(a=boxes, b=boxes, shift=st.tuples(quarters, quarters), scale=st.sampled_from([0.5, 2.0, 4.0]))
def test_box_iou_symmetric_bounded_and_similarity_invariant(a, b, shift, scale):
    m = box_iou(a, b)
    assert m.shape == (len(a), len(b))
    np.testing.assert_allclose(m, box_iou(b, a).T, atol=1e-12)
    assert ((m >= 0) & (m <= 1 + 1e-12)).all()
    positive = (a[:, 2] > 0) & (a[:, 3] > 0)
    np.testing.assert_allclose(np.diag(box_iou(a, a))[positive], 1.0)
    moved = lambda x: np.column_stack([x[:, 0] + shift[0], x[:, 1] + shift[1], x[:, 2], x[:, 3]])  # noqa: E731
    np.testing.assert_allclose(box_iou(moved(a), moved(b)), m, atol=1e-9)
    np.testing.assert_allclose(box_iou(a * scale, b * scale), m, atol=1e-9)  # scale is exact in binary


masks = st.tuples(st.integers(1, 12), st.integers(1, 12)).flatmap(lambda hw: arrays(np.bool_, hw))


@settings(max_examples=100, deadline=None)
@given(mask=masks)
def test_rle_round_trips_and_matches_pycocotools(mask):
    from pycocotools import mask as coco

    rle = rle_encode(mask)
    assert rle["size"] == list(mask.shape)
    assert sum(rle["counts"]) == mask.size
    np.testing.assert_array_equal(rle_decode(rle), mask)
    assert rle_area(rle) == int(mask.sum())
    s = rle_to_string(rle)
    assert s == coco.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"]  # byte-identical
    assert rle_from_string(s, mask.shape) == rle
    assert rle_encode(mask, compress=True)["counts"] == s
    np.testing.assert_array_equal(rle_decode({"size": rle["size"], "counts": s}), mask)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), hw=st.tuples(st.integers(1, 10), st.integers(1, 10)))
def test_mask_iou_symmetric_bounded_and_rle_equal(data, hw):
    a = data.draw(arrays(np.bool_, (data.draw(st.integers(1, 3)), *hw)))
    b = data.draw(arrays(np.bool_, (data.draw(st.integers(1, 3)), *hw)))
    m = mask_iou(a, b)
    np.testing.assert_allclose(m, mask_iou(b, a).T, atol=1e-12)
    assert ((m >= 0) & (m <= 1)).all()
    ra, rb = [rle_encode(x) for x in a], [rle_encode(x) for x in b]
    np.testing.assert_allclose(mask_iou(ra, rb), m, atol=1e-12)  # run-by-run equals pixel-by-pixel
    inter = (a[:, None] & b[None]).sum(axis=(2, 3))
    union = (a[:, None] | b[None]).sum(axis=(2, 3))
    np.testing.assert_allclose(m, np.divide(inter, union, out=np.zeros(inter.shape), where=union > 0))
    # flipping both masks the same way changes nothing
    np.testing.assert_allclose(mask_iou(a[:, ::-1], b[:, ::-1]), m, atol=1e-12)
