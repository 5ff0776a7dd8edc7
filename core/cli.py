"""`flask` commands of the core: demo data, districts, mail, jobs, the development server."""

import threading
from pathlib import Path

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from core import mail, tasks
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
jobs_cli = CommandGroup("jobs", help="Background jobs.")


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
def mail_send() -> None:
    """Deliver due mail from the outbox over SMTP once (the worker does it continuously)."""
    sent, postponed = mail.send_due(limit=10_000)
    click.echo(f"mail: {sent} sent, {postponed} postponed")


@click.command("worker")
@click.option("--concurrency", default=1, show_default=True, help="Jobs run at once.")
@click.option("--queue", "queues", multiple=True, help="Only these queues (default: all).")
def worker(concurrency: int, queues: tuple[str, ...]) -> None:
    """Run background jobs until stopped; start as many as needed, on any machine."""
    tasks.run_worker(
        current_app._get_current_object(),
        concurrency=concurrency,
        queues=list(queues) or None,
        delete_jobs="successful",
    )


@jobs_cli.command("failed")
def jobs_failed() -> None:
    """List jobs that failed every try."""
    for job in tasks.failed_jobs():
        click.echo(f"{job.id}\t{job.task_name}\t{job.attempts} tries\t{job.failed_at}\t{job.args}")


@jobs_cli.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id: int) -> None:
    """Run a failed job again."""
    if not tasks.retry(job_id):
        raise click.ClickException(f"no failed job {job_id}")
    click.echo(f"job {job_id} queued again")


@dev_cli.command("run")
@click.option("--port", type=int, help="Port of the site  [default: PORT, else 5000]")
def dev_run(port: int | None) -> None:
    """Serve with a local SMTP catcher on MAIL_PORT (shown at /dev/mail) and a job worker."""
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
    options = {"install_signal_handlers": False, "delete_jobs": "successful"}
    threading.Thread(target=tasks.run_worker, args=(app,), kwargs=options, daemon=True).start()
    click.echo(f"Ghia: http://127.0.0.1:{port}/  (caught mail: http://127.0.0.1:{port}/dev/mail)")
    run_simple("127.0.0.1", port, app, threaded=True)


def register(app: Flask) -> None:
    for group in (demo_cli, districts_cli, mail_cli, dev_cli, jobs_cli, worker):
        app.cli.add_command(group)
