"""Ingestion review: detection quality on injected problems vs cleanlab's Datalab, and 100k x 1M near-duplicate search.

    python benchmarks/ingestion.py [--quick] [--new 100000] [--existing 1000000] [--dims 64]

Part 1, quality: a vendor delivery (hitl_widgets.demo.delivery: scikit-learn digits as the dataset;
new digits with injected corrupt files, re-encoded / resized copies of existing digits, crops of
scikit-image photographs, labels outside the classes). Precision and recall per check of
``hitl_widgets.ingestion.scan`` (as ``IngestionReview`` runs it: ``max_hamming=None, min_cosine=0.99``)
against the truth, and of cleanlab's Datalab near_duplicate and outlier checks on the same data and the
same features (the default embedding of the readable items, existing + new), restricted to the new
items. Datalab's constructor needs HuggingFace ``datasets``, which the bench environment does not
have, so its two issue managers (``NearDuplicateIssueManager``, ``OutlierIssueManager``: what
``Datalab.find_issues(features=..., issue_types=...)`` runs, with its default parameters) are driven
with a minimal stand-in for the Datalab object. cleanlab reads no files: corrupt files and labels
outside the classes have no Datalab counterpart here (n/a). Times: our near-duplicate + outlier steps
on those features vs Datalab's two managers on the same features; and our whole scan (reading the files).

Part 2, scale: ``near_duplicate_pairs`` of 100,000 new against 1,000,000 existing float32 unit
embeddings (``--dims``, default 64; 1,000 new rows are planted near copies of existing ones at cosine
~0.995), through the index (random-hyperplane LSH, 8 tables x 16 bits; see hitl_widgets.ingestion).
Printed: time (wall and CPU: on a shared machine the wall time says more about the other processes), peak memory (tracemalloc peak of the search, and the process's peak RSS), recall on the
planted copies, and the peer measured in the same run: exact search (chunked float32 matrix products,
what scikit-learn's brute-force NearestNeighbors does) on 500 of the queries, extrapolated to all.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hitl_widgets.demo.delivery import vendor_delivery  # noqa: E402
from hitl_widgets.ingestion import knn_outliers, near_duplicate_pairs, scan  # noqa: E402
from hitl_widgets.items import Items  # noqa: E402
from hitl_widgets.widgets.ingestion import _Delivery  # noqa: E402


class _DatalabStandIn:
    """What cleanlab's issue managers read of a Datalab: its info dict (statistics) and task."""

    def __init__(self) -> None:
        self.info: dict = {"statistics": {}}
        self.task = None

    def get_info(self, key: str) -> dict:
        return self.info.setdefault(key, {})


def pr(found: set, true: set) -> str:
    hit = len(found & true)
    p = hit / len(found) if found else float("nan")
    r = hit / len(true) if true else float("nan")
    return f"precision {p:5.2f}  recall {r:5.2f}  (found {len(found):3d}, injected {len(true):3d})"


def quality(quick: bool) -> None:
    sizes = dict(n_existing=400, n_clean=80) if quick else dict(n_existing=1200, n_clean=300, n_duplicates=30,
                                                                 n_out_of_domain=20, n_corrupt=12, n_bad_labels=12)
    with tempfile.TemporaryDirectory() as folder:
        d = vendor_delivery(folder, seed=0, **sizes)
        new, old = _Delivery(d.new), Items(d.existing)
        t = time.perf_counter()
        findings, dn, do = scan(new, old, schema={"classes": list(range(10))}, labels=d.labels,
                                max_hamming=None, min_cosine=0.99, progress=False)
        t_scan = time.perf_counter() - t
    assert do is not None
    print(f"Part 1: a delivery of {len(d.new)} files joining {len(d.existing)} digits "
          f"(injected: {', '.join(f'{len(v)} {k}' for k, v in d.truth.items())})")
    print(f"  our whole scan (read, hash, embed, every check): {t_scan:.2f} s")
    by = {c: set(findings.loc[findings.check == c, "item"]) for c in set(findings.check)}
    truth = {k: set(v) for k, v in d.truth.items()}
    # the same features for both: our default embedding of the readable items
    t = time.perf_counter()
    pairs = near_duplicate_pairs(None, dn.emb, None, do.emb, min_cosine=0.99)
    score, _, threshold = knn_outliers(dn.emb, do.emb)
    t_ours = time.perf_counter() - t
    ours_dup = {dn.ok[n] for n in pairs.new}
    ours_out = {dn.ok[n] for n in np.flatnonzero(score > threshold)}
    from cleanlab.datalab.internal.issue_manager.duplicate import NearDuplicateIssueManager
    from cleanlab.datalab.internal.issue_manager.outlier import OutlierIssueManager

    features = np.vstack([do.emb, dn.emb])  # existing first, then new
    t = time.perf_counter()
    stand_in = _DatalabStandIn()
    dup = NearDuplicateIssueManager(stand_in)
    dup.find_issues(features=features)
    out = OutlierIssueManager(stand_in)
    out.find_issues(features=features)
    t_peer = time.perf_counter() - t
    offset = len(do.emb)
    peer_dup = {dn.ok[n] for n in np.flatnonzero(dup.issues["is_near_duplicate_issue"].to_numpy()[offset:])}
    peer_out = {dn.ok[n] for n in np.flatnonzero(out.issues["is_outlier_issue"].to_numpy()[offset:])}
    readable = set(dn.ok)
    print("  check            ours                                                   cleanlab Datalab (same features)")
    print(f"  unreadable       {pr(by.get('file', set()), truth['corrupt'])}   n/a (reads no files)")
    print(f"  duplicates       {pr(by.get('near_duplicate', set()) | by.get('exact_duplicate', set()), truth['duplicate'])}   "
          f"{pr(peer_dup, truth['duplicate'] & readable)}")
    print(f"  outliers         {pr(by.get('outlier', set()), truth['out_of_domain'])}   {pr(peer_out, truth['out_of_domain'] & readable)}")
    print(f"  labels (schema)  {pr(by.get('schema', set()), truth['bad_label'])}   n/a (no schema check)")
    print(f"  on the features alone: ours near duplicates (embedding) {pr(ours_dup, truth['duplicate'])}")
    print(f"                         ours outliers                    {pr(ours_out, truth['out_of_domain'])}")
    print(f"  time, duplicates + outliers on the same features: ours {1000 * t_ours:.0f} ms, Datalab {1000 * t_peer:.0f} ms "
          f"(ratio ours/peer {t_ours / t_peer:.2f})")


