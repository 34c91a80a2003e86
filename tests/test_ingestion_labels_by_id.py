"""IngestionReview reads a Series / dict of delivered labels by item id (never by position), a list
by position, and refuses a delivery of texts (its checks are for images)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import hitl_widgets as hw
from hitl_widgets.items import Items


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ingest_ids")
    rng = np.random.default_rng(0)
    out = []
    for k in range(5):
        p = folder / f"img_{k}.png"
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(p)
        out.append(str(p))
    return out


def _review(paths, labels):
    items = Items(paths, ids=["p", "q", "r", "s", "t"])
    return hw.IngestionReview(items, store=hw.AnnotationStore(":memory:"), progress=False, labels=labels,
                              schema={"classes": ["cat", "dog"]})


@pytest.mark.parametrize("as_series", [True, False])
def test_labels_by_item_id_in_another_order(paths, as_series):
    by_id = {"t": "dog", "s": "cat", "r": "dog", "q": "cat", "p": "bird"}  # only p's label is not a class
    w = _review(paths, pd.Series(by_id) if as_series else by_id)
    schema = w.findings[w.findings["check"] == "schema"]
    assert schema["item"].tolist() == ["p"]
    assert "label" in schema["problem"].iloc[0]
    assert w.labels.to_dict() == {"q": "cat", "r": "dog", "s": "cat", "t": "dog"}


def test_labels_list_by_position(paths):
    w = _review(paths, ["bird", "cat", "dog", "cat", "dog"])
    assert w.findings[w.findings["check"] == "schema"]["item"].tolist() == ["p"]


@pytest.mark.parametrize("labels, message", [
    (pd.Series(["cat"] * 4, index=["p", "q", "r", "s"]), "no entry for item 't'"),
    (pd.Series(["cat"] * 6, index=["p", "q", "r", "s", "t", "u"]), "'u'"),
    (pd.Series(["cat"] * 5), "read by item id"),  # a default index is not the ids p..t
])
def test_labels_by_id_refuses_missing_or_unknown_ids(paths, labels, message):
    with pytest.raises(ValueError, match=message):
        _review(paths, labels)


@pytest.mark.parametrize("labels, message", [
    ("cdcdc", "labels must be a list aligned with the items, or a Series or a dict by item id, not a str"),
    ({"cat", "dog", "bird", "eel", "fox"}, "labels must be a list .*not a set"),
    (pd.DataFrame({"label": ["cat"] * 5}), "labels must be a list .*not a DataFrame"),
    (7, "labels must be a list .*not a int"),
    (np.array("cat"), "labels must be a list .*not a ndarray that cannot be iterated"),  # was a bare TypeError
])
def test_labels_neither_by_position_nor_by_id_are_refused(paths, labels, message):
    """A str of five letters was read as five labels, a set in its own (arbitrary) order."""
    with pytest.raises(ValueError, match=message):
        _review(paths, labels)


@pytest.mark.parametrize("ids", [None, ["t0", "t1", "t2"], [10, 11, 12]])
def test_texts_are_refused(ids):
    texts = ["a cat on a mat", "two dogs", "a bird"]
    data = Items(texts, ids=ids) if ids else texts
    with pytest.raises(ValueError, match="holds texts.*for images"):
        hw.IngestionReview(data, store=hw.AnnotationStore(":memory:"), progress=False)


def test_texts_refused_as_existing(paths):
    with pytest.raises(ValueError, match="existing holds texts"):
        hw.IngestionReview(paths, ["a cat", "a dog"], store=hw.AnnotationStore(":memory:"), progress=False)
