"""Records (S20): the retention schedule, legal holds, warnings and disposal."""
from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from budget import count_statements
from case_helpers import case_in_state
from pypdf import PdfReader
from sqlalchemy import select
from test_concurrent_issue import at_once, postgres_only, signed_in

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.audit.sealing import seal_pending
from app.audit.services import record, verify_chain
from app.cases.models import Disclosure, Evidence, Response
from app.cases.services import add_event
from app.coi.models import CoiDeclaration
from app.documents import services as documents
from app.documents.models import Document
from app.exports import services as exports
from app.extensions import db
from app.messages.models import Message, PendingAlert, Thread, WitnessLink
from app.notifications.models import OutboxMessage
from app.notifications.services import queue_mail
from app.office.models import FlagReview
from app.proceedings import deadlines, disposal, workflow
from app.proceedings.models import Decision, InvestigationItem, Sanction
from app.proceedings.page import page_lists
from app.records import certificate as certificates
from app.records import services as records
from app.records.models import DisposalBatch, DisposalItem
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
                                  named_by_id=people["complainant"].id, revoke_reason="",
                                  confirmed_at=clock.now()))
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
    # the case page reads the destruction with its other lists, in one statement: the same
    # panel, and the certificate's number only once the certificate is issued
    def from_the_page():
        rows = page_lists(people["admin"], case)["disposal"]
        panel = records.case_panel(people["admin"], case, holds=[], disposal_rows=rows)
        return panel["certificate"], panel["disposed_on"]
    assert from_the_page() == (None, item.disposed_at)
    certificates.issue_certificate(batch, people["admin"])
    db.session.flush()
    assert from_the_page() == (batch.certificate_number, item.disposed_at)
    assert records.case_panel(people["admin"], case)["certificate"] == batch.certificate_number


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
        # nobody confirmed it, so nobody signed: the administrators are asked to issue it
        [due] = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.template == "records/certificate_due")).scalars().all()
        assert due.recipient == people["admin"].email and case.number in due.text_body
        assert f"/admin/records/disposals/{batch.id}" in due.text_body
        assert certificates.certificate_of(batch) is None
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


# --- the destruction certificate, erasing everything, due cases in SQL -----------------------

def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def _personal_rows(case, people):
    """Rows elsewhere that hold a party's words or address: an email, a thread, a flag
    review, a member's disclosure about a party."""
    for n in range(2):
        mail = queue_mail("clara@example.com", "cases/message", f"{case.number}: complaint",
                          name="Clara Complainant", link_label=None, link_url=None,
                          paragraphs=["Your complaint about the hallway."], items=[])
        if n == 0:
            mail.status, mail.sent_at = "sent", clock.now()
    unsent = mail.id
    queue_mail("rory@example.com", "cases/message", "News", name="Rory Respondent",
               paragraphs=[f"About case {case.number}0: another case."], items=[],
               link_label=None, link_url=None)  # a longer number: not this case
    thread = Thread(case_id=case.id, party_key="complainant", party_role="complainant",
                    user_id=people["complainant"].id)
    thread.messages = [Message(sender="party", author_id=people["complainant"].id,
                               body="My health records are attached.")]
    db.session.add_all([
        thread, WitnessLink(case_id=case.id, name="Wanda Witness", email="wanda@example.com",
                            nonce="n" * 32, expires_at=clock.now() + timedelta(days=30)),
        InvestigationItem(case_id=case.id, kind="interview", title="Interview: Wanda Witness",
                          text="She saw Clara's file open.", author_id=people["admin"].id),
        Response(case_id=case.id, author_id=people["admin"].id, text="Clara misread it."),
        Disclosure(case_id=case.id, item_type="allegations", item_label="The allegations",
                   recipient_email="clara@example.com", how="email")])
    db.session.flush()
    db.session.add_all([PendingAlert(user_id=people["admin"].id, thread_id=thread.id),
                        FlagReview(case_id=case.id, by_id=people["admin"].id,
                                           reason="Clara complained before.", flags=[]),
                        CoiDeclaration(case_id=case.id, member_id=people["admin"].id,
                                       kind="disclosure", relation="friend",
                                       text="Clara is my neighbour.")])
    db.session.commit()
    return unsent


