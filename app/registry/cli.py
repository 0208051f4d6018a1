"""`flask registry import FILE.csv`."""
from __future__ import annotations

import sys

import click
from flask import Blueprint

from app.extensions import db
from app.registry.services import import_csv

cli = Blueprint("registry_cli", __name__, cli_group="registry")


@cli.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import certificants from a CSV file and print a per-row report."""
    with open(path, "rb") as handle:
        report = import_csv(handle.read(), None, source=path)
    if report.error:
        raise click.ClickException(report.error)
    db.session.commit()
    for row in report.rows:
        reason = f": {row.reason}" if row.reason else ""
        click.echo(f"line {row.line}\t{row.cert_number or '-'}\t{row.outcome}{reason}")
    click.echo(", ".join(f"{v} {k}" for k, v in report.summary.items()))
    if report.count("rejected"):
        # The good rows are stored; the exit status tells scripts that some were not.
        sys.exit(1)
