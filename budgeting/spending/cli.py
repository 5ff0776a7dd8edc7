"""`flask --app wsgi budgeting import-spending PATH` (SPEC §9)."""

import sys
from pathlib import Path

import click

from budgeting.cli import budgeting_cli
from budgeting.spending import importer
from core.errors import Refused


def _report(result: importer.SpendingImport) -> None:
    for problem in result.problems:
        click.echo(problem, err=True)
    if result.more_problems:
        click.echo(f"… and {result.more_problems} more refused lines", err=True)


@budgeting_cli.command("import-spending")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_spending(path: Path) -> None:
    """Add or update spending lines from a CSV (year,district,category,planned,actual[,
    category_en,description,source]). A file with any refused line changes nothing."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{path} is not UTF-8 text ({error})") from error
    lines = text.count("\n") + 1
    try:
        with click.progressbar(length=lines, label="reading", file=sys.stderr) as bar:
            result = importer.import_spending(text, progress=bar.update)
    except Refused as error:
        raise click.ClickException(f"{path}: {error.message}") from error
    _report(result)
    if result.refused:
        raise click.ClickException(
            f"{path.name}: {len(result.problems) + result.more_problems} of {result.read} "
            "lines refused, nothing imported"
        )
    click.echo(
        f"imported {path.name}: {result.read} lines read, {result.created} new, "
        f"{result.updated} updated, {result.unchanged} unchanged"
    )
