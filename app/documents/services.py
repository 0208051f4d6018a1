"""Preview, issue, correct and verify documents.

Issuing renders the PDF once, before anything is written: a rendering failure
leaves no number used, no row and no file. The file is written atomically and is
removed again if the transaction does not commit (app/storage.py), so a row never
lacks its file and a file never lacks its row. An issued document is never
changed; a correction is a new document that supersedes it.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.access import active_representative
from app.accounts.models import User
from app.audit.services import record
from app.cases import services as case_services
from app.cases.models import Case
from app.documents import render as renderer
from app.documents.models import Document
from app.extensions import db
from app.letters import services as letters
from app.locks import lock_row
from app.notifications.services import queue_mail
from app.storage import delete_on_rollback, store
from app.urls import external_url

log = logging.getLogger(__name__)


class DocumentError(Exception):
    """The document cannot be issued; the message says why."""


class AlreadyIssued(DocumentError):
    """Someone issued this document (or its correction) first; nothing was issued again."""

    def __init__(self, document: Document) -> None:
        self.document = document
        super().__init__(f"{document.title} {document.number} was issued at "
                         f"{clock.local_text(document.issued_at)} by {document.issued_by.name}; "
                         "it was not issued again and nobody was emailed twice.")


class DocumentType(Protocol):
    """What a feature tells this framework about one kind of document it issues."""

    kind: str
    title: str
    template: str  # under templates/pdf/

    def build(self, case: Case) -> dict: ...  # plain data for the template, never ORM objects
    def applies(self, case: Case) -> bool: ...  # the case has reached the point it is due
    def recipients(self, case: Case) -> list[dict]: ...  # role, name, email, user_id


def document_dir() -> Path:
    return Path(current_app.config["DOCUMENT_DIR"])


def stored_path(document: Document) -> Path:
    return document_dir() / document.stored_name


def stored_bytes(document: Document) -> bytes:
    return store("documents").read(document.stored_name)


def preview(case: Case, doc_type: DocumentType) -> renderer.Rendered:
    """A draft: watermarked, unnumbered, not stored."""
    _check_applies(case, doc_type)
    meta = renderer.page_meta(doc_type.title, number=None, issued_at=None, issued_by=None,
                              verify_url=None)
    return _render(doc_type, doc_type.build(case), meta)


def wording(doc_type: DocumentType):
    """The approved wording of the type's body (app/letters), or None for the built-in file."""
    return letters.in_force(f"document:{doc_type.kind}")


def _render(doc_type: DocumentType, data: dict, meta: dict, version=None) -> renderer.Rendered:
    """Render the type's template; with an approved wording, its body comes from that
    (rendered in the sandbox) inside the same print layout. Any failure issues nothing."""
    version = version if version is not None else wording(doc_type)
    try:
        if version is not None:
            body = letters.render_text(version.body, data, html=True)
            return renderer.render("_worded.html", data | {"worded_body": body}, meta)
        return renderer.render(doc_type.template, data, meta)
    except letters.LetterError as error:
        raise DocumentError(
            f"The {doc_type.title.lower()} could not be rendered from wording version "
            f"{version.version}: {error} Nothing was issued and no number was used.") from error
    except Exception as error:
        log.exception("rendering %s failed", doc_type.kind)
        raise DocumentError(
            f"The {doc_type.title.lower()} could not be rendered ({type(error).__name__}). "
            "Nothing was issued and no number was used; try again, or report the problem."
        ) from error


def _check_applies(case: Case, doc_type: DocumentType) -> None:
    if not doc_type.applies(case):
        raise DocumentError(f"A {doc_type.title.lower()} does not apply to this case yet.")


def in_force(case: Case, kind: str) -> Document | None:
    """The document of this kind now in force for the case (at most one: a unique index)."""
    return db.session.execute(select(Document).where(
        Document.case_id == case.id, Document.kind == kind, Document.status == "issued")
    ).scalar_one_or_none()


def _next_seq(case: Case) -> int:
    last = db.session.execute(
        select(func.max(Document.seq)).where(Document.case_id == case.id)).scalar()
    return (last or 0) + 1


