"""After the answer, end to end through the real pages, as the real people.

Each path of issue 6: dismissed at review; a consent agreement; a hearing with a
violation and a suspension that, once final, shows on the public register and in the
registry (and ends by the sweep); a hearing with no violation that the complainant
appeals and the appeal panel sends back to the committee; an appeal that modifies the
sanction. And each refusal with its message: an invalid panel (too few, the
investigator, a hearing-panel member on the appeal panel, a recused member), the
quorum not met, a vote by someone who may not vote, an appeal out of time, a hearing
with less than the notice period.

Mail goes over real SMTP (`flask outbox send`), the clock is frozen and advanced, and
the sweep is `flask deadlines sweep`.
"""
from __future__ import annotations

import html as html_lib
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from case_helpers import PDF, declare, file_complaint, number_in
from conftest import Auth
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEntry
from app.cases.models import Allegation, Case, Disclosure, Evidence
from app.extensions import db
from app.proceedings.models import Decision, Sanction, Vote
from app.proceedings.workflow import ACTIONS
from app.registry.models import Certificant

START = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
COMMITTEE = {  # who: (name, roles)
    "chair": ("Charles Chair", ("chair", "member")),
    "ivy": ("Ivy Investigator", ("member",)),
    "hana": ("Hana Hearing", ("member",)),
    "hugo": ("Hugo Hearing", ("member",)),
    "hilda": ("Hilda Hearing", ("member",)),
    "alma": ("Alma Appeal", ("member",)),
    "arno": ("Arno Appeal", ("member",)),
    "aria": ("Aria Appeal", ("member",)),
    "rex": ("Rex Recused", ("member",)),
}
HEARING_PANEL = ("hana", "hugo", "hilda")
APPEAL_PANEL = ("alma", "arno", "aria")
REVIEWERS = ("chair", "alma", "arno")
SECRET = "PANEL-SECRET my private doubts about the invoice"
PLACE = "Room 4, 1 Main Street"


def text(response) -> str:
    return html_lib.unescape(response.data.decode())


