"""Server-side sessions: revoked on logout and on demand, ended by idle and absolute time."""
from __future__ import annotations

import pytest
from conftest import PASSWORD

from app import clock
from app.accounts.models import User, UserSession
from app.accounts.services import reset_password
from app.accounts.tokens import fingerprint, make_token
from app.audit.models import AuditEntry
from app.extensions import db
from config import Config


@pytest.fixture(autouse=True)
def production_limits(app, monkeypatch):
    """The defaults of Config (the test settings lift them for tests that move the clock)."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", Config.SESSION_IDLE_MINUTES)
    monkeypatch.setitem(app.config, "SESSION_MAX_HOURS", Config.SESSION_MAX_HOURS)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _open_sessions(app, user) -> int:
    with app.app_context():
        return db.session.query(UserSession).filter_by(user_id=user.id,
                                                       revoked_at=None).count()


def test_a_cookie_saved_before_logout_is_refused_afterwards(make, auth, client):
    auth.login(make.user())
    saved = client.get_cookie("session").value
    assert _signed_in(client)
    auth.logout()
    assert not _signed_in(client)
    client.set_cookie("session", saved)  # the attacker replays the old cookie
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_each_sign_in_is_a_session_of_its_own(app, make, auth, client):
    user = make.user()
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    auth.login(user)
    assert _open_sessions(app, user) == 2
    auth.logout()  # ends this one only
    assert _open_sessions(app, user) == 1 and _signed_in(other)


def test_staff_sessions_end_after_idle_time(app, make, auth, client):
    clock.freeze(clock.now())
    member, certificant = make.user("member"), make.user()
    theirs = app.test_client()
    auth.login(member)
    theirs.post("/login", data={"email": certificant.email, "password": PASSWORD})
    clock.advance(minutes=29)
    assert _signed_in(client)  # activity keeps a staff session going
    clock.advance(minutes=29)
    assert _signed_in(client)
    clock.advance(minutes=31)
    r = client.get("/cases")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert _signed_in(theirs)  # a certificant is not held to the idle limit
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="auth.session_expired").count() == 1


def test_every_session_ends_after_the_absolute_time(app, make, auth, client):
    clock.freeze(clock.now())
    auth.login(make.user("chair", "member"))
    for _ in range(23):  # active every half hour, never idle
        clock.advance(minutes=29)
        assert _signed_in(client)
    clock.advance(minutes=60)  # 12 h 7 min after signing in
    assert not _signed_in(client)


def test_the_account_page_lists_and_ends_ones_sessions(app, make, auth, client):
    user = make.user()
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD},
                headers={"User-Agent": "Laptop browser"})
    auth.login(user)
    page = client.get("/account/sessions").data.decode()
    assert "Laptop browser" in page and "(this session)" in page
    with app.app_context():
        laptop_id = db.session.query(UserSession).filter_by(user_agent="Laptop browser").one().id
    r = client.post("/account/sessions/end", data={"session": laptop_id}, follow_redirects=True)
    assert b"The session is ended." in r.data
    assert not _signed_in(laptop) and _signed_in(client)
    # another person's session cannot be named
    stranger = make.user()
    other = app.test_client()
    other.post("/login", data={"email": stranger.email, "password": PASSWORD})
    with app.app_context():
        theirs = db.session.query(UserSession).filter_by(user_id=stranger.id).one().id
    assert client.post("/account/sessions/end", data={"session": theirs}).status_code == 404
    assert _signed_in(other)


def test_ending_all_other_sessions(app, make, auth, client):
    user = make.user()
    others = [app.test_client() for _ in range(2)]
    for c in others:
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    auth.login(user)
    r = client.post("/account/sessions/end", data={"others": "1"}, follow_redirects=True)
    assert b"2 other session(s) ended." in r.data
    assert _signed_in(client) and not any(_signed_in(c) for c in others)


def test_an_administrator_signs_an_account_out_everywhere(app, make, auth, client):
    user = make.user("member")
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    auth.login(make.user("admin"))
    r = client.post(f"/admin/accounts/{user.id}/sessions/end", follow_redirects=True)
    assert b"Signed out everywhere: 1 session(s) ended." in r.data
    assert not _signed_in(theirs)
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="auth.sessions_ended").one()
        # a reason is free text: it sits in the part of the entry that can be redacted
        assert entry.personal["reason"] == "signed out by an administrator"


def test_a_password_reset_ends_every_session(app, make, client):
    user = make.user()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _signed_in(client)
    with app.test_request_context():
        token = make_token("reset", {"uid": user.id, "pw": fingerprint(
            db.session.get(User, user.id).password_hash)})
        reset_password(token, "a whole new passphrase")
        db.session.commit()
    assert not _signed_in(client)
