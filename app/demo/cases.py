"""Demo cases: a complaint or self-report in every state the proceeding reaches so far.

Each `DemoCase` below is filed and moved along through the real services and
`workflow.apply()`, on a clock set back to when it happened, so its timeline,
deadlines, notices and audit entries look as they would in use. Two cases are left
to the deadline sweep, run once at the end with the clock at the present. A case is
recognised by the facts of its first allegation, so loading again adds nothing.

Who is who: Clara Certificant (cert1), Rory Respondent (cert2) and Wanda Witness
(cert3) file complaints and answer them; the chair takes the committee's actions,
having declared "no conflict" on each case as it arrives (S7). Mina Member discloses
a past working relationship with Rory, who objects, so she is recused; Marco Member
withdraws from a case about his neighbour.
"""
from __future__ import annotations

import io
import struct
import textwrap
import zlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app import clock
from app.accounts.services import find_by_email
from app.cases import services
from app.cases.models import Allegation, Case
from app.cases.uploads import check_and_store
from app.catalogue.services import governing_version
from app.coi import services as coi
from app.extensions import db
from app.proceedings import workflow
from app.proceedings.deadlines import sweep
from app.registry.services import find_by_number

CHAIR = "chair@example.org"
MINA, MARCO = "member1@example.org", "member2@example.org"
CLARA, RORY, WANDA = "cert1@example.org", "cert2@example.org", "cert3@example.org"


@dataclass(frozen=True)
class Charge:
    """An allegation: a code item, when the conduct happened, and what happened."""

    code: str
    days_before: int  # the conduct, counted back from the day the case was started
    facts: str
    lasted_days: int | None = None


@dataclass(frozen=True)
class Step:
    """One workflow action, taken `day` days after the case was started."""

    day: float
    action: str
    by: str
    text: str = ""
    files: tuple[str, ...] = ()
    # for extensions: the date asked for / granted, in days after the current deadline
    days_after_deadline: int | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DemoCase:
    days_ago: int  # when the case was started
    filer: str
    charges: tuple[Charge, ...]
    respondent: str | None = None  # registry number, or describe the respondent below
    respondent_name: str = ""
    respondent_details: str = ""
    relation: str = "client"
    remedy: str = ""
    files: tuple[str, ...] = ()
    self_report: str | None = None  # a SelfReportEvent: the filer reports themselves
    submit: bool = True
    steps: tuple[Step, ...] = ()
    swept: bool = False  # a deadline passes; the sweep at the end moves it on


