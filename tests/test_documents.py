"""Documents: every type renders what it must and nothing it must not; issuing numbers,
stores, sends and logs a PDF/A once; corrections supersede; anyone can verify a copy."""
from __future__ import annotations

import hashlib
import http.server
import io
import re
import subprocess
import threading
from datetime import date

import pytest
from case_helpers import act, clear, declare, file_complaint, get_case, number_in
from PIL import Image
from pypdf import PdfReader

from app import clock
from app.audit.models import AuditEntry
from app.cases.models import Disclosure
from app.documents import render as renderer
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings.documents import DOCUMENT_TYPES

INTERNAL = "Internal: the chair thinks the invoice looks doctored"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def first_page_ink(pdf: bytes, tmp_path) -> float:
    """Render page 1 with poppler's pdftoppm; return the share of non-white pixels."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(source),
                    str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:200])
    return dark / (image.width * image.height)


def qr_of(reader: PdfReader) -> str:
    """The verification address (as the footer prints it) whose QR code is the image on
    page 1 (checked module by module against the code segno makes for it)."""
    import segno

    [image] = reader.pages[0].images
    picture = image.image.convert("L")
    text = pdf_text_of(reader).split("Check that a copy is authentic at")[1].split()[0]
    matrix = segno.make(text, error="m").matrix
    scale, border = renderer.QR_SCALE, renderer.QR_BORDER
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            pixel = picture.getpixel(((c + border) * scale + scale // 2,
                                      (r + border) * scale + scale // 2))
            assert (pixel < 128) == bool(dark), f"QR module {r},{c} differs"
    return text


def pdf_text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture
def story(app, cast, auth, client):
    """A complaint with a withheld identity, served; an extension asked for and granted;
    a second complaint asked for information; a third dismissed."""
    people = cast("complainant", "respondent", "chair", "member", "admin", "outsider")
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    auth.login(people["complainant"])
    numbers = []
    for _ in range(3):
        r, _ = file_complaint(app, client, "CCM-200002", withhold_identity_requested="y")
        numbers.append(number_in(r.data.decode()))
    served, info, dismissed = numbers
    auth.logout()
    auth.login(people["chair"])
    for number in numbers:  # S7: nothing of a case opens before the declaration
        declare(client, number)
        clear(app, people["member"].id, number)
    case = get_case(app, number=served)
    act(client, served, "accept", case.row_version, respondent_email="rory@example.com",
        withhold_identity="y", disclose=[str(e.id) for e in case.evidence
                                         if e.original_name != "notes.txt"])
    client.post(f"/cases/{served}/notes", data={"text": INTERNAL})
    act(client, info, "request_info", get_case(app, number=info).row_version,
        text="Please send the invoice of March 2025 and the dates of each visit.")
    act(client, dismissed, "dismiss", get_case(app, number=dismissed).row_version,
        reason="duplicate", text="The same facts are already before the committee.")
    auth.logout()
    auth.login(people["respondent"])
    act(client, served, "request_extension", get_case(app, number=served).row_version,
        text="I am in hospital until mid-December.", until="2026-12-20")
    auth.logout()
    auth.login(people["chair"])
    act(client, served, "decide_extension", get_case(app, number=served).row_version,
        decision="grant", new_due_on="2026-12-21", text="Granted for medical reasons.")
    auth.logout()
    assert get_case(app, number=served).status == "awaiting_response"
    return people, {"served": served, "info": info, "dismissed": dismissed}


REPORT = "Findings report: the relationship was never disclosed to the client"
VOTE_SECRET = "Vote reasons: my private doubts about the witness"
DECISION_REASONS = "The panel finds that the respondent did not disclose a dual relationship"
GROUNDS = "Grounds: a suspension is out of proportion for a first complaint"
PLACE = "Room 4, 1 Main Street"
LATER = ("hearing", "decided", "appealed")


@pytest.fixture
def later(app, make, story):
    """Three more complaints against Rory (Clara's identity withheld), carried past the
    answer through the workflow: a hearing set; a hearing decided (a violation and a
    suspension, the appeal period running); an appeal that modified the sanction to a
    public reprimand, final."""
    from datetime import UTC, datetime

    from case_helpers import case_in_state

    from app.accounts.models import User
    from app.coi import services as coi
    from app.proceedings import services as p
    from app.proceedings import workflow
    from app.registry.models import Certificant

    people, _ = story
    panel = {k: make.user("member", email=f"{k}@example.com", name=name) for k, name in [
        ("hana", "Hana Hearing"), ("hugo", "Hugo Hearing"), ("hilda", "Hilda Hearing"),
        ("alma", "Alma Appeal"), ("arno", "Arno Appeal"), ("aria", "Aria Appeal")]}
    numbers = {}
    with app.test_request_context():
        def user(u):
            return db.session.get(User, u.id)

        chair, mina, rory = user(people["chair"]), user(people["member"]), \
            user(people["respondent"])
        hearing_panel = [user(panel[k]) for k in ("hana", "hugo", "hilda")]
        appeal_panel = [user(panel[k]) for k in ("alma", "arno", "aria")]
        record = db.session.query(Certificant).filter_by(cert_number="CCM-200002").one()
        clock.freeze(datetime(2026, 11, 2, 9, tzinfo=UTC))
        cases = {}
        for key in LATER:
            case = case_in_state("investigation", user(people["complainant"]), record, rory)
            case.withhold_identity = True
            for member in [chair, mina, *hearing_panel, *appeal_panel]:
                coi.declare(case, member, "none")
            workflow.apply(case, "assign_investigators", chair, member_ids=[mina.id])
            workflow.apply(case, "refer", mina, text=REPORT)
            for member in (chair, *appeal_panel):
                p.cast_vote(case, member, "review", "outcome", "hearing")
            workflow.apply(case, "set_hearing", chair, member_ids=[u.id for u in hearing_panel],
                           starts_at=datetime(2026, 12, 14, 10, tzinfo=UTC), place=PLACE,
                           video_link="", allegation_ids=[a.id for a in case.allegations])
            cases[key] = case
            numbers[key] = case.number
        clock.freeze(datetime(2026, 12, 14, 15, tzinfo=UTC))
        for key in ("decided", "appealed"):
            case = cases[key]
            workflow.apply(case, "hold_hearing", chair, minutes="Heard both parties.",
                           recording_ref="", attendance=[{"name": "Rory Respondent",
                                                          "role": "respondent"}])
            [allegation] = case.allegations
            for member in hearing_panel:
                p.cast_vote(case, member, "hearing", f"allegation:{allegation.id}", "violated",
                            VOTE_SECRET)
                p.cast_vote(case, member, "hearing", "sanction", "suspension")
            workflow.apply(case, "decide", chair, text=DECISION_REASONS, sanction={
                "terms": "Suspended for six months.", "starts_on": date(2027, 2, 1),
                "ends_on": date(2027, 8, 1), "bar_years": None, "conditions": []})
        case = cases["appealed"]
        workflow.apply(case, "appeal", rory, text=GROUNDS)
        workflow.apply(case, "set_appeal_panel", chair, member_ids=[u.id for u in appeal_panel])
        for member in appeal_panel:
            p.cast_vote(case, member, "appeal", "outcome", "modify")
        workflow.apply(case, "appeal_modify", chair, text="A reprimand is enough.", sanction={
            "kind": "public_reprimand", "terms": "Publicly reprimanded.", "starts_on": None,
            "ends_on": None, "bar_years": None, "conditions": []})
        db.session.commit()
    return numbers


# (document type, which case, what must be in it, what must not)
EXPECTATIONS = {
    "receipt": ("served", ["Receipt of complaint", "Clara Complainant", "S7", "S23",
                           "invoice.pdf", "What happens next"], [INTERNAL]),
    "notice_of_complaint": ("served", ["Notice of complaint", "Rory Respondent", "S7",
                                       "Conflict of interest", "Facts for S23",
                                       "invoice.pdf", "Withheld at the complainant"],
                            ["Clara", "clara@example.com", INTERNAL, "notes.txt"]),
    "information_request": ("info", ["Request for more information", "invoice of March 2025",
                                     "2026-12-02"], [INTERNAL]),
    "dismissal": ("dismissed", ["Dismissal of complaint", "Duplicate of another complaint",
                                "already before the committee"], [INTERNAL]),
    "extension_decision": ("served", ["Granted", "2026-12-21", "in hospital",
                                      "Granted for medical reasons"],
                           ["Clara", INTERNAL]),
    # the date, the place, the panel; the complainant withheld (the respondent receives it)
    "notice_of_hearing": ("hearing", ["Notice of hearing", "2026-12-14 10:00 UTC", PLACE,
                                      "Hana Hearing", "Hugo Hearing", "Hilda Hearing",
                                      "S7", "Conflict of interest", "Withheld at the complainant",
                                      "postponement"],
                          ["Clara", "clara@example.com", "Mina Member", REPORT]),
    # the findings, the sanction and the appeal deadline; never a member's vote reasons
    "decision_and_order": ("decided", ["Decision and order", "Findings", "S7", "Violated",
                                       "Suspension", "2027-02-01", "2027-08-01",
                                       "Suspended for six months.", DECISION_REASONS,
                                       "An appeal may be filed until 2027-01-13",
                                       "Withheld at the complainant"],
                           ["Clara", VOTE_SECRET, REPORT]),
    "appeal_decision": ("appealed", ["Decision on appeal", GROUNDS, "respondent",
                                     "the sanction is modified", "Public reprimand",
                                     "Publicly reprimanded.", "A reprimand is enough.",
                                     "This decision is final"],
                        ["Clara", VOTE_SECRET, REPORT, "Suspended for six months."]),
    # redacted: the certificant, the standard, the sanction; no complainant, no facts
    "public_notice": ("appealed", ["Public notice of a sanction", "Rory Respondent",
                                   "CCM-200002", "S7", "Public reprimand"],
                      ["Clara", "Complainant", "Withheld", "Facts for", GROUNDS, REPORT,
                       DECISION_REASONS, VOTE_SECRET, "Suspension", INTERNAL]),
}


def test_every_document_type_has_expectations():
    assert set(EXPECTATIONS) == set(DOCUMENT_TYPES)


@pytest.mark.parametrize("kind", sorted(EXPECTATIONS))
def test_draft_of_each_type_says_what_it_must_and_nothing_it_must_not(
        app, story, auth, client, kind, tmp_path, request):
    people, numbers = story
    which, must, must_not = EXPECTATIONS[kind]
    if which in LATER:
        numbers = numbers | request.getfixturevalue("later")
    auth.login(people["member"])  # any committee member on the case may preview
    r = client.get(f"/cases/{numbers[which]}/documents/{kind}/preview")
    assert r.status_code == 200, r.data[:500]
    assert r.mimetype == "application/pdf"
    text = pdf_text(r.data)
    for needle in [numbers[which], "DRAFT", *must]:
        assert needle in text, f"{kind}: {needle!r} missing from\n{text}"
    for needle in must_not:
        assert needle not in text, f"{kind}: {needle!r} must not appear"
    assert "-D1" not in text, "a draft is not numbered"
    assert first_page_ink(r.data, tmp_path) > 0.01, "the first page is blank"


def test_builders_hand_the_renderer_plain_data_only(app, story, later):
    from app.cases.models import Case

    allowed = (str, int, float, bool, type(None), date)

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list | tuple):
            for n, v in enumerate(value):
                walk(v, f"{path}[{n}]")
        else:
            assert isinstance(value, allowed), f"{path} is a {type(value).__name__}"

    numbers = story[1] | later
    with app.test_request_context():
        for kind, (which, _, _) in EXPECTATIONS.items():
            case = db.session.query(Case).filter_by(number=numbers[which]).one()
            walk(DOCUMENT_TYPES[kind].build(case), kind)


def _issue(client, number, kind, **data):
    return client.post(f"/cases/{number}/documents/{kind}/issue", data=data,
                       follow_redirects=True)


def test_issue_numbers_stores_archives_sends_and_logs(app, story, auth, client, runner, smtp,
                                                      tmp_path):
    people, numbers = story
    served = numbers["served"]
    auth.login(people["admin"])
    page = client.get(f"/cases/{served}/documents/notice_of_complaint/issue").data.decode()
    assert "rory@example.com" in page and "clara@example.com" not in page
    r = _issue(client, served, "notice_of_complaint")
    assert f"{served}-D1 issued" in r.data.decode()
    r = _issue(client, served, "receipt")
    assert f"{served}-D2 issued" in r.data.decode()

    with app.app_context():
        notice = db.session.query(Document).filter_by(number=f"{served}-D1").one()
        stored = (app.config["DOCUMENT_DIR"] / notice.stored_name).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == notice.sha256
        assert notice.issued_by.email == "ada@example.com" and notice.pages >= 1
        assert [r["email"] for r in notice.recipients] == ["rory@example.com"]
        logged = db.session.query(Disclosure).filter_by(item_type="document").all()
        assert {(d.item_label, d.recipient_email, d.how) for d in logged} == {
            (f"Notice of complaint {served}-D1", "rory@example.com", "email attachment"),
            (f"Receipt of complaint {served}-D2", "clara@example.com", "email attachment")}
        assert db.session.query(AuditEntry).filter_by(action="document.issued").count() == 2
    reader = PdfReader(io.BytesIO(stored))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp.replace('pdfaid:part="3"', "<pdfaid:part>3</pdfaid:part>"), \
        "issued documents are archived as PDF/A-3"
    assert qr_of(reader) == f"http://localhost/verify/{served}-D1", "the first page's QR code"
    text = pdf_text(stored)
    assert f"Document {served}-D1" in text and f"http://localhost/verify/{served}-D1" in text
    assert "DRAFT" not in text and "Clara" not in text and "Ada Administrator" in text
    assert "Page 1 of" in text

    # the respondent receives it over SMTP, attached, byte for byte
    runner.invoke(args=["outbox", "send"])
    [mail] = [m for m in smtp.to("rory@example.com") if f"{served}-D1" in m["Subject"]]
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"{served}-D1.pdf"
    assert attachment.get_content() == stored
    assert f"/verify/{served}-D1" in smtp.text_of(mail)
    [receipt_mail] = [m for m in smtp.to("clara@example.com") if f"{served}-D2" in m["Subject"]]
    assert receipt_mail

    # each finds their own on their page; nobody else's
    auth.logout()
    auth.login(people["respondent"])
    page = client.get(f"/cases/{served}").data.decode()
    assert f"{served}-D1" in page and f"{served}-D2" not in page
    assert "Notice of complaint issued" in page
    assert client.get(f"/documents/{served}-D1.pdf").data == stored
    assert client.get(f"/documents/{served}-D2.pdf").status_code == 404
    auth.logout()
    auth.login(people["complainant"])
    page = client.get(f"/cases/{served}").data.decode()
    assert f"{served}-D2" in page and f"{served}-D1" not in page
    assert client.get(f"/documents/{served}-D1.pdf").status_code == 404
    auth.logout()
    auth.login(people["outsider"])
    assert client.get(f"/documents/{served}-D2.pdf").status_code == 404


def test_only_administrators_issue(app, story, auth, client):
    people, numbers = story
    for who in ("chair", "member"):
        auth.login(people[who])
        assert client.post(f"/cases/{numbers['served']}/documents/receipt/issue").status_code == 403
        auth.logout()
    with app.app_context():
        assert db.session.query(Document).count() == 0


def test_a_correction_supersedes_and_both_stay(app, story, auth, client):
    people, numbers = story
    served = numbers["served"]
    auth.login(people["admin"])
    _issue(client, served, "extension_decision")
    # a second issue without saying what changed is refused, with the form kept
    r = client.post(f"/cases/{served}/documents/extension_decision/issue", data={"reason": " "})
    assert r.status_code == 422
    assert "say what this correction changes" in r.data.decode()
    r = _issue(client, served, "extension_decision", reason="The new date was misprinted.")
    assert f"{served}-D2 issued" in r.data.decode()
    with app.app_context():
        old, new = db.session.query(Document).order_by(Document.seq).all()
        assert (old.status, new.status) == ("superseded", "issued")
        assert new.supersedes_id == old.id
        old_bytes = (app.config["DOCUMENT_DIR"] / old.stored_name).read_bytes()
        new_bytes = (app.config["DOCUMENT_DIR"] / new.stored_name).read_bytes()
    assert hashlib.sha256(old_bytes).hexdigest() == old.sha256, "the old file is unchanged"
    assert f"corrects and replaces {served}-D1" in pdf_text(new_bytes)
    page = client.get(f"/cases/{served}").data.decode()
    assert f"Superseded</strong> by {served}-D2" in page
    auth.logout()
    auth.login(people["respondent"])
    page = client.get(f"/cases/{served}").data.decode()
    assert f"Superseded</strong> by {served}-D2" in page
    assert client.get(f"/documents/{served}-D1.pdf").data == old_bytes
    auth.logout()
    verify = client.get(f"/verify/{served}-D1").data.decode()
    assert "Superseded" in verify and f"{served}-D2" in verify


def test_verification_is_public_and_tells_genuine_from_altered(app, story, auth, client,
                                                                runner, tmp_path):
    people, numbers = story
    served = numbers["served"]
    auth.login(people["admin"])
    _issue(client, served, "notice_of_complaint")
    with app.app_context():
        doc = db.session.query(Document).one()
        genuine = (app.config["DOCUMENT_DIR"] / doc.stored_name).read_bytes()
    auth.logout()

    page = client.get(f"/verify/{served}-D1").data.decode()
    assert "Notice of complaint" in page and doc.sha256 in page and "In force" in page
    # (the upload form's random CSRF token can spell "S7" by chance: it is not shown)
    shown = re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", page)
    for private in ("Rory", "Clara", "S7", "Facts for", "rory@example.com"):
        assert private not in shown, f"the public page shows {private!r}"

    def check(data: bytes) -> str:
        return client.post(f"/verify/{served}-D1", data={"file": (io.BytesIO(data), "copy.pdf")},
                           content_type="multipart/form-data").data.decode()

    assert "Genuine." in check(genuine)
    # re-saved by an editor with one metadata field changed: the text reads the same
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine)))
    writer.add_metadata({"/Subject": "edited"})
    out = io.BytesIO()
    writer.write(out)
    tampered = out.getvalue()
    assert pdf_text(tampered) == pdf_text(genuine)
    assert "Not a match" in check(tampered) and "Genuine." not in check(tampered)
    flipped = bytearray(genuine)
    flipped[len(flipped) // 2] ^= 0x01
    assert "Not a match" in check(bytes(flipped))
    r = client.post(f"/verify/{served}-D1", data={}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose the PDF file to check." in r.data.decode()
    r = client.get("/verify/EC-2026-99999-D1")
    assert r.status_code == 404 and "No document numbered" in r.data.decode()
    r = client.post("/verify", data={"number": "not a number"})
    assert r.status_code == 422 and "looks like EC-2026-00001-D1" in r.data.decode()
    r = client.post("/verify", data={"number": f" {served}-D1 "})
    assert r.headers["Location"].endswith(f"/verify/{served}-D1")

    (tmp_path / "good.pdf").write_bytes(genuine)
    (tmp_path / "bad.pdf").write_bytes(tampered)
    result = runner.invoke(args=["documents", "verify", str(tmp_path / "good.pdf")])
    assert result.exit_code == 0 and f"MATCH: {served}-D1" in result.output
    result = runner.invoke(args=["documents", "verify", str(tmp_path / "bad.pdf")])
    assert result.exit_code == 1 and "NO MATCH" in result.output
    result = runner.invoke(args=["documents", "verify", "--number", f"{served}-D1",
                                 str(tmp_path / "bad.pdf")])
    assert result.exit_code == 1 and f"not the issued {served}-D1" in result.output


def test_a_rendering_failure_issues_nothing(app, story, auth, client, monkeypatch):
    people, numbers = story
    served = numbers["served"]
    auth.login(people["admin"])
    files_before = set(app.config["DOCUMENT_DIR"].iterdir())
    with app.app_context():
        mail_before = db.session.query(OutboxMessage).count()

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(renderer, "html_to_pdf", broken)
    r = client.post(f"/cases/{served}/documents/notice_of_complaint/issue")
    assert r.status_code == 422
    assert "could not be rendered" in r.data.decode() and "no number was used" in r.data.decode()
    with app.app_context():
        assert db.session.query(Document).count() == 0
        assert db.session.query(OutboxMessage).count() == mail_before
    assert set(app.config["DOCUMENT_DIR"].iterdir()) == files_before, "no file was left"
    monkeypatch.undo()
    r = _issue(client, served, "notice_of_complaint")
    assert f"{served}-D1 issued" in r.data.decode(), "the number was not used up"


def test_a_failure_after_the_file_is_written_leaves_no_file(app, story, monkeypatch):
    from app.cases.models import Case
    from app.documents import services

    _, numbers = story
    files_before = set(app.config["DOCUMENT_DIR"].iterdir())

    def fail(*args, **kwargs):
        raise RuntimeError("mail queue unavailable")

    monkeypatch.setattr(services, "_serve", fail)
    with app.test_request_context():
        from app.accounts.models import User

        admin = db.session.query(User).filter_by(email="ada@example.com").one()
        case = db.session.query(Case).filter_by(number=numbers["served"]).one()
        with pytest.raises(RuntimeError):
            services.issue(case, DOCUMENT_TYPES["receipt"], admin)
        db.session.rollback()
        assert db.session.query(Document).count() == 0
    assert set(app.config["DOCUMENT_DIR"].iterdir()) == files_before, "the file was removed"


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_renderer_fetches_nothing_from_disk_or_network(app, tmp_path):
    from case_helpers import PNG
    from conftest import free_port

    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), _CountingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        html = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
                f'</head><body><p>Hello</p><img src="file://{secret}">'
                f'<img src="http://127.0.0.1:{port}/y.png">'
                f'<div style="background: url(file:///etc/passwd)">x</div></body></html>')
        with app.app_context():
            rendered = renderer.html_to_pdf(html, archival=False)
    finally:
        server.shutdown()
    assert _CountingHandler.hits == [], "the renderer called out over the network"
    assert f"file://{secret}" in rendered.refused
    assert f"http://127.0.0.1:{port}/y.png" in rendered.refused
    assert "file:///etc/passwd" in rendered.refused
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert not reader.pages[0].images, "a refused image must not appear"
    assert "Hello" in pdf_text(rendered.pdf)
