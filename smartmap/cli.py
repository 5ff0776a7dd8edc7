"""`flask smartmap …`: Open311 API keys."""

import click
from flask import Flask

from core.transactions import CommandGroup
from smartmap import open311

smartmap_cli = CommandGroup("smartmap", help="The smart map.")


api_key = CommandGroup("api-key", help="Keys for Open311 clients that submit reports.")
smartmap_cli.add_command(api_key)


@api_key.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Issue a key for the client NAME; it is printed once (only its hash is stored)."""
    key = open311.issue_api_key(name.strip()[:120] or "client")
    click.echo(f"Open311 API key for {name}:")
    click.echo(key)


def register(app: Flask) -> None:
    app.cli.add_command(smartmap_cli)
