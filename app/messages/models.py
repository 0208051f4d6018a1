"""Threads between the office and one party of a case, their messages, witness links."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime

# The parties a thread can be with. A representative (to come) is keyed by their account.
PARTY_ROLES = ("complainant", "respondent", "witness", "representative")


class WitnessLink(db.Model):
    """A witness's personal, expiring, revocable key to one request and its thread."""

    __tablename__ = "witness_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    nonce: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the letter wording (app/letters) the link's email was sent with; None: built in
    letter_version_id: Mapped[int | None] = mapped_column(ForeignKey("letter_versions.id"))

    case = relationship("Case")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return clock.now() >= self.expires_at

    @property
    def usable(self) -> bool:
        return not self.revoked and not self.expired


class Thread(db.Model):
    """The one private conversation between the office and one party of a case.

    The party is (case, role, account or witness link): `party_key` spells it out
    ("complainant", "respondent", "witness-<link id>", "representative-<user id>") and
    is unique per case, so a party never has two threads and never shares one.
    """

    __tablename__ = "message_threads"
    __table_args__ = (
        UniqueConstraint("case_id", "party_key"),
        CheckConstraint("party_role IN ('complainant', 'respondent', 'witness', "
                        "'representative')", name="party_role"),
        # a witness's thread hangs on their link; anyone else's on nothing but their role
        CheckConstraint("(party_role = 'witness') = (witness_link_id IS NOT NULL)",
                        name="witness_link"),
        Index("ix_message_threads_waiting", "office_answered", "last_party_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party_key: Mapped[str] = mapped_column(String(40))
    party_role: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    witness_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("witness_links.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # the party's latest message, and whether the office has written since
    last_party_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_office_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    office_answered: Mapped[bool] = mapped_column(default=True)
    office_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    party_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    case = relationship("Case")
    user = relationship("User")
    witness_link: Mapped[WitnessLink | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.id", cascade="all, delete-orphan")

    @property
    def unread_by_office(self) -> bool:
        return self.last_party_at is not None and (
            self.office_read_at is None or self.office_read_at < self.last_party_at)

    @property
    def unread_by_party(self) -> bool:
        return self.last_office_at is not None and (
            self.party_read_at is None or self.party_read_at < self.last_office_at)

    @property
    def party_title(self) -> str:
        if self.party_role == "witness":
            return f"Witness: {self.witness_link.name}"
        return self.party_role.capitalize()


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("sender IN ('office', 'party')", name="sender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(10))  # office, party
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: a witness
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # written by the party after the case closed: it still arrives, marked so
    after_closure: Mapped[bool] = mapped_column(default=False)
    # the wording of the alert that announced it (app/letters); None: the built-in text
    letter_version_id: Mapped[int | None] = mapped_column(ForeignKey("letter_versions.id"))

    thread: Mapped[Thread] = relationship(back_populates="messages")
    author = relationship("User")
    attachments: Mapped[list[MessageAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="MessageAttachment.id")


class MessageAttachment(db.Model):
    """A file sent with a message: an evidence item of the case (same checks, same storage)."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), unique=True)

    evidence = relationship("Evidence")


class StockReply(db.Model):
    """A short text administrators keep for the office to start a reply from."""

    __tablename__ = "stock_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class AlertSetting(db.Model):
    """How a person wants to hear of new messages: at each one, or in a daily digest."""

    __tablename__ = "message_alert_settings"
    __table_args__ = (CheckConstraint("mode IN ('each', 'daily')", name="mode"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default="each")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PendingAlert(db.Model):
    """A new message a digest reader has still to be told of (one per thread and person)."""

    __tablename__ = "message_pending_alerts"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"))
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    thread = relationship("Thread")