def words(page: str) -> str:
    """A page's text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def problem(page: str) -> str:
    """The refusal a page shows (for assertion messages)."""
    found = re.findall(r'role="alert"[^>]*>(.*?)</', page, re.S)
    return " | ".join(" ".join(f.split()) for f in found) or page[:3000]


@dataclass
class Walk:
    """One case, and everyone concerned with it, each signed in on their own client."""

    app: object
    runner: object
    smtp: object
    users: dict
    clients: dict
    number: str = ""
    seen: int = 0

    # --- reading ---------------------------------------------------------------------

    def page(self, who: str, path: str = "") -> str:
        r = self.clients[who].get(f"/cases/{self.number}{path}")
        assert r.status_code == 200, (who, path, r.status_code)
        return text(r)

    def _case_value(self, column):
        with self.app.app_context():
            return db.session.execute(select(column).where(Case.number == self.number)).scalar_one()

    def status(self) -> str:
        return self._case_value(Case.status)

    def version(self) -> int:
        return self._case_value(Case.row_version)

    def id(self, who: str) -> int:
        return self.users[who].id

    def ids(self, *who: str) -> list[int]:
        return [self.users[w].id for w in who]

    def allegations(self) -> dict[str, int]:
        with self.app.app_context():
            rows = db.session.execute(
                select(Allegation).join(Case).where(Case.number == self.number)).scalars()
            return {a.item.code: a.id for a in rows if not a.proposed}

    def certificant_status(self) -> str:
        with self.app.app_context():
            return db.session.execute(select(Certificant.status).where(
                Certificant.cert_number == "CCM-400004")).scalar_one()

    def decisions(self) -> list[Decision]:
        with self.app.app_context():
            rows = db.session.execute(select(Decision).join(Case).where(
                Case.number == self.number).order_by(Decision.id)).scalars().all()
            for d in rows:
                list(d.sanctions), list(d.findings)
            db.session.expunge_all()
            return rows

    # --- acting ----------------------------------------------------------------------

    def post(self, who: str, action: str, files=(), **fields):
        data = {f"{action}-seen_version": str(self.version()), f"{action}-confirm": "yes"}
        for key, value in fields.items():
            data[f"{action}-{key}"] = ([str(v) for v in value] if isinstance(value, list | tuple)
                                       else value)
        extra = {}
        if files:
            data[f"{action}-evidence"] = [(io.BytesIO(content), name) for name, content in files]
            extra["content_type"] = "multipart/form-data"
        return self.clients[who].post(f"/cases/{self.number}/act/{action}", data=data,
                                      follow_redirects=True, **extra)

    def do(self, who: str, action: str, **fields) -> str:
        r = self.post(who, action, **fields)
        page = text(r)
        assert r.status_code == 200 and f"Done: {ACTIONS[action].summary}." in page, \
            (who, action, r.status_code, problem(page))
        return page

    def refused(self, who: str, action: str, message: str, **fields) -> str:
        before = (self.status(), self.version())
        r = self.post(who, action, **fields)
        page = text(r)
        assert r.status_code == 400, (who, action, r.status_code, problem(page))
        assert message in page, (message, problem(page))
        assert (self.status(), self.version()) == before, "a refusal changes nothing"
        return page

    def vote(self, who: str, question: str, choice: str, reasons: str = ""):
        return self.clients[who].post(
            f"/cases/{self.number}/vote/{question}",
            data={f"vote-{question}-choice": choice, f"vote-{question}-reasons": reasons})

    def votes(self, voters, question: str, choice: str) -> None:
        for who in voters:
            r = self.vote(who, question, choice)
            assert r.status_code == 302, (who, question, r.status_code)

    def mail(self) -> list:
        """Deliver the outbox over SMTP; the messages received since the last call."""
        result = self.runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
        new = self.smtp.messages[self.seen:]
        self.seen = len(self.smtp.messages)
        return new

    def sweep(self) -> str:
        result = self.runner.invoke(args=["deadlines", "sweep"])
        assert result.exit_code == 0, result.output
        return result.output


def mail_to(messages, address: str, subject_part: str = "") -> list:
    return [m for m in messages if address in m["To"] and subject_part in m["Subject"]]


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def w(app, make, runner, smtp):
    clock.freeze(START)
    make.catalogue()
    record = make.certificant(number="CCM-400004", name="Rory Respondent",
                              email="rory@example.com")
    users = {
        "clara": make.user(email="clara@example.com", name="Clara Complainant"),
        "rory": make.user(email="rory@example.com", name="Rory Respondent", certificant=record),
        "ada": make.user("admin", email="ada@example.com", name="Ada Administrator"),
    }
    for who, (name, roles) in COMMITTEE.items():
        users[who] = make.user(*roles, email=f"{who}@example.com", name=name)
    clients = {}
    for who, user in users.items():
        clients[who] = app.test_client()
        Auth(clients[who]).login(user)
    clients["public"] = app.test_client()
    return Walk(app, runner, smtp, users, clients)


# --- the way to each stage ------------------------------------------------------------------

def open_case(w: Walk, withhold: bool = False) -> None:
    """Clara files; the chair declares and serves Rory; the members declare (Rex then
    withdraws); Rory answers: the case is under investigation."""
    r, _ = file_complaint(w.app, w.clients["clara"], "CCM-400004", codes=("S7", "S23"),
                          files=(("invoice.pdf", PDF),),
                          **({"withhold_identity_requested": "y"} if withhold else {}))
    w.number = number_in(text(r))
    assert "declare" in w.page("chair").lower()  # nothing opens before the declaration
    declare(w.clients["chair"], w.number)
    with w.app.app_context():
        evidence = [e.id for e in db.session.execute(
            select(Evidence).join(Case).where(Case.number == w.number)).scalars()]
    w.do("chair", "accept", respondent_email="rory@example.com", disclose=evidence,
         **({"withhold_identity": "y"} if withhold else {}))
    for who in COMMITTEE:
        if who != "chair":
            assert declare(w.clients[who], w.number).status_code == 200
    r = w.clients["rex"].post(f"/cases/{w.number}/recusal",
                              data={"recuse-reason": "I supervised the respondent years ago."})
    assert r.status_code == 302
    assert w.clients["rex"].get(f"/cases/{w.number}").status_code == 404  # gone for him
    w.do("rory", "respond", text="I deny the allegations.")
    assert w.status() == "investigation"


def to_review(w: Walk) -> None:
    """The chair assigns Ivy, who refers the case with her findings report."""
    w.do("chair", "assign_investigators", member_ids=w.ids("ivy"))
    w.do("ivy", "refer", text="Findings: the invoice is genuine and the relationship "
                              "was not disclosed.")
    assert w.status() == "committee_review"


def to_hearing(w: Walk, when: str = "2026-12-14T10:00", place: str = PLACE,
               video_link: str = "") -> None:
    w.votes(REVIEWERS, "outcome", "hearing")
    w.do("chair", "set_hearing", member_ids=w.ids(*HEARING_PANEL), starts_at=when, place=place,
         video_link=video_link, allegation_ids=list(w.allegations().values()))
    assert w.status() == "hearing_scheduled"


def hold(w: Walk, at: datetime = datetime(2026, 12, 14, 15, tzinfo=UTC)) -> None:
    clock.freeze(at)
    w.do("chair", "hold_hearing", attendance="Rory Respondent — respondent\n"
                                             "Clara Complainant — complainant",
         minutes="Both parties were heard; the invoice was examined.",
         files=[("exhibit-1-invoice.pdf", PDF)])
    assert w.status() == "deliberation"
    with w.app.app_context():  # the exhibit is on file, as an exhibit, with its fingerprint
        exhibits = db.session.execute(select(Evidence).join(Case).where(
            Case.number == w.number, Evidence.context == "exhibit")
            .order_by(Evidence.id)).scalars().all()
        assert exhibits and exhibits[-1].original_name == "exhibit-1-invoice.pdf"


def panel_votes(w: Walk, findings: dict[str, str], sanction: str | None = None) -> None:
    ids = w.allegations()
    for code, choice in findings.items():
        w.votes(HEARING_PANEL, f"allegation:{ids[code]}", choice)
    if sanction:
        w.votes(HEARING_PANEL, "sanction", sanction)


# --- ICS ------------------------------------------------------------------------------------

def parse_ics(data: bytes) -> dict[str, dict[str, str]]:
    """A strict little RFC 5545 reader: CRLF lines of at most 75 octets, unfolded, with
    balanced BEGIN/END; returns each component's properties."""
    raw = data.decode("utf-8")
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", ""), "CRLF line ends"
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n")), "lines of 75 octets"
    lines = re.sub(r"\r\n[ \t]", "", raw).split("\r\n")[:-1]
    stack, components = [], {}
    for line in lines:
        name, colon, value = line.partition(":")
        assert colon and name, f"not a content line: {line!r}"
        name = name.split(";")[0].upper()
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            assert stack and stack.pop() == value, f"unbalanced END:{value}"
        else:
            assert stack, f"{name} outside a component"
            components.setdefault(stack[-1], {})[name] = value
    assert not stack, "unclosed component"
    return components


