"""The words tables that speech.hypotheses and the subtitle / CTM writers take: ids matched by type,
words whose index order is not their time order, utterance ids that collide in CTM, CTM times.
No recogniser needed (pocketsphinx is imported only to recognise)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.io.subtitles import to_ctm, to_srt, to_webvtt
from hitl_widgets.speech import _sources, hypotheses


def words_of(utterances: list, starts: list[float], ends: list[float], texts: list[str] | None = None, index: list | None = None):
    n = len(utterances)
    return pd.DataFrame({"utterance": pd.Series(utterances, dtype=object), "index": index if index is not None else list(range(n)),
                         "text": texts or [f"w{k}" for k in range(n)], "start_s": starts, "end_s": ends})


WORDS = pd.DataFrame({"utterance": [0, 0, 1], "index": [1, 0, 0], "text": ["there", "hello", "world"],
                      "start_s": [0.5, 0.1, 0.1], "end_s": [0.9, 0.4, 0.5], "confidence": [0.8, 0.9, 0.7]})


def test_hypotheses_join_each_utterance_in_index_order_and_give_empty_for_one_without_words():
    got = hypotheses(WORDS, [1, 0, 7])
    assert got.to_dict() == {1: "world", 0: "hello there", 7: ""}
    assert hypotheses(WORDS, [5, 6]).to_dict() == {5: "", 6: ""}  # a batch of silent recordings


@pytest.mark.parametrize("ids, message", [
    (["0", "1"], r"ids \['0', '1'\] are strs; the words' utterances are ints"),
    ([0, "1"], r"ids \['1'\] are strs"),
    ([True], "unknown item id True: .* a bool"),
    ([0, 1.0], "unknown item id 1.0: .* a float"),
    ([0, 0], "id 0 is given twice"),
])
def test_hypotheses_refuse_ids_that_cannot_be_the_words_utterances(ids, message):
    with pytest.raises(ValueError, match=message):
        hypotheses(WORDS, ids)


def test_hypotheses_refuse_a_words_table_they_cannot_read():
    with pytest.raises(ValueError, match="words row 2: utterance True is not an utterance id"):
        hypotheses(WORDS.assign(utterance=pd.Series([0, 0, True], dtype=object)), [0])
    with pytest.raises(ValueError, match="utterance 0 word 0: index 0 appears twice"):
        hypotheses(WORDS.assign(index=[0, 0, 0]), [0, 1])
    with pytest.raises(ValueError, match="words row 1: utterance 0 needs an int index and a str text"):
        hypotheses(WORDS.assign(text=["there", np.nan, "world"]), [0, 1])


def test_recognise_refuses_an_unknown_id_by_name():
    tone = (np.sin(np.arange(16000) / 5) * 0.5).astype(np.float32)
    with pytest.raises(ValueError, match="unknown item id '0'"):
        _sources([(tone, 16000)], ["0"])
    assert [i for i, _ in _sources([(tone, 16000)], [np.int64(0)])] == [0]


def test_subtitles_refuse_words_whose_index_order_is_not_their_time_order():
    late_first = words_of([0, 0], [5.0, 1.0], [6.0, 2.0], ["late", "early"])
    for write in (to_srt, to_webvtt, to_ctm):
        with pytest.raises(ValueError, match=r"utterance 0 word 1 \('early'\) starts at 1.000 s, before word 0 \('late'\) starts"):
            write(late_first)
    # words that overlap in time order (aligners' output often does) are exported as they are
    assert to_srt(words_of(["u", "u"], [0.0, 0.48], [0.5, 0.92])) == "1\n00:00:00,000 --> 00:00:00,920\nw0 w1\n"
    # an index column read from a CSV as whole floats is read as ints
    assert to_srt(words_of([0, 0], [0.0, 1.0], [0.5, 1.5], index=[0.0, 1.0])) == to_srt(words_of([0, 0], [0.0, 1.0], [0.5, 1.5]))
    with pytest.raises(ValueError, match="utterance 0 word 0: index 0 appears twice"):
        to_srt(words_of([0, 0], [0.0, 1.0], [0.5, 1.5], index=[0, 0]))
    # rows out of order but indices in time order: sorted by index, as before
    srt = to_srt(words_of([0, 0], [1.0, 0.0], [2.0, 0.5], ["b", "a"], index=[1, 0]))
    assert srt == "1\n00:00:00,000 --> 00:00:02,000\na b\n"


def test_subtitles_match_the_utterance_by_type_and_check_every_row():
    words = words_of([1, True], [0.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="words row 1: utterance True is not an utterance id"):
        to_srt(words, utterance=1)
    with pytest.raises(ValueError, match="no words of utterance '1'"):
        to_srt(words_of([1], [0.0], [1.0]), utterance="1")
    with pytest.raises(ValueError, match="utterance 0 word 0: text must be a str, not float"):
        to_ctm(words_of([0], [0.0], [1.0]).assign(text=[np.nan]))
    with pytest.raises(ValueError, match="utterance 0 word 0: start_s must be a finite time"):
        to_ctm(words_of([0], [0.0], [1.0]).assign(start_s=["0"]))
    assert to_ctm(words_of([1, "a", 0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0], ["x", "y", "z"])).split("\n")[:3] == [
        "0 A 0.000 1.000 z", "1 A 0.000 1.000 x", "a A 0.000 1.000 y"]  # ints, then strs


@pytest.mark.parametrize("a, b", [("a b", "a_b"), (1, "1"), ("a\tb", "a b")])
def test_ctm_refuses_two_utterances_written_as_one(a, b):
    with pytest.raises(ValueError, match=re.escape(f"utterances {a!r} and {b!r} are both written ") + ".* in CTM"):
        to_ctm(words_of([a, b], [0.0, 0.0], [1.0, 1.0]))


def test_ctm_duration_is_the_written_end_minus_the_written_start():
    line = to_ctm(words_of(["u"], [0.0005], [1.0014]))
    assert line == "u A 0.001 1.000 w0\n"  # start 0.001 + 1.000 = 1.001, the end rounded
    lines = to_ctm(words_of(["u", "u"], [0.0004, 1.0004], [1.0004, 1.5])).splitlines()
    assert lines == ["u A 0.000 1.000 w0", "u A 1.000 0.500 w1"]
    rng = np.random.default_rng(0)
    starts = np.sort(rng.uniform(0, 3000, 200))
    ends = starts + rng.uniform(0, 0.01, 200)
    words = words_of(["u"] * 200, starts.tolist(), ends.tolist())
    words = words[(words.start_s.shift(-1).fillna(np.inf) >= words.end_s)].reset_index(drop=True)
    words["index"] = range(len(words))
    for row, line in zip(words.itertuples(), to_ctm(words).splitlines()):
        _, _, start, dur, _ = line.split()
        assert start == f"{row.start_s:.3f}" and f"{float(start) + float(dur):.3f}" == f"{row.end_s:.3f}"


def test_a_cue_keeps_its_longest_words_end_when_an_overlapping_word_ends_sooner():
    """"uh" (0.5-0.8 s) inside "hello" (0-2 s): the cue ended at 0.8 s, cutting "hello" 1.2 s short."""
    w = pd.DataFrame({"utterance": "u", "index": [0, 1], "text": ["hello", "uh"], "start_s": [0.0, 0.5], "end_s": [2.0, 0.8]})
    assert "00:00:00,000 --> 00:00:02,000\nhello uh" in to_srt(w)
    assert "00:00:00.000 --> 00:00:02.000\nhello uh" in to_webvtt(w)
