"""Throttling: limits per address and per account, no lockout of the owner, exact across
workers sharing Redis; mail-sending forms limited; register and reset give nothing away."""
from __future__ import annotations

import time

import pytest
import redis
from argon2 import PasswordHasher
from budget import count_statements
from conftest import PASSWORD, outbox_rows

from app import create_app
from config import TestingConfig

STRANGER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}
REDIS_URL = "redis://127.0.0.1:6379/5"


def _login(client, email, password, where):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base=where)


def test_the_owner_signs_in_from_elsewhere_while_a_stranger_hammers(app, make, client,
                                                                     monkeypatch):
    make.user(email="owner@example.com")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "3 per minute")
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN", "2 per minute")
    monkeypatch.setitem(app.config, "LOGIN_DELAY_MAX_SECONDS", 0.3)
    for _ in range(3):
        assert _login(client, "owner@example.com", "guess guess guess", STRANGER).status_code == 401
    # the stranger's address is refused now, even with the right password
    r = _login(client, "owner@example.com", PASSWORD, STRANGER)
    assert r.status_code == 429 and b"Too many failed sign-in attempts" in r.data
    # the owner, elsewhere, is slowed down but gets in
    owner = app.test_client()
    started = time.perf_counter()
    r = _login(owner, "owner@example.com", PASSWORD, OWNER)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert time.perf_counter() - started >= 0.3  # third failure past the slowdown: capped


def test_the_slowdown_doubles_up_to_its_cap(app, make, client, monkeypatch):
    make.user(email="target@example.com")
    monkeypatch.setitem(app.config, "LOGIN_SLOWDOWN", "2 per minute")
    monkeypatch.setitem(app.config, "LOGIN_DELAY_MAX_SECONDS", 1.0)
    delays = []
    for n in range(6):  # six addresses, one wrong guess each
        where = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}
        started = time.perf_counter()
        assert _login(client, "target@example.com", "wrong wrong wrong", where).status_code == 401
        delays.append(time.perf_counter() - started)
    # after two failures, every attempt waits: 0.5 s, then 1 s (the cap), 1 s, 1 s
    assert max(delays[:2]) < 0.5 <= delays[2] < 1.0 <= min(delays[3:])


def _redis_or_skip() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    return connection


@pytest.fixture
def two_workers(app):
    """Two app instances (two gunicorn workers, say) over one database and one Redis."""
    connection = _redis_or_skip()
    connection.flushdb()
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_LIMIT_PER_ADDRESS": "5 per minute",
                "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "3 per minute",
                "MAIL_LIMIT_PER_EMAIL": "4 per minute",
                # the suite's own database (each xdist worker has one)
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    workers = [create_app(type("SharedRedis", (TestingConfig,), settings)) for _ in range(2)]
    yield [w.test_client() for w in workers]
    connection.flushdb()
    connection.close()


@pytest.mark.committed  # a second app reads what this test commits
def test_limits_are_exact_across_two_workers_sharing_redis(app, make, two_workers):
    a, b = two_workers
    make.user(email="shared@example.com")
    # per account from one address: 3 failures, alternating workers, then refused
    answers = [_login((a, b)[n % 2], "shared@example.com", "wrong wrong wrong", STRANGER)
               .status_code for n in range(4)]
    assert answers == [401, 401, 401, 429]
    # per address: two more failures on other accounts reach 5, the sixth attempt is refused
    answers = [_login((b, a)[n % 2], f"nobody{n}@example.com", "wrong wrong wrong", STRANGER)
               .status_code for n in range(3)]
    assert answers == [401, 401, 429]
    # another address is untouched
    assert _login(a, "shared@example.com", PASSWORD, OWNER).status_code == 302
    # mail: 4 resets for one email between the two workers, the fifth refused
    answers = [(a, b)[n % 2].post("/forgot-password", data={"email": "shared@example.com"})
               .status_code for n in range(5)]
    assert answers == [200, 200, 200, 200, 429]


