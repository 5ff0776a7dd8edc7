"""Background and scheduled jobs on the app's own PostgreSQL, through procrastinate.

Modules declare jobs in their `tasks.py` with `@job()` (and `@periodic(cron)` on top); the app
imports `<module>.tasks` for each module in GHIA_MODULES, so core never names a feature
package. A job runs in the worker's app context as one unit of work: it commits when it
returns and rolls back (then is retried) when it raises. `defer()` writes the job into the
caller's own transaction, so a job exists if and only if the action that asked for it commits.
"""

import functools
import importlib
import importlib.util
import logging
from collections.abc import Callable

import procrastinate
from flask import Flask, current_app
from sqlalchemy import make_url

from core.db import db, utcnow
from core.transactions import transactional

log = logging.getLogger(__name__)

# Five tries over about a minute (2, 4, 8, 16 s between them), then the job waits as failed
# for an admin (`flask jobs failed`, `flask jobs retry ID`, /admin/jobs).
DEFAULT_RETRY = procrastinate.RetryStrategy(max_attempts=4, exponential_wait=2)

# Every job is registered here. Its connector is only ever given the session's own
# connection (see `defer`); workers and admin commands use `engine(app)`, which shares these
# jobs and reaches the database through its own pool.
registry = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def job(
    name: str | None = None,
    *,
    retry: procrastinate.RetryStrategy | int | None = DEFAULT_RETRY,
    lock: str | None = None,
    queue: str = "default",
) -> Callable:
    """Register `func(**kwargs)` as a job. `lock`: jobs sharing it run one at a time."""

    def register(func: Callable) -> procrastinate.tasks.Task:
        @functools.wraps(func)
        def run(context: procrastinate.JobContext, **kwargs):
            flask_app = context.additional_context.get("flask_app") or current_app
            with flask_app.app_context():
                try:
                    return transactional(func)(**kwargs)
                except Exception:
                    log.exception("job %s #%s failed", context.job.task_name, context.job.id)
                    raise
                finally:
                    db.session.remove()

        return registry.task(
            name=name or f"{func.__module__}.{func.__name__}",
            pass_context=True,
            retry=retry,
            lock=lock,
            queue=queue,
        )(run)

    return register


def periodic(cron: str, periodic_id: str = "") -> Callable:
    """Also run a job on a schedule (cron, seconds allowed as a sixth field); it gets
    `timestamp`. Each due run is deferred once, however many workers are up."""
    return registry.periodic(cron=cron, periodic_id=periodic_id)


def defer(task: procrastinate.tasks.Task | str, **kwargs) -> int:
    """Queue a job inside the current transaction: it runs after commit, or never."""
    connection = db.session.connection().connection.driver_connection
    if isinstance(task, str):
        return registry.configure_task(task, connection=connection).defer(**kwargs)
    return task.configure(connection=connection).defer(**kwargs)


def conninfo(database_url: str) -> str:
    """libpq's form of an SQLAlchemy URL (keeps `?host=/socket/dir` for the local cluster)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def engine(flask_app: Flask | None = None) -> procrastinate.App:
    """The job engine of this app's database: the same jobs, its own connection pool."""
    flask_app = flask_app or current_app
    if "procrastinate" not in flask_app.extensions:
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(flask_app.config["SQLALCHEMY_DATABASE_URI"])
        )
        flask_app.extensions["procrastinate"] = registry.with_connector(connector)
    return flask_app.extensions["procrastinate"]


def run_worker(flask_app: Flask, **options) -> None:
    """Run jobs until stopped (`wait=False`: until none is due). Options: procrastinate's."""
    options.setdefault("additional_context", {})["flask_app"] = flask_app
    engine(flask_app).run_worker(**options)


def failed_jobs(flask_app: Flask | None = None) -> list[procrastinate.jobs.Job]:
    jobs = engine(flask_app)
    jobs.open()
    try:
        return jobs.job_manager.list_jobs(status="failed")
    finally:
        jobs.close()


def retry(job_id: int, flask_app: Flask | None = None) -> bool:
    """Queue a failed job again, to run now; False when no failed job has this id."""
    jobs = engine(flask_app)
    jobs.open()
    try:
        if not jobs.job_manager.list_jobs(id=job_id, status="failed"):
            return False
        jobs.job_manager.retry_job_by_id(job_id, retry_at=utcnow())
        return True
    finally:
        jobs.close()


def load_module_tasks(module_names: list[str]) -> None:
    """Import `<module>.tasks` where a module has one, which registers its jobs."""
    for name in module_names:
        if importlib.util.find_spec(f"{name}.tasks") is not None:
            importlib.import_module(f"{name}.tasks")


def init_app(flask_app: Flask) -> None:
    load_module_tasks(flask_app.config["GHIA_MODULES"])
