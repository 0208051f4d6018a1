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


def zone() -> ZoneInfo:
    """The committee's time zone (config TIMEZONE; UTC when unset)."""
    return ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")


def local_text(value: datetime | None) -> str:
    """A time for people to read, in the committee's time zone with the zone named:
    pages, mail, documents and letters all say a time the same way."""
    if not value:
        return ""
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=UTC)
    here = zone()
    local = value.astimezone(here)
    name = "UTC" if here.key == "UTC" else f"{local.tzname()} ({here.key})"
    return f"{local:%Y-%m-%d %H:%M} {name}"
