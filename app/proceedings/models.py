"""After the answer: investigation, committee review, decisions, sanctions, the register.

Who serves on a case in which capacity is one table (`case_assignments`), so the
separation of functions (the investigator never sits on a panel that decides the
case) is one query. Votes are kept per member and never shown to the parties.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class Capacity(StrEnum):
    INVESTIGATOR = "investigator"
    HEARING_PANEL = "hearing_panel"
    APPEAL_PANEL = "appeal_panel"


class Assignment(db.Model):
    """A committee member serving on a case in one capacity."""

    __tablename__ = "case_assignments"
    __table_args__ = (
        UniqueConstraint("case_id", "member_id", "capacity"),
        CheckConstraint("capacity IN ('investigator', 'hearing_panel', 'appeal_panel')",
                        name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # appointed in place of a panel member who could no longer serve (recused, withdrew)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    member = relationship("User", foreign_keys=[member_id])
    replaces = relationship("User", foreign_keys=[replaces_id])


class InvestigationItem(db.Model):
    """The investigator's file: a planned task, an interview record, a note, or the
    findings report that closes the investigation."""

    __tablename__ = "investigation_items"
    __table_args__ = (
        CheckConstraint("kind IN ('task', 'interview', 'note', 'report')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))  # task; interviewee; note heading
    text: Mapped[str] = mapped_column(Text, default="")  # interview summary; note body
    due_on: Mapped[date | None]  # task
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # task
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # interview
    # a note or interview the investigator marks shareable may be disclosed to the
    # respondent (through the disclosure log); otherwise it stays internal
    shareable: Mapped[bool] = mapped_column(default=False)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    author = relationship("User")


class DocumentRequest(db.Model):
    """The investigator asks the respondent or a witness for documents (S9)."""

    __tablename__ = "document_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    addressee_role: Mapped[str] = mapped_column(String(20))  # respondent, witness
    addressee_name: Mapped[str] = mapped_column(String(200))
    addressee_email: Mapped[str] = mapped_column(String(254))
    what: Mapped[str] = mapped_column(Text)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str] = mapped_column(Text, default="")

    deadline = relationship("Deadline")


class Vote(db.Model):
    """One member's vote on one question of a case, at one stage. Never shown to parties."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("case_id", "stage", "round", "question", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # review, hearing, appeal
    round: Mapped[int] = mapped_column(default=1)  # a remand starts a new round
    question: Mapped[str] = mapped_column(String(40))  # outcome, allegation:<id>, sanction
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    member = relationship("User")


class SanctionKind(StrEnum):
    CAUTION = "caution"
    CORRECTIVE = "corrective"
    PRIVATE_REPRIMAND = "private_reprimand"
    PUBLIC_REPRIMAND = "public_reprimand"
    PROBATION = "probation"
    SUSPENSION = "suspension"
    REVOCATION = "revocation"
    DENIAL = "denial"

    @property
    def title(self) -> str:
        return SANCTION_TITLES[self]

    @property
    def public(self) -> bool:
        """Whether the sanction is published on the register once final."""
        return self in {SanctionKind.PUBLIC_REPRIMAND, SanctionKind.PROBATION,
                        SanctionKind.SUSPENSION, SanctionKind.REVOCATION}


SANCTION_TITLES = {
    SanctionKind.CAUTION: "Cautionary letter",
    SanctionKind.CORRECTIVE: "Corrective action",
    SanctionKind.PRIVATE_REPRIMAND: "Private reprimand",
    SanctionKind.PUBLIC_REPRIMAND: "Public reprimand",
    SanctionKind.PROBATION: "Probation",
    SanctionKind.SUSPENSION: "Suspension",
    SanctionKind.REVOCATION: "Revocation",
    SanctionKind.DENIAL: "Denial of application",
}


class DecisionStage(StrEnum):
    REVIEW = "review"
    HEARING = "hearing"
    APPEAL = "appeal"


class DecisionOutcome(StrEnum):
    DISMISSED = "dismissed"
    CAUTION = "caution"
    CONSENT = "consent"
    HEARING = "hearing"
    VIOLATION = "violation"
    NO_VIOLATION = "no_violation"
    AFFIRM = "affirm"
    MODIFY = "modify"
    REVERSE = "reverse"
    REMAND = "remand"

    @property
    def title(self) -> str:
        return {
            "dismissed": "Dismissed by the committee",
            "caution": "Dismissed with a cautionary letter",
            "consent": "Resolved by consent agreement",
            "hearing": "Referred to a hearing",
            "violation": "The hearing panel found a violation",
            "no_violation": "The hearing panel found no violation",
            "affirm": "Affirmed on appeal", "modify": "Sanction modified on appeal",
            "reverse": "Reversed on appeal", "remand": "Sent back to the committee on appeal",
        }[self.value]


