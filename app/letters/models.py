"""Versions of the wording of a letter: an email notice or a document type's body."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class LetterVersion(db.Model):
    """One wording of one letter. Proposed by an administrator, in force once a second
    administrator approves it; the latest approved version is the one used."""

    __tablename__ = "letter_versions"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        CheckConstraint("status IN ('proposed', 'approved', 'rejected')", name="status"),
        CheckConstraint("status != 'approved' OR (approved_by_id IS NOT NULL "
                        "AND approved_by_id != proposed_by_id)", name="second_approver"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), index=True)  # document:receipt, email:...
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])

    @property
    def label(self) -> str:
        return f"{self.key} v{self.version}"
