"""Demo records (S20): a case on legal hold, and one disposed of with its certificate.

An old complaint, filed three years and some weeks ago and dismissed at intake, reached
the end of its period (three years for a dismissal at intake) a few weeks ago: the real
functions ran on a clock set back to each step. The sweep's warning named it thirty days
before its date, the administrator confirmed the batch the day after the date, the
disposal destroyed its file, and the certificate of destruction was issued. The closed
"no violation" proceeding is kept under a legal hold: the respondent's lawyer announced a
claim about it. Loading again adds nothing.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app import clock
from app.accounts.services import find_by_email
from app.cases.models import Case, State
from app.demo.cases import CHAIR, CLARA, Charge, DemoCase, Step, _file
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.proceedings import disposal
from app.proceedings.documents import DOCUMENT_TYPES
from app.records import certificate as certificates
from app.records import services as records
from app.records.models import LegalHold

ADMIN = "admin@example.org"
OLD_CASE = DemoCase(
    days_ago=3 * 365 + 45, filer=CLARA, respondent_name="Jon Avery", relation="colleague",
    respondent_details="Case manager at a rehabilitation clinic; I do not know his number.",
    charges=(Charge("S16", 10, facts=(
        "At the clinic's reception, Jon Avery read out a client's name and the reason for "
        "his visit to a full waiting room, and handed over his file across the counter.")),),
    remedy="That the clinic changes how it receives clients.",
    files=("waiting-room-notes.txt",),
    steps=(Step(3, "dismiss", CHAIR, data={"reason": "no_jurisdiction"}, text=(
        "Jon Avery is not certified and the committee has no jurisdiction over him; the "
        "complainant may write to the clinic or to the data protection authority.")),))
HOLD_REASON = ("The respondent's lawyer has announced a claim against the body about this "
               "decision; keep the whole file until it is settled.")
HOLD_REFERENCE = "Letter of counsel, ref. LIT-2026-014"


def load_demo_records() -> int:
    """Add the disposed case (with its certificate) and the hold if missing; how many."""
    admin = find_by_email(ADMIN)
    if admin is None:
        return 0
    added = 0
    # the disposed case's facts are gone, so it is known by its certificate
    if db.session.execute(select(Document.id).where(
            Document.kind == certificates.DestructionCertificate.kind).limit(1)).first() is None:
        try:
            _carry(OLD_CASE, clock.now() - timedelta(days=OLD_CASE.days_ago))
        finally:
            clock.freeze(None)
        added = 1
    return added + _hold(admin)


def _carry(spec: DemoCase, start: datetime) -> Case:
    """File and dismiss the old case, issue its letter, then warn, confirm, dispose and
    certify, each on its day."""
    admin = find_by_email(ADMIN)
    case = _file(spec, start)
    clock.freeze(clock.now() + timedelta(hours=3))
    documents.issue(case, DOCUMENT_TYPES["dismissal"], admin)
    due_on = records.retention(case).disposal_on
    clock.freeze(datetime.combine(due_on - timedelta(days=30), time(6), tzinfo=UTC))
    batch = records.warn()
    clock.freeze(datetime.combine(due_on + timedelta(days=1), time(9, 30), tzinfo=UTC))
    records.confirm(batch, admin)
    disposal.dispose_batch(batch, by=admin)
    clock.freeze(clock.now() + timedelta(minutes=5))
    certificates.issue_certificate(batch, admin)
    return case


def _hold(admin) -> int:
    """A hold on the closed "no violation" proceeding (the first closed case)."""
    case = db.session.execute(select(Case).where(Case.status == State.CLOSED)
                              .order_by(Case.id).limit(1)).scalar_one_or_none()
    if case is None or db.session.execute(select(LegalHold.id).where(
            LegalHold.case_id == case.id)).first() is not None:
        return 0
    records.place_hold(admin, HOLD_REASON, HOLD_REFERENCE, case=case)
    return 1