def ics_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def ics_text(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def invitation(message) -> dict[str, str]:
    [attachment] = [a for a in message.iter_attachments()
                    if a.get_content_type() == "text/calendar"]
    assert attachment.get_filename().endswith(".ics")
    calendar = parse_ics(attachment.get_payload(decode=True))
    assert calendar["VCALENDAR"]["VERSION"] == "2.0" and calendar["VCALENDAR"]["PRODID"]
    event = calendar["VEVENT"]
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION"):
        assert event.get(required), f"VEVENT without {required}"
    return event


# --- what a party must never see ---------------------------------------------------------------

def assert_no_votes(page: str) -> None:
    for needle in ("Votes so far", "Your vote", "Cast my vote", "Change my vote", SECRET,
                   "/vote/"):
        assert needle not in page, f"a party's page shows {needle!r}"


# === the paths ================================================================================

def test_dismissed_at_review_after_a_full_investigation(w):
    open_case(w)
    w.mail()
    # the chair assigns the investigator (only an eligible member may be chosen)
    w.refused("chair", "assign_investigators", "Choose at least one member.", member_ids=[])
    w.refused("chair", "assign_investigators", "Rex Recused", member_ids=w.ids("rex"))
    w.do("chair", "assign_investigators", member_ids=w.ids("ivy"))
    [told] = mail_to(w.mail(), "ivy@example.com", "You are the investigator")
    assert w.number in told["Subject"]

    # the investigation file: only the investigator adds to it; parties never see it
    assert w.clients["clara"].get(f"/cases/{w.number}/investigation").status_code in (403, 404)
    assert w.clients["rory"].get(f"/cases/{w.number}/investigation").status_code in (403, 404)
    assert w.clients["rex"].get(f"/cases/{w.number}/investigation").status_code == 404
    assert w.clients["hana"].post(f"/cases/{w.number}/investigation",
                                  data={"kind": "note", "title": "x"}).status_code == 403
    ivy = w.clients["ivy"]
    base = f"/cases/{w.number}/investigation"
    assert ivy.post(base, data={"kind": "task", "title": ""}).status_code == 400
    for data in ({"kind": "task", "title": "Ask the bank for the March statement",
                  "due_on": "2026-11-20"},
                 {"kind": "interview", "title": "Interview of the practice manager",
                  "held_at": "2026-11-05T14:00", "text": "She recalls the invoice; internal."},
                 {"kind": "note", "title": "Timeline of the visits", "shareable": "y",
                  "text": "Visits on 3, 10 and 17 March 2025."}):
        r = ivy.post(base, data=data, follow_redirects=True)
        assert r.status_code == 200 and "Added to the investigation file." in text(r)
    with w.app.app_context():
        from app.proceedings.models import InvestigationItem

        items = {i.kind: i.id for i in db.session.execute(select(InvestigationItem)).scalars()}
    assert ivy.post(f"{base}/{items['task']}/done").status_code == 302
    r = ivy.post(f"{base}/{items['interview']}/share", follow_redirects=True)
    assert "Only a record marked shareable" in text(r)
    r = ivy.post(f"{base}/{items['note']}/share", follow_redirects=True)
    assert "Shared with the respondent: Timeline of the visits." in text(r)
    file_page = w.page("ivy", "/investigation")
    assert "done 2026-11-02" in file_page and "shared with the respondent" in file_page
    with w.app.app_context():
        [logged] = db.session.execute(select(Disclosure).where(
            Disclosure.item_type == "investigation")).scalars().all()
        assert (logged.item_id, logged.recipient_email) == (items["note"], "rory@example.com")
    assert "Timeline of the visits" in w.page("chair")  # the disclosure log
    rory_page = w.page("rory")
    assert "Shared with you: Timeline of the visits" in rory_page
    assert "Visits on 3, 10 and 17 March 2025." in rory_page
    assert "practice manager" not in rory_page and "bank" not in rory_page
    clara_page = w.page("clara")
    assert "Timeline of the visits" not in clara_page and "practice manager" not in clara_page

    # the investigator asks Rory for documents; he answers with a file
    w.refused("ivy", "request_documents", "Say which documents are asked for.",
              addressee_role="respondent", text="", days="14")
    w.do("ivy", "request_documents", addressee_role="respondent", days="14",
         text="Your appointment book for March 2025.")
    [asked] = mail_to(w.mail(), "rory@example.com", "documents requested")
    assert "appointment book" in body(asked) and "2026-11-16" in body(asked) and "S9" in body(asked)
    rory_page = w.page("rory")
    assert "Documents asked for" in rory_page and "due 2026-11-16" in rory_page
    assert "Documents asked for" not in w.page("clara")
    w.do("rory", "answer_request", text="The appointment book is attached.",
         files=(("book.pdf", PDF),))
    assert mail_to(w.mail(), "ivy@example.com", "The respondent answered")
    assert "Documents asked for" not in w.page("rory")
    with w.app.app_context():
        assert db.session.execute(select(Evidence.context).where(
            Evidence.original_name == "book.pdf")).scalar_one() == "documents"

    # the investigator refers the case with a findings report (only she may)
    w.refused("ivy", "refer", "Write the findings report", text=" ")
    assert w.post("hana", "refer", text="Not mine to refer.").status_code == 403
    w.do("ivy", "refer", text="Findings: the visits were billed twice; no dishonesty shown.")
    assert w.status() == "committee_review"
    sent = w.mail()
    assert mail_to(sent, "hana@example.com", "before the committee")
    assert not mail_to(sent, "rex@example.com"), "a recused member is never written to"
    assert "billed twice" in w.page("chair")
    assert "billed twice" not in w.page("rory") and "billed twice" not in w.page("clara")

    # committee review: eligible members vote; the chair records the outcome
    assert w.vote("rex", "outcome", "dismiss").status_code == 404  # recused
    assert w.vote("clara", "outcome", "dismiss").status_code in (403, 404)
    assert w.vote("rory", "outcome", "dismiss").status_code in (403, 404)
    assert w.vote("chair", "nonsense", "dismiss").status_code == 404
    w.votes(["chair"], "outcome", "dismiss")
    w.refused("chair", "review_dismiss", "The quorum is 3 eligible members and 1 have voted",
              text="Not enough evidence.")
    assert w.vote("alma", "outcome", "dismiss", reasons=SECRET).status_code == 302
    w.votes(["arno"], "outcome", "hearing")
    chair_page = w.page("chair")
    assert "Votes so far" in chair_page and "3 of 7 voted" in chair_page
    assert SECRET not in chair_page, "a tally counts votes; the reasons stay with the voter"
    w.refused("chair", "set_hearing", "do not carry this outcome by a majority",
              member_ids=w.ids(*HEARING_PANEL), starts_at="2026-12-14T10:00", place=PLACE,
              allegation_ids=list(w.allegations().values()))
    w.refused("chair", "review_dismiss", "Write the reasons", text="")
    w.do("chair", "review_dismiss",
         text="The double billing was a clerical error, corrected before the complaint.")
    assert w.status() == "dismissed"
    assert w.vote("chair", "outcome", "caution").status_code == 403, "no vote after the decision"
    sent = w.mail()
    for address in ("clara@example.com", "rory@example.com"):
        assert mail_to(sent, address, "The committee dismissed the complaint"), address
    with w.app.app_context():
        case = db.session.execute(select(Case).where(Case.number == w.number)).scalar_one()
        assert case.closed_at is not None, "a dismissed case is closed"

    # the parties read the outcome and nothing of the deliberation
    for who in ("clara", "rory"):
        page = w.page(who)
        assert "Dismissed by the committee" in page
        assert_no_votes(page)
        assert "billed twice" not in page


def test_consent_agreement_is_final_when_signed_and_public_at_once(w):
    open_case(w)
    to_review(w)
    ids = w.allegations()
    w.votes(REVIEWERS, "outcome", "consent")
    w.mail()
    w.refused("chair", "propose_consent", "Choose the allegations",
              kind="public_reprimand", text="Agreed.")
    w.refused("chair", "propose_consent", "Give the conditions",
              violated_ids=[ids["S7"]], kind="corrective", text="Agreed.")
    w.do("chair", "propose_consent", violated_ids=[ids["S7"]], kind="public_reprimand",
         terms="A public reprimand for failing to disclose the relationship.",
         text="The respondent agrees that he did not disclose a dual relationship (S7).")
    assert w.status() == "committee_review"
    sent = w.mail()
    assert mail_to(sent, "rory@example.com", "consent agreement is offered")
    assert not mail_to(sent, "clara@example.com")
    rory_page = w.page("rory")
    assert "Consent agreement offered" in rory_page and "Public reprimand" in rory_page
    assert "Signed for the committee by Charles Chair" in rory_page
    assert "Consent agreement offered" not in w.page("clara")
    assert_no_votes(w.page("clara"))
    assert_no_votes(rory_page)
    assert w.post("clara", "sign_consent", agree="y").status_code == 403
    assert w.clients["public"].get("/public-register.json").get_json()["entries"] == []

    w.refused("rory", "sign_consent", "Tick the box to sign the agreement.")
    w.do("rory", "sign_consent", agree="y")
    assert w.status() == "final"
    sent = w.mail()
    for address in ("clara@example.com", "rory@example.com"):
        assert mail_to(sent, address, "consent agreement is signed"), address
    [decision] = w.decisions()
    assert (decision.stage, decision.outcome, decision.final_at is not None) == (
        "review", "consent", True)
    assert [(f.allegation_id, f.violated) for f in decision.findings] == [
        (ids["S7"], True), (ids["S23"], False)]
    assert [s.status for s in decision.sanctions] == ["in_force"]
    [entry] = w.clients["public"].get("/public-register.json").get_json()["entries"]
    assert (entry["name"], entry["sanction"], entry["standards_violated"]) == (
        "Rory Respondent", "Public reprimand", ["S7"])
    assert w.certificant_status() == "active", "a reprimand leaves the registry status alone"
    # a reprimand has no term: the sweep completes it and closes the case
    clock.freeze(datetime(2026, 11, 3, 9, tzinfo=UTC))
    w.sweep()
    assert w.status() == "closed"
    assert w.clients["public"].get("/public-register.json").get_json()["entries"], \
        "a completed public sanction stays on the register"


def test_hearing_violation_suspension_register_and_registry(w):
    open_case(w, withhold=True)
    to_review(w)
    ids = w.allegations()
    w.votes(REVIEWERS, "outcome", "hearing")
    allegations = list(ids.values())
    hearing = dict(starts_at="2026-12-14T10:00", place=PLACE, allegation_ids=allegations)

    # refusals: an invalid panel, and less than the notice period
    w.refused("chair", "set_hearing", "A panel needs at least 3 members (the quorum); 2 chosen.",
              member_ids=w.ids("hana", "hugo"), **hearing)
    w.refused("chair", "set_hearing", "The case's investigator may not sit on its panel.",
              member_ids=w.ids("hana", "hugo", "ivy"), **hearing)
    w.refused("chair", "set_hearing", "Rex Recused", member_ids=w.ids("hana", "hugo", "rex"),
              **hearing)
    w.refused("chair", "set_hearing", "The parties must have at least 30 days' notice: the "
              "hearing cannot be before 2026-12-02.", member_ids=w.ids(*HEARING_PANEL),
              **(hearing | {"starts_at": "2026-11-20T10:00"}))
    w.refused("chair", "set_hearing", "Give the place or a video link.",
              member_ids=w.ids(*HEARING_PANEL), **(hearing | {"place": ""}))
    assert w.post("hana", "set_hearing", member_ids=w.ids(*HEARING_PANEL),
                  **hearing).status_code == 403
    w.mail()
    w.do("chair", "set_hearing", member_ids=w.ids(*HEARING_PANEL), **hearing)
    assert w.status() == "hearing_scheduled"

    # both parties get the notice with a calendar invitation that parses
    sent = w.mail()
    for address in ("clara@example.com", "rory@example.com"):
        [notice] = mail_to(sent, address, "notice of hearing on 2026-12-14 10:00 UTC")
        event = invitation(notice)
        assert ics_time(event["DTSTART"]) == datetime(2026, 12, 14, 10, tzinfo=UTC)
        assert ics_time(event["DTEND"]) == datetime(2026, 12, 14, 12, tzinfo=UTC)
        assert ics_text(event["LOCATION"]) == PLACE
        assert w.number in event["SUMMARY"] and w.number in event["UID"]
        assert PLACE in body(notice)
        if address == "rory@example.com":
            assert "Clara" not in body(notice), "the withheld identity stays withheld"
    rory_page = w.page("rory")
    assert "Set for 2026-12-14 10:00 UTC" in words(rory_page) and "Hana Hearing" in rory_page
    assert "Clara" not in rory_page

    # Rory asks for a postponement; the chair grants it with a later date
    w.refused("rory", "request_postponement", "Give the reason", text="")
    w.do("rory", "request_postponement", text="I am in surgery on 14 December.")
    assert mail_to(w.mail(), "chair@example.com", "postponement")
    w.refused("rory", "request_postponement", "already waiting", text="Again.")
    w.refused("chair", "decide_postponement", "The new date must be later",
              decision="grant", starts_at="2026-12-10T10:00", text="")
    w.do("chair", "decide_postponement", decision="grant", starts_at="2027-01-11T10:00",
         text="Granted for medical reasons.")
    sent = w.mail()
    for address in ("clara@example.com", "rory@example.com"):
        [notice] = mail_to(sent, address, "notice of hearing on 2027-01-11 10:00 UTC")
        assert "replaces the hearing set for 2026-12-14 10:00" in body(notice)
        event = invitation(notice)
        assert ics_time(event["DTSTART"]) == datetime(2027, 1, 11, 10, tzinfo=UTC)
    assert "Set for 2027-01-11 10:00 UTC" in words(w.page("rory"))

    # the hearing can be recorded only once it has taken place
    clock.freeze(datetime(2026, 12, 14, 15, tzinfo=UTC))
    w.refused("chair", "hold_hearing", "The hearing has not started yet",
              attendance="Rory Respondent — respondent", minutes="Heard.")
    hold(w, datetime(2027, 1, 11, 15, tzinfo=UTC))
    assert mail_to(w.mail(), "hilda@example.com", "deliberation")

    # deliberation: the panel votes per allegation and on the sanction
    w.refused("chair", "decide", "Every panel member must vote on S7: 0 of 3 have.", text="x")
    assert w.vote("alma", f"allegation:{ids['S7']}", "violated").status_code == 403  # not on it
    assert w.vote("ivy", f"allegation:{ids['S7']}", "violated").status_code == 403
    assert w.vote("rex", f"allegation:{ids['S7']}", "violated").status_code == 404  # recused
    assert w.vote("rory", f"allegation:{ids['S7']}", "not_violated").status_code in (403, 404)
    assert w.vote("hana", f"allegation:{ids['S7']}", "violated", reasons=SECRET).status_code == 302
    w.votes(("hugo", "hilda"), f"allegation:{ids['S7']}", "violated")
    w.votes(HEARING_PANEL, f"allegation:{ids['S23']}", "not_violated")
    w.refused("chair", "decide", "the panel must agree a sanction by a majority", text="x")
    w.votes(HEARING_PANEL, "sanction", "suspension")
    assert_no_votes(w.page("rory"))
    assert_no_votes(w.page("clara"))
    w.refused("chair", "decide", "A suspension needs a start and a later end date.",
              text="The panel finds a violation of S7.", starts_on="2027-03-01")
    w.do("chair", "decide", text="The panel finds that the respondent did not disclose a dual "
                                 "relationship.", terms="Suspended for six months.",
         starts_on="2027-02-15", ends_on="2027-08-15")
    assert w.status() == "decided"
    [decision] = w.decisions()
    assert decision.appeal_due_on == date(2027, 2, 10)
    assert [(f.allegation_id, f.violated) for f in decision.findings] == [
        (ids["S7"], True), (ids["S23"], False)]
    assert SECRET not in " ".join(f.reasons for f in decision.findings), \
        "a member's reasons are never copied into the decision the parties receive"
    assert [(s.kind, s.status) for s in decision.sanctions] == [("suspension", "pending")]
    sent = w.mail()
    assert mail_to(sent, "rory@example.com", "The hearing panel has decided")
    assert mail_to(sent, "clara@example.com", "The hearing panel has decided")
    for who in ("clara", "rory"):
        page = w.page(who)
        assert "The hearing panel found a violation" in page and "Suspension" in page
        assert "An appeal may be filed until 2027-02-10" in words(page)
        assert_no_votes(page)
    # the complainant may not appeal a violation found; nothing is public before final
    assert w.post("clara", "appeal", text="Too lenient.").status_code == 403
    assert w.clients["public"].get("/public-register.json").get_json()["entries"] == []
    assert "Rory Respondent" not in text(w.clients["public"].get("/public-register"))
    assert w.certificant_status() == "active"

    # the window closes: an appeal is out of time; the sweep makes the decision final
    clock.freeze(datetime(2027, 2, 11, 9, tzinfo=UTC))
    w.refused("rory", "appeal", "The appeal period ended on 2027-02-10.",
              text="I was abroad.")
    out = w.sweep()
    assert "1 missed" in out, out
    assert w.status() == "final"
    assert w.certificant_status() == "active", "the suspension begins on 2027-02-15"
    sent = w.mail()
    for address in ("clara@example.com", "rory@example.com"):
        assert mail_to(sent, address, "The decision is final"), address
    [entry] = w.clients["public"].get("/public-register.json").get_json()["entries"]
    assert entry == {
        "name": "Rory Respondent", "certificate": "CCM-400004", "sanction": "Suspension",
        "starts_on": "2027-02-15", "ends_on": "2027-08-15", "reapply_after_years": None,
        "final_on": "2027-02-11", "standards_violated": ["S7"], "public_notice": None}
    public = text(w.clients["public"].get("/public-register"))
    assert "Rory Respondent" in public and "CCM-400004" in public and "Suspension" in public
    for private in ("Clara", "Facts for", "dual relationship", w.number):
        assert private not in public, f"the register shows {private!r}"
    assert text(w.clients["public"].get("/public-register?q=CCM-4")).count("CCM-400004") >= 1
    assert "Rory Respondent" not in text(w.clients["public"].get("/public-register?q=Nobody"))
    assert "Rory Respondent" not in text(w.clients["public"].get("/public-register?q=%25"))
    # the administrator issues the public notice; the register points to it
    r = w.clients["ada"].post(f"/cases/{w.number}/documents/public_notice/issue",
                              follow_redirects=True)
    assert f"{w.number}-D1 issued" in text(r)
    [entry] = w.clients["public"].get("/public-register.json").get_json()["entries"]
    assert entry["public_notice"] == f"{w.number}-D1"
    assert w.sweep().startswith("0 reminders, 0 missed"), "safe to run again"
    assert w.status() == "final"

    # the suspension begins: from its start date the registry shows it
    clock.freeze(datetime(2027, 2, 15, 9, tzinfo=UTC))
    w.sweep()
    assert w.certificant_status() == "suspended"
    registry_page = text(w.clients["ada"].get(f"/registry/{w.users['rory'].certificant_id}"))
    assert "status-suspended" in registry_page
    with w.app.app_context():
        assert db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "registry.status_changed")).scalars().first() is not None

    # the suspension ends: the sweep restores the registry and closes the case
    clock.freeze(datetime(2027, 8, 16, 9, tzinfo=UTC))
    w.sweep()
    assert w.certificant_status() == "active"
    assert w.status() == "closed"
    assert [s.status for s in w.decisions()[-1].sanctions] == ["completed"]


