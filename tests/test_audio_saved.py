"""TranscriptReview and AVAlignReview keep saved work with what it was made on: a transcript with
its recording and hypothesis, an offset with its video and recording; an undo never takes back
another widget's change unseen; a change made from Python reaches the view. Each case once moved
work onto another recording or dropped a change without a word."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.store import AnnotationStore
from hitl_widgets.widgets.transcript import TranscriptReview

RATE = 16000
LONG = (np.sin(np.arange(RATE * 3) / 5) * 0.5).astype(np.float32)
SHORT = (np.sin(np.arange(RATE) / 7) * 0.5).astype(np.float32)


def hyp(words: dict) -> pd.DataFrame:
    return pd.DataFrame([{"utterance": u, "index": k, "text": t, "start_s": s, "end_s": e, "confidence": 0.5}
                         for u, ws in words.items() for k, (t, s, e) in enumerate(ws)])


def test_a_transcript_is_not_shown_on_another_recording_or_hypothesis(tmp_path):
    db = str(tmp_path / "t.db")
    first = {0: [("hello", 0.1, 0.5), ("wrld", 2.0, 2.8)], 1: [("yes", 0.1, 0.5)]}
    w = TranscriptReview([(LONG, RATE), (SHORT, RATE)], hyp(first), store=AnnotationStore(db))
    w.edit(0, 1, "world")
    with pytest.warns(UserWarning, match=r"1 stored states of task 'transcripts' were made on other media .* item ids 0\."):
        moved = TranscriptReview([(SHORT, RATE), (LONG, RATE)], hyp({0: first[1], 1: first[0]}), store=AnnotationStore(db))
    assert moved.transcripts["text"].tolist() == ["yes", "hello wrld"]  # the 1 s recording shows no word at 2 s
    rerun = {0: [("hello", 0.1, 0.5), ("world", 2.0, 2.8)], 1: first[1]}  # a new ASR run
    with pytest.warns(UserWarning, match="made on other media"):
        again = TranscriptReview([(LONG, RATE), (SHORT, RATE)], hyp(rerun), store=AnnotationStore(db))
    assert again.transcripts["model_text"].tolist()[0] == again.transcripts["text"].tolist()[0] == "hello world"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = TranscriptReview([(LONG, RATE), (SHORT, RATE)], hyp(first), store=AnnotationStore(db))
    assert same.transcripts["text"].tolist()[0] == "hello world"


def test_an_undo_on_a_stale_state_is_refused_not_applied_to_another_widgets_change(tmp_path):
    db = str(tmp_path / "t.db")
    words = hyp({0: [("the", 0.1, 0.3), ("cat", 0.5, 0.8)]})
    a = TranscriptReview([(LONG, RATE)], words, store=AnnotationStore(db, annotator="ann"))
    b = TranscriptReview([(LONG, RATE)], words, store=AnnotationStore(db, annotator="ann"))
    sent: list = []
    a.send = lambda m, buffers=None: sent.append(m)
    b.send = lambda m, buffers=None: None
    a._dispatch(a, {"type": "text", "client": "a", "seq": 1, "item_id": 0, "word": "m0", "text": "The"}, [])
    b._dispatch(b, {"type": "text", "client": "b", "seq": 1, "item_id": 0, "word": "m1", "text": "dog"}, [])  # stale: refused
    b._dispatch(b, {"type": "text", "client": "b", "seq": 2, "item_id": 0, "word": "m1", "text": "dog"}, [])
    a._dispatch(a, {"type": "undo", "client": "a", "seq": 2, "item_id": 0}, [])  # meant for its own "The"
    assert sent[-1]["type"] == "refused" and "changed elsewhere" in sent[-1]["message"]
    fresh = TranscriptReview([(LONG, RATE)], words, store=AnnotationStore(db, annotator="ann"))
    assert fresh.transcripts["text"].tolist() == ["The dog"] == a.transcripts["text"].tolist()


def test_edits_from_python_tell_the_view():
    w = TranscriptReview([(LONG, RATE)], hyp({0: [("the", 0.1, 0.3)]}), store=AnnotationStore(":memory:"))
    sent: list = []
    w.send = lambda m, buffers=None: sent.append(m)
    w.edit(0, 0, "The")
    w.retime(0, 0, end_s=0.4)
    w.set_verdict(0, "corrected")
    assert [m["type"] for m in sent] == ["invalidate"] * 3


def test_an_offset_is_not_shown_with_another_recording(tmp_path):
    from hitl_widgets.demo.beeps import beep_track
    from hitl_widgets.widgets.av_align import AVAlignReview

    db = str(tmp_path / "a.db")
    videos = [np.zeros((50, 16, 16), np.uint8), np.full((50, 16, 16), 200, np.uint8)]
    r0, r1 = (beep_track([0.5], 2.0), RATE), (beep_track([1.2], 3.0), RATE)
    w = AVAlignReview(videos, audio=[r0, r1], store=AnnotationStore(db))
    w.mark(0, audio_s=0.5, frame=40)
    w.confirm(0)
    assert w.offsets.set_index("item").loc[0, "confirmed"]
    with pytest.warns(UserWarning, match=r"stored states of task 'av_align' were made on other media .* item ids 0"):
        swapped = AVAlignReview(videos, audio=[r1, r0], store=AnnotationStore(db))
    assert not swapped.offsets.set_index("item").loc[0, "confirmed"]  # the 3 s recording has no confirmed offset


def test_an_edit_made_on_another_asr_runs_words_is_refused():
    """An edit kept in the browser across a restart names its word by id (m1: the second word); after
    a new ASR run that is another word. The view sends the run it was shown (``hypothesis``)."""
    old = hyp({0: [("the", 0.1, 0.3), ("cat", 0.5, 0.8), ("sat", 1.0, 1.2)]})
    new = hyp({0: [("a", 0.0, 0.05), ("the", 0.1, 0.3), ("cat", 0.5, 0.8), ("sat", 1.0, 1.2)]})
    before = TranscriptReview([(LONG, RATE)], old, store=AnnotationStore(":memory:"))
    made_on = before._media(0, [])["hypothesis"]
    w = TranscriptReview([(LONG, RATE)], new, store=AnnotationStore(":memory:"))
    sent: list = []
    w.send = lambda m, buffers=None: sent.append(m)
    w._dispatch(w, {"type": "replay", "client": "c", "seq": 1, "edits": [
        {"type": "text", "fields": {"item_id": 0, "word": "m1", "text": "bat", "hypothesis": made_on}, "made_at": 1.7e12}]}, [])
    result = sent[-1]["results"][0]
    assert not result["ok"] and "another ASR run" in result["message"]
    assert w.transcripts["text"].tolist() == ["a the cat sat"]  # "the" not overwritten
    current = w._media(0, [])["hypothesis"]
    w._dispatch(w, {"type": "text", "client": "c", "seq": 2, "item_id": 0, "word": "m2", "text": "bat", "hypothesis": current}, [])
    assert sent[-1]["type"] == "ack" and w.transcripts["text"].tolist() == ["a the bat sat"]
