"""Speech-recognition errors: WER and CER with their alignment, per utterance and per speaker group.

Normalisation (``normalise=True``, the default; :func:`normalise_text`): Unicode NFKC, case folded,
curly apostrophes made straight, invisible characters removed (soft hyphen, zero-width space, word
joiner, byte-order mark: "a\u200bb" is "ab"), every punctuation or symbol character a space except an apostrophe
between two letters or digits ("don't" stays one word, "'quoted'" loses its quotes), then words are
split on whitespace. With ``normalise=False`` the text is taken as given: for WER only split on
whitespace (as jiwer 4's default, which splits on spaces after collapsing runs of whitespace: the two
differ only on a lone tab, newline or other non-space whitespace between words: a word break here,
part of a word in jiwer).

Counting: the alignment is a minimum edit-distance alignment of reference words to hypothesis words
(each substitution, deletion and insertion costs 1). WER = (S + D + I) / N over all utterances
together (the corpus figure, not the mean of per-utterance rates), N the number of reference words;
CER the same over characters: those of the normalised text (words joined by single spaces), or with
``normalise=False`` every character of the text less leading and trailing whitespace (repeated
spaces, tabs and newlines each count: jiwer 4's default). An empty reference (after normalisation,
or all whitespace) has no defined rate and is refused, naming the utterance.

Inputs: references and hypotheses are each a string, a sequence of strings (paired by position), a
dict ``{utterance id: text}`` or a pandas Series (index: the ids). When both sides carry ids they are
paired by id, in the references' order (the same ids, none repeated, else a ValueError naming them);
when one side is a plain sequence, by position. A DataFrame is refused: pass its text column.

Example:
    >>> wer(["the cat sat"], ["the cat sat down"])
    0.3333333333333333
    >>> align("a b c".split(), "a x c d".split()).counts
    (2, 1, 0, 1)
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..coerce import is_missing, plain
from .fairness import group_codes

__all__ = ["normalise_text", "Alignment", "align", "wer", "cer", "utterance_errors", "wer_by_group"]

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
#: invisible characters that never change a word: a soft hyphen, a zero-width space, a word joiner, a
#: byte-order mark (the zero-width joiner and non-joiner stay: they change how some scripts are written)
_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff")))


def normalise_text(text: str) -> str:
    """The text as WER compares it (see the module's docstring).

    Example:
        >>> normalise_text("Don’t  STOP, the GPU-kernel!")
        "don't stop the gpu kernel"
    """
    s = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES).translate(_INVISIBLE)
    out = []
    for i, ch in enumerate(s):
        cat = unicodedata.category(ch)
        if cat[0] in "PS":
            inner = ch == "'" and 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()
            out.append(ch if inner else " ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


class Alignment(NamedTuple):
    """One utterance's alignment: ``ops`` is a list of ``(op, ref_index, hyp_index)`` with op one of
    "equal", "substitute", "delete" (ref_index only; hyp_index None) and "insert" (hyp_index only)."""

    ops: list[tuple[str, int | None, int | None]]
    n_ref: int

    @property
    def counts(self) -> tuple[int, int, int, int]:
        """(hits, substitutions, deletions, insertions)."""
        c = {"equal": 0, "substitute": 0, "delete": 0, "insert": 0}
        for op, _, _ in self.ops:
            c[op] += 1
        return c["equal"], c["substitute"], c["delete"], c["insert"]

    @property
    def errors(self) -> int:
        _, s, d, i = self.counts
        return s + d + i


def _tables(refs: Sequence[np.ndarray], hyps: Sequence[np.ndarray]) -> np.ndarray:
    """Edit-distance tables ``D[b, i, j]`` between refs[b][:i] and hyps[b][:j] for a batch of integer
    sequences, padded to the longest (a pad never equals a token, and ``D[b, len(ref), len(hyp)]`` is
    the distance: a cell depends only on the prefixes). Rows are vectorised over the batch and the
    row: an insertion chain along a row is a running minimum of ``D[b, i, k] - k``, plus j."""
    n_rows = max(len(r) for r in refs)
    n_cols = max(len(h) for h in hyps)
    ref = np.full((len(refs), n_rows), -1, dtype=np.int64)
    hyp = np.full((len(hyps), n_cols), -2, dtype=np.int64)
    for b, (r, h) in enumerate(zip(refs, hyps)):
        ref[b, : len(r)] = r
        hyp[b, : len(h)] = h
    cols = np.arange(n_cols + 1)
    table = np.empty((len(refs), n_rows + 1, n_cols + 1), dtype=np.int64)
    table[:, 0] = cols
    best = np.empty((len(refs), n_cols + 1), dtype=np.int64)
    for i in range(1, n_rows + 1):
        prev = table[:, i - 1]
        best[:, 0] = i
        np.minimum(prev[:, :-1] + (hyp != ref[:, i - 1 : i]), prev[:, 1:] + 1, out=best[:, 1:])  # sub/equal, delete
        table[:, i] = np.minimum.accumulate(best - cols, axis=1) + cols  # then insertions along the row
    return table


def _codes(*sequences: Sequence[Sequence[Any]]) -> list[list[np.ndarray]]:
    vocab: dict[Any, int] = {}
    return [[np.fromiter((vocab.setdefault(w, len(vocab)) for w in seq), dtype=np.int64, count=len(seq)) for seq in group]
            for group in sequences]


def _backtrace(table: list[list[int]], reference: Sequence[Any], hypothesis: Sequence[Any]) -> list[tuple[str, int | None, int | None]]:
    i, j = len(reference), len(hypothesis)
    ops: list[tuple[str, int | None, int | None]] = []
    while i or j:
        if i and j:
            same = reference[i - 1] == hypothesis[j - 1]
            if table[i][j] == table[i - 1][j - 1] + (not same):
                ops.append(("equal" if same else "substitute", i - 1, j - 1))
                i, j = i - 1, j - 1
                continue
        if i and table[i][j] == table[i - 1][j] + 1:
            ops.append(("delete", i - 1, None))
            i -= 1
        else:
            ops.append(("insert", None, j - 1))
            j -= 1
    ops.reverse()
    return ops


def align(reference: Sequence[Any], hypothesis: Sequence[Any]) -> Alignment:
    """A minimum edit-distance alignment of two word (or character) sequences. Where several are
    minimal the backtrace prefers, from the end: equal/substitute, then deletion, then insertion.

    Example:
        >>> align(["a", "b"], ["a"]).ops
        [('equal', 0, 0), ('delete', 1, None)]
    """
    (r, h), = zip(*_codes([reference], [hypothesis]))
    ops = _backtrace(_tables([r], [h])[0].tolist(), reference, hypothesis)
    return Alignment(ops, len(reference))


def _texts(values: Any, what: str) -> tuple[list[Any] | None, list[str]]:
    """(ids, texts): ids from a dict's keys or a Series' index, None for a plain sequence."""
    if isinstance(values, str):
        ids, texts = None, [values]
    elif isinstance(values, pd.DataFrame):
        raise TypeError(f"{what}: a DataFrame is not a list of texts; pass its text column (a Series, e.g. df['text'])")
    elif isinstance(values, pd.Series):
        ids, texts = list(values.index), list(values)
    elif isinstance(values, Mapping):
        ids, texts = list(values.keys()), list(values.values())
    else:
        try:
            texts = list(values)
        except TypeError:
            raise TypeError(f"{what} must be a string, a sequence of strings, a dict {{id: text}} or a Series, "
                            f"not {type(values).__name__}") from None
        ids = None
    labels = ids if ids is not None else range(len(texts))
    out = []
    for label, v in zip(labels, texts):
        v = plain(v)
        if is_missing(v):
            raise ValueError(f"{what}: utterance {label!r} is missing (None/NaN); give its text, '' for silence")
        if not isinstance(v, str):
            raise TypeError(f"{what}: utterance {label!r} is {type(v).__name__}, not a string")
        out.append(v)
    return ids, out


def _show(ids: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(plain(i)) for i in ids[:limit])
    return shown + (f", ... ({len(ids)} in all)" if len(ids) > limit else "")


def _index(ids: Sequence[Any], what: str) -> pd.Index:
    index = pd.Index(ids, dtype=object, tupleize_cols=False)
    if not index.is_unique:
        raise ValueError(f"{what}: utterance ids repeat ({_show(list(index[index.duplicated()].unique()))}); "
                         "ids must be unique to pair utterances by id")
    return index


def _positions(ref_ids: Sequence[Any], other_ids: Sequence[Any], what: str) -> np.ndarray:
    """Where each reference id sits among ``other_ids`` (both unique, the same set), else a ValueError."""
    ref, other = _index(ref_ids, "references"), _index(other_ids, what)
    pos = other.get_indexer(ref)
    missing, extra = list(ref[pos < 0]), list(other[~other.isin(ref)])
    if missing or extra:
        parts = ([f"no value for the references' utterance(s) {_show(missing)}"] if missing else []) + (
            [f"utterance(s) {_show(extra)} not among the references"] if extra else [])
        raise ValueError(f"{what} are paired with the references by id: {'; '.join(parts)} "
                         "(give a list to pair by position)")
    return pos


def _pairs(references: Any, hypotheses: Any) -> tuple[list[Any] | None, list[str], list[str]]:
    """(the references' ids or None, references, hypotheses), hypotheses aligned to the references' ids
    when both carry ids (dict or Series), else paired by position."""
    (ref_ids, refs), (hyp_ids, hyps) = _texts(references, "references"), _texts(hypotheses, "hypotheses")
    if ref_ids is not None and hyp_ids is not None:
        pos = _positions(ref_ids, hyp_ids, "hypotheses")
        hyps = [hyps[k] for k in pos]
    elif len(refs) != len(hyps):
        raise ValueError(f"got {len(refs)} references for {len(hyps)} hypotheses; give one of each per utterance")
    if not refs:
        raise ValueError("no utterances")
    return ref_ids, refs, hyps


def _tokens(text: str, normalise: bool, chars: bool) -> list[str]:
    """Words (split on whitespace) or characters (the text stripped: ``normalise_text`` leaves single spaces)."""
    text = normalise_text(text) if normalise else text
    return list(text.strip()) if chars else text.split()


_BATCH = 256  # pairs per distance-table batch (bounds the memory: batch x longest ref x longest hyp)


def _counts(refs: list[str], hyps: list[str], normalise: bool, chars: bool, ids: Sequence[Any]) -> np.ndarray:
    """(n_utterances, 5): n_ref, hits, substitutions, deletions, insertions."""
    rt = [_tokens(r, normalise, chars) for r in refs]
    ht = [_tokens(h, normalise, chars) for h in hyps]
    for n, tokens in enumerate(rt):
        if not tokens:
            raise ValueError(
                f"utterance {ids[n]!r}: the reference is empty{' after normalisation' if normalise else ''}, "
                "so its error rate is undefined; leave it out or give its text"
            )
    rc, hc = _codes(rt, ht)
    out = np.zeros((len(refs), 5), dtype=np.int64)
    order = np.argsort([len(r) * max(1, len(h)) for r, h in zip(rt, ht)], kind="stable")  # alike sizes together
    for start in range(0, len(order), _BATCH):
        chunk = order[start : start + _BATCH]
        tables = _tables([rc[n] for n in chunk], [hc[n] for n in chunk])
        for b, n in enumerate(chunk):
            table = tables[b, : len(rc[n]) + 1, : len(hc[n]) + 1].tolist()
            counts = {"equal": 0, "substitute": 0, "delete": 0, "insert": 0}
            for op, _, _ in _backtrace(table, rc[n].tolist(), hc[n].tolist()):
                counts[op] += 1
            out[n] = (len(rt[n]), counts["equal"], counts["substitute"], counts["delete"], counts["insert"])
    return out


def _rate(counts: np.ndarray) -> float:
    return float(counts[:, 2:].sum() / counts[:, 0].sum())


def wer(references: Any, hypotheses: Any, *, normalise: bool = True) -> float:
    """Word error rate over all utterances together: (S + D + I) / reference words.

    ``references`` and ``hypotheses``: a string, a sequence of strings (paired by position), a dict
    ``{utterance id: text}`` or a pandas Series (index: the ids). When both carry ids they are paired
    by id (the same ids, each once, in any order); a DataFrame is refused: pass its text column.

    Example:
        >>> wer("the cat", "a cat")
        0.5
        >>> wer({"u1": "the cat sat", "u2": "a dog"}, {"u2": "the dog barked", "u1": "the cat sat"})
        0.4
    """
    ids, refs, hyps = _pairs(references, hypotheses)
    return _rate(_counts(refs, hyps, normalise, False, ids if ids is not None else range(len(refs))))


def cer(references: Any, hypotheses: Any, *, normalise: bool = True) -> float:
    """Character error rate over all utterances together. Normalised, a space between words is one
    character; with ``normalise=False`` every character but leading and trailing whitespace counts,
    repeated spaces too (as jiwer 4). Inputs as for :func:`wer` (dicts and Series paired by id).

    Example:
        >>> cer("ab cd", "abcd")
        0.2
    """
    ids, refs, hyps = _pairs(references, hypotheses)
    return _rate(_counts(refs, hyps, normalise, True, ids if ids is not None else range(len(refs))))


def _ids(ref_ids: list[Any] | None, n: int, ids: Sequence[Any] | None) -> list[Any]:
    if ids is not None:
        out = [plain(i) for i in ids]
        if len(out) != n:
            raise ValueError(f"got {len(out)} ids for {n} utterances")
        return out
    return ref_ids if ref_ids is not None else list(range(n))


def utterance_errors(references: Any, hypotheses: Any, *, ids: Sequence[Any] | None = None, normalise: bool = True) -> pd.DataFrame:
    """One row per utterance: n_words, hits, substitutions, deletions, insertions, wer, n_chars,
    char_errors, cer (index: ``ids``, else the references' ids — a dict's keys, a Series' index — else
    0..n-1; rows in the references' order). Inputs as for :func:`wer` (dicts and Series paired by id).

    Example:
        >>> utterance_errors(["a b c"], ["a x c d"])[["substitutions", "insertions", "wer"]].iloc[0].tolist()
        [1.0, 1.0, 0.6666666666666666]
        >>> utterance_errors({"u1": "a b", "u2": "c"}, {"u2": "c", "u1": "a x"})["wer"].to_dict()
        {'u1': 0.5, 'u2': 0.0}
    """
    ref_ids, refs, hyps = _pairs(references, hypotheses)
    names = _ids(ref_ids, len(refs), ids)
    w = _counts(refs, hyps, normalise, False, names)
    c = _counts(refs, hyps, normalise, True, names)
    frame = pd.DataFrame(w, columns=["n_words", "hits", "substitutions", "deletions", "insertions"],
                         index=pd.Index(names, name="utterance"))
    frame["wer"] = w[:, 2:].sum(axis=1) / w[:, 0]
    frame["n_chars"] = c[:, 0]
    frame["char_errors"] = c[:, 2:].sum(axis=1)
    frame["cer"] = frame["char_errors"] / frame["n_chars"]
    return frame


def _bootstrap_rates(errors: np.ndarray, words: np.ndarray, codes: np.ndarray, n_groups: int,
                     n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """(n_boot, G) corpus rates, utterances resampled with replacement within each group."""
    out = np.empty((n_boot, n_groups))
    for g in range(n_groups):
        rows = np.flatnonzero(codes == g)
        draw = rows[rng.integers(0, len(rows), size=(n_boot, len(rows)))]
        out[:, g] = errors[draw].sum(axis=1) / words[draw].sum(axis=1)
    return out


def _groups_by_id(groups: Any, ref_ids: list[Any] | None) -> Any:
    """``groups`` in the references' order: a dict as a Series; a Series or DataFrame reordered by
    its index when the references carry ids; anything else as it is (by position)."""
    if isinstance(groups, Mapping):
        groups = pd.Series(list(groups.values()), index=pd.Index(list(groups.keys()), dtype=object, tupleize_cols=False),
                           name="group")
    if ref_ids is not None and isinstance(groups, (pd.Series, pd.DataFrame)):
        groups = groups.iloc[_positions(ref_ids, list(groups.index), "groups")]
    return groups


def wer_by_group(
    references: Any,
    hypotheses: Any,
    groups: Any,
    *,
    normalise: bool = True,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """WER and CER per speaker group (accent, speaker, ...) with percentile bootstrap intervals
    (utterances resampled within each group, ``n_boot`` times; the rate of a resample is its corpus
    rate). Inputs as for :func:`wer`. ``groups``: one value per utterance (a Series, dict, array or a
    DataFrame of several columns: the groups are their combinations, as in ``group_metrics``); when the
    references carry ids (dict or Series) a Series, dict or DataFrame of groups is paired with them by
    id (its index or keys: the same ids), else by position. Rows: one per group, sorted; columns
    n_utterances, n_words, wer, wer_low, wer_high, cer, cer_low, cer_high.

    Example:
        >>> t = wer_by_group(["a b", "a b", "c d"], ["a b", "a x", "x y"], ["uk", "uk", "us"], n_boot=50)
        >>> t["wer"].tolist()
        [0.25, 1.0]
        >>> refs = {"u1": "a b", "u2": "c d"}
        >>> wer_by_group(refs, refs, {"u2": "us", "u1": "uk"}, n_boot=5)["n_words"].to_dict()
        {'uk': 2, 'us': 2}
    """
    ref_ids, refs, hyps = _pairs(references, hypotheses)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be an int >= 1, not {n_boot!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), not {level!r}")
    codes, index = group_codes(_groups_by_id(groups, ref_ids))
    if len(codes) != len(refs):
        raise ValueError(f"got {len(codes)} group values for {len(refs)} utterances")
    names = _ids(ref_ids, len(refs), None)
    rng = np.random.default_rng(seed)
    tail = (1 - level) / 2
    frame = pd.DataFrame(index=index)
    frame["n_utterances"] = np.bincount(codes, minlength=len(index))
    for unit, chars in (("wer", False), ("cer", True)):
        counts = _counts(refs, hyps, normalise, chars, names)
        words, errors = counts[:, 0], counts[:, 2:].sum(axis=1)
        if not chars:
            frame["n_words"] = np.bincount(codes, weights=words, minlength=len(index)).astype(np.int64)
        frame[unit] = np.bincount(codes, weights=errors, minlength=len(index)) / np.bincount(codes, weights=words, minlength=len(index))
        boot = _bootstrap_rates(errors, words, codes, len(index), int(n_boot), rng)
        frame[f"{unit}_low"], frame[f"{unit}_high"] = np.quantile(boot, [tail, 1 - tail], axis=0)
    return frame
