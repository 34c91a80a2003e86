"""Synthetic speech (espeak-ng, exact word times) and the offline recogniser (pocketsphinx)."""
from __future__ import annotations

import os

import numpy as np
import pytest

from hitl_widgets import Items
from hitl_widgets.demo.speech import SAMPLE_RATE, espeak_available, synthetic_speech
from hitl_widgets.metrics import wer

if not espeak_available():  # scripts/setup.sh installs it; under CI its absence fails, never skips
    message = "espeak-ng is not installed (apt-get install espeak-ng; scripts/setup.sh does)"
    pytest.fail(message, pytrace=False) if os.environ.get("CI") else pytest.skip(message, allow_module_level=True)
pocketsphinx = pytest.importorskip("pocketsphinx")

from hitl_widgets.speech import force_align, hypotheses, recognise  # noqa: E402


@pytest.fixture(scope="module")
def speech():
    return synthetic_speech(n_sentences=2, voices=("en-us", "en-gb-scotland"))


def test_synthetic_speech_has_exact_word_times(speech):
    assert len(speech.audio) == 4 and speech.utterances["voice"].tolist() == ["en-us", "en-us", "en-gb-scotland", "en-gb-scotland"]
    for (x, rate), (_, utt) in zip(speech.audio, speech.utterances.iterrows()):
        assert rate == SAMPLE_RATE and x.dtype == np.float32
        words = speech.words[speech.words.utterance == utt.utterance]
        assert " ".join(words.text) == utt.text
        assert (words.start_s.to_numpy()[1:] >= words.end_s.to_numpy()[:-1]).all()  # in order, no overlap
        for _, w in words.iterrows():  # sound inside each word, silence in the gap after it
            a, b = int(w.start_s * rate), int(w.end_s * rate)
            assert np.abs(x[a:b]).max() > 0.01
        gaps = zip(words.end_s.to_numpy()[:-1], words.start_s.to_numpy()[1:])
        assert all(np.abs(x[int(e * rate) + 1:int(s * rate) - 1]).max(initial=0) == 0 for e, s in gaps)


def test_recognise_gives_timed_words_with_confidence(speech):
    items = Items(speech.audio, ids=list(speech.utterances.utterance))
    words = recognise(items, ids=["en-us/00"])
    assert list(words.columns) == ["utterance", "index", "text", "start_s", "end_s", "confidence"]
    assert len(words) >= 3 and (words.utterance == "en-us/00").all()
    assert words["index"].tolist() == list(range(len(words)))
    assert ((words.end_s > words.start_s) & (words.start_s >= 0) & (words.end_s <= items.info("en-us/00")["duration_s"] + 0.01)).all()
    assert words.confidence.between(0, 1).all()
    hyp = hypotheses(words, ["en-us/00", "en-us/01"])
    assert hyp["en-us/01"] == "" and hyp["en-us/00"] == " ".join(words.text)
    assert 0 <= wer(speech.utterances.text[0], hyp["en-us/00"]) <= 2


def test_force_align_matches_the_known_times(speech):
    items = Items(speech.audio, ids=list(speech.utterances.utterance))
    truth = speech.words[speech.words.utterance == "en-us/00"].reset_index(drop=True)
    got = force_align(items.audio("en-us/00"), speech.utterances.text[0], "en-us/00")
    assert got.text.tolist() == truth.text.tolist()
    assert not got.aligned.all()  # "kubernetes" is not in the dictionary: not aligned, times shared out
    oov = got[~got.aligned]
    assert oov.text.tolist() == ["kubernetes"] and oov.confidence.isna().all()
    aligned = got[got.aligned]
    mid_err = ((aligned.start_s + aligned.end_s) / 2 - (truth.start_s + truth.end_s)[aligned.index] / 2).abs()
    assert mid_err.max() < 0.15, mid_err  # each word's middle within 150 ms of the truth
    assert (got.start_s.to_numpy()[1:] >= got.end_s.to_numpy()[:-1] - 1e-9).all()


def test_recognise_refuses_bad_input():
    with pytest.raises(ValueError, match="sample 1 \\(channel 0\\) is nan"):
        recognise([(np.array([0.0, np.nan], np.float32), 16000)])
    with pytest.raises(ValueError, match="recognise takes recordings, not texts"):
        recognise(Items(["a text"]))
    x = synthetic_speech(n_sentences=1, voices=("en-us",)).audio[0]
    from hitl_widgets.audio import AudioSource

    with pytest.raises(ValueError, match="utterance 'u': the transcript is empty"):
        force_align(AudioSource(*x), "  ", "u")


