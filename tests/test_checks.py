"""Ingestion checks (hitl_widgets.checks) on a delivery with injected problems: every problem found,
and nothing flagged on the clean items."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from hitl_widgets.checks import (
    difference_hash,
    embed_images,
    exact_duplicates,
    file_problems,
    load_images,
    metadata_anomalies,
    near_duplicates,
    outliers,
    schema_violations,
)


def digit_images(n, offset=0):
    d = load_digits()
    return [np.kron(d.images[offset + k] / 16 * 255, np.ones((4, 4))).astype(np.uint8) for k in range(n)]


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    """60 existing digit images as PNG files; a new delivery of 12: 6 clean new digits, then an exact copy,
    a re-encoded (JPEG) and resized copy, a photo (out of domain), a truncated file, a missing one, an
    EXIF-rotated clean digit."""
    folder = tmp_path_factory.mktemp("delivery")
    existing = []
    for k, img in enumerate(digit_images(60)):
        p = folder / f"old_{k}.png"
        Image.fromarray(img).save(p)
        existing.append(str(p))
    new = []
    for k, img in enumerate(digit_images(6, offset=100)):
        p = folder / f"new_{k}.png"
        Image.fromarray(img).save(p)
        new.append(str(p))
    new.append(existing[3])  # 6: exact copy
    Image.fromarray(np.asarray(Image.open(existing[7]).resize((40, 40)))).save(folder / "near.jpg", quality=85)
    new.append(str(folder / "near.jpg"))  # 7: near duplicate
    from skimage import data as skd

    Image.fromarray(skd.astronaut()[::4, ::4]).save(folder / "photo.png")
    new.append(str(folder / "photo.png"))  # 8: out of domain (and 3 channels, 128x128)
    raw = (folder / "new_0.png").read_bytes()
    (folder / "cut.png").write_bytes(raw[: len(raw) // 2])
    new.append(str(folder / "cut.png"))  # 9: truncated
    new.append(str(folder / "gone.png"))  # 10: missing
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(digit_images(1, offset=200)[0]).save(folder / "rot.jpg", exif=exif)
    new.append(str(folder / "rot.jpg"))  # 11: EXIF rotation
    return existing, new


def test_file_problems(delivery):
    _, new = delivery
    found = file_problems(new)
    assert dict(zip(found["item"], found["problem"])) == {9: "unreadable", 10: "missing"} or \
        dict(zip(found["item"], found["problem"])) == {9: "truncated", 10: "missing"}
    assert "gone.png" in found.set_index("item").loc[10, "detail"]


def test_exact_and_near_duplicates(delivery):
    existing, new = delivery
    exact = exact_duplicates(new, existing)
    assert exact.to_dict("records") == [{"item": 6, "duplicate_of": 3, "where": "existing"}]
    near = near_duplicates(new, existing)
    assert near["item"].tolist() == [7] and near.iloc[0]["match"] == 7 and near.iloc[0]["where"] == "existing"
    assert near.iloc[0]["hamming"] <= 2 or near.iloc[0]["cosine"] >= 0.97
    # within the new items: a copy of an earlier new item points back to it
    inside = exact_duplicates([new[0], new[1], new[0]])
    assert inside.to_dict("records") == [{"item": 2, "duplicate_of": 0, "where": "new"}]


def test_outliers_flag_the_photo_only(delivery):
    existing, new = delivery
    old_e, new_e = embed_images(existing), embed_images(new)
    found = outliers(new_e, old_e, k=5, quantile=0.99)
    assert found.loc[found.outlier, "item"].tolist() == [8]
    assert len(found.iloc[0]["nearest"]) == 5 and found["threshold"].nunique() == 1


def test_metadata_and_schema(delivery):
    existing, new = delivery
    meta = metadata_anomalies(new, existing)
    by_item = meta.groupby("item")["field"].apply(set).to_dict()
    assert by_item[8] >= {"channels", "size"} and by_item[11] == {"orientation"}
    assert set(by_item) == {8, 11}  # 7 (40x40 against 32x32) is within the size spread allowed
    schema = schema_violations(new, {"classes": list(range(10)), "channels": 1, "min_size": (32, 32)},
                               labels=[1, 2, 3, 4, 5, 6, 3, 7, 11, 0, 0, 2])
    rows = set(zip(schema["item"], schema["field"]))
    assert rows == {(8, "label"), (8, "channels")}  # the photo: label 11 and 3 channels


def test_difference_hash_is_stable_under_resizing():
    img = digit_images(1)[0]
    small = np.asarray(Image.fromarray(img).resize((20, 20)))
    assert bin(difference_hash(img) ^ difference_hash(small)).count("1") <= 4
    other = digit_images(1, offset=1)[0]
    assert bin(difference_hash(img) ^ difference_hash(other)).count("1") > 10


def test_arrays_and_bad_calls():
    a = np.zeros((8, 8), np.uint8)
    loaded = load_images([a, np.full((2,), 3), np.full((4, 4), np.nan)])
    assert set(loaded.errors) == {1, 2} and loaded.errors[1][0] == "unreadable"
    with pytest.raises(ValueError, match="got 1 ids for 2 items"):
        load_images([a, a], ids=["x"])
    with pytest.raises(ValueError, match="unknown schema keys \\['colour'\\]"):
        schema_violations([a], {"colour": "red"})
    with pytest.raises(ValueError, match="need more than k=5 existing items"):
        outliers(pd.DataFrame(np.ones((2, 3))), pd.DataFrame(np.ones((3, 3))))


def test_16_bit_and_1_bit_images_are_read_as_grey_not_clipped_to_white(tmp_path):
    """Three different uint16 PNGs were all read as white (PIL's convert clips): every one a
    near-duplicate of the others, and 3 channels."""
    rng = np.random.default_rng(0)
    paths = []
    for k in range(3):
        path = tmp_path / f"depth{k}.png"
        Image.fromarray(rng.integers(1000, 60000, (64, 64), dtype=np.uint16)).save(path)
        paths.append(path)
    mask = tmp_path / "mask.png"
    Image.fromarray(rng.random((64, 64)) > 0.5).save(mask)
    loaded = load_images([*paths, mask])
    assert loaded.meta["channels"].tolist() == [1, 1, 1, 1]
    assert loaded.meta["mode"].tolist() == ["I;16", "I;16", "I;16", "1"]
    grey = np.asarray(Image.open(paths[0]), dtype=np.float64) / 65535 * 255
    assert np.abs(loaded.images[0].astype(np.float64) - grey).max() <= 0.5  # scaled, as Items shows it
    assert set(np.unique(loaded.images[3]).tolist()) == {0, 255}
    assert near_duplicates(paths).empty
    assert schema_violations(paths, {"channels": 1}).empty


def test_a_32_bit_int_image_is_reported_unreadable_not_guessed(tmp_path):
    path = tmp_path / "int32.tif"
    Image.fromarray(np.arange(64, dtype=np.int32).reshape(8, 8) * 1000).save(path)
    problems = file_problems([path])
    assert problems["problem"].tolist() == ["unreadable"] and "mode 'I'" in problems["detail"].iloc[0]


def test_schema_classes_compare_labels_by_kind():
    """True and "1" are not the class 1 (1.0 is): a bool or str label column is flagged, not passed."""
    images = digit_images(4)
    found = schema_violations(images, {"classes": [0, 1]}, labels=[1, True, 1.0, "1"])
    assert found["item"].tolist() == [1, 3]


def test_schema_classes_match_other_numbers_by_value():
    """A label column of Decimals (a SQL NUMERIC column) is read as coerce.same_label reads labels:
    Decimal(1) is the class 1 (it was flagged, its kind being "Decimal", not "number")."""
    from decimal import Decimal

    found = schema_violations(digit_images(3), {"classes": [0, 1]}, labels=[Decimal(1), Decimal("0.0"), Decimal(2)])
    assert found["item"].tolist() == [2]


def test_metadata_anomalies_against_identical_references_scale_with_the_change():
    """All references 64x64: a 64x65 image was flagged for aspect with robust z 15,504,186 (a 1e-9
    unit, 5% of the log aspect 0) while a 4x larger image was not flagged for size."""
    ref = [np.zeros((64, 64), np.uint8)] * 20
    new = [np.zeros((65, 64), np.uint8), np.zeros((128, 128), np.uint8), np.zeros((64, 256), np.uint8)]
    found = metadata_anomalies(new, ref)
    assert set(zip(found["item"], found["field"])) == {(1, "size"), (2, "size"), (2, "aspect")}
