"""Point the test app's Celery at a real Redis broker for a test, and back.

kombu keeps its connection pools in a registry by broker address, and a pool that was
closed refuses every later send ("Acquire on closed pool"): the registry is emptied and
the app forgets its own pool and producers on the way in and out (as Celery does after a
fork), so each test sends through connections of its own to the broker it names.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kombu import pools


def _new_connections(celery_app) -> None:
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def using_broker(app, url: str, **settings) -> Iterator:
    """The app queues its jobs on the broker at `url` (with `settings` as well) inside the
    block; yields the app's Celery."""
    celery_app = app.extensions["celery"]
    old = {key: app.config.get(key) for key in ("CELERY_BROKER_URL", *settings)}
    app.config.update(CELERY_BROKER_URL=url, **settings)
    celery_app.conf.broker_url = url
    _new_connections(celery_app)
    try:
        yield celery_app
    finally:
        app.config.update(old)
        celery_app.conf.broker_url = "memory://"
        _new_connections(celery_app)
