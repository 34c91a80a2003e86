"""Scanning a new data source for ``IngestionReview``: the checks of ``hitl_widgets.checks``, run in
chunks over ``Items`` (a progress bar per pass), gathered into one findings table.

One pass over the new items (and one over the existing ones) reads each item once, in chunks of
``chunk``: its metadata (or why it does not open), its content hash (SHA-256; for an item that does not
open, of its bytes or else of its path: ``unread_digest``), its 64-bit difference hash and its embedding
(``embed``; default ``checks.embed_images``). Nothing but those is kept, so the memory is O(items x
dims), not O(pixels).

Near duplicates (``near_duplicate_pairs``): a new item whose difference hash is within ``max_hamming``
bits of another's, or whose embedding has cosine >= ``min_cosine`` with it, against the existing items
and the earlier new ones (as ``checks.near_duplicates``); ``max_hamming=None`` leaves the difference hash
out (on low-detail images such as upscaled digits, different images come within 2 bits). Up to ``exact_limit`` (new x pool) pairs the
search is exact (chunked matrix products). Above it an index answers instead, because exact search of
10^5 x 10^6 x 262 float32 is ~2.6e13 multiply-adds (hours on two cores):

* the difference hash by multi-index hashing (4 tables of 16 bits: two hashes within 3 bits share at
  least one 16-bit part, so it misses no pair within ``max_hamming`` <= 3; a part shared by more than
  ``bucket_cap`` items, e.g. blank images, is not searched);
* the embedding by random-hyperplane LSH (``tables`` tables of ``bits`` sign bits each): approximate.
  Two vectors at angle theta share one table's key with probability (1 - theta/pi)^bits; at cosine 0.97
  that is 0.27 per table and 0.92 over 8 tables, at cosine 0.99 0.995. The candidates are checked
  exactly, so the index can miss a pair but never invents one.

Outliers use scikit-learn's ``NearestNeighbors`` (brute force; the threshold from the existing items'
own leave-one-out distances, as ``checks.outliers``); with more than ``max_reference`` existing items a
seeded sample of that many is the reference.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import checks, remote
from ._progress import progress_bar
from .items import Items

CHECKS = ("file", "exact_duplicate", "near_duplicate", "outlier", "schema", "metadata")
TITLES = {
    "file": "unreadable files",
    "exact_duplicate": "exact duplicates",
    "near_duplicate": "near duplicates",
    "outlier": "outliers",
    "schema": "schema violations",
    "metadata": "metadata anomalies",
}
FINDING_COLUMNS = ["item", "check", "problem", "detail", "evidence"]

Embed = Callable[[list], Any]


@dataclass
class Digest:
    """What one pass kept of each item: ids in order, load errors, metadata, and for the items that
    opened (``ok``, in order): content hashes, difference hashes, embeddings (float32, unit rows).
    ``unread``: for the items that did not open, what stands for their content (``unread_digest``)."""

    ids: list[Hashable]
    errors: dict[Hashable, tuple[str, str]] = field(default_factory=dict)
    meta: pd.DataFrame = field(default_factory=pd.DataFrame)
    ok: list[Hashable] = field(default_factory=list)
    sha: list[str] = field(default_factory=list)
    dhash: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    emb: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    unread: dict[Hashable, str] = field(default_factory=dict)

    def contents(self) -> dict[Hashable, str]:
        """Item id -> content digest: the SHA-256 of an item that opened, ``unread``'s of one that did not."""
        return {**dict(zip(self.ok, self.sha)), **self.unread}

    def loaded(self) -> checks.Loaded:
        """A ``checks.Loaded`` with metadata and errors (no pixels): what the schema, metadata and
        file checks read."""
        return checks.Loaded(list(self.ids), errors=dict(self.errors), meta=self.meta)


