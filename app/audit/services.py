"""Write and verify the audit chain."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import has_request_context, request
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from app import clock
from app.audit.models import AuditEntry
from app.extensions import db

GENESIS = "0" * 64


def entry_digest(entry: AuditEntry) -> str:
    """Return the SHA-256 over an entry's content and its predecessor's hash."""
    payload = {
        "created_at": entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details or {},
        "ip_address": entry.ip_address,
        "prev_hash": entry.prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _lock_chain() -> None:
    # Two transactions appending at once would fork the chain; PostgreSQL
    # serialises them with a transaction-scoped advisory lock. SQLite allows
    # one writer at a time already.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(7301)"))


def record(action: str, *, actor=None, target=None, target_type: str | None = None,
           target_id: str | int | None = None, actor_label: str | None = None,
           **details) -> AuditEntry:
    """Append an audit entry for an action; the caller's transaction commits it."""
    _lock_chain()
    last = db.session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar()
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target.id
    entry = AuditEntry(
        created_at=clock.now(),
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or getattr(actor, "email", None) or "system",
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details,
        ip_address=request.remote_addr if has_request_context() else None,
        prev_hash=last or GENESIS,
    )
    entry.hash = entry_digest(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain() -> ChainReport:
    """Walk the chain in order; report the first entry that does not fit."""
    expected_prev = GENESIS
    checked = 0
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for entry in rows:
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.id, "its link to the previous entry is broken "
                               "(an entry before it was removed or altered)")
        if entry_digest(entry) != entry.hash:
            return ChainReport(checked, entry.id, "its content does not match its hash")
        expected_prev = entry.hash
        checked += 1
    return ChainReport(checked)


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    """Keep the log append-only: no ORM update or delete of an entry."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit entries are append-only")