def test_no_violation_appealed_by_the_complainant_and_remanded(w):
    open_case(w)
    to_review(w)
    to_hearing(w)
    hold(w)
    panel_votes(w, {"S7": "not_violated", "S23": "not_violated"})
    w.do("chair", "decide", text="The panel finds no violation.")
    assert w.status() == "decided"
    [decision] = w.decisions()
    assert (decision.outcome, decision.sanctions) == ("no_violation", [])
    w.mail()
    clara_page = w.page("clara")
    assert "The hearing panel found no violation" in clara_page
    assert "Appeal the decision" in clara_page, "the complainant may appeal no violation"

    # Clara appeals in time
    clock.freeze(datetime(2027, 1, 8, 9, tzinfo=UTC))
    w.refused("clara", "appeal", "Give the grounds of the appeal.", text="")
    w.do("clara", "appeal", text="The panel did not look at the invoice.")
    assert w.status() == "under_appeal"
    sent = w.mail()
    assert mail_to(sent, "chair@example.com", "An appeal was filed")
    assert mail_to(sent, "rory@example.com", "An appeal was filed")

    # the appeal panel: no hearing-panel member, not the investigator, enough members
    w.refused("chair", "appeal_remand", "Choose the appeal panel first.", text="Back.")
    w.refused("chair", "set_appeal_panel",
              "No member of the hearing panel may sit on the appeal panel.",
              member_ids=w.ids("alma", "arno", "hana"))
    w.refused("chair", "set_appeal_panel", "The case's investigator may not sit on its panel.",
              member_ids=w.ids("alma", "arno", "ivy"))
    w.refused("chair", "set_appeal_panel", "A panel needs at least 3 members",
              member_ids=w.ids("alma", "arno"))
    w.refused("chair", "set_appeal_panel", "Rex Recused", member_ids=w.ids("alma", "arno", "rex"))
    w.do("chair", "set_appeal_panel", member_ids=w.ids(*APPEAL_PANEL))
    assert mail_to(w.mail(), "aria@example.com", "appeal panel")
    assert w.vote("hana", "outcome", "affirm").status_code == 403, "the hearing panel is done"
    assert w.vote("chair", "outcome", "affirm").status_code == 403, "not on the appeal panel"
    w.votes(("alma", "arno"), "outcome", "remand")
    w.refused("chair", "appeal_remand", "The quorum is 3 eligible members and 2 have voted",
              text="Back.")
    w.votes(("aria",), "outcome", "remand")
    w.refused("chair", "appeal_affirm", "do not carry this outcome", text="Affirmed.")
    w.do("chair", "appeal_remand", text="The invoice must be considered: back to the committee.")
    assert w.status() == "committee_review"
    sent = w.mail()
    for address in ("clara@example.com", "rory@example.com"):
        assert mail_to(sent, address, "The appeal is decided"), address
    for who in ("clara", "rory"):
        assert_no_votes(w.page(who))

    # a new round of review: the votes of the first round no longer count
    chair_page = w.page("chair")
    assert "0 of 7 voted" in chair_page, chair_page[chair_page.find("Votes so far"):][:400]
    w.refused("chair", "review_caution", "The quorum is 3", text="A caution.")
    w.votes(REVIEWERS, "outcome", "caution")
    w.do("chair", "review_caution", text="A cautionary letter about keeping invoices.")
    assert w.status() == "decided"
    assert [d.outcome for d in w.decisions()] == ["no_violation", "remand", "caution"]
    # a caution is not public, even once final
    clock.freeze(datetime(2027, 3, 1, 9, tzinfo=UTC))
    w.sweep()
    assert w.status() == "closed", "final, and the caution done: closed in the same sweep"
    assert w.clients["public"].get("/public-register.json").get_json()["entries"] == []


