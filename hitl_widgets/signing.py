"""Ed25519 keys and signatures for certificates and the audit log (the optional extra ``sign``).

An unsigned certificate or log is only hash-chained: it shows that something changed, but whoever
can write the store can also recompute every hash. A signature made with a private key that never
enters the store ties the content to its signer: ``certify(..., signing_key=key)`` signs the
certificate and names the signer in it, ``sign_log(store, key)`` signs the audit log's head, and
``verify(cert, ..., public_key=...)`` / ``verify_log(store, public_key=...)`` (in
``hitl_widgets.certificates``) check them against the public key the reviewer was given.

The cryptography comes from ``cryptography`` (``pip install "hitl-widgets[sign]"``), imported
only when a key is made or a signature checked.

Example:
    >>> key = generate_key()
    >>> signature = key.sign(b"dataset v3")
    >>> key.public_key.verify(b"dataset v3", signature), key.public_key.verify(b"dataset v4", signature)
    (True, False)
    >>> PublicKey.from_pem(key.public_key.to_pem()) == key.public_key
    True
"""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

__all__ = ["SigningKey", "PublicKey", "generate_key", "ALGORITHM"]

ALGORITHM = "Ed25519"


def _ed25519() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError('signing needs the "cryptography" package: pip install "hitl-widgets[sign]"') from exc
    return ed25519


def _serialization() -> Any:
    from cryptography.hazmat.primitives import serialization

    return serialization


def _pem_bytes(source: str | bytes | os.PathLike) -> bytes:
    """PEM text given directly, or read from a file path."""
    if isinstance(source, bytes):
        return source
    text = os.fspath(source)
    if "-----BEGIN" in text:
        return text.encode("ascii")
    return Path(text).read_bytes()


class PublicKey:
    """An Ed25519 public key: what a reviewer keeps to check signatures.

    ``fingerprint`` is the SHA-256 of the raw 32-byte key (hex); ``to_base64()`` the raw key, as
    certificates carry it.
    """

    def __init__(self, key: Any):
        if not isinstance(key, _ed25519().Ed25519PublicKey):
            raise ValueError(f"not an Ed25519 public key: {type(key).__name__}")
        self._key = key
        self.raw = key.public_bytes(_serialization().Encoding.Raw, _serialization().PublicFormat.Raw)
        self.fingerprint = hashlib.sha256(self.raw).hexdigest()

    @classmethod
    def from_pem(cls, source: str | bytes | os.PathLike) -> PublicKey:
        """From PEM text or bytes, or a ``.pem`` file path."""
        try:
            key = _serialization().load_pem_public_key(_pem_bytes(source))
        except ValueError as exc:
            raise ValueError(f"not a PEM public key: {exc}") from None
        return cls(key)

    @classmethod
    def from_base64(cls, text: str) -> PublicKey:
        """From the raw key in base64 (as in a certificate's ``signer``)."""
        try:
            raw = base64.b64decode(text, validate=True)
            return cls(_ed25519().Ed25519PublicKey.from_public_bytes(raw))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a base64 Ed25519 public key ({exc})") from None

    def to_base64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    def to_pem(self, path: str | os.PathLike | None = None) -> bytes:
        """PEM bytes (SubjectPublicKeyInfo); written to ``path`` when given."""
        s = _serialization()
        pem = self._key.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo)
        if path is not None:
            Path(path).write_bytes(pem)
        return pem

    def verify(self, data: bytes, signature: str) -> bool:
        """True when ``signature`` (base64) was made over ``data`` by this key's private key."""
        from cryptography.exceptions import InvalidSignature

        try:
            self._key.verify(base64.b64decode(signature, validate=True), data)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"PublicKey(fingerprint={self.fingerprint[:16]}…)"


class SigningKey:
    """An Ed25519 private key: signs certificates and the audit log. Keep it out of the store.

    Example:
        >>> key = generate_key()
        >>> again = SigningKey.from_pem(key.to_pem(password=b"s3cret"), password=b"s3cret")
        >>> again.public_key == key.public_key
        True
    """

    def __init__(self, key: Any):
        if not isinstance(key, _ed25519().Ed25519PrivateKey):
            raise ValueError(f"not an Ed25519 private key: {type(key).__name__}")
        self._key = key
        self.public_key = PublicKey(key.public_key())

    @classmethod
    def from_pem(cls, source: str | bytes | os.PathLike, password: bytes | None = None) -> SigningKey:
        """From PEM (PKCS#8) text or bytes, or a file path; ``password`` if it was saved with one."""
        try:
            key = _serialization().load_pem_private_key(_pem_bytes(source), password=password)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"cannot read the private key: {exc}") from None
        return cls(key)

    def to_pem(self, path: str | os.PathLike | None = None, password: bytes | None = None) -> bytes:
        """PEM bytes (PKCS#8, encrypted with ``password`` when given); written to ``path`` (mode 600)."""
        s = _serialization()
        encryption = s.BestAvailableEncryption(password) if password else s.NoEncryption()
        pem = self._key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, encryption)
        if path is not None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        return pem

    def sign(self, data: bytes) -> str:
        """The signature of ``data``, base64."""
        return base64.b64encode(self._key.sign(data)).decode("ascii")

    def __repr__(self) -> str:
        return f"SigningKey(public fingerprint={self.public_key.fingerprint[:16]}…)"


def generate_key(path: str | os.PathLike | None = None, password: bytes | None = None) -> SigningKey:
    """A new Ed25519 key. With ``path``, the private key goes to ``path`` (mode 600, encrypted with
    ``password`` when given) and the public key to ``path`` + ``.pub``.

    Example:
        >>> generate_key().public_key.fingerprint.__len__()
        64
    """
    key = SigningKey(_ed25519().Ed25519PrivateKey.generate())
    if path is not None:
        key.to_pem(path, password=password)
        key.public_key.to_pem(f"{os.fspath(path)}.pub")
    return key


def as_public_key(value: Any) -> PublicKey:
    """A ``PublicKey`` from a ``PublicKey``, a ``SigningKey`` (its public half), PEM or a PEM path."""
    if isinstance(value, PublicKey):
        return value
    if isinstance(value, SigningKey):
        return value.public_key
    if isinstance(value, (str, bytes, os.PathLike)):
        return PublicKey.from_pem(value)
    raise ValueError(f"public_key must be a PublicKey, a SigningKey, PEM text or a .pem path, not {type(value).__name__}")
