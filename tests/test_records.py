"""Records (S20): the retention schedule, legal holds, warnings and disposal."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime

import pytest
from case_helpers import case_in_state
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEntry
from app.audit.sealing import seal_pending
from app.audit.services import record, verify_chain
from app.cases.models import Evidence
from app.cases.services import add_event
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings import deadlines, disposal, workflow
from app.records import services as records
from app.records.models import DisposalBatch
from app.representatives.models import Representative
from app.storage import store

CLOSED = datetime(2026, 1, 15, 10, 0)


def _closed_case(people, state="dismissed", reason="insufficient_facts"):
    clock.freeze(CLOSED)
    case = case_in_state(state, people["complainant"], people["record"])
    case.outcome_reason = reason
    case.outcome_text = "Dismissed: the facts are thin."
    record("case.viewed", actor=people["complainant"], target=case, number=case.number,
           personal={"name": "Clara Complainant"})
    db.session.commit()
    return case


def _file(case, people, kind="evidence"):
    data = f"file of {case.number} {kind}".encode()
    name, sha = store("evidence" if kind == "evidence" else "documents").save(data)
    if kind == "evidence":
        row = Evidence(case_id=case.id, stored_name=name, original_name="clara-health.txt",
                       sha256=sha, size=len(data), mime="text/plain", context="complaint",
                       uploaded_by_id=people["complainant"].id)
    else:
        seq = len(db.session.execute(select(Document).where(
            Document.case_id == case.id)).scalars().all()) + 1
        row = Document(case_id=case.id, seq=seq, number=f"{case.number}-D{seq}", kind=kind,
                       title=kind.replace("_", " ").capitalize(), stored_name=name, sha256=sha,
                       size=len(data), pages=1, issued_by_id=people["admin"].id,
                       recipients=[{"role": "complainant", "email": "clara@example.com"}])
    db.session.add(row)
    db.session.commit()
    return row, data


def test_disposal_date_follows_the_outcome_the_longer_schedule_and_reopening(ctx, cast):
    people = cast("complainant", "admin", "record")
    case = _closed_case(people)
    kept = records.retention(case)
    assert kept.outcome == "dismissed_intake" and kept.version == 0
    assert kept.disposal_on == CLOSED.date().replace(year=2029)

    # a shorter schedule later does not bring the date forward (the longer applies) ...
    clock.advance(days=30)
    years = dict(records.current_schedule().years, dismissed_intake=1)
    records.change_schedule(years, "Shorter", people["admin"])
    assert records.retention(case).disposal_on == CLOSED.date().replace(year=2029)
    # ... and a longer one pushes it back
    records.change_schedule(dict(years, dismissed_intake=10), "Longer", people["admin"])
    kept = records.retention(case)
    assert (kept.disposal_on.year, kept.version) == (2036, 2)
    entries = db.session.execute(select(AuditEntry).where(
        AuditEntry.action == "records.schedule_changed").order_by(AuditEntry.id)).scalars().all()
    assert [e.details["version"] for e in entries] == [1, 2]

    # a withdrawn case that the committee continues has no date until it closes again
    withdrawn = case_in_state("withdrawn", people["complainant"], people["record"])
    assert records.retention(withdrawn).outcome == "withdrawn_abandoned"
    workflow.apply(withdrawn, "continue", people["admin"],
                   text="The public is at risk.")
    assert records.retention(withdrawn) is None


def test_a_case_is_disposed_only_after_the_warning_and_the_confirmation(ctx, cast):
    people = cast("complainant", "admin", "record")
    case = _closed_case(people)
    evidence, _ = _file(case, people)
    letter, letter_bytes = _file(case, people, "dismissal")
    notice, _ = _file(case, people, "public_notice")
    # the complainant had counsel: a representative, named on the timeline
    db.session.add(Representative(case_id=case.id, party_role="complainant", name="Lena Lawyer",
                                  email="lena@counsel.example", kind="counsel",
                                  named_by_id=people["complainant"].id, revoke_reason=""))
    add_event(case, people["complainant"], "representative_named",
              "Counsel named to represent the complainant: Lena Lawyer", to_complainant=True)
    db.session.commit()
    evidence_path = store("evidence").path(evidence.stored_name)
    letter_path = store("documents").path(letter.stored_name)

    # 40 days before the date: nothing yet; 30 days before: the warning
    clock.freeze(datetime(2028, 12, 6, 9, 0))
    assert records.warn() is None
    clock.freeze(datetime(2028, 12, 16, 9, 0))
    deadlines.sweep(cases=False)
    db.session.commit()
    [batch] = db.session.execute(select(DisposalBatch)).scalars().all()
    assert [i.case_id for i in batch.items] == [case.id]
    mail = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.template == "records/disposal_warning")).scalars().all()
    assert [m.recipient for m in mail] == [people["admin"].email]
    assert case.number in mail[0].text_body

    # the date passes: without a confirmation nothing happens
    clock.freeze(datetime(2029, 1, 20, 9, 0))
    deadlines.sweep(cases=False)
    db.session.commit()
    assert case.status == "dismissed" and evidence_path.exists()
    with pytest.raises(workflow.WorkflowError, match="not confirmed"):
        workflow.apply(case, "dispose", None, batch=batch)

    records.confirm(batch, people["admin"])
    disposal.dispose_batch(batch)
    db.session.commit()
    assert case.status == "disposed" and batch.status == "done"
    # the files are gone, the personal fields empty, the skeleton kept
    assert not evidence_path.exists() and not letter_path.exists()
    assert store("documents").path(notice.stored_name).exists()
    assert case.evidence == [] and case.complainant_id is None
    assert case.remedy_sought == "" and case.outcome_text == ""
    assert [a.facts for a in case.allegations] == [""]
    assert case.number and case.outcome_reason == "insufficient_facts"
    assert case.allegations[0].item.code == "S7"
    assert letter.disposed_at is not None and letter.sha256
    # the representative goes, and their name leaves the timeline's lines
    assert db.session.execute(select(Representative)).first() is None
    assert not any("Lena" in e.summary for e in case.events)
    [item] = batch.items
    assert {f["sha256"] for f in item.destroyed["files"]} == {evidence.sha256, letter.sha256}
    # the audit trail's personal data about the case is gone
    entries = db.session.execute(select(AuditEntry).where(
        AuditEntry.target_type == "cases", AuditEntry.target_id == str(case.id),
        AuditEntry.action == "case.viewed")).scalars().all()
    assert entries and all(e.personal is None for e in entries)
    assert records.case_panel(people["admin"], case)["disposed_on"] is not None


def test_a_held_case_is_never_disposed(ctx, cast):
    people = cast("complainant", "admin", "record")
    case = _closed_case(people)
    hold = records.place_hold(people["admin"], "Litigation pending", "Court 12-345",
                              certificant=people["record"])
    db.session.commit()
    clock.freeze(datetime(2029, 6, 1, 9, 0))
    assert records.warn() is None  # a held case is not even named
    with pytest.raises(records.RecordsError, match="reason"):
        records.lift_hold(hold, people["admin"], " ")
    records.lift_hold(hold, people["admin"], "Settled")
    batch = records.warn()
    records.confirm(batch, people["admin"])
    records.place_hold(people["admin"], "A new request", case=case)  # after the warning
    disposal.dispose_batch(batch)
    db.session.commit()
    assert case.status == "dismissed"
    assert batch.items[0].skipped == "under a legal hold"
    with pytest.raises(workflow.WorkflowError, match="legal hold"):
        workflow.apply(case, "dispose", None, batch=batch)
    actions = [e.action for e in db.session.execute(select(AuditEntry)).scalars()]
    assert {"records.hold_placed", "records.hold_lifted",
            "records.disposal_confirmed"} <= set(actions)


def test_automatic_disposal_after_the_warning_period_when_configured(app, ctx, cast):
    people = cast("complainant", "admin", "record")
    case = _closed_case(people)
    app.config["RETENTION_AUTO_DISPOSE"] = True
    try:
        clock.freeze(datetime(2028, 12, 20, 9, 0))
        deadlines.sweep(cases=False)
        assert case.status == "dismissed"
        clock.freeze(datetime(2029, 1, 20, 9, 0))
        deadlines.sweep(cases=False)
        db.session.commit()
        assert case.status == "disposed"
        [batch] = db.session.execute(select(DisposalBatch)).scalars().all()
        assert batch.automatic and batch.confirmed_by_id is None
    finally:
        app.config["RETENTION_AUTO_DISPOSE"] = False


def test_pages_schedule_holds_batches_and_verify(app, client, auth, cast):
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
        case = _closed_case(people)
        letter, letter_bytes = _file(case, people, "dismissal")
        number, letter_number = case.number, letter.number
    auth.login(people["admin"])
    page = client.get("/admin/records/schedule")
    assert page.status_code == 200 and "Dismissed at intake" in page.text
    bad = client.post("/admin/records/schedule", data={"years_dismissed_intake": "0"})
    assert bad.status_code == 422 and "Between 1 and 100 years." in bad.text
    assert client.get(f"/cases/{number}").text.count("Disposal date") == 1
    assert "2029-01-15" in client.get(f"/cases/{number}").text

    bad = client.post("/admin/records/holds", data={"case_number": number, "reason": ""})
    assert bad.status_code == 422 and "Give the reason for the hold." in bad.text
    client.post("/admin/records/holds", data={"case_number": number, "reason": "Subpoena",
                                              "reference": "S-1"})
    assert "Subpoena" in client.get(f"/cases/{number}").text
    with app.test_request_context():
        [hold] = records.active_holds()
        hold_id = hold.id
    bad = client.post(f"/admin/records/holds/{hold_id}/lift", data={"reason": ""})
    assert bad.status_code == 422
    client.post(f"/admin/records/holds/{hold_id}/lift", data={"reason": "Withdrawn"})

    clock.freeze(datetime(2029, 1, 20, 9, 0))
    with app.test_request_context():
        batch_id = records.warn().id
        db.session.commit()
    assert number in client.get(f"/admin/records/disposals/{batch_id}").text
    client.post(f"/admin/records/disposals/{batch_id}/confirm")
    page = client.get(f"/verify/{letter_number}")
    assert "disposed of on" in page.text
    checked = client.post(f"/verify/{letter_number}",
                          data={"file": (io.BytesIO(letter_bytes), "copy.pdf")})
    assert "Genuine" in checked.text
    assert client.get(f"/documents/{letter_number}.pdf").status_code == 410
    auth.logout()
    auth.login(people["complainant"])
    assert client.get("/admin/records/schedule").status_code == 403
    assert hashlib.sha256(letter_bytes).hexdigest()


@pytest.mark.committed
def test_the_audit_chain_verifies_after_a_disposal(app, cast):
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
        case = _closed_case(people)
        seal_pending()
        clock.freeze(datetime(2029, 1, 20, 9, 0))
        batch = records.warn()
        records.confirm(batch, people["admin"])
        disposal.dispose_batch(batch)
        db.session.commit()
        assert case.status == "disposed"
        seal_pending()
        assert verify_chain().ok
