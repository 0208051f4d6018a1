"""Account rules: registration, verification, sign-in, passwords and roles."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from app import clock
from app.accounts import sessions
from app.accounts.models import Role, User, UserRole, UserSession
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.tokens import TokenError, fingerprint, make_token, read_token
from app.audit.services import record
from app.coi.services import link_respondent_account, recuse_new_member
from app.extensions import db
from app.notifications.services import queue_mail
from app.registry.services import link_by_verified_email
from app.representatives.services import link_account as link_representative
from app.urls import external_url


class AccountError(Exception):
    """A rule of the account system was not met; the message is for the user."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(func.lower(User.email) == normalize_email(email))
    ).scalar_one_or_none()


def _check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise AccountError(f"Use at least {minimum} characters.")


def create_user(email: str, name: str, password: str, *, verified: bool = False,
                roles: tuple[Role | str, ...] = (), actor: User | None = None) -> User:
    """Create an account (used by registration, create-admin and the demo data)."""
    _check_password_rules(password)
    if find_by_email(email):
        raise AccountError("An account with this email already exists.")
    return _add_user(email, name, hash_password(password), verified=verified, roles=roles,
                     actor=actor)


def _add_user(email: str, name: str, password_hash: str, *, verified: bool = False,
              roles: tuple[Role | str, ...] = (), actor: User | None = None) -> User:
    user = User(
        email=normalize_email(email),
        name=name.strip(),
        password_hash=password_hash,
        email_verified_at=clock.now() if verified else None,
    )
    user.roles = [UserRole(role=str(r)) for r in roles]
    db.session.add(user)
    db.session.flush()
    record("account.created", actor=actor or user, target=user, roles=sorted(user.role_names))
    return user


def register(email: str, name: str, password: str) -> None:
    """Register an account and email a verification link.

    If the address is taken, the owner is told by email instead, and the
    person registering sees the same screen, so registration never reveals
    which addresses hold accounts. Both ways do the same work: the password is
    checked and hashed, one audit entry is written and one mail is queued.
    """
    _check_password_rules(password)
    password_hash = hash_password(password)
    existing = find_by_email(email)
    if existing:
        queue_mail(existing.email, "accounts/already_registered",
                   "Someone tried to register with your address",
                   user=existing, reset_url=external_url("accounts.forgot_password"))
        record("account.register_duplicate", actor=existing, target=existing)
        return
    user = _add_user(email, name, password_hash)
    send_verification(user)


def send_verification(user: User) -> None:
    token = make_token("verify", {"uid": user.id, "email": fingerprint(user.email)})
    queue_mail(user.email, "accounts/verify", "Confirm your email address",
               user=user, url=external_url("accounts.verify_email", token=token),
               hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600)


def verify_email(token: str) -> User:
    """Mark the account's email as verified; link a registry record with the same email."""
    data = read_token("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or fingerprint(user.email) != data.get("email"):
        raise TokenError("This link is not valid.")
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        record("account.email_verified", actor=user, target=user)
        link_by_verified_email(user)
        link_respondent_account(user)
        link_representative(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the account if the password matches; audit success and failure alike."""
    user = find_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        record("auth.login_failed", actor=user, actor_label=normalize_email(email)[:254],
               target_type="users", target_id=user.id if user else None)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(user: User, **details) -> None:
    """Open a server-side session for `user` (the view then calls login_user)."""
    user.last_login_at = clock.now()
    session = sessions.start(user)
    record("auth.login", actor=user, target=user, session=session.id[:8], **details)


def second_factor_failed(user: User) -> None:
    record("auth.mfa_failed", actor=user, target=user)


def sign_out(user: User) -> None:
    """End the session this request runs in."""
    record("auth.logout", actor=user, target=user)
    current = db.session.get(UserSession, user.session_id) if user.session_id else None
    if current is not None:
        sessions.end(current, user)


def _set_password(user: User, password: str) -> None:
    _check_password_rules(password)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str) -> None:
    """Change the password; every other session of the account ends."""
    if not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not correct.")
    _set_password(user, new)
    sessions.end_all(user, user, "password changed", keep=user.session_id)
    record("account.password_changed", actor=user, target=user)
    queue_mail(user.email, "accounts/password_changed", "Your password was changed", user=user)


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists, else say by email that none does.

    The page says the same either way, and the work is the same: one token, one audit
    entry, one mail queued, so neither words nor timing tell which addresses have accounts.
    """
    user = find_by_email(email)
    if user is None or not user.active:
        make_token("reset", {"uid": 0, "pw": fingerprint(email)})
        queue_mail(normalize_email(email), "accounts/reset_no_account",
                   "Resetting your password", deactivated=user is not None,
                   register_url=external_url("accounts.register"))
        record("account.password_reset_requested", actor=user,
               actor_label=normalize_email(email)[:254], known=False)
        return
    token = make_token("reset", {"uid": user.id, "pw": fingerprint(user.password_hash)})
    queue_mail(user.email, "accounts/reset", "Reset your password", user=user,
               url=external_url("accounts.reset_password", token=token),
               minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60)
    record("account.password_reset_requested", actor=user, target=user)


def user_for_reset_token(token: str) -> User:
    data = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    # The token carries a fingerprint of the old hash: once used, it is dead.
    if user is None or not user.active or fingerprint(user.password_hash) != data.get("pw"):
        raise TokenError("This link is not valid or has already been used.")
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, password)
    sessions.end_all(user, user, "password reset")
    if user.email_verified_at is None:  # the link proved the address
        user.email_verified_at = clock.now()
    record("account.password_reset", actor=user, target=user)
    queue_mail(user.email, "accounts/password_changed", "Your password was changed", user=user)
    return user


def update_profile(user: User, name: str) -> None:
    if user.name != name.strip():
        record("account.profile_updated", actor=user, target=user,
               changes={"name": [user.name, name.strip()]})
        user.name = name.strip()


def set_roles(user: User, roles: set[str], actor: User) -> int:
    """Set an account's roles; return how many open cases it was recused from at once
    (a new committee member who is a party to them)."""
    valid = {r.value for r in Role}
    unknown = roles - valid
    if unknown:
        raise AccountError(f"Unknown role: {', '.join(sorted(unknown))}")
    before = user.role_names
    if before == roles:
        return 0
    user.roles = [r for r in user.roles if r.role in roles] + [
        UserRole(role=r) for r in sorted(roles - before)
    ]
    record("account.roles_changed", actor=actor, target=user,
           added=sorted(roles - before), removed=sorted(before - roles))
    db.session.flush()
    return recuse_new_member(user)  # a party to an open case is recused from it at once


def set_active(user: User, active: bool, actor: User) -> None:
    if user.active == active:
        return
    user.active = active
    if not active:
        sessions.end_all(user, actor, "account deactivated")
    record("account.activated" if active else "account.deactivated", actor=actor, target=user)
