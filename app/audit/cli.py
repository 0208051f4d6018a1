"""`flask audit verify`."""
from __future__ import annotations

import sys

import click
from flask import Blueprint

from app.audit.services import verify_chain

cli = Blueprint("audit_cli", __name__, cli_group="audit")


@cli.cli.command("verify")
def verify_command() -> None:
    """Check every entry's hash and link; exit 1 at the first broken one."""
    report = verify_chain()
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} entries checked.")
        return
    click.echo(f"Audit chain BROKEN at entry {report.broken_id}: {report.reason}. "
               f"{report.checked} entries before it are intact.", err=True)
    sys.exit(1)