DEMO_CASES = (
    # investigation after a default: Wanda never answers; the sweep records it (S9 proposed)
    DemoCase(
        days_ago=50, filer=CLARA, respondent="CCM-100003", relation="colleague",
        charges=(Charge("S17", 90, lasted_days=30, facts=(
            "Wanda keeps printed client files, including medical reports, in an unlocked "
            "cabinet in the shared hallway of our office building, where visitors and "
            "cleaning staff walk past. I saw the cabinet standing open on several days and "
            "told her so, but nothing changed.")),),
        remedy="That the files are locked away and the clients concerned are told.",
        files=("note-of-conversation.txt",),
        steps=(Step(1, "recuse", MARCO, text=(
                   "Wanda Witness is my neighbour and we have been friends for years.")),
               Step(2, "accept", CHAIR)), swept=True),
    # abandoned: Rory does not send the information asked for; the sweep closes it
    DemoCase(
        days_ago=46, filer=RORY, respondent_name="Dana Hollis", relation="colleague",
        respondent_details="Case manager at Brightpath Rehabilitation. I do not know whether "
                           "she is certified.",
        charges=(Charge("S16", 60, facts=(
            "At a regional training day, Dana Hollis presented a case study and named the "
            "client, his employer and his diagnosis. Several people in the room knew him.")),),
        remedy="That she apologises to the client and stops naming clients in training.",
        steps=(Step(3, "request_info", CHAIR, text=(
            "Please tell us Dana Hollis's certificate number if you know it, or the address "
            "of Brightpath Rehabilitation, and send the programme of the training day.")),),
        swept=True),
    # dismissed, with the reason
    DemoCase(
        days_ago=40, filer=RORY, respondent="CCM-100006", relation="other_certificant",
        charges=(Charge("S13", 75, facts=(
            "Petra advised our shared client to go back to part-time work in his old job "
            "instead of retraining, which I believe was the wrong plan for him.")),),
        remedy="That the plan is reviewed by another case manager.",
        steps=(Step(5, "dismiss", CHAIR, data={"reason": "not_a_violation"}, text=(
            "A professional disagreement about the best plan for a client is not, on its "
            "own, a breach of the Standards. The complaint does not say that Petra imposed "
            "her own values on the client or acted outside her competence. If you have facts "
            "of that kind, you may file a new complaint.")),)),
    # investigation after an answer, with the respondent's attachment
    DemoCase(
        days_ago=38, filer=RORY, respondent="CCM-100001", relation="other_certificant",
        charges=(Charge("S4", 45, facts=(
            "Clara's practice website calls her a \"board-certified rehabilitation "
            "physician\". She is a certified case manager, not a physician. Two clients told "
            "me they chose her because they thought she was a doctor.")),),
        remedy="That the website is corrected.",
        files=("practice-website.png",),
        steps=(Step(2, "accept", CHAIR),
               Step(20, "respond", CLARA, files=("email-to-web-designer.txt",), text=(
                   "The wording was written by the web designer who rebuilt my site in the "
                   "spring, and I did not notice it. I have never told anyone I am a "
                   "physician. I had the page corrected on the day the notice arrived; it now "
                   "says \"Certified Case Manager\". My email asking for the change is "
                   "attached.")))),
    # awaiting the answer, with an extension granted
    DemoCase(
        days_ago=32, filer=WANDA, respondent="CCM-100002", relation="client",
        charges=(Charge("S24", 150, lasted_days=60, facts=(
            "Rory billed my employer's insurer for eight counselling sessions with me. I "
            "attended three. On the other five dates I was at work, as my timesheets show.")),),
        remedy="That the insurer is repaid for the sessions that did not take place.",
        files=("timesheet-extract.pdf",),
        steps=(Step(3, "accept", CHAIR),
               Step(4, "disclose", MINA, data={"relation": "professional"}, text=(
                   "Rory and I worked in the same rehabilitation team at Northgate Hospital "
                   "until 2022. We have not worked together since.")),
               Step(6, "object", RORY, text=(
                   "Mina and I disagreed sharply about my caseload when we worked together; "
                   "I do not think she can judge this fairly.")),
               Step(22, "request_extension", RORY, days_after_deadline=14, text=(
                   "My appointment book for that period is with my former employer, who has "
                   "agreed to send it but not within the deadline.")),
               Step(23, "decide_extension", CHAIR, days_after_deadline=14,
                    data={"grant": True}, text=(
                        "Granted: the appointment book is needed for a full answer. No "
                        "further extension is expected.")))),
    # withdrawn by the complainant
    DemoCase(
        days_ago=30, filer=CLARA, respondent="CCM-100005", relation="client_family",
        charges=(Charge("S24", 120, lasted_days=90, facts=(
            "Sam asked for the full fee for my aunt's care plan in advance and then did not "
            "deliver the plan for three months, despite my reminders.")),),
        remedy="A refund of the fee.",
        steps=(Step(6, "withdraw", CLARA, text=(
            "Sam has now delivered the care plan and refunded part of the fee. I do not "
            "wish to go on with the complaint.")),)),
    # back in the intake queue after the complainant sent the information asked for
    DemoCase(
        days_ago=22, filer=WANDA, respondent="CCM-100006", relation="client",
        charges=(Charge("S12", 70, facts=(
            "Petra stopped working on my case without telling me or my insurer. Six weeks "
            "later the insurer told me my file had been closed, and my place on a "
            "job-training course was lost.")),),
        remedy="An explanation, and help to get a place on the course again.",
        steps=(Step(2, "request_info", CHAIR, text=(
                   "Please send the letter or email in which you learned that your file was "
                   "closed, and the name of the training course.")),
               Step(8, "provide_info", WANDA, files=("letter-from-insurer.pdf",), text=(
                   "The insurer's letter is attached. The course was the Office Skills "
                   "Certificate at Riverside Community College.")))),
    # awaiting the answer, with the respondent's extension request waiting for the chair
    DemoCase(
        days_ago=18, filer=CLARA, respondent="CCM-100002", relation="client_family",
        charges=(Charge("S7", 200, lasted_days=120, facts=(
            "Rory was my late father's case manager after his stroke. He arranged all of my "
            "father's home care through Carewell Home Services and never told us that his "
            "wife owns the company. We found out from the company's annual report.")),),
        remedy="That Rory discloses such links to his clients in future.",
        files=("carewell-annual-report-extract.pdf", "care-invoices-summary.txt"),
        steps=(Step(2, "accept", CHAIR),
               Step(14, "request_extension", RORY, days_after_deadline=21, text=(
                   "I need the referral records of the hospital discharge team, who chose the "
                   "first home-care agency. Their archive takes about three weeks to answer.")))),
    # a self-report, waiting for intake
    DemoCase(
        days_ago=15, filer=RORY, self_report="licence_loss",
        charges=(Charge("R4", 5, facts=(
            "The Board of Nursing suspended my nursing licence for six months after an audit "
            "of my medication records in a previous hospital job. I have enrolled in the "
            "documentation course the Board requires.")),),
        files=("board-of-nursing-order.pdf",)),
    # waiting for the complainant's information
    DemoCase(
        days_ago=12, filer=WANDA, respondent_name="Jordan Blake", relation="client_family",
        respondent_details="Independent case manager; his letters are headed \"Blake Care "
                           "Coordination\".",
        charges=(Charge("S24", 80, lasted_days=60, facts=(
            "Jordan Blake charged my mother's insurer for twelve home visits over two "
            "months. He came to the house four times.")),),
        remedy="That the insurer is repaid.",
        steps=(Step(3, "request_info", CHAIR, text=(
            "Please send the insurer's statements that list the visits, and tell us whether "
            "Jordan Blake holds a certificate: a number on his letters or emails would help.")),)),
    # submitted, waiting for intake
    DemoCase(
        days_ago=5, filer=WANDA, respondent="CCM-100004", relation="other_certificant",
        charges=(Charge("S6", 30, facts=(
            "Ivan's certification lapsed, but his email signature and his practice's "
            "website still say \"Ivan Inactive, CCM\". A client showed me the business card "
            "Ivan gave her at a meeting last month.")),),
        remedy="That Ivan stops using the designation until he is certified again.",
        files=("practice-website.png", "email-signature.txt")),
    # a draft Clara has not submitted yet
    DemoCase(
        days_ago=2, filer=CLARA, respondent="CCM-100006", relation="other_certificant",
        submit=False,
        charges=(Charge("S26", 20, facts=(
            "Petra offered to pay me 150 for every client I refer to her practice.")),),
        files=("message-from-petra.txt",)),
)

