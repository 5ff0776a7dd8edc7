import click
from flask import Flask
from flask.cli import AppGroup

from accounts import services
from core.db import db
from core.errors import Refused
from core.models import Role

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--district", "districts", multiple=True, help="District slug (district_staff).")
@click.option("--name", default=None, help="Display name (default: the e-mail's local part).")
@click.password_option(help="The password; asked for when not given.")
def create(email: str, role: str, districts: tuple[str, ...], name: str | None, password: str):
    """Create a confirmed account with a role, or grant the role to an existing account."""
    if len(password) < 10:
        raise click.ClickException("the password needs at least 10 characters")
    try:
        user = services.find_user(email)
        if user:
            services.grant_role(user, Role(role), districts)
        else:
            user = services.create_user(
                email, name or email.split("@")[0], password, Role(role), districts
            )
    except Refused as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"user {user.id} <{user.email}>: {', '.join(sorted(user.roles))}")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
