"""Background jobs: Celery workers when a broker is configured, in-process otherwise."""
