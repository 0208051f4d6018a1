"""Accounts: registration, verification, sign-in, throttling, passwords, sessions, roles."""
from __future__ import annotations

import re

import pytest
from conftest import PASSWORD

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db


@pytest.fixture
def inline_mail(app, smtp):
    """Deliver queued mail right after each request commits, as in development."""
    app.config["MAIL_DELIVER_AFTER_COMMIT"] = True
    yield smtp
    app.config["MAIL_DELIVER_AFTER_COMMIT"] = False


def link_in(mailbox, address: str, path: str) -> str:
    text = mailbox.text_of(mailbox.to(address)[-1])
    match = re.search(rf"http://localhost(/{path}/\S+)", text)
    assert match, text
    return match.group(1)


def audit_actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]


def test_register_verify_and_sign_in(client, inline_mail, app):
    r = client.post("/register", data={"name": "Nora New", "email": "Nora@Example.com",
                                       "password": PASSWORD, "confirm": PASSWORD})
    assert b"Check your email" in r.data
    # Not verified yet: sign-in is refused with a new link, not a session.
    r = client.post("/login", data={"email": "nora@example.com", "password": PASSWORD},
                    follow_redirects=True)
    assert b"Confirm your email address first" in r.data
    assert client.get("/").status_code == 302
    path = link_in(inline_mail, "nora@example.com", "verify-email")
    r = client.get(path, follow_redirects=True)
    assert b"Your email address is confirmed" in r.data
    r = client.post("/login", data={"email": "nora@example.com", "password": PASSWORD},
                    follow_redirects=True)
    assert b"My matters" in r.data
    assert {"account.created", "account.email_verified", "auth.login"} <= set(audit_actions(app))


def test_verification_link_tampered_or_expired(client, make, app, ctx):
    from app import clock
    from app.accounts.tokens import fingerprint, make_token

    user = make.user(verified=False, email="late@example.com")
    token = make_token("verify", {"uid": user.id, "email": fingerprint(user.email)})
    r = client.get(f"/verify-email/{token[:-3]}xyz")
    assert r.status_code == 400 and b"not valid" in r.data
    clock.freeze(None)
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1  # every token is already too old
    try:
        r = client.get(f"/verify-email/{token}")
    finally:
        app.config["EMAIL_TOKEN_MAX_AGE"] = 60 * 60 * 48
    assert r.status_code == 400 and b"expired" in r.data


def test_registration_does_not_reveal_existing_accounts(client, make, inline_mail):
    make.user(email="taken@example.com", name="Tess Taken")
    r = client.post("/register", data={"name": "Imposter", "email": "taken@example.com",
                                       "password": PASSWORD, "confirm": PASSWORD})
    assert b"Check your email" in r.data  # the same screen as a new address
    [mail] = inline_mail.to("taken@example.com")
    assert "tried to register" in mail["Subject"]


def test_registration_form_errors_stay_next_to_fields(client):
    r = client.post("/register", data={"name": "Short", "email": "not-an-email",
                                       "password": "short", "confirm": "other"})
    html = r.data.decode()
    assert 'id="email-error"' in html and 'aria-describedby="email-hint email-error"' not in html
    assert 'aria-describedby="email-error"' in html
    assert "The passwords differ." in html
    assert 'value="Short"' in html  # what was typed is kept


def test_password_minimum_length(client):
    r = client.post("/register", data={"name": "A", "email": "a@example.com",
                                       "password": "elevenchars", "confirm": "elevenchars"})
    assert b"Use at least 12 characters." in r.data


def test_same_error_for_unknown_email_and_wrong_password(client, make, auth, app):
    make.user(email="real@example.com")
    wrong = auth.login("real@example.com", "wrong password!!")
    unknown = auth.login("nobody@example.com", "wrong password!!")
    assert wrong.status_code == unknown.status_code == 401
    for r in (wrong, unknown):
        assert b"That email and password do not match an account." in r.data
    assert audit_actions(app).count("auth.login_failed") == 2


