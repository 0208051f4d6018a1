"""A member's personal calendar feed (.ics): their hearings and deadlines, by secret link.

The link carries a random token; only its SHA-256 is stored, so the database cannot
give it back: a member who lost it makes a new one, which revokes the old. The feed is
built over `cleared_cases` (a recused case never appears) and is bounded.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from icalendar import Calendar, Event
from sqlalchemy import exists, select

from app import clock
from app.access import cleared_cases
from app.accounts.models import User
from app.audit.services import record
from app.cases.models import Case, Deadline
from app.extensions import db
from app.office.models import CalendarFeed
from app.proceedings.models import Assignment, Capacity, Hearing
from app.urls import external_url

LIMIT = 200
HEARING_HOURS = 2
DEADLINE_TITLES = {"response": "Respondent's answer due", "information": "Information due",
                   "appeal": "Appeal period ends", "documents": "Documents due"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user) -> CalendarFeed | None:
    return db.session.execute(select(CalendarFeed).where(
        CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))).scalar_one_or_none()


def revoke(user) -> bool:
    """Revoke the member's link, if any (audited). Returns whether there was one."""
    feed = active_feed(user)
    if feed is None:
        return False
    feed.revoked_at = clock.now()
    record("calendar.link_revoked", actor=user, target=feed)
    return True


def new_link(user) -> str:
    """Make a new secret link (revoking the old one); return the token, shown once."""
    revoke(user)
    db.session.flush()
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=_digest(token), created_at=clock.now())
    db.session.add(feed)
    db.session.flush()
    record("calendar.link_created", actor=user, target=feed)
    return token


def owner_of(token: str) -> User | None:
    """The active account whose open link this is (None: unknown or revoked)."""
    return db.session.execute(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == _digest(token), CalendarFeed.revoked_at.is_(None),
               User.active.is_(True))).scalar_one_or_none()


def ics_for(user) -> bytes:
    """The member's hearings (on a panel) and the deadlines of the cases they serve on."""
    cleared = cleared_cases(user).with_only_columns(Case.id).correlate(None)
    serves = exists().where(Assignment.case_id == Case.id, Assignment.member_id == user.id)
    on_panel = exists().where(Assignment.case_id == Case.id, Assignment.member_id == user.id,
                              Assignment.capacity.in_([Capacity.HEARING_PANEL,
                                                       Capacity.APPEAL_PANEL]))
    hearings = db.session.execute(
        select(Hearing.id, Case.number, Hearing.starts_at, Hearing.place, Hearing.scheduled_at)
        .join(Case, Hearing.case_id == Case.id)
        .where(Case.id.in_(cleared), on_panel, Hearing.status == "scheduled")
        .order_by(Hearing.starts_at).limit(LIMIT)).all()
    deadlines = db.session.execute(
        select(Deadline.id, Case.number, Deadline.kind, Deadline.due_on, Deadline.set_at)
        .join(Case, Deadline.case_id == Case.id)
        .where(Case.id.in_(cleared), serves, Deadline.status == "open")
        .order_by(Deadline.due_on).limit(LIMIT)).all()
    cal = Calendar()
    cal.add("prodid", "-//ethics-tracker//member calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Ethics committee: my hearings and deadlines")
    for hid, number, starts, place, stamped in hearings:
        event = Event()
        event.add("uid", f"hearing-{hid}@ethics-tracker")
        event.add("dtstamp", stamped)
        event.add("dtstart", starts)
        event.add("dtend", starts + timedelta(hours=HEARING_HOURS))
        event.add("summary", f"Hearing in case {number}")
        if place:
            event.add("location", place)
        event.add("description", external_url("proceedings.detail", number=number))
        cal.add_component(event)
    for did, number, kind, due_on, stamped in deadlines:
        event = Event()
        event.add("uid", f"deadline-{did}@ethics-tracker")
        event.add("dtstamp", stamped)
        event.add("dtstart", due_on)
        event.add("summary", f"{DEADLINE_TITLES.get(kind, kind.capitalize())}: case {number}")
        event.add("description", external_url("proceedings.detail", number=number))
        cal.add_component(event)
    return cal.to_ical()
