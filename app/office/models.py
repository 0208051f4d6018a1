"""The chair's record that the intake flags on a case were considered."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class FlagReview(db.Model):
    """The flags shown at intake were considered: by whom, when, why, and which they were."""

    __tablename__ = "intake_flag_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    reason: Mapped[str] = mapped_column(Text)
    # the flags as they stood: [{"kind": ..., "numbers": [...]}]
    flags: Mapped[list] = mapped_column(JSON, default=list)

    by = relationship("User")


class CalendarFeed(db.Model):
    """A member's secret calendar link; only its hash is kept. Open while not revoked."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")


class WaitingItem(db.Model):
    """One thing an open case waits on: a member's declaration or vote, an open deadline, a
    scheduled hearing, a document the case's state calls for (and each deadline and
    hearing again for each member who serves on the case).

    Kept by `office.waits` from the rows it derives from (recomputed per case as a
    transaction that touched the case commits), so the homes read what waits on whom,
    soonest first, through an index instead of walking every case.
    """

    __tablename__ = "waiting_items"
    __table_args__ = (
        # a member's own items, and the committee's, in the order the homes show them
        # (the id last: the order is total, so a LIMIT reads the index and stops)
        Index("ix_waiting_items_kind_member_at", "kind", "member_id", "at", "id"),
        Index("ix_waiting_items_kind_at", "kind", "at", "id"),
        Index("ix_waiting_items_kind_due_on", "kind", "due_on", "id"),
        Index("ix_waiting_items_kind_member_due_on", "kind", "member_id", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # declaration, vote, deadline, hearing, document; served_deadline, panel_hearing
    kind: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)  # whom it waits on
    what: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime | None] = mapped_column(UTCDateTime())
