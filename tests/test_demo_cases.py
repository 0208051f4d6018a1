"""The demo cases: one in every state the proceeding reaches, loaded once for the module,
visible to their parties, each demo login at its home page, the demo's documents."""
from __future__ import annotations

from conftest import login_client
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases.models import Case, CaseEvent, Evidence, ExtensionRequest, Response
from app.demo import DEMO_PASSWORD, DEMO_USERS
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.office import waits
from app.office.models import WaitingItem
from app.records.models import DisposalBatch, LegalHold

HOLD_TEXT = "LIT-2026-014"  # the demo hold's reference
CERTS = ("cert1@example.org", "cert2@example.org", "cert3@example.org")
HOMES = {"administrator": b"Administration", "chair": b"Committee dashboard",
         "committee member": b"Committee dashboard", "certificant": b"My matters",
         "representative (counsel for Wanda)": b"Cases where you represent a party"}


def _counts():
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseEvent, AuditEntry, OutboxMessage, Evidence)}


def test_a_case_in_every_state(demo):
    with demo.app_context():
        # (in filing order: PostgreSQL returns rows in any order without one)
        cases = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
        by_status: dict[str, list[Case]] = {}
        for case in cases:
            by_status.setdefault(case.status, []).append(case)
        for status in ("draft", "submitted", "info_requested", "awaiting_response",
                       "investigation", "dismissed", "abandoned", "withdrawn",
                       # after the answer: app/demo/proceedings.py (tests/test_demo_proceedings.py)
                       "committee_review", "hearing_scheduled", "final", "closed"):
            assert by_status.get(status), f"no demo case is {status}"

        assert by_status["draft"][0].number is None
        assert any(c.kind == "self_report" for c in by_status["submitted"])
        assert any(c.kind == "complaint" for c in by_status["submitted"])

        extensions = {e.case_id: e.status for e in db.session.scalars(select(ExtensionRequest))}
        waiting = {c.id for c in by_status["awaiting_response"]}
        assert {extensions.get(i) for i in waiting} == {"pending", "granted"}
        for case in by_status["awaiting_response"]:
            assert case.served_at is not None and case.respondent_user_id is not None
            assert case.open_deadline("response") is not None

        answered = [c for c in by_status["investigation"]
                    if db.session.scalar(select(Response).where(Response.case_id == c.id))]
        assert answered and any(e.context == "response" for e in answered[0].evidence)
        defaulted = [c for c in by_status["investigation"]
                     if any(a.proposed and a.item.code == "S9" for a in c.allegations)]
        assert defaulted and defaulted[0].deadlines[0].status == "missed"
        assert any(e.action == "record_default" and e.actor_id is None
                   for e in defaulted[0].events)

        # at intake (the other dismissal is the committee's, after review)
        dismissed = next(c for c in by_status["dismissed"] if c.outcome_reason)
        assert dismissed.outcome_reason == "not_a_violation" and dismissed.outcome_text
        abandoned = by_status["abandoned"][0]
        assert any(e.action == "abandon" for e in abandoned.events)
        for case in cases:
            assert case.allegations
            assert all(a.item.code[0] in "SR" for a in case.allegations)
            # a disposed case keeps its standards, not its facts (S20)
            assert all(bool(a.facts) == (case.status != "disposed") for a in case.allegations)
        assert by_status.get("disposed"), "no demo case is disposed"


def test_second_run_changes_nothing(demo, runner):
    with demo.app_context():
        before = _counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    with demo.app_context():
        assert _counts() == before
        assert before["cases"] >= 10


def test_every_certificant_sees_their_cases(demo):
    with demo.app_context():
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(CERTS)))}
        cases = db.session.execute(select(Case)).scalars().all()
        filed = {email: [c.number or "Draft (not submitted)" for c in cases
                         if c.complainant_id == u.id] for email, u in users.items()}
        concerning = {email: [c.number for c in cases if c.respondent_user_id == u.id
                              and (c.served_at is not None or c.kind == "self_report")]
                      for email, u in users.items()}
    for email in CERTS:
        assert filed[email] and concerning[email], email
        client = login_client(demo, email, DEMO_PASSWORD)
        mine = client.get("/my/complaints").get_data(as_text=True)
        matters = client.get("/my/matters").get_data(as_text=True)
        for label in filed[email]:
            assert label in mine, (email, label)
        for number in concerning[email]:
            assert number in matters, (email, number)
            assert client.get(f"/cases/{number}").status_code == 200


