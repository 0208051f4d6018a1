"""Start long jobs and record their progress; the work itself is in app/jobs/tasks.py."""
from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.audit.services import record
from app.cases.models import Case
from app.documents.models import Document
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.policy import can
from app.proceedings.documents import DOCUMENT_TYPES


def start(job_kind: str, title: str, actor, items: list[int], **params) -> Job:
    """Write a queued job over these items; the caller commits, then enqueues its task."""
    job = Job(kind=job_kind, title=title, created_by_id=actor.id, total=len(items),
              params={"items": items, **params}, lines=[])
    db.session.add(job)
    db.session.flush()
    record("job.started", actor=actor, target=job, kind=job_kind, title=title, total=len(items))
    return job


# At most this many cases a job: the page lists them and one job issues them; the next
# ones show once these are issued.
BULK_ISSUE_LIMIT = 200


def issue_candidates(kind: str, actor, limit: int = BULK_ISSUE_LIMIT) -> list[Case]:
    """The first `limit` cases this administrator may issue `kind` on, where it applies
    and none is in force. The database finds the cases that lack the document and have
    what it needs (the type's `narrows`); the type's own test decides on those few."""
    doc_type = DOCUMENT_TYPES[kind]
    in_force = select(Document.id).where(Document.case_id == Case.id, Document.kind == kind,
                                         Document.status == "issued").exists()
    cases = db.session.execute(
        select(Case).where(Case.number.is_not(None), doc_type.narrows(), ~in_force)
        .order_by(Case.id).limit(limit)).scalars()
    return [c for c in cases if doc_type.applies(c) and can(actor, "document.issue", c)]


def begin(job_id: int) -> Job | None:
    """Mark a job running (None if it is already finished: a task given twice)."""
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        return None
    job.status = JobStatus.RUNNING
    job.started_at = job.started_at or clock.now()
    db.session.commit()
    return job


def step(job: Job, line: str, *, ok: bool = True) -> None:
    """Count one item handled and commit, so the job's page shows it now."""
    job.done += 1
    job.failed += 0 if ok else 1
    job.lines = [*job.lines, line]
    db.session.commit()


def finish(job: Job, error: str | None = None) -> None:
    job.status = JobStatus.FAILED if error else JobStatus.DONE
    if error:
        job.lines = [*job.lines, error]
    job.finished_at = clock.now()
    record("job.finished", target=job, kind=job.kind, done=job.done, failed=job.failed,
           status=job.status)
    db.session.commit()