def test_force_align_reads_punctuated_words_and_keeps_them_as_written(speech):
    items = Items(speech.audio, ids=list(speech.utterances.utterance))
    text = speech.utterances.text[0]  # "please restart the kubernetes cluster before the training job"
    plain = force_align(items.audio("en-us/00"), text, "en-us/00")
    written = " ".join(w.capitalize() + "," for w in text.split()) + " —"  # a dash alone is no word
    got = force_align(items.audio("en-us/00"), written, "en-us/00")
    assert got.text.tolist() == [w.capitalize() + "," for w in text.split()]
    assert got.aligned.tolist() == plain.aligned.tolist() and got.aligned.sum() == len(got) - 1  # only kubernetes
    assert np.allclose(got[["start_s", "end_s"]], plain[["start_s", "end_s"]])  # the same dictionary words: the same times


def test_force_align_spans_a_word_that_reads_as_several(speech):
    items = Items(speech.audio, ids=list(speech.utterances.utterance))
    plain = force_align(items.audio("en-us/00"), speech.utterances.text[0], "en-us/00")
    got = force_align(items.audio("en-us/00"), speech.utterances.text[0].replace("training job", "training-job"), "en-us/00")
    assert got.text.tolist()[-1] == "training-job" and bool(got.aligned.iloc[-1]) and len(got) == len(plain) - 1
    # from the start of "training" to the end of "job", with the lower of their confidences
    assert got.start_s.iloc[-1] == pytest.approx(plain.start_s.iloc[-2])
    assert got.end_s.iloc[-1] == pytest.approx(plain.end_s.iloc[-1])
    assert got.confidence.iloc[-1] == pytest.approx(plain.confidence.iloc[-2:].min())


def test_force_align_refuses_a_transcript_with_nothing_to_align(speech):
    source = Items(speech.audio, ids=list(speech.utterances.utterance)).audio("en-us/00")
    with pytest.raises(ValueError, match=r"utterance 'en-us/00': no word of the transcript \('Xqzzt,', 'Blorfk!'\) "
                                         "is in the recogniser's dictionary"):
        force_align(source, "Xqzzt, Blorfk!", "en-us/00")
    with pytest.raises(ValueError, match=r"utterance 'en-us/00': the transcript is empty \(punctuation only"):
        force_align(source, " -- ... !", "en-us/00")
    with pytest.raises(ValueError, match="utterance 'en-us/00': the transcript must be a str, not NoneType"):
        force_align(source, None, "en-us/00")


def test_silence_has_no_words_and_noise_with_nothing_recognised_is_not_a_type_error():
    """On silent audio the recogniser heard "dog" with confidence 1.0; when it found nothing,
    decoder.seg() was None and force_align raised a bare TypeError."""
    from hitl_widgets.audio import AudioSource

    for seconds in (0.5, 1.0, 3.0):
        assert recognise([(np.zeros(int(seconds * SAMPLE_RATE), np.float32), SAMPLE_RATE)]).empty
    noise = np.random.default_rng(0).normal(0, 0.01, SAMPLE_RATE).astype(np.float32)
    with pytest.raises(ValueError, match="could not align the transcript to the audio"):
        force_align(AudioSource(noise, SAMPLE_RATE), "hello world")


def test_force_aligned_words_stay_within_the_recording(speech):
    """A frame's end could overshoot the last sample by up to 10 ms, and an unknown last word then got
    a start after its end (5.92 to 5.9197 s): to_srt refused the alignment."""
    from hitl_widgets.audio import AudioSource

    x, rate = speech.audio[0]
    words = speech.words[speech.words["utterance"] == speech.words["utterance"].iloc[0]]
    source = AudioSource(x[: int((words.end_s.iloc[-1] + 0.005) * rate) + 37], rate)
    text = " ".join(words.text) + " zzxq"
    aligned = force_align(source, text)
    assert (aligned.end_s >= aligned.start_s).all() and (aligned.end_s <= source.duration_s + 1e-12).all()
    assert not aligned.aligned.iloc[-1] and aligned.start_s.iloc[-1] == aligned.end_s.iloc[-1] == pytest.approx(source.duration_s)
