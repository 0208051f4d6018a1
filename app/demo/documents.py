"""Demo documents: what the administrator would have issued on the demo cases.

For each demo case, every document type that applies and was not issued yet is issued
by the demo administrator (so the parties find them on their pages and in the
outbox), and one notice of complaint is corrected, so a superseded document shows.
Loading again adds nothing.
"""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.services import find_by_email
from app.cases.models import Case
from app.documents import services
from app.documents.models import Document
from app.extensions import db
from app.proceedings.documents import DOCUMENT_TYPES, applicable

ADMIN = "admin@example.org"
# Issued on cases in these states (a receipt is shown only on the answered case, to keep
# the demo's outbox readable). The demo proceedings issue theirs as they go
# (app/demo/proceedings.py); what is left here is the public notice of the suspension
# the sweep made final.
WANTED = {"notice_of_complaint", "information_request", "dismissal", "extension_decision",
          "notice_of_hearing", "decision_and_order", "appeal_decision", "public_notice"}
CORRECTION = "The response deadline was stated without the weekday rule; restated."


def load_demo_documents() -> int:
    admin = find_by_email(ADMIN)
    if admin is None:
        return 0
    issued = 0
    cases = db.session.execute(
        select(Case).where(Case.number.is_not(None)).order_by(Case.id)).scalars().all()
    for case in cases:
        have = {d.kind for d in services.documents_of(case)}
        for doc_type in applicable(case):
            if doc_type.kind in WANTED and doc_type.kind not in have:
                services.issue(case, doc_type, admin)
                issued += 1
    # one correction, once: the first notice of complaint on a case still waiting for the
    # answer is superseded by a new one
    first_notice = db.session.execute(
        select(Document).where(Document.kind == "notice_of_complaint",
                               Document.case.has(Case.status == "awaiting_response"))
        .order_by(Document.id).limit(1)).scalar_one_or_none()
    corrected = db.session.execute(
        select(Document.id).where(Document.supersedes_id.is_not(None)).limit(1)).first()
    if first_notice is not None and corrected is None:
        services.issue(first_notice.case, DOCUMENT_TYPES["notice_of_complaint"], admin,
                       supersedes=first_notice, reason=CORRECTION)
        issued += 1
    db.session.flush()
    return issued
