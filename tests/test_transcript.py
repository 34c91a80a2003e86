"""TranscriptReview (kernel side): every intent's ack, refusal, undo / redo, reload; the hypotheses'
checks; peaks and playback reads; the words / transcripts tables; WER by group."""
from __future__ import annotations

import io
import wave

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.base import IntentError
from hitl_widgets.widgets.transcript import MAX_PEAKS, MAX_PLAY_S

RATE = 8000


def tone(seconds: float, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * (220 + 40 * seed) * t)).astype(np.float32)


def hyps() -> pd.DataFrame:
    return pd.DataFrame([
        (0, 0, "the", 0.10, 0.30, 0.9), (0, 1, "cat", 0.40, 0.70, 0.8), (0, 2, "sat", 0.80, 1.10, 0.7),
        (1, 0, "hello", 0.20, 0.60, 0.3), (1, 1, "world", 0.70, 1.20, 0.2),
        (2, 0, "fine", 0.10, 0.50, 0.99),
    ], columns=["utterance", "index", "text", "start_s", "end_s", "confidence"])


def make(store=None, **kwargs):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    sent: list = []
    bufs: list = []
    audio = [(tone(1.5, s), RATE) for s in range(3)]
    w = hw.TranscriptReview(audio, kwargs.pop("hypotheses", hyps()), store=store, **kwargs)

    def send(msg, buffers=None):
        sent.append(msg)
        bufs.append(buffers)

    w.send = send
    return w, sent, bufs


class Client:
    def __init__(self, w):
        self.w, self.seq = w, 0

    def __call__(self, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"client": "c", "seq": self.seq, **fields}, [])


def wid(w, u, k):
    return w._current(u)["words"][k]["id"]


def texts(w, u):
    return [x["text"] for x in w._current(u)["words"]]


def unpack(packed: dict, buffers: list) -> list[dict]:
    """The words of a fetch's ``packed_words`` (as js/src/widgets/transcript/model.ts unpackWords reads them)."""
    n, raw = packed["n"], bytes(buffers[packed["buffer"]])
    assert len(raw) == 26 * n
    start, end, conf = np.frombuffer(raw[:24 * n], "<f8").reshape(3, n)
    source, flag = np.frombuffer(raw[24 * n:], np.uint8).reshape(2, n)
    return [{"id": i, "text": t, "start": float(a), "end": float(b), "source": ("model", "human")[s],
             "confidence": None if np.isnan(c) else float(c), "flag": (None, "unclear", "jargon")[f]}
            for i, t, a, b, c, s, f in zip(packed["id"].split(" ") if n else [], packed["text"].split(" ") if n else [],
                                           start, end, conf, source, flag)]


def ack_words(sent: list, bufs: list, k: int = -1) -> list[dict]:
    """The words an ack carries (packed, in the buffers sent with it)."""
    assert "words" not in sent[k]
    return unpack(sent[k]["packed_words"], bufs[k])


def test_queue_is_least_confident_first_or_sequential():
    w, _, _ = make()
    assert w.order == [1, 0, 2] and w.position == 0
    w2, _, _ = make(order="sequential")
    assert w2.order == [0, 1, 2]
    with pytest.raises(ValueError, match="order"):
        make(order="random")


def test_text_time_flag_verdict_acks_and_tables():
    w, sent, bufs = make()
    c = Client(w)
    c(type="text", item_id=0, word=wid(w, 0, 1), text="hat")
    assert sent[-1]["type"] == "ack" and [x["text"] for x in ack_words(sent, bufs)] == ["the", "hat", "sat"]
    c(type="time", item_id=0, word=wid(w, 0, 1), start_s=0.35, end_s=0.75)
    assert sent[-1]["type"] == "ack"
    c(type="flag", item_id=0, word=wid(w, 0, 2), flag="jargon")
    c(type="verdict", item_id=0, verdict="corrected")
    assert sent[-1]["verdict"] == "corrected" and w.n_done == 1
    df = w.words
    assert list(df.columns) == ["utterance", "index", "text", "start_s", "end_s", "source", "confidence", "flag"]
    row = df[(df.utterance == 0) & (df["index"] == 1)].iloc[0]
    assert (row.text, row.start_s, row.end_s, row.source, row.confidence) == ("hat", 0.35, 0.75, "human", 0.8)
    assert df[(df.utterance == 0) & (df["index"] == 2)].iloc[0].flag == "jargon"
    assert df[df.utterance == 2].iloc[0].source == "model"
    t = w.transcripts.set_index("utterance")
    assert t.loc[0, "text"] == "the hat sat" and t.loc[0, "model_text"] == "the cat sat"
    assert t.loc[0, "verdict"] == "corrected" and t.loc[1, "verdict"] is None


