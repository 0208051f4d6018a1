"""The application's clock: one place to read the time, so tests can set it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
