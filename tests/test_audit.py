"""The audit chain: written for every action, verified by `flask audit verify`."""
from __future__ import annotations

from sqlalchemy import text

from app.audit.models import AuditEntry
from app.audit.services import record
from app.extensions import db


def _three_entries(app):
    with app.test_request_context():
        for n in range(3):
            record("test.event", target_type="thing", target_id=n, n=n)
        db.session.commit()


def test_verify_passes_on_an_intact_chain(app, runner):
    _three_entries(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "3 entries checked" in result.output


def test_verify_names_an_altered_entry(app, runner):
    _three_entries(app)
    with app.app_context():
        second = db.session.query(AuditEntry).order_by(AuditEntry.id).all()[1]
        # tamper behind the application's back, as someone with database access would
        db.session.execute(text("UPDATE audit_entries SET details = :d WHERE id = :id"),
                           {"d": '{"n": 99}', "id": second.id})
        db.session.commit()
        broken = second.id
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {broken}" in result.output
    assert "does not match its hash" in result.output


def test_verify_notices_a_removed_entry(app, runner):
    _three_entries(app)
    with app.app_context():
        ids = [e.id for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {ids[2]}" in result.output


def test_entries_cannot_be_changed_through_the_app(app):
    _three_entries(app)
    with app.app_context():
        entry = db.session.query(AuditEntry).first()
        entry.action = "rewritten"
        try:
            db.session.flush()
        except RuntimeError as error:
            assert "append-only" in str(error)
        else:
            raise AssertionError("an audit entry was modified")
        finally:
            db.session.rollback()


def test_admin_browses_and_filters_the_log(app, make, auth, client):
    admin = make.user("admin", email="boss@example.com")
    app.test_client().post("/login", data={"email": "nobody@example.com",
                                           "password": "wrong password!!"})
    auth.login(admin)
    page = client.get("/admin/audit/?action=auth.login_failed").data.decode()
    assert "nobody@example.com" in page and "auth.login_failed" in page
    assert "account.created" not in page
    everything = client.get("/admin/audit/?actor=boss").data.decode()
    assert "account.created" in everything and "auth.login" in everything