def test_appeal_modifies_the_sanction(w):
    open_case(w)
    to_review(w)
    to_hearing(w)
    hold(w)
    panel_votes(w, {"S7": "violated", "S23": "violated"}, sanction="revocation")
    w.refused("chair", "decide", "A revocation needs the number of years", text="Revoked.")
    w.do("chair", "decide", text="Both standards were violated.", bar_years="5",
         terms="Certification revoked.")
    assert w.status() == "decided"
    assert [d.appeal_due_on for d in w.decisions()][-1] == date(2027, 1, 13)

    # Rory appeals on the last day; the sanction is stayed meanwhile
    clock.freeze(datetime(2027, 1, 13, 17, tzinfo=UTC))
    w.do("rory", "appeal", text="Revocation is out of proportion: a first complaint.",
         files=(("references.pdf", PDF),))
    assert w.status() == "under_appeal"
    assert w.certificant_status() == "active"
    assert w.clients["public"].get("/public-register.json").get_json()["entries"] == []
    w.refused("chair", "set_appeal_panel",
              "No member of the hearing panel may sit on the appeal panel.",
              member_ids=w.ids("alma", "hugo", "aria"))
    w.do("chair", "set_appeal_panel", member_ids=w.ids(*APPEAL_PANEL))
    w.votes(APPEAL_PANEL, "outcome", "modify")
    w.refused("chair", "appeal_modify", "A suspension needs a start and a later end date.",
              kind="suspension", text="Suspension instead.")
    w.do("chair", "appeal_modify", kind="suspension", starts_on="2027-02-01",
         ends_on="2027-05-01", terms="Suspended for three months.",
         text="A first complaint: revocation is out of proportion.")
    assert w.status() == "final", "the decision on appeal is final at once"
    hearing_decision, appeal_decision = w.decisions()[-2:]
    assert [(s.kind, s.status) for s in hearing_decision.sanctions] == [("revocation", "pending")]
    assert [(s.kind, s.status) for s in appeal_decision.sanctions] == [("suspension", "in_force")]
    assert (appeal_decision.stage, appeal_decision.outcome) == ("appeal", "modify")
    assert w.certificant_status() == "active", "the suspension begins on 2027-02-01"
    clock.freeze(datetime(2027, 2, 1, 9, tzinfo=UTC))
    w.sweep()
    assert w.certificant_status() == "suspended"
    [entry] = w.clients["public"].get("/public-register.json").get_json()["entries"]
    assert (entry["sanction"], entry["starts_on"], entry["ends_on"],
            entry["standards_violated"]) == ("Suspension", "2027-02-01", "2027-05-01",
                                             ["S7", "S23"])
    assert "Revocation" not in text(w.clients["public"].get("/public-register"))
    for who in ("clara", "rory"):
        page = w.page(who)
        assert "Sanction modified on appeal" in page and "Suspension" in page
        assert_no_votes(page)
    clock.freeze(datetime(2027, 5, 3, 9, tzinfo=UTC))
    w.sweep()
    assert (w.status(), w.certificant_status()) == ("closed", "active")


