"""AnnotationStore.record refuses a payload whose dicts have keys that are not strs: JSON would
store {1: "cat"} as {"1": "cat"} and read it back changed."""
from __future__ import annotations

import pytest

from hitl_widgets import AnnotationStore


@pytest.mark.parametrize("payload, path", [
    ({"label": {1: "cat"}}, r"payload\['label'\]: the key 1 \(int\)"),
    ({"boxes": [{"x": 1, 2.5: "y"}]}, r"payload\['boxes'\]\[0\]: the key 2.5 \(float\)"),
    ({1: "cat"}, r"payload: the key 1 \(int\)"),
])
def test_a_payload_with_a_non_str_key_is_refused_and_nothing_stored(payload, path):
    store = AnnotationStore(":memory:")
    with pytest.raises(ValueError, match=path):
        store.record("t", 0, payload)
    assert store.labels("t").empty
    store.record("t", 0, {"label": {"1": "cat"}})  # str keys are kept as they are
    assert store.labels("t")["label"].tolist() == [{"1": "cat"}]
