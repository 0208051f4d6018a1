"""The audit trail under concurrent writers, and the append-only trigger (PostgreSQL only)."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEntry
from app.audit.sealing import CHAIN_LOCK, seal_pending
from app.audit.services import record, redact_personal, verify_chain
from app.extensions import db

pytestmark = pytest.mark.postgres_only

THREADS = 8
PER_THREAD = 25


@pytest.fixture(autouse=True)
def postgres(app, tmp_path, monkeypatch):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL: SQLite has one writer and no trigger here; run with "
                        "TEST_DATABASE_URL=postgresql+psycopg://...")
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", tmp_path / "audit")


def _run(threads: list[threading.Thread], timeout: float = 60) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a writer hung"


def test_many_writers_lose_nothing_and_the_chain_verifies(app):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.test_request_context():  # its own app context, so its own session
                barrier.wait(timeout=30)
                for i in range(PER_THREAD):
                    record("test.concurrent", target_type="thing", target_id=f"{n}-{i}",
                           writer=n, i=i)
                    db.session.commit()
                    seal_pending(wait=False)  # what the after-request hook does
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
            barrier.abort()

    _run([threading.Thread(target=writer, args=(n,)) for n in range(THREADS)])
    assert not errors, errors
    with app.app_context():
        seal_pending()  # whatever the last writers left to a sealer that was busy
        report = verify_chain()
        targets = db.session.execute(select(AuditEntry.target_id)).scalars().all()
        seqs = db.session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
    assert report.ok, report.reason
    assert report.checked == THREADS * PER_THREAD and report.pending == 0
    assert sorted(targets) == sorted(f"{n}-{i}" for n in range(THREADS) for i in range(PER_THREAD))
    assert seqs == list(range(1, THREADS * PER_THREAD + 1))


def test_an_open_writer_blocks_neither_other_writers_nor_the_sealer(app):
    """The first writer records and keeps its transaction open; the second still commits."""
    first_recorded = threading.Event()
    release_first = threading.Event()
    second_done = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with app.test_request_context():
                record("test.slow", target_type="thing", target_id="first")
                first_recorded.set()
                assert release_first.wait(30)
                db.session.commit()
        except BaseException as error:
            errors.append(error)

    def second() -> None:
        try:
            with app.test_request_context():
                record("test.quick", target_type="thing", target_id="second")
                db.session.commit()
                assert seal_pending(wait=False) == 1  # the open entry is not visible yet
                second_done.set()
        except BaseException as error:
            errors.append(error)

    slow = threading.Thread(target=first)
    slow.start()
    assert first_recorded.wait(10)
    quick = threading.Thread(target=second)
    started = time.monotonic()
    quick.start()
    quick.join(10)
    # the second writer committed and was sealed while the first is still open
    assert second_done.is_set() and slow.is_alive(), errors
    assert time.monotonic() - started < 5
    release_first.set()
    slow.join(10)
    assert not errors, errors
    with app.app_context():
        assert seal_pending() == 1
        rows = db.session.execute(select(AuditEntry.target_id, AuditEntry.seq)
                                  .order_by(AuditEntry.id)).all()
        assert verify_chain().ok
    # the first entry has the lower id but took its place in the chain after the second
    assert [tuple(r) for r in rows] == [("first", 2), ("second", 1)]


def test_a_busy_sealer_makes_the_request_skip_not_wait(app):
    with app.test_request_context():
        record("test.event")
        db.session.commit()
    holding = threading.Event()
    release = threading.Event()

    def other_sealer() -> None:
        with app.app_context():
            db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
            holding.set()
            release.wait(30)
            db.session.rollback()

    t = threading.Thread(target=other_sealer)
    t.start()
    try:
        assert holding.wait(10)
        with app.app_context():
            started = time.monotonic()
            assert seal_pending(wait=False) == 0
            assert time.monotonic() - started < 1
    finally:
        release.set()
        t.join(10)
    with app.app_context():
        assert seal_pending(wait=False) == 1


# --- the append-only trigger ---------------------------------------------------------------

def _sealed(app, n: int = 2) -> list[int]:
    with app.test_request_context():
        for i in range(n):
            record("test.event", target_type="thing", target_id=i, personal={"who": f"P{i}"})
        db.session.commit()
        seal_pending()
        return db.session.execute(select(AuditEntry.id).order_by(AuditEntry.id)).scalars().all()


def _refused(app, sql: str, **params) -> str:
    with app.app_context(), db.engine.connect() as conn:
        with pytest.raises(DBAPIError) as refused:
            conn.execute(text(sql), params)
        conn.rollback()
    return str(refused.value.orig)


@pytest.mark.parametrize("sql", [
    "DELETE FROM audit_entries WHERE id = :id",
    "UPDATE audit_entries SET details = '{\"n\": 1}' WHERE id = :id",
    "UPDATE audit_entries SET action = 'rewritten' WHERE id = :id",
    "UPDATE audit_entries SET hash = repeat('0', 64) WHERE id = :id",
    "UPDATE audit_entries SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = :id",
    "UPDATE audit_entries SET personal = '{\"who\": \"X\"}' WHERE id = :id",
    "UPDATE audit_entries SET personal = NULL, salt = NULL, personal_digest = NULL WHERE id = :id",
], ids=["delete", "details", "action", "hash", "unseal", "personal", "redact-and-digest"])
def test_raw_sql_cannot_change_or_delete_an_entry(app, sql):
    first = _sealed(app)[0]
    assert "append-only" in _refused(app, sql, id=first)
    with app.app_context():
        assert verify_chain().ok


def test_raw_sql_cannot_insert_a_sealed_entry(app):
    _sealed(app)
    message = _refused(app, "INSERT INTO audit_entries (created_at, action, details, nonce, mac, "
                            "seq, prev_hash, hash) VALUES (now(), 'x', '{}', 'n', 'm', 3, 'p', 'h')")
    assert "inserted unsealed" in message


def test_the_trigger_lets_redaction_through(app):
    first, second = _sealed(app)
    with app.app_context():
        assert redact_personal([first]) == 1
        db.session.commit()
        assert db.session.execute(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.personal.is_(None))).scalar() == 1
        assert verify_chain().ok
