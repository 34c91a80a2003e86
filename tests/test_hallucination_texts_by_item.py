"""``normalise_texts`` tells a dict of captions by item id ({item_id: text}) from a dict of texts
by model ({model: texts}) by its values, and refuses a dict that mixes the two."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.coreference import CoreferenceLinker
from hitl_widgets.widgets.hallucination import normalise_texts

ITEMS = hw.Items(np.zeros((2, 40, 40), np.uint8), ids=["1", "2"])


def test_a_dict_of_single_texts_is_by_item_id():
    assert normalise_texts({"2": "a cat", "1": "a dog"}, ITEMS) == (["text"], {"1": {"text": "a dog"}, "2": {"text": "a cat"}})
    assert normalise_texts({"1": "a dog", "2": None}, ITEMS)[1] == {"1": {"text": "a dog"}, "2": {}}  # missing allowed


def test_coreference_linker_takes_captions_by_item_id():
    w = CoreferenceLinker(ITEMS, {"1": "a dog", "2": "a cat"}, store=hw.AnnotationStore(":memory:"))
    assert w.texts == {"1": "a dog", "2": "a cat"}


def test_a_dict_of_sequences_is_by_model():
    texts = {"m": ["a dog", "a cat"], "n": pd.Series(["x", "y"], index=["2", "1"]), "o": {"1": "p", "2": "q"}}
    assert normalise_texts(texts, ITEMS) == (["m", "n", "o"], {"1": {"m": "a dog", "n": "y", "o": "p"},
                                                               "2": {"m": "a cat", "n": "x", "o": "q"}})


def test_a_dict_mixing_texts_and_sequences_is_refused():
    with pytest.raises(ValueError, match=r"not both: key '1' holds one text, key 'm' a sequence of texts"):
        normalise_texts({"1": "a dog", "m": ["a dog", "a cat"]}, ITEMS)


def test_a_single_text_per_model_says_how_the_dict_was_read():
    with pytest.raises(ValueError, match=r"unknown item id 'm' .*read as \{item_id: text\} \(for \{model: texts\}"):
        normalise_texts({"m": "a dog"}, ITEMS)


def test_texts_that_are_no_sequence_are_refused_as_a_value_error():
    with pytest.raises(ValueError, match=r"^texts must be a list aligned with the items, a Series or a dict by item id, not a int$"):
        normalise_texts(5, ITEMS)  # was a TypeError from list(5)


@pytest.mark.parametrize(("texts", "message"), [
    (["a dog"], r"^texts: 1 texts for 2 items$"),
    ({"m": ["a dog"]}, r"^model 'm': 1 texts for 2 items$"),
    ({"m": {"a dog"}}, r"^model 'm': texts must be a list aligned with the items, a Series or a dict by item id, not a set$"),
    ({"m": {"1": "a dog", "9": "a cat"}}, r"^model 'm': texts: unknown item id '9'"),
    (pd.Series(["a dog", "a cat"], index=["1", "9"]), r"^texts: unknown item id '9'"),
    ({"a dog", "a cat"}, r"^texts must be a list aligned with the items, a Series or a dict by item id, not a set$"),
])
def test_errors_name_the_texts_or_the_model(texts, message):
    with pytest.raises(ValueError, match=message):
        normalise_texts(texts, ITEMS)
