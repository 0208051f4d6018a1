"""With a broker, the audit trail's seal is queued once for the commits made until it
starts, not once per request: a flag in Redis (SET NX) says one is queued, the seal lowers
it before it reads. Real Redis as the broker; no worker: the queue itself is read."""
from __future__ import annotations

import json
import os

import pytest
import redis
from broker import using_broker

from app.jobs.tasks import seal_audit

BROKER = os.environ.get("TEST_SEAL_BROKER_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def queue(app):
    """The app's jobs go to an emptied Redis database; yields a function that lists the
    names of the tasks waiting there."""
    store = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
    try:
        store.flushdb()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {BROKER} ({error})")
    with using_broker(app, BROKER):
        yield lambda: [json.loads(m)["headers"]["task"] for m in store.lrange("celery", 0, -1)]
    store.flushdb()


def _burst(auth, user, times: int) -> None:
    for _ in range(times):
        auth.login(user, follow=False)  # each sign-in and sign-out is recorded
        auth.logout()


def test_one_seal_is_queued_for_the_commits_made_until_it_starts(app, make, auth, queue):
    user = make.user(email="sam@example.com")
    _burst(auth, user, 3)
    assert queue().count("jobs.seal_audit") == 1
    with app.app_context():
        seal_audit.apply()  # the seal starts: it lowers the flag, then chains
    _burst(auth, user, 2)
    assert queue().count("jobs.seal_audit") == 2  # the next commit queued the next seal


def test_without_the_window_each_recording_request_queues_its_seal(app, make, auth, queue,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_SEAL_WINDOW_MS", 0)
    user = make.user(email="sam@example.com")
    _burst(auth, user, 3)
    assert queue().count("jobs.seal_audit") == 6
