"""`flask audit seal | checkpoint | verify`."""
from __future__ import annotations

import sys

import click
from flask import Blueprint

from app.audit.checkpoints import checkpoint_path
from app.audit.sealing import checkpoint_now, seal_pending
from app.audit.services import verify_chain

cli = Blueprint("audit_cli", __name__, cli_group="audit")


@cli.cli.command("seal")
def seal_command() -> None:
    """Link every pending entry into the chain (waits for a sealer already running)."""
    click.echo(f"Sealed {seal_pending()} entries.")


@cli.cli.command("checkpoint")
def checkpoint_command() -> None:
    """Seal, then append a signed checkpoint of the chain's head to the checkpoint file."""
    checkpoint = checkpoint_now()
    click.echo(f"Checkpoint written to {checkpoint_path()}: {checkpoint.count} entries, "
               f"last {checkpoint.last_seq}, head {checkpoint.head[:16]}…")


@cli.cli.command("verify")
def verify_command() -> None:
    """Seal, then check every entry and the checkpoints; exit 1 at the first fault."""
    sealed = seal_pending()
    report = verify_chain()
    if report.ok:
        against = (f" Consistent with the signed checkpoint of {report.checkpoint.at} "
                   f"({report.checkpoint.count} entries)." if report.checkpoint else
                   " No checkpoint to compare against (run `flask audit checkpoint`).")
        click.echo(f"Audit chain intact: {report.checked} entries checked ({sealed} sealed "
                   f"now, {report.redacted} redacted, {report.pending} pending).{against}")
        return
    where = (f"entry {report.broken_id} (number {report.broken_seq} in the chain)"
             if report.broken_id is not None else
             f"number {report.broken_seq} in the chain" if report.broken_seq else "the checkpoints")
    click.echo(f"Audit chain BROKEN at {where}: {report.reason}. "
               f"{report.checked} entries before it are intact.", err=True)
    sys.exit(1)
