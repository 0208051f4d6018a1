"""Helpers for case tests: a complaint filed through the real pages."""
from __future__ import annotations

import io
import re
from datetime import date

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


def act(client, number: str, action: str, version: int, **fields):
    data = {f"{action}-seen_version": str(version)}
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


def case_in_state(state: str, complainant, respondent_certificant, respondent_user=None, *,
                  code: str = "S7", conduct=date(2025, 3, 3), before_withdrawal="investigation"):
    """A complaint put straight into `state` with what that state implies; call in an app context.

    Draft: no number. Submitted and later: a number and a submission time. Served states:
    the respondent's account and address, and the service time. Info requested: an open
    information deadline; awaiting response: an open response deadline; withdrawn: the
    state it was withdrawn from. Closed states: a closing time. Flushes, does not commit.
    """
    from app import clock
    from app.cases import services
    from app.cases.models import Allegation, CaseKind

    item = db.session.query(CodeItem).filter_by(code=code).first()
    case = Case(kind=CaseKind.COMPLAINT, status=state, complainant_id=complainant.id,
                respondent_certificant_id=respondent_certificant.id, relation="client",
                remedy_sought="An apology.", attest_not_confidential=True,
                attest_good_faith=True)
    case.allegations = [Allegation(code_item_id=item.id, conduct_from=conduct,
                                   facts=f"Facts for {code}: what the respondent did.")]
    db.session.add(case)
    db.session.flush()
    if state != "draft":
        services.assign_number(case)
        case.submitted_at = clock.now()
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
    return case


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
