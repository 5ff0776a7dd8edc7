"""Background and scheduled jobs on the app's own PostgreSQL, through procrastinate.

Modules declare jobs in their `tasks.py` with `@job()` (and `@periodic(cron)` on top); the app
imports `<module>.tasks` for each module in GHIA_MODULES, so core never names a feature
package. A job runs in the worker's app context as one unit of work: it commits when it
returns and rolls back (then is retried) when it raises. `defer()` writes the job into the
caller's own transaction, so a job exists if and only if the action that asked for it commits.
"""

import contextlib
import functools
import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterator

import procrastinate
from flask import Flask, current_app
from sqlalchemy import make_url

from core.db import db, utcnow
from core.transactions import transactional

log = logging.getLogger(__name__)

# Five tries over about a minute (2, 4, 8, 16 s between them), then the job waits as failed
# for an admin (`flask jobs failed`, `flask jobs retry ID`, /admin/jobs).
DEFAULT_RETRY = procrastinate.RetryStrategy(max_attempts=4, exponential_wait=2)

# Every job is registered here. A worker plugs its app's database in for as long as it runs
# (`run_worker`); deferring inside an action goes through the session's own connection.
registry = procrastinate.App(connector=procrastinate.PsycopgConnector())
# Only ever handed an outside connection, so it needs no pool and works in any thread.
_in_transaction = procrastinate.manager.JobManager(procrastinate.SyncPsycopgConnector())

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
            # A request context on BASE_URL, so `url_for` and mail links work in jobs too.
            with flask_app.test_request_context(base_url=flask_app.config["BASE_URL"]):
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
        task = registry.tasks[task]
    job = task.configure().job
    return procrastinate.jobs.JobDeferrer(_in_transaction, job, connection).defer(**kwargs)


def conninfo(database_url: str) -> str:
    """libpq's form of an SQLAlchemy URL (keeps `?host=/socket/dir` for the local cluster)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def run_worker(flask_app: Flask, **options) -> None:
    """Run jobs until stopped (`wait=False`: until none is due). Options: procrastinate's."""
    options.setdefault("additional_context", {})["flask_app"] = flask_app
    connector = procrastinate.PsycopgConnector(conninfo=_conninfo_of(flask_app))
    with registry.replace_connector(connector):
        registry.run_worker(**options)


def _conninfo_of(flask_app: Flask | None) -> str:
    return conninfo((flask_app or current_app).config["SQLALCHEMY_DATABASE_URI"])


@contextlib.contextmanager
def _admin(flask_app: Flask | None) -> Iterator[procrastinate.manager.JobManager]:
    """A short-lived connection for admin look-ups, apart from any running worker."""
    connector = procrastinate.SyncPsycopgConnector(
        conninfo=_conninfo_of(flask_app), min_size=1, max_size=1
    )
    connector.open()
    try:
        yield procrastinate.manager.JobManager(connector)
    finally:
        connector.close()


def failed_jobs(flask_app: Flask | None = None) -> list[procrastinate.jobs.Job]:
    with _admin(flask_app) as jobs:
        return jobs.list_jobs(status="failed")


def retry(job_id: int, flask_app: Flask | None = None) -> bool:
    """Queue a failed job again, to run now; False when no failed job has this id."""
    with _admin(flask_app) as jobs:
        if not jobs.list_jobs(id=job_id, status="failed"):
            return False
        jobs.retry_job_by_id(job_id, retry_at=utcnow())
        return True


def load_module_tasks(module_names: list[str]) -> None:
    """Import `<module>.tasks` where a module has one, which registers its jobs."""
    for name in module_names:
        if importlib.util.find_spec(f"{name}.tasks") is not None:
            importlib.import_module(f"{name}.tasks")


def init_app(flask_app: Flask) -> None:
    load_module_tasks(flask_app.config["GHIA_MODULES"])
