"""Cases: complaints and self-reports, their allegations, evidence, events and deadlines."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    AWAITING_RESPONSE = "awaiting_response"
    INVESTIGATION = "investigation"
    COMMITTEE_REVIEW = "committee_review"
    HEARING_SCHEDULED = "hearing_scheduled"
    DELIBERATION = "deliberation"
    DECIDED = "decided"
    UNDER_APPEAL = "under_appeal"
    FINAL = "final"
    CLOSED = "closed"
    DISMISSED = "dismissed"
    ABANDONED = "abandoned"
    WITHDRAWN = "withdrawn"
    DISPOSED = "disposed"

    @property
    def title(self) -> str:
        """The status in plain words, as parties read it."""
        return STATE_TITLES[self]


STATE_TITLES = {
    State.DRAFT: "Draft, not yet submitted",
    State.SUBMITTED: "Received, waiting for the committee's review",
    State.INFO_REQUESTED: "The committee has asked the complainant for more information",
    State.AWAITING_RESPONSE: "Accepted; waiting for the respondent's answer",
    State.INVESTIGATION: "Under investigation",
    State.COMMITTEE_REVIEW: "Before the committee",
    State.HEARING_SCHEDULED: "A hearing is scheduled",
    State.DELIBERATION: "The hearing panel is deliberating",
    State.DECIDED: "Decided; the appeal period is running",
    State.UNDER_APPEAL: "Under appeal",
    State.FINAL: "The decision is final",
    State.CLOSED: "Closed",
    State.DISMISSED: "Dismissed",
    State.ABANDONED: "Closed: the information asked for was not provided",
    State.WITHDRAWN: "Withdrawn by the complainant",
    State.DISPOSED: "Closed; the file has been disposed of",
}

# States in which the proceeding is still going on.
OPEN_STATES = frozenset({
    State.SUBMITTED, State.INFO_REQUESTED, State.AWAITING_RESPONSE, State.INVESTIGATION,
    State.COMMITTEE_REVIEW, State.HEARING_SCHEDULED, State.DELIBERATION, State.DECIDED,
    State.UNDER_APPEAL,
})
CLOSED_STATES = frozenset({State.CLOSED, State.DISMISSED, State.ABANDONED, State.WITHDRAWN,
                           State.DISPOSED})


class CaseKind(StrEnum):
    COMPLAINT = "complaint"
    SELF_REPORT = "self_report"
    STAFF = "staff"


class Relation(StrEnum):
    """The complainant's relation to the respondent."""

    CLIENT = "client"
    CLIENT_FAMILY = "client_family"
    COLLEAGUE = "colleague"
    EMPLOYER = "employer"
    PAYER = "payer"
    OTHER_CERTIFICANT = "other_certificant"
    OTHER = "other"

    @property
    def title(self) -> str:
        return {
            "client": "Client", "client_family": "Family member of a client",
            "colleague": "Colleague", "employer": "Employer", "payer": "Payer",
            "other_certificant": "Another certificant", "other": "Other",
        }[self.value]


class DismissalReason(StrEnum):
    NO_JURISDICTION = "no_jurisdiction"
    OUT_OF_TIME = "out_of_time"
    INSUFFICIENT_FACTS = "insufficient_facts"
    NOT_A_VIOLATION = "not_a_violation"
    DUPLICATE = "duplicate"

    @property
    def title(self) -> str:
        return {
            "no_jurisdiction": "No jurisdiction over the respondent",
            "out_of_time": "Filed outside the time limit",
            "insufficient_facts": "Insufficient facts",
            "not_a_violation": "The facts would not be a violation",
            "duplicate": "Duplicate of another complaint",
        }[self.value]


class SelfReportEvent(StrEnum):
    CONVICTION = "conviction"
    LICENCE_LOSS = "licence_loss"
    OTHER = "other"

    @property
    def title(self) -> str:
        return {"conviction": "A criminal conviction or plea",
                "licence_loss": "Loss, suspension or surrender of my professional licence",
                "other": "Another event the rules require me to report"}[self.value]

    @property
    def rule_code(self) -> str:
        return {"conviction": "R2", "licence_loss": "R4", "other": "R5"}[self.value]


