"""The app builds in a fresh process, whatever imports first (gunicorn, Celery, flask CLI).

The suite's own imports load every model before create_app(); a loader option built at
import time once configured the mappers too early in a fresh process and no gunicorn
worker booted. This builds the app as `wsgi.py` does, in a new interpreter.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_fresh_process_builds_the_app_and_configures_its_mappers():
    code = ("from sqlalchemy.orm import configure_mappers\n"
            "from app import create_app\n"
            "create_app('testing')\n"
            "configure_mappers()\n")
    answer = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ})
    assert answer.returncode == 0, answer.stderr[-2000:]
