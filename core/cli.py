"""`flask` commands of the core: demo data, districts, mail, the development server."""

import threading
from pathlib import Path

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from core import mail
from core.config import PROJECT_ROOT
from core.districts import import_geojson
from core.errors import Refused
from core.registry import current_registry
from core.transactions import CommandGroup

DEMO_DISTRICTS = PROJECT_ROOT / "core" / "data" / "tbilisi-districts-demo.geojson"

demo_cli = CommandGroup("demo", help="Demo data.")
districts_cli = CommandGroup("districts", help="City districts.")
mail_cli = CommandGroup("mail", help="The mail outbox.")
dev_cli = CommandGroup("dev", help="Development helpers.")


def _import_districts(path: Path) -> None:
    try:
        report = import_geojson(path)
    except Refused as error:
        raise click.ClickException(error.message) from error
    for line in report.refused:
        click.echo(f"refused {line}", err=True)
    click.echo(
        f"districts: {len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.repaired)} repaired, {len(report.refused)} refused"
    )
    if report.refused and not (report.created or report.updated):
        raise click.ClickException("no district was imported")


@districts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def districts_import(path: Path) -> None:
    """Create or update districts from a GeoJSON FeatureCollection (matched by slug)."""
    _import_districts(path)


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo districts and every module's demo data; running it again adds nothing."""
    if current_app.config["GHIA_ENV"] == "production":
        raise click.ClickException("demo data is not loaded in production")
    _import_districts(DEMO_DISTRICTS)
    for loader in current_registry().demo_loaders():
        click.echo(loader())


@mail_cli.command("send")
@click.option("--worker", is_flag=True, help="Keep running and deliver mail as it arrives.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds.")
def mail_send(worker: bool, interval: float) -> None:
    """Deliver due mail from the outbox over SMTP (MAIL_SERVER, MAIL_PORT)."""
    if worker:
        mail.run_worker(interval)
        return
    sent, failed = mail.send_due(limit=10_000)
    click.echo(f"mail: {sent} sent, {failed} postponed")


@dev_cli.command("run")
@click.option("--port", default=5000, show_default=True)
def dev_run(port: int) -> None:
    """Serve with a local SMTP catcher (shown at /dev/mail) and a mail worker."""
    from core.devmail import start_catcher

    app = current_app._get_current_object()
    smtp_port = app.config["MAIL_PORT"]
    start_catcher(app.config["DEV_MAILDIR"], smtp_port)
    threading.Thread(target=_worker, args=(app,), daemon=True).start()
    click.echo(f"Ghia: http://127.0.0.1:{port}/  (caught mail: http://127.0.0.1:{port}/dev/mail)")
    run_simple("127.0.0.1", port, app, threaded=True)


def _worker(app: Flask) -> None:
    with app.app_context():
        mail.run_worker(interval=1.0)


def register(app: Flask) -> None:
    for group in (demo_cli, districts_cli, mail_cli, dev_cli):
        app.cli.add_command(group)