class SanctionStatus(StrEnum):
    PENDING = "pending"
    IN_FORCE = "in_force"
    COMPLETED = "completed"
    LIFTED = "lifted"
    BREACHED = "breached"

    @property
    def title(self) -> str:
        return {"pending": "not in effect until final", "in_force": "in force",
                "completed": "completed", "lifted": "lifted",
                "breached": "a condition was missed"}[self.value]


class HearingStatus(StrEnum):
    SCHEDULED = "scheduled"
    POSTPONED = "postponed"
    HELD = "held"

    @property
    def title(self) -> str:
        return {"scheduled": "Scheduled", "postponed": "Postponed", "held": "Held"}[self.value]


def _values(enum_cls) -> str:
    return ", ".join(f"'{e.value}'" for e in enum_cls)


class Decision(db.Model):
    """What the committee (or a panel) decided on a case, with findings and sanctions."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(f"stage IN ({_values(DecisionStage)})", name="stage"),
        CheckConstraint(f"outcome IN ({_values(DecisionOutcome)})", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(20))  # review, hearing, appeal
    outcome: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    appeal_due_on: Mapped[date | None]
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # details an outcome needs: the respondent's and the chair's signatures of a
    # consent agreement, the allegations referred to a hearing
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # set aside on appeal (remanded or reversed), with the appeal panel's reasons
    set_aside_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    set_aside_reason: Mapped[str | None] = mapped_column(Text)

    findings: Mapped[list[Finding]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Finding.id")
    sanctions: Mapped[list[Sanction]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Sanction.id")

    @property
    def outcome_title(self) -> str:
        return DecisionOutcome(self.outcome).title


class Finding(db.Model):
    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("decision_id", "allegation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    allegation_id: Mapped[int] = mapped_column(ForeignKey("allegations.id", ondelete="RESTRICT"))
    violated: Mapped[bool]
    reasons: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="findings")
    allegation = relationship("Allegation")


class Sanction(db.Model):
    __tablename__ = "sanctions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(SanctionStatus)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    terms: Mapped[str] = mapped_column(Text, default="")
    # corrective action and probation: [{"text": ..., "due_on": "YYYY-MM-DD", "met_on": ...}]
    conditions: Mapped[list] = mapped_column(JSON, default=list)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    bar_years: Mapped[int | None]  # revocation: no reapplication for this many years
    # pending until the decision is final (stayed while it can be appealed)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    registry_status_before: Mapped[str | None] = mapped_column(String(20))

    decision: Mapped[Decision] = relationship(back_populates="sanctions")

    @property
    def kind_enum(self) -> SanctionKind:
        return SanctionKind(self.kind)

    @property
    def status_title(self) -> str:
        if self.kind == SanctionKind.SUSPENSION and self.status == SanctionStatus.COMPLETED:
            return "served"
        return SanctionStatus(self.status).title


class Hearing(db.Model):
    """A hearing as scheduled; a postponement closes this row and schedules a new one."""

    __tablename__ = "hearings"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(HearingStatus)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    allegation_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # the record, once held
    attendance: Mapped[list] = mapped_column(JSON, default=list)  # [{"name", "role"}]
    minutes: Mapped[str] = mapped_column(Text, default="")
    recording_ref: Mapped[str] = mapped_column(String(300), default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # set aside on appeal (a remand): shown wherever the hearing shows, with the reason
    set_aside_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    set_aside_reason: Mapped[str | None] = mapped_column(Text)


class HearingPostponement(db.Model):
    __tablename__ = "hearing_postponements"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'granted', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hearing_id: Mapped[int] = mapped_column(
        ForeignKey("hearings.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")

    hearing = relationship("Hearing")


class Appeal(db.Model):
    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="RESTRICT"))
    appellant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    appellant_role: Mapped[str] = mapped_column(String(20))  # respondent, complainant
    grounds: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    outcome_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="RESTRICT"))

    decision = relationship("Decision", foreign_keys=[decision_id])
    appellant = relationship("User")


class Measure(db.Model):
    """An interim suspension (public at risk) or a stay pending litigation, while open."""

    __tablename__ = "case_measures"
    __table_args__ = (
        CheckConstraint("kind IN ('interim_suspension', 'stay')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    review_on: Mapped[date | None]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_reason: Mapped[str] = mapped_column(Text, default="")
    registry_status_before: Mapped[str | None] = mapped_column(String(20))
