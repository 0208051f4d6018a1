"""Committee members' conflict-of-interest declarations, parties' objections, recusals (S7).

A committee member declares once per case, "no conflict" or a disclosure. Parties
may object to a disclosure; an objection recuses the member. A recusal stays on
record: reinstatement (only after every objection is withdrawn) is written on the
same row, never by deleting it.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class DeclarationKind(StrEnum):
    NONE = "none"  # no conflict
    DISCLOSURE = "disclosure"

    @property
    def title(self) -> str:
        return {"none": "No conflict", "disclosure": "Disclosure"}[self.value]


class Relationship(StrEnum):
    """A member's relationship to a party, as disclosed."""

    FAMILY = "family"
    FRIEND = "friend"
    EMPLOYMENT = "employment"
    BUSINESS = "business"
    PROFESSIONAL = "professional"
    OTHER = "other"

    @property
    def title(self) -> str:
        return {"family": "Family", "friend": "Friend", "employment": "Employer or employee",
                "business": "Business or financial",
                "professional": "Prior professional relationship", "other": "Other"}[self.value]


class PartyRole(StrEnum):
    COMPLAINANT = "complainant"
    RESPONDENT = "respondent"

    @property
    def title(self) -> str:
        return {"complainant": "The complainant", "respondent": "The respondent"}[self.value]


class RecusalCause(StrEnum):
    OBJECTION = "objection"  # a party objected to the member's disclosure
    SELF = "self"  # the member withdrew
    PARTY = "party"  # the member is a party to the case (or filed it)
    SYSTEM = "system"  # any other rule the application enforces

    @property
    def title(self) -> str:
        return {"objection": "A party objected to the disclosure",
                "self": "Withdrew", "party": "Party to the case",
                "system": "Recused by the system"}[self.value]


class CoiDeclaration(db.Model):
    """A member's declaration on a case: one per member and case."""

    __tablename__ = "coi_declarations"
    __table_args__ = (
        UniqueConstraint("case_id", "member_id", name="uq_coi_declarations_case_member"),
        Index("ix_coi_declarations_member_case", "member_id", "case_id"),
        CheckConstraint("kind IN ('none', 'disclosure')", name="kind"),
        # a disclosure names the relationship and describes it
        CheckConstraint("kind = 'none' OR (relationship IS NOT NULL AND text != '')",
                        name="disclosure_complete"),
        CheckConstraint("relationship IS NULL OR relationship IN ('family', 'friend', "
                        "'employment', 'business', 'professional', 'other')",
                        name="relationship"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # the relationship to a party (column "relationship"); only for a disclosure
    relation: Mapped[str | None] = mapped_column("relationship", String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    case = relationship("Case")
    member = relationship("User")
    objections: Mapped[list[CoiObjection]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="CoiObjection.id")

    @property
    def is_disclosure(self) -> bool:
        return self.kind == DeclarationKind.DISCLOSURE

    @property
    def relationship_title(self) -> str:
        return Relationship(self.relation).title if self.relation else ""

    @property
    def standing_objections(self) -> list[CoiObjection]:
        return [o for o in self.objections if o.withdrawn_at is None]


class CoiObjection(db.Model):
    """A party's objection to a disclosure; withdrawing it is recorded, never deleted."""

    __tablename__ = "coi_objections"
    __table_args__ = (
        CheckConstraint("party_role IN ('complainant', 'respondent')", name="party_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("coi_declarations.id", ondelete="CASCADE"), index=True)
    party_role: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")

    declaration: Mapped[CoiDeclaration] = relationship(back_populates="objections")
    user = relationship("User")

    @property
    def party_title(self) -> str:
        return PartyRole(self.party_role).title


class Recusal(db.Model):
    """A member put outside a case. Open while `reinstated_at` is empty."""

    __tablename__ = "recusals"
    __table_args__ = (
        CheckConstraint("cause IN ('objection', 'self', 'party', 'system')", name="cause"),
        # only an objection's recusal can be lifted, and only with who and why
        CheckConstraint("reinstated_at IS NULL OR (cause = 'objection' AND "
                        "reinstated_by_id IS NOT NULL AND reinstatement_reason != '')",
                        name="reinstatement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cause: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    objection_id: Mapped[int | None] = mapped_column(
        ForeignKey("coi_objections.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    reinstated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reinstated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reinstatement_reason: Mapped[str] = mapped_column(Text, default="")

    member = relationship("User", foreign_keys=[member_id])
    by = relationship("User", foreign_keys=[by_id])
    reinstated_by = relationship("User", foreign_keys=[reinstated_by_id])
    objection = relationship("CoiObjection")

    @property
    def is_open(self) -> bool:
        return self.reinstated_at is None

    @property
    def cause_title(self) -> str:
        return RecusalCause(self.cause).title
