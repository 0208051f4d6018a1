"""`flask deadlines sweep`."""
from __future__ import annotations

import click
from flask import Blueprint

from app.jobs.sweeping import run_sweep

cli = Blueprint("deadlines_cli", __name__, cli_group="deadlines")


@cli.cli.command("sweep")
def sweep_command() -> None:
    """Send deadline reminders and apply the workflow's default for missed deadlines."""
    report = run_sweep()  # each case in its own transaction; safe beside another sweep
    for line in report.reminders:
        click.echo(f"reminder: {line}")
    for line in report.missed:
        click.echo(f"missed: {line}")
    for case_id in report.failed:
        click.echo(f"failed: case {case_id} (rolled back, see the log)")
    click.echo(f"{len(report.reminders)} reminders, {len(report.missed)} missed deadlines.")
