"""Mail and audit sealing never in the request: the embedded default (no broker) runs them
after the response."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEntry
from app.audit.services import verify_chain
from app.extensions import db
from app.jobs.engine import beat_schedule, wait_for_background
from app.notifications.models import OutboxMessage

# tasks run in a thread after the response, on connections of their own:
# the tables are emptied after each test instead of rolled back
pytestmark = pytest.mark.committed


@pytest.fixture
def background_mail(app):
    """As in development: no broker, mail handed to a thread after the response."""
    app.config.update(MAIL_DELIVER_AFTER_COMMIT=True, JOBS_SYNC=False)
    yield
    wait_for_background()
    app.config.update(MAIL_DELIVER_AFTER_COMMIT=False, JOBS_SYNC=True)


def test_embedded_default_delivers_after_the_response(app, make, client, smtp, background_mail):
    user = make.user(email="nora@example.com")
    r = client.post("/forgot-password", data={"email": user.email})
    assert r.status_code == 200 and b"Check your email" in r.data
    assert wait_for_background(timeout=10)
    [msg] = smtp.to("nora@example.com")
    assert "reset" in msg["Subject"].lower()
    with app.app_context():
        assert db.session.query(OutboxMessage).one().status == "sent"


def test_a_silent_smtp_server_does_not_hold_up_the_request(app, make, client, silent_smtp,
                                                          background_mail):
    user = make.user(email="nora@example.com")
    started = time.monotonic()
    r = client.post("/forgot-password", data={"email": user.email})
    answered = time.monotonic() - started
    assert r.status_code == 200 and b"Check your email" in r.data
    assert answered < 1, answered
    # The sender gives up after MAIL_TIMEOUT (1 s here) and keeps the message.
    assert wait_for_background(timeout=10)
    assert time.monotonic() - started < 4
    assert silent_smtp, "delivery was tried"
    with app.app_context():
        message = db.session.query(OutboxMessage).one()
        assert message.status == "pending" and "timed out" in message.last_error
        assert message.attempts == 1 and message.claimed_by is None


def test_a_request_leaves_sealing_its_audit_entries_to_a_job_after_the_response(
        app, make, client, background_mail):
    user = make.user(email="nora@example.com")  # written outside a request: left pending
    in_request = []
    request_thread = threading.get_ident()

    def seen(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == request_thread:
            in_request.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        r = client.post("/login", data={"email": user.email,
                                        "password": "correct horse battery"})
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert r.status_code == 302
    assert any(s.startswith("INSERT INTO audit_entries") for s in in_request)
    assert not any("audit_entries SET seq" in s for s in in_request), in_request
    assert wait_for_background(timeout=10)
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert [e.action for e in entries] == ["account.created", "auth.login"]
        assert [e.seq for e in entries] == [1, 2]
        assert verify_chain().ok


def test_the_beat_seals_what_a_busy_sealer_left():
    schedule = beat_schedule({"SWEEP_EVERY_SECONDS": None, "SWEEP_AT": "03:00",
                              "OUTBOX_DRAIN_SECONDS": 60, "AUDIT_SEAL_SECONDS": 30})
    assert schedule["seal-audit"]["task"] == "jobs.seal_audit"
    assert schedule["seal-audit"]["schedule"].total_seconds() == 30
    assert schedule["expire-exports"]["task"] == "exports.expire"
