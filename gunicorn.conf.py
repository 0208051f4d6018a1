"""gunicorn settings, read from the environment (`gunicorn -c gunicorn.conf.py wsgi:app`).

Requests never wait on mail or rendering in bulk (those are Celery tasks), so a few
threaded workers per core are enough; the timeout only catches a stuck request.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", 4))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", 30))  # seconds a request may take
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("WEB_KEEPALIVE", 5))
# Recycling a worker after N requests closes its clients' kept-alive connections, and a
# client that had just sent a request on one gets an error (wrk counted 14 in 4,000
# requests at 2,000). A worker's memory stays flat under load (bench/pages.py reports its
# RSS after the run), so workers are not recycled unless WEB_MAX_REQUESTS asks for it.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
