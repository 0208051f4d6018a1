"""The tasks: deliver the outbox, sweep the deadlines (one task per case)."""
from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app, g

from app.cases import deadlines
from app.extensions import db
from app.jobs import sweeping
from app.jobs.engine import broker_configured, enqueue
from app.notifications.services import deliver

log = logging.getLogger(__name__)


def deliver_after_commit() -> None:
    """Hand what this request or task queued to delivery, now that it is committed."""
    ids = g.pop("queued_mail", None)
    if ids and current_app.config["MAIL_DELIVER_AFTER_COMMIT"]:
        enqueue(deliver_outbox, ids)


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
    return {"cases": len(case_ids)}


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
