"""Case rules that are not transitions: drafts, numbering, deadlines, service, events.

Services flush and never commit. Status changes happen only in workflow.apply().
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import clock
from app.access import forget, remembered
from app.accounts.models import User
from app.audit.services import record
from app.cases import notices
from app.cases.models import (
    Allegation,
    Case,
    CaseCounter,
    CaseEvent,
    CaseKind,
    Deadline,
    Disclosure,
    Evidence,
    ExtensionRequest,
    Relation,
    Response,
)
from app.cases.uploads import check_batch, delete_stored, stored_path, within_case_limits
from app.catalogue.models import CodeItem
from app.catalogue.services import governing_version
from app.extensions import db
from app.locks import lock_row
from app.storage import remove_on_rollback, store


class CaseError(Exception):
    """A case rule was not met; the message is for the user."""


# --- settings ---------------------------------------------------------------

def days_setting(name: str) -> int:
    return int(current_app.config[name])


def time_limit_years() -> int:
    return days_setting("COMPLAINT_TIME_LIMIT_YEARS")


# --- events and disclosure ------------------------------------------------------

def add_event(case: Case, actor, action: str, summary: str, *, body: str = "",
              from_status: str | None = None, to_status: str | None = None,
              to_complainant: bool = False, to_respondent: bool = False,
              internal: bool = False) -> CaseEvent:
    event = CaseEvent(case=case, actor_id=getattr(actor, "id", None), action=action,
                      summary=summary[:300], body=body, from_status=from_status,
                      to_status=to_status, to_complainant=to_complainant,
                      to_respondent=to_respondent, internal=internal, at=clock.now())
    db.session.add(event)
    return event


def disclose(case: Case, item_type: str, item_id: int | None, label: str, *, how: str,
             recipient_user=None, recipient_email: str | None = None, by=None) -> None:
    db.session.add(Disclosure(
        case_id=case.id, item_type=item_type, item_id=item_id, item_label=label[:300],
        recipient_user_id=getattr(recipient_user, "id", None),
        recipient_email=recipient_email or getattr(recipient_user, "email", None),
        how=how, by_id=getattr(by, "id", None), at=clock.now()))
    forget(("first_disclosed", case.id))  # (the log is a record: its writes forget nothing)


def disclosures_of(case: Case) -> list[Disclosure]:
    """The case's disclosure log, oldest first."""
    return list(db.session.execute(select(Disclosure).where(Disclosure.case_id == case.id)
                                   .order_by(Disclosure.id)).scalars())


NOTE_RESENT_SECONDS = 120


def add_note(case: Case, actor, text: str) -> bool:
    """An internal note: staff only, never shown to a party. False if it was just added.

    The same note from the same person within two minutes is the form sent twice (a
    double click, a retried request): the case is locked before looking, so it is kept once.
    """
    lock_row(Case, case.id)
    body = text.strip()
    recent = db.session.execute(select(CaseEvent.id).where(
        CaseEvent.case_id == case.id, CaseEvent.action == "note",
        CaseEvent.actor_id == getattr(actor, "id", None), CaseEvent.body == body,
        CaseEvent.at >= clock.now() - timedelta(seconds=NOTE_RESENT_SECONDS)).limit(1)).first()
    if recent is not None:
        return False
    add_event(case, actor, "note", "Internal note", body=body, internal=True)
    record("case.note_added", actor=actor, target=case, number=case.number)
    return True


# --- drafts -------------------------------------------------------------------

def start_draft(user) -> Case:
    case = Case(kind=CaseKind.COMPLAINT, status="draft", complainant_id=user.id)
    db.session.add(case)
    db.session.flush()
    record("case.draft_started", actor=user, target=case)
    return case


