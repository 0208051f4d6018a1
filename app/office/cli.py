"""`flask office rebuild-waits`."""
from __future__ import annotations

import click
from flask import Blueprint

from app.office.tasks import rebuild_waits

cli = Blueprint("office_cli", __name__, cli_group="office")


@cli.cli.command("rebuild-waits")
def rebuild_waits_command() -> None:
    """Recompute what waits on whom (the homes' due lists) from the cases; run after the
    upgrade that adds them, safe at any time."""
    result = rebuild_waits()
    click.echo(f"Waiting items rebuilt; {result['drift']} row(s) differed from the kept ones.")