# Where the files sent with an action are filed (as the case pages do).
FILE_CONTEXT = {"provide_info": "information", "respond": "response"}


def load_demo_cases() -> int:
    """File the demo cases that are missing; return how many were added."""
    return load_missing(DEMO_CASES, _file)


def load_missing(specs, carry) -> int:
    """Carry each missing spec, oldest first, on a clock set back to its start; then run
    the sweep once at the present if any of them waits for it. Return how many."""
    now = clock.now()
    added = [spec for spec in sorted(specs, key=lambda s: -s.days_ago) if not _exists(spec)]
    try:
        for spec in added:
            carry(spec, now - timedelta(days=spec.days_ago))
        if any(spec.swept for spec in added):
            clock.freeze(now)
            sweep()
    finally:
        clock.freeze(None)
    db.session.flush()
    return len(added)


def _exists(spec: DemoCase) -> bool:
    facts = spec.charges[0].facts
    return db.session.execute(
        select(Allegation.id).where(Allegation.facts == facts).limit(1)).first() is not None


def _file(spec: DemoCase, start) -> Case:
    clock.freeze(start)
    filer = find_by_email(spec.filer)
    allegations = [_allegation(charge) for charge in spec.charges]
    if spec.self_report:
        first = allegations[0]
        case = services.file_self_report(filer, spec.self_report, first["conduct_from"],
                                         first["facts"], first["item"])
    else:
        case = services.start_draft(filer)
        services.save_draft(
            case, filer, respondent=find_by_number(spec.respondent) if spec.respondent else None,
            respondent_name=spec.respondent_name, respondent_details=spec.respondent_details,
            relation=spec.relation, remedy=spec.remedy, attest_not_confidential=True,
            attest_good_faith=True, allegations=allegations)
    _attach(case, spec.files, "complaint", filer)
    if spec.submit:
        workflow.apply(case, "submit", filer)
        clock.freeze(start + timedelta(hours=1))
        coi.declare(case, find_by_email(CHAIR), "none")
    for step in spec.steps:
        clock.freeze(start + timedelta(days=step.day))
        _take(case, step)
    return case