def scale(n_new: int, n_old: int, dims: int) -> None:
    rng = np.random.default_rng(0)
    old = rng.standard_normal((n_old, dims), dtype=np.float32)
    old /= np.linalg.norm(old, axis=1, keepdims=True)
    new = rng.standard_normal((n_new, dims), dtype=np.float32)
    planted = min(1000, n_new)
    src = rng.choice(n_old, planted, replace=False)
    noise = rng.standard_normal((planted, dims), dtype=np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    new[:planted] = old[src] + 0.1 * noise  # cosine ~0.995
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    true_cos = np.einsum("ij,ij->i", new[:planted], old[src])
    print(f"Part 2: near-duplicate search, {n_new:,} new x {n_old:,} existing float32 embeddings of {dims} dims "
          f"({planted} planted copies, cosine {true_cos.min():.3f}-{true_cos.max():.3f}), threshold cosine >= 0.97")
    tracemalloc.start()
    t, cpu = time.perf_counter(), time.process_time()
    pairs = near_duplicate_pairs(None, new, None, old, min_cosine=0.97, chunk=4096)
    t_index, cpu_index = time.perf_counter() - t, time.process_time() - cpu
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = dict(zip(pairs.new.tolist(), pairs.match.tolist()))
    recall = np.mean([found.get(k) == n_new + int(src[k]) for k in range(planted)])
    false = sum(1 for k in found if k >= planted)
    print(f"  ours, index (LSH 8 x 16 bits): {t_index:.1f} s wall, {cpu_index:.1f} s CPU, peak {peak / 2**20:.0f} MiB traced during the search, "
          f"process peak RSS {rss:.0f} MiB (the embeddings alone: {(old.nbytes + new.nbytes) / 2**20:.0f} MiB)")
    print(f"  recall on the planted copies {recall:.3f}; {false} pairs among the {n_new - planted:,} random rows")
    sample = min(500, n_new)
    step = max(1, 2**26 // n_old)  # about 256 MiB of similarities at a time
    t, cpu = time.perf_counter(), time.process_time()
    for s in range(0, sample, step):
        cos = new[s:s + step] @ old.T
        cos.argmax(axis=1)
    t_exact = (time.perf_counter() - t) * n_new / sample
    cpu_exact = (time.process_time() - cpu) * n_new / sample
    print(f"  peer, exact search (chunked float32 matrix products, as brute-force NearestNeighbors): "
          f"{sample} queries timed, extrapolated to {n_new:,}: {t_exact:.0f} s wall, {cpu_exact:.0f} s CPU "
          f"(ratio ours/peer {t_index / t_exact:.3f} wall, {cpu_index / cpu_exact:.3f} CPU)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a smaller delivery and 10k x 100k")
    ap.add_argument("--new", type=int, default=None)
    ap.add_argument("--existing", type=int, default=None)
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--skip-scale", action="store_true")
    args = ap.parse_args()
    quality(args.quick)
    if not args.skip_scale:
        n_new = args.new or (10_000 if args.quick else 100_000)
        n_old = args.existing or (100_000 if args.quick else 1_000_000)
        scale(n_new, n_old, args.dims)


if __name__ == "__main__":
    main()
