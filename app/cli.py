"""`flask create-admin` and `flask seed-demo`."""
from __future__ import annotations

import contextlib
import io

import click
from flask import current_app
from flask.cli import with_appcontext

from app.accounts.models import Role
from app.accounts.services import AccountError, create_user
from app.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from app.extensions import db
from app.notifications.services import deliver


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create a verified administrator account."""
    try:
        user = create_user(email, name, password, verified=True, roles=(Role.ADMIN,))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@click.command("seed-demo")
@click.option("--quiet", is_flag=True, help="Do not print the logins table.")
@with_appcontext
def seed_demo(quiet: bool) -> None:
    """Load the demo data (idempotent) and print the demo logins."""
    created = load_demo()
    db.session.commit()
    if current_app.config["MAIL_TRANSPORT"] == "console":
        # The demo's mail belongs to its made-up past: deliver it now, quietly, so the
        # outbox shows it as sent rather than pending (real SMTP sites keep `outbox send`).
        with contextlib.redirect_stdout(io.StringIO()):
            while sum(deliver()):
                pass
    if not quiet:
        click.echo(f"Demo data: {created} new records." if created else "Demo data already loaded.")
        click.echo("")
        click.echo(f"{'email':<34} {'password':<22} role")
        for user in DEMO_USERS:
            click.echo(f"{user['email']:<34} {DEMO_PASSWORD:<22} {user['label']}")


