"""Stored files (evidence, issued documents) behind one small interface, and the rule that
a file belongs to a database row: written before the row, removed if it never commits.

`store(kind)` returns the `FileStore` for "documents", "evidence" or "exports". `FileSystemStore`
(a directory; a shared volume when there are several hosts) is the only backend; an
object store would be one more subclass with the same five methods (docs/DEPLOY.md).

A file written during a transaction is registered with `delete_on_rollback()`. If
the transaction commits, the file stays; if it rolls back or is closed without
committing, the file is deleted, so there is never a file without its row.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "files_to_remove_on_rollback"
_DELETE_KEY = "files_to_delete_on_commit"


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


class FileStore:
    """Where one kind of file lives, under plain random names; files are never changed."""

    def save(self, data: bytes, suffix: str = "") -> tuple[str, str]:
        """Store bytes under a new random name; return (name, sha256). Never a partial file."""
        raise NotImplementedError

    def adopt(self, local: Path, name: str) -> None:
        """Take a checked local temporary file in under this name (it is moved, not copied)."""
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        """A readable binary stream of a stored file."""
        raise NotImplementedError

    def delete(self, name: str) -> None:
        """Delete a stored file; one already gone is not an error."""
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        with self.open(name) as f:
            return f.read()


class FileSystemStore(FileStore):
    """A directory (on one machine, or a volume every web and worker host mounts)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path(self, name: str) -> Path:
        if not name or Path(name).name != name or name.startswith("."):
            raise ValueError(f"not a stored file name: {name!r}")
        return self.directory / name

    def save(self, data: bytes, suffix: str = "") -> tuple[str, str]:
        return write_atomically(self.directory, data, suffix)

    def adopt(self, local: Path, name: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.replace(local, self.path(name))

    def open(self, name: str) -> BinaryIO:
        return open(self.path(name), "rb")

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)


STORE_SETTINGS = {"documents": "DOCUMENT_DIR", "evidence": "UPLOAD_DIR", "exports": "EXPORT_DIR"}


def store(kind: str) -> FileStore:
    """The store of one kind of file, as configured."""
    return FileSystemStore(current_app.config[STORE_SETTINGS[kind]])


def delete_on_rollback(session: Session, file_store: FileStore, name: str) -> None:
    """Delete this stored file unless the session's transaction commits."""
    session.info.setdefault(_KEY, []).append((file_store, name))


def remove_on_rollback(session: Session, path: Path) -> None:
    """The same for a file named by its path in a directory store."""
    path = Path(path)
    delete_on_rollback(session, FileSystemStore(path.parent), path.name)


def delete_on_commit(session: Session, file_store: FileStore, name: str) -> None:
    """Delete this stored file once the session's transaction commits (kept if it rolls
    back): a row removed in the transaction never loses its file before it is gone."""
    session.info.setdefault(_DELETE_KEY, []).append((file_store, name))


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_KEY, None)
    for file_store, name in session.info.pop(_DELETE_KEY, []):
        file_store.delete(name)


@event.listens_for(Session, "after_transaction_end")
def _remove_files(session: Session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    session.info.pop(_DELETE_KEY, None)  # rolled back: the rows, and so the files, stay
    for file_store, name in session.info.pop(_KEY, []):
        file_store.delete(name)
