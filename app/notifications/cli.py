"""`flask outbox send`."""
from __future__ import annotations

import click
from flask import Blueprint

from app.notifications.services import deliver

cli = Blueprint("outbox_cli", __name__, cli_group="outbox")


@cli.cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Most messages to try.")
def send_command(limit: int) -> None:
    """Deliver the messages that are due; failures are kept for a later retry."""
    sent, failed = deliver(limit=limit)
    click.echo(f"{sent} sent, {failed} failed (kept for retry).")
