"""Mail never in the request: the embedded default (no broker) delivers after the response."""
from __future__ import annotations

import time

import pytest

from app.extensions import db
from app.jobs.engine import wait_for_background
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
