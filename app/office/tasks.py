"""The office's scheduled job: the kept "what waits on whom" items checked against their
definitions every night (any drift is corrected and logged)."""
from __future__ import annotations

import logging

from celery import shared_task

from app.extensions import db
from app.office import waits

log = logging.getLogger(__name__)


@shared_task(name="office.rebuild_waits")
def rebuild_waits() -> dict:
    drift = waits.rebuild(db.session)
    db.session.commit()
    if drift:
        log.warning("waiting items: %d row(s) had drifted from their definitions; rebuilt", drift)
    return {"drift": drift}