def unread_digest(value: Any, error: tuple[str, str]) -> str:
    """The content digest of an item that did not open: the SHA-256 of its bytes (a file's, an array's)
    where they can be read, else ``ref:`` and the SHA-256 of its path (or of its error)."""
    if isinstance(value, (str, os.PathLike, bytes)):
        try:
            return checks.content_hash(value)
        except OSError:  # a missing or unreadable file: known by its path
            pass
    elif value is not None:
        try:
            arr = np.asarray(value)
            if arr.dtype.kind != "O":  # an object array's bytes are pointers
                return checks.content_hash(arr)
        except Exception:  # noqa: BLE001 - anything that has no bytes to hash
            pass
    ref = os.fspath(value) if isinstance(value, (str, os.PathLike)) else "\n".join(error)
    return "ref:" + hashlib.sha256(str(ref).encode("utf-8", "surrogatepass")).hexdigest()


def embedder(embed: Any) -> Embed:
    """``embed`` as a function of a list of uint8 image arrays -> (n, dims): a callable, or a model
    with ``transform`` / ``encode`` / ``predict`` (None: ``checks.embed_images``)."""
    if embed is None:
        return lambda images: checks.embed_images(images).to_numpy()
    for name in ("transform", "encode", "predict"):
        if not callable(embed) and callable(getattr(embed, name, None)):
            return getattr(embed, name)
    if callable(embed):
        return embed
    raise ValueError(f"embed must be a function or a model with transform / encode / predict, not {type(embed).__name__}")


