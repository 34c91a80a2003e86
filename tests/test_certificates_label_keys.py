"""certify / verify refuse a label dict with a key that is not a str: JSON writes the key 1 as "1",
so {1: "cat"} and {"1": "cat"} would hash the same and one could replace the other unseen. Every
other label hashes as before."""
from __future__ import annotations

import pytest

from hitl_widgets import AnnotationStore, certify, verify
from hitl_widgets.certificates import _sha


def cert_of(labels):
    return certify(["x", "y"], labels, store=AnnotationStore(":memory:"), progress=False)


@pytest.mark.parametrize("label, where, key", [
    ({1: "cat"}, r"item 0: label", "1 \\(int\\)"),
    ({"boxes": [{"a": 1, 2.5: "b"}]}, r"item 0: label\['boxes'\]\[0\]", "2.5 \\(float\\)"),
    ({None: "cat"}, r"item 0: label", "None \\(NoneType\\)"),
    ({True: "cat"}, r"item 0: label", "True \\(bool\\)"),
])
def test_certify_refuses_non_str_keys_naming_the_item_and_place(label, where, key):
    with pytest.raises(ValueError, match=f"{where}: the key {key} is not a str"):
        cert_of([label, "dog"])


def test_verify_refuses_them_too():
    cert = cert_of([{"1": "cat"}, "dog"])
    assert verify(cert, ["x", "y"], [{"1": "cat"}, "dog"]).ok
    with pytest.raises(ValueError, match="item 0: label: the key 1 \\(int\\) is not a str"):
        verify(cert, ["x", "y"], [{1: "cat"}, "dog"])


def test_str_key_labels_hash_as_before():
    cert = cert_of([{"1": "cat", "b": [1, 2.5]}, "dog"])
    assert cert["label_hashes"]["0"] == _sha('{"1":"cat","b":[1,2.5]}')
    assert verify(cert, ["x", "y"], [{"b": (1, 2.5), "1": "cat"}, "dog"]).ok
