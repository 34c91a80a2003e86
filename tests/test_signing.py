"""Ed25519-signed certificates and audit logs: every change, and every forged or missing signature,
fails verification with a message that names it."""
from __future__ import annotations

import json
import os
import sqlite3
import stat

import numpy as np
import pytest
import sqlalchemy as sa

pytest.importorskip("cryptography", reason="the sign extra (installed by the test extra)")

from hitl_widgets import AnnotationStore, certify, verify  # noqa: E402
from hitl_widgets.certificates import Certificate, sign_log, verify_log  # noqa: E402
from hitl_widgets.signing import PublicKey, SigningKey, generate_key  # noqa: E402
from hitl_widgets.store import _entry_hash, _event_content, _sha, events_table  # noqa: E402


@pytest.fixture
def signed(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 255, (20, 6, 6), dtype=np.uint8)
    path = tmp_path / "signed.db"
    store = AnnotationStore(path, annotator="ada")
    for i in range(20):
        store.record("digits", i, {"label": int(i % 3)})
    labels = store.labels("digits")
    key = generate_key()
    cert = certify(images, labels, store=store, signing_key=key, signer="Ada Lovelace", progress=False)
    return images, labels, store, path, key, cert


def test_key_files_round_trip(tmp_path):
    key = generate_key(tmp_path / "reviewer.pem", password=b"pw")
    assert stat.S_IMODE(os.stat(tmp_path / "reviewer.pem").st_mode) == 0o600
    again = SigningKey.from_pem(tmp_path / "reviewer.pem", password=b"pw")
    assert again.public_key == key.public_key == PublicKey.from_pem(tmp_path / "reviewer.pem.pub")
    assert again.public_key.fingerprint != generate_key().public_key.fingerprint
    with pytest.raises(ValueError, match="cannot read the private key"):
        SigningKey.from_pem(tmp_path / "reviewer.pem", password=b"wrong")
    with pytest.raises(ValueError, match="not a PEM public key"):
        PublicKey.from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_signed_certificate_names_its_signer_and_verifies(signed, tmp_path):
    images, labels, store, _, key, cert = signed
    assert cert["signer"]["name"] == "Ada Lovelace" and cert["signer"]["fingerprint"] == key.public_key.fingerprint
    report = verify(cert, images, labels, store=store, public_key=key.public_key)
    assert report.ok and report.signed_by == "Ada Lovelace"
    # through JSON and a PEM file, as a reviewer gets them
    cert.to_json(tmp_path / "cert.json")
    key.public_key.to_pem(tmp_path / "ada.pub")
    assert verify(tmp_path / "cert.json", images, labels, public_key=str(tmp_path / "ada.pub")).ok
    assert "Ada Lovelace" in cert.to_html() and key.public_key.fingerprint in cert.to_html()


def test_changed_label_and_pixel_fail_a_signed_certificate(signed):
    images, labels, _, _, key, cert = signed
    relabelled = labels.copy()
    relabelled.loc[relabelled["item_id"] == 7, "label"] = 2
    report = verify(cert, images, relabelled, public_key=key.public_key)
    assert not report.ok and report.problems == ["label of item 7 changed"]
    pixel = images.copy()
    pixel[12, 0, 0] ^= 1
    report = verify(cert, pixel, labels, public_key=key.public_key)
    assert not report.ok and report.problems == ["item 12 changed"]


def test_another_key_or_no_signature_fails(signed):
    images, labels, _, _, key, cert = signed
    other = generate_key()
    report = verify(cert, images, labels, public_key=other.public_key)
    assert not report.ok and report.problems == [
        f"the certificate is signed by key {key.public_key.fingerprint[:16]}…, not by the given key {other.public_key.fingerprint[:16]}…"
    ]
    store = AnnotationStore(":memory:")
    unsigned = certify(images, labels, store=store, progress=False)
    assert verify(unsigned, images, labels).ok  # hash-chained only: fine without a key
    report = verify(unsigned, images, labels, public_key=key.public_key)
    assert report.problems == ["the certificate is not signed (a public key was given to check it)"]
    stripped = Certificate({k: v for k, v in cert.items() if k != "signature"})
    assert verify(stripped, images, labels).problems == ["the certificate names a signer but its signature is missing (removed)"]


