"""Helpers for case tests: a complaint filed through the real pages."""
from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from app.cases.models import Case
from app.catalogue.models import CodeItem
from app.extensions import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def item_id(app, code: str) -> int:
    with app.app_context():
        return db.session.query(CodeItem).filter_by(code=code).first().id


def get_case(app, **filters) -> Case:
    with app.app_context():
        case = db.session.query(Case).filter_by(**filters).order_by(Case.id.desc()).first()
        for rel in (case.evidence, case.deadlines, case.allegations, case.events):
            list(rel)
        db.session.expunge_all()
        return case


def file_complaint(app, client, respondent_number: str, codes=("S7", "S23"),
                   files=(("invoice.pdf", PDF), ("photo.png", PNG), ("notes.txt", b"plain notes")),
                   conduct=date(2025, 3, 3), submit=True, **extra):
    """Start a draft and submit it with allegations and files; return the response."""
    r = client.post("/complaints/new", follow_redirects=False)
    draft_url = r.headers["Location"]
    data = {
        "respondent_number": respondent_number, "relation": "client",
        "remedy": "An apology and a review of the file.",
        "attest_not_confidential": "y", "attest_good_faith": "y",
        "evidence": [(io.BytesIO(content), name) for name, content in files],
    }
    for n, code in enumerate(codes):
        data[f"allegations-{n}-code_item_id"] = str(item_id(app, code))
        data[f"allegations-{n}-conduct_from"] = conduct.isoformat()
        data[f"allegations-{n}-facts"] = f"Facts for {code}: what the respondent did."
    data.update(extra)
    if submit:
        data["submit"] = "Submit the complaint"
    else:
        data["save"] = "Save draft"
    return client.post(draft_url, data=data, content_type="multipart/form-data",
                       follow_redirects=True), draft_url


def act(client, number: str, action: str, version: int, confirm: bool = True, **fields):
    """Post an action's form as the case page would; an irreversible action's
    confirmation is ticked unless `confirm` is False."""
    data = {f"{action}-seen_version": str(version)}
    if confirm:
        data[f"{action}-confirm"] = "yes"
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{number}/act/{action}", data=data, follow_redirects=True)


def number_in(html: str) -> str:
    return re.search(r"EC-\d{4}-\d{5}", html).group(0)


# --- cases built directly in the database (for walking the workflow table) -----------------

# States in which the respondent has been served (everything after acceptance).
SERVED_STATES = frozenset({
    "awaiting_response", "investigation", "committee_review", "hearing_scheduled",
    "deliberation", "decided", "under_appeal", "final", "closed", "withdrawn", "disposed",
})


# States of the proceeding after the answer in which an investigator has been assigned
# (a case withdrawn by `case_in_state` was withdrawn from investigation).
INVESTIGATED_STATES = frozenset({
    "investigation", "committee_review", "hearing_scheduled", "deliberation", "decided",
    "under_appeal", "final", "closed", "withdrawn",
})
# ... whose investigation is closed (a findings report is on file)
REFERRED_STATES = INVESTIGATED_STATES - {"investigation", "withdrawn"}
# ... that a hearing panel heard or will hear
HEARD_STATES = REFERRED_STATES - {"committee_review"}
# ... on which the hearing panel has decided
DECIDED_STATES = HEARD_STATES - {"hearing_scheduled", "deliberation"}


def case_in_state(state: str, complainant, respondent_certificant, respondent_user=None, *,
                  code: str = "S7", conduct=date(2025, 3, 3), before_withdrawal="investigation",
                  investigator=None, chair=None, panel=()):
    """A complaint put straight into `state` with what that state implies; call in an app context.

    Draft: no number. Submitted and later: a number and a submission time. Served states:
    the respondent's account and address, and the service time. Info requested: an open
    information deadline; awaiting response: an open response deadline; withdrawn: the
    state it was withdrawn from. Closed states: a closing time. Flushes, does not commit.

    After the answer, with the people given (nothing of this without them):
    `investigator` is assigned in INVESTIGATED_STATES, and from committee review on their
    findings report is on file. With `chair` and the hearing `panel` (members), in
    HEARD_STATES: the panel, and the hearing (hearing scheduled: at the earliest date the
    notice period allows, 10:00 UTC; later: held ten days ago, with its record). In
    DECIDED_STATES the panel's decision: S7 violated, a suspension and a corrective action
    with one condition; decided: stayed, with the appeal deadline open; under appeal: the
    respondent's appeal; final: the sanctions in force and the registry record suspended;
    closed: the sanctions completed, the condition met, the record active again.
    """
    from app import clock
    from app.cases import services
    from app.cases.models import Allegation, CaseKind

    item = db.session.query(CodeItem).filter_by(code=code).first()
    case = Case(kind=CaseKind.COMPLAINT, status=state, complainant_id=complainant.id,
                respondent_certificant_id=respondent_certificant.id, relation="client",
                remedy_sought="An apology.", attest_not_confidential=True,
                attest_good_faith=True,
                submitted_at=None if state == "draft" else clock.now())
    case.allegations = [Allegation(code_item_id=item.id, conduct_from=conduct,
                                   facts=f"Facts for {code}: what the respondent did.")]
    db.session.add(case)
    db.session.flush()
    if state != "draft":
        services.assign_number(case)
    if state in SERVED_STATES:
        case.served_at = clock.now()
        if respondent_user is not None:
            case.respondent_user_id = respondent_user.id
            case.respondent_email = respondent_user.email
    if state == "info_requested":
        services.open_deadline(case, "information", services.days_setting("INFO_DAYS"))
    if state == "awaiting_response":
        services.open_deadline(case, "response", services.days_setting("RESPONSE_DAYS"))
    if state == "withdrawn":
        case.status_before_withdrawal = before_withdrawal
    if state in ("closed", "dismissed", "abandoned", "withdrawn", "disposed"):
        case.closed_at = clock.now()
    db.session.flush()
    _proceeding_rows(case, state, respondent_user, investigator, chair, list(panel))
    db.session.flush()
    return case


