import json
import sys
import time
from pathlib import Path

import click
from flask import Flask

from budgeting import elections, pabulib, tally
from budgeting.models import Ballot
from core.db import db
from core.transactions import CommandGroup

budgeting_cli = CommandGroup("budgeting", help="District budget surveys and pabulib elections.")


def _ballot(ballot_id: int) -> Ballot:
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is None:
        raise click.ClickException(f"there is no ballot {ballot_id}")
    return ballot


@budgeting_cli.command("import-pb")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_pb(path: Path) -> None:
    """Import a pabulib .pb file as a closed district ballot; prints its id on the last line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{path} is not UTF-8 text ({error})") from error
    with click.progressbar(length=len(text), label="reading", file=sys.stderr) as bar:
        try:
            pb = pabulib.parse(text, progress=bar.update)
        except pabulib.PbError as error:
            raise click.ClickException(f"{path}: {error}") from error
    with click.progressbar(length=len(pb.votes), label="storing", file=sys.stderr) as bar:
        ballot = elections.import_pb(pb, progress=bar.update)
    click.echo(f"imported {path.name}: {len(pb.projects)} projects, {len(pb.votes)} votes")
    click.echo(ballot.id)


@budgeting_cli.command("export-pb")
@click.argument("ballot_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_pb(ballot_id: int, path: Path) -> None:
    """Write a ballot's projects and anonymised votes as a pabulib .pb file."""
    pb = elections.export_pb(_ballot(ballot_id))
    path.write_text(pabulib.write(pb), encoding="utf-8")
    click.echo(f"wrote {path}: {len(pb.projects)} projects, {len(pb.votes)} votes")


def _number(value):
    return int(value) if value.denominator == 1 else float(value)


@budgeting_cli.command("tally")
@click.argument("ballot_id", type=int)
@click.option("--rule", type=click.Choice(tally.RULES), default="greedy", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object (SPEC §9).")
def tally_command(ballot_id: int, rule: str, as_json: bool) -> None:
    """Compute which projects a rule selects from the ballot's votes."""
    election = elections.election(_ballot(ballot_id))
    started = time.perf_counter()
    try:
        outcome = tally.run(election, rule)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    seconds = time.perf_counter() - started
    if as_json:
        result = {
            "selected": outcome.selected,
            "funds_used": _number(outcome.funds_used),
            "seconds": round(seconds, 4),
        }
        click.echo(json.dumps(result))
        return
    click.echo(f"{rule}: {len(outcome.selected)} projects, {float(outcome.funds_used):,.2f} used")
    click.echo(" ".join(outcome.selected))


def register(app: Flask) -> None:
    app.cli.add_command(budgeting_cli)
