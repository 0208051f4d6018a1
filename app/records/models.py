"""Retention schedules (versioned), legal holds, and disposal batches with their cases."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    cast,
    extract,
    func,
    literal,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class RetentionSchedule(db.Model):
    """One version of the schedule: years a closed case keeps its full file, per outcome.

    Versions are never changed; an edit adds the next one. Before the first edit the
    configured defaults (RETENTION_YEARS) are version 0.
    """

    __tablename__ = "retention_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    years: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User")


class LegalHold(db.Model):
    """A hold on one case, or on every case concerning a certificant: nothing is disposed."""

    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint("(case_id IS NULL) <> (certificant_id IS NULL)", name="one_target"),
        CheckConstraint("lifted_at IS NULL OR lift_reason <> ''", name="lift_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    certificant_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificants.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200), default="")
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    case = relationship("Case")
    certificant = relationship("Certificant")
    placed_by = relationship("User", foreign_keys=[placed_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    @property
    def subject(self) -> str:
        if self.case is not None:
            return f"Case {self.case.label}"
        c = self.certificant
        return f"Every case concerning {c.name} ({c.cert_number})"


class DisposalBatch(db.Model):
    """The cases a warning named; disposed once an administrator confirms (or, if so
    configured, once the warning period has run)."""

    __tablename__ = "disposal_batches"
    __table_args__ = (
        CheckConstraint("status IN ('warned', 'confirmed', 'done')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="warned")
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    due_by: Mapped[date]  # the cases due on or before this date
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    automatic: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    confirmed_by = relationship("User")
    items: Mapped[list[DisposalItem]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="DisposalItem.id")

    @property
    def certificate_number(self) -> str | None:
        """The number of the batch's one certificate of destruction (None until done)."""
        return certificate_number(self.id, self.done_year)

    @property
    def done_year(self) -> int | None:
        return None if self.done_at is None else self.done_at.year

    @classmethod
    def done_year_sql(cls):
        """`done_year` as SQL (an integer, NULL until done)."""
        return cast(extract("year", cls.done_at), Integer)

    @classmethod
    def certificate_number_sql(cls):
        """`certificate_number` as SQL, the same on SQLite and PostgreSQL (NULL until done):
        for a query that looks for the certificate without reading the batch first."""
        digits = cast(cls.id, String)
        padded = sql_case((cls.id < 10000, func.substr(literal("0000", String) + digits,
                                                       func.length(digits) + 1)), else_=digits)
        year = cast(cls.done_year_sql(), String)
        return literal("DC-", String) + year + literal("-", String) + padded


def certificate_number(batch_id: int, done_year: int | None) -> str | None:
    """DC-<year done>-<batch id, at least four digits>; None while the batch is not done."""
    return None if done_year is None else f"DC-{done_year}-{batch_id:04d}"


class DisposalItem(db.Model):
    """A case in a batch: its disposal date and rule when warned, and what was destroyed."""

    __tablename__ = "disposal_items"
    __table_args__ = (UniqueConstraint("batch_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("disposal_batches.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    disposal_on: Mapped[date]
    rule: Mapped[str] = mapped_column(String(300))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # what was destroyed: {"categories": [...], "files": [{"category", "sha256", "size"}]}
    destroyed: Mapped[dict] = mapped_column(JSON, default=dict)
    skipped: Mapped[str] = mapped_column(String(300), default="")  # why not (a hold)

    batch: Mapped[DisposalBatch] = relationship(back_populates="items")
    case = relationship("Case")
