"""`flask documents verify FILE.pdf`."""
from __future__ import annotations

import sys

import click
from flask import Blueprint

from app.documents.services import verify_copy

cli = Blueprint("documents_cli", __name__, cli_group="documents")


@cli.cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--number", help="Check against this document number only.")
def verify_command(path: str, number: str | None) -> None:
    """Say whether a PDF is byte for byte a document the committee issued."""
    with open(path, "rb") as f:
        result = verify_copy(f.read(), number)
    if result.matches:
        d = result.document
        state = (f"superseded by {d.superseded_by.number}" if d.superseded else "in force")
        click.echo(f"MATCH: {d.number}, {d.title}, issued {d.issued_at:%Y-%m-%d %H:%M} UTC "
                   f"({state}). SHA-256 {result.sha256}")
        return
    if number and result.document is not None:
        click.echo(f"NO MATCH: this file is not the issued {number}. Its SHA-256 is "
                   f"{result.sha256}; the issued document's is {result.document.sha256}.")
    elif number:
        click.echo(f"NO MATCH: no document {number} was ever issued.")
    else:
        click.echo(f"NO MATCH: no issued document has SHA-256 {result.sha256}.")
    sys.exit(1)
