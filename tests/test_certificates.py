"""Dataset certificates and the hash-chained audit log: every kind of tampering is caught."""
from __future__ import annotations

import json
import re
import sqlite3

import numpy as np
import pandas as pd
import pytest

from hitl_widgets import AnnotationStore, QualityGate, certify, verify
from hitl_widgets.certificates import Certificate, seal_log, verify_log
from hitl_widgets.gates import GateNotPassed
from store_backends import backend  # noqa: F401  (fixture: every backend)


@pytest.fixture
def setup(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (60, 8, 8), dtype=np.uint8)
    path = tmp_path / "cert.db"
    store = AnnotationStore(path, annotator="ada")
    for i in range(60):
        store.record("digits", i, {"label": int(i % 10)})
    store.record("digits", 3, {"label": 3}, annotator="bo")
    store.record("digits", 4, {"label": 9}, annotator="bo")
    labels = store.labels("digits", annotator="ada")
    gate = QualityGate(images, name="batch", sample=30, plan=(30, 1), store=store)
    for i in gate.order:
        gate.decide(i, "accept")
    cert = certify(images, labels, store=store, gates=[gate], task="digits", name="digits v1",
                   metrics={"accuracy": 0.93})
    return images, labels, store, path, cert


def sql(path, statement, *args):
    with sqlite3.connect(path) as conn:
        conn.execute(statement, args)


def test_certificate_content(setup):
    images, labels, store, _, cert = setup
    assert cert["n_items"] == 60 and len(cert["item_hashes"]) == 60
    assert cert["approver"] == "ada" and cert["name"] == "digits v1"
    assert cert["gates"][0]["status"] == "passed" and cert["gates"][0]["reviewed"] == 30
    assert cert["agreement"] == {
        "task": "digits", "labelled_items": 60, "annotators": 2, "items_with_2_or_more_labels": 2, "unanimous_share": 0.5,
    }
    assert cert["errors"] == {"accuracy": 0.93}
    assert len(cert["content_hash"]) == 64 and cert["log"]["seq"] > 60
    report = verify(cert, images, labels, store=store)
    assert report.ok and report.problems == []
    assert verify_log(store).ok


def test_hash_is_canonical_in_item_order(setup):
    images, labels, store, _, cert = setup
    shuffled = labels.sample(frac=1, random_state=1)  # another row order, the same labels
    as_dict = dict(zip(labels["item_id"], labels["label"]))
    assert verify(cert, images, shuffled).ok
    assert verify(cert, images, as_dict).ok
    assert verify(cert, images, pd.Series(as_dict)).ok
    again = certify(images, shuffled, store=store)
    assert again["content_hash"] == cert["content_hash"]


def test_changed_item_is_caught(setup):
    images, labels, _, _, cert = setup
    tampered = images.copy()
    tampered[17, 3, 3] ^= 1  # one bit of one pixel
    report = verify(cert, tampered, labels)
    assert not report.ok and report.changed_items == [17] and report.problems == ["item 17 changed"]


def test_changed_label_is_caught(setup):
    images, labels, _, _, cert = setup
    tampered = labels.copy()
    tampered.loc[tampered["item_id"] == 42, "label"] = 7
    report = verify(cert, images, tampered)
    assert not report.ok and report.changed_labels == [42] and report.changed_items == []


def test_missing_and_added_items_are_caught(setup):
    images, labels, _, _, cert = setup
    fewer = verify(cert, images[:59], labels[labels["item_id"] < 59])
    assert not fewer.ok and fewer.missing_items == [59]
    more = np.concatenate([images, images[:1]])
    added = verify(cert, more, list(labels["label"]) + [0])
    assert not added.ok and added.extra_items == [60]


def test_edited_certificate_json_is_caught(setup, tmp_path):
    images, labels, store, _, cert = setup
    path = tmp_path / "cert.json"
    cert.to_json(path)
    assert verify(path, images, labels, store=store).ok  # a round trip through JSON verifies
    data = json.loads(path.read_text())
    data["gates"][0]["status"] = "passed!"  # any edit of the certified content
    path.write_text(json.dumps(data))
    report = verify(path, images, labels)
    assert not report.ok and "certificate itself was edited" in report.problems[0]
    forged = dict(data)
    forged["label_hashes"] = dict(data["label_hashes"])
    forged["label_hashes"]["5"] = "0" * 64
    assert not verify(forged, images, labels).ok