def save_draft(case: Case, actor, *, respondent=None, respondent_name: str = "",
               respondent_email: str = "", respondent_details: str = "",
               relation: str | None = None, remedy: str = "",
               attest_not_confidential: bool = False, attest_good_faith: bool = False,
               withhold_identity_requested: bool = False,
               allegations: list[dict] | None = None) -> None:
    """Store what the complainant has entered so far; nothing here is checked hard."""
    case.respondent_certificant_id = respondent.id if respondent is not None else None
    case.respondent_name = respondent_name.strip()[:200]
    case.respondent_email = respondent_email.strip().lower() or None
    case.respondent_details = respondent_details.strip()
    case.relation = relation if relation in {r.value for r in Relation} else None
    case.remedy_sought = remedy.strip()
    case.attest_not_confidential = attest_not_confidential
    case.attest_good_faith = attest_good_faith
    case.withhold_identity_requested = withhold_identity_requested
    if allegations is not None:
        case.allegations = [
            Allegation(code_item_id=a["code_item_id"], conduct_from=a["conduct_from"],
                       conduct_to=a.get("conduct_to"), facts=a["facts"].strip())
            for a in allegations if a.get("code_item_id") and a.get("conduct_from")
        ]
    db.session.flush()


def choose_respondent(case: Case, certificant, actor) -> None:
    """The complainant names the respondent from the registry."""
    case.respondent_certificant_id = certificant.id
    case.respondent_name = ""
    record("case.respondent_chosen", actor=actor, target=case, certificant=certificant.id)
    db.session.flush()


def draft_problems(case: Case) -> list[str]:
    """What must still be done before the complaint can be submitted."""
    problems = []
    if case.respondent_certificant_id is None and not case.respondent_name:
        problems.append("Identify the respondent (find them in the registry or describe them).")
    if case.kind == CaseKind.COMPLAINT and not case.relation:
        problems.append("Say how you know the respondent.")
    if not case.allegations:
        problems.append("Add at least one allegation.")
    if any(not a.facts for a in case.allegations):
        problems.append("Describe the facts of every allegation.")
    problems += [f"{code} is not part of the code that governed the conduct on that date."
                 for code in unmapped_allegations(case)]
    if any(a.conduct_from > clock.today() for a in case.allegations):
        problems.append("The date of the conduct cannot be in the future.")
    if case.kind == CaseKind.COMPLAINT:
        if not case.attest_not_confidential:
            problems.append("Confirm that what you report is not protected as a confidence "
                            "under the code.")
        if not case.attest_good_faith:
            problems.append("Confirm that you make the complaint in good faith.")
    return problems


def unmapped_allegations(case: Case) -> list[str]:
    """Codes of allegations whose item is not in the version in force on the conduct date."""
    out = []
    for allegation in case.allegations:
        item = allegation.item or db.session.get(CodeItem, allegation.code_item_id)
        version = governing_version(allegation.conduct_from)
        if item is None or version is None or item.version_id != version.id:
            out.append(item.code if item else "?")
    return out


def outside_time_limit(case: Case) -> bool:
    if not case.allegations:
        return False
    filed = (case.submitted_at or clock.now()).date()
    earliest = min(a.conduct_to or a.conduct_from for a in case.allegations)
    try:
        limit = earliest.replace(year=earliest.year + time_limit_years())
    except ValueError:  # 29 February
        limit = earliest.replace(year=earliest.year + time_limit_years(), day=28)
    return filed > limit


def attach_evidence(case: Case, stored_files, context: str, actor, source: str = "") -> list[Evidence]:
    """Record stored files as evidence; a file already filed in the same place under the same
    name is kept once.

    The case is locked before looking, so the same upload sent twice at once (a double
    click) makes one evidence item; the second copy's file is removed.
    """
    rows = []
    lock_row(Case, case.id)
    # the same file under the same name, filed in the same place: the form sent twice
    filed = {tuple(row) for row in db.session.execute(
        select(Evidence.sha256, Evidence.original_name).where(
            Evidence.case_id == case.id, Evidence.context == context))}
    for f in stored_files:
        if (f.sha256, f.original_name) in filed:
            store("evidence").delete(f.stored_name)
            continue
        filed.add((f.sha256, f.original_name))
        row = Evidence(case=case, stored_name=f.stored_name, original_name=f.original_name,
                       sha256=f.sha256, size=f.size, mime=f.mime, context=context,
                       uploaded_by_id=getattr(actor, "id", None), uploaded_at=clock.now(),
                       source=source.strip()[:300])
        db.session.add(row)
        remove_on_rollback(db.session(), stored_path(f.stored_name))
        rows.append(row)
    db.session.flush()
    for row in rows:
        record("case.evidence_added", actor=actor, target=case, evidence_id=row.id,
               sha256=row.sha256, size=row.size, context=context, name=row.original_name,
               source=row.source or None)
    return rows


