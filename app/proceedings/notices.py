"""Emails of the proceeding after the answer, through the outbox.

Built on app/cases/notices.py, so the same rules hold: a recused member is never
written to, an undeclared member is told only that a declaration is needed, and a
withheld complainant identity never reaches the respondent.
"""
from __future__ import annotations

import base64
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.access import (
    active_representative,
    awaiting_declaration,
    committee_members,
    is_party,
    is_recused,
    may_appeal,
    members_in,
)
from app.cases import notices as base
from app.cases.models import Case
from app.cases.services import service_address
from app.extensions import db
from app.notifications.services import queue_mail
from app.proceedings.models import DocumentRequest, Hearing
from app.urls import external_url


def to_members(case: Case, members, subject: str, paragraphs: list[str]) -> None:
    for user in members:
        if is_recused(user, case) or is_party(user, case):
            continue
        if awaiting_declaration(user, case):
            base._declaration_needed(case, user)
        else:
            base._send(user.email, f"{case.number}: {subject}", name=user.name,
                       paragraphs=paragraphs, link=base._case_link(case))


def to_committee(case: Case, subject: str, paragraphs: list[str]) -> None:
    to_members(case, committee_members(), subject, paragraphs)


def to_intake(case: Case, subject: str, paragraphs: list[str]) -> None:
    base.to_intake(case, f"{case.number}: {subject}", paragraphs)


def to_respondent_only(case: Case, subject: str, paragraphs: list[str]) -> None:
    base._to_respondent(case, f"{case.number}: {subject}", paragraphs)


def to_complainant_only(case: Case, subject: str, paragraphs: list[str]) -> None:
    base._to_complainant(case, f"{case.number}: {subject}", paragraphs)


def to_parties(case: Case, subject: str, paragraphs: list[str]) -> None:
    base._to_complainant(case, f"{case.number}: {subject}", paragraphs)
    if case.served_at is not None:
        base._to_respondent(case, f"{case.number}: {subject}", paragraphs)


def documents_requested(case: Case, request) -> None:
    paragraphs = [
        f"The investigator of case {case.number} asks you for documents:",
        request.what,
        f"Please provide them by {request.deadline.due_on}. Certificants have a duty to "
        "cooperate with the committee's proceedings (S9).",
    ]
    if request.addressee_role == "respondent":
        base._to_respondent(case, f"{case.number}: documents requested", paragraphs
                            + ["Answer on your case page, attaching the documents."])
    else:
        base._send(request.addressee_email, f"{case.number}: documents requested",
                   name=request.addressee_name,
                   paragraphs=paragraphs + ["Reply to this email with the documents."])


def ics(case: Case, hearing) -> str:
    """A calendar invitation for the hearing (RFC 5545), two hours long."""
    def stamp(dt):
        return dt.strftime("%Y%m%dT%H%M%SZ")

    end = hearing.starts_at + timedelta(hours=2)
    location = hearing.place or hearing.video_link
    # A postponement moves the same event: the UID is the first hearing of the run of
    # postponements this one ends, and SEQUENCE counts the moves, so a calendar replaces
    # the old date rather than keeping both.
    chain = []
    for h in sorted((h for h in _hearings(case) if h.id <= hearing.id), key=lambda h: h.id):
        chain = [] if h.status == "held" and h.id != hearing.id else chain + [h]
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//ethics-tracker//hearings//EN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:hearing-{chain[0].id}-{case.number}@ethics-tracker",
        f"SEQUENCE:{len(chain) - 1}",
        f"DTSTAMP:{stamp(hearing.scheduled_at)}", f"DTSTART:{stamp(hearing.starts_at)}",
        f"DTEND:{stamp(end)}", f"SUMMARY:Hearing in case {case.number}",
        f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(external_url('proceedings.detail', number=case.number))}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _fold(line: str) -> str:
    """RFC 5545 3.1: a content line longer than 75 octets continues on lines that start
    with a space (never splitting a UTF-8 character)."""
    parts, current, limit = [], "", 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current, limit = char, 74  # the leading space takes one octet
        else:
            current += char
    return "\r\n ".join(parts + [current])


def _hearings(case: Case) -> list:
    return list(db.session.execute(select(Hearing).where(Hearing.case_id == case.id)).scalars())