def issue(case: Case, doc_type: DocumentType, actor, *, supersedes: Document | None = None,
          reason: str = "") -> Document:
    """Render, store, number and send a document. The caller commits.

    Issuing is idempotent: the case is locked first, then the document in force is
    looked up, so of two administrators issuing at once the second is refused with
    `AlreadyIssued` (no second original, no second email); a partial unique index on
    (case, kind) in force backs this up in the database.
    """
    lock_row(Case, case.id)  # before any check: a concurrent issue waits here
    _check_applies(case, doc_type)
    kind = doc_type.kind
    current = in_force(case, kind)
    if supersedes is None and current is not None:
        raise AlreadyIssued(current)
    if supersedes is not None:
        if supersedes.case_id != case.id or supersedes.kind != kind:
            raise DocumentError("A correction must be of the same type and case.")
        if current is not None and current.id != supersedes.id:
            raise AlreadyIssued(current)  # someone corrected it first
        if not reason.strip():
            raise DocumentError("Say what the correction changes.")
    recipients = doc_type.recipients(case)
    seq = _next_seq(case)
    number = f"{case.number}-D{seq}"
    issued_at = clock.now()
    meta = renderer.page_meta(doc_type.title, number=number, issued_at=issued_at,
                              issued_by=actor.name, verify_url=external_url(
                                  "documents.verify", doc_number=number))
    data = doc_type.build(case)
    if supersedes is not None:
        data = data | {"corrects": {"number": supersedes.number,
                                    "issued_on": supersedes.issued_at.date(),
                                    "reason": reason.strip()}}
    version = wording(doc_type)
    rendered = _render(doc_type, data, meta, version)  # may fail: nothing is written before this

    if supersedes is not None:
        # Out of force before its correction is written, so the unique index on the
        # document in force never sees two.
        supersedes.status = "superseded"
        db.session.flush()
    files = store("documents")
    name, sha256 = files.save(rendered.pdf, suffix=".pdf")
    delete_on_rollback(db.session(), files, name)
    document = Document(
        case_id=case.id, seq=seq, number=number, kind=kind, title=doc_type.title,
        stored_name=name, sha256=sha256, size=len(rendered.pdf), pages=rendered.pages,
        issued_at=issued_at, issued_by_id=actor.id, recipients=recipients,
        supersedes_id=supersedes.id if supersedes else None,
        correction_reason=reason.strip(),
        letter_version_id=version.id if version is not None else None)
    db.session.add(document)
    try:
        db.session.flush()
    except IntegrityError:  # another issue got past the lock (cannot happen with it held)
        raise DocumentError(f"A {doc_type.title.lower()} was issued for this case at the "
                            "same moment; reload the case to see it.") from None
    _serve(case, document, actor)
    record("document.issued", actor=actor, target=document, number=number, case=case.number,
           kind=kind, sha256=sha256, supersedes=supersedes.number if supersedes else None,
           wording=version.label if version is not None else "built-in")
    return document


class ReportType(Protocol):
    """A document about no one case (the annual report): it names its own number."""

    kind: str
    title: str
    template: str
    number: str  # unique: e.g. AR-2026

    def build(self) -> dict: ...  # plain data, never ORM objects


def issue_report(doc_type: ReportType, actor, *, attests: str | None = None) -> Document:
    """Render, store and number a document that belongs to no case. The caller commits.

    It is addressed to no one (nothing is mailed) and verifies at /verify like any other;
    its number comes from the type, and the unique number refuses a second original.
    `attests` is the SHA-256 of the manifest of a bundle the document certifies (a record
    ZIP's index), kept in the register beside its own hash.
    """
    if (current := by_number(doc_type.number)) is not None:
        raise AlreadyIssued(current)
    issued_at = clock.now()
    meta = renderer.page_meta(doc_type.title, number=doc_type.number, issued_at=issued_at,
                              issued_by=actor.name, verify_url=external_url(
                                  "documents.verify", doc_number=doc_type.number))
    version = wording(doc_type)
    rendered = _render(doc_type, doc_type.build(), meta, version)
    files = store("documents")
    name, sha256 = files.save(rendered.pdf, suffix=".pdf")
    delete_on_rollback(db.session(), files, name)
    document = Document(
        case_id=None, seq=1, number=doc_type.number, kind=doc_type.kind, title=doc_type.title,
        stored_name=name, sha256=sha256, size=len(rendered.pdf), pages=rendered.pages,
        issued_at=issued_at, issued_by_id=actor.id, recipients=[], attests=attests,
        letter_version_id=version.id if version is not None else None)
    db.session.add(document)
    try:
        db.session.flush()
    except IntegrityError:
        raise DocumentError(f"{doc_type.title} {doc_type.number} was issued at the same moment; "
                            "reload the page to see it.") from None
    record("document.issued", actor=actor, target=document, number=document.number, case=None,
           kind=doc_type.kind, sha256=sha256, supersedes=None,
           wording=version.label if version is not None else "built-in")
    return document