def test_a_recused_panel_member_breaks_the_quorum(w):
    open_case(w)
    to_review(w)
    to_hearing(w)
    hold(w)
    r = w.clients["hilda"].post(f"/cases/{w.number}/recusal",
                                data={"recuse-reason": "I learned the respondent is my cousin."})
    assert r.status_code == 302
    ids = w.allegations()
    w.votes(("hana", "hugo"), f"allegation:{ids['S7']}", "violated")
    assert w.vote("hilda", f"allegation:{ids['S7']}", "violated").status_code == 404
    w.refused("chair", "decide", "The panel has 2 members able to vote; the quorum is 3.",
              text="x")
    with w.app.app_context():
        assert {v.member_id for v in db.session.execute(
            select(Vote).where(Vote.stage == "hearing")).scalars()} == set(
            w.ids("hana", "hugo"))


def test_votes_and_reasons_stay_off_every_party_page_and_mail(w):
    open_case(w)
    to_review(w)
    for who in REVIEWERS:
        assert w.vote(who, "outcome", "hearing", reasons=SECRET).status_code == 302
    for who in ("clara", "rory"):
        assert_no_votes(w.page(who))
    with w.app.app_context():
        entries = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "case.vote_cast")).scalars().all()
        assert len(entries) == 3
        assert all("hearing" not in str(e.details) and SECRET not in str(e.details)
                   for e in entries), "the audit says a vote was cast, not how"
        assert db.session.execute(select(Sanction)).first() is None
    assert all(SECRET not in body(m) for m in w.mail())


