"""Files that belong to a database row: written before the row, removed if it never commits.

A file written during a transaction is registered with `remove_on_rollback()`. If
the transaction commits, the file stays; if it rolls back or is closed without
committing, the file is deleted, so there is never a file without its row.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "files_to_remove_on_rollback"


def write_atomically(directory: Path, data: bytes, suffix: str = "") -> tuple[str, str]:
    """Write bytes under a random name; return (name, sha256). Never a partial file."""
    directory.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + suffix
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name, hashlib.sha256(data).hexdigest()


def remove_on_rollback(session: Session, path: Path) -> None:
    session.info.setdefault(_KEY, []).append(Path(path))


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_files(session: Session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(_KEY, []):
        path.unlink(missing_ok=True)
