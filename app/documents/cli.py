"""`flask documents verify FILE.pdf` and `flask documents verify BUNDLE.zip`."""
from __future__ import annotations

import sys
import zipfile

import click
from flask import Blueprint

from app.documents.bundles import verify_bundle
from app.documents.services import verify_copy

cli = Blueprint("documents_cli", __name__, cli_group="documents")


@cli.cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--number", help="Check against this document number only.")
def verify_command(path: str, number: str | None) -> None:
    """Say whether a PDF is byte for byte a document the committee issued, or whether a
    record ZIP is intact (its index, its manifest and every member)."""
    if zipfile.is_zipfile(path):
        _verify_bundle(path)
        return
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


def _verify_bundle(path: str) -> None:
    check = verify_bundle(path)
    for failure in check.failures:
        click.echo(f"FAILED: {failure}")
    if not check.ok:
        click.echo(f"BROKEN: {len(check.failures)} problem(s); {check.members} member(s) "
                   "matched the manifest.")
        sys.exit(1)
    d = check.index
    click.echo(f"INTACT: index {d.number}, issued {d.issued_at:%Y-%m-%d %H:%M} UTC; the "
               f"manifest (SHA-256 {d.attests}) and all {check.members} member(s) match.")
