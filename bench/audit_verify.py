"""Time sealing and verifying a long audit log, and the verifier's peak memory.

    .venv/bin/python bench/audit_verify.py [--entries 1000000] [--database-url URL]

Builds a log of N entries (each with personal data, one in ten redacted), the way
record() writes them, seals it with seal_pending() in runs of 100,000 (a signed
checkpoint after each), then runs `verify_chain()` in a fresh process and prints its
seconds and peak RSS, beside the RSS of the same process before verifying.

WARNING: the database is emptied first. Without --database-url a temporary SQLite file
is used; for PostgreSQL give a database of its own, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/audit_bench.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "bench-only")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.models import AuditEntry  # noqa: E402
from app.audit.sealing import seal_pending  # noqa: E402
from app.audit.services import verify_chain  # noqa: E402
from app.audit.signing import audit_key, content_mac, personal_digest  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402

BATCH = 10_000
SEAL_RUN = 100_000
ACTIONS = ("case.viewed", "case.note_added", "document.downloaded", "case.accept", "auth.login")


def make_app(url: str, checkpoints: Path):
    config = type("BenchConfig", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "AUDIT_CHECKPOINT_DIR": checkpoints,
        "AUDIT_CHECKPOINT_EVERY": SEAL_RUN})
    return create_app(config)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def fresh_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.engine.dispose()
            Path(db.engine.url.database).unlink(missing_ok=True)
        upgrade()


def entry(i: int, start: datetime, key: bytes) -> dict:
    created = start + timedelta(milliseconds=i)
    case = i % 5000
    details = {"number": f"EC-2026-{case:05d}", "from_status": "submitted", "to_status": "review"}
    personal = {"actor": f"member{i % 50}@example.org", "ip": f"192.0.2.{i % 250}",
                "note": "Spoke to the complainant's employer about the visit dates."}
    salt, nonce = secrets.token_hex(16), secrets.token_hex(16)
    digest = personal_digest(salt, personal)
    row = {"created_at": created, "actor_id": None, "action": ACTIONS[i % len(ACTIONS)],
           "target_type": "cases", "target_id": str(case), "details": details,
           "personal_digest": digest, "nonce": nonce}
    row["mac"] = content_mac(key, **row)
    redacted = i % 10 == 0
    return {**row, "personal": None if redacted else personal, "salt": None if redacted else salt}


def build(app, n: int) -> None:
    with app.app_context():
        key = audit_key()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        began = time.perf_counter()
        for first in range(0, n, BATCH):
            rows = [entry(i, start, key) for i in range(first, min(n, first + BATCH))]
            db.session.execute(insert(AuditEntry.__table__), rows)
            db.session.commit()
        print(f"wrote {n:,} entries (unsealed): {time.perf_counter() - began:.1f} s", flush=True)
        began = time.perf_counter()
        while seal_pending(limit=SEAL_RUN):
            pass
        print(f"sealed them in runs of {SEAL_RUN:,}: {time.perf_counter() - began:.1f} s",
              flush=True)


def verify_only(app) -> None:
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        before = rss_mib()
        began = time.perf_counter()
        report = verify_chain()
        seconds = time.perf_counter() - began
    print(json.dumps({"ok": report.ok, "reason": report.reason, "checked": report.checked,
                      "redacted": report.redacted, "checkpoint_seq": report.checkpoint.last_seq
                      if report.checkpoint else None, "seconds": round(seconds, 1),
                      "rss_before_mib": round(before, 1), "peak_rss_mib": round(rss_mib(), 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--checkpoints")
    parser.add_argument("--verify-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'audit.sqlite3'}"
    checkpoints = Path(args.checkpoints) if args.checkpoints else workdir / "checkpoints"
    app = make_app(url, checkpoints)
    if args.verify_only:
        verify_only(app)
        return
    print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}", flush=True)
    fresh_schema(app)
    build(app, args.entries)
    child = subprocess.run(
        [sys.executable, __file__, "--verify-only", "--database-url", url,
         "--checkpoints", str(checkpoints)], capture_output=True, text=True, check=True)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"verify_chain(): {result['checked']:,} entries ({result['redacted']:,} redacted), "
          f"checkpoint at {result['checkpoint_seq']}, ok={result['ok']} {result['reason']}")
    print(f"  {result['seconds']} s, {result['checked'] / result['seconds']:,.0f} entries/s; "
          f"peak RSS {result['peak_rss_mib']} MiB (process before verifying: "
          f"{result['rss_before_mib']} MiB)")


if __name__ == "__main__":
    main()
