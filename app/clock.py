"""The application's clock: one place to read the time, so tests can set it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time, aware, in UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Return today's date in UTC."""
    return now().date()


def freeze(at: datetime | None) -> None:
    """Fix the clock at a moment (None lets it run again)."""
    global _frozen
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    _frozen = at


def advance(**delta: float) -> None:
    """Move a frozen clock forward."""
    if _frozen is None:
        raise RuntimeError("freeze the clock before advancing it")
    freeze(_frozen + timedelta(**delta))


def next_weekday(day: date) -> date:
    """Move a Saturday or Sunday to the following Monday."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def due_after(days: int, start: date | None = None) -> date:
    """The due date `days` calendar days after `start` (today by default), off the weekend."""
    return next_weekday((start or today()) + timedelta(days=days))


def zone(config=None) -> ZoneInfo:
    """The committee's time zone (config TIMEZONE; UTC when unset), from the current app's
    settings or the ones given (a page's filter passes its app's, sparing the lookup)."""
    return ZoneInfo((config if config is not None else current_app.config).get("TIMEZONE")
                    or "UTC")


def local_text(value: datetime | None, here: ZoneInfo | None = None) -> str:
    """A time for people to read, in the committee's time zone with the zone named:
    pages, mail, documents and letters all say a time the same way."""
    if not value:
        return ""
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=UTC)
    if here is None:
        here = zone()
    local = value.astimezone(here)
    name = "UTC" if here.key == "UTC" else f"{local.tzname()} ({here.key})"
    # "YYYY-MM-DD HH:MM", as strftime would write it, at a third of its cost (lists show
    # dozens of times)
    return f"{local.isoformat(' ', 'minutes')[:16]} {name}"
