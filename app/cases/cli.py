"""`flask cases rebuild-party-names`."""
from __future__ import annotations

import click
from flask import Blueprint

from app.cases.party_names import rebuild_party_names

cli = Blueprint("cases_cli", __name__, cli_group="cases")


@cli.cli.command("rebuild-party-names")
def rebuild_party_names_command() -> None:
    """Recompute the names each case is found by from the cases, the registry and the
    accounts (beat does it nightly; safe at any time)."""
    result = rebuild_party_names()
    click.echo(f"Case names rebuilt; {result['drift']} case(s) differed from the kept ones.")
