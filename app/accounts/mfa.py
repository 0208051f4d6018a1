"""The second factor: TOTP codes from an authenticator app, and single-use recovery codes.

Roles named in `MFA_REQUIRED_ROLES` must enrol before they reach anything; anyone else
may. A TOTP code is accepted once (the last accepted time step is kept), within one step
of the clock either way. Recovery codes are shown once and kept only as SHA-256 digests
(they are random, 50 bits each, so a slow hash adds nothing).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from app import clock
from app.accounts import sessions
from app.accounts.models import RecoveryCode, User
from app.audit.services import record
from app.extensions import db

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
STEP_SLACK = 1  # accept the code of the step before and after, for clocks that drift


class MfaError(Exception):
    """The code was not accepted; the message is for the user."""


def required_roles() -> set[str]:
    return {r.strip() for r in current_app.config["MFA_REQUIRED_ROLES"].split(",") if r.strip()}


def is_required(user: User) -> bool:
    return bool(user.role_names & required_roles())


def is_enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None and user.totp_secret is not None


def must_enrol(user: User) -> bool:
    return is_required(user) and not is_enrolled(user)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email,
                                               issuer_name=current_app.config["BODY_NAME"])


def qr_code(uri: str) -> str:
    """A QR code of the provisioning address, as a PNG `data:` address."""
    return segno.make(uri, error="m").png_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(int(clock.now().timestamp()))
    for step in range(now_step - STEP_SLACK, now_step + STEP_SLACK + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _digest(code: str) -> str:
    plain = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(plain.encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    db.session.flush()
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn TOTP on once the app proves it holds the secret; return new recovery codes."""
    step = _matching_step(secret, code)
    if step is None:
        raise MfaError("That code is not the one your app shows now. Check the app's clock "
                       "and try the next code.")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, clock.now(), step
    record("account.mfa_enabled", actor=user, target=user)
    return _new_recovery_codes(user)


def check_code(user: User, code: str) -> str:
    """Accept a TOTP code (once) or an unused recovery code; return which it was."""
    if not is_enrolled(user):
        raise MfaError("This account has no second factor.")
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            raise MfaError("That code has been used already. Wait for the next one.")
        user.totp_last_step = step
        return "totp"
    row = db.session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                   RecoveryCode.code_hash == _digest(code),
                                   RecoveryCode.used_at.is_(None))).scalar_one_or_none()
    if row is None:
        raise MfaError("That code is not right. Enter the 6-digit code your app shows, "
                       "or one of your recovery codes.")
    row.used_at = clock.now()
    record("account.recovery_code_used", actor=user, target=user, left=recovery_codes_left(user))
    return "recovery code"


def recovery_codes_left(user: User) -> int:
    return len(db.session.execute(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                      RecoveryCode.used_at.is_(None))).all())


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code."""
    check_code(user, code)
    record("account.recovery_codes_renewed", actor=user, target=user)
    return _new_recovery_codes(user)


def _clear(user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, code: str) -> None:
    """Turn one's own second factor off, where one's roles do not require it."""
    if is_required(user):
        raise MfaError("Your role requires a second factor; it cannot be turned off.")
    check_code(user, code)
    _clear(user)
    record("account.mfa_disabled", actor=user, target=user)


def reset(user: User, actor: User) -> None:
    """An administrator removes a member's second factor (a lost phone): every session
    ends, and the member enrols again at the next sign-in if their role requires it."""
    _clear(user)
    sessions.end_all(user, actor, "second factor reset")
    record("account.mfa_reset", actor=actor, target=user)
