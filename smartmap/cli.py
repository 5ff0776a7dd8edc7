"""`flask smartmap …`: default categories, a category's questions, Open311 API keys, the
reports' order on disk."""

import time

import click
from flask import Flask

from core.transactions import CommandGroup
from smartmap import demo, open311, services

smartmap_cli = CommandGroup("smartmap", help="The smart map.")


@smartmap_cli.command("categories")
def categories() -> None:
    """Add the default Tbilisi categories that are missing (admins edit them afterwards)."""
    before = len(services.active_categories())
    demo.ensure_categories()
    click.echo(f"smartmap: {len(services.active_categories()) - before} categories added")


@smartmap_cli.command("questions")
@click.argument("code")
def list_questions(code: str) -> None:
    """Show the questions of the category CODE, in order (admins edit them at /map/categories)."""
    category = services.category_by_code(code, active_only=False)
    if category is None:
        raise click.ClickException(f"no category with the service code {code!r}")
    for number, question in enumerate(category.attributes, 1):
        state = "active" if question.active else "inactive"
        required = "required" if question.required else "optional"
        click.echo(
            f"{number}. {question.code} ({question.datatype}, {required}, {state}):"
            f" {question.description_en} / {question.description_ka}"
        )
    if not category.attributes:
        click.echo(f"{code}: no questions")


@smartmap_cli.command("reorder")
def reorder() -> None:
    """Rewrite the reports in spatial order (locks them while it runs: a quiet hour)."""
    started = time.perf_counter()
    services.reorder_reports()
    click.echo(
        f"smartmap: reports rewritten in spatial order in {time.perf_counter() - started:.1f} s"
    )


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
