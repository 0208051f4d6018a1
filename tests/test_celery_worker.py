"""A real Celery worker (and beat) against Redis and the test's PostgreSQL database.

The worker is started by the test as `celery -A make_celery worker`, not in eager
mode: a request writes the outbox row and returns, the worker delivers to aiosmtpd;
beat runs the deadline sweep on a short schedule.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from broker import using_broker
from case_helpers import clear
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases import services
from app.cases.models import Case, Deadline
from app.catalogue.models import CodeItem
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings import workflow
from app.registry.models import Certificant

# a worker and beat in processes of their own read what the requests commit:
# the tables are emptied after each test instead of rolled back
pytestmark = pytest.mark.committed

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/4")


def _needs_services(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a worker process shares the test database only on PostgreSQL; run with "
                        "TEST_DATABASE_URL=postgresql+psycopg://...")
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {BROKER} for the Celery broker ({error})")


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Process:
    """A celery process started from the project root, its output in a file."""

    def __init__(self, args: list[str], env: dict, log: Path) -> None:
        self.log = log
        self.out = open(log, "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "make_celery", *args],
                                     cwd=ROOT, env=env, stdout=self.out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


@pytest.fixture
def broker(app):
    """This app and the worker both use the Redis broker (DB index 4), emptied first."""
    _needs_services(app)
    redis.Redis.from_url(BROKER).flushdb()
    with using_broker(app, BROKER, MAIL_DELIVER_AFTER_COMMIT=True) as celery_app:
        yield celery_app


@pytest.fixture
def service_env(app, smtp):
    # the worker and beat use this test's database (each xdist worker has its own)
    return dict(os.environ, APP_CONFIG="testing", TEST_CELERY_BROKER_URL=BROKER,
                TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                TEST_MAIL_PORT=str(smtp.controller.port), SWEEP_EVERY_SECONDS="1",
                OUTBOX_DRAIN_SECONDS="1")


@pytest.fixture
def worker(broker, service_env, tmp_path):
    proc = Process(["worker", "--loglevel=INFO", "--concurrency=2", "--without-gossip",
                    "--without-mingle", "--hostname", "test-backbone@%h"], service_env,
                   tmp_path / "worker.log")
    try:
        _wait_for(lambda: "ready." in proc.text() or proc.proc.poll() is not None, 60,
                  "the worker to start")
        assert proc.proc.poll() is None, proc.text()
        yield proc
    finally:
        proc.stop()


def test_worker_delivers_the_mail_a_request_queued(app, make, client, smtp, worker):
    user = make.user(email="nora@example.com")
    started = time.monotonic()
    r = client.post("/forgot-password", data={"email": user.email})
    assert r.status_code == 200 and b"Check your email" in r.data
    assert time.monotonic() - started < 1
    assert smtp.to("nora@example.com") == []  # the request only queued it
    [msg] = _wait_for(lambda: smtp.to("nora@example.com"), 90, "the worker to deliver")
    assert "reset" in msg["Subject"].lower()

    def settled():
        with app.app_context():
            row = db.session.query(OutboxMessage).one()
            return row if row.status == "sent" else None

    row = _wait_for(settled, 10, "the outcome to be committed")
    assert msg["Message-ID"] == row.message_id
    assert "jobs.deliver_outbox" in worker.text()
    time.sleep(1)
    assert len(smtp.messages) == 1  # and only once


def _overdue_case(app, make) -> str:
    """A complaint accepted long ago: the respondent's 30 days ran out in real time."""
    make.catalogue()
    record = make.certificant(number="CCM-400004", name="Rory Respondent",
                              email="rory@example.com")
    complainant = make.user(email="clara@example.com")
    make.user(email="rory@example.com", certificant=record)
    chair = make.user("chair", "member", email="chair@example.com")
    clock.freeze(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    with app.test_request_context():
        user = db.session.get(User, complainant.id)
        s7 = db.session.execute(select(CodeItem).where(CodeItem.code == "S7")).scalar_one()
        case = services.start_draft(user)
        services.save_draft(case, user, respondent=db.session.get(Certificant, record.id),
                            relation="client", attest_not_confidential=True, attest_good_faith=True,
                            allegations=[{"code_item_id": s7.id, "conduct_from": datetime(2024, 3, 3).date(),
                                          "facts": "Sold the client's file to a rival."}])
        workflow.apply(case, "submit", user)
        db.session.commit()
        number = case.number
    clear(app, chair.id, number)
    with app.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        workflow.apply(case, "accept", db.session.get(User, chair.id),
                       seen_version=case.row_version, respondent_email="rory@example.com")
        db.session.commit()
    clock.freeze(None)
    return number


def test_beat_runs_the_sweep_on_its_schedule(app, make, worker, service_env, tmp_path):
    number = _overdue_case(app, make)
    beat = Process(["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule")],
                   service_env, tmp_path / "beat.log")
    try:
        def swept():
            with app.app_context():
                case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
                deadline = db.session.execute(select(Deadline).where(
                    Deadline.case_id == case.id, Deadline.kind == "response")).scalar_one()
                return deadline.status == "missed" and case.status
        status = _wait_for(swept, 90, "beat and the worker to sweep the overdue case")
    finally:
        beat.stop()
    assert status == "investigation"  # the respondent's default was recorded
    assert "jobs.sweep_deadlines" in beat.text()
    assert "jobs.sweep_case" in worker.text()
    time.sleep(1.5)  # beat went on sweeping every second: the default is applied once
    with app.app_context():
        defaults = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "deadline.missed")).scalars().all()
        assert len(defaults) == 1


def test_a_burst_of_recorded_requests_is_chained_by_a_few_seals(app, make, client, auth,
                                                                 worker, monkeypatch):
    """With a broker, one queued seal serves the commits made until it starts: a burst of
    sign-ins and sign-outs is chained entirely, by fewer seal jobs than entries."""
    monkeypatch.setitem(app.config, "AUDIT_SEAL_WINDOW_MS", 2000)  # the burst fits in it
    user = make.user(email="sam@example.com")
    for _ in range(6):
        auth.login(user, follow=False)
        auth.logout()

    def sealed():
        with app.app_context():
            entries = db.session.query(AuditEntry).filter(
                AuditEntry.action.in_(("auth.login", "auth.logout"))).all()
            return len(entries) == 12 and all(e.seq is not None for e in entries)

    _wait_for(sealed, 30, "the worker to chain every entry")
    seals = [line for line in worker.text().splitlines()
             if "jobs.seal_audit[" in line and "received" in line]
    assert 1 <= len(seals) < 12, worker.text()
