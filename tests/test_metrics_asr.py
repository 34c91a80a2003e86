"""WER / CER with alignment and per-group intervals (hitl_widgets.metrics.asr), against jiwer and
hand-computed cases."""
from __future__ import annotations

import jiwer
import numpy as np
import pandas as pd
import pytest

from hitl_widgets.metrics import align, cer, normalise_text, utterance_errors, wer, wer_by_group


def test_hand_computed_alignment():
    # 3 edits: delete "sat", then "mat" -> "hat" + insert "today", or insert "hat" + "mat" -> "today"
    # (equal cost); the backtrace, from the end, takes a substitution first: the second
    a = align("the cat sat on the mat".split(), "the cat on the hat today".split())
    assert a.counts == (4, 1, 1, 1)  # hits, substitutions, deletions, insertions
    assert a.errors == 3 and a.n_ref == 6
    assert a.ops == [("equal", 0, 0), ("equal", 1, 1), ("delete", 2, None), ("equal", 3, 2),
                     ("equal", 4, 3), ("insert", None, 4), ("substitute", 5, 5)]
    assert wer("the cat sat on the mat", "the cat on the hat today") == pytest.approx(3 / 6)
    assert cer("abc", "abd") == pytest.approx(1 / 3)


def test_corpus_rate_is_not_the_mean_of_rates():
    # 1 error in 1 word, 0 errors in 9 words: corpus 1/10, mean of rates 0.5
    refs, hyps = ["yes", "one two three four five six seven eight nine"], ["no", "one two three four five six seven eight nine"]
    assert wer(refs, hyps) == pytest.approx(0.1)
    assert utterance_errors(refs, hyps)["wer"].tolist() == [1.0, 0.0]


def test_normalisation():
    assert normalise_text("Don’t  STOP, the GPU-kernel!") == "don't stop the gpu kernel"
    assert normalise_text("'quoted' ＡＢＣ") == "quoted abc"  # NFKC folds full-width letters
    assert wer("Hello, World!", "hello world") == 0.0
    assert wer("Hello, World!", "hello world", normalise=False) == 1.0


@pytest.mark.parametrize("seed", range(30))
def test_same_as_jiwer_on_random_utterances(seed):
    rng = np.random.default_rng(seed)
    vocab = ["a", "b", "c", "kubernetes", "gpu", "the", "x"]
    refs = [" ".join(rng.choice(vocab, rng.integers(1, 12))) for _ in range(20)]
    hyps = [" ".join(rng.choice(vocab, rng.integers(0, 12))) for _ in range(20)]
    assert wer(refs, hyps, normalise=False) == pytest.approx(jiwer.wer(refs, hyps))
    assert cer(refs, hyps, normalise=False) == pytest.approx(jiwer.cer(refs, hyps))
    out = jiwer.process_words(refs, hyps)
    table = utterance_errors(refs, hyps, normalise=False)
    # equal-cost alignments may split errors differently; the distance and the sizes are fixed
    assert int(table[["substitutions", "deletions", "insertions"]].to_numpy().sum()) == (
        out.substitutions + out.deletions + out.insertions)
    for r, h in zip(refs, hyps):
        a = align(r.split(), h.split())
        hits, s, d, i = a.counts
        assert hits + s + d == len(r.split()) and hits + s + i == len(h.split())
        assert [r.split()[k] for op, k, _ in a.ops if op in ("equal", "substitute", "delete")] == r.split()
        assert [h.split()[k] for op, _, k in a.ops if op in ("equal", "substitute", "insert")] == h.split()
        assert all(r.split()[k] == h.split()[j] for op, k, j in a.ops if op == "equal")