OUTCOME_TITLES = {
    "abandoned": "Closed: the information asked for was not provided in time",
}


def respondent_label(given_name: str | None, record_name: str | None,
                     cert_number: str | None) -> str:
    """How a case names its respondent: the registry record with its number, else the
    name the complainant gave, else a dash."""
    if record_name is not None:
        return f"{record_name} ({cert_number})"
    return given_name or "—"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s.value}'" for s in State) + ")",
                        name="status"),
        # a case leaves draft only by `submit`, which stamps it; the staff lists rely on it
        # (access._as_staff; migration 9d3f6b2e8a15)
        CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted"),
        # the case lists: newest first, and by status (migration e8a4c2f7b915)
        Index("ix_cases_submitted", "submitted_at", "id"),
        Index("ix_cases_status_submitted", "status", "submitted_at", "id"),
        # Find a case by a party's name or a number typed in part (pg_trgm; PostgreSQL only;
        # migration c4e7a9d2b610 for the names)
        Index("ix_cases_party_names_trgm", "party_names", postgresql_using="gin",
              postgresql_ops={"party_names": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        Index("ix_cases_number_trgm", "number", postgresql_using="gin",
              postgresql_ops={"number": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=CaseKind.COMPLAINT)
    status: Mapped[str] = mapped_column(String(30), default="draft", index=True)
    # Bumped on every change; a form carrying an older value is stale.
    row_version: Mapped[int] = mapped_column(default=1)

    complainant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    relation: Mapped[str | None] = mapped_column(String(30))
    remedy_sought: Mapped[str] = mapped_column(Text, default="")
    attest_not_confidential: Mapped[bool] = mapped_column(default=False)
    attest_good_faith: Mapped[bool] = mapped_column(default=False)
    withhold_identity_requested: Mapped[bool] = mapped_column(default=False)
    withhold_identity: Mapped[bool] = mapped_column(default=False)

    respondent_certificant_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificants.id"), index=True)
    respondent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    respondent_name: Mapped[str] = mapped_column(String(200), default="")
    respondent_email: Mapped[str | None] = mapped_column(String(254))
    respondent_details: Mapped[str] = mapped_column(Text, default="")
    # The names the search box finds the case by (the respondent's as given and as
    # registered, with the certification number; the complainant's), one per line: derived,
    # kept by app/cases/party_names.py before each commit
    party_names: Mapped[str] = mapped_column(Text, default="", server_default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    time_limit_waiver: Mapped[str] = mapped_column(Text, default="")
    outcome_reason: Mapped[str | None] = mapped_column(String(30))
    outcome_text: Mapped[str] = mapped_column(Text, default="")
    status_before_withdrawal: Mapped[str | None] = mapped_column(String(30))
    self_report_event: Mapped[str | None] = mapped_column(String(30))

    complainant = relationship("User", foreign_keys=[complainant_id])
    respondent_user = relationship("User", foreign_keys=[respondent_user_id])
    respondent_certificant = relationship("Certificant")
    allegations: Mapped[list[Allegation]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Allegation.id")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Evidence.id")
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id")
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Deadline.id")
    # every representative a party named, active or revoked (app/representatives; read
    # through app/access.py, which loads them with the case)
    representatives = relationship("Representative", viewonly=True,
                                   order_by="Representative.id")

    __mapper_args__ = {"version_id_col": row_version}

    def __repr__(self) -> str:
        return f"<Case {self.number or self.id} {self.status}>"

    @property
    def label(self) -> str:
        return self.number or f"Draft {self.id}"

    @property
    def respondent_display(self) -> str:
        c = self.respondent_certificant
        return respondent_label(self.respondent_name, c.name if c else None,
                                c.cert_number if c else None)

    @property
    def relation_title(self) -> str:
        return Relation(self.relation).title if self.relation else ""

    @property
    def outcome_title(self) -> str:
        """The outcome in plain words (a dismissal's reason, or how the case closed)."""
        reason = self.outcome_reason
        if reason in DismissalReason._value2member_map_:
            return "Dismissed: " + DismissalReason(reason).title.lower()
        return OUTCOME_TITLES.get(reason or "", (reason or "").replace("_", " ").capitalize())

    def open_deadline(self, kind: str) -> Deadline | None:
        return next((d for d in self.deadlines if d.kind == kind and d.status == "open"), None)


class Allegation(db.Model):
    __tablename__ = "allegations"
    __table_args__ = (
        # Find a case by words of the facts (app/cases/search.py); PostgreSQL only
        Index("ix_allegations_facts_fts", text("to_tsvector('english', facts)"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
        # the list's filter by standard: the cases alleging an item, read from the index
        # alone (its code item, then its case), in case order
        Index("ix_allegations_code_item_case", "code_item_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code_item_id: Mapped[int] = mapped_column(ForeignKey("code_items.id", ondelete="RESTRICT"))
    conduct_from: Mapped[date]
    conduct_to: Mapped[date | None]
    facts: Mapped[str] = mapped_column(Text)
    # complainant: filed with the complaint; committee: added by the committee
    source: Mapped[str] = mapped_column(String(20), default="complainant")
    # a possible allegation (e.g. S9 after a default) that the committee has not adopted
    proposed: Mapped[bool] = mapped_column(default=False)

    case: Mapped[Case] = relationship(back_populates="allegations")
    item = relationship("CodeItem", lazy="joined")


class Evidence(db.Model):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    mime: Mapped[str] = mapped_column(String(100))
    # complaint, information, response
    context: Mapped[str] = mapped_column(String(20))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    disclosed_to_respondent: Mapped[bool] = mapped_column(default=False)
    # where an item the investigator added came from (chain of custody)
    source: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # disclosed too late for the hearing and excluded by the chair: the panel does not see it
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    excluded_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="evidence")
    uploaded_by = relationship("User")
    accesses: Mapped[list[EvidenceAccess]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceAccess.id")


class EvidenceAccess(db.Model):
    """Chain of custody: every time an evidence file is opened, by whom."""

    __tablename__ = "evidence_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    how: Mapped[str] = mapped_column(String(30))  # download, email attachment

    user = relationship("User")


class CaseEvent(db.Model):
    """A line on a case's timeline, with who may read it."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    to_complainant: Mapped[bool] = mapped_column(default=False)
    to_respondent: Mapped[bool] = mapped_column(default=False)
    internal: Mapped[bool] = mapped_column(default=False)  # a staff note

    case: Mapped[Case] = relationship(back_populates="events")
    actor = relationship("User")


class Deadline(db.Model):
    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'met', 'missed', 'cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # response, information
    due_on: Mapped[date] = mapped_column(index=True)
    original_due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders_sent: Mapped[list] = mapped_column(JSON, default=list)

    case: Mapped[Case] = relationship(back_populates="deadlines")


class ExtensionRequest(db.Model):
    __tablename__ = "extension_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'granted', 'refused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    reason: Mapped[str] = mapped_column(Text)
    requested_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    new_due_on: Mapped[date | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    case = relationship("Case")
    deadline = relationship("Deadline")


class Response(db.Model):
    """The respondent's answer to the notice of complaint."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    case = relationship("Case")


class Disclosure(db.Model):
    """What was shown to whom, when, and how."""

    __tablename__ = "disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_type: Mapped[str] = mapped_column(String(20))  # allegations, evidence, document
    item_id: Mapped[int | None]
    item_label: Mapped[str] = mapped_column(String(300))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    how: Mapped[str] = mapped_column(String(30))  # served by email, download
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    recipient = relationship("User", foreign_keys=[recipient_user_id])


class CaseCounter(db.Model):
    """The last case number issued in a year."""

    __tablename__ = "case_counters"
    __table_args__ = (UniqueConstraint("year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)
