"""The demo cases: one in every state the proceeding reaches, loaded once, visible to their
parties."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases.models import Case, CaseEvent, Evidence, ExtensionRequest, Response
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.notifications.models import OutboxMessage

CERTS = ("cert1@example.org", "cert2@example.org", "cert3@example.org")


@pytest.fixture
def seeded(app, runner):
    result = runner.invoke(args=["seed-demo", "--quiet"])
    assert result.exit_code == 0, result.output
    return app


def _login(app, email):
    client = app.test_client()
    r = client.post("/login", data={"email": email, "password": DEMO_PASSWORD},
                    follow_redirects=True)
    assert r.status_code == 200
    return client


def _counts():
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseEvent, AuditEntry, OutboxMessage, Evidence)}


def test_a_case_in_every_state(seeded):
    with seeded.app_context():
        cases = db.session.execute(select(Case)).scalars().all()
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
            assert all(a.item.code[0] in "SR" and a.facts for a in case.allegations)


def test_second_run_changes_nothing(seeded, runner):
    with seeded.app_context():
        before = _counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    with seeded.app_context():
        assert _counts() == before
        assert before["cases"] >= 10


def test_every_certificant_sees_their_cases(seeded):
    with seeded.app_context():
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(CERTS)))}
        cases = db.session.execute(select(Case)).scalars().all()
        filed = {email: [c.number or "Draft (not submitted)" for c in cases
                         if c.complainant_id == u.id] for email, u in users.items()}
        concerning = {email: [c.number for c in cases if c.respondent_user_id == u.id
                              and (c.served_at is not None or c.kind == "self_report")]
                      for email, u in users.items()}
    for email in CERTS:
        assert filed[email] and concerning[email], email
        client = _login(seeded, email)
        mine = client.get("/my/complaints").get_data(as_text=True)
        matters = client.get("/my/matters").get_data(as_text=True)
        for label in filed[email]:
            assert label in mine, (email, label)
        for number in concerning[email]:
            assert number in matters, (email, number)
            assert client.get(f"/cases/{number}").status_code == 200


def test_chair_sees_the_intake_queue_and_evidence_downloads(seeded):
    with seeded.app_context():
        submitted = db.session.scalars(select(Case.number).where(Case.status == "submitted")).all()
        shown = select(Evidence).where(Evidence.case.has(Case.status != "draft")).order_by(Evidence.id)
        pdf = db.session.scalars(shown.where(Evidence.mime == "application/pdf")).first()
        png = db.session.scalars(shown.where(Evidence.mime == "image/png")).first()
        evidence = [(pdf.id, b"%PDF-"), (png.id, b"\x89PNG")]
    assert len(submitted) >= 2
    chair = _login(seeded, "chair@example.org")
    page = chair.get("/cases/intake").get_data(as_text=True)
    for number in submitted:
        assert number in page
    for evidence_id, magic in evidence:
        r = chair.get(f"/evidence/{evidence_id}")
        assert r.status_code == 200 and r.data.startswith(magic)


def test_audit_chain_verifies_after_seeding_twice(seeded, runner):
    runner.invoke(args=["seed-demo", "--quiet"])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output