def _allegation(charge: Charge) -> dict:
    conduct_from = clock.today() - timedelta(days=charge.days_before)
    item = next(i for i in governing_version(conduct_from).items if i.code == charge.code)
    return {"code_item_id": item.id, "item": item, "conduct_from": conduct_from,
            "conduct_to": conduct_from + timedelta(days=charge.lasted_days)
            if charge.lasted_days else None, "facts": charge.facts}


def _take(case: Case, step: Step) -> None:
    actor = find_by_email(step.by)
    if step.action in COI_STEPS:
        COI_STEPS[step.action](case, actor, step)
        return
    data = dict(step.data)
    if step.text:
        data.update(text=step.text)
    if step.days_after_deadline is not None:
        due = case.open_deadline("response").due_on + timedelta(days=step.days_after_deadline)
        data["until" if step.action == "request_extension" else "new_due_on"] = due
    _attach(case, step.files, FILE_CONTEXT.get(step.action, ""), actor)
    workflow.apply(case, step.action, actor, **data)


def _disclose(case: Case, member, step: Step) -> None:
    coi.declare(case, member, "disclosure", step.data["relation"], step.text)


def _object(case: Case, party, step: Step) -> None:
    [declaration] = [d for d in coi.declarations(case) if d.is_disclosure]
    coi.object_to(declaration, party, step.text)


# Conflict-of-interest steps, taken through the coi services.
COI_STEPS = {
    "disclose": _disclose,
    "object": _object,
    "recuse": lambda case, member, step: coi.recuse_self(case, member, step.text),
}


def _attach(case: Case, names: tuple[str, ...], context: str, actor) -> None:
    stored = [check_and_store(FileStorage(io.BytesIO(demo_file(name)), filename=name))
              for name in names]
    if stored:
        services.attach_evidence(case, stored, context, actor)


# --- the evidence files, made here -----------------------------------------------------

