"""Request, build, download and expire exports.

A request writes an `exports` row and an audit entry (the view commits, then queues the
build: app/exports/tasks.py). The build runs as a background job: it makes each member in
turn and commits its progress (items done / total on the row), then issues the index PDF
through the documents framework (numbered, verifiable at /verify/<number>, certifying the
manifest's SHA-256), writes the ZIP to the exports store and marks the row done. Only the
requester downloads it, for EXPORT_DAYS days; then the file is deleted.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.accounts.models import User
from app.audit.services import record
from app.cases.models import Case
from app.documents import bundles
from app.documents.services import issue_report, stored_bytes
from app.exports import bundle
from app.exports.models import IN_PROGRESS, Export, ExportKind, ExportStatus
from app.extensions import db
from app.policy import can
from app.storage import delete_on_commit, delete_on_rollback, store

log = logging.getLogger(__name__)


class ExportRefused(Exception):
    """The export cannot be built for this reader (any more); the message says why."""


# --- requests ---------------------------------------------------------------------------

def in_progress(user, scope: str) -> Export | None:
    return db.session.execute(select(Export).where(
        Export.requester_id == user.id, Export.scope == scope,
        Export.status.in_(IN_PROGRESS))).scalar_one_or_none()


def _request(kind: ExportKind, scope: str, user, case: Case | None) -> tuple[Export | None, bool]:
    """A new queued export, or (the one in progress, False). The caller commits.

    Two identical requests at the same instant: the partial unique index on (requester,
    scope) while queued or running lets one row in; the other's insert fails inside its
    savepoint and it is told that an export is in progress.
    """
    expire_old()
    current = in_progress(user, scope)
    if current is None:
        export = Export(kind=kind, scope=scope, requester_id=user.id,
                        case_id=case.id if case else None, status=ExportStatus.QUEUED)
        try:
            with db.session.begin_nested():
                db.session.add(export)
        except IntegrityError:
            current = in_progress(user, scope)
        else:
            record("export.requested", actor=user, target=export, kind=kind.value,
                   case=case.number if case else None)
            return export, True
    record("export.requested", actor=user, target=current, target_type="exports",
           kind=kind.value, case=case.number if case else None, in_progress=True)
    return current, False


def request_record(case: Case, user) -> tuple[Export | None, bool]:
    """Ask for the record ZIP of a case as this reader may see it."""
    return _request(ExportKind.RECORD, f"case:{case.id}", user, case)


def request_own_data(user) -> tuple[Export | None, bool]:
    """Ask for a copy of one's own data."""
    return _request(ExportKind.OWN_DATA, "self", user, None)


# --- building ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IndexType:
    """The index of a bundle: a document about no one case, numbered by its export."""

    number: str
    data: dict
    kind: str = "export_index"
    title: str = "Index of a certified export"
    template: str = "export_index.html"

    def build(self) -> dict:
        return self.data


def index_number(export: Export) -> str:
    if export.kind == ExportKind.RECORD:
        return f"{export.case.number}-X{export.id}"
    return f"DATA-{export.id}"


def plan(export: Export) -> list[bundle.Member]:
    """The members of this export, as the requester may see them now."""
    reader = export.requester
    if export.kind == ExportKind.OWN_DATA:
        return bundle.own_data_members(reader)
    case = export.case
    if case is None or not can(reader, "export.record", case):
        raise ExportRefused("The case is no longer open to you; nothing was exported.")
    return bundle.record_members(case, reader)


def build(export_id: int) -> Export | None:
    """Build the export (the job): commits after each member, so its page shows progress.

    The ZIP is written to a temporary file in the exports directory one member at a time
    (never the whole bundle in memory), then taken into the store under a random name.
    Safe to run twice: a finished export is left alone.
    """
    export = db.session.get(Export, export_id)
    if export is None or export.finished:
        return export
    export.status = ExportStatus.RUNNING
    export.started_at = clock.now()
    db.session.commit()
    directory = Path(current_app.config["EXPORT_DIR"])
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-", suffix=".zip")
    os.close(fd)
    writer = bundles.BundleWriter(Path(tmp))
    try:
        members = plan(export)
        export.total = len(members) + 1  # and the index with the ZIP
        db.session.commit()
        for member in members:
            writer.add(member.name, member.make())
            export.done += 1
            db.session.commit()
        _finish(export, writer)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, ExportRefused):
            log.exception("export %s failed", export_id)
        export = db.session.get(Export, export_id)
        export.status = ExportStatus.FAILED
        export.error = str(error) if isinstance(error, ExportRefused) else (
            f"The export could not be built ({type(error).__name__}); ask again later.")
        export.finished_at = clock.now()
        record("export.failed", target=export, kind=export.kind, error=export.error)
        db.session.commit()
    finally:
        writer.abort()
        Path(tmp).unlink(missing_ok=True)  # gone already once taken into the store
    return export


