"""Argon2id password hashing with the cost set in config."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# A real hash of a random password: checking unknown emails against it costs
# as much as checking a real account, so timing does not reveal accounts.
_DUMMY = None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same effort and fail."""
    global _DUMMY
    hasher = _hasher()
    if password_hash is None:
        if _DUMMY is None:
            _DUMMY = hasher.hash("not-a-real-password-000")
        password_hash = _DUMMY
        password = password + "\x00"
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
