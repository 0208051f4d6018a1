"""What the benchmark scripts share: the app on a given database, and that database's admin.

Only local PostgreSQL databases whose name starts with `bench` may be dropped and
recreated (the generator refuses anything else), and every connection goes to
127.0.0.1 or localhost.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
# The audit trail's key: long enough for production settings (the throughput run), and
# the same for the generator, the pages and `flask audit verify` on a bench database.
BENCH_AUDIT_KEY = os.environ.setdefault("AUDIT_KEY", "bench-only-audit-key-not-secret-2026")

from app import create_app  # noqa: E402
from config import DevelopmentConfig  # noqa: E402

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
RESULTS_DIR = ROOT / "bench" / "results"


def local_url(database_url: str) -> URL:
    """Parse a SQLAlchemy URL and refuse anything but a local PostgreSQL database."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("The benchmarks run on PostgreSQL: give a postgresql+psycopg:// URL.")
    if (url.host or "localhost") not in LOCAL_HOSTS:
        raise SystemExit(f"Refusing {url.host}: the benchmarks only talk to 127.0.0.1.")
    return url


def conninfo(url: URL, database: str | None = None) -> str:
    """A libpq connection string for the URL (or another database on the same server)."""
    parts = {"host": url.host or "127.0.0.1", "port": url.port or 5432,
             "user": url.username or "postgres", "dbname": database or url.database}
    if url.password:
        parts["password"] = url.password
    return " ".join(f"{k}={v}" for k, v in parts.items())


def recreate_database(url: URL) -> None:
    """Drop and create the benchmark database (only a database named bench*)."""
    name = url.database or ""
    if not name.startswith("bench") or not name.replace("_", "").isalnum():
        raise SystemExit(f"Refusing to drop {name!r}: benchmark databases are named bench*.")
    with psycopg.connect(conninfo(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def checkpoint_dir(url: URL) -> Path:
    """Where a bench database's signed audit checkpoints go (one folder per database)."""
    return ROOT / "instance" / "bench-audit" / (url.database or "bench")


def bench_env(database_url: str) -> dict[str, str]:
    """Environment for a process on a bench database: its URL, audit key and checkpoints."""
    return {"DATABASE_URL": database_url, "AUDIT_KEY": BENCH_AUDIT_KEY,
            "AUDIT_CHECKPOINT_DIR": str(checkpoint_dir(make_url(database_url)))}


def bench_app(database_url: str, **settings):
    """The app through its own factory, on the given database (development settings)."""
    env = bench_env(database_url)
    os.environ.update(env)
    config = type("BenchConfig", (DevelopmentConfig,),
                  {"SQLALCHEMY_DATABASE_URI": database_url, "AUDIT_KEY": env["AUDIT_KEY"],
                   "AUDIT_CHECKPOINT_DIR": Path(env["AUDIT_CHECKPOINT_DIR"]), **settings})
    return create_app(config)