def test_split_merge_insert_delete():
    w, sent, bufs = make()
    c = Client(w)
    c(type="split", item_id=1, word=wid(w, 1, 0), at_s=0.4, texts=["hel", "lo"])
    assert sent[-1]["type"] == "ack" and texts(w, 1) == ["hel", "lo", "world"]
    new = sent[-1]["word"]
    assert w._current(1)["words"][1]["id"] == new and w._current(1)["words"][1]["start"] == 0.4
    c(type="merge", item_id=1, word=wid(w, 1, 0))
    assert texts(w, 1) == ["hello", "world"] and w._current(1)["words"][0]["end"] == 0.6
    c(type="insert", item_id=1, after=wid(w, 1, 1), text="again", start_s=1.25, end_s=1.45)
    assert texts(w, 1) == ["hello", "world", "again"] and w._current(1)["words"][2]["confidence"] is None
    c(type="insert", item_id=1, after=None, text="oh", start_s=0.0, end_s=0.15)
    assert texts(w, 1)[0] == "oh"
    c(type="delete", item_id=1, word=wid(w, 1, 1))
    assert texts(w, 1) == ["oh", "world", "again"]
    c(type="split", item_id=1, word=wid(w, 1, 1), at_s=0.9, new_word="hview1")  # the view names it
    c(type="text", item_id=1, word="hview1", text="wide")
    assert texts(w, 1) == ["oh", "world", "wide", "again"]
    c(type="insert", item_id=1, after=None, text="x", start_s=0.16, end_s=0.18, new_word="hview1")
    assert sent.pop()["type"] == "refused" and "already exists" in w.refused[-1]["message"]
    c(type="sync", item_id=1)
    assert sent[-1]["type"] == "ack" and ack_words(sent, bufs) == w._current(1)["words"] and len(w._current(1)["words"]) == 4
    assert all(m["type"] == "ack" for m in sent)


@pytest.mark.parametrize("fields, message", [
    ({"type": "text", "word": "m0", "text": "two words"}, "space"),
    ({"type": "text", "word": "m0", "text": "  "}, "empty"),
    ({"type": "text", "word": "m9", "text": "x"}, "no word 'm9'"),
    ({"type": "text", "word": "m0", "text": 5}, "must be a str"),
    ({"type": "time", "word": "m1", "start_s": 0.2}, "overlaps the word before"),
    ({"type": "time", "word": "m1", "end_s": 0.9}, "overlaps the word after"),
    ({"type": "time", "word": "m2", "end_s": 2.0}, "outside the audio"),
    ({"type": "time", "word": "m1", "start_s": 0.6, "end_s": 0.5}, "not after start"),
    ({"type": "time", "word": "m1", "start_s": float("nan")}, "finite"),
    ({"type": "time", "word": "m1"}, "needs start_s or end_s"),
    ({"type": "split", "word": "m1", "at_s": 0.3}, "not inside the word"),
    ({"type": "split", "word": "m1", "at_s": 0.5, "texts": ["a"]}, "texts"),
    ({"type": "merge", "word": "m2"}, "last word"),
    ({"type": "split", "word": "m1", "at_s": 0.5, "new_word": "m0"}, "new_word must be"),
    ({"type": "split", "word": "m1", "at_s": 0.5, "new_word": "h<x>"}, "new_word must be"),
    ({"type": "insert", "after": "m0", "text": "x", "start_s": 0.25, "end_s": 0.35}, "overlaps"),
    ({"type": "insert", "after": "zz", "text": "x", "start_s": 0.3, "end_s": 0.35}, "no word"),
    ({"type": "flag", "word": "m0", "flag": "rude"}, "flag must be"),
    ({"type": "verdict", "verdict": "maybe"}, "verdict must be"),
    ({"type": "undo"}, "nothing to undo"),
    ({"type": "redo"}, "nothing to redo"),
])
def test_refusals_name_the_item_and_change_nothing(fields, message):
    w, sent, _ = make()
    before = w.words
    Client(w)(item_id=0, **fields)
    assert sent[-1]["type"] == "refused" and message in sent[-1]["message"]
    pd.testing.assert_frame_equal(w.words, before)