FILE_TEXT = {
    "waiting-room-notes.txt": [
        "Notes I made in the waiting room, the same afternoon.",
        "",
        "The receptionist read out the client's name and the reason for his visit to the "
        "whole waiting room, then handed his file to the case manager across the counter.",
    ],
    "note-of-conversation.txt": [
        "Note of a conversation with Wanda, written the same day.",
        "",
        "I told Wanda that the grey cabinet in the hallway was open again and that the top "
        "folder was a client's hospital discharge report. She said she would ask the "
        "landlord for a key. The cabinet was open again the following week.",
    ],
    "email-to-web-designer.txt": [
        "From: Clara Certificant <cert1@example.org>",
        "To: studio@example.net",
        "Subject: Please correct my title on the About page",
        "",
        "Hello, the About page says I am a board-certified rehabilitation physician. I am "
        "not a physician. Please change it today to \"Clara Certificant, Certified Case "
        "Manager\". Thank you, Clara",
    ],
    "care-invoices-summary.txt": [
        "Carewell Home Services invoices for my father's care, summarised by me:",
        "",
        "Month 1: 96 hours of home care",
        "Month 2: 104 hours of home care",
        "Month 3: 100 hours of home care",
        "Month 4: 88 hours of home care",
        "Every invoice names Rory as the referring case manager.",
    ],
    "email-signature.txt": [
        "Signature at the foot of an email Ivan sent to a client of mine:",
        "",
        "Ivan Inactive, CCM",
        "Inactive Case Management Ltd",
    ],
    "message-from-petra.txt": [
        "Text message from Petra, copied word for word:",
        "",
        "\"Happy to pay 150 for each client you send my way. Cash is fine. Keep it between "
        "us.\"",
    ],
    "timesheet-extract.pdf": [
        "Riverside Logistics - timesheet extract for Wanda Witness",
        "",
        "The five dates billed as counselling sessions, each a full working day:",
        "Shift 07:00-15:30, signed in at the warehouse gate (five entries)",
        "Certified a true copy by the payroll office.",
    ],
    "carewell-annual-report-extract.pdf": [
        "Carewell Home Services - annual report (extract)",
        "",
        "Directors and owners: Mrs R. Respondent (100% of the shares).",
        "Main referral sources this year: hospital discharge teams; independent case managers.",
    ],
    "letter-from-insurer.pdf": [
        "Northgate Insurance - return-to-work services",
        "",
        "Dear Ms Witness,",
        "We write to confirm that your case management file was closed six weeks ago at the "
        "request of your case manager, Petra Practitioner. We were not given a reason.",
        "Your place on the Office Skills Certificate course has been released.",
    ],
    "board-of-nursing-order.pdf": [
        "State Board of Nursing - order of suspension",
        "",
        "The licence of Rory Respondent, RN, is suspended for six months.",
        "Reason: incomplete medication administration records found on audit.",
        "Condition of reinstatement: completion of an approved documentation course.",
    ],
}


def demo_file(name: str) -> bytes:
    """The content of a demo evidence file: a real PDF, PNG or text file."""
    if name.endswith(".png"):
        return _png()
    lines = FILE_TEXT[name]
    if name.endswith(".pdf"):
        return _pdf(lines)
    return ("\n".join(lines) + "\n").encode()


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing the lines, wrapped, in Helvetica (ASCII text only)."""
    def escape(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    wrapped = [part for line in lines for part in textwrap.wrap(line, 85) or [""]]
    text = "".join(f"({escape(line)}) '\n" for line in wrapped)
    stream = f"BT /F1 11 Tf 16 TL 56 800 Td\n{text}ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _png(width: int = 240, height: int = 150) -> bytes:
    """A sketch of a web page: a header bar, grey lines of text, one line marked in red."""
    def pixel(x: int, y: int) -> bytes:
        if y < 24:
            return b"\x1f\x3a\x5f"
        if 50 <= y < 64 and 14 <= x < 226 and (y in (50, 63) or x in (14, 225)):
            return b"\xd0\x21\x21"
        if y >= 40 and (y - 40) % 14 < 6 and 20 <= x < 220 - (y - 40) // 14 % 3 * 40:
            return b"\x9a\x9a\x9a"
        return b"\xff\xff\xff"

    raw = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