def store_uploads(case: Case, files, context: str, actor, source: str = "") -> list[str]:
    """Check and store uploaded files as the case's evidence; return the refusals.

    Files that pass are stored and recorded even when others are refused: the caller
    rolls back if it wants all or nothing. A stored file is removed again if the
    transaction does not commit.
    """
    stored, refused = check_batch([x for x in files if x and x.filename])
    # a case holds so many files and bytes, however many submissions bring them
    stored, over = within_case_limits(stored, len(case.evidence), sum(e.size for e in case.evidence))
    refused += over
    try:
        attach_evidence(case, stored, context, actor, source=source)
    except Exception:
        for s in stored:
            delete_stored(s.stored_name)
        raise
    return [str(r) for r in refused]


def remove_draft_evidence(case: Case, evidence: Evidence, actor) -> None:
    if case.status != "draft" or evidence.case_id != case.id:
        raise CaseError("Evidence can be removed only from a draft.")
    record("case.evidence_removed", actor=actor, target=case, evidence_id=evidence.id,
           name=evidence.original_name)
    case.evidence.remove(evidence)
    db.session.flush()
    delete_stored(evidence.stored_name)


def file_self_report(user, event: str, occurred_on: date, facts: str, item: CodeItem) -> Case:
    """A certificant's report about themselves: a case with them as respondent."""
    case = Case(kind=CaseKind.SELF_REPORT, status="draft", complainant_id=None,
                respondent_certificant_id=user.certificant_id, respondent_user_id=user.id,
                respondent_email=user.email, self_report_event=event,
                attest_good_faith=True, attest_not_confidential=True)
    case.allegations = [Allegation(code_item_id=item.id, conduct_from=occurred_on,
                                   facts=facts.strip(), source="respondent")]
    db.session.add(case)
    db.session.flush()
    record("case.self_report_started", actor=user, target=case, event=event)
    return case


# --- numbering ------------------------------------------------------------------

def assign_number(case: Case) -> str:
    """Give a case its number EC-<year>-<five digits>, unique under concurrency.

    The counter row for the year is created if missing, then incremented with
    an UPDATE ... RETURNING, which PostgreSQL serialises on the row lock.
    """
    year = clock.today().year
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(CaseCounter).values(year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["year"]))
    last = db.session.execute(
        update(CaseCounter).where(CaseCounter.year == year)
        .values(last=CaseCounter.last + 1).returning(CaseCounter.last)
    ).scalar_one()
    case.number = f"EC-{year}-{last:05d}"
    return case.number


# --- service on the respondent ----------------------------------------------------

def service_address(case: Case, data: dict | None = None) -> str | None:
    data = data or {}
    given = (data.get("respondent_email") or "").strip().lower()
    if given:
        return given
    if case.respondent_email:
        return case.respondent_email
    if case.respondent_certificant and case.respondent_certificant.email:
        return case.respondent_certificant.email
    return None


def find_respondent_account(case: Case, email: str | None):
    if case.respondent_certificant_id:
        user = db.session.execute(
            select(User).where(User.certificant_id == case.respondent_certificant_id)
        ).scalar_one_or_none()
        if user is not None:
            return user
    if email:
        return db.session.execute(
            select(User).where(func.lower(User.email) == email.lower(),
                               User.email_verified_at.is_not(None))
        ).scalar_one_or_none()
    return None


def serve_notice(case: Case, actor, data: dict) -> None:
    """Serve the complaint: deadline, disclosures, notice to the respondent, word to the complainant.

    (The workflow then applies the conflict-of-interest consequences of service.)
    """
    email = service_address(case, data)
    case.respondent_email = email
    respondent = find_respondent_account(case, email)
    if respondent is not None:
        case.respondent_user_id = respondent.id
    case.time_limit_waiver = (data.get("waiver") or "").strip() if outside_time_limit(case) else ""
    if case.withhold_identity_requested:
        case.withhold_identity = bool(data.get("withhold_identity"))
    disclose_ids = data.get("disclose")
    for item in case.evidence:
        if item.context == "complaint" and (disclose_ids is None or item.id in disclose_ids):
            item.disclosed_to_respondent = True
    case.served_at = clock.now()
    deadline = open_deadline(case, "response", days_setting("RESPONSE_DAYS"))
    disclose(case, "allegations", None,
             "Allegations: " + ", ".join(a.item.code for a in case.allegations),
             how="served by email", recipient_user=respondent, recipient_email=email, by=actor)
    for item in case.evidence:
        if item.disclosed_to_respondent:
            disclose(case, "evidence", item.id, item.original_name, how="served by email",
                     recipient_user=respondent, recipient_email=email, by=actor)
    notices.notice_of_complaint(case, email, respondent, deadline)
    notices.accepted(case)


