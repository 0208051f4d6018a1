"""The intake story end to end: file, accept, serve, extension, answer; dismiss; ask for info."""
from __future__ import annotations

from datetime import date

from case_helpers import act, declare, file_complaint, get_case, number_in

from app import clock
from app.audit.models import AuditEntry
from app.cases.models import Disclosure
from app.extensions import db


def test_complaint_from_filing_to_answer(app, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member")
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))  # a Monday
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002")
    html = r.data.decode()
    assert "Received:" in html, html
    number = number_in(html)
    assert number.startswith("EC-2026-")
    case = get_case(app, number=number)
    assert case.status == "submitted"
    with app.app_context():
        from app.cases.models import Case
        c = db.session.query(Case).filter_by(number=number).one()
        assert [a.item.code for a in c.allegations] == ["S7", "S23"]
        assert sorted(e.original_name for e in c.evidence) == ["invoice.pdf", "notes.txt", "photo.png"]
    runner.invoke(args=["outbox", "send"])
    [receipt] = smtp.to("clara@example.com")
    assert number in receipt["Subject"]
    assert smtp.to("chair@example.com"), "the chair is told of the new complaint"

    # the chair accepts; the respondent is served
    auth.logout()
    auth.login(people["chair"])
    queue = client.get("/cases/intake").data.decode()
    assert number in queue
    declare(client, number)  # S7: nothing of the case opens before the declaration
    r = act(client, number, "accept", case.row_version, respondent_email="rory@example.com",
            disclose=[str(e.id) for e in case.evidence])
    assert "Complaint accepted" in r.data.decode(), r.data.decode()
    case = get_case(app, number=number)
    assert case.status == "awaiting_response"
    runner.invoke(args=["outbox", "send"])
    [notice] = [m for m in smtp.to("rory@example.com") if "Notice of complaint" in m["Subject"]]
    text = smtp.text_of(notice)
    assert "S7 Conflict of interest" in text and "Clara Complainant" in text
    assert "2026-12-02" in text  # 30 days from 2026-11-02 is a Wednesday
    with app.app_context():
        logged = db.session.query(Disclosure).filter_by(case_id=case.id).all()
        assert {d.item_type for d in logged} == {"allegations", "evidence"}
        assert len(logged) == 4

    # the respondent sees the matter, asks for more time, gets it, and answers
    auth.logout()
    auth.login(people["respondent"])
    page = client.get(f"/cases/{number}").data.decode()
    assert "Facts for S7" in page and "invoice.pdf" in page
    assert "An apology" not in page  # the complainant's remedy is not theirs to see
    r = act(client, number, "request_extension", case.row_version, text="I am abroad until January.")
    assert "asked for more time" in r.data.decode()
    auth.logout()
    auth.login(people["chair"])
    case = get_case(app, number=number)
    r = act(client, number, "decide_extension", case.row_version, decision="grant",
            new_due_on="2027-01-16", text="Granted once.")
    assert "Extension request decided" in r.data.decode()
    case = get_case(app, number=number)
    auth.logout()
    auth.login(people["respondent"])
    page = client.get(f"/cases/{number}").data.decode()
    assert "2027-01-18" in page  # 16 January 2027 is a Saturday: moved to Monday
    r = act(client, number, "respond", case.row_version, text="I deny the allegations.")
    assert "The respondent answered" in r.data.decode()
    assert get_case(app, number=number).status == "investigation"

    # the complainant sees the status in plain words, never the answer itself
    auth.logout()
    auth.login(people["complainant"])
    page = client.get(f"/cases/{number}").data.decode()
    assert "Under investigation" in page
    assert "I deny the allegations" not in page
    assert "I am abroad" not in page
    with app.app_context():
        actions = {e.action for e in db.session.query(AuditEntry)}
    assert {"case.submit", "case.accept", "case.request_extension", "case.decide_extension",
            "case.respond"} <= actions


def test_dismissal_tells_the_complainant_why(app, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", codes=("S13",), files=())
    number = number_in(r.data.decode())
    auth.logout()
    auth.login(people["chair"])
    declare(client, number)
    case = get_case(app, number=number)
    r = act(client, number, "dismiss", case.row_version, reason="not_a_violation",
            text="Disagreeing about a care plan is not a breach of S13.")
    assert get_case(app, number=number).status == "dismissed"
    runner.invoke(args=["outbox", "send"])
    [mail] = [m for m in smtp.to("clara@example.com") if "dismissed" in m["Subject"]]
    assert "not a breach of S13" in smtp.text_of(mail)
    assert not [m for m in smtp.to("rory@example.com")], "an unserved respondent hears nothing"


def test_unanswered_request_for_information_closes_the_complaint(app, cast, auth, client, runner):
    people = cast("complainant", "respondent", "chair", "member")
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", codes=("S3",), files=())
    number = number_in(r.data.decode())
    auth.logout()
    auth.login(people["chair"])
    declare(client, number)
    case = get_case(app, number=number)
    act(client, number, "request_info", case.row_version, text="Which client file is this about?")
    case = get_case(app, number=number)
    assert case.status == "info_requested"
    clock.freeze(clock.now().replace(day=26))  # 7 days before 2 December... a reminder
    out = runner.invoke(args=["deadlines", "sweep"]).output
    assert "reminder" in out
    assert "0 reminders" in runner.invoke(args=["deadlines", "sweep"]).output  # safe twice
    clock.freeze(clock.now().replace(month=12, day=3))
    out = runner.invoke(args=["deadlines", "sweep"]).output
    assert "1 missed" in out
    assert get_case(app, number=number).status == "abandoned"
    assert "0 missed" in runner.invoke(args=["deadlines", "sweep"]).output


def test_stale_form_is_refused_and_not_applied_twice(app, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "member")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", codes=("S3",), files=())
    number = number_in(r.data.decode())
    auth.logout()
    auth.login(people["chair"])
    declare(client, number)
    seen = get_case(app, number=number).row_version
    act(client, number, "request_info", seen, text="Which client?")
    r = act(client, number, "dismiss", seen, reason="duplicate", text="Same as another.")
    assert r.status_code == 409
    assert "changed while you were looking at it" in r.data.decode()
    assert "Same as another." in r.data.decode()  # what they typed is kept
    assert get_case(app, number=number).status == "info_requested"


def test_missing_attestations_are_refused_and_draft_kept(app, make, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "member")
    auth.login(people["complainant"])
    r, draft_url = file_complaint(app, client, "CCM-200002", codes=("S3",), files=(),
                                  attest_good_faith="")
    html = r.data.decode()
    assert r.status_code == 400
    assert "Confirm that you make the complaint in good faith." in html
    assert "Facts for S3" in html  # nothing lost
    with app.app_context():
        from app.cases.models import Case
        assert db.session.query(Case).one().status == "draft"


def test_bad_upload_is_refused_by_name_and_the_rest_is_kept(app, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "member")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", codes=("S3",),
                          files=(("scan.png", b"%PDF-1.4 really a pdf"), ("empty.txt", b""),
                                 ("good.pdf", b"%PDF-1.4\n%%EOF\n")))
    html = r.data.decode()
    assert r.status_code == 400
    assert "scan.png" in html and "empty.txt" in html
    assert "Facts for S3" in html
    with app.app_context():
        from app.cases.models import Case
        case = db.session.query(Case).one()
        assert case.status == "draft"
        assert [e.original_name for e in case.evidence] == ["good.pdf"]


def test_allegation_must_come_from_the_code_in_force(app, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "member")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", codes=("S3",), files=(),
                          conduct=date(2005, 1, 1))
    assert r.status_code == 400
    assert "the code in force was none" in r.data.decode()