def test_unknown_item_is_refused():
    w, sent, _ = make()
    Client(w)(type="verdict", item_id=7, verdict="accept")
    assert sent[-1]["type"] == "refused" and "7" in sent[-1]["message"]


def test_undo_redo_and_reload_from_a_store_file(tmp_path):
    path = tmp_path / "t.db"
    w, sent, _ = make(hw.AnnotationStore(path, annotator="ann"))
    c = Client(w)
    c(type="text", item_id=0, word="m0", text="a")
    c(type="verdict", item_id=0, verdict="corrected")
    c(type="undo", item_id=0)
    assert sent[-1]["type"] == "ack" and sent[-1]["undone"] == "verdict" and sent[-1]["verdict"] is None
    assert w.n_done == 0 and texts(w, 0)[0] == "a"
    c(type="redo", item_id=0)
    assert sent[-1]["redone"] == "verdict" and w.n_done == 1
    c(type="undo", item_id=0)
    c(type="undo", item_id=0)
    assert texts(w, 0) == ["the", "cat", "sat"]  # back to the hypotheses
    c(type="redo", item_id=0)
    c(type="time", item_id=1, word="m1", end_s=1.3)
    w2, _, _ = make(hw.AnnotationStore(path, annotator="ann"))
    assert texts(w2, 0) == ["a", "cat", "sat"] and w2._current(1)["words"][1]["end"] == 1.3
    assert w2.n_done == 0
    w.set_verdict(2, "accept")
    w3, _, _ = make(hw.AnnotationStore(path, annotator="ann"))
    assert w3.n_done == 1 and w3.transcripts.set_index("utterance").loc[2, "verdict"] == "accept"


def test_python_api_is_checked_like_the_view():
    w, _, _ = make()
    assert w.edit(0, 0, "a") > 0 and w.retime(0, 0, end_s=0.35) > 0
    with pytest.raises(IntentError, match="overlaps"):
        w.retime(0, 0, end_s=0.5)
    with pytest.raises(IntentError, match="no word 5"):
        w.edit(0, 5, "x")
    with pytest.raises(IntentError):
        w.set_verdict(0, "great")


