"""The sealer: links committed entries into the chain, one sealer at a time.

Writers never wait for each other: record() inserts an unchained entry. seal_pending()
takes the chain lock, reads the pending entries in id order and gives each its place
(`seq`), its predecessor's hash and its own keyed hash. It runs as a job (`jobs.seal_audit`,
app/jobs/tasks.py) queued after every request that recorded something and on the beat,
never inside the request (without waiting: if another process is sealing, that one or the
next run picks our entries up), from `flask audit seal` and at the start of `flask audit
verify`.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import bindparam, func, select, text

from app.audit.checkpoints import Checkpoint, append_checkpoint, last_checkpointed_seq, signed_line
from app.audit.models import AuditEntry
from app.audit.signing import GENESIS, audit_key, link_hash
from app.extensions import db
from app.notifications.services import queue_mail

log = logging.getLogger(__name__)

CHAIN_LOCK = 7301  # the PostgreSQL advisory lock key held while sealing
PAGE = 1000

_entries = AuditEntry.__table__
_seal_one = (
    _entries.update()
    .where(_entries.c.id == bindparam("entry_id"))
    .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash"))
)


def _take_chain_lock(wait: bool) -> bool:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        if wait:
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
            return True
        return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                       {"key": CHAIN_LOCK}).scalar())
    # SQLite has one writer: open the write transaction before reading the head, so two
    # processes cannot both read it and hand out the same places.
    db.session.execute(text("UPDATE audit_entries SET seq = seq WHERE 0 = 1"))
    return True


def _head() -> tuple[int, str]:
    row = db.session.execute(
        select(_entries.c.seq, _entries.c.hash).where(_entries.c.seq.is_not(None))
        .order_by(_entries.c.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def seal_pending(*, wait: bool = True, limit: int | None = None) -> int:
    """Chain the committed, unsealed entries in id order; commit; return how many.

    With wait=False it returns 0 at once if another process holds the chain lock. It
    commits its own transaction, so call it outside a unit of work (after the commit).
    """
    try:
        if not _take_chain_lock(wait):
            db.session.rollback()
            return 0
        seq, prev = _head()
        key = audit_key()
        sealed = 0
        while limit is None or sealed < limit:
            size = PAGE if limit is None else min(PAGE, limit - sealed)
            rows = db.session.execute(
                select(_entries.c.id, _entries.c.mac).where(_entries.c.seq.is_(None))
                .order_by(_entries.c.id).limit(size)).all()
            if not rows:
                break
            links = []
            for row in rows:
                seq += 1
                link = link_hash(key, seq, prev, row.mac)
                links.append({"entry_id": row.id, "new_seq": seq, "new_prev": prev,
                              "new_hash": link})
                prev = link
            db.session.execute(_seal_one, links)
            sealed += len(rows)
            if len(rows) < size:
                break  # that was the last of them
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    every = current_app.config["AUDIT_CHECKPOINT_EVERY"]
    # After the commit, so a checkpoint never names entries that were rolled back.
    if sealed and every and seq - last_checkpointed_seq() >= every:
        write_checkpoint(seq, prev)
    return sealed


def write_checkpoint(last_seq: int, head: str) -> Checkpoint:
    """Append a signed checkpoint for a committed head; mail it if an address is set."""
    count = db.session.execute(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.seq <= last_seq)).scalar()
    checkpoint = append_checkpoint(count, last_seq, head)
    if recipient := current_app.config.get("AUDIT_CHECKPOINT_EMAIL"):
        queue_mail(recipient, "audit/checkpoint", f"Audit checkpoint: {count} entries",
                   checkpoint=checkpoint, line=signed_line(checkpoint))
    db.session.commit()
    return checkpoint


def checkpoint_now() -> Checkpoint:
    """Seal what is pending, then checkpoint the head whatever the interval."""
    seal_pending()
    seq, head = _head()
    db.session.rollback()
    return write_checkpoint(seq, head)

