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
from dataclasses import dataclass
from datetime import datetime

import procrastinate
from flask import Flask, current_app
from sqlalchemy import make_url, text

from core.db import db
from core.transactions import transactional

log = logging.getLogger(__name__)

# Five tries over about a minute (2, 4, 8, 16 s between them), then the job waits as failed
# for an admin (`flask jobs failed`, `flask jobs retry ID`, /admin/jobs).
DEFAULT_RETRY = procrastinate.RetryStrategy(max_attempts=4, exponential_wait=2)

# Every job is registered here: jobs are code, like view functions, so there is one job app
# per process (which consequences of events an app runs is registered per app, in its
# registry). A worker plugs its app's database in for as long as it runs (`run_worker`), so
# a process runs one worker app at a time; deferring inside an action goes through the
# session's own connection.
job_app = procrastinate.App(connector=procrastinate.PsycopgConnector())
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
            # An app context of its own (so a session of its own, even when the worker runs
            # inside `flask worker`'s context) and a request on BASE_URL for `url_for`.
            with (
                flask_app.app_context(),
                flask_app.test_request_context(base_url=flask_app.config["BASE_URL"]),
            ):
                try:
                    return transactional(func)(**kwargs)
                except Exception:
                    log.exception("job %s #%s failed", context.job.task_name, context.job.id)
                    raise
                finally:
                    db.session.remove()

        return job_app.task(
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
    return job_app.periodic(cron=cron, periodic_id=periodic_id)


def defer(task: procrastinate.tasks.Task | str, **kwargs) -> int:
    """Queue a job inside the current transaction: it runs after commit, or never."""
    connection = db.session.connection().connection.driver_connection
    if isinstance(task, str):
        task = job_app.tasks[task]
    job = task.configure().job
    return procrastinate.jobs.JobDeferrer(_in_transaction, job, connection).defer(**kwargs)


def conninfo(database_url: str) -> str:
    """libpq's form of an SQLAlchemy URL (keeps `?host=/socket/dir` for the local cluster)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def run_worker(flask_app: Flask, **options) -> None:
    """Run jobs until stopped (`wait=False`: until none is due). Options: procrastinate's."""
    options.setdefault("additional_context", {})["flask_app"] = flask_app
    connector = procrastinate.PsycopgConnector(conninfo=_conninfo_of(flask_app))
    with job_app.replace_connector(connector):
        job_app.run_worker(**options)


def _conninfo_of(flask_app: Flask) -> str:
    return conninfo(flask_app.config["SQLALCHEMY_DATABASE_URI"])


@dataclass(frozen=True)
class FailedJob:
    id: int
    task_name: str
    args: dict
    attempts: int
    failed_at: datetime | None


FAILED_JOBS = text(
    """
    SELECT j.id, j.task_name, j.args, j.attempts,
           (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) AS failed_at
    FROM procrastinate_jobs j WHERE j.status = 'failed' ORDER BY j.id
    """
)


def failed_jobs() -> list[FailedJob]:
    """Jobs that failed every try and wait for an admin."""
    return [FailedJob(**row._mapping) for row in db.session.execute(FAILED_JOBS)]


def retry(job_id: int) -> bool:
    """Queue a failed job again, to run now, in the current transaction; False when no
    failed job has this id."""
    status = db.session.scalar(
        text("SELECT status FROM procrastinate_jobs WHERE id = :id FOR UPDATE"), {"id": job_id}
    )
    if status != "failed":
        return False
    db.session.execute(
        text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"), {"id": job_id}
    )
    return True


def load_module_tasks(module_names: list[str]) -> None:
    """Import `<module>.tasks` where a module has one, which registers its jobs."""
    for name in module_names:
        if importlib.util.find_spec(f"{name}.tasks") is not None:
            importlib.import_module(f"{name}.tasks")


def init_app(flask_app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from core.jobs_admin import bp
    from core.permissions import can_manage_jobs
    from core.registry import registry

    flask_app.register_blueprint(bp)
    registry(flask_app).add_tool_link("jobs_admin.failed", _l("Failed jobs"), can_manage_jobs, 95)
    load_module_tasks(flask_app.config["GHIA_MODULES"])
