"""`flask catalogue list [--version NAME]`."""
from __future__ import annotations

import click
from flask import Blueprint

from app.catalogue.services import version_by_name, versions

cli = Blueprint("catalogue_cli", __name__, cli_group="catalogue")


@cli.cli.command("list")
@click.option("--version", "name", help="Version name (default: the latest).")
def list_command(name: str | None) -> None:
    """Print a version's items, code first, one per line."""
    version = version_by_name(name) if name else next(iter(versions()), None)
    if version is None:
        raise click.ClickException(f"No catalogue version {name!r}." if name
                                   else "The catalogue is empty; run `flask seed-demo`.")
    for item in version.items:
        click.echo(f"{item.code}\t{item.title}\t{item.summary}")