def test_after_a_remand_a_new_hearing_starts_a_new_round_of_votes(w):
    open_case(w)
    to_review(w)
    to_hearing(w)
    hold(w)
    panel_votes(w, {"S7": "not_violated", "S23": "not_violated"})
    w.do("chair", "decide", text="No violation.")
    w.do("clara", "appeal", text="The invoice was ignored.")
    w.do("chair", "set_appeal_panel", member_ids=w.ids(*APPEAL_PANEL))
    w.votes(APPEAL_PANEL, "outcome", "remand")
    w.do("chair", "appeal_remand", text="Hear it again.")
    w.mail()
    [first_notice] = mail_to(w.smtp.messages, "rory@example.com", "notice of hearing on 2026-12-14")
    # the committee refers it to a hearing again; the first hearing's votes are spent
    video = "https://video.example.org/hearings/ethics-committee/room-7?pwd=s3cret,always"
    to_hearing(w, when="2027-03-15T10:00", place="", video_link=video)
    sent = w.mail()
    [notice] = mail_to(sent, "rory@example.com", "notice of hearing on 2027-03-15")
    event = invitation(notice)  # long lines are folded at 75 octets
    assert ics_time(event["DTSTART"]) == datetime(2027, 3, 15, 10, tzinfo=UTC)
    assert ics_text(event["LOCATION"]) == video and video in body(notice)
    assert event["UID"] != invitation(first_notice)["UID"], "a new hearing is a new event"
    hold(w, datetime(2027, 3, 15, 15, tzinfo=UTC))
    w.refused("chair", "decide", "Every panel member must vote on S7: 0 of 3 have.",
              text="No violation again.")
    panel_votes(w, {"S7": "violated", "S23": "not_violated"}, sanction="public_reprimand")
    w.do("chair", "decide", text="A violation of S7 on a second hearing.")
    decision = w.decisions()[-1]
    assert (decision.stage, decision.outcome) == ("hearing", "violation")
    assert decision.appeal_due_on == date(2027, 4, 14)


