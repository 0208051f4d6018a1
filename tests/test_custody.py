"""Chain of custody and sanction reminders: who added each item, from where, with which
fingerprint, and every later opening; an upload that is refused stores nothing; the
respondent is reminded of a condition coming due, once each time."""
from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime

from case_helpers import PDF, case_in_state, clear

from app import clock
from app.cases.models import Case, Evidence
from app.extensions import db


def test_evidence_added_by_the_investigator_keeps_its_chain_of_custody(app, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "investigator", "member", "record")
    record = people.pop("record")
    with app.test_request_context():
        from app.accounts.models import User

        users = {k: db.session.get(User, v.id) for k, v in people.items()}
        case = case_in_state("investigation", users["complainant"], db.session.merge(record),
                             users["respondent"], investigator=users["investigator"])
        db.session.commit()
        number = case.number
    for who in ("investigator", "member", "chair"):
        clear(app, people[who].id, number)

    auth.login(people["investigator"])
    r = client.post(f"/cases/{number}/investigation/evidence", data={
        "evidence": [(io.BytesIO(PDF), "bank-statement.pdf")],
        "source": "Handed over by the clinic's manager, 3 March"},
        content_type="multipart/form-data", follow_redirects=True)
    assert "1 file(s) added to the evidence" in r.data.decode()
    with app.app_context():
        item = db.session.query(Evidence).filter_by(original_name="bank-statement.pdf").one()
        assert item.sha256 == hashlib.sha256(PDF).hexdigest()
        assert (item.context, item.source, item.uploaded_by_id) == (
            "investigation", "Handed over by the clinic's manager, 3 March", people["investigator"].id)
        evidence_id = item.id
    # a batch with a file of the wrong type adds nothing, and leaves no file behind
    upload_dir = app.config["UPLOAD_DIR"]
    files_before = set(upload_dir.iterdir())
    r = client.post(f"/cases/{number}/investigation/evidence", data={
        "evidence": [(io.BytesIO(PDF), "good.pdf"), (io.BytesIO(b"MZ\x90\x00binary"), "x.pdf")],
        "source": "Email from a witness"}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "Nothing was added" in r.data.decode()
    assert set(upload_dir.iterdir()) == files_before
    with app.app_context():
        assert db.session.query(Evidence).filter_by(original_name="good.pdf").count() == 0
    # an interview record carries its attachments, sourced to the interview
    r = client.post(f"/cases/{number}/investigation", data={
        "kind": "interview", "title": "Clinic manager", "text": "She confirmed the visits.",
        "held_at": "2026-11-10T14:00", "evidence": [(io.BytesIO(PDF), "notes-manager.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Added to the investigation file." in r.data.decode()
    with app.app_context():
        att = db.session.query(Evidence).filter_by(original_name="notes-manager.pdf").one()
        assert (att.context, att.source) == ("interview", "Interview record: Clinic manager")
    # a source is required
    r = client.post(f"/cases/{number}/investigation/evidence", data={
        "evidence": [(io.BytesIO(PDF), "more.pdf")], "source": ""},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Say where the files come from." in r.data.decode()
    auth.logout()

    # every later opening is logged and shown on the investigation file
    auth.login(people["member"])
    assert client.get(f"/evidence/{evidence_id}").data == PDF
    page = client.get(f"/cases/{number}/investigation").data.decode()
    assert "Handed over by the clinic" in page and "Mina Member" in page
    assert hashlib.sha256(PDF).hexdigest() in page
    auth.logout()
    auth.login(people["chair"])
    client.get(f"/evidence/{evidence_id}")
    with app.app_context():
        item = db.session.get(Evidence, evidence_id)
        assert [a.user.name for a in item.accesses] == ["Mina Member", "Charles Chair"]


def test_a_condition_coming_due_is_reminded_once_each_time(app, cast, runner, smtp):
    people = cast("complainant", "respondent", "chair", "investigator", "member", "record")
    record = people.pop("record")
    clock.freeze(datetime(2026, 11, 2, 9, tzinfo=UTC))
    with app.test_request_context():
        from app.accounts.models import User
        from app.proceedings import services as p

        users = {k: db.session.get(User, v.id) for k, v in people.items()}
        case = case_in_state("final", users["complainant"], db.session.merge(record),
                             users["respondent"])
        p.record_decision(case, users["chair"], "review", "consent", "Agreed.",
                          sanctions=[{"kind": "probation", "ends_on": date(2027, 6, 1),
                                      "conditions": [{"due_on": "2026-11-20",
                                                      "text": "Complete 12 hours of ethics "
                                                              "education."}]}],
                          appealable=False)
        p.finalize(case, users["chair"])
        db.session.commit()
        number = case.number

    def sweep_on(day: date) -> str:
        clock.freeze(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
        out = runner.invoke(args=["deadlines", "sweep"]).output
        runner.invoke(args=["outbox", "send"])
        return out

    assert "condition" not in sweep_on(date(2026, 11, 12))
    assert f"{number} condition due 2026-11-20 in 7 days" in sweep_on(date(2026, 11, 13))
    assert "condition" not in sweep_on(date(2026, 11, 13)), "each reminder once"
    assert f"{number} condition due 2026-11-20 in 1 days" in sweep_on(date(2026, 11, 19))
    reminders = [m for m in smtp.to("rory@example.com") if "condition" in m["Subject"]]
    assert [m["Subject"] for m in reminders] == [
        f"{number}: a condition of your sanction is due in 7 days",
        f"{number}: a condition of your sanction is due tomorrow"]
    assert "Complete 12 hours of ethics education." in smtp.text_of(reminders[0])
    with app.app_context():
        assert db.session.query(Case).filter_by(number=number).one().status == "final"
