"""`flask catalogue list [--version NAME]`."""
from __future__ import annotations

import click
from flask import Blueprint

from app import clock
from app.catalogue.services import governing_version, version_by_name, versions

cli = Blueprint("catalogue_cli", __name__, cli_group="catalogue")


@cli.cli.command("list")
@click.option("--version", "name", help="Version name (default: the one in force today).")
def list_command(name: str | None) -> None:
    """Print a version's items, code first, one per line."""
    if name:
        version = version_by_name(name)
    else:
        version = governing_version(clock.today()) or next(iter(versions()), None)
    if version is None:
        raise click.ClickException(f"No catalogue version {name!r}." if name
                                   else "The catalogue is empty; run `flask seed-demo`.")
    for item in version.items:
        click.echo(f"{item.code}\t{item.title}\t{item.summary}")
