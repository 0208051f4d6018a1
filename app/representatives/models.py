"""A party's representative on a case: counsel or another person, named by the party.

One row per naming; revoking it is written on the same row, never by deleting it. At
most one representative is active per party per case (a partial unique index).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class RepresentativeKind(StrEnum):
    COUNSEL = "counsel"
    OTHER = "other"

    @property
    def title(self) -> str:
        return {"counsel": "Counsel", "other": "Another person"}[self.value]


class Representative(db.Model):
    """Who acts for a party (complainant or respondent) of a case, from when, until when."""

    __tablename__ = "representatives"
    __table_args__ = (
        CheckConstraint("party_role IN ('complainant', 'respondent')", name="party_role"),
        CheckConstraint("kind IN ('counsel', 'other')", name="kind"),
        # a revocation says when and by whom
        CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)", name="revoked"),
        Index("uq_representatives_active", "case_id", "party_role", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
        Index("ix_representatives_user", "user_id"),
        Index("ix_representatives_email", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    party_role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(20))
    # the account that signs in as the representative, once one holds the email
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    named_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # when the naming took effect: at once, or (the respondent's, where the complainant's
    # identity is withheld) once the office confirmed it; never while it waits
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    case = relationship("Case")
    user = relationship("User", foreign_keys=[user_id])
    named_by = relationship("User", foreign_keys=[named_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        """Acting now: confirmed and not revoked."""
        return self.revoked_at is None and self.confirmed_at is not None

    @property
    def pending(self) -> bool:
        """Named, waiting for the office's confirmation: no access, no mail."""
        return self.revoked_at is None and self.confirmed_at is None

    @property
    def kind_title(self) -> str:
        return RepresentativeKind(self.kind).title

    @property
    def party_title(self) -> str:
        return {"complainant": "the complainant", "respondent": "the respondent"}[self.party_role]
