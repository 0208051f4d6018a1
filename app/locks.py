"""Row and named locks held until the transaction ends, on PostgreSQL and SQLite alike.

A check-then-act (is there an original already? has this deadline been swept?) is
only safe if the check runs after the lock: take it first, then read.
"""
from __future__ import annotations

import zlib

from sqlalchemy import select, text, update

from app.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def lock_row(model, row_id: int) -> None:
    """Hold one row against other writers until commit or rollback.

    PostgreSQL: `SELECT ... FOR UPDATE`. SQLite has no row locks; an UPDATE that
    changes nothing takes the database's single write lock now, instead of at the
    first real write, so a second writer waits here rather than after its reads.
    """
    if _dialect() == "postgresql":
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    else:
        db.session.execute(update(model).where(model.id == row_id).values(id=model.id)
                           .execution_options(synchronize_session=False))


def lock_name(name: str) -> None:
    """Hold a named lock until the transaction ends (one sweep of the rest at a time)."""
    if _dialect() == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": zlib.crc32(name.encode())})
    else:
        # SQLite: the same trick as lock_row, on a table every database has.
        db.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