def test_tampered_label_event_in_sqlite_is_caught(setup):
    *_, store, path, _ = setup
    sql(path, "UPDATE hitl_events SET payload = ? WHERE event_id = ?", json.dumps({"label": 8}), 10)
    report = verify_log(store)
    assert not report.ok and report.problems == ["event 10 was changed"]


def test_store_verify_log_is_the_same_check(setup):
    *_, store, path, _ = setup
    assert store.verify_log().ok
    sql(path, "UPDATE hitl_events SET annotator = ? WHERE event_id = ?", "mallory", 3)
    report = store.verify_log()
    assert not report.ok and report.problems == ["event 3 was changed"]


def test_deleted_event_is_caught(setup):
    *_, store, path, _ = setup
    sql(path, "DELETE FROM hitl_events WHERE event_id = ?", 25)
    report = verify_log(store)
    assert not report.ok and report.problems == ["event 25 was deleted"]


def test_edited_certificate_log_entry_is_caught(setup):
    images, labels, store, path, cert = setup
    with sqlite3.connect(path) as conn:
        body = conn.execute("SELECT body FROM hitl_audit_log WHERE entry_kind = 'certificate'").fetchone()[0]
        conn.execute("UPDATE hitl_audit_log SET body = ? WHERE entry_kind = 'certificate'", (body.replace("ada", "eve"),))
    report = verify_log(store)
    assert not report.ok and report.problems == [f"certificate {cert['id']} (log entry {cert['log']['seq']}) was changed"]
    assert not verify(cert, images, labels, store=store).ok


def test_rewritten_chain_and_deleted_log_entries_are_caught(setup):
    *_, store, path, cert = setup
    sql(path, "UPDATE hitl_audit_log SET entry_hash = ? WHERE seq = 5", "f" * 64)
    problems = verify_log(store).problems
    assert "audit log entry 5: entry hash does not match its content (edited)" in problems
    assert "audit log entry 6: chain broken (previous hash does not match)" in problems


def test_deleted_log_entry_is_caught(setup):
    *_, store, path, _ = setup
    sql(path, "DELETE FROM hitl_audit_log WHERE seq = 7")
    problems = verify_log(store).problems
    assert any("entries were deleted" in p for p in problems)
    assert any("event 7 was inserted after the log was sealed" in p for p in problems)


def test_forged_event_with_a_reused_id_is_caught(setup):
    *_, store, path, _ = setup
    sql(path, "DELETE FROM hitl_events WHERE event_id = 30")
    sql(
        path,
        "INSERT INTO hitl_events (event_id, task, item_id, annotator, kind, payload, created_at) VALUES (30, 'digits', '29', 'ada', 'label', ?, '2026-01-01 00:00:00')",
        json.dumps({"label": 1}),
    )
    assert verify_log(store).problems == ["event 30 was changed"]


def test_new_events_are_unsealed_not_tampering(setup):
    *_, store, _, _ = setup
    store.record("digits", 1, {"label": 5})
    report = verify_log(store)
    assert report.ok and report.unsealed_events == 1
    assert seal_log(store) == 1
    assert verify_log(store).unsealed_events == 0


def test_a_failed_gate_blocks_certification(tmp_path):
    images = np.zeros((40, 4, 4, 1), np.uint8)
    store = AnnotationStore(tmp_path / "g.db")
    gate = QualityGate(images, name="bad", sample=20, plan=(20, 0), store=store)
    gate.decide(gate.order[0], "reject", gate.reasons[0])
    with pytest.raises(GateNotPassed, match="failed"):
        certify(images, [0] * 40, store=store, gates=[gate])
    cert = certify(images, [0] * 40, store=store, gates=[gate], require_gates=False)
    assert cert["gates"][0]["status"] == "failed"


