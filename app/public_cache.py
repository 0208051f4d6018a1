"""The public pages' cache: the register, its JSON, and the facts /verify/<number> shows.

What the pages show (plain data, never a rendered page: a page carries the reader's
session and form token) is kept in Flask-Caching (Redis with REDIS_URL, so every worker
shares it; in-process otherwise) under a key that includes the current *public version*.
Invalidation is one write: a commit that changed a decision, a sanction, a document or a
registry record (what the register and verification read) sets a new version, and every
older entry is simply never asked for again (and expires). The listener works by table
name, so this shared module knows no feature's models; it catches every path that makes
a sanction final or issues or supersedes a document, now and later.

The version's time is the pages' Last-Modified, and (with the query) their ETag: a
browser or proxy revalidates with If-None-Match / If-Modified-Since and gets a 304.
"""
from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import cache

VERSION_KEY = "public:version"
# Tables whose changes can change a public page.
PUBLIC_TABLES = frozenset({"decisions", "sanctions", "documents", "certificants", "findings"})
_FLAG = "public_pages_changed"


def version() -> str:
    """The current public version: nanoseconds since the epoch of the last change."""
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, str(time.time_ns()), timeout=0)  # first one wins
        current = cache.get(VERSION_KEY) or str(time.time_ns())
    return current


def invalidate() -> None:
    """Forget every cached public page (a new version; old keys are never read again)."""
    cache.set(VERSION_KEY, str(time.time_ns()), timeout=0)


def cached(kind: str, params: tuple, compute):
    """The value for (kind, params) at the current version, computed once per version."""
    key = _key(kind, params)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value


# What a session may hold and still be nobody's in particular: a form token, and the flag
# Flask-Login sets for an anonymous visitor who comes back.
IMPERSONAL_SESSION = frozenset({"csrf_token", "_fresh"})


def shared_page(kind: str, params: tuple, render) -> str:
    """A rendered public page, shared by every anonymous reader.

    Rendered pages are kept only when nothing personal can be in them: nobody signed in,
    nothing in the session but a form token (IMPERSONAL_SESSION: no flashed message, no
    account), rendering left the session untouched and wrote no form token into the page
    (Flask-WTF keeps the token it hands out for the request in `g`). Anyone else gets a
    fresh render (of cached data).
    """
    if current_user.is_authenticated or not IMPERSONAL_SESSION.issuperset(session):
        return render()
    key = _key(f"{kind}-html", params)
    html = cache.get(key)
    if html is None:
        html = render()
        if (not session.modified and IMPERSONAL_SESSION.issuperset(session)
                and "csrf_token" not in g):
            cache.set(key, html)
    return html


# Where a shared page's form token goes; replaced by the reader's own token on every request.
CSRF_SLOT = "csrf-token-of-this-reader"


def shared_form_page(kind: str, params: tuple, render) -> str:
    """A shared public page with a form: rendered (and kept) with a slot where the form's
    CSRF token goes, `render(slot)`, and the slot filled with this reader's token on every
    request, so the page is rendered once for everyone and every form still carries a
    token of its own reader's session."""
    return shared_page(kind, params, lambda: render(CSRF_SLOT)).replace(CSRF_SLOT,
                                                                        generate_csrf())


def _key(kind: str, params: tuple) -> str:
    return f"public:{kind}:{version()}:" + hashlib.sha256(repr(params).encode()).hexdigest()[:32]


def conditional(response: Response, *params) -> Response:
    """ETag and Last-Modified from the public version (and what varies the page), with a
    304 when the reader's copy is current. Only for anonymous readers: a signed-in page
    carries their name and is never stored (Cache-Control: no-store)."""
    if current_user.is_authenticated:
        return response
    current = version()
    response.set_etag(hashlib.sha256(repr((current, request.path, params)).encode())
                      .hexdigest()[:32])
    response.last_modified = datetime.fromtimestamp(int(current) / 1e9, UTC)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PUBLIC_MAX_AGE"]
    response.vary.add("Cookie")  # a shared cache must not hand this to someone signed in
    return response.make_conditional(request)


@event.listens_for(Session, "before_flush")
def _note_public_changes(session, flush_context, instances):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) in PUBLIC_TABLES:
            session.info[_FLAG] = True
            return


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session):
    if session.info.pop(_FLAG, False):
        try:
            invalidate()
        except Exception:  # a cache outage never fails a commit; entries expire anyway
            current_app.logger.exception("could not invalidate the public pages' cache")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_FLAG, None)


def init_app(app: Flask) -> None:
    """Nothing to bind yet: the listeners are global; kept so create_app reads as a list."""
    app.extensions["public_cache"] = True
