"""Word and character error rates of 10,000 utterance pairs: hitl_widgets.metrics against jiwer.

    python benchmarks/wer_speed.py            # 10,000 pairs
    python benchmarks/wer_speed.py --quick    # 2,000 pairs

The pairs: references of 4-20 words drawn from a 2,000-word vocabulary (seed 0); each hypothesis
substitutes, deletes and inserts words at random (about 15% of words). Both sides get the same
lists of strings and no normalisation (ours ``normalise=False``; jiwer's default transforms only
split on spaces), and compute the corpus rate (all errors / all reference words). Ours also returns
the per-utterance table (``utterance_errors``), timed separately; jiwer's equal work there is
``process_words``. The values are checked equal before timing. Timed: median of 5 runs, alternating.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from hitl_widgets.metrics import cer, utterance_errors, wer  # noqa: E402

REPEATS = 5


def pairs(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    vocab = [f"w{k}" for k in range(2000)]
    refs, hyps = [], []
    for _ in range(n):
        words = list(rng.choice(vocab, int(rng.integers(4, 21))))
        out = []
        for w in words:
            r = rng.random()
            if r < 0.08:
                out.append(str(rng.choice(vocab)))  # substitution
            elif r < 0.12:
                continue  # deletion
            else:
                out.append(w)
            if rng.random() < 0.03:
                out.append(str(rng.choice(vocab)))  # insertion
        refs.append(" ".join(words))
        hyps.append(" ".join(out))
    return refs, hyps


def paired(peer, ours) -> tuple[float, float]:
    peer(), ours()
    a, b = [], []
    for _ in range(REPEATS):
        for fn, out in ((peer, a), (ours, b)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def main() -> None:
    import jiwer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 pairs")
    args = parser.parse_args()
    n = 2000 if args.quick else 10_000
    refs, hyps = pairs(n)
    assert wer(refs, hyps, normalise=False) == jiwer.wer(refs, hyps)
    assert abs(cer(refs, hyps, normalise=False) - jiwer.cer(refs, hyps)) < 1e-12
    print(f"{n} utterance pairs, {sum(len(r.split()) for r in refs)} reference words, "
          f"WER {wer(refs, hyps, normalise=False):.4f} (equal on both sides)")
    for name, peer, ours in (
        ("WER", lambda: jiwer.wer(refs, hyps), lambda: wer(refs, hyps, normalise=False)),
        ("CER", lambda: jiwer.cer(refs, hyps), lambda: cer(refs, hyps, normalise=False)),
        ("per-utterance table", lambda: jiwer.process_words(refs, hyps),
         lambda: utterance_errors(refs, hyps, normalise=False)),
    ):
        t_peer, t_ours = paired(peer, ours)
        print(f"  {name:20s} jiwer {t_peer * 1e3:8.1f} ms   ours {t_ours * 1e3:8.1f} ms   ours/jiwer {t_ours / t_peer:5.1f}x the time")
    print("(the per-utterance table is ours: words and characters, S/D/I, both rates; jiwer's process_words: words, S/D/I, alignments)")


if __name__ == "__main__":
    main()