def test_html_report_escapes_everything(setup):
    images, labels, store, _, _ = setup
    cert = certify(images, labels, store=store, name="<script>alert(1)</script>", note="a & b")
    page = cert.to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page
    assert cert["content_hash"] in page
    assert Certificate.from_json(cert.to_json())["content_hash"] == cert["content_hash"]
    with pytest.raises(ValueError, match="not a hitl-widgets certificate"):
        Certificate.from_json('{"format": "other"}')


def test_labels_must_be_one_per_item(setup):
    images, _, store, _, _ = setup
    with pytest.raises(ValueError, match="several labels"):
        certify(images, store.labels("digits"), store=store)  # two annotators on items 3 and 4
    with pytest.raises(ValueError, match="labels has 3 entries"):
        certify(images, [1, 2, 3], store=store)


def test_nan_inside_a_label_is_refused_naming_the_item():
    """It was json's bare "Out of range float values are not JSON compliant", no item named."""
    labels = {0: "a", 1: [1.0, float("nan")]}
    with pytest.raises(ValueError, match=r"^item 1: its label \[1.0, nan\] cannot be certified .*None certifies"):
        certify(np.zeros((2, 2, 2), np.uint8), labels, store=AnnotationStore(":memory:"), progress=False)


# ---------------------------------------------------------------------------- #15: a partial label set
def test_certify_refuses_labels_that_miss_items(tmp_path):
    images = np.zeros((6, 2, 2), np.uint8)
    store = AnnotationStore(tmp_path / "p.db", annotator="ada")
    partial = {0: "a", 1: "b", 3: "c", 5: "d"}
    with pytest.raises(ValueError, match=r"no label for 2 of 6 items: 2, 4\. .*None for an item certified as unlabelled"):
        certify(images, partial, store=store)
    with pytest.raises(ValueError, match=r"no label for 2 of 6 items: 2, 4"):
        certify(images, pd.Series(partial), store=store)
    for i in range(6):
        if i not in (2, 4):
            store.record("t", i, {"label": i})
    with pytest.raises(ValueError, match=r"no label for 2 of 6 items: 2, 4"):  # store.labels of a half-done task
        certify(images, store.labels("t"), store=store)
    assert store.verify_log().entries == 0  # nothing was logged
    many = np.zeros((30, 2, 2), np.uint8)
    with pytest.raises(ValueError, match=r"no label for 29 of 30 items: 1, 2, .*, 10, … \(19 more\)"):
        certify(many, {0: "a"}, store=store)
    cert = certify(images, {**partial, 2: None, 4: None}, store=store)  # an explicit None is a choice
    assert verify(cert, images, {**partial, 2: None, 4: None}).ok