def _disposed_batch(people, *, by=None, files=True):
    case = _closed_case(people)
    made = {}
    if files:
        made["evidence"], _ = _file(case, people)
        made["letter"], _ = _file(case, people, "dismissal")
        made["notice"], _ = _file(case, people, "public_notice")
    made["unsent"] = _personal_rows(case, people)
    clock.freeze(datetime(2029, 1, 20, 9, 0))
    batch = records.warn()
    records.confirm(batch, people["admin"])
    disposal.dispose_batch(batch, by=by)
    db.session.commit()
    return case, batch, made


def test_disposal_erases_every_copy_of_the_case_s_personal_data(ctx, cast):
    people = cast("complainant", "admin", "record")
    case, batch, made = _disposed_batch(people, by=people["admin"])
    assert case.status == "disposed"
    unsent = made["unsent"]
    mail = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    about = [m for m in mail if m.template == "cases/message" and m.recipient == ""]
    assert len(about) == 1 and about[0].text_body == about[0].html_body == ""
    assert about[0].status == "sent" and about[0].subject == f"{case.number}: disposed of (S20)"
    assert db.session.get(OutboxMessage, unsent) is None  # never sent: deleted
    other = [m for m in mail if m.recipient == "rory@example.com"]
    assert other and "Rory Respondent" in other[0].text_body  # another case's mail stays
    assert not any("Clara" in (m.text_body + m.html_body + m.subject + m.recipient)
                   for m in mail)
    for model in (Thread, Message, PendingAlert, FlagReview, WitnessLink, InvestigationItem,
                  Response, Disclosure, Evidence):
        assert db.session.execute(select(model)).scalars().all() == []
    [declaration] = db.session.execute(select(CoiDeclaration)).scalars().all()
    assert declaration.text == records.DISPOSED_TEXT
    assert not store("evidence").path(made["evidence"].stored_name).exists()
    # the names the search box finds the case by keep the registry record only
    db.session.refresh(case)
    # (kept in lower case)
    assert "clara" not in case.party_names
    assert people["record"].cert_number.lower() in case.party_names
    [item] = batch.items
    assert item.destroyed["by"]["name"] == "Ada Administrator"
    assert item.destroyed["rule"] == {
        "outcome": "dismissed_intake", "title": "Dismissed at intake", "years": 3, "version": 0,
        "closed_on": "2026-01-15", "due_on": "2029-01-15"}
    assert {"emails about the case", "messages", "intake flag reviews", "witness links",
            "investigation file", "answer", "disclosure log",
            "conflict disclosures and objections"} <= set(item.destroyed["categories"])


def test_the_certificate_lists_every_destroyed_file_and_verifies(ctx, cast):
    people = cast("complainant", "admin", "record")
    case, batch, made = _disposed_batch(people)  # run by the sweep: nobody named
    document = certificates.issue_certificate(batch, people["admin"])
    db.session.commit()
    assert document.number == f"DC-2029-{batch.id:04d}" and document.case_id is None
    data = documents.stored_bytes(document)
    text = pdf_text(data)
    flat = "".join(text.split())
    assert case.number in text and "Certificate of destruction" in text
    for destroyed in (made["evidence"], made["letter"]):
        assert destroyed.sha256 in flat
    assert made["notice"].sha256 not in flat  # the public notice was kept
    assert made["letter"].number in text
    assert "Dismissed at intake" in text
    assert "scheduled sweep" in text and "Ada Administrator" in text  # confirmed by Ada
    for personal in ("Clara", "clara@", "Rory", "Wanda", "health", "hallway", "neighbour"):
        assert personal not in text
    # it verifies; a changed byte does not
    assert documents.verify_copy(data, document.number).matches
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 1
    assert not documents.verify_copy(bytes(changed), document.number).matches
    # once per batch
    with pytest.raises(documents.AlreadyIssued):
        certificates.issue_certificate(batch, people["admin"])
    actions = {e.action for e in db.session.execute(select(AuditEntry)).scalars()}
    assert {"document.issued", "records.certificate_issued"} <= actions


