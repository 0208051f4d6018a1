"""The audit migration carries an existing SHA-256 chain over, and back."""
from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from test_migrations import empty_database_url  # noqa: F401  (a fixture)

from app import create_app
from app.audit.sealing import seal_pending
from app.audit.services import record, redact_personal, verify_chain
from app.extensions import db
from config import TestingConfig

MIGRATION = next(Path(__file__).parents[1].glob("migrations/versions/*_2205e2f83c70_*.py"))
spec = importlib.util.spec_from_file_location("audit_migration", MIGRATION)
audit_migration = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_migration)
BEFORE = audit_migration.down_revision  # the schema the audit migration upgrades from


def _old_rows(conn, entries: list[tuple]) -> None:
    """Write entries as the SHA-256 code did: label, address and all details hashed."""
    prev = audit_migration.GENESIS
    for n, (actor_label, details, ip) in enumerate(entries, 1):
        row = type("Row", (), {"created_at": datetime(2026, 1, n, 9, 0, 0, 123456),
                               "actor_id": None, "action": f"old.event{n}",
                               "target_type": "cases", "target_id": str(n)})
        digest = audit_migration._old_hash(row, actor_label, details, ip, prev)
        conn.execute(text(
            "INSERT INTO audit_entries (created_at, actor_label, action, target_type, target_id, "
            "details, ip_address, prev_hash, hash) VALUES (:at, :label, :action, 'cases', :tid, "
            ":details, :ip, :prev, :hash)"),
            {"at": row.created_at, "label": actor_label, "action": row.action, "tid": str(n),
             "details": json.dumps(details), "ip": ip, "prev": prev, "hash": digest})
        prev = digest


def _old_chain_ok(conn) -> bool:
    prev = audit_migration.GENESIS
    for row in conn.execute(text("SELECT * FROM audit_entries ORDER BY id")):
        details = row.details if isinstance(row.details, dict) else json.loads(
            row.details)
        created = row.created_at if isinstance(row.created_at, datetime) else \
            datetime.fromisoformat(row.created_at)
        view = type("Row", (), {"created_at": created, "actor_id": row.actor_id,
                                "action": row.action, "target_type": row.target_type,
                                "target_id": row.target_id})
        if row.prev_hash != prev or row.hash != audit_migration._old_hash(
                view, row.actor_label, details, row.ip_address, prev):
            return False
        prev = row.hash
    return True


@pytest.fixture
def migrating_app(empty_database_url, tmp_path):  # noqa: F811
    config = type("MigrationConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": empty_database_url,
        "AUDIT_CHECKPOINT_DIR": tmp_path / "audit"})
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


OLD = [("system", {"n": 1}, None),
       ("ann@example.com", {"number": "EC-2", "reason": "Ann's own words"}, "192.0.2.1"),
       ("party bob@example.com", {"n": 3}, "192.0.2.2")]


def test_an_existing_chain_is_checked_moved_resealed_and_carried_back(migrating_app):
    app = migrating_app
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _old_rows(conn, OLD)
            assert _old_chain_ok(conn)
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM audit_entries ORDER BY id")).mappings().all()
        assert [r["seq"] for r in rows] == [None, None, None]  # the sealer chains them again
        with app.test_request_context():
            assert seal_pending() == 3
            report = verify_chain()
            assert report.ok and report.checked == 3, report.reason
            entries = db.session.execute(text("SELECT id FROM audit_entries ORDER BY id")).all()
            assert redact_personal([entries[1].id]) == 1
            record("new.event", actor_label="carol@example.com", number="EC-9")
            db.session.commit()
            seal_pending()
            assert verify_chain().ok
        db.session.remove()  # hold no lock on the table while the schema changes
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT * FROM audit_entries ORDER BY id")).mappings().all()
        assert kept[2]["actor_id"] is None and "bob@example.com" in str(kept[2]["personal"])
        assert "Ann's own words" not in str(list(kept[1].values()))

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert _old_chain_ok(conn)
            back = conn.execute(text("SELECT actor_label, ip_address FROM audit_entries "
                                     "ORDER BY id")).all()
        assert [tuple(r) for r in back] == [
            ("system", None), ("redacted", None), ("party bob@example.com", "192.0.2.2"),
            ("carol@example.com", None)]


def test_a_broken_old_chain_stops_the_upgrade(migrating_app, capsys):
    app = migrating_app
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _old_rows(conn, OLD)
            conn.execute(text("UPDATE audit_entries SET details = '{\"n\": 9}' WHERE id = 1"))
        with pytest.raises(SystemExit):  # Flask-Migrate logs the error (to stderr) and exits
            upgrade()
        assert "the audit chain is broken at entry 1" in capsys.readouterr().err
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == BEFORE
        columns = {c["name"] for c in inspect(db.engine).get_columns("audit_entries")}
        assert "seq" not in columns and "actor_label" in columns  # nothing half-done
