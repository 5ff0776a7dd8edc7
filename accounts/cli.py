from pathlib import Path

import click
from flask import Flask

from accounts import census, services
from accounts.permissions import can_upload_census
from core.errors import Refused
from core.models import Role
from core.transactions import CommandGroup

users_cli = CommandGroup("users", help="User accounts.")
census_cli = CommandGroup("census", help="The census list for residency verification.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.RESIDENT.value)
@click.option("--district", "districts", multiple=True, help="District slug (district_staff).")
@click.option("--name", default=None, help="Display name (default: the e-mail's local part).")
@click.password_option(help="The password; asked for when not given.")
def create(email: str, role: str, districts: tuple[str, ...], name: str | None, password: str):
    """Create a confirmed account with a role, or grant the role to an existing account."""
    problem = services.password_problem(password)
    if problem:
        raise click.ClickException(problem)
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
    click.echo(f"user {user.id} <{user.email}>: {', '.join(sorted(user.roles))}")


@census_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by_email", required=True, help="E-mail of the administrator (audit).")
def census_import(path: Path, by_email: str) -> None:
    """Replace the census list with a CSV (personal_number,district) too big to upload.

    A file with any problem replaces nothing: every problem is listed with its line."""
    admin = services.find_user(by_email)
    if not can_upload_census(admin):
        raise click.ClickException(f"{by_email} is not an administrator")
    try:
        result = census.import_census(path.read_text(encoding="utf-8-sig"), admin)
    except (Refused, UnicodeDecodeError) as error:
        raise click.ClickException(getattr(error, "message", str(error))) from error
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.refused:
        if result.more_problems:
            click.echo(f"… and {result.more_problems} more problems", err=True)
        raise click.ClickException("the census list was not replaced")
    click.echo(f"census: {result.imported} imported")


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(census_cli)
