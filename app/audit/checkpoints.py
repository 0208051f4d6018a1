"""Signed checkpoints of the chain's head, kept outside the database.

A checkpoint says "at this time the log held `count` entries, the last being `last_seq`
with hash `head`", signed with the audit key. Someone who can rewrite the database but
not this file (or the copies mailed out) cannot cut entries off the end, or re-chain
history before a checkpoint, without `flask audit verify` noticing.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from app import clock
from app.audit.signing import audit_key, canonical, checkpoint_signature, equal

FILE_NAME = "checkpoints.jsonl"
TAIL_BYTES = 4096  # one line is about 250 bytes


@dataclass(frozen=True)
class Checkpoint:
    count: int
    last_seq: int
    head: str
    at: str


class BadCheckpoint(Exception):
    """A line of the checkpoint file is not one the application signed."""


def checkpoint_path() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"]) / FILE_NAME


def signed_line(checkpoint: Checkpoint) -> str:
    fields = asdict(checkpoint)
    signature = checkpoint_signature(audit_key(), fields)
    return canonical({**fields, "signature": signature}).decode()


def append_checkpoint(count: int, last_seq: int, head: str) -> Checkpoint:
    """Append a signed checkpoint to the file, durably, and return it."""
    checkpoint = Checkpoint(count, last_seq, head, clock.now().isoformat())
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of one short line with O_APPEND: concurrent writers never interleave.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (signed_line(checkpoint) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


def parse_line(line: str, number: int) -> Checkpoint:
    try:
        data = json.loads(line)
        signature = data.pop("signature")
        checkpoint = Checkpoint(int(data["count"]), int(data["last_seq"]), str(data["head"]),
                                str(data["at"]))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadCheckpoint(f"line {number} of {FILE_NAME} cannot be read") from error
    if set(data) != set(asdict(checkpoint)) or not equal(
            signature, checkpoint_signature(audit_key(), asdict(checkpoint))):
        raise BadCheckpoint(f"line {number} of {FILE_NAME} is not signed with the audit key")
    return checkpoint


def read_checkpoints() -> list[Checkpoint]:
    """Every checkpoint in the file, each signature checked (one line per 1,000 entries)."""
    path = checkpoint_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [parse_line(line, n) for n, line in enumerate(lines, 1) if line.strip()]


def last_checkpointed_seq() -> int:
    """The highest `last_seq` among the file's final lines, read from its tail only."""
    path = checkpoint_path()
    try:
        with path.open("rb") as f:
            start = max(0, f.seek(0, os.SEEK_END) - TAIL_BYTES)
            f.seek(start)
            tail = f.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return 0
    if start:
        tail = tail[1:]  # the first line read is probably cut
    best = 0
    for line in tail:
        try:
            best = max(best, int(json.loads(line)["last_seq"]))
        except (ValueError, KeyError, TypeError):
            continue  # verify reports bad lines; here we only decide whether one is due
    return best
