"""Run tasks after commit: on Celery workers with a broker, in this process without one.

Celery is bound the way Flask's documentation shows (`celery_init_app` in the factory,
tasks declared with `shared_task`, each run inside an app context). With no broker
configured (`make run`, the tests) the same tasks run in-process: in a small thread
pool after the response, so nothing slow happens in a request, or right away from a
CLI command, a task, or when `JOBS_SYNC` is set (the tests, which read what was sent).
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context, has_request_context
from kombu import Connection

log = logging.getLogger(__name__)

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_running: set[Future] = set()


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for this Flask app; every task runs in its app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            # run in-process, a task keeps the app it was given by (tests make several);
            # on a worker it runs in this app's context
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_settings(app.config))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def celery_settings(config) -> dict:
    """Celery's settings from the app's: broker, reliability, and the beat schedule."""
    broker = config.get("CELERY_BROKER_URL")
    return {
        "broker_url": broker or "memory://",
        "task_ignore_result": True,
        # A task is acknowledged when it is done, and given again if its worker dies;
        # the tasks are safe to run twice (claimed messages, locked cases).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"socket_timeout": 5, "socket_connect_timeout": 5},
        "timezone": "UTC",
        "beat_schedule": beat_schedule(config),
    }


def beat_schedule(config) -> dict:
    """Drain the outbox every minute; seal the audit trail's stragglers; sweep the deadlines,
    expire old exports and check the homes' waiting items and the cases' kept names daily
    (or as configured)."""
    every = config.get("SWEEP_EVERY_SECONDS")
    if every:
        sweep_when = timedelta(seconds=float(every))
    else:
        hour, _, minute = config["SWEEP_AT"].partition(":")
        sweep_when = crontab(hour=int(hour), minute=int(minute or 0))
    return {
        "drain-outbox": {"task": "jobs.deliver_outbox",
                         "schedule": timedelta(seconds=config["OUTBOX_DRAIN_SECONDS"])},
        # entries a busy sealer left behind (requests that record queue seals of their own)
        "seal-audit": {"task": "jobs.seal_audit",
                       "schedule": timedelta(seconds=config["AUDIT_SEAL_SECONDS"])},
        "sweep-deadlines": {"task": "jobs.sweep_deadlines", "schedule": sweep_when},
        # ZIPs past EXPORT_DAYS are deleted even if nobody opens them again (the task is
        # the exports feature's, named here so the engine needs none of its code)
        "expire-exports": {"task": "exports.expire", "schedule": sweep_when},
        # the homes' kept "what waits on whom", checked against its definitions (office)
        "rebuild-waits": {"task": "office.rebuild_waits", "schedule": sweep_when},
        # the names each case is found by, checked against their definition (cases)
        "rebuild-party-names": {"task": "cases.rebuild_party_names", "schedule": sweep_when},
    }


def broker_configured() -> bool:
    return bool(current_app.config.get("CELERY_BROKER_URL"))


def enqueue(task: Task, *args, countdown: float | None = None) -> bool:
    """Run a task once what the caller committed is visible; False if it could not be handed on.

    Call it after commit. A task that cannot be queued is not lost work: its inputs
    are rows (outbox messages, job records) that the scheduled drain picks up. A
    `countdown` (seconds) holds the task on the worker that long (with a broker only).
    """
    if broker_configured():
        try:
            # through this app's Celery (and so its broker), whichever app was made last
            current_app.extensions["celery"].send_task(
                task.name, args=args, countdown=countdown, retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5,
                              "interval_max": 1})
        except Exception:
            log.exception("could not queue %s; it will be picked up by the scheduled run",
                          task.name)
            return False
        return True
    if has_request_context() and not current_app.config.get("JOBS_SYNC"):
        _submit(current_app._get_current_object(), task, args)
        return True
    run_now(task, *args)
    return True


def run_now(task: Task, *args):
    """Run a task here and now in its own app context; log rather than raise its failure."""
    result = task.apply(args=args)
    if result.failed():
        log.error("task %s%r failed: %s", task.name, args, result.result)
    return result.result


def _run_in(app: Flask, task: Task, args: tuple):
    """In a pool thread: run the task in the context of the app that queued it."""
    with app.app_context():
        return run_now(task, *args)


def _submit(app: Flask, task: Task, args: tuple) -> None:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=app.config["JOBS_THREADS"],
                                       thread_name_prefix="jobs")
        future = _pool.submit(_run_in, app, task, args)
        _running.add(future)
    future.add_done_callback(_running.discard)


def wait_for_background(timeout: float = 30) -> bool:
    """Wait until the in-process jobs started so far have finished (tests, shutdown)."""
    with _pool_lock:
        pending = set(_running)
    done, not_done = wait(pending, timeout=timeout)
    return not not_done


def broker_state() -> str:
    """"ok" if the broker answers within a second, "unavailable" if not; "embedded" without one."""
    url = current_app.config.get("CELERY_BROKER_URL")
    if not url:
        return "embedded"
    try:
        with Connection(url, connect_timeout=1, transport_options={"socket_timeout": 1}) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
    except Exception as error:  # reported by the health check, never raised
        log.warning("health check: broker unavailable: %s", error)
        return "unavailable"
    return "ok"
