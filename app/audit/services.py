"""Write, verify and redact the audit trail.

record() only inserts: no lock, no read of the chain, so any number of requests write at
once. The sealer (app/audit/sealing.py) links committed entries into the chain later.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app import clock
from app.audit.checkpoints import BadCheckpoint, Checkpoint, read_checkpoints
from app.audit.models import AuditEntry
from app.audit.signing import (
    GENESIS,
    audit_key,
    content_mac,
    equal,
    link_hash,
    personal_digest,
    plain,
)
from app.extensions import db

# Details under these names describe people (names, emails, addresses, free text), so
# they go to the removable personal part even when a caller passes them as details.
PERSONAL_DETAIL_KEYS = frozenset({"name", "email", "member", "address", "reason", "note", "text"})
RESERVED_PERSONAL_KEYS = frozenset({"actor", "ip"})
PAGE = 1000
IN_CLAUSE = 500


def record(action: str, *, actor=None, target=None, target_type: str | None = None,
           target_id: str | int | None = None, actor_label: str | None = None,
           personal: dict | None = None, **details) -> AuditEntry:
    """Add an audit entry for an action; the caller's transaction commits it.

    `details` are kept for good; `personal` (and the actor's label and the request's
    address, added here) can be removed later by redact_personal().
    """
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target.id
    private = dict(personal or {})
    if clash := RESERVED_PERSONAL_KEYS & set(private):
        raise ValueError(f"personal data may not use the reserved keys {sorted(clash)}")
    for key in PERSONAL_DETAIL_KEYS & set(details):
        value = details.pop(key)
        if value is not None:
            private[key] = value
    label = actor_label or getattr(actor, "email", None)
    if label:
        private["actor"] = label
    if has_request_context() and request.remote_addr:
        private["ip"] = request.remote_addr
    entry = AuditEntry(
        created_at=clock.now(),
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=plain(details),
        nonce=secrets.token_hex(16),
    )
    if private:
        entry.personal = plain(private)
        entry.salt = secrets.token_hex(16)
        entry.personal_digest = personal_digest(entry.salt, entry.personal)
    entry.mac = entry_mac(entry)
    db.session.add(entry)
    db.session.flush()
    if has_app_context():
        g.audit_pending = True  # sealed after the request commits (app/audit/sealing.py)
    return entry


def entry_mac(entry) -> str:
    """The content MAC of an entry (a model instance or a row with the same names)."""
    return content_mac(audit_key(), created_at=entry.created_at, actor_id=entry.actor_id,
                       action=entry.action, target_type=entry.target_type,
                       target_id=entry.target_id, details=entry.details or {},
                       personal_digest=entry.personal_digest, nonce=entry.nonce)


# --- verification ----------------------------------------------------------------------

@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str = ""
    pending: int = 0
    redacted: int = 0
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.reason


def _sealed_rows(page: int) -> Iterator:
    """Every sealed entry in chain order, a page at a time (keyset), as plain rows."""
    table = AuditEntry.__table__
    after = 0
    while True:
        rows = db.session.execute(
            select(table).where(table.c.seq > after).order_by(table.c.seq).limit(page)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def _fault(row, expected_seq: int, expected_prev: str, key: bytes) -> str:
    if row.seq != expected_seq:
        return (f"entries {expected_seq} to {row.seq - 1} of the chain are missing before it"
                if row.seq > expected_seq else "its place in the chain is taken twice")
    if row.prev_hash != expected_prev:
        return ("its link to the previous entry is broken (an entry before it was removed "
                "or altered)")
    if row.personal is not None and not (
            row.salt and equal(personal_digest(row.salt, row.personal), row.personal_digest)):
        return "its personal data does not match its digest"
    if not equal(entry_mac(row), row.mac):
        return "its content does not match its MAC (altered, or not written by the application)"
    if not equal(link_hash(key, row.seq, row.prev_hash, row.mac), row.hash):
        return "its chain hash is wrong (not sealed with the audit key)"
    return ""


def verify_chain(checkpoints: list[Checkpoint] | None = None, page: int = PAGE) -> ChainReport:
    """Walk the sealed chain in constant memory; report the first entry that does not fit.

    Each entry must take the next place, link to its predecessor, match its personal
    digest (unless redacted), its MAC and its chain hash; at every signed checkpoint the
    chain must have the recorded head and count, and it must reach the latest one.
    """
    try:
        checkpoints = read_checkpoints() if checkpoints is None else checkpoints
    except BadCheckpoint as error:
        return ChainReport(0, reason=f"the checkpoint file was altered: {error}")
    at_seq = {c.last_seq: c for c in checkpoints}
    latest = max(checkpoints, key=lambda c: c.last_seq, default=None)
    key = audit_key()
    report = ChainReport(0, checkpoint=latest)
    expected_prev = GENESIS
    for row in _sealed_rows(page):
        reason = _fault(row, report.checked + 1, expected_prev, key)
        mark = at_seq.get(row.seq)
        if not reason and mark and not (equal(mark.head, row.hash) and mark.count == row.seq):
            reason = f"it differs from the signed checkpoint of {mark.at}"
        if reason:
            report.broken_id, report.broken_seq, report.reason = row.id, row.seq, reason
            break
        report.redacted += row.personal is None and row.personal_digest is not None
        expected_prev = row.hash
        report.checked += 1
    else:
        if latest and latest.last_seq > report.checked:
            report.broken_seq = report.checked + 1
            report.reason = (f"the chain ends at entry {report.checked} but the signed checkpoint "
                             f"of {latest.at} recorded {latest.count}: entries were removed "
                             "from the end")
    report.pending = db.session.execute(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))).scalar()
    return report


# --- redaction ---------------------------------------------------------------------------

def _ids(entries: Iterable[AuditEntry | int]) -> list[int]:
    return [e if isinstance(e, int) else e.id for e in entries]


def redact_personal(entries: Iterable[AuditEntry | int]) -> int:
    """Remove the personal part of entries (sealed or not); the chain still verifies.

    Returns how many entries lost personal data. The caller commits.
    """
    table = AuditEntry.__table__
    ids = _ids(entries)
    cleared = 0
    for start in range(0, len(ids), IN_CLAUSE):
        result = db.session.execute(
            table.update()
            .where(table.c.id.in_(ids[start:start + IN_CLAUSE]), table.c.personal.is_not(None))
            .values(personal=None, salt=None))
        cleared += result.rowcount
    # Loaded instances still show the old values; make them reload.
    wanted = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AuditEntry) and obj.id in wanted:
            db.session.expire(obj, ["personal", "salt"])
    return cleared


def redact_for_target(target_type: str, target_id: str | int, *, actor=None) -> int:
    """Remove personal data from every entry about one target (a disposed case, say).

    Records an `audit.redacted` entry naming the target and the count. The caller commits.
    """
    target_id = str(target_id)
    ids = db.session.execute(
        select(AuditEntry.id).where(AuditEntry.target_type == target_type,
                                    AuditEntry.target_id == target_id,
                                    AuditEntry.personal.is_not(None))).scalars().all()
    cleared = redact_personal(ids)
    record("audit.redacted", actor=actor, target_type=target_type, target_id=target_id,
           entries=cleared)
    return cleared


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    """Keep the log append-only: no ORM update or delete of an entry."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit entries are append-only")
