"""Queue mail in the outbox and deliver it after commit, with retries."""
from __future__ import annotations

import base64
import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app, g, render_template
from flask_mail import Message
from sqlalchemy import select

from app import clock
from app.extensions import db, mail
from app.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


def queue_mail(recipient: str, template: str, subject: str, *,
               attachments: list[dict] | None = None, **context) -> OutboxMessage:
    """Write an email to the outbox; it leaves only if the transaction commits.

    `attachments` name files in a store (see `attachment_path`), read at delivery, or
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
    )
    db.session.add(message)
    db.session.flush()
    g.setdefault("queued_mail", []).append(message.id)
    return message


STORES = {"documents": "DOCUMENT_DIR", "evidence": "UPLOAD_DIR"}


def attachment_path(attachment: dict) -> Path:
    """Where an attached file lives: a configured store and a plain file name."""
    directory = Path(current_app.config[STORES[attachment["store"]]])
    name = attachment["name"]
    if Path(name).name != name:
        raise ValueError(f"bad attachment name {name!r}")
    return directory / name


def attachment_bytes(attachment: dict) -> bytes:
    """The bytes of an attachment: small ones (a calendar invitation) are kept inline."""
    if "data" in attachment:
        return base64.b64decode(attachment["data"])
    return attachment_path(attachment).read_bytes()


def _send_one(message: OutboxMessage, connection) -> None:
    attachments = message.attachments or []
    if current_app.config["MAIL_TRANSPORT"] == "console":
        files = "".join(f"\n[attached: {a['filename']}]" for a in attachments)
        print(f"--- mail to {message.recipient}: {message.subject}\n{message.text_body}{files}",
              flush=True)
        message.status = OutboxStatus.LOGGED
    else:
        email = Message(
            subject=message.subject,
            recipients=[message.recipient],
            body=message.text_body,
            html=message.html_body,
        )
        for a in attachments:
            email.attach(a["filename"], a["mime"], attachment_bytes(a))
        connection.send(email)
        message.status = OutboxStatus.SENT
    message.sent_at = clock.now()
    message.last_error = None


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    cfg = current_app.config
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= cfg["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
    else:
        delay = cfg["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
        message.next_attempt_at = clock.now() + timedelta(seconds=delay)


def due_messages(ids: list[int] | None = None, limit: int = 100) -> list[OutboxMessage]:
    """Return pending messages whose next attempt is due (optionally only some ids)."""
    query = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= clock.now(),
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    return list(db.session.execute(query.order_by(OutboxMessage.id).limit(limit)).scalars())


def deliver(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Deliver due messages one by one, committing each outcome; return (sent, failed)."""
    sent = failed = 0
    messages = due_messages(ids, limit)
    if not messages:
        return 0, 0
    connection = None
    try:
        for message in messages:
            message.attempts += 1
            try:
                if connection is None and current_app.config["MAIL_TRANSPORT"] != "console":
                    connection = mail.connect().__enter__()
                _send_one(message, connection)
                sent += 1
            except Exception as error:  # SMTP and socket errors alike: keep and retry
                _record_failure(message, error)
                failed += 1
                connection = None
            # Each outcome is committed on its own, so a crash mid-batch never
            # resends what already left.
            db.session.commit()
    finally:
        if connection is not None:
            try:
                connection.__exit__(None, None, None)
            except Exception:  # the server may already be gone
                pass
    return sent, failed


def deliver_queued_after_commit() -> None:
    """Deliver what this request queued, now that it is committed."""
    ids = g.pop("queued_mail", None)
    if not ids or not current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        return
    try:
        deliver(ids)
    except Exception:  # delivery never breaks the request; the sweep retries
        log.exception("after-commit delivery failed")
        db.session.rollback()
