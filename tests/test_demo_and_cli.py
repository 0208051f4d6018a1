"""Seeding the demo, unknown policy actions, the health check, production settings, no external resources."""
from __future__ import annotations

from app.accounts.models import User
from app.catalogue.models import CodeItem
from app.demo import DEMO_USERS
from app.extensions import db
from app.policy import UnknownAction, can


def test_seed_demo_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    for user in DEMO_USERS:
        assert user["email"] in first.output
    with app.app_context():
        counts = (db.session.query(User).count(), db.session.query(CodeItem).count())
    second = runner.invoke(args=["seed-demo"])
    assert "already loaded" in second.output
    with app.app_context():
        assert (db.session.query(User).count(), db.session.query(CodeItem).count()) == counts
    # 4 staff, 4 more members (for separate panels), 3 certificants, a representative
    assert counts == (12, 34)


def test_unknown_policy_action_raises(app, make):
    user = make.user("admin")
    try:
        can(user, "cases.delete_everything")
    except UnknownAction:
        pass
    else:
        raise AssertionError("an unknown action name was answered")


def test_health_check_is_public_json(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.get_json()
    assert body.pop("checked_at")
    assert body == {"app": "ok", "database": "ok", "broker": "embedded",
                    "outbox": {"pending": 0, "oldest_pending_seconds": None}}


def test_production_refuses_to_start_without_secrets(monkeypatch):
    import pytest

    from app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/ethics")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app("production")


def test_pages_use_no_external_resources(app, make, auth, client):
    auth.login(make.user("admin"))
    for url in ("/", "/login", "/catalogue/", "/admin/audit/"):
        html = client.get(url).data.decode()
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html
