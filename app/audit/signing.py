"""The audit trail's cryptography: canonical JSON, salted digests and keyed MACs.

Three layers, each computed from stored columns only, so verification needs the key
and the rows and nothing else:

- `personal_digest` = SHA-256(salt, personal): binds the personal part without
  exposing it; once `personal` and `salt` are gone the digest is opaque.
- `mac` = HMAC(key, content): written by record() at insert, so an entry that did not
  come from the application (no key) never verifies, sealed or not.
- `hash` = HMAC(key, seq, prev_hash, mac): written by the sealer, links the entries.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

from flask import current_app

GENESIS = "0" * 64
FORMAT = 2  # version 1 was the plain SHA-256 chain


def canonical(value) -> bytes:
    """Serialise to the one JSON text that is hashed (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def plain(value):
    """Return what a JSON column hands back for `value`, so the stored and hashed forms match."""
    return json.loads(canonical(value))


def audit_key() -> bytes:
    key = current_app.config.get("AUDIT_KEY")
    if not key:
        raise RuntimeError("AUDIT_KEY is not set; the audit trail cannot be written or verified")
    return key.encode()


def _mac(key: bytes, payload: dict) -> str:
    return hmac.new(key, canonical(payload), hashlib.sha256).hexdigest()


def personal_digest(salt: str, personal: dict) -> str:
    """Digest of the personal part; the random salt keeps it from confirming guesses."""
    return hashlib.sha256(salt.encode() + b"\x00" + canonical(personal)).hexdigest()


def content_mac(key: bytes, *, created_at: datetime, actor_id: int | None, action: str,
                target_type: str | None, target_id: str | None, details: dict,
                personal_digest: str | None, nonce: str) -> str:
    """MAC over everything an entry says, personal data included through its digest."""
    return _mac(key, {
        "format": FORMAT,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "actor_id": actor_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details,
        "personal_digest": personal_digest,
        "nonce": nonce,
    })


def link_hash(key: bytes, seq: int, prev_hash: str, mac: str) -> str:
    """The chain link: an entry's place, its predecessor and its content MAC."""
    return _mac(key, {"seq": seq, "prev_hash": prev_hash, "mac": mac})


def checkpoint_signature(key: bytes, fields: dict) -> str:
    return _mac(key, {"checkpoint": fields})


def equal(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)
