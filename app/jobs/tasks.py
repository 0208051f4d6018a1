"""The tasks: deliver the outbox, sweep the deadlines (one task per case), bulk work.

Every task is safe to run twice (Celery gives a task again if its worker dies):
messages are claimed, cases locked, documents issued once, a finished job not redone.
"""
from __future__ import annotations

import hashlib
import logging
from functools import cache

import redis
from celery import shared_task
from flask import current_app, g

from app.accounts.models import User
from app.audit.sealing import seal_pending
from app.cases.models import Case
from app.documents import services as documents
from app.extensions import db
from app.jobs import services as jobs
from app.jobs import sweeping
from app.jobs.engine import broker_configured, enqueue
from app.notifications.models import OutboxMessage
from app.notifications.services import deliver, requeue
from app.policy import can
from app.proceedings import deadlines
from app.proceedings.documents import DOCUMENT_TYPES

log = logging.getLogger(__name__)


def deliver_after_commit() -> None:
    """Hand what this request or task queued to delivery, now that it is committed."""
    ids = g.pop("queued_mail", None)
    if ids and current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        enqueue(deliver_outbox, ids)


# Set while a seal is queued that has not started, so that the requests committing
# meanwhile queue none (one key per database: the apps of one Redis may use several).
SEAL_QUEUED = "audit:seal-queued:"
SEAL_FLAG_TTL_MS = 10_000  # a seal lost with its worker holds the others back this long