def test_forged_signature_and_resealed_content_fail(signed):
    images, labels, _, _, key, cert = signed
    forged = Certificate(json.loads(cert.to_json()))
    sig = bytearray(forged["signature"].encode())
    sig[5] = ord("A") if sig[5] != ord("A") else ord("B")
    forged["signature"] = sig.decode()
    assert verify(forged, images, labels, public_key=key.public_key).problems == [
        "the signature does not match the certificate's content (the certificate or its signature was changed)"
    ]
    # someone edits the content and recomputes the certificate hash: only the signature catches it
    resealed = Certificate(json.loads(cert.to_json()))
    resealed["note"] = "approved without review"
    resealed["certificate_hash"] = _sha(json.dumps(resealed.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    problems = verify(resealed, images, labels, public_key=key.public_key).problems
    assert problems == ["the signature does not match the certificate's content (the certificate or its signature was changed)"]
    # the signer swapped for another key: the given public key says so
    mallory = generate_key()
    swapped = Certificate(json.loads(cert.to_json()))
    swapped["signer"] = dict(swapped["signer"], public_key=mallory.public_key.to_base64(), fingerprint=mallory.public_key.fingerprint)
    swapped["signature"] = mallory.sign(json.dumps(swapped.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    assert any("not by the given key" in p for p in verify(swapped, images, labels, public_key=key.public_key).problems)


def test_certify_refuses_a_signer_without_a_key_or_a_wrong_key(signed):
    images, labels, *_ = signed
    with pytest.raises(ValueError, match="needs signing_key"):
        certify(images, labels, store=AnnotationStore(":memory:"), signer="ada", progress=False)
    with pytest.raises(ValueError, match="SigningKey"):
        certify(images, labels, store=AnnotationStore(":memory:"), signing_key=b"secret", progress=False)


def _rewrite_chain(store, path, event_id: int, payload: dict) -> None:
    """What an attacker with write access does: change an event, then recompute every hash after it
    and the head record (hitl_meta.audit_log_head) that names the last one."""
    sql(path, "UPDATE hitl_events SET payload = ? WHERE event_id = ?", json.dumps(payload), event_id)
    with store.connect() as conn:  # the rows as the store reads them (its timestamps, its types)
        events = {r.event_id: r for r in conn.execute(sa.select(events_table))}
    prev = "0" * 64
    for entry in store.log_entries():
        content = entry["content_hash"]
        if entry["entry_kind"] == "event":
            content = _sha(_event_content(events[int(entry["ref"])]))
        new = _entry_hash(prev, entry["entry_kind"], entry["ref"], content, entry["created_at"])
        sql(path, "UPDATE hitl_audit_log SET content_hash = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
            content, prev, new, entry["seq"])
        prev = new
    head = json.dumps({"entry_hash": prev, "seq": store.log_entries()[-1]["seq"]}, sort_keys=True)
    sql(path, "UPDATE hitl_meta SET value = ? WHERE key = 'audit_log_head'", head)


def sql(path, statement, *args):
    with sqlite3.connect(path) as conn:
        conn.execute(statement, args)


def test_signed_log_catches_a_rewritten_chain(signed):
    _, _, store, path, key, _ = signed
    head = sign_log(store, key, signer="Ada Lovelace")
    report = verify_log(store, public_key=key.public_key)
    assert report.ok and report.signed_through == head["seq"]
    _rewrite_chain(store, path, 5, {"label": 2})
    assert store.verify_log().ok  # the hash chain alone no longer sees it
    report = verify_log(store, public_key=key.public_key)
    assert not report.ok
    assert report.problems == [
        f"signature in log entry {head['seq'] + 1}: log entry {head['seq']}, signed by 'Ada Lovelace', changed after it was signed (the log was rewritten)"
    ]


def test_signed_log_entry_edits_and_missing_signatures(signed):
    _, _, store, path, key, _ = signed
    with pytest.raises(ValueError, match="SigningKey"):
        sign_log(store, "not a key")
    assert verify_log(store, public_key=key.public_key).problems == [
        f"the audit log has no signature by key {key.public_key.fingerprint[:16]}…"
    ]
    sign_log(store, key)
    store.record("digits", 0, {"label": 1})  # recorded after the signature: unsealed, not a problem
    report = verify_log(store, public_key=key.public_key)
    assert report.ok and report.unsealed_events == 1
    with sqlite3.connect(path) as conn:
        seq, body = conn.execute("SELECT seq, body FROM hitl_audit_log WHERE entry_kind = 'signature'").fetchone()
        content = json.loads(body)
        content["signer"] = "Eve"
        conn.execute("UPDATE hitl_audit_log SET body = ? WHERE seq = ?", (json.dumps(content), seq))
    problems = verify_log(store, public_key=key.public_key).problems
    assert f"signature head {content['seq']} (log entry {seq}) was changed" in problems
    with pytest.raises(ValueError, match="empty"):
        sign_log(AnnotationStore(":memory:"), generate_key())


def test_a_tampered_signature_value_is_named(signed):
    _, _, store, path, key, _ = signed
    sign_log(store, key)
    with sqlite3.connect(path) as conn:
        seq, body = conn.execute("SELECT seq, body FROM hitl_audit_log WHERE entry_kind = 'signature'").fetchone()
        content = json.loads(body)
        content["seq"] = content["seq"] - 1  # point the signature at another entry
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        conn.execute("UPDATE hitl_audit_log SET body = ?, content_hash = ? WHERE seq = ?", (text, _sha(text), seq))
    _rewrite_chain(store, path, 1, {"label": 1})  # the same label: only the chain's hashes are recomputed
    problems = verify_log(store, public_key=key.public_key).problems
    assert problems == [f"signature in log entry {seq}: the signature does not verify (the signature or what it names was edited)"]


def test_a_cut_past_the_newest_signature(signed):
    """A cut of the log's end is reported against the head record; with the head record rewritten
    too, an older signature still verifies: what is left to see is a smaller signed_through than
    the seq sign_log returned (as verify_log's docstring says)."""
    _, _, store, path, key, _ = signed
    first = sign_log(store, key)
    store.record("digits", 0, {"label": 2})
    newest = sign_log(store, key)
    assert verify_log(store, public_key=key.public_key).signed_through == newest["seq"]
    sql(path, "DELETE FROM hitl_audit_log WHERE seq > ?", first["seq"] + 1)  # the second seal and signature
    report = verify_log(store, public_key=key.public_key)
    assert not report.ok
    assert report.problems == [
        f"the audit log ends at entry {first['seq'] + 1}, but entry {newest['seq'] + 1} was written: entries were cut from its end"
    ]
    last = store.log_entries()[-1]
    sql(path, "UPDATE hitl_meta SET value = ? WHERE key = 'audit_log_head'",
        json.dumps({"entry_hash": last["entry_hash"], "seq": last["seq"]}))
    report = verify_log(store, public_key=key.public_key)
    assert report.ok and report.signed_through == first["seq"] < newest["seq"]