def test_failed_logins_are_throttled_per_account_from_one_address(client, make, auth, app,
                                                                   monkeypatch):
    make.user(email="victim@example.com")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "3 per minute")
    for _ in range(3):
        assert auth.login("victim@example.com", "wrong password!!").status_code == 401
    # from this address even the right password is refused while the limit holds
    r = auth.login("victim@example.com", PASSWORD)
    assert r.status_code == 429 and b"Too many" in r.data
    # another account from the same address is not affected
    make.user(email="other@example.com")
    assert b"My matters" in auth.login("other@example.com", PASSWORD).data
    # nor is the owner at another address
    elsewhere = app.test_client().post(
        "/login", data={"email": "victim@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 302


def test_failed_logins_are_throttled_per_address(client, make, auth, app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per minute"
    try:
        for n in range(4):
            assert auth.login(f"guess{n}@example.com", "wrong password!!").status_code == 401
        assert auth.login("guess9@example.com", "wrong password!!").status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = "10000 per minute"


@pytest.mark.parametrize("target,lands_on", [
    ("/account", "/account"),
    ("https://evil.example.com/phish", "/"),
    ("//evil.example.com/phish", "/"),
    ("/\\evil.example.com", "/"),
])
def test_next_redirects_only_to_local_paths(client, make, target, lands_on):
    user = make.user()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert r.status_code == 302
    assert r.headers["Location"] == lands_on


def test_sign_in_starts_a_fresh_session(client, make, auth):
    user = make.user()
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
    auth.login(user)
    with client.session_transaction() as s:
        assert "planted" not in s


def test_changing_password_ends_other_sessions(app, make, auth, client):
    user = make.user()
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other.get("/").status_code == 200
    auth.login(user)
    new = "a brand new passphrase"
    r = client.post("/account/password", data={"current": PASSWORD, "password": new,
                                               "confirm": new}, follow_redirects=True)
    assert b"Other sessions have been signed out" in r.data
    assert client.get("/").status_code == 200  # this session carries on
    assert other.get("/").status_code == 302  # the other one is over
    assert b"My matters" in app.test_client().post(
        "/login", data={"email": user.email, "password": new}, follow_redirects=True).data


def test_change_password_requires_current_one(make, auth, client):
    auth.login(make.user())
    r = client.post("/account/password", data={"current": "not my password",
                                               "password": "x" * 14, "confirm": "x" * 14})
    assert b"Your current password is not correct." in r.data


def test_password_reset_by_email_is_single_use(client, make, smtp, app, runner):
    make.user(email="forgetful@example.com")
    r = client.post("/forgot-password", data={"email": "forgetful@example.com"})
    assert b"If an account uses" in r.data
    # unknown addresses get the same page, and a mail saying there is no account
    r2 = client.post("/forgot-password", data={"email": "ghost@example.com"})
    assert b"If an account uses" in r2.data
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    [ghost] = smtp.to("ghost@example.com")
    assert "No account uses this address" in smtp.text_of(ghost)
    path = link_in(smtp, "forgetful@example.com", "reset-password")
    new = "remembered at last!"
    r = client.post(path, data={"password": new, "confirm": new}, follow_redirects=True)
    assert b"Your password is set" in r.data
    again = client.get(path)
    assert again.status_code == 400 and b"already been used" in again.data
    assert b"My matters" in client.post("/login", data={"email": "forgetful@example.com",
                                                         "password": new},
                                        follow_redirects=True).data


def test_deactivating_an_account_ends_its_sessions(app, make, auth, client):
    admin = make.user("admin")
    user = make.user()
    theirs = app.test_client()
    theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    assert theirs.get("/").status_code == 200
    auth.login(admin)
    r = client.post(f"/admin/accounts/{user.id}/active", data={"active": "0"},
                    follow_redirects=True)
    assert b"Account deactivated" in r.data
    assert theirs.get("/").status_code == 302
    r = theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    assert b"deactivated" in r.data


def test_admin_grants_and_removes_roles(app, make, auth, client):
    admin = make.user("admin")
    user = make.user()
    auth.login(admin)
    r = client.post(f"/admin/accounts/{user.id}", data={"member": "y", "chair": "y",
                                                        "seen": ""}, follow_redirects=True)
    assert b"Roles saved." in r.data
    with app.app_context():
        assert db.session.get(User, user.id).role_names == {"member", "chair"}
        entry = db.session.query(AuditEntry).filter_by(action="account.roles_changed").one()
        assert entry.details["added"] == ["chair", "member"]
    # a form loaded before that change is stale and is refused
    r = client.post(f"/admin/accounts/{user.id}", data={"admin": "y", "seen": ""},
                    follow_redirects=True)
    assert b"Someone else changed this account" in r.data
    with app.app_context():
        assert db.session.get(User, user.id).role_names == {"member", "chair"}


def test_admin_cannot_change_own_roles(make, auth, client):
    admin = make.user("admin")
    auth.login(admin)
    r = client.post(f"/admin/accounts/{admin.id}", data={"seen": "admin"})
    assert r.status_code == 403


def test_profile_edit(make, auth, client, app):
    user = make.user(name="Old Name")
    auth.login(user)
    r = client.post("/account", data={"name": "New Name"}, follow_redirects=True)
    assert b"Your profile is saved." in r.data and b"New Name" in r.data


def test_create_admin_command(runner, app, auth, client):
    result = runner.invoke(args=["create-admin", "--email", "boss@example.com", "--name",
                                 "Boss", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert b"Administration" in auth.login("boss@example.com").data
    again = runner.invoke(args=["create-admin", "--email", "boss@example.com", "--name",
                                "Boss", "--password", PASSWORD])
    assert again.exit_code != 0 and "already exists" in again.output


def test_csrf_is_required_on_forms(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        r = c.post("/login", data={"email": "a@example.com", "password": "whatever123"})
        assert r.status_code == 400 and b"Form expired" in r.data
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers(client):
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_login_page_is_accessible(client):
    html = client.get("/login").data.decode()
    assert 'href="#main"' in html and "Skip to main content" in html
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert "cdn" not in html.lower()