def test_peaks_are_bounded_float32_min_max():
    w, sent, bufs = make()
    src = w.items.audio(0)
    for bucket in (16, 1024):
        w._dispatch(w, {"type": "peaks", "item_id": 0, "bucket": bucket, "start": 2, "count": 5, "req": 3}, [])
        msg, data = sent[-1], bufs[-1][0]
        assert msg["type"] == "peaks" and msg["count"] == min(5, -(-src.n_samples // bucket) - 2) and msg["req"] == 3
        got = np.frombuffer(data, "<f4").reshape(-1, 2)
        np.testing.assert_allclose(got, src.peaks(bucket)[2:2 + msg["count"]], atol=1e-6)
    for bad in ({"bucket": 3}, {"bucket": True}, {"start": -1}, {"start": 10**9}, {"count": MAX_PEAKS + 1}, {"count": 0}):
        w._dispatch(w, {"type": "peaks", "item_id": 0, "bucket": 16, "start": 0, "count": 4, **bad}, [])
        assert sent[-1]["type"] == "refused", bad


def test_audio_window_is_a_bounded_wav():
    w, sent, bufs = make()
    w._dispatch(w, {"type": "audio", "item_id": 1, "start_s": 0.5, "end_s": 9.0}, [])  # stops at the end
    msg = sent[-1]
    assert msg["type"] == "audio" and msg["end_s"] == 1.5
    with wave.open(io.BytesIO(bufs[-1][0])) as f:
        assert f.getframerate() == RATE and f.getnframes() == RATE
    for bad in ({"start_s": -1}, {"start_s": 1.6}, {"end_s": "x"}, {"start_s": 0.0, "end_s": MAX_PLAY_S + 1}):
        w._dispatch(w, {"type": "audio", "item_id": 1, "start_s": 0.0, "end_s": 1.0, **bad}, [])
        assert sent[-1]["type"] == "refused", bad
    assert "at most" in sent[-1]["message"] or "inside" in sent[-1]["message"]


def test_fetch_sends_no_audio_only_words_length_and_first_peaks():
    w, sent, bufs = make()
    w._dispatch(w, {"type": "fetch", "ids": [0]}, [])
    item, buffers = sent[-1]["items"][0], bufs[-1]
    assert item["kind"] == "audio" and item["duration_s"] == 1.5 and "words" not in item
    assert unpack(item["packed_words"], buffers) == w._current(0)["words"]
    # no audio: the words' buffer and the first screen's peaks only, each a "peaks" reply's values
    assert not any(bytes(b).startswith(b"RIFF") for b in buffers) and len(buffers) == 1 + len(item["first_peaks"])
    first = item["first_peaks"]
    assert [f["bucket"] for f in first] == [4, 4, 4, 8, 8, 16, 32]  # 1.5 s at 8 kHz on a 200..3000 px canvas
    for f in first:
        w._dispatch(w, {"type": "peaks", "item_id": 0, "bucket": f["bucket"], "start": f["start"], "count": 1024}, [])
        assert sent[-1]["count"] == f["count"] and bytes(bufs[-1][0]) == bytes(buffers[f["buffer"]]), f


def test_packed_words_carry_edits_none_and_flags():
    w, sent, bufs = make()
    c = Client(w)
    c(type="insert", item_id=1, after=None, text="oh", start_s=0.0, end_s=0.1)  # a person's word: no confidence
    c(type="flag", item_id=1, word=wid(w, 1, 2), flag="jargon")
    c(type="split", item_id=1, word=wid(w, 1, 1), at_s=0.4, texts=["hel", "lo"])
    assert sent[-1]["type"] == "ack"
    w._dispatch(w, {"type": "fetch", "ids": [1, 2]}, [])
    one, two = sent[-1]["items"]
    words = unpack(one["packed_words"], bufs[-1])
    assert words == w._current(1)["words"] and [x["text"] for x in words] == ["oh", "hel", "lo", "world"]
    assert words[0]["confidence"] is None and words[3]["flag"] == "jargon" and words[1]["source"] == "human"
    assert unpack(two["packed_words"], bufs[-1]) == w._current(2)["words"]


def test_first_peaks_of_a_long_recording_cover_the_first_screen_only():
    audio = [(np.tile(tone(1.0), 600), RATE)]  # 10 minutes
    hyp = pd.DataFrame({"utterance": 0, "index": [0], "text": ["a"], "start_s": [0.1], "end_s": [0.4], "confidence": [0.5]})
    w = hw.TranscriptReview(audio, hyp, store=hw.AnnotationStore(":memory:"))
    buffers: list = []
    first = w._first_peaks(0, buffers)
    span = 12 * RATE  # FIRST_VIEW_S
    for b in {f["bucket"] for f in first}:  # every level the view may pick: its chunks over the first 12 s, no more
        mine = [f for f in first if f["bucket"] == b]
        assert [f["start"] for f in mine] == [1024 * c for c in range(len(mine))]
        assert (mine[-1]["start"] + mine[-1]["count"]) * b >= span > mine[-1]["start"] * b
    for f in first:
        assert np.allclose(np.frombuffer(buffers[f["buffer"]], "<f4").reshape(-1, 2),
                           w.items.audio(0).peaks(f["bucket"])[f["start"]:f["start"] + f["count"]])
    assert sorted({f["bucket"] for f in first}) == [32, 64, 128, 256]
    assert sum(len(b) for b in buffers) <= 8 * 8 * 1024


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(utterance=d.utterance.replace(2, 9)), "unknown utterance id 9"),
    (lambda d: d.assign(utterance=d.utterance.astype(object).where(d.utterance != 1, True)),
     r"row 3: unknown utterance id True \(a bool: item ids are ints or strs\)"),
    (lambda d: d.assign(utterance=d.utterance.astype(float)), r"row 0: unknown utterance id 0.0 \(a float"),
    (lambda d: d.assign(end_s=d.end_s.where(d.index != 2, 1.6)), r"utterance 0 word 2 \('sat'\).*outside the audio"),
    (lambda d: d.assign(start_s=d.start_s.where(d.index != 1, 0.2)), "utterance 0 word 1 .*overlap"),
    (lambda d: d.assign(index=d["index"].where(d.index != 1, 0)), "utterance 0 word 0: index 0 appears twice"),
    (lambda d: d.assign(confidence=d.confidence.where(d.index != 3, 1.5)), "utterance 1 word 0 .*outside \\[0, 1\\]"),
    (lambda d: d.assign(confidence=d.confidence.where(d.index != 3, np.nan)), "utterance 1 word 0 .*confidence"),
    (lambda d: d.assign(start_s=d.start_s.where(d.index != 4, np.nan)), "utterance 1 word 1 .*finite"),
    (lambda d: d.assign(text=d.text.where(d.index != 0, "")), "utterance 0 word 0.*empty"),
    (lambda d: d.drop(columns="confidence"), "lack the columns"),
])
def test_hypotheses_are_checked_naming_utterance_and_word(change, message):
    with pytest.raises(ValueError, match=message):
        make(hypotheses=change(hyps()))