def test_concurrent_log_appends_keep_one_chain(backend):
    """Three writers append certificates and seal while a fourth records events: one unbroken
    chain, every event sealed once, no writer sees an error (the log's write lock, not retries)."""
    import threading

    AnnotationStore(backend).engine.dispose()  # created once, before the race
    barrier, errors, entries = threading.Barrier(4), [], []

    def certifier(k: int) -> None:
        try:
            store = AnnotationStore(backend, annotator=f"c{k}")
            barrier.wait(30)
            for n in range(8):
                entries.append(store.append_log("certificate", f"c{k}-{n}", json.dumps({"k": k, "n": n})))
                store.seal_log()
            store.engine.dispose()
        except Exception as exc:  # collected: an exception in a thread would otherwise vanish
            errors.append(repr(exc))

    def recorder() -> None:
        try:
            store = AnnotationStore(backend, annotator="ada")
            barrier.wait(30)
            for i in range(30):
                store.record("t", i, {"label": i % 3})
            store.engine.dispose()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=certifier, args=(k,)) for k in range(3)] + [threading.Thread(target=recorder)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    store = AnnotationStore(backend)
    store.seal_log()
    report = store.verify_log()
    assert report.ok, report.problems
    assert report.sealed_events == 30 and report.unsealed_events == 0 and report.entries == 30 + 24
    assert sorted(e["seq"] for e in entries) == sorted({e["seq"] for e in entries})  # no seq handed out twice


def _png(value: int) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((6, 6, 3), value, dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def test_remote_items_are_hashed_by_their_bytes(tmp_path):
    """A URL item is hashed by its object's bytes (read again, not from the cache), as a file is: a
    changed object is caught, a deleted one named."""
    fsspec = pytest.importorskip("fsspec")
    from hitl_widgets import Items
    from hitl_widgets.certificates import item_hash

    fs, root = fsspec.filesystem("memory"), f"/cert-{id(object())}"
    for i in range(3):
        fs.pipe(f"{root}/{i}.png", _png(40 * i))
    try:
        items = Items(f"memory://{root}/*.png")
        store = AnnotationStore(":memory:")
        cert = certify(items, ["a", "b", "c"], store=store, progress=False)
        assert verify(cert, items, ["a", "b", "c"]).ok
        (tmp_path / "0.png").write_bytes(_png(0))
        assert cert["item_hashes"]["0"] == item_hash(Items([str(tmp_path / "0.png")]), 0)  # as a file of those bytes
        fs.pipe(f"{root}/1.png", _png(255))
        report = verify(cert, items, ["a", "b", "c"])
        assert not report.ok and report.changed_items == [1] and report.problems == ["item 1 changed"]
        fs.rm(f"{root}/2.png")
        report = verify(cert, items, ["a", "b", "c"])
        assert not report.ok and report.unreadable_items == [2] and report.missing_items == []
        assert re.fullmatch(r"item 2: no object at memory://.*/2\.png.*", report.problems[-1])
    finally:
        fs.rm(root, recursive=True)


def test_a_deleted_image_file_is_named_not_hashed_as_text(tmp_path):
    from hitl_widgets import Items

    paths = []
    for i in range(2):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(_png(i))
    items = Items([str(p) for p in paths], ids=["x", "y"])
    paths[1].unlink()
    with pytest.raises(ValueError, match=r"item 'y' \(position 1\): cannot read image file .*1\.png \(missing or deleted\)"):
        certify(items, ["a", "b"], store=AnnotationStore(":memory:"), progress=False)


def test_verify_lists_every_deleted_file_rather_than_raising_at_the_first(tmp_path):
    from hitl_widgets import Items

    paths = []
    for i in range(4):
        paths.append(tmp_path / f"{i}.png")
        paths[-1].write_bytes(_png(i))
    items = Items([str(p) for p in paths], ids=["w", "x", "y", "z"])
    cert = certify(items, ["a", "b", "c", "d"], store=AnnotationStore(":memory:"), progress=False)
    fewer = Items([str(p) for p in paths[:2]], ids=["w", "x"])
    paths[1].unlink()
    paths[3].unlink()
    report = verify(cert, items, ["a", "b", "c", "e"])
    assert not report.ok and report.unreadable_items == ["x", "z"] and report.changed_labels == ["z"]
    assert report.missing_items == [] and report.changed_items == []
    assert [p.split(":")[0] for p in report.problems] == ["label of item 'z' changed", "item 'x' (position 1)", "item 'z' (position 3)"]
    assert all("missing or deleted" in p for p in report.problems[1:])
    # an unreadable item the certificate lacks is an added one
    extra = verify(certify(Items([str(paths[0])], ids=["w"]), ["a"], store=AnnotationStore(":memory:"), progress=False), fewer, ["a", "b"])
    assert extra.extra_items == ["x"] and extra.unreadable_items == []


def test_text_items_are_hashed_as_before():
    """Texts (even one that names a file or URL) hash as "text|..."; certificates of texts made before still verify."""
    import hashlib

    from hitl_widgets import Items
    from hitl_widgets.certificates import item_hash

    texts = Items(["a cat", "memory://not/fetched.png?"], kind="text")
    assert [item_hash(texts, i) for i in texts.ids] == [hashlib.sha256(f"text|{t}".encode()).hexdigest()
                                                       for t in ("a cat", "memory://not/fetched.png?")]


def test_recordings_are_hashed_by_their_samples_and_files_by_their_bytes(tmp_path):
    """A (samples, rate) recording is hashed by every sample (repr elides the middle of a long array),
    an audio file by its bytes (not its path)."""
    import wave

    from hitl_widgets import Items
    from hitl_widgets.certificates import item_hash

    samples = np.zeros(50_000, dtype=np.float32)
    changed = samples.copy()
    changed[25_000] = 0.5  # in the part repr leaves out
    assert item_hash(Items([(samples, 16_000)], kind="audio"), 0) != item_hash(Items([(changed, 16_000)], kind="audio"), 0)
    assert item_hash(Items([(samples, 16_000)], kind="audio"), 0) != item_hash(Items([(samples, 8_000)], kind="audio"), 0)

    def write(path, value):
        with wave.open(str(path), "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(8_000)
            f.writeframes(np.full(800, value, dtype=np.int16).tobytes())

    write(tmp_path / "a.wav", 0)
    items = Items([str(tmp_path / "a.wav")])
    assert items.kind(0) == "audio"
    before = item_hash(items, 0)
    write(tmp_path / "a.wav", 1000)
    assert item_hash(Items([str(tmp_path / "a.wav")]), 0) != before
    (tmp_path / "a.wav").unlink()
    with pytest.raises(ValueError, match=r"item 0 \(position 0\): cannot read audio file .*a\.wav \(missing or deleted\)"):
        item_hash(items, 0)


# ---------------------------------------------------------------------------- one label per item
@pytest.mark.parametrize("labels", [
    pd.Series(["cat", "dog", "cat"], index=[0, 1, 1]),
    pd.Series(["cat", "dog", "cat"], index=pd.Index([0, 1, np.int64(1)], dtype=object)),
    pd.DataFrame({"item_id": pd.Series([0, 1, np.int64(1)], dtype=object), "label": ["cat", "dog", "cat"]}),
])
def test_labels_repeating_an_item_id_are_refused_not_collapsed(labels):
    """A Series whose index repeats an item id (or a DataFrame whose ids repeat once made plain):
    keeping the last label would certify one label while another was given for the same item."""
    store, images = AnnotationStore(":memory:"), np.zeros((2, 4, 4, 1), np.uint8)
    with pytest.raises(ValueError, match=r"item 1 has several labels"):
        certify(images, labels, store=store, progress=False)
    assert store.log_entries() == []  # nothing logged
    cert = certify(images, {0: "cat", 1: "cat"}, store=store, progress=False)
    with pytest.raises(ValueError, match=r"item 1 has several labels"):
        verify(cert, images, labels)


# ---------------------------------------------------------------------------- the gate row's numbers
class _Gate:
    """A gate's report as QualityGate gives it: 2000 of 2001 accepted."""

    def __init__(self, accepted: int, rejected: int, low: float, high: float):
        n = accepted + rejected
        self.report = {"name": "big", "status": "passed", "n": n, "c": 12, "threshold": 0.99, "risk": 0.0004,
                       "reviewed": n, "accepted": accepted, "rejected": rejected, "acceptance_rate": accepted / n,
                       "ci_low": low, "ci_high": high, "reasons": {}}

    def require(self) -> None:
        pass


def test_the_gate_row_never_shows_a_rate_below_1_as_100_percent():
    gate = _Gate(2000, 1, 0.99721, 0.999987)
    cert = certify(np.zeros((2, 4, 4, 1), np.uint8), [0, 1], store=AnnotationStore(":memory:"), gates=[gate], progress=False)
    row = re.search(r"<td>big</td>.*?</tr>", cert.html_body()).group(0)
    assert "99.95% (99.7%–99.999%)" in row and "100.0%" not in row  # was "100.0% (99.7%–100.0%)"
    every = _Gate(2001, 0, 0.99817, 1.0)  # all accepted: 100.0% is the truth
    cert = certify(np.zeros((2, 4, 4, 1), np.uint8), [0, 1], store=AnnotationStore(":memory:"), gates=[every], progress=False)
    assert "100.0% (99.8%–100.0%)" in cert.html_body()


def test_a_label_json_cannot_hold_is_refused_naming_the_item():
    """A bytes label raised a bare TypeError, naming nothing."""
    images = np.zeros((3, 4, 5), np.uint8)
    with pytest.raises(ValueError, match=r"item 1: its label b'a' cannot be certified .*a label is JSON"):
        certify(images, ["x", b"a", "y"], store=AnnotationStore(":memory:"), name="v1")
