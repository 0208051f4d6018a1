"""The export job: built on a Celery worker with a broker, in-process after the response
without one (app/jobs/engine.py). Safe to run twice: a finished export is left alone."""
from __future__ import annotations

from celery import shared_task

from app.exports import services
from app.extensions import db


@shared_task(name="exports.expire")
def expire_exports() -> dict:
    """Delete the ZIPs past their time, a batch at a time until none is left."""
    expired = 0
    while count := services.expire_old():
        db.session.commit()
        expired += count
    return {"expired": expired}


@shared_task(name="exports.build")
def build_export(export_id: int) -> dict:
    export = services.build(export_id)
    return {"export": export_id, "status": export.status if export else None}