def test_bad_input_is_refused_with_the_utterance():
    with pytest.raises(ValueError, match="utterance 1: the reference is empty after normalisation"):
        wer(["a", "!!"], ["a", "b"])
    with pytest.raises(ValueError, match="utterance 'u2' is missing"):
        wer(pd.Series(["a", None], index=["u1", "u2"]), ["a", "b"])
    with pytest.raises(TypeError, match="utterance 0 is int"):
        wer([3], ["a"])
    with pytest.raises(ValueError, match="2 references for 1 hypotheses"):
        wer(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no utterances"):
        wer([], [])


def test_wer_by_group_intervals():
    rng = np.random.default_rng(0)
    refs, hyps, groups = [], [], []
    for g, p_err in (("scottish", 0.4), ("us", 0.05)):
        for _ in range(60):
            words = list(rng.choice(["alpha", "beta", "gamma", "delta"], 8))
            refs.append(" ".join(words))
            hyps.append(" ".join(w if rng.random() > p_err else "zzz" for w in words))
            groups.append(g)
    t = wer_by_group(refs, hyps, groups, n_boot=300)
    assert list(t.index) == ["scottish", "us"]
    assert t.loc["scottish", "wer"] == pytest.approx(wer(refs[:60], hyps[:60]))
    assert t.loc["us", "wer"] == pytest.approx(wer(refs[60:], hyps[60:]))
    for unit in ("wer", "cer"):
        assert (t[f"{unit}_low"] <= t[unit]).all() and (t[unit] <= t[f"{unit}_high"]).all()
    assert t.loc["us", "wer_high"] < t.loc["scottish", "wer_low"]  # the intervals separate the groups
    assert t["n_utterances"].tolist() == [60, 60] and t["n_words"].tolist() == [480, 480]
    with pytest.raises(ValueError, match="1 group values for 120 utterances"):
        wer_by_group(refs, hyps, ["us"])


def test_dict_is_read_as_ids_to_texts():
    refs = {"u1": "the cat sat", "u2": "a dog"}
    hyps = {"u1": "the cat sat", "u2": "the dog barked"}
    assert wer(refs, hyps) == pytest.approx(2 / 5)  # not the keys compared with each other
    assert cer(refs, hyps) == pytest.approx(cer(list(refs.values()), list(hyps.values())))
    t = utterance_errors(refs, hyps)
    assert t.index.tolist() == ["u1", "u2"] and t["wer"].tolist() == [0.0, 1.0]
    # a dict against a plain list: by position, rows named by the dict's keys
    assert utterance_errors(refs, ["the cat sat", "a dog"])["wer"].to_dict() == {"u1": 0.0, "u2": 0.0}
    with pytest.raises(ValueError, match="hypotheses: utterance 'u2' is missing"):
        wer(refs, {"u1": "x", "u2": None})


def test_dataframe_is_refused():
    frame = pd.DataFrame({"text": ["the cat sat"]})
    with pytest.raises(TypeError, match=r"references: a DataFrame .*pass its text column \(a Series"):
        wer(frame, pd.DataFrame({"text": ["x y z"]}))
    with pytest.raises(TypeError, match="hypotheses: a DataFrame"):
        utterance_errors(["the cat sat"], frame)
    assert wer(frame["text"], pd.Series(["x y z"])) == 1.0  # its column is fine


def test_series_and_dicts_are_paired_by_id():
    refs = pd.Series({"u1": "the cat sat", "u2": "hello world"})
    hyps = pd.Series({"u2": "hello world", "u1": "the cat sat"})  # same utterances, other order
    assert wer(refs, hyps) == 0.0 and cer(refs, hyps) == 0.0
    assert wer(refs, {"u2": "hello there", "u1": "the cat sat"}) == pytest.approx(1 / 5)
    t = utterance_errors(refs, pd.Series({"u2": "hello", "u1": "the cat sat"}))
    assert t.index.tolist() == ["u1", "u2"]  # the references' order
    assert t["wer"].tolist() == [0.0, 0.5] and t["deletions"].tolist() == [0, 1]
    # one side a plain list: by position, as before
    assert wer(refs, ["the cat sat", "hello world"]) == 0.0
    assert wer(["hello world", "the cat sat"], hyps) == 0.0


def test_ids_that_do_not_match_are_refused():
    refs = pd.Series({"u1": "a", "u2": "b"})
    with pytest.raises(ValueError, match=r"hypotheses .*by id: no value for .*'u2'; utterance\(s\) 'u3' not among"):
        wer(refs, {"u1": "a", "u3": "b"})
    with pytest.raises(ValueError, match=r"utterance\(s\) 'u3' not among the references"):
        wer(refs, {"u1": "a", "u2": "b", "u3": "c"})
    with pytest.raises(ValueError, match="no value for the references' utterance.* 'u2'"):
        utterance_errors(refs, {"u1": "a"})
    with pytest.raises(ValueError, match="references: utterance ids repeat .'u1'"):
        wer(pd.Series(["a", "b"], index=["u1", "u1"]), {"u1": "a"})
    with pytest.raises(ValueError, match="hypotheses: utterance ids repeat .'u2'"):
        wer(refs, pd.Series(["a", "b", "c"], index=["u1", "u2", "u2"]))


def test_wer_by_group_pairs_groups_by_id():
    refs = pd.Series({"u1": "the cat sat", "u2": "hello world"})
    hyps = {"u2": "hello there", "u1": "the cat sat"}
    for groups in (pd.Series({"u2": "B", "u1": "A"}), {"u2": "B", "u1": "A"},
                   pd.DataFrame({"accent": ["B", "A"]}, index=["u2", "u1"])):
        t = wer_by_group(refs, hyps, groups, n_boot=10)
        assert t.index.tolist() == ["A", "B"]
        assert t["n_words"].tolist() == [3, 2] and t["wer"].tolist() == [0.0, 0.5]
    # references without ids: groups by position
    t = wer_by_group(["the cat sat", "hello world"], ["the cat sat", "hello"], pd.Series(["A", "B"], index=[5, 3]), n_boot=10)
    assert t["n_words"].tolist() == [3, 2]
    with pytest.raises(ValueError, match=r"groups are paired .*by id: no value for .*'u2'; utterance\(s\) 'u9'"):
        wer_by_group(refs, hyps, {"u1": "A", "u9": "B"}, n_boot=10)


def test_invisible_characters_do_not_make_a_word_wrong():
    """A zero-width space or soft hyphen inside a word (pasted from a web page) survived normalisation:
    "ab" against "a\\u200bb" scored WER 1.0."""
    for invisible in ("\u200b", "\u00ad", "\u2060", "\ufeff"):
        assert normalise_text(f"a{invisible}b") == "ab"
        assert wer(["ab cd"], [f"a{invisible}b cd"]) == 0.0
    assert normalise_text("a\u200db") == "a\u200db"  # the zero-width joiner changes some scripts: kept
    assert wer(["ab"], ["a\u200bb"], normalise=False) == 1.0  # as given without normalisation
