"""/healthz: the database, the broker (when there is one) and the age of the mail backlog."""
from __future__ import annotations

import pytest
import redis
from budget import count_statements
from conftest import free_port
from test_outbox_claims import _queue

from app import clock

REDIS = "redis://127.0.0.1:6379/4"


@pytest.fixture
def broker_url(app):
    def use(url):
        app.config["CELERY_BROKER_URL"] = url
    yield use
    app.config["CELERY_BROKER_URL"] = None


def test_health_reports_the_oldest_pending_message(app, client):
    clock.freeze(clock.now())
    _queue(app, 2)
    clock.advance(seconds=90)
    body = client.get("/healthz").get_json()
    assert body["outbox"] == {"pending": 2, "oldest_pending_seconds": 90}


def test_a_crowd_is_answered_from_the_last_look_for_a_second(app, client, monkeypatch):
    first = client.get("/healthz").get_json()  # the suite looks every time
    monkeypatch.setitem(app.config, "HEALTH_CHECK_SECONDS", 60)
    _queue(app, 1)
    with count_statements(app) as seen:
        again = client.get("/healthz").get_json()
    assert seen.count == 0 and again == first  # the same look, its time said
    assert "checked_at" in first
    monkeypatch.setitem(app.config, "HEALTH_CHECK_SECONDS", 0)
    with count_statements(app) as seen:
        fresh = client.get("/healthz").get_json()
    assert seen.count == 1  # one indexed query
    assert fresh["outbox"]["pending"] == first["outbox"]["pending"] + 1


def test_health_fails_when_the_broker_does_not_answer(client, broker_url):
    broker_url(f"redis://127.0.0.1:{free_port()}/4")
    r = client.get("/healthz")
    assert r.status_code == 503 and r.get_json()["broker"] == "unavailable"
    assert r.get_json()["database"] == "ok"


def test_health_reports_a_broker_that_answers(client, broker_url):
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS} ({error})")
    broker_url(REDIS)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["broker"] == "ok"


def test_production_refuses_to_start_without_redis(monkeypatch):
    from app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/ethics")
    monkeypatch.setenv("AUDIT_KEY", "k" * 32)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app("production")