def test_mail_forms_are_refused_past_their_limit(app, make, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_LIMIT_PER_EMAIL", "2 per minute")
    monkeypatch.setitem(app.config, "MAIL_LIMIT_PER_ADDRESS", "6 per minute")
    make.user(email="known@example.com")
    make.user(email="unverified@example.com", verified=False)
    register = {"name": "Someone", "password": PASSWORD, "confirm": PASSWORD}
    for _ in range(2):
        assert client.post("/forgot-password",
                           data={"email": "known@example.com"}).status_code == 200
    r = client.post("/forgot-password", data={"email": "known@example.com"})
    assert r.status_code == 429 and b"Too many messages" in r.data
    # the same limit counts registration attempts for the address, known or not
    r = client.post("/register", data=register | {"email": "known@example.com"})
    assert r.status_code == 429 and b"Too many messages" in r.data
    for _ in range(2):
        assert client.post("/register", data=register | {"email": "new@example.com"}
                           ).status_code == 200
    # signing in to an unverified account sends a new link, within the limit too
    for _ in range(2):
        client.post("/login", data={"email": "unverified@example.com", "password": PASSWORD})
    r = client.post("/login", data={"email": "unverified@example.com", "password": PASSWORD},
                    follow_redirects=True)
    assert b"with the link we sent you" in r.data
    # the address has used its 6 (2 resets, 2 registrations, 2 links) and is refused
    r = client.post("/forgot-password", data={"email": "other@example.com"})
    assert r.status_code == 429
    recipients = [row[0] for row in outbox_rows(app)]
    assert recipients.count("known@example.com") == 2
    assert recipients.count("new@example.com") == 2  # a link, then "already registered"
    assert recipients.count("unverified@example.com") == 2


def _argon2_calls(monkeypatch) -> list[str]:
    """Record each Argon2 computation (hash or verify) the request makes; the real
    functions still run. Argon2 is what a request's time is made of, so two ways that
    compute it the same number of times cost the same (bench/enumeration.py times them)."""
    calls: list[str] = []
    for name in ("hash", "verify"):
        real = getattr(PasswordHasher, name)

        def spy(self, *args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(self, *args, **kwargs)
        monkeypatch.setattr(PasswordHasher, name, spy)
    return calls


@pytest.mark.parametrize("url", ["/register", "/forgot-password"])
def test_known_and_unknown_addresses_do_the_same_work_and_say_the_same(app, make, client,
                                                                      monkeypatch, url):
    known = [make.user(email=f"known{n}@example.com").email for n in range(3)]
    calls = _argon2_calls(monkeypatch)

    def post(email: str) -> tuple[bytes, list[str], int]:
        calls.clear()
        with count_statements(app) as statements:
            r = client.post(url, data={"name": "Probe", "email": email,
                                       "password": PASSWORD, "confirm": PASSWORD})
        assert r.status_code == 200
        return r.data.replace(email.encode(), b"EMAIL"), list(calls), statements.count

    for n, email in enumerate(known):
        known_page, known_work, known_sql = post(email)
        unknown_page, unknown_work, unknown_sql = post(f"unknown{n}@example.com")
        assert known_page == unknown_page  # the same words
        # the same costly work: one Argon2 computation each way, never none for a stranger
        assert known_work == unknown_work and len(known_work) >= (url == "/register")
        # and nearly the same database work (a new account is one row more)
        assert abs(known_sql - unknown_sql) <= 4, (known_sql, unknown_sql)
    # and both ways queue one mail each
    recipients = [row[0] for row in outbox_rows(app)]
    assert all(recipients.count(e) == 1 for e in known)
    assert all(recipients.count(f"unknown{n}@example.com") == 1 for n in range(3))


def test_production_refuses_to_start_without_redis(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/ethics")
    monkeypatch.setenv("AUDIT_KEY", "k" * 32)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app("production")