def link_respondent_cases(user) -> list[Case]:
    """Attach cases served at this verified address to the account that now holds it."""
    cases = db.session.execute(
        select(Case).where(Case.respondent_user_id.is_(None),
                           func.lower(Case.respondent_email) == user.email.lower())
    ).scalars().all()
    for case in cases:
        case.respondent_user_id = user.id
        record("case.respondent_account_linked", actor=user, target=case, number=case.number)
    return list(cases)


# --- deadlines ------------------------------------------------------------------

def open_deadline(case: Case, kind: str, days: int) -> Deadline:
    close_deadlines(case, "cancelled", kinds=(kind,))
    due = clock.due_after(days)
    deadline = Deadline(case=case, kind=kind, due_on=due, original_due_on=due,
                        status="open", set_at=clock.now(), reminders_sent=[])
    db.session.add(deadline)
    db.session.flush()
    return deadline


def meet_deadline(case: Case, kind: str) -> None:
    deadline = case.open_deadline(kind)
    if deadline is not None:
        deadline.status = "met"
        deadline.closed_at = clock.now()


def close_deadlines(case: Case, status: str, kinds: tuple[str, ...] | None = None) -> None:
    for deadline in case.deadlines:
        if deadline.status == "open" and (kinds is None or deadline.kind in kinds):
            deadline.status = status
            deadline.closed_at = clock.now()


# --- the respondent ------------------------------------------------------------------

def record_response(case: Case, actor, text: str) -> Response:
    response = Response(case_id=case.id, author_id=actor.id, text=text, submitted_at=clock.now())
    db.session.add(response)
    return response


def response_of(case: Case) -> Response | None:
    return db.session.execute(select(Response).where(Response.case_id == case.id)).scalar_one_or_none()


def propose_cooperation_allegation(case: Case) -> None:
    """After a default, put the duty to cooperate (S9) before the committee as a possible allegation."""
    version = governing_version(clock.today())
    item = next((i for i in version.items if i.code == "S9"), None) if version else None
    if item is None or any(a.code_item_id == item.id for a in case.allegations):
        return
    case.allegations.append(Allegation(
        code_item_id=item.id, conduct_from=clock.today(), source="committee", proposed=True,
        facts="The respondent did not answer the notice of complaint by the deadline."))


def pending_extension(case: Case) -> ExtensionRequest | None:
    # from the case's requests, read once a request (the workflow's guards and the case
    # page ask for both); at most one is pending
    return next((r for r in extension_requests(case) if r.status == "pending"), None)


def extension_requests(case: Case) -> list[ExtensionRequest]:
    return remembered(("extension_requests", case.id), lambda: list(db.session.execute(
        select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
        .order_by(ExtensionRequest.id)).scalars()))


def already_read_extensions(case: Case, requests: list[ExtensionRequest]) -> None:
    """Remember for the request the case's extension requests, read by the caller."""
    remembered(("extension_requests", case.id), lambda: sorted(requests, key=lambda r: r.id))


def request_extension(case: Case, actor, reason: str, until: date | None) -> ExtensionRequest:
    deadline = case.open_deadline("response")
    request = ExtensionRequest(case_id=case.id, deadline_id=deadline.id, requested_by_id=actor.id,
                               reason=reason, requested_until=until, requested_at=clock.now())
    db.session.add(request)
    db.session.flush()
    return request


def decide_extension(case: Case, actor, grant: bool, new_due: date | None,
                     note: str) -> ExtensionRequest:
    request = pending_extension(case)
    request.status = "granted" if grant else "refused"
    request.decided_by_id = actor.id
    request.decided_at = clock.now()
    request.decision_note = note
    if grant:
        deadline = case.open_deadline("response")
        request.new_due_on = clock.next_weekday(new_due)
        deadline.due_on = request.new_due_on
        deadline.reminders_sent = []
    db.session.flush()
    return request
