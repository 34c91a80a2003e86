"""certify / verify refuse a label dict with a key that is not a str: JSON writes the key 1 as "1",
so {1: "cat"} and {"1": "cat"} would hash the same and one could replace the other unseen. A set
in a label hashes as its sorted list (its own order of strs changes with PYTHONHASHSEED). Every
other label hashes as before."""
from __future__ import annotations

import os
import subprocess
import sys

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


def label_hash_in_a_fresh_process(seed: str, label: str) -> str:
    """The label hash of item 0 under ``PYTHONHASHSEED=seed``, ``label`` a Python expression."""
    code = ("from hitl_widgets import AnnotationStore, certify\n"
            f"print(certify(['x'], [{label}], store=AnnotationStore(':memory:'), progress=False)['label_hashes']['0'])")
    run = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                         capture_output=True, text=True, check=True)
    return run.stdout.strip()


def test_a_set_label_hashes_the_same_in_every_process():
    label = "{'cat', 'dog', 'bird', 'fish', 'cow', 'owl', 'ant', 'bee'}"
    assert label_hash_in_a_fresh_process("1", label) == label_hash_in_a_fresh_process("2", label)


@pytest.mark.parametrize("label, same", [
    ({"dog", "cat", "ant"}, ["ant", "cat", "dog"]),
    (frozenset({"b", 10, 2, "a"}), [2, 10, "a", "b"]),
    ({"tags": {"z", "y", "x", "w", "v"}, "box": (1, 2)}, {"box": [1, 2], "tags": ["v", "w", "x", "y", "z"]}),
    ({frozenset({"b", "a"}), None, 1.5, "c", (3, "d")}, [1.5, "c", ["a", "b"], [3, "d"], None]),
])
def test_a_set_label_hashes_as_its_sorted_list_whatever_its_insertion_order(label, same):
    reordered = type(label)(reversed(list(label))) if isinstance(label, (set, frozenset)) else label
    cert = cert_of([label, "dog"])
    assert cert["label_hashes"]["0"] == cert_of([same, "dog"])["label_hashes"]["0"]
    assert verify(cert, ["x", "y"], [reordered, "dog"]).ok
