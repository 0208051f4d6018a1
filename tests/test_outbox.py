"""The mail outbox: written with the change, delivered over real SMTP, nothing lost."""
from __future__ import annotations

from datetime import timedelta

from aiosmtpd.controller import Controller
from conftest import outbox_rows

from app import clock
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import deliver, queue_mail


def _queue(app, n: int) -> None:
    with app.test_request_context():
        user = type("U", (), {"name": "Reader"})()
        for i in range(n):
            queue_mail(f"reader{i}@example.com", "accounts/password_changed",
                       f"Message {i}", user=user)
        db.session.commit()


def test_mail_is_written_in_the_same_transaction(app):
    with app.test_request_context():
        user = type("U", (), {"name": "Reader"})()
        queue_mail("a@example.com", "accounts/password_changed", "Rolled back", user=user)
        db.session.rollback()  # the change that caused it failed
    assert outbox_rows(app) == []


def test_outbox_send_delivers_text_and_html(app, smtp, runner):
    _queue(app, 2)
    result = runner.invoke(args=["outbox", "send"])
    assert "2 sent, 0 failed" in result.output
    [msg] = smtp.to("reader0@example.com")
    assert msg["Subject"] == "Message 0"
    assert "password of your account was just changed" in smtp.text_of(msg)
    assert "<p>" in msg.get_body(preferencelist=("html",)).get_content()
    assert [r[2] for r in outbox_rows(app)] == ["sent", "sent"]
    # nothing is sent twice
    assert "0 sent" in runner.invoke(args=["outbox", "send"]).output
    assert len(smtp.messages) == 2


def test_server_stopping_mid_batch_loses_nothing(app, smtp, runner):
    _queue(app, 6)
    sent_before_stop = []

    original = smtp.handle_DATA

    async def stop_after_three(server, session, envelope):
        reply = await original(server, session, envelope)
        sent_before_stop.append(1)
        if len(sent_before_stop) == 3:
            # Acknowledge the third message, then the server goes away: the
            # open connection drops and new ones are refused.
            server.loop.call_soon(server.transport.close)
            server.loop.call_soon(smtp.controller.server.close)
        return reply

    smtp.handle_DATA = stop_after_three
    with app.app_context():
        sent, failed = deliver()
    assert (sent, failed) == (3, 3)
    assert len(smtp.messages) == 3
    rows = outbox_rows(app)
    assert sum(r[2] == "sent" for r in rows) == sent
    with app.app_context():
        pending = db.session.query(OutboxMessage).filter_by(status="pending").all()
        assert pending and all(m.last_error for m in pending)
        assert all(m.next_attempt_at > clock.now() for m in pending)  # backed off
    # later, with the server back, the retry delivers the rest exactly once
    smtp.handle_DATA = original
    port = smtp.controller.port
    smtp.controller.stop()
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=port)
    smtp.controller.start()
    clock.freeze(clock.now() + timedelta(hours=1))
    assert "3 sent, 0 failed" in runner.invoke(args=["outbox", "send"]).output
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == sorted(f"reader{i}@example.com" for i in range(6))


def test_unreachable_server_is_retried_with_backoff_then_given_up(app, smtp, runner):
    _queue(app, 1)
    smtp.controller.stop()
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    try:
        clock.freeze(clock.now())
        delays = []
        for _ in range(3):
            with app.app_context():
                deliver()
                msg = db.session.query(OutboxMessage).one()
                delays.append((msg.next_attempt_at - clock.now()).total_seconds())
                status, error = msg.status, msg.last_error
            clock.advance(hours=2)
        assert status == "failed" and "Connection" in error
        assert delays[1] == 2 * delays[0]
    finally:
        app.config["OUTBOX_MAX_ATTEMPTS"] = 8


def test_admin_sees_the_outbox(app, make, auth, client):
    _queue(app, 1)
    auth.login(make.user("admin"))
    page = client.get("/admin/outbox/?status=pending").data.decode()
    assert "reader0@example.com" in page and "Message 0" in page
