"""The wording of letters: sandboxed rendering, versions, a second administrator's approval.

An administrator writes a letter's text in Jinja's sandboxed environment. It sees only
the documented merge fields, turned into plain values first (strings, numbers, lists,
mappings): no ORM object, no Python object, so nothing to climb out through. A change is
proposed, and takes effect only once another administrator approves it; the latest
approved version is the one used. Every use records the version. Services flush, never
commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from sqlalchemy import func, select

from app import clock
from app.audit.services import record
from app.extensions import db
from app.letters.models import LetterVersion

MAX_BODY = 20_000


class LetterError(Exception):
    """A letter rule was not met, or its text does not render; the message is for the user."""


@dataclass(frozen=True)
class Letter:
    """A letter the office may word: its key, title, whom it goes to, its merge fields."""

    key: str
    title: str
    kind: str  # email, document
    audiences: tuple[str, ...]
    fields: dict[str, str]  # name -> what it holds (the documented merge fields)
    builtin: str  # the built-in wording, shown as the starting point


# The sandbox: autoescaped (values cannot inject markup), strict about unknown names.
_ENV = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
_TEXT_ENV = ImmutableSandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


def plain(value):
    """A merge value as plain data: strings, numbers, booleans, lists and mappings only."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return clock.local_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return str(value)


def render_text(source: str, fields: dict, *, html: bool) -> str:
    """Render a letter's text with only the given fields; raise LetterError on any failure.

    Refused: unknown names, attribute tricks the sandbox forbids (``__class__``,
    ``mro``, ``__globals__``…), and any other template error.
    """
    env = _ENV if html else _TEXT_ENV
    try:
        template = env.from_string(source)
        out = template.render(**plain(fields))
    except TemplateError as error:  # SecurityError and UndefinedError are TemplateErrors
        raise LetterError(f"The text does not render: {error}") from error
    except Exception as error:  # a filter fed the wrong kind of value, a bad format…
        raise LetterError(f"The text does not render: {type(error).__name__}: {error}") from error
    return str(Markup(out)) if html else out


def check_syntax(source: str) -> None:
    try:
        _ENV.parse(source)
    except TemplateError as error:
        raise LetterError(f"The text is not a valid template: {error}") from error


# --- versions -----------------------------------------------------------------------

def versions(key: str) -> list[LetterVersion]:
    return list(db.session.execute(select(LetterVersion).where(LetterVersion.key == key)
                                   .order_by(LetterVersion.version.desc())).scalars())


def in_force(key: str) -> LetterVersion | None:
    """The latest approved version of a letter, or None (the built-in wording applies)."""
    return db.session.execute(
        select(LetterVersion).where(LetterVersion.key == key, LetterVersion.status == "approved")
        .order_by(LetterVersion.version.desc()).limit(1)).scalar_one_or_none()


def propose(letter: Letter, body: str, actor, note: str = "", *, sample: dict | None = None
            ) -> LetterVersion:
    """Record a new wording, waiting for a second administrator. It must render against the
    sample fields (a demo case's): a text that fails never reaches approval."""
    body = body.strip()
    if not body:
        raise LetterError("Write the text of the letter.")
    if len(body) > MAX_BODY:
        raise LetterError(f"The text is longer than {MAX_BODY} characters.")
    check_syntax(body)
    if sample is not None:
        render_text(body, sample, html=letter.kind == "document")
    last = db.session.execute(select(func.max(LetterVersion.version))
                              .where(LetterVersion.key == letter.key)).scalar() or 0
    version = LetterVersion(key=letter.key, version=last + 1, body=body, note=note.strip()[:300],
                            status="proposed", proposed_by_id=actor.id, proposed_at=clock.now())
    db.session.add(version)
    db.session.flush()
    record("letter.proposed", actor=actor, target=version, key=letter.key,
           version=version.version)
    return version


def approve(version: LetterVersion, actor) -> None:
    """A second administrator puts a proposed wording in force."""
    if version.status != "proposed":
        raise LetterError("Only a proposed version can be approved.")
    if version.proposed_by_id == actor.id:
        raise LetterError("Another administrator must approve a change you proposed.")
    check_syntax(version.body)
    version.status, version.approved_by_id, version.approved_at = "approved", actor.id, clock.now()
    db.session.flush()
    record("letter.approved", actor=actor, target=version, key=version.key,
           version=version.version)


def reject(version: LetterVersion, actor) -> None:
    if version.status != "proposed":
        raise LetterError("Only a proposed version can be rejected.")
    version.status = "rejected"
    record("letter.rejected", actor=actor, target=version, key=version.key,
           version=version.version)


def revert(letter: Letter, version: LetterVersion, actor) -> LetterVersion:
    """Propose an earlier wording again (it needs a second approval like any change)."""
    if version.key != letter.key:
        raise LetterError("That version belongs to another letter.")
    return propose(letter, version.body, actor, note=f"Revert to version {version.version}")
