"""gunicorn entry point for the throughput run (bench only): the app as `wsgi.py` builds it,
with a bare Flask app mounted at /bare on the same server as the ceiling.

    gunicorn -w 2 --chdir bench --pythonpath . bench_wsgi:app
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app import create_app

bare = Flask("bare")


@bare.route("/")
def ceiling():
    """Answer with two bytes: what this server does with no app work at all."""
    return "ok"


app = DispatcherMiddleware(create_app(), {"/bare": bare})
