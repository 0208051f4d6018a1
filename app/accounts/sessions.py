"""Server-side sessions: one row per sign-in, checked on every request, revoked on demand.

The signed cookie carries only the row's random id (as Flask-Login's user id). A request
whose row is revoked, or has outlived its time, is anonymous. Staff sessions also end
after `SESSION_IDLE_MINUTES` without a request; every session ends `SESSION_MAX_HOURS`
after sign-in.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from flask import current_app, request
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app import clock
from app.accounts.models import User, UserSession
from app.audit.services import record
from app.extensions import db

# last_seen_at is written at most this often, so a page of requests is not a page of writes
TOUCH_EVERY = timedelta(seconds=60)


def start(user: User) -> UserSession:
    """Open a session for a user who has just proved who they are."""
    session = UserSession(user_id=user.id, ip=(request.remote_addr or "")[:45] or None,
                          user_agent=(request.user_agent.string or "")[:300] or None)
    db.session.add(session)
    db.session.flush()
    user.session_id = session.id
    return session


def ends_at(session: UserSession, user: User) -> datetime:
    """When the session ends if nothing revokes it (the idle limit counts for staff only)."""
    cfg = current_app.config
    end = session.created_at + timedelta(hours=cfg["SESSION_MAX_HOURS"])
    if user.is_staff:
        end = min(end, session.last_seen_at + timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]))
    return end


@cache
def _with_user() -> tuple:
    """Loader options: the person and their roles, in the session's statement. (Built once,
    at the first request: building them configures the mappers; rebuilding them on every
    request cost more than the rest of this function.)"""
    return (joinedload(UserSession.user).joinedload(User.roles),)


def resume(session_id: str) -> User | None:
    """The user of a live session (its last-seen time refreshed), or None.

    Called at the start of a request, before any view has changed anything, so the
    refresh and an expiry are committed at once.
    """
    # the person and their roles in the same statement: every signed-in page asks both
    session = db.session.get(UserSession, session_id,
                             options=_with_user()) if session_id else None
    if session is None or session.revoked_at is not None:
        return None
    user = session.user
    now = clock.now()
    if not user.active:
        return None
    if now >= ends_at(session, user):
        session.revoked_at = now
        record("auth.session_expired", actor=user, target=user, session=session.id[:8])
        db.session.commit()
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
        db.session.commit()
    user.session_id = session.id
    return user


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that have not been revoked and have not run out, newest first."""
    now = clock.now()
    rows = db.session.execute(
        select(UserSession).where(UserSession.user_id == user.id,
                                  UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc())).scalars().all()
    return [s for s in rows if now < ends_at(s, user)]


def end(session: UserSession, actor: User) -> None:
    """Revoke one session."""
    if session.revoked_at is None:
        session.revoked_at = clock.now()
        record("auth.session_ended", actor=actor, target=session.user, session=session.id[:8])


def end_all(user: User, actor: User | None, reason: str, keep: str | None = None) -> int:
    """Revoke every session of `user` (but `keep`); return how many were live."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.revoked_at.is_(None))
    if keep:
        query = query.where(UserSession.id != keep)
    ended = db.session.execute(query.values(revoked_at=clock.now())).rowcount
    if ended:
        record("auth.sessions_ended", actor=actor, target=user, reason=reason, count=ended)
    return ended
