"""A certificant's disclosure of a conflict or dual relationship, and the parties it affects."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime

STAFF_ROLES = frozenset({"admin", "chair", "member"})


class DisclosureKind(StrEnum):
    CONFLICT = "conflict"
    DUAL_RELATIONSHIP = "dual_relationship"

    @property
    def title(self) -> str:
        return {"conflict": "A conflict of interest (S7)",
                "dual_relationship": "A dual relationship (S22)"}[self.value]


class DisclosureStatus(StrEnum):
    AWAITING = "awaiting"  # some parties have not answered, none has objected
    ACKNOWLEDGED = "acknowledged"  # every party acknowledged
    WITHDRAWAL_REQUIRED = "withdrawal_required"  # a party objected
    WITHDRAWN = "withdrawn"  # the certificant confirmed the withdrawal

    @property
    def title(self) -> str:
        return {"awaiting": "Waiting for the parties' answers",
                "acknowledged": "Acknowledged by every party",
                "withdrawal_required": "Withdrawal required",
                "withdrawn": "Withdrawal confirmed"}[self.value]


class PartyRole(StrEnum):
    CLIENT = "client"
    PAYER = "payer"
    EMPLOYER = "employer"
    PROVIDER = "provider"
    OTHER = "other"

    @property
    def title(self) -> str:
        return {"client": "Client", "payer": "Payer", "employer": "Employer",
                "provider": "Provider", "other": "Other"}[self.value]


class Answer(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    OBJECTED = "objected"

    @property
    def title(self) -> str:
        return {"acknowledged": "Acknowledged", "objected": "Objected"}[self.value]


def _in(column: str, enum_cls) -> str:
    return f"{column} IN ({', '.join(repr(e.value) for e in enum_cls)})"


class PracticeDisclosure(db.Model):
    __tablename__ = "practice_disclosures"
    __table_args__ = (
        CheckConstraint(_in("status", DisclosureStatus), name="status"),
        CheckConstraint(_in("kind", DisclosureKind), name="kind"),
        # An objection sets the date by which the certificant must withdraw.
        CheckConstraint("status NOT IN ('withdrawal_required', 'withdrawn') "
                        "OR withdrawal_due_on IS NOT NULL", name="withdrawal_due"),
        CheckConstraint("status != 'withdrawn' OR (withdrawn_on IS NOT NULL "
                        "AND withdrawal_confirmed_at IS NOT NULL)", name="withdrawn"),
        # Staff open a case only from a disclosure the sweep flagged.
        CheckConstraint("case_id IS NULL OR flagged_at IS NOT NULL", name="case_flagged"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    certificant_id: Mapped[int] = mapped_column(ForeignKey("certificants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default=DisclosureStatus.AWAITING, index=True)
    disclosed_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    withdrawal_due_on: Mapped[date | None] = mapped_column(index=True)
    withdrawn_on: Mapped[date | None]
    withdrawal_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))

    owner = relationship("User")
    certificant = relationship("Certificant")
    case = relationship("Case")
    parties: Mapped[list[DisclosureParty]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", order_by="DisclosureParty.id")

    def __repr__(self) -> str:
        return f"<PracticeDisclosure {self.id} {self.status}>"

    @property
    def state(self) -> DisclosureStatus:
        return DisclosureStatus(self.status)

    @property
    def kind_title(self) -> str:
        return DisclosureKind(self.kind).title

    def owned_by(self, user) -> bool:
        return user is not None and self.owner_id == user.id

    def open_to_staff(self, user) -> bool:
        """Staff see a disclosure once the sweep flags it, never their own."""
        return (bool(user.role_names & STAFF_ROLES) and self.flagged_at is not None
                and not self.owned_by(user))


class DisclosureParty(db.Model):
    """An affected party: answers through a personal link, without an account."""

    __tablename__ = "practice_disclosure_parties"
    __table_args__ = (
        CheckConstraint(_in("role", PartyRole), name="role"),
        CheckConstraint("answer IS NULL OR " + _in("answer", Answer), name="answer"),
        CheckConstraint("(answer IS NULL AND answered_at IS NULL) "
                        "OR (answer IS NOT NULL AND answered_at IS NOT NULL)", name="answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Named by hand: the conventional name would pass PostgreSQL's 63 characters.
    disclosure_id: Mapped[int] = mapped_column(
        ForeignKey("practice_disclosures.id", ondelete="CASCADE",
                   name="fk_practice_disclosure_parties_disclosure"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    # The link carries this value; sending a new link replaces it, so the old one dies.
    link_nonce: Mapped[str] = mapped_column(String(32))
    link_sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    link_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(20))
    answer_text: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    disclosure: Mapped[PracticeDisclosure] = relationship(back_populates="parties")

    @property
    def role_title(self) -> str:
        return PartyRole(self.role).title

    @property
    def answer_title(self) -> str:
        return Answer(self.answer).title if self.answer else "No answer yet"