@cache
def _redis_at(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _seal_flag() -> tuple[redis.Redis, str] | None:
    """Where the queued seal's flag is kept, and its key: the app's Redis, or the broker
    when it is one; None without either (then every request queues its own seal)."""
    config = current_app.config
    url = config.get("REDIS_URL") or config.get("CELERY_BROKER_URL") or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    database = hashlib.sha256(config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:16]
    return _redis_at(url), SEAL_QUEUED + database


def _lower(flag: tuple[redis.Redis, str]) -> None:
    try:
        flag[0].delete(flag[1])
    except redis.RedisError as error:  # it expires by itself
        log.warning("could not lower the queued seal's flag: %s", error)


def seal_after_commit() -> None:
    """Hand the sealing of what this request recorded to a job, now that it is committed.

    With a broker, one seal serves many commits: the first request to raise the flag (an
    atomic SET NX in Redis) queues the seal to start AUDIT_SEAL_WINDOW_MS later; the
    requests that find the flag up queue none. The seal lowers the flag before it reads
    the pending entries, so every commit that found the flag up (and committed before
    looking) is read; a commit after that raises it again. No clock is compared. At 50
    staff views a second that is a few seals a second instead of fifty, each a Celery
    task that took ~6 ms of a worker's CPU to chain one entry. Without a broker (or with
    Redis unreachable) each request queues its own; the beat's seal remains for entries
    a busy sealer left behind."""
    if not (g.pop("audit_pending", False) and current_app.config["AUDIT_SEAL_AFTER_REQUEST"]):
        return
    window = current_app.config["AUDIT_SEAL_WINDOW_MS"] / 1000
    flag = _seal_flag() if broker_configured() and window > 0 else None
    if flag is None:
        enqueue(seal_audit)
        return
    try:
        first = flag[0].set(flag[1], "1", nx=True, px=SEAL_FLAG_TTL_MS)
    except redis.RedisError:
        first = True  # whether one is queued cannot be told: queue one
    if first and not enqueue(seal_audit, countdown=window):
        _lower(flag)  # none will start: let the next commit queue one


@shared_task(name="jobs.seal_audit")
def seal_audit() -> dict:
    """Chain the committed audit entries, unless another process is at it (then it will).
    First the queued seal's flag is lowered (see seal_after_commit)."""
    flag = _seal_flag() if broker_configured() else None
    if flag is not None:
        _lower(flag)
    limit = current_app.config["AUDIT_SEAL_BATCH"]
    return {"sealed": seal_pending(wait=False, limit=limit)}


@shared_task(name="jobs.deliver_outbox")
def deliver_outbox(ids: list[int] | None = None) -> dict:
    """Deliver the given messages, or every due one (the beat drains each minute)."""
    limit = current_app.config["OUTBOX_BATCH"]
    sent = failed = 0
    while True:
        s, f = deliver(ids, limit=limit)
        sent, failed = sent + s, failed + f
        if ids is not None or s + f < limit:
            return {"sent": sent, "failed": failed}


@shared_task(name="jobs.sweep_deadlines")
def sweep_deadlines() -> dict:
    """Sweep each case in a task of its own, then sanctions and withdrawals."""
    case_ids = deadlines.cases_due()
    db.session.rollback()
    if not broker_configured():
        run = sweeping.run_sweep()
        deliver_after_commit()
        return {"cases": len(case_ids), "failed": run.failed}
    for case_id in case_ids:
        enqueue(sweep_case, case_id)
    enqueue(sweep_others)
    enqueue(send_message_digests)
    return {"cases": len(case_ids)}


@shared_task(name="jobs.send_message_digests")
def send_message_digests() -> dict:
    """Send the day's digests of new case messages (their places, never their text)."""
    lines = sweeping.send_digests()
    db.session.commit()
    deliver_after_commit()
    return {"digests": len(lines)}


@shared_task(name="jobs.sweep_case")
def sweep_case(case_id: int) -> dict:
    report = sweeping.sweep_case(case_id)
    db.session.commit()
    deliver_after_commit()
    return {"reminders": report.reminders, "missed": report.missed}


@shared_task(name="jobs.sweep_others")
def sweep_others() -> dict:
    report = sweeping.sweep_others()
    db.session.commit()
    deliver_after_commit()
    return {"reminders": report.reminders, "missed": report.missed}


@shared_task(name="jobs.resend_failed")
def resend_failed(job_id: int) -> None:
    """Try again each message given up on, one by one, showing the progress."""
    job = jobs.begin(job_id)
    if job is None:
        return
    try:
        for message_id in job.params["items"]:
            requeued = requeue(message_id)
            db.session.commit()
            sent, _ = deliver([message_id]) if requeued else (0, 0)
            message = db.session.get(OutboxMessage, message_id)
            if not requeued:
                jobs.step(job, f"{message.recipient}: not waiting any more ({message.status})")
            elif sent:
                jobs.step(job, f"{message.recipient}: sent")
            else:
                jobs.step(job, f"{message.recipient}: failed again ({message.last_error})",
                          ok=False)
    except Exception as error:
        db.session.rollback()
        log.exception("job %s broke off", job_id)
        jobs.finish(db.session.get(type(job), job_id), f"Stopped: {type(error).__name__}")
        raise
    jobs.finish(job)


@shared_task(name="jobs.issue_documents")
def issue_documents(job_id: int) -> None:
    """Issue one kind of document on many cases, each in its own transaction."""
    job = jobs.begin(job_id)
    if job is None:
        return
    kind = job.params["kind"]
    for case_id in job.params["items"]:
        case = db.session.get(Case, case_id)
        actor = db.session.get(User, job.created_by_id)
        try:
            if not can(actor, "document.issue", case):
                raise documents.DocumentError("you may not issue documents on this case")
            document = documents.issue(case, DOCUMENT_TYPES[kind], actor)
            db.session.commit()
        except documents.AlreadyIssued as already:
            db.session.rollback()
            jobs.step(job, f"{already.document.number}: already issued, not again")
        except Exception as error:  # one case's failure does not stop the others
            db.session.rollback()
            g.pop("queued_mail", None)  # rolled back with the rest
            if not isinstance(error, documents.DocumentError):
                log.exception("issuing %s on case %s failed", kind, case_id)
            jobs.step(job, f"{case.number}: not issued: {error}", ok=False)
        else:
            deliver_after_commit()
            jobs.step(job, f"{document.number} issued to {len(document.recipients)} recipient(s)")
    jobs.finish(job)
