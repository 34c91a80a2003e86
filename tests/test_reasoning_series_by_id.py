"""normalise_chains / ReasoningChainReview: a Series (of chains, of one model's chains in a dict, of
questions) is read by item id, like every widget's (vqa.by_item_id), never by position."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets import reasoning
from hitl_widgets.widgets.reasoning import ReasoningChainReview, normalise_chains

IMAGES = np.zeros((3, 8, 8), np.uint8)


def sorted_frame() -> pd.DataFrame:
    """A DataFrame sorted by a column: its index is [0, 2, 1], the item ids are 0..2."""
    df = pd.DataFrame({"q": ["How many cats?", "What colour?", "Is it raining?"],
                       "steps": [["two cats"], ["red"], ["yes, wet road"]]})
    return df.sort_values("q")


def pairs(chains, questions, model="model"):
    return {i: (questions[i], chains[i][model][0]["text"]) for i in chains}


def test_series_of_chains_and_of_questions_stay_together_on_a_sorted_frame():
    df = sorted_frame()
    assert list(df.index) == [0, 2, 1]
    _, chains, questions = normalise_chains(df["steps"], hw.Items(IMAGES), df["q"])
    assert pairs(chains, questions) == {0: ("How many cats?", "two cats"), 1: ("What colour?", "red"),
                                        2: ("Is it raining?", "yes, wet road")}


def test_dict_of_series_by_custom_item_ids():
    items = hw.Items(IMAGES, ids=["a", "b", "c"])
    steps = pd.Series({"c": ["C step"], "a": ["A step"], "b": ["B step"]})
    qs = pd.Series({"c": "Q for c", "a": "Q for a", "b": "Q for b"})
    _, chains, questions = normalise_chains({"m": steps}, items, qs)
    assert pairs(chains, questions, "m") == {i: (f"Q for {i}", f"{i.upper()} step") for i in "abc"}
    _, chains, _ = normalise_chains({"m": steps.to_dict()}, items)  # a dict by item id, as a Series
    assert chains["a"]["m"][0]["text"] == "A step"


def test_widget_reads_the_series_by_item_id():
    df = sorted_frame()
    w = ReasoningChainReview(IMAGES, df["steps"], questions=df["q"], store=hw.AnnotationStore(":memory:"))
    assert w.questions[1] == "What colour?" and w.chains[1]["model"][0]["text"] == "red"


def test_missing_entries_are_no_chain_or_no_question():
    items = hw.Items(IMAGES)
    steps = pd.Series([["x"], None, ["z"]], index=[2, 1, 0])
    _, chains, questions = normalise_chains(steps, items, pd.Series([np.nan, "q1", None], index=[0, 1, 2]))
    assert chains[1] == {} and chains[2]["model"][0]["text"] == "x" and questions == {0: None, 1: "q1", 2: None}


@pytest.mark.parametrize("chains, questions, match", [
    # a RangeIndex whose labels are not the items' ids: refused, never read by position
    (pd.Series([["x"], ["y"], ["z"]]), None, r"chains: unknown item id 0 \(an index entry of the Series"),
    ({"m": pd.Series([["x"], ["y"], ["z"]])}, None, r"model 'm': chains: unknown item id 0"),
    ([["x"], ["y"], ["z"]], pd.Series(["q0", "q1", "q2"]), r"questions: unknown item id 0"),
    # a subset of the items, or an item twice
    (pd.Series({"a": ["x"], "b": ["y"]}), None, r"chains: no entry for item 'c' \(1 of 3 items missing\)"),
    ([["x"], ["y"], ["z"]], {"a": "q"}, r"questions: no entry for item 'b'"),
    ([["x"], ["y"], ["z"]], pd.Series(["q", "q", "q"], index=["a", "a", "b"]), "questions: item 'a' is given twice"),
    ({"m": [["x"]]}, None, "model 'm': 1 chains for 3 items"),
    ([["x"], ["y"], ["z"]], "one question", "questions must be a list aligned with the items"),
])
def test_refusals_name_the_input_and_the_entry(chains, questions, match):
    with pytest.raises(ValueError, match=match):
        normalise_chains(chains, hw.Items(IMAGES, ids=["a", "b", "c"]), questions)


def test_doctests():
    assert doctest.testmod(reasoning).failed == 0