def _ics_text(value: str) -> str:
    return (value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,") \
        .replace("\n", "\\n")


def hearing_scheduled(case: Case, hearing, postponed_from=None) -> None:
    when = clock.local_text(hearing.starts_at)
    subject = f"{case.number}: notice of hearing on {when}"
    paragraphs = [f"The hearing in case {case.number} is set for {when}."
                  + (f" It replaces the hearing set for "
                     f"{clock.local_text(postponed_from.starts_at)}, which is postponed."
                     if postponed_from else ""),
                  f"Place: {hearing.place}" if hearing.place else "",
                  f"By video: {hearing.video_link}" if hearing.video_link else "",
                  "A calendar invitation is attached. The formal notice of hearing follows "
                  "as a document."]
    attachment = [{"filename": f"hearing-{case.number}.ics", "mime": "text/calendar",
                   "data": base64.b64encode(ics(case, hearing).encode()).decode()}]
    people = []
    if case.complainant is not None:
        people.append((case.complainant.email, case.complainant.name))
    respondent = service_address(case)
    if respondent:
        people.append((respondent, case.respondent_display))
    # each party's representative, who attends with them
    people += [(r.email, r.name) for r in (active_representative(case, "complainant"),
                                           active_representative(case, "respondent")) if r]
    # the panel sits at the hearing: its members get the invitation too
    people += [(member.email, member.name) for member in members_in(case, "hearing_panel")]
    for email, name in people:
        queue_mail(email, "cases/message", subject, name=name, paragraphs=paragraphs,
                   items=[], link_label="Open the case",
                   link_url=external_url("proceedings.detail", number=case.number),
                   attachments=attachment)


def condition_reminder(case: Case, condition: dict, days_left: int) -> None:
    when = "tomorrow" if days_left == 1 else f"in {days_left} days"
    base._to_respondent(case, f"{case.number}: a condition of your sanction is due {when}", [
        f"This condition of the committee's order in case {case.number} is due on "
        f"{condition['due_on']}:", condition["text"],
        "Send the evidence that it is met to the committee. A condition not met by its date "
        "returns the case to the committee."])


# --- every clock reminds the person it binds (issue 14) -----------------------------------

def _witness_request(deadline):
    return db.session.execute(select(DocumentRequest).where(
        DocumentRequest.deadline_id == deadline.id)).scalar_one_or_none()


def deadline_reminder(case: Case, deadline, days_left: int) -> None:
    """The reminder of a clock, to whom it binds (7 and 1 days before, by the sweep)."""
    when = "tomorrow" if days_left == 1 else f"in {days_left} days"
    due = deadline.due_on.isoformat()
    kind = deadline.kind
    if kind in ("response", "information"):
        base.reminder(case, deadline, days_left)
    elif kind == "documents":
        to_respondent_only(case, f"Reminder: the documents asked for are due {when}", [
            f"The documents the investigator asked you for are due on {due}. Cooperating "
            "with the committee's proceedings is a duty under the code (S9)."])
    elif kind == "witness_documents":
        request = _witness_request(deadline)
        if request is not None:
            base._send(request.addressee_email,
                       f"{case.number}: reminder, the documents asked for are due {when}",
                       name=request.addressee_name, paragraphs=[
                           f"The investigator of case {case.number} asked you for documents "
                           f"by {due}:", request.what])
    elif kind == "appeal":
        paragraphs = [f"The period to appeal the decision ends on {due}. After that day the "
                      "decision becomes final."]
        if case.served_at is not None:
            to_respondent_only(case, f"Reminder: the appeal period ends {when}", paragraphs)
        if any(may_appeal(u, case) for u in [case.complainant] if u is not None):
            base._to_complainant(case, f"{case.number}: Reminder: the appeal period ends {when}",
                                 paragraphs)
    elif kind == "interim_review":
        to_intake(case, f"Reminder: the interim suspension is to be reviewed {when}", [
            f"The interim suspension is due for review on {due}: lift it or keep it, with "
            "reasons."])
    elif kind.startswith("objection_"):
        paragraphs = [f"Your time to object to a committee member's disclosure ends on {due}.",
                      "Read the disclosures on your case page."]
        if kind == "objection_respondent":
            to_respondent_only(case, f"Reminder: the time to object ends {when}", paragraphs)
        else:
            base._to_complainant(case, f"{case.number}: Reminder: the time to object ends {when}",
                                 paragraphs)
    elif kind == "reinstatement_bar":
        to_respondent_only(case, f"The bar on reapplying ends {when}", [
            f"The bar on reapplying set with the revocation ends on {due}. From that day you "
            "may petition for reinstatement on your case page."])


def deadline_passed(case: Case, deadline) -> None:
    """A clock ran out with nothing in the workflow to take: who must know is told."""
    due = deadline.due_on.isoformat()
    kind = deadline.kind
    if kind == "witness_documents":
        request = _witness_request(deadline)
        to_members(case, members_in(case, "investigator"), "A witness did not send the documents",
                   [f"The documents asked of {request.addressee_name if request else 'a witness'} "
                    f"were due on {due} and have not arrived."])
    elif kind == "interim_review":
        to_intake(case, "The interim suspension's review is overdue", [
            f"The interim suspension was due for review on {due}. Review it now: lift it or "
            "keep it, with reasons."])
    elif kind == "reinstatement_bar":
        to_respondent_only(case, "You may now petition for reinstatement", [
            f"The bar on reapplying ended on {due}. You may petition for reinstatement on "
            "your case page."])
