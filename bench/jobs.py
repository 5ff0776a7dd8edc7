"""Job throughput: a no-op job through 1 and 2 real `flask worker` processes.

The workers start first and wait; then JOBS jobs are queued in one transaction and the clock
runs from that commit until the last job has finished, so process start-up is not counted.
Each job is a full unit of work (app context, session, commit), as a real job is.
"""

import os
import signal
import subprocess
import sys
import time

import psycopg

from bench.common import bench_app
from core import tasks
from core.app import create_app
from core.db import db

JOBS = 2000
TIMEOUT = 120.0


@tasks.job("bench.noop", retry=None)
def noop() -> None:
    """Does nothing: what is measured is the engine and the unit of work around a job."""


def worker_app():
    """The app the worker processes load (`--app bench.jobs:worker_app()`), which also
    registers the no-op job there."""
    return create_app({"GHIA_ENV": "testing", "SECRET_KEY": "bench"})


def _scalar(url: str, query: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchone()[0]


def _wait_for(url: str, query: str, expected: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while _scalar(url, query) != expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{query} never became {expected}")
        time.sleep(0.01)


def _start_workers(count: int, database_url: str) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": database_url, "GHIA_ENV": "testing"}
    command = [sys.executable, "-m", "flask", "--app", "bench.jobs:worker_app()", "worker"]
    return [subprocess.Popen(command, env=env) for _ in range(count)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=30)


def jobs_per_second(app, workers: int) -> float:
    url = tasks.conninfo(app.config["SQLALCHEMY_DATABASE_URI"])
    processes = _start_workers(workers, app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        _wait_for(url, "SELECT count(*) FROM procrastinate_workers", workers)
        with app.app_context():
            for _ in range(JOBS):
                tasks.defer(noop)
            db.session.commit()
        started = time.perf_counter()
        _wait_for(url, "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'bench.noop'", 0)
        return round(JOBS / (time.perf_counter() - started), 1)
    finally:
        _stop(processes)


def run() -> dict:
    app = bench_app()
    return {
        "jobs_per_s_1_worker": jobs_per_second(app, 1),
        "jobs_per_s_2_workers": jobs_per_second(app, 2),
        "jobs_per_run": JOBS,
    }