def test_unordered_rows_are_sorted_by_index_and_a_last_frame_past_the_end_is_cut():
    w, _, _ = make(hypotheses=hyps().iloc[::-1])
    assert texts(w, 0) == ["the", "cat", "sat"]
    w, _, _ = make(hypotheses=hyps().assign(end_s=hyps().end_s.where(hyps().index != 2, 1.505)))
    assert w.words.loc[2, "end_s"] == 1.5


def test_silent_and_empty_audio_and_non_audio_are_refused():
    with pytest.raises(ValueError, match="item 1 is silent"):
        hw.TranscriptReview([(tone(1.5), RATE), (np.zeros(RATE, np.float32), RATE)], hyps()[hyps().utterance < 2],
                            store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError):
        hw.TranscriptReview([(np.zeros(0, np.float32), RATE)], hyps()[:0], store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="recordings"):
        hw.TranscriptReview(hw.Items(["a", "b"]), hyps()[:0], store=hw.AnnotationStore(":memory:"))


def test_reference_wer_and_wer_by_group():
    w, _, _ = make(reference={0: "the cat sat", 1: "hello there world", 2: "fine"}, groups=["uk", "us", "us"])
    t = w.transcripts.set_index("utterance")
    assert t.loc[0, "wer"] == 0.0 and t.loc[1, "model_wer"] == pytest.approx(1 / 3)
    g = w.wer_by_group(n_boot=20)
    assert g.loc["us", "n_utterances"] == 2 and g.loc["us", "wer"] == pytest.approx(1 / 4)
    w2, _, _ = make(groups={0: "a", 1: "b", 2: "b"})
    with pytest.raises(ValueError, match="no utterance to score"):
        w2.wer_by_group()
    w2.edit(1, 1, "there")
    w2.set_verdict(1, "corrected")
    assert w2.wer_by_group(n_boot=10).loc["b", "wer"] == 0.5
    with pytest.raises(ValueError, match="utterance 2"):
        make(groups={0: "a", 1: "b"})
    both = pd.DataFrame({"accent": ["uk", "us", "us"], "sex": ["f", "m", "m"]})
    w3, _, _ = make(reference={0: "the cat sat", 1: "hello there world", 2: "fine"}, groups=both)
    assert len(w3.wer_by_group(n_boot=10)) == 2
    with pytest.raises(ValueError, match="utterance 1 is missing"):
        make(groups=both.assign(sex=["f", None, "m"]))
    with pytest.raises(ValueError, match="groups="):
        make()[0].wer_by_group()


@pytest.mark.parametrize("what", ["reference", "groups"])
def test_a_reference_or_groups_index_repeating_an_utterance_is_refused_when_made(what):
    value = {"reference": pd.Series(["the cat sat", "the cat sad", "hello there world", "fine"], index=[0, 0, 1, 2]),
             "groups": pd.Series(["us", "uk", "in", "in"], index=[0, 0, 1, 2])}[what]
    with pytest.raises(ValueError, match=f"{what}: utterance 0 appears twice in the index"):
        make(**{what: value})
    if what == "groups":
        with pytest.raises(ValueError, match="groups: utterance 0 appears twice in the index"):
            make(groups=value.to_frame("accent"))


