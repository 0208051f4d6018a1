"""Time /register and /forgot-password for addresses that hold accounts and ones that do not.

    .venv/bin/python bench/enumeration.py [--rounds 25]

Both forms must not tell an attacker which addresses hold accounts, by their words or by
their time. The suite checks the words and that both ways do the same costly work (the
same Argon2 computations, nearly the same statements); this measures the time itself,
with production's Argon2 cost, on a temporary SQLite database, on a quiet machine (a
timed test inside the parallel suite measured its neighbours more than the app).

Each round posts a known address, then an unknown one; the table gives the median, the
fastest and the 90th percentile of each, and the difference of the medians.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "bench-only")

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts.services import create_user  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402

PASSWORD = "a long enough passphrase 42"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        class Config(TestingConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/enumeration.sqlite3"
            MAIL_DELIVER_AFTER_COMMIT = False  # queued for the worker, as in production
            ARGON2_TIME_COST = 3  # production's cost (config.Config)
            ARGON2_MEMORY_COST = 65536
            ARGON2_PARALLELISM = 2

        app = create_app(Config)
        with app.app_context():
            upgrade()
            known = [create_user(f"known{n}@example.com", "Known", PASSWORD, verified=True).email
                     for n in range(args.rounds)]
            db.session.commit()
        client = app.test_client()
        print(f"Known and unknown addresses, {args.rounds} rounds each, Argon2 t=3 m=64MiB p=2\n")
        print(f"{'form':18} {'address':8} {'median ms':>10} {'min ms':>8} {'p90 ms':>8}")
        for url in ("/register", "/forgot-password"):
            times: dict[str, list[float]] = {"known": [], "unknown": []}
            client.post(url, data={"email": "warm@example.com", "name": "W",
                                   "password": PASSWORD, "confirm": PASSWORD})
            for n in range(args.rounds):
                for which, email in (("known", known[n]), ("unknown", f"new{n}@example.com")):
                    started = time.perf_counter()
                    r = client.post(url, data={"email": email, "name": "Probe",
                                               "password": PASSWORD, "confirm": PASSWORD})
                    times[which].append((time.perf_counter() - started) * 1000)
                    assert r.status_code == 200, (url, r.status_code)
            for which, samples in times.items():
                p90 = statistics.quantiles(samples, n=10)[-1]
                print(f"{url:18} {which:8} {statistics.median(samples):>10.1f} "
                      f"{min(samples):>8.1f} {p90:>8.1f}")
            gap = statistics.median(times["known"]) - statistics.median(times["unknown"])
            print(f"{url:18} {'gap':8} {gap:>+10.1f}\n")


if __name__ == "__main__":
    main()