def _unit32(x: Any, n: int, where: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim != 2 or len(arr) != n:
        raise ValueError(f"{where}: embed gave shape {arr.shape} for {n} items (expected one vector per item)")
    if not np.isfinite(arr).all():
        raise ValueError(f"{where}: embed gave non-finite values")
    norm = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.divide(arr, norm, out=np.zeros_like(arr), where=norm > 0)


def digest(items: Items, embed: Any = None, *, chunk: int = 1024, progress: bool = True, desc: str = "reading",
           embeddings: Any = None) -> Digest:
    """Read every item once (see the module); an item that does not open is recorded, never raised.
    ``embeddings``: precomputed (a DataFrame indexed by item id, or an array aligned with the items)."""
    fn = embedder(embed) if embeddings is None else None
    out = Digest(list(items.ids))
    metas, shas, dh, embs = [], [], [], []
    with progress_bar(len(items), desc, progress, unit="item") as bar:
        for s in range(0, len(items), chunk):
            part = out.ids[s:s + chunk]
            values = []
            urls: dict[Hashable, str] = {}
            for i in part:
                try:
                    value = items.raw(i)
                    if isinstance(value, str) and remote.is_url(value) and items.kind(i) == "image":
                        urls[i] = value
                        value = items._fetch(i, value)  # the object's bytes: checked as a file's
                    values.append(value)
                except remote.ObjectNotFound as exc:
                    values.append(None)
                    out.errors[i] = ("missing", str(exc))
                except Exception as exc:  # noqa: BLE001 - any failure to reach the item is a finding
                    values.append(None)
                    out.errors[i] = ("unreadable", f"{type(exc).__name__}: {exc}")
            loaded = checks.load_images([v if v is not None else b"" for v in values], part)
            for i, (problem, detail) in loaded.errors.items():
                out.errors.setdefault(i, (problem, f"{remote.redact_urls(urls[i])}: {detail}" if i in urls else detail))
            metas.append(loaded.meta)
            good = [i for i in part if i in loaded.images and i not in out.errors]
            imgs = [loaded.images[i] for i in good]
            for i in good:
                try:
                    shas.append(checks.content_hash(loaded.sources[i]))
                except OSError as exc:  # the file went away between reading and hashing
                    out.errors[i] = ("unreadable", f"{type(exc).__name__}: {exc}")
                    shas.append("")
            for i, value in zip(part, values):
                if i in out.errors:
                    out.unread[i] = unread_digest(value, out.errors[i])
            dh.append(np.array([checks.difference_hash(a) for a in imgs], dtype=np.uint64))
            if fn is not None and imgs:
                embs.append(_unit32(fn(imgs), len(imgs), f"items {part[0]!r}..{part[-1]!r}"))
            out.ok.extend(good)
            bar.update(len(part))
    keep = [n for n, i in enumerate(out.ok) if i not in out.errors]
    out.ok = [out.ok[n] for n in keep]
    out.sha = [shas[n] for n in keep]
    out.dhash = np.concatenate(dh)[keep] if dh else np.zeros(0, np.uint64)
    if embeddings is not None:
        out.emb = _given_embeddings(embeddings, items, out.ok)
    else:
        out.emb = np.concatenate(embs)[keep] if embs else np.zeros((0, 1), np.float32)
    meta = pd.concat(metas, ignore_index=True) if metas else pd.DataFrame()
    out.meta = meta[~meta["item"].isin(list(out.errors))].reset_index(drop=True) if len(meta) else meta
    return out


def _given_embeddings(embeddings: Any, items: Items, ids: Sequence[Hashable]) -> np.ndarray:
    if isinstance(embeddings, pd.DataFrame):
        missing = [i for i in ids if i not in embeddings.index][:3]
        if missing:
            raise ValueError(f"embeddings has no row for items {missing}")
        return _unit32(embeddings.loc[list(ids)].to_numpy(), len(ids), "embeddings")
    arr = np.asarray(embeddings)
    if arr.ndim != 2 or len(arr) != len(items):
        raise ValueError(f"embeddings must have one row per item ({len(items)}), got shape {arr.shape}")
    pos = [items.position(i) for i in ids]
    return _unit32(arr[pos], len(ids), "embeddings")


# ---------------------------------------------------------------------------- near duplicates
def _bucket_pairs(q_keys: np.ndarray, order: np.ndarray, sorted_keys: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(query row, pool row) for every pool row whose key equals the query's (buckets over ``cap`` skipped)."""
    lo = np.searchsorted(sorted_keys, q_keys, "left")
    hi = np.searchsorted(sorted_keys, q_keys, "right")
    cnt = hi - lo
    cnt[cnt > cap] = 0
    total = int(cnt.sum())
    qi = np.repeat(np.arange(len(q_keys)), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return qi, order[np.repeat(lo, cnt) + offs]


def near_duplicate_pairs(
    new_hash: np.ndarray, new_emb: np.ndarray, old_hash: np.ndarray | None, old_emb: np.ndarray | None, *,
    max_hamming: int | None = 2, min_cosine: float = 0.97, exclude: dict[int, set[int]] | None = None,
    exact_limit: float = 5e7, tables: int = 8, bits: int = 16, bucket_cap: int = 1000, seed: int = 0,
    chunk: int = 8192, progress: bool = False,
) -> pd.DataFrame:
    """For each new row (position), its closest match (see the module): columns new (position),
    match (position in the pool: new rows first, then the existing ones), hamming, cosine, method
    ("exact" or "index"). ``exclude``: new position -> pool positions not to report (its exact duplicates).
    Hashes may be None (embeddings only: hamming is then -1, no distance measured); rows are unit
    vectors (float32)."""
    n_new = len(new_emb)
    emb = new_emb if old_emb is None else np.vstack([new_emb, old_emb])
    use_hash = max_hamming is not None and new_hash is not None and (old_emb is None or old_hash is not None)
    hashes = None
    if use_hash:
        hashes = new_hash if old_hash is None else np.concatenate([new_hash, old_hash])
    n_pool = len(emb)
    exclude = exclude or {}
    rows: list[tuple[int, int, int, float]] = []
    method = "exact" if n_new * n_pool <= exact_limit else "index"
    if method == "index":
        rng = np.random.default_rng(seed)
        planes = rng.standard_normal((tables, bits, emb.shape[1])).astype(np.float32)
        weights = (1 << np.arange(bits, dtype=np.uint64)).astype(np.uint64)
        keys = [((emb @ planes[t].T) > 0).astype(np.uint64) @ weights for t in range(tables)]
        if hashes is not None:
            keys += [(hashes >> np.uint64(16 * p)) & np.uint64(0xFFFF) for p in range(4)]
        index = [(o, k[o]) for k in keys for o in [np.argsort(k, kind="stable")]]
    if method == "exact":
        chunk = max(1, min(chunk, 4_000_000 // max(1, n_pool)))
    with progress_bar(n_new, "near duplicates", progress, unit="item") as bar:
        for s in range(0, n_new, chunk):
            a = np.arange(s, min(n_new, s + chunk))
            if method == "exact":
                cos = emb[a] @ emb.T
                near = cos >= min_cosine
                if hashes is not None:
                    near |= np.bitwise_count(hashes[a, None] ^ hashes[None, :]) <= max_hamming
                qi, pj = np.nonzero(near)
                cosv = cos[qi, pj]
            else:
                parts = [_bucket_pairs(k[a], o, sk, bucket_cap) for (o, sk), k in zip(index, keys)]
                qi = np.concatenate([p[0] for p in parts])
                pj = np.concatenate([p[1] for p in parts])
                pair = np.unique(qi.astype(np.int64) * n_pool + pj)
                qi, pj = pair // n_pool, pair % n_pool
                cosv = np.einsum("ij,ij->i", emb[a[qi]], emb[pj])
            gi = a[qi]
            allowed = (pj >= n_new) | (pj < gi)
            if hashes is not None:
                ham = np.bitwise_count(hashes[gi] ^ hashes[pj]).astype(np.int64)
            else:
                ham = np.full(len(gi), -1, np.int64)  # not measured
            hit = allowed & (cosv >= min_cosine)
            if hashes is not None:
                hit |= allowed & (ham <= max_hamming)
            if exclude:
                dropped = [int(p) in exclude.get(int(g), ()) for g, p in zip(gi[hit], pj[hit])]
                hit[np.flatnonzero(hit)[np.asarray(dropped, bool)]] = False
            gi, pj, ham, cosv = gi[hit], pj[hit], ham[hit], cosv[hit]
            if len(gi):  # the best match per new row: highest cosine
                order = np.lexsort((-cosv, gi))
                first = np.concatenate([[True], gi[order][1:] != gi[order][:-1]])
                pick = order[first]
                rows += zip(gi[pick].tolist(), pj[pick].tolist(), ham[pick].tolist(), cosv[pick].tolist())
            bar.update(len(a))
    df = pd.DataFrame(rows, columns=["new", "match", "hamming", "cosine"])
    df["method"] = method
    return df


def knn_outliers(new_emb: np.ndarray, old_emb: np.ndarray, *, k: int = 5, quantile: float = 0.99,
                 max_reference: int = 50_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """(mean distance to the k nearest reference rows, their positions, threshold) for each new row,
    with scikit-learn ``NearestNeighbors`` (see the module)."""
    from sklearn.neighbors import NearestNeighbors

    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), not {quantile!r}")
    ref_pos = np.arange(len(old_emb))
    if len(old_emb) > max_reference:
        ref_pos = np.sort(np.random.default_rng(seed).choice(len(old_emb), max_reference, replace=False))
    ref = old_emb[ref_pos]
    if len(ref) <= k:
        raise ValueError(f"need more than k={k} existing items to set a threshold, got {len(ref)}")
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(ref)
    own, _ = nn.kneighbors(ref, k + 1)
    threshold = float(np.quantile(own[:, 1:].mean(axis=1), quantile))
    dist, idx = nn.kneighbors(new_emb, k) if len(new_emb) else (np.zeros((0, k)), np.zeros((0, k), int))
    return dist.mean(axis=1), ref_pos[idx], threshold


# ---------------------------------------------------------------------------- all the checks
def scan(
    new: Items, existing: Items | None = None, *, embed: Any = None, schema: dict | None = None,
    labels: Sequence[Any] | None = None, embeddings: Any = None, existing_embeddings: Any = None,
    k: int = 5, quantile: float = 0.99, max_hamming: int | None = 2, min_cosine: float = 0.97, max_z: float = 4.0,
    chunk: int = 1024, progress: bool = True, exact_limit: float = 5e7,
) -> tuple[pd.DataFrame, Digest, Digest | None]:
    """Every check on ``new`` against ``existing``: (findings, new digest, existing digest).

    findings: one row per (item, finding): item, check (one of ``CHECKS``), problem (short), detail
    (text), evidence (a list of ``("existing" | "new", item id)`` to show beside the item)."""
    dn = digest(new, embed, chunk=chunk, progress=progress, desc="reading the new items", embeddings=embeddings)
    do = None
    if existing is not None:
        do = digest(existing, embed, chunk=chunk, progress=progress, desc="reading the existing items",
                    embeddings=existing_embeddings)
    rows: list[dict] = []
    for i, (problem, detail) in dn.errors.items():
        rows.append({"item": i, "check": "file", "problem": problem, "detail": detail, "evidence": []})
    # exact duplicates: the same content hash
    seen: dict[str, list[tuple[str, Hashable, int]]] = {}  # content -> every copy seen: (where, item, pool position)
    if do is not None:
        for n, (i, h) in enumerate(zip(do.ok, do.sha)):
            seen.setdefault(h, []).append(("existing", i, len(dn.ok) + n))
    exclude: dict[int, set[int]] = {}
    for n, (i, h) in enumerate(zip(dn.ok, dn.sha)):
        copies = seen.setdefault(h, [])
        if copies:
            where = copies[0][0]
            named = ", ".join(f"{w} item {j!r}" for w, j, _ in copies[:5]) + (f" and {len(copies) - 5} more" if len(copies) > 5 else "")
            rows.append({"item": i, "check": "exact_duplicate", "problem": f"same content as {where} item",
                         "detail": f"SHA-256 {h[:16]}… equals {named}", "evidence": [(w, j) for w, j, _ in copies]})
            exclude[n] = {pos for _, _, pos in copies}  # none of them is also a near duplicate
        copies.append(("new", i, n))
    # near duplicates
    if len(dn.ok):
        old_hash = do.dhash if do is not None and len(do.ok) else None
        old_emb = do.emb if do is not None and len(do.ok) else None
        if old_emb is not None and old_emb.shape[1] != dn.emb.shape[1]:
            raise ValueError(f"new and existing embeddings differ in size ({dn.emb.shape[1]} vs {old_emb.shape[1]})")
        pairs = near_duplicate_pairs(dn.dhash, dn.emb, old_hash, old_emb, max_hamming=max_hamming,
                                     min_cosine=min_cosine, exclude=exclude, exact_limit=exact_limit, progress=progress)
        pool_ids = dn.ok + (do.ok if old_emb is not None and do is not None else [])
        for r in pairs.itertuples(index=False):
            where = "new" if r.match < len(dn.ok) else "existing"
            j = pool_ids[r.match]
            rows.append({"item": dn.ok[r.new], "check": "near_duplicate", "problem": f"looks like {where} item",
                         "detail": f"{where} item {j!r}: " + (f"difference hash {r.hamming} bits apart, " if r.hamming >= 0 else "")
                                   + f"cosine {r.cosine:.3f}",
                         "evidence": [(where, j)]})
    # outliers against the existing items
    if do is not None and len(do.ok) > k and len(dn.ok):
        score, nearest, threshold = knn_outliers(dn.emb, do.emb, k=k, quantile=quantile)
        for n in np.flatnonzero(score > threshold).tolist():
            near = [do.ok[j] for j in nearest[n][:3]]
            rows.append({"item": dn.ok[n], "check": "outlier", "problem": "far from the existing items",
                         "detail": f"mean distance to its {k} nearest existing items {score[n]:.3f} > {threshold:.3f} "
                                   f"(the {quantile:.0%} quantile of the existing items' own)",
                         "evidence": [("existing", j) for j in near]})
    # schema and metadata
    if schema:
        sv = checks.schema_violations(dn.loaded(), schema, labels=labels)
        for r in sv.itertuples(index=False):
            rows.append({"item": r.item, "check": "schema", "problem": f"{r.field}: {r.problem}",
                         "detail": f"{r.field} = {r.value!s}: {r.problem}", "evidence": []})
    ma = checks.metadata_anomalies(dn.loaded(), do.loaded() if do is not None and len(do.meta) else None, max_z=max_z)
    for r in ma.itertuples(index=False):
        rows.append({"item": r.item, "check": "metadata", "problem": f"{r.field}: {r.problem}",
                     "detail": f"{r.field} = {r.value!s}: {r.problem}", "evidence": []})
    findings = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    position = {i: n for n, i in enumerate(dn.ids)}
    order = CHECKS.index
    findings = findings.iloc[sorted(range(len(findings)), key=lambda r: (order(findings.iat[r, 1]), position[findings.iat[r, 0]]))]
    return findings.reset_index(drop=True), dn, do
