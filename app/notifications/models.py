"""The mail outbox: every email is a row written with the change that caused it."""
from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    LOGGED = "logged"  # development: printed to the console, not delivered
    FAILED = "failed"  # gave up after the last attempt


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sent', 'logged', 'failed')", name="status"
        ),
        Index("ix_outbox_messages_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(100))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Files attached at delivery: [{"store": "documents", "name": ..., "filename": ...,
    # "mime": ...}]; the bytes stay in their store, not in the outbox.
    attachments: Mapped[list | None] = mapped_column(JSON)
    # The Message-ID header, fixed when the message is written, so a receiver can
    # drop the rare duplicate that SMTP itself can cause (a reply lost after DATA).
    message_id: Mapped[str] = mapped_column(
        String(255), unique=True, default=lambda: make_msgid(domain="outbox.invalid"))
    # A sender claims a message before sending it (committed first); another sender
    # takes it only after the lease has expired, e.g. when the first one was killed.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
