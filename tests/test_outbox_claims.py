"""Each message leaves once: claimed before it is sent, whatever the number of senders.

Real SMTP servers on loopback (aiosmtpd, and a raw socket that never answers), real
threads and a real sender process killed with SIGKILL.
"""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import outbox_rows

from app import clock
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import deliver, queue_mail

# senders run in threads and processes with connections of their own: the tables are
# emptied after each test instead of rolled back
pytestmark = pytest.mark.committed

ROOT = Path(__file__).resolve().parent.parent


def _queue(app, n: int) -> None:
    with app.test_request_context():
        user = type("U", (), {"name": "Reader"})()
        for i in range(n):
            queue_mail(f"reader{i}@example.com", "accounts/password_changed",
                       f"Message {i}", user=user)
        db.session.commit()


def _received(smtp) -> Counter:
    return Counter(m["To"] for m in smtp.messages)


@pytest.fixture
def immediate_retry(app):
    old = app.config["OUTBOX_RETRY_BASE_SECONDS"]
    app.config["OUTBOX_RETRY_BASE_SECONDS"] = 0
    yield
    app.config["OUTBOX_RETRY_BASE_SECONDS"] = old


def test_two_senders_over_200_messages_deliver_each_once_despite_451s(app, smtp, immediate_retry):
    _queue(app, 200)
    refused_once: set[str] = set()
    original = smtp.handle_DATA

    async def sometimes_busy(server, session, envelope):
        to = envelope.rcpt_tos[0]
        if int(to.removeprefix("reader").split("@")[0]) % 7 == 0 and to not in refused_once:
            refused_once.add(to)
            return "451 4.3.0 Busy, try again later"
        return await original(server, session, envelope)

    smtp.handle_DATA = sometimes_busy
    barrier = threading.Barrier(2)
    totals: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                sent = failed = 0
                for _ in range(50):
                    s, f = deliver(limit=1000)
                    sent, failed = sent + s, failed + f
                    left = db.session.query(OutboxMessage).filter_by(status="pending").count()
                    db.session.rollback()
                    if not left:
                        break
                    time.sleep(0.05)  # the other sender holds what is left
                totals.append((sent, failed))
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    received = _received(smtp)
    assert len(received) == 200 and set(received.values()) == {1}, \
        [to for to, n in received.items() if n > 1]
    assert sum(s for s, _ in totals) == 200
    assert sum(f for _, f in totals) == len(refused_once) == 29  # 0, 7, ..., 196
    assert all(n > 0 for n, _ in totals), "both senders took a share"
    with app.app_context():
        rows = db.session.query(OutboxMessage).all()
        assert {r.status for r in rows} == {"sent"}
        assert all(r.claimed_by is None and r.claimed_until is None for r in rows)
        retried = {r.recipient: r.attempts for r in rows if r.attempts == 2}
        assert set(retried) == refused_once
        ids = {r.recipient: r.message_id for r in rows}
    # the header carries the Message-ID fixed when the message was written
    assert all(m["Message-ID"] == ids[m["To"]] for m in smtp.messages)


def test_sender_killed_mid_batch_loses_and_doubles_nothing(app, smtp):
    _queue(app, 6)
    stalled = threading.Event()
    original_rcpt = getattr(smtp, "handle_RCPT", None)

    async def stall_the_fourth(server, session, envelope, address, rcpt_options):
        if address == "reader3@example.com" and not stalled.is_set():
            stalled.set()
            await asyncio.sleep(60)  # the sender is killed while it waits for this answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.handle_RCPT = stall_the_fourth
    env = dict(os.environ, APP_CONFIG="testing", TEST_MAIL_PORT=str(smtp.controller.port),
               OUTBOX_LEASE_SECONDS="30",
               # the suite's own database (each xdist worker has one)
               TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert stalled.wait(timeout=30), proc.stdout.read().decode()
        assert len(smtp.messages) == 3
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    if original_rcpt is None:
        del smtp.handle_RCPT
    else:
        smtp.handle_RCPT = original_rcpt

    with app.app_context():
        held = db.session.query(OutboxMessage).filter_by(recipient="reader3@example.com").one()
        assert held.status == "pending" and held.claimed_by and held.attempts == 1
        lease_ends = held.claimed_until
    # Another sender delivers the rest but leaves the held message alone ...
    with app.app_context():
        assert deliver() == (2, 0)
    assert "reader3@example.com" not in _received(smtp)
    # ... until the lease of the killed sender expires.
    clock.freeze(lease_ends + timedelta(seconds=1))
    with app.app_context():
        assert deliver() == (1, 0)
        assert deliver() == (0, 0)
    received = _received(smtp)
    assert received == Counter({f"reader{i}@example.com": 1 for i in range(6)})
    assert [r[2] for r in outbox_rows(app)] == ["sent"] * 6


def test_sender_gives_up_on_a_silent_server_and_keeps_the_message(app, silent_smtp):
    _queue(app, 1)
    started = time.monotonic()
    with app.app_context():
        assert deliver() == (0, 1)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 3, elapsed  # one MAIL_TIMEOUT, not forever
    assert silent_smtp, "the sender did reach the server"
    with app.app_context():
        message = db.session.query(OutboxMessage).one()
        assert message.status == "pending" and "timed out" in message.last_error
        assert message.claimed_by is None and message.next_attempt_at > clock.now()