def mark_superseded(case: Case, kind: str, note: str, actor) -> list[Document]:
    """Events overtook the documents of this kind in force on the case (a postponed hearing's
    notice): mark them superseded, saying why, wherever they show and at /verify."""
    current = [d for d in documents_of(case) if d.kind == kind and not d.superseded]
    for document in current:
        document.status = "superseded"
        document.superseded_note = note
        record("document.superseded", actor=actor, target=document, number=document.number,
               case=case.number, note=note)
    return current


def _serve(case: Case, document: Document, actor) -> None:
    """Email each recipient the PDF, log the disclosure, and note it on the timeline.

    A party's active representative receives a copy, logged as disclosed to them.
    """
    to_roles = {r["role"] for r in document.recipients}
    copies = []
    for role in ("complainant", "respondent"):
        representative = active_representative(case, role) if role in to_roles else None
        if representative is not None:
            copies.append({"role": role, "name": representative.name,
                           "email": representative.email, "user_id": representative.user_id,
                           "how": f"email (for the {role})"})
    for person in [*document.recipients, *copies]:
        queue_mail(
            person["email"], "documents/issued",
            f"{document.title} {document.number}",
            name=person["name"], document=_plain(document),
            case_url=external_url("proceedings.detail", number=case.number),
            verify_url=external_url("documents.verify", doc_number=document.number),
            attachments=[{"store": "documents", "name": document.stored_name,
                          "filename": f"{document.number}.pdf",
                          "mime": "application/pdf"}])
        case_services.disclose(case, "document", document.id,
                               f"{document.title} {document.number}",
                               how=person.get("how", "email attachment"),
                               recipient_user=_account(person.get("user_id")),
                               recipient_email=person["email"], by=actor)
    summary = f"{document.title} issued ({document.number})"
    if document.supersedes_id:
        summary += f", correcting {document.supersedes.number}"
    case_services.add_event(case, actor, "document", summary,
                            to_complainant="complainant" in to_roles,
                            to_respondent="respondent" in to_roles)


def _account(user_id: int | None):
    return db.session.get(User, user_id) if user_id else None


def _plain(document: Document) -> dict:
    return {"number": document.number, "title": document.title,
            "issued_on": document.issued_at.date(), "pages": document.pages,
            "corrects": document.supersedes.number if document.supersedes else None,
            "reason": document.correction_reason}


@lru_cache(maxsize=1)
def _documents_statement():
    """`documents_of`'s statement, the case a parameter (built once per process)."""
    return select(Document).options(joinedload(Document.issued_by).lazyload(User.roles)) \
        .where(Document.case_id == bindparam("case_id")).order_by(Document.seq)


def documents_of(case: Case) -> list[Document]:
    """The case's documents in order, with who issued each (joined: the page names them);
    a correction's successor among them is set on the one it corrects, not read again."""
    found = list(db.session.execute(_documents_statement(), {"case_id": case.id}).scalars())
    for document in found:
        earlier = document.supersedes  # (many-to-one: from the identity map when listed)
        if earlier is not None and "superseded_by" not in earlier.__dict__:
            set_committed_value(earlier, "superseded_by", document)
    return found


def public_facts(number: str) -> dict | None:
    """What /verify/<number> shows of a document, as plain data (cached; no content)."""
    document = by_number(number)
    if document is None:
        return None
    successor = document.superseded_by
    return {"number": document.number, "title": document.title,
            "issued_at": document.issued_at, "sha256": document.sha256,
            "superseded": document.superseded, "superseded_note": document.superseded_note,
            "superseded_by": {"number": successor.number} if successor else None,
            "disposed_at": document.disposed_at, "attests": document.attests,
            "letter_version": ({"version": document.letter_version.version}
                               if document.letter_version else None)}


def by_number(number: str) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.number == number)).scalar_one_or_none()


def by_sha256(sha256: str) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.sha256 == sha256).limit(1)).scalar_one_or_none()


@dataclass(frozen=True)
class Verification:
    matches: bool
    sha256: str
    document: Document | None  # the issued document the copy was checked against


def verify_copy(data: bytes, number: str | None = None) -> Verification:
    """Whether these bytes are exactly an issued document (the given one, or any)."""
    sha256 = hashlib.sha256(data).hexdigest()
    if number is not None:
        document = by_number(number)
        return Verification(document is not None and document.sha256 == sha256, sha256, document)
    document = by_sha256(sha256)
    return Verification(document is not None, sha256, document)
