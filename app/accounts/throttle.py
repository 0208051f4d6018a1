"""Throttling of sign-in and of the forms that send mail, kept where every worker sees it.

Counters live in `RATELIMIT_STORAGE_URI` (Redis in production, so every gunicorn worker
and host counts together; memory in development and tests). Moving windows make the
counts exact.

- Failed sign-ins (wrong password, wrong second-factor code) are limited per address
  (`LOGIN_LIMIT_PER_ADDRESS`) and per account from one address
  (`LOGIN_LIMIT_PER_ACCOUNT_ADDRESS`): past either, that address is refused (429).
- Across all addresses an account is never locked: past `LOGIN_SLOWDOWN` failures, every
  attempt on it waits first, twice as long each time, at most `LOGIN_DELAY_MAX_SECONDS`.
  The owner, from another address, still signs in with the right password.
- Forms that send mail (registration, password reset, a new verification link) are
  limited per address (`MAIL_LIMIT_PER_ADDRESS`) and per target email
  (`MAIL_LIMIT_PER_EMAIL`), whether or not the email has an account.
"""
from __future__ import annotations

import time

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

NAMESPACE = "ethics-throttle"
COUNTING = 1_000_000  # "limit" of the counters that only count (the slowdown)
DELAY_BASE_SECONDS = 0.5


class Throttle:
    """One app's counters, on the storage named by its settings."""

    def __init__(self, storage_uri: str):
        self.storage = storage_from_string(storage_uri)
        self.windows = MovingWindowRateLimiter(self.storage)

    def reset(self) -> None:
        self.storage.reset()


def init_throttle(app: Flask) -> None:
    app.extensions["throttle"] = Throttle(app.config["RATELIMIT_STORAGE_URI"])


def _throttle() -> Throttle:
    return current_app.extensions["throttle"]


def _limit(setting: str) -> RateLimitItem:
    item = parse(current_app.config[setting])
    item.namespace = NAMESPACE
    return item


def _counter(setting: str) -> RateLimitItem:
    """An item over the same window as `setting` that never refuses: it only counts."""
    item = _limit(setting)
    counter = type(item)(COUNTING, item.multiples, namespace=NAMESPACE)
    return counter


def client_address() -> str:
    return request.remote_addr or "unknown"


def _account(email: str) -> str:
    return (email or "").strip().lower()[:254]


# --- sign-in ---------------------------------------------------------------------------

def login_refused(email: str) -> bool:
    """Whether this address may not try this account (or any account) any more for now."""
    w, address = _throttle().windows, client_address()
    return not (w.test(_limit("LOGIN_LIMIT_PER_ADDRESS"), "login-address", address)
                and w.test(_limit("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"), "login-account-address",
                           _account(email), address))


def login_delay(email: str) -> float:
    """Seconds every attempt on this account waits now (0 until the slowdown starts)."""
    item = _limit("LOGIN_SLOWDOWN")
    stats = _throttle().windows.get_window_stats(_counter("LOGIN_SLOWDOWN"), "login-account",
                                                 _account(email))
    failures = COUNTING - stats.remaining
    if failures < item.amount:
        return 0.0
    cap = float(current_app.config["LOGIN_DELAY_MAX_SECONDS"])
    return min(cap, DELAY_BASE_SECONDS * 2 ** min(failures - item.amount, 32))


def wait_before_attempt(email: str) -> float:
    """Sleep for the account's current delay; return how long that was."""
    delay = login_delay(email)
    if delay:
        time.sleep(delay)
    return delay


def login_failed(email: str) -> None:
    """Count a failed attempt against the address, the account from it, and the account."""
    w, address, account = _throttle().windows, client_address(), _account(email)
    w.hit(_limit("LOGIN_LIMIT_PER_ADDRESS"), "login-address", address)
    w.hit(_limit("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"), "login-account-address", account, address)
    w.hit(_counter("LOGIN_SLOWDOWN"), "login-account", account)


# --- forms that send mail --------------------------------------------------------------

def mail_allowed(email: str) -> bool:
    """Count one mail-sending submission; False if the address or the target is over its limit.

    Both counters are tested before either is hit, so a refused submission uses nothing up.
    """
    w, address, target = _throttle().windows, client_address(), _account(email)
    per_address, per_email = _limit("MAIL_LIMIT_PER_ADDRESS"), _limit("MAIL_LIMIT_PER_EMAIL")
    if not (w.test(per_address, "mail-address", address)
            and w.test(per_email, "mail-email", target)):
        return False
    return w.hit(per_address, "mail-address", address) & w.hit(per_email, "mail-email", target)