def _proceeding_rows(case: Case, state: str, respondent_user, investigator, chair,
                     panel: list) -> None:
    """The rows a state after the answer implies (see `case_in_state`)."""
    from datetime import timedelta

    from app import clock
    from app.cases import services
    from app.proceedings.models import (
        Appeal,
        Assignment,
        Capacity,
        Decision,
        Finding,
        Hearing,
        InvestigationItem,
        Sanction,
        SanctionKind,
    )

    now, today = clock.now(), clock.today()
    if investigator is not None and state in INVESTIGATED_STATES:
        db.session.add(Assignment(case_id=case.id, member_id=investigator.id,
                                  capacity=Capacity.INVESTIGATOR, assigned_at=now,
                                  assigned_by_id=getattr(chair, "id", None)))
        if state in REFERRED_STATES:
            db.session.add(InvestigationItem(
                case_id=case.id, kind="report", title="Findings report",
                text="The investigator found evidence supporting the allegation.",
                author_id=investigator.id, created_at=now))
    if chair is None or not panel or state not in HEARD_STATES:
        return
    for member in panel:
        db.session.add(Assignment(case_id=case.id, member_id=member.id,
                                  capacity=Capacity.HEARING_PANEL, assigned_at=now,
                                  assigned_by_id=chair.id))
    allegation = case.allegations[0]
    report = db.session.execute(select(InvestigationItem).where(
        InvestigationItem.case_id == case.id, InvestigationItem.kind == "report")).scalar()
    if report is not None:  # set_hearing disclosed the panel's file to the respondent
        services.disclose(case, "report", report.id, "Findings report", how="case page",
                          recipient_user=respondent_user, by=chair)
    if state == "hearing_scheduled":
        starts = (now + timedelta(days=services.days_setting("HEARING_NOTICE_DAYS") + 1)) \
            .replace(hour=10, minute=0, second=0, microsecond=0)
        db.session.add(Hearing(case_id=case.id, starts_at=starts, place="Hearing room 2",
                               allegation_ids=[allegation.id], scheduled_by_id=chair.id,
                               scheduled_at=now))
        return
    held = (now - timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    db.session.add(Hearing(
        case_id=case.id, starts_at=held, place="Hearing room 2", allegation_ids=[allegation.id],
        status="held", scheduled_by_id=chair.id, scheduled_at=held - timedelta(days=40),
        attendance=[{"name": "Rory Respondent", "role": "respondent"}],
        minutes="The respondent was heard.", closed_at=held + timedelta(hours=2)))
    if state not in DECIDED_STATES:
        return
    in_force = {"decided": "pending", "under_appeal": "pending", "final": "in_force",
                "closed": "completed"}[state]
    condition = {"due_on": (today + timedelta(days=120)).isoformat(),
                 "text": "Complete 12 hours of ethics education."}
    if state == "closed":
        condition["met_on"] = today.isoformat()
    decision = Decision(case_id=case.id, stage="hearing", outcome="violation",
                        reasons="The panel found the allegation proved.", decided_at=now,
                        recorded_by_id=chair.id, details={})
    decision.findings.append(Finding(allegation_id=allegation.id, violated=True,
                                     reasons=""))
    decision.sanctions.append(Sanction(
        kind=SanctionKind.SUSPENSION, terms="Suspended for six months.", starts_on=today,
        ends_on=today + timedelta(days=182), status=in_force,
        registry_status_before="active" if state in ("final", "closed") else None))
    decision.sanctions.append(Sanction(kind=SanctionKind.CORRECTIVE, terms="Education.",
                                       conditions=[condition], status=in_force))
    db.session.add(decision)
    db.session.flush()
    if state == "decided":
        decision.appeal_due_on = services.open_deadline(
            case, "appeal", services.days_setting("APPEAL_DAYS")).due_on
        return
    decision.appeal_due_on = clock.due_after(services.days_setting("APPEAL_DAYS"))
    if state == "under_appeal":
        db.session.add(Appeal(case_id=case.id, decision_id=decision.id,
                              appellant_id=respondent_user.id, appellant_role="respondent",
                              grounds="The panel misread the file.", filed_at=now))
        return
    decision.final_at = now
    if state == "final" and case.respondent_certificant is not None:
        case.respondent_certificant.status = "suspended"


def timeline_of(html: str) -> list[str]:
    """The lines of a case page's timeline, as text."""
    import html as html_lib

    block = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", i)).split()) for i in items]


def action_buttons(html: str) -> set[str]:
    """The workflow actions a case page offers as forms (by action name)."""
    return set(re.findall(r'action="/cases/[^/"]+/act/(\w+)"', html))


# --- conflicts of interest: a committee member declares before a case opens to them ------

def declare(client, number: str, kind: str = "none", relation: str = "", text: str = ""):
    """Declare on a case through its page, as the signed-in member; return the response."""
    return client.post(f"/cases/{number}/declaration",
                       data={"kind": kind, "relation": relation, "text": text},
                       follow_redirects=True)


def clear(app, user_id: int, number: str | None = None, case_id: int | None = None) -> None:
    """Record a member's "no conflict" on a case through the service (no request needed)."""
    from app.accounts.models import User
    from app.coi import services as coi

    with app.test_request_context():
        user = db.session.get(User, user_id)
        case = (db.session.query(Case).filter_by(number=number).one() if number is not None
                else db.session.get(Case, case_id))
        if coi.declaration_of(user, case) is None:
            coi.declare(case, user, "none")
            db.session.commit()
