"""Queue mail in the outbox and deliver it after commit, with retries."""
from __future__ import annotations

import base64
import logging
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import make_msgid

from flask import current_app, g, render_template
from flask_mail import Connection, Message
from sqlalchemy import func, or_, select, update

from app import clock
from app.extensions import db
from app.notifications.models import OutboxMessage, OutboxStatus
from app.storage import store

log = logging.getLogger(__name__)


def queue_mail(recipient: str, template: str, subject: str, *,
               attachments: list[dict] | None = None, **context) -> OutboxMessage:
    """Write an email to the outbox; it leaves only if the transaction commits.

    `attachments` name files in a store (app/storage.py), read at delivery, or
    carry small contents inline as base64 (`data`).
    """
    context.setdefault("body_name", current_app.config["BODY_NAME"])
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        template=template,
        text_body=render_template(f"email/{template}.txt", **context),
        html_body=render_template(f"email/{template}.html", **context),
        attachments=attachments or None,
        message_id=new_message_id(),
    )
    db.session.add(message)
    db.session.flush()
    g.setdefault("queued_mail", []).append(message.id)
    return message


def new_message_id() -> str:
    """A Message-ID on the sender's domain (no DNS lookup of this host's name)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    address = sender[1] if isinstance(sender, tuple) else sender
    return make_msgid(domain=address.rpartition("@")[2] or "localhost")


def attachment_bytes(attachment: dict) -> bytes:
    """The bytes of an attachment: small ones (a calendar invitation) are kept inline."""
    if "data" in attachment:
        return base64.b64decode(attachment["data"])
    return store(attachment["store"]).read(attachment["name"])


@dataclass(frozen=True)
class Claimed:
    """A message claimed by one sender, as plain data: nothing is held open while it is sent."""

    id: int
    token: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    attachments: list
    attempts: int


class SMTPConnection(Connection):
    """Flask-Mail's connection with a timeout on connecting and on every read."""

    def __init__(self, state, timeout: float) -> None:
        super().__init__(state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=self.timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host

    def abandon(self) -> None:
        """Drop the connection without waiting for a server that may not answer."""
        if self.host is not None:
            self.host.close()
            self.host = None


def _sender_name() -> str:
    """Who holds a claim: host, process and a random part, unique per delivery run."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


_CLAIMED_COLUMNS = (OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject,
                    OutboxMessage.text_body, OutboxMessage.html_body, OutboxMessage.message_id,
                    OutboxMessage.attachments, OutboxMessage.attempts)


def _claimable(now, ids: list[int] | None):
    conditions = [OutboxMessage.status == OutboxStatus.PENDING,
                  OutboxMessage.next_attempt_at <= now,
                  or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)]
    if ids is not None:
        conditions.append(OutboxMessage.id.in_(ids))
    return conditions


def claim_next(sender: str, ids: list[int] | None = None) -> Claimed | None:
    """Claim the oldest due message for this sender and commit the claim; None when none is left.

    PostgreSQL skips rows another sender is claiming (`FOR UPDATE SKIP LOCKED`); SQLite
    has one writer at a time, so a single UPDATE with the same conditions is enough. The
    attempt is counted with the claim, so a sender killed mid-send still used one.
    """
    now = clock.now()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    conditions = _claimable(now, ids)
    oldest = select(OutboxMessage.id).where(*conditions).order_by(OutboxMessage.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        target = db.session.execute(oldest.with_for_update(skip_locked=True)).scalar()
        if target is None:
            db.session.rollback()
            return None
    else:
        target = oldest.scalar_subquery()
    token = f"{sender}#{uuid.uuid4().hex[:8]}"
    row = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == target, *conditions)
        .values(claimed_by=token, claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    if row is None:
        return None
    return Claimed(id=row.id, token=token, recipient=row.recipient, subject=row.subject,
                   text_body=row.text_body, html_body=row.html_body, message_id=row.message_id,
                   attachments=row.attachments or [], attempts=row.attempts)


def _settle(claimed: Claimed, **values) -> bool:
    """Write a claimed message's outcome and release it, if the claim is still ours."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claimed.id, OutboxMessage.claimed_by == claimed.token)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount != 1:
        log.warning("outbox message %s: lease expired before its outcome was written", claimed.id)
    return result.rowcount == 1


def _email(claimed: Claimed) -> Message:
    email = Message(subject=claimed.subject, recipients=[claimed.recipient],
                    body=claimed.text_body, html=claimed.html_body)
    email.msgId = claimed.message_id
    for a in claimed.attachments:
        email.attach(a["filename"], a["mime"], attachment_bytes(a))
    return email


def _failure_values(claimed: Claimed, error: Exception) -> dict:
    cfg = current_app.config
    values = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if claimed.attempts >= cfg["OUTBOX_MAX_ATTEMPTS"]:
        values["status"] = OutboxStatus.FAILED
    else:
        delay = cfg["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (claimed.attempts - 1)
        values["next_attempt_at"] = clock.now() + timedelta(seconds=delay)
    return values


def due_messages(ids: list[int] | None = None, limit: int = 100) -> list[OutboxMessage]:
    """Return pending messages whose next attempt is due and that nobody holds."""
    query = select(OutboxMessage).where(*_claimable(clock.now(), ids))
    return list(db.session.execute(query.order_by(OutboxMessage.id).limit(limit)).scalars())


def deliver(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Claim and deliver due messages one by one; return (sent, failed).

    Each message is claimed (committed) before it is sent and its outcome committed
    after, so any number of senders deliver a message once. Failures are kept for a
    retry with a growing delay; every SMTP exchange has a timeout (MAIL_TIMEOUT).
    """
    cfg = current_app.config
    console = cfg["MAIL_TRANSPORT"] == "console"
    sender = _sender_name()
    sent = failed = 0
    connection: SMTPConnection | None = None
    try:
        while sent + failed < limit:
            claimed = claim_next(sender, ids)
            if claimed is None:
                break
            try:
                if console:
                    files = "".join(f"\n[attached: {a['filename']}]" for a in claimed.attachments)
                    print(f"--- mail to {claimed.recipient}: {claimed.subject}\n"
                          f"{claimed.text_body}{files}", flush=True)
                    status = OutboxStatus.LOGGED
                else:
                    if connection is None:
                        connection = SMTPConnection(current_app.extensions["mail"],
                                                    cfg["MAIL_TIMEOUT"]).__enter__()
                    connection.send(_email(claimed))
                    status = OutboxStatus.SENT
            except Exception as error:  # SMTP and socket errors alike: keep and retry
                if connection is not None:
                    connection.abandon()
                    connection = None
                db.session.rollback()
                _settle(claimed, **_failure_values(claimed, error))
                failed += 1
            else:
                _settle(claimed, status=status, sent_at=clock.now(), last_error=None)
                sent += 1
    finally:
        if connection is not None:
            try:
                connection.__exit__(None, None, None)
            except Exception:  # the server may already be gone
                connection.abandon()
    return sent, failed


def failed_messages() -> list[int]:
    """Ids of the messages given up on, oldest first."""
    return list(db.session.execute(select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.FAILED).order_by(OutboxMessage.id)).scalars())


def requeue(message_id: int) -> bool:
    """Make a message given up on due again, with its attempts counted afresh."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=clock.now(),
                claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def backlog() -> dict:
    """How many messages wait, and the age in seconds of the oldest (one indexed query)."""
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == OutboxStatus.PENDING)).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = None if oldest is None else max(0, round((clock.now() - oldest).total_seconds()))
    return {"pending": waiting, "oldest_pending_seconds": age}
