"""`flask deadlines sweep`."""
from __future__ import annotations

import click
from flask import Blueprint

from app.extensions import db
from app.proceedings.deadlines import sweep

cli = Blueprint("deadlines_cli", __name__, cli_group="deadlines")


@cli.cli.command("sweep")
def sweep_command() -> None:
    """Send deadline reminders and apply the workflow's default for missed deadlines."""
    report = sweep()
    db.session.commit()
    for line in report.reminders:
        click.echo(f"reminder: {line}")
    for line in report.missed:
        click.echo(f"missed: {line}")
    click.echo(f"{len(report.reminders)} reminders, {len(report.missed)} missed deadlines.")
