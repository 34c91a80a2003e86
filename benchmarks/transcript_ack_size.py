"""TranscriptReview: the bytes of one edit's answer (the ack) and of its store event, for a 1-hour
utterance of 7,200 words (the hypotheses of benchmarks/audio_ui.py: one word every 0.5 s, 0.4 s
long, random confidences; the audio a 220 Hz tone, in memory, at 8 kHz: the sizes measured do not
depend on the rate).

One ``text`` intent (word 3600 gets a new text) goes through the widget's own dispatch, as the view
sends it; printed: the ack's JSON bytes (``json.dumps`` of the message, as the kernel serialises
it, before the comm envelope) plus the bytes of its binary buffers, and the JSON bytes of the
payload the store keeps for the edit. Nothing asserted.

Run: PYTHONPATH=$PWD .venv/bin/python benchmarks/transcript_ack_size.py [--minutes 60]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RATE = 8000


def hypotheses(seconds: int) -> pd.DataFrame:
    """One word every 0.5 s, 0.4 s long, random confidences (as benchmarks/audio_ui.py)."""
    rng = np.random.default_rng(1)
    n = int(seconds / 0.5)
    starts = np.arange(n) * 0.5 + 0.05
    return pd.DataFrame({"utterance": 0, "index": np.arange(n), "text": [f"w{k}" for k in range(n)],
                         "start_s": starts, "end_s": starts + 0.4, "confidence": rng.uniform(0.2, 1.0, n)})


def ack_size(minutes: int = 60) -> dict:
    """One text edit on a ``minutes``-long utterance: the ack's JSON and buffer bytes, the store
    payload's JSON bytes, the number of words and the edit's time in the kernel."""
    import hitl_widgets as hw

    seconds = minutes * 60
    tone = (0.25 * np.sin(2 * np.pi * 220 * np.arange(seconds * RATE) / RATE)).astype(np.float32)
    hyp = hypotheses(seconds)
    w = hw.TranscriptReview([(tone, RATE)], hyp, store=hw.AnnotationStore(":memory:", annotator="bench"))
    sent: list = []
    w.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    word = w._current(0)["words"][len(hyp) // 2]["id"]
    t0 = time.perf_counter()
    w._dispatch(w, {"type": "text", "client": "bench", "seq": 1, "item_id": 0, "word": word, "text": "edited"}, [])
    took = time.perf_counter() - t0
    reply, buffers = sent[-1]
    assert reply["type"] == "ack", reply
    payload = w.store.latest(w.task, [0], annotator="bench")[0]["payload"]
    return {"words": len(hyp), "json": len(json.dumps(reply)), "buffers": sum(len(memoryview(b).cast("B")) for b in buffers),
            "packed": "packed_words" in reply, "payload": len(json.dumps(payload)), "edit_ms": 1000 * took}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=60, help="length of the utterance (one word every 0.5 s)")
    r = ack_size(parser.parse_args().minutes)
    form = "words packed (pack_words)" if r["packed"] else "words as a list of dicts"
    print(f"TranscriptReview, one text edit on an utterance of {r['words']:,} words ({form}):")
    print(f"  ack: {r['json']:,} B JSON + {r['buffers']:,} B buffers = {r['json'] + r['buffers']:,} B")
    print(f"  store payload of the edit: {r['payload']:,} B JSON")
    print(f"  the edit in the kernel (dispatch -> ack sent, in-memory store): {r['edit_ms']:.0f} ms")


if __name__ == "__main__":
    main()
