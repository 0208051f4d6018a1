"""What goes into an export, for one reader: a plan of members (name → bytes, made later).

What a reader may see comes from the access rules and the case page's own builder
(`proceedings.page.readable`: timeline, evidence, documents, disclosure log, hearing) and
`policy.can` for the rest (who complained, the complaint's details, the answer, internal
material, the audit entries): no second filter lives here. A party's record is the case
page they read, as files.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app import access
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.audit.search import filtered_entries
from app.cases import services as case_services
from app.cases.models import Case, State
from app.documents.services import stored_bytes
from app.exports.models import Export
from app.extensions import db
from app.messages import services as messages
from app.notifications.models import OutboxMessage
from app.policy import can
from app.practice_disclosures.models import PracticeDisclosure
from app.proceedings import page as case_page
from app.proceedings.models import SanctionKind
from app.registry.models import Certificant
from app.storage import store

# Decisions the case page shows (and so the record holds) once the case is in these states.
DECIDED = ("decided", "under_appeal", "final", "closed", "dismissed")


@dataclass(frozen=True)
class Member:
    name: str  # its path in the ZIP
    make: Callable[[], bytes]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_json(data) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_plain).encode("utf-8")


def as_csv(rows: list[dict], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        # a cell a spreadsheet would run as a formula is quoted (as the office's CSVs are)
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return out.getvalue().encode("utf-8")


def _cell(value) -> str:
    text = "" if value is None else str(_plain(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _safe(name: str) -> str:
    """A file name safe inside a ZIP: no folders, no leading dots."""
    cleaned = "".join(c if c.isalnum() or c in "-_. " else "_" for c in name).strip(" .")
    return cleaned or "file"


# --- the record of one case, as one reader may see it -----------------------------------

def case_overview(case: Case, reader) -> dict:
    """The overview and allegations part of the case page, as data."""
    internal = can(reader, "case.view_internal", case)
    if case.kind == "self_report":
        complainant = "self-report"
    elif can(reader, "case.see_complainant", case):
        complainant = case.complainant.name if case.complainant else "the committee"
    else:
        complainant = "withheld at the complainant's request"
    overview = {
        "number": case.number, "kind": case.kind, "status": State(case.status).title,
        "submitted_at": case.submitted_at, "served_at": case.served_at,
        "closed_at": case.closed_at, "complainant": complainant,
        "respondent": case.respondent_display,
        "allegations": [{"code": a.item.code, "title": a.item.title,
                         "code_version": a.item.version.name, "conduct_from": a.conduct_from,
                         "conduct_to": a.conduct_to, "facts": a.facts,
                         "proposed": a.proposed}
                        for a in case.allegations if internal or not a.proposed],
    }
    if can(reader, "case.see_complaint_details", case):
        overview["relation"] = case.relation_title if case.relation else None
        overview["remedy_sought"] = case.remedy_sought
    if can(reader, "case.see_answer", case):
        response = case_services.response_of(case)
        overview["answer"] = ({"text": response.text, "submitted_at": response.submitted_at}
                              if response else None)
    return overview


def _decision(case: Case) -> dict | None:
    decision = access.latest_decision(case)
    if decision is None or case.status not in DECIDED:
        return None
    titles = {k.value: k.title for k in SanctionKind}
    return {"outcome": decision.outcome_title, "decided_at": decision.decided_at,
            "final_at": decision.final_at, "appeal_due_on": decision.appeal_due_on,
            "findings": [{"allegation": f.allegation.item.code, "violated": f.violated}
                         for f in decision.findings],
            "sanctions": [{"kind": titles.get(s.kind, s.kind), "status": s.status_title,
                           "starts_on": s.starts_on, "ends_on": s.ends_on, "terms": s.terms,
                           "conditions": [{"text": c.get("text"), "due_on": c.get("due_on"),
                                           "met_on": c.get("met_on")}
                                          for c in (s.conditions or [])]}
                          for s in decision.sanctions]}


def _timeline(material: dict) -> list[dict]:
    shown = material["bodies_shown"]
    return [{"at": e.at, "summary": e.summary, "internal": e.internal,
             "status_from": e.from_status,
             "status_to": e.to_status,
             "text": e.body if shown is None or e.action in shown else ""}
            for e in material["timeline"]]


def _disclosure_log(material: dict) -> list[dict]:
    return [{"at": d.at, "item": d.item_label, "item_type": d.item_type,
             "recipient": d.recipient_email or "", "how": d.how}
            for d in material["disclosures"]]


def _hearing(case: Case, reader, material: dict) -> dict:
    hearing = material["hearing"]
    out = {"starts_at": hearing.starts_at, "place": hearing.place,
           "video_link": hearing.video_link, "status": hearing.status,
           "set_aside_at": hearing.set_aside_at}
    if can(reader, "case.view_internal", case) and hearing.status == "held":
        out |= {"attendance": hearing.attendance, "minutes": hearing.minutes,
                "recording": hearing.recording_ref, "closed_at": hearing.closed_at}
    return out


def _audit(case: Case, material: dict) -> list[dict]:
    """The audit entries about the case and its objects: its documents, its evidence and
    the exports of its record (staff only). One query per kind of object."""
    exports = db.session.execute(select(Export.id).where(Export.case_id == case.id)).scalars()
    targets = {"cases": [case.id], "documents": [d.id for d in material["documents"]],
               "evidence": [e.id for e in material["evidence"]], "exports": list(exports)}
    entries = []
    for target_type, ids in targets.items():
        if ids:
            query = filtered_entries({"target_type": target_type}).where(
                AuditEntry.target_id.in_([str(i) for i in ids]))
            entries += db.session.execute(query).scalars().all()
    entries.sort(key=lambda e: e.id)
    return [{"id": e.id, "seq": e.seq, "at": e.created_at, "action": e.action,
             "actor": e.actor_label, "target": f"{e.target_type}:{e.target_id}",
             "details": e.details} for e in entries]


def _file(kind: str, stored_name: str) -> Callable[[], bytes]:
    return lambda: store(kind).read(stored_name)


def record_members(case: Case, reader, prefix: str = "") -> list[Member]:
    """Every member of the record of `case` that `reader` may see, each made when built."""
    material = case_page.readable(reader, case)
    members = [Member(f"{prefix}case.json", lambda: as_json(
        case_overview(case, reader) | {"decision": _decision(case)}))]
    timeline = _timeline(material)
    members.append(Member(f"{prefix}timeline.json", lambda: as_json(timeline)))
    members.append(Member(f"{prefix}timeline.csv", lambda: as_csv(
        timeline, ["at", "summary", "internal", "status_from", "status_to", "text"])))
    if can(reader, "case.see_disclosure_log", case):
        log = _disclosure_log(material)
        members.append(Member(f"{prefix}disclosure-log.json", lambda: as_json(log)))
        members.append(Member(f"{prefix}disclosure-log.csv", lambda: as_csv(
            log, ["at", "item", "item_type", "recipient", "how"])))
    if material["hearing_shown"]:
        members.append(Member(f"{prefix}hearing.json",
                              lambda: as_json(_hearing(case, reader, material))))
    for d in material["documents"]:
        if d.disposed_at is None:
            members.append(Member(f"{prefix}documents/{d.number}.pdf",
                                  lambda d=d: stored_bytes(d)))
    for e in material["evidence"]:
        members.append(Member(f"{prefix}evidence/{e.id}-{_safe(e.original_name)}",
                              _file("evidence", e.stored_name)))
    # the case's audit trail names who voted and who wrote notes: not for a member kept
    # apart from the panel's deliberation (the rule that hides the tally and the notes)
    if can(reader, "case.view_internal", case) and can(reader, "case.see_votes", case):
        members.append(Member(f"{prefix}audit.json",
                              lambda: as_json(_audit(case, material))))
    return members


# --- a person's own data --------------------------------------------------------------

def account_data(user: User) -> dict:
    """The account as its owner may have it: never the password hash or the second factor's
    secret (only whether one is on)."""
    return {"id": user.id, "email": user.email, "name": user.name,
            "roles": sorted(user.role_names), "active": user.active,
            "created_at": user.created_at, "email_verified_at": user.email_verified_at,
            "last_login_at": user.last_login_at,
            "second_factor_on": user.totp_enabled_at is not None}


def _registry(user: User) -> dict | None:
    if user.certificant_id is None:
        return None
    c = db.session.get(Certificant, user.certificant_id)
    return {"cert_number": c.cert_number, "name": c.name, "email": c.email,
            "status": c.status, "expires_on": c.expires_on}


def own_cases(user: User) -> list[Case]:
    """The cases the person is a party to and may read now (a respondent: from service)."""
    cases = db.session.execute(access.party_cases(user).order_by(Case.id)).scalars()
    return [c for c in cases if can(user, "case.view_details", c)]


def _disclosures(user: User) -> list[dict]:
    rows = db.session.execute(select(PracticeDisclosure).where(
        PracticeDisclosure.owner_id == user.id).order_by(PracticeDisclosure.id)).scalars()
    return [{"kind": d.kind, "description": d.description, "status": d.status,
             "disclosed_on": d.disclosed_on, "withdrawal_due_on": d.withdrawal_due_on,
             "withdrawn_on": d.withdrawn_on,
             "parties": [{"name": p.name, "email": p.email, "role": p.role,
                          "answer": p.answer, "comment": p.answer_text,
                          "answered_at": p.answered_at} for p in d.parties]}
            for d in rows]


def _notices(user: User) -> list[dict]:
    rows = db.session.execute(select(OutboxMessage).where(
        func.lower(OutboxMessage.recipient) == user.email.lower()).order_by(OutboxMessage.id)
    ).scalars()
    return [{"created_at": m.created_at, "subject": m.subject, "status": m.status,
             "sent_at": m.sent_at, "text": m.text_body} for m in rows]


def _messages(user: User, cases: list[Case]) -> list[dict]:
    out = []
    for case in cases:
        for thread in messages.threads_for(user, case):
            out += [{"case": case.number, "at": m.sent_at,
                     "from": "you" if m.author_id == user.id else m.sender,
                     "text": m.body} for m in thread.messages]
    return out


def own_data_members(user: User) -> list[Member]:
    """Everything the export of a person's own data holds."""
    cases = own_cases(user)
    members = [Member("account.json", lambda: as_json(account_data(user))),
               Member("registry.json", lambda: as_json(_registry(user))),
               Member("practice-disclosures.json", lambda: as_json(_disclosures(user))),
               Member("notices.json", lambda: as_json(_notices(user))),
               Member("messages.json", lambda: as_json(_messages(user, cases)))]
    for case in cases:
        folder = case.number or f"draft-{case.id}"
        members += record_members(case, user, prefix=f"cases/{folder}/")
    return members