def test_no_certificate_before_the_batch_is_done(ctx, cast):
    people = cast("complainant", "admin", "record")
    _closed_case(people)
    clock.freeze(datetime(2029, 1, 20, 9, 0))
    batch = records.warn()
    with pytest.raises(records.RecordsError, match="once every case"):
        certificates.issue_certificate(batch, people["admin"])
    assert certificates.certificate_of(batch) is None


def test_confirming_issues_the_certificate_and_verify_checks_it(app, client, auth, cast):
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
        case = _closed_case(people)
        _file(case, people)
        clock.freeze(datetime(2029, 1, 20, 9, 0))
        batch_id, case_number = records.warn().id, case.number
        db.session.commit()
    auth.login(people["admin"])
    page = client.post(f"/admin/records/disposals/{batch_id}/confirm", follow_redirects=True)
    number = f"DC-2029-{batch_id:04d}"
    assert f"Certificate of destruction {number} issued." in page.text
    assert f'href="/verify/{number}"' in client.get(f"/cases/{case_number}").text
    assert f"/admin/records/disposals/{batch_id}/certificate.pdf" in page.text
    pdf = client.get(f"/admin/records/disposals/{batch_id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Genuine" in client.post(f"/verify/{number}", data={
        "file": (io.BytesIO(pdf.data), "copy.pdf")}).text
    changed = bytearray(pdf.data)
    changed[-100] ^= 1
    assert "Genuine" not in client.post(f"/verify/{number}", data={
        "file": (io.BytesIO(bytes(changed)), "copy.pdf")}).text
    again = client.post(f"/admin/records/disposals/{batch_id}/certificate",
                        follow_redirects=True)
    assert "it was not issued again" in again.text
    auth.logout()
    auth.login(people["complainant"])
    assert client.get(f"/admin/records/disposals/{batch_id}/certificate.pdf").status_code == 403


@pytest.mark.postgres_only
def test_two_requests_at_once_issue_one_certificate(app, cast, make):
    postgres_only(app)
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
        case, batch, _ = _disposed_batch(people, files=False)
        batch_id = batch.id
    clock.freeze(None)
    admins = [signed_in(app, people["admin"]),
              signed_in(app, make.user("admin", email="abe@example.com", name="Abe Admin"))]
    url = f"/admin/records/disposals/{batch_id}/certificate"
    responses = at_once(app, [(c, "post", url, {}) for c in admins])
    assert [r.status_code for r in responses] == [302, 302]  # never a 500
    pages = [c.get(f"/admin/records/disposals/{batch_id}").text for c in admins]
    assert sum("it was not issued again" in p for p in pages) == 1
    with app.app_context():
        certs = db.session.execute(select(Document).where(
            Document.kind == "destruction_certificate")).scalars().all()
        assert len(certs) == 1


# The behaviour due_cases had when it computed in Python, kept here as the reference the
# SQL is checked against: the schedule in force at closing or now, the longer; the longest
# of the outcomes that describe the case.
def _reference_years(case, schedules) -> int:
    keys = []
    if case.kind == "self_report":
        keys.append("self_report")
    if case.status in ("withdrawn", "abandoned"):
        keys.append("withdrawn_abandoned")
    elif case.status == "dismissed" and case.outcome_reason in (
            "no_jurisdiction", "out_of_time", "insufficient_facts", "not_a_violation",
            "duplicate"):
        keys.append("dismissed_intake")
    else:
        decisions = db.session.execute(select(Decision).where(
            Decision.case_id == case.id).order_by(Decision.id)).scalars().all()
        final = [d for d in decisions if d.outcome not in ("hearing", "remand")]
        last = final[-1].outcome if final else None
        if case.status == "dismissed" or last == "dismissed":
            keys.append("dismissed_review")
        if last in ("no_violation", "reverse"):
            keys.append("no_violation")
        if any(d.outcome == "consent" for d in decisions):
            keys.append("consent")
        keys += [f"sanction_{s.kind}" for d in decisions for s in db.session.execute(
            select(Sanction).where(Sanction.decision_id == d.id)).scalars()]
        if last == "caution":
            keys.append("sanction_caution")
        keys = keys or ["no_violation"]
    at_close = [s for s in schedules if s.since is None or s.since <= case.closed_at][-1]
    return max(max(at_close.years_for(k), schedules[-1].years_for(k)) for k in keys)


def test_due_cases_in_sql_match_the_rules(ctx, cast):
    people = cast("complainant", "admin", "record")
    clock.freeze(datetime(2020, 2, 29, 12, 0))
    made = []
    for state, reason in (("dismissed", "insufficient_facts"), ("dismissed", None),
                          ("withdrawn", None), ("abandoned", None), ("closed", None)):
        made.append(case_in_state(state, people["complainant"], people["record"]))
        made[-1].outcome_reason = reason
    sanctioned = case_in_state("closed", people["complainant"], people["record"])
    decision = Decision(case_id=sanctioned.id, stage="hearing", outcome="violation",
                        recorded_by_id=people["admin"].id)
    decision.sanctions = [Sanction(kind="public_reprimand"), Sanction(kind="caution")]
    cautioned = case_in_state("closed", people["complainant"], people["record"])
    db.session.add_all([decision, Decision(case_id=cautioned.id, stage="review",
                                           outcome="caution", recorded_by_id=people["admin"].id)])
    self_report = case_in_state("withdrawn", people["complainant"], people["record"])
    self_report.kind = "self_report"
    made += [sanctioned, cautioned, self_report]
    clock.freeze(datetime(2021, 6, 1, 12, 0))
    records.change_schedule(dict(records.current_schedule().years, withdrawn_abandoned=4,
                                 sanction_public_reprimand=6), "v1", people["admin"])
    late = case_in_state("withdrawn", people["complainant"], people["record"])
    made.append(late)
    clock.freeze(datetime(2022, 1, 1, 12, 0))
    records.change_schedule(dict(records.current_schedule().years, withdrawn_abandoned=1,
                                 no_violation=3), "v2", people["admin"])
    records.place_hold(people["admin"], "Court", case=made[1])
    db.session.flush()

    schedules = records.all_schedules()
    expected = {c.id: records._add_years(c.closed_at.date(), _reference_years(c, schedules))
                for c in made}
    for case in made:
        assert records.retention(case).disposal_on == expected[case.id], case.status
    for by in (date(2021, 1, 1), date(2023, 2, 28), date(2024, 2, 28), date(2024, 3, 1),
               date(2025, 6, 1), date(2027, 1, 1), date(2040, 1, 1)):
        due = records.due_cases(by)
        assert [c.id for c, _ in due] == sorted(
            (c.id for c in made if expected[c.id] <= by and c is not made[1]),
            key=lambda i: (expected[i], i)), by
        assert all(r.disposal_on == expected[c.id] for c, r in due)


def test_due_cases_is_two_statements_whatever_the_number_of_cases(app, ctx, cast):
    people = cast("complainant", "admin", "record")
    clock.freeze(datetime(2020, 1, 1, 12, 0))
    for _ in range(12):
        case_in_state("closed", people["complainant"], people["record"])
    db.session.flush()
    with count_statements(app) as counted:
        due = records.due_cases(date(2030, 1, 1))
    assert len(due) == 12 and counted.count <= 2


def _disposed_cases(people, n: int, when: datetime) -> int:
    """A done batch of n disposed cases, each with a file, and its certificate."""
    clock.freeze(when)
    cases = [case_in_state("dismissed", people["complainant"], people["record"])
             for _ in range(n)]
    for case in cases:
        case.outcome_reason = "duplicate"
        _file(case, people)
    clock.freeze(when + timedelta(days=3 * 366 + 1))
    batch = records.warn()
    records.confirm(batch, people["admin"])
    disposal.dispose_batch(batch, by=people["admin"])
    certificates.issue_certificate(batch, people["admin"])
    db.session.commit()
    return batch.id


def test_the_batch_page_and_its_certificate_within_budget_and_flat(app, client, auth, cast):
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
        small = _disposed_cases(people, 3, datetime(2020, 1, 10, 9, 0))
        large = _disposed_cases(people, 6, datetime(2020, 6, 10, 9, 0))
        records.place_hold(people["admin"], "Court", certificant=people["record"])
        db.session.commit()
    auth.login(people["admin"])
    counts = {}
    for batch_id in (small, large):
        for url in (f"/admin/records/disposals/{batch_id}",
                    f"/admin/records/disposals/{batch_id}/certificate.pdf"):
            assert client.get(url).status_code == 200
            with count_statements(app) as seen:
                assert client.get(url).status_code == 200
            # the test's savepoints are not the app's statements
            counts.setdefault(url.endswith(".pdf"), []).append(len([
                t for t in seen.texts if t.split()[0] not in ("SAVEPOINT", "RELEASE", "ROLLBACK")]))
    # the download is audited: one entry, and after the response its sealing (4) and the
    # reader reloaded after the seal's commit (2), as tests/test_statement_budget.py counts
    for download, budget in ((False, 10), (True, 10 + 7)):
        few, many = counts[download]
        assert few == many <= budget, (download, few, many)


def test_the_hold_and_batch_lists_are_paged_and_flat(app, client, auth, cast):
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
    auth.login(people["admin"])
    counts = {"/admin/records/holds": [], "/admin/records/disposals": []}
    for _ in range(2):  # the second round doubles the rows
        with app.test_request_context():
            admin = db.session.get(User, people["admin"].id)
            for n in range(30):
                case = case_in_state("dismissed", people["complainant"], people["record"])
                hold = records.place_hold(admin, f"Hold {n}", "R-1", case=case)
                if n % 3 == 0:
                    records.lift_hold(hold, admin, "Settled")
                batch = DisposalBatch(due_by=clock.today(), status="confirmed",
                                      confirmed_by_id=admin.id, confirmed_at=clock.now())
                batch.items = [DisposalItem(case_id=case.id, disposal_on=clock.today(),
                                            rule="r")]
                db.session.add(batch)
            db.session.commit()
        for url, seen_counts in counts.items():
            assert client.get(url).status_code == 200
            with count_statements(app) as seen:
                page = client.get(url)
            assert page.status_code == 200
            seen_counts.append(len([t for t in seen.texts if t.split()[0] not in (
                "SAVEPOINT", "RELEASE", "ROLLBACK")]))
    assert "Pages of holds" in client.get("/admin/records/holds").text
    assert "Pages of batches" in client.get("/admin/records/disposals").text
    assert "Hold 0" in client.get("/admin/records/holds?page=2").text
    for url, (few, many) in counts.items():
        assert few == many <= 10, (url, few, many)


def test_disposal_destroys_the_exports_that_hold_the_case(ctx, cast):
    people = cast("complainant", "admin", "record")
    case = _closed_case(people)
    evidence, _ = _file(case, people)
    clock.freeze(datetime(2029, 1, 19, 9, 0))
    try:
        record_zip, _ = exports.request_record(case, people["complainant"])
        own_zip, _ = exports.request_own_data(people["complainant"])
        db.session.commit()
        for export in (record_zip, own_zip):
            exports.build(export.id)
            db.session.refresh(export)
            assert export.status == "done", export.error
        zips = {e.id: e.stored_name for e in (record_zip, own_zip)}
        index = db.session.execute(select(Document).where(
            Document.number == record_zip.index_number)).scalar_one()
        assert store("exports").read(zips[record_zip.id])  # the file is there before
        clock.freeze(datetime(2029, 1, 20, 9, 0))
        batch = records.warn()
        records.confirm(batch, people["admin"])
        disposal.dispose_batch(batch, by=people["admin"])
        db.session.commit()
    finally:
        clock.freeze(None)
    assert case.status == "disposed"
    for export in (record_zip, own_zip):
        db.session.refresh(export)
        assert export.status == "expired" and export.stored_name is None
        assert "Destroyed with the file of case" in export.error
        with pytest.raises(FileNotFoundError):
            store("exports").read(zips[export.id])
    assert index.disposed_at is not None
    assert not store("documents").path(index.stored_name).exists()
    [item] = batch.items
    hashes = {f["sha256"] for f in item.destroyed["files"]}
    assert {record_zip.sha256, own_zip.sha256, index.sha256, evidence.sha256} <= hashes
    assert "exports (record and own-data ZIPs and their indexes)" in item.destroyed["categories"]


def test_a_case_s_retention_is_one_statement_whatever_the_schedule_s_versions(app, ctx, cast):
    people = cast("complainant", "admin", "record")
    case = _closed_case(people)
    for years in (2, 7):
        clock.advance(days=30)
        records.change_schedule(dict(records.current_schedule().years, dismissed_intake=years),
                                f"{years} years", people["admin"])
        db.session.flush()
        assert case.closed_at is not None  # the case as the page has it already
        with count_statements(app) as seen:
            kept = records.retention(case)
        assert seen.count == 1, seen.report()
    # closed under version 0 (3 years); version 2 (7 years) is longer now, and applies
    assert (kept.disposal_on, kept.version) == (CLOSED.date().replace(year=2033), 2)


def test_the_case_page_reads_the_retention_with_its_lists_and_shows_the_same_rule(
        app, client, auth, cast):
    """The case page computes the retention from rows of its lists' statement: the date and
    the rule it shows are those `records.retention` gives from its own statement."""
    with app.test_request_context():
        people = cast("complainant", "admin", "record")
        case = _closed_case(people)
        for years in (2, 7):
            clock.advance(days=30)
            records.change_schedule(dict(records.current_schedule().years,
                                         dismissed_intake=years), f"{years} years",
                                    people["admin"])
        db.session.commit()
        number, kept = case.number, records.retention(case)
    assert kept.version == 2
    auth.login(people["admin"])
    page = client.get(f"/cases/{number}").text
    assert str(kept.disposal_on) in page and "(schedule version 2)" in page


def test_the_certificate_number_reads_the_same_in_sql(ctx):
    """The case page looks for a disposed file's certificate by its number computed in SQL
    (one statement with the page's lists); it must match the batch's own, past 9999 too."""
    done = datetime(2031, 12, 31, 23, 59, tzinfo=UTC)
    for batch_id in (7, 10000, 123456):
        batch = DisposalBatch(id=batch_id, status="done", due_by=done.date(), done_at=done)
        db.session.add(batch)
        db.session.flush()
        in_sql = db.session.execute(select(DisposalBatch.certificate_number_sql()).where(
            DisposalBatch.id == batch_id)).scalar_one()
        assert in_sql == batch.certificate_number == f"DC-2031-{batch_id:04d}"
    waiting = DisposalBatch(id=8, status="warned", due_by=done.date())
    db.session.add(waiting)
    db.session.flush()
    assert db.session.execute(select(DisposalBatch.certificate_number_sql()).where(
        DisposalBatch.id == 8)).scalar_one() is None
    db.session.rollback()
