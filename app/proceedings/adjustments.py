"""Adjustments and documents in another format (issue 18, the accessibility statement).

A party asks, on the case page, for what they need to take part: a document in large
print or another format, an interpreter or step-free access at the hearing. The request
is a line on the case's timeline and an `adjustment` deadline for the office, which the
chairs are told of; the office answers on the case page, which meets the deadline and
writes to the party who asked. The workflow rows are in app/proceedings/workflow.py.
"""
from __future__ import annotations

from sqlalchemy import select

from app.access import party_role
from app.cases import services
from app.cases.models import Case, CaseEvent, Deadline
from app.extensions import db
from app.proceedings import notices

KIND = "adjustment"  # the deadline's kind


def pending(case: Case) -> Deadline | None:
    """The request waiting for the office's answer, as its open deadline."""
    return case.open_deadline(KIND)


def asked_by(case: Case):
    """Who made the request now pending (the actor of the latest request line)."""
    event = db.session.execute(
        select(CaseEvent).where(CaseEvent.case_id == case.id,
                                CaseEvent.action == "ask_adjustment")
        .order_by(CaseEvent.id.desc()).limit(1)).scalar_one_or_none()
    return event.actor if event is not None else None


def waiting(case: Case) -> str | None:
    """Why a new request cannot be made yet: one is waiting for the office's answer."""
    deadline = pending(case)
    if deadline is None:
        return None
    return ("A request for an adjustment is waiting for the office's answer, due by "
            f"{deadline.due_on.isoformat()}; you can ask again once it is answered.")


def guard_ask(case: Case, data: dict) -> str | None:
    if not data.get("text", "").strip():
        return "Say what you need: the format of the documents, or the adjustment."
    return None


def ask(case: Case, actor, data: dict) -> None:
    deadline = services.open_deadline(case, KIND, services.days_setting("ADJUSTMENT_DAYS"))
    role = party_role(actor, case) or "party"
    notices.to_intake(case, "a request for an adjustment or another format", [
        f"The {role} asks for an adjustment or a document in another format:",
        data["text"].strip(),
        f"Answer the request on the case page by {deadline.due_on.isoformat()}."])


def guard_answer(case: Case, data: dict) -> str | None:
    if pending(case) is None:
        return "There is no request for an adjustment to answer."
    if not data.get("text", "").strip():
        return "Write the answer the party will receive."
    return None


def answer(case: Case, actor, data: dict) -> None:
    asker = asked_by(case)
    services.meet_deadline(case, KIND)
    paragraphs = ["The office has answered your request for an adjustment or a document "
                  "in another format:", data["text"].strip()]
    subject = "the answer to your request for an adjustment"
    role = party_role(asker, case) if asker is not None else None
    if role == "respondent":
        notices.to_respondent_only(case, subject, paragraphs)
    elif role == "complainant":
        notices.to_complainant_only(case, subject, paragraphs)