def test_a_postponed_hearing_updates_the_same_calendar_event(w):
    open_case(w)
    to_review(w)
    to_hearing(w)
    [first] = mail_to(w.mail(), "rory@example.com", "notice of hearing")
    w.do("rory", "request_postponement", text="I am abroad.")
    w.do("chair", "decide_postponement", decision="grant", starts_at="2027-01-11T10:00",
         text="Granted.")
    [second] = mail_to(w.mail(), "rory@example.com", "notice of hearing")
    before, after = invitation(first), invitation(second)
    assert before["UID"] == after["UID"], "a calendar replaces the event rather than adding one"
    assert int(after.get("SEQUENCE", "0")) > int(before.get("SEQUENCE", "0"))
    # the refusal of a postponement keeps the date and tells the respondent
    w.do("rory", "request_postponement", text="Still abroad.")
    w.refused("chair", "decide_postponement", "Choose grant or refuse.", text="")
    w.do("chair", "decide_postponement", decision="refuse", text="The hearing goes ahead.")
    [refusal] = mail_to(w.mail(), "rory@example.com", "refused")
    assert "The hearing goes ahead." in body(refusal)
    assert "Set for 2027-01-11 10:00 UTC" in words(w.page("rory"))


def test_a_missed_condition_brings_the_case_back_for_a_new_round_of_votes(w):
    open_case(w)
    to_review(w)
    ids = w.allegations()
    w.votes(REVIEWERS, "outcome", "consent")
    w.do("chair", "propose_consent", violated_ids=[ids["S7"]], kind="corrective",
         conditions="2026-12-15 Complete 12 hours of ethics education.",
         text="The respondent agrees he did not disclose the relationship.")
    w.do("rory", "sign_consent", agree="y")
    assert w.status() == "final"
    assert w.clients["public"].get("/public-register.json").get_json()["entries"] == [], \
        "corrective action is not public"
    clock.freeze(datetime(2026, 12, 16, 9, tzinfo=UTC))
    w.sweep()
    assert w.status() == "committee_review"
    assert [s.status for s in w.decisions()[-1].sanctions] == ["breached"]
    chair_page = w.page("chair")
    assert "0 of 7 voted" in chair_page, "the votes that offered the agreement are spent"
    w.refused("chair", "propose_consent", "The quorum is 3", violated_ids=[ids["S7"]],
              kind="public_reprimand", text="Again.")


def test_an_interim_suspension_gives_way_to_the_final_decision(w):
    open_case(w)
    w.refused("chair", "interim_suspension", "Give the committee's reason.", text="")
    w.do("chair", "interim_suspension", text="Clients are at risk while we investigate.",
         review_on="2026-12-01")
    assert w.certificant_status() == "suspended"
    assert "Interim suspension" in w.page("rory")
    to_review(w)
    ids = w.allegations()
    w.votes(REVIEWERS, "outcome", "consent")
    w.do("chair", "propose_consent", violated_ids=[ids["S7"]], kind="suspension",
         starts_on="2026-11-02", ends_on="2027-01-09", terms="Two months.",
         text="The respondent agrees he did not disclose the relationship.")
    w.do("rory", "sign_consent", agree="y")
    assert (w.status(), w.certificant_status()) == ("final", "suspended")
    assert "Measures in place" not in w.page("chair"), "the final decision replaces the measure"
    clock.freeze(datetime(2027, 1, 11, 9, tzinfo=UTC))
    w.sweep()
    assert (w.status(), w.certificant_status()) == ("closed", "active"), \
        "the suspension over, the certificant is active again"


def test_a_dismissal_at_review_ends_an_interim_suspension(w):
    open_case(w)
    w.do("chair", "interim_suspension", text="Clients are at risk.", review_on="2026-12-01")
    to_review(w)
    w.votes(REVIEWERS, "outcome", "dismiss")
    w.do("chair", "review_dismiss", text="Nothing was proven.")
    assert (w.status(), w.certificant_status()) == ("dismissed", "active")


def test_a_witness_who_does_not_answer_is_not_the_respondents_default(w):
    open_case(w)
    w.do("chair", "assign_investigators", member_ids=w.ids("ivy"))
    w.refused("ivy", "request_documents", "Give the witness's name and email address.",
              addressee_role="witness", text="The rota.", days="5")
    w.do("ivy", "request_documents", addressee_role="witness", addressee_name="Wanda Witness",
         addressee_email="wanda@example.com", text="The practice's rota for March 2025.",
         days="5")
    [asked] = mail_to(w.mail(), "wanda@example.com", "documents requested")
    assert "rota" in body(asked) and "2026-11-09" in body(asked)
    staff_page = words(w.page("chair"))
    assert "Wanda Witness (witness): The practice's rota" in staff_page
    assert "A witness's documents due 2026-11-09" in staff_page
    assert "rota" not in w.page("rory") and "rota" not in w.page("clara")
    w.do("ivy", "request_documents", addressee_role="respondent", days="10",
         text="Your appointment book.")
    assert "Rory Respondent (CCM-400004) (respondent): Your appointment book" in words(
        w.page("chair"))
    clock.freeze(datetime(2026, 11, 10, 9, tzinfo=UTC))
    w.sweep()
    rory_page = w.page("rory")
    assert "not answered by its deadline" not in rory_page, \
        "the witness's silence is not held against the respondent"
    assert "Documents asked for" in rory_page, "his own request is still open"
    clock.freeze(datetime(2026, 11, 13, 9, tzinfo=UTC))
    w.sweep()
    assert "A request for documents was not answered by its deadline (S9)" in w.page("rory")
