"""The documents a proceeding calls for: for each, its template, its audience and the one function that
builds its plain data from a case.

The renderer never sees an ORM object: `build()` returns dicts, lists, strings and
dates. A later document type (notice of hearing, decision and order, appeal decision,
public notice) is a template under templates/pdf/ and an entry here, nothing more.

Audience: the parties a document is addressed to. Who is named in it follows from
that: when the respondent is among the recipients and the chair granted the
complainant's request, the complainant is not named.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, select

from app.cases import services as case_services
from app.cases.models import Case, CaseEvent, CaseKind, DismissalReason, ExtensionRequest
from app.proceedings import services as p
from app.proceedings.models import Capacity, Decision, Hearing, Sanction, SanctionKind
from app.urls import external_url

COMPLAINANT, RESPONDENT = "complainant", "respondent"


@dataclass(frozen=True)
class DocumentType:
    kind: str
    title: str
    template: str
    audience: tuple[str, ...]
    build: Callable[[Case], dict]
    # Whether the case has reached the point where this document makes sense.
    applies: Callable[[Case], bool]
    # The same, loosely, in SQL: true of every case `applies` accepts, so a list of the
    # cases waiting for this document is found by the database, not case by case.
    narrows: Callable[[], ColumnElement[bool]]

    def recipients(self, case: Case) -> list[dict]:
        """The people the document is addressed to, with where to send it."""
        out = []
        for role in self.audience:
            person = party(case, role)
            if person and person["email"]:
                out.append(person)
        return out


# --- the parties, as a document may name them --------------------------------------

def party(case: Case, role: str) -> dict | None:
    """A party as plain data: role, name, email, account id."""
    if role == COMPLAINANT:
        if case.kind == CaseKind.SELF_REPORT:
            return party(case, RESPONDENT)
        user = case.complainant
        if user is None:
            return None
        return {"role": COMPLAINANT, "name": user.name, "email": user.email,
                "user_id": user.id}
    user = case.respondent_user
    email = case_services.service_address(case)
    return {"role": RESPONDENT, "name": _respondent_name(case),
            "email": email or (user.email if user else None),
            "user_id": user.id if user else None}


def _respondent_name(case: Case) -> str:
    if case.respondent_certificant:
        return case.respondent_certificant.name
    if case.respondent_user:
        return case.respondent_user.name
    return case.respondent_name or "The respondent"


def complainant_shown(case: Case, audience: tuple[str, ...]) -> str:
    """How the complainant is named in a document for this audience."""
    if case.kind == CaseKind.SELF_REPORT:
        return "Self-report by the certificant"
    if case.complainant is None:
        return "The committee, on its own motion"
    if RESPONDENT in audience and case.withhold_identity:
        return "Withheld at the complainant's request"
    return case.complainant.name


def _allegations(case: Case) -> list[dict]:
    return [{
        "id": a.id, "code": a.item.code, "title": a.item.title, "summary": a.item.summary,
        "version": a.item.version.name, "conduct_from": a.conduct_from,
        "conduct_to": a.conduct_to, "facts": a.facts,
    } for a in case.allegations if not a.proposed]


def _base(case: Case, audience: tuple[str, ...]) -> dict:
    """What every document of a case carries."""
    cert = case.respondent_certificant
    return {
        "case_number": case.number,
        "case_kind": "self-report" if case.kind == CaseKind.SELF_REPORT else "complaint",
        "respondent": {"name": _respondent_name(case),
                       "cert_number": cert.cert_number if cert else None},
        "complainant": complainant_shown(case, audience),
        "submitted_on": case.submitted_at.date() if case.submitted_at else None,
        "allegations": _allegations(case),
        "case_url": external_url("proceedings.detail", number=case.number),
    }


# --- builders, one per type -------------------------------------------------------

def build_receipt(case: Case) -> dict:
    audience = (COMPLAINANT,)
    return _base(case, audience) | {
        "addressee": party(case, COMPLAINANT),
        "received_at": case.submitted_at,
        "evidence": [{"name": e.original_name, "size": e.size, "sha256": e.sha256}
                     for e in case.evidence if e.context == "complaint"],
        "remedy": case.remedy_sought,
        "identity_withholding_requested": case.withhold_identity_requested,
    }


def build_notice(case: Case) -> dict:
    audience = (RESPONDENT,)
    deadline = _last_deadline(case, "response")
    return _base(case, audience) | {
        "addressee": party(case, RESPONDENT),
        "served_on": case.served_at.date() if case.served_at else None,
        "evidence": [{"name": e.original_name, "size": e.size, "sha256": e.sha256}
                     for e in case.evidence if e.disclosed_to_respondent],
        "response_due": deadline.due_on if deadline else None,
        "response_days": current_app.config["RESPONSE_DAYS"],
    }


def build_information_request(case: Case) -> dict:
    audience = (COMPLAINANT,)
    event = _last_event(case, "request_info")
    deadline = _last_deadline(case, "information")
    return _base(case, audience) | {
        "addressee": party(case, COMPLAINANT),
        "requested_on": event.at.date() if event else None,
        "request": event.body if event else "",
        "information_due": deadline.due_on if deadline else None,
    }


def build_dismissal(case: Case) -> dict:
    audience = (COMPLAINANT,)
    event = _last_event(case, "dismiss")
    reason = case.outcome_reason
    return _base(case, audience) | {
        "addressee": party(case, COMPLAINANT),
        "dismissed_on": event.at.date() if event else None,
        "reason": DismissalReason(reason).title if reason in DismissalReason._value2member_map_
        else (reason or ""),
        "explanation": case.outcome_text,
    }


def build_extension_decision(case: Case) -> dict:
    audience = (RESPONDENT,)
    request = _last_decided_extension(case)
    return _base(case, audience) | {
        "addressee": party(case, RESPONDENT),
        "requested_on": request.requested_at.date(),
        "reason": request.reason,
        "requested_until": request.requested_until,
        "granted": request.status == "granted",
        "decided_on": request.decided_at.date() if request.decided_at else None,
        "new_due_on": request.new_due_on,
        "original_due_on": request.deadline.original_due_on if request.deadline else None,
        "note": request.decision_note,
    }


def _last_event(case: Case, action: str):
    return next((e for e in reversed(case.events) if e.action == action), None)


def _last_deadline(case: Case, kind: str):
    return next((d for d in reversed(case.deadlines) if d.kind == kind), None)


def _last_decided_extension(case: Case) -> ExtensionRequest | None:
    # from the case's requests, read once a request (the case page lists them too)
    return next((r for r in reversed(case_services.extension_requests(case))
                 if r.status != "pending"), None)


# --- after the answer (app/proceedings) ------------------------------------------------

def _decision_data(decision) -> dict:
    return {
        "stage": decision.stage, "outcome": decision.outcome, "reasons": decision.reasons,
        "decided_on": decision.decided_at.date(),
        "findings": [{"code": f.allegation.item.code, "title": f.allegation.item.title,
                      "violated": f.violated, "reasons": f.reasons}
                     for f in decision.findings],
        "sanctions": [{"title": SanctionKind(x.kind).title, "public": SanctionKind(x.kind).public,
                       "terms": x.terms, "starts_on": x.starts_on, "ends_on": x.ends_on,
                       "bar_years": x.bar_years,
                       "conditions": [{"text": c["text"], "due_on": c["due_on"]}
                                      for c in x.conditions or []]}
                      for x in decision.sanctions],
        "appeal_due_on": decision.appeal_due_on,
    }


def build_notice_of_hearing(case: Case) -> dict:
    audience = (COMPLAINANT, RESPONDENT)
    hearing = p.current_hearing(case)
    heard = {a.id for a in p.heard_allegations(case)}
    return _base(case, audience) | {
        "addressee": None,
        "starts_at": hearing.starts_at, "place": hearing.place, "video_link": hearing.video_link,
        "allegations": [a for a in _allegations(case) if a["id"] in heard],
        "panel": [u.name for u in p.members_in(case, Capacity.HEARING_PANEL)],
        "notice_days": p.hearing_notice_days(),
    }


def build_decision(case: Case) -> dict:
    audience = (COMPLAINANT, RESPONDENT)
    decision = p.latest_decision(case)
    return _base(case, audience) | {"addressee": None} | _decision_data(decision)


def build_appeal_decision(case: Case) -> dict:
    audience = (COMPLAINANT, RESPONDENT)
    appeal = p.appeal_of(case)
    decision = p.latest_decision(case, "appeal")
    return _base(case, audience) | {
        "addressee": None, "appellant": appeal.appellant_role,
        "grounds": appeal.grounds, "filed_on": appeal.filed_at.date(),
        "appealed_decided_on": appeal.decision.decided_at.date(),
    } | _decision_data(decision)


def build_public_notice(case: Case) -> dict:
    """Redacted: the certificant, the standards violated and the sanctions; nothing else."""
    decision = p.operative_decision(case)
    data = _decision_data(decision)
    cert = case.respondent_certificant
    return {
        "case_number": case.number,
        "respondent": {"name": _respondent_name(case),
                       "cert_number": cert.cert_number if cert else None},
        "complainant": None,
        "addressee": None,
        "final_on": decision.final_at.date() if decision.final_at else None,
        "standards_violated": [f["code"] + " " + f["title"] for f in data["findings"]
                               if f["violated"]],
        "sanctions": [x for x in data["sanctions"] if x["public"]],
    }


def _has_decision(case: Case, *stages: str) -> bool:
    decision = p.latest_decision(case)
    return decision is not None and decision.stage in stages


def _public_final(case: Case) -> bool:
    decision = p.operative_decision(case)
    return bool(decision and decision.final_at and any(
        s.status != "pending" and s.kind in SanctionKind._value2member_map_
        and SanctionKind(s.kind).public for s in decision.sanctions))


def _hearing_scheduled(case: Case) -> bool:
    hearing = p.current_hearing(case)
    return hearing is not None and hearing.status == "scheduled"


def _has(model, *where) -> Callable[[], ColumnElement[bool]]:
    """`narrows` for a document that needs a row of `model` on the case."""
    return lambda: select(model.id).where(model.case_id == Case.id, *where).exists()


def _final_public_sanction() -> ColumnElement[bool]:
    public = [k.value for k in SanctionKind if k.public]
    return select(Sanction.id).join(Decision).where(
        Decision.case_id == Case.id, Decision.final_at.is_not(None),
        Sanction.status != "pending", Sanction.kind.in_(public)).exists()


# --- the table ---------------------------------------------------------------------

DOCUMENT_TYPES: dict[str, DocumentType] = {t.kind: t for t in [
    DocumentType("receipt", "Receipt of complaint", "receipt.html", (COMPLAINANT,),
                 build_receipt, lambda c: c.number is not None,
                 lambda: Case.number.is_not(None)),
    DocumentType("notice_of_complaint", "Notice of complaint", "notice_of_complaint.html",
                 (RESPONDENT,), build_notice, lambda c: c.served_at is not None,
                 lambda: Case.served_at.is_not(None)),
    DocumentType("information_request", "Request for more information",
                 "information_request.html", (COMPLAINANT,), build_information_request,
                 lambda c: _last_event(c, "request_info") is not None,
                 _has(CaseEvent, CaseEvent.action == "request_info")),
    DocumentType("dismissal", "Dismissal of complaint", "dismissal.html", (COMPLAINANT,),
                 build_dismissal,
                 # dismissed at intake; a dismissal after review is a decision and order
                 lambda c: c.status == "dismissed" and _last_event(c, "dismiss") is not None,
                 lambda: (Case.status == "dismissed")
                 & _has(CaseEvent, CaseEvent.action == "dismiss")()),
    DocumentType("extension_decision", "Decision on a request for more time",
                 "extension_decision.html", (RESPONDENT,), build_extension_decision,
                 lambda c: _last_decided_extension(c) is not None,
                 _has(ExtensionRequest, ExtensionRequest.status != "pending")),
    DocumentType("notice_of_hearing", "Notice of hearing", "notice_of_hearing.html",
                 (COMPLAINANT, RESPONDENT), build_notice_of_hearing, _hearing_scheduled,
                 _has(Hearing, Hearing.status == "scheduled")),
    DocumentType("decision_and_order", "Decision and order", "decision_and_order.html",
                 (COMPLAINANT, RESPONDENT), build_decision,
                 lambda c: _has_decision(c, "review", "hearing"),
                 _has(Decision, Decision.stage.in_(("review", "hearing")))),
    DocumentType("appeal_decision", "Decision on appeal", "appeal_decision.html",
                 (COMPLAINANT, RESPONDENT), build_appeal_decision,
                 lambda c: _has_decision(c, "appeal"),
                 _has(Decision, Decision.stage == "appeal")),
    DocumentType("public_notice", "Public notice of a sanction", "public_notice.html", (),
                 build_public_notice, _public_final,
                 _final_public_sanction),
]}


def applicable(case: Case) -> list[DocumentType]:
    """The document types this case has reached, in table order."""
    return [t for t in DOCUMENT_TYPES.values() if t.applies(case)]

