"""CER with normalise=False counts the text's characters as jiwer 4 does: repeated spaces, tabs and
newlines inside it each count, leading and trailing whitespace does not; normalised, spaces collapse."""
from __future__ import annotations

import doctest

import numpy as np
import pytest

from hitl_widgets.metrics import asr
from hitl_widgets.metrics.asr import cer, utterance_errors, wer

jiwer = pytest.importorskip("jiwer", reason="jiwer (the reference implementation) is not installed")

PAIRS = [(" a  b ", "a b"), ("a b", " a  b "), ("a\tb", "a b"), ("a\n\nb ", "a b"), ("the  cat", "the cat  sat"),
         ("\u00a0x y", "x  y")]


@pytest.mark.parametrize(("reference", "hypothesis"), PAIRS)
def test_cer_without_normalisation_equals_jiwer_on_whitespace(reference, hypothesis):
    assert cer(reference, hypothesis, normalise=False) == pytest.approx(jiwer.cer(reference, hypothesis))
    row = utterance_errors([reference], [hypothesis], normalise=False).iloc[0]
    assert row["cer"] == pytest.approx(jiwer.cer(reference, hypothesis))
    assert row["n_chars"] == len(reference.strip())


def test_cer_without_normalisation_equals_jiwer_on_random_spacing():
    rng = np.random.default_rng(0)
    spaces = [" ", "  ", "   ", "\t", " \n "]

    def text(n: int) -> str:
        words = rng.choice(["a", "bc", "the", "cat"], n)
        return rng.choice(["", " "]) + "".join(w + rng.choice(spaces) for w in words[:-1]) + words[-1]

    refs = [text(int(rng.integers(1, 8))) for _ in range(200)]
    hyps = [text(int(rng.integers(1, 8))) for _ in range(200)]
    assert cer(refs, hyps, normalise=False) == pytest.approx(jiwer.cer(refs, hyps))


def test_normalised_cer_still_collapses_spaces():
    assert cer(" a  b ", "a b") == 0.0 and cer("A,  b", "a b") == 0.0
    assert wer("a  b\tc\n", "a b c", normalise=False) == 0.0  # words: split on any whitespace


def test_a_reference_of_whitespace_only_is_refused():
    with pytest.raises(ValueError, match="utterance 0: the reference is empty"):
        cer(" \t ", "a", normalise=False)


def test_the_doctests_pass():
    assert doctest.testmod(asr).failed == 0