def test_reference_and_groups_match_utterances_by_type_too():
    with pytest.raises(ValueError, match=r"reference: utterance True \(a bool\) in its index and 1 \(an int\) in the audio's ids read alike"):
        make(reference={0: "the cat sat", True: "hello there world", 2: "fine"})
    with pytest.raises(ValueError, match=r"groups: utterance '0' \(a str\) in its index and 0 \(an int\) in the audio's ids"):
        make(groups=pd.Series(["a", "b", "b"], index=["0", "1", "2"]))
    with pytest.raises(ValueError, match="reference: utterance 2: the reference must be a str, not int"):
        make(reference=["the cat sat", "hello there world", 5])
    w, _, _ = make(reference=pd.Series({2: "fine", 0: "the cat sat", 1: "hello there world"}))
    assert w.transcripts["reference"].tolist() == ["the cat sat", "hello there world", "fine"]


def test_exports_srt_webvtt_ctm_escape_text():
    from hitl_widgets.io import to_ctm, to_srt, to_webvtt

    w, _, _ = make()
    w.edit(0, 1, "<b>cat&")
    w.retime(2, 0, start_s=0.0)
    srt = to_srt(w.words, utterance=0)
    assert srt == "1\n00:00:00,100 --> 00:00:01,100\nthe \u2039b\u203acat& sat\n"
    vtt = to_webvtt(w.words, utterance=0, max_words=2)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.100 --> 00:00:00.700\nthe &lt;b&gt;cat&amp;\n")
    assert "2\n00:00:00.800 --> 00:00:01.100\nsat\n" in vtt and "<" not in vtt.split("WEBVTT")[1]
    ctm = to_ctm(w.words).splitlines()
    assert len(ctm) == 6 and ctm[0] == "0 A 0.100 0.200 the 0.900"
    assert ctm[1].split()[4] == "<b>cat&" and ctm[-1] == "2 A 0.000 0.500 fine 0.990"
    w.edit(0, 0, "x")  # still model confidences; an inserted word has none: the column goes
    Client(w)(type="insert", item_id=2, after="m0", text="y", start_s=0.6, end_s=0.7)
    assert len(to_ctm(w.words).splitlines()[0].split()) == 5
    with pytest.raises(ValueError, match="utterance="):
        to_srt(w.words)
    with pytest.raises(ValueError, match="no words of utterance 9"):
        to_webvtt(w.words, utterance=9)


def test_edits_kept_in_the_browser_replay_in_order_new_words_by_their_view_ids(tmp_path):
    import time

    w, sent, _ = make(hw.AnnotationStore(tmp_path / "r.db", annotator="ann"))
    t0 = time.time() * 1000 - 60_000
    edits = [
        {"type": "split", "fields": {"item_id": 0, "word": "m1", "at_s": 0.5, "new_word": "habc"}, "made_at": t0},
        {"type": "text", "fields": {"item_id": 0, "word": "habc", "text": "at"}, "made_at": t0 + 1000},
        {"type": "verdict", "fields": {"item_id": 0, "verdict": "corrected"}, "made_at": t0 + 2000},
        {"type": "peaks", "fields": {"item_id": 0, "bucket": 16, "start": 0, "count": 4}, "made_at": t0 + 3000},
    ]
    c = Client(w)
    c(type="replay", edits=edits)
    assert sent[-1]["type"] == "refused" and "not an edit" in sent[-1]["message"]  # a read is not an edit
    c(type="replay", edits=edits[:3])
    assert sent[-1]["type"] == "ack" and sent[-1]["results"] == [{"ok": True}] * 3
    assert texts(w, 0) == ["the", "cat", "at", "sat"] and w.n_done == 1


def test_fine_peaks_and_playback_read_only_their_window_of_a_long_recording(monkeypatch):
    from hitl_widgets.audio import AudioSource

    long = (0.3 * np.sin(np.arange(RATE * 600) / 7)).astype(np.float32)  # ten minutes
    hyp = pd.DataFrame({"utterance": [0], "index": [0], "text": ["x"], "start_s": [1.0], "end_s": [2.0], "confidence": [0.5]})
    w = hw.TranscriptReview([(long, RATE)], hyp, store=hw.AnnotationStore(":memory:"))
    sent: list = []
    w.send = lambda msg, buffers=None: sent.append((msg, buffers))
    reads: list = []
    real = AudioSource.samples
    monkeypatch.setattr(AudioSource, "samples", lambda self, a=0, b=None, **k: reads.append((a, b)) or real(self, a, b, **k))
    w._dispatch(w, {"type": "peaks", "item_id": 0, "bucket": 8, "start": 100_000, "count": MAX_PEAKS}, [])
    assert reads == [(800_000, 800_000 + 8 * MAX_PEAKS)] and len(sent[-1][1][0]) == MAX_PEAKS * 8
    reads.clear()
    w._dispatch(w, {"type": "audio", "item_id": 0, "start_s": 300.0, "end_s": 320.0}, [])
    assert reads == [(300 * RATE, 320 * RATE)] and len(sent[-1][1][0]) == 44 + 2 * 20 * RATE