def test_chair_sees_the_intake_queue_and_evidence_downloads(demo):
    with demo.app_context():
        submitted = db.session.scalars(select(Case.number).where(Case.status == "submitted")).all()
        shown = select(Evidence).where(Evidence.case.has(Case.status != "draft")).order_by(Evidence.id)
        pdf = db.session.scalars(shown.where(Evidence.mime == "application/pdf")).first()
        png = db.session.scalars(shown.where(Evidence.mime == "image/png")).first()
        evidence = [(pdf.id, b"%PDF-"), (png.id, b"\x89PNG")]
    assert len(submitted) >= 2
    chair = login_client(demo, "chair@example.org", DEMO_PASSWORD)
    page = chair.get("/cases/intake").get_data(as_text=True)
    for number in submitted:
        assert number in page
    for evidence_id, magic in evidence:
        r = chair.get(f"/evidence/{evidence_id}")
        assert r.status_code == 200 and r.data.startswith(magic)


def test_audit_chain_verifies_after_seeding_twice(demo, runner):
    runner.invoke(args=["seed-demo", "--quiet"])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_every_demo_login_reaches_its_home(demo, runner):
    runner.invoke(args=["seed-demo", "--quiet"])
    labels = {u["label"] for u in DEMO_USERS}
    assert labels == set(HOMES)
    for user in DEMO_USERS:
        c = demo.test_client()
        r = c.post("/login", data={"email": user["email"], "password": DEMO_PASSWORD},
                   follow_redirects=True)
        assert HOMES[user["label"]] in r.data, user["email"]


def test_demo_data_has_issued_documents_and_a_correction(demo, runner, client, auth):
    assert runner.invoke(args=["seed-demo", "--quiet"]).exit_code == 0
    with demo.app_context():
        docs = db.session.query(Document).all()
        kinds = {d.kind for d in docs}
        count = len(docs)
        corrected = [d for d in docs if d.superseded_by is not None]
        overtaken = [d for d in docs if d.superseded and d.superseded_by is None]
        in_force = [(d.case_id, d.kind) for d in docs if not d.superseded]
        rory_docs = [d.number for d in docs
                     if any(r["email"] == "cert2@example.org" for r in d.recipients)]
    assert {"notice_of_complaint", "information_request", "dismissal",
            "extension_decision"} <= kinds
    # the corrected notice of complaint shows its correction; a postponed hearing's notice
    # is out of force with the reason; never two of a kind in force on a case
    assert "notice_of_complaint" in {d.kind for d in corrected}
    assert all(d.correction_reason for d in docs if d.supersedes_id)
    assert overtaken and {d.kind for d in overtaken} == {"notice_of_hearing"}
    assert all("postponed" in d.superseded_note for d in overtaken)
    assert len(in_force) == len(set(in_force))
    assert runner.invoke(args=["seed-demo", "--quiet"]).exit_code == 0
    with demo.app_context():
        assert db.session.query(Document).count() == count, "seed-demo is idempotent"
    assert rory_docs, "the demo respondent was sent documents"
    auth.login("cert2@example.org", DEMO_PASSWORD)
    assert client.get(f"/documents/{rory_docs[0]}.pdf").status_code == 200


def test_the_demo_has_a_case_on_hold_and_one_disposed_with_its_certificate(demo, runner):
    with demo.app_context():
        [hold] = db.session.scalars(select(LegalHold)).all()
        assert hold.case.status == "closed" and hold.reason and hold.reference and hold.active
        [batch] = db.session.scalars(select(DisposalBatch)).all()
        [item] = batch.items
        assert batch.status == "done" and batch.confirmed_by.email == "admin@example.org"
        assert item.case.status == "disposed" and item.case.complainant_id is None
        assert not item.case.evidence and item.destroyed["files"]
        assert item.case.respondent_name == ""  # not in the registry: nothing public to keep
        [certificate] = db.session.scalars(select(Document).where(
            Document.kind == "destruction_certificate")).all()
        assert batch.warned_at < batch.confirmed_at < certificate.issued_at
        hold_case, number, batch_id = hold.case.number, certificate.number, batch.id
    admin = login_client(demo, "admin@example.org", DEMO_PASSWORD)
    assert HOLD_TEXT in admin.get(f"/cases/{hold_case}").get_data(as_text=True)
    page = admin.get(f"/admin/records/disposals/{batch_id}").get_data(as_text=True)
    assert number in page and "download the PDF" in page
    assert admin.get(f"/admin/records/disposals/{batch_id}/certificate.pdf").status_code == 200
    assert admin.get("/admin/records/holds").status_code == 200
    assert "Issued" in demo.test_client().get(f"/verify/{number}").get_data(as_text=True)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_what_waits_on_whom_is_kept_true_through_the_whole_demo(demo, runner):
    """The demo runs every step of the proceeding through the services; the homes' kept
    items must match their definitions after it, row for row."""
    runner.invoke(args=["seed-demo", "--quiet"])
    result = runner.invoke(args=["office", "rebuild-waits"])
    assert result.exit_code == 0 and "0 row(s) differed" in result.output, result.output
    with demo.app_context():
        kinds = set(db.session.scalars(select(WaitingItem.kind)))
    # something of every kind but a deadline on a case with a panel (tests/test_office_due.py)
    assert kinds == set(waits.KINDS) - {"served_deadline"}
