"""`flask messages digest`: send the daily digests of new case messages now."""
from __future__ import annotations

import click
from flask import Blueprint

from app.extensions import db
from app.messages.services import send_digests

cli = Blueprint("messages_cli", __name__, cli_group="messages")


@cli.cli.command("digest")
def digest_command() -> None:
    """Email each daily-digest reader where their new messages are (never their text)."""
    lines = send_digests()
    db.session.commit()
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} digest(s) sent.")