def test_every_answer_carries_the_words_packed_with_one_buffer_never_a_dict_per_word():
    w, sent, bufs = make()
    c = Client(w)
    c(type="text", item_id=0, word="m1", text="hat")
    c(type="time", item_id=0, word="m1", start_s=0.35)
    c(type="undo", item_id=0)
    assert sent[-1]["undone"] == "time"
    c(type="redo", item_id=0)
    c(type="sync", item_id=0)
    for k in range(len(sent)):
        assert sent[k]["type"] == "ack" and len(bufs[k]) == 1 and sent[k]["packed_words"]["buffer"] == 0
        assert ack_words(sent, bufs, k)[1]["text"] == "hat"
    assert [x["start"] for x in ack_words(sent, bufs, 2)] == [0.1, 0.4, 0.8]  # after the undo
    assert ack_words(sent, bufs) == w._current(0)["words"] and ack_words(sent, bufs)[1]["start"] == 0.35
    # a retry gets the same answer with the same buffer; a refusal carries none
    w._dispatch(w, {"type": "text", "client": "c", "seq": 1, "item_id": 0, "word": "m1", "text": "hat"}, [])
    assert sent[-1] == sent[0] and bytes(bufs[-1][0]) == bytes(bufs[0][0])
    c(type="text", item_id=0, word="nope", text="x")
    assert sent[-1]["type"] == "refused" and bufs[-1] is None


def test_a_replayed_edit_keeps_its_packed_answer_while_muted_and_sends_only_the_replay_ack(tmp_path):
    import time

    w, sent, bufs = make(hw.AnnotationStore(tmp_path / "m.db", annotator="ann"))
    kept = []
    real_reply = w._reply

    def spy(reply, buffers=None):
        out = real_reply(reply, buffers)
        if w._muted is not None:
            kept.append(out)
        return out

    w._reply = spy
    t0 = time.time() * 1000 - 60_000
    Client(w)(type="replay", edits=[{"type": "text", "fields": {"item_id": 2, "word": "m0", "text": "good"}, "made_at": t0}])
    assert [m["type"] for m in sent] == ["invalidate", "ack"] and bufs == [None, None]  # the muted answer was not sent
    assert sent[-1]["results"] == [{"ok": True}]
    (muted,) = kept
    assert muted["intent"] == "text" and len(muted.buffers) == 1
    assert unpack(muted["packed_words"], muted.buffers) == w._current(2)["words"] and texts(w, 2) == ["good"]


def test_old_answers_kept_for_retries_shed_their_buffers_past_the_memory_bound(monkeypatch):
    from hitl_widgets.widgets import base

    w, sent, bufs = make()
    c = Client(w)
    c(type="text", item_id=0, word="m0", text="a")
    one = bufs[-1][0]
    monkeypatch.setattr(base, "ACK_BUFFER_MEMORY", 2 * len(one))
    c(type="text", item_id=0, word="m0", text="b")
    c(type="text", item_id=0, word="m0", text="c")  # three answers' buffers: the oldest sheds its own
    assert w._answer_bytes == 2 * len(one)
    w._dispatch(w, {"type": "text", "client": "c", "seq": 1, "item_id": 0, "word": "m0", "text": "a"}, [])
    assert sent[-1]["type"] == "ack" and sent[-1]["seq"] == 1 and "packed_words" not in sent[-1] and bufs[-1] is None
    assert sent[-1]["verdict"] is None and sent[-1]["event_id"] == sent[0]["event_id"]
    w._dispatch(w, {"type": "text", "client": "c", "seq": 3, "item_id": 0, "word": "m0", "text": "c"}, [])
    assert ack_words(sent, bufs)[0]["text"] == "c"
