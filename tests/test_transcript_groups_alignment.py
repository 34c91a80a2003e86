"""TranscriptReview's ``groups`` and ``reference`` are matched to the utterances by id: a table whose
index only partly names the utterances is refused (never read in item order), extra rows are refused,
and only a DataFrame with the default index 0..N-1 beside utterance ids that are not ints is read in
item order."""
from __future__ import annotations

import pandas as pd
import pytest

import hitl_widgets as hw
from test_transcript import RATE, hyps, make, tone

REFERENCE = {0: "the cat sat", 1: "hello there world", 2: "fine"}  # the recogniser misses "there"


def named(ids: list, **kwargs):
    """A TranscriptReview over the three test utterances, with item ids ``ids``."""
    audio = hw.Items([(tone(1.5, s), RATE) for s in range(3)], ids=ids, kind="audio")
    words = hyps().assign(utterance=lambda d: d["utterance"].map(dict(enumerate(ids))))
    return hw.TranscriptReview(audio, words, store=hw.AnnotationStore(":memory:"), **kwargs)


def test_a_groups_index_that_partly_names_the_utterances_is_refused_naming_them():
    groups = pd.DataFrame({"accent": ["us", "uk", "in"]}, index=[2, 1, 9])  # lacks 0, has 9
    with pytest.raises(ValueError, match=r"groups is matched to the utterances by its index: no value for "
                                         r"utterance 0 \(1 of 3 missing\); 9 in its index is not an utterance"):
        make(groups=groups, reference=REFERENCE)


def test_groups_rows_in_another_order_are_read_by_utterance_id():
    groups = pd.DataFrame({"accent": ["us", "uk", "in"]}, index=[2, 1, 0])
    w, _, _ = make(groups=groups, reference=REFERENCE)
    assert w._groups["accent"].to_dict() == {0: "in", 1: "uk", 2: "us"}
    by_accent = w.wer_by_group(n_boot=10)
    assert by_accent["n_utterances"].to_dict() == {"in": 1, "uk": 1, "us": 1}
    assert by_accent["wer"].to_dict() == {"in": 0.0, "uk": pytest.approx(1 / 3), "us": 0.0}


@pytest.mark.parametrize("form", ["series", "dict", "frame"])
def test_an_entry_for_no_utterance_is_refused(form):
    values = {2: "fine", 0: "the cat sat", 1: "hello world", 7: "unused"}
    value = {"series": pd.Series(values), "dict": values, "frame": pd.Series(values).to_frame("accent")}[form]
    what = "groups" if form == "frame" else "reference"
    with pytest.raises(ValueError, match=rf"{what} is matched .*: 7 in its index is not an utterance"):
        make(**{what: value})


def test_a_frame_without_an_index_is_read_in_item_order_only_beside_str_ids():
    groups = pd.DataFrame({"accent": ["us", "uk", "in"]})
    w = named(["a", "b", "c"], groups=groups)
    assert w._groups["accent"].to_dict() == {"a": "us", "b": "uk", "c": "in"}
    with pytest.raises(ValueError, match="groups: got 2 rows for 3 utterances"):
        named(["a", "b", "c"], groups=groups.iloc[:2].reset_index(drop=True))
    with pytest.raises(ValueError, match=r"no value for utterances 10, 11, 12 \(3 of 3 missing\); 0, 1, 2 in its index"):
        named([10, 11, 12], groups=groups)  # int ids: 0..2 would read as ids, never as positions
    with pytest.raises(ValueError, match="no value for utterances 'a', 'b', 'c'"):
        named(["a", "b", "c"], groups=groups["accent"])  # a Series is always read by id


def test_a_reference_with_no_word_is_left_out_of_wer_by_group():
    """A punctuation-only reference ("...") passed the blank check, then wer_by_group raised "the
    reference is empty after normalisation" instead of leaving it out, as its docstring says."""
    groups = pd.DataFrame({"accent": ["us", "uk", "in"]}, index=[0, 1, 2])
    w, _, _ = make(groups=groups, reference={**REFERENCE, 2: "..."})
    by_accent = w.wer_by_group(n_boot=10)
    assert by_accent["n_utterances"].to_dict() == {"uk": 1, "us": 1}
