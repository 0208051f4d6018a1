"""The second factor: enrolment with a QR code and the key as text, sign-in with TOTP codes
computed from that key, single-use recovery codes, no replays, an administrator's reset."""
from __future__ import annotations

import re

import pyotp
import pytest
from conftest import PASSWORD

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db


@pytest.fixture
def staff_mfa(app, monkeypatch):
    """Production's rule: administrators, chairs and members must use a second factor."""
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", "admin,chair,member")
    clock.freeze(clock.now().replace(second=10, microsecond=0))


def code_at(secret: str, steps_later: int = 0) -> str:
    clock.advance(seconds=30 * steps_later)
    return pyotp.TOTP(secret).at(int(clock.now().timestamp()))


def enrol(client) -> tuple[str, list[str]]:
    """Set up TOTP from the setup page, as a person with a phone would."""
    page = client.get("/account/two-factor/setup").data.decode()
    assert 'src="data:image/png;base64,' in page  # the QR code
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    r = client.post("/account/two-factor/setup", data={"code": code_at(secret)})
    assert b"Your second factor is on" in r.data
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", r.data.decode())
    assert len(codes) == 10
    return secret, codes


def password_step(client, user, **extra):
    return client.post("/login", data={"email": user.email, "password": PASSWORD}, **extra)


def actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]


def test_staff_enrol_before_reaching_anything_then_sign_in_with_a_code(app, make, client,
                                                                       staff_mfa):
    member = make.user("member")
    r = password_step(client, member)
    assert r.headers["Location"] == "/"
    for url in ("/", "/cases", "/account", "/registry/"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"] == "/account/two-factor/setup", url
    # a wrong code is refused next to the field, the page still shows the key
    r = client.post("/account/two-factor/setup", data={"code": "000000"})
    assert b"not the one your app shows" in r.data and b'id="totp-secret"' in r.data
    secret, _ = enrol(client)
    assert client.get("/cases").status_code == 200
    client.post("/logout")

    # signing in now takes the password, then a code
    r = password_step(client, member)
    assert r.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # not signed in yet
    r = client.post("/login/code", data={"code": code_at(secret, steps_later=1)})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert client.get("/cases").status_code == 200
    assert {"account.mfa_enabled", "auth.login"} <= set(actions(app))


def test_a_code_is_accepted_once(app, make, client, staff_mfa):
    member = make.user("member")
    password_step(client, member)
    secret, _ = enrol(client)
    client.post("/logout")
    code = code_at(secret, steps_later=1)
    password_step(client, member)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    password_step(client, member)  # a replay, within the same 30 seconds
    r = client.post("/login/code", data={"code": code})
    assert r.status_code == 401 and b"used already" in r.data
    assert client.get("/").status_code == 302
    assert client.post("/login/code", data={"code": code_at(secret, 1)}).status_code == 302
    assert "auth.mfa_failed" in actions(app)


def test_a_recovery_code_works_once(app, make, client, staff_mfa):
    chair = make.user("chair", "member")
    password_step(client, chair)
    _, codes = enrol(client)
    client.post("/logout")
    password_step(client, chair)
    r = client.post("/login/code", data={"code": codes[3].upper()})
    assert r.status_code == 302 and client.get("/").status_code == 200
    client.post("/logout")
    password_step(client, chair)
    r = client.post("/login/code", data={"code": codes[3]})
    assert r.status_code == 401 and b"not right" in r.data
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(
            action="account.recovery_code_used").one()
        assert entry.details["left"] == 9


def test_the_code_step_needs_a_recent_password(app, make, client, staff_mfa):
    member = make.user("member")
    password_step(client, member)
    secret, _ = enrol(client)
    client.post("/logout")
    # no password proved: no code is asked
    assert client.get("/login/code").headers["Location"] == "/login"
    password_step(client, member)
    clock.advance(minutes=6)
    r = client.post("/login/code", data={"code": code_at(secret)})
    assert r.headers["Location"] == "/login" and client.get("/").status_code == 302


def test_wrong_codes_are_throttled(app, make, client, staff_mfa, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "3 per minute")
    member = make.user("member")
    password_step(client, member)
    secret, _ = enrol(client)
    client.post("/logout")
    password_step(client, member)
    for _ in range(3):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 401
    r = client.post("/login/code", data={"code": code_at(secret, 1)})
    assert r.status_code == 429 and b"Too many" in r.data


def test_an_administrator_resets_a_members_second_factor(app, make, client, staff_mfa,
                                                          monkeypatch):
    member = make.user("member")
    theirs = app.test_client()
    password_step(theirs, member)
    enrol(theirs)
    assert theirs.get("/cases").status_code == 200
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", "member")  # the admin uses none here
    admin = make.user("admin")
    password_step(client, admin)
    page = client.get(f"/admin/accounts/{member.id}").data.decode()
    assert "Reset second factor" in page
    r = client.post(f"/admin/accounts/{member.id}/two-factor/reset", follow_redirects=True)
    assert b"Second factor removed" in r.data
    assert theirs.get("/cases").status_code == 302  # signed out
    with app.app_context():
        assert db.session.get(User, member.id).totp_secret is None
        entry = db.session.query(AuditEntry).filter_by(action="account.mfa_reset").one()
        assert entry.actor_id == admin.id and entry.target_id == str(member.id)
    # the member signs in with the password and must set a second factor up again
    assert password_step(theirs, member).headers["Location"] == "/"
    assert theirs.get("/cases").headers["Location"] == "/account/two-factor/setup"
    # an administrator cannot reset their own
    assert client.post(f"/admin/accounts/{admin.id}/two-factor/reset").status_code == 403


def test_a_certificant_may_opt_in_and_out(app, make, client, staff_mfa):
    user = make.user()
    password_step(client, user)
    assert client.get("/").status_code == 200  # not required of a certificant
    secret, _ = enrol(client)
    client.post("/logout")
    assert password_step(client, user).headers["Location"] == "/login/code"
    client.post("/login/code", data={"code": code_at(secret, 1)})
    r = client.post("/account/two-factor/disable", data={"code": code_at(secret, 1)},
                    follow_redirects=True)
    assert b"Your second factor is off" in r.data
    client.post("/logout")
    assert password_step(client, user).headers["Location"] == "/"


def test_staff_cannot_turn_a_required_second_factor_off(app, make, client, staff_mfa):
    member = make.user("member")
    password_step(client, member)
    secret, _ = enrol(client)
    r = client.post("/account/two-factor/disable", data={"code": code_at(secret, 1)})
    assert r.status_code == 400 and b"requires a second factor" in r.data
