"""The deadline sweep as jobs: safe to run twice at once, and one failing case stops no other.

Real PostgreSQL for the concurrent runs (threads released together by a barrier).
"""
from __future__ import annotations

import threading
from datetime import date

import pytest
import test_deadlines as td
from sqlalchemy import func, select, text

from app.audit.models import AuditEntry
from app.cases.models import Case
from app.extensions import db
from app.jobs.sweeping import run_sweep
from app.notifications.models import OutboxMessage

people = td.people  # the same cast as the deadline tests


def _postgres_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite lets one writer in at a time, so there is no race to test; "
                        "run with TEST_DATABASE_URL=postgresql+psycopg://...")


def _in_parallel(app, n: int, work) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results.append(work())
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.mark.postgres_only
def test_two_sweeps_at_once_send_one_reminder_and_apply_one_default(app, people):
    _postgres_only(app)
    td.day(date(2026, 11, 2))
    reminded = td.accepted_complaint(app, people)    # answer due 2 December
    td.day(date(2026, 10, 1))
    defaulted = td.accepted_complaint(app, people)   # answer due 2 November
    td.day(date(2026, 11, 25))                       # 7 days before the first, the other overdue
    mail_before = _count(app, OutboxMessage)
    runs = _in_parallel(app, 2, run_sweep)
    assert all(not r.failed for r in runs)
    assert sum(len(r.reminders) for r in runs) == 1
    assert sum(len(r.missed) for r in runs) == 1
    assert _count(app, AuditEntry, AuditEntry.action == "deadline.reminder_sent") == 1
    assert _count(app, AuditEntry, AuditEntry.action == "deadline.missed") == 1
    assert _count(app, OutboxMessage, OutboxMessage.subject.like("Reminder:%")) == 1
    assert td.status_of(app, defaulted) == "investigation"
    assert td.status_of(app, reminded) == "awaiting_response"
    assert _count(app, OutboxMessage) > mail_before


@pytest.mark.postgres_only
def test_a_case_that_fails_to_sweep_leaves_the_others_swept(app, people, runner):
    _postgres_only(app)
    td.day(date(2026, 10, 1))
    broken = td.accepted_complaint(app, people)
    fine = td.accepted_complaint(app, people)
    with app.app_context():
        broken_id = db.session.execute(select(Case.id).where(Case.number == broken)).scalar_one()
        # The database refuses any change to this one case's deadlines.
        db.session.execute(text(
            "CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'deadline row is read-only'; END $$"))
        db.session.execute(text(
            "CREATE TRIGGER refuse_deadline_change BEFORE UPDATE ON deadlines FOR EACH ROW "
            f"WHEN (OLD.case_id = {broken_id}) EXECUTE FUNCTION refuse_change()"))
        db.session.commit()
    try:
        td.day(date(2026, 11, 25))
        output = td.sweep(runner)
    finally:
        with app.app_context():
            db.session.execute(text("DROP TRIGGER refuse_deadline_change ON deadlines"))
            db.session.execute(text("DROP FUNCTION refuse_change()"))
            db.session.commit()
    assert f"failed: case {broken_id}" in output
    assert f"missed: {fine} response" in output
    assert td.status_of(app, fine) == "investigation"
    assert td.status_of(app, broken) == "awaiting_response"  # rolled back whole
    # the next sweep, with the fault gone, catches up
    assert f"missed: {broken} response" in td.sweep(runner)
    assert td.status_of(app, broken) == "investigation"
