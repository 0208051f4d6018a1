"""Disposal (S20): the proceeding's `dispose` action taken for each case of a batch.

app/records decides what is due, what a hold stops, and what disposal erases; this module
only takes the workflow's action, so the status changes in `apply()` alone.
"""
from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.cases.models import Case
from app.extensions import db
from app.proceedings import workflow
from app.records import certificate as certificates
from app.records import services as records
from app.records.models import DisposalBatch


def dispose_batch(batch: DisposalBatch, by=None) -> list[str]:
    """Dispose of every case of the batch that is due and not held; return what was done.

    `by`: the administrator whose confirmation runs it now (None: the scheduled sweep);
    the action itself is the system's, and the item records who ran it.
    """
    lines = []
    for item in batch.items:
        if item.disposed_at is not None:
            continue
        case = db.session.get(Case, item.case_id)
        if records.holds_on(case):
            item.skipped = "under a legal hold"
            lines.append(f"{case.number} kept: under a legal hold")
            continue
        if case.status not in records.DISPOSABLE:  # reopened since the warning
            item.skipped = f"no longer closed ({case.status})"
            continue
        if records.disposal_problem(case, {"batch": batch}):
            continue  # not due yet: a later sweep takes it
        item.skipped = ""
        workflow.apply(case, "dispose", None, batch=batch, by=by)
        lines.append(f"{case.number} disposed of")
    if all(i.disposed_at is not None or i.skipped for i in batch.items):
        batch.status, batch.done_at = "done", clock.now()
    db.session.flush()
    return lines


def sweep_retention() -> list[str]:
    """The sweep's duty: warn about what falls due, dispose of what may go."""
    records.warn()
    lines = []
    for batch in db.session.execute(select(DisposalBatch).where(
            DisposalBatch.status != "done").order_by(DisposalBatch.id)).scalars().all():
        if records.may_dispose(batch):
            if batch.status == "warned":  # automatic: the warning period has run
                batch.automatic = True
                batch.status = "confirmed"
                batch.confirmed_at = clock.now()
            lines += dispose_batch(batch)
            if batch.status == "done":
                certificates.tell_certificate_due(batch)
    return lines
