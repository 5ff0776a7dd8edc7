"""`flask` commands of the core: demo data, districts, mail, the development server."""

import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from core import mail
from core.config import PROJECT_ROOT
from core.db import db
from core.districts import import_geojson
from core.errors import Refused
from core.registry import demo_loaders

DEMO_DISTRICTS = PROJECT_ROOT / "core" / "data" / "tbilisi-districts-demo.geojson"

demo_cli = AppGroup("demo", help="Demo data.")
districts_cli = AppGroup("districts", help="City districts.")
mail_cli = AppGroup("mail", help="The mail outbox.")
dev_cli = AppGroup("dev", help="Development helpers.")


def _import_districts(path: Path) -> None:
    try:
        report = import_geojson(path)
    except Refused as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
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
    for loader in demo_loaders():
        click.echo(loader())
        db.session.commit()


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
@click.option("--port", type=int, help="Port of the site  [default: PORT, else 5000]")
def dev_run(port: int | None) -> None:
    """Serve with a local SMTP catcher on MAIL_PORT (shown at /dev/mail) and a mail worker."""
    from core.devmail import start_catcher

    app = current_app._get_current_object()
    port = port or app.config["PORT"]
    smtp_port = app.config["MAIL_PORT"]
    try:
        start_catcher(app.config["DEV_MAILDIR"], smtp_port)
    except OSError as error:
        raise click.ClickException(
            f"the mail catcher cannot listen on port {smtp_port} ({error}); "
            "is another checkout running? Choose another with MAIL_PORT=…"
        ) from error
    threading.Thread(target=_worker, args=(app,), daemon=True).start()
    click.echo(f"Ghia: http://127.0.0.1:{port}/  (caught mail: http://127.0.0.1:{port}/dev/mail)")
    run_simple("127.0.0.1", port, app, threaded=True)


def _worker(app: Flask) -> None:
    with app.app_context():
        mail.run_worker(interval=1.0)


def register(app: Flask) -> None:
    for group in (demo_cli, districts_cli, mail_cli, dev_cli):
        app.cli.add_command(group)
