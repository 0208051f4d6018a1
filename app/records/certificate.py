"""The destruction certificate of a disposal batch (S20), issued through the documents
framework as a document of no case: numbered DC-<year>-<batch, four digits>, hashed,
verifiable at /verify/<number> like any document.

It is kept for good, so it names no complainant, witness or respondent: case numbers,
categories of records, the SHA-256 and size of every file destroyed (captured by
`services.erase` before the files were deleted), the schedule rule that applied, and the
staff who confirmed and ran the disposal.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.audit.services import record
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.locks import lock_row
from app.notifications.services import queue_mail
from app.records.models import DisposalBatch, DisposalItem
from app.records.services import RecordsError, administrators
from app.urls import external_url

SWEEP = "the scheduled sweep"


def certificate_of(batch: DisposalBatch) -> Document | None:
    number = batch.certificate_number
    if number is None:
        return None
    return db.session.execute(select(Document).where(Document.number == number)
                              .options(joinedload(Document.issued_by))).scalar_one_or_none()


class DestructionCertificate:
    """The document type of one batch's certificate (documents.services.issue_report)."""

    kind = "destruction_certificate"
    title = "Certificate of destruction"
    template = "destruction_certificate.html"

    def __init__(self, batch: DisposalBatch) -> None:
        self.batch = batch
        self.number = batch.certificate_number

    def build(self) -> dict:
        """The batch as plain data: numbers, categories, hashes, rules and staff; no party."""
        batch = self.batch
        items = db.session.execute(
            select(DisposalItem).where(DisposalItem.batch_id == batch.id)
            .options(selectinload(DisposalItem.case)).order_by(DisposalItem.id)).scalars().all()
        disposed, kept = [], []
        for item in items:
            if item.disposed_at is None:
                kept.append({"number": item.case.number, "why": item.skipped or "not yet due"})
                continue
            done = item.destroyed or {}
            rule = done.get("rule") or {}
            by = done.get("by")
            disposed.append({
                "number": item.case.number,
                "disposed_at": item.disposed_at,
                "rule": {"title": rule.get("title", item.rule), "years": rule.get("years"),
                         "version": rule.get("version"), "closed_on": rule.get("closed_on"),
                         "due_on": rule.get("due_on") or item.disposal_on.isoformat()},
                "by": by["name"] if by else SWEEP,
                "categories": list(done.get("categories", [])),
                "files": [{"category": f.get("category", ""), "number": f.get("number"),
                           "sha256": f["sha256"], "size": f.get("size")}
                          for f in done.get("files", [])],
            })
        return {
            "batch": {"id": batch.id, "warned_at": batch.warned_at, "due_by": batch.due_by,
                      "confirmed_at": batch.confirmed_at, "automatic": batch.automatic,
                      "confirmed_by": batch.confirmed_by.name if batch.confirmed_by else None,
                      "done_at": batch.done_at},
            "cases": disposed, "kept": kept,
            "file_count": sum(len(c["files"]) for c in disposed),
        }


def issue_certificate(batch: DisposalBatch, actor) -> Document:
    """Issue the batch's certificate, once. The caller commits.

    The batch row is locked first, so of two requests at the same instant the second
    waits, then finds the first one's certificate and is refused with `AlreadyIssued`;
    the unique document number backs this up.
    """
    lock_row(DisposalBatch, batch.id)
    if batch.status != "done":
        raise RecordsError("The certificate is issued once every case of the batch has been "
                           "disposed of or kept.")
    if not any(item.disposed_at is not None for item in batch.items):
        raise RecordsError("No case of this batch was disposed of: there is nothing to certify.")
    document = documents.issue_report(DestructionCertificate(batch), actor)
    record("records.certificate_issued", actor=actor, target=batch, number=document.number,
           sha256=document.sha256,
           cases=[i.case.number for i in batch.items if i.disposed_at is not None])
    return document


def tell_certificate_due(batch: DisposalBatch) -> None:
    """The sweep finished a batch (no one to sign for it): ask the administrators to issue
    its certificate."""
    numbers = [i.case.number for i in batch.items if i.disposed_at is not None]
    if not numbers:
        return
    for admin in administrators():
        queue_mail(admin.email, "records/certificate_due",
                   f"Disposal batch {batch.id}: issue its certificate of destruction",
                   name=admin.name, batch_id=batch.id, count=len(numbers), numbers=numbers,
                   url=external_url("disposal.batch", batch_id=batch.id))


def issue_when_done(batch: DisposalBatch, actor) -> tuple[Document | None, str | None]:
    """After a disposal run by `actor`: issue the certificate if the batch is done.

    Returns (the certificate, None), (None, why not) or (None, None) when the batch is
    not done. A failure leaves the disposal as it is (a savepoint holds the attempt); the
    batch page offers to issue it again.
    """
    if batch.status != "done" or certificate_of(batch) is not None:
        return None, None
    try:
        with db.session.begin_nested():
            return issue_certificate(batch, actor), None
    except (documents.DocumentError, RecordsError) as error:
        return None, str(error)