def _finish(export: Export, writer: bundles.BundleWriter) -> None:
    """Issue the index, close the ZIP, take it into the store, and mark the export ready."""
    reader = export.requester
    number = index_number(export)
    manifest = writer.manifest(
        index=number, kind=export.kind, case=export.case.number if export.case else None,
        reader=reader.email, requested_at=export.requested_at.isoformat())
    manifest_sha = bundles.sha256(manifest)
    index = issue_report(IndexType(number, {
        "export_kind": ExportKind(export.kind).title,
        "case_number": export.case.number if export.case else None,
        "reader": reader.name, "requested_at": export.requested_at,
        "manifest_sha256": manifest_sha, "members": writer.entries}),
        reader, attests=manifest_sha)
    writer.close(stored_bytes(index), manifest)
    files = store("exports")
    name = secrets.token_hex(16) + ".zip"
    files.adopt(writer.path, name)
    delete_on_rollback(db.session(), files, name)
    digest, size = _hash_of(files, name)
    now = clock.now()
    export.stored_name, export.sha256, export.size = name, digest, size
    export.index_number, export.manifest_sha256 = number, manifest_sha
    export.status = ExportStatus.DONE
    export.done = export.total
    export.finished_at = now
    export.expires_at = now + timedelta(days=current_app.config["EXPORT_DAYS"])
    record("export.built", actor=reader, target=export, kind=export.kind, index=number,
           members=len(writer.entries), sha256=digest, manifest_sha256=manifest_sha)


def _hash_of(files, name: str) -> tuple[str, int]:
    """SHA-256 and size of a stored file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with files.open(name) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- download and expiry ----------------------------------------------------------------

def expired(export: Export) -> bool:
    return export.status == ExportStatus.EXPIRED or (
        export.expires_at is not None and export.expires_at <= clock.now())


def expire(export: Export) -> None:
    """Delete the file of an export past its time (after the commit); keep the row."""
    if export.status == ExportStatus.EXPIRED:
        return
    if export.stored_name:
        delete_on_commit(db.session(), store("exports"), export.stored_name)
    export.status = ExportStatus.EXPIRED
    record("export.expired", target=export, kind=export.kind)


def expire_old(limit: int = 100) -> int:
    """Expire the finished exports past their time (run on each new request)."""
    due = db.session.execute(select(Export).where(
        Export.status == ExportStatus.DONE, Export.expires_at <= clock.now())
        .order_by(Export.id).limit(limit)).scalars().all()
    for export in due:
        expire(export)
    return len(due)


def download(export: Export, user) -> BinaryIO:
    """The ZIP, opened for its requester to read (streamed, never read whole); audited.
    The caller commits."""
    data = store("exports").open(export.stored_name)
    export.downloads += 1
    record("export.downloaded", actor=user, target=export, kind=export.kind,
           case=export.case.number if export.case else None, sha256=export.sha256)
    return data


def download_name(export: Export) -> str:
    if export.kind == ExportKind.RECORD:
        return f"record-{export.case.number}-{export.id}.zip"
    return f"my-data-{export.id}.zip"


def own_requests(user) -> Select:
    return (select(Export).where(Export.requester_id == user.id)
            .order_by(Export.id.desc()))


def data_requests() -> Select:
    """Every request for one's own data, newest first, with who asked (administrators)."""
    return (select(Export, User.name, User.email).join(User, User.id == Export.requester_id)
            .where(Export.kind == ExportKind.OWN_DATA).order_by(Export.id.desc()))
