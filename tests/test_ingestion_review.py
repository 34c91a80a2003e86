"""IngestionReview: the checks' findings grouped, every intent (ack, refusal, stale, undo, group
decisions, reload), accepted ids, the gate (require, certificate) and the near-duplicate index."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import hitl_widgets as hw
from hitl_widgets import checks
from hitl_widgets.gates import GateNotPassed
from hitl_widgets.ingestion import near_duplicate_pairs, scan
from hitl_widgets.items import Items
from test_checks import digit_images


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    """40 existing digits (PNG files); a delivery of 11: 0-5 clean digits, 6 an exact copy, 7 a resized
    JPEG copy, 8 a photo, 9 a truncated file, 10 a missing one."""
    folder = tmp_path_factory.mktemp("ingest")
    existing = []
    for k, img in enumerate(digit_images(40)):
        p = folder / f"old_{k}.png"
        Image.fromarray(img).save(p)
        existing.append(str(p))
    new = []
    for k, img in enumerate(digit_images(6, offset=100)):
        p = folder / f"new_{k}.png"
        Image.fromarray(img).save(p)
        new.append(str(p))
    new.append(existing[3])
    Image.fromarray(np.asarray(Image.open(existing[7]).resize((40, 40)))).save(folder / "near.jpg", quality=85)
    new.append(str(folder / "near.jpg"))
    from skimage import data as skd

    Image.fromarray(skd.astronaut()[::4, ::4]).save(folder / "photo.png")
    new.append(str(folder / "photo.png"))
    raw = (folder / "new_0.png").read_bytes()
    (folder / "cut.png").write_bytes(raw[: len(raw) // 2])
    new.append(str(folder / "cut.png"))
    new.append(str(folder / "gone.png"))
    return existing, new


CLASSES = [0, 1, 2, 3]


def make(delivery, store=None, **kw):
    existing, new = delivery
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    labels = [0, 1, 2, 3, 0, 1, 2, 3, 0, 7, 1]  # item 9's label is no class (but 9 is unreadable anyway)
    w = hw.IngestionReview(new, existing, store=store, schema={"classes": CLASSES}, labels=labels, progress=False, **kw)
    w.sent = []
    w.send = lambda msg, buffers=None: w.sent.append((msg, buffers or []))
    return w


def intent(w, n, **fields):
    w._dispatch(w, {"client": "c", "seq": n, **fields}, [])
    return w.sent[-1][0]


def test_the_injected_problems_are_grouped_by_check(delivery):
    w = make(delivery)
    by = {g: sorted(set(w.findings[w.findings.check == g].item)) for g in w.findings.check.unique()}
    assert by["file"] == [9, 10] and by["exact_duplicate"] == [6] and by["near_duplicate"] == [7]
    assert 8 in by["outlier"] and 8 in by["metadata"]
    assert set(w.findings.item) <= {6, 7, 8, 9, 10}  # the clean digits carry no finding
    assert [g["key"] for g in w.groups][-1] == "clean" and w.groups[-1]["count"] == 6
    assert w.findings.loc[w.findings.check == "near_duplicate", "evidence"].iloc[0] == [("existing", 7)]
    assert w.status == "pending" and w.undecided == [6, 7, 8, 9, 10]
    assert w.accepted == [0, 1, 2, 3, 4, 5]  # the clean items; nothing flagged without a decision


def test_decide_ack_refusals_and_undo(delivery):
    w = make(delivery)
    heard = []
    w.on_label(heard.append)
    ack = intent(w, 1, type="decide", item_id=6, decision="drop")
    assert ack["type"] == "ack" and ack["decision"] == "drop" and ack["via"] == "item"
    ack = intent(w, 2, type="decide", item_id=7, decision="relabel", label=2)
    assert ack["label"] == 2 and w.n_done == 2
    for n, fields in enumerate([
        {"item_id": 8, "decision": "maybe"},
        {"item_id": 8, "decision": "relabel", "label": 99},
        {"item_id": 8, "decision": "keep", "label": 1},
        {"item_id": 999, "decision": "keep"},
        {"item_id": [1], "decision": "keep"},
    ], start=3):
        reply = intent(w, n, type="decide", **fields)
        assert reply["type"] == "refused", fields
    assert all("item" in r["message"] for r in w.refused) and w.n_done == 2
    ack = intent(w, 10, type="undo", item_id=7)
    assert ack["type"] == "ack" and ack["decision"] is None and w.n_done == 1
    assert intent(w, 11, type="undo", item_id=7)["type"] == "refused"  # nothing left to undo
    assert [e["kind"] for e in heard] == ["ingest", "ingest", "undo"]


def test_relabel_needs_classes(delivery):
    existing, new = delivery
    w = hw.IngestionReview(new[:8], existing, store=hw.AnnotationStore(":memory:"), progress=False)
    with pytest.raises(ValueError, match="relabel needs classes"):
        w.decide(7, "relabel", 1)


def test_a_late_decision_is_stale(delivery):
    w = make(delivery)
    intent(w, 5, type="decide", item_id=8, decision="drop")
    reply = intent(w, 4, type="decide", item_id=8, decision="keep")  # sent before, delivered after
    assert reply["type"] == "ack" and reply.get("stale") and reply["decision"] == "drop"
    assert w.decision_of(8)["decision"] == "drop"


def test_group_decisions_apply_to_undecided_items_and_undo(delivery):
    w = make(delivery)
    w.decide(9, "keep")
    ack = intent(w, 1, type="decide_group", group="file", decision="drop")
    assert ack["type"] == "ack" and ack["group"] == "file" and ack["decision"] == "drop"
    assert w.decision_of(10) == {**w.decision_of(10), "decision": "drop", "via": "group:file"}
    assert w.decision_of(9)["decision"] == "keep"  # its own decision stands
    assert 9 in w.accepted and 10 not in w.accepted
    assert next(g for g in w.groups if g["key"] == "file")["undecided"] == 0
    ack = intent(w, 2, type="undo_group", group="file")
    assert ack["type"] == "ack" and w.decision_of(10) is None
    assert intent(w, 3, type="undo_group", group="file")["type"] == "refused"
    assert intent(w, 4, type="decide_group", group="nope", decision="drop")["type"] == "refused"
    assert intent(w, 5, type="decide_group", group="file", decision="relabel", label="x")["type"] == "refused"
    # an item in two groups: a group's drop wins over another's keep
    w.decide_group("outlier", "keep")
    w.decide_group("metadata", "drop")
    assert w.decision_of(8)["decision"] == "drop"


def test_accepted_require_and_the_certificate(delivery):
    w = make(delivery)
    with pytest.raises(GateNotPassed, match="0 of 5 flagged items decided"):
        w.require()
    w.decide(6, "drop")
    w.decide(7, "relabel", 3)
    w.decide(8, "not_a_problem")
    with pytest.raises(GateNotPassed, match=r"undecided e\.g\. \[9, 10\]"):
        w.require()
    w.decide_group("file", "drop")
    w.require()
    assert w.status == "passed" and w.accepted == [0, 1, 2, 3, 4, 5, 7, 8]
    assert w.labels.to_dict() == {0: 0, 1: 1, 2: 2, 3: 3, 4: 0, 5: 1, 7: 3, 8: 0}
    r = w.report
    assert (r["n"], r["reviewed"], r["rejected"], r["accepted"]) == (5, 5, 3, 8)
    assert w.decisions[["item_id", "decision", "via"]].values.tolist() == [
        [6, "drop", "item"], [7, "relabel", "item"], [8, "not_a_problem", "item"],
        [9, "drop", "group:file"], [10, "drop", "group:file"]]
    existing, new = delivery
    keep = w.accepted
    cert = hw.certify([new[i] for i in keep], list(w.labels), store=w.store, gates=[w], progress=False)
    assert cert["gates"][0]["status"] == "passed" and cert["gates"][0]["name"] == "ingestion:ingestion"
    assert "ingestion:ingestion" in cert.to_html()


def test_max_drop_fails_the_gate(delivery):
    w = make(delivery, max_drop=0.1)
    for i in (6, 7, 8):
        w.decide(i, "drop")
    w.decide_group("file", "keep")
    assert w.status == "failed"
    with pytest.raises(GateNotPassed, match="at most 1 allowed"):
        w.require()


def test_review_clean_makes_every_item_need_a_decision(delivery):
    w = make(delivery, review_clean=True)
    w.decide_group("file", "drop")
    for i in (6, 7, 8):
        w.decide(i, "keep")
    assert w.status == "pending" and w.accepted == [6, 7, 8]
    w.decide_group("clean", "keep")
    w.decide(2, "drop")
    assert w.status == "passed" and w.accepted == [0, 1, 3, 4, 5, 6, 7, 8]


def test_decisions_survive_a_new_widget_on_the_same_store(delivery, tmp_path):
    store = hw.AnnotationStore(tmp_path / "s.db", annotator="ann")
    w = make(delivery, store=store)
    w.decide(6, "drop")
    w.decide(7, "relabel", 1)
    w.decide_group("file", "drop")
    w.decide(8, "keep")
    w._undo(8)
    again = make(delivery, store=hw.AnnotationStore(tmp_path / "s.db", annotator="ann"))
    assert again.decisions[["item_id", "decision", "label"]].values.tolist() == [
        [6, "drop", None], [7, "relabel", 1], [9, "drop", None], [10, "drop", None]]
    assert again.undecided == [8] and again.n_done == 4


def test_open_group_and_evidence_messages(delivery):
    w = make(delivery)
    ack = intent(w, 1, type="open_group", group="near_duplicate")
    assert ack["ids"] == [7] and ack["total"] == 1
    w._dispatch(w, {"type": "evidence", "item_id": 7}, [])
    msg, buffers = w.sent[-1]
    assert msg["type"] == "evidence" and msg["findings"][0]["check"] == "near_duplicate"
    pane = msg["findings"][0]["panes"][0]
    assert pane["kind"] == "image" and pane["caption"] == "existing item 7" and buffers[pane["buffer"]]
    w._dispatch(w, {"type": "evidence", "item_id": 9}, [])
    msg, _ = w.sent[-1]
    assert msg["findings"][0]["check"] == "file" and "Error" in msg["findings"][0]["detail"]
    w._dispatch(w, {"type": "fetch", "ids": [10]}, [])  # the missing file: an item that shows its error
    msg, _ = w.sent[-1]
    assert msg["items"][0]["kind"] == "error" and msg["items"][0]["checks"] == ["file"]


def test_bad_constructor_input_names_it(delivery):
    existing, new = delivery
    with pytest.raises(ValueError, match="got 2 labels for 11"):
        hw.IngestionReview(new, existing, labels=[0, 1], progress=False)
    with pytest.raises(ValueError, match="max_drop"):
        hw.IngestionReview(new, existing, max_drop=2, progress=False)
    with pytest.raises(ValueError, match="embed must be"):
        hw.IngestionReview(new, existing, embed=42, progress=False)


def test_a_custom_embed_function_is_used(delivery):
    existing, new = delivery
    calls = []

    def embed(images):
        calls.append(len(images))
        return np.stack([np.resize(np.asarray(Image.fromarray(a).convert("L").resize((8, 8)), np.float32).ravel(), 64)
                         for a in images])

    w = hw.IngestionReview(new, existing, embed=embed, store=hw.AnnotationStore(":memory:"), progress=False)
    assert sum(calls) == 9 + 40 and {6, 7} <= set(w.findings.item)


def test_the_index_finds_what_exact_search_finds():
    rng = np.random.default_rng(1)
    old = rng.standard_normal((3000, 32)).astype(np.float32)
    old /= np.linalg.norm(old, axis=1, keepdims=True)
    new = rng.standard_normal((300, 32)).astype(np.float32)
    new[:100] = old[:100] + 0.03 * rng.standard_normal((100, 32)).astype(np.float32)  # near copies
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    exact = near_duplicate_pairs(None, new, None, old, min_cosine=0.97)
    index = near_duplicate_pairs(None, new, None, old, min_cosine=0.97, exact_limit=0)
    assert set(exact.method) == {"exact"} and set(index.method) == {"index"}
    assert sorted(exact.new) == list(range(100)) and (exact.match == exact.new + 300).all()
    found = set(zip(index.new, index.match))
    assert found <= set(zip(exact.new, exact.match)) and len(found) >= 95  # approximate: never invents a pair


def test_scan_agrees_with_the_checks_module(delivery):
    existing, new = delivery
    findings, dn, do = scan(Items(new[:9]), Items(existing), progress=False)
    ref = checks.near_duplicates(new[:9], existing)
    got = findings[findings.check == "near_duplicate"]
    assert sorted(got.item) == sorted(ref.item)
    ref_out = checks.outliers(checks.embed_images(new[:9]), checks.embed_images(existing))
    assert sorted(findings[findings.check == "outlier"].item) == sorted(ref_out[ref_out.outlier].item)


def test_unreadable_inputs_never_stop_the_run(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "junk.jpg").write_bytes(b"not an image at all")
    paths = [str(tmp_path / "gone.png"), str(tmp_path / "empty.png"), str(tmp_path / "junk.jpg")]
    w = hw.IngestionReview(paths, store=hw.AnnotationStore(":memory:"), progress=False)
    assert w.findings[["item", "check", "problem"]].values.tolist() == [
        [0, "file", "missing"], [1, "file", "empty"], [2, "file", "unreadable"]]
    assert w.accepted == [] and w.status == "pending"
    w.decide_group("file", "drop")
    assert w.status == "passed" and w.accepted == []
    with pytest.raises(ValueError, match="holds texts"):  # texts stay texts, and are refused: the checks are for images
        hw.IngestionReview(["a cat", "a dog"], progress=False)


def test_path_objects_are_files_whatever_their_suffix(tmp_path):
    """A delivery of Path objects is files even without image suffixes (as Items takes them): a missing
    one is a finding, not a reason to read the delivery as texts."""
    Image.fromarray(digit_images(1)[0]).save(tmp_path / "scan.dat", format="PNG")
    w = hw.IngestionReview([tmp_path / "scan.dat", tmp_path / "gone.dat"], store=hw.AnnotationStore(":memory:"), progress=False)
    assert not w.items.is_text
    assert w.findings[["item", "check", "problem"]].values.tolist() == [[1, "file", "missing"]]


def test_remote_items_are_read_like_files(tmp_path):
    """URL items are fetched and checked as files are (same hashes, sizes); a missing object is a
    'missing' finding naming its URL, a corrupt one 'unreadable'."""
    import io

    from hitl_widgets.ingestion import digest

    fsspec = pytest.importorskip("fsspec")
    fs, root = fsspec.filesystem("memory"), f"/ingest-{id(object())}"
    blobs = []
    for k, img in enumerate(digit_images(3)):
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG")
        blobs.append(buf.getvalue())
        fs.pipe(f"{root}/{k}.png", blobs[-1])
    fs.pipe(f"{root}/3.png", b"not an image")
    (tmp_path / "0.png").write_bytes(blobs[0])
    urls = [f"memory://{root}/{k}.png" for k in range(4)] + [f"memory://{root}/gone.png"]
    try:
        d = digest(Items(urls), progress=False, embeddings=np.eye(5))
        local = digest(Items([str(tmp_path / "0.png")]), progress=False, embeddings=np.eye(1))
        assert d.ok == [0, 1, 2] and d.sha[0] == local.sha[0]
        assert d.meta.drop(columns="item").iloc[0].tolist() == local.meta.drop(columns="item").iloc[0].tolist()
        assert d.errors[3][0] == "unreadable" and f"{root}/3.png" in d.errors[3][1]
        assert d.errors[4][0] == "missing" and f"memory://{root}/gone.png" in d.errors[4][1]
        w = hw.IngestionReview(Items(urls), store=hw.AnnotationStore(":memory:"), progress=False)
        assert w.findings[w.findings.check == "file"][["item", "problem"]].values.tolist() == [[3, "unreadable"], [4, "missing"]]
    finally:
        fs.rm(root, recursive=True)


def test_a_missing_file_beside_presigned_urls_is_a_finding(tmp_path):
    """A presigned URL's suffix is that of its path, so the delivery is one of images and a missing
    local file among them is a finding, not an error of the constructor."""
    import io

    fsspec = pytest.importorskip("fsspec")
    fs, root = fsspec.filesystem("memory"), f"/presigned-{id(object())}"
    buf = io.BytesIO()
    Image.fromarray(digit_images(1)[0]).save(buf, format="PNG")
    fs.pipe(f"{root}/x.png?X-Amz-Signature=1", buf.getvalue())
    try:
        new = [str(tmp_path / "scan_0001"), f"memory://{root}/x.png?X-Amz-Signature=1"]
        w = hw.IngestionReview(new, store=hw.AnnotationStore(":memory:"), progress=False)
        assert w.findings[w.findings.check == "file"][["item", "problem"]].values.tolist() == [[0, "missing"]]
    finally:
        fs.rm(root, recursive=True)


def test_an_item_with_several_identical_existing_copies_is_one_exact_duplicate_of_them_all():
    """The first existing copy was excluded from the near-duplicate search, the second was reported
    as a near duplicate too, with a difference-hash distance of 64 bits made up when hashes were off."""
    from hitl_widgets.ingestion import scan
    from hitl_widgets.items import Items

    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 255, (16, 16, 3), dtype=np.uint8) for _ in range(8)]
    existing = Items([imgs[0], imgs[0].copy(), *imgs[1:6]], ids=[f"e{i}" for i in range(7)])
    new = Items([imgs[0].copy(), imgs[7]], ids=["n0", "n1"])
    for max_hamming in (None, 2):
        found, _, _ = scan(new, existing, progress=False, max_hamming=max_hamming)
        n0 = found[found["item"] == "n0"]
        assert n0["check"].tolist() == ["exact_duplicate"]
        assert n0["evidence"].iloc[0] == [("existing", "e0"), ("existing", "e1")]
        assert not found["detail"].str.contains("64 bits").any()
