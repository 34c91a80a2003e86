"""Synthetic speech with exact word times, offline: espeak-ng (Debian's ``espeak-ng`` package) speaks
each word alone in one of several English voices; the words are trimmed of silence and joined with
pauses, so every word's start and end time is known to the sample.

Example:
    >>> speech = synthetic_speech(n_sentences=2, voices=("en-us",))   # doctest: +SKIP
    >>> speech.utterances.columns.tolist()                             # doctest: +SKIP
    ['utterance', 'voice', 'text', 'duration_s']
"""
from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

SAMPLE_RATE = 16000
# sentences of an ML team's stand-up: everyday words and the jargon an ASR model stumbles on
SENTENCES = (
    "please restart the kubernetes cluster before the training job",
    "the gradient descent optimizer diverged after ten epochs",
    "deploy the docker container to the staging server tonight",
    "tokenize the corpus with byte pair encoding first",
    "the transformer model needs more memory on the graphics card",
    "we should lower the learning rate and try again",
    "the validation loss went up after the third checkpoint",
    "merge the pull request once the tests are green",
    "normalize the features before the logistic regression",
    "the dataset has seven thousand labelled images of birds",
    "send the confusion matrix to the whole team",
    "the inference latency is too high on the edge device",
)
VOICES = ("en-us", "en-gb", "en-gb-scotland", "en-029")


@dataclass
class SyntheticSpeech:
    """Utterances and their ground truth.

    Attributes:
        audio: one ``(samples, SAMPLE_RATE)`` pair per utterance (float32 mono), ready for ``Items``.
        utterances: utterance, voice (the group), text, duration_s.
        words: utterance, index, text, start_s, end_s (the spoken word's first and last sample above
            the silence threshold, in seconds).
    """

    audio: list[tuple[np.ndarray, int]]
    utterances: pd.DataFrame
    words: pd.DataFrame


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _speak(word: str, voice: str, speed: int) -> np.ndarray:
    """One word, 16 kHz float32, trimmed of leading and trailing silence."""
    import soundfile

    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", word],
                         capture_output=True, check=True, timeout=30).stdout
    x, rate = soundfile.read(io.BytesIO(out), dtype="float32")
    if rate != SAMPLE_RATE:
        from scipy.signal import resample_poly

        r = Fraction(SAMPLE_RATE, rate)
        x = resample_poly(x, r.numerator, r.denominator).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.01)
    if not len(loud):
        raise RuntimeError(f"espeak-ng said nothing for {word!r} in voice {voice}")
    return np.clip(x[loud[0]:loud[-1] + 1], -1.0, 1.0)


def synthetic_speech(
    n_sentences: int | None = None,
    voices: tuple[str, ...] = VOICES,
    sentences: tuple[str, ...] = SENTENCES,
    speed: int = 150,
    seed: int = 0,
) -> SyntheticSpeech:
    """Every sentence (the first ``n_sentences``) in every voice: ``len(voices) * n`` utterances.

    Args:
        voices: espeak-ng voice names (``espeak-ng --voices=en`` lists them).
        speed: words per minute.
        seed: the pauses between words (60..200 ms) and the leading silence (150..400 ms).
    """
    if not espeak_available():
        raise RuntimeError("synthetic_speech needs espeak-ng: apt-get install espeak-ng (scripts/setup.sh does)")
    chosen = list(sentences if n_sentences is None else sentences[:n_sentences])
    if not chosen or not voices:
        raise ValueError("need at least one sentence and one voice")
    rng = np.random.default_rng(seed)
    cache: dict[tuple[str, str], np.ndarray] = {}
    audio, utts, words = [], [], []
    for voice in voices:
        for s, text in enumerate(chosen):
            uid = f"{voice}/{s:02d}"
            parts = [np.zeros(int(rng.uniform(0.15, 0.4) * SAMPLE_RATE), np.float32)]
            at = len(parts[0])
            for k, word in enumerate(text.split()):
                key = (voice, word)
                if key not in cache:
                    cache[key] = _speak(word, voice, speed)
                w = cache[key]
                words.append({"utterance": uid, "index": k, "text": word,
                              "start_s": at / SAMPLE_RATE, "end_s": (at + len(w)) / SAMPLE_RATE})
                gap = np.zeros(int(rng.uniform(0.06, 0.2) * SAMPLE_RATE), np.float32)
                parts += [w, gap]
                at += len(w) + len(gap)
            parts.append(np.zeros(int(0.3 * SAMPLE_RATE), np.float32))
            x = np.concatenate(parts)
            audio.append((x, SAMPLE_RATE))
            utts.append({"utterance": uid, "voice": voice, "text": text, "duration_s": len(x) / SAMPLE_RATE})
    return SyntheticSpeech(audio, pd.DataFrame(utts), pd.DataFrame(words))
